"""A small GitHub on 127.0.0.1 for tests: REST in the documented shapes, git over smart HTTP.

Start it in a test, point PyGithub (or ``scanner.github.client.connect``) at
``server.api_url`` with ``base_url``, and inspect or change ``server.state``::

    from tests.support.github_server import GitHubServer

    def test_something(tmp_path):
        with GitHubServer(tmp_path / "gh", token="ghp_test") as gh:
            gh.state.add_org("acme", enterprise=True)       # enterprise: audit log answers
            repo = gh.state.add_repo("acme/app", visibility="private")
            # repo.git_dir is a bare repository served at gh.clone_url("acme/app");
            # push to it by path (git push <repo.git_dir> ...) to give it history.
            gh.state.set_visibility("acme/app", "public", actor="mallory")
            g = github.Github(base_url=gh.api_url, auth=github.Auth.Token("ghp_test"))
            ...
            assert gh.state.issues["acme/app"][0]["title"] == "..."

What it serves (prefix ``/api/v3`` as on GitHub Enterprise Server; the bare
paths work too):

* ``GET /orgs/{org}``, ``GET /orgs/{org}/repos`` (``type``, paged with ``Link``),
  ``GET /repos/{owner}/{repo}``, ``GET /user``, ``GET /rate_limit``
* ``GET /orgs/{org}/audit-log`` (``phrase``, ``per_page``, cursor paging with
  ``after`` in the ``Link`` header, as GitHub does); 404 unless the org was
  added with ``enterprise=True`` (``audit_log_status`` sets another answer)
* ``GET /orgs/{org}/events`` and ``GET /repos/{owner}/{repo}/events`` (``PublicEvent``)
* issues: list (``state``, ``labels``, ``since`` filters, paged), create, get,
  ``PATCH``; issue labels (add, set, remove, list); comments (create, list);
  repo labels (list, get, create); ``GET /search/issues`` with ``repo:``,
  ``label:``, ``is:``, ``in:`` qualifiers and free text
* ``/{owner}/{repo}.git/...`` via ``git http-backend``: the token is taken as
  HTTP basic auth (any user name, token as password) as GitHub does; public
  repositories clone without it.

* ``POST /app/installations/{id}/access_tokens``: a GitHub App registered with
  ``state.add_app(app_id, public_key_pem, installation_id)`` mints ``ghs_``
  tokens (its RS256 JWT is verified) that work for the API and git.

Faults: ``server.state.inject(pattern, status, headers=..., body=..., times=N,
method=None, delay=0)`` answers the next N requests whose path (API prefix
stripped; git paths are ``/owner/name.git/...``) matches the regular
expression ``pattern`` with that response, e.g. a secondary rate limit
(``status=403, headers={"Retry-After": "1"}``), a 429 without ``Retry-After``,
a 500 that succeeds on retry, or (``status=None, delay=2``) a slow answer
given as usual after the delay. ``state.vanish_after_listing`` holds repos
that are deleted right after an org repo listing served them (the repo that
disappears between listing and cloning); ``state.delete_repo`` removes one at
once. Every request is recorded, before it is answered, in ``state.requests``
(method, path, query, status, authorized, headers); ``state.requests_to(regex)``
filters them.

Helpers below: ``commit_files(git_dir, {path: text}, when=...)`` commits
straight into a served bare repo (any ref, e.g. ``refs/pull/1/head``), and
``fake_aws_key()`` / ``aws_credentials_file()`` make made-up keys the AWS
rules find.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

API_PREFIX = "/api/v3"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Repo:
    full_name: str
    id: int
    visibility: str  # public, private, internal
    git_dir: Path
    archived: bool = False
    fork: bool = False
    created_at: float = field(default_factory=time.time)
    default_branch: str = "main"

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]


@dataclass
class Fault:
    pattern: str
    status: int | None  # None: answer as usual (after ``delay``)
    headers: dict[str, str]
    body: Any
    times: int
    method: str | None = None
    delay: float = 0.0
    hits: int = 0


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    status: int
    authorized: bool
    headers: dict[str, str]


class GitHubState:
    """Everything the server knows; tests read and change it directly (under ``lock``)."""

    def __init__(self, git_root: Path, tokens: set[str]) -> None:
        self.git_root = git_root
        self.tokens = set(tokens)
        self.lock = threading.RLock()
        self.orgs: dict[str, dict[str, Any]] = {}
        self.repos: dict[str, Repo] = {}
        self.audit_log: dict[str, list[dict[str, Any]]] = {}  # org -> entries, oldest first
        self.events: list[dict[str, Any]] = []  # oldest first
        self.issues: dict[str, list[dict[str, Any]]] = {}  # full_name -> issues by number
        self.labels: dict[str, dict[str, dict[str, Any]]] = {}
        self.comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self.vanish_after_listing: set[str] = set()
        self.login = "leakwarden-bot"
        self._next_id = 1000
        self.apps: dict[str, dict[str, Any]] = {}  # app id -> {"public_key", "installations"}

    def next_id(self) -> int:
        with self.lock:
            self._next_id += 1
            return self._next_id

    # -- set-up helpers -------------------------------------------------
    def add_org(self, login: str, enterprise: bool = False, audit_log_status: int | None = None) -> None:
        """``enterprise`` orgs answer the audit log; others get 404, or ``audit_log_status``."""
        with self.lock:
            self.orgs[login] = {
                "login": login,
                "id": self.next_id(),
                "enterprise": enterprise,
                "audit_log_status": audit_log_status if audit_log_status else (None if enterprise else 404),
            }
            self.audit_log.setdefault(login, [])

    def add_repo(
        self,
        full_name: str,
        visibility: str = "private",
        archived: bool = False,
        fork: bool = False,
        created_at: float | None = None,
    ) -> Repo:
        """Create the repo and an empty bare git repository for it (``repo.git_dir``)."""
        owner = full_name.split("/", 1)[0]
        if owner not in self.orgs:
            self.add_org(owner)
        git_dir = self.git_root / f"{full_name}.git"
        if not git_dir.exists():
            git_dir.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["git", "init", "-q", "--bare", "-b", "main", str(git_dir)], check=True
            )
        repo = Repo(full_name, self.next_id(), visibility, git_dir, archived, fork)
        if created_at is not None:
            repo.created_at = created_at
        with self.lock:
            self.repos[full_name] = repo
        return repo

    def delete_repo(self, full_name: str) -> None:
        with self.lock:
            self.repos.pop(full_name, None)

    def set_visibility(
        self,
        full_name: str,
        visibility: str,
        actor: str = "octocat",
        at: float | None = None,
        audit: bool = True,
        event: bool = True,
    ) -> None:
        """Change a repo's visibility the way GitHub records it: an audit-log
        ``repo.access`` entry and, when it becomes public, a ``PublicEvent``."""
        at = time.time() if at is None else at
        with self.lock:
            repo = self.repos[full_name]
            previous = repo.visibility
            repo.visibility = visibility
            if audit:
                ms = int(at * 1000)
                self.audit_log.setdefault(repo.owner, []).append(
                    {
                        "@timestamp": ms,
                        "created_at": ms,
                        "_document_id": base64.urlsafe_b64encode(os.urandom(12)).decode(),
                        "action": "repo.access",
                        "actor": actor,
                        "org": repo.owner,
                        "repo": full_name,
                        "repository": full_name,
                        "visibility": visibility,
                        "previous_visibility": previous,
                    }
                )
            if event and visibility == "public" and previous != "public":
                self.events.append(
                    {
                        "id": str(self.next_id()),
                        "type": "PublicEvent",
                        "actor": _user(actor, self.next_id()),
                        "repo": {"id": repo.id, "name": full_name, "url": ""},
                        "org": {"id": self.orgs[repo.owner]["id"], "login": repo.owner},
                        "payload": {},
                        "public": True,
                        "created_at": iso(at),
                    }
                )

    def add_app(self, app_id: int, public_key_pem: str, installation_id: int) -> None:
        """A GitHub App whose JWTs (signed with the matching private key) may mint
        installation tokens; minted tokens are valid for the API and git."""
        with self.lock:
            app = self.apps.setdefault(str(app_id), {"public_key": public_key_pem, "installations": set()})
            app["installations"].add(installation_id)

    def inject(
        self,
        pattern: str,
        status: int,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
        method: str | None = None,
        delay: float = 0.0,
    ) -> Fault:
        """Answer the next ``times`` matching requests with ``status`` after ``delay``
        seconds; ``status=None`` delays and then answers as usual (a slow server)."""
        fault = Fault(pattern, status, dict(headers or {}), body, times, method, delay)
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and re.search(fault.pattern, path) and (
                    fault.method is None or fault.method == method
                ):
                    fault.times -= 1
                    fault.hits += 1
                    return fault
        return None

    def requests_to(self, pattern: str) -> list[RecordedRequest]:
        return [r for r in self.requests if re.search(pattern, r.path)]


def _user(login: str, uid: int) -> dict[str, Any]:
    return {
        "login": login,
        "id": uid,
        "node_id": f"U_{uid}",
        "type": "User",
        "site_admin": False,
        "url": "",
        "html_url": "",
        "avatar_url": "",
        "gravatar_id": "",
        "display_login": login,
    }


class _Reply(Exception):
    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}


def _not_found() -> _Reply:
    return _Reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})


class GitHubServer:
    """The loopback server; a context manager that starts and stops it."""

    def __init__(self, root: Path, token: str = "ghp_loopbacktesttoken", tokens: set[str] | None = None) -> None:
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        self.token = token
        self.state = GitHubState(root / "git", {token} | set(tokens or ()))
        self.state.git_root.mkdir(parents=True, exist_ok=True)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> GitHubServer:
        server = self

        class Handler(_Handler):
            gh = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> GitHubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    def clone_url(self, full_name: str) -> str:
        return f"{self.base_url}/{full_name}.git"

    # -- JSON shapes -----------------------------------------------------
    def org_json(self, org: dict[str, Any]) -> dict[str, Any]:
        login = org["login"]
        url = f"{self.api_url}/orgs/{login}"
        return {
            "login": login,
            "id": org["id"],
            "node_id": f"O_{org['id']}",
            "url": url,
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events",
            "html_url": f"{self.base_url}/{login}",
            "type": "Organization",
            "name": login,
        }

    def repo_json(self, repo: Repo) -> dict[str, Any]:
        owner = self.state.orgs.get(repo.owner, {"login": repo.owner, "id": 1})
        url = f"{self.api_url}/repos/{repo.full_name}"
        return {
            "id": repo.id,
            "node_id": f"R_{repo.id}",
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": {
                "login": owner["login"],
                "id": owner["id"],
                "type": "Organization",
                "url": f"{self.api_url}/orgs/{owner['login']}",
            },
            "private": repo.visibility != "public",
            "visibility": repo.visibility,
            "archived": repo.archived,
            "disabled": False,
            "fork": repo.fork,
            "url": url,
            "html_url": f"{self.base_url}/{repo.full_name}",
            "clone_url": self.clone_url(repo.full_name),
            "git_url": self.clone_url(repo.full_name),
            "default_branch": repo.default_branch,
            "created_at": iso(repo.created_at),
            "updated_at": iso(repo.created_at),
            "pushed_at": iso(repo.created_at),
            "has_issues": True,
            "permissions": {"admin": True, "push": True, "pull": True},
        }


class _Handler(BaseHTTPRequestHandler):
    gh: GitHubServer
    protocol_version = "HTTP/1.1"
    server_version = "loopback-github/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        pass

    # -- plumbing ----------------------------------------------------------
    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        # Record before answering: a test that asserts right after its call
        # returns must find the request already there.
        path, query, authorized = self._current
        with self.gh.state.lock:
            self.gh.state.requests.append(
                RecordedRequest(self.command, path, query, status, authorized, dict(self.headers.items()))
            )
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        body = b"" if data is None else json.dumps(data).encode()
        out = {"Content-Type": "application/json; charset=utf-8"}
        used = len(self.gh.state.requests)
        out.update(
            {
                "X-RateLimit-Limit": "5000",
                "X-RateLimit-Remaining": str(max(0, 5000 - used)),
                "X-RateLimit-Used": str(used),
                "X-RateLimit-Reset": str(int(time.time()) + 3600),
                "X-RateLimit-Resource": "core",
            }
        )
        out.update(headers or {})
        self._send(status, body, out)

    def _token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("token", "bearer"):
            return value.strip()
        if scheme.lower() == "basic":
            try:
                return base64.b64decode(value).decode().partition(":")[2]
            except (ValueError, UnicodeDecodeError):
                return None
        return None

    def _handle(self) -> None:
        state = self.gh.state
        split = urlsplit(self.path)
        path = split.path
        if path.startswith(API_PREFIX + "/") or path == API_PREFIX:
            path = path[len(API_PREFIX):] or "/"
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        body = self._read_body()
        authorized = self._token() in state.tokens
        self._current = (path, split.query, authorized)
        try:
            fault = state.take_fault(self.command, path)
            if fault is not None and fault.delay:
                time.sleep(fault.delay)
            if fault is not None and fault.status is not None:
                raise _Reply(fault.status, fault.body, fault.headers)
            if re.match(r"^/[^/]+/[^/]+\.git/", path):
                self._git(path, split.query, body, authorized)
                return
            m = re.match(r"^/app/installations/(\d+)/access_tokens$", path)
            if m and self.command == "POST":
                raise _Reply(201, self._mint_installation_token(int(m.group(1))))
            if not authorized:
                raise _Reply(401, {"message": "Bad credentials"})
            data = json.loads(body) if body else {}
            result = self._route(self.command, path, query, data)
            raise _Reply(*result) if isinstance(result, tuple) else _Reply(200, result)
        except _Reply as reply:
            self._send_json(reply.status, reply.body, reply.headers)
        except Exception as exc:  # a bug in the fake must show up as a 500, not a hang
            self._send_json(500, {"message": f"loopback server error: {exc!r}"})

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def _mint_installation_token(self, installation_id: int) -> dict[str, Any]:
        import jwt  # PyJWT, a PyGithub dependency

        state = self.gh.state
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            raise _Reply(401, {"message": "A JSON web token could not be decoded"})
        try:
            app_id = str(jwt.decode(value, options={"verify_signature": False})["iss"])
            app = state.apps[app_id]
            jwt.decode(value, app["public_key"], algorithms=["RS256"], leeway=60)
        except (KeyError, jwt.PyJWTError):
            raise _Reply(401, {"message": "A JSON web token could not be decoded"}) from None
        if installation_id not in app["installations"]:
            raise _not_found()
        token = "ghs_" + base64.b32encode(os.urandom(20)).decode().rstrip("=")
        with state.lock:
            state.tokens.add(token)
        return {"token": token, "expires_at": iso(time.time() + 3600), "permissions": {}, "repository_selection": "all"}

    # -- git smart HTTP ----------------------------------------------------------
    def _git(self, path: str, query: str, body: bytes, authorized: bool) -> int:
        state = self.gh.state
        m = re.match(r"^/([^/]+/[^/]+)\.git(/.*)$", path)
        assert m
        full_name, rest = m.group(1), m.group(2)
        with state.lock:
            repo = state.repos.get(full_name)
        if repo is None:
            self._send(404, b"Repository not found.\n", {"Content-Type": "text/plain"})
            return 404
        if repo.visibility != "public" and not authorized:
            self._send(
                401,
                b"Authentication required\n",
                {"WWW-Authenticate": 'Basic realm="GitHub"', "Content-Type": "text/plain"},
            )
            return 401
        if "receive-pack" in rest or "service=git-receive-pack" in query:
            self._send(403, b"push over HTTP is not served; push to git_dir\n", {})
            return 403
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(state.git_root),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_PROJECT_ROOT": str(state.git_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": f"/{full_name}.git{rest}",
            "REQUEST_METHOD": self.command,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_USER": "x-access-token" if authorized else "",
        }
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        env["CONTENT_LENGTH"] = str(len(body))
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        proc = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, timeout=120
        )
        raw = proc.stdout
        sep = raw.find(b"\r\n\r\n")
        head, payload = (raw[:sep], raw[sep + 4 :]) if sep >= 0 else raw.split(b"\n\n", 1)
        status = 200
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").splitlines():
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.strip().split()[0])
            elif key:
                headers[key.strip()] = value.strip()
        self._send(status, payload, headers)
        return status

    # -- REST ------------------------------------------------------------
    def _page(self, items: list[Any], query: dict[str, str], path: str) -> tuple[int, Any, dict[str, str]]:
        per_page = max(1, min(100, int(query.get("per_page") or 30)))
        page = max(1, int(query.get("page") or 1))
        start = (page - 1) * per_page
        chunk = items[start : start + per_page]
        last = max(1, -(-len(items) // per_page))
        links = []

        def link(p: int, rel: str) -> str:
            q = dict(query, page=str(p), per_page=str(per_page))
            return f'<{self.gh.api_url}{path}?{urlencode(q)}>; rel="{rel}"'

        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        return 200, chunk, ({"Link": ", ".join(links)} if links else {})

    def _repo(self, full_name: str) -> Repo:
        with self.gh.state.lock:
            repo = self.gh.state.repos.get(full_name)
        if repo is None:
            raise _not_found()
        return repo

    def _route(self, method: str, path: str, query: dict[str, str], data: Any) -> Any:
        gh, state = self.gh, self.gh.state
        parts = [p for p in path.split("/") if p]
        if method == "GET" and parts == ["user"]:
            return _user(state.login, 1)
        if method == "GET" and parts == ["rate_limit"]:
            core = {"limit": 5000, "remaining": 5000, "reset": int(time.time()) + 3600, "used": 0}
            return {"resources": {"core": core, "search": core}, "rate": core}
        if len(parts) >= 2 and parts[0] == "orgs":
            org = state.orgs.get(parts[1])
            if org is None:
                raise _not_found()
            if len(parts) == 2 and method == "GET":
                return gh.org_json(org)
            if parts[2:] == ["repos"] and method == "GET":
                return self._org_repos(org, query, path)
            if parts[2:] == ["audit-log"] and method == "GET":
                return self._audit_log(org, query)
            if parts[2:] == ["events"] and method == "GET":
                events = [e for e in reversed(state.events) if e["org"]["login"] == org["login"]]
                return self._page(events, query, path)
        if len(parts) == 3 and parts[0] == "organizations" and parts[2] == "audit-log":
            for org in state.orgs.values():
                if str(org["id"]) == parts[1]:
                    return self._audit_log(org, query)
            raise _not_found()
        if parts[:1] == ["search"] and parts[1:] == ["issues"] and method == "GET":
            return self._search_issues(query, path)
        if len(parts) >= 3 and parts[0] == "repos":
            repo = self._repo(f"{parts[1]}/{parts[2]}")
            rest = parts[3:]
            if not rest and method == "GET":
                return gh.repo_json(repo)
            if rest == ["events"] and method == "GET":
                events = [e for e in reversed(state.events) if e["repo"]["name"] == repo.full_name]
                return self._page(events, query, path)
            if rest[:1] == ["issues"]:
                return self._issues(method, repo, rest[1:], query, data, path)
            if rest[:1] == ["labels"]:
                return self._labels(method, repo, rest[1:], query, data, path)
        raise _not_found()

    def _org_repos(self, org: dict[str, Any], query: dict[str, str], path: str) -> Any:
        state = self.gh.state
        kind = query.get("type", "all")
        with state.lock:
            repos = [r for r in state.repos.values() if r.owner == org["login"]]
        if kind in ("public", "private"):
            repos = [r for r in repos if (r.visibility == "public") == (kind == "public")]
        elif kind == "forks":
            repos = [r for r in repos if r.fork]
        elif kind == "sources":
            repos = [r for r in repos if not r.fork]
        repos.sort(key=lambda r: r.id)
        status, chunk, headers = self._page(repos, query, path)
        with state.lock:
            for repo in chunk:
                if repo.full_name in state.vanish_after_listing:
                    state.repos.pop(repo.full_name, None)
        return status, [self.gh.repo_json(r) for r in chunk], headers

    def _audit_log(self, org: dict[str, Any], query: dict[str, str]) -> Any:
        if org["audit_log_status"]:
            status = org["audit_log_status"]
            message = "Not Found" if status == 404 else "Must have admin:org scope"
            raise _Reply(status, {"message": message, "documentation_url": "https://docs.github.com/rest"})
        entries = list(self.gh.state.audit_log.get(org["login"], []))
        if query.get("order", "desc") == "desc":
            entries.reverse()
        for term in query.get("phrase", "").split():
            key, _, value = term.partition(":")
            if key == "action":
                entries = [e for e in entries if e["action"] == value]
            elif key == "repo":
                entries = [e for e in entries if e.get("repo") == value]
        per_page = max(1, min(100, int(query.get("per_page") or 30)))
        start = 0
        if query.get("after"):
            doc = base64.urlsafe_b64decode(query["after"].encode()).decode()
            ids = [e["_document_id"] for e in entries]
            start = ids.index(doc) + 1 if doc in ids else len(entries)
        chunk = entries[start : start + per_page]
        headers = {}
        if start + per_page < len(entries):
            cursor = base64.urlsafe_b64encode(chunk[-1]["_document_id"].encode()).decode()
            q = {k: v for k, v in query.items() if k not in ("after", "before")}
            q.update(after=cursor, before="")
            # GitHub's own next link names the org by id, not by login.
            headers["Link"] = f'<{self.gh.api_url}/organizations/{org["id"]}/audit-log?{urlencode(q)}>; rel="next"'
        return 200, chunk, headers

    # -- issues and labels -----------------------------------------------
    def _label_json(self, repo: Repo, name: str, color: str = "ededed", description: str | None = None) -> dict[str, Any]:
        labels = self.gh.state.labels.setdefault(repo.full_name, {})
        if name.lower() not in {k.lower() for k in labels}:
            lid = self.gh.state.next_id()
            labels[name] = {
                "id": lid,
                "node_id": f"LA_{lid}",
                "url": f"{self.gh.api_url}/repos/{repo.full_name}/labels/{name}",
                "name": name,
                "color": color,
                "default": False,
                "description": description,
            }
        return next(v for k, v in labels.items() if k.lower() == name.lower())

    def _labels(self, method: str, repo: Repo, rest: list[str], query: dict[str, str], data: Any, path: str) -> Any:
        state = self.gh.state
        with state.lock:
            labels = state.labels.setdefault(repo.full_name, {})
            if not rest and method == "GET":
                return self._page(list(labels.values()), query, path)
            if not rest and method == "POST":
                name = data.get("name")
                if not name:
                    raise _Reply(422, {"message": "Validation Failed", "errors": [{"field": "name", "code": "missing_field"}]})
                if name.lower() in {k.lower() for k in labels}:
                    raise _Reply(422, {"message": "Validation Failed", "errors": [{"resource": "Label", "code": "already_exists", "field": "name"}]})
                return 201, self._label_json(repo, name, data.get("color", "ededed"), data.get("description"))
            if len(rest) == 1:
                found = next((v for k, v in labels.items() if k.lower() == rest[0].lower()), None)
                if found is None:
                    raise _not_found()
                if method == "GET":
                    return found
                if method == "DELETE":
                    labels.pop(found["name"])
                    return 204, None
        raise _not_found()

    def _issue_json(self, repo: Repo, issue: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.gh.api_url}/repos/{repo.full_name}/issues/{issue['number']}"
        return dict(
            issue,
            url=url,
            repository_url=f"{self.gh.api_url}/repos/{repo.full_name}",
            html_url=f"{self.gh.base_url}/{repo.full_name}/issues/{issue['number']}",
            comments_url=f"{url}/comments",
            labels_url=f"{url}/labels{{/name}}",
            comments=len(self.gh.state.comments.get((repo.full_name, issue["number"]), [])),
        )

    def _find_issue(self, repo: Repo, number: str) -> dict[str, Any]:
        for issue in self.gh.state.issues.get(repo.full_name, []):
            if str(issue["number"]) == number:
                return issue
        raise _not_found()

    def _issues(self, method: str, repo: Repo, rest: list[str], query: dict[str, str], data: Any, path: str) -> Any:
        state = self.gh.state
        with state.lock:
            issues = state.issues.setdefault(repo.full_name, [])
            if not rest and method == "GET":
                want = query.get("state", "open")
                found = [i for i in issues if want == "all" or i["state"] == want]
                for name in filter(None, query.get("labels", "").split(",")):
                    found = [i for i in found if any(lb["name"].lower() == name.strip().lower() for lb in i["labels"])]
                if query.get("since"):
                    found = [i for i in found if i["updated_at"] >= query["since"]]
                reverse = query.get("direction", "desc") == "desc"
                found.sort(key=lambda i: (i["created_at"], i["number"]), reverse=reverse)
                status, chunk, headers = self._page(found, query, path)
                return status, [self._issue_json(repo, i) for i in chunk], headers
            if not rest and method == "POST":
                if not data.get("title"):
                    raise _Reply(422, {"message": "Validation Failed", "errors": [{"field": "title", "code": "missing_field"}]})
                now = iso(time.time())
                iid = state.next_id()
                issue = {
                    "id": iid,
                    "node_id": f"I_{iid}",
                    "number": len(issues) + 1,
                    "title": data["title"],
                    "body": data.get("body"),
                    "state": "open",
                    "state_reason": None,
                    "labels": [self._label_json(repo, str(n)) for n in data.get("labels", [])],
                    "assignees": [_user(a, 2) for a in data.get("assignees", [])],
                    "assignee": None,
                    "milestone": None,
                    "locked": False,
                    "user": _user(state.login, 1),
                    "created_at": now,
                    "updated_at": now,
                    "closed_at": None,
                    "author_association": "MEMBER",
                }
                issues.append(issue)
                return 201, self._issue_json(repo, issue)
            if not rest:
                raise _not_found()
            issue = self._find_issue(repo, rest[0])
            sub = rest[1:]
            if not sub and method == "GET":
                return self._issue_json(repo, issue)
            if not sub and method == "PATCH":
                for key in ("title", "body", "state_reason"):
                    if key in data:
                        issue[key] = data[key]
                if "state" in data and data["state"] != issue["state"]:
                    issue["state"] = data["state"]
                    issue["closed_at"] = iso(time.time()) if data["state"] == "closed" else None
                if "labels" in data:
                    issue["labels"] = [self._label_json(repo, _label_name(n)) for n in data["labels"]]
                if "assignees" in data:
                    issue["assignees"] = [_user(a, 2) for a in data["assignees"]]
                issue["updated_at"] = iso(time.time())
                return self._issue_json(repo, issue)
            if sub == ["labels"]:
                if method == "GET":
                    return self._page(issue["labels"], query, path)
                names = data.get("labels", data) if isinstance(data, dict) else data
                names = [_label_name(n) for n in (names or [])]
                if method == "PUT":
                    issue["labels"] = []
                if method in ("POST", "PUT"):
                    have = {lb["name"].lower() for lb in issue["labels"]}
                    for name in names:
                        if name.lower() not in have:
                            issue["labels"].append(self._label_json(repo, name))
                            have.add(name.lower())
                    issue["updated_at"] = iso(time.time())
                    return issue["labels"]
                if method == "DELETE":
                    issue["labels"] = []
                    return 204, None
            if len(sub) == 2 and sub[0] == "labels" and method == "DELETE":
                before = len(issue["labels"])
                issue["labels"] = [lb for lb in issue["labels"] if lb["name"].lower() != sub[1].lower()]
                if len(issue["labels"]) == before:
                    raise _Reply(404, {"message": "Label does not exist"})
                return issue["labels"]
            if sub == ["comments"]:
                comments = state.comments.setdefault((repo.full_name, issue["number"]), [])
                if method == "GET":
                    return self._page(comments, query, path)
                if method == "POST":
                    now = iso(time.time())
                    cid = state.next_id()
                    comment = {
                        "id": cid,
                        "node_id": f"IC_{cid}",
                        "body": data.get("body", ""),
                        "user": _user(state.login, 1),
                        "created_at": now,
                        "updated_at": now,
                        "url": f"{self.gh.api_url}/repos/{repo.full_name}/issues/comments/{cid}",
                        "html_url": "",
                        "issue_url": f"{self.gh.api_url}/repos/{repo.full_name}/issues/{issue['number']}",
                    }
                    comments.append(comment)
                    issue["updated_at"] = now
                    return 201, comment
        raise _not_found()

    def _search_issues(self, query: dict[str, str], path: str) -> Any:
        state = self.gh.state
        q = query.get("q", "")
        terms = re.findall(r'(?:[\w-]+:)?"[^"]*"|\S+', q)
        repos, labels, states, free, fields = [], [], [], [], []
        for term in terms:
            key, sep, value = term.partition(":")
            value = value.strip('"')
            if sep and key == "repo":
                repos.append(value)
            elif sep and key == "label":
                labels.append(value.lower())
            elif sep and key in ("is", "state") and value in ("open", "closed"):
                states.append(value)
            elif sep and key == "is":
                continue  # is:issue, is:pr
            elif sep and key == "in":
                fields.append(value)
            elif sep and key in ("type", "org", "user"):
                continue
            else:
                free.append(term.strip('"').lower())
        results = []
        with state.lock:
            for full_name, issues in state.issues.items():
                if repos and full_name not in repos:
                    continue
                repo = state.repos.get(full_name)
                if repo is None:
                    continue
                for issue in issues:
                    if states and issue["state"] not in states:
                        continue
                    names = {lb["name"].lower() for lb in issue["labels"]}
                    if any(lb not in names for lb in labels):
                        continue
                    hay = []
                    if not fields or "title" in fields:
                        hay.append(issue["title"] or "")
                    if not fields or "body" in fields:
                        hay.append(issue["body"] or "")
                    text = "\n".join(hay).lower()
                    if all(word in text for word in free):
                        results.append(self._issue_json(repo, issue) | {"score": 1.0})
        status, chunk, headers = self._page(results, query, path)
        return status, {"total_count": len(results), "incomplete_results": False, "items": chunk}, headers


def _label_name(value: Any) -> str:
    return value["name"] if isinstance(value, dict) else str(value)


# -- helpers for tests that need history in a served repo ------------------------------


def commit_files(
    git_dir: str | Path,
    files: dict[str, str | bytes | None],
    when: float | None = None,
    message: str = "change",
    ref: str = "refs/heads/main",
    author: tuple[str, str] = ("Dev Eloper", "dev@example.test"),
) -> str:
    """Commit ``files`` (path -> content, None deletes) on top of ``ref`` in a bare repo,
    dated ``when`` (author and committer), and move ``ref``; returns the commit id.

    Works on the served ``Repo.git_dir`` directly, so tests need no work tree
    or push.
    """
    import pygit2

    repo = pygit2.Repository(str(git_dir))
    when = time.time() if when is None else when
    sig = pygit2.Signature(author[0], author[1], int(when), 0)
    index = pygit2.Index()
    parents = []
    try:
        parent = repo.lookup_reference(ref).peel(pygit2.Commit)
        index.read_tree(parent.tree)
        parents = [parent.id]
    except KeyError:
        pass
    for path, content in files.items():
        if content is None:
            index.remove(path)
            continue
        data = content.encode() if isinstance(content, str) else content
        index.add(pygit2.IndexEntry(path, repo.create_blob(data), pygit2.GIT_FILEMODE_BLOB))
    tree = index.write_tree(repo)
    oid = repo.create_commit(None, sig, sig, message, tree, parents)
    repo.references.create(ref, oid, force=True)
    return str(oid)


def fake_aws_key(seed: int | None = None) -> tuple[str, str]:
    """A made-up AWS key pair in the real shapes (``AKIA`` + 16 of [A-Z2-7], 40-char secret).

    Random per call unless seeded; never the documentation example key.
    """
    import random
    import string

    rng = random.Random(seed)
    key_id = "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))
    secret = "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))
    return key_id, secret


def aws_credentials_file(key_id: str, secret: str) -> str:
    return f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\nregion = eu-west-1\n"
