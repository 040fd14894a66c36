"""``investigate``: what a leaked AWS key, and every session it spawned, did.

The lineage is followed in passes: the first pass finds the records that
mention the leaked key IDs; the credentials those calls minted (role
sessions, session and federation tokens, new access keys) are the needles of
the next pass, which only reads the trail files of their lifetime. A key is
followed once (cycle protection), and chains are followed to any depth.

Everything the key family did before the exposure is the baseline: its
source IPs and user agents are "known" (the legitimate CI). After the
exposure, a call from an IP outside the baseline comes from a "new place";
sessions minted or used from a new place are the attacker's. The verdicts,
persistence, data touched and the containment targets all follow from that.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from scanner.clock import iso, parse_iso, utc_now
from scanner.incident.cloudtrail import Collected, Window, utc
from scanner.incident.lineage import LineageDB
from scanner.incident.values import (
    ActivityGroup,
    CallRow,
    Containment,
    CreatedKey,
    DataRead,
    Investigation,
    JSONObject,
    KeyReport,
    LeakLocation,
    MintedRow,
    PersistenceEvent,
    Place,
    RoleTarget,
    Session,
    TargetSession,
    TimelineEntry,
    UserSessions,
    Verdict,
    data_read_label,
    persistence_target,
)

PERSISTENCE_EVENTS = frozenset({
    "CreateAccessKey", "CreateUser", "CreateLoginProfile", "UpdateLoginProfile",
    "AttachUserPolicy", "PutUserPolicy", "AttachRolePolicy", "PutRolePolicy",
    "UpdateAssumeRolePolicy", "CreateRole", "CreateOpenIDConnectProvider",
    "CreateSAMLProvider", "AddUserToGroup", "AttachGroupPolicy", "PutGroupPolicy",
})
POLICY_CHANGES = frozenset({
    "AttachUserPolicy", "PutUserPolicy", "AttachRolePolicy", "PutRolePolicy",
    "UpdateAssumeRolePolicy", "AttachGroupPolicy", "PutGroupPolicy", "AddUserToGroup",
})
RECON_EVENTS = frozenset({
    "GetCallerIdentity", "ListBuckets", "ListUsers", "ListRoles", "ListAccessKeys",
    "GetAccountAuthorizationDetails", "ListAttachedUserPolicies", "GetUser",
    "DescribeInstances", "ListSecrets", "DescribeParameters",
})
DATA_READS = {
    "s3.amazonaws.com": {"GetObject", "ListObjects", "ListObjectsV2", "ListObjectVersions",
                         "HeadObject", "GetObjectVersion"},
    "ssm.amazonaws.com": {"GetParameter", "GetParameters", "GetParametersByPath"},
    "secretsmanager.amazonaws.com": {"GetSecretValue"},
    "kms.amazonaws.com": {"Decrypt"},
}
SESSION_EVENTS = frozenset({"AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML",
                            "GetSessionToken", "GetFederationToken"})
# Longest life of each kind of session when its expiry is not in the record.
_MAX_LIFE = {"GetSessionToken": timedelta(hours=36), "GetFederationToken": timedelta(hours=36)}
_DEFAULT_LIFE = timedelta(hours=12)
BASELINE = timedelta(days=30)
MAX_DEPTH = 10
_BACKUP_HINTS = ("backup", ".sql", ".dump", ".bak", "snapshot")


class Source(Protocol):
    def describe(self) -> str: ...

    def collect(self, needles: set[str], windows: list[Window]) -> Collected: ...


@dataclass
class Seed:
    """A key to investigate, and what is known of its leak."""

    key_id: str
    user: str | None = None
    arn: str | None = None
    origin: str = "key"  # report, key, user, guardduty
    committed_at: datetime | None = None
    exposed_at: datetime | None = None
    detected_at: datetime | None = None
    detected_by: str | None = None
    locations: list[LeakLocation] = field(default_factory=list)


@dataclass
class InvestigateOptions:
    since: datetime | None = None
    until: datetime | None = None
    exposed_at: datetime | None = None
    baseline: timedelta = BASELINE
    max_depth: int = MAX_DEPTH


def parse_time(text: str | None) -> datetime | None:
    """ISO 8601 (``...Z`` too), a date, or CloudTrail's ``Jan 2, 2026, 3:04:05 AM``."""
    if not text:
        return None
    text = str(text).strip()
    try:
        return utc(parse_iso(text))
    except ValueError:
        pass
    for fmt in ("%b %d, %Y, %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


# --- seeds ------------------------------------------------------------------------------


def seeds_from_report(report: JSONObject) -> list[Seed]:
    """Every verified AWS access key ID of a leakwarden JSON report."""
    by_key: dict[str, Seed] = {}
    for finding in report.get("findings", []):
        if not isinstance(finding, dict):
            continue
        verification = finding.get("verification")
        if not isinstance(verification, dict) or not verification.get("key_id"):
            continue
        key_id = verification["key_id"]
        if not key_id.startswith("AKIA") or verification.get("status") == "canary":
            continue
        seed = by_key.setdefault(key_id, Seed(key_id=key_id, origin="report"))
        seed.arn = seed.arn or verification.get("arn")
        if seed.arn and ":user/" in seed.arn:
            seed.user = seed.arn.rsplit("/", 1)[-1]
        committed = parse_time(finding.get("date"))
        if committed and (seed.committed_at is None or committed < seed.committed_at):
            seed.committed_at = committed
        raw_exposure = finding.get("exposure")
        exposure: JSONObject = raw_exposure if isinstance(raw_exposure, dict) else {}
        exposed = parse_time(exposure.get("exposed_since"))
        if exposed and (seed.exposed_at is None or exposed < seed.exposed_at):
            seed.exposed_at = exposed
        checked = parse_time(verification.get("checked_at"))
        if checked and (seed.detected_at is None or checked < seed.detected_at):
            seed.detected_at, seed.detected_by = checked, "leakwarden verify (live)"
        location: LeakLocation = {
            "repository": finding.get("repo") or report.get("repository"),
            "commit": finding.get("commit"),
            "path": finding.get("path"),
            "line": finding.get("line"),
            "author": finding.get("author"),
            "date": finding.get("date"),
            "exposed_since": exposure.get("exposed_since"),
        }
        if location not in seed.locations:
            seed.locations.append(location)
    return [by_key[k] for k in sorted(by_key)]


def _ci_get(data: Any, *path: str) -> Any:
    """GuardDuty JSON comes PascalCase from the API and camelCase from EventBridge."""
    for name in path:
        if not isinstance(data, dict):
            return None
        lowered = {k.lower(): v for k, v in data.items()}
        data = lowered.get(name.lower())
    return data


def seeds_from_guardduty(data: Any) -> list[Seed]:
    """Seeds from GuardDuty finding(s): a finding, a list, ``{"Findings": [...]}``
    (``aws guardduty get-findings``) or an EventBridge event (``detail``)."""
    if isinstance(data, dict) and _ci_get(data, "findings") is not None:
        findings = _ci_get(data, "findings")
    elif isinstance(data, dict) and isinstance(_ci_get(data, "detail"), dict):
        findings = [_ci_get(data, "detail")]
    elif isinstance(data, list):
        findings = data
    else:
        findings = [data]
    seeds: dict[str, Seed] = {}
    for finding in findings:
        details = _ci_get(finding, "resource", "accessKeyDetails") or {}
        key_id = _ci_get(details, "accessKeyId")
        if not key_id or key_id == "GeneratedFindingAccessKeyId":
            continue
        first = parse_time(_ci_get(finding, "service", "eventFirstSeen"))
        created = parse_time(_ci_get(finding, "createdAt"))
        seed = seeds.setdefault(key_id, Seed(key_id=key_id, origin="guardduty"))
        seed.user = seed.user or _ci_get(details, "userName")
        if first and (seed.exposed_at is None or first < seed.exposed_at):
            # GuardDuty's first sighting is the earliest known misuse: the
            # baseline is what came before it.
            seed.exposed_at = first
        if created and (seed.detected_at is None or created < seed.detected_at):
            seed.detected_at = created
            seed.detected_by = f"GuardDuty {_ci_get(finding, 'type') or 'finding'}"
    return [seeds[k] for k in sorted(seeds)]


def seeds_from_user(iam: Any, user: str) -> list[Seed]:
    """Every access key of an IAM user (responder's credentials)."""
    keys = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    return [Seed(key_id=k["AccessKeyId"], user=user, origin="user") for k in keys]


def leak_locations_from_state(path: str | Path, key_id: str) -> list[LeakLocation]:
    """Where the org-scan state saw this key ID: looked up by its keyed hash (the
    state never holds the key), with each repository's public exposure."""
    from scanner.secrets import secret_hash

    digest = secret_hash("aws-access-key-id", key_id.encode())
    uri = f"file:{Path(path)}?mode=ro"
    out: list[LeakLocation] = []
    conn = sqlite3.connect(uri, uri=True)
    try:
        exposed: dict[tuple[str, str], tuple[str | None, bool]] = {}
        for repo, fingerprint, since, public_now in conn.execute(
            "SELECT repo, fingerprint, exposed_since, public_now FROM exposures WHERE secret_hash = ?",
            (digest,),
        ):
            exposed[(repo, fingerprint)] = (since, bool(public_now))
        for repo, fingerprint, finding, first_seen in conn.execute(
            "SELECT repo, fingerprint, finding, first_seen FROM org_findings WHERE secret_hash = ?",
            (digest,),
        ):
            data = json.loads(finding)
            since, public_now = exposed.pop((repo, fingerprint), (None, False))
            out.append({
                "repository": repo, "commit": data.get("commit"), "path": data.get("path"),
                "line": data.get("line"), "author": data.get("author"), "date": data.get("date"),
                "exposed_since": since, "public_now": public_now, "first_seen": first_seen,
            })
        for (repo, _), (since, public_now) in exposed.items():
            out.append({"repository": repo, "exposed_since": since, "public_now": public_now})
    finally:
        conn.close()
    out.sort(key=lambda d: (str(d.get("repository")), str(d.get("date")), str(d.get("path"))))
    return out


# --- the lineage ------------------------------------------------------------------------


def _merge(windows: Iterable[Window]) -> list[Window]:
    out: list[Window] = []
    for w in sorted(windows, key=lambda w: w.start):
        if out and w.start <= out[-1].end:
            out[-1] = Window(out[-1].start, max(out[-1].end, w.end))
        else:
            out.append(w)
    return out


def _session_window(row: MintedRow, until: datetime) -> tuple[Window, datetime, datetime]:
    issued = parse_time(row["event_time"]) or until
    expires = parse_time(row.get("expiration")) or issued + _MAX_LIFE.get(
        row["event_name"], _DEFAULT_LIFE
    )
    if row["event_name"] == "CreateAccessKey":
        return Window(issued - timedelta(minutes=5), until), issued, until
    return Window(issued - timedelta(minutes=5), min(until, expires + timedelta(minutes=15))), issued, expires


def follow(
    seeds: list[str], source: Source, window: Window, db: LineageDB, max_depth: int = MAX_DEPTH,
    exposed_at: datetime | None = None,
) -> tuple[Collected, dict[str, int], list[str]]:
    """Load every record of the keys' lineage into ``db``; returns the pass totals,
    each followed key's depth, and notes.

    Sessions minted before the exposure are the legitimate baseline: listed, not
    followed (a month of CI runs would otherwise mean a month of extra passes).
    Only sessions minted from a new place get their session name looked up in
    the role's other sessions."""
    exposure = iso(exposed_at) if exposed_at else ""
    total = Collected()
    depth = {k: 0 for k in seeds}
    pending: dict[str, Window] = {k: window for k in seeds}
    names: dict[str, Window] = {}
    names_done: set[str] = set()
    seen_texts: set[bytes] = set()
    notes: list[str] = []
    passes = 0
    while pending or names:
        passes += 1
        windows = _merge([*pending.values(), *names.values()])
        collected = source.collect(set(pending) | set(names), windows)
        fresh = []
        for text in collected.records:
            digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
            if digest not in seen_texts:
                seen_texts.add(digest)
                fresh.append(text)
        collected.records = fresh
        total.merge(collected)
        db.add_records(fresh)
        names_done.update(names)
        names = {}
        pending = {}
        db.set_followed(depth)
        known = {r["source_ip"] for r in db.query(
            "SELECT DISTINCT source_ip FROM events WHERE access_key_id IN (SELECT key_id FROM followed) "
            "AND event_time < ?", [exposure])}
        for row in db.minted():
            new = row.get("new_key_id")
            if row.get("error_code") or not new or row["event_time"] < exposure:
                continue
            session_window, _, _ = _session_window(row, window.end)
            name = row.get("session_name")
            from_new_place = row["source_ip"] not in known and not _is_service(row["source_ip"])
            if name and from_new_place and name not in names_done and len(name) >= 4:
                # Other sessions under this name (a surgical deny would hit them):
                # looked for around this session's life.
                names[name] = Window(
                    max(window.start, session_window.start - timedelta(days=1)),
                    min(window.end, session_window.end + timedelta(days=1)),
                )
            if new in depth:
                continue  # followed already: a cycle or a second mention
            parent_depth = depth.get(row["parent_key_id"], 0)
            if parent_depth + 1 > max_depth:
                notes.append(f"{new}: chain deeper than {max_depth}; not followed")
                continue
            depth[new] = parent_depth + 1
            pending[new] = session_window
        # Names also found in the same pass need no pass of their own.
        names = {n: w for n, w in names.items() if n not in names_done}
    total.notes.append(f"{passes} pass(es) over {source.describe()}")
    return total, depth, notes


# --- the report ---------------------------------------------------------------------------


def _is_service(ip: str | None) -> bool:
    """Calls made by an AWS service on the principal's behalf carry a host name, not an IP."""
    if not ip:
        return True
    try:
        ipaddress.ip_address(ip)
        return False
    except ValueError:
        return True


def _params(text: str | None) -> JSONObject:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _role_name(arn: str | None) -> str | None:
    return arn.rsplit("/", 1)[-1] if arn and ":role/" in arn else None


def window_for(
    seeds: list[Seed], options: InvestigateOptions, now: datetime | None = None
) -> tuple[Window, datetime | None]:
    """The time window to read and the exposure time that splits baseline from new."""
    now = utc(now or utc_now()).replace(microsecond=0)
    # A key's exposure is when its repository went public (or GuardDuty first saw
    # misuse); only without that, the commit. Use before it is the baseline.
    exposed_at = options.exposed_at or min(
        (t for t in (s.exposed_at or s.committed_at for s in seeds) if t), default=None
    )
    until = utc(options.until) if options.until else now
    since = utc(options.since) if options.since else (
        exposed_at - options.baseline if exposed_at else until - timedelta(days=90)
    )
    return Window(since, until), exposed_at


def investigate(
    seeds: list[Seed],
    source: Source | None = None,
    options: InvestigateOptions | None = None,
    athena_results: str | Path | None = None,
    now: datetime | None = None,
) -> Investigation:
    """Investigate ``seeds`` over ``source`` (or an exported Athena result); the
    investigation as JSON-ready values (what ``render`` and ``contain`` read)."""
    options = options or InvestigateOptions()
    now = utc(now or utc_now()).replace(microsecond=0)
    window, exposed_at = window_for(seeds, options, now)
    notes: list[str] = []
    if exposed_at is None:
        notes.append("no exposure time known (pass --exposed-at): every place counts as new")
    keys = sorted({s.key_id for s in seeds})

    db = LineageDB()
    try:
        if athena_results is not None:
            loaded = db.load_athena_results(athena_results)
            collected = Collected(events_parsed=loaded)
            collected.notes.append(f"Athena result {athena_results}: {loaded} event(s)")
            db.set_followed(keys)
            depth = {k: 0 for k in keys}
            # The Athena query followed the chain already; the depths come from the rows.
            frontier = set(keys)
            while frontier:
                nxt = set()
                for row in db.minted():
                    new = row["new_key_id"]
                    if new and not row["error_code"] and new not in depth and row["parent_key_id"] in frontier:
                        depth[new] = depth[row["parent_key_id"]] + 1
                        nxt.add(new)
                frontier = nxt
                db.set_followed(depth)
            engine = "athena-results"
            described = [str(athena_results)]
        else:
            if source is None:
                raise ValueError("investigate needs a CloudTrail source or an Athena result")
            collected, depth, follow_notes = follow(keys, source, window, db, options.max_depth,
                                                    exposed_at)
            notes.extend(follow_notes)
            engine = "duckdb"
            described = [source.describe()]
        report = _build(seeds, db, depth, window, exposed_at, collected)
    finally:
        db.close()
    about = report["investigation"]
    about["engine"], about["sources"] = engine, described
    about["notes"] = sorted(set(notes + collected.notes))
    return report


class _Places:
    """What the followed keys did before the exposure, and the attacker's keys:
    the tests that tell a new place (and so the attacker) from the legitimate CI."""

    def __init__(self, exposure: str, calls: list[CallRow]) -> None:
        self.exposure = exposure
        before = [c for c in calls if c["event_time"] < exposure]
        self.ips = {c["source_ip"] for c in before}
        self.uas = {c["user_agent"] for c in before}
        self.errors = {(c["event_name"], c["error_code"]) for c in before if c["error_code"]}
        self.attacker: set[str] = set()

    def after(self, row: CallRow | MintedRow) -> bool:
        return row["event_time"] >= self.exposure

    def new_ip(self, row: CallRow | MintedRow) -> bool:
        return self.after(row) and row["source_ip"] not in self.ips and not _is_service(row["source_ip"])

    def new_ua(self, row: CallRow) -> bool:
        return self.after(row) and row["user_agent"] not in self.uas

    def hostile(self, row: CallRow) -> bool:
        return self.new_ip(row) or row["access_key_id"] in self.attacker


def _build(
    seeds: list[Seed], db: LineageDB, depth: dict[str, int], window: Window,
    exposed_at: datetime | None, collected: Collected,
) -> Investigation:
    exposure = iso(exposed_at) if exposed_at else ""
    calls = db.calls()
    minted = [r for r in db.minted() if r["new_key_id"] and not r["error_code"]]
    parent = {r["new_key_id"]: r for r in minted}
    places = _Places(exposure, calls)
    after, new_ip, hostile = places.after, places.new_ip, places.hostile

    by_key: dict[str, list[CallRow]] = {}
    for c in calls:
        by_key.setdefault(c["access_key_id"], []).append(c)

    # Attacker sessions: minted from a new place, used from one, or minted by one.
    attacker = places.attacker
    for key_id in sorted(depth, key=lambda k: depth[k]):
        row = parent.get(key_id)
        if row is None:
            continue
        if (new_ip(row) or row["parent_key_id"] in attacker
                or any(new_ip(c) for c in by_key.get(key_id, []))):
            attacker.add(key_id)

    def root_of(key_id: str) -> str:
        seen = set()
        while key_id in parent and key_id not in seen:
            seen.add(key_id)
            key_id = parent[key_id]["parent_key_id"]
        return key_id

    def descends(key_id: str, ancestor: str) -> bool:
        seen = set()
        while key_id not in seen:
            if key_id == ancestor:
                return True
            seen.add(key_id)
            if key_id not in parent:
                return False
            key_id = parent[key_id]["parent_key_id"]
        return False

    activity_rows = db.activity()
    # Followed keys' groups, with the after-exposure share counted here (the SQL is shared).
    after_counts: dict[tuple[str, str | None, str], int] = {}
    for c in calls:
        if after(c):
            ident = (c["access_key_id"], c["event_source"], c["event_name"])
            after_counts[ident] = after_counts.get(ident, 0) + 1

    def activity_of(key_id: str) -> list[ActivityGroup]:
        return [{
            "service": r["event_source"].split(".", 1)[0] if r["event_source"] else "",
            "action": r["event_name"], "calls": r["calls"], "failed": r["failed"],
            "errors": list(r["errors"] or []), "first_seen": r["first_seen"],
            "last_seen": r["last_seen"], "regions": list(r["regions"] or []),
            "after_exposure": after_counts.get((key_id, r["event_source"], r["event_name"]), 0),
        } for r in activity_rows if r["access_key_id"] == key_id]

    def places_of(key_id: str) -> tuple[list[Place], list[Place]]:
        ips: dict[str, Place] = {}
        uas: dict[str, Place] = {}
        for c in by_key.get(key_id, []):
            for table, value, known in ((ips, c["source_ip"], places.ips), (uas, c["user_agent"], places.uas)):
                entry = table.setdefault(str(value), {
                    "value": str(value), "calls": 0, "first_seen": c["event_time"],
                    "last_seen": c["event_time"],
                    "seen": "before exposure" if value in known else "new after exposure",
                })
                entry["calls"] += 1
                entry["last_seen"] = c["event_time"]
        for entry in ips.values():
            if _is_service(entry["value"]) and entry["seen"] != "before exposure":
                entry["seen"] = "AWS service"
        return sorted(ips.values(), key=lambda e: e["value"]), sorted(uas.values(), key=lambda e: e["value"])

    # Sessions.
    sessions: list[Session] = []
    for row in minted:
        key_id = row["new_key_id"] or ""  # never empty: minted keeps only rows with one
        if row["event_name"] not in SESSION_EVENTS:
            continue
        _, issued, expires = _session_window(row, window.end)
        ips, uas = places_of(key_id)
        sessions.append({
            "key_id": key_id, "parent_key_id": row["parent_key_id"], "via": row["event_name"],
            "role_arn": row["role_arn"], "role_name": _role_name(row["role_arn"]),
            "session_name": row["session_name"] or row["federated_name"],
            "assumed_role_id": row["assumed_role_id"] or row["federated_user_id"],
            "assumed_role_arn": row["assumed_role_arn"], "user_name": row["user_name"],
            "issued_at": row["event_time"], "expires_at": iso(expires),
            "source_ip": row["source_ip"], "user_agent": row["user_agent"],
            "region": row["aws_region"],
            "depth": depth.get(key_id, depth.get(row["parent_key_id"], 0) + 1),
            "followed": key_id in depth,
            "origin": "attacker" if key_id in attacker else "legitimate",
            "root_key_id": root_of(key_id),
            "activity": activity_of(key_id), "source_ips": ips, "user_agents": uas,
        })
    sessions.sort(key=lambda s: (s["issued_at"], s["key_id"]))

    persistence = [p for c in calls if (p := _persistence(c, places)) is not None]
    data = [d for c in calls if (d := _data_read(c, places)) is not None]
    data_events = collected.data_events_seen or bool(
        db.query("SELECT 1 AS seen FROM events WHERE event_category = 'Data' LIMIT 1"))

    # Verdicts per leaked (and attacker-created) key.
    created_keys = {p["target"]["accessKeyId"]: p for p in persistence
                    if p["action"] == "CreateAccessKey" and p["target"].get("accessKeyId")}
    key_entries: list[KeyReport] = []
    seed_by_key = {s.key_id: s for s in seeds}
    for key_id in sorted(set(seed_by_key) | set(created_keys)):
        family = [k for k in depth if descends(k, key_id)]
        family_calls = [c for k in family for c in by_key.get(k, [])]
        verdict, reasons = _verdict(key_id, family_calls, places, persistence, data,
                                    created_keys.get(key_id))
        ips, uas = places_of(key_id)
        user = next((c["user_name"] for c in by_key.get(key_id, []) if c["user_name"]), None)
        seed = seed_by_key.get(key_id)
        if seed and seed.user:
            user = seed.user
        if key_id in created_keys:
            user = created_keys[key_id]["target"].get("userName") or user
        key_entries.append({
            "key_id": key_id, "kind": "leaked" if seed else "created by the attacker",
            "user": user, "arn": seed.arn if seed else None, "verdict": verdict,
            "reasons": reasons, "calls": len(by_key.get(key_id, [])),
            "first_seen": min((c["event_time"] for c in by_key.get(key_id, [])), default=None),
            "last_seen": max((c["event_time"] for c in by_key.get(key_id, [])), default=None),
            "activity": activity_of(key_id), "source_ips": ips, "user_agents": uas,
            "leak_locations": seed.locations if seed else [],
        })

    attacker_ips = sorted({c["source_ip"] for c in calls
                           if c["source_ip"] and hostile(c) and not _is_service(c["source_ip"])})
    containment = _containment(sessions, persistence, key_entries, attacker_ips, db)
    timeline = _timeline(seeds, exposed_at, calls, places, sessions, data, persistence)

    return {
        "investigation": {
            "window": {"since": iso(window.start), "until": iso(window.end)},
            "exposed_at": exposure or None,
            "keys_followed": len(depth),
            "stats": collected.stats(),
            "errors": sorted(collected.errors),
        },
        "keys": key_entries,
        "sessions": sessions,
        "persistence": persistence,
        "data_touched": data,
        "data_events_recorded": data_events,
        "data_events_note": None if data_events else (
            "This trail recorded no data events in the window: S3 object reads and other data "
            "events cannot be seen. Assume everything the principals could read was read."
        ),
        "attacker_ips": attacker_ips,
        "containment": containment,
        "timeline": timeline,
    }


def add_containment(report: Investigation, log: JSONObject) -> int:
    """Put what ``contain --apply`` did (its JSON log) on the report's timeline: the
    last step of the incident. Returns how many actions were added."""
    added = 0
    runs = log.get("runs") if isinstance(log.get("runs"), list) else []
    for run in runs or []:
        if not isinstance(run, dict) or run.get("mode") != "apply":
            continue
        for action in run.get("actions") or []:
            if not isinstance(action, dict) or action.get("status") not in ("applied", "already applied"):
                continue
            strategy = f" ({action['strategy']})" if action.get("strategy") else ""
            entry: TimelineEntry = {
                "time": str(action.get("time") or run.get("started_at") or ""), "event": "contained",
                "detail": f"{action.get('kind')} {action.get('target')}{strategy}: {action.get('status')}"
                          + (f" by {action['actor']}" if action.get("actor") else ""),
            }
            if entry not in report["timeline"]:
                report["timeline"].append(entry)
                added += 1
    report["timeline"].sort(key=lambda e: (e["time"], e["event"], e["detail"]))
    return added


_TARGET_FIELDS = ("userName", "roleName", "groupName", "policyArn", "policyName", "url",
                  "name", "assumeRolePolicyDocument", "policyDocument")


def _persistence(c: CallRow, places: _Places) -> PersistenceEvent | None:
    """The call as persistence, if it is one (made after the exposure, and not refused)."""
    if c["event_name"] not in PERSISTENCE_EVENTS or c["error_code"] or not places.after(c):
        return None
    params = _params(c["request_parameters"])
    # Policy documents arrive URL-encoded JSON text; other targets are names and ARNs.
    target = {k: str(params[k]) for k in _TARGET_FIELDS if params.get(k) is not None}
    if c["event_name"] == "CreateAccessKey":
        created = _params(c["response_elements"]).get("accessKey") or {}
        user = created.get("userName") or params.get("userName") or c["user_name"]
        for name, value in (("accessKeyId", created.get("accessKeyId")), ("userName", user)):
            if value is not None:
                target[name] = str(value)
    return {
        "time": c["event_time"], "action": c["event_name"], "by_key_id": c["access_key_id"],
        "source_ip": c["source_ip"], "from_new_place": places.hostile(c),
        "target": {k: target[k] for k in sorted(target)},
    }


def _data_read(c: CallRow, places: _Places) -> DataRead | None:
    """The call as a data read (S3 object, parameter, secret, decrypt) after the exposure."""
    source = c["event_source"] or ""
    reads = DATA_READS.get(source)
    if not reads or c["event_name"] not in reads or not places.after(c):
        return None
    params = _params(c["request_parameters"])
    item: DataRead = {
        "time": c["event_time"], "service": source.split(".", 1)[0],
        "action": c["event_name"], "by_key_id": c["access_key_id"],
        "source_ip": c["source_ip"], "from_new_place": places.hostile(c),
        "error": c["error_code"], "flags": [],
    }
    if source == "s3.amazonaws.com":
        key = params.get("key") or params.get("prefix")
        item["bucket"] = _text(params.get("bucketName"))
        item["key"] = _text(key)
        item["version_id"] = _text(params.get("versionId"))
        name = str(key or "").lower()
        if name.endswith(".tfstate") or ".tfstate." in name:
            item["flags"].append("terraform-state")
        if any(h in name for h in _BACKUP_HINTS):
            item["flags"].append("backup")
    else:
        item["resource"] = _text(params.get("name") or params.get("names") or params.get("secretId")
                                 or params.get("keyId") or params.get("path"))
    return item


def _text(value: object) -> str | None:
    """A request parameter as report text (a list of names joined)."""
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _verdict(key_id: str, calls: list[CallRow], places: _Places,
             persistence: list[PersistenceEvent], data: list[DataRead],
             created_by: PersistenceEvent | None) -> tuple[Verdict, list[str]]:
    keys = {c["access_key_id"] for c in calls} | {key_id}
    reasons: list[str] = []
    if created_by and created_by["from_new_place"]:
        reasons.append(f"created by the attacker at {created_by['time']} (persistence)")
    # Access keys the attacker created are persistence, not sessions.
    sessions = sorted(k for k in places.attacker if k in keys and k != key_id and not k.startswith("AKIA"))
    if sessions:
        reasons.append(f"{len(sessions)} session(s) from a new place: {', '.join(sessions)}")
    persisted = [p for p in persistence if p["by_key_id"] in keys and p["from_new_place"]]
    if persisted:
        reasons.append("persistence: " + ", ".join(sorted({p["action"] for p in persisted})))
    read = [d for d in data if d["by_key_id"] in keys and d["from_new_place"] and not d["error"]]
    if read:
        reasons.append(f"{len(read)} data read(s) from a new place")
    if reasons:
        return "compromised", reasons
    if not calls:
        return "no activity", ["no call with this key or its sessions in the window"]
    late = [c for c in calls if places.after(c)]
    ips = sorted({str(c["source_ip"]) for c in late if places.new_ip(c)})
    if ips:
        reasons.append("calls from new IPs: " + ", ".join(ips))
    uas = sorted({str(c["user_agent"]) for c in late if places.new_ua(c)})
    if uas:
        reasons.append("new user agents: " + ", ".join(uas))
    denied = sorted({f"{c['event_name']} ({c['error_code']})" for c in late
                     if c["error_code"] and (c["event_name"], c["error_code"]) not in places.errors})
    if denied:
        reasons.append("new failed calls: " + ", ".join(denied))
    recon = sorted({c["event_name"] for c in late if c["event_name"] in RECON_EVENTS and places.hostile(c)})
    if recon:
        reasons.append("reconnaissance from a new place: " + ", ".join(recon))
    if reasons:
        return "suspicious", reasons
    if not late:
        return "legitimate only", ["no call after the exposure"]
    return "legitimate only", ["every call after the exposure came from places seen before it"]


def _containment(sessions: list[Session], persistence: list[PersistenceEvent],
                 keys: list[KeyReport], attacker_ips: list[str], db: LineageDB) -> Containment:
    roles: dict[str, RoleTarget] = {}
    users: dict[str, UserSessions] = {}
    attacker_sessions = [s for s in sessions if s["origin"] == "attacker"]
    attacker_keys = {s["key_id"] for s in attacker_sessions}
    for s in attacker_sessions:
        entry: TargetSession = {
            "key_id": s["key_id"], "assumed_role_id": s["assumed_role_id"],
            "session_name": s["session_name"], "issued_at": s["issued_at"],
            "expires_at": s["expires_at"], "source_ip": s["source_ip"],
            "ips": sorted({ip["value"] for ip in s["source_ips"] if not _is_service(ip["value"])}),
        }
        if s["via"] in ("GetSessionToken", "GetFederationToken"):
            user = s["user_name"] or "unknown"
            users.setdefault(user, {"user": user, "sessions": []})["sessions"].append(entry)
            continue
        if not s["role_arn"]:
            continue
        role = roles.setdefault(s["role_arn"], {
            "role_arn": s["role_arn"], "role_name": s["role_name"], "sessions": [],
            "shared_session_names": [], "sessions_without_ip": [], "ips": [],
        })
        role["sessions"].append(entry)
        if not entry["ips"]:
            role["sessions_without_ip"].append(s["key_id"])
        for other in db.same_name_sessions(s["role_arn"], s["session_name"] or ""):
            if other["new_key_id"] not in attacker_keys:
                role["shared_session_names"].append({
                    "session_name": s["session_name"], "assumed_role_id": other["assumed_role_id"],
                    "issued_at": other["event_time"], "source_ip": other["source_ip"],
                })
    for role in roles.values():
        role["ips"] = sorted({ip for s in role["sessions"] for ip in s["ips"]} | set(attacker_ips))
    created: list[CreatedKey] = [
        {"key_id": p["target"]["accessKeyId"], "user": p["target"].get("userName"),
         "created_at": p["time"], "by_key_id": p["by_key_id"]}
        for p in persistence if p["action"] == "CreateAccessKey" and p["from_new_place"]
        and p["target"].get("accessKeyId")
    ]
    return {
        "leaked_keys": [{"key_id": k["key_id"], "user": k["user"]} for k in keys if k["kind"] == "leaked"],
        "created_keys": created,
        "roles": [roles[a] for a in sorted(roles)],
        "user_sessions": [users[u] for u in sorted(users)],
        "login_profiles": [
            {"user": p["target"].get("userName"), "created_at": p["time"], "by_key_id": p["by_key_id"]}
            for p in persistence if p["action"] == "CreateLoginProfile" and p["from_new_place"]
        ],
        "policy_changes": [p for p in persistence if p["action"] in POLICY_CHANGES and p["from_new_place"]],
        "attacker_ips": attacker_ips,
    }


def _timeline(seeds: list[Seed], exposed_at: datetime | None, calls: list[CallRow],
              places: _Places, sessions: list[Session], data: list[DataRead],
              persistence: list[PersistenceEvent]) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    for seed in seeds:
        if seed.committed_at:
            where = next((f"{loc.get('repository')}: {loc.get('path')}" for loc in seed.locations), "")
            out.append({"time": iso(seed.committed_at), "event": "committed",
                        "detail": f"{seed.key_id} committed {where}".strip()})
        for loc in seed.locations:
            public = parse_time(loc.get("exposed_since"))
            if public:
                out.append({"time": iso(public),
                            "event": "repository public",
                            "detail": f"{loc.get('repository')} public, holding {seed.key_id}"})
        if seed.detected_at:
            out.append({"time": iso(seed.detected_at), "event": "detected",
                        "detail": f"{seed.key_id}: {seed.detected_by or 'detected'}"})
    if exposed_at and not any(e["event"] == "repository public" for e in out):
        out.append({"time": iso(exposed_at), "event": "exposed", "detail": "start of exposure"})
    first = next((c for c in calls if places.new_ip(c)), None)
    if first:
        out.append({"time": first["event_time"], "event": "first use from a new place",
                    "detail": f"{first['event_name']} by {first['access_key_id']} from {first['source_ip']}"})
    for s in sessions:
        if s["origin"] == "attacker":
            out.append({"time": s["issued_at"], "event": "role assumed" if s["role_arn"] else "session minted",
                        "detail": f"{s['via']} {s['role_name'] or s['session_name']} -> {s['key_id']} "
                                  f"from {s['source_ip']}"})
    for d in data:
        if d["from_new_place"] and not d["error"]:
            out.append({"time": d["time"], "event": "data read",
                        "detail": f"{d['action']} {data_read_label(d, version=False)}"})
    for p in persistence:
        if p["from_new_place"]:
            out.append({"time": p["time"], "event": "persistence",
                        "detail": f"{p['action']} {persistence_target(p)}"})
    out.sort(key=lambda e: (e["time"], e["event"], e["detail"]))
    return out
