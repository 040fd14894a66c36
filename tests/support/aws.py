"""A real STS on loopback for the verification tests.

moto's ThreadedMotoServer runs on 127.0.0.1 with IAM authentication enforced,
so a deleted key, a wrong secret and a live key get the answers real STS
gives. In front of it sits a recording proxy, also on 127.0.0.1: the verifier
is pointed at the proxy, which notes the access key ID of every signed
request it forwards. That is how the tests prove a canary key was never sent.
Set-up calls (creating users and keys) go straight to moto, unrecorded.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pygit2
import pytest
from moto.server import ThreadedMotoServer

from scanner.model import Finding

_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/\d{8}/([a-z0-9-]+)/")
ROLE_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)


@dataclass
class Recorder:
    """What reached the proxy: (access key ID, region) per request."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    # Key ID -> [error code, times]: the proxy answers that STS error instead
    # of forwarding, ``times`` times (None: always). moto never throttles or
    # expires a session token, so these answers are injected here.
    fail: dict[str, list] = field(default_factory=dict)
    # Seconds the proxy waits before forwarding: a slow or far-away endpoint.
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, key_id: str) -> int:
        with self.lock:
            return sum(1 for k, _ in self.requests if k == key_id)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self.fail.clear()
            self.delay = 0.0


def _error_body(code: str) -> bytes:
    return (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
        f"<Type>Sender</Type><Code>{code}</Code><Message>injected by the test proxy</Message>"
        "</Error><RequestId>0</RequestId></ErrorResponse>"
    ).encode()


def _proxy(target_port: int, recorder: Recorder) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            match = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            key_id = match.group(1) if match else ""
            with recorder.lock:
                recorder.requests.append((key_id, match.group(2) if match else ""))
                injected = recorder.fail.get(key_id)
                code = None
                if injected and (injected[1] is None or injected[1] > 0):
                    code = injected[0]
                    if injected[1] is not None:
                        injected[1] -= 1
            if recorder.delay:
                time.sleep(recorder.delay)
            if code:
                body = _error_body(code)
                self.send_response(400 if code != "ExpiredToken" else 403)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            conn = http.client.HTTPConnection("127.0.0.1", target_port, timeout=10)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            headers["Host"] = self.headers.get("Host", "")
            conn.request("POST", self.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in (
                    "content-length",
                    "transfer-encoding",
                    "connection",
                    "server",
                    "date",
                ):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    ).start()
    return server


def set_moto_auth(moto_url: str, value: str) -> None:
    """moto's auth switch: "0" enforces IAM auth (and bucket policies) from
    the next request on, "inf" turns it off. Process-wide."""
    request = urllib.request.Request(
        f"{moto_url}/moto-api/reset-auth",
        data=value.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


ADMIN_CREDS = {
    "aws_access_key_id": "AKIAQYLPMN5HTESTADMN",
    "aws_secret_access_key": "admin-secret-not-checked-while-auth-is-off",
}


@contextmanager
def moto_admin(moto_url: str, *services: str, region: str = "us-east-1") -> Iterator[tuple]:
    """Clients for set-up with auth off; auth is enforced again after."""
    set_moto_auth(moto_url, "inf")
    try:
        yield tuple(
            boto3.client(s, region_name=region, endpoint_url=moto_url, **ADMIN_CREDS)
            for s in services
        )
    finally:
        set_moto_auth(moto_url, "0")


def versioned_bucket_and_reader(moto_url: str, bucket: str, user: str) -> tuple[str, str]:
    """A versioned bucket and an IAM user allowed all of S3 (the credentials a
    scan of that bucket runs with): (access key id, secret access key)."""
    with moto_admin(moto_url, "iam", "s3") as (iam, s3):
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return key["AccessKeyId"], key["SecretAccessKey"]


@contextmanager
def canned_sts(status: int, content_type: str, body: bytes) -> Iterator[tuple[str, list[str]]]:
    """A loopback "STS" that answers every POST with one canned response (a
    firewall page, a malformed 200, ...): yields its URL and the User-Agent
    of each request it got."""
    agents: list[str] = []

    class Canned(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            agents.append(self.headers.get("User-Agent", ""))
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", agents
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class MotoSts:
    moto_url: str  # set-up calls, unrecorded
    endpoint: str  # what the verifier is given: the recording proxy
    recorder: Recorder

    def _set_auth(self, value: str) -> None:
        set_moto_auth(self.moto_url, value)

    @contextmanager
    def admin(self, region: str = "us-east-1") -> Iterator[tuple[object, object]]:
        """IAM and STS clients for set-up, with auth off; auth is enforced again after."""
        self._set_auth("inf")
        creds = {
            "aws_access_key_id": "AKIAQYLPMN5HTESTADMN",
            "aws_secret_access_key": "admin-secret-not-checked-while-auth-is-off",
            "region_name": region,
            "endpoint_url": self.moto_url,
        }
        try:
            yield boto3.client("iam", **creds), boto3.client("sts", **creds)
        finally:
            self._set_auth("0")

    def create_user_key(self, user: str, region: str = "us-east-1") -> tuple[str, str]:
        with self.admin(region) as (iam, _):
            iam.create_user(UserName=user)
            key = iam.create_access_key(UserName=user)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def delete_key(self, user: str, key_id: str) -> None:
        with self.admin() as (iam, _):
            iam.delete_access_key(UserName=user, AccessKeyId=key_id)

    def assume_role(self, role: str) -> tuple[str, str, str]:
        with self.admin() as (iam, sts):
            arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=ROLE_TRUST)["Role"]["Arn"]
            creds = sts.assume_role(RoleArn=arn, RoleSessionName=f"{role}-session")["Credentials"]
        return creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]


@pytest.fixture(scope="session")
def moto_server() -> Iterator[tuple[str, int]]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield host, port
    finally:
        # moto's auth switch is process-wide: leave it off for any later moto user.
        MotoSts(f"http://{host}:{port}", "", Recorder())._set_auth("inf")
        server.stop()


def hide_machine_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from this machine may configure boto3: no profile, no files, no IMDS."""
    import os

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def moto_sts(moto_server: tuple[str, int], monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoSts]:
    """A fresh recorder in front of the shared moto server, with the machine's AWS set-up hidden."""
    hide_machine_aws(monkeypatch)
    host, port = moto_server
    recorder = Recorder()
    proxy = _proxy(port, recorder)
    sts = MotoSts(
        moto_url=f"http://{host}:{port}",
        endpoint=f"http://127.0.0.1:{proxy.server_address[1]}",
        recorder=recorder,
    )
    sts._set_auth("0")
    try:
        yield sts
    finally:
        proxy.shutdown()
        proxy.server_close()


# --- repositories -----------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "Dev One",
        "GIT_AUTHOR_EMAIL": "dev@example.test",
        "GIT_COMMITTER_NAME": "Dev One",
        "GIT_COMMITTER_EMAIL": "dev@example.test",
        "GIT_AUTHOR_DATE": "2026-01-02T03:04:05+00:00",
        "GIT_COMMITTER_DATE": "2026-01-02T03:04:05+00:00",
        "HOME": str(repo),
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def make_repo(root: Path, files: dict[str, str], message: str = "add config") -> str:
    """Create (or add a commit to) a repository at ``root``; returns the commit id."""
    if not (root / ".git").exists():
        root.mkdir(parents=True, exist_ok=True)
        git(root, "init", "-q", "-b", "main")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        git(root, "add", name)
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


_AWS_PATTERNS = {
    "aws-access-key-id": re.compile(rb"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b"),
    "aws-secret-access-key": re.compile(
        rb"secret_access_key\s*[=:]\s*\"?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
    ),
    "aws-session-token": re.compile(rb"session_token\s*[=:]\s*\"?([A-Za-z0-9/+=]{100,})"),
}


def redact(secret: bytes) -> str:
    text = secret.decode()
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def findings_in(root: Path, commit: str | None = None) -> list[Finding]:
    """The AWS findings a scan of ``commit`` would make: a stand-in for the scanner
    so that verification is tested on its own, with the same Finding values.
    Each finding is attributed to the commit that first added its path."""
    repo = pygit2.Repository(str(root))
    commit_obj = repo.revparse_single(commit or "HEAD")
    out: list[Finding] = []

    def walk(tree: pygit2.Tree, prefix: str) -> None:
        for entry in tree:
            path = f"{prefix}{entry.name}"
            obj = repo[entry.id]
            if isinstance(obj, pygit2.Tree):
                walk(obj, path + "/")
                continue
            data = obj.data
            for rule, pattern in _AWS_PATTERNS.items():
                for m in pattern.finditer(data):
                    start, end = m.span(1)
                    line = data.count(b"\n", 0, start) + 1
                    introduced = git(
                        root, "log", "--reverse", "--format=%H", str(commit_obj.id), "--", path
                    ).split()[0]
                    out.append(
                        Finding(
                            rule=rule,
                            description=rule,
                            severity="high",
                            confidence="high",
                            secret=redact(m.group(1)),
                            fingerprint=f"{rule}:{obj.id}:{start}",
                            secret_hash=f"h-{rule}-{start}",
                            path=path,
                            line=line,
                            column=1,
                            end_line=line,
                            end_column=1,
                            blob=str(obj.id),
                            span=(start, end),
                            entropy=4.0,
                            reachable=True,
                            commit=introduced,
                            author="Dev One",
                            email="dev@example.test",
                            date="2026-01-02T03:04:05+00:00",
                        )
                    )

    walk(commit_obj.tree, "")
    return out


def credentials_file(key_id: str, secret: str, token: str | None = None) -> str:
    text = f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"
    if token:
        text += f"aws_session_token = {token}\n"
    return text
