"""Passwords and keys that only their place identifies (the assignment detector).

Every syntax and every decoy kind of the generic-credentials set runs through
the whole engine under both prefilters; the set's recall and decoy count are
pinned through the full scan pipeline; no report format shows a secret other
than its own finding's on a context line; bad input gives no finding, never
an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import generic
from corpus.fakegen import B62, Fake
from scanner.engine.assignments import judge_name, judge_value
from scanner.engine.matcher import Engine
from scanner.engine.rules import default_rules
from scanner.model import ScanResult
from scanner.pipeline import ScanOptions, scan
from scanner.report import FORMATS, render
from scanner.report.text_report import render_text
from scanner.secrets import redact

RULES = default_rules()
GENERIC = {"generic-secret-assignment", "url-credentials"}


@pytest.fixture(scope="module", params=["hyperscan", "python"])
def engine(request) -> Engine:
    return Engine(RULES, prefilter=request.param)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _positive_cases() -> list[tuple[str, str, str, str, str]]:
    fake = Fake("test-assignments")
    cases = []
    for path, syntax, template, kind in generic.POSITIVES:
        written, secret = generic._value(fake, kind)
        cases.append((syntax, path, template.replace("{v}", written), written, secret))
    return cases


@pytest.mark.parametrize("case", _positive_cases(), ids=lambda c: f"{c[0]}:{c[2][:40]}")
def test_every_syntax_is_found(case, engine):
    _, path, text, written, _ = case
    data = b"# header\nname: service\n" + text.encode() + b"\nother: 1\n"
    matches, errors = engine.scan(data, paths=[path])
    assert not errors
    want_line = data.count(b"\n", 0, data.index(written.encode())) + 1
    lines = {_line_of(data, m.start) for m in matches}
    assert want_line in lines, f"missed in {path}: {text!r}"


@pytest.mark.parametrize("decoy", generic.DECOYS, ids=lambda d: f"{d[1]}:{d[2][:40]}")
def test_every_decoy_kind_is_quiet(decoy, engine):
    path, _, text = decoy
    data = ("# header\n" + text.replace("{hex64}", "ab" * 32).replace("{hex40}", "cd" * 20)
            .replace("{b64_88}", "Qk" * 44).replace("{b64_44}", "Zm" * 22) + "\n").encode()
    matches, errors = engine.scan(data, paths=[path])
    assert not errors
    assert not [m for m in matches if m.rule_id in GENERIC], f"fired on decoy {text!r}"


def test_generic_set_recall_and_decoys_are_pinned(tmp_path):
    """The whole pipeline (history scan, default confidence filter as the
    CLI applies it) on the generated set: recall and decoy hits pinned."""
    labels = generic.build(tmp_path / "gen", seed=5)
    result = scan(tmp_path / "gen" / "repo", ScanOptions(jobs=1, redact=False))
    assert result.complete
    shown = [f for f in result.findings if f.confidence in ("medium", "high")]
    reported = {(f.path, line) for f in shown for line in range(f.line, f.end_line + 1)}
    s = generic.score(labels, reported, "leakwarden")
    assert s.positives >= 60 and s.decoys >= s.positives
    assert s.human[1] * 2 >= s.positives  # half the credentials are typed passwords
    assert s.recall >= 0.95, s.missed
    assert s.decoys_hit == 0, s.decoy_hits


@pytest.mark.parametrize(("name", "kind"), [
    ("DB_PASSWORD", "password"), ("smtp.password", "password"), ("apiKey", "secret"),
    ("client_secret", "secret"), ("AccountKey", "secret"), ("aws_secret_access_key", "secret"),
    ("auth_token", "secret"), ("passwd", "password"), ("ConnectionString", "secret"),
])
def test_credential_names(name, kind):
    verdict = judge_name(name)
    assert verdict is not None and verdict.kind == kind


@pytest.mark.parametrize("name", [
    "password_reset_timeout", "token_url", "secret_name", "apiKeyHeader", "PASSWORD_MIN_LENGTH",
    "private_key_path", "access_key_id", "csrf_token", "max_tokens", "is_password", "author", "sort_key",
    "tokenizer", "passwordField", "publicToken", "publishable_token",
])
def test_look_alike_names(name):
    assert judge_name(name) is None


@pytest.mark.parametrize("value", [
    "${DB_PASSWORD}", "$DB_PASSWORD", "{{ .Values.x }}", "var.db_password", "random_password.db.result",
    "os.environ['X']", "process.env.X", "getpass()", "!vault", ":'psql_var'", "changeme", "<your-key>",
    "REPLACE_ME", "xxxxxxxx", "********", "true", "12345678", "/etc/app/secret", "https://vault.corp/v1",
    "DB_PASSWORD_NAME", "passwordConfirmation", "Enter your password", "abcdefgh", "your_password_here",
    # printf templates, host names and timestamps stand where a value would, not a pasted key
    "2xN7puShxzNf5fZleQthTg305l95D3gSD%c^", "key-%s-%d", "4f2a9c.invoiceocean.com", "st=2025-03-04T07:24:52Z",
])
def test_rejected_values(value):
    assert judge_value(value, "password", quoted=True) is None


@pytest.mark.parametrize(("value", "shape"), [
    ("Summer2024!", "human"), ("admin123", "human"), ("IdzAxQvl7Vq#7bhFoDZ", "token"),
    ("9f86d081884c7d659a2feaa0c55ad015", "hex"), ("w8aW/nk/Bs63f1wJmY3laB7YD4b+YmQVgp==", "token"),
])
def test_accepted_values(value, shape):
    verdict = judge_value(value, "password", quoted=True)
    assert verdict is not None and verdict.shape == shape


def test_issue_examples_each_found_once(engine):
    """The five everyday lines of the issue, each a file of its own."""
    cases = [
        ("helm/values.yaml", b"partner:\n  api_key: YRf53KKIFEi4ZPuPYP20gP1mjqKdSXqz4Y8o1Oze   # Helm values\n"),
        ("infra/db.tf", b'  password                = "IdzAxQvl7Vq#7bhFoDZ"\n'),
        ("pgbouncer.ini", b"tidewater = host=db.internal port=5432 dbname=t user=admin password=JTfv6n2vADnhAcKsF8R7m\n"),
        ("ops/dr.sh", b'az storage blob download --account-name dr --account-key '
                      b'"w8aW/nk/Bs63f1wJmY3laB7YD4b+YmQVgpQOxbCIlGBdyX6R4qw2GO6XZtufCzHsXP93+3bx87L+ta0OUTsnRw=="\n'),
        ("app/.env", b"DB_PASSWORD=admin123          MAIL_PASSWORD=Mailpass1234!\n"),
    ]
    for path, data in cases:
        matches, errors = engine.scan(data, paths=[path])
        assert not errors and matches, path
    matches, _ = engine.scan(cases[-1][1], paths=["app/.env"])
    assert {m.secret for m in matches} >= {b"admin123", b"Mailpass1234!"}


def test_kubernetes_secret_data_is_decoded_then_judged(engine):
    import base64

    good = base64.b64encode(b"Harbor2291!").decode()
    placeholder = base64.b64encode(b"changeme").decode()
    data = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  DB_PASS: {good}\n"
            f"  OTHER_PASS: {placeholder}\n").encode()
    matches, _ = engine.scan(data, paths=["k8s/secret.yaml"])
    secrets = {m.secret for m in matches}
    assert good.encode() in secrets and placeholder.encode() not in secrets


@pytest.mark.parametrize("data", [
    b"password = '" + b"A1!" * 400_000 + b"'\n",  # a megabyte line
    b"x" * 500_000 + b" password=" + b"a" * 500_000,
    b"\x00\x01password=Harbor2291!\x00" * 1000,  # binary
    b"{" + b'"a": {' * 5000 + b'"password": "Harbor2291!"' + b"}" * 5001,  # deep nesting
    b"a:\n" + b"".join(b" " * i + b"k%d:\n" % i for i in range(2000)) + b"  password: Harbor2291!\n",
    b"<config><password>Harbor2291!</pass" + b"<password>" * 20000,  # malformed XML
    b"--password " * 100_000,
])
def test_bad_input_degrades_to_no_finding_not_an_error(data, engine):
    # No wall-clock bound (a loaded machine makes one flaky): a pathological
    # input that hangs the engine hangs this test, which is failure enough.
    findings, errors = engine.scan(data, paths=["bad.txt"])
    assert not errors and not findings


def test_redaction_shows_at_most_a_quarter_and_four_characters():
    for n in range(1, 80):
        secret = "".join(chr(ord("a") + i % 26) for i in range(n))
        shown = sum(1 for c in redact(secret) if c != "*")
        assert shown <= n // 4 and shown <= 4, (n, redact(secret))
    assert redact("te5tpass").count("*") >= 6


def _repo_with_two_secrets_on_a_line(tmp_path: Path) -> tuple[Path, list[str]]:
    import subprocess

    fake = Fake("two-secrets")
    key_id = "AKIA" + fake.pick(generic.B62.__class__("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "A-Z2-7"), 16)
    secret = fake.pick(generic.B62, 40)
    password = "Harbor2291!"
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "deploy.env").write_text(
        f"AWS_ACCESS_KEY_ID={key_id} AWS_SECRET_ACCESS_KEY={secret} DB_PASSWORD={password}\n")
    env = {"GIT_AUTHOR_DATE": "1650000000 +0000", "GIT_COMMITTER_DATE": "1650000000 +0000",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    return repo, [key_id, secret, password]


def test_no_report_format_shows_another_findings_secret(tmp_path):
    repo, secrets = _repo_with_two_secrets_on_a_line(tmp_path)
    result: ScanResult = scan(repo, ScanOptions(jobs=1))
    assert len({f.rule for f in result.findings}) >= 2 and len(result.findings) >= 3
    outputs = {name: render(name, result, str(repo)) for name in FORMATS}
    outputs["text"] = render_text(result)
    from scanner.report.block import render_block

    outputs["block"] = render_block(result)
    for name, text in outputs.items():
        for secret in secrets:
            assert secret not in text, f"{name} shows a secret in clear"
            # nor a long enough piece of it to matter
            assert secret[4:-4] not in text, name


def test_one_finding_per_secret_per_place(tmp_path):
    """A Django SECRET_KEY is found by its own rule and by the detector: one finding."""
    import subprocess

    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "settings.py").write_text("SECRET_KEY = 'zq8!v2k#r7@w1x$c5b(n9m)t3y&u6i^o4p*a0s+d'\n")
    env = {"GIT_AUTHOR_DATE": "1650000000 +0000", "GIT_COMMITTER_DATE": "1650000000 +0000",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    result = scan(repo, ScanOptions(jobs=1))
    assert len(result.findings) == 1
    assert result.findings[0].rule != "generic-secret-assignment"


def test_text_report_groups_versions_of_one_secret_at_one_path(tmp_path):
    import subprocess

    repo = tmp_path / "r"
    repo.mkdir()
    env = {"GIT_AUTHOR_DATE": "1650000000 +0000", "GIT_COMMITTER_DATE": "1650000000 +0000",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, env=env, check=True)
    for n in range(3):  # three versions of the file, the same password in each
        (repo / "db.ini").write_text(f"# v{n}\n" * (n + 1) + "password = Harbor2291!\n")
        for args in (["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", f"v{n}"]):
            subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    result = scan(repo, ScanOptions(jobs=1))
    assert len(result.findings) == 3
    text = render_text(result)
    # the responder report (issue 16): one entry for the secret, its three
    # blob versions counted; --verbose lists each version
    assert text.startswith("1 distinct secret(s) in 3 finding(s)")
    assert "3 blob version(s), 1 path(s): db.ini" in text
    assert render_text(result, verbose=True).count("fingerprint") == 3


_TOKEN = Fake("syntaxes").pick(B62, 32)


@pytest.mark.parametrize("line", [
    'generic_TOKEN ::= "{s}"',                        # GNU make, POSIX ::=
    'generic_TOKEN :::= "{s}"',
    'generic_TOKEN ?= "{s}"',
    '$apiToken .= "{s}";',                            # PHP string append
    'System.setProperty("SERVICE_TOKEN", "{s}");',    # Java
    'os.Setenv("SERVICE_TOKEN", "{s}")',              # Go
    '<serviceToken> {s} </serviceToken>',             # XML text with padding
    'curl -H "Authorization: Token {s}" https://api.corp.net/v1',
    'curl -H "X-Api-Key: {s}" https://api.corp.net/v1',
])
def test_build_and_call_syntaxes_are_found(line, engine):
    data = (line.format(s=_TOKEN) + "\n").encode()
    matches, errors = engine.scan(data, paths=["deploy/settings.mk"])
    assert not errors
    assert _TOKEN.encode() in {m.secret for m in matches}, line


def test_curl_user_may_be_an_email_address(engine):
    password = Fake("curl-user").password(14)
    data = f"curl --user ops@corp.example:{password} https://api.corp.net\n".encode()
    matches, _ = engine.scan(data, paths=["scripts/sync.sh"])
    assert password.encode() in {m.secret for m in matches}


@pytest.mark.parametrize("line", [
    'curl -H "Authorization: Bearer $TOKEN" https://api.corp.net',
    'curl -H "X-Api-Key: ${API_KEY}" https://api.corp.net',
    "generic_TOKEN ?= $(shell cat token.txt)",
])
def test_references_in_those_syntaxes_are_quiet(line, engine):
    matches, _ = engine.scan((line + "\n").encode(), paths=["deploy/settings.mk"])
    assert not matches, line
