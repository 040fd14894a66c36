"""The CI job: PR ranges, SARIF for code scanning, baselines, ignore files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema

from tests.support.fakes import Fakes
from tests.support.gitrepo import GitRepo

FAKE = Fakes(seed=11)
LEAKWARDEN = str(Path(sys.executable).parent / "leakwarden")
SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())


def lw(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LEAKWARDEN, "scan", str(repo.path), "--jobs", "1", *args],
                          capture_output=True, text=True, check=False, cwd=repo.path)


def findings(repo: GitRepo, *args: str) -> list[dict]:
    proc = lw(repo, "--format", "json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def test_range_reports_only_what_the_pull_request_introduces(repo):
    old = FAKE.aws_key_id()
    repo.commit("old leak", {"old.cfg": f"key = {old}\n"})
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    new = FAKE.github_token()
    repo.commit("feature work", {"feature.py": f"T = '{new}'\n", "old.cfg": f"key = {old}\nx=1\n"})
    proc = lw(repo, "--range", f"{base}..HEAD", "--format", "json", "--no-redact")
    assert proc.returncode == 1
    got = json.loads(proc.stdout)["findings"]
    # old.cfg's new blob still holds the old key, but the base had it already:
    # not this pull request's doing.
    assert [(f["path"], f["secret"]) for f in got] == [("feature.py", new)]
    clean = lw(repo, "--range", f"{base}..{base}", "--format", "json")
    assert clean.returncode == 0 and json.loads(clean.stdout)["findings"] == []


def test_sarif_is_valid_and_stable(repo):
    key, token = FAKE.aws_key_id(), FAKE.github_token()
    repo.commit("leaks", {
        "conf/a b.ini": f"[x]\naws_access_key_id = {key}\n",
        "src/app.py": f"T1 = '{token}'\nT2 = '{FAKE.github_token()}'\n",
    })
    first = lw(repo, "--format", "sarif")
    assert first.returncode == 1, first.stderr
    sarif = json.loads(first.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids == sorted(set(rule_ids)) == ["aws-access-key-id", "github-pat"]
    results = run["results"]
    assert len(results) == 3
    for r in results:
        assert rule_ids[r["ruleIndex"]] == r["ruleId"]
        region = r["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert region["endColumn"] > region["startColumn"] >= 1
        assert "*" in region["snippet"]["text"]
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results)
    assert uris[0] == "conf/a%20b.ini"
    aws = next(r for r in results if r["ruleId"] == "aws-access-key-id")
    assert aws["locations"][0]["physicalLocation"]["region"]["startColumn"] == 21
    assert aws["locations"][0]["physicalLocation"]["region"]["endColumn"] == 41
    assert key not in first.stdout and token not in first.stdout  # redacted everywhere
    # Byte-identical across runs
    assert lw(repo, "--format", "sarif").stdout == first.stdout
    # partialFingerprints survive a line shift (new blob, new line numbers)
    repo.commit("shift", {"src/app.py": "import os\n\n" + (repo.path / "src/app.py").read_text()})
    shifted = json.loads(lw(repo, "--format", "sarif").stdout)["runs"][0]["results"]
    prints = {json.dumps(r["partialFingerprints"]) for r in results}
    head_prints = {json.dumps(r["partialFingerprints"]) for r in shifted}
    assert prints <= head_prints


def test_baseline_round_trip(repo, tmp_path):
    repo.commit("old leaks", {"a.cfg": f"key = {FAKE.aws_key_id()}\n",
                              "b.py": f"T = '{FAKE.github_token()}'\n"})
    baseline = tmp_path / "baseline.json"
    assert lw(repo, "--format", "json", "-o", str(baseline)).returncode == 1
    assert lw(repo, "--baseline", str(baseline)).returncode == 0
    new = FAKE.stripe_key()
    # also shift the old secret's line: the baseline must still hide it
    repo.commit("new leak", {"c.py": f"STRIPE = '{new}'\n",
                             "a.cfg": "# moved down\n" + (repo.path / "a.cfg").read_text()})
    got = findings(repo, "--baseline", str(baseline), "--no-redact")
    assert [f["secret"] for f in got] == [new]


def test_ignore_file_survives_a_rebase(repo):
    key = FAKE.aws_key_id()
    repo.commit("leak", {"deploy/settings.ini": f"[aws]\nkey = {key}\n"})
    leak = findings(repo)
    assert len(leak) == 1
    f = leak[0]
    (repo.path / ".leakwardenignore").write_text(
        f"# accepted: test account, rotated\n{f['path']}:{f['rule']}:{f['secret_hash']}\n")
    (repo.path / ".gitleaksignore").write_text(
        f"{f['commit']}:{f['path']}:aws-access-token:{f['line']}\n")
    assert lw(repo).returncode == 0
    # Rebase the branch onto a new upstream commit that shifts the file's lines:
    # commit ids, blob ids and line numbers all change.
    repo.git("checkout", "-q", "-b", "upstream", "HEAD~1")
    repo.commit("upstream adds a header", {"deploy/settings.ini": "; managed by ops\n"})
    repo.git("checkout", "-q", "main")
    repo.git("rebase", "-q", "-X", "theirs", "upstream", check=True)
    repo.git("branch", "-q", "-D", "upstream")
    repo.git("reflog", "expire", "--expire=now", "--all")
    after = findings(repo, "--no-redact")
    assert after == []
    proc = lw(repo, "--report-unused-ignores")
    assert proc.returncode == 0
    # the gitleaks entry named the old commit and line: it no longer matches anything
    assert ".gitleaksignore:1: unused ignore entry" in proc.stderr
    assert ".leakwardenignore" not in proc.stderr


def test_gitleaksignore_maps_what_it_can(repo):
    key = FAKE.aws_key_id()
    sha = repo.commit("leak", {"x.cfg": f"key = {key}\n"})
    (repo.path / ".gitleaksignore").write_text(
        f"{sha}:x.cfg:aws-access-token:1\n"
        f"{sha}:x.cfg:some-vendor-token:3\n"
        "garbage\n")
    proc = lw(repo, "--report-unused-ignores")
    assert proc.returncode == 0, proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2
    assert "'some-vendor-token' has no leakwarden equivalent" in lines[0]
    assert "not a gitleaks fingerprint" in lines[1]


def test_bad_baseline_and_ignore_entries_are_one_line_errors(repo, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    proc = lw(repo, "--baseline", str(bad))
    assert proc.returncode == 2 and "not a leakwarden JSON report" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    (repo.path / ".leakwardenignore").write_text("not-a-hash\n")
    proc = lw(repo)
    assert proc.returncode == 2 and ".leakwardenignore:1: not an ignore entry" in proc.stderr


def test_github_annotations(repo):
    key = FAKE.aws_key_id()
    repo.commit("leak", {"x.cfg": f"key = {key}\n"})
    proc = lw(repo, "--format", "github")
    assert proc.returncode == 1
    line = proc.stdout.strip()
    assert line.startswith("::error file=x.cfg,line=1,endLine=1,col=7,title=aws-access-key-id")
    assert "endColumn=27" in line and "AK****" in line
    assert key not in proc.stdout


def test_junit_and_empty_sarif(repo):
    import xml.etree.ElementTree as ET

    clean = lw(repo, "--format", "sarif")
    assert clean.returncode == 0
    sarif = json.loads(clean.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert sarif["runs"][0]["results"] == [] and sarif["runs"][0]["tool"]["driver"]["rules"] == []
    assert ET.fromstring(lw(repo, "--format", "junit").stdout).find(".//testcase").get(
        "name") == "no secrets found"
    key = FAKE.aws_key_id()
    repo.commit("leak", {"x & y.cfg": f"key = {key}\n"})
    proc = lw(repo, "--format", "junit")
    assert proc.returncode == 1 and key not in proc.stdout
    root = ET.fromstring(proc.stdout)
    case = root.find(".//testcase")
    assert case.get("classname") == "aws-access-key-id" and case.get("file") == "x & y.cfg"
    assert root.find("testsuite").get("failures") == "1"
    assert "AK****" in case.find("failure").get("message")


def test_gitleaks_rule_map_points_at_real_rules():
    from scanner.engine.rules import default_rules
    from scanner.project.baseline import GITLEAKS_RULES

    known = set(default_rules().by_id)
    assert {r for targets in GITLEAKS_RULES.values() for r in targets} - {"*"} <= known
