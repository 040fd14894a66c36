"""scan s3://: every object version, against a real S3 API (moto server on
loopback, IAM auth and bucket policies enforced)."""

from __future__ import annotations

import bz2
import gzip
import http.client
import io
import itertools
import json
import subprocess
import sys
import threading
import zipfile
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from corpus.fakegen import Fake
from scanner.sources.s3 import S3ScanOptions, load_object_list, make_client, scan_s3
from scanner.state.s3 import S3State
from tests.support.aws import (  # noqa: F401 - fixture
    hide_machine_aws,
    moto_admin,
    moto_server,
    versioned_bucket_and_reader,
)
from tests.support.tfstate import db_password_state

_names = itertools.count()
FAKE = Fake("s3-scan")


@dataclass
class World:
    url: str  # moto, straight
    bucket: str
    key_id: str
    secret: str

    def client(self, endpoint: str | None = None):  # noqa: ANN201
        # As the CLI builds it: botocore's own retries off, ours counted.
        return make_client(endpoint or self.url, aws_access_key_id=self.key_id,
                           aws_secret_access_key=self.secret)


@pytest.fixture
def world(moto_server, monkeypatch) -> World:  # noqa: F811 - fixture
    hide_machine_aws(monkeypatch)
    host, port = moto_server
    url = f"http://{host}:{port}"
    n = next(_names)
    bucket, user = f"tf-state-{n}", f"scanner-{n}"
    return World(url, bucket, *versioned_bucket_and_reader(url, bucket, user))


def put(world: World, key: str, body: bytes) -> str:
    with moto_admin(world.url, "s3") as (s3,):
        return s3.put_object(Bucket=world.bucket, Key=key, Body=body)["VersionId"]


def test_every_version_deleted_objects_gz_and_a_denied_object(world, tmp_path):
    pw1, pw2 = FAKE.password(22), FAKE.password(22)
    v1 = put(world, "env/prod.tfstate", db_password_state(pw1, 1))
    v2 = put(world, "env/prod.tfstate", db_password_state(pw2, 2))
    dsn = f"postgres://backup:{FAKE.password(18)}@db.internal:5432/app"
    put(world, "backups/app.sql.gz", gzip.compress(f"-- dump\n-- {dsn}\n".encode()))
    token = FAKE.crc_token("ghp_")
    put(world, "ci/old.env", f"GITHUB_TOKEN={token}\n".encode())
    with moto_admin(world.url, "s3") as (s3,):
        s3.delete_object(Bucket=world.bucket, Key="ci/old.env")  # a delete marker now
        s3.put_bucket_policy(Bucket=world.bucket, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{world.bucket}/secret/*"}]}))
    put(world, "secret/locked.txt", b"password=" + FAKE.password(20).encode())
    put(world, "noise/readme.txt", b"nothing to see\n")

    result = scan_s3(f"s3://{world.bucket}", S3ScanOptions(client=world.client(), jobs=4))

    rds = [f for f in result.findings if f.extra.get("address") == "aws_db_instance.main.password"]
    assert {f.extra["version_id"] for f in rds} == {v1, v2}
    by_version = {f.extra["version_id"]: f for f in rds}
    assert by_version[v2].in_head is True and by_version[v1].in_head is False
    assert all(f.path == f"s3://{world.bucket}/env/prod.tfstate" for f in rds)
    assert all(f.extra["etag"] and f.extra["size"] > 0 and f.extra["last_modified"]
               and f.extra["storage_class"] == "STANDARD" for f in rds)
    assert pw1 not in json.dumps([f.to_dict() for f in result.findings])  # redacted

    dump = [f for f in result.findings if f.extra["key"] == "backups/app.sql.gz"]
    assert [f.rule for f in dump] == ["database-url-password"]
    assert dump[0].extra["compression"] == "gzip"

    gone = [f for f in result.findings if f.extra["key"] == "ci/old.env"]
    assert gone and gone[0].in_head is False and gone[0].extra["deleted"] is True

    assert [(e.kind, e.path) for e in result.errors] == [
        ("access-denied", f"s3://{world.bucket}/secret/locked.txt")]
    assert result.exit_code == 2
    assert result.s3.delete_markers == 1 and result.stats.blobs_total == 6
    assert result.stats.blobs_scanned == 5  # all but the denied one


def test_latest_only_include_exclude_zip_bz2_and_size_limit(world):
    pw1, pw2 = FAKE.password(22), FAKE.password(22)
    put(world, "env/prod.tfstate", db_password_state(pw1, 1))
    put(world, "env/prod.tfstate", db_password_state(pw2, 2))
    member = io.BytesIO()
    with zipfile.ZipFile(member, "w") as archive:
        archive.writestr("dist/terraform.tfstate.backup", db_password_state(FAKE.password(22), 9))
    put(world, "artifacts/build.zip", member.getvalue())
    put(world, "artifacts/state.tfstate.bz2", bz2.compress(db_password_state(FAKE.password(22), 3)))
    put(world, "big/blob.tfstate", db_password_state(FAKE.password(22), 4) + b" " * 5000)
    put(world, "logs/app.log", b"password=" + FAKE.password(20).encode())

    result = scan_s3(f"s3://{world.bucket}", S3ScanOptions(
        client=world.client(), latest_only=True, exclude=["logs/*"], max_object_size=4096))
    where = sorted((f.path, f.extra.get("compression")) for f in result.findings)
    assert where == [
        (f"s3://{world.bucket}/artifacts/build.zip!dist/terraform.tfstate.backup", "zip"),
        (f"s3://{world.bucket}/artifacts/state.tfstate.bz2", "bzip2"),
        (f"s3://{world.bucket}/env/prod.tfstate", None),
    ]
    assert result.stats.skipped_too_large == 1 and result.s3.skipped_filtered == 1
    assert result.exit_code == 1

    prefixed = scan_s3(f"s3://{world.bucket}/env/", S3ScanOptions(client=world.client()))
    assert {f.extra["key"] for f in prefixed.findings} == {"env/prod.tfstate"}
    assert len(prefixed.findings) == 2


def test_binary_and_archived_objects_are_skipped_and_counted(world):
    put(world, "img/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"password=" + b"\0" * 64)
    with moto_admin(world.url, "s3") as (s3,):
        s3.put_object(Bucket=world.bucket, Key="old/2019.tfstate", Body=db_password_state(FAKE.password(22), 1),
                      StorageClass="GLACIER")
    put(world, "env/prod.tfstate", db_password_state(FAKE.password(22), 2))
    result = scan_s3(f"s3://{world.bucket}", S3ScanOptions(client=world.client()))
    assert [f.extra["key"] for f in result.findings] == ["env/prod.tfstate"]
    assert result.stats.skipped_binary == 1 and result.s3.skipped_archived == 1
    assert result.errors == [] and result.exit_code == 1
    assert result.to_dict()["s3"]["skipped_archived"] == 1


def test_incremental_state_reads_only_new_versions(world, tmp_path):
    db = tmp_path / "state.sqlite3"
    put(world, "env/prod.tfstate", db_password_state(FAKE.password(22), 1))
    put(world, "noise/a.txt", b"hello\n")
    def run():  # noqa: ANN202 - a run as the CLI makes it: open, scan, close
        with S3State(db) as seen:
            return scan_s3(f"s3://{world.bucket}", S3ScanOptions(client=world.client(), state=seen))

    first = run()
    assert len(first.findings) == 1 and first.stats.blobs_scanned == 2
    again = run()
    assert again.findings == [] and again.stats.blobs_scanned == 0
    assert again.s3.skipped_unchanged == 2
    v3 = put(world, "env/prod.tfstate", db_password_state(FAKE.password(22), 2))
    third = run()
    assert third.stats.blobs_scanned == 1
    assert [f.extra["version_id"] for f in third.findings] == [v3]
    import sqlite3

    rows = sqlite3.connect(db).execute("SELECT count(*), max(finding) FROM s3_findings").fetchone()
    assert rows[0] == 2 and "password" in rows[1]


def test_a_parser_change_makes_the_incremental_scan_read_every_version_again(world, tmp_path,
                                                                             monkeypatch):
    from scanner.engine import terraform_state
    from scanner.engine.rules import RuleSet, default_rules

    db = tmp_path / "state.sqlite3"
    put(world, "env/prod.tfstate", db_password_state(FAKE.password(22), 1))
    put(world, "env/prod.tfstate", db_password_state(FAKE.password(22), 2))

    def run():  # noqa: ANN202 - a fresh rule set each run, as a new process builds it
        base = default_rules()
        rules = RuleSet(base.rules, base.allowlists, base.parsed)
        with S3State(db) as seen:
            return scan_s3(f"s3://{world.bucket}",
                           S3ScanOptions(client=world.client(), state=seen, ruleset=rules))

    assert run().stats.blobs_scanned == 2
    assert run().s3.skipped_unchanged == 2
    monkeypatch.setattr(terraform_state, "PARSER_VERSION", terraform_state.PARSER_VERSION + "-new")
    again = run()
    assert again.stats.blobs_scanned == 2 and again.s3.skipped_unchanged == 0
    assert len(again.findings) == 2


def test_the_state_file_never_holds_a_secret_even_with_no_redact(world, tmp_path):
    # --no-redact shows secrets in the report the user asked for; the state
    # file keeps only fingerprints and keyed hashes, whatever the report shows.
    import sqlite3

    db = tmp_path / "state.sqlite3"
    password = FAKE.password(22)
    put(world, "env/prod.tfstate", db_password_state(password, 1))
    with S3State(db) as seen:
        result = scan_s3(f"s3://{world.bucket}",
                         S3ScanOptions(client=world.client(), state=seen, redact=False))
    assert [f.secret for f in result.findings] == [password]
    rows = sqlite3.connect(db).execute("SELECT finding FROM s3_findings").fetchall()
    assert len(rows) == 1 and password not in rows[0][0]
    assert password.encode() not in db.read_bytes()


def test_objects_from_scans_exactly_those_versions(world, tmp_path):
    v1 = put(world, "env/prod.tfstate", db_password_state(FAKE.password(22), 1))
    put(world, "env/prod.tfstate", db_password_state(FAKE.password(22), 2))
    put(world, "other.tfstate", db_password_state(FAKE.password(22), 3))
    listing = tmp_path / "investigation.json"
    listing.write_text(json.dumps({"key": "AKIA...", "objects_read": [
        {"bucket": world.bucket, "key": "env/prod.tfstate", "version_id": v1,
         "read_at": "2026-03-01T02:03:04Z", "source_ip": "203.0.113.7"},
        {"bucket": world.bucket, "key": "env/gone.tfstate", "version_id": "nope"}]}))
    objects = load_object_list(listing)
    result = scan_s3(f"s3://{world.bucket}", S3ScanOptions(client=world.client(), objects=objects))
    assert [(f.extra["version_id"], f.extra["source_ip"]) for f in result.findings] == [
        (v1, "203.0.113.7")]
    assert result.findings[0].in_head is None  # the read did not say whether it is current
    assert result.findings[0].extra["rotate"] == (
        f"rotate the password of aws_db_instance.main: it was in env/prod.tfstate version {v1}, "
        "read at 2026-03-01T02:03:04Z from 203.0.113.7")
    assert result.s3.vanished == 1 and "env/gone.tfstate" in result.notes[0]
    from scanner.report.text_report import render_text

    assert "rotate the password of aws_db_instance.main: it was in env/prod.tfstate" in \
        render_text(result, color=False)


def _throttling_proxy(target: int, failures: int) -> tuple[ThreadingHTTPServer, list[int]]:
    """Forwards to moto, but answers the first ``failures`` object reads with
    503 SlowDown, the way S3 sheds load."""
    left = [failures]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            is_read = self.command == "GET" and "versions" not in self.path \
                and "list-type" not in self.path and self.path.count("/") >= 2
            with lock:
                throttle = is_read and left[0] > 0
                if throttle:
                    left[0] -= 1
            if throttle:
                data = (b'<?xml version="1.0"?><Error><Code>SlowDown</Code>'
                        b"<Message>Please reduce your request rate.</Message></Error>")
                self.send_response(503)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            conn = http.client.HTTPConnection("127.0.0.1", target, timeout=10)
            conn.request(self.command, self.path, body=body or None, headers=dict(self.headers))
            response = conn.getresponse()
            data = response.read()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("content-length", "transfer-encoding", "connection",
                                        "server", "date"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_PUT = do_HEAD = do_POST = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                     daemon=True).start()
    return server, left


def test_a_throttling_burst_is_retried_with_backoff(world, moto_server):  # noqa: F811
    for i in range(6):
        put(world, f"env/{i}.tfstate", db_password_state(FAKE.password(22), i))
    proxy, left = _throttling_proxy(moto_server[1], failures=10)
    try:
        client = world.client(f"http://127.0.0.1:{proxy.server_address[1]}")
        result = scan_s3(f"s3://{world.bucket}", S3ScanOptions(client=client, jobs=3,
                                                               backoff=0.01))
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert left[0] == 0 and result.s3.retries >= 10
    assert result.errors == [] and len(result.findings) == 6


def test_the_cli_scans_a_bucket_and_exits_2_on_a_denied_object(world, tmp_path, monkeypatch):
    put(world, "env/prod.tfstate", db_password_state(FAKE.password(22), 1))
    with moto_admin(world.url, "s3") as (s3,):
        s3.put_bucket_policy(Bucket=world.bucket, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{world.bucket}/locked/*"}]}))
    put(world, "locked/x.tfstate", b"{}")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": world.key_id,
           "AWS_SECRET_ACCESS_KEY": world.secret, "AWS_ENDPOINT_URL_S3": world.url,
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", f"s3://{world.bucket}",
                           "--format", "json", "-o", str(out)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    report = json.loads(out.read_text())
    assert [f["address"] for f in report["findings"]] == ["aws_db_instance.main.password"]
    assert report["errors"][0]["kind"] == "access-denied"
    assert "scan incomplete" in proc.stderr
    text = subprocess.run([sys.executable, "-m", "scanner", "scan", f"s3://{world.bucket}/env/"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert text.returncode == 1, text.stderr
    assert "aws_db_instance.main.password" in text.stdout and "version" in text.stdout
    # The confidence floor keeps the report's count true (s3:// once had its
    # own copy of the filter that left dropped findings counted).
    put(world, "env/deploy.sh", b'curl -H "Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0" '
                                b"https://api.internal\n")
    floored = tmp_path / "floored.json"
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", f"s3://{world.bucket}/env/",
                           "--min-confidence", "high", "--format", "json", "-o", str(floored)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(floored.read_text())
    assert [f["rule"] for f in report["findings"]] == ["terraform-state-attribute"]
    assert report["stats"]["findings"] == 1


def test_the_cli_applies_the_working_directorys_project_files_to_a_bucket(world, tmp_path):
    put(world, "env/prod.tfstate", db_password_state(FAKE.password(22), 1))
    put(world, "noise/fixture.env", f"GITHUB_TOKEN={FAKE.crc_token('ghp_')}\n".encode())
    put(world, "ci/deploy.env", f"GITHUB_TOKEN={FAKE.crc_token('ghp_')}\n".encode())
    put(world, "ci/release.env", f"GITHUB_TOKEN={FAKE.crc_token('ghp_')}\n".encode())
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": world.key_id,
           "AWS_SECRET_ACCESS_KEY": world.secret, "AWS_ENDPOINT_URL_S3": world.url,
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}

    def scan(cwd: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict, Path]:
        out = tmp_path / f"report-{next(_names)}.json"
        proc = subprocess.run([sys.executable, "-m", "scanner", "scan", f"s3://{world.bucket}",
                               "--format", "json", "-o", str(out), *args], cwd=cwd,
                              env=env, capture_output=True, text=True, timeout=120)
        return proc, json.loads(out.read_text()) if out.exists() else {}, out

    bare = tmp_path / "bare"
    bare.mkdir()
    proc, first, first_path = scan(bare)
    assert proc.returncode == 1, proc.stderr
    keys = sorted(f["key"] for f in first["findings"])
    assert keys == ["ci/deploy.env", "ci/release.env", "env/prod.tfstate", "noise/fixture.env"]
    deploy = next(f for f in first["findings"] if f["key"] == "ci/deploy.env")

    # A project: its config disables the parser's rule id and allowlists a
    # key prefix; its ignore file hides one secret; run from a subdirectory.
    project = tmp_path / "infra"
    (project / ".git").mkdir(parents=True)
    (project / "docs").mkdir()
    (project / ".leakwarden.toml").write_text(
        'disable_rules = ["terraform-state-attribute"]\n'
        "[[allowlists]]\npaths = ['^noise/']\n")
    (project / ".leakwardenignore").write_text(f"{deploy['secret_hash']}\n")
    proc, report, _ = scan(project / "docs")
    assert proc.returncode == 1, proc.stderr
    assert [f["key"] for f in report["findings"]] == ["ci/release.env", "env/prod.tfstate"]
    # the password is left to the byte rules, without its resource address
    assert "terraform-state-attribute" not in {f["rule"] for f in report["findings"]}
    # what the path allowlist hid is listed, as in a git scan
    assert sorted((s["suppressed_by"]["kind"], s["key"]) for s in report["suppressed"]) == [
        ("allowlist", "noise/fixture.env"), ("ignore-file", "ci/deploy.env")]
    assert "using configuration" in proc.stderr

    # A baseline (an earlier report) hides the rest; --config from anywhere.
    proc, report, _ = scan(bare, "--baseline", str(first_path))
    assert proc.returncode == 0, proc.stderr
    assert report["findings"] == []
    own = tmp_path / "own.toml"
    own.write_text('enable_rules = ["terraform-state-attribute"]\n')
    proc, report, _ = scan(bare, "--config", str(own))
    assert [f["rule"] for f in report["findings"]] == ["terraform-state-attribute"]
    proc, _, _ = scan(bare, "--range", "a..b")
    assert proc.returncode == 2 and "not for s3://" in proc.stderr


def test_make_client_honours_the_endpoint_environment(monkeypatch):
    hide_machine_aws(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    assert make_client(no_sign_request=True).meta.endpoint_url == "http://127.0.0.1:9"


def test_bad_urls_and_object_lists_are_clear_errors(tmp_path):
    from scanner.sources.s3 import S3SetupError, parse_s3_url

    with pytest.raises(S3SetupError, match="no bucket"):
        parse_s3_url("s3://")
    bad = tmp_path / "x.json"
    bad.write_text('[{"key": "a"}]')
    with pytest.raises(S3SetupError, match="needs 'bucket' and 'key'"):
        load_object_list(bad)
    assert Path(bad).exists()


def test_no_sign_request_sends_no_credentials(world):
    put(world, "public/prod.tfstate", db_password_state(FAKE.password(22), 1))
    with moto_admin(world.url, "s3") as (s3,):
        s3.put_bucket_policy(Bucket=world.bucket, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{world.bucket}/public/*"}]}))
    client = make_client(world.url, no_sign_request=True)
    sent: list[str | None] = []
    client.meta.events.register("before-send.s3", lambda request, **_: sent.append(
        request.headers.get("Authorization")))
    # moto answers unsigned requests only with its auth switch off (a public
    # bucket on AWS answers them under its bucket policy).
    with moto_admin(world.url):
        result = scan_s3(f"s3://{world.bucket}/public/", S3ScanOptions(client=client))
    assert result.errors == [], result.errors
    assert [f.extra["address"] for f in result.findings] == ["aws_db_instance.main.password"]
    assert sent and all(a is None for a in sent)


def test_a_dask_cluster_scans_the_bucket_by_prefix_as_one_process_does(world, tmp_path,
                                                                       monkeypatch):
    import distributed

    from scanner.aws.bucket_scan import scan_s3_distributed

    for team in ("app", "data", "infra"):
        for serial in (1, 2):
            put(world, f"{team}/prod.tfstate", db_password_state(FAKE.password(22), serial))
    put(world, "root.tfstate", db_password_state(FAKE.password(22), 9))
    put(world, "data/dump.sql.gz", gzip.compress(
        f"-- postgres://u:{FAKE.password(16)}@db:5432/x\n".encode()))
    # Workers build their own client from their environment, as on a cluster.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", world.key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", world.secret)
    options = S3ScanOptions(endpoint_url=world.url, jobs=2)
    local = scan_s3(f"s3://{world.bucket}", options)
    db = tmp_path / "state.sqlite3"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        address = cluster.scheduler_address.replace("tcp://", "dask://")
        with S3State(db) as seen:
            remote = scan_s3_distributed(f"s3://{world.bucket}", replace(options, state=seen),
                                         address)
        with S3State(db) as seen:
            again = scan_s3_distributed(f"s3://{world.bucket}", replace(options, state=seen),
                                        address)

    def essence(result):  # noqa: ANN202
        return sorted((f.path, f.extra["version_id"], f.rule, f.fingerprint)
                      for f in result.findings)

    assert len(local.findings) == 8 and essence(remote) == essence(local)
    assert remote.errors == [] and remote.stats.blobs_scanned == 8
    assert again.findings == [] and again.s3.skipped_unchanged == 8
