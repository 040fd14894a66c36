"""The visibility audit's tables in the state file: snapshots of every repo's
visibility, changes, policy violations and exposures.

"New" means "not yet reported by a run that finished": rows start with
``reported = 0`` and ``mark_changes_reported`` flips them once the caller has
written its report, so a run killed halfway (or whose report could not be
written) reports its discoveries again next time instead of losing them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from scanner.model import Exposure
from scanner.state.db import StateFile, parse_row, read_json_object


@dataclass(frozen=True)
class VisibilitySnapshot:
    repo: str
    visibility: str
    archived: bool
    fork: bool
    first_seen: str
    visibility_since: str
    last_seen: str


class ChangeFields(Protocol):
    """What the state keeps of a visibility change (``audit.visibility.VisibilityChange`` has it)."""

    @property
    def repo(self) -> str: ...
    @property
    def from_visibility(self) -> str | None: ...
    @property
    def to_visibility(self) -> str: ...
    @property
    def at(self) -> str | None: ...
    @property
    def window_after(self) -> str | None: ...
    @property
    def window_before(self) -> str | None: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def source(self) -> str: ...


class RepoFields(Protocol):
    """What a snapshot keeps of a listed repository (``github.client.RepoInfo`` has it)."""

    @property
    def full_name(self) -> str: ...
    @property
    def visibility(self) -> str: ...
    @property
    def archived(self) -> bool: ...
    @property
    def fork(self) -> bool: ...


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


class AuditStore:
    """The audit tables of an open ``StateFile``."""

    def __init__(self, state: StateFile) -> None:
        self.state = state
        self.conn = state.conn
        self.path = state.path

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

    def record_snapshot(self, org: str, repos: Iterable[RepoFields], seen_at: str) -> None:
        """Store every repo's current visibility."""
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
    def record_change(self, org: str, change: ChangeFields, recorded_at: str) -> bool:
        """Store a visibility change; True when no earlier run had recorded it.
        (Whether it is *new* for the report is ``StoredChange.reported``.)"""
        key = change_key(change)
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
                    change.repo,
                    change.from_visibility,
                    change.to_visibility,
                    change.at,
                    None if change.at else change.window_after,
                    None if change.at else change.window_before,
                    change.actor,
                    change.source,
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
        return [StoredChange(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9])) for r in rows]

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
    def record_exposure(self, org: str, exposure: Exposure, seen_at: str) -> bool:
        """Store an exposure (its finding redacted), keyed by (repo, fingerprint);
        True when no earlier run had it."""
        data = json.dumps(exposure.to_dict(), sort_keys=True)
        finding = exposure.finding
        with self.conn:
            cur = self.conn.execute(
                """
                INSERT OR IGNORE INTO exposures
                    (repo, fingerprint, org, rule, secret_hash, exposed_since, public_now, finding,
                     first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    exposure.repo,
                    finding.fingerprint,
                    org,
                    finding.rule,
                    finding.secret_hash,
                    exposure.exposed_since,
                    int(exposure.public_now),
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
                (seen_at, int(exposure.public_now), exposure.repo, finding.fingerprint),
            )
            return False

    def set_public_now(self, repo: str, public_now: bool) -> None:
        with self.conn:
            self.conn.execute("UPDATE exposures SET public_now = ? WHERE repo = ?", (int(public_now), repo))

    def exposures(self, org: str) -> list[Exposure]:
        rows = self.conn.execute(
            "SELECT finding, exposed_since, public_now, first_seen, last_seen, reported, repo, fingerprint "
            "FROM exposures WHERE org = ? ORDER BY repo, exposed_since, fingerprint",
            (org,),
        ).fetchall()
        out = []
        for finding, exposed_since, public_now, first_seen, last_seen, reported, repo, fp in rows:
            where = f"repo {repo}, fingerprint {fp}"
            data = read_json_object(self.path, "exposures", where, finding)
            data.update(
                repo=repo,
                exposed_since=exposed_since,
                public_now=bool(public_now),
                first_seen=first_seen,
                last_seen=last_seen,
                new=not reported,
            )
            out.append(parse_row(self.path, "exposures", where, data, Exposure.from_dict))
        # Report order: where a reader finds them, not when they were stored.
        out.sort(key=lambda e: (e.repo, e.finding.path, e.finding.line, e.finding.column, e.finding.rule,
                                e.finding.fingerprint))
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

    def mark_changes_reported(self, org: str) -> None:
        """Called when a run has finished its report: what it listed is no longer new."""
        with self.conn:
            for table in ("visibility_changes", "violations", "exposures"):
                self.conn.execute(f"UPDATE {table} SET reported = 1 WHERE org = ?", (org,))


def change_key(change: ChangeFields) -> str:
    """Identity of a change across runs: the same flip reported again is not new.

    Timed changes are keyed by repo, direction and minute (audit log and events
    give the same flip a few ms apart, and events say nothing of the previous
    visibility); snapshot windows by their bounds.
    """
    when = (change.at or "")[:16] or f"{change.window_after}..{change.window_before}"
    return f"{change.repo}|{change.to_visibility}|{when}|{change.source}"
