"""GitHub Actions workflow commands: one ``::error`` annotation per finding,
shown on the pull request's diff without uploading SARIF."""

from __future__ import annotations

from scanner.model import ScanResult
from scanner.report.escape import visible

_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "notice"}


def _escape_data(text: object) -> str:
    # The runner's own rule (%, CR, LF) after `visible`: no other line break,
    # ESC or NUL reaches the log either, so no field can end the line and
    # start a command (``::stop-commands::``, ``::add-mask::``) of its own.
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: object) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: ScanResult, repository: str | None = None) -> str:
    lines = []
    for f in result.findings:
        props = (f"file={_escape_property(f.path)},line={f.line},endLine={f.end_line},"
                 f"col={f.column},title={_escape_property(f.rule)}")
        if f.end_line == f.line:
            props += f",endColumn={max(f.end_column, f.column + 1)}"
        message = f"{f.description}: {f.secret}"
        if f.commit:
            message += f" (introduced in {f.commit[:12]} by {f.author})"
        lines.append(f"::{_LEVEL.get(f.severity, 'warning')} {props}::{_escape_data(message)}")
    for e in result.errors:
        lines.append(f"::warning title=scan incomplete::{_escape_data(f'{e.kind}: {e.message}')}")
    return "\n".join(lines) + ("\n" if lines else "")
