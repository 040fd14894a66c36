"""``leakwarden tickets REPORT.json --to DEST``: thin over ``scanner.tickets``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from scanner.cli.common import fail
from scanner.report.escape import visible


def _load_exposures(path: Path) -> list[dict[str, Any]]:
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


def _load_json(path: Path, made_by: str) -> dict[str, Any]:
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
) -> None:
    """Write one rotation ticket per live AWS key, with every location and the runbook.

    Reruns update or skip tickets (matched by fingerprint), never duplicate them.
    Exit codes: 0 done (or nothing live), 2 error.
    """
    # Imported here: this module is loaded on every `leakwarden` start.
    from scanner.tickets.destinations import DestinationError, parse_destination
    from scanner.tickets.model import tickets_from_report
    from scanner.verify.saved_report import ReportError, load_report

    try:
        data = load_report(report)
        if not any(isinstance(f, dict) and "verification" in f for f in data["findings"]):
            if any(
                isinstance(f, dict) and str(f.get("rule", "")).startswith("aws-")
                for f in data["findings"]
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
    if not tickets:
        typer.echo("leakwarden: no live AWS key in the report: no ticket to write", err=True)
        raise typer.Exit(0)
    outcomes = destination.send(tickets)
    failed = False
    for outcome in outcomes:
        note = f" ({outcome.message})" if outcome.message else ""
        typer.echo(
            # visible: the message may quote a destination's (GitHub's) own answer
            "leakwarden: " + visible(f"{outcome.action} ticket for {outcome.key_id}: "
                                     f"{outcome.where}{note}"),
            err=True,
        )
        failed = failed or outcome.action == "error"
    raise typer.Exit(2 if failed else 0)


def register(app: typer.Typer) -> None:
    """Add ``tickets`` to the leakwarden app."""
    app.command("tickets")(tickets_command)
