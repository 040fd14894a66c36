"""``leakwarden investigate`` and ``leakwarden contain``: thin over ``scanner.incident``.

The responder's own credentials come from boto3's normal chain (environment,
profile, SSO); endpoints follow ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>``
as boto3 does. A leaked key is never used here.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from scanner.cli.common import ReportFormat, fail, write_output
from scanner.report.escape import visible

if TYPE_CHECKING:
    from datetime import datetime

    from scanner.incident.cloudtrail import Collected, Window
    from scanner.incident.investigate import Source
    from scanner.incident.values import ContainRun, Investigation, JSONObject

# Only typer and the light CLI helpers at import time: this module is loaded
# on every `leakwarden` start.


class InvestigateFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


class Strategy(str, Enum):
    auto = "auto"
    surgical = "surgical"
    blunt = "blunt"


def _time(text: str | None, flag: str) -> datetime | None:
    from scanner.incident.investigate import parse_time

    if text is None:
        return None
    moment = parse_time(text)
    if moment is None:
        raise fail(f"{flag} {text!r}: not a time (try 2026-03-01 or 2026-03-01T12:00:00Z)")
    return moment


def investigate_command(
    report: Annotated[Path | None, typer.Argument(help="A verified JSON report (`scan --verify` or `verify`).")] = None,
    key: Annotated[list[str] | None, typer.Option("--key", help="An access key ID to investigate (repeatable).")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Every access key of this IAM user.")] = None,
    guardduty: Annotated[Path | None, typer.Option("--guardduty", help="GuardDuty finding(s) exported as JSON.")] = None,
    cloudtrail: Annotated[list[str] | None, typer.Option("--cloudtrail", help="s3://BUCKET/PREFIX or a directory of trail files (repeatable).")] = None,
    lookup_events: Annotated[bool, typer.Option("--lookup-events", help="Ask the LookupEvents API (management events, 90 days, 2 req/s per region).")] = False,
    region: Annotated[list[str] | None, typer.Option("--region", help="Region for --lookup-events (repeatable; default: the profile's).")] = None,
    athena_results: Annotated[Path | None, typer.Option("--athena-results", help="CSV export of the documented Athena lineage query.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Start of the window (default: 30 days before the exposure).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="End of the window (default: now).")] = None,
    exposed_at: Annotated[str | None, typer.Option("--exposed-at", help="When the key leaked (default: from the report or GuardDuty).")] = None,
    containment: Annotated[Path | None, typer.Option("--containment", help="A `contain --apply` JSON log: its actions end the timeline.")] = None,
    state: Annotated[Path | None, typer.Option("--state", help="Org-scan state file: where else the key leaked (looked up by keyed hash).")] = None,
    format: Annotated[InvestigateFormat, typer.Option("--format", "-f", help="Output format (html: one self-contained page with the incident timeline).")] = InvestigateFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Parallel file readers (0: cores; S3: 16).")] = 0,
    athena_sql: Annotated[str | None, typer.Option("--athena-sql", metavar="TABLE", help="Print the lineage query for Athena's CloudTrail table TABLE and exit.")] = None,
) -> None:
    """Follow leaked AWS keys through CloudTrail: every call, every session they
    minted (to any depth), persistence, data read, a verdict and a timeline.

    Exit codes: 0 done, 2 error or incomplete (unreadable trail files named).
    """
    from functools import cache

    from scanner.clock import iso
    from scanner.incident import cloudtrail as ct
    from scanner.incident.investigate import (
        InvestigateOptions,
        investigate,
        leak_locations_from_state,
        seeds_from_guardduty,
        seeds_from_report,
        seeds_from_user,
    )
    from scanner.incident.render import render

    @cache
    def session() -> Any:
        # Only --user, s3:// and LookupEvents need AWS: a local trail does not pay
        # for importing boto3 and building a session.
        import boto3

        return boto3.Session()

    seeds = []
    if report:
        # The report reader brings the whole verify stack (boto3): only with a report.
        from scanner.verify.saved_report import ReportError, load_report

        try:
            seeds += seeds_from_report(load_report(report))
        except (ReportError, OSError, ValueError) as exc:
            raise fail(str(exc)) from None
    if guardduty:
        try:
            seeds += seeds_from_guardduty(json.loads(guardduty.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise fail(str(exc)) from None
    if user:
        try:
            seeds += seeds_from_user(session().client("iam"), user)
        except Exception as exc:
            raise fail(f"cannot list the access keys of {user}: {exc}") from None
    from scanner.incident.investigate import Seed

    seeds += [Seed(key_id=k.strip(), origin="key") for k in key or []]
    merged: dict[str, Seed] = {}
    for seed in seeds:
        merged.setdefault(seed.key_id, seed)
    seeds = [merged[k] for k in sorted(merged)]
    if not seeds:
        raise fail("nothing to investigate: give a verified report, --key, --user or --guardduty")
    if state:
        if not state.is_file():
            raise fail(f"{state}: no such state file")
        for seed in seeds:
            for loc in leak_locations_from_state(state, seed.key_id):
                if loc not in seed.locations:
                    seed.locations.append(loc)
    options = InvestigateOptions(since=_time(since, "--since"), until=_time(until, "--until"),
                                 exposed_at=_time(exposed_at, "--exposed-at"))
    if athena_sql:
        from scanner.incident.investigate import window_for
        from scanner.incident.lineage import athena_lineage_sql

        window, _ = window_for(seeds, options)
        write_output(athena_lineage_sql([s.key_id for s in seeds], iso(window.start), iso(window.end),
                                  table=athena_sql), output)
        raise typer.Exit(0)
    sources: list[Source] = []
    try:
        for spec in cloudtrail or []:
            if spec.startswith("s3://"):
                from botocore.config import Config

                pool = jobs or 16
                client = session().client("s3", config=Config(max_pool_connections=pool))
                sources.append(ct.S3Trail(spec, client, pool))
            else:
                sources.append(ct.LocalTrail(spec, jobs))
        if lookup_events:
            regions = region or [session().region_name or "us-east-1"]
            sources.append(ct.LookupEvents(regions, lambda r: session().client("cloudtrail", region_name=r)))
            typer.echo("leakwarden: LookupEvents is rate-limited to 2 requests/s per region", err=True)
    except ct.SourceError as exc:
        raise fail(str(exc)) from None
    if not sources and athena_results is None:
        raise fail("no CloudTrail source: give --cloudtrail, --lookup-events or --athena-results")
    if sources and athena_results is not None:
        raise fail("--athena-results is the whole lineage already; do not combine it with other sources")
    source = sources[0] if len(sources) == 1 else (_Several(sources) if sources else None)
    try:
        result = investigate(seeds, source, options, athena_results=athena_results)
    except (ct.SourceError, ValueError) as exc:
        raise fail(str(exc)) from None
    if containment is not None:
        from scanner.incident.investigate import add_containment

        try:
            log = json.loads(containment.read_text(encoding="utf-8"))
            if not isinstance(log, dict):
                raise ValueError("expected the JSON log of `leakwarden contain --apply`")
        except (OSError, ValueError) as exc:
            raise fail(f"{containment}: {exc}") from None
        add_containment(result, log)
    write_output(render(result, format.value), output)
    errors = result["investigation"]["errors"]
    for error in errors[:20]:
        typer.echo(f"leakwarden: {visible(error)}", err=True)
    if errors:
        typer.echo(f"leakwarden: investigation incomplete: {len(errors)} problem(s)", err=True)
    raise typer.Exit(2 if errors else 0)


class _Several:
    """Several sources asked the same question; their answers added up."""

    def __init__(self, sources: list[Source]) -> None:
        self.sources = sources

    def describe(self) -> str:
        return " + ".join(s.describe() for s in self.sources)

    def collect(self, needles: set[str], windows: list[Window]) -> Collected:
        from scanner.incident.cloudtrail import Collected

        out = Collected()
        for source in self.sources:
            out.merge(source.collect(needles, windows))
        return out


def contain_command(
    investigation: Annotated[Path, typer.Argument(help="JSON of `leakwarden investigate --format json`.")],
    apply: Annotated[bool, typer.Option("--apply", help="Carry out the plan (default: only print it).")] = False,
    strategy: Annotated[Strategy, typer.Option("--strategy", help="Role sessions: surgical where possible (auto), or force one.")] = Strategy.auto,
    blunt_role: Annotated[list[str] | None, typer.Option("--blunt-role", help="Revoke every older session of this role (repeatable).")] = None,
    revert_policy_changes: Annotated[bool, typer.Option("--revert-policy-changes", help="Detach/delete the policies the attacker attached.")] = False,
    log: Annotated[Path | None, typer.Option("--log", help="JSON action log to append this run to (default with --apply: containment-log.json).")] = None,
    skip_aws_account: Annotated[list[str] | None, typer.Option("--skip-aws-account", help="Treat this account as a canary: never touch its keys (repeatable).")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", "-f", help="text or json.")] = ReportFormat.text,
) -> None:
    """Cut off the leaked key and everything it spawned: deactivate keys, deny the
    attacker's role sessions (surgical or blunt), remove created logins.

    Dry run by default. Exit codes: 0 done, 2 an action failed (named) or bad input.
    """
    import boto3

    from scanner.clock import now_iso
    from scanner.incident.contain import ContainOptions, failed, log_entry, plan
    from scanner.incident.contain import apply as run
    from scanner.incident.render import render_plan
    from scanner.verify.canary import canary_accounts

    try:
        data = json.loads(investigation.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("containment"), dict):
            raise ValueError("expected the JSON of `leakwarden investigate --format json`")
        loaded = cast("Investigation", data)
        canaries = canary_accounts(skip_aws_account or ())
    except (OSError, ValueError) as exc:
        raise fail(f"{investigation}: {exc}") from None
    session = boto3.Session()
    started = now_iso()
    # Planning only reads IAM (service-linked? instance profile?); without
    # credentials the plan is still made, and says what it could not check.
    iam = session.client("iam") if apply or session.get_credentials() is not None else None
    options = ContainOptions(strategy=strategy.value, blunt_roles=tuple(blunt_role or ()),
                             revert_policy_changes=revert_policy_changes, canary_accounts=canaries)
    try:
        actions = plan(loaded, iam, options)
    except Exception as exc:
        raise fail(f"cannot plan: {exc}") from None
    actor = None
    if apply:
        try:
            actor = session.client("sts").get_caller_identity()["Arn"]
        except Exception as exc:
            raise fail(f"cannot tell who is running this (responder credentials?): {exc}") from None
        run(actions, iam, actor)
    entry = log_entry(actions, loaded, apply, actor, started)
    log = log or (Path("containment-log.json") if apply else None)
    if log is not None:
        runs: list[JSONObject | ContainRun] = []
        if log.exists():
            try:
                runs = json.loads(log.read_text(encoding="utf-8")).get("runs", [])
            except (OSError, ValueError, AttributeError):
                raise fail(f"{log}: not a containment log; choose another --log") from None
        runs.append(entry)
        write_output(json.dumps({"runs": runs}, indent=2, sort_keys=True) + "\n", log)
    typer.echo(render_plan(entry, "json" if format is ReportFormat.json else "text"), nl=False)
    bad = failed(actions)
    if bad:
        typer.echo("leakwarden: failed: " + "; ".join(f"{a.kind} {a.target} ({a.message})" for a in bad),
                   err=True)
        raise typer.Exit(2)
    raise typer.Exit(0)


def register(app: typer.Typer) -> None:
    """Add ``investigate`` and ``contain`` to the leakwarden app."""
    app.command("investigate")(investigate_command)
    app.command("contain")(contain_command)
