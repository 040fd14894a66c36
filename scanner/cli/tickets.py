"""``leakwarden tickets REPORT.json --to DEST``: thin over ``scanner.tickets``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scanner.cli.common import fail
from scanner.report.escape import visible

if TYPE_CHECKING:
    from scanner.model import JSONObject


def _load_exposures(path: Path) -> list[JSONObject]:
    """The ``exposures`` of an org audit JSON (or a bare list of them)."""
    import json

    from scanner.verify.saved_report import ReportError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: cannot read exposures ({exc})") from exc
    entries = data.get("exposures") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise ReportError(
            f"{path}: expected `leakwarden org audit --format json` output with 'exposures'"
        )
    return [e for e in entries if isinstance(e, dict)]


def _load_json(path: Path, made_by: str) -> JSONObject:
    import json

    from scanner.verify.saved_report import ReportError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: cannot read ({exc})") from exc
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected the JSON of `leakwarden {made_by}`")
    return data


def tickets_command(
    report: Annotated[
        Path, typer.Argument(help="A verified JSON report (`scan --verify` or `verify`).")
    ],
    to: Annotated[str, typer.Option("--to", help="dir:PATH, github:OWNER/REPO, or - for stdout.")],
    github_url: Annotated[
        str | None,
        typer.Option(
            "--github-url",
            help="GitHub API URL (default: GITHUB_API_URL, else https://api.github.com). "
            "The token comes from GITHUB_TOKEN or GH_TOKEN only.",
        ),
    ] = None,
    exposures: Annotated[
        Path | None,
        typer.Option("--exposures", help="JSON of `leakwarden org audit`: adds public exposure."),
    ] = None,
    investigation: Annotated[
        Path | None,
        typer.Option("--investigation", help="JSON of `leakwarden investigate`: fills the runbook."),
    ] = None,
    containment: Annotated[
        Path | None,
        typer.Option("--containment", help="Action log of `leakwarden contain --apply`."),
    ] = None,
    secrets_read: Annotated[
        list[Path] | None,
        typer.Option("--secrets-read", metavar="FILE",
                     help="JSON of `scan s3://... --objects-from INVESTIGATION.json`: one child "
                          "ticket per secret in it, linked to the key's ticket (repeatable; "
                          "such findings in REPORT count too)."),
    ] = None,
) -> None:
    """Write one rotation ticket per live AWS key, with every location and the
    runbook; and one child ticket per secret found in what the attacker read.

    Reruns update or skip tickets (matched by fingerprint), never duplicate them.
    Exit codes: 0 done (or nothing live), 2 error.
    """
    # Imported here: this module is loaded on every `leakwarden` start.
    from scanner.tickets.destinations import DestinationError, parse_destination
    from scanner.tickets.model import ChildTicketRef, tickets_from_report
    from scanner.tickets.read_secrets import is_read_finding, secret_tickets_from_findings
    from scanner.verify.saved_report import ReportError, load_report

    try:
        data = load_report(report)
        # Findings in what the attacker read become child tickets; an AWS key
        # among them is a secret to rotate, not a key this report verified.
        own = [f for f in data["findings"] if not is_read_finding(f)]
        read = [f for f in data["findings"] if is_read_finding(f)]
        for path in secrets_read or ():
            read += [f for f in load_report(path)["findings"] if is_read_finding(f)]
        if not any(isinstance(f, dict) and "verification" in f for f in own):
            if any(
                isinstance(f, dict) and str(f.get("rule", "")).startswith("aws-")
                for f in own
            ):
                raise ReportError(
                    f"{report}: the AWS findings are not verified; run `leakwarden verify {report}` "
                    "or `leakwarden scan --verify` first"
                )
        extra = _load_exposures(exposures) if exposures else []
        found = _load_json(investigation, "investigate --format json") if investigation else None
        actions = _load_json(containment, "contain --apply --log FILE") if containment else None
        destination = parse_destination(to, github_url)
    except (ReportError, DestinationError) as exc:
        raise fail(str(exc)) from None
    tickets = tickets_from_report(data, extra)
    if found is not None:
        from scanner.tickets.model import investigation_summary

        for ticket in tickets:
            ticket.investigation = investigation_summary(found, ticket.key_id, actions)
    children = secret_tickets_from_findings(read)
    for ticket in tickets:
        ticket.children = [ChildTicketRef(c.ticket_id, c.ask) for c in children
                           if c.parent_key_id == ticket.key_id]
    if not tickets and not children:
        typer.echo("leakwarden: no live AWS key and no secret read by an attacker in the "
                   "report: no ticket to write", err=True)
        raise typer.Exit(0)
    outcomes = destination.send([*tickets, *children])
    failed = False
    for outcome in outcomes:
        note = f" ({outcome.message})" if outcome.message else ""
        typer.echo(
            # visible: the message may quote a destination's (GitHub's) own answer
            "leakwarden: " + visible(f"{outcome.action} ticket for {outcome.subject or outcome.key_id}: "
                                     f"{outcome.where}{note}"),
            err=True,
        )
        failed = failed or outcome.action == "error"
    raise typer.Exit(2 if failed else 0)


def register(app: typer.Typer) -> None:
    """Add ``tickets`` to the leakwarden app."""
    app.command("tickets")(tickets_command)
