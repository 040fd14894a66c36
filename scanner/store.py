"""The SQLite state file: what earlier runs saw, so a run can tell what is new.

One file serves ``org audit`` (visibility snapshots, changes, violations,
exposures) and ``org scan`` (issue 7 adds cursors and findings as a later
migration). Schema changes are numbered migrations recorded in
``schema_migrations``; opening a file applies the ones it lacks, in one
transaction each, so an old state file is upgraded in place and a newer one
is refused rather than misread.

Secrets are never stored: exposures keep the redacted finding, its
fingerprint and its keyed ``secret_hash``.

"New" means "not yet reported by a run that finished": rows start with
``reported = 0`` and ``mark_reported`` flips them at the end of a run, so a
run killed halfway reports its discoveries again next time instead of
losing them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE repo_visibility (
            repo TEXT PRIMARY KEY,          -- owner/name
            org TEXT NOT NULL,
            visibility TEXT NOT NULL,       -- public, private, internal
            archived INTEGER NOT NULL DEFAULT 0,
            fork INTEGER NOT NULL DEFAULT 0,
            first_seen TEXT NOT NULL,       -- first run that saw the repo
            visibility_since TEXT NOT NULL, -- first run that saw the current visibility
            last_seen TEXT NOT NULL         -- last run that saw it (start of the next window)
        );
        CREATE INDEX repo_visibility_org ON repo_visibility(org);
        CREATE TABLE visibility_changes (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,       -- dedupes the same change seen by later runs
            org TEXT NOT NULL,
            repo TEXT NOT NULL,
            from_visibility TEXT,
            to_visibility TEXT NOT NULL,
            at TEXT,                        -- exact time when the source has one
            window_after TEXT,              -- else: happened after this ...
            window_before TEXT,             -- ... and before this
            actor TEXT,
            source TEXT NOT NULL,           -- audit-log, events, snapshot
            recorded_at TEXT NOT NULL,
            reported INTEGER NOT NULL DEFAULT 0  -- 1 once a finished run has reported it
        );
        CREATE INDEX visibility_changes_repo ON visibility_changes(repo);
        CREATE TABLE violations (
            repo TEXT PRIMARY KEY,
            org TEXT NOT NULL,
            pattern TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            reported INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE exposures (
            repo TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            org TEXT NOT NULL,
            rule TEXT NOT NULL,
            secret_hash TEXT NOT NULL,
            exposed_since TEXT,
            public_now INTEGER NOT NULL,
            finding TEXT NOT NULL,          -- redacted Finding.to_dict() as JSON
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            reported INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (repo, fingerprint)
        );
        CREATE INDEX exposures_org ON exposures(org);
        CREATE TABLE audit_scans (
            repo TEXT PRIMARY KEY,
            org TEXT NOT NULL,
            scan_key TEXT NOT NULL,         -- digest of the mirror's refs + rule-set version
            scanned_at TEXT NOT NULL
        );
        """,
    ),
    (
        2,
        # org scan (issue 7): what each repo looked like when last scanned, and
        # every finding with its lifetime. A repo's findings, cursor and status
        # are written in one transaction, so a killed run loses nothing.
        """
        CREATE TABLE org_scan_cursors (
            repo TEXT PRIMARY KEY,          -- owner/name
            org TEXT NOT NULL,
            rules_version TEXT NOT NULL,    -- RuleSet.version the blobs were scanned with
            tips TEXT NOT NULL,             -- JSON {refname: object id} at that scan
            blobs BLOB NOT NULL,            -- scanned blob ids: zlib of sorted, newline-joined hex
            blob_count INTEGER NOT NULL,
            scanned_at TEXT NOT NULL
        );
        CREATE INDEX org_scan_cursors_org ON org_scan_cursors(org);
        CREATE TABLE org_scan_repos (
            repo TEXT PRIMARY KEY,
            org TEXT NOT NULL,
            status TEXT NOT NULL,           -- scanned, unchanged, failed, removed
            error_kind TEXT,                -- clone, fetch, timeout, rate-limit, corrupt, ...
            error TEXT,
            failures INTEGER NOT NULL DEFAULT 0,  -- failed runs in a row
            last_attempt TEXT NOT NULL,
            last_success TEXT
        );
        CREATE INDEX org_scan_repos_org ON org_scan_repos(org);
        CREATE TABLE org_findings (
            repo TEXT NOT NULL,
            fingerprint TEXT NOT NULL,      -- rule + blob + span
            org TEXT NOT NULL,
            rule TEXT NOT NULL,
            secret_hash TEXT NOT NULL,
            blob TEXT NOT NULL,
            span_start INTEGER NOT NULL,
            span_end INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',  -- open, resolved (no longer reachable), ignored
            finding TEXT NOT NULL,          -- redacted Finding.to_dict() + repo, as JSON
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,        -- last run that saw it reachable
            resolved_at TEXT,
            ignored_reason TEXT,
            reported INTEGER NOT NULL DEFAULT 0,  -- 1 once a finished run has reported it
            PRIMARY KEY (repo, fingerprint)
        );
        CREATE INDEX org_findings_org ON org_findings(org, reported);
        """,
    ),
    (
        3,
        # scan s3:// --state (issue 13): object versions already scanned with a
        # rule-set version, and what they held (redacted findings only).
        """
        CREATE TABLE s3_scanned_versions (
            bucket TEXT NOT NULL,
            key TEXT NOT NULL,
            version_id TEXT NOT NULL,       -- '' for a latest-only listing
            etag TEXT NOT NULL,
            rules_version TEXT NOT NULL,    -- RuleSet.version + Terraform parser version
            scanned_at TEXT NOT NULL,
            PRIMARY KEY (bucket, key, version_id)
        );
        CREATE TABLE s3_findings (
            bucket TEXT NOT NULL,
            key TEXT NOT NULL,
            version_id TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            rule TEXT NOT NULL,
            secret_hash TEXT NOT NULL,
            finding TEXT NOT NULL,          -- redacted Finding.to_dict() as JSON
            first_seen TEXT NOT NULL,
            PRIMARY KEY (bucket, key, version_id, fingerprint)
        );
        """,
    ),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]


class StoreError(Exception):
    pass


def default_state_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME/leakwarden/state.sqlite3`` (``~/.local/share`` when unset)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "leakwarden" / "state.sqlite3"


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class VisibilitySnapshot:
    repo: str
    visibility: str
    archived: bool
    fork: bool
    first_seen: str
    visibility_since: str
    last_seen: str


@dataclass(frozen=True)
class StoredChange:
    repo: str
    from_visibility: str | None
    to_visibility: str
    at: str | None
    window_after: str | None
    window_before: str | None
    actor: str | None
    source: str
    recorded_at: str
    reported: bool = False

    @property
    def earliest(self) -> str | None:
        """The earliest moment the change can have happened."""
        return self.at or self.window_after


class Store:
    """A state file opened and migrated; use as a context manager or call ``close``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(self.path, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use state file {self.path}: {exc}") from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def _migrate(self) -> None:
        with self.conn:
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"state file {self.path} has schema {current}, newer than this leakwarden "
                f"({SCHEMA_VERSION}); upgrade leakwarden or use another --state file"
            )
        for version, sql in MIGRATIONS:
            if version <= current:
                continue
            # executescript commits on its own, so wrap it explicitly to keep
            # a migration and its version row atomic.
            self.conn.executescript(
                "BEGIN;\n" + sql + f"\nINSERT INTO schema_migrations VALUES ({version}, '{now_iso()}');\nCOMMIT;"
            )

    def schema_version(self) -> int:
        row = self.conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    # -- visibility snapshots --------------------------------------------------
    def snapshots(self, org: str) -> dict[str, VisibilitySnapshot]:
        rows = self.conn.execute(
            "SELECT repo, visibility, archived, fork, first_seen, visibility_since, last_seen "
            "FROM repo_visibility WHERE org = ?",
            (org,),
        ).fetchall()
        return {
            r[0]: VisibilitySnapshot(r[0], r[1], bool(r[2]), bool(r[3]), r[4], r[5], r[6]) for r in rows
        }

    def record_snapshot(self, org: str, repos: Iterable[Any], seen_at: str) -> None:
        """Store every repo's current visibility (``repos``: objects with
        ``full_name``, ``visibility``, ``archived``, ``fork``)."""
        with self.conn:
            for repo in repos:
                self.conn.execute(
                    """
                    INSERT INTO repo_visibility
                        (repo, org, visibility, archived, fork, first_seen, visibility_since, last_seen)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(repo) DO UPDATE SET
                        visibility_since = CASE WHEN visibility = excluded.visibility
                                                THEN visibility_since ELSE excluded.last_seen END,
                        visibility = excluded.visibility,
                        archived = excluded.archived,
                        fork = excluded.fork,
                        last_seen = excluded.last_seen
                    """,
                    (repo.full_name, org, repo.visibility, int(repo.archived), int(repo.fork), seen_at, seen_at, seen_at),
                )

    # -- changes -----------------------------------------------------------------
    def record_change(self, org: str, change: Mapping[str, Any], recorded_at: str) -> bool:
        """Store a visibility change; True when no earlier run had recorded it.
        (Whether it is *new* for the report is ``StoredChange.reported``.)"""
        key = change_key(change)
        window = change.get("window") or {}
        with self.conn:
            cur = self.conn.execute(
                """
                INSERT OR IGNORE INTO visibility_changes
                    (key, org, repo, from_visibility, to_visibility, at, window_after, window_before,
                     actor, source, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    key,
                    org,
                    change["repo"],
                    change.get("from"),
                    change["to"],
                    change.get("at"),
                    window.get("after"),
                    window.get("before"),
                    change.get("actor"),
                    change["source"],
                    recorded_at,
                ),
            )
            return cur.rowcount == 1

    def changes(self, org: str) -> list[StoredChange]:
        rows = self.conn.execute(
            "SELECT repo, from_visibility, to_visibility, at, window_after, window_before, actor, source, "
            "recorded_at, reported FROM visibility_changes WHERE org = ? ORDER BY COALESCE(at, window_before), id",
            (org,),
        ).fetchall()
        return [StoredChange(*r[:9], reported=bool(r[9])) for r in rows]

    # -- violations ----------------------------------------------------------------
    def record_violation(self, org: str, repo: str, pattern: str, seen_at: str) -> bool:
        """Store a violation; True when it is new (not reported by a finished run)."""
        with self.conn:
            self.conn.execute(
                "INSERT OR IGNORE INTO violations (repo, org, pattern, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)",
                (repo, org, pattern, seen_at, seen_at),
            )
            self.conn.execute("UPDATE violations SET last_seen = ? WHERE repo = ?", (seen_at, repo))
            row = self.conn.execute("SELECT reported FROM violations WHERE repo = ?", (repo,)).fetchone()
            return not row[0]

    def clear_violation(self, repo: str) -> None:
        """Forget a violation that was fixed, so a relapse counts as new again."""
        with self.conn:
            self.conn.execute("DELETE FROM violations WHERE repo = ?", (repo,))

    # -- exposures -------------------------------------------------------------------
    def record_exposure(self, org: str, exposure: Mapping[str, Any], seen_at: str) -> bool:
        """Store an exposure (a redacted finding dict plus ``repo``, ``exposed_since``,
        ``public_now``), keyed by (repo, fingerprint); True when no earlier run had it."""
        data = json.dumps(exposure, sort_keys=True)
        with self.conn:
            cur = self.conn.execute(
                """
                INSERT OR IGNORE INTO exposures
                    (repo, fingerprint, org, rule, secret_hash, exposed_since, public_now, finding,
                     first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    exposure["repo"],
                    exposure["fingerprint"],
                    org,
                    exposure.get("rule", ""),
                    exposure.get("secret_hash", ""),
                    exposure.get("exposed_since"),
                    int(bool(exposure.get("public_now"))),
                    data,
                    seen_at,
                    seen_at,
                ),
            )
            if cur.rowcount == 1:
                return True
            # Keep the first exposed_since: a later, narrower view must not
            # shorten how long a secret has been out.
            self.conn.execute(
                "UPDATE exposures SET last_seen = ?, public_now = ? WHERE repo = ? AND fingerprint = ?",
                (seen_at, int(bool(exposure.get("public_now"))), exposure["repo"], exposure["fingerprint"]),
            )
            return False

    def set_public_now(self, repo: str, public_now: bool) -> None:
        with self.conn:
            self.conn.execute("UPDATE exposures SET public_now = ? WHERE repo = ?", (int(public_now), repo))

    def exposures(self, org: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT finding, exposed_since, public_now, first_seen, last_seen, reported FROM exposures "
            "WHERE org = ? ORDER BY repo, exposed_since, fingerprint",
            (org,),
        ).fetchall()
        out = []
        for finding, exposed_since, public_now, first_seen, last_seen, reported in rows:
            data = json.loads(finding)
            data.update(
                exposed_since=exposed_since,
                public_now=bool(public_now),
                first_seen=first_seen,
                last_seen=last_seen,
                new=not reported,
            )
            out.append(data)
        # Report order: where a reader finds them, not when they were stored.
        out.sort(key=lambda e: (e["repo"], e.get("path") or "", e.get("line") or 0, e.get("column") or 0,
                                e.get("rule") or "", e["fingerprint"]))
        return out


    # -- audit scans: skip a mirror whose refs and rules did not change ---------------
    def audit_scan_key(self, repo: str) -> str | None:
        row = self.conn.execute("SELECT scan_key FROM audit_scans WHERE repo = ?", (repo,)).fetchone()
        return row[0] if row else None

    def record_audit_scan(self, org: str, repo: str, scan_key: str, scanned_at: str) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO audit_scans (repo, org, scan_key, scanned_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(repo) DO UPDATE SET scan_key = excluded.scan_key, scanned_at = excluded.scanned_at",
                (repo, org, scan_key, scanned_at),
            )

    def mark_reported(self, org: str) -> None:
        """Called when a run has finished its report: what it listed is no longer new."""
        with self.conn:
            for table in ("visibility_changes", "violations", "exposures"):
                self.conn.execute(f"UPDATE {table} SET reported = 1 WHERE org = ?", (org,))


# -- org scan -------------------------------------------------------------------------


def pack_blob_ids(ids: Iterable[str]) -> bytes:
    """A set of blob ids, compact: sorted hex compresses to about 21 bytes an id."""
    return zlib.compress("\n".join(sorted(set(ids))).encode("ascii"), 6)


def unpack_blob_ids(data: bytes | None) -> set[str]:
    if not data:
        return set()
    text = zlib.decompress(data).decode("ascii")
    return set(text.split("\n")) if text else set()


@dataclass(frozen=True)
class RepoCursor:
    """What ``org scan`` knows of one repo from earlier runs."""

    repo: str
    rules_version: str | None = None
    tips: dict[str, str] | None = None  # None: never scanned whole
    blobs: bytes = b""  # packed scanned blob ids
    blob_count: int = 0
    status: str | None = None
    error_kind: str | None = None
    error: str | None = None
    failures: int = 0
    finding_blobs: frozenset[str] = frozenset()  # blobs of its findings not ignored


@dataclass(frozen=True)
class RepoScanRecord:
    """One repo's result of one run, as the coordinator commits it."""

    repo: str
    status: str  # scanned, unchanged, failed
    error_kind: str | None = None
    error: str | None = None
    tips: dict[str, str] | None = None
    rules_version: str | None = None
    new_blobs: bytes = b""  # packed blob ids walked this run
    replace_blobs: bool = False  # the rules changed: the old scanned set no longer counts
    findings: tuple[Mapping[str, Any], ...] = ()
    # Blobs of stored findings that are still reachable; with ``reachability_complete``
    # every other stored finding of the repo is resolved.
    reachable_finding_blobs: frozenset[str] | None = None
    reachability_complete: bool = False


class OrgScanStore:
    """The ``org scan`` tables of a ``Store``: cursors, repo status, findings."""

    def __init__(self, store: Store) -> None:
        self.conn = store.conn
        # One small transaction per repo: with WAL, NORMAL keeps every commit
        # atomic and safe from a killed process (only a power cut may undo the
        # last few, which are then simply scanned again) without an fsync each.
        self.conn.execute("PRAGMA synchronous=NORMAL")

    def cursors(self, org: str) -> dict[str, RepoCursor]:
        rows: dict[str, dict[str, Any]] = {}
        for repo, status, kind, error, failures in self.conn.execute(
            "SELECT repo, status, error_kind, error, failures FROM org_scan_repos WHERE org = ?", (org,)
        ):
            rows[repo] = {"status": status, "error_kind": kind, "error": error, "failures": failures}
        for repo, version, tips, blobs, count in self.conn.execute(
            "SELECT repo, rules_version, tips, blobs, blob_count FROM org_scan_cursors WHERE org = ?", (org,)
        ):
            rows.setdefault(repo, {}).update(
                rules_version=version, tips=json.loads(tips), blobs=bytes(blobs), blob_count=count
            )
        found: dict[str, set[str]] = {}
        for repo, blob in self.conn.execute(
            "SELECT repo, blob FROM org_findings WHERE org = ? AND status != 'ignored'", (org,)
        ):
            found.setdefault(repo, set()).add(blob)
        return {
            repo: RepoCursor(repo=repo, finding_blobs=frozenset(found.get(repo, ())), **data)
            for repo, data in rows.items()
        }

    def commit(self, org: str, record: RepoScanRecord, at: str) -> int:
        """Write one repo's findings, cursor and status in one transaction; the
        number of findings no earlier run had stored."""
        new = 0
        with self.conn:
            for finding in record.findings:
                new += self._upsert_finding(org, record.repo, finding, at)
            if record.status == "failed":
                self._status(org, record.repo, "failed", record.error_kind, record.error, at, failed=True)
                return new
            if record.reachable_finding_blobs is not None:
                # What was just found is reachable too (it was found by walking the refs).
                reachable = record.reachable_finding_blobs | {f.get("blob", "") for f in record.findings}
                self._reachability(record.repo, frozenset(reachable), record.reachability_complete, at)
            # Still reachable: every open finding of the repo was seen again tonight.
            self.conn.execute(
                "UPDATE org_findings SET last_seen = ? WHERE repo = ? AND status = 'open'", (at, record.repo)
            )
            if record.status == "scanned" and record.tips is not None:
                self._advance(org, record, at)
            self._status(org, record.repo, record.status, record.error_kind, record.error, at, failed=False)
        return new

    def mark_removed(self, org: str, repo: str, at: str) -> None:
        """The repo is no longer listed: its findings are no longer reachable there."""
        with self.conn:
            self.conn.execute(
                "UPDATE org_findings SET status = 'resolved', resolved_at = ? WHERE repo = ? AND status = 'open'",
                (at, repo),
            )
            self.conn.execute("DELETE FROM org_scan_cursors WHERE repo = ?", (repo,))
            self._status(org, repo, "removed", None, None, at, failed=False)

    def unreported(self, org: str) -> list[dict[str, Any]]:
        """Findings no finished run has reported (ignored ones never are)."""
        return self._select(org, "reported = 0 AND status != 'ignored'")

    def findings(self, org: str, status: str | None = None) -> list[dict[str, Any]]:
        return self._select(org, "status = ?" if status else "1", (status,) if status else ())

    def mark_reported(self, org: str, keys: Iterable[tuple[str, str]]) -> None:
        with self.conn:
            self.conn.executemany(
                "UPDATE org_findings SET reported = 1 WHERE org = ? AND repo = ? AND fingerprint = ?",
                [(org, repo, fp) for repo, fp in keys],
            )

    def ignore(self, org: str, fingerprint: str, reason: str | None = None) -> int:
        """Mark a finding (all repos holding that occurrence fingerprint) ignored."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE org_findings SET status = 'ignored', ignored_reason = ? WHERE org = ? AND fingerprint = ?",
                (reason, org, fingerprint),
            )
            return cur.rowcount

    def update_finding(self, org: str, repo: str, fingerprint: str, data: Mapping[str, Any]) -> None:
        """Replace a stored finding's JSON (e.g. with its verification); never a secret."""
        with self.conn:
            self.conn.execute(
                "UPDATE org_findings SET finding = ? WHERE org = ? AND repo = ? AND fingerprint = ?",
                (json.dumps(data, sort_keys=True), org, repo, fingerprint),
            )

    # -- inside a transaction ----------------------------------------------------------
    def _upsert_finding(self, org: str, repo: str, finding: Mapping[str, Any], at: str) -> int:
        data = dict(finding, repo=repo)
        span = data.get("span") or (0, 0)
        cur = self.conn.execute(
            """
            INSERT OR IGNORE INTO org_findings
                (repo, fingerprint, org, rule, secret_hash, blob, span_start, span_end, finding,
                 first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (repo, data["fingerprint"], org, data.get("rule", ""), data.get("secret_hash", ""),
             data.get("blob", ""), int(span[0]), int(span[1]), json.dumps(data, sort_keys=True), at, at),
        )
        if cur.rowcount == 1:
            return 1
        # Seen again (a retried repo, a rescan after a rule change): same row,
        # reopened if it had been resolved; its first_seen and reported stay.
        self.conn.execute(
            "UPDATE org_findings SET last_seen = ?, resolved_at = NULL, "
            "status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END "
            "WHERE repo = ? AND fingerprint = ?",
            (at, repo, data["fingerprint"]),
        )
        return 0

    def _reachability(self, repo: str, reachable: frozenset[str], complete: bool, at: str) -> None:
        rows = self.conn.execute(
            "SELECT fingerprint, blob, status FROM org_findings WHERE repo = ? AND status != 'ignored'", (repo,)
        ).fetchall()
        for fingerprint, blob, status in rows:
            if blob in reachable and status == "resolved":
                self.conn.execute(
                    "UPDATE org_findings SET status = 'open', resolved_at = NULL, last_seen = ? "
                    "WHERE repo = ? AND fingerprint = ?",
                    (at, repo, fingerprint),
                )
            elif complete and blob not in reachable and status == "open":
                self.conn.execute(
                    "UPDATE org_findings SET status = 'resolved', resolved_at = ? WHERE repo = ? AND fingerprint = ?",
                    (at, repo, fingerprint),
                )

    def _advance(self, org: str, record: RepoScanRecord, at: str) -> None:
        row = self.conn.execute(
            "SELECT blobs, rules_version FROM org_scan_cursors WHERE repo = ?", (record.repo,)
        ).fetchone()
        blobs = unpack_blob_ids(record.new_blobs)
        if row is not None and not record.replace_blobs and row[1] == record.rules_version:
            blobs |= unpack_blob_ids(row[0])
        self.conn.execute(
            """
            INSERT INTO org_scan_cursors (repo, org, rules_version, tips, blobs, blob_count, scanned_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(repo) DO UPDATE SET rules_version = excluded.rules_version, tips = excluded.tips,
                blobs = excluded.blobs, blob_count = excluded.blob_count, scanned_at = excluded.scanned_at
            """,
            (record.repo, org, record.rules_version, json.dumps(record.tips, sort_keys=True),
             pack_blob_ids(blobs), len(blobs), at),
        )

    def _status(self, org: str, repo: str, status: str, kind: str | None, error: str | None, at: str,
                *, failed: bool) -> None:
        self.conn.execute(
            """
            INSERT INTO org_scan_repos (repo, org, status, error_kind, error, failures, last_attempt, last_success)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(repo) DO UPDATE SET status = excluded.status, error_kind = excluded.error_kind,
                error = excluded.error, last_attempt = excluded.last_attempt,
                failures = CASE WHEN excluded.failures = 0 THEN 0 ELSE org_scan_repos.failures + 1 END,
                last_success = COALESCE(excluded.last_success, org_scan_repos.last_success)
            """,
            (repo, org, status, kind, error, 1 if failed else 0, at, None if failed else at),
        )

    def _select(self, org: str, where: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT finding, status, first_seen, last_seen, resolved_at, ignored_reason FROM org_findings "
            f"WHERE org = ? AND {where}",
            (org, *params),
        ).fetchall()
        out = []
        for finding, status, first_seen, last_seen, resolved_at, ignored_reason in rows:
            data = json.loads(finding)
            data.update(status=status, first_seen=first_seen, last_seen=last_seen)
            if resolved_at:
                data["resolved_at"] = resolved_at
            if ignored_reason:
                data["ignored_reason"] = ignored_reason
            out.append(data)
        out.sort(key=lambda f: (f["repo"], f.get("path") or "", f.get("line") or 0, f.get("column") or 0,
                                f.get("rule") or "", f["fingerprint"]))
        return out


def change_key(change: Mapping[str, Any]) -> str:
    """Identity of a change across runs: the same flip reported again is not new.

    Timed changes are keyed by repo, direction and minute (audit log and events
    give the same flip a few ms apart, and events say nothing of the previous
    visibility); snapshot windows by their bounds.
    """
    window = change.get("window") or {}
    when = (change.get("at") or "")[:16] or f"{window.get('after')}..{window.get('before')}"
    return f"{change['repo']}|{change['to']}|{when}|{change['source']}"
