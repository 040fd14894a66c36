"""The state file and the GitHub API as untrusted neighbours: a second run on
the same state file, a damaged page, a malformed row, and an error body that is
JSON but not an object each end with a clear message (exit 2), never with a
Python exception's name."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import github
import pytest

from scanner.github.client import GitHubClient, RateLimitWaiter, describe_error
from scanner.state.db import StateFile, StateLockedError, StoreError
from scanner.state.orgscan import OrgScanStore
from tests.support.github_server import GitHubServer

TOKEN = "ghp_statetrusttoken00000000000000000000"


def _lw(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, **(env or {})))


def test_second_run_on_one_state_file_is_refused(tmp_path):
    state = tmp_path / "state.sqlite3"
    with StateFile(state, exclusive=True):
        with pytest.raises(StateLockedError, match="another run holds"):
            StateFile(state, exclusive=True)
        # the command line says the same, exit 2, before touching GitHub
        proc = _lw("org", "scan", "acme", "--state", str(state), "--github-url", "http://127.0.0.1:9",
                   env={"GITHUB_TOKEN": TOKEN})
        assert proc.returncode == 2, proc.stderr
        assert f"another run holds {state}" in proc.stderr and "Traceback" not in proc.stderr
    with StateFile(state, exclusive=True):  # released with the first run
        pass


def _filled_state(path) -> None:
    with StateFile(path) as store:
        with store.conn:
            for i in range(400):
                store.conn.execute(
                    "INSERT INTO org_findings (repo, fingerprint, org, rule, secret_hash, blob, span_start, "
                    "span_end, finding, first_seen, last_seen) VALUES (?, ?, 'acme', 'r', 'h', 'b', 0, 1, ?, "
                    "'t', 't')", (f"acme/r{i}", f"{i:032x}", json.dumps({"repo": f"acme/r{i}", "fingerprint": f"{i:032x}", "rule": "r", "blob": "b", "span": [0, 1]})))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def test_corrupt_page_is_found_on_open(tmp_path):
    state = tmp_path / "state.sqlite3"
    _filled_state(state)
    data = bytearray(state.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    # overwrite the b-tree header of a page in the middle with garbage
    middle = (len(data) // page // 2) * page
    data[middle:middle + 64] = b"\xa5" * 64
    state.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged"):
        StateFile(state)
    proc = _lw("org", "scan", "acme", "--state", str(state), "--github-url", "http://127.0.0.1:9",
               env={"GITHUB_TOKEN": TOKEN})
    assert proc.returncode == 2 and "damaged" in proc.stderr and "Traceback" not in proc.stderr


def test_malformed_row_names_the_file_and_the_row(tmp_path):
    state = tmp_path / "state.sqlite3"
    _filled_state(state)
    conn = sqlite3.connect(state)
    with conn:
        conn.execute("UPDATE org_findings SET finding = '{\"repo\": ' WHERE repo = 'acme/r7'")
    conn.close()
    with StateFile(state) as store, pytest.raises(StoreError) as caught:
        OrgScanStore(store).findings("acme")
    message = str(caught.value)
    assert str(state) in message and "org_findings" in message and "acme/r7" in message
    assert "JSONDecodeError" not in message.split(":")[0]


@pytest.mark.parametrize("body", [[1, 2], "just a string", 42])
def test_error_body_that_is_json_but_not_an_object(tmp_path, body):
    with GitHubServer(tmp_path / "gh", token=TOKEN) as gh:
        gh.state.add_org("acme")
        gh.state.inject(r"^/orgs/acme/repos$", 404, body=body)
        client = GitHubClient(base_url=gh.api_url, waiter=RateLimitWaiter(max_total_wait=1, sleep=lambda s: None),
                              environ={"GITHUB_TOKEN": TOKEN})
        with pytest.raises(github.GithubException) as caught:
            client.list_repos("acme")
    message = describe_error(caught.value)
    assert "404" in message and "/orgs/acme/repos" in message and "not an object" in message
