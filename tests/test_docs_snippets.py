# ruff: noqa: F811 - pytest fixtures are imported from tests.support.aws by name
"""The docs' shell snippets run as written.

Every ```sh / ```cron block in README.md and docs/*.md is preceded by
``<!-- runnable -->`` (or ``<!-- runnable: crontab -->``), and then this test
runs it, or by ``<!-- not runnable: REASON -->`` (or ``<!-- runs offline: TEST -->``,
or the whole document is in ``RUN_ELSEWHERE``: another test runs it). Runnable blocks run in a
sandbox that looks like the world the docs talk about: the working directory
is a clone (with ``origin/main``) whose newest commit leaks a live AWS key;
``LEAKWARDEN_REPO`` is this checkout (where the docs say "your copy");
``GITHUB_TOKEN``/``GITHUB_API_URL`` point at the loopback GitHub server,
``AWS_ENDPOINT_URL_STS`` at moto; ``/var/lib/leakwarden`` and
``/etc/leakwarden`` are directories of the sandbox. Every command must exit 0
or 1 (1: findings), never 2, and every ``-o FILE`` it names must exist after.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.aws import credentials_file, moto_server, moto_sts  # noqa: F401 - fixtures
from tests.support.github_server import GitHubServer, commit_files
from tests.support.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOKEN = "ghp_docsnippetstoken000000000000000000"
_FENCE = re.compile(r"^```(\w+)\s*$")
_MARK = re.compile(r"^<!--\s*(runnable(?::\s*(\w+))?|not runnable:.+?|runs offline:.+?)\s*-->\s*$")
# Documents whose every shell block another test runs as written.
RUN_ELSEWHERE = {"docs/s3-and-terraform-state.md": "tests/cli/test_docs_s3.py"}


@dataclass
class Snippet:
    doc: str
    line: int
    lang: str
    mark: str | None  # "runnable", "crontab", "not runnable", or None
    body: str

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def snippets() -> list[Snippet]:
    found = []
    for doc in DOCS:
        lines = doc.read_text().splitlines()
        for i, line in enumerate(lines):
            fence = _FENCE.match(line)
            if not fence or fence.group(1) not in ("sh", "bash", "cron"):
                continue
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            mark = _MARK.match(lines[i - 1]) if i else None
            kind = None
            if mark:
                kind = "not runnable" if mark.group(1).startswith(("not", "runs")) \
                    else (mark.group(2) or "runnable")
            elif doc.relative_to(ROOT).as_posix() in RUN_ELSEWHERE:
                kind = "not runnable"  # run by RUN_ELSEWHERE's test
            found.append(Snippet(doc.relative_to(ROOT).as_posix(), i + 1, fence.group(1), kind,
                                 "\n".join(lines[i + 1:end])))
    return found


RUNNABLE = [s for s in snippets() if s.mark in ("runnable", "crontab")]


def test_every_shell_snippet_is_marked():
    unmarked = [s.id for s in snippets() if s.mark is None]
    assert not unmarked, f"mark these <!-- runnable --> or <!-- not runnable: why -->: {unmarked}"
    assert len(RUNNABLE) >= 8  # markers cannot vanish silently


def commands(snippet: Snippet) -> list[str]:
    """Logical command lines: continuations joined, comments dropped; a
    crontab line loses its schedule and user fields and its ``\\%`` escapes."""
    out: list[str] = []
    pending = ""
    for raw in snippet.body.splitlines():
        line = raw.rstrip()
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = re.sub(r"\s{2,}#\s.*$", "", pending + line)
        pending = ""
        if snippet.mark == "crontab":
            line = line.split(None, 6)[6].replace("\\%", "%")
        out.append(line)
    return out


@pytest.fixture
def sandbox(tmp_path, moto_sts, monkeypatch):
    """The world the docs assume (see the module docstring)."""
    key_id, secret = moto_sts.create_user_key(f"docs-{tmp_path.name[-30:]}")
    origin = GitRepo(tmp_path / "origin.git", bare=True)
    work = GitRepo(tmp_path / "work")
    work.commit("start", {"README.md": "app\n", "src/app.py": "print('hi')\n"})
    work.git("remote", "add", "origin", str(origin.path))
    work.git("push", "-q", "origin", "main")
    work.git("fetch", "-q", "origin")
    work.commit("configure", {"src/settings.ini": credentials_file(key_id, secret)})
    var, etc = tmp_path / "var", tmp_path / "etc"
    var.mkdir()
    etc.mkdir()
    with GitHubServer(tmp_path / "gh", token=TOKEN) as gh:
        gh.state.add_org("acme", enterprise=True)
        app = gh.state.add_repo("acme/app", visibility="private")
        commit_files(app.git_dir, {"deploy/.env": credentials_file(key_id, secret)},
                     when=time.time() - 86400, message="deploy env")
        gh.state.add_repo("acme/security", visibility="private")
        (etc / "env").write_text(f"GITHUB_TOKEN={TOKEN}\nGITHUB_API_URL={gh.api_url}\n")
        env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN", "NO_COLOR")}
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            GITHUB_TOKEN=TOKEN, GITHUB_API_URL=gh.api_url,
            AWS_ENDPOINT_URL_STS=moto_sts.endpoint, LEAKWARDEN_REPO=str(ROOT),
            HOME=str(tmp_path), GIT_CONFIG_NOSYSTEM="1",
        )
        yield {"cwd": work.path, "env": env, "rewrite": {"/var/lib/leakwarden": str(var),
                                                         "/etc/leakwarden": str(etc)},
               "secret": secret, "tmp": tmp_path}


def _run(command: str, box: dict) -> subprocess.CompletedProcess[str]:
    for old, new in box["rewrite"].items():
        command = command.replace(old, new)
    return subprocess.run(["bash", "-c", command], cwd=box["cwd"], env=box["env"],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("snippet", RUNNABLE, ids=[s.id for s in RUNNABLE])
def test_snippet_runs_as_written(snippet, sandbox):
    for command in commands(snippet):
        proc = _run(command, sandbox)
        assert proc.returncode in (0, 1), f"{snippet.id}: `{command}` exited {proc.returncode}:\n{proc.stderr}"
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
        assert sandbox["secret"] not in proc.stdout + proc.stderr
        for name in re.findall(r"(?:-o|--output)\s+(\S+)", command):
            if name != "-":
                for old, new in sandbox["rewrite"].items():
                    name = name.replace(old, new)
                written = list(Path(sandbox["cwd"]).glob(name)) if "$" not in name else \
                    list(Path(name).parent.glob("*"))
                assert written or Path(sandbox["cwd"], name).exists(), f"{command}: no {name}"


def test_cron_env_file_needs_export(sandbox):
    """What the cron example used to say: a sourced env file without export
    leaves GITHUB_TOKEN a shell variable; leakwarden never sees it."""
    env_file = sandbox["rewrite"]["/etc/leakwarden"] + "/env"
    box = dict(sandbox, env={k: v for k, v in sandbox["env"].items()
                             if k not in ("GITHUB_TOKEN", "GITHUB_API_URL")})
    state = shlex.quote(str(sandbox["tmp"] / "old.sqlite3"))
    old = _run(f". {env_file} && leakwarden org scan acme --state {state}", box)
    assert old.returncode == 2 and "GITHUB_TOKEN" in old.stderr
    cron = next(s for s in RUNNABLE if s.mark == "crontab")
    assert _run(commands(cron)[0], box).returncode in (0, 1)


def test_readme_json_example_names_the_real_stats(sandbox):
    import json

    readme = (ROOT / "README.md").read_text()
    example = readme[readme.index('"stats":'):]
    example = example[:example.index("```")]
    named = set(re.findall(r'"([a-z_+]+)":', example)) - {"stats", "seconds"}
    proc = _run("leakwarden scan . --format json", sandbox)
    stats = json.loads(proc.stdout)["stats"]
    assert named == set(stats) - {"seconds"} | set(stats["seconds"])


def test_readme_first_set_up_command_scans_a_fresh_clone_clean(tmp_path):
    """The README's first set-up command ends in `leakwarden scan .` on this
    repository: a fresh clone of it is clean (its own fixtures are allowlisted)."""
    clone = tmp_path / "leakwarden"
    subprocess.run(["git", "clone", "-q", "--no-local", "--single-branch", str(ROOT), str(clone)],
                   check=True, capture_output=True)
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", ".", "-j", "2"], cwd=clone,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
