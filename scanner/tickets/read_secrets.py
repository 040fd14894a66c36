"""SecretTicket: one secret found in what an attacker read, a child of the
rotation ticket of the leaked key that read it.

``leakwarden scan s3://... --objects-from INVESTIGATION.json`` scans the
object versions the attacker read; each finding there carries its reads
(time, source IP, the key that read it and the leaked key that key descends
from). Each secret in them must be rotated on its own -- a database password
in a Terraform state is not rotated by rotating the AWS key that read it --
so each gets its own ticket, linked to the parent key's ticket:
"rotate the password of ``aws_db_instance.main``: it was in
``env/prod.tfstate`` version X, read at T from 203.0.113.7".

Nothing here holds a secret: a ticket names the secret by its rule, its
resource address and its keyed hash, never by its value (a report written
with ``--no-redact`` holds it in clear; it is not copied).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

from scanner.model import SEVERITY_ORDER, Severity, rotation_ask, rotation_subject
from scanner.tickets.model import RotationTicket, TicketAction, TicketOutcome, ticket_id_for


@dataclass(frozen=True)
class ObjectReadRecord:
    """One read of the object version, from the investigation."""

    time: str | None
    source_ip: str | None
    by_key_id: str | None
    action: str | None


@dataclass(frozen=True)
class SecretPlace:
    """One object version (or archive member) the secret was in."""

    url: str  # s3://bucket/key, or s3://bucket/key!member
    bucket: str
    key: str
    version_id: str | None
    last_modified: str | None
    line: int
    fingerprint: str | None
    reads: tuple[ObjectReadRecord, ...]

    @property
    def version(self) -> str:
        return self.version_id or "current"


@dataclass
class SecretTicket:
    """Rotate one secret an attacker read. ``parent`` is where the parent
    ticket is, as the destination links it (a file name, ``#12``); the
    destination sets it before rendering, so the link is part of the digest."""

    ticket_id: str
    parent_key_id: str | None
    rule: str
    description: str
    severity: Severity
    resource: str | None  # module.db.aws_db_instance.main (parsed Terraform), else None
    attribute: str | None  # password
    resource_type: str | None
    provider: str | None
    secret_hash: str
    places: list[SecretPlace] = field(default_factory=list)
    parent: str | None = None

    @property
    def parent_ticket_id(self) -> str | None:
        return ticket_id_for(self.parent_key_id) if self.parent_key_id else None

    @property
    def what(self) -> str:
        """``the password of aws_db_instance.main``, or the rule's description."""
        return rotation_subject(self.resource, self.attribute, self.description, self.rule)

    @property
    def first_read(self) -> ObjectReadRecord | None:
        reads = [r for p in self.places for r in p.reads]
        return min(reads, key=lambda r: r.time or "~") if reads else None

    @property
    def ask(self) -> str:
        """The one line a responder acts on."""
        place = self.places[0]
        read = self.first_read
        return rotation_ask(self.what, place.key, place.version, read.time if read else None,
                            read.source_ip if read else None)

    @property
    def title(self) -> str:
        by = f" (read with leaked key {self.parent_key_id})" if self.parent_key_id else ""
        return f"[{self.severity}] Rotate {self.what}{by}"

    @property
    def subject(self) -> str:
        """What a destination's outcome line names."""
        return self.what

    @property
    def digest(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def marker(self) -> str:
        return f"<!-- leakwarden:ticket:{self.ticket_id}:{self.digest} -->"

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = asdict(self)
        data.update(digest=self.digest, title=self.title, ask=self.ask, what=self.what,
                    parent_ticket_id=self.parent_ticket_id)
        return data


def secret_ticket_id(parent_key_id: str | None, rule: str, secret_hash: str) -> str:
    """Stable across runs: the same secret read with the same key is one ticket."""
    text = f"leakwarden-secret-ticket\0{parent_key_id or ''}\0{rule}\0{secret_hash}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _reads(finding: Mapping[str, object]) -> list[tuple[str | None, ObjectReadRecord]]:
    """(the parent key id, the read) for each read the finding carries."""
    raw = finding.get("reads")
    entries = [r for r in raw if isinstance(r, Mapping)] if isinstance(raw, list) else []
    if not entries and (finding.get("read_at") or finding.get("source_ip")):
        entries = [{"time": finding.get("read_at"), "source_ip": finding.get("source_ip")}]
    return [(_text(r.get("parent_key_id")) or _text(r.get("by_key_id")),
             ObjectReadRecord(_text(r.get("time")), _text(r.get("source_ip")),
                              _text(r.get("by_key_id")), _text(r.get("action"))))
            for r in entries]


def is_read_finding(finding: object) -> bool:
    """A finding of ``scan s3:// --objects-from``: in an object an attacker read."""
    return isinstance(finding, Mapping) and bool(
        finding.get("reads") or finding.get("read_at") or finding.get("source_ip")
        or finding.get("rotate"))


def secret_tickets_from_findings(findings: Iterable[object]) -> list[SecretTicket]:
    """One ticket per (parent key, secret) among the read findings, each with
    every object version it was in; sorted by parent key, then what."""
    tickets: dict[str, SecretTicket] = {}
    for finding in findings:
        if not isinstance(finding, Mapping) or not is_read_finding(finding):
            continue
        rule = str(finding.get("rule", ""))
        secret_hash = str(finding.get("secret_hash") or finding.get("fingerprint") or "")
        by_parent: dict[str | None, list[ObjectReadRecord]] = {}
        for parent, read in _reads(finding) or [(None, ObjectReadRecord(None, None, None, None))]:
            by_parent.setdefault(parent, []).append(read)
        for parent, reads in by_parent.items():
            ticket_id = secret_ticket_id(parent, rule, secret_hash)
            ticket = tickets.get(ticket_id)
            if ticket is None:
                given = str(finding.get("severity") or "high")
                severity: Severity = given if given in SEVERITY_ORDER else "high"
                ticket = tickets[ticket_id] = SecretTicket(
                    ticket_id=ticket_id, parent_key_id=parent, rule=rule,
                    description=str(finding.get("description") or rule),
                    severity=severity,
                    resource=_text(finding.get("resource")),
                    attribute=_text(finding.get("attribute")),
                    resource_type=_text(finding.get("resource_type")),
                    provider=_text(finding.get("provider")), secret_hash=secret_hash)
            place = SecretPlace(
                url=str(finding.get("path") or ""), bucket=str(finding.get("bucket") or ""),
                key=str(finding.get("key") or ""), version_id=_text(finding.get("version_id")),
                last_modified=_text(finding.get("last_modified")),
                line=int(str(finding.get("line") or 0)),
                fingerprint=_text(finding.get("fingerprint")),
                reads=tuple(sorted(set(reads), key=lambda r: (r.time or "", r.source_ip or ""))))
            if place not in ticket.places:
                ticket.places.append(place)
    for ticket in tickets.values():
        ticket.places.sort(key=lambda p: (min((r.time or "" for r in p.reads), default=""),
                                          p.key, p.version or "", p.line))
    return sorted(tickets.values(), key=lambda t: (t.parent_key_id or "", t.what, t.ticket_id))


Ticket = RotationTicket | SecretTicket


def parents_first(tickets: Sequence[Ticket]) -> list[Ticket]:
    """Key tickets before the secret tickets that link to them, so a child
    can point at a parent sent in the same run."""
    return sorted(tickets, key=lambda t: isinstance(t, SecretTicket))


def outcome(ticket: Ticket, action: TicketAction, where: str, message: str = "") -> TicketOutcome:
    """What a destination did with ``ticket``, named by its key and its subject."""
    key_id = ticket.key_id if isinstance(ticket, RotationTicket) else ticket.parent_key_id or ""
    return TicketOutcome(ticket.ticket_id, key_id, action, where, message, ticket.subject)
