"""The GitHub connection: credentials, rate-limit patience, and the few calls the auditor needs.

Everything GitHub-shaped enters leakwarden here, so the rest of ``scanner.github``
works on plain dataclasses (``RepoInfo``, ``AuditEntry``, ``PublicEventInfo``)
and tests can point the whole thing at a loopback server with ``base_url``.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import github
import requests
from github import Auth, GithubException
from github.Requester import Requester
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from scanner.clock import iso, parse_iso
from scanner.model import JSONObject

DEFAULT_API_URL = "https://api.github.com"
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
APP_ID_VARIABLE = "LEAKWARDEN_GITHUB_APP_ID"
APP_KEY_FILE_VARIABLE = "LEAKWARDEN_GITHUB_APP_KEY_FILE"
APP_INSTALLATION_VARIABLE = "LEAKWARDEN_GITHUB_APP_INSTALLATION_ID"


def describe_error(exc: BaseException) -> str:
    """One line for a failed GitHub call, safe to print (no token, no traceback)."""
    if isinstance(exc, GithubException):
        message = exc.data.get("message") if isinstance(exc.data, dict) else None
        endpoint = getattr(exc, "leakwarden_endpoint", None)
        where = f" to {endpoint}" if endpoint else ""
        return f"GitHub answered {exc.status}{where}" + (f": {message}" if message else "")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "cannot connect to GitHub (network error or wrong --github-url)"
    if isinstance(exc, requests.exceptions.Timeout):
        return "GitHub did not answer in time"
    return f"{type(exc).__name__}: {exc}"


# PyGithub builds its exception with ``output.get("message")``: an error body
# that is JSON but not an object (a list, a string, a number from a proxy or a
# broken GHES) ended a run with AttributeError. Such a body becomes an object
# that says what it was, and the failing call's endpoint rides on the
# exception so the message can name it.
_create_exception = Requester.createException.__func__  # type: ignore[attr-defined]


def _create_exception_safely(cls: Any, status: int, headers: dict[str, str], output: Any) -> Any:
    if output is not None and not isinstance(output, dict):
        output = {"message": f"unexpected error body (JSON {type(output).__name__}, not an object)"}
    return _create_exception(cls, status, headers, output)


_request_json_and_check = Requester.requestJsonAndCheck


def _request_json_and_check_named(self: Any, verb: str, url: str, *args: Any, **kwargs: Any) -> Any:
    try:
        return _request_json_and_check(self, verb, url, *args, **kwargs)
    except GithubException as exc:
        if getattr(exc, "leakwarden_endpoint", None) is None:
            exc.leakwarden_endpoint = f"{verb} {re.sub(r'[?#].*', '', str(url))}"  # type: ignore[attr-defined]
        raise


if not getattr(Requester, "_leakwarden_patched", False):
    Requester.createException = classmethod(_create_exception_safely)  # type: ignore[method-assign,assignment]
    Requester.requestJsonAndCheck = _request_json_and_check_named  # type: ignore[method-assign]
    Requester._leakwarden_patched = True  # type: ignore[attr-defined]


class GitHubConfigError(Exception):
    """Credentials or settings are missing or wrong; the message says what to set."""


class RateLimitBudgetExceeded(Exception):
    """Waiting out a rate limit would go past the run's total wait budget."""


# What a call to GitHub can fail with, for callers that report and go on.
GITHUB_ERRORS: tuple[type[Exception], ...] = (
    GithubException,
    requests.exceptions.RequestException,
    RateLimitBudgetExceeded,
)
# ... and with missing or wrong credentials besides.
GITHUB_OR_CONFIG_ERRORS: tuple[type[Exception], ...] = (*GITHUB_ERRORS, GitHubConfigError)


def api_url_from_env(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """``--github-url`` wins, then ``GITHUB_API_URL`` (set in GitHub Actions, also on GHES)."""
    env = os.environ if environ is None else environ
    return (explicit or env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")


def auth_from_env(environ: Mapping[str, str] | None = None) -> Auth.Auth:
    """Credentials come from the environment only, so they never show in ``ps`` or shell history.

    A token (``GITHUB_TOKEN``, then ``GH_TOKEN``) or a GitHub App: app id, the
    path of its private key file and the installation id.
    """
    env = os.environ if environ is None else environ
    for name in TOKEN_VARIABLES:
        token = env.get(name, "").strip()
        if token:
            return Auth.Token(token)
    app_id = env.get(APP_ID_VARIABLE, "").strip()
    if app_id:
        key_file = env.get(APP_KEY_FILE_VARIABLE, "").strip()
        installation = env.get(APP_INSTALLATION_VARIABLE, "").strip()
        if not key_file or not installation:
            raise GitHubConfigError(
                f"{APP_ID_VARIABLE} is set; also set {APP_KEY_FILE_VARIABLE} (path of the app's "
                f"private key) and {APP_INSTALLATION_VARIABLE}."
            )
        try:
            key = Path(key_file).read_text()
        except OSError as exc:
            raise GitHubConfigError(f"cannot read the GitHub App key file {key_file}: {exc.strerror}") from None
        return Auth.AppAuth(int(app_id), key).get_installation_auth(int(installation))
    raise GitHubConfigError(
        "no GitHub credentials: set GITHUB_TOKEN (or GH_TOKEN), or the GitHub App variables "
        f"{APP_ID_VARIABLE}, {APP_KEY_FILE_VARIABLE} and {APP_INSTALLATION_VARIABLE}."
    )


class RateLimitWaiter:
    """Waits out rate limits for a whole run, within one total budget.

    One waiter is shared by every request of a run, so a flood of limits cannot
    add up to an unbounded night. ``sleep`` and ``clock`` are injectable so tests
    stay fast; ``notify`` gets a one-line message before every wait (the CLI
    prints it, so a paused run never looks hung).
    """

    def __init__(
        self,
        max_total_wait: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
        notify: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
        backoff_base: float = 2.0,
        backoff_max: float = 60.0,
    ) -> None:
        self.max_total_wait = max_total_wait
        self.sleep = sleep
        self.notify = notify or (lambda message: None)
        self.clock = clock
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.waited = 0.0
        self.waits: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def can_wait(self, seconds: float) -> bool:
        return self.waited + seconds <= self.max_total_wait

    def wait(self, seconds: float, why: str) -> None:
        with self._lock:
            if not self.can_wait(seconds):
                raise RateLimitBudgetExceeded(
                    f"{why}: waiting {seconds:.0f}s more would pass the {self.max_total_wait:.0f}s budget"
                )
            self.waited += seconds
            self.waits.append((seconds, why))
        self.notify(f"{why}; waiting {seconds:.0f}s (budget left {self.max_total_wait - self.waited:.0f}s)")
        if seconds > 0:
            self.sleep(seconds)

    def backoff(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_base * (2 ** max(0, attempt - 1)))


_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class PatientRetry(Retry):
    """urllib3 retry policy that knows GitHub's rate limits and a shared wait budget.

    PyGithub's own ``GithubRetry`` sleeps with ``time.sleep`` and does not retry a
    429 without ``Retry-After``; this one does (with backoff), decides 403s from
    the headers GitHub documents (``Retry-After``, or ``X-RateLimit-Remaining: 0``
    with ``X-RateLimit-Reset``), retries 5xx only for idempotent methods (a
    retried POST could file an issue twice), and gives up by handing the last
    response to PyGithub, which raises its usual exception for the caller to report.
    """

    def __init__(self, waiter: RateLimitWaiter | None = None, **kwargs: Any) -> None:
        self.waiter = waiter or RateLimitWaiter()
        kwargs.setdefault("total", 8)
        kwargs.setdefault("connect", 3)
        kwargs.setdefault("read", 2)
        kwargs.setdefault("status_forcelist", (403, 429, 500, 502, 503, 504))
        kwargs.setdefault("allowed_methods", None)
        kwargs.setdefault("raise_on_status", False)
        kwargs.setdefault("respect_retry_after_header", True)
        super().__init__(**kwargs)
        # Decided in increment(), where the response is at hand; used by sleep().
        self.planned_delay: float | None = None
        self.planned_reason = ""

    def new(self, **kw: Any) -> PatientRetry:
        kw["waiter"] = self.waiter
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code >= 500 and method.upper() not in _IDEMPOTENT:
            return False
        return super().is_retry(method, status_code, has_retry_after)

    def _delay_for(self, response: Any) -> tuple[float | None, str]:
        headers = response.headers
        status = response.status
        retry_after = headers.get("Retry-After")
        if retry_after:
            try:
                return max(0.0, float(retry_after)), f"GitHub answered {status} with Retry-After"
            except ValueError:
                try:
                    when = parsedate_to_datetime(retry_after).timestamp()
                    return max(0.0, when - self.waiter.clock()), f"GitHub answered {status} with Retry-After"
                except (TypeError, ValueError):
                    pass
        if headers.get("X-RateLimit-Remaining") == "0" and headers.get("X-RateLimit-Reset", "").isdigit():
            reset = int(headers["X-RateLimit-Reset"])
            # +1: the reset second itself may still be counted against us.
            return max(0.0, reset - self.waiter.clock()) + 1, "GitHub primary rate limit reached"
        attempt = len(self.history) + 1
        if status == 403:
            # A secondary limit may come with neither header; GitHub documents
            # "wait at least one minute" then. Only the body tells it apart
            # from a permission answer, and reading it consumes it, so a
            # permission 403 is raised here with its message intact.
            content = response.data or b""
            try:
                data = json.loads(content)
            except ValueError:
                data = {"message": content.decode("utf-8", "replace")}
            message = str(data.get("message", "")) if isinstance(data, dict) else ""
            if "secondary rate limit" in message.lower() or "abuse" in message.lower():
                return max(60.0, self.waiter.backoff(attempt)), "GitHub secondary rate limit (no Retry-After)"
            raise Requester.createException(403, dict(headers), data)
        if status == 429:
            return self.waiter.backoff(attempt), "GitHub answered 429 Too Many Requests"
        if status >= 500:
            return self.waiter.backoff(attempt), f"GitHub answered {status}"
        return None, ""

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None, error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> PatientRetry:  # noqa: ANN001
        delay, why = (None, "")
        if response is None and error is not None and (method or "").upper() not in _IDEMPOTENT and self._is_read_error(error):
            # The server may have acted on a POST whose answer we lost: never send it twice.
            raise MaxRetryError(_pool, url or "", error)
        if response is not None:
            delay, why = self._delay_for(response)
            if delay is None or not self.waiter.can_wait(delay):
                if delay is not None:
                    self.waiter.notify(f"{why}; not waiting {delay:.0f}s: over the run's wait budget")
                raise MaxRetryError(_pool, url or "", None)
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        assert isinstance(retry, PatientRetry)
        path = re.sub(r"\?.*", "", url or "")
        retry.planned_delay = delay
        retry.planned_reason = f"{why} ({method} {path})" if why else ""
        return retry

    def sleep(self, response: Any = None) -> None:
        if self.planned_delay is not None:
            delay, why = self.planned_delay, self.planned_reason
        else:  # connection errors: urllib3 calls sleep() without a response
            delay, why = self.waiter.backoff(len(self.history)), "connection to GitHub failed"
        if not self.waiter.can_wait(delay):
            # Give up the urllib3 way, so callers see the usual connection error.
            raise MaxRetryError(None, "", None)  # type: ignore[arg-type]
        self.waiter.wait(delay, why)


@dataclass(frozen=True)
class RepoInfo:
    full_name: str
    visibility: str  # public, private, internal
    archived: bool
    fork: bool
    clone_url: str
    default_branch: str | None = None
    created_at: str | None = None

    def to_dict(self) -> JSONObject:
        return {
            "repo": self.full_name,
            "visibility": self.visibility,
            "archived": self.archived,
            "fork": self.fork,
        }


@dataclass(frozen=True)
class AuditEntry:
    """One ``repo.access`` entry of an organization audit log."""

    repo: str
    visibility: str
    previous_visibility: str | None
    at: str  # ISO 8601 UTC
    actor: str | None


@dataclass(frozen=True)
class PublicEventInfo:
    """A ``PublicEvent``: GitHub's record that a repository was made public."""

    repo: str
    at: str
    actor: str | None


@dataclass
class AuditLogAnswer:
    """The audit log's answer. ``available`` is False for the expected "not on this
    plan / not an owner" answers (404, 403), with the reason to show."""

    available: bool
    entries: list[AuditEntry]
    reason: str = ""


def _visibility(repo: Any) -> str:
    # Older GHES versions omit ``visibility``; ``private`` is always there.
    vis = repo.visibility
    if vis in ("public", "private", "internal"):
        return vis
    return "private" if repo.private else "public"


_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


class GitHubClient:
    """A connected PyGithub with the calls the auditor and the org scanner need."""

    def __init__(
        self,
        base_url: str | None = None,
        auth: Auth.Auth | None = None,
        waiter: RateLimitWaiter | None = None,
        per_page: int = 100,
        timeout: int = 30,
        seconds_between_requests: float | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = api_url_from_env(base_url, environ)
        self.auth = auth if auth is not None else auth_from_env(environ)
        self.waiter = waiter or RateLimitWaiter()
        self.gh = github.Github(
            base_url=self.base_url,
            auth=self.auth,
            per_page=per_page,
            timeout=timeout,
            retry=PatientRetry(self.waiter),
            # PyGithub's default pacing (0.25 s between requests, 1 s between
            # writes) would dominate small runs; the retry policy handles limits.
            seconds_between_requests=seconds_between_requests,
            seconds_between_writes=seconds_between_requests,
            user_agent="leakwarden",
        )
        self.per_page = per_page

    @property
    def requester(self) -> Any:
        return self.gh.requester

    def git_token(self) -> str:
        """The token git should present as HTTP basic auth password (an app's installation token)."""
        # PyGithub bound the auth to its requester, so an app installation
        # mints (and refreshes) its token here through the same base URL.
        auth = self.auth
        token = getattr(auth, "token", None)
        if not token:
            raise GitHubConfigError("these GitHub credentials give no token for git")
        return str(token)

    def list_repos(self, org: str) -> list[RepoInfo]:
        """Every repository of ``org`` (``type=all``: public, private, internal, forks)."""
        out = []
        # Attributes, not raw_data: raw_data would "complete" each listed repo
        # with one more request (and fail for a repo deleted since the listing).
        for repo in self.gh.get_organization(org).get_repos(type="all"):
            out.append(
                RepoInfo(
                    full_name=repo.full_name,
                    visibility=_visibility(repo),
                    archived=bool(repo.archived),
                    fork=bool(repo.fork),
                    clone_url=repo.clone_url or "",
                    default_branch=repo.default_branch,
                    created_at=iso(repo.created_at) if repo.created_at else None,
                )
            )
        out.sort(key=lambda r: r.full_name)
        return out

    def audit_log(self, org: str, max_pages: int = 100) -> AuditLogAnswer:
        """``repo.access`` entries of the org audit log, newest first.

        Only Enterprise Cloud and GHES have this endpoint, and only owners may
        read it, so 404 and 403 are answers ("not available here"), not errors.
        PyGithub has no method for it; the cursor is in the ``Link`` header.
        """
        url: str | None = f"/orgs/{org}/audit-log"
        params: dict[str, str | int] | None = {"phrase": "action:repo.access", "per_page": self.per_page}
        entries: list[AuditEntry] = []
        pages = 0
        while url and pages < max_pages:
            try:
                headers, data = self.requester.requestJsonAndCheck("GET", url, parameters=params)
            except GithubException as exc:
                if exc.status in (403, 404) and not _is_rate_limited(exc):
                    msg = (exc.data or {}).get("message") if isinstance(exc.data, dict) else None
                    return AuditLogAnswer(False, [], f"audit log not available ({exc.status} {msg or ''})".strip())
                raise
            pages += 1
            for item in data or []:
                entry = _audit_entry(item)
                if entry is not None:
                    entries.append(entry)
            match = _NEXT_LINK.search(headers.get("link") or headers.get("Link") or "")
            url, params = (match.group(1), None) if match else (None, None)
        return AuditLogAnswer(True, entries)

    def org_public_events(self, org: str) -> list[PublicEventInfo]:
        """``PublicEvent``s in the org's event feed (GitHub keeps about 30 days / 300 events)."""
        return list(_public_events(self.gh.get_organization(org).get_events()))

    def repo_public_events(self, full_name: str) -> list[PublicEventInfo]:
        return list(_public_events(self.gh.get_repo(full_name).get_events()))


def _is_rate_limited(exc: GithubException) -> bool:
    headers = exc.headers or {}
    lowered = {k.lower(): v for k, v in headers.items()}
    return "retry-after" in lowered or lowered.get("x-ratelimit-remaining") == "0"


def _audit_entry(item: JSONObject) -> AuditEntry | None:
    if item.get("action") != "repo.access":
        return None
    repo = item.get("repo") or item.get("repository")
    visibility = item.get("visibility")
    stamp = item.get("@timestamp") or item.get("created_at")
    if not repo or not visibility or stamp is None:
        return None
    if isinstance(stamp, (int, float)):
        at = iso(stamp / 1000.0)  # the audit log counts milliseconds
    else:
        at = iso(parse_iso(str(stamp)))
    actor = item.get("actor")
    if isinstance(actor, dict):
        actor = actor.get("login")
    return AuditEntry(str(repo), str(visibility), item.get("previous_visibility"), at, actor)


def _public_events(events: Any) -> Iterator[PublicEventInfo]:
    for event in events:
        if event.type != "PublicEvent":
            continue
        actor = event.actor.login if event.actor else None
        yield PublicEventInfo(event.repo.name, iso(event.created_at), actor)
