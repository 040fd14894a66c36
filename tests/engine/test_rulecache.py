"""The pre-commit hook's rule cache and per-change rule selection."""

from __future__ import annotations

import shutil

import scanner.engine.rulecache as rulecache
from scanner.engine.matcher import Engine
from scanner.engine.rules import builtin_rules_dir, load_rules
from tests.support.fakes import Fakes

FAKE = Fakes(seed=31)


def test_cache_round_trip_and_invalidation(tmp_path, monkeypatch):
    rules_dir = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), rules_dir)
    monkeypatch.setenv("LEAKWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(rulecache, "builtin_rules_dir", lambda: rules_dir)
    monkeypatch.setattr(rulecache, "default_rules", lambda: load_rules(rules_dir))

    first = rulecache.cached_default_rules()  # parses, writes the cache
    assert len(list((tmp_path / "cache").glob("rules-*.pickle"))) == 1
    second = rulecache.cached_default_rules()  # from the pickle
    assert second is not first
    assert [(r.id, r.regex, r.keywords) for r in second.rules] == \
        [(r.id, r.regex, r.keywords) for r in first.rules]
    assert all("compiled" not in vars(r) for r in second.rules)  # nothing compiled on load
    # the same findings from both
    key = FAKE.aws_key_id()
    data = f"aws_access_key_id = {key}\n".encode()
    assert [m.secret for m in Engine(second, prefilter="python").scan(data)[0]] == \
        [m.secret for m in Engine(first, prefilter="python").scan(data)[0]] == [key.encode()]

    # editing a rule file rebuilds the cache
    with open(rules_dir / "stripe.toml", "a") as handle:
        handle.write('\n[[rules]]\nid = "acme-token"\nregex = \'\'\'acme_[a-z0-9]{32}\'\'\'\n'
                     'keywords = ["acme_"]\nexamples = ["acme_0123456789abcdef0123456789abcdef"]\n')
    third = rulecache.cached_default_rules()
    assert "acme-token" in third.by_id
    assert len(list((tmp_path / "cache").glob("rules-*.pickle"))) == 2


def test_damaged_cache_only_costs_a_parse(tmp_path, monkeypatch):
    monkeypatch.setenv("LEAKWARDEN_CACHE_DIR", str(tmp_path))
    rulecache.cached_default_rules()
    for path in tmp_path.glob("rules-*.pickle"):
        path.write_bytes(b"not a pickle")
    assert "aws-access-key-id" in rulecache.cached_default_rules().by_id


def test_rules_for_content_keeps_every_rule_that_could_match():
    ruleset = load_rules()
    token = FAKE.github_token()
    chosen = rulecache.rules_for_content(ruleset, [f"x = '{token}'\n".encode(), b"print(1)\n"])
    ids = set(chosen.by_id)
    assert "github-pat" in ids and "aws-access-key-id" not in ids
    assert all(r.id in ids for r in ruleset.rules if not r.keywords)
    assert chosen.allowlists == ruleset.allowlists
    # case-insensitive, like the engine's keyword check
    assert "aws-access-key-id" in rulecache.rules_for_content(ruleset, [b"AKIA"]).by_id
