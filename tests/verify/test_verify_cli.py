# ruff: noqa: F811 - pytest fixtures are imported from tests.support.aws by name
"""The command line: scan --verify, verify REPORT.json, tickets REPORT.json --to ...

Run through typer's runner against the real app, with moto on loopback; the
output a person sees must never hold a secret.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from scanner.cli.app import app
from scanner.verify.account import key_id_for_account
from tests.support.aws import (  # noqa: F401 - fixtures
    credentials_file,
    make_repo,
    moto_server,
    moto_sts,
)


def _run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _repo_with_keys(tmp_path, moto_sts):
    # moto outlives a test: user names must be new in each.
    user = tmp_path.name[-40:]
    key_id, secret = moto_sts.create_user_key(f"{user}-live")
    gone_id, gone_secret = moto_sts.create_user_key(f"{user}-gone")
    moto_sts.delete_key(f"{user}-gone", gone_id)
    canary = key_id_for_account("893192397702", tail="CLITRAP")
    repo = tmp_path / "repo"
    make_repo(repo, {"app/.env": credentials_file(key_id, secret)}, "app env")
    make_repo(repo, {"old/.env": credentials_file(gone_id, gone_secret)}, "old env")
    make_repo(
        repo,
        {"bait/.aws": credentials_file(canary, "Xy7tR2vW5xY7aB9cD1eF3gH5iJ7kL9mN0pQ2rS4w")},
        "bait",
    )
    return repo, key_id, secret, gone_secret, canary


def test_scan_verify_then_tickets(tmp_path, moto_sts):
    repo, key_id, secret, gone_secret, canary = _repo_with_keys(tmp_path, moto_sts)
    report = tmp_path / "report.json"

    scan = _run(
        "scan", str(repo), "--format", "json", "-o", str(report), "--no-progress",
        "--verify", "--sts-endpoint", moto_sts.endpoint,
    )  # fmt: skip

    assert scan.exit_code == 1, scan.output
    assert "3 AWS access key ID(s): 1 live, 1 invalid, 1 canary (never sent)" in scan.stderr
    assert f"LIVE {key_id}" in scan.stderr
    data = json.loads(report.read_text())
    statuses = {
        f["path"]: f["verification"]["status"]
        for f in data["findings"]
        if f["rule"] == "aws-access-key-id"
    }
    assert statuses == {"app/.env": "live", "old/.env": "invalid", "bait/.aws": "canary"}
    assert moto_sts.recorder.count(canary) == 0

    out_dir = tmp_path / "tickets"
    first = _run("tickets", str(report), "--to", f"dir:{out_dir}")
    assert first.exit_code == 0, first.output
    assert f"created ticket for {key_id}" in first.stderr
    second = _run("tickets", str(report), "--to", f"dir:{out_dir}")
    assert f"unchanged ticket for {key_id}" in second.stderr
    assert len(list(out_dir.iterdir())) == 2

    printed = _run("tickets", str(report), "--to", "-")
    assert printed.exit_code == 0 and key_id in printed.stdout

    everything = (
        scan.output + first.output + second.output + printed.output + report.read_text()
        + "".join(p.read_text() for p in out_dir.iterdir())
    )  # fmt: skip
    assert secret not in everything and gone_secret not in everything


def test_verify_command_on_a_plain_scan_report(tmp_path, moto_sts):
    repo, key_id, secret, _, canary = _repo_with_keys(tmp_path, moto_sts)
    report = tmp_path / "report.json"
    scan = _run("scan", str(repo), "--format", "json", "-o", str(report), "--no-progress")
    assert scan.exit_code == 1
    assert "verification" not in report.read_text()
    # Tickets need verification first, and say so.
    early = _run("tickets", str(report), "--to", f"dir:{tmp_path / 't'}")
    assert early.exit_code == 2 and "leakwarden verify" in early.stderr

    verified = tmp_path / "verified.json"
    result = _run(
        "verify", str(report), "-o", str(verified), "--sts-endpoint", moto_sts.endpoint,
        "--skip-aws-account", "123456789012",
    )  # fmt: skip

    # The moto account was declared a canary: nothing is sent, nothing is live.
    assert result.exit_code == 0, result.output
    data = json.loads(verified.read_text())
    assert {
        f["verification"]["status"] for f in data["findings"] if f["rule"] == "aws-access-key-id"
    } == {"canary"}
    assert moto_sts.recorder.requests == []

    again = _run("verify", str(report), "--sts-endpoint", moto_sts.endpoint)
    assert again.exit_code == 1
    assert json.loads(again.stdout)["repository"] == str(repo.resolve())
    assert secret not in again.output


def test_bad_inputs_get_one_line_errors(tmp_path, moto_sts):
    missing = _run("verify", str(tmp_path / "none.json"))
    assert missing.exit_code == 2 and "no such report" in missing.stderr
    junk = tmp_path / "junk.json"
    junk.write_text("[]")
    assert "'findings' list" in _run("verify", str(junk)).stderr
    report = tmp_path / "r.json"
    report.write_text(json.dumps({"findings": [], "repository": str(tmp_path)}))
    bad_account = _run("verify", str(report), "--skip-aws-account", "12")
    assert bad_account.exit_code == 2 and "12-digit" in bad_account.stderr
    bad_partition = _run("verify", str(report), "--partition", "mars")
    assert bad_partition.exit_code == 2 and "unknown AWS partition" in bad_partition.stderr
    bad_scan = _run("scan", str(tmp_path / "nowhere"), "--verify", "--skip-aws-account", "x")
    assert bad_scan.exit_code == 2 and "12-digit" in bad_scan.stderr
    bad_dest = _run("tickets", str(report), "--to", "s3:bucket")
    assert bad_dest.exit_code == 2 and "dir:PATH" in bad_dest.stderr
    nothing = _run("tickets", str(report), "--to", "-")
    assert nothing.exit_code == 0 and "no live AWS key" in nothing.stderr
