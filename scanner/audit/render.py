"""Render an ``AuditReport`` as JSON, Markdown or text for a terminal."""

from __future__ import annotations

import json
import re
from io import StringIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner.audit.run import AuditReport
from scanner.audit.visibility import VisibilityChange
from scanner.model import Exposure
from scanner.report.escape import rich_text, visible


def render_json(report: AuditReport) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n"


def _when(change: VisibilityChange) -> str:
    if change.at:
        return change.at
    return f"between {change.window_after} and {change.window_before}"


def _location(e: Exposure) -> str:
    commit = (e.finding.commit or "")[:12]
    return f"{e.finding.path}:{e.finding.line}" + (f" @ {commit}" if commit else "")


def render_markdown(report: AuditReport) -> str:
    """From ``report/templates/audit.md.j2``: every repository, actor, path
    and message is an inert code span."""
    from scanner.report.templating import render_template

    text = render_template("audit.md.j2", report=report, d=report.to_dict()["summary"],
                           when=_when, location=_location)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


def _row(table: Table, *cells: str, style: str | None = None) -> None:
    # Text(), not markup: repo names, paths and rules may contain "[".
    table.add_row(*(Text(visible(c)) for c in cells), style=style)


def render_text(report: AuditReport, width: int = 120, color: bool = False) -> str:
    buf = StringIO()
    console = Console(file=buf, width=width, force_terminal=color, no_color=not color)
    d = report.to_dict()["summary"]
    console.print(
        f"[bold]{rich_text(report.org)}[/]: {d['repos']} repos ({d['public']} public), "
        f"{d['new_changes_to_public']} new change(s) to public, {d['new_violations']} new violation(s), "
        f"{d['new_exposures']} new exposure(s) of {d['exposures']}"
    )
    if report.changes:
        table = Table(title="Visibility changes", title_justify="left")
        for col in ("repo", "from", "to", "when", "actor", "source", "new"):
            table.add_column(col)
        for c in report.changes:
            style = "red" if c.new and c.to_public else None
            _row(table, c.repo, c.from_visibility or "?", c.to_visibility, _when(c), c.actor or "", c.source, "new" if c.new else "", style=style)
        console.print(table)
    if report.violations:
        table = Table(title="Public but must stay private", title_justify="left")
        for col in ("repo", "pattern", "new"):
            table.add_column(col)
        for v in report.violations:
            _row(table, v.repo, v.pattern, "new" if v.new else "")
        console.print(table)
    if report.exposures:
        table = Table(title="Exposed secrets", title_justify="left")
        for col in ("repo", "rule", "secret", "where", "exposed since", "public now", "new"):
            table.add_column(col)
        for e in report.exposures:
            _row(
                table,
                e.repo, e.finding.rule, e.finding.secret, _location(e),
                e.exposed_since or "unknown", "yes" if e.public_now else "no", "new" if e.new else "",
            )
        console.print(table)
    for note in report.notes:
        console.print(f"note: {visible(note)}", markup=False)
    for err in report.errors:
        console.print(f"error ({visible(err.kind)}) {visible(err.repo or '')}: {visible(err.message)}",
                      markup=False)
    return buf.getvalue()


RENDERERS = {"json": render_json, "markdown": render_markdown, "text": render_text}
