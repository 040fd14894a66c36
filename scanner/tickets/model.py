"""RotationTicket: one live AWS credential and everything a responder needs about it.

Built from a verified report. One ticket per credential (key ID), not per
occurrence: every place the key ID, its secret or its session token leaked is
a location on the same ticket. Nothing here ever holds a secret: the fields
come from verification results (key ID, account, ARN) and finding locations.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from scanner.incident.values import (
    CreatedKey,
    DataRead,
    PersistenceEvent,
    RoleTarget,
    TimelineEntry,
    TimeSpan,
    UserSessions,
    Verdict,
)
from scanner.model import JSONObject

KEY_ID_RULE = "aws-access-key-id"
_KIND = {
    "aws-access-key-id": "access key ID",
    "aws-secret-access-key": "secret access key",
    "aws-session-token": "session token",
}


def ticket_id_for(key_id: str) -> str:
    """Stable across runs and machines, so a rerun finds the ticket it made before."""
    return hashlib.sha256(b"leakwarden-ticket\0" + key_id.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TicketLocation:
    """One place a part of the credential was committed."""

    kind: str  # "access key ID", "secret access key", "session token"
    repository: str | None
    path: str
    line: int
    commit: str | None
    author: str | None
    email: str | None
    date: str | None
    reachable: bool
    fingerprint: str | None
    url: str | None = None  # the commit on the hosting site, when known


@dataclass(frozen=True)
class TicketExposure:
    """Where and since when the key was public: the fields of an org audit's
    exposure that a ticket shows, nothing else."""

    repo: str | None = None
    exposed_since: str | None = None
    public_since: str | None = None
    public_now: bool | None = None
    reachable: bool | None = None

    @classmethod
    def from_json(cls, entry: JSONObject) -> TicketExposure:
        def text(name: str) -> str | None:
            value = entry.get(name)
            return str(value) if value is not None else None

        def flag(name: str) -> bool | None:
            value = entry.get(name)
            return bool(value) if value is not None else None

        return cls(text("repo"), text("exposed_since"), text("public_since"),
                   flag("public_now"), flag("reachable"))

    def shown(self) -> dict[str, str | bool]:
        """The fields that are known (what the digest and the JSON hold)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class InvestigationSummary:
    """The part of an investigation (``investigate --format json``) about one
    key. The lists are the investigation's own entries (roles, reads, ...),
    typed as ``scanner.incident.values`` writes them; sessions keep only the
    fields the runbook quotes."""

    verdict: Verdict | None
    reasons: list[str]
    window: TimeSpan | None
    sessions: list[JSONObject]  # a projection of incident.values.Session
    roles: list[RoleTarget]
    user_sessions: list[UserSessions]
    created_keys: list[CreatedKey]
    persistence: list[PersistenceEvent]
    data_read: list[DataRead]
    data_events_note: str | None
    attacker_ips: list[str]
    timeline: list[TimelineEntry]
    # What ``contain --apply`` did (from its action log), when given.
    containment: list[JSONObject] | None = None


@dataclass(frozen=True)
class ChildTicketRef:
    """A secret the attacker read with this key: its own ticket, named here."""

    ticket_id: str
    ask: str  # "rotate the password of aws_db_instance.main: it was in ..."


@dataclass
class RotationTicket:
    ticket_id: str
    key_id: str
    severity: str  # "critical" when live and exposed publicly, else "high"
    status: str
    account: str | None
    arn: str | None
    user_id: str | None
    partition: str | None
    checked_at: str | None
    locations: list[TicketLocation] = field(default_factory=list)
    exposures: list[TicketExposure] = field(default_factory=list)
    # What `leakwarden investigate` found for this key (see ``investigation_summary``).
    investigation: InvestigationSummary | None = None
    # The tickets of the secrets found in what the attacker read with this key.
    children: list[ChildTicketRef] = field(default_factory=list)

    @property
    def temporary(self) -> bool:
        return self.key_id.startswith("ASIA")

    @property
    def principal_kind(self) -> str:
        """``user``, ``assumed-role``, ``root`` or ``unknown``, from the ARN."""
        arn = self.arn or ""
        if ":assumed-role/" in arn:
            return "assumed-role"
        if ":user/" in arn:
            return "user"
        if arn.endswith(":root"):
            return "root"
        return "unknown"

    @property
    def principal_name(self) -> str | None:
        """The IAM user name, or the role name of an assumed-role session."""
        arn = self.arn or ""
        if self.principal_kind == "user":
            return arn.split(":user/", 1)[1].rsplit("/", 1)[-1]
        if self.principal_kind == "assumed-role":
            return arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
        return None

    @property
    def iam_arn(self) -> str | None:
        """The IAM entity's ARN, as IAM APIs want it: for an assumed-role
        session (``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``) the role's
        ``arn:aws:iam::ACCOUNT:role/ROLE``. The role's path is not in the
        session ARN; a role with a path needs it inserted (``aws iam get-role``)."""
        arn = self.arn or ""
        if self.principal_kind != "assumed-role":
            return self.arn
        head, _, rest = arn.partition(":assumed-role/")
        parts = head.split(":")  # arn, PARTITION, sts, "", ACCOUNT
        if len(parts) < 5:
            return self.arn
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{rest.split('/', 1)[0]}"

    @property
    def publicly_exposed(self) -> bool:
        return any(e.public_now or e.exposed_since for e in self.exposures)

    @property
    def title(self) -> str:
        who = self.arn or f"account {self.account or 'unknown'}"
        return f"[{self.severity}] Rotate leaked live AWS key {self.key_id} ({who})"

    @property
    def digest(self) -> str:
        """What the ticket says, less the time it was last checked: a rerun that
        learns nothing new leaves the ticket alone instead of rewriting it."""
        data = self._json()
        data.pop("checked_at")
        if data.get("investigation") is None:
            data.pop("investigation")  # tickets written before investigations keep their digest
        elif data["investigation"].get("containment") is None:
            data["investigation"].pop("containment")  # ... and before containment logs
        if not data.get("children"):
            data.pop("children")  # ... and before child tickets
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def subject(self) -> str:
        """What a destination's outcome line names."""
        return self.key_id

    @property
    def marker(self) -> str:
        """Hidden in the Markdown body so a GitHub rerun finds this ticket again."""
        return f"<!-- leakwarden:ticket:{self.ticket_id}:{self.digest} -->"

    def _json(self) -> JSONObject:
        data = asdict(self)
        data["exposures"] = [e.shown() for e in self.exposures]
        return data

    def to_dict(self) -> JSONObject:
        data = self._json()
        data["digest"] = self.digest
        data["title"] = self.title
        data["temporary"] = self.temporary
        data["principal"] = {"kind": self.principal_kind, "name": self.principal_name}
        return data


def web_identity(repository: str | None) -> tuple[str | None, str | None]:
    """(``owner/repo``, its web URL) for a report's ``repository``: a local
    checkout or bare mirror is named by its ``origin`` remote, so a ticket
    never shows a path on the scanning machine. (repository, None) otherwise."""
    import os
    import subprocess

    from scanner.procs import child_env

    if not repository or not os.path.isdir(repository):
        return repository, None
    try:
        url = subprocess.run(["git", "-C", repository, "config", "--get", "remote.origin.url"],
                             capture_output=True, text=True, timeout=10,
                             env=child_env()).stdout.strip()  # local git: no credentials
    except (OSError, subprocess.SubprocessError):
        return repository, None
    parsed = parse_remote(url)
    return parsed if parsed[0] else (repository, None)


def parse_remote(url: str) -> tuple[str | None, str | None]:
    """``https://host/owner/repo.git``, ``git@host:owner/repo.git`` or
    ``ssh://git@host/owner/repo`` -> (``owner/repo``, ``https://host/owner/repo``);
    credentials in the URL are dropped."""
    import re
    from urllib.parse import urlsplit

    scp = re.match(r"^[\w.-]+@([^:/]+):(.+)$", url)
    if scp:
        scheme, host, path = "https", scp.group(1), scp.group(2)
    else:
        parts = urlsplit(url)
        if not parts.hostname:
            return None, None
        scheme = "https" if parts.scheme in ("ssh", "git", "git+ssh") else parts.scheme
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        path = parts.path
    path = path.strip("/").removesuffix(".git")
    if path.count("/") < 1:
        return None, None
    return path, f"{scheme}://{host}/{path}"


def _location(finding: JSONObject, repository: str | None,
              web: dict[str, str | None]) -> TicketLocation:
    name = finding.get("repo") or repository
    base = web.get(name or "")
    commit = finding.get("commit")
    rule = str(finding.get("rule", ""))
    return TicketLocation(
        kind=_KIND.get(rule, rule),
        repository=name,
        url=f"{base}/commit/{commit}" if base and commit else None,
        path=str(finding.get("path", "")),
        line=int(finding.get("line") or 0),
        commit=finding.get("commit"),
        author=finding.get("author"),
        email=finding.get("email"),
        date=finding.get("date"),
        reachable=bool(finding.get("reachable", True)),
        fingerprint=finding.get("fingerprint"),
    )


def tickets_from_report(
    report: JSONObject, exposures: Iterable[JSONObject] = (),
    repo_urls: dict[str, str] | None = None,
) -> list[RotationTicket]:
    """One ticket per live AWS key ID in a verified report, sorted by key ID.

    ``exposures`` are entries of an org audit's ``exposures`` list (each a
    finding plus ``repo``, ``exposed_since``, ``public_now``); they are matched
    to findings by occurrence fingerprint. A finding may also carry its own
    ``exposure`` object.
    """
    repository, url = web_identity(report.get("repository"))
    web: dict[str, str | None] = dict(repo_urls or {})
    if repository and url:
        web[repository] = url
    by_fingerprint: dict[str, list[TicketExposure]] = {}
    for entry in exposures:
        if isinstance(entry, dict) and entry.get("fingerprint"):
            by_fingerprint.setdefault(entry["fingerprint"], []).append(
                TicketExposure.from_json(entry))

    tickets: dict[str, RotationTicket] = {}
    members: dict[str, list[JSONObject]] = {}
    for finding in report.get("findings", []):
        verification = finding.get("verification") if isinstance(finding, dict) else None
        if not isinstance(verification, dict) or not verification.get("key_id"):
            continue
        members.setdefault(verification["key_id"], []).append(finding)
        if verification.get("status") != "live" or finding.get("rule") != KEY_ID_RULE:
            continue
        key_id = verification["key_id"]
        if key_id not in tickets:
            tickets[key_id] = RotationTicket(
                ticket_id=ticket_id_for(key_id),
                key_id=key_id,
                severity="high",
                status="live",
                account=verification.get("account"),
                arn=verification.get("arn"),
                user_id=verification.get("user_id"),
                partition=verification.get("partition"),
                checked_at=verification.get("checked_at"),
            )

    for key_id, ticket in tickets.items():
        seen: set[tuple[Any, ...]] = set()
        for finding in members[key_id]:
            location = _location(finding, repository, web)
            ident = (
                location.kind,
                location.repository,
                location.path,
                location.line,
                location.commit,
            )
            if ident not in seen:
                seen.add(ident)
                ticket.locations.append(location)
            found = []
            if isinstance(finding.get("exposure"), dict):
                found.append(TicketExposure.from_json(finding["exposure"]))
            found.extend(by_fingerprint.get(finding.get("fingerprint", ""), []))
            for exposure in found:
                if exposure not in ticket.exposures:
                    ticket.exposures.append(exposure)
        ticket.locations.sort(
            key=lambda loc: (loc.repository or "", loc.date or "", loc.path, loc.line, loc.kind)
        )
        ticket.exposures.sort(key=lambda e: (str(e.repo), str(e.exposed_since)))
        ticket.severity = "critical" if ticket.publicly_exposed else "high"
    return [tickets[k] for k in sorted(tickets)]


def investigation_summary(
    data: JSONObject, key_id: str, containment: JSONObject | None = None
) -> InvestigationSummary | None:
    """The part of an investigation (``investigate --format json``) about one key:
    its verdict, the attacker's sessions and roles, created keys and users, what
    was read, the attacker's IPs; and, from a ``contain`` log, what was done."""
    keys = {k.get("key_id"): k for k in data.get("keys", []) if isinstance(k, dict)}
    if key_id not in keys:
        return None
    sessions = [s for s in data.get("sessions", [])
                if s.get("root_key_id") == key_id and s.get("origin") == "attacker"]
    family = {key_id} | {s["key_id"] for s in sessions}
    plan = data.get("containment") or {}
    created = [c for c in plan.get("created_keys", []) if c.get("by_key_id") in family]
    family |= {c["key_id"] for c in created}
    done: list[JSONObject] | None = None
    if containment:
        runs = containment.get("runs", []) if isinstance(containment, dict) else []
        done = [
            {k: a.get(k) for k in ("kind", "target", "strategy", "status", "time", "actor", "message")}
            for run in runs if run.get("mode") == "apply" for a in run.get("actions", [])
        ]
    return InvestigationSummary(
        verdict=keys[key_id].get("verdict"),
        reasons=list(keys[key_id].get("reasons", [])),
        window=(data.get("investigation") or {}).get("window"),
        sessions=[{k: s.get(k) for k in ("key_id", "via", "role_name", "role_arn", "session_name",
                                         "assumed_role_id", "issued_at", "expires_at", "source_ip")}
                  for s in sessions],
        roles=[r for r in plan.get("roles", [])
               if any(s.get("key_id") in family for s in r.get("sessions", []))],
        user_sessions=[u for u in plan.get("user_sessions", [])
                       if any(s.get("key_id") in family for s in u.get("sessions", []))],
        created_keys=created,
        persistence=[p for p in data.get("persistence", [])
                     if p.get("from_new_place") and p.get("by_key_id") in family],
        data_read=[d for d in data.get("data_touched", [])
                   if d.get("from_new_place") and not d.get("error") and d.get("by_key_id") in family],
        data_events_note=data.get("data_events_note"),
        attacker_ips=list(data.get("attacker_ips", [])),
        timeline=list(data.get("timeline", [])),
        containment=done,
    )


TicketAction = Literal["created", "updated", "unchanged", "printed", "error"]


@dataclass(frozen=True)
class TicketOutcome:
    """What a destination did with one ticket."""

    ticket_id: str
    key_id: str
    action: TicketAction
    where: str
    message: str = ""
    subject: str = ""  # what the ticket is about, when not the key (a secret the key read)


class DestinationError(ValueError):
    """The destination string cannot be used; the message says what would work."""
