"""Markdown for pasting into a ticket or a pull-request comment. Redacted.

Rendered from ``templates/report.md.j2``: every field a repository controls
(paths, authors, subjects, rule text) is an inert code span, so the report
cannot carry HTML, images, links, @mentions or a broken table.
"""

from __future__ import annotations

import re

from scanner.model import ScanResult
from scanner.report.common import by_rule_and_severity, by_severity, head_state, timeline
from scanner.report.escape import visible


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall("`{3,}", text)), default=2)
    return "`" * (longest + 1)


def render_markdown(result: ScanResult, repository: str | None = None) -> str:
    from scanner.report.templating import render_template

    findings = result.findings
    items = timeline(findings)
    for item in items:
        item.state = head_state(item)  # type: ignore[attr-defined]
    contexts = [visible(f.context) for f in findings]
    text = render_template(
        "report.md.j2",
        repository=repository,
        findings=findings,
        errors=result.errors,
        severities=by_severity(findings),
        by_rule=by_rule_and_severity(findings),
        timeline=items,
        states=[head_state(f) for f in findings],
        contexts=contexts,
        fences=[_fence(c) for c in contexts],
    )
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"
