# ruff: noqa: F811 - pytest fixtures are imported from tests.support.aws by name
"""End to end: the real scanner finds keys created in moto, then they are verified.

Here the findings come from ``scanner.pipeline`` (not the stand-in of the other
tests), through the JSON report and back, the way ``scan`` then ``verify
REPORT.json`` works for a user.
"""

from __future__ import annotations

import json

from scanner.pipeline import ScanOptions, scan
from scanner.verify import VerifyOptions, verify_findings, verify_report
from scanner.verify.account import key_id_for_account
from tests.support.aws import (  # noqa: F401 - fixtures
    credentials_file,
    git,
    make_repo,
    moto_server,
    moto_sts,
)


def test_scan_then_verify_history(tmp_path, moto_sts):
    live_id, live_secret = moto_sts.create_user_key("ci-deployer")
    gone_id, gone_secret = moto_sts.create_user_key("old-intern")
    moto_sts.delete_key("old-intern", gone_id)
    role_id, role_secret, role_token = moto_sts.assume_role("release")
    canary_id = key_id_for_account("717712589309", tail="TRAPKEY")
    repo = tmp_path / "repo"
    make_repo(repo, {"deploy/.env": credentials_file(live_id, live_secret)}, "deploy creds")
    make_repo(repo, {"legacy.ini": credentials_file(gone_id, gone_secret)}, "legacy")
    make_repo(repo, {"ops/role.env": credentials_file(role_id, role_secret, role_token)}, "role")
    make_repo(
        repo,
        {
            "bait/credentials": credentials_file(
                canary_id, "Qz8tR2vW5xY7aB9cD1eF3gH5iJ7kL9mN0pQ2rS4t"
            )
        },
        "bait",
    )
    # Deleting the files leaves the keys in history only: blob scanning still finds them.
    git(repo, "rm", "-q", "deploy/.env", "legacy.ini")
    git(repo, "commit", "-q", "-m", "remove creds")

    result = scan(repo, ScanOptions(jobs=1))
    aws = [f for f in result.findings if f.rule.startswith("aws-")]
    assert {f.rule for f in aws} == {
        "aws-access-key-id",
        "aws-secret-access-key",
        "aws-session-token",
    }

    summary = verify_findings(result.findings, repo, VerifyOptions(sts_endpoint=moto_sts.endpoint))

    by_path = {f.path: f.verification.to_dict() for f in aws if f.rule == "aws-access-key-id"}
    assert by_path["deploy/.env"]["status"] == "live"
    assert by_path["deploy/.env"]["arn"].endswith(":user/ci-deployer")
    assert by_path["legacy.ini"]["status"] == "invalid"
    assert by_path["ops/role.env"]["status"] == "live"
    assert ":assumed-role/release/" in by_path["ops/role.env"]["arn"]
    assert by_path["bait/credentials"]["status"] == "canary"
    assert moto_sts.recorder.count(canary_id) == 0
    assert moto_sts.recorder.count(live_id) == 1
    assert summary.sts_calls == len(moto_sts.recorder.requests)
    # Non-AWS findings are untouched.
    assert all(
        "verification" not in f.extra for f in result.findings if not f.rule.startswith("aws-")
    )


def test_verify_redacted_report_file(tmp_path, moto_sts):
    live_id, live_secret = moto_sts.create_user_key("report-user")
    repo = tmp_path / "repo"
    make_repo(repo, {"src/settings.py": credentials_file(live_id, live_secret)})
    result = scan(repo, ScanOptions(jobs=1))
    report_path = tmp_path / "report.json"
    report_path.write_text(json.dumps({"repository": str(repo), **result.to_dict()}))
    assert live_secret not in report_path.read_text()

    report = json.loads(report_path.read_text())
    summary = verify_report(report, options=VerifyOptions(sts_endpoint=moto_sts.endpoint))

    statuses = {f["rule"]: f["verification"]["status"] for f in report["findings"]}
    assert statuses["aws-access-key-id"] == "live"
    assert statuses["aws-secret-access-key"] == "live"
    assert summary.complete
    assert live_secret not in json.dumps(report)


def test_verify_plain_directory_scan(tmp_path, moto_sts):
    """--no-git findings have no blob in any repository: the secret is re-read
    from the file at the finding's path and span."""
    key_id, secret = moto_sts.create_user_key("plain-dir-user")
    root = tmp_path / "plain"
    (root / "conf").mkdir(parents=True)
    (root / "conf" / "aws.ini").write_text(credentials_file(key_id, secret))

    result = scan(root, ScanOptions(no_git=True, jobs=1))
    summary = verify_findings(result.findings, root, VerifyOptions(sts_endpoint=moto_sts.endpoint))

    statuses = {f.rule: f.verification.status for f in result.findings}
    assert statuses == {"aws-access-key-id": "live", "aws-secret-access-key": "live"}
    assert summary.complete
