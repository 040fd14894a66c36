"""The GitHub client against the loopback server: paging, audit log, events,
credentials, and rate limits waited out within a bounded budget."""

from __future__ import annotations

import subprocess
import time

import github
import pytest

from scanner.github.client import (
    GITHUB_ERRORS,
    GitHubClient,
    GitHubConfigError,
    RateLimitWaiter,
    auth_from_env,
)
from tests.support.github_server import GitHubServer

TOKEN = "ghp_clienttesttoken000000000000000000000"


class FakeSleep:
    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture()
def gh(tmp_path):
    with GitHubServer(tmp_path / "gh", token=TOKEN) as server:
        server.state.add_org("acme", enterprise=True)
        server.state.add_org("smallco")  # not Enterprise: no audit log
        yield server


def make_client(gh, max_wait=120.0, per_page=100):
    sleep = FakeSleep()
    messages: list[str] = []
    waiter = RateLimitWaiter(max_total_wait=max_wait, sleep=sleep, notify=messages.append)
    client = GitHubClient(base_url=gh.api_url, waiter=waiter, per_page=per_page, environ={"GITHUB_TOKEN": TOKEN})
    return client, sleep, messages


def test_lists_every_repo_across_pages_with_flags(gh):
    for i in range(5):
        gh.state.add_repo(f"acme/r{i}", visibility=["public", "private", "internal"][i % 3], archived=i == 4, fork=i == 2)
    gh.state.add_repo("smallco/other")
    client, _, _ = make_client(gh, per_page=2)
    repos = client.list_repos("acme")
    assert [(r.full_name, r.visibility, r.archived, r.fork) for r in repos] == [
        ("acme/r0", "public", False, False),
        ("acme/r1", "private", False, False),
        ("acme/r2", "internal", False, True),
        ("acme/r3", "public", False, False),
        ("acme/r4", "private", True, False),
    ]
    assert all(r.clone_url == gh.clone_url(r.full_name) for r in repos)


def test_audit_log_follows_the_cursor_in_the_link_header(gh):
    gh.state.add_repo("acme/app")
    base = time.time() - 3600
    for i in range(5):
        gh.state.set_visibility("acme/app", "public" if i % 2 == 0 else "private", actor=f"user{i}", at=base + i)
    client, _, _ = make_client(gh, per_page=2)
    answer = client.audit_log("acme")
    assert answer.available
    assert [e.actor for e in answer.entries] == ["user4", "user3", "user2", "user1", "user0"]
    assert answer.entries[-1].previous_visibility == "private" and answer.entries[-1].visibility == "public"
    assert answer.entries[0].at == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + 4))
    # 3 pages: the 2nd and 3rd through GitHub's /organizations/{id}/ next links.
    assert len(gh.state.requests_to(r"/audit-log$")) == 3
    assert len(gh.state.requests_to(r"^/organizations/\d+/audit-log$")) == 2


def test_audit_log_404_on_a_non_enterprise_org_is_an_answer_not_an_error(gh):
    client, _, _ = make_client(gh)
    answer = client.audit_log("smallco")
    assert not answer.available
    assert "404" in answer.reason
    gh.state.add_org("notowner", enterprise=True, audit_log_status=403)  # token without admin:org
    answer = client.audit_log("notowner")
    assert not answer.available and "403" in answer.reason


def test_public_events_from_org_and_repo_feeds(gh):
    gh.state.add_repo("acme/app")
    gh.state.add_repo("acme/lib")
    gh.state.set_visibility("acme/app", "public", actor="mallory", at=1_700_000_000)
    client, _, _ = make_client(gh)
    assert [(e.repo, e.at, e.actor) for e in client.org_public_events("acme")] == [
        ("acme/app", "2023-11-14T22:13:20Z", "mallory")
    ]
    assert client.repo_public_events("acme/lib") == []


def test_secondary_rate_limit_with_retry_after_is_waited_out_visibly(gh):
    gh.state.inject(
        r"^/orgs/acme/repos$", 403,
        headers={"Retry-After": "7"},
        body={"message": "You have exceeded a secondary rate limit."},
    )
    gh.state.add_repo("acme/app")
    client, sleep, messages = make_client(gh)
    assert [r.full_name for r in client.list_repos("acme")] == ["acme/app"]
    assert sleep.calls == [7.0]
    assert len(messages) == 1 and "Retry-After" in messages[0] and "7s" in messages[0]
    assert TOKEN not in messages[0]


def test_429_without_retry_after_is_retried_with_backoff(gh):
    gh.state.inject(r"^/orgs/acme$", 429, body={"message": "Too many requests"}, times=2)
    client, sleep, messages = make_client(gh)
    client.list_repos("acme")
    assert sleep.calls == [2.0, 4.0]  # exponential backoff
    assert all("429" in m for m in messages)


def test_primary_rate_limit_waits_until_reset(gh):
    reset = int(time.time()) + 30
    gh.state.inject(
        r"^/orgs/acme$", 403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
        body={"message": "API rate limit exceeded"},
    )
    client, sleep, _ = make_client(gh)
    client.list_repos("acme")
    assert len(sleep.calls) == 1 and 25 <= sleep.calls[0] <= 32


def test_500_on_get_succeeds_on_retry(gh):
    fault = gh.state.inject(r"^/orgs/acme/repos$", 500, body={"message": "Server Error"})
    gh.state.add_repo("acme/app")
    client, sleep, _ = make_client(gh)
    assert len(client.list_repos("acme")) == 1
    assert fault.hits == 1 and sleep.calls == [2.0]


def test_500_on_post_is_not_retried_so_no_duplicate_issue(gh):
    gh.state.add_repo("acme/app")
    gh.state.inject(r"^/repos/acme/app/issues$", 500, method="POST")
    client, sleep, _ = make_client(gh)
    with pytest.raises(github.GithubException) as exc:
        client.gh.get_repo("acme/app").create_issue("x")
    assert exc.value.status == 500
    assert sleep.calls == []
    assert len(gh.state.requests_to(r"^/repos/acme/app/issues$")) == 1


def test_total_wait_is_bounded(gh):
    gh.state.inject(r"^/orgs/acme$", 403, headers={"Retry-After": "50"}, times=10)
    client, sleep, messages = make_client(gh, max_wait=120)
    with pytest.raises(github.GithubException) as exc:
        client.list_repos("acme")
    assert exc.value.status == 403
    assert sleep.calls == [50.0, 50.0]  # a third wait would pass 120 s
    assert "budget" in messages[-1]


def test_a_plain_403_is_not_retried_and_keeps_its_message(gh):
    gh.state.inject(r"^/orgs/acme$", 403, body={"message": "Resource not accessible by integration"})
    client, sleep, _ = make_client(gh)
    with pytest.raises(github.GithubException) as exc:
        client.list_repos("acme")
    assert exc.value.status == 403 and exc.value.data["message"] == "Resource not accessible by integration"
    assert sleep.calls == []
    assert len(gh.state.requests_to(r"^/orgs/acme$")) == 1


def test_secondary_rate_limit_without_headers_waits_a_minute(gh):
    gh.state.inject(r"^/orgs/acme$", 403, body={"message": "You have exceeded a secondary rate limit. Please wait."})
    client, sleep, messages = make_client(gh)
    client.list_repos("acme")
    assert sleep.calls == [60.0]
    assert "secondary" in messages[0]


def test_bare_base_url_like_api_github_com_works_too(gh):
    gh.state.add_repo("acme/app")
    gh.state.add_repo("acme/lib")
    gh.state.set_visibility("acme/app", "public")
    client = GitHubClient(base_url=gh.base_url, per_page=1, environ={"GITHUB_TOKEN": TOKEN})
    assert [r.full_name for r in client.list_repos("acme")] == ["acme/app", "acme/lib"]
    assert len(client.audit_log("acme").entries) == 1


def test_credentials_come_from_the_environment_only():
    assert auth_from_env({"GH_TOKEN": "ghp_x"}).token == "ghp_x"
    assert auth_from_env({"GITHUB_TOKEN": "ghp_a", "GH_TOKEN": "ghp_b"}).token == "ghp_a"
    with pytest.raises(GitHubConfigError, match="GITHUB_TOKEN"):
        auth_from_env({})
    with pytest.raises(GitHubConfigError, match="KEY_FILE"):
        auth_from_env({"LEAKWARDEN_GITHUB_APP_ID": "12"})


def test_github_app_credentials_mint_an_installation_token_for_api_and_git(gh, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from scanner.github.mirror import sync_mirror
    from tests.support.github_server import commit_files

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    gh.state.add_app(4242, public.decode(), installation_id=77)
    key_file = tmp_path / "app.pem"
    key_file.write_bytes(pem)
    repo = gh.state.add_repo("acme/app")
    head = commit_files(repo.git_dir, {"a.txt": "1"})
    env = {"LEAKWARDEN_GITHUB_APP_ID": "4242", "LEAKWARDEN_GITHUB_APP_KEY_FILE": str(key_file),
           "LEAKWARDEN_GITHUB_APP_INSTALLATION_ID": "77"}
    client = GitHubClient(base_url=gh.api_url, environ=env)
    assert [r.full_name for r in client.list_repos("acme")] == ["acme/app"]
    token = client.git_token()
    assert token.startswith("ghs_") and token in gh.state.tokens
    mirror = sync_mirror(gh.clone_url("acme/app"), tmp_path / "m.git", token)
    cloned = subprocess.run(["git", "--git-dir", str(mirror.path), "rev-parse", "main"], capture_output=True, text=True)
    assert cloned.stdout.strip() == head
    assert len(gh.state.requests_to(r"^/app/installations/77/access_tokens$")) == 1  # minted once, reused


def test_app_key_file_that_cannot_be_read_says_so(tmp_path):
    env = {"LEAKWARDEN_GITHUB_APP_ID": "1", "LEAKWARDEN_GITHUB_APP_KEY_FILE": str(tmp_path / "missing.pem"),
           "LEAKWARDEN_GITHUB_APP_INSTALLATION_ID": "2"}
    with pytest.raises(GitHubConfigError, match="cannot read the GitHub App key file"):
        auth_from_env(env)


def test_a_post_whose_answer_is_lost_is_not_sent_twice(gh):
    gh.state.add_repo("acme/app")
    gh.state.inject(r"^/repos/acme/app/issues$", None, method="POST", delay=1.5)  # slower than the timeout
    sleep = FakeSleep()
    client = GitHubClient(base_url=gh.api_url, waiter=RateLimitWaiter(sleep=sleep), timeout=1,
                          environ={"GITHUB_TOKEN": TOKEN})
    repo = client.gh.get_repo("acme/app")
    with pytest.raises(GITHUB_ERRORS):
        repo.create_issue("rotate the key")
    deadline = time.monotonic() + 5
    while not gh.state.issues.get("acme/app") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(gh.state.issues["acme/app"]) == 1
    time.sleep(0.3)
    assert len([r for r in gh.state.requests_to(r"^/repos/acme/app/issues$") if r.method == "POST"]) == 1
    assert sleep.calls == []
