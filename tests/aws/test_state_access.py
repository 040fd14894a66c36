"""aws state-access: posture and per-principal verdicts against real IAM,
S3 and KMS APIs (moto server on loopback)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import pytest

from scanner.aws.policy_eval import Request, evaluate, glob_match
from scanner.aws.state_access import CANNOT_READ, READS_PLAINTEXT, READS_WITH_KMS, analyse
from tests.support.aws import ADMIN_CREDS, hide_machine_aws, moto_admin, moto_server  # noqa: F401

_n = itertools.count()
ACCOUNT = "123456789012"  # moto's default account


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


TRUST_EC2 = _doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                  "Action": "sts:AssumeRole"})


@pytest.fixture
def account(moto_server, monkeypatch):  # noqa: F811 - fixture
    """A state bucket and the principals of the seed incident: an EKS node
    role that reads it, the deploy role, a CI user through its group, an
    auditor the bucket policy denies, and a user with nothing."""
    hide_machine_aws(monkeypatch)
    host, port = moto_server
    url = f"http://{host}:{port}"
    n = next(_n)
    bucket = f"corp-tfstate-{n}"
    names = {k: f"{k}-{n}" for k in ("node", "deploy", "ci", "ci-group", "auditor", "nobody",
                                     "admin")}
    with moto_admin(url, "iam", "s3") as (iam, s3):
        node = iam.create_role(RoleName=names["node"], AssumeRolePolicyDocument=TRUST_EC2)["Role"]
        iam.create_instance_profile(InstanceProfileName=names["node"])
        iam.add_role_to_instance_profile(InstanceProfileName=names["node"], RoleName=names["node"])
        # The node role's broad read: what let the attacker in the seed incident in.
        iam.put_role_policy(RoleName=names["node"], PolicyName="read-buckets", PolicyDocument=_doc(
            {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}))
        deploy = iam.create_role(RoleName=names["deploy"], AssumeRolePolicyDocument=TRUST_EC2)["Role"]
        managed = iam.create_policy(PolicyName=f"tf-state-rw-{n}", PolicyDocument=_doc(
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": f"arn:aws:s3:::{bucket}/*"},
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}))["Policy"]
        iam.attach_role_policy(RoleName=names["deploy"], PolicyArn=managed["Arn"])
        iam.create_group(GroupName=names["ci-group"])
        iam.put_group_policy(GroupName=names["ci-group"], PolicyName="everything-but-iam",
                             PolicyDocument=_doc({"Effect": "Allow", "NotAction": "iam:*",
                                                  "Resource": "*"}))
        ci = iam.create_user(UserName=names["ci"])["User"]
        iam.add_user_to_group(GroupName=names["ci-group"], UserName=names["ci"])
        auditor = iam.create_user(UserName=names["auditor"])["User"]
        iam.put_user_policy(UserName=names["auditor"], PolicyName="read", PolicyDocument=_doc(
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
        nobody = iam.create_user(UserName=names["nobody"])["User"]
        iam.put_user_policy(UserName=names["nobody"], PolicyName="ec2", PolicyDocument=_doc(
            {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}))
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        s3.put_bucket_policy(Bucket=bucket, Policy=_doc(
            {"Sid": "NoAuditorReads", "Effect": "Deny", "Principal": {"AWS": auditor["Arn"]},
             "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
            # (No TLS-only deny here: moto is plain http on loopback and would
            # rightly apply it to the set-up itself; the evaluator test covers it.)
            {"Sid": "PartnerReads", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
             "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}))
        s3.put_object(Bucket=bucket, Key="env/prod.tfstate", Body=b'{"version": 4}')
    return {"url": url, "bucket": bucket, "node": node["Arn"], "deploy": deploy["Arn"],
            "ci": ci["Arn"], "auditor": auditor["Arn"], "nobody": nobody["Arn"]}


def _clients(url: str):
    import boto3

    return {s: boto3.client(s, endpoint_url=url, region_name="us-east-1", **ADMIN_CREDS)
            for s in ("s3", "iam", "kms", "sts")}


def _verdicts(report) -> dict[str, str]:
    return {p.arn: p.verdict for p in report.principals}


def test_node_role_reads_plaintext_under_sse_s3_and_not_under_a_kms_key_that_excludes_it(account):
    url, bucket = account["url"], account["bucket"]
    with moto_admin(url):
        report = analyse(f"s3://{bucket}/env/", clients=_clients(url))
    verdicts = _verdicts(report)
    assert verdicts[account["node"]] == READS_PLAINTEXT
    assert verdicts[account["deploy"]] == READS_PLAINTEXT
    assert verdicts[account["ci"]] == READS_PLAINTEXT  # NotAction iam:* through its group
    assert verdicts[account["auditor"]] == CANNOT_READ  # the bucket policy's explicit deny
    assert verdicts[account["nobody"]] == CANNOT_READ
    node = next(p for p in report.principals if p.arn == account["node"])
    assert node.instance_profile and node.s3_allowed_by == ["role:read-buckets#0"]
    auditor = next(p for p in report.principals if p.arn == account["auditor"])
    assert auditor.denied_by == ["bucket-policy#NoAuditorReads"]
    posture = report.posture
    assert (posture.default_encryption, posture.versioning) == ("SSE-S3", "Enabled")
    assert posture.objects[0].encryption == "SSE-S3"
    assert posture.cross_account == ["PartnerReads: arn:aws:iam::210987654321:root"]
    assert any("SSE-KMS" in fix for fix in report.fixes)
    assert any(account["node"] in fix for fix in report.fixes)

    # Move to SSE-KMS with a key whose policy names the deploy role only.
    with moto_admin(url, "kms", "s3") as (kms, s3):
        key = kms.create_key(Policy=_doc(
            {"Sid": "Admin", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "DeployDecrypts", "Effect": "Allow", "Principal": {"AWS": account["deploy"]},
             "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"},
            {"Sid": "CiViaS3", "Effect": "Allow", "Principal": {"AWS": account["ci"]},
             "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}))["KeyMetadata"]
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                    "KMSMasterKeyID": key["Arn"]}}]})
        # rewritten in place, as the fix says, so the object is under the key
        s3.put_object(Bucket=bucket, Key="env/prod.tfstate", Body=b'{"version": 4}',
                      ServerSideEncryption="aws:kms", SSEKMSKeyId=key["Arn"])
        report = analyse(f"s3://{bucket}/env/", clients=_clients(url))
    verdicts = _verdicts(report)
    assert report.posture.default_encryption == "SSE-KMS"
    current = [o for o in report.posture.objects if o.version_id is None]
    assert [o.encryption for o in current] == ["SSE-KMS"]
    # The SSE-S3 version written before is history now, but still there: the
    # node role has s3:Get* (GetObjectVersion included) and reads it in clear.
    assert verdicts[account["node"]] == READS_PLAINTEXT
    assert any("noncurrent version(s) are still under SSE-S3" in f for f in report.fixes)
    with moto_admin(url, "s3") as (s3,):
        for v in s3.list_object_versions(Bucket=bucket)["Versions"]:
            if not v["IsLatest"]:
                s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
        report = analyse(f"s3://{bucket}/env/", clients=_clients(url))
    verdicts = _verdicts(report)
    assert verdicts[account["node"]] == CANNOT_READ
    assert verdicts[account["deploy"]] == READS_PLAINTEXT
    assert verdicts[account["ci"]] == READS_WITH_KMS  # its Decrypt hangs on aws:SourceIp
    ci = next(p for p in report.principals if p.arn == account["ci"])
    assert any("aws:SourceIp" in c for c in ci.conditional)


def test_the_cli_prints_verdicts_and_exits_1_when_someone_reads_plaintext(account, tmp_path):
    url, bucket = account["url"], account["bucket"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_ACCESS_KEY_ID": ADMIN_CREDS["aws_access_key_id"],
           "AWS_SECRET_ACCESS_KEY": ADMIN_CREDS["aws_secret_access_key"]}
    with moto_admin(url):
        proc = subprocess.run([sys.executable, "-m", "scanner", "aws", "state-access",
                               f"s3://{bucket}", "--endpoint-url", url, "--region", "us-east-1"],
                              env=env, capture_output=True, text=True, timeout=120)
        as_json = subprocess.run([sys.executable, "-m", "scanner", "aws", "state-access",
                                  f"s3://{bucket}", "--endpoint-url", url, "--format", "json"],
                                 env=env, capture_output=True, text=True, timeout=120)
        missing = subprocess.run([sys.executable, "-m", "scanner", "aws", "state-access",
                                  "s3://no-such-bucket-here", "--endpoint-url", url],
                                 env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert f"reads plaintext              role  {account['node']} (instance profile)" in proc.stdout
    assert "default encryption  SSE-S3" in proc.stdout
    data = json.loads(as_json.stdout)
    assert data["posture"]["bucket"] == bucket
    assert missing.returncode == 2 and "NoSuchBucket" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_policy_evaluation_wildcards_not_action_not_resource_and_deny():
    req = Request("s3:GetObject", "arn:aws:s3:::b/env/prod.tfstate",
                  "arn:aws:iam::111122223333:role/node", "111122223333",
                  {"aws:securetransport": "true"})
    assert glob_match("arn:aws:s3:::b/*", req.resource)
    assert not glob_match("arn:aws:s3:::b/env/?", req.resource)
    allow = {"Effect": "Allow", "Action": "S3:get*", "Resource": "arn:aws:s3:::b/*"}
    assert evaluate([("p", {"Statement": [allow]})], req).effect == "allow"
    not_action = {"Effect": "Allow", "NotAction": "s3:Put*", "Resource": "*"}
    assert evaluate([("p", {"Statement": not_action})], req).effect == "allow"
    not_resource = {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/env/*"}
    assert evaluate([("p", {"Statement": [not_resource]})], req).effect == "none"
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    assert evaluate([("p", {"Statement": [allow, deny]})], req).effect == "deny"
    tls = {"Effect": "Deny", "Action": "*", "Resource": "*",
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert evaluate([("p", {"Statement": [allow, tls]})], req).effect == "allow"
    vpce = dict(allow, Condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}})
    decision = evaluate([("p", {"Statement": [vpce]})], req)
    assert decision.effect == "conditional" and "aws:SourceVpce" in decision.conditions[0]
    by_bucket = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:sts::111122223333:assumed-role/node/*"},
                 "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    assert evaluate([("bp", {"Statement": [by_bucket]})], req, resource_policy=True).effect == "allow"
    root = dict(by_bucket, Principal={"AWS": "111122223333"})
    decision = evaluate([("bp", {"Statement": [root]})], req, resource_policy=True)
    assert decision.effect == "none" and decision.delegates  # the account's IAM decides
    not_principal = {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/deploy"},
                     "Action": "s3:GetObject", "Resource": "*"}
    assert evaluate([("bp", {"Statement": [not_principal]})], req,
                    resource_policy=True).effect == "deny"


@pytest.mark.parametrize("args", [["scan", "--help"], ["aws", "state-access", "--help"]])
def test_help_renders(args):
    # rich markup in help text: "[/PREFIX]" once read as a closing tag and crashed --help
    from typer.testing import CliRunner

    from scanner.cli.app import app

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "s3://BUCKET/PREFIX" in result.output
