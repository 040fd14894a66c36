"""Migrating from gitleaks loses nothing silently: disabledRules
in gitleaks ids, .gitleaks.toml at the repository root, .gitleaksignore
entries on generic-api-key, and reasons for unused ignore entries."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.fakes import Fakes

FAKE = Fakes(seed=1616)


def lw(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True,
                          text=True, cwd=cwd, env=dict(os.environ), timeout=120)


def scan_json(path, *args: str) -> subprocess.CompletedProcess[str]:
    return lw("scan", str(path), "-j", "1", "--format", "json", *args)


def gitleaks_toml(*disabled: str) -> str:
    """A .gitleaks.toml on gitleaks' defaults with ``disabled`` rules (gitleaks ids)."""
    return f"[extend]\nuseDefault = true\ndisabledRules = {json.dumps(list(disabled))}\n"


def rules_found(proc: subprocess.CompletedProcess[str]) -> set[str]:
    assert proc.returncode in (0, 1), proc.stderr
    return {f["rule"] for f in json.loads(proc.stdout)["findings"]}


def test_disabled_rules_in_gitleaks_ids_are_mapped_and_unmapped_ones_named(repo):
    repo.commit("keys", {"svc/aws.txt": f"key = {FAKE.aws_key_id()}\n",
                         "svc/gh.txt": f"token = {FAKE.github_token()}\n"})
    repo.commit("config", {".gitleaks.toml": gitleaks_toml("aws-access-token", "curl-auth-user")})
    proc = scan_json(repo.path)
    found = rules_found(proc)
    assert "aws-access-key-id" not in found and "github-pat" in found
    assert "'aws-access-token' disables aws-access-key-id" in proc.stderr
    assert "'curl-auth-user' has no leakwarden counterpart" in proc.stderr


def test_gitleaks_toml_is_read_at_the_repository_root_for_a_subdirectory(repo):
    repo.commit("keys", {"sub/gh.txt": f"token = {FAKE.github_token()}\n",
                         "sub/aws.txt": f"key = {FAKE.aws_key_id()}\n"})
    repo.commit("config", {".gitleaks.toml": gitleaks_toml("github-pat")})
    whole = scan_json(repo.path)
    sub = scan_json(repo.path / "sub")
    assert rules_found(whole) == rules_found(sub) == {"aws-access-key-id"}
    assert f"using gitleaks config {repo.path / '.gitleaks.toml'}" in sub.stderr


def test_gitleaksignore_generic_api_key_covers_the_specific_rule(repo):
    key = FAKE.stripe_key()
    repo.commit("stripe", {"app/billing.py": f"import os\nSTRIPE_API_KEY = '{key}'\n"})
    assert "stripe-secret-key" in rules_found(scan_json(repo.path))
    # what gitleaks wrote for it: its generic rule found the key on line 2
    repo.commit("ignore", {".gitleaksignore": "app/billing.py:generic-api-key:2\n"})
    proc = scan_json(repo.path, "--report-unused-ignores")
    assert "stripe-secret-key" not in rules_found(proc)
    assert "unused ignore entry" not in proc.stderr


def test_report_unused_ignores_gives_a_reason(repo):
    token = FAKE.github_token()
    repo.commit("token", {"ci/env.txt": f"\n\nTOKEN={token}\n"})
    repo.commit("ignores", {
        ".gitleaksignore": "ci/env.txt:github-pat:1\nci/gone.txt:github-pat:3\n"
                           "ci/env.txt:aws-access-token:3\n",
        ".leakwardenignore": "0123456789abcdef0123456789abcdef\n",
    })
    proc = scan_json(repo.path, "--report-unused-ignores")
    lines = [line for line in proc.stderr.splitlines() if "unused ignore entry" in line]
    assert len(lines) == 4, proc.stderr
    text = "\n".join(lines)
    assert "on line(s) 3, not 1 (lines shifted" in text
    assert "no finding at ci/gone.txt" in text
    assert "are of rule(s) github-pat, not aws-access-key-id" in text
    assert "no finding has this secret hash or fingerprint" in text
    assert "matched no finding" not in text
