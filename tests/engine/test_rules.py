"""Every rule must find its own examples and must not fire on its negative ones.

Run through the full engine (prefilter, windows, allowlists), with both
prefilters, so a rule that only works when scanned whole is caught.
"""

from __future__ import annotations

import pytest

from scanner.engine.matcher import Engine
from scanner.engine.rules import RuleSet, default_rules

RULES = default_rules()


@pytest.fixture(scope="module", params=["hyperscan", "python"])
def engine(request) -> Engine:
    return Engine(RULES, prefilter=request.param)


def _ids(rule_id: str) -> list[str]:
    return [r.id for r in RULES.rules if r.id == rule_id]


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_rule_has_positive_example(rule):
    assert rule.examples, f"rule {rule.id} has no positive example"
    assert rule.description, f"rule {rule.id} needs a description"
    # Only a rule confined to certain files (a .pgpass, config/master.key) may
    # go without keywords: its file format is its context.
    assert rule.keywords or rule.path, f"rule {rule.id} needs keywords"
    assert rule.negative_examples, f"rule {rule.id} has no negative example"


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_rule_matches_its_examples(rule, engine):
    for example in rule.examples:
        # Surround the example with unrelated text so the rule is exercised
        # in a realistic position, not at offset 0 of a tiny input.
        data = b"# config\nname = 'service'\n" + example.encode() + b"\nother = 1\n"
        matches, errors = engine.scan(data)
        assert not errors
        assert rule.id in {m.rule_id for m in matches}, f"{rule.id} missed example: {example[:60]}"


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_rule_ignores_its_negative_examples(rule, engine):
    for example in rule.negative_examples:
        data = b"# config\n" + example.encode() + b"\n"
        matches, _ = engine.scan(data)
        assert rule.id not in {m.rule_id for m in matches}, f"{rule.id} fired on: {example[:60]}"


def test_rule_ids_are_unique_and_set_has_version():
    ids = [r.id for r in RULES.rules]
    assert len(ids) == len(set(ids))
    assert len(RULES.version) == 16
    assert RuleSet(RULES.rules[:1]).version != RULES.version


def test_hyperscan_database_from_disk_cache_finds_the_same(tmp_path, monkeypatch):
    from scanner.engine import prefilter

    monkeypatch.setenv("LEAKWARDEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(prefilter, "_built", {})
    fresh = prefilter.make_prefilter(RULES.rules, "hyperscan")
    assert list(tmp_path.glob("hs-*.pickle"))
    monkeypatch.setattr(prefilter, "_built", {})
    cached = prefilter.make_prefilter(RULES.rules, "hyperscan")
    assert cached is not fresh
    data = b"\n".join(e.encode() for r in RULES.rules for e in r.examples)
    assert cached.candidates(data) == fresh.candidates(data)
    assert cached.keyword_fallback_rules == fresh.keyword_fallback_rules
    # Only the deliberately wide rules (PEM blocks, embedded key files) fall
    # back to keywords; every other rule compiles in Hyperscan, so none is
    # silently slowed down by a construct Hyperscan rejects.
    wide = {r.id for r in RULES.rules if prefilter.rule_width(r) > 4096}
    assert set(fresh.keyword_fallback_rules) == wide
    assert "private-key" in wide and len(wide) < 12


def test_every_detector_has_a_version():
    # RuleSet.version keys incremental stores; a detector missing from the
    # table would change what it reports without those stores noticing.
    from scanner.engine import assignments

    assert set(assignments.DETECTOR_VERSIONS) == set(assignments.DETECTORS)
