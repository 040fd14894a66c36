"""Terraform state and plan JSON: every secret attribute under its address,
nothing on ids, ARNs, hashes or public keys; wherever the document is found."""

from __future__ import annotations

import json

import pytest

from corpus.tfstate import build
from scanner.engine.matcher import Engine
from scanner.engine.rules import default_rules
from scanner.engine.terraform_state import parse
from scanner.pipeline import ScanOptions, scan
from tests.support.aws import make_repo

DOCS = build(seed=7)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(default_rules())


def _value(raw: bytes) -> str:
    return json.loads(b'"' + raw + b'"')


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_secret_attribute_is_found_under_its_address(doc, engine):
    matches, errors = engine.scan(doc.data, paths=[doc.name])
    assert not errors
    found = {dict(m.labels)["address"]: _value(doc.data[m.start:m.end])
             for m in matches if m.labels}
    assert set(found) == set(doc.secrets)
    for address, value in found.items():
        # A provider rule that matched inside the attribute (a PEM block, the
        # key inside a connection string) keeps its finding, now addressed.
        assert value == doc.secrets[address] or value in doc.secrets[address], address


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_no_finding_on_ids_arns_hashes_or_public_keys(doc, engine):
    matches, _ = engine.scan(doc.data, paths=[doc.name])
    reported = [_value(doc.data[m.start:m.end]) for m in matches]
    assert doc.not_secrets  # the generator did plant them
    for value in doc.not_secrets:
        assert not any(value in r or r in value for r in reported if len(r) >= 6), value


def test_the_parser_alone_names_type_provider_and_why():
    kind, secrets = parse(DOCS[0].data)
    assert kind == "state-v4"
    by_address = {s.address: s for s in secrets}
    rds = by_address["module.db.aws_db_instance.main.password"]
    assert (rds.resource, rds.resource_type, rds.provider, rds.attribute) == (
        "module.db.aws_db_instance.main", "aws_db_instance",
        "registry.terraform.io/hashicorp/aws", "password")
    assert by_address["output.db_password"].why == "sensitive"
    assert parse(DOCS[1].data)[0] == "state-v3"
    assert parse(DOCS[2].data)[0] == "plan"
    assert parse(b'{"version": 4, "resources": "not a list"}') == ("", [])
    assert parse(b"{not json") == ("", [])


def test_state_in_git_history_and_plan_json_as_a_plain_file(tmp_path):
    repo = tmp_path / "infra"
    state, _, plan = DOCS
    make_repo(repo, {"env/prod.tfstate": state.data.decode()}, "add state by mistake")
    make_repo(repo, {"env/prod.tfstate": "{}\n"}, "empty the state")
    result = scan(repo, ScanOptions(jobs=1))
    addresses = {f.extra.get("address") for f in result.findings}
    assert "module.db.aws_db_instance.main.password" in addresses
    rds = next(f for f in result.findings
               if f.extra.get("address") == "module.db.aws_db_instance.main.password")
    assert rds.rule == "terraform-state-attribute" and rds.confidence == "high"
    assert rds.in_head is False and rds.path == "env/prod.tfstate"
    assert rds.extra["resource_type"] == "aws_db_instance"
    assert "*" in rds.secret  # redacted

    files = tmp_path / "files"
    files.mkdir()
    (files / "stage.json").write_bytes(plan.data)  # named like any JSON: found by content
    result = scan(files, ScanOptions(no_git=True, jobs=1))
    assert {f.extra.get("address") for f in result.findings} == set(plan.secrets)
    report = json.loads(__import__("scanner.report", fromlist=["render"]).render("json", result))
    assert any(f.get("address") == "var.webhook_secret" for f in report["findings"])


def test_the_parser_rule_ids_are_rules_to_enable_disable_and_list(tmp_path):
    from typer.testing import CliRunner

    from scanner.cli.app import app
    from scanner.engine.terraform_state import ATTRIBUTE_RULE, OUTPUT_RULE, VARIABLE_RULE

    doc = DOCS[0]
    rules = default_rules()
    assert {ATTRIBUTE_RULE, OUTPUT_RULE, VARIABLE_RULE} <= set(rules.by_id)

    def rules_of(ruleset):  # noqa: ANN001, ANN202
        matches, _ = Engine(ruleset).scan(doc.data, paths=[doc.name])
        return {m.rule_id for m in matches if m.labels}

    assert rules_of(rules) >= {ATTRIBUTE_RULE, OUTPUT_RULE}
    assert ATTRIBUTE_RULE not in rules_of(rules.select(disable=[ATTRIBUTE_RULE]))
    assert OUTPUT_RULE in rules_of(rules.select(disable=[ATTRIBUTE_RULE]))
    assert rules_of(rules.select(enable=[OUTPUT_RULE])) == {OUTPUT_RULE}
    assert rules_of(rules.select(disable=[ATTRIBUTE_RULE, OUTPUT_RULE, VARIABLE_RULE])) == set()

    # The same through the command line, in a git repository and as plain files.
    (tmp_path / "prod.tfstate").write_bytes(doc.data)
    runner = CliRunner()
    out = runner.invoke(app, ["scan", str(tmp_path), "--no-git", "--format", "json",
                              "--enable-rule", ATTRIBUTE_RULE])
    assert out.exit_code == 1, out.output
    assert {f["rule"] for f in json.loads(out.stdout)["findings"]} == {ATTRIBUTE_RULE}
    out = runner.invoke(app, ["scan", str(tmp_path), "--no-git", "--format", "json",
                              "--disable-rule", ATTRIBUTE_RULE, "--disable-rule", OUTPUT_RULE])
    assert not {f["rule"] for f in json.loads(out.stdout)["findings"]} & {ATTRIBUTE_RULE,
                                                                         OUTPUT_RULE}

    listed = runner.invoke(app, ["rules", "list", "--format", "json", "--provider", "terraform"])
    by_id = {r["id"]: r for r in json.loads(listed.stdout)}
    assert by_id[ATTRIBUTE_RULE]["parser"] == "terraform-state"
    assert by_id[ATTRIBUTE_RULE]["severity"] == "critical"
    text = runner.invoke(app, ["rules", "list", "--provider", "terraform"]).stdout
    assert f"{ATTRIBUTE_RULE}" in text and "parser" in text


def test_a_parser_or_detector_change_changes_the_rule_set_version(monkeypatch):
    from scanner.engine import assignments, terraform_state
    from scanner.engine.rules import RuleSet

    base = default_rules()
    before = RuleSet(base.rules, base.allowlists, base.parsed).version
    monkeypatch.setattr(terraform_state, "PARSER_VERSION", terraform_state.PARSER_VERSION + "x")
    after_parser = RuleSet(base.rules, base.allowlists, base.parsed).version
    assert after_parser != before
    monkeypatch.setitem(assignments.DETECTOR_VERSIONS, "assignment",
                        assignments.DETECTOR_VERSIONS["assignment"] + "x")
    after_detector = RuleSet(base.rules, base.allowlists, base.parsed).version
    assert after_detector not in (before, after_parser)
    # A set without the parser or the detector does not move with them.
    bare = [r for r in base.rules if not r.detector]
    plain = RuleSet(bare, base.allowlists, [])
    monkeypatch.undo()
    assert RuleSet(bare, base.allowlists, []).version == plain.version
    # Disabling a parser rule is a different rule set too.
    assert base.select(disable=["terraform-state-output"]).version != base.version
