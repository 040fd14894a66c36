"""Processes ``org scan`` starts: workers die with the coordinator (even on
``kill -9``), and local git commands never see a credential."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from scanner import ScanOptions, scan
from scanner.github.mirror import only_moved_forward, read_tips, sync_mirror
from tests.support.gitrepo import GitRepo

TOKEN = "ghp_workerlifetimetoken0000000000000000"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose (its parent is gone, init reaps it)
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_workers_exit_when_the_coordinator_is_killed(tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(Path.cwd())!r})
        from scanner.orgscan import executors
        from scanner.orgscan.task import RepoTask

        def stuck(task):  # a worker in the middle of a long clone
            (__import__("pathlib").Path({str(pids)!r}) / str(os.getpid())).write_text(
                os.environ.get("GITHUB_TOKEN", ""))
            time.sleep(120)

        executors.run_repo_task = stuck
        tasks = [RepoTask(repo=f"acme/r{{i}}", clone_url="x", mirror="x", api_url="x") for i in range(2)]
        for _ in executors.run_in_processes(tasks, 2):
            pass
    """)
    coordinator = subprocess.Popen([sys.executable, "-c", script],
                                   env=dict(os.environ, GITHUB_TOKEN=TOKEN))
    try:
        deadline = time.monotonic() + 60
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = [int(p.name) for p in pids.iterdir()]
        assert len(workers) == 2 and all(_alive(w) for w in workers)
        # the workers forgot the credentials they inherited
        assert all((pids / str(w)).read_text() == "" for w in workers)
        coordinator.send_signal(signal.SIGKILL)
        coordinator.wait()
        # A bound against a hang, not a speed check: the loop ends as soon as they
        # are gone (at once, by their parent-death signal), so it can be generous.
        deadline = time.monotonic() + 60
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers)
    finally:
        coordinator.kill()
        for p in pids.iterdir():
            try:
                os.kill(int(p.name), signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_local_git_commands_get_no_token(tmp_path, monkeypatch):
    """A git on PATH that records its environment, then runs the real one."""
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    record = tmp_path / "envs"
    record.mkdir()
    shim = tmp_path / "bin" / "git"
    shim.parent.mkdir()
    shim.write_text(f"#!/bin/sh\nenv > {record}/$$.env\necho \"$@\" > {record}/$$.args\nexec {real} \"$@\"\n")
    shim.chmod(0o755)
    repo = GitRepo(tmp_path / "repo")  # built before the shim: the test's own git calls
    repo.commit("one", {"a.txt": "hello\n"})
    monkeypatch.setenv("PATH", f"{shim.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x" * 40)
    mirror = tmp_path / "mirror.git"
    sync_mirror(f"file://{repo.path}", mirror, TOKEN, timeout=60)  # the one that may authenticate
    tips = read_tips(mirror)
    only_moved_forward(mirror, tips.values(), tips.values())
    scan(str(mirror), ScanOptions(jobs=1))

    envs = {p.stem: p.read_text() for p in record.glob("*.env")}
    args = {p.stem: p.read_text() for p in record.glob("*.args")}
    assert len(envs) >= 3 and any("cat-file" in a or "rev-list" in a for a in args.values())
    for pid, env in envs.items():
        assert "GITHUB_TOKEN=" not in env and "AWS_SECRET_ACCESS_KEY=" not in env, args[pid]
        if "clone" not in args[pid] and "fetch" not in args[pid]:
            assert "extraHeader" not in env and "extraheader" not in env.lower(), args[pid]
