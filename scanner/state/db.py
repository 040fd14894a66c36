"""The SQLite state file: one connection, its settings, its schema.

One file serves ``org audit`` (``scanner.state.audit``: visibility snapshots,
changes, violations, exposures) and ``org scan`` (``scanner.state.orgscan``:
cursors and findings). Schema changes are numbered ``migrations/NNNN_*.sql``
files recorded in ``schema_migrations``; opening a file applies the ones it
lacks, in one transaction each, so an old state file is upgraded in place and a
newer one is refused rather than misread.

Secrets are never stored: rows keep redacted findings, their fingerprints and
keyed ``secret_hash`` values.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from scanner.clock import now_iso
from scanner.paths import data_dir


def _load_migrations() -> list[tuple[int, str]]:
    folder = resources.files("scanner.state").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


MIGRATIONS: list[tuple[int, str]] = _load_migrations()
SCHEMA_VERSION = MIGRATIONS[-1][0]


class StoreError(Exception):
    pass


def default_state_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME/leakwarden/state.sqlite3`` (``~/.local/share`` when unset)."""
    return data_dir(environ) / "state.sqlite3"


class StateFile:
    """A state file opened and migrated; use as a context manager or call ``close``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(self.path, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            # Small transactions (one per repo, one per audit step): with WAL,
            # NORMAL keeps every commit atomic and safe from a killed process
            # (only a power cut may undo the last few, which the next run then
            # simply redoes) without an fsync each. Set here, once, for every table.
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use state file {self.path}: {exc}") from None

    def __enter__(self) -> StateFile:
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

