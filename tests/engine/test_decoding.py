"""Secrets one layer down: decoded, reported at the encoded span, same with both prefilters."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest

from corpus.fakegen import Fake
from scanner.engine.matcher import Engine
from scanner.engine.rules import default_rules

RULES = default_rules()
FAKE = Fake("decoding-tests")


@pytest.fixture(scope="module", params=["hyperscan", "python"])
def engine(request) -> Engine:
    return Engine(RULES, prefilter=request.param)


def test_base64_yaml_value_is_decoded_and_mapped_back(engine):
    token = FAKE.crc_token("ghp_")
    encoded = base64.b64encode(f"GITHUB_TOKEN={token}\n".encode()).decode()
    data = f"service:\n  name: api\nbootstrap: {encoded}\n".encode()
    matches, errors = engine.scan(data)
    assert not errors
    [m] = [m for m in matches if m.rule_id == "github-pat"]
    assert m.decoded == "base64" and m.secret == token.encode()
    # The span lies inside the encoded run and decodes back to the token.
    run_start = data.index(encoded.encode())
    assert run_start <= m.start < m.end <= run_start + len(encoded)
    offset = (m.start - run_start)
    assert offset % 4 == 0
    assert token.encode() in base64.b64decode(data[m.start:m.end] + b"==")[:200] or \
        token.encode()[:20] in base64.b64decode(data[run_start:run_start + len(encoded)])


def test_percent_encoded_url_is_decoded(engine):
    key = "AKIA" + FAKE.pick(__import__("corpus.fakegen", fromlist=["B32U"]).B32U, 16)
    data = ("redirect = https://app.test/cb?state=" +
            urllib.parse.quote(f"aws_access_key_id: {key}", safe="") + "\n").encode()
    matches, _ = engine.scan(data)
    found = [m for m in matches if m.rule_id == "aws-access-key-id"]
    assert [m.decoded for m in found] == ["percent"] and found[0].secret == key.encode()
    assert data[found[0].start:found[0].end].decode().startswith("AKIA")


def test_escaped_pem_in_json_is_decoded(engine):
    pem = FAKE.pem("EC PRIVATE KEY", 6)
    data = json.dumps({"name": "signer", "key": pem}).encode()
    assert b"\\n" in data
    matches, _ = engine.scan(data)
    found = [m for m in matches if m.rule_id == "private-key"]
    assert len(found) == 1 and found[0].decoded == "escape"
    assert found[0].secret.startswith(b"-----BEGIN EC PRIVATE KEY-----\n")
    assert data[found[0].start:found[0].end].startswith(b"-----BEGIN EC PRIVATE KEY-----\\n")


def test_binary_base64_and_plain_findings_are_not_doubled(engine):
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3).decode()
    token = FAKE.crc_token("ghp_")
    data = (f".logo {{ background: url(data:image/png;base64,{png}); }}\n"
            f"token = {token}\n").encode()
    matches, _ = engine.scan(data)
    assert [(m.rule_id, m.decoded) for m in matches] == [("github-pat", None)]


def test_decoding_can_be_turned_off():
    token = FAKE.crc_token("ghp_")
    data = f"blob: {base64.b64encode(f'token={token}'.encode()).decode()}\n".encode()
    assert any(m.decoded for m in Engine(RULES).scan(data)[0])
    assert not Engine(RULES, decode=False).scan(data)[0]


def test_staged_scan_finds_a_secret_only_visible_once_decoded(tmp_path):
    # The hook compiles only rules whose keywords occur in the change; a
    # base64 value hides the keyword, so decoded text must count too.
    import base64
    import subprocess
    import sys

    from tests.support.fakes import Fakes
    from tests.support.gitrepo import GitRepo

    repo = GitRepo(tmp_path / "r")
    repo.commit("init", {"README.md": "x\n"})
    key = Fakes(seed=9).aws_key_id()
    encoded = base64.b64encode(f"aws_access_key_id = {key}".encode()).decode()
    repo.write("k8s/secret.yaml", f"kind: Secret\ndata:\n  creds: {encoded}\n")
    repo.git("add", "-A")
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", "--staged", "--format", "json",
                           str(repo.path)], capture_output=True, text=True)
    findings = json.loads(proc.stdout)["findings"]
    assert proc.returncode == 1
    assert [(f["rule"], f["decoded"]) for f in findings] == [("aws-access-key-id", "base64")]
