"""The corpus generator, the evaluator, and the quality they pin.

The regression test builds a small corpus (every fifth rule, all placements),
scans it with leakwarden, and pins recall and precision: a rule change that
loses quality fails here, not in a benchmark nobody reruns.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from corpus import credfiles, generate
from corpus.catalog import SPECS
from corpus.evaluate import Reported, read_report, score
from corpus.fakegen import Fake
from scanner.pipeline import ScanOptions, scan
from scanner.project.setup import drop_below


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    labels = generate.build(out, seed=3, small=True)
    return out, labels


def _git(repo, *args) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def test_generator_builds_history_with_every_placement(small_corpus):
    out, labels = small_corpus
    repo = out / "repo"
    placements = {p.placement for p in labels.plants}
    assert placements == set(generate.PLACEMENTS)
    refs = _git(repo, "for-each-ref", "--format=%(refname)")
    assert "refs/heads/feature/wip-integrations" in refs and "refs/tags/v1.4.0" in refs
    assert "refs/stash" in refs
    assert _git(repo, "log", "--merges", "--oneline").strip()
    # Deleted, renamed and overwritten secrets are not in HEAD any more.
    head_files = set(_git(repo, "ls-files").split())
    for plant in labels.plants:
        if plant.placement in ("deleted", "branch", "tag", "stash"):
            assert plant.paths[0] not in head_files
        if plant.placement == "renamed":
            assert plant.paths[0] not in head_files and plant.paths[1] in head_files
    saved = json.loads((out / "labels.json").read_text())
    assert len(saved["plants"]) == len(labels.plants) == len(generate.corpus_specs(small=True))
    assert {d["kind"] for d in saved["decoys"]} >= {"lockfile", "go-sum", "terraform-lock", "uuid",
                                                    "git-sha", "image-digest", "base64-image"}


def test_generator_is_deterministic(tmp_path):
    a = generate.build(tmp_path / "a", seed=5, small=True)
    b = generate.build(tmp_path / "b", seed=5, small=True)
    assert [(p.rule, p.secret, p.paths) for p in a.plants] == [(p.rule, p.secret, p.paths) for p in b.plants]
    assert "AKIAIOSFODNN7EXAMPLE" not in {p.secret for p in a.plants}


def test_evaluator_counts_unique_findings_and_misses():
    labels = {"plants": [
        {"id": "p1", "rule": "r", "family": "f", "placement": "head", "paths": ["a.env"], "secret": "ghp_SECRETSECRET1"},
        {"id": "p2", "rule": "r", "family": "g", "placement": "stash", "paths": ["b.env", "c.env"],
         "secret": "tok_ABCDEFGH12", "encoded": "dG9rX0FCQ0RFRkdIMTI="}],
        "decoys": [{"kind": "placeholder", "path": "docs.md", "text": "x"}]}
    reported = [Reported("a.env", "ghp_SECRETSECRET1", "x"), Reported("a.env", "ghp_SECRETSECRET1", "y"),
                Reported("c.env", "dG9rX0FCQ0RFRkdIMTI=", "z"), Reported("docs.md", "AKIA0000", "w"),
                Reported("b.env", "short", "v")]
    s = score(labels, reported, "test")
    assert (s.found, s.planted, s.true_positives, s.findings) == (2, 2, 2, 4)
    assert s.recall == 1.0 and s.precision == 0.5
    assert s.by_placement == {"head": (1, 1), "stash": (1, 1)}
    assert [f["decoy"] for f in s.false_positives] == ["", "placeholder"]
    none = score(labels, [], "test")
    assert none.recall == 0.0 and none.missed == ["p1 r (head)", "p2 r (stash)"]


def test_small_corpus_quality_is_pinned(small_corpus, tmp_path):
    out, _ = small_corpus
    result = scan(out / "repo", ScanOptions(redact=False, jobs=1))
    drop_below(result, "medium")  # the default, as `leakwarden scan` reports
    report = tmp_path / "report.json"
    report.write_text(json.dumps(result.to_dict()))
    labels = json.loads((out / "labels.json").read_text())
    s = score(labels, read_report(report, "leakwarden"), "leakwarden")
    assert s.recall >= 0.97, s.missed
    assert s.precision >= 0.97, s.false_positives
    assert not result.errors


def test_credential_files_are_covered(tmp_path):
    risky = credfiles.build(tmp_path / "cred")
    result = scan(tmp_path / "cred" / "repo", ScanOptions(redact=False, jobs=1))
    report = tmp_path / "cred.json"
    report.write_text(json.dumps(result.to_dict()))
    hit, total, missed = credfiles.score_lines(risky, credfiles.reported_lines(report, "leakwarden"))
    assert total >= 45
    assert hit / total >= 0.95, missed


@pytest.mark.parametrize("decoy", generate._decoys(Fake("decoys")),
                         ids=lambda d: d[0])
def test_no_rule_fires_on_decoys(decoy, tmp_path):
    """Lockfile hashes, go.sum, terraform locks, SHAs, UUIDs, digests, data:
    URIs, minified code, doc keys and placeholders: silent, under their path."""
    kind, path, text = decoy
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text + "\n")
    found = scan(tmp_path, ScanOptions(no_git=True, jobs=1)).findings
    assert [(f.rule, f.path) for f in found] == []


def test_rule_files_are_in_sync_with_the_catalog():
    """rules/*.toml are written from corpus/catalog.py; an edit to one side only fails here."""
    from corpus.catalog import render_file
    from scanner.engine.rules import builtin_rules_dir

    families: dict[str, list] = {}
    for spec in SPECS:
        families.setdefault(spec.file, []).append(spec)
    for family, specs in families.items():
        on_disk = (builtin_rules_dir() / f"{family}.toml").read_text(encoding="utf-8")
        assert on_disk == render_file(family, specs), f"rules/{family}.toml: run python -m corpus.catalog"
