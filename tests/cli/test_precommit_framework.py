"""The hook through the real pre-commit framework: pre-commit reads this
repository's .pre-commit-hooks.yaml, builds the hook's virtualenv with pip
from a local clone (no network beyond the package index) and runs it from
the git hook on `git commit`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.fakes import Fakes
from tests.support.gitrepo import GitRepo

PROJECT = Path(__file__).resolve().parents[2]
FAKE = Fakes(seed=404)


def _snapshot_of_this_checkout(dest: Path) -> str:
    """A git repository holding the working tree as it is now (tracked and
    untracked-but-not-ignored files), so the test exercises the code under
    test, not the last commit. Returns its HEAD."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=PROJECT, capture_output=True, check=True).stdout
    for rel in filter(None, listed.decode().split("\0")):
        source = PROJECT / rel
        if source.is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    repo = GitRepo(dest)
    return repo.commit("snapshot of the checkout under test")


@pytest.fixture(scope="module")
def hook_env(tmp_path_factory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("precommit")
    rev = _snapshot_of_this_checkout(base / "hook-repo")
    env = dict(os.environ, PRE_COMMIT_HOME=str(base / "cache"), PRE_COMMIT_COLOR="never",
               HOOK_REPO=str(base / "hook-repo"), HOOK_REV=rev,
               # byte-compiling boto3 and friends in the throwaway hook venv was
               # most of this test's time; Python compiles what it imports anyway
               PIP_NO_COMPILE="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    # pre-commit itself comes from this venv; its git hook script finds it there.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _project(tmp_path: Path, env: dict[str, str]) -> GitRepo:
    repo = GitRepo(tmp_path / "project")
    repo.write(".pre-commit-config.yaml", (
        "repos:\n"
        f"  - repo: {env['HOOK_REPO']}\n"
        f"    rev: {env['HOOK_REV']}\n"
        "    hooks:\n"
        "      - id: leakwarden\n"))
    repo.commit("initial", {"app.py": "print('hello')\n"})
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo.path, env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return repo


def _commit(repo: GitRepo, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    run_env = dict(repo.env(), **{k: env[k] for k in ("PRE_COMMIT_HOME", "PRE_COMMIT_COLOR", "PATH")})
    return subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo.path, env=run_env,
                          capture_output=True, text=True, check=False, timeout=600)


def test_staged_secret_blocks_the_commit_and_a_clean_change_passes(tmp_path, hook_env):
    repo = _project(tmp_path, hook_env)
    token = FAKE.github_token()
    repo.write("settings.py", f"GITHUB_TOKEN = '{token}'\n")
    repo.git("add", "settings.py")
    before = repo.head()
    blocked = _commit(repo, hook_env, "add settings")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert repo.head() == before  # nothing was committed
    assert "leakwarden" in output and "Failed" in output
    assert "github-pat" in output and "settings.py:1:" in output
    assert token[:2] + "*" in output and token not in output  # redacted
    assert "leakwarden:allow" in output and "baseline" in output and "Remove" in output

    # The way out #1: remove it. The clean change now passes through the hook.
    repo.write("settings.py", "import os\nGITHUB_TOKEN = os.environ['GITHUB_TOKEN']\n")
    repo.git("add", "settings.py")
    passed = _commit(repo, hook_env, "read the token from the environment")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert repo.head() != before
    assert "Passed" in passed.stdout + passed.stderr
