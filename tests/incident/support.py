"""The seed incident, for real: IAM entities and sessions in moto, and the
CloudTrail files that record them, written into a trail bucket.

The story: a CI user's key sits in a repository that goes public; weeks of
legitimate CI traffic (from the CI's own IPs) surround an attacker who, from
new IPs, calls GetCallerIdentity, assumes the EKS node role, reads the
database backup and the Terraform state, creates an access key and a login
profile for persistence, chains into a second role and reads a secret. The
EKS node role's real nodes assume it all along. Every key ID in the trail
that IAM knows of was issued by moto (users' keys, role sessions).
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3

from scanner.incident.cloudtrail import trail_key, write_trail_file
from scanner.verify.account import key_id_for_account

ACCOUNT = "123456789012"
ORG = "o-a1b2c3d4e5"
CI_IPS = ("20.42.10.7", "20.42.10.8")
CI_UA = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-azure exec-env/GitHub-Actions"
ATTACKER_IPS = ("203.0.113.50", "198.51.100.23")
ATTACKER_UA = "Boto3/1.34.51 Python/3.12.2 Linux/6.6.9-amd64 Botocore/1.34.51"
COMMITTED = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)
EXPOSED = datetime(2026, 10, 20, 9, 0, tzinfo=timezone.utc)
ATTACK = datetime(2026, 10, 22, 2, 10, tzinfo=timezone.utc)
DETECTED = datetime(2026, 10, 22, 8, 0, tzinfo=timezone.utc)
START = datetime(2026, 10, 1, 0, 0, tzinfo=timezone.utc)
END = datetime(2026, 10, 28, 23, 59, tzinfo=timezone.utc)
REGIONS = ("us-east-1", "eu-west-1")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def fake_key_id(rng: random.Random, prefix: str = "ASIA", account: str = ACCOUNT) -> str:
    """A key ID of the right shape (AWS never issued it) for the trail's background."""
    return key_id_for_account(account, prefix, "".join(rng.choice(_ALPHABET) for _ in range(7)))


def ct_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def expiry(moment: datetime) -> str:
    """CloudTrail's own format for credential expiry in AssumeRole responses."""
    return moment.strftime("%b %-d, %Y, %-I:%M:%S %p")


@dataclass
class Story:
    ci_user: str
    ci_key: str
    ci_secret: str
    node_role: str
    node_role_arn: str
    reader_role_arn: str
    slr_arn: str
    persist_user: str
    attacker_session: dict[str, str]
    chained_session: dict[str, str]
    token_session: dict[str, str]
    slr_session_key: str
    created_key: str
    legit_node_sessions: list[dict[str, str]] = field(default_factory=list)
    legit_ci_sessions: list[dict[str, str]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    trail_bucket: str = ""


def _identity_user(user: str, key: str) -> dict[str, Any]:
    return {"type": "IAMUser", "principalId": "AIDA" + user.upper()[:12].ljust(12, "X"),
            "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}", "accountId": ACCOUNT,
            "accessKeyId": key, "userName": user}


def _identity_session(session: dict[str, str]) -> dict[str, Any]:
    role_id, name = session["assumed_role_id"].split(":", 1)
    role_name = session["role_arn"].rsplit("/", 1)[-1]
    return {"type": "AssumedRole", "principalId": session["assumed_role_id"],
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{name}", "accountId": ACCOUNT,
            "accessKeyId": session["key_id"],
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": role_id,
                                                 "arn": session["role_arn"], "accountId": ACCOUNT,
                                                 "userName": role_name},
                               "attributes": {"creationDate": session.get("issued", ""),
                                              "mfaAuthenticated": "false"}}}


def record(when: datetime, source: str, name: str, identity: dict[str, Any], ip: str, ua: str,
           region: str = "us-east-1", request: dict[str, Any] | None = None,
           response: dict[str, Any] | None = None, error: str | None = None,
           data: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "eventVersion": "1.09", "userIdentity": identity, "eventTime": ct_time(when),
        "eventSource": source, "eventName": name, "awsRegion": region,
        "sourceIPAddress": ip, "userAgent": ua, "requestParameters": request,
        "responseElements": response, "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.UUID(int=random.getrandbits(128))), "readOnly": name.startswith(("Get", "List", "Describe")),
        "eventType": "AwsApiCall", "managementEvent": not data,
        "recipientAccountId": ACCOUNT, "eventCategory": "Data" if data else "Management",
    }
    if error:
        out["errorCode"] = error
        out["errorMessage"] = f"User is not authorized to perform: {name}"
    return out


def _assume_record(when: datetime, identity: dict[str, Any], ip: str, ua: str, role_arn: str,
                   session: dict[str, str], region: str = "us-east-1") -> dict[str, Any]:
    name = session["assumed_role_id"].split(":", 1)[1]
    return record(when, "sts.amazonaws.com", "AssumeRole", identity, ip, ua, region,
                  {"roleArn": role_arn, "roleSessionName": name, "durationSeconds": 3600},
                  {"credentials": {"accessKeyId": session["key_id"],
                                   "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE-not-real",
                                   "expiration": expiry(when + timedelta(hours=1))},
                   "assumedRoleUser": {"assumedRoleId": session["assumed_role_id"],
                                       "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/"
                                              f"{role_arn.rsplit('/', 1)[-1]}/{name}"}})


def _moto_session(sts: Any, role_arn: str, name: str) -> dict[str, str]:
    got = sts.assume_role(RoleArn=role_arn, RoleSessionName=name)
    return {"key_id": got["Credentials"]["AccessKeyId"],
            "assumed_role_id": got["AssumedRoleUser"]["AssumedRoleId"], "role_arn": role_arn}


def build_story(moto: Any, tag: str, seed: int = 7) -> Story:
    """Create the IAM side in moto (auth off while setting up) and the trail records."""
    random.seed(seed)
    rng = random.Random(seed)
    ci_user, persist_user = f"ci-deployer-{tag}", f"ops-backup-{tag}"
    node_role, reader_role, deploy_role = f"eks-node-role-{tag}", f"data-reader-{tag}", f"ci-deploy-{tag}"
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*", "Service": "ec2.amazonaws.com"},
         "Action": "sts:AssumeRole"}]})
    with moto.admin() as (iam, _):
        iam.create_user(UserName=ci_user)
        key = iam.create_access_key(UserName=ci_user)["AccessKey"]
        iam.create_user(UserName=persist_user)
        node_arn = iam.create_role(RoleName=node_role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        iam.create_instance_profile(InstanceProfileName=f"{node_role}-profile")
        iam.add_role_to_instance_profile(InstanceProfileName=f"{node_role}-profile", RoleName=node_role)
        reader_arn = iam.create_role(RoleName=reader_role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        deploy_arn = iam.create_role(RoleName=deploy_role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        slr = iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com",
                                             CustomSuffix=tag)["Role"]
        # The persistence the attacker leaves behind, made real in IAM.
        created = iam.create_access_key(UserName=persist_user)["AccessKey"]["AccessKeyId"]
        iam.create_login_profile(UserName=persist_user, Password="Not-a-real-password-1!")
    # The attacker's role sessions and session token: real STS answers, made with the leaked key.
    ci_creds = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"],
                "region_name": "us-east-1", "endpoint_url": moto.moto_url}
    with moto.admin():
        sts = boto3.client("sts", **ci_creds)
        attacker = _moto_session(sts, node_arn, "node-maintenance")
        admin_sts = boto3.client("sts", aws_access_key_id="AKIAQYLPMN5HTESTADMN",
                                 aws_secret_access_key="x", region_name="us-east-1",
                                 endpoint_url=moto.moto_url)
        chained = _moto_session(admin_sts, reader_arn, "reader")
        nodes = [_moto_session(admin_sts, node_arn, f"i-0{rng.getrandbits(60):015x}") for _ in range(4)]
        deploy_id = _moto_session(admin_sts, deploy_arn, "probe")["assumed_role_id"].split(":")[0]
    # moto answers GetSessionToken with one fixed example key ID, so the session
    # token's ID is made here; so are the CI's own sessions (one per CI run).
    token = fake_key_id(rng)
    ci_sessions = [{"key_id": fake_key_id(rng), "assumed_role_id": f"{deploy_id}:gha-{n}",
                    "role_arn": deploy_arn} for n in range(3 * 28)]
    story = Story(
        ci_user=ci_user, ci_key=key["AccessKeyId"], ci_secret=key["SecretAccessKey"],
        node_role=node_role, node_role_arn=node_arn, reader_role_arn=reader_arn,
        slr_arn=slr["Arn"], persist_user=persist_user, attacker_session=attacker,
        chained_session=chained, token_session={"key_id": token}, slr_session_key=fake_key_id(rng),
        created_key=created, legit_node_sessions=nodes, legit_ci_sessions=ci_sessions,
    )
    story.records = _trail_records(story, rng, deploy_arn)
    return story


def _trail_records(s: Story, rng: random.Random, deploy_arn: str) -> list[dict[str, Any]]:
    recs: list[dict[str, Any]] = []
    ci = _identity_user(s.ci_user, s.ci_key)
    day = START
    n = 0
    while day < END:
        # Legitimate CI: three runs a day from the CI's IPs, before and after the exposure.
        for hour in (10, 14, 18):
            when = day + timedelta(hours=hour, minutes=rng.randrange(50))
            ip = CI_IPS[n % 2]
            region = REGIONS[n % 2]
            recs.append(record(when, "sts.amazonaws.com", "GetCallerIdentity", ci, ip, CI_UA, region))
            session = s.legit_ci_sessions[n]
            recs.append(_assume_record(when + timedelta(seconds=5), ci, ip, CI_UA, deploy_arn, session, region))
            ident = _identity_session(session)
            recs.append(record(when + timedelta(seconds=20), "eks.amazonaws.com", "DescribeCluster",
                               ident, ip, CI_UA, region, {"name": "prod"}))
            recs.append(record(when + timedelta(seconds=40), "s3.amazonaws.com", "PutObject", ci, ip,
                               CI_UA, region, {"bucketName": "acme-artifacts", "key": f"build/{n}.tgz"},
                               data=True))
            n += 1
        # The EKS nodes: their own sessions of the node role, from inside the VPC.
        node = s.legit_node_sessions[day.day % len(s.legit_node_sessions)]
        ec2 = {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}
        recs.append(_assume_record(day + timedelta(hours=3), ec2, "ec2.amazonaws.com", "ec2.amazonaws.com",
                                   s.node_role_arn, node))
        recs.append(record(day + timedelta(hours=3, minutes=2), "ecr.amazonaws.com", "GetAuthorizationToken",
                           _identity_session(node), f"10.0.{day.day}.17", "aws-sdk-go/1.50.0", "us-east-1"))
        # Someone else's work, unrelated to the key.
        other = fake_key_id(rng, "AKIA")
        for k in range(5):
            recs.append(record(day + timedelta(hours=5, minutes=k), "ec2.amazonaws.com", "DescribeInstances",
                               _identity_user("alice", other), "192.0.2.10", "console.amazonaws.com",
                               REGIONS[k % 2]))
        day += timedelta(days=1)

    # The attack, from new places.
    t = ATTACK
    a_ip, b_ip = ATTACKER_IPS
    recs.append(record(t, "sts.amazonaws.com", "GetCallerIdentity", ci, a_ip, ATTACKER_UA))
    recs.append(record(t + timedelta(minutes=1), "s3.amazonaws.com", "ListBuckets", ci, a_ip, ATTACKER_UA))
    recs.append(record(t + timedelta(minutes=2), "iam.amazonaws.com", "ListUsers", ci, a_ip, ATTACKER_UA,
                       error="AccessDenied"))
    attacker = dict(s.attacker_session, issued=ct_time(t + timedelta(minutes=5)))
    recs.append(_assume_record(t + timedelta(minutes=5), ci, a_ip, ATTACKER_UA, s.node_role_arn, attacker))
    session = _identity_session(attacker)
    recs.append(record(t + timedelta(minutes=9), "s3.amazonaws.com", "ListObjectsV2", session, a_ip,
                       ATTACKER_UA, request={"bucketName": "acme-backups", "prefix": "backups/"}, data=True))
    recs.append(record(t + timedelta(minutes=10), "s3.amazonaws.com", "GetObject", session, a_ip, ATTACKER_UA,
                       request={"bucketName": "acme-backups", "key": "backups/db.sql.gz"}, data=True))
    recs.append(record(t + timedelta(minutes=12), "s3.amazonaws.com", "GetObject", session, b_ip, ATTACKER_UA,
                       request={"bucketName": "acme-tfstate", "key": "env/prod.tfstate",
                                "versionId": "3HL4kqtJlcpXroDTDmJ"}, data=True))
    recs.append(record(t + timedelta(minutes=15), "iam.amazonaws.com", "CreateAccessKey", session, b_ip,
                       ATTACKER_UA, request={"userName": s.persist_user},
                       response={"accessKey": {"accessKeyId": s.created_key, "userName": s.persist_user,
                                               "status": "Active"}}))
    recs.append(record(t + timedelta(minutes=16), "iam.amazonaws.com", "CreateLoginProfile", session, b_ip,
                       ATTACKER_UA, request={"userName": s.persist_user, "passwordResetRequired": False}))
    recs.append(record(t + timedelta(minutes=17), "iam.amazonaws.com", "AttachUserPolicy", session, b_ip,
                       ATTACKER_UA, request={"userName": s.persist_user,
                                             "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}))
    chained = dict(s.chained_session, issued=ct_time(t + timedelta(minutes=20)))
    recs.append(_assume_record(t + timedelta(minutes=20), session, b_ip, ATTACKER_UA, s.reader_role_arn, chained))
    recs.append(record(t + timedelta(minutes=22), "secretsmanager.amazonaws.com", "GetSecretValue",
                       _identity_session(chained), b_ip, ATTACKER_UA, "eu-west-1", {"secretId": "prod/db"}))
    # A session token for the user, and an (impossible in real AWS, here to be refused)
    # session of a service-linked role.
    recs.append(record(t + timedelta(minutes=25), "sts.amazonaws.com", "GetSessionToken", ci, a_ip, ATTACKER_UA,
                       request={"durationSeconds": 3600},
                       response={"credentials": {"accessKeyId": s.token_session["key_id"],
                                                 "expiration": expiry(t + timedelta(minutes=85))}}))
    recs.append(record(t + timedelta(minutes=27), "ec2.amazonaws.com", "DescribeInstances",
                       {"type": "IAMUser", "accessKeyId": s.token_session["key_id"], "userName": s.ci_user,
                        "arn": f"arn:aws:iam::{ACCOUNT}:user/{s.ci_user}", "accountId": ACCOUNT},
                       a_ip, ATTACKER_UA))
    slr = {"key_id": s.slr_session_key, "role_arn": s.slr_arn,
           "assumed_role_id": "AROA" + "SLR" * 4 + "QQQQ:probe"}
    recs.append(_assume_record(t + timedelta(minutes=30), ci, a_ip, ATTACKER_UA, s.slr_arn, slr))
    recs.sort(key=lambda r: r["eventTime"])
    return recs


def write_trail(records: list[dict[str, Any]], put: Any, per_file: int = 40) -> int:
    """Group records into files per region and delivery slot (CloudTrail's layout);
    ``put(key, path_or_bytes_writer)`` stores each. Returns the number of files."""
    groups: dict[tuple[str, datetime], list[dict[str, Any]]] = {}
    for rec in records:
        when = datetime.strptime(rec["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        slot = when.replace(minute=(when.minute // 15) * 15, second=0) + timedelta(minutes=15)
        groups.setdefault((rec["awsRegion"], slot), []).append(rec)
    count = 0
    for (region, slot), recs in sorted(groups.items()):
        for i in range(0, len(recs), per_file):
            key = trail_key(ACCOUNT, region, slot, f"{count:08d}", org=ORG)
            put(key, recs[i:i + per_file])
            count += 1
    return count


def upload_trail(story: Story, s3: Any, bucket: str, tmp: Any) -> int:
    s3.create_bucket(Bucket=bucket)
    story.trail_bucket = bucket

    def put(key: str, recs: list[dict[str, Any]]) -> None:
        path = tmp / "upload.json.gz"
        write_trail_file(path, recs)
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())

    return write_trail(story.records, put)


def export_trail(story: Story, root: Any) -> int:
    return write_trail(story.records, lambda key, recs: write_trail_file(root / key, recs))


# --- a recording proxy for every AWS call --------------------------------------------------

_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")


@dataclass
class Seen:
    """Every request the proxy forwarded: signing key ID, service, and raw text."""

    requests: list[tuple[str, str, str]] = field(default_factory=list)  # key id, service, method+path
    raw: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self.raw.clear()


def recording_proxy(target_port: int, seen: Seen) -> ThreadingHTTPServer:
    """Forwards any method to moto and keeps the whole request (headers and body)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            match = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            with seen.lock:
                seen.requests.append((match.group(1) if match else "", match.group(3) if match else "",
                                      f"{self.command} {self.path}"))
                seen.raw.append(str(self.headers).encode() + self.path.encode() + body)
            conn = http.client.HTTPConnection("127.0.0.1", target_port, timeout=30)
            conn.request(self.command, self.path, body=body or None,
                         headers={k: v for k, v in self.headers.items()})
            response = conn.getresponse()
            data = response.read()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server
