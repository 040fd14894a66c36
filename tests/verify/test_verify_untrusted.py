# ruff: noqa: F811 - pytest fixtures are imported from tests.support.aws by name
"""``verify`` treats a report and an STS answer as untrusted input.

A hand-edited report can point a finding's span anywhere in its blob: at a
lower-cased copy of a canary key, or at text that is not a key at all. Only
an exact access key ID whose account is not a canary may reach STS. And a
200 from STS that does not say who answered is not "live"."""

from __future__ import annotations

import pytest

from scanner.model import ScanResult, ScanStats
from scanner.report.json_report import report_dict
from scanner.verify import VerifyOptions, verify_findings, verify_report
from scanner.verify.account import key_id_for_account
from tests.support.aws import (  # noqa: F401 - fixtures
    canned_sts,
    credentials_file,
    findings_in,
    make_repo,
    moto_server,
    moto_sts,
)


def _report_pointing_at(tmp_path, moto_sts, bait: str) -> tuple[dict, str]:
    """A report whose key finding was edited to point at ``bait`` in the same blob."""
    live_id, live_secret = moto_sts.create_user_key(f"victim-{abs(hash(bait))}")
    repo = tmp_path / "repo"
    make_repo(repo, {"creds.ini": credentials_file(live_id, live_secret) + f"# old: {bait}\n"})
    findings = findings_in(repo)
    report = report_dict(ScanResult(findings, [], ScanStats()), str(repo))
    key = next(f for f in report["findings"] if f["rule"] == "aws-access-key-id")
    data = (repo / "creds.ini").read_bytes()
    start = data.index(bait.encode())
    key["span"] = [start, start + len(bait)]
    return report, live_id


@pytest.mark.parametrize("bait", [
    key_id_for_account("052310077262", tail="CANARY2").lower(),  # a canary, case changed
    key_id_for_account("992382622183", tail="CANARY2").swapcase()[:4].upper()
    + key_id_for_account("992382622183", tail="CANARY2")[4:].lower(),
])
def test_case_changed_canary_in_a_report_is_never_sent(tmp_path, moto_sts, bait):
    report, _ = _report_pointing_at(tmp_path, moto_sts, bait)
    moto_sts.recorder.clear()
    verify_report(report, options=VerifyOptions(sts_endpoint=moto_sts.endpoint, backoff=0.01, timeout=5))
    key = next(f for f in report["findings"] if f["rule"] == "aws-access-key-id")
    assert key["verification"]["status"] == "canary"
    assert moto_sts.recorder.requests == []


@pytest.mark.parametrize("bait", ["AKIA0189ABCDEFGHIJKL", "AKIAABCDEFGHIJKLMNOPQ", "akiaqyzzzzzzzzzzzzzz",
                                  "AKIA ABCDEFGHIJKLMNO"])
def test_malformed_key_id_in_a_report_is_never_sent(tmp_path, moto_sts, bait):
    report, _ = _report_pointing_at(tmp_path, moto_sts, bait)
    moto_sts.recorder.clear()
    summary = verify_report(report, options=VerifyOptions(sts_endpoint=moto_sts.endpoint, backoff=0.01,
                                                          timeout=5))
    key = next(f for f in report["findings"] if f["rule"] == "aws-access-key-id")
    assert key["verification"]["status"] in ("error", "canary")
    assert moto_sts.recorder.requests == []
    assert not summary.complete or key["verification"]["status"] == "canary"


# 200 to GetCallerIdentity with a UserId only: no Arn, no Account
NAMELESS = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            b"<GetCallerIdentityResult><UserId>AIDAEXAMPLE</UserId></GetCallerIdentityResult>"
            b"<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
            b"</GetCallerIdentityResponse>")


def test_sts_200_without_arn_or_account_is_not_live(tmp_path):
    with canned_sts(200, "text/xml", NAMELESS) as (url, _):
        key_id = key_id_for_account("123456789012", tail="NONAME2")
        repo = tmp_path / "repo"
        make_repo(repo, {"creds.ini": credentials_file(key_id, "B" * 20 + "namelessSecretValu/+")})
        findings = findings_in(repo)
        summary = verify_findings(findings, repo, VerifyOptions(sts_endpoint=url, backoff=0.01, timeout=5))
    key = next(f for f in findings if f.rule == "aws-access-key-id")
    assert key.verification.status == "error"
    assert "Arn/Account" in key.verification.reason
    assert summary.by_status.get("live", 0) == 0
