# ruff: noqa: F811 - pytest fixtures are imported from tests.support.aws by name
"""Rotation tickets: built from a verified report, written to a directory and stdout."""

from __future__ import annotations

import copy
import io
import json

import pytest

from scanner.pipeline import ScanOptions, scan
from scanner.tickets import (
    DestinationError,
    DirDestination,
    StdoutDestination,
    parse_destination,
    render_markdown,
    tickets_from_report,
)
from scanner.verify import VerifyOptions, verify_findings
from tests.support.aws import (  # noqa: F401 - fixtures
    credentials_file,
    make_repo,
    moto_server,
    moto_sts,
)

LIVE_KEY = "AKIAQYLPMN5HAXYZABCD"
ROLE_KEY = "ASIAQYLPMN5HAROLEKEY"


def _finding(rule, path, line, fingerprint, verification, **extra):
    return {
        "rule": rule,
        "secret": "AKIA****************ABCD",
        "fingerprint": fingerprint,
        "path": path,
        "line": line,
        "commit": "c0ffee" + fingerprint,
        "author": "Dev One",
        "email": "dev@example.test",
        "date": "2026-01-02T03:04:05+00:00",
        "reachable": True,
        "blob": "b" * 40,
        "span": [0, 20],
        "verification": verification,
        **extra,
    }


def _live(key_id, arn="arn:aws:iam::123456789012:user/ci"):
    return {
        "status": "live",
        "account": "123456789012",
        "arn": arn,
        "user_id": "AIDAEXAMPLEUSERID",
        "checked_at": "2026-11-27T02:00:00+00:00",
        "partition": "aws",
        "reason": None,
        "key_id": key_id,
    }


def _report():
    live = _live(LIVE_KEY)
    return {
        "repository": "/src/app",
        "findings": [
            _finding("aws-access-key-id", "deploy/.env", 1, "f1", live),
            _finding("aws-secret-access-key", "deploy/.env", 2, "f2", live),
            # The same key copied elsewhere: one ticket, two more locations.
            _finding("aws-access-key-id", "old/config.ini", 7, "f3", live),
            _finding(
                "aws-access-key-id",
                "gone.ini",
                1,
                "f4",
                {"status": "invalid", "key_id": "AKIAQYLPMN5HAGONEKEY", "reason": "x"},
            ),
            _finding(
                "aws-access-key-id", "trap.ini", 1, "f5", {"status": "canary", "key_id": "AKIAQ"}
            ),
            _finding("generic-api-key", "x.py", 3, "f6", None),
        ],
    }


def test_one_ticket_per_live_credential():
    [ticket] = tickets_from_report(_report())
    assert ticket.key_id == LIVE_KEY
    assert ticket.severity == "high"
    assert ticket.principal_kind == "user" and ticket.principal_name == "ci"
    assert [(loc.kind, loc.path) for loc in ticket.locations] == [
        ("access key ID", "deploy/.env"),
        ("secret access key", "deploy/.env"),
        ("access key ID", "old/config.ini"),
    ]
    assert all(loc.repository == "/src/app" for loc in ticket.locations)


def test_public_exposure_makes_it_critical():
    report = _report()
    report["findings"][0]["exposure"] = {
        "repo": "acme/app",
        "exposed_since": "2026-02-01T00:00:00Z",
        "public_now": True,
    }
    [ticket] = tickets_from_report(report)
    assert ticket.severity == "critical"
    assert [e.shown() for e in ticket.exposures] == [
        {"repo": "acme/app", "exposed_since": "2026-02-01T00:00:00Z", "public_now": True}
    ]
    text = render_markdown(ticket)
    assert "**critical** (live and exposed publicly)" in text
    assert "`acme/app`: exposed publicly since `2026-02-01T00:00:00Z` (public now)" in text


def test_exposures_from_an_org_audit_match_by_fingerprint():
    audit_entry = dict(
        _report()["findings"][1], repo="acme/app", exposed_since="2026-03-01T00:00:00Z"
    )
    audit_entry.update(public_since="2026-03-01T00:00:00Z", public_now=False)
    unrelated = dict(audit_entry, fingerprint="other", exposed_since="1999-01-01T00:00:00Z")
    [ticket] = tickets_from_report(_report(), exposures=[audit_entry, unrelated])
    assert ticket.severity == "critical"
    assert [e.exposed_since for e in ticket.exposures] == ["2026-03-01T00:00:00Z"]


def test_runbook_content_and_order():
    [ticket] = tickets_from_report(_report())
    text = render_markdown(ticket)
    assert text.startswith(f"<!-- leakwarden:ticket:{ticket.ticket_id}:{ticket.digest} -->\n")
    order = [
        f"aws iam update-access-key --user-name ci --access-key-id {LIVE_KEY} --status Inactive",
        "--policy-name leakwarden-deny-all",
        "CloudTrail",
        "AssumeRole",
        "CreateAccessKey",
        "aws:TokenIssueTime",
        f"AttributeKey=AccessKeyId,AttributeValue={LIVE_KEY}",
        "state files",
        "Parameter Store",
        "Secrets Manager",
        "CI secret store",
        "Rewriting git history does not help once the repository has been public",
    ]
    positions = [text.index(needle) for needle in order]
    assert positions == sorted(positions)
    assert "do not delete it yet" in text


def test_assumed_role_runbook_revokes_sessions_instead_of_deactivating():
    report = {
        "repository": "/src/app",
        "findings": [
            _finding(
                "aws-access-key-id",
                "ci.env",
                1,
                "r1",
                _live(ROLE_KEY, "arn:aws:sts::123456789012:assumed-role/deployer/build-42"),
            )
        ],
    }
    [ticket] = tickets_from_report(report)
    text = render_markdown(ticket)
    assert ticket.temporary and ticket.principal_name == "deployer"
    assert "update-access-key" not in text
    assert "--role-name deployer --policy-name AWSRevokeOlderSessions" in text


def test_dir_destination_creates_once_then_skips_then_updates(tmp_path):
    tickets = tickets_from_report(_report())
    out = tmp_path / "tickets"
    dest = parse_destination(f"dir:{out}")
    assert isinstance(dest, DirDestination)

    first = dest.send(tickets)
    assert [o.action for o in first] == ["created"]
    files = sorted(p.name for p in out.iterdir())
    assert files == [f"{tickets[0].ticket_id}.json", f"{tickets[0].ticket_id}.md"]
    data = json.loads((out / files[0]).read_text())
    assert data["key_id"] == LIVE_KEY and data["severity"] == "high"
    assert [s["title"] for s in data["runbook"]][0].startswith("Deactivate the key")

    # Same facts, only a newer check time: nothing is rewritten.
    again = copy.deepcopy(_report())
    for f in again["findings"]:
        if f["verification"] and f["verification"].get("checked_at"):
            f["verification"]["checked_at"] = "2026-11-28T00:00:00+00:00"
    assert [o.action for o in dest.send(tickets_from_report(again))] == ["unchanged"]

    # A new location is news: the same ticket is updated, not duplicated.
    again["findings"].append(
        _finding("aws-access-key-id", "new/place.yml", 4, "f9", _live(LIVE_KEY))
    )
    assert [o.action for o in dest.send(tickets_from_report(again))] == ["updated"]
    assert len(list(out.iterdir())) == 2
    assert "new/place.yml" in (out / f"{tickets[0].ticket_id}.md").read_text()


def test_stdout_destination():
    stream = io.StringIO()
    outcomes = StdoutDestination(stream).send(tickets_from_report(_report()))
    assert [o.action for o in outcomes] == ["printed"]
    assert LIVE_KEY in stream.getvalue()
    assert isinstance(parse_destination("-"), StdoutDestination)


@pytest.mark.parametrize("bad", ["", "dir:", "s3:bucket", "github:", "github:no-slash", "tickets/"])
def test_bad_destinations_say_what_works(bad, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    with pytest.raises(DestinationError, match="OWNER/REPO"):
        parse_destination(bad)


def test_github_destination_needs_a_token_from_the_environment(monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    with pytest.raises(DestinationError, match="GITHUB_TOKEN"):
        parse_destination("github:acme/app")


def test_unwritable_directory_is_an_outcome_not_a_crash(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    outcomes = DirDestination(blocker / "sub").send(tickets_from_report(_report()))
    assert [o.action for o in outcomes] == ["error"]
    assert "cannot create" in outcomes[0].message


def test_real_keys_end_to_end_tickets_hold_no_secret(tmp_path, moto_sts):
    """Keys made in moto, committed, scanned, verified live, ticketed: the key ID
    is in the ticket, the secret is in no file written."""
    key_id, secret = moto_sts.create_user_key("leaky-ci")
    role_id, role_secret, role_token = moto_sts.assume_role("leaky-role")
    repo = tmp_path / "repo"
    make_repo(
        repo,
        {
            "ci/.env": credentials_file(key_id, secret),
            "ops/session.env": credentials_file(role_id, role_secret, role_token),
        },
    )
    result = scan(repo, ScanOptions(jobs=1))
    verify_findings(result.findings, repo, VerifyOptions(sts_endpoint=moto_sts.endpoint))
    report = json.loads(json.dumps({"repository": str(repo), **result.to_dict()}))

    tickets = tickets_from_report(report)
    assert sorted(t.key_id for t in tickets) == sorted([key_id, role_id])
    out = tmp_path / "tickets"
    assert {o.action for o in DirDestination(out).send(tickets)} == {"created"}
    assert {o.action for o in DirDestination(out).send(tickets_from_report(report))} == {
        "unchanged"
    }

    written = "".join(p.read_text() for p in sorted(out.iterdir()))
    assert key_id in written and role_id in written
    for clear in (secret, role_secret, role_token):
        assert clear not in written
    by_key = {t.key_id: t for t in tickets}
    kinds = sorted(loc.kind for loc in by_key[role_id].locations)
    assert kinds == ["access key ID", "secret access key", "session token"]
