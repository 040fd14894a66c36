"""`.leakwarden.toml` / `[tool.leakwarden]` and `leakwarden config check`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.engine.rules import default_rules
from scanner.project.config import ConfigError, load_config
from tests.support.fakes import Fakes
from tests.support.gitrepo import GitRepo

FAKE = Fakes(seed=5)
LEAKWARDEN = str(Path(sys.executable).parent / "leakwarden")

ACME_RULE = '''
[[rules]]
id = "acme-token"
description = "ACME internal API token"
regex = \'\'\'\\b(?P<secret>acme_[a-z0-9]{32})\\b\'\'\'
keywords = ["acme_"]
severity = "medium"
examples = ["t = acme_0123456789abcdef0123456789abcdef"]
negative_examples = ["t = acme_short"]
'''


def lw(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LEAKWARDEN, *args], cwd=cwd, capture_output=True, text=True, check=False)


def rules_found(repo: GitRepo, *args: str) -> list[tuple[str, str]]:
    proc = lw(repo.path, "scan", ".", "--jobs", "1", "--format", "json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    return [(f["rule"], f["path"]) for f in json.loads(proc.stdout)["findings"]]


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.commit("leaks", {
        "app.py": "TOKEN = 'acme_" + "k3" * 16 + "'\n",
        "aws.cfg": f"key = {FAKE.aws_key_id()}\n",
        "tests/fixtures/keys.cfg": f"key = {FAKE.aws_key_id()}\n",
        "sandbox.cfg": f"password = 'sandbox{FAKE.password()}'\n",
    })
    return r


def test_extra_rule_allowlists_and_disable(repo):
    before = rules_found(repo)
    assert ("aws-access-key-id", "tests/fixtures/keys.cfg") in before
    assert not any(rule == "acme-token" for rule, _ in before)
    repo.write(".leakwarden.toml", 'disable_rules = ["generic-secret-assignment"]\n' + ACME_RULE + '''
[[allowlists]]
description = "test fixtures"
paths = ['^tests/fixtures/']
''')
    assert sorted(rules_found(repo)) == [("acme-token", "app.py"), ("aws-access-key-id", "aws.cfg")]
    ok = lw(repo.path, "config", "check")
    assert ok.returncode == 0 and "ok: 1 extra rule(s), 1 allowlist(s), 1 disabled" in ok.stdout


def test_pyproject_table_and_max_blob_size(repo):
    repo.write("pyproject.toml", '[project]\nname = "x"\n\n[tool.leakwarden]\n'
                                 'max_blob_size = "10"\nenable_rules = ["aws-access-key-id"]\n')
    proc = lw(repo.path, "scan", ".", "--jobs", "1", "--format", "json")
    report = json.loads(proc.stdout)
    # The config's tiny size limit skips nothing (see tests/project/test_trust_boundaries.py).
    assert report["stats"]["skipped_too_large"] == 0 and proc.returncode == 1
    assert {f["rule"] for f in report["findings"]} == {"aws-access-key-id"}
    assert lw(repo.path, "config", "check").returncode == 0


def test_config_check_lists_every_problem(tmp_path):
    bad = tmp_path / ".leakwarden.toml"
    bad.write_text('''
max_blob_size = "huge"
disable_rules = "generic"
colour = true
[[rules]]
id = "broken"
regex = "(unclosed"
[[rules]]
id = "wrong-example"
regex = "zzz_[0-9]{8}"
examples = ["zzz_123"]
[[allowlists]]
paths = ["[bad"]
regexTarget = "file"
''')
    proc = lw(tmp_path, "config", "check")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert all(line.startswith(f"leakwarden: {bad}: ") for line in lines)
    text = "\n".join(lines)
    for needle in ("unknown key 'colour'", "max_blob_size: not a size", "disable_rules: must be a list",
                   "rules[0] ('broken'): rule 'broken': bad regex",
                   "rules[1] ('wrong-example'): examples[0] does not match",
                   "allowlists[0]: paths[0]: bad regex", "allowlists[0]: regexTarget"):
        assert needle in text, text


def test_unknown_rule_id_and_bad_toml_are_clear(tmp_path, repo):
    repo.write(".leakwarden.toml", 'disable_rules = ["no-such-rule"]\n')
    proc = lw(repo.path, "scan", ".")
    assert proc.returncode == 2 and "unknown rule id(s): no-such-rule" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    repo.write(".leakwarden.toml", "rules = [\n")
    proc = lw(repo.path, "config", "check")
    assert proc.returncode == 2 and "not valid TOML" in proc.stderr
    # no configuration at all is fine
    assert lw(tmp_path, "config", "check").returncode == 0


def test_config_plugs_into_ruleset_extended(tmp_path):
    path = tmp_path / ".leakwarden.toml"
    path.write_text(ACME_RULE)
    config = load_config(path)
    ruleset = config.apply(default_rules())
    assert "acme-token" in ruleset.by_id and len(ruleset.rules) == len(default_rules().rules) + 1
    path.write_text("enable_rules = [1]\n")
    with pytest.raises(ConfigError, match="enable_rules: must be a list"):
        load_config(path)
