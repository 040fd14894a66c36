"""The shipped hook definition, composite action and example workflow say
what the docs promise (the files are data other tools read: a typo is a
broken integration nobody notices until a leak slips through)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_pre_commit_hook_definition():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "leakwarden")
    assert hook["entry"] == "leakwarden scan --staged"
    assert hook["language"] == "python" and hook["pass_filenames"] is False


def test_composite_action_scans_the_range_uploads_sarif_and_fails():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    scan = next(s for s in steps if s.get("id") == "scan")
    assert '--range "$BASE..$HEAD_SHA"' in scan["run"] and "--format sarif" in scan["run"]
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert "exit 1" in steps[-1]["run"]


def test_example_workflow():
    flow = yaml.safe_load((ROOT / "docs/examples/leakwarden-workflow.yml").read_text())
    steps = flow["jobs"]["leakwarden"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert flow["permissions"]["security-events"] == "write"
    assert any("upload-sarif" in s.get("uses", "") for s in steps)
    assert "--range" in next(s for s in steps if s.get("id") == "scan")["run"]
