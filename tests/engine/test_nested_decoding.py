"""Nested encodings (base64 of base64 of a token) are decoded down to
``--max-decode-depth`` layers, bounded in depth and in decoded bytes."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest

from scanner import ScanOptions, scan
from scanner.engine import decoding
from scanner.engine.matcher import Engine
from scanner.engine.rules import default_rules
from tests.support.fakes import Fakes
from tests.support.gitrepo import GitRepo


def _nest(text: str, layers: int) -> str:
    data = text.encode()
    for _ in range(layers):
        data = base64.b64encode(data)
    return data.decode()


@pytest.fixture(scope="module")
def engine_by_depth():
    rules = default_rules()
    return {d: Engine(rules, max_decode_depth=d) for d in (0, 1, 2, 3)}


@pytest.mark.parametrize("prefix", ["ghp_", "github_pat_"])
def test_base64_of_base64_is_found_at_depth_two(engine_by_depth, prefix):
    fakes = Fakes(5)
    token = fakes.github_token() if prefix == "ghp_" else (
        "github_pat_" + fakes._pick("ABCDEFGHabcdefgh0123456789", 22) + "_" + fakes._pick("XYZxyz456789", 59))
    encoded = _nest(f"export GITHUB_TOKEN={token}\n", 2)
    data = f"# deploy\nvalue: {encoded}\n".encode()
    found = [m for m in engine_by_depth[2].scan(data)[0] if m.rule_id.startswith("github")]
    assert found and found[0].decoded == "base64>base64"
    assert found[0].secret == token.encode()
    # the span names the encoded text in the blob, so line and re-reading work
    start = data.index(encoded.encode())
    assert start <= found[0].start < found[0].end <= start + len(encoded)
    assert not [m for m in engine_by_depth[1].scan(data)[0] if m.rule_id.startswith("github")]
    assert not engine_by_depth[0].scan(data)[0]


def test_depth_and_size_are_bounded():
    token = Fakes(6).github_token()
    deep = _nest(f"token={token}", 6).encode()
    # without probes every layer is decoded: still only max_depth of them
    assert len(list(decoding.nested_runs(deep, 2))) == 2
    assert len(list(decoding.nested_runs(deep, 6))) == 6
    # one budget for every layer of a blob
    big = b"\n".join(base64.b64encode(f"password={i:06d} ".encode() * 40) for i in range(2000))
    budget = decoding.Budget(200_000)
    pieces = list(decoding.nested_runs(big, 3, budget))
    assert sum(len(p.data) for p in pieces) <= 200_000 and budget.left <= 0


def test_scan_reports_nested_and_the_flag_turns_it_off(tmp_path):
    token = Fakes(7).github_token()
    repo = GitRepo(tmp_path / "repo")
    repo.commit("add", {"k8s/secret.yaml": f"data:\n  env: {_nest(f'GITHUB_TOKEN={token}', 2)}\n"})
    result = scan(str(repo.path), ScanOptions(jobs=1))
    [finding] = [f for f in result.findings if f.rule == "github-pat"]
    assert finding.decoded == "base64>base64" and finding.line == 2 and token not in finding.secret
    assert not [f for f in scan(str(repo.path), ScanOptions(jobs=1, max_decode_depth=1)).findings
                if f.rule == "github-pat"]
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(repo.path), "--max-decode-depth", "1",
                           "--format", "json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(repo.path), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "base64>base64" in proc.stdout
