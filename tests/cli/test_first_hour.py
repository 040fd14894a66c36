"""The first hour of a gitleaks/trufflehog user: paths and streams
that mean what they say, the command line they expect, a report a responder
reads. Every test runs the real console entry point in a subprocess on a
real repository built here."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

from scanner.model import ScanResult
from scanner.pipeline import ScanOptions, scan
from scanner.report.text_report import render_text
from tests.support.fakes import Fakes
from tests.support.gitrepo import GitRepo

FAKE = Fakes(seed=16)
LEAKWARDEN = [sys.executable, "-m", "scanner"]


def aws_text() -> tuple[str, str]:
    key, secret = FAKE.aws_key_id(), FAKE.aws_secret()
    return key, f"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"


def lw(*args: str, cwd: Path | None = None, input: str | None = None,
       env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LEAKWARDEN, *args], capture_output=True, text=True, cwd=cwd,
                          input=input, env={**os.environ, **(env or {})}, timeout=120, **kw)


# -- paths and streams ---------------------------------------------------------------


def test_a_path_inside_a_repository_limits_the_scan_to_its_history(repo):
    key_a, text_a = aws_text()
    key_b, text_b = aws_text()
    repo.commit("a", {"svc/a/creds.ini": text_a})
    repo.commit("b", {"svc/b/creds.ini": text_b})
    whole = lw("scan", str(repo.path), "-j", "1", "--no-redact", "--format", "json")
    assert {key_a, key_b} <= {f["secret"] for f in json.loads(whole.stdout)["findings"]}

    sub = lw("scan", str(repo.path / "svc" / "a"), "-j", "1", "--no-redact", "--format", "json")
    secrets = {f["secret"] for f in json.loads(sub.stdout)["findings"]}
    assert key_a in secrets and key_b not in secrets
    assert "scanning only the history of svc/a" in sub.stderr
    one_file = lw("scan", str(repo.path / "svc/b/creds.ini"), "-j", "1", "--no-redact",
                  "--format", "json")
    found = json.loads(one_file.stdout)["findings"]
    assert {f["path"] for f in found} == {"svc/b/creds.ini"} and key_b in {f["secret"] for f in found}


def test_a_deleted_path_still_limits_to_its_history(repo):
    """`git log -- PATH` works for a path that no longer exists; so does this,
    from the repository (the path must exist to be named on disk, so its
    directory is given)."""
    key, text = aws_text()
    repo.commit("add", {"old/creds.ini": text, "old/keep.txt": "x\n"})
    (repo.path / "old/creds.ini").unlink()
    repo.commit("remove")
    out = lw("scan", str(repo.path / "old"), "-j", "1", "--no-redact", "--format", "json")
    assert key in {f["secret"] for f in json.loads(out.stdout)["findings"]}


def test_scan_dash_reads_standard_input(tmp_path):
    key, text = aws_text()
    proc = lw("scan", "-", "--no-redact", "--format", "json", input=text, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert key in {f["secret"] for f in json.loads(proc.stdout)["findings"]}


def test_dev_stdin_is_read_not_reported_clean(tmp_path):
    key, text = aws_text()
    proc = lw("scan", "/dev/stdin", "--no-git", "--no-redact", "--format", "json",
              input=text, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["stats"]["blobs_scanned"] == 1 and key in {f["secret"] for f in report["findings"]}


def test_a_fifo_and_a_character_device_are_read(tmp_path):
    key, text = aws_text()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "w") as handle:
            handle.write(text)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    proc = lw("scan", str(fifo), "--no-redact", "--format", "json", cwd=tmp_path)
    writer.join(10)
    if writer.is_alive():  # the scanner never opened the FIFO: release the writer
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    assert proc.returncode == 1, proc.stderr
    assert key in {f["secret"] for f in json.loads(proc.stdout)["findings"]}
    null = lw("scan", "/dev/null", "--format", "json", cwd=tmp_path)
    assert null.returncode == 0 and json.loads(null.stdout)["stats"]["blobs_scanned"] == 1


def test_output_dash_is_stdout_and_unwritable_output_fails_before_the_scan(repo, tmp_path):
    repo.commit("creds", {"c.ini": aws_text()[1]})
    proc = lw("scan", str(repo.path), "-j", "1", "--format", "json", "-o", "-", cwd=tmp_path)
    assert proc.returncode == 1 and json.loads(proc.stdout)["findings"]
    assert not (tmp_path / "-").exists()
    blocked = tmp_path / "ro"
    blocked.write_text("a file, not a directory")
    bad = lw("--log-level", "debug", "scan", str(repo.path), "-j", "1", "-o",
             str(blocked / "report.json"))
    assert bad.returncode == 2
    assert bad.stderr.startswith(f"leakwarden: cannot write {blocked / 'report.json'}")
    assert "DEBUG: stats" not in bad.stderr  # nothing was scanned


def test_nonexistent_path_says_so(tmp_path):
    proc = lw("scan", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"leakwarden: {tmp_path / 'nope'}: no such file or directory"


def test_staged_outside_a_repository_and_bad_range_messages(tmp_path, repo):
    plain = tmp_path / "plain"
    plain.mkdir()
    proc = lw("scan", "--staged", cwd=plain)
    assert proc.returncode == 2 and "not a git repository" in proc.stderr
    assert "cached" not in proc.stderr
    bad = lw("scan", str(repo.path), "--range", "main..no-such-branch", "-j", "1")
    assert bad.returncode == 2
    assert "'no-such-branch' (the end of 'main..no-such-branch') is not a commit" in bad.stderr
    assert bad.stderr.count("main..no-such-branch") == 1


def test_no_git_excludes_includes_and_gitignore(tmp_path):
    root = tmp_path / "tree"
    keys = {}
    for rel in ("app/settings.ini", "build/out.ini", "docs/notes.txt", "node_modules/x/c.ini",
                "logs/debug.log"):
        keys[rel], text = aws_text()
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / ".gitignore").write_text("build/\n*.log\n")

    def paths(*args: str) -> set[str]:
        out = lw("scan", str(root), "--no-git", "-j", "1", "--format", "json", *args)
        assert out.returncode in (0, 1), out.stderr
        return {f["path"] for f in json.loads(out.stdout)["findings"]}

    everything = paths()
    assert "node_modules/x/c.ini" not in everything  # the documented default skip list
    assert {"app/settings.ini", "build/out.ini", "docs/notes.txt", "logs/debug.log"} <= everything
    assert paths("--exclude", "docs", "--exclude", "*.log") == {"app/settings.ini", "build/out.ini"}
    assert paths("--include", "*.ini") == {"app/settings.ini", "build/out.ini"}
    assert paths("--gitignore") == {"app/settings.ini", "docs/notes.txt"}
    help_text = lw("scan", "--help", env={"COLUMNS": "200"}).stdout
    assert "node_modules" in help_text and "--gitignore" in help_text
    refused = lw("scan", str(root), "--exclude", "*.log")
    assert refused.returncode == 2 and "--no-git" in refused.stderr


# -- the command line ------------------------------------------------------------------


def test_version_completion_and_log_level():
    from scanner import __version__

    assert lw("--version").stdout.strip() == f"leakwarden {__version__}"
    script = lw("completion", "bash")
    assert script.returncode == 0 and "_LEAKWARDEN_COMPLETE" in script.stdout
    assert "complete" in lw("completion", "zsh").stdout
    bad = lw("--log-level", "loud", "rules", "list")
    assert bad.returncode == 2 and bad.stderr.startswith("leakwarden: ")


def test_log_level_debug_shows_the_set_up(repo):
    proc = lw("--log-level", "debug", "scan", str(repo.path), "-j", "1")
    assert proc.returncode == 0
    assert "leakwarden: DEBUG: root" in proc.stderr and "leakwarden: DEBUG: stats" in proc.stderr


def _on_a_terminal(*args: str, cwd: Path) -> str:
    """stdout is a pseudo-terminal, so colour would be on by default."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    proc = subprocess.Popen([*LEAKWARDEN, *args], stdout=follower, stderr=subprocess.DEVNULL,
                            cwd=cwd, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(60)
    os.close(leader)
    return b"".join(chunks).decode(errors="replace")


def test_no_color_on_a_terminal(repo):
    repo.commit("creds", {"c.ini": aws_text()[1]})
    coloured = _on_a_terminal("scan", str(repo.path), "-j", "1", "--no-progress", cwd=repo.path)
    assert "\x1b[" in coloured
    for args in (["scan", "--no-color"], ["--no-color", "scan"]):
        plain = _on_a_terminal(*args, str(repo.path), "-j", "1", "--no-progress", cwd=repo.path)
        assert "\x1b[" not in plain and "distinct secret" in plain


def test_exit_code_for_findings(repo):
    repo.commit("creds", {"c.ini": aws_text()[1]})
    assert lw("scan", str(repo.path), "-j", "1", "--exit-code", "7").returncode == 7
    clean = GitRepo(repo.path.parent / "clean")
    clean.commit("x", {"a.txt": "nothing\n"})
    assert lw("scan", str(clean.path), "-j", "1", "--exit-code", "7").returncode == 0
    assert lw("scan", str(repo.path), "-j", "1", "--exit-code", "0").returncode == 0
    refused = lw("scan", str(repo.path), "--exit-code", "2")
    assert refused.returncode == 2 and "--exit-code" in refused.stderr


def test_jobs_below_zero_is_refused(repo):
    proc = lw("scan", str(repo.path), "--jobs", "-3")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "leakwarden: --jobs must be 0 (all cores) or more, got -3"


def _commands() -> list[list[str]]:
    from typer.main import get_command

    from scanner.cli.app import app

    found: list[list[str]] = []

    def walk(command, path: list[str]) -> None:
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            if not sub.hidden:
                walk(sub, [*path, name])

    walk(get_command(app), [])
    return found


def test_help_is_readable_at_80_columns():
    from typer.main import get_command

    from scanner.cli.app import app

    root = get_command(app)
    for path in _commands():
        proc = lw(*path, "--help", env={"COLUMNS": "80", "TERM": "dumb"})
        assert proc.returncode == 0, (path, proc.stderr)
        text = proc.stdout
        assert "…" not in text and "<bool>" not in text, (path, text)
        assert all(len(line) <= 80 for line in text.splitlines()), path
        command = root
        for name in path:
            command = command.commands[name]
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("-"):
                    assert opt in text, (path, opt)
    scan_help = lw("scan", "--help", env={"COLUMNS": "80"}).stdout
    assert "[tool.leakwarden]" in scan_help  # square brackets are not eaten as markup
    org_help = lw("org", "scan", "--help", env={"COLUMNS": "80"}).stdout
    assert "leakwarden[dask]" in org_help


def test_one_error_style(tmp_path, repo):
    for args in (["scan", "--no-such-option"], ["scan", "--jobs", "x"], ["org", "scan"],
                 ["verify", str(tmp_path / "missing.json")], ["tickets", str(tmp_path / "missing.json")],
                 ["org", "ignore", "acme", "0" * 32, "--state", str(tmp_path / "s.sqlite3")]):
        proc = lw(*args)
        assert proc.returncode == 2, args
        lines = proc.stderr.strip().splitlines()
        assert lines and lines[0].startswith("leakwarden: "), (args, proc.stderr)
        assert not any(line.lower().startswith("error") for line in lines), args
        assert "Error" not in proc.stderr and "\x1b[" not in proc.stderr, args


def test_config_check_lists_unknown_rule_ids_with_every_other_problem(tmp_path):
    (tmp_path / ".leakwarden.toml").write_text(
        'max_blob_size = "lots"\ndisable_rules = ["no-such-rule"]\nenable_rules = ["nope"]\n')
    proc = lw("config", "check", str(tmp_path))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert any("max_blob_size" in line for line in lines)
    assert any("disable_rules: unknown rule id(s): no-such-rule" in line for line in lines)
    assert any("enable_rules: unknown rule id(s): nope" in line for line in lines)


def test_staged_json_gives_full_blob_ids(repo):
    repo.write("c.ini", aws_text()[1])
    repo.git("add", "c.ini")
    proc = lw("scan", "--staged", "--format", "json", cwd=repo.path)
    assert proc.returncode == 1, proc.stderr
    blobs = {f["blob"] for f in json.loads(proc.stdout)["findings"]}
    assert blobs == {repo.git("rev-parse", ":c.ini")} and all(len(b) == 40 for b in blobs)


def test_baseline_hidden_findings_are_counted(repo, tmp_path):
    repo.commit("creds", {"c.ini": aws_text()[1]})
    baseline = tmp_path / "baseline.json"
    first = lw("scan", str(repo.path), "-j", "1", "--format", "json", "-o", str(baseline))
    assert first.returncode == 1
    hidden = len(json.loads(baseline.read_text())["findings"])
    again = lw("scan", str(repo.path), "-j", "1", "--format", "json", "--baseline", str(baseline))
    assert again.returncode == 0
    assert len(json.loads(again.stdout)["suppressed"]) == hidden > 0
    text = lw("scan", str(repo.path), "-j", "1", "--baseline", str(baseline))
    assert f"; {hidden} suppressed" in text.stdout


# -- the report ------------------------------------------------------------------------


def _leaky(repo: GitRepo) -> tuple[str, str, str]:
    """One AWS key copied around (3 commits, 2 paths, still in HEAD), one
    GitHub token deleted again (history only)."""
    key, text = aws_text()
    repo.commit("add key", {"deploy/prod.ini": text})
    repo.commit("copy key", {"deploy/staging.ini": text})
    repo.commit("edit", {"deploy/prod.ini": text + "region = x\n"})
    token = FAKE.github_token()
    repo.commit("token", {"ci/token.txt": f"GITHUB_TOKEN={token}\n"})
    (repo.path / "ci/token.txt").unlink()
    repo.commit("drop token")
    return key, token, repo.head()


def _result(repo: GitRepo) -> ScanResult:
    return scan(repo.path, ScanOptions(jobs=1))


def test_text_report_is_one_entry_per_secret_most_severe_first(repo):
    key, token, _ = _leaky(repo)
    result = _result(repo)
    text = render_text(result)
    lines = text.splitlines()
    # the AWS pair: 2 secrets (key id, secret key); the token: 1; each once
    assert lines[0].startswith("3 distinct secret(s) in ")
    assert "2 still in HEAD, 1 in history only; worst severity critical" in lines[0]
    heads = [line for line in lines if re.match(r"^(CRITICAL|HIGH|MEDIUM|LOW) ", line)]
    assert len(heads) == 3
    ranks = ["CRITICAL", "HIGH", "MEDIUM", "LOW"]
    assert [ranks.index(h.split()[0]) for h in heads] == sorted(ranks.index(h.split()[0]) for h in heads)
    assert text.count("still in HEAD at deploy/") == 2
    assert "history only" in text and "github-pat" in text
    assert "introduced 3 time(s)" in text and "2 path(s): deploy/prod.ini, deploy/staging.ini" in text
    assert text.count("  do ") == 3 and "rotate it" in text
    assert "removing it does not remove it from history" in text
    assert "fingerprint" not in text  # per-blob detail is --verbose
    verbose = render_text(result, verbose=True)
    assert all(f.blob in verbose and f.fingerprint in verbose for f in result.findings)


def test_text_report_from_the_command_line_and_jsonl(repo):
    _leaky(repo)
    text = lw("scan", str(repo.path), "-j", "1")
    assert text.returncode == 1 and text.stdout.startswith("3 distinct secret(s)")
    verbose = lw("scan", str(repo.path), "-j", "1", "-v")
    assert "fingerprint" in verbose.stdout
    jsonl = lw("scan", str(repo.path), "-j", "1", "--format", "jsonl")
    rows = [json.loads(line) for line in jsonl.stdout.splitlines()]
    findings = [r for r in rows if r["type"] == "finding"]
    full = json.loads(lw("scan", str(repo.path), "-j", "1", "--format", "json").stdout)
    assert len(findings) == len(full["findings"]) > 3
    assert rows[-1]["type"] == "stats" and rows[-1]["findings"] == len(findings)
    assert {f["fingerprint"] for f in findings} == {f["fingerprint"] for f in full["findings"]}
