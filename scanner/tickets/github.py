"""Tickets as GitHub issues (``github:OWNER/REPO``), through PyGithub.

The same connection rules as every GitHub call (``scanner.github.client``):
``--github-url``, else ``GITHUB_API_URL``, else api.github.com (so GitHub
Enterprise Server and the tests' loopback server work); a token from
``GITHUB_TOKEN``/``GH_TOKEN`` or a GitHub App from its variables, never from
argv, never logged. Each issue body starts with a
hidden marker holding the ticket id; a rerun lists the repo's ``leakwarden``
issues, finds the marker and edits that issue instead of opening another.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from github import Auth, Github, GithubException
from github.GithubRetry import GithubRetry
from github.Issue import Issue
from github.Repository import Repository

from scanner.tickets.model import DestinationError, TicketOutcome
from scanner.tickets.read_secrets import SecretTicket, Ticket, outcome, parents_first
from scanner.tickets.render import render_markdown

LABELS = ("leakwarden", "secret-rotation")
MARKER = re.compile(r"<!-- leakwarden:ticket:([0-9a-f]{16})(?::([0-9a-f]{12}))? -->")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


_TICKED = re.compile(r"^\d+\. \[[xX]\] \*\*(.+?)\*\*", re.MULTILINE)


def keep_ticks(old_body: str, new_body: str) -> str:
    """Carry the runbook steps a responder already ticked over to the new body,
    so an update with a new location does not undo their progress."""
    done = set(_TICKED.findall(old_body))
    if not done:
        return new_body
    return re.sub(
        r"^(\d+)\. \[ \] \*\*(.+?)\*\*",
        lambda m: f"{m.group(1)}. [x] **{m.group(2)}**" if m.group(2) in done else m.group(0),
        new_body,
        flags=re.MULTILINE,
    )


def _why(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    return f"HTTP {exc.status}: {data.get('message') or 'no message'}"


@dataclass
class GitHubDestination:
    repo_name: str
    api_url: str
    auth: Auth.Auth = field(repr=False)
    timeout: float = 15.0
    retries: int = 3

    @classmethod
    def from_env(
        cls, repo_name: str, github_url: str | None = None, environ: Mapping[str, str] | None = None
    ) -> GitHubDestination:
        from scanner.github.client import GitHubConfigError, api_url_from_env, auth_from_env

        if not _REPO.match(repo_name):
            raise DestinationError(f"github:{repo_name} is not github:OWNER/REPO")
        try:
            auth = auth_from_env(environ)
        except GitHubConfigError as exc:
            raise DestinationError(f"github: destination: {exc}") from None
        return cls(repo_name=repo_name, api_url=api_url_from_env(github_url, environ), auth=auth)

    def _client(self) -> Github:
        return Github(
            base_url=self.api_url,
            auth=self.auth,
            timeout=int(self.timeout),
            # Bounded: a 5xx or rate-limit answer is retried a few times, then
            # reported as that ticket's error.
            retry=GithubRetry(total=self.retries, backoff_factor=0.2),
        )

    def _existing(self, repo: Repository) -> dict[str, tuple[Issue, str | None]]:
        """The repo's leakwarden issues by ticket id, with the digest each was written with."""
        found: dict[str, tuple[Issue, str | None]] = {}
        for issue in repo.get_issues(state="all", labels=[LABELS[0]]):
            match = MARKER.search(issue.body or "")
            # The oldest issue with a marker wins, should a person have copied one.
            if match and match.group(1) not in found:
                found[match.group(1)] = (issue, match.group(2))
        return found

    def send(self, tickets: Sequence[Ticket]) -> list[TicketOutcome]:
        where = f"github:{self.repo_name}"
        try:
            repo = self._client().get_repo(self.repo_name)
            existing = self._existing(repo)
        except GithubException as exc:
            message = f"cannot read issues of {self.repo_name} at {self.api_url} ({_why(exc)})"
            return [outcome(t, "error", where, message) for t in tickets]
        outcomes = []
        for ticket in parents_first(tickets):
            if isinstance(ticket, SecretTicket) and ticket.parent_ticket_id:
                # The parent key's issue (opened now or on an earlier run):
                # "#N" makes GitHub cross-link the two.
                parent = existing.get(ticket.parent_ticket_id)
                ticket.parent = f"#{parent[0].number}" if parent else None
            body = render_markdown(ticket)
            issue, digest = existing.get(ticket.ticket_id, (None, None))
            try:
                if issue is None:
                    issue = repo.create_issue(title=ticket.title, body=body, labels=list(LABELS))
                    existing[ticket.ticket_id] = (issue, ticket.digest)
                    outcomes.append(outcome(ticket, "created", issue.html_url))
                elif digest == ticket.digest and issue.state == "open":
                    outcomes.append(outcome(ticket, "unchanged", issue.html_url))
                elif isinstance(ticket, SecretTicket) and issue.state != "open":
                    # The read is history: a closed secret ticket means the
                    # secret was rotated. Rerunning on the same report must
                    # not reopen it.
                    outcomes.append(outcome(ticket, "unchanged", issue.html_url,
                                            "closed: left closed"))
                else:
                    # A closed key ticket whose key still verifies live was
                    # closed too early: reopen it rather than hide a working credential.
                    reopened = issue.state != "open"
                    body = keep_ticks(issue.body or "", body)
                    issue.edit(title=ticket.title, body=body, state="open")
                    message = "reopened: the key is still live" if reopened else ""
                    outcomes.append(outcome(ticket, "updated", issue.html_url, message))
            except GithubException as exc:
                outcomes.append(outcome(ticket, "error", where, _why(exc)))
        return outcomes
