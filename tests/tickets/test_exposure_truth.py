# ruff: noqa: F811 - pytest fixtures are imported from tests.support.aws by name
"""Audit and tickets that tell the truth about exposure (issue 16): a repo
public from day one exposed its secrets at their commit; `org scan --audit`
takes the policy; a ticket lists every location of its key in the state, as
owner/repo with a link to the commit; STS is called with a user agent a key
owner can recognise; a WAF page is an error; IAM gets the role's ARN."""

from __future__ import annotations

import json
import time
from pathlib import Path

from typer.testing import CliRunner

from scanner import __version__
from scanner.cli.app import app
from scanner.tickets import render_markdown, tickets_from_report
from scanner.tickets.model import parse_remote
from scanner.tickets.render import runbook
from scanner.verify.sts import StsChecker, StsConfig
from tests.support.aws import canned_sts, credentials_file, moto_server, moto_sts  # noqa: F401 - fixtures
from tests.support.fakes import Fakes
from tests.support.github_server import GitHubServer, commit_files
from tests.support.gitrepo import GitRepo

TOKEN = "ghp_exposuretruthtoken0000000000000000"
ROOT = Path(__file__).resolve().parents[2]


def test_always_public_repo_policy_flags_and_tickets_with_every_location(tmp_path, moto_sts, monkeypatch):
    user = tmp_path.name[-40:]
    key_id, secret = moto_sts.create_user_key(f"{user}-live")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    policy = tmp_path / "policy.toml"
    policy.write_text('[github]\nmust_stay_private = ["acme/cfg-*"]\n')
    with GitHubServer(tmp_path / "gh", token=TOKEN) as gh:
        gh.state.add_org("acme", enterprise=True)
        inner = gh.state.add_repo("acme/internal", visibility="private")
        commit_files(inner.git_dir, {"deploy/.env": credentials_file(key_id, secret)},
                     when=time.time() - 40 * 86400, message="deploy env")
        state, tickets = tmp_path / "state.sqlite3", tmp_path / "tickets"
        base = ["org", "scan", "acme", "--state", str(state), "--github-url", gh.api_url,
                "--format", "json"]
        first = CliRunner().invoke(app, base)  # an earlier run, no verification: no ticket
        assert first.exit_code == 1, first.output

        public = gh.state.add_repo("acme/website", visibility="public")
        pushed = time.time() - 20 * 86400
        commit_files(public.git_dir, {"site/.env": credentials_file(key_id, secret)},
                     when=pushed, message="site env")
        gh.state.add_repo("acme/secret-plans", visibility="public")
        gh.state.add_repo("acme/cfg-store", visibility="public")
        second = CliRunner().invoke(app, [
            *base, "--audit", "--must-stay-private", "acme/secret-*", "--config", str(policy),
            "--verify", "--sts-endpoint", moto_sts.endpoint, "--tickets", f"dir:{tickets}"])
        assert second.exit_code == 1, second.output
        report = json.loads(second.stdout)
        assert {v["repo"] for v in report["audit"]["violations"]} == {"acme/secret-plans", "acme/cfg-store"}
        exposed = [e for e in report["audit"]["new_exposures"]
                   if e["repo"] == "acme/website" and e["rule"] == "aws-access-key-id"]
        assert exposed and exposed[0]["exposed_since"] == exposed[0]["date"]  # since the commit

        ticket = json.loads(next(tickets.glob("*.json")).read_text())
        assert ticket["key_id"] == key_id and ticket["severity"] == "critical"
        assert {loc["repository"] for loc in ticket["locations"]} == {"acme/internal", "acme/website"}
        markdown = next(tickets.glob("*.md")).read_text()
        assert "No public exposure recorded" not in markdown
        for loc in ticket["locations"]:
            url = f"{gh.base_url}/{loc['repository']}/commit/{loc['commit']}"
            assert loc["url"] == url and f"]({url})" in markdown
        assert "mirrors" not in markdown and str(tmp_path) not in markdown
        assert secret not in markdown and secret not in second.output

        unpoliced = CliRunner().invoke(app, [*base, "--must-stay-private", "x"])
        assert unpoliced.exit_code == 2 and "add --audit" in unpoliced.output


def test_a_local_checkout_is_named_by_its_origin_with_commit_links(tmp_path):
    repo = GitRepo(tmp_path / "clone")
    sha = repo.commit("x", {"a.txt": "x\n"})
    repo.git("remote", "add", "origin", "git@github.com:acme/app.git")
    finding = {"rule": "aws-access-key-id", "path": "a.txt", "line": 1, "commit": sha,
               "fingerprint": "f" * 32, "blob": "b" * 40, "span": [0, 20],
               "verification": {"status": "live", "key_id": "AKIA" + "Q" * 16,
                                "arn": "arn:aws:iam::123456789012:user/ci", "account": "123456789012"}}
    [ticket] = tickets_from_report({"repository": str(repo.path), "findings": [finding]})
    assert ticket.locations[0].repository == "acme/app"
    assert ticket.locations[0].url == f"https://github.com/acme/app/commit/{sha}"
    assert str(tmp_path) not in render_markdown(ticket)
    assert parse_remote("https://user:pw@ghe.corp.test/org/svc.git") == (
        "org/svc", "https://ghe.corp.test/org/svc")
    assert parse_remote("ssh://git@github.com/o/r") == ("o/r", "https://github.com/o/r")


def test_runbook_gives_iam_the_role_arn_not_the_session_arn():
    session = "arn:aws:sts::123456789012:assumed-role/deploy-role/ci-session"
    finding = {"rule": "aws-access-key-id", "path": "a", "line": 1, "commit": "c" * 40,
               "fingerprint": "f" * 32, "blob": "b" * 40, "span": [0, 20],
               "verification": {"status": "live", "key_id": "ASIA" + "Q" * 16, "arn": session,
                                "account": "123456789012"}}
    [ticket] = tickets_from_report({"findings": [finding]})
    commands = [c for step in runbook(ticket) for c in step.commands
                if "generate-service-last-accessed-details" in c]
    assert commands == ["aws iam generate-service-last-accessed-details "
                        "--arn arn:aws:iam::123456789012:role/deploy-role"]


# a firewall's block page that happens to quote an AWS error code
WAF_PAGE = (b"<html><body><ErrorResponse><Error><Code>InvalidClientTokenId</Code>"
            b"<Message>blocked</Message></Error></ErrorResponse></body></html>")


def test_sts_user_agent_and_a_waf_page_is_an_error():
    with canned_sts(403, "text/html", WAF_PAGE) as (url, agents):
        checker = StsChecker(StsConfig(endpoint_url=url, max_attempts=1))
        fake = Fakes(seed=3)
        result = checker.check(fake.aws_key_id(), fake.aws_secret())
    assert result.status == "error" and "HTML" in (result.reason or "")
    assert agents and all(f"leakwarden-verify/{__version__}" in a.split() for a in agents)
    docs = (ROOT / "docs/verify-and-tickets.md").read_text()
    assert "leakwarden-verify/VERSION" in docs and "userAgent" in docs


