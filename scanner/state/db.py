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

import fcntl
import json
import os
import sqlite3
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from scanner.clock import now_iso
from scanner.model import JSONObject
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
    """The state file cannot be used; the message names it and says why."""


class StateLockedError(StoreError):
    """Another run holds the state file's lock."""


T = TypeVar("T")


def read_json_column(path: Path, table: str, row: str, text: object) -> Any:
    """A JSON column of one row, or a StoreError naming the file, table and row.

    A hand-edited, truncated or foreign row must say where it is, not end a
    run with ``internal error: JSONDecodeError``."""
    try:
        return json.loads(text)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"state file {path}: malformed row in {table} ({row}): {type(exc).__name__} "
            f"at {getattr(exc, 'pos', '?')}; restore a backup or start a new --state file"
        ) from None


def read_json_object(path: Path, table: str, row: str, text: object) -> JSONObject:
    data = read_json_column(path, table, row, text)
    if not isinstance(data, dict):
        raise StoreError(f"state file {path}: malformed row in {table} ({row}): not a JSON object; "
                         "restore a backup or start a new --state file")
    return data


def parse_row(path: Path, table: str, row: str, data: JSONObject, parse: Callable[[JSONObject], T]) -> T:
    """``parse(data)`` (a value's ``from_dict``), or a StoreError naming the row it came from."""
    try:
        return parse(data)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"state file {path}: malformed row in {table} ({row}): {exc}; "
                         "restore a backup or start a new --state file") from None


def default_state_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME/leakwarden/state.sqlite3`` (``~/.local/share`` when unset)."""
    return data_dir(environ) / "state.sqlite3"


class StateFile:
    """A state file opened and migrated; use as a context manager or call ``close``."""

    def __init__(self, path: str | Path, *, exclusive: bool = False) -> None:
        """``exclusive``: hold the file's run lock until ``close`` (``org scan``
        and ``org audit`` take it), so two runs on one state file cannot
        delete each other's partial clones or interleave their cursors."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd: int | None = None
        if exclusive:
            self._lock()
        try:
            self.conn = sqlite3.connect(self.path, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            # Small transactions (one per repo, one per audit step): with WAL,
            # NORMAL keeps every commit atomic and safe from a killed process
            # (only a power cut may undo the last few, which the next run then
            # simply redoes) without an fsync each. Set here, once, for every table.
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self._check_integrity()
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._unlock()
            raise StoreError(f"cannot use state file {self.path}: {exc}") from None
        except StoreError:
            self._unlock()
            raise

    def _lock(self) -> None:
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            # flock on a file beside the database, not on it: SQLite's own
            # POSIX locks on the database must stay SQLite's. The lock goes
            # with the process, so a killed run never leaves it held.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise StateLockedError(
                f"another run holds {self.path} (lock {lock_path}); wait for it to finish, "
                "or give this run its own --state file"
            ) from None
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _check_integrity(self) -> None:
        # quick_check reads every page but skips the index-content checks:
        # a torn or overwritten page is found on open, before a run trusts
        # (and writes beside) it, at a cost of one sequential read.
        try:
            rows = [r[0] for r in self.conn.execute("PRAGMA quick_check(5)").fetchall()]
        except sqlite3.DatabaseError as exc:
            # Some damage (an overwritten b-tree page header) makes the check
            # itself fail rather than report: the same verdict.
            rows = [str(exc)]
        if rows != ["ok"]:
            raise StoreError(
                f"state file {self.path} is damaged ({'; '.join(map(str, rows))[:300]}); "
                "restore a backup or start a new --state file"
            )

    def __enter__(self) -> StateFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()
        self._unlock()

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

