"""The loopback GitHub server itself: it must speak the shapes PyGithub expects,
because issues 5, 6 and 7 all test against it."""

from __future__ import annotations

import subprocess

import github
import pytest

from scanner.github.mirror import git_auth_env
from tests.support.github_server import GitHubServer, commit_files

TOKEN = "ghp_servertesttoken0000000000000000000000"


@pytest.fixture()
def gh(tmp_path):
    with GitHubServer(tmp_path / "gh", token=TOKEN) as server:
        server.state.add_org("acme")
        yield server


def client(gh, per_page=30, token=TOKEN):
    return github.Github(
        base_url=gh.api_url,
        auth=github.Auth.Token(token),
        per_page=per_page,
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


def test_org_repos_are_paged_with_link_headers(gh):
    for i in range(7):
        gh.state.add_repo(f"acme/repo{i}", visibility="public" if i % 2 else "private", fork=i == 3)
    repos = list(client(gh, per_page=3).get_organization("acme").get_repos(type="all"))
    assert [r.full_name for r in repos] == [f"acme/repo{i}" for i in range(7)]
    assert [r.visibility for r in repos][:2] == ["private", "public"]
    assert repos[3].fork is True
    listing = gh.state.requests_to(r"^/orgs/acme/repos$")
    assert len(listing) == 3  # 3 + 3 + 1


def test_bad_token_is_refused(gh):
    with pytest.raises(github.BadCredentialsException):
        client(gh, token="ghp_wrong").get_organization("acme")


def test_issues_roundtrip_as_the_ticket_writer_uses_them(gh):
    gh.state.add_repo("acme/tickets")
    repo = client(gh, per_page=2).get_repo("acme/tickets")
    repo.create_label("secret-rotation", "b60205", "rotate a leaked key")
    with pytest.raises(github.GithubException) as exc:
        repo.create_label("secret-rotation", "b60205")
    assert exc.value.status == 422
    first = repo.create_issue("Rotate AKIA…WXYZ", body="<!-- leakwarden:fp:abc -->\nbody", labels=["leakwarden", "secret-rotation"])
    repo.create_issue("unrelated", body="x")
    repo.create_issue("third", body="y", labels=["leakwarden"])
    labelled = list(repo.get_issues(state="open", labels=["leakwarden", "secret-rotation"]))
    assert [i.number for i in labelled] == [first.number]
    assert len(list(repo.get_issues(state="all"))) == 3  # paged by 2
    first.edit(body="<!-- leakwarden:fp:abc -->\nupdated", state="closed")
    assert repo.get_issue(first.number).state == "closed"
    assert [i.number for i in repo.get_issues(state="open", labels=["leakwarden"])] == [3]
    first.add_to_labels("critical")
    first.create_comment("seen again")
    stored = gh.state.issues["acme/tickets"][0]
    assert stored["body"].endswith("updated")
    assert {lb["name"] for lb in stored["labels"]} == {"leakwarden", "secret-rotation", "critical"}
    assert repo.get_label("critical").name == "critical"  # created on first use, as GitHub does
    found = client(gh).search_issues('"leakwarden:fp:abc" repo:acme/tickets in:body')
    assert [i.number for i in found] == [first.number]


def test_injected_fault_answers_then_clears(gh):
    fault = gh.state.inject(r"^/orgs/acme$", 500, body={"message": "boom"}, times=1)
    with pytest.raises(github.GithubException) as exc:
        client(gh).get_organization("acme")
    assert exc.value.status == 500
    assert client(gh).get_organization("acme").login == "acme"
    assert fault.hits == 1


def test_git_over_smart_http_takes_the_token_as_basic_auth(gh, tmp_path):
    repo = gh.state.add_repo("acme/private")
    head = commit_files(repo.git_dir, {"a.txt": "hello"})
    commit_files(repo.git_dir, {"b.txt": "pr"}, ref="refs/pull/7/head")
    url = gh.clone_url("acme/private")
    anon = subprocess.run(
        ["git", "clone", "--mirror", "-q", url, str(tmp_path / "anon.git")],
        env=git_auth_env(url, None), capture_output=True, text=True,
    )
    assert anon.returncode != 0
    ok = subprocess.run(
        ["git", "clone", "--mirror", "-q", url, str(tmp_path / "m.git")],
        env=git_auth_env(url, TOKEN), capture_output=True, text=True,
    )
    assert ok.returncode == 0, ok.stderr
    refs = subprocess.run(["git", "-C", str(tmp_path / "m.git"), "show-ref"], capture_output=True, text=True).stdout
    assert f"{head} refs/heads/main" in refs
    assert "refs/pull/7/head" in refs
    git_requests = gh.state.requests_to(r"^/acme/private\.git/")
    assert any(r.authorized for r in git_requests)
    assert all(TOKEN not in r.path + r.query for r in git_requests)
