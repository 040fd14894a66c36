"""Edges found when the merged sources were read again: each test fails on
the code before its fix."""

from __future__ import annotations

import json

from scanner.engine.rules import Rule, RuleSet
from scanner.pipeline import ScanOptions, scan
from scanner.report.json_report import render_json
from tests.support.fakes import Fakes
from tests.support.gitrepo import GitRepo

FAKE = Fakes(seed=41)


def test_a_path_limit_still_redacts_a_secret_in_the_introducing_commit_summary(tmp_path):
    # Under `scan repo/sub` messages are not reported, but the summary shown
    # on a finding must not carry a key in clear.
    in_file, in_message = FAKE.aws_key_id(), FAKE.aws_key_id()
    repo = GitRepo(tmp_path / "repo")
    repo.commit(f"add deploy key {in_message}", {"sub/key.txt": f"KEY = '{in_file}'\n"})
    result = scan(repo.path, ScanOptions(jobs=1, paths=("sub",)))
    assert [f.path for f in result.findings] == ["sub/key.txt"]
    report = render_json(result, str(repo.path))
    assert in_file not in report and in_message not in report
    assert json.loads(report)["findings"][0]["summary"].startswith("add deploy key ")


def test_an_oversize_blob_is_read_as_itself_not_as_its_replacement(tmp_path):
    # Large blobs are read in windows; a refs/replace entry must not swap in
    # harmless bytes for the ones that hold the secret.
    key = FAKE.aws_key_id()
    padding = "# filler line for a large generated file\n" * 40_000  # ~1.6 MB
    repo = GitRepo(tmp_path / "repo")
    repo.commit("big", {"big.txt": padding + f"KEY = '{key}'\n"})
    real = repo.blob_id("HEAD", "big.txt")
    decoy = repo.git("hash-object", "-w", "--stdin", input=(padding + "KEY = 'nothing'\n").encode()).strip()
    repo.git("replace", real, decoy)
    result = scan(repo.path, ScanOptions(jobs=1, redact=False, max_blob_size=1 << 20))
    assert result.stats.blobs_windowed == 2  # the real blob, and the decoy its replace ref reaches
    assert [(f.path, f.secret) for f in result.findings] == [("big.txt", key)]
    assert result.errors == []


def test_a_regex_timeout_in_a_commit_message_makes_the_scan_incomplete(tmp_path):
    # Engine errors met while scanning messages were dropped: the run looked
    # complete although a message was not scanned whole.
    slow = Rule(id="slow-rule", description="catastrophic on purpose", regex=r"zzslow(a|a)+b",
                keywords=["zzslow"], severity="high", confidence="high")
    repo = GitRepo(tmp_path / "repo")
    repo.commit("zzslow" + "a" * 40 + "c", {"README": "nothing here\n"})
    result = scan(repo.path, ScanOptions(ruleset=RuleSet([slow]), prefilter="python",
                                         regex_timeout=0.05, jobs=1))
    assert [(e.kind, e.path) for e in result.errors] == [("regex-timeout", "<commit-message>")]
    assert result.exit_code == 2
