"""Render an ``AuditReport`` as JSON, Markdown or text for a terminal."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner.audit.run import AuditReport
from scanner.audit.visibility import VisibilityChange


def render_json(report: AuditReport) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n"


def _when(change: VisibilityChange) -> str:
    if change.at:
        return change.at
    return f"between {change.window_after} and {change.window_before}"


def _location(e: dict[str, Any]) -> str:
    commit = (e.get("commit") or "")[:12]
    return f"{e.get('path')}:{e.get('line')}" + (f" @ {commit}" if commit else "")


def _md(value: object) -> str:
    # A "|" in a path or repo name would end the table cell.
    return str(value).replace("|", "\\|")


def render_markdown(report: AuditReport) -> str:
    d = report.to_dict()["summary"]
    out = [f"# Visibility audit of `{report.org}`", ""]
    out.append(
        f"{d['repos']} repositories ({d['public']} public), {d['changes']} visibility changes "
        f"({d['new_changes_to_public']} new to public), {d['violations']} policy violations "
        f"({d['new_violations']} new), {d['exposures']} exposed secrets ({d['new_exposures']} new)."
    )
    out.append("")
    if report.changes:
        out += ["## Visibility changes", "", "| repo | from | to | when | actor | source | new |", "|---|---|---|---|---|---|---|"]
        for c in report.changes:
            out.append(
                f"| `{_md(c.repo)}` | {c.from_visibility or '?'} | {c.to_visibility} | {_when(c)} | "
                f"{_md(c.actor or '')} | {c.source} | {'yes' if c.new else ''} |"
            )
        out.append("")
    if report.violations:
        out += ["## Public repositories that must stay private", "", "| repo | pattern | new |", "|---|---|---|"]
        for v in report.violations:
            out.append(f"| `{_md(v['repo'])}` | `{_md(v['pattern'])}` | {'yes' if v['new'] else ''} |")
        out.append("")
    if report.exposures:
        out += [
            "## Exposed secrets",
            "",
            "| repo | rule | secret | where | exposed since | public now | reachable | new |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for e in report.exposures:
            out.append(
                f"| `{_md(e['repo'])}` | {e.get('rule')} | `{_md(e.get('secret'))}` | `{_md(_location(e))}` | "
                f"{e.get('exposed_since') or 'unknown'} | {'yes' if e.get('public_now') else 'no'} | "
                f"{'yes' if e.get('reachable') else 'no'} | {'yes' if e['new'] else ''} |"
            )
        out.append("")
    if report.errors or report.notes:
        out += ["## Notes and errors", ""]
        out += [f"- {n}" for n in report.notes]
        out += [f"- **{e['kind']}** {e.get('repo', '')}: {e['message']}" for e in report.errors]
        out.append("")
    return "\n".join(out)


def _row(table: Table, *cells: str, style: str | None = None) -> None:
    # Text(), not markup: repo names, paths and rules may contain "[".
    table.add_row(*(Text(c) for c in cells), style=style)


def render_text(report: AuditReport, width: int = 120, color: bool = False) -> str:
    buf = StringIO()
    console = Console(file=buf, width=width, force_terminal=color, no_color=not color)
    d = report.to_dict()["summary"]
    console.print(
        f"[bold]{report.org}[/]: {d['repos']} repos ({d['public']} public), "
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
            _row(table, v["repo"], v["pattern"], "new" if v["new"] else "")
        console.print(table)
    if report.exposures:
        table = Table(title="Exposed secrets", title_justify="left")
        for col in ("repo", "rule", "secret", "where", "exposed since", "public now", "new"):
            table.add_column(col)
        for e in report.exposures:
            _row(
                table,
                e["repo"], str(e.get("rule")), str(e.get("secret")), _location(e),
                e.get("exposed_since") or "unknown", "yes" if e.get("public_now") else "no", "new" if e["new"] else "",
            )
        console.print(table)
    for note in report.notes:
        console.print(f"note: {note}", markup=False)
    for err in report.errors:
        console.print(f"error ({err['kind']}) {err.get('repo', '')}: {err['message']}", markup=False)
    return buf.getvalue()


RENDERERS = {"json": render_json, "markdown": render_markdown, "text": render_text}
