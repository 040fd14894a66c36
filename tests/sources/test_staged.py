"""`leakwarden scan --staged`: only what the change adds counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.cli.fastpath import _parse
from scanner.pipeline import ScanOptions, scan
from tests.support.fakes import Fakes
from tests.support.gitrepo import GitRepo

FAKE = Fakes(seed=7)
LEAKWARDEN = str(Path(sys.executable).parent / "leakwarden")


def staged(repo: GitRepo):
    return scan(repo.path, ScanOptions(staged=True, redact=False, jobs=1)).findings


def run_hook(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LEAKWARDEN, "scan", "--staged", *args], cwd=repo.path,
                          capture_output=True, text=True, check=False)


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.commit("initial", {"README.md": "hello\n", "app/main.py": "print('hi')\n" * 20})
    return r


def test_staged_secret_is_found_with_the_block_message(repo):
    key = FAKE.aws_key_id()
    repo.write("app/main.py", "print('hi')\n" * 20 + f"KEY = '{key}'\n")
    repo.git("add", "-A")
    assert [(f.rule, f.path, f.line, f.secret, f.source) for f in staged(repo)] == [
        ("aws-access-key-id", "app/main.py", 21, key, "staged")]
    proc = run_hook(repo)
    assert proc.returncode == 1
    out = proc.stdout
    assert "commit blocked" in out and "app/main.py:21:" in out and "aws-access-key-id" in out
    assert key not in out + proc.stderr and key[:2] + "*" in out
    # the three ways out, with what to paste
    assert "Remove the secret" in out and "`leakwarden:allow`" in out and "--baseline" in out
    secret_hash = staged(repo)[0].secret_hash
    assert f"app/main.py:aws-access-key-id:{secret_hash}" in out


def test_clean_change_passes(repo):
    repo.write("app/util.py", "def add(a, b):\n    return a + b\n")
    repo.git("add", "-A")
    proc = run_hook(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert staged(repo) == []


def test_unstaged_and_untouched_content_does_not_count(repo):
    key = FAKE.aws_key_id()
    repo.commit("old secret", {"legacy.cfg": f"key = {key}\n"})
    repo.write("notes.txt", f"key = {FAKE.aws_key_id()}\n")  # not staged
    repo.write("legacy.cfg", f"key = {key}\nother = 1\n")  # staged: only line 2 is new
    repo.git("add", "legacy.cfg")
    assert staged(repo) == []
    assert run_hook(repo).returncode == 0


def test_moved_secret_does_not_block(repo):
    key, token = FAKE.aws_key_id(), FAKE.github_token()
    repo.commit("history", {"a.py": f"A = '{key}'\nx = 1\ny = 2\n", "b.py": f"T = '{token}'\n"})
    # renamed as it is
    repo.git("mv", "a.py", "renamed.py")
    # moved within a file: the line goes from the top to the bottom
    repo.write("renamed.py", f"x = 1\ny = 2\nA = '{key}'\n")
    # moved across files: cut from b.py, pasted into c.py
    repo.write("b.py", "T = None\n")
    repo.write("c.py", f"import os\nT = '{token}'\n")
    repo.git("add", "-A")
    assert staged(repo) == []
    assert run_hook(repo).returncode == 0


def test_copied_secret_is_new_and_blocks(repo):
    key = FAKE.aws_key_id()
    repo.commit("history", {"a.py": f"A = '{key}'\n"})
    repo.write("copy.py", f"A = '{key}'\n")  # the original stays: a second copy is new exposure
    repo.git("add", "-A")
    assert [(f.path, f.secret) for f in staged(repo)] == [("copy.py", key)]


def test_first_commit_and_inline_allow(tmp_path):
    repo = GitRepo(tmp_path / "fresh")
    key = FAKE.aws_key_id()
    repo.write("a.py", f"A = '{key}'\nB = '{FAKE.aws_key_id()}'  # leakwarden:allow\n")
    repo.git("add", "-A")
    assert [(f.path, f.line, f.secret) for f in staged(repo)] == [("a.py", 1, key)]


def test_baseline_and_ignore_file_apply_to_the_hook(repo):
    key = FAKE.aws_key_id()
    repo.write("a.py", f"A = '{key}'\n")
    repo.git("add", "-A")
    report = json.loads(run_hook(repo, "--format", "json").stdout)
    assert [f["rule"] for f in report["findings"]] == ["aws-access-key-id"]
    (repo.path / "baseline.json").write_text(json.dumps(report))
    assert run_hook(repo, "--baseline", "baseline.json").returncode == 0
    finding = report["findings"][0]
    repo.write(".leakwardenignore", f"# accepted\na.py:{finding['rule']}:{finding['secret_hash']}\n")
    assert run_hook(repo).returncode == 0


def test_hook_and_full_cli_honour_the_same_gitleaks_config(repo):
    # The hook's fast path once skipped .gitleaks.toml while `scan --staged`
    # through typer (one more flag) used it: one set-up now serves both.
    repo.write(".gitleaks.toml", """
[extend]
useDefault = true

[[rules]]
id = "acme-deploy-token"
description = "ACME deploy token"
regex = '''acmedeploy_([a-z0-9]{32})'''
secretGroup = 1
keywords = ["acmedeploy_"]
""")
    token = "acmedeploy_" + FAKE._pick("abcdefghijklmnopqrstuvwxyz0123456789", 32)
    repo.write("deploy.sh", f"TOKEN={token}\n")
    repo.git("add", "-A")
    fast = run_hook(repo, "--format", "json")
    full = run_hook(repo, "--format", "json", "--no-progress")  # not hook-shaped: typer
    for proc in (fast, full):
        assert proc.returncode == 1, proc.stderr
        assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["acme-deploy-token"]
        assert "using gitleaks config" in proc.stderr


def test_a_blob_size_of_zero_is_an_error_not_a_clean_scan(repo):
    repo.write("a.py", f"A = '{FAKE.aws_key_id()}'\n")
    repo.git("add", "-A")
    for size in ("0", "-5", "lots"):
        proc = subprocess.run([LEAKWARDEN, "scan", str(repo.path), "--max-blob-size", size],
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 2 and "--max-blob-size" in proc.stderr, (size, proc.stderr)


def test_not_a_repository_is_one_line(tmp_path):
    proc = subprocess.run([LEAKWARDEN, "scan", "--staged"], cwd=tmp_path, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("leakwarden: ") and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_fast_path_takes_only_hook_shaped_command_lines():
    assert _parse(["scan", "--staged"]) == {"--staged": ""}
    assert _parse(["scan", "--staged", "--baseline=b.json", "-f", "json", "."]) == {
        "--staged": "", "--baseline": "b.json", "--format": "json", "path": "."}
    assert _parse(["scan", "--staged", "--format", "sarif"]) is None
    assert _parse(["scan", "--staged", "--help"]) is None
    assert _parse(["scan", "."]) is None
    assert _parse(["scan", "--staged", "--baseline"]) is None


def test_hook_does_not_import_heavy_modules(repo):
    code = ("import sys; sys.argv=['leakwarden','scan','--staged']\n"
            "from scanner.cli.fastpath import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('typer','rich','pygit2','pydantic','multiprocessing') "
            "if m in sys.modules), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=repo.path, capture_output=True,
                          text=True, check=False)
    assert proc.stderr.strip().splitlines()[-1] == "[]"


def test_merge_commit_does_not_block_on_the_incoming_branch(repo):
    key = FAKE.aws_key_id()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature adds a key (checked when it was committed)", {"f.cfg": f"key = {key}\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on", {"README.md": "hello again\n"})
    repo.git("merge", "-q", "--no-ff", "--no-commit", "feature")
    assert (repo.path / ".git" / "MERGE_HEAD").exists()
    assert staged(repo) == []
    # ...but a secret added while resolving the merge is new and blocks
    fresh = FAKE.aws_key_id()
    repo.write("resolution.cfg", f"key = {fresh}\n")
    repo.git("add", "resolution.cfg")
    assert [f.secret for f in staged(repo)] == [fresh]
    assert run_hook(repo).returncode == 1


def test_odd_paths_and_binary_files(repo):
    key = FAKE.aws_key_id()
    repo.write("dir with space/ünïcode name.txt", f"key = {key}\n")
    hidden = FAKE.aws_key_id()
    repo.write("blob.bin", b"\0\1\2" + f"key = {hidden}".encode())
    repo.git("add", "-A")
    # A NUL byte does not hide the key behind it.
    assert sorted((f.path, f.secret) for f in staged(repo)) == sorted(
        [("dir with space/ünïcode name.txt", key), ("blob.bin", hidden)])
    proc = run_hook(repo, "--format", "json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["stats"]["skipped_binary"] == 0 and len(report["findings"]) == 2
