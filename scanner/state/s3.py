"""The ``scan s3:// --state`` tables of the state file: which object versions
were scanned with which rules, and the (redacted) findings they held."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from scanner.model import Finding
from scanner.state.db import StateFile

_BATCH = 500  # rows per transaction: a killed run loses at most this many (rescanned next time)
# The secret and the line it stands on are in clear under ``scan --no-redact``;
# the state keeps neither (its fingerprint and keyed hash identify it).
_NOT_STORED = ("secret", "context")


def _stored(finding: Finding) -> str:
    data = finding.to_dict()
    for name in _NOT_STORED:
        data.pop(name, None)
    return json.dumps(data, sort_keys=True)


class S3State:
    """``SeenVersions`` over a state file; safe to call from reader threads."""

    def __init__(self, path: str | Path) -> None:
        self.file = StateFile(path)
        self.conn = self.file.conn
        self.lock = threading.Lock()
        # obj: a sources.s3.ObjectVersion (bucket, key, version_id, etag); not
        # imported, state/ depends on model and clock only.
        self.pending: list[tuple[Any, str, list[Finding], str]] = []

    def __enter__(self) -> S3State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def scanned(self, bucket: str, prefix: str, rules_version: str) -> set[tuple[str, str, str]]:
        rows = self.conn.execute(
            "SELECT key, version_id, etag FROM s3_scanned_versions "
            "WHERE bucket = ? AND rules_version = ? AND substr(key, 1, ?) = ?",
            (bucket, rules_version, len(prefix), prefix))
        return {(k, v, e) for k, v, e in rows}

    def record(self, obj: Any, rules_version: str, findings: list[Finding],
               at: str) -> None:
        with self.lock:
            self.pending.append((obj, rules_version, findings, at))
            if len(self.pending) >= _BATCH:
                self._write()

    def flush(self) -> None:
        with self.lock:
            self._write()

    def close(self) -> None:
        self.flush()
        self.file.close()

    def _write(self) -> None:
        if not self.pending:
            return
        with self.conn:
            for obj, rules_version, findings, at in self.pending:
                self.conn.execute(
                    "INSERT INTO s3_scanned_versions (bucket, key, version_id, etag, rules_version, "
                    "scanned_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(bucket, key, version_id) DO "
                    "UPDATE SET etag = excluded.etag, rules_version = excluded.rules_version, "
                    "scanned_at = excluded.scanned_at",
                    (obj.bucket, obj.key, obj.version_id or "", obj.etag, rules_version, at))
                for f in findings:
                    self.conn.execute(
                        "INSERT OR IGNORE INTO s3_findings (bucket, key, version_id, fingerprint, "
                        "rule, secret_hash, finding, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (obj.bucket, obj.key, obj.version_id or "", f.fingerprint, f.rule,
                         f.secret_hash, _stored(f), at))
        self.pending.clear()
