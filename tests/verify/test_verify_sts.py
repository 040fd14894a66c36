# ruff: noqa: F811 - pytest fixtures are imported from tests.support.aws by name
"""Verification against a real STS on loopback (moto, IAM auth enforced).

Keys are created in moto, planted in a git repository built here, found, and
verified through a recording proxy, so each test can also say exactly which
keys reached the endpoint.
"""

from __future__ import annotations

import json

import pytest

from scanner.verify import VerifyOptions, verify_findings, verify_report
from scanner.verify.account import account_id_from_key_id, key_id_for_account
from scanner.verify.sts import StsChecker, StsConfig
from tests.support.aws import (  # noqa: F401 - fixtures
    credentials_file,
    findings_in,
    make_repo,
    moto_server,
    moto_sts,
)

MOTO_ACCOUNT = "123456789012"


def options(moto_sts, **kw) -> VerifyOptions:
    return VerifyOptions(sts_endpoint=moto_sts.endpoint, backoff=0.01, timeout=5, **kw)


def verified(tmp_path, moto_sts, files, **kw):
    """``files`` committed to a fresh repository, scanned, and verified against
    the recorded STS: (findings, summary)."""
    repo = tmp_path / "repo"
    make_repo(repo, files)
    findings = findings_in(repo)
    return findings, verify_findings(findings, repo, options(moto_sts, **kw))


def by_rule(findings, rule):
    return [f for f in findings if f.rule == rule]


def test_live_deleted_and_wrong_secret(tmp_path, moto_sts):
    live_id, live_secret = moto_sts.create_user_key("alice")
    gone_id, gone_secret = moto_sts.create_user_key("bob")
    moto_sts.delete_key("bob", gone_id)
    wrong_id, real_secret = moto_sts.create_user_key("carol")
    wrong_secret = real_secret[::-1]
    assert wrong_secret != real_secret
    repo = tmp_path / "repo"
    # One commit each, so that each key has exactly one candidate secret.
    make_repo(repo, {"live/credentials": credentials_file(live_id, live_secret)})
    make_repo(repo, {"deleted/credentials": credentials_file(gone_id, gone_secret)})
    make_repo(repo, {"wrong/credentials": credentials_file(wrong_id, wrong_secret)})
    findings = findings_in(repo)
    assert len(findings) == 6

    summary = verify_findings(findings, repo, options(moto_sts))

    keys = {f.path.split("/")[0]: f for f in by_rule(findings, "aws-access-key-id")}
    live = keys["live"].verification.to_dict()
    assert live["status"] == "live"
    assert live["account"] == MOTO_ACCOUNT
    assert live["arn"] == f"arn:aws:iam::{MOTO_ACCOUNT}:user/alice"
    assert live["user_id"]
    assert live["checked_at"]
    assert live["key_id"] == live_id
    assert keys["live"].aws_account == MOTO_ACCOUNT

    deleted = keys["deleted"].verification.to_dict()
    assert deleted["status"] == "invalid"
    assert "InvalidClientTokenId" in deleted["reason"]
    # Unknown in aws, so the other partitions were asked too, then given up.
    assert moto_sts.recorder.count(gone_id) == 3
    regions = {r for k, r in moto_sts.recorder.requests if k == gone_id}
    assert regions == {"us-east-1", "us-gov-west-1", "cn-north-1"}

    wrong = keys["wrong"].verification.to_dict()
    assert wrong["status"] == "invalid"
    assert wrong["reason"] == "SignatureDoesNotMatch"
    # One retry for AWS's transient mismatch, and no other partition: the key exists.
    assert moto_sts.recorder.count(wrong_id) == 2

    # The secret findings carry the result of the key they were paired with.
    secrets = {f.path.split("/")[0]: f for f in by_rule(findings, "aws-secret-access-key")}
    assert secrets["live"].verification.status == "live"
    assert secrets["live"].verification.key_id == live_id
    assert secrets["live"].aws_account == MOTO_ACCOUNT
    assert secrets["deleted"].verification.status == "invalid"
    assert summary.by_status == {"live": 2, "invalid": 4}
    assert summary.complete


def test_assumed_role_asia_key_with_session_token(tmp_path, moto_sts):
    key_id, secret, token = moto_sts.assume_role("deployer")
    assert key_id.startswith("ASIA")
    repo = tmp_path / "repo"
    make_repo(repo, {".env": credentials_file(key_id, secret, token)})
    findings = findings_in(repo)
    assert {f.rule for f in findings} == {
        "aws-access-key-id",
        "aws-secret-access-key",
        "aws-session-token",
    }

    verify_findings(findings, repo, options(moto_sts))

    key = by_rule(findings, "aws-access-key-id")[0].verification.to_dict()
    assert key["status"] == "live"
    assert key["arn"] == f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/deployer/deployer-session"
    token_finding = by_rule(findings, "aws-session-token")[0]
    assert token_finding.verification.status == "live"


def test_asia_key_without_token_is_not_sent(tmp_path, moto_sts):
    key_id, secret, _ = moto_sts.assume_role("builder")
    findings, _ = verified(tmp_path, moto_sts, {".env": credentials_file(key_id, secret)})

    key = by_rule(findings, "aws-access-key-id")[0].verification.to_dict()
    assert key["status"] == "unverified"
    assert "session token" in key["reason"]
    assert moto_sts.recorder.requests == []


@pytest.mark.parametrize("account", ["052310077262", "992382622183", "044858866125"])
def test_canary_keys_are_never_sent(tmp_path, moto_sts, account):
    canary_id = key_id_for_account(account, tail="CANARY2")
    assert account_id_from_key_id(canary_id) == account
    live_id, live_secret = moto_sts.create_user_key(f"beside-{account}")
    repo = tmp_path / "repo"
    make_repo(
        repo,
        {
            "canary.ini": credentials_file(canary_id, "A" * 20 + "canarySecretValue/+20"),
            "real.ini": credentials_file(live_id, live_secret),
        },
    )
    findings = findings_in(repo)

    verify_findings(findings, repo, options(moto_sts))

    keys = {f.path: f for f in by_rule(findings, "aws-access-key-id")}
    canary = keys["canary.ini"]
    assert canary.verification.status == "canary"
    assert canary.aws_account == account
    assert keys["real.ini"].verification.status == "live"
    # The proxy saw the live key, so it was listening; it never saw the canary.
    assert moto_sts.recorder.count(live_id) == 1
    assert moto_sts.recorder.count(canary_id) == 0
    assert all(k == live_id for k, _ in moto_sts.recorder.requests)


def test_skip_aws_account_adds_to_the_canary_list(tmp_path, moto_sts):
    live_id, live_secret = moto_sts.create_user_key("skipped-owner")
    findings, _ = verified(tmp_path, moto_sts, {"c.ini": credentials_file(live_id, live_secret)}, skip_accounts=[MOTO_ACCOUNT])

    assert by_rule(findings, "aws-access-key-id")[0].verification.status == "canary"
    assert moto_sts.recorder.requests == []


def test_skip_aws_account_rejects_a_typo(tmp_path, moto_sts):
    with pytest.raises(ValueError, match="12-digit"):
        verify_findings([], tmp_path, options(moto_sts, skip_accounts=["12345"]))


def test_unknown_key_is_not_retried_with_other_secrets(tmp_path, moto_sts):
    """InvalidClientTokenId means no such key ID: other secrets of the commit are not tried.
    A wrong secret (SignatureDoesNotMatch) does make the next candidate worth a call."""
    gone_id, gone_secret = moto_sts.create_user_key("gone-in-commit")
    moto_sts.delete_key("gone-in-commit", gone_id)
    wrong_id, real_secret = moto_sts.create_user_key("wrong-in-commit")
    repo = tmp_path / "repo"
    make_repo(
        repo,
        {
            "a/credentials": credentials_file(gone_id, gone_secret),
            "b/credentials": credentials_file(wrong_id, real_secret[::-1]),
            "c/credentials": "aws_secret_access_key = " + "Z" * 40 + "\n",
        },
    )
    findings = findings_in(repo)

    verify_findings(findings, repo, options(moto_sts))

    statuses = {
        f.path: f.verification.status for f in by_rule(findings, "aws-access-key-id")
    }
    assert statuses == {"a/credentials": "invalid", "b/credentials": "invalid"}
    assert moto_sts.recorder.count(gone_id) == 3  # its own secret, in the 3 partitions
    assert moto_sts.recorder.count(wrong_id) == 3 * 2  # 3 candidate secrets, each retried once
    unpaired = [f for f in by_rule(findings, "aws-secret-access-key") if f.path == "c/credentials"]
    assert unpaired[0].verification.status == "invalid"


def test_pairing_prefers_same_blob_then_same_commit(tmp_path, moto_sts):
    """Two keys in one commit: each is signed with the secret of its own file
    first; a key whose secret sits in another file of the same commit still verifies."""
    a_id, a_secret = moto_sts.create_user_key("pair-a")
    b_id, b_secret = moto_sts.create_user_key("pair-b")
    repo = tmp_path / "repo"
    make_repo(
        repo,
        {
            "a.ini": credentials_file(a_id, a_secret),
            "b/key.txt": f"aws_access_key_id = {b_id}\n",
            "b/secret.txt": f"aws_secret_access_key = {b_secret}\n",
        },
    )
    findings = findings_in(repo)

    verify_findings(findings, repo, options(moto_sts))

    keys = {f.path: f for f in by_rule(findings, "aws-access-key-id")}
    assert keys["a.ini"].verification.status == "live"
    assert keys["b/key.txt"].verification.status == "live"
    # a's own secret was right the first time: one call for it.
    assert moto_sts.recorder.count(a_id) == 1
    # b had no secret in its blob; of the same commit's secrets the one beside
    # it (same directory) comes first, so it too took one call.
    assert moto_sts.recorder.count(b_id) == 1


def test_each_pair_is_checked_once_per_run(tmp_path, moto_sts):
    key_id, secret = moto_sts.create_user_key("copied")
    repo = tmp_path / "repo"
    text = credentials_file(key_id, secret)
    make_repo(repo, {f"copy{i}/credentials": text + f"# copy {i}\n" for i in range(5)})
    findings = findings_in(repo)
    assert len(by_rule(findings, "aws-access-key-id")) == 5

    verify_findings(findings, repo, options(moto_sts))

    assert {f.verification.status for f in findings} == {"live"}
    assert moto_sts.recorder.count(key_id) == 1


def test_partition_fallback_finds_a_govcloud_key(tmp_path, moto_sts):
    key_id, secret = moto_sts.create_user_key("gov-user", region="us-gov-west-1")
    findings, _ = verified(tmp_path, moto_sts, {"gov.ini": credentials_file(key_id, secret)})

    result = by_rule(findings, "aws-access-key-id")[0].verification.to_dict()
    assert result["status"] == "live"
    assert result["partition"] == "aws-us-gov"
    assert result["arn"].startswith("arn:aws-us-gov:iam::")
    assert [r for k, r in moto_sts.recorder.requests if k == key_id] == [
        "us-east-1",
        "us-gov-west-1",
    ]


def test_throttling_is_retried_a_bounded_number_of_times(tmp_path, moto_sts):
    key_id, secret = moto_sts.create_user_key("throttled")
    moto_sts.recorder.fail[key_id] = ["Throttling", None]
    findings, summary = verified(tmp_path, moto_sts, {"t.ini": credentials_file(key_id, secret)}, max_attempts=3)

    result = by_rule(findings, "aws-access-key-id")[0].verification.to_dict()
    assert result["status"] == "error"
    assert result["reason"] == "Throttling"
    assert moto_sts.recorder.count(key_id) == 3
    assert not summary.complete


def test_throttling_that_passes_is_waited_out(tmp_path, moto_sts):
    key_id, secret = moto_sts.create_user_key("throttled-once")
    moto_sts.recorder.fail[key_id] = ["ThrottlingException", 2]
    findings, _ = verified(tmp_path, moto_sts, {"t.ini": credentials_file(key_id, secret)}, max_attempts=4)

    assert by_rule(findings, "aws-access-key-id")[0].verification.status == "live"
    assert moto_sts.recorder.count(key_id) == 3


def test_transient_signature_mismatch_is_retried_once(tmp_path, moto_sts):
    key_id, secret = moto_sts.create_user_key("flaky-signature")
    moto_sts.recorder.fail[key_id] = ["SignatureDoesNotMatch", 1]
    findings, _ = verified(tmp_path, moto_sts, {"f.ini": credentials_file(key_id, secret)})

    assert by_rule(findings, "aws-access-key-id")[0].verification.status == "live"
    assert moto_sts.recorder.count(key_id) == 2


def test_expired_session_token(tmp_path, moto_sts):
    key_id, secret, token = moto_sts.assume_role("expired-role")
    # moto never expires a session; STS answers ExpiredToken once it has.
    moto_sts.recorder.fail[key_id] = ["ExpiredToken", None]
    findings, _ = verified(tmp_path, moto_sts, {"x.env": credentials_file(key_id, secret, token)})

    result = by_rule(findings, "aws-access-key-id")[0].verification.to_dict()
    assert result["status"] == "expired"
    assert result["reason"] == "ExpiredToken"
    assert moto_sts.recorder.count(key_id) == 1


def test_slow_endpoint_hits_the_per_call_timeout(tmp_path, moto_sts):
    key_id, secret = moto_sts.create_user_key("slow")
    moto_sts.recorder.delay = 1.5
    repo = tmp_path / "repo"
    make_repo(repo, {"s.ini": credentials_file(key_id, secret)})
    findings = findings_in(repo)
    opts = options(moto_sts, max_attempts=2)
    opts.timeout = 0.3

    verify_findings(findings, repo, opts)

    result = by_rule(findings, "aws-access-key-id")[0].verification.to_dict()
    assert result["status"] == "error"
    assert result["reason"] == "ReadTimeoutError"
    assert moto_sts.recorder.count(key_id) == 2


def test_unreachable_endpoint_is_an_error_not_a_crash(tmp_path, moto_sts):
    import socket

    key_id, secret = moto_sts.create_user_key("offline")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    repo = tmp_path / "repo"
    make_repo(repo, {"o.ini": credentials_file(key_id, secret)})
    findings = findings_in(repo)
    opts = VerifyOptions(
        sts_endpoint=f"http://127.0.0.1:{port}", backoff=0.01, timeout=1, max_attempts=2
    )

    summary = verify_findings(findings, repo, opts)

    result = by_rule(findings, "aws-access-key-id")[0].verification.to_dict()
    assert result["status"] == "error"
    assert result["reason"] == "EndpointConnectionError"
    assert not summary.complete


def test_endpoint_from_environment(tmp_path, moto_sts, monkeypatch):
    """AWS_ENDPOINT_URL_STS is honoured the way AWS tools honour it."""
    key_id, secret = moto_sts.create_user_key("env-endpoint")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_sts.endpoint)
    repo = tmp_path / "repo"
    make_repo(repo, {"e.ini": credentials_file(key_id, secret)})
    findings = findings_in(repo)

    verify_findings(findings, repo, VerifyOptions(backoff=0.01, timeout=5))

    assert by_rule(findings, "aws-access-key-id")[0].verification.status == "live"
    assert moto_sts.recorder.count(key_id) == 1


def test_checker_rate_limit_spaces_calls(moto_sts):
    key_id, secret = moto_sts.create_user_key("rated")
    checker = StsChecker(StsConfig(endpoint_url=moto_sts.endpoint, rate=20, concurrency=4))
    import time

    started = time.monotonic()
    for i in range(6):  # distinct pairs, so the cache does not answer
        checker.check(key_id, secret if i == 0 else "W" * 38 + f"{i:02d}")
    elapsed = time.monotonic() - started
    # 6 pairs; the wrong ones cost two calls each (signature retry): 11 calls at 20/s.
    assert checker.calls == 11
    assert elapsed >= 10 / 20


def test_verify_report_rereads_secrets_from_a_redacted_report(tmp_path, moto_sts):
    key_id, secret = moto_sts.create_user_key("from-report")
    repo = tmp_path / "repo"
    make_repo(repo, {"deploy/aws.env": credentials_file(key_id, secret)})
    findings = findings_in(repo)
    report = {
        "repository": str(repo),
        "findings": [f.to_dict() for f in findings],
        "errors": [],
        "stats": {},
    }
    text = json.dumps(report)
    assert secret not in text and key_id not in text  # the report is redacted

    verified = json.loads(text)
    summary = verify_report(verified, None, options(moto_sts))

    statuses = {f["rule"]: f["verification"]["status"] for f in verified["findings"]}
    assert statuses == {"aws-access-key-id": "live", "aws-secret-access-key": "live"}
    assert secret not in json.dumps(verified)
    assert summary.complete
