"""Teams coming from gitleaks: their .gitleaks.toml is translated and used."""

from __future__ import annotations

import json
import subprocess
import sys

from scanner.engine.rules import default_rules
from scanner.project.gitleaks import apply_to, load_gitleaks_config

CONFIG = '''
title = "acme"

[extend]
useDefault = true
disabledRules = ["generic-secret-assignment"]

[[rules]]
id = "acme-internal-token"
description = "ACME internal token"
regex = \'\'\'acme_(?P<tok>[a-z0-9]{32})\\z\'\'\'
secretGroup = 1
keywords = ["acme_"]
entropy = 2.5
  [[rules.allowlists]]
  condition = "AND"
  commits = ["0123abc"]
  regexes = [\'\'\'^0+$\'\'\']

[[rules]]
id = "composite"
regex = \'\'\'x\'\'\'
  [[rules.required]]
  id = "aws-access-key-id"

[[rules]]
id = "path-only"
path = \'\'\'\\.p12$\'\'\'

[allowlist]
description = "vendored code"
paths = [\'\'\'(?:^|/)vendor/\'\'\']

[[allowlists]]
targetRules = ["acme-internal-token"]
stopwords = ["sandbox"]
'''


def test_translate_names_what_it_cannot_translate(tmp_path):
    path = tmp_path / ".gitleaks.toml"
    path.write_text(CONFIG)
    config = load_gitleaks_config(path)
    rules, allowlists, warnings = config.rules, config.allowlists, config.warnings
    assert [r.id for r in rules] == ["acme-internal-token"]
    rule = rules[0]
    assert rule.regex.endswith("\\Z") and rule.secret_group == 1 and rule.entropy == 2.5
    assert [a.stopwords for a in rule.allowlists] == [[], ["sandbox"]]
    assert [a.paths for a in allowlists] == [["(?:^|/)vendor/"]]
    text = "\n".join(warnings)
    for expected in ("condition AND", "'commits'", "composite", "path-only"):
        assert expected in text


def test_use_default_keeps_builtin_rules_minus_disabled(tmp_path):
    path = tmp_path / "gl.toml"
    path.write_text(CONFIG)
    ruleset, _ = apply_to(default_rules(), path)
    ids = {r.id for r in ruleset.rules}
    assert "acme-internal-token" in ids and "github-pat" in ids
    assert "generic-secret-assignment" not in ids


def test_without_use_default_their_rules_replace_ours(tmp_path):
    path = tmp_path / "gl.toml"
    path.write_text(CONFIG.replace("useDefault = true", "useDefault = false"))
    ruleset, _ = apply_to(default_rules(), path)
    assert [r.id for r in ruleset.rules] == ["acme-internal-token"]
    # leakwarden's placeholder allowlist stays in force.
    assert ruleset.allowlists[: len(default_rules().allowlists)] == default_rules().allowlists


def test_cli_picks_up_repo_root_config_and_warns(tmp_path):
    (tmp_path / ".gitleaks.toml").write_text(CONFIG)
    # Random-looking values: "a1b2c3d4" * 4 is a placeholder to the engine now.
    (tmp_path / "app.cfg").write_text("token = acme_" + "q7w3e9r1t5y8u2i6o4p0a3s7d1f9g5h2")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "lib.cfg").write_text("token = acme_" + "m4n8b2v6c0x5z9l3k7j1h5g8f2d6s0a4")
    (tmp_path / "sandbox.cfg").write_text("token = acme_sandbox" + "0" * 25)
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(tmp_path), "--no-git",
                           "-f", "json"], capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)["findings"]
    assert [(f["rule"], f["path"]) for f in found] == [("acme-internal-token", "app.cfg")]
    assert "composite rules" in proc.stderr and "Traceback" not in proc.stderr
    assert "using gitleaks config" in proc.stderr


def test_cli_min_confidence_filters(tmp_path):
    # A generic match in documentation is weak evidence: low, hidden by the
    # default (medium) and shown with --min-confidence low.
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "setup.md").write_text('client_secret = "Yjx4Zv3KOKbZq3qqqhHLz9iRwRu1"\n')
    base = [sys.executable, "-m", "scanner", "scan", str(tmp_path), "--no-git", "-f", "json"]
    low = json.loads(subprocess.run(base + ["--min-confidence", "low"], capture_output=True, text=True,
                                    check=False).stdout)
    assert [f["confidence"] for f in low["findings"]] == ["low"]
    high = subprocess.run(base, capture_output=True, text=True, check=False)
    assert high.returncode == 0 and json.loads(high.stdout)["findings"] == []
