"""The core's incremental mode (``skip_blobs`` / ``exclude_commits``), which
``org scan`` builds on: new blobs are scanned with whole provenance, known ones
are not read again, and scans in several threads of one process do not mix."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor

from scanner.pipeline import ScanOptions, scan
from tests.support.fakes import Fakes
from tests.support.gitrepo import GitRepo

FAKE = Fakes(seed=7)


def creds() -> tuple[str, str]:
    key, secret = FAKE.aws_key_id(), FAKE.aws_secret()
    return key, f"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"


def keys(result) -> set[str]:
    return {f.secret for f in result.findings if f.rule == "aws-access-key-id"}


def test_skip_and_exclude_scan_only_new_blobs_with_their_provenance(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    old_key, old_text = creds()
    repo.commit("first", {"README.md": "hi\n", "creds": old_text})
    first_tip = repo.head()
    first = scan(repo.path, ScanOptions(redact=False, jobs=1))
    assert keys(first) == {old_key}
    assert set(first.blob_ids) == {repo.blob_id("HEAD", "README.md"), repo.blob_id("HEAD", "creds")}

    new_key, new_text = creds()
    repo.commit("rotate", {"creds": new_text})
    new_commit = repo.head()
    # The old blob comes back under another path: walked, but known, so not read.
    repo.commit("restore old copy", {"backup/creds": old_text})

    later = scan(repo.path, ScanOptions(redact=False, jobs=1, skip_blobs=set(first.blob_ids),
                                        exclude_commits=[first_tip]))
    assert keys(later) == {new_key}
    found = [f for f in later.findings if f.secret == new_key][0]
    assert found.commit == new_commit and found.path == "creds" and found.summary == "rotate"
    # Offered by the walk: the new blob and the restored old one (skipped).
    assert set(later.blob_ids) == {repo.blob_id(new_commit, "creds"), repo.blob_id("HEAD", "backup/creds")}
    assert later.stats.blobs_scanned == 1

    # Without the exclusion the whole history is walked, still scanning only the new blob.
    walked = scan(repo.path, ScanOptions(redact=False, jobs=1, skip_blobs=set(first.blob_ids)))
    assert keys(walked) == {new_key}
    assert set(walked.blob_ids) >= set(first.blob_ids) | set(later.blob_ids)
    assert walked.stats.blobs_scanned == 1


def _many_blobs(path, n: int, tag: str, extra: str) -> None:
    """One commit of ``n`` small files plus ``creds``, written with fast-import (quick)."""
    GitRepo(path)
    lines = ["commit refs/heads/main", "committer A <a@example.test> 1700000000 +0000",
             "data 1", "x"]
    for j, data in enumerate([f"{tag} file {j}\n" * 20 for j in range(n)] + [extra]):
        name = "creds" if j == n else f"f{j}.txt"
        lines += [f"M 100644 inline {name}", f"data {len(data.encode())}", data]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, check=True,
                   input="\n".join(lines).encode() + b"\n")


def test_scans_in_threads_of_one_process_give_each_their_own_results(tmp_path):
    # Several chunks per repo: a reader shared across threads (the module
    # global this replaced) read blobs from the wrong repository, or hung.
    repos, expected = [], []
    for i in range(3):
        key, text = creds()
        _many_blobs(tmp_path / f"r{i}", 400, f"repo{i}", text)
        repos.append(tmp_path / f"r{i}")
        expected.append({key})
    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(scan, p, ScanOptions(redact=False, jobs=1)) for p in repos * 2]
        results = [f.result(timeout=60) for f in futures]
    assert [keys(r) for r in results] == expected * 2
    assert [r.errors for r in results] == [[]] * 6
    assert [r.stats.blobs_scanned for r in results] == [401] * 6


def test_rule_set_version_does_not_change_by_being_used(tmp_path):
    # Cursors are keyed on it: a version computed after a scan must equal one
    # computed before. Rules are plain data, so using them leaves nothing behind.
    from scanner.engine.rules import load_rules

    fresh = load_rules().version
    used = load_rules()
    repo = GitRepo(tmp_path / "repo")
    key, text = creds()
    repo.commit("c", {"creds": text, "example": "AKIAIOSFODNN7EXAMPLE\n", "lock": "sha512-" + "a" * 80})
    assert keys(scan(repo.path, ScanOptions(ruleset=used, redact=False, jobs=1))) == {key}
    assert not any(k.startswith("_") for r in used.rules for a in r.allowlists for k in vars(a))
    assert not any(k.startswith("_") for r in used.rules for k in vars(r))
    assert used.version == fresh
