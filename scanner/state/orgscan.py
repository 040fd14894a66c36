"""The org scan's tables in the state file: per-repo cursors (ref tips, rule
set version, scanned blob ids) and findings with their status."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace

from scanner.model import Finding, FindingStatus, OrgFinding
from scanner.state.db import StateFile, parse_row, read_json_object


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
    findings: tuple[Finding, ...] = ()
    # Blobs of stored findings that are still reachable; with ``reachability_complete``
    # every other stored finding of the repo is resolved.
    reachable_finding_blobs: frozenset[str] | None = None
    reachability_complete: bool = False


class OrgScanStore:
    """The ``org scan`` tables of an open ``StateFile``: cursors, repo status, findings."""

    def __init__(self, state: StateFile) -> None:
        self.state = state
        self.conn = state.conn

    def cursors(self, org: str) -> dict[str, RepoCursor]:
        found: dict[str, set[str]] = {}
        for repo, blob in self.conn.execute(
            "SELECT repo, blob FROM org_findings WHERE org = ? AND status != 'ignored'", (org,)
        ):
            found.setdefault(repo, set()).add(blob)
        cursors: dict[str, RepoCursor] = {}
        for repo, status, kind, error, failures in self.conn.execute(
            "SELECT repo, status, error_kind, error, failures FROM org_scan_repos WHERE org = ?", (org,)
        ):
            cursors[repo] = RepoCursor(repo, status=status, error_kind=kind, error=error, failures=failures)
        for repo, version, tips, blobs in self.conn.execute(
            "SELECT repo, rules_version, tips, blobs FROM org_scan_cursors WHERE org = ?", (org,)
        ):
            cursors[repo] = replace(
                cursors.get(repo) or RepoCursor(repo),
                rules_version=version,
                tips=read_json_object(self.state.path, "org_scan_cursors", f"repo {repo}", tips),
                blobs=bytes(blobs),
            )
        return {repo: replace(c, finding_blobs=frozenset(found.get(repo, ()))) for repo, c in cursors.items()}

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
                reachable = record.reachable_finding_blobs | {f.blob for f in record.findings}
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

    def unreported(self, org: str) -> list[OrgFinding]:
        """Findings no finished run has reported (ignored ones never are)."""
        return self._select(org, "reported = 0 AND status != 'ignored'")

    def findings(self, org: str, status: FindingStatus | None = None) -> list[OrgFinding]:
        return self._select(org, "status = ?" if status else "1", (status,) if status else ())

    def mark_findings_reported(self, org: str, keys: Iterable[tuple[str, str]]) -> None:
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

    def update_finding(self, org: str, found: OrgFinding) -> None:
        """Replace a stored finding's JSON (e.g. with its verification); never a secret."""
        with self.conn:
            self.conn.execute(
                "UPDATE org_findings SET finding = ? WHERE org = ? AND repo = ? AND fingerprint = ?",
                (_stored_json(found.repo, found.finding), org, found.repo, found.finding.fingerprint),
            )

    # -- inside a transaction ----------------------------------------------------------
    def _upsert_finding(self, org: str, repo: str, finding: Finding, at: str) -> int:
        cur = self.conn.execute(
            """
            INSERT OR IGNORE INTO org_findings
                (repo, fingerprint, org, rule, secret_hash, blob, span_start, span_end, finding,
                 first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (repo, finding.fingerprint, org, finding.rule, finding.secret_hash, finding.blob, finding.span[0],
             finding.span[1], _stored_json(repo, finding), at, at),
        )
        if cur.rowcount == 1:
            return 1
        # Seen again (a retried repo, a rescan after a rule change): same row,
        # reopened if it had been resolved; its first_seen and reported stay.
        self.conn.execute(
            "UPDATE org_findings SET last_seen = ?, resolved_at = NULL, "
            "status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END "
            "WHERE repo = ? AND fingerprint = ?",
            (at, repo, finding.fingerprint),
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

    def _select(self, org: str, where: str, params: tuple[str, ...] = ()) -> list[OrgFinding]:
        rows = self.conn.execute(
            "SELECT finding, status, first_seen, last_seen, resolved_at, ignored_reason, repo, fingerprint "
            f"FROM org_findings WHERE org = ? AND {where}",
            (org, *params),
        ).fetchall()
        out = []
        for finding, status, first_seen, last_seen, resolved_at, ignored_reason, repo, fp in rows:
            where = f"repo {repo}, fingerprint {fp}"
            data = read_json_object(self.state.path, "org_findings", where, finding)
            data.pop("repo", None)  # the column says it
            out.append(OrgFinding(repo, parse_row(self.state.path, "org_findings", where, data, Finding.from_dict),
                                  status, first_seen, last_seen, resolved_at, ignored_reason))
        out.sort(key=lambda f: (f.repo, f.finding.path, f.finding.line, f.finding.column, f.finding.rule,
                                f.finding.fingerprint))
        return out


def _stored_json(repo: str, finding: Finding) -> str:
    """A finding as its row keeps it: the report's form plus ``repo``."""
    return json.dumps(dict(finding.to_dict(), repo=repo), sort_keys=True)
