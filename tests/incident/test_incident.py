"""investigate and contain against moto (IAM, STS, S3) with a trail that tells the seed incident."""

from __future__ import annotations

import csv
import gzip
import json
import os
import random
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest
from typer.testing import CliRunner

from scanner.cli.app import app
from scanner.incident.cloudtrail import LocalTrail, Window, filter_records
from scanner.incident.contain import ContainOptions, apply, plan
from scanner.incident.investigate import InvestigateOptions, Seed, investigate
from scanner.incident.lineage import EVENT_COLUMNS, athena_lineage_sql
from tests.incident.support import (
    ACCOUNT,
    ATTACKER_IPS,
    CI_IPS,
    END,
    EXPOSED,
    START,
    Seen,
    Story,
    build_story,
    ct_time,
    export_trail,
    fake_key_id,
    recording_proxy,
    upload_trail,
)
from tests.support.aws import MotoSts, Recorder, hide_machine_aws, moto_server  # noqa: F401 - fixture

WINDOW = ["--since", ct_time(START), "--until", ct_time(END)]


class World:
    """One moto server, one story per tag, a responder, and a recording proxy."""

    def __init__(self, moto: MotoSts, seen: Seen, proxy_url: str, tmp: Path) -> None:
        self.moto, self.seen, self.proxy_url, self.tmp = moto, seen, proxy_url, tmp
        self.stories: dict[str, Story] = {}
        with moto.admin() as (iam, _):
            iam.create_user(UserName="inc-responder")
            iam.put_user_policy(UserName="inc-responder", PolicyName="admin", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            key = iam.create_access_key(UserName="inc-responder")["AccessKey"]
        self.responder = (key["AccessKeyId"], key["SecretAccessKey"])

    def story(self, tag: str) -> Story:
        if tag not in self.stories:
            self.stories[tag] = build_story(self.moto, tag)
        return self.stories[tag]

    def s3_trail(self, tag: str) -> Story:
        """The story with its trail delivered into a bucket, as CloudTrail does."""
        story = self.story(tag)
        if not story.trail_bucket:
            with self.moto.admin():
                upload_trail(story, self.s3(direct=True), f"trail-{tag}", self.tmp)
        return story

    def trail_dir(self, tag: str) -> Path:
        """The same trail exported to a directory (faster than S3 through moto)."""
        root = self.tmp / f"trail-{tag}"
        if not root.exists():
            export_trail(self.story(tag), root)
        return root

    def env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.responder[0], "AWS_SECRET_ACCESS_KEY": self.responder[1],
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": self.proxy_url}

    def s3(self, direct: bool = False) -> Any:
        return boto3.client("s3", aws_access_key_id=self.responder[0],
                            aws_secret_access_key=self.responder[1], region_name="us-east-1",
                            endpoint_url=self.moto.moto_url if direct else self.proxy_url)

    def iam(self) -> Any:
        return boto3.client("iam", aws_access_key_id=self.responder[0],
                            aws_secret_access_key=self.responder[1], region_name="us-east-1",
                            endpoint_url=self.moto.moto_url)


@pytest.fixture(scope="module")
def world(moto_server: tuple[str, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:  # noqa: F811
    with pytest.MonkeyPatch.context() as mp:
        hide_machine_aws(mp)
        host, port = moto_server
        moto = MotoSts(f"http://{host}:{port}", "", Recorder())
        moto._set_auth("0")
        seen = Seen()
        proxy = recording_proxy(port, seen)
        try:
            yield World(moto, seen, f"http://127.0.0.1:{proxy.server_address[1]}", tmp_path_factory.mktemp("w"))
        finally:
            proxy.shutdown()
            proxy.server_close()


def _report(story: Story, path: Path) -> Path:
    path.write_text(json.dumps({"repository": "/src/infra", "findings": [{
        "rule": "aws-access-key-id", "secret": story.ci_key[:4] + "*" * 12 + story.ci_key[-4:],
        "path": "deploy/ci.env", "line": 3, "commit": "c0ffee" * 6 + "abcd", "author": "Dev One",
        "email": "dev@example.test", "date": "2026-10-01T09:00:00+00:00", "fingerprint": "fp-ci-key",
        "repo": "acme/infra", "blob": "b" * 40, "span": [10, 30],
        "exposure": {"repo": "acme/infra", "exposed_since": ct_time(EXPOSED), "public_now": True},
        "verification": {"status": "live", "key_id": story.ci_key, "account": ACCOUNT,
                         "arn": f"arn:aws:iam::{ACCOUNT}:user/{story.ci_user}",
                         "checked_at": "2026-10-22T08:00:00Z"},
    }]}))
    return path


def _cli(world: World, args: list[str]) -> Any:
    result = CliRunner().invoke(app, args, env=world.env(), catch_exceptions=False)
    return result


def _assert_nothing_leaked(world: World, story: Story) -> None:
    """Only the responder signs; the leaked secret is in no request anywhere."""
    secret = story.ci_secret.encode()
    assert world.seen.requests, "the proxy saw nothing: the test is not looking"
    assert all(key == world.responder[0] for key, _, _ in world.seen.requests)
    assert not any(secret in raw for raw in world.seen.raw)


def test_investigate_follows_the_key_through_its_sessions(world: World, tmp_path: Path) -> None:
    story = world.s3_trail("inv")
    world.seen.clear()
    out = tmp_path / "inv.json"
    result = _cli(world, ["investigate", str(_report(story, tmp_path / "r.json")),
                          "--cloudtrail", f"s3://{story.trail_bucket}/AWSLogs/", *WINDOW,
                          "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    _assert_nothing_leaked(world, story)
    # Only the date prefixes inside the window were listed.
    listed = sorted({p.split("prefix=", 1)[1].split("&", 1)[0].replace("%2F", "/")
                     for _, _, p in world.seen.requests if "prefix=" in p and "%2F20" in p})
    days = sorted({p.split("/CloudTrail/", 1)[1].split("/", 1)[1] for p in listed})
    assert days[0] == "2026/09/30/" and days[-1] == "2026/10/29/" and len(days) == 30
    data = json.loads(out.read_text())

    keys = {k["key_id"]: k for k in data["keys"]}
    assert keys[story.ci_key]["verdict"] == "compromised"
    assert keys[story.ci_key]["user"] == story.ci_user
    assert keys[story.created_key]["verdict"] == "compromised"
    assert keys[story.created_key]["kind"] == "created by the attacker"

    sessions = {s["key_id"]: s for s in data["sessions"]}
    attacker = sessions[story.attacker_session["key_id"]]
    assert attacker["origin"] == "attacker"
    assert attacker["role_arn"] == story.node_role_arn
    assert attacker["assumed_role_id"] == story.attacker_session["assumed_role_id"]
    assert attacker["parent_key_id"] == story.ci_key and attacker["depth"] == 1
    chained = sessions[story.chained_session["key_id"]]
    assert chained["parent_key_id"] == story.attacker_session["key_id"] and chained["depth"] == 2
    assert chained["origin"] == "attacker"
    assert sessions[story.token_session["key_id"]]["via"] == "GetSessionToken"
    # The CI's own role sessions, minted from its usual IPs, are legitimate.
    for legit in story.legit_ci_sessions:
        assert sessions[legit["key_id"]]["origin"] == "legitimate"
    # The nodes' sessions never came from the leaked key.
    assert not {n["key_id"] for n in story.legit_node_sessions} & set(sessions)

    read = {(d["bucket"], d["key"]): d for d in data["data_touched"] if d["service"] == "s3"}
    assert read[("acme-backups", "backups/db.sql.gz")]["flags"] == ["backup"]
    assert read[("acme-backups", "backups/db.sql.gz")]["by_key_id"] == story.attacker_session["key_id"]
    tfstate = read[("acme-tfstate", "env/prod.tfstate")]
    assert tfstate["flags"] == ["terraform-state"] and tfstate["version_id"] == "3HL4kqtJlcpXroDTDmJ"
    assert any(d.get("resource") == "prod/db" and d["by_key_id"] == story.chained_session["key_id"]
               for d in data["data_touched"])
    assert data["data_events_recorded"] is True
    assert {p["action"] for p in data["persistence"] if p["from_new_place"]} == {
        "CreateAccessKey", "CreateLoginProfile", "AttachUserPolicy"}
    assert data["attacker_ips"] == sorted(ATTACKER_IPS)
    # CI IPs were seen before the exposure: known, not new.
    ips = {ip["value"]: ip["seen"] for ip in keys[story.ci_key]["source_ips"]}
    assert ips[CI_IPS[0]] == "before exposure" and ips[ATTACKER_IPS[0]] == "new after exposure"
    groups = {(a["service"], a["action"]): a for a in keys[story.ci_key]["activity"]}
    assert groups[("iam", "ListUsers")]["errors"] == ["AccessDenied"]
    assert groups[("sts", "GetCallerIdentity")]["calls"] == 3 * 28 + 1

    events = [e["event"] for e in data["timeline"]]
    order = ["committed", "repository public", "first use from a new place", "role assumed",
             "data read", "persistence", "detected"]
    assert [events.index(e) for e in order] == sorted(events.index(e) for e in order)
    containment = data["containment"]
    roles = {r["role_arn"]: r for r in containment["roles"]}
    assert set(roles) == {story.node_role_arn, story.reader_role_arn, story.slr_arn}
    assert containment["created_keys"][0]["key_id"] == story.created_key

    # Deterministic: the same input gives the same bytes; every format renders.
    again = _cli(world, ["investigate", str(tmp_path / "r.json"), "--cloudtrail",
                         f"s3://{story.trail_bucket}/AWSLogs/", *WINDOW, "--format", "json"])
    assert again.exit_code == 0 and again.stdout == out.read_text()
    from scanner.incident.render import render

    markdown = render(data, "markdown")
    assert "backups/db.sql.gz" in markdown and "**compromised**" in markdown
    text = render(data, "text")
    assert f"{story.ci_key} (leaked, user {story.ci_user}): COMPROMISED" in text
    # Nothing fetched is cached: a later pass fetches the files of its window again,
    # so a file is fetched at most once per pass in each of the two runs.
    gets = Counter(p for _, _, p in world.seen.requests if p.startswith("GET") and ".json.gz" in p)
    passes = int(next(n for n in data["investigation"]["notes"] if "pass(es)" in n).split()[0])
    assert passes >= 2 and max(gets.values()) <= 2 * passes


def test_local_files_and_athena_results_give_the_same_lineage(world: World, tmp_path: Path) -> None:
    story = world.story("inv")
    root = tmp_path / "trail"
    export_trail(story, root)
    seeds = [Seed(key_id=story.ci_key, exposed_at=EXPOSED)]
    options = InvestigateOptions(since=START, until=END)
    local = investigate(seeds, LocalTrail(root, jobs=2), options)

    # Athena stand-in: the whole trail in a `cloudtrail` table with Athena's columns,
    # the documented query run over it, its result exported as CSV.
    ndjson = tmp_path / "all.ndjson"
    ndjson.write_text("\n".join(json.dumps(r) for r in story.records) + "\n")
    from scanner.incident.lineage import LineageDB

    db = LineageDB()
    db.add_records([json.dumps(r) for r in story.records])
    sql = athena_lineage_sql([story.ci_key], ct_time(START), ct_time(END), table="cloudtrail")
    rows = db.conn.execute(sql).fetchall()
    db.close()
    export = tmp_path / "athena.csv"
    with export.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(EVENT_COLUMNS)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    athena = investigate(seeds, None, options, athena_results=export)

    def essence(d: dict[str, Any]) -> Any:
        return ([(k["key_id"], k["verdict"]) for k in d["keys"]],
                [(s["key_id"], s["origin"], s["depth"]) for s in d["sessions"]],
                d["data_touched"], d["persistence"], d["attacker_ips"])

    assert essence(local) == essence(athena)
    assert local["investigation"]["engine"] == "duckdb"
    assert athena["investigation"]["engine"] == "athena-results"
    # The raw-bytes prefilter parsed only the files that name a followed key.
    stats = local["investigation"]["stats"]
    assert stats["files_matched"] < stats["files"] / 2
    # A corrupt file is named, the rest still read.
    bad = root / "AWSLogs" / f"{ACCOUNT}_CloudTrail_us-east-1_20261010T1000Z_bad.json.gz"
    bad.write_bytes(b"\x1f\x8bnot gzip at all")
    again = investigate(seeds, LocalTrail(root, jobs=2), options)
    assert any("bad.json.gz" in e for e in again["investigation"]["errors"])
    assert essence(again) == essence(local)


def test_prefilter_keeps_only_matching_records() -> None:
    recs = [{"eventID": str(n), "userIdentity": {"accessKeyId": f"AKIAEXAMPLE{n:09d}"}} for n in range(50)]
    raw = gzip.compress(json.dumps({"Records": recs}).encode())
    got = filter_records(raw, {"AKIAEXAMPLE000000007"})
    assert got.events_parsed == 50 and got.files_matched == 1 and got.files == 1
    assert [json.loads(r)["eventID"] for r in got.records] == ["7"]
    assert filter_records(raw, {"AKIANOTTHERE00000000"}).records == []
    # A logged session token never leaves the filter.
    token = {"eventID": "t", "userIdentity": {"accessKeyId": "AKIAEXAMPLE000000001"},
             "responseElements": {"credentials": {"accessKeyId": "ASIAEXAMPLE000000002",
                                                  "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKEN"}}}
    kept = filter_records(json.dumps({"Records": [token]}).encode(), {"AKIAEXAMPLE000000001"}).records
    assert len(kept) == 1 and "IQoJb3JpZ2luX2VjEXAMPLETOKEN" not in kept[0] and "ASIAEXAMPLE000000002" in kept[0]
    assert Window(START, END).days()[0].isoformat() == "2026-09-30"


def test_ticket_runbook_is_filled_from_the_investigation(world: World, tmp_path: Path) -> None:
    story = world.story("inv")
    report = _report(story, tmp_path / "r.json")
    inv = tmp_path / "inv.json"
    assert _cli(world, ["investigate", str(report), "--cloudtrail", str(world.trail_dir("inv")),
                        *WINDOW, "--format", "json", "-o", str(inv)]).exit_code == 0
    result = _cli(world, ["tickets", str(report), "--to", "-", "--investigation", str(inv)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    for must in (story.node_role, story.attacker_session["key_id"], story.attacker_session["assumed_role_id"],
                 story.created_key, "backups/db.sql.gz", "env/prod.tfstate", story.persist_user,
                 "compromised"):
        assert must in text, must
    assert "ASSUMED_ROLE" not in text and "REGION" not in text


def _policy(iam: Any, role: str, name: str) -> dict[str, Any] | None:
    try:
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    except iam.exceptions.NoSuchEntityException:
        return None
    return json.loads(doc) if isinstance(doc, str) else doc


def test_contain_plans_then_applies_once(world: World, tmp_path: Path) -> None:
    story = world.story("cut")
    inv = tmp_path / "inv.json"
    assert _cli(world, ["investigate", str(_report(story, tmp_path / "r.json")), "--cloudtrail",
                        str(world.trail_dir("cut")), *WINDOW, "--format", "json", "-o", str(inv)]).exit_code == 0
    iam = world.iam()
    reader = story.reader_role_arn.rsplit("/", 1)[-1]

    # Dry run: a plan, nothing changed.
    world.seen.clear()
    dry = _cli(world, ["contain", str(inv), "--blunt-role", reader])
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.stdout and "surgical" in dry.stdout and "blunt" in dry.stdout
    # Forced blunt, the node role's plan says its nodes must be replaced.
    blunt_all = _cli(world, ["contain", str(inv), "--strategy", "blunt"])
    assert blunt_all.exit_code == 0 and "replace the nodes" in blunt_all.stdout
    keys = iam.list_access_keys(UserName=story.ci_user)["AccessKeyMetadata"]
    assert keys[0]["Status"] == "Active"

    log = tmp_path / "log.json"
    world.seen.clear()
    first = _cli(world, ["contain", str(inv), "--apply", "--blunt-role", reader, "--log", str(log)])
    assert first.exit_code == 0, first.output
    _assert_nothing_leaked(world, story)

    assert iam.list_access_keys(UserName=story.ci_user)["AccessKeyMetadata"][0]["Status"] == "Inactive"
    created = iam.list_access_keys(UserName=story.persist_user)["AccessKeyMetadata"]
    assert [k["Status"] for k in created if k["AccessKeyId"] == story.created_key] == ["Inactive"]
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_login_profile(UserName=story.persist_user)

    # Surgical on the node role: the attacker's sessions and IPs, none of the nodes'.
    entry = json.loads(log.read_text())["runs"][0]
    by_target = {a["target"]: a for a in entry["actions"]}
    surgical = by_target[story.node_role]
    doc = _policy(iam, story.node_role, surgical["policy_name"])
    assert surgical["strategy"] == "surgical" and doc is not None
    conditions = {s["Sid"]: s["Condition"] for s in doc["Statement"]}
    userids = conditions["DenyLeakedKeySessions"]["StringLike"]["aws:userid"]
    ips = conditions["DenyAttackerSourceIps"]["IpAddress"]["aws:SourceIp"]
    # Checked against the trail itself (moto does not evaluate conditions).
    node_sessions_in_trail = {
        r["responseElements"]["assumedRoleUser"]["assumedRoleId"]: r["sourceIPAddress"]
        for r in story.records
        if r["eventName"] == "AssumeRole" and r["requestParameters"]["roleArn"] == story.node_role_arn
    }
    attacker_ids = {story.attacker_session["assumed_role_id"]}
    assert set(userids) == attacker_ids
    assert set(node_sessions_in_trail) - attacker_ids  # the role had legitimate sessions
    assert not (set(node_sessions_in_trail) - attacker_ids) & set(userids)
    assert sorted(ips) == sorted(f"{ip}/32" for ip in ATTACKER_IPS)
    legit_ips = {r["sourceIPAddress"] for r in story.records
                 if r["userIdentity"].get("sessionContext", {}).get("sessionIssuer", {}).get("arn")
                 == story.node_role_arn and r["userIdentity"]["accessKeyId"] not in
                 {story.attacker_session["key_id"]}}
    assert legit_ips and not {f"{ip}/32" for ip in legit_ips} & set(ips)

    # Blunt on the chained role: every older session.
    blunt = _policy(iam, reader, "AWSRevokeOlderSessions")
    assert blunt["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"] > ct_time(END)
    # The user's session token: denied on the user.
    user_policies = iam.list_user_policies(UserName=story.ci_user)["PolicyNames"]
    assert any(p.endswith("-sessions") for p in user_policies)
    # The service-linked role: refused, untouched.
    slr = [a for a in entry["actions"] if a["params"].get("role_arn") == story.slr_arn][0]
    assert slr["status"] == "refused"
    assert iam.list_role_policies(RoleName=story.slr_arn.rsplit("/", 1)[-1])["PolicyNames"] == []
    # The attached admin policy is listed for review, not reverted.
    assert any(a["kind"] == "review" and a["status"] == "listed" for a in entry["actions"])
    assert {a["status"] for a in entry["actions"]} <= {"applied", "refused", "listed"}
    assert all(a["actor"] and a["actor"].endswith("user/inc-responder") for a in entry["actions"]
               if a["status"] == "applied")
    assert surgical["before"] is None and surgical["after"] == doc

    # Second run: everything already applied, nothing changed.
    before = (_policy(iam, story.node_role, surgical["policy_name"]), blunt)
    second = _cli(world, ["contain", str(inv), "--apply", "--blunt-role", reader, "--log", str(log)])
    assert second.exit_code == 0, second.output
    runs = json.loads(log.read_text())["runs"]
    assert len(runs) == 2
    assert {a["status"] for a in runs[1]["actions"]} <= {"already applied", "refused", "listed"}
    assert (_policy(iam, story.node_role, surgical["policy_name"]), _policy(iam, reader, "AWSRevokeOlderSessions")) == before

    # The investigation's timeline ends with the containment.
    final = _cli(world, ["investigate", str(tmp_path / "r.json"), "--cloudtrail", str(world.trail_dir("cut")),
                         *WINDOW, "--containment", str(log), "--format", "json"])
    assert final.exit_code == 0, final.output
    timeline = json.loads(final.stdout)["timeline"]
    contained = [e for e in timeline if e["event"] == "contained"]
    assert timeline[-len(contained):] == contained
    assert any(f"deactivate-key {story.ci_key}: applied by arn:aws:iam::{ACCOUNT}:user/inc-responder" in e["detail"]
               for e in contained)
    assert any(e["detail"].startswith(f"revoke-role-sessions {story.node_role} (surgical)") for e in contained)

    # The ticket carries what was done, by whom and when.
    ticket = _cli(world, ["tickets", str(tmp_path / "r.json"), "--to", "-", "--investigation", str(inv),
                          "--containment", str(log)])
    assert ticket.exit_code == 0, ticket.output
    assert (f"contained: `deactivate-key` `{story.ci_key}` (`applied`) by "
            f"`arn:aws:iam::{ACCOUNT}:user/inc-responder`") in ticket.stdout
    assert f"contained: `revoke-role-sessions` `{story.node_role}` (`applied`, `surgical`)" in ticket.stdout


def test_one_failing_action_does_not_stop_the_others(world: World, tmp_path: Path) -> None:
    story = world.story("fail")
    options = InvestigateOptions(since=START, until=END)
    data = investigate([Seed(key_id=story.ci_key, exposed_at=EXPOSED)], LocalTrail(world.trail_dir("fail")), options)
    # A created key whose user no longer exists: that action fails, the rest go on.
    data["containment"]["created_keys"].insert(0, {"key_id": fake_key_id(__import__("random").Random(1), "AKIA"),
                                                   "user": "no-such-user", "created_at": "x", "by_key_id": "y"})
    # A key of a canary account: refused, never sent to IAM.
    from scanner.verify.account import key_id_for_account

    canary = key_id_for_account("052310077262", "AKIA", "ABCDEFG")
    data["containment"]["leaked_keys"].append({"key_id": canary, "user": story.ci_user})
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps(data))
    world.seen.clear()
    result = _cli(world, ["contain", str(inv), "--apply", "--log", str(tmp_path / "log.json")])
    assert result.exit_code == 2
    assert "no-such-user" in result.output
    iam = world.iam()
    assert iam.list_access_keys(UserName=story.ci_user)["AccessKeyMetadata"][0]["Status"] == "Inactive"
    assert any(canary in a.get("target", "") for a in
               json.loads((tmp_path / "log.json").read_text())["runs"][0]["actions"]
               if a["status"] == "refused")
    assert not any(canary in raw.decode("latin-1") for raw in world.seen.raw)


def test_plan_without_iam_and_guardduty_seed(world: World, tmp_path: Path) -> None:
    story = world.story("inv")
    finding = {"Findings": [{
        "Type": "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        "CreatedAt": "2026-10-22T08:00:00.000Z",
        "Resource": {"AccessKeyDetails": {"AccessKeyId": story.ci_key, "UserName": story.ci_user}},
        "Service": {"EventFirstSeen": ct_time(EXPOSED), "EventLastSeen": "2026-10-22T02:40:00Z"},
    }]}
    gd = tmp_path / "gd.json"
    gd.write_text(json.dumps(finding))
    out = tmp_path / "inv.json"
    result = _cli(world, ["investigate", "--guardduty", str(gd), "--cloudtrail", str(world.trail_dir("inv")),
                          *WINDOW, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["keys"][0]["verdict"] == "compromised"
    assert any(e["event"] == "detected" and "GuardDuty" in e["detail"] for e in data["timeline"])
    # --user finds the same key through IAM (asked with the responder's key alone).
    world.seen.clear()
    by_user = _cli(world, ["investigate", "--user", story.ci_user, "--exposed-at", ct_time(EXPOSED),
                           "--cloudtrail", str(world.trail_dir("inv")), *WINDOW, "--format", "json"])
    assert by_user.exit_code == 0, by_user.output
    _assert_nothing_leaked(world, story)
    assert [k["key_id"] for k in json.loads(by_user.stdout)["keys"] if k["kind"] == "leaked"] == [story.ci_key]
    # A plan needs no IAM access; it says what it could not check.
    actions = plan(data, None, ContainOptions(strategy="blunt"))
    role = [a for a in actions if a.target == story.node_role][0]
    assert role.strategy == "blunt" and role.policy["Statement"][0]["Condition"]["DateLessThan"]
    assert any("no IAM access" in w for w in role.warnings)
    assert apply([], None) == []


def test_athena_sql_is_duckdb_valid_on_empty_table() -> None:
    con = duckdb.connect()
    con.execute("CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)")
    con.execute("CREATE TABLE cloudtrail (eventid VARCHAR, eventtime VARCHAR, eventsource VARCHAR, "
                "eventname VARCHAR, awsregion VARCHAR, sourceipaddress VARCHAR, useragent VARCHAR, "
                "errorcode VARCHAR, recipientaccountid VARCHAR, eventcategory VARCHAR, "
                "useridentity STRUCT(type VARCHAR, principalid VARCHAR, arn VARCHAR, accesskeyid VARCHAR, "
                "username VARCHAR, sessioncontext STRUCT(sessionissuer STRUCT(arn VARCHAR))), "
                "requestparameters VARCHAR, responseelements VARCHAR)")
    assert con.execute(athena_lineage_sql(["AKIAEXAMPLE000000001"], "2026-01-01", "2026-02-01")).fetchall() == []


class _LookupServer:
    """CloudTrail's JSON protocol on loopback: LookupEvents by AccessKeyId, paged."""

    PAGE = 3

    def __init__(self, records: list[dict[str, Any]]) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.records = sorted(records, key=lambda r: r["eventTime"])
        self.calls: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.signers: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                outer.raw.append(str(self.headers).encode() + raw)
                body = json.loads(raw or b"{}")
                target = self.headers.get("X-Amz-Target", "")
                auth = self.headers.get("Authorization", "")
                region = auth.split("/")[2]
                outer.signers.append(auth.split("Credential=", 1)[1].split("/", 1)[0])
                outer.calls.append({"target": target, "region": region, "body": body})
                if target != "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents":
                    self._send(400, {"__type": "UnknownOperationException"})
                    return
                attr = body["LookupAttributes"][0]
                assert attr["AttributeKey"] == "AccessKeyId"
                # The window, as the API applies it (timestamps arrive as epoch seconds).
                since = ct_time(datetime.fromtimestamp(float(body["StartTime"]), timezone.utc))
                until = ct_time(datetime.fromtimestamp(float(body["EndTime"]), timezone.utc))
                hits = [r for r in outer.records if r["userIdentity"].get("accessKeyId") == attr["AttributeValue"]
                        and r["awsRegion"] == region and r.get("eventCategory") != "Data"
                        and since <= r["eventTime"] <= until]
                start = int(body.get("NextToken") or 0)
                page = hits[start:start + outer.PAGE]
                answer: dict[str, Any] = {"Events": [{
                    "EventId": r["eventID"], "EventName": r["eventName"], "EventSource": r["eventSource"],
                    "AccessKeyId": attr["AttributeValue"], "Username": r["userIdentity"].get("userName"),
                    "EventTime": __import__("calendar").timegm(
                        __import__("time").strptime(r["eventTime"], "%Y-%m-%dT%H:%M:%SZ")),
                    "Resources": [], "CloudTrailEvent": json.dumps(r)} for r in page]}
                if start + outer.PAGE < len(hits):
                    answer["NextToken"] = str(start + outer.PAGE)
                self._send(200, answer)

            def _send(self, status: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_lookup_events_pages_and_keeps_to_two_requests_per_second(world: World) -> None:
    from scanner.incident.cloudtrail import LookupEvents, RateLimiter

    story = world.story("inv")
    server = _LookupServer(story.records)
    now = [0.0]
    stamps: dict[str, list[float]] = {}

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(LookupEvents.RATE, clock=lambda: now[0], sleep=sleep)
    acquire = limiter.acquire

    def recording_acquire(region: str) -> None:
        acquire(region)
        stamps.setdefault(region, []).append(now[0])

    limiter.acquire = recording_acquire  # type: ignore[method-assign]

    def client_for(region: str) -> Any:
        return boto3.client("cloudtrail", region_name=region, endpoint_url=server.url,
                            aws_access_key_id=world.responder[0], aws_secret_access_key=world.responder[1])

    try:
        source = LookupEvents(["us-east-1", "eu-west-1"], client_for, limiter)
        data = investigate([Seed(key_id=story.ci_key, exposed_at=EXPOSED)], source,
                           InvestigateOptions(since=START, until=END))
    finally:
        server.close()
    # Paged: every NextToken handed out came back, and pages were small.
    tokens_given = sum(1 for c in server.calls if c["body"].get("NextToken"))
    assert tokens_given > 5 and source.requests == len(server.calls)
    assert all(c["body"]["MaxResults"] == 50 for c in server.calls)
    # Rate-limited per region: at least 0.5 s between two requests to one region
    # (every request went through the limiter, so the loop below is not vacuous).
    assert sorted(stamps) == ["eu-west-1", "us-east-1"]
    assert sum(len(times) for times in stamps.values()) == len(server.calls)
    for region, times in stamps.items():
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert gaps and min(gaps) >= 0.5 - 1e-9, region
    assert limiter.waited > 0
    # Management events alone still show the lineage; the missing reads are said out loud.
    keys = {k["key_id"]: k for k in data["keys"]}
    assert keys[story.ci_key]["verdict"] == "compromised"
    assert story.attacker_session["key_id"] in {s["key_id"] for s in data["sessions"]}
    assert data["data_events_recorded"] is False and "cannot be seen" in data["data_events_note"]
    assert any("2 requests/s" in n for n in data["investigation"]["notes"])


def test_lookup_events_from_the_cli_signs_with_the_responder_only(world: World) -> None:
    """The leaked key's secret goes to no endpoint but STS: LookupEvents is asked with
    the responder's credentials, the leaked key ID only as the lookup value."""
    story = world.story("inv")
    server = _LookupServer(story.records)
    # The attack's hour: a few pages, so the real 2 requests/s limit costs seconds.
    attack_day = ["--since", "2026-10-22T02:00:00Z", "--until", "2026-10-22T03:00:00Z"]
    try:
        env = dict(world.env(), AWS_ENDPOINT_URL_CLOUDTRAIL=server.url)
        result = CliRunner().invoke(app, ["investigate", "--key", story.ci_key, "--lookup-events",
                                          "--region", "us-east-1", "--exposed-at", ct_time(EXPOSED),
                                          *attack_day, "--format", "json"], env=env, catch_exceptions=False)
    finally:
        server.close()
    assert result.exit_code == 0, result.output
    assert "rate-limited" in result.stderr
    assert server.calls and set(server.signers) == {world.responder[0]}
    assert not any(story.ci_secret.encode() in raw for raw in server.raw)
    assert json.loads(result.stdout)["keys"][0]["verdict"] == "compromised"


def test_the_offline_docs_block_runs_as_written(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs/incident-response.md").read_text()
    block = doc.split("<!-- runs offline", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    (tmp_path / "docs/examples").mkdir(parents=True)
    shutil.copy(root / "docs/examples/incident_trail.py", tmp_path / "docs/examples/")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_EC2_METADATA_DISABLED="true", PYTHONPATH=str(root),
               PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}")
    for line in block.strip().splitlines():
        done = subprocess.run(line, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (line, done.stderr)
    data = json.loads((tmp_path / "investigation.json").read_text())
    assert data["keys"][0]["verdict"] == "compromised"
    assert "backups/db.sql.gz" in (tmp_path / "investigation.md").read_text()
    # The SQL printed in the docs is what --athena-sql prints.
    printed = subprocess.run(block.strip().splitlines()[-1], shell=True, cwd=tmp_path, env=env,
                             capture_output=True, text=True, check=True).stdout
    assert doc.split("```sql\n", 1)[1].split("```", 1)[0] == printed


def test_state_lookup_names_every_repository_holding_the_key(tmp_path: Path) -> None:
    from scanner.incident.investigate import leak_locations_from_state
    from scanner.model import Exposure, Finding
    from scanner.secrets import secret_hash
    from scanner.state.audit import AuditStore
    from scanner.state.db import StateFile
    from scanner.state.orgscan import OrgScanStore, RepoScanRecord

    key = "AKIARZPUZDIKAAAAAAAA"
    digest = secret_hash("aws-access-key-id", key.encode())
    finding = {"rule": "aws-access-key-id", "secret": "AKIA************AAAA", "secret_hash": digest,
               "fingerprint": "fp-1", "blob": "a" * 40, "span": [3, 23], "path": "deploy/ci.env",
               "line": 2, "commit": "c" * 40, "author": "Dev One", "date": "2026-10-01T09:00:00+00:00"}
    other = dict(finding, secret_hash=secret_hash("aws-access-key-id", b"AKIARZPUZDIKZZZZZZZZ"),
                 fingerprint="fp-2", path="other.env")
    state = StateFile(tmp_path / "state.db")
    try:
        one, two = Finding.from_dict(finding), Finding.from_dict(other)
        OrgScanStore(state).commit("acme", RepoScanRecord(repo="acme/infra", status="failed",
                                                          findings=(one, two)), "2026-10-21T00:00:00Z")
        OrgScanStore(state).commit("acme", RepoScanRecord(repo="acme/tools", status="failed",
                                                          findings=(one,)), "2026-10-21T00:00:00Z")
        AuditStore(state).record_exposure("acme", Exposure("acme/infra", one, exposed_since="2026-10-20T09:00:00Z",
                                                           public_since=None, public_now=True), "2026-10-21T00:00:00Z")
    finally:
        state.close()
    found = leak_locations_from_state(tmp_path / "state.db", key)
    assert [(f["repository"], f["path"], f["exposed_since"]) for f in found] == [
        ("acme/infra", "deploy/ci.env", "2026-10-20T09:00:00Z"), ("acme/tools", "deploy/ci.env", None)]
    # The state holds no key ID in clear: the lookup is by keyed hash alone.
    assert key.encode() not in (tmp_path / "state.db").read_bytes()


def test_hostile_cloudtrail_values_stay_code_in_the_ticket() -> None:
    from scanner.tickets.model import RotationTicket, investigation_summary
    from scanner.tickets.render import render_markdown

    hostile = "![x](http://evil.example/p.png) @acme/security\n# heading"
    inv = {"keys": [{"key_id": "AKIARZPUZDIKAAAAAAAA", "verdict": "compromised", "reasons": [hostile]}],
           "sessions": [], "persistence": [], "attacker_ips": [], "containment": {},
           "data_touched": [{"service": "s3", "bucket": "b", "key": hostile, "action": "GetObject",
                             "from_new_place": True, "by_key_id": "AKIARZPUZDIKAAAAAAAA", "time": "t",
                             "flags": []}],
           "timeline": [{"time": "t", "event": "data read", "detail": hostile}]}
    ticket = RotationTicket(ticket_id="x", key_id="AKIARZPUZDIKAAAAAAAA", severity="high", status="live",
                            account="123456789012", arn=f"arn:aws:iam::{ACCOUNT}:user/u", user_id=None,
                            partition="aws", checked_at="2026-10-22T08:00:00Z")
    ticket.investigation = investigation_summary(inv, ticket.key_id)
    md = render_markdown(ticket)
    assert "\n# heading" not in md
    for line in md.splitlines():
        if "evil.example" in line:
            # Only ever inside an inline code span.
            before = line.split("![x]", 1)[0]
            assert before.count("`") % 2 == 1, line


def test_s3_trail_puts_only_the_followed_keys_records_on_disk(world: World, monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    """A trail file holds every principal's calls: none of them but the followed keys'
    (filtered) records may reach the disk, and nothing is left there afterwards."""
    import sys
    import tempfile

    from scanner.incident.cloudtrail import S3Trail
    from scanner.incident.lineage import LineageDB

    story = world.s3_trail("inv")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    written: list[str] = []
    stored: list[str] = []
    watching = [True]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        # Every file opened for writing, by any Python code in the process.
        if watching[0] and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            mode, flags = args[1], args[2]
            if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                    flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)):
                written.append(os.fsdecode(args[0]))

    sys.addaudithook(hook)
    real_add = LineageDB.add_records

    def add_records(self: LineageDB, records: list[str]) -> None:
        stored.extend(records)
        real_add(self, records)

    monkeypatch.setattr(LineageDB, "add_records", add_records)
    options = InvestigateOptions(since=START, until=END)
    try:
        data = investigate([Seed(key_id=story.ci_key, exposed_at=EXPOSED)],
                           S3Trail(f"s3://{story.trail_bucket}/AWSLogs/", world.s3(direct=True), 4), options)
    finally:
        watching[0] = False
    assert data["keys"][0]["verdict"] == "compromised"
    # The only files written: the DuckDB load files of the filtered records, gone again.
    assert written and all(Path(w).name.startswith("leakwarden-trail-") and w.endswith(".ndjson")
                           and Path(w).parent == scratch for w in written)
    assert list(scratch.iterdir()) == []
    # What went into them: the followed keys' records, no one else's.
    text = "\n".join(stored)
    assert story.ci_key in text and story.attacker_session["key_id"] in text
    assert "alice" not in text and "192.0.2.10" not in text  # an unrelated user's calls
    assert "GetAuthorizationToken" not in text  # the EKS nodes' own sessions at work
    assert not any(n["key_id"] in text for n in story.legit_node_sessions)
    assert "IQoJb3JpZ2luX2VjEXAMPLE" not in text  # logged session tokens are scrubbed first


def test_contain_reverts_policy_changes_only_when_asked(world: World, tmp_path: Path) -> None:
    from tests.incident.support import ATTACKER_UA, record

    story = world.story("rev")
    backdoor = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    # The attacker's policy changes, made real in IAM and written to the trail (moto
    # holds no AWS managed policies: the attached one is the account's own).
    with world.moto.admin() as (iam, _):
        admin = iam.create_policy(PolicyName="ops-admin-rev", PolicyDocument=json.dumps(backdoor))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=story.persist_user, PolicyArn=admin)
        iam.put_role_policy(RoleName=story.node_role, PolicyName="ops-break-glass",
                            PolicyDocument=json.dumps(backdoor))
    attack = next(r for r in story.records if r["eventName"] == "AttachUserPolicy")
    at = datetime_of(attack["eventTime"])
    story.records.append(record(at + timedelta(minutes=1), "iam.amazonaws.com", "AttachUserPolicy",
                                attack["userIdentity"], attack["sourceIPAddress"], ATTACKER_UA,
                                request={"userName": story.persist_user, "policyArn": admin}))
    story.records.append(record(at + timedelta(minutes=2), "iam.amazonaws.com", "PutRolePolicy",
                                attack["userIdentity"], attack["sourceIPAddress"], ATTACKER_UA,
                                request={"roleName": story.node_role, "policyName": "ops-break-glass",
                                         "policyDocument": json.dumps(backdoor)}))
    inv = tmp_path / "inv.json"
    assert _cli(world, ["investigate", "--key", story.ci_key, "--exposed-at", ct_time(EXPOSED), "--cloudtrail",
                        str(world.trail_dir("rev")), *WINDOW, "--format", "json", "-o", str(inv)]).exit_code == 0
    changes = json.loads(inv.read_text())["containment"]["policy_changes"]
    assert {(c["action"], c["target"].get("policyArn") or c["target"].get("policyName")) for c in changes} >= {
        ("AttachUserPolicy", admin), ("PutRolePolicy", "ops-break-glass")}
    iam = world.iam()

    def attached() -> list[str]:
        return [p["PolicyArn"] for p in iam.list_attached_user_policies(UserName=story.persist_user)
                ["AttachedPolicies"]]

    def inline() -> list[str]:
        return list(iam.list_role_policies(RoleName=story.node_role)["PolicyNames"])

    def by_what(run: dict[str, Any], kind: str) -> dict[str, Any]:
        return {a["params"]["target"].get("policyArn") or a["params"]["target"]["policyName"]: a
                for a in run["actions"] if a["kind"] == kind}

    # Without the flag: listed for review, nothing reverted.
    log = tmp_path / "log.json"
    listed = _cli(world, ["contain", str(inv), "--apply", "--log", str(log)])
    assert listed.exit_code == 0, listed.output
    reviews = by_what(json.loads(log.read_text())["runs"][0], "review")
    assert {admin, "ops-break-glass"} <= set(reviews)
    assert all(a["status"] == "listed" and "--revert-policy-changes" in a["message"] for a in reviews.values())
    assert admin in attached() and "ops-break-glass" in inline()
    assert "] revert-policy-change " not in listed.stdout

    # With it: detached and deleted, each recorded with what was there, when and by whom.
    world.seen.clear()
    reverted = _cli(world, ["contain", str(inv), "--apply", "--revert-policy-changes", "--log", str(log)])
    assert reverted.exit_code == 0, reverted.output
    _assert_nothing_leaked(world, story)
    done = by_what(json.loads(log.read_text())["runs"][1], "revert-policy-change")
    assert done[admin]["status"] == "applied" and done["ops-break-glass"]["status"] == "applied"
    assert done[admin]["before"] == {"policyArn": admin, "userName": story.persist_user}
    assert done["ops-break-glass"]["before"]["roleName"] == story.node_role
    assert done[admin]["actor"].endswith("user/inc-responder") and done[admin]["time"]
    assert admin not in attached() and "ops-break-glass" not in inline()
    # The containment's own deny on the role stays: only the attacker's policy went.
    assert any(name.startswith("leakwarden-contain-") for name in inline())

    # Idempotent: a second run finds the work done and changes nothing.
    again = _cli(world, ["contain", str(inv), "--apply", "--revert-policy-changes", "--log", str(log)])
    assert again.exit_code == 0, again.output
    third = by_what(json.loads(log.read_text())["runs"][2], "revert-policy-change")
    assert {a["status"] for a in third.values()} == {"already applied"}
    assert admin not in attached() and "ops-break-glass" not in inline()


def datetime_of(text: str) -> Any:
    from scanner.incident.investigate import parse_time

    return parse_time(text)


HOSTILE_UA = '<script>alert("ua")</script>'
HOSTILE_SESSION = '"><img src=x onerror=alert(1)>'
HOSTILE_KEY = "</code><script>alert('key')</script>.tfstate"


def _hostile_investigation(tmp_path: Path) -> tuple[Any, str]:
    """A small trail where the attacker chose the user agent, session name and object key."""
    from scanner.incident.cloudtrail import trail_key, write_trail_file
    from tests.incident.support import _assume_record, _identity_session, _identity_user, record

    rng = random.Random(3)
    key = fake_key_id(rng, "AKIA")
    session = {"key_id": fake_key_id(rng), "assumed_role_id": f"AROAHOSTILE0000000001:{HOSTILE_SESSION}",
               "role_arn": f"arn:aws:iam::{ACCOUNT}:role/app"}
    ci = _identity_user("ci", key)
    t = EXPOSED + timedelta(days=1)
    recs = [record(EXPOSED - timedelta(days=2), "sts.amazonaws.com", "GetCallerIdentity", ci, CI_IPS[0], "aws-cli/2"),
            _assume_record(t, ci, ATTACKER_IPS[0], HOSTILE_UA, session["role_arn"], session),
            record(t + timedelta(minutes=1), "s3.amazonaws.com", "GetObject", _identity_session(session),
                   ATTACKER_IPS[0], HOSTILE_UA, request={"bucketName": "b", "key": HOSTILE_KEY}, data=True)]
    root = tmp_path / "trail"
    for n, r in enumerate(recs):
        write_trail_file(root / trail_key(ACCOUNT, "us-east-1", datetime_of(r["eventTime"]), f"h{n}"), [r])
    return root, key


def test_investigate_html_escapes_every_attacker_value(world: World, tmp_path: Path) -> None:
    from html.parser import HTMLParser

    root, key = _hostile_investigation(tmp_path)
    out = tmp_path / "inv.html"
    result = _cli(world, ["investigate", "--key", key, "--exposed-at", ct_time(EXPOSED), "--cloudtrail", str(root),
                         *WINDOW, "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()

    class Page(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.attrs: list[tuple[str, str | None]] = []
            self.text: list[str] = []
            self.sections: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append(tag)
            self.attrs.extend(attrs)
            self.sections += [v or "" for k, v in attrs if k == "id"]

        def handle_data(self, data: str) -> None:
            self.text.append(data)

    parsed = Page()
    parsed.feed(page)
    text = "".join(parsed.text)
    # The hostile values are shown, as text: no script, no image, no event handler.
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not any(name.startswith("on") for name, _ in parsed.attrs)
    for hostile in (HOSTILE_UA, HOSTILE_SESSION, HOSTILE_KEY):
        assert hostile in text, hostile
    assert "<script>" not in page
    # The page is the whole investigation, with its timeline in order.
    assert {"verdicts", "timeline", "sessions", "data", "persistence", "activity"} <= set(parsed.sections)
    assert "compromised" in text and "role assumed" in text and "data read" in text
    steps = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    times = [t.split("</time>", 1)[0] for t in steps.split("<time>")[1:]]
    assert times == sorted(times) and len(times) >= 3
    # Markdown and text keep the same values inert too.
    data = json.loads(_cli(world, ["investigate", "--key", key, "--exposed-at", ct_time(EXPOSED), "--cloudtrail",
                                   str(root), *WINDOW, "--format", "json"]).stdout)
    from scanner.incident.render import render
    from scanner.report.escape import md_code

    markdown = render(data, "markdown")
    outside_code = re.sub(r"`+[^`]*`+", "", markdown)
    assert "<script" not in outside_code and "<img" not in outside_code
    assert md_code(HOSTILE_UA) in markdown


def test_verdicts_below_compromised_and_where_it_leaked_from_state(world: World, tmp_path: Path) -> None:
    """no activity, legitimate only, suspicious (new IP with reconnaissance and a new
    denied call; a new user agent alone), and --state naming where the key sat."""
    from scanner.incident.cloudtrail import trail_key, write_trail_file
    from scanner.model import Exposure, Finding
    from scanner.secrets import secret_hash
    from scanner.state.audit import AuditStore
    from scanner.state.db import StateFile
    from scanner.state.orgscan import OrgScanStore, RepoScanRecord
    from tests.incident.support import _identity_user, record

    rng = random.Random(11)
    idle, quiet, probed, new_tool = (fake_key_id(rng, "AKIA") for _ in range(4))
    before, after = EXPOSED - timedelta(days=3), EXPOSED + timedelta(days=2)
    recs = []
    for key, user in ((quiet, "quiet"), (probed, "probed"), (new_tool, "tool")):
        ident = _identity_user(user, key)
        recs.append(record(before, "sts.amazonaws.com", "GetCallerIdentity", ident, CI_IPS[0], "aws-cli/2.15"))
        recs.append(record(after, "s3.amazonaws.com", "PutObject", ident, CI_IPS[0],
                           "aws-cli/2.15" if key != new_tool else "curl/8.5", request={"bucketName": "b"}))
    ident = _identity_user("probed", probed)
    recs.append(record(after + timedelta(minutes=1), "s3.amazonaws.com", "ListBuckets", ident, ATTACKER_IPS[1],
                       "aws-cli/2.15"))
    recs.append(record(after + timedelta(minutes=2), "iam.amazonaws.com", "ListUsers", ident, ATTACKER_IPS[1],
                       "aws-cli/2.15", error="AccessDenied"))
    root = tmp_path / "trail"
    for n, r in enumerate(recs):
        write_trail_file(root / trail_key(ACCOUNT, "us-east-1", datetime_of(r["eventTime"]), f"v{n}"), [r])

    # The org-scan state saw the quiet key in a repository that went public.
    finding = {"rule": "aws-access-key-id", "secret": quiet[:4] + "*" * 12 + quiet[-4:],
               "secret_hash": secret_hash("aws-access-key-id", quiet.encode()), "fingerprint": "fp-q",
               "blob": "a" * 40, "span": [0, 20], "path": "ci/.env", "line": 1, "commit": "d" * 40,
               "author": "Dev Two", "date": "2026-10-02T09:00:00+00:00"}
    state = StateFile(tmp_path / "state.db")
    try:
        stored = Finding.from_dict(finding)
        OrgScanStore(state).commit("acme", RepoScanRecord(repo="acme/site", status="failed", findings=(stored,)),
                                   "2026-10-21T00:00:00Z")
        AuditStore(state).record_exposure("acme", Exposure("acme/site", stored, exposed_since=ct_time(EXPOSED),
                                                           public_since=None, public_now=True),
                                          "2026-10-21T00:00:00Z")
    finally:
        state.close()

    out = tmp_path / "inv.json"
    args = ["investigate", "--cloudtrail", str(root), "--exposed-at", ct_time(EXPOSED), *WINDOW,
            "--state", str(tmp_path / "state.db"), "--format", "json", "-o", str(out)]
    for key in (idle, quiet, probed, new_tool):
        args += ["--key", key]
    result = _cli(world, args)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    keys = {k["key_id"]: k for k in data["keys"]}
    assert keys[idle]["verdict"] == "no activity"
    assert keys[quiet]["verdict"] == "legitimate only"
    assert keys[probed]["verdict"] == "suspicious"
    why = " ".join(keys[probed]["reasons"])
    assert ATTACKER_IPS[1] in why and "ListUsers (AccessDenied)" in why and "ListBuckets" in why
    assert keys[new_tool]["verdict"] == "suspicious" and "new user agents: curl/8.5" in keys[new_tool]["reasons"]
    assert data["sessions"] == [] and data["containment"]["roles"] == []
    # Where it leaked: from the state, by keyed hash; on the timeline as the repository going public.
    assert [(loc["repository"], loc["path"], loc["exposed_since"]) for loc in keys[quiet]["leak_locations"]] == [
        ("acme/site", "ci/.env", ct_time(EXPOSED))]
    assert any(e["event"] == "repository public" and "acme/site" in e["detail"] for e in data["timeline"])
    assert keys[idle]["leak_locations"] == []


def test_surgical_plan_warns_when_its_condition_could_miss_or_overreach(tmp_path: Path) -> None:
    """A session name the role's legitimate users also use, and an attacker session
    never seen in use (so no IP of its own): the plan says both."""
    from scanner.incident.cloudtrail import trail_key, write_trail_file
    from tests.incident.support import _assume_record, _identity_user, record

    rng = random.Random(5)
    key, ops_key = fake_key_id(rng, "AKIA"), fake_key_id(rng, "AKIA")
    role = f"arn:aws:iam::{ACCOUNT}:role/batch"
    attacker = {"key_id": fake_key_id(rng), "assumed_role_id": "AROABATCHROLE00000001:maint", "role_arn": role}
    ops = {"key_id": fake_key_id(rng), "assumed_role_id": "AROABATCHROLE00000001:maint", "role_arn": role}
    t = EXPOSED + timedelta(days=1)
    recs = [record(EXPOSED - timedelta(days=1), "sts.amazonaws.com", "GetCallerIdentity", _identity_user("ci", key),
                   CI_IPS[0], "aws-cli/2"),
            _assume_record(t, _identity_user("ci", key), ATTACKER_IPS[0], "python-requests/2", role, attacker),
            # The ops team's own session, under the same name, a few hours later.
            _assume_record(t + timedelta(hours=3), _identity_user("ops", ops_key), "10.1.1.1", "aws-cli/2", role, ops)]
    root = tmp_path / "trail"
    for n, r in enumerate(recs):
        write_trail_file(root / trail_key(ACCOUNT, "us-east-1", datetime_of(r["eventTime"]), f"w{n}"), [r])
    data = investigate([Seed(key_id=key, exposed_at=EXPOSED)], LocalTrail(root), InvestigateOptions(since=START, until=END))
    target = data["containment"]["roles"][0]
    assert [s["key_id"] for s in target["sessions"]] == [attacker["key_id"]]
    assert [s["source_ip"] for s in target["shared_session_names"]] == ["10.1.1.1"]
    assert target["sessions_without_ip"] == [attacker["key_id"]]
    action = next(a for a in plan(data, None) if a.kind == "revoke-role-sessions")
    assert action.strategy == "surgical"
    assert any("'maint' was also used by another session" in w and "10.1.1.1" in w for w in action.warnings)
    assert any(w.startswith("no source IP seen for " + attacker["key_id"]) for w in action.warnings)
    # The ops session's key was never followed: it is not the leaked key's.
    assert ops["key_id"] not in {s["key_id"] for s in data["sessions"]}


def test_default_window_reaches_back_for_a_baseline_before_the_exposure() -> None:
    from scanner.incident.investigate import window_for

    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    committed = datetime(2026, 9, 1, tzinfo=timezone.utc)
    public = datetime(2026, 10, 20, 9, tzinfo=timezone.utc)
    # The repository going public is the exposure; the window starts a baseline before it.
    window, exposed = window_for([Seed("AKIAX", committed_at=committed, exposed_at=public)],
                                 InvestigateOptions(), now)
    assert exposed == public and window.start == public - timedelta(days=30) and window.end == now
    # Without a public exposure, the commit is the exposure.
    window, exposed = window_for([Seed("AKIAX", committed_at=committed)], InvestigateOptions(), now)
    assert exposed == committed and window.start == committed - timedelta(days=30)
    # Of several keys, the earliest exposure; --since/--until/--exposed-at win.
    window, exposed = window_for([Seed("AKIAX", exposed_at=public), Seed("AKIAY", exposed_at=committed)],
                                 InvestigateOptions(), now)
    assert exposed == committed
    asked = InvestigateOptions(since=START, until=END, exposed_at=EXPOSED)
    window, exposed = window_for([Seed("AKIAX", exposed_at=public)], asked, now)
    assert (window.start, window.end, exposed) == (START, END, EXPOSED)
    # Nothing known: the last 90 days, the longest LookupEvents holds.
    window, exposed = window_for([Seed("AKIAX")], InvestigateOptions(), now)
    assert exposed is None and window.start == now - timedelta(days=90)


def test_a_source_without_a_trail_is_an_error_not_no_activity(world: World, tmp_path: Path) -> None:
    story = world.s3_trail("inv")
    # The bucket holds the trail under AWSLogs/; pointed below it at the wrong level, or at
    # an empty directory, investigate says so and exits 2 instead of reporting "no activity".
    for where in (f"s3://{story.trail_bucket}/elsewhere/", str(tmp_path)):
        result = _cli(world, ["investigate", "--key", story.ci_key, "--cloudtrail", where, *WINDOW])
        assert result.exit_code == 2, (where, result.output)
        assert "no CloudTrail" in result.stderr or "no AWSLogs" in result.stderr
        assert "NO ACTIVITY" not in result.stdout
