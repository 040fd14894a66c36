"""``org scan``: every repository of an organization, incrementally, on many workers.

The work splits in two so it can run on many machines:

* ``run_repo_task`` (a worker; plain function on picklable values, so it runs
  in this process, in a process pool or on a Dask worker) clones or fetches
  one mirror, compares its ref tips with the cursor it was handed, and scans
  only what is new: nothing when the tips and the rules are unchanged, the
  commits since the last tips when history only moved forward, the whole
  history (known blobs skipped) when refs were rewritten or deleted, and
  everything again when the rules changed. It never touches the state file.
* ``run_org_scan`` (the coordinator) lists the repos, settles the unchanged
  ones itself (their server-side refs equal the stored tips: one GET each,
  no worker), hands out tasks with their cursors for the rest, and commits
  each repo's findings, cursor and status in one transaction as results
  arrive, so a run killed at any point resumes where it stopped, losing and
  duplicating nothing.

A finding is *new* until a finished run has reported it (``reported`` in the
store); the CLI marks findings reported only after writing its report.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from scanner.clock import now_iso
from scanner.github.client import (
    GITHUB_OR_CONFIG_ERRORS,
    GitHubClient,
    GitHubConfigError,
    describe_error,
)
from scanner.github.mirror import advertised_refs, mirror_path, name_refusal
from scanner.model import Exposure, JSONObject, OrgFinding, ScanError
from scanner.orgscan.task import RepoOutcome, RepoTask
from scanner.state.db import StateFile
from scanner.state.orgscan import OrgScanStore, RepoCursor

if TYPE_CHECKING:
    from scanner.audit.run import Violation
    from scanner.audit.visibility import VisibilityChange
    from scanner.github.client import RepoInfo
    from scanner.tickets.model import TicketOutcome
    from scanner.verify.verifier import VerifySummary

# -- the coordinator -------------------------------------------------------------------

@dataclass
class OrgScanOptions:
    org: str
    mirrors_dir: Path | None = None  # default: "mirrors" beside the state file
    jobs: int = 4  # repos at once (local processes)
    executor: str | None = None  # None/"local", or dask://HOST:PORT (tcp://, tls:// too)
    git_timeout: float = 900.0
    rescan: bool = False  # forget cursors: scan every repo whole
    first: frozenset[str] = frozenset()  # repos to schedule before the others (just went public)


@dataclass
class RepoReport:
    repo: str
    status: str  # scanned, unchanged, failed, removed
    error: str | None = None
    error_kind: str | None = None
    mode: str | None = None
    new_findings: int = 0
    blobs_scanned: int = 0
    seconds: float = 0.0

    def to_dict(self) -> JSONObject:
        return {
            "repo": self.repo, "status": self.status, "error": self.error, "error_kind": self.error_kind,
            "mode": self.mode, "new_findings": self.new_findings, "blobs_scanned": self.blobs_scanned,
            "seconds": self.seconds,
        }


@dataclass
class AuditNews:
    """What ``org scan --audit`` adds to the report: the audit's discoveries of this run."""

    changes_to_public: list[VisibilityChange]
    violations: list[Violation]
    new_exposures: list[Exposure]
    errors: list[ScanError]

    def to_dict(self) -> JSONObject:
        return {
            "changes_to_public": [c.to_dict() for c in self.changes_to_public],
            "violations": [v.to_dict() for v in self.violations],
            "new_exposures": [e.to_dict() for e in self.new_exposures],
            "errors": [e.to_dict() for e in self.errors],
        }


class OrgScanStats(TypedDict):
    """The counts of one run, as the report's ``stats`` lists them."""

    repos: int
    scanned: int
    unchanged: int
    failed: int
    removed: int
    new_findings: int
    open_findings: int
    blobs_scanned: int
    seconds: float
    complete: bool


@dataclass
class OrgScanReport:
    org: str
    generated_at: str
    findings: list[OrgFinding]  # new: not reported by a finished run before
    repos: list[RepoReport]
    errors: list[ScanError] = field(default_factory=list)  # scan errors that did not fail a repo
    seconds: float = 0.0
    audit: AuditNews | None = None
    verification: VerifySummary | None = None  # over every repository; problems name theirs
    tickets: list[TicketOutcome] = field(default_factory=list)
    open_findings: int = 0

    @property
    def failed(self) -> list[RepoReport]:
        return [r for r in self.repos if r.status == "failed"]

    @property
    def exit_code(self) -> int:
        """2 incomplete (a repo failed, a scan error), 1 new findings, else 0."""
        if self.failed or self.errors or (self.verification is not None
                                          and not self.verification.keys_complete):
            return 2
        return 1 if self.findings else 0

    def stats(self) -> OrgScanStats:
        by_status: dict[str, int] = {}
        for repo in self.repos:
            by_status[repo.status] = by_status.get(repo.status, 0) + 1
        return {
            "repos": len(self.repos),
            "scanned": by_status.get("scanned", 0),
            "unchanged": by_status.get("unchanged", 0),
            "failed": by_status.get("failed", 0),
            "removed": by_status.get("removed", 0),
            "new_findings": len(self.findings),
            "open_findings": self.open_findings,
            "blobs_scanned": sum(r.blobs_scanned for r in self.repos),
            "seconds": self.seconds,
            "complete": self.exit_code != 2,
        }

    def to_dict(self) -> JSONObject:
        data: JSONObject = {
            "org": self.org,
            "generated_at": self.generated_at,
            "findings": [f.to_dict() for f in self.findings],
            "repos": [r.to_dict() for r in self.repos],
            "errors": [e.to_dict() for e in self.errors],
            "stats": self.stats(),
        }
        if self.audit is not None:
            data["audit"] = self.audit.to_dict()
        if self.verification is not None:
            v = self.verification
            data["verification"] = {"keys_by_status": v.keys_by_status, "sts_calls": v.sts_calls,
                                    "problems": v.problems, "complete": v.keys_complete}
        if self.tickets:
            data["tickets"] = [{"ticket": o.ticket_id, "key_id": o.key_id, "action": o.action, "where": o.where,
                                "message": o.message} for o in self.tickets]
        return data


def plan_tasks(repos: Iterable[RepoInfo], cursors: dict[str, RepoCursor], options: OrgScanOptions,
               mirrors_dir: Path, api_url: str, token: str | None) -> list[RepoTask]:
    """One task per listed repo, in the order they should run: repos that just
    went public, then repos that failed last time, then by name."""
    tasks = []
    for repo in repos:
        cursor = cursors.get(repo.full_name) or RepoCursor(repo.full_name)
        keep = not options.rescan
        tasks.append(RepoTask(
            repo=repo.full_name,
            clone_url=repo.clone_url,
            mirror=str(mirror_path(mirrors_dir, repo.full_name)),
            api_url=api_url,
            tips=cursor.tips if keep else None,
            rules_version=cursor.rules_version if keep else None,
            known_blobs=cursor.blobs if keep else b"",
            finding_blobs=cursor.finding_blobs,
            reclone=cursor.status == "failed" and cursor.error_kind == "corrupt",
            timeout=options.git_timeout,
            token=token,
        ))
    failed_before = {r for r, c in cursors.items() if c.status == "failed"}
    tasks.sort(key=lambda t: (t.repo not in options.first, t.repo not in failed_before, t.repo))
    return tasks


ProgressHook = Callable[[RepoOutcome, int, int], None]


def split_unchanged(tasks: list[RepoTask], rules_version: str, token: str | None,
                    threads: int = 8) -> tuple[list[RepoOutcome], list[RepoTask]]:
    """Repos whose server-side refs are exactly the tips of their last complete
    scan (with the same rules) are unchanged: decided here, by one GET each in
    a few threads, without a worker, a fetch or a walk. The rest still need one."""
    candidates = [t for t in tasks if t.tips is not None and t.rules_version == rules_version
                  and not t.reclone]
    if not candidates:
        return [], tasks

    def same(task: RepoTask) -> bool:
        try:
            return advertised_refs(task.clone_url, token, timeout=min(task.timeout, 60.0)) == task.tips
        except (OSError, ValueError):
            return False  # the worker's fetch says what is wrong, if anything

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        unchanged = {t.repo for t, ok in zip(candidates, pool.map(same, candidates), strict=True) if ok}
    seconds = round((time.perf_counter() - started) / max(1, len(candidates)), 3)
    quiet = [RepoOutcome(t.repo, "unchanged", tips=t.tips, rules_version=t.rules_version, seconds=seconds)
             for t in tasks if t.repo in unchanged]
    return quiet, [t for t in tasks if t.repo not in unchanged]


def run_org_scan(
    client: GitHubClient,
    store: StateFile,
    options: OrgScanOptions,
    progress: ProgressHook | None = None,
    run_tasks: Callable[[Iterable[RepoTask]], Iterator[RepoOutcome]] | None = None,
    now: Callable[[], str] = now_iso,
) -> OrgScanReport:
    """One scan of ``options.org``. Raises only when the org cannot be listed."""
    from scanner.orgscan.executors import make_runner

    t0 = time.perf_counter()
    started = now()
    org = options.org
    tables = OrgScanStore(store)
    repos = client.list_repos(org)
    cursors = tables.cursors(org)
    mirrors_dir = options.mirrors_dir or store.path.parent / "mirrors"
    remote = bool(options.executor) and options.executor != "local"
    report_repos: list[RepoReport] = []
    errors: list[ScanError] = []
    try:
        # Local workers get the token in their task (it never leaves this
        # machine); Dask workers read their own environment.
        git_token = client.git_token()
    except GITHUB_OR_CONFIG_ERRORS as exc:
        raise GitHubConfigError(f"no token for git: {describe_error(exc)}") from None
    # A name from the API that is not a GitHub name would build a mirror path
    # outside --mirrors: that repo fails (exit 2), the others run.
    refusals = {r.full_name: name_refusal(r.full_name) for r in repos}
    refused = [RepoOutcome(name, "failed", error_kind="invalid-name", error=why)
               for name, why in refusals.items() if why]
    repos = [r for r in repos if not refusals[r.full_name]]
    tasks = plan_tasks(repos, cursors, options, mirrors_dir, client.base_url, None if remote else git_token)
    from scanner.engine.rules import default_rules

    # Loaded once here (and inherited by forked workers): its version says
    # whether a cursor still counts.
    rules_version = default_rules().version
    total = len(tasks) + len(refused)
    done = 0
    quiet, tasks = split_unchanged(tasks, rules_version, git_token,
                                   threads=min(16, max(4, 2 * options.jobs)))
    if not remote and (len(tasks) == 1 or options.jobs <= 1):
        for task in tasks:  # alone on the machine: let the repo's own scan use every core
            task.scan_jobs = 0
    runner = run_tasks or make_runner(options.executor, options.jobs)

    def with_fresh_token(tasks: list[RepoTask]) -> Iterator[RepoTask]:
        # Handed out as workers free up, each with the token as of now: a
        # GitHub App installation token lasts an hour, a big org's run longer.
        for task in tasks:
            if not remote:
                task.token = client.git_token()
            yield task

    for outcome in itertools.chain(refused, quiet, runner(with_fresh_token(tasks)) if tasks else ()):
        new = tables.commit(org, outcome.record(), started)
        done += 1
        if outcome.status != "failed":
            errors.extend(outcome.errors)
        report_repos.append(RepoReport(outcome.repo, outcome.status, outcome.error, outcome.error_kind,
                                       outcome.mode, new, outcome.blobs_scanned, outcome.seconds))
        if progress:
            progress(outcome, done, total)
    listed = {r.full_name for r in repos} | {o.repo for o in refused}
    for name, cursor in sorted(cursors.items()):
        if name not in listed and cursor.status != "removed":
            tables.mark_removed(org, name, started)
            report_repos.append(RepoReport(name, "removed"))
    report_repos.sort(key=lambda r: r.repo)
    return OrgScanReport(
        org=org,
        generated_at=started,
        findings=tables.unreported(org),
        repos=report_repos,
        errors=errors,
        seconds=round(time.perf_counter() - t0, 3),
        open_findings=len(tables.findings(org, "open")),
    )
