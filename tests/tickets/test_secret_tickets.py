"""Child tickets: one per secret found in the object versions an attacker read.

The whole path runs on real parts: a versioned bucket on the moto server, an
investigation JSON in the shape `leakwarden investigate` writes (CloudTrail
reads with and without a version id, through a session the leaked key
minted), `leakwarden scan s3://... --objects-from` on it, then `leakwarden
tickets` to a directory, to stdout and to GitHub issues on the loopback
GitHub server. Each child names what to rotate, where it was, when and from
where it was read, links to the parent key's ticket, is written once (a
rerun changes nothing), and never holds the secret.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.fakegen import B32U, Fake
from scanner.tickets.model import ticket_id_for
from tests.support.aws import (  # noqa: F401 - fixture
    hide_machine_aws,
    moto_admin,
    moto_server,
    versioned_bucket_and_reader,
)
from tests.support.github_server import GitHubServer
from tests.support.tfstate import db_password_state

FAKE = Fake("secret-tickets")
TOKEN = "ghp_" + FAKE.pick(B32U, 36).lower()
LEAKED = "AKIA" + FAKE.pick(B32U, 16)
SESSION = "ASIA" + FAKE.pick(B32U, 16)
ATTACKER_IP = "203.0.113.7"


def _verified_report() -> dict:
    live = {"status": "live", "account": "123456789012", "key_id": LEAKED,
            "arn": "arn:aws:iam::123456789012:user/ci", "user_id": "AIDA" + FAKE.pick(B32U, 16),
            "checked_at": "2026-11-27T02:00:00+00:00", "partition": "aws", "reason": None}
    return {"repository": "/src/app", "findings": [{
        "rule": "aws-access-key-id", "secret": LEAKED, "fingerprint": "fp0", "path": "deploy/.env",
        "line": 1, "commit": "c" * 40, "author": "Dev One", "date": "2026-01-02T03:04:05+00:00",
        "reachable": True, "blob": "b" * 40, "span": [0, 20], "verification": live}]}


@pytest.fixture(scope="module")
def incident(moto_server, tmp_path_factory):  # noqa: F811 - fixture
    """A bucket, what the attacker read from it, and the scan of exactly that:
    made once for the module (each test writes its tickets somewhere new)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        hide_machine_aws(monkeypatch)
        yield _incident(moto_server, tmp_path_factory.mktemp("incident"))


def _incident(moto_server: tuple[str, int], tmp_path: Path) -> dict:  # noqa: F811
    host, port = moto_server
    url = f"http://{host}:{port}"
    n = time.monotonic_ns()
    bucket, user = f"tf-incident-{n}", f"responder-{n}"
    old_pw, new_pw, other_pw = FAKE.password(22), FAKE.password(22), FAKE.password(22)
    key_id, secret = versioned_bucket_and_reader(url, bucket, user)
    with moto_admin(url, "s3") as (s3,):
        v1 = s3.put_object(Bucket=bucket, Key="env/prod.tfstate", Body=db_password_state(old_pw, 1))["VersionId"]
        read_at = s3.head_object(Bucket=bucket, Key="env/prod.tfstate")["LastModified"]
        time.sleep(1.1)  # the overwrite comes after the read, in a later second
        v2 = s3.put_object(Bucket=bucket, Key="env/prod.tfstate", Body=db_password_state(new_pw, 2))["VersionId"]
        other = s3.put_object(Bucket=bucket, Key="env/other.tfstate",
                              Body=db_password_state(other_pw, 1, "replica"))["VersionId"]
    when = read_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def read(key_: str, version: str | None, action: str = "GetObject", **more: object) -> dict:
        return {"time": when, "service": "s3", "action": action, "by_key_id": SESSION,
                "source_ip": ATTACKER_IP, "from_new_place": True, "error": None, "flags": [],
                "bucket": bucket, "key": key_, "version_id": version, **more}

    investigation = {
        "investigation": {"window": {"since": "2026-01-01T00:00:00Z", "until": when}},
        "keys": [{"key_id": LEAKED, "kind": "leaked", "verdict": "attacker"}],
        "sessions": [{"key_id": SESSION, "root_key_id": LEAKED, "origin": "attacker",
                      "via": "AssumeRole", "source_ip": ATTACKER_IP}],
        "persistence": [],
        "data_touched": [
            # CloudTrail names no version for a plain GetObject: the one
            # current at the read (v1) was read, not today's v2.
            read("env/prod.tfstate", None),
            read("env/other.tfstate", other),
            read("env/other.tfstate", other, action="HeadObject"),  # no content read
            read("env/prod.tfstate", v2, error="AccessDenied"),  # failed
            read("env/prod.tfstate", v2, from_new_place=False),  # the deploy role's own read
        ],
        "attacker_ips": [ATTACKER_IP],
    }
    inv = tmp_path / "investigation.json"
    inv.write_text(json.dumps(investigation))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": key_id,
           "AWS_SECRET_ACCESS_KEY": secret, "AWS_ENDPOINT_URL_S3": url,
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    read_report = tmp_path / "read.json"
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", f"s3://{bucket}",
                           "--objects-from", str(inv), "--format", "json", "-o", str(read_report)],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    verified = tmp_path / "verified.json"
    verified.write_text(json.dumps(_verified_report()))
    return {"bucket": bucket, "v1": v1, "v2": v2, "other": other, "when": when, "env": env,
            "read": read_report, "verified": verified, "secrets": (old_pw, new_pw, other_pw),
            "tmp": tmp_path}


def _tickets(incident: dict, *args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", "tickets", str(incident["verified"]),
                           "--secrets-read", str(incident["read"]), *args],
                          env=env or incident["env"], cwd=incident["tmp"], capture_output=True,
                          text=True, timeout=120)


def test_the_scan_reads_the_version_current_at_the_read_and_links_its_reads(incident):
    report = json.loads(incident["read"].read_text())
    found = {(f["key"], f["version_id"]) for f in report["findings"]}
    assert found == {("env/prod.tfstate", incident["v1"]), ("env/other.tfstate", incident["other"])}
    prod = next(f for f in report["findings"] if f["key"] == "env/prod.tfstate")
    assert prod["reads"] == [{"time": incident["when"], "source_ip": ATTACKER_IP,
                              "by_key_id": SESSION, "parent_key_id": LEAKED,
                              "action": "GetObject"}]
    assert prod["rotate"] == (f"rotate the password of aws_db_instance.main: it was in "
                              f"env/prod.tfstate version {incident['v1']}, read at "
                              f"{incident['when']} from {ATTACKER_IP}")


def test_child_tickets_in_a_directory_link_to_the_parent_and_are_written_once(incident):
    out = incident["tmp"] / "tickets"
    proc = _tickets(incident, "--to", f"dir:{out}")
    assert proc.returncode == 0, proc.stderr
    parent_id = ticket_id_for(LEAKED)
    files = sorted(p.name for p in out.glob("*.md"))
    assert len(files) == 3 and f"{parent_id}.md" in files
    children = [json.loads(p.read_text()) for p in out.glob("*.json") if p.stem != parent_id]
    by_key = {c["places"][0]["key"]: c for c in children}
    prod = by_key["env/prod.tfstate"]
    assert prod["parent_ticket_id"] == parent_id and prod["parent_key_id"] == LEAKED
    assert prod["places"][0]["version_id"] == incident["v1"]
    assert prod["ask"] == (f"rotate the password of aws_db_instance.main: it was in "
                           f"env/prod.tfstate version {incident['v1']}, read at {incident['when']} "
                           f"from {ATTACKER_IP}")
    assert by_key["env/other.tfstate"]["resource"] == "aws_db_instance.replica"

    md = (out / f"{prod['ticket_id']}.md").read_text()
    assert md.startswith(f"<!-- leakwarden:ticket:{prod['ticket_id']}:")
    assert f"[{parent_id}]({parent_id}.md)" in md
    assert (f"**Rotate the password of `aws_db_instance.main`: it was in `env/prod.tfstate` "
            f"version `{incident['v1']}`, read at `{incident['when']}` from `{ATTACKER_IP}`.**") in md
    parent_md = (out / f"{parent_id}.md").read_text()
    assert "Secrets the attacker read with this key" in parent_md
    assert prod["ticket_id"] in parent_md
    for path in out.iterdir():
        text = path.read_text()
        assert not any(secret in text for secret in incident["secrets"]), path.name

    again = _tickets(incident, "--to", f"dir:{out}")
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("unchanged ticket") == 3, again.stderr


def test_child_tickets_on_stdout_and_the_secret_never_in_clear_even_from_a_no_redact_report(
        incident):
    report = json.loads(incident["read"].read_text())
    old_pw = incident["secrets"][0]
    for finding in report["findings"]:  # as `scan --no-redact` writes it
        finding["secret"] = old_pw
        finding["context"] = f'"password": "{old_pw}",'
    clear = incident["tmp"] / "read-in-clear.json"
    clear.write_text(json.dumps(report))
    proc = _tickets(dict(incident, read=clear), "--to", "-")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("<!-- leakwarden:ticket:") == 3
    assert "Rotate the password of `aws_db_instance.main`" in proc.stdout
    assert old_pw not in proc.stdout and old_pw not in proc.stderr


def test_child_tickets_as_github_issues_point_at_the_parent_issue(incident):
    server = GitHubServer(incident["tmp"] / "gh", token=TOKEN)
    server.start()
    try:
        server.state.add_repo("acme/security", visibility="private")
        env = dict(incident["env"], GITHUB_TOKEN=TOKEN, GITHUB_API_URL=server.api_url)
        proc = _tickets(incident, "--to", "github:acme/security", env=env)
        assert proc.returncode == 0, proc.stderr
        issues = server.state.issues["acme/security"]
        assert len(issues) == 3
        parent, *children = issues
        assert LEAKED in parent["title"]
        for child in children:
            assert child["title"].startswith("[critical] Rotate the password of aws_db_instance.")
            # "#N" as text: GitHub links it to the parent issue and back
            assert f"| #{parent['number']} (ticket {ticket_id_for(LEAKED)})" in child["body"]
        assert any(incident["v1"] in c["body"] for c in children)
        assert not any(s in i["body"] or s in i["title"]
                       for i in issues for s in incident["secrets"])

        again = _tickets(incident, "--to", "github:acme/security", env=env)
        assert again.returncode == 0, again.stderr
        assert len(server.state.issues["acme/security"]) == 3
        assert again.stderr.count("unchanged ticket") == 3, again.stderr

        # A responder closes a child once the password is rotated: a rerun on
        # the same report leaves it closed (the read is history).
        children[0]["state"] = "closed"
        third = _tickets(incident, "--to", "github:acme/security", env=env)
        assert third.returncode == 0, third.stderr
        assert children[0]["state"] == "closed"
    finally:
        server.stop()


def test_the_secret_tickets_alone_from_the_scan_report(incident):
    out = incident["tmp"] / "alone"
    proc = subprocess.run([sys.executable, "-m", "scanner", "tickets", str(incident["read"]),
                           "--to", f"dir:{out}"], env=incident["env"], cwd=incident["tmp"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    children = sorted(out.glob("*.md"))
    assert len(children) == 2
    for child in children:
        # The parent was not written here: the child names it without a link.
        assert f"`{ticket_id_for(LEAKED)}` (not found here)" in child.read_text()


def test_an_object_list_without_versions_or_times_is_still_clear(tmp_path):
    from scanner.sources.s3 import S3SetupError, load_object_list

    listing = tmp_path / "list.json"
    listing.write_text(json.dumps([{"bucket": "b", "key": "k"}, {"bucket": "b", "key": "k"}]))
    [only] = load_object_list(listing)
    assert only.version_id is None and len(only.reads) == 1
    listing.write_text(json.dumps({"data_touched": "nope"}))
    with pytest.raises(S3SetupError, match="investigate"):
        load_object_list(listing)


def test_the_rotation_line_reads_as_running_text_and_keeps_names():
    # One wording for the scan report's "rotate" field and the child ticket.
    from scanner.model import rotation_ask, rotation_subject

    assert rotation_subject(None, None, "GitHub personal access token", "github-pat") == (
        "the GitHub personal access token (github-pat)")
    assert rotation_subject(None, None, "Password in a DSN", "dsn-password") == (
        "the password in a DSN (dsn-password)")
    assert rotation_ask("the x of y", "env/a.tfstate", None, "T", "203.0.113.7") == (
        "rotate the x of y: it was in env/a.tfstate version current, read at T from 203.0.113.7")
