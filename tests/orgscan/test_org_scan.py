"""``org scan`` end to end: a loopback GitHub serving real repositories over
smart HTTP, mirrored and scanned by real workers (this process, local
processes, a Dask LocalCluster), with a real SQLite state file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli.app import app
from scanner.github.client import GitHubClient, RateLimitWaiter
from scanner.orgscan.coordinator import OrgScanOptions, run_org_scan
from scanner.state.db import StateFile
from scanner.state.orgscan import OrgScanStore
from tests.support.github_server import (
    GitHubServer,
    aws_credentials_file,
    commit_files,
    fake_aws_key,
)

TOKEN = "ghp_orgscantesttoken00000000000000000000"
DAY = 86400.0
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def gh(tmp_path):
    with GitHubServer(tmp_path / "gh", token=TOKEN) as server:
        server.state.add_org("acme")
        yield server


def plant(gh, name: str, seed: int, when: float | None = None, extra_commits: int = 1) -> str:
    """A repo with some history and one AWS key in ``deploy/credentials``; returns the key ID."""
    repo = gh.state.repos.get(f"acme/{name}") or gh.state.add_repo(f"acme/{name}")
    when = when or time.time() - 30 * DAY
    for i in range(extra_commits):
        commit_files(repo.git_dir, {f"src/m{i}.py": f"print({i})\n"}, when=when + i, message=f"work {i}")
    key_id, secret = fake_aws_key(seed)
    commit_files(repo.git_dir, {"deploy/credentials": aws_credentials_file(key_id, secret)},
                 when=when + extra_commits, message=f"creds for {name}")
    return key_id


def run(gh, tmp_path, jobs=1, executor=None, state="state.sqlite3", git_timeout=60.0, mark=True):
    """One library-level run, marking its findings reported as the CLI does after writing."""
    client = GitHubClient(base_url=gh.api_url, environ={"GITHUB_TOKEN": TOKEN},
                          waiter=RateLimitWaiter(max_total_wait=5, sleep=lambda s: None))
    with StateFile(tmp_path / state) as store:
        report = run_org_scan(client, store, OrgScanOptions(
            org="acme", mirrors_dir=tmp_path / f"mirrors-{state}", jobs=jobs, executor=executor,
            git_timeout=git_timeout))
        if mark:
            OrgScanStore(store).mark_findings_reported("acme", [(f.repo, f.finding.fingerprint) for f in report.findings])
    return report


def new_keys(report) -> set[tuple[str, str]]:
    """(repo, redacted key ID) of the new access-key findings."""
    return {(f.repo, f.finding.secret) for f in report.findings if f.finding.rule == "aws-access-key-id"}


def redacted(key_id: str) -> str:
    from scanner.secrets import redact

    return redact(key_id)


def statuses(report) -> dict[str, str]:
    return {r.repo: r.status for r in report.repos}


def test_first_run_quiet_rerun_push_force_push_and_rule_change(gh, tmp_path):
    keys = {name: plant(gh, name, seed) for seed, name in enumerate(["api", "web", "ops"], start=1)}
    gh.state.add_repo("acme/empty")  # no commits at all: scanned, nothing found

    first = run(gh, tmp_path, jobs=2)
    assert new_keys(first) == {(f"acme/{n}", redacted(k)) for n, k in keys.items()}
    assert statuses(first) == dict.fromkeys(["acme/api", "acme/empty", "acme/ops", "acme/web"], "scanned")
    assert first.exit_code == 1
    assert {r.mode for r in first.repos} == {"full"}
    api = [f for f in first.findings if f.repo == "acme/api" and f.finding.rule == "aws-access-key-id"][0]
    assert api.finding.path == "deploy/credentials" and api.finding.summary == "creds for api"
    assert api.status == "open" and api.first_seen == api.last_seen

    before = len(gh.state.requests)
    second = run(gh, tmp_path, jobs=2)
    assert second.findings == [] and second.exit_code == 0
    assert set(statuses(second).values()) == {"unchanged"}
    # Known tips, same rules: one ref advertisement per repo, read in process; git never ran.
    git_requests = [r for r in gh.state.requests[before:] if ".git/" in r.path]
    assert len(git_requests) == 4
    assert {r.headers.get("User-Agent") for r in git_requests} == {"git/leakwarden"}

    # A push with a new secret to one repo: only that repo is walked, and only its new commits.
    web = gh.state.repos["acme/web"]
    new_id, new_secret = fake_aws_key(99)
    pushed = commit_files(web.git_dir, {"deploy/prod.env": aws_credentials_file(new_id, new_secret)},
                          message="prod creds")
    third = run(gh, tmp_path, jobs=2)
    assert new_keys(third) == {("acme/web", redacted(new_id))}
    assert [f.finding.commit for f in third.findings if f.finding.rule == "aws-access-key-id"] == [pushed]
    assert statuses(third)["acme/web"] == "scanned"
    assert [r.mode for r in third.repos if r.status == "scanned"] == ["incremental"]
    assert [r.blobs_scanned for r in third.repos if r.status == "scanned"] == [1]
    assert all(s == "unchanged" for r, s in statuses(third).items() if r != "acme/web")

    # A finding someone ignores stays ignored through later rescans.
    ignored = CliRunner().invoke(app, ["org", "ignore", "acme", api.finding.fingerprint, "--reason", "test key",
                                       "--state", str(tmp_path / "state.sqlite3")])
    assert ignored.exit_code == 0, ignored.output
    unknown = CliRunner().invoke(app, ["org", "ignore", "acme", "nope", "--state", str(tmp_path / "state.sqlite3")])
    assert unknown.exit_code == 2 and "no finding of acme has fingerprint nope" in unknown.output

    # A force push that drops the secret from ops: no longer reachable -> resolved.
    ops = gh.state.repos["acme/ops"]
    subprocess.run(["git", "--git-dir", str(ops.git_dir), "update-ref", "refs/heads/main", "main~1"], check=True)
    fourth = run(gh, tmp_path)
    assert fourth.findings == []
    assert [r.mode for r in fourth.repos if r.status == "scanned"] == ["rewalk"]
    with StateFile(tmp_path / "state.sqlite3") as store:
        resolved = OrgScanStore(store).findings("acme", "resolved")
        assert {f.repo for f in resolved} == {"acme/ops"} and all(f.resolved_at for f in resolved)
        assert {f.repo for f in OrgScanStore(store).findings("acme", "open")} == {"acme/api", "acme/web"}
        assert OrgScanStore(store).findings("acme", "ignored")[0].finding.fingerprint == api.finding.fingerprint

    # A changed rule set (as if the rules were edited) rescans every repo whole,
    # and re-finding known secrets reports nothing new.
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        db.execute("UPDATE org_scan_cursors SET rules_version = 'older-rules'")
    fifth = run(gh, tmp_path)
    assert fifth.findings == []
    assert {r.mode for r in fifth.repos} == {"full"} and {r.status for r in fifth.repos} == {"scanned"}
    with StateFile(tmp_path / "state.sqlite3") as store:
        still = OrgScanStore(store).findings("acme", "ignored")
    assert [(f.finding.fingerprint, f.ignored_reason) for f in still] == [(api.finding.fingerprint, "test key")]


def test_failed_clones_timeouts_rate_limits_and_corrupt_mirrors_are_retried(gh, tmp_path):
    keys = {name: plant(gh, name, seed) for seed, name in enumerate(["fine", "limited", "slow", "vanishing"], start=10)}
    gh.state.inject(r"^/acme/limited\.git/", 429, body={"message": "rate limited"}, times=50)
    # Well past --git-timeout, which is itself far above a loopback clone, even on a busy machine.
    gh.state.inject(r"^/acme/slow\.git/", None, delay=12, times=1)
    gh.state.vanish_after_listing.add("acme/vanishing")

    first = run(gh, tmp_path, jobs=2, git_timeout=5)
    by_repo = {r.repo: r for r in first.repos}
    assert by_repo["acme/fine"].status == "scanned"
    assert (by_repo["acme/limited"].status, by_repo["acme/limited"].error_kind) == ("failed", "rate-limit")
    assert (by_repo["acme/slow"].status, by_repo["acme/slow"].error_kind) == ("failed", "timeout")
    assert (by_repo["acme/vanishing"].status, by_repo["acme/vanishing"].error_kind) == ("failed", "not-found")
    assert "429" in by_repo["acme/limited"].error and TOKEN not in json.dumps(first.to_dict())
    assert new_keys(first) == {("acme/fine", redacted(keys["fine"]))}
    assert first.exit_code == 2

    gh.state.faults.clear()
    second = run(gh, tmp_path, jobs=2, git_timeout=30)
    assert statuses(second) == {"acme/fine": "unchanged", "acme/limited": "scanned", "acme/slow": "scanned",
                                "acme/vanishing": "removed"}
    assert new_keys(second) == {("acme/limited", redacted(keys["limited"])), ("acme/slow", redacted(keys["slow"]))}
    assert second.exit_code == 1

    # Damage the mirror's pack, then push: the scan of the mirror fails as corrupt,
    # and the next run re-clones it and finds the new secret.
    objects = tmp_path / "mirrors-state.sqlite3" / "acme" / "fine.git" / "objects"
    damaged = [p for p in objects.glob("pack/*.pack")] + [p for p in objects.glob("??/*")]
    assert damaged
    for path in damaged:  # packed or loose (a small fetch may stay loose): zero the contents
        data = bytearray(path.read_bytes())
        keep = 12 if path.suffix == ".pack" else 0
        data[keep:] = b"\x00" * (len(data) - keep)
        path.chmod(0o644)
        path.write_bytes(bytes(data))
    new_id, new_secret = fake_aws_key(77)
    commit_files(gh.state.repos["acme/fine"].git_dir, {"later.env": aws_credentials_file(new_id, new_secret)})
    third = run(gh, tmp_path)
    fine = {r.repo: r for r in third.repos}["acme/fine"]
    assert (fine.status, fine.error_kind) == ("failed", "corrupt") and third.exit_code == 2
    fourth = run(gh, tmp_path)
    assert statuses(fourth)["acme/fine"] == "scanned"
    assert new_keys(fourth) | new_keys(third) == {("acme/fine", redacted(new_id))}
    assert len(fourth.findings) + len(third.findings) == 2  # key ID and secret, once each


def _cli_env(tmp_path) -> dict[str, str]:
    env = dict(os.environ, GITHUB_TOKEN=TOKEN, XDG_DATA_HOME=str(tmp_path / "xdg"))
    env.pop("GH_TOKEN", None)
    return env


def test_killed_run_resumes_without_loss_or_duplicates(gh, tmp_path):
    keys = {f"acme/r{i}": plant(gh, f"r{i}", 100 + i) for i in range(5)}
    state = tmp_path / "state.sqlite3"
    # The fourth repo's fetch hangs; the run is killed (SIGKILL) once three are committed.
    gh.state.inject(r"^/acme/r3\.git/", None, delay=30, times=1)
    args = [sys.executable, "-m", "scanner", "org", "scan", "acme", "--state", str(state),
            "--github-url", gh.api_url, "--jobs", "1", "--format", "json"]
    proc = subprocess.Popen(args, env=_cli_env(tmp_path), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.time() + 60
    done = 0
    while time.time() < deadline and done < 3:
        time.sleep(0.1)
        if state.exists():
            try:
                with sqlite3.connect(state) as db:
                    done = db.execute("SELECT COUNT(*) FROM org_scan_repos").fetchone()[0]
            except sqlite3.OperationalError:
                pass  # tables not created yet
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    assert done == 3 and out == b""  # killed before any report was written

    # Each night is a new process, as here: the rules (and their version) are what a fresh start loads.
    result = subprocess.run(args[:-4] + ["--jobs", "2", "--format", "json"], env=_cli_env(tmp_path), cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = [(f["repo"], f["secret"]) for f in report["findings"] if f["rule"] == "aws-access-key-id"]
    assert sorted(found) == sorted((repo, redacted(k)) for repo, k in keys.items())  # each once
    assert {r["repo"]: r["status"] for r in report["repos"]} == {
        "acme/r0": "unchanged", "acme/r1": "unchanged", "acme/r2": "unchanged",
        "acme/r3": "scanned", "acme/r4": "scanned"}
    assert report["stats"]["new_findings"] == len(report["findings"]) and report["stats"]["complete"]
    assert TOKEN not in result.stdout + result.stderr

    again = subprocess.run(args, env=_cli_env(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["findings"] == []
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT COUNT(*) FROM org_findings WHERE reported = 0").fetchone()[0] == 0
        stored = " ".join(row[0] for row in db.execute("SELECT finding FROM org_findings"))
    for key_id in keys.values():
        assert key_id not in stored  # redacted in the store too


def test_dask_local_cluster_finds_the_same_as_a_local_run(gh, tmp_path, monkeypatch):
    import distributed  # in the dev extra, so CI has it: a missing one fails here, never skips
    for i in range(4):
        plant(gh, f"d{i}", 200 + i, extra_commits=i + 1)
    local = run(gh, tmp_path, jobs=1, state="local.sqlite3")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)  # Dask workers take the token from their own env
    with distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        address = cluster.scheduler_address.replace("tcp://", "dask://")
        remote = run(gh, tmp_path, executor=address, state="dask.sqlite3")

    def essence(report):
        return sorted((f.repo, f.finding.fingerprint, f.finding.rule, f.finding.secret, f.finding.commit, f.finding.path)
                      for f in report.findings)

    assert len(local.findings) == 8
    assert essence(remote) == essence(local)
    assert statuses(remote) == statuses(local) == {f"acme/d{i}": "scanned" for i in range(4)}


def test_run_nightly_is_the_scheduled_run_as_one_library_call(gh, tmp_path):
    """``from scanner.orgscan import run_nightly``: audit, scan and exposures
    in one call, nothing marked reported until the caller says so."""
    from scanner.orgscan import NightlyOptions, mark_reported, run_nightly

    gh.state.add_repo("acme/site", visibility="public")
    key = plant(gh, "site", 7)
    client = GitHubClient(base_url=gh.api_url, environ={"GITHUB_TOKEN": TOKEN},
                          waiter=RateLimitWaiter(max_total_wait=5, sleep=lambda s: None))
    options = NightlyOptions(OrgScanOptions(org="acme", mirrors_dir=tmp_path / "mirrors"), audit=True)
    with StateFile(tmp_path / "state.sqlite3") as store:
        first = run_nightly(client, store, options)
        assert new_keys(first) == {("acme/site", redacted(key))} and first.audit is not None
        # Public from the start: every secret in it was exposed the moment it was pushed.
        exposed = [e for e in first.audit.new_exposures if e.finding.rule == "aws-access-key-id"]
        assert [(e.repo, e.exposed_since) for e in exposed] == [("acme/site", exposed[0].finding.date)]
        assert run_nightly(client, store, options).findings  # not marked: still new
        mark_reported(store, first)
        again = run_nightly(client, store, options)
    assert again.findings == [] and again.audit is not None and again.audit.new_exposures == []
    assert again.exit_code == 0
