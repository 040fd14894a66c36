"""Full-history scanning on real repositories built in temp dirs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from scanner.model import Finding
from scanner.pipeline import ScanOptions, ScanSetupError, scan
from scanner.secrets import redact
from tests.support.fakes import Fakes
from tests.support.gitrepo import GitRepo

FAKE = Fakes(seed=42)


def aws_pair() -> tuple[str, str, str]:
    key, secret = FAKE.aws_key_id(), FAKE.aws_secret()
    text = f"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
    return key, secret, text


def by_secret(findings: list[Finding], clear: str) -> list[Finding]:
    return [f for f in findings if f.secret == clear]


def clear_scan(path, **kw) -> list[Finding]:
    return scan(path, ScanOptions(redact=False, **kw)).findings


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.commit("initial", {"README.md": "hello\n", "app/main.py": "print('hi')\n"})
    return r


def test_secret_in_head_has_provenance(repo):
    key, _, text = aws_pair()
    sha = repo.commit("add credentials", {"config/aws.ini": text}, author="Dev One <dev1@corp.test>")
    found = by_secret(clear_scan(repo.path), key)
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.path, f.line, f.column) == ("aws-access-key-id", "config/aws.ini", 2, 21)
    assert (f.commit, f.author, f.email) == (sha, "Dev One", "dev1@corp.test")
    assert f.summary == "add credentials" and f.date.endswith("Z") and f.reachable
    assert f.blob == repo.blob_id(sha, "config/aws.ini")
    assert f.span[1] - f.span[0] == 20


def test_added_then_deleted_is_found_in_history(repo):
    key, _, text = aws_pair()
    added = repo.commit("oops", {"deploy.env": text})
    (repo.path / "deploy.env").unlink()
    repo.commit("remove secret")
    found = by_secret(clear_scan(repo.path), key)
    assert [f.commit for f in found] == [added]


def test_only_on_unmerged_branch(repo):
    key, _, text = aws_pair()
    repo.git("checkout", "-q", "-b", "feature/wip")
    sha = repo.commit("wip", {"wip.cfg": text})
    repo.git("checkout", "-q", "main")
    assert [f.commit for f in by_secret(clear_scan(repo.path), key)] == [sha]


def test_only_under_a_tag(repo):
    key, _, text = aws_pair()
    repo.git("checkout", "-q", "-b", "release-tmp")
    sha = repo.commit("release", {"release.cfg": text})
    repo.git("tag", "-a", "v1.0", "-m", "release 1.0")
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-q", "-D", "release-tmp")
    assert [f.commit for f in by_secret(clear_scan(repo.path), key)] == [sha]


def test_secret_added_while_resolving_a_merge(repo):
    repo.commit("base", {"settings.py": "DEBUG = False\n"})
    repo.git("checkout", "-q", "-b", "other")
    repo.commit("other side", {"settings.py": "DEBUG = True\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main side", {"settings.py": "DEBUG = None\n"})
    repo.git("merge", "-q", "other", check=False)  # conflicts
    token = FAKE.github_token()
    repo.write("settings.py", f"DEBUG = True\nGITHUB_TOKEN = '{token}'\n")
    repo.git("add", "settings.py")
    repo.clock += 3600
    repo.git("commit", "-q", "--no-edit")
    merge = repo.head()
    assert len(repo.git("rev-list", "--parents", "-n1", "HEAD").split()) == 3
    found = by_secret(clear_scan(repo.path), token)
    assert [(f.rule, f.commit, f.path) for f in found] == [("github-pat", merge, "settings.py")]


def test_renamed_file_keeps_first_introduction(repo):
    key, _, text = aws_pair()
    first = repo.commit("add", {"old/name.cfg": text})
    (repo.path / "new").mkdir()
    repo.git("mv", "old/name.cfg", "new/name.cfg")
    repo.commit("rename")
    [f] = by_secret(clear_scan(repo.path), key)
    assert (f.commit, f.path) == (first, "old/name.cfg")
    assert f.paths == ["old/name.cfg", "new/name.cfg"] and f.occurrences == 2


def test_stash_entries_are_scanned(repo):
    k1, _, t1 = aws_pair()
    k2, _, t2 = aws_pair()
    repo.write("app/main.py", t1)
    repo.git("stash", "push", "-q")  # becomes stash@{1}
    repo.write("app/main.py", t2)
    repo.git("stash", "push", "-q")  # stash@{0}
    assert len(repo.git("stash", "list").splitlines()) == 2
    findings = clear_scan(repo.path)
    assert by_secret(findings, k1) and by_secret(findings, k2)


def test_dangling_commit_needs_all_objects(repo):
    key, _, text = aws_pair()
    repo.commit("will be dropped", {"drop.cfg": text})
    repo.git("reset", "-q", "--hard", "HEAD~1")
    assert not by_secret(clear_scan(repo.path), key)
    [f] = by_secret(clear_scan(repo.path, all_objects=True), key)
    assert f.reachable is False and f.path == "drop.cfg" and f.commit


def test_large_file_and_minified_line(repo):
    key, _, text = aws_pair()
    token = FAKE.github_token()
    filler = ("x = 1\n" * 900_000)[: 5 * 1024 * 1024]
    minified = "var a=" + ",".join(f"k{i}:{i}" for i in range(200_000)) + f",t:'{token}'" + ";\n"
    repo.commit("big", {"big.txt": filler + text, "dist/app.min.js": minified})
    findings = clear_scan(repo.path)
    [big] = by_secret(findings, key)
    assert big.path == "big.txt" and big.line == filler.count("\n") + 2
    [mini] = by_secret(findings, token)
    assert mini.path == "dist/app.min.js" and mini.line == 1 and mini.column > 1_000_000
    assert len(mini.context) < 300  # the line is shown around the secret, not whole


def test_placeholders_and_documentation_examples_are_not_reported(repo):
    repo.commit("docs", {"docs/setup.md": (
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        "api_key = '<YOUR_KEY>'\n"
        "password = '${DB_PASSWORD}'\n"
        "aws_access_key_id = AKIAXXXXXXXXXXXXXXXX\n"
        "token = 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n"
    )})
    result = scan(repo.path, ScanOptions())
    assert result.findings == [] and result.exit_code == 0


def test_inline_allow_comment(repo):
    key, _, _ = aws_pair()
    repo.commit("test fixture", {"t.py": f"KEY = '{key}'  # leakwarden:allow\n"})
    assert not by_secret(clear_scan(repo.path), key)


def test_redacted_by_default_and_json_is_deterministic(repo, tmp_path):
    key, secret, text = aws_pair()
    repo.commit("creds", {"a.ini": text, "b.ini": text.replace("default", "prod")})
    outs = []
    for name in ("one.json", "two.json"):
        out = tmp_path / name
        proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(repo.path),
                               "--format", "json", "-o", str(out)], capture_output=True)
        assert proc.returncode == 1, proc.stderr
        outs.append(json.loads(out.read_text()))
        raw = out.read_text()
        assert key not in raw and secret not in raw
    assert outs[0]["findings"] == outs[1]["findings"]
    finding = outs[0]["findings"][0]
    for field in ("rule", "description", "secret", "fingerprint", "path", "line", "column",
                  "commit", "author", "email", "date", "blob", "entropy", "reachable"):
        assert field in finding
    assert {f["secret"] for f in outs[0]["findings"]} >= {redact(key)}


def test_text_output_is_redacted_and_plain_on_a_pipe(repo):
    key, secret, text = aws_pair()
    repo.commit("creds", {"a.ini": text})
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(repo.path)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "aws-access-key-id" in proc.stdout and "a.ini:2:21" in proc.stdout
    assert key not in proc.stdout and secret not in proc.stdout and "\x1b[" not in proc.stdout
    clear = subprocess.run([sys.executable, "-m", "scanner", "scan", str(repo.path), "--no-redact"],
                           capture_output=True, text=True)
    assert key in clear.stdout


def test_binary_and_oversized_blobs_are_scanned_not_skipped(repo):
    key, _, text = aws_pair()
    padded = b"\0" * 10 + b"x" * 5000 + b"\0" + text.encode()
    repo.commit("bin", {"logo.png": b"\x89PNG\0\0" + text.encode(), "dump.sql": "x" * 3000 + text,
                        "padded.txt": padded})
    result = scan(repo.path, ScanOptions(max_blob_size=2048))
    # Neither a NUL byte (git's "binary") nor a size limit hides a secret:
    # an over-size blob is read in windows, a binary one like any other.
    assert result.stats.skipped_binary == 0 and result.stats.skipped_too_large == 0
    assert {f.path for f in result.findings} == {"dump.sql", "logo.png", "padded.txt"}
    assert result.exit_code == 1 and not result.errors


def test_not_a_repository_suggests_no_git(tmp_path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(ScanSetupError, match="--no-git"):
        scan(tmp_path / "plain")
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(tmp_path / "plain")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--no-git" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_no_git_scans_plain_files(tmp_path):
    key, _, text = aws_pair()
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "sub" / "creds.ini").write_text(text)
    [f] = by_secret(clear_scan(tmp_path / "d", no_git=True), key)
    assert f.path == os.path.join("sub", "creds.ini") and f.source == "file" and f.commit is None
    # a file outside git gets the blob id git would give it
    repo = GitRepo(tmp_path / "r")
    repo.commit("same bytes", {"creds.ini": text})
    assert f.blob == repo.blob_id("HEAD", "creds.ini")


def test_empty_repository(tmp_path):
    GitRepo(tmp_path / "empty")
    result = scan(tmp_path / "empty")
    assert result.exit_code == 0 and result.stats.commits == 0


def test_shallow_clone_scans_what_it_has(repo, tmp_path):
    old_key, _, old_text = aws_pair()
    repo.commit("old secret", {"old.ini": old_text})
    (repo.path / "old.ini").unlink()
    repo.commit("cleanup")
    new_key, _, new_text = aws_pair()
    repo.commit("new secret", {"new.ini": new_text})
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)],
                   check=True)
    findings = clear_scan(clone)
    assert by_secret(findings, new_key) and not by_secret(findings, old_key)


def test_odd_paths_symlinks_and_submodule_gitlinks(repo):
    key, _, text = aws_pair()
    repo.write("caf\xe9/r\xe9sum\xe9.txt", text)
    os.symlink("app/main.py", repo.path / "link")
    repo.git("add", "-A")
    # a gitlink entry, as a submodule leaves in the tree
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{repo.head()},vendor/lib")
    repo.clock += 3600
    repo.git("commit", "-q", "-m", "odd entries")
    result = scan(repo.path, ScanOptions(redact=False))
    [f] = by_secret(result.findings, key)
    assert f.path == "café/résumé.txt" and result.errors == []


def test_corrupt_object_is_reported_and_scan_goes_on(repo):
    key, _, text = aws_pair()
    repo.commit("good", {"good.ini": text})
    repo.commit("to corrupt", {"victim.txt": "some content that will be damaged\n"})
    victim = repo.blob_id("HEAD", "victim.txt")
    obj = repo.path / ".git" / "objects" / victim[:2] / victim[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"this is not zlib data")
    result = scan(repo.path, ScanOptions(redact=False))
    assert by_secret(result.findings, key)
    assert result.exit_code == 2
    assert any(e.blob == victim and e.kind == "corrupt-object" for e in result.errors)


def test_range_reports_only_what_the_range_introduced(repo):
    old_key, _, old_text = aws_pair()
    repo.commit("old", {"old.ini": old_text})
    base = repo.head()
    repo.git("checkout", "-q", "-b", "pr")
    new_key, _, new_text = aws_pair()
    repo.commit("pr change", {"new.ini": new_text, "old.ini": old_text + "# touched\n"})
    findings = clear_scan(repo.path, range=f"{base}..pr")
    keys = {f.secret for f in findings}
    # the touched file is a new blob, so its secret is reported again: the
    # PR re-introduces it; the untouched history is not
    assert new_key in keys
    only_new = clear_scan(repo.path, range=f"{base}..pr")
    assert all(f.commit != base for f in only_new)
    with pytest.raises(ScanSetupError, match=r"'nope' \(the start of 'nope..pr'\) is not a commit"):
        scan(repo.path, ScanOptions(range="nope..pr"))


def test_staged_only_added_lines(repo):
    key, _, text = aws_pair()
    repo.commit("existing secret", {"legacy.ini": text})
    new_key = FAKE.aws_key_id()
    repo.write("legacy.ini", text + f"extra = {new_key}\n")
    repo.git("add", "legacy.ini")
    findings = clear_scan(repo.path, staged=True)
    assert [f.secret for f in findings] == [new_key]
    assert findings[0].line == 4 and findings[0].source == "staged"


def test_git_binary_and_pygit2_walks_agree(repo):
    from scanner.sources.git_history import HistoryWalker, open_repository

    key, _, text = aws_pair()
    repo.commit("a", {"a.ini": text})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("b", {"b.ini": "x"})
    repo.git("checkout", "-q", "main")
    repo.commit("c", {"c.ini": "y"})
    repo.clock += 3600
    repo.git("merge", "-q", "--no-edit", "side")
    pyrepo = open_repository(repo.path)
    fast = HistoryWalker(pyrepo).walk()
    slow = HistoryWalker(pyrepo, use_git_binary=False).walk()

    def norm(h):
        return {k: sorted((str(h.commits[i]), p) for i, p in h.introductions(k)) for k in h.intros}

    assert norm(fast) == norm(slow) and len(fast.commits) == len(slow.commits)


def test_parallel_and_serial_scans_agree(repo):
    for i in range(300):
        repo.write(f"many/f{i}.txt", f"file {i}\n")
    key, _, text = aws_pair()
    repo.commit("many files", {"creds.ini": text})
    serial = scan(repo.path, ScanOptions(jobs=1)).to_dict()["findings"]
    parallel = scan(repo.path, ScanOptions(jobs=2)).to_dict()["findings"]
    assert serial == parallel and len(serial) == 2


def test_long_history_streams_into_parallel_workers(tmp_path):
    # Enough commits that the walk is still streaming when the worker pool
    # forks (more commit ids than a pipe buffer holds, so diff-tree is still
    # reading its input): a regression here is a hang, so it runs under a timeout.
    repo = GitRepo(tmp_path / "long")
    key, _, text = aws_pair()
    commits = [{f"src/m{i}.py": f"value = {i}\n"} for i in range(2500)]
    commits[1450]["conf/creds.ini"] = text
    repo.fast_import(commits)
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(repo.path), "--jobs", "2",
                           "--format", "json", "--no-redact"], capture_output=True, timeout=120)
    report = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr
    assert report["stats"]["commits"] == 2500 and report["stats"]["blobs_scanned"] == 2501
    [finding] = [f for f in report["findings"] if f["secret"] == key]
    assert finding["path"] == "conf/creds.ini"
    assert finding["commit"] == repo.git("rev-list", "--reverse", "HEAD").split()[1450]


def test_progress_goes_to_stderr_and_leaves_the_report_clean(repo):
    key, _, text = aws_pair()
    repo.commit("creds", {"a.ini": text})
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(repo.path), "--progress",
                           "--format", "json"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["findings"]  # no progress bytes mixed into the report


def _octopus_with_secret(repo: GitRepo) -> tuple[str, str, str]:
    """A 5-parent merge that adds a credential file and edits a file every
    parent already has (so its combined diff has records for both)."""
    repo.commit("base", {"shared.txt": "v0\n"})
    for n in range(1, 5):
        repo.git("checkout", "-q", "-b", f"topic{n}", "main")
        repo.commit(f"topic {n}", {f"topic{n}.txt": f"work {n}\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on", {"main.txt": "main\n"})
    repo.git("merge", "-q", "--no-commit", "--no-ff", "topic1", "topic2", "topic3", "topic4")
    key, _, text = aws_pair()
    repo.write("deploy/creds.ini", text)
    repo.write("shared.txt", "v1 written in the merge\n")
    repo.git("add", "-A")
    repo.clock += 3600
    repo.git("commit", "-q", "--no-edit")
    merge = repo.head()
    assert len(repo.git("rev-list", "--parents", "-n1", "HEAD").split()) == 6
    return merge, key, repo.blob_id("HEAD", "shared.txt")


@pytest.mark.parametrize("use_git_binary", [True, False])
def test_octopus_merge_introductions(repo, use_git_binary):
    from scanner.sources.git_history import HistoryWalker, open_repository

    merge, key, shared = _octopus_with_secret(repo)
    history = HistoryWalker(open_repository(repo.path), use_git_binary=use_git_binary).walk()
    assert history.errors == []
    creds = repo.blob_id("HEAD", "deploy/creds.ini")
    for blob, path in ((creds, "deploy/creds.ini"), (shared, "shared.txt")):
        origin = history.origin(blob)
        assert [(i.commit, i.path) for i in origin.introductions] == [(merge, path)]
    # a blob a parent brought in unchanged is that parent's, not the merge's
    topic = repo.blob_id("HEAD", "topic3.txt")
    assert [i.commit for i in history.origin(topic).introductions] == [
        repo.git("rev-parse", "topic3")]


def test_secret_added_in_an_octopus_merge_is_found(repo):
    merge, key, _ = _octopus_with_secret(repo)
    result = scan(repo.path, ScanOptions(redact=False))
    assert result.errors == [] and result.exit_code == 1
    [found] = by_secret(result.findings, key)
    assert (found.commit, found.path) == (merge, "deploy/creds.ini")


def test_a_mode_taken_for_a_blob_id_is_a_walker_bug_not_a_corrupt_object():
    from scanner.sources.git_history import WalkerBug, check_blob_id

    check_blob_id(b"a" * 40)
    check_blob_id(b"0123456789abcdef" * 4)
    for bad in (b"100644", b"A" * 40, b"g" * 40, b"a" * 41, b""):
        with pytest.raises(WalkerBug):
            check_blob_id(bad)
