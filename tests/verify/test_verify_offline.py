"""The offline half of verification: account decoding, canary list, pairing, reports."""

from __future__ import annotations

import json

import pytest

from scanner.model import Finding, Verification
from scanner.verify import (
    KNOWN_CANARY_ACCOUNTS,
    ReportError,
    VerifyOptions,
    canary_accounts,
    load_report,
    pair_candidates,
    verify_findings,
)
from scanner.verify.account import account_id_from_key_id, is_temporary, key_id_for_account
from scanner.verify.saved_report import verify_report


def test_decodes_published_example():
    # The worked example of the public write-ups of the encoding.
    assert account_id_from_key_id("ASIAY34FZKBOKMUTVV7A") == "609629065308"


@pytest.mark.parametrize(
    "account", sorted(KNOWN_CANARY_ACCOUNTS) + ["000000000001", "999999999999"]
)
@pytest.mark.parametrize("prefix", ["AKIA", "ASIA"])
def test_generated_key_ids_round_trip(account, prefix):
    key_id = key_id_for_account(account, prefix=prefix)
    assert len(key_id) == 20 and key_id.startswith(prefix)
    assert account_id_from_key_id(key_id) == account


@pytest.mark.parametrize(
    "key_id",
    [
        "AKIAI2345672345672AB",  # old generation: AKIAI...
        "AKIAJ2345672345672AB",  # old generation: first bit clear
        "AKIAQYLPMN5H",  # too short
        "XKIAQYLPMN5HAQQQQQQQ",  # not a key ID prefix
        "AKIAQYLPMN5HAQQQQQQ1",  # 1 is not in the base32 alphabet
    ],
)
def test_undecodable_key_ids(key_id):
    assert account_id_from_key_id(key_id) is None


def test_temporary_keys():
    assert is_temporary("ASIAQYLPMN5HAQQQQQQQ")
    assert not is_temporary("AKIAQYLPMN5HAQQQQQQQ")


def test_canary_list_is_the_issue_list():
    assert len(KNOWN_CANARY_ACCOUNTS) == 29
    assert {"052310077262", "992382622183", "044858866125", "982842642351"} <= KNOWN_CANARY_ACCOUNTS


def test_skip_accounts_extend_and_validate():
    assert "111122223333" in canary_accounts(["1111-2222-3333"])
    with pytest.raises(ValueError, match="12-digit"):
        canary_accounts(["not-an-account"])


def _finding(
    rule: str, blob: str, start: int, path: str = "f", commit: str | None = "c1"
) -> Finding:
    return Finding(
        rule=rule,
        description="",
        severity="high",
        confidence="high",
        secret="****",
        fingerprint=f"{rule}:{blob}:{start}",
        secret_hash="h",
        path=path,
        line=1,
        column=1,
        end_line=1,
        end_column=1,
        blob=blob,
        span=(start, start + 20),
        entropy=4.0,
        reachable=True,
        commit=commit,
    )


def test_pairing_order_same_blob_nearest_then_same_commit():
    key = _finding("aws-access-key-id", "b1", 100, path="app/config.py")
    far = _finding("aws-secret-access-key", "b1", 900, path="app/config.py")
    near = _finding("aws-secret-access-key", "b1", 140, path="app/config.py")
    sibling = _finding("aws-secret-access-key", "b2", 0, path="app/secret.txt")
    elsewhere = _finding("aws-secret-access-key", "b3", 0, path="docs/a.txt")
    other_commit = _finding("aws-secret-access-key", "b4", 0, path="app/x", commit="c2")
    token = _finding("aws-session-token", "b1", 200, path="app/config.py")
    findings = [key, far, near, sibling, elsewhere, other_commit, token]

    [paired] = pair_candidates(findings)

    assert paired.key is key
    assert paired.secrets == [near, far, sibling, elsewhere]
    assert paired.tokens == [token]
    assert pair_candidates(findings, limit=2)[0].secrets == [near, far]


def test_unreadable_secret_is_reported_and_run_goes_on(tmp_path):
    key = _finding("aws-access-key-id", "0" * 40, 0)
    summary = verify_findings([key], tmp_path, VerifyOptions(sts_endpoint="http://127.0.0.1:9"))
    assert key.verification.status == "error"
    assert summary.problems and "cannot re-read" in summary.problems[0]
    assert not summary.complete


def test_secrets_alone_are_unverified_without_a_call(tmp_path):
    secret = _finding("aws-secret-access-key", "b", 0)
    options = VerifyOptions(sts_endpoint="http://127.0.0.1:9", secret_reader=lambda f: b"S" * 40)
    summary = verify_findings([secret], tmp_path, options)
    assert secret.verification.status == "unverified"
    assert summary.sts_calls == 0


def test_load_report_errors_are_actionable(tmp_path):
    with pytest.raises(ReportError, match="no such report"):
        load_report(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ReportError, match="not a JSON report"):
        load_report(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps([1, 2]))
    with pytest.raises(ReportError, match="'findings' list"):
        load_report(wrong)


def test_finding_round_trips_through_its_dict():
    original = _finding("aws-access-key-id", "b1", 7)
    original.extra["exposure"] = {"exposed_since": "2026-01-01T00:00:00Z"}
    again = Finding.from_dict(original.to_dict())
    assert again == original
    assert "verification" not in original.to_dict() and "aws_account" not in original.to_dict()


def test_verified_finding_round_trips_with_its_verification():
    original = _finding("aws-access-key-id", "b1", 7)
    original.verification = Verification("live", account="123456789012", key_id="AKIAEXAMPLE")
    original.aws_account = "123456789012"
    data = original.to_dict()
    assert data["verification"]["status"] == "live" and data["aws_account"] == "123456789012"
    assert Finding.from_dict(data) == original
    # An old-format key ID nobody could place still says so: account null.
    original.aws_account = None
    assert original.to_dict()["aws_account"] is None


def test_verify_report_needs_a_repository(tmp_path):
    with pytest.raises(ReportError, match="--repo"):
        verify_report({"findings": []})
    with pytest.raises(ReportError, match="does not exist"):
        verify_report({"findings": [], "repository": str(tmp_path / "nope")})


def test_malformed_report_finding_is_skipped_with_a_message(tmp_path):
    report = {"repository": str(tmp_path), "findings": [{"rule": "aws-access-key-id"}]}
    summary = verify_report(report, options=VerifyOptions(sts_endpoint="http://127.0.0.1:9"))
    assert "finding #0" in summary.problems[0] and "blob" in summary.problems[0]


def test_each_partition_goes_to_its_regional_sts_endpoint(monkeypatch, tmp_path):
    """Resolved by botocore without a request; a config file asking for the
    legacy global endpoint is overridden."""
    from scanner.verify.sts import StsChecker

    for name in list(__import__("os").environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config"
    config.write_text("[default]\nsts_regional_endpoints = legacy\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    checker = StsChecker()
    urls = {
        p: checker._client("AKIAQYLPMN5HAQQQQQQQ", "S" * 40, None, p).meta.endpoint_url
        for p in ("aws", "aws-us-gov", "aws-cn")
    }
    assert urls == {
        "aws": "https://sts.us-east-1.amazonaws.com",
        "aws-us-gov": "https://sts.us-gov-west-1.amazonaws.com",
        "aws-cn": "https://sts.cn-north-1.amazonaws.com.cn",
    }
    assert checker.calls == 0


def test_encoded_findings_are_not_sent(tmp_path):
    """A secret found inside base64 has a span over the encoded text; re-reading
    it would send STS the wrong bytes, so it is left unverified."""
    key = _finding("aws-access-key-id", "b", 0)
    key.decoded = "base64"
    secret = _finding("aws-secret-access-key", "b", 30)
    secret.decoded = "base64"
    read = []
    options = VerifyOptions(
        sts_endpoint="http://127.0.0.1:9", secret_reader=lambda f: read.append(f) or b"x"
    )
    summary = verify_findings([key, secret], tmp_path, options)
    assert [f.verification.status for f in (key, secret)] == ["unverified"] * 2
    assert read == [] and summary.sts_calls == 0 and summary.complete
