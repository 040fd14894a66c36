"""The state file: migrations, snapshots and the "is it new?" answers runs rely on."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from types import SimpleNamespace

import pytest

from scanner.audit.visibility import VisibilityChange
from scanner.model import Exposure
from scanner.state.audit import AuditStore
from scanner.state.db import SCHEMA_VERSION, StateFile, StoreError, default_state_path


def repo(name, visibility):
    return SimpleNamespace(full_name=name, visibility=visibility, archived=False, fork=False)


def test_new_file_is_migrated_once_and_reopens(tmp_path):
    path = tmp_path / "state" / "s.sqlite3"
    with StateFile(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
    with StateFile(path) as store:
        rows = store.conn.execute("SELECT version FROM schema_migrations").fetchall()
        assert rows == [(v,) for v in range(1, SCHEMA_VERSION + 1)]


def test_a_newer_schema_is_refused_not_misread(tmp_path):
    path = tmp_path / "s.sqlite3"
    StateFile(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (?, 'later')", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        StateFile(path)


def test_a_file_that_is_not_sqlite_gets_a_clear_error(tmp_path):
    path = tmp_path / "s.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot use state file"):
        StateFile(path)


def test_snapshot_keeps_when_the_current_visibility_was_first_seen(tmp_path):
    with StateFile(tmp_path / "s.sqlite3") as state:
        store = AuditStore(state)
        store.record_snapshot("acme", [repo("acme/a", "private")], "2026-01-01T00:00:00Z")
        store.record_snapshot("acme", [repo("acme/a", "private")], "2026-01-02T00:00:00Z")
        snap = store.snapshots("acme")["acme/a"]
        assert (snap.visibility_since, snap.last_seen) == ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
        store.record_snapshot("acme", [repo("acme/a", "public")], "2026-01-03T00:00:00Z")
        snap = store.snapshots("acme")["acme/a"]
        assert (snap.visibility, snap.visibility_since, snap.first_seen) == (
            "public", "2026-01-03T00:00:00Z", "2026-01-01T00:00:00Z"
        )
        assert store.snapshots("other") == {}


def test_changes_violations_and_exposures_are_new_only_once(tmp_path):
    with StateFile(tmp_path / "s.sqlite3") as state:
        store = AuditStore(state)
        change = VisibilityChange("acme/a", "private", "public", "audit-log", at="2026-01-01T10:00:00Z", actor="m")
        assert store.record_change("acme", change, "t1") is True
        assert store.record_change("acme", replace(change, at="2026-01-01T10:00:30Z"), "t2") is False
        assert len(store.changes("acme")) == 1
        assert store.record_violation("acme", "acme/a", "a*", "t1") is True
        assert store.record_violation("acme", "acme/a", "a*", "t2") is True  # no finished run reported it yet
        store.mark_changes_reported("acme")
        assert store.record_violation("acme", "acme/a", "a*", "t2") is False
        assert [c.reported for c in store.changes("acme")] == [True]
        store.clear_violation("acme/a")
        assert store.record_violation("acme", "acme/a", "a*", "t3") is True
        exposure = Exposure.from_dict({
            "repo": "acme/a", "fingerprint": "fp1", "rule": "aws", "secret_hash": "h", "blob": "b" * 40,
            "span": [0, 20], "exposed_since": "2026-01-01T10:00:00Z", "public_now": True, "secret": "AKIA****"})
        assert store.record_exposure("acme", exposure, "t1") is True
        assert store.record_exposure("acme", replace(exposure, exposed_since="2026-02-01T00:00:00Z"), "t2") is False
        [stored] = store.exposures("acme")
        assert stored.exposed_since == "2026-01-01T10:00:00Z"  # the first, wider exposure stays
        assert stored.new is True and stored.finding.secret == "AKIA****"
        store.mark_changes_reported("acme")
        assert store.exposures("acme")[0].new is False
        store.set_public_now("acme/a", False)
        assert store.exposures("acme")[0].public_now is False


def test_default_state_path_follows_xdg(tmp_path):
    assert default_state_path({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "leakwarden" / "state.sqlite3"
