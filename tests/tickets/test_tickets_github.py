"""Tickets as GitHub issues, against the loopback GitHub server of the test support.

PyGithub is pointed at the server with ``--github-url`` semantics and the token
from the environment. A rerun must find its issue by the hidden marker and
update or skip it, never open a second one; no issue may hold a secret.
"""

from __future__ import annotations

import pytest

from scanner.tickets import parse_destination, tickets_from_report
from scanner.tickets.github import GitHubDestination
from tests.support.github_server import GitHubServer

TOKEN = "ghp_leakwardenticketstest"
KEY = "AKIAQYLPMN5HAXYZABCD"
SECRET = "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"


def _report(checked_at="2026-11-27T02:00:00+00:00", extra_paths=()):
    live = {
        "status": "live",
        "account": "123456789012",
        "arn": "arn:aws:iam::123456789012:user/ci",
        "user_id": "AIDAQYLPMN5HUSERID01",
        "checked_at": checked_at,
        "partition": "aws",
        "reason": None,
        "key_id": KEY,
    }
    findings = []
    for n, (rule, path) in enumerate(
        [("aws-access-key-id", "deploy/.env"), ("aws-secret-access-key", "deploy/.env")]
        + [("aws-access-key-id", p) for p in extra_paths]
    ):
        findings.append(
            {
                "rule": rule,
                "secret": "Qz8t********************************rS4t",
                "fingerprint": f"fp{n}",
                "path": path,
                "line": n + 1,
                "commit": "c" * 40,
                "author": "Dev One",
                "date": "2026-01-02T03:04:05+00:00",
                "reachable": True,
                "verification": live,
            }
        )
    return {"repository": "/src/app", "findings": findings}


@pytest.fixture
def github(tmp_path, monkeypatch):
    server = GitHubServer(tmp_path / "gh", token=TOKEN)
    server.start()
    server.state.add_repo("acme/security", visibility="private")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_API_URL", server.api_url)
    try:
        yield server
    finally:
        server.stop()


def test_issue_created_once_then_skipped_then_updated(github):
    dest = parse_destination("github:acme/security")
    assert isinstance(dest, GitHubDestination)
    assert dest.api_url == github.api_url.rstrip("/")

    first = dest.send(tickets_from_report(_report()))
    assert [o.action for o in first] == ["created"]
    [issue] = github.state.issues["acme/security"]
    assert issue["title"].startswith("[high] Rotate leaked live AWS key " + KEY)
    assert sorted(label["name"] for label in issue["labels"]) == ["leakwarden", "secret-rotation"]
    assert issue["body"].startswith("<!-- leakwarden:ticket:")
    assert KEY in issue["body"]
    assert SECRET not in issue["body"] and SECRET not in issue["title"]

    # Rerun with only a newer check time: found by its marker, left alone.
    again = dest.send(tickets_from_report(_report(checked_at="2026-11-28T00:00:00+00:00")))
    assert [o.action for o in again] == ["unchanged"]
    assert len(github.state.issues["acme/security"]) == 1
    assert not [r for r in github.state.requests if r.method == "PATCH"]

    # A new location: the same issue is edited.
    third = dest.send(tickets_from_report(_report(extra_paths=["ci/pipeline.yml"])))
    assert [o.action for o in third] == ["updated"]
    [issue] = github.state.issues["acme/security"]
    assert "ci/pipeline.yml" in issue["body"]
    # Every call carried the token from the environment.
    assert all(r.authorized for r in github.state.requests)


def test_update_keeps_the_runbook_steps_already_ticked(github):
    dest = parse_destination("github:acme/security")
    dest.send(tickets_from_report(_report()))
    [issue] = github.state.issues["acme/security"]
    issue["body"] = issue["body"].replace("1. [ ] **", "1. [x] **", 1)

    [outcome] = dest.send(tickets_from_report(_report(extra_paths=["new/leak.txt"])))

    assert outcome.action == "updated"
    body = github.state.issues["acme/security"][0]["body"]
    assert "new/leak.txt" in body
    assert "1. [x] **Deactivate the key" in body
    assert "2. [ ] **" in body


def test_closed_ticket_for_a_still_live_key_is_reopened(github):
    dest = parse_destination("github:acme/security")
    dest.send(tickets_from_report(_report()))
    [issue] = github.state.issues["acme/security"]
    issue["state"] = "closed"

    [outcome] = dest.send(tickets_from_report(_report()))

    assert outcome.action == "updated" and "reopened" in outcome.message
    assert github.state.issues["acme/security"][0]["state"] == "open"
    assert len(github.state.issues["acme/security"]) == 1


def test_unknown_repo_is_reported_per_ticket(github):
    dest = parse_destination("github:acme/missing")
    dest.retries = 0
    [outcome] = dest.send(tickets_from_report(_report()))
    assert outcome.action == "error"
    assert "acme/missing" in outcome.message and "404" in outcome.message
    assert TOKEN not in outcome.message


def test_github_url_flag_wins_over_environment(github, monkeypatch):
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9/api/v3")
    dest = parse_destination("github:acme/security", github_url=github.api_url)
    assert [o.action for o in dest.send(tickets_from_report(_report()))] == ["created"]
