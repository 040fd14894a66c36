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
    exposures: list[dict[str, Any]] = field(default_factory=list)

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
    def publicly_exposed(self) -> bool:
        return any(e.get("public_now") or e.get("exposed_since") for e in self.exposures)

    @property
    def title(self) -> str:
        who = self.arn or f"account {self.account or 'unknown'}"
        return f"[{self.severity}] Rotate leaked live AWS key {self.key_id} ({who})"

    @property
    def digest(self) -> str:
        """What the ticket says, less the time it was last checked: a rerun that
        learns nothing new leaves the ticket alone instead of rewriting it."""
        data = asdict(self)
        data.pop("checked_at")
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def marker(self) -> str:
        """Hidden in the Markdown body so a GitHub rerun finds this ticket again."""
        return f"<!-- leakwarden:ticket:{self.ticket_id}:{self.digest} -->"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["digest"] = self.digest
        data["title"] = self.title
        data["temporary"] = self.temporary
        data["principal"] = {"kind": self.principal_kind, "name": self.principal_name}
        return data


def _location(finding: dict[str, Any], repository: str | None) -> TicketLocation:
    return TicketLocation(
        kind=_KIND.get(finding.get("rule", ""), finding.get("rule", "")),
        repository=finding.get("repo") or repository,
        path=str(finding.get("path", "")),
        line=int(finding.get("line") or 0),
        commit=finding.get("commit"),
        author=finding.get("author"),
        email=finding.get("email"),
        date=finding.get("date"),
        reachable=bool(finding.get("reachable", True)),
        fingerprint=finding.get("fingerprint"),
    )


def _exposure(entry: dict[str, Any]) -> dict[str, Any]:
    """The exposure fields a ticket shows (those of an audit exposure), nothing else."""
    keep = ("repo", "exposed_since", "public_since", "public_now", "reachable")
    return {k: entry[k] for k in keep if k in entry}


def tickets_from_report(
    report: dict[str, Any], exposures: Iterable[dict[str, Any]] = ()
) -> list[RotationTicket]:
    """One ticket per live AWS key ID in a verified report, sorted by key ID.

    ``exposures`` are entries of an org audit's ``exposures`` list (each a
    finding plus ``repo``, ``exposed_since``, ``public_now``); they are matched
    to findings by occurrence fingerprint. A finding may also carry its own
    ``exposure`` object.
    """
    repository = report.get("repository")
    by_fingerprint: dict[str, list[dict[str, Any]]] = {}
    for entry in exposures:
        if isinstance(entry, dict) and entry.get("fingerprint"):
            by_fingerprint.setdefault(entry["fingerprint"], []).append(_exposure(entry))

    tickets: dict[str, RotationTicket] = {}
    members: dict[str, list[dict[str, Any]]] = {}
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
            location = _location(finding, repository)
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
                found.append(_exposure(finding["exposure"]))
            found.extend(by_fingerprint.get(finding.get("fingerprint", ""), []))
            for exposure in found:
                if exposure not in ticket.exposures:
                    ticket.exposures.append(exposure)
        ticket.locations.sort(
            key=lambda loc: (loc.repository or "", loc.date or "", loc.path, loc.line, loc.kind)
        )
        ticket.exposures.sort(key=lambda e: (str(e.get("repo")), str(e.get("exposed_since"))))
        ticket.severity = "critical" if ticket.publicly_exposed else "high"
    return [tickets[k] for k in sorted(tickets)]


TicketAction = Literal["created", "updated", "unchanged", "printed", "error"]


@dataclass(frozen=True)
class TicketOutcome:
    """What a destination did with one ticket."""

    ticket_id: str
    key_id: str
    action: TicketAction
    where: str
    message: str = ""


class DestinationError(ValueError):
    """The destination string cannot be used; the message says what would work."""
