"""``org audit`` end to end: a loopback GitHub with real git history behind it,
mirrored over smart HTTP and scanned by the real scanner."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from scanner.audit.policy import VisibilityPolicy
from scanner.audit.run import AuditOptions, run_audit
from scanner.cli.org import org_app
from scanner.github.client import GitHubClient, RateLimitWaiter
from scanner.state.audit import AuditStore
from scanner.state.db import StateFile
from tests.support.github_server import (
    GitHubServer,
    aws_credentials_file,
    commit_files,
    fake_aws_key,
)

TOKEN = "ghp_audittesttoken0000000000000000000000"
DAY = 86400.0


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Org:
    """The scenario org: every case of the visibility audit in one place, with its times."""

    def __init__(self, gh: GitHubServer, org: str = "acme", enterprise: bool = True) -> None:
        self.gh = gh
        self.org = org
        self.now = int(time.time())
        self.keys: dict[str, tuple[str, str]] = {}
        gh.state.add_org(org, enterprise=enterprise)

    def repo_with_secret(self, name: str, committed: float, visibility: str = "private") -> str:
        repo = self.gh.state.add_repo(f"{self.org}/{name}", visibility=visibility)
        commit_files(repo.git_dir, {"README.md": f"# {name}\n"}, when=committed - DAY, message="start")
        key = fake_aws_key()
        self.keys[name] = key
        commit_files(repo.git_dir, {"deploy/credentials": aws_credentials_file(*key)}, when=committed, message="add deploy creds")
        return repo.full_name

    def public_since_yesterday(self, *names: str) -> list[str]:
        """Repositories with a secret from nine days ago, made public a day ago."""
        repos = [self.repo_with_secret(name, committed=self.now - 9 * DAY) for name in names]
        for repo in repos:
            self.gh.state.set_visibility(repo, "public", at=self.now - DAY)
        return repos


def make_client(gh, waits=None, messages=None):
    waiter = RateLimitWaiter(
        max_total_wait=300,
        sleep=(waits.append if waits is not None else lambda s: None),
        notify=(messages.append if messages is not None else None),
    )
    return GitHubClient(base_url=gh.api_url, waiter=waiter, environ={"GITHUB_TOKEN": TOKEN})


def audit(gh, tmp_path, org="acme", policy=(), **kw):
    """One audit run as the CLI does it: run, then (report written) mark reported."""
    with StateFile(tmp_path / "state.sqlite3") as state:
        store = AuditStore(state)
        report = run_audit(make_client(gh, **kw), store, AuditOptions(org=org, policy=VisibilityPolicy(tuple(policy))))
        store.mark_changes_reported(org)
        return report


def key_exposures(report, repo):
    return [e for e in report.exposures if e.repo == repo and e.finding.rule == "aws-access-key-id"]


@pytest.fixture()
def gh(tmp_path):
    with GitHubServer(tmp_path / "gh", token=TOKEN) as server:
        yield server


def test_enterprise_org_flips_exposures_violations_and_a_quiet_second_run(gh, tmp_path):
    s = Org(gh)
    now = s.now
    flip = now - 2 * DAY
    flipped = s.repo_with_secret("flipped", committed=flip - 14 * DAY)
    gh.state.set_visibility(flipped, "public", actor="mallory", at=flip)
    late_flip = now - 10 * DAY
    late = s.repo_with_secret("late", committed=now - 3 * DAY)
    gh.state.set_visibility(late, "public", actor="bob", at=late_flip)
    back = s.repo_with_secret("back", committed=now - 20 * DAY)
    gh.state.set_visibility(back, "public", actor="carol", at=now - 6 * DAY)
    gh.state.set_visibility(back, "private", actor="carol", at=now - 5 * DAY)
    # committed after it went private again: never exposed
    commit_files(gh.state.repos[back].git_dir, {"later.env": aws_credentials_file(*fake_aws_key())}, when=now - DAY)
    vault = s.repo_with_secret("vault-prod", committed=now - 40 * DAY, visibility="public")
    quiet = s.repo_with_secret("quiet", committed=now - 30 * DAY)
    gh.state.add_repo("acme/docs", visibility="public", fork=True, archived=True)

    first = audit(gh, tmp_path, policy=["vault-*"])
    assert first.exit_code == 1, first.errors
    data = first.to_dict()
    assert [r["repo"] for r in data["repos"]] == sorted([flipped, late, back, vault, quiet, "acme/docs"])
    assert {"repo": "acme/docs", "visibility": "public", "archived": True, "fork": True} in data["repos"]

    changes = {(c["repo"], c["to"]): c for c in data["changes"]}
    assert changes[(flipped, "public")] == {
        "repo": flipped, "from": "private", "to": "public", "at": iso(flip),
        "actor": "mallory", "source": "audit-log", "new": True,
    }
    assert changes[(back, "private")]["from"] == "public" and changes[(back, "private")]["actor"] == "carol"
    assert all(c["source"] == "audit-log" for c in data["changes"])  # events add nothing the log has
    assert data["violations"] == [{"repo": vault, "visibility": "public", "pattern": "vault-*", "new": True}]

    # secret committed two weeks before the flip: exposed from the flip
    [e] = key_exposures(first, flipped)
    assert e.exposed_since == iso(flip) and e.public_now is True and e.finding.reachable is True
    assert e.finding.path == "deploy/credentials" and e.new is True
    # secret committed after the flip: exposed from the commit
    [e] = key_exposures(first, late)
    assert e.exposed_since == iso(now - 3 * DAY)
    # flipped back: exposed while it was public, not public now; the later secret never was
    [e] = key_exposures(first, back)
    assert e.exposed_since == iso(now - 6 * DAY) and e.public_now is False
    assert {x.finding.path for x in first.exposures if x.repo == back} == {"deploy/credentials"}
    # public against policy with no recorded change: exposed since the commit
    [e] = key_exposures(first, vault)
    assert e.exposed_since == iso(now - 40 * DAY)
    assert not [x for x in first.exposures if x.repo == quiet]
    assert sorted(first.scanned) == sorted([flipped, late, back, vault])
    # the secret part of each key pair is found too, and nothing is in clear
    assert any(x.finding.rule == "aws-secret-access-key" for x in first.exposures if x.repo == flipped)
    dumped = json.dumps(data)
    for key_id, secret in s.keys.values():
        assert key_id not in dumped and secret not in dumped

    second = audit(gh, tmp_path, policy=["vault-*"])
    assert second.exit_code == 0, second.errors
    assert not second.new_public_changes and not second.new_violations and not second.new_exposures
    assert len(second.exposures) == len(first.exposures)  # earlier exposures are still listed
    assert len(second.changes) == len(first.changes)
    assert second.scanned == [] and sorted(second.unchanged) == sorted(first.scanned)  # same refs, same rules

    # a push to the now-public repo: only it is rescanned, and the new secret is exposed from its commit
    pushed_at = now - 3600
    new_key = fake_aws_key()
    commit_files(gh.state.repos[flipped].git_dir, {"app/settings.ini": aws_credentials_file(*new_key)}, when=pushed_at)
    third = audit(gh, tmp_path, policy=["vault-*"])
    assert third.exit_code == 1 and third.scanned == [flipped]
    [fresh] = [e for e in third.new_exposures if e.finding.rule == "aws-access-key-id"]
    assert fresh.finding.path == "app/settings.ini" and fresh.exposed_since == iso(pushed_at)
    assert new_key[0] not in json.dumps(third.to_dict())


def test_without_the_audit_log_events_and_snapshots_date_the_flips(gh, tmp_path):
    s = Org(gh, "smallco", enterprise=False)
    by_event = s.repo_with_secret("by-event", committed=s.now - 30 * DAY)
    silent = s.repo_with_secret("silent", committed=s.now - 30 * DAY)
    first = audit(gh, tmp_path, org="smallco")
    assert first.exit_code == 0 and first.changes == [] and first.exposures == []
    assert any("audit log not available" in n for n in first.notes)
    run1 = first.generated_at

    flip = time.time() - 60
    gh.state.set_visibility(by_event, "public", actor="eve", at=flip)
    gh.state.set_visibility(silent, "public", audit=False, event=False)  # no feed saw it
    second = audit(gh, tmp_path, org="smallco")
    assert second.exit_code == 1, second.errors
    changes = {c.repo: c for c in second.changes}
    assert (changes[by_event].source, changes[by_event].at, changes[by_event].actor) == ("events", iso(flip), "eve")
    window = changes[silent].to_dict()["window"]
    assert changes[silent].source == "snapshot" and window == {"after": run1, "before": second.generated_at}
    [e] = key_exposures(second, silent)
    assert e.exposed_since == run1  # the earliest the flip can have happened
    [e] = key_exposures(second, by_event)
    assert e.exposed_since == iso(flip)

    gh.state.set_visibility(silent, "private", audit=False, event=False)
    third = audit(gh, tmp_path, org="smallco")
    reverse = [c for c in third.changes if c.repo == silent and c.to_visibility == "private"]
    assert len(reverse) == 1 and reverse[0].new and reverse[0].source == "snapshot"
    assert third.exit_code == 0  # going private is recorded, not an alarm
    assert [e.public_now for e in key_exposures(third, silent)] == [False]

    # committed while private, then public again with no push: the same refs,
    # but a new flip, so it is rescanned and the new secret is exposed from the flip
    hidden_key = fake_aws_key()
    # after the window in which it went private ends: surely committed while private
    after_window = datetime.fromisoformat(third.generated_at.replace("Z", "+00:00")).timestamp() + 2
    commit_files(gh.state.repos[silent].git_dir, {"hidden.env": aws_credentials_file(*hidden_key)}, when=after_window)
    fourth = audit(gh, tmp_path, org="smallco")
    assert fourth.exit_code == 0 and not [e for e in fourth.exposures if e.finding.path == "hidden.env"]
    reflip = after_window + 1
    gh.state.set_visibility(silent, "public", actor="eve", at=reflip)
    fifth = audit(gh, tmp_path, org="smallco")
    assert fifth.exit_code == 1 and silent in fifth.scanned
    [hidden] = [e for e in fifth.new_exposures if e.finding.path == "hidden.env" and e.finding.rule == "aws-access-key-id"]
    assert hidden.exposed_since == iso(reflip) and hidden.public_now is True


def test_faults_are_reported_per_unit_and_the_run_goes_on(gh, tmp_path):
    s = Org(gh)
    ok, gone = s.public_since_yesterday("ok", "gone")
    gh.state.vanish_after_listing.add(gone)  # deleted between listing and cloning
    gh.state.inject(r"^/orgs/acme/repos$", 403, headers={"Retry-After": "3"},
                    body={"message": "You have exceeded a secondary rate limit"})
    gh.state.inject(r"^/orgs/acme/audit-log$", 500, body={"message": "Server Error"})
    gh.state.inject(r"^/orgs/acme/events$", 429, body={"message": "slow down"})
    waits, messages = [], []
    report = audit(gh, tmp_path, waits=waits, messages=messages)
    assert report.exit_code == 2
    assert [(e.kind, e.repo) for e in report.errors] == [("clone", gone)]
    assert key_exposures(report, ok)[0].exposed_since == iso(s.now - DAY)
    assert sorted(waits) == [2.0, 2.0, 3.0]
    assert len(messages) == 3 and not any(TOKEN in m for m in messages)


def test_a_run_killed_halfway_loses_nothing(gh, tmp_path):
    s = Org(gh)
    first_repo, second_repo = s.public_since_yesterday("a-first", "b-second")
    from scanner.audit.run import default_scan

    calls = []

    def dies_on_second(path):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the run is killed, not a per-repo failure
        return default_scan(path)

    with StateFile(tmp_path / "state.sqlite3") as state, pytest.raises(KeyboardInterrupt):
        run_audit(make_client(gh), AuditStore(state), AuditOptions(org="acme"), scan_fn=dies_on_second)
    resumed = audit(gh, tmp_path)
    assert resumed.exit_code == 1
    assert {c.repo for c in resumed.new_public_changes} == {first_repo, second_repo}
    assert {e.repo for e in resumed.new_exposures} == {first_repo, second_repo}
    assert len(key_exposures(resumed, first_repo)) == 1  # not duplicated by the rerun
    assert audit(gh, tmp_path).exit_code == 0


def test_cli_writes_json_and_exits_by_what_is_new(gh, tmp_path):
    s = Org(gh)
    flipped = s.repo_with_secret("app", committed=s.now - 20 * DAY)
    gh.state.set_visibility(flipped, "public", actor="mallory", at=s.now - DAY)
    state = tmp_path / "cli-state.sqlite3"
    out = tmp_path / "report.json"
    args = ["audit", "acme", "--github-url", gh.api_url, "--state", str(state), "--format", "json", "-o", str(out),
            "--must-stay-private", "app"]
    env = {"GITHUB_TOKEN": TOKEN, "GH_TOKEN": "", "GITHUB_API_URL": ""}
    runner = CliRunner()
    result = runner.invoke(org_app, args, env=env)
    assert result.exit_code == 1, result.output
    data = json.loads(out.read_text())
    assert set(data) >= {"repos", "changes", "violations", "exposures"}
    assert data["changes"][0]["source"] == "audit-log" and data["violations"][0]["pattern"] == "app"
    assert {e["repo"] for e in data["exposures"]} == {flipped}
    assert all(e["exposed_since"] == iso(s.now - DAY) for e in data["exposures"])
    again = runner.invoke(org_app, args, env=env)
    assert again.exit_code == 0, again.output
    md = runner.invoke(org_app, [*args[:6], "--format", "markdown"], env=env)
    assert md.exit_code == 0 and "## Exposed secrets" in md.stdout and flipped in md.stdout
    text = runner.invoke(org_app, args[:6], env=env)
    assert text.exit_code == 0 and "Exposed secrets" in text.stdout
    for blob in (out.read_bytes(), state.read_bytes(), md.stdout.encode(), text.stdout.encode()):
        assert TOKEN.encode() not in blob
        assert s.keys["app"][0].encode() not in blob and s.keys["app"][1].encode() not in blob
    for config in (tmp_path / "mirrors").rglob("config"):
        assert TOKEN not in config.read_text()


def test_cli_errors_are_clear_and_exit_2(gh, tmp_path):
    runner = CliRunner()
    base = ["audit", "acme", "--github-url", gh.api_url, "--state", str(tmp_path / "s.sqlite3")]
    no_token = runner.invoke(org_app, base, env={"GITHUB_TOKEN": "", "GH_TOKEN": ""})
    assert no_token.exit_code == 2 and "GITHUB_TOKEN" in no_token.output
    missing = runner.invoke(org_app, base, env={"GITHUB_TOKEN": TOKEN})
    assert missing.exit_code == 2 and "404" in missing.output and "organization" in missing.output
    bad = runner.invoke(org_app, base, env={"GITHUB_TOKEN": "ghp_wrong"})
    assert bad.exit_code == 2 and "401" in bad.output and "ghp_wrong" not in bad.output
    bad_policy = runner.invoke(org_app, [*base, "--config", str(tmp_path / "nope.toml")], env={"GITHUB_TOKEN": TOKEN})
    assert bad_policy.exit_code == 2 and "cannot read config file" in bad_policy.output


def test_cli_unreachable_github_fails_fast_with_a_clear_message(tmp_path):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    result = CliRunner().invoke(
        org_app,
        ["audit", "acme", "--github-url", f"http://127.0.0.1:{port}/api/v3", "--state", str(tmp_path / "s.sqlite3"),
         "--max-rate-limit-wait", "0"],
        env={"GITHUB_TOKEN": TOKEN},
    )
    assert result.exit_code == 2, result.output
    assert "cannot connect to GitHub" in result.output
    assert time.monotonic() - started < 10


def test_cli_a_report_that_cannot_be_written_leaves_discoveries_new(gh, tmp_path):
    # The library used to mark changes reported before the CLI wrote the report:
    # a failed write then hid them from every later run.
    s = Org(gh)
    flipped = s.repo_with_secret("app", committed=s.now - 20 * DAY)
    gh.state.set_visibility(flipped, "public", actor="mallory", at=s.now - DAY)
    state = tmp_path / "state.sqlite3"
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the report's folder should be")
    base = ["audit", "acme", "--github-url", gh.api_url, "--state", str(state), "--format", "json"]
    env = {"GITHUB_TOKEN": TOKEN, "GH_TOKEN": "", "GITHUB_API_URL": ""}
    runner = CliRunner()
    failed = runner.invoke(org_app, [*base, "-o", str(blocker / "report.json")], env=env)
    assert failed.exit_code == 2 and "cannot write" in failed.output
    out = tmp_path / "report.json"
    retried = runner.invoke(org_app, [*base, "-o", str(out)], env=env)
    assert retried.exit_code == 1, retried.output  # still new: nothing was reported
    assert [c["repo"] for c in json.loads(out.read_text())["changes"] if c["new"]] == [flipped]
    assert runner.invoke(org_app, [*base, "-o", str(out)], env=env).exit_code == 0
