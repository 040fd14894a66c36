# ruff: noqa: F811 - pytest fixtures are imported from tests.support.aws by name
"""``org scan --audit --verify --tickets``: live keys in a repo that just went
public reach the ticket writer once, with their exposure; nothing shows a secret."""

from __future__ import annotations

import json
import time

from typer.testing import CliRunner

from scanner.cli.app import app
from tests.support.aws import credentials_file, moto_server, moto_sts  # noqa: F401 - fixtures
from tests.support.github_server import GitHubServer, commit_files

TOKEN = "ghp_orgscanverifytoken00000000000000000"


def test_org_scan_verifies_new_keys_and_tickets_the_live_one(tmp_path, moto_sts, monkeypatch):
    user = tmp_path.name[-40:]
    live_id, live_secret = moto_sts.create_user_key(f"{user}-live")
    gone_id, gone_secret = moto_sts.create_user_key(f"{user}-gone")
    moto_sts.delete_key(f"{user}-gone", gone_id)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with GitHubServer(tmp_path / "gh", token=TOKEN) as gh:
        gh.state.add_org("acme", enterprise=True)
        leaky = gh.state.add_repo("acme/leaky", visibility="private")
        commit_files(leaky.git_dir, {"app/.env": credentials_file(live_id, live_secret)},
                     when=time.time() - 20 * 86400, message="app env")
        old = gh.state.add_repo("acme/old", visibility="private")
        commit_files(old.git_dir, {"old/.env": credentials_file(gone_id, gone_secret)}, message="old env")
        state, tickets = tmp_path / "state.sqlite3", tmp_path / "tickets"
        args = ["org", "scan", "acme", "--state", str(state), "--github-url", gh.api_url, "--audit", "--verify",
                "--sts-endpoint", moto_sts.endpoint, "--tickets", f"dir:{tickets}", "--format", "json"]

        first = CliRunner().invoke(app, args)  # the audit's first snapshot: nothing went public yet
        assert first.exit_code == 1, first.output
        report = json.loads(first.stdout)
        status = {f["repo"]: f["verification"]["status"] for f in report["findings"]
                  if f["rule"] == "aws-access-key-id"}
        assert status == {"acme/leaky": "live", "acme/old": "invalid"}
        assert [t["key_id"] for t in report["tickets"]] == [live_id] and report["tickets"][0]["action"] == "created"

        gh.state.set_visibility("acme/leaky", "public", actor="mallory")
        second = CliRunner().invoke(app, args)
        assert second.exit_code == 0, second.output
        report2 = json.loads(second.stdout)
        assert report2["findings"] == [] and "tickets" not in report2  # nothing new to verify or ticket
        assert [c["repo"] for c in report2["audit"]["changes_to_public"]] == ["acme/leaky"]
        exposed = {(e["repo"], e["rule"]) for e in report2["audit"]["new_exposures"]}
        assert ("acme/leaky", "aws-access-key-id") in exposed

        ticket = json.loads(next(tickets.glob("*.json")).read_text())
        assert ticket["key_id"] == live_id and ticket["status"] == "live"
        everything = first.output + second.output + state.read_bytes().decode("latin-1") + "".join(
            p.read_text() for p in tickets.iterdir())
        for secret in (live_secret, gone_secret, TOKEN):
            assert secret not in everything
