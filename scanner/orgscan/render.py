"""Render an ``OrgScanReport``: JSON (deterministic), Markdown, or a text summary."""

from __future__ import annotations

import json
import re

from scanner.model import OrgFinding
from scanner.orgscan.coordinator import OrgScanReport
from scanner.report.escape import visible


def render_json(report: OrgScanReport) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n"


def _where(found: OrgFinding) -> str:
    return f"{found.finding.path}:{found.finding.line}"


def _summary_line(report: OrgScanReport) -> str:
    s = report.stats()
    return (f"{s['repos']} repositories: {s['scanned']} scanned, {s['unchanged']} unchanged, "
            f"{s['failed']} failed, {s['removed']} removed; {s['new_findings']} new findings "
            f"({s['open_findings']} open in all); {s['blobs_scanned']} blobs scanned in {s['seconds']:.1f}s")


def render_markdown(report: OrgScanReport) -> str:
    """From ``report/templates/orgscan.md.j2``: every repository, path,
    author and message is an inert code span."""
    from scanner.report.templating import render_template

    text = render_template("orgscan.md.j2", report=report, summary=_summary_line(report), where=_where)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


def render_text(report: OrgScanReport) -> str:
    v = visible  # every field a repository or the API controls, as one inert line
    out = [f"leakwarden org scan {v(report.org)}: {_summary_line(report)}"]
    for found in report.findings:
        f = found.finding
        verification = f.verification.status if f.verification is not None else None
        out.append(
            f"  NEW {v(found.repo)} {v(_where(found))} {v(f.rule)} {v(f.secret)}"
            f" ({v((f.commit or '')[:12])} {v(f.author)} {v(f.date)})"
            + (f" [{v(verification)}]" if verification else "")
        )
    for r in report.failed:
        out.append(f"  FAILED {v(r.repo)}: {v(r.error_kind)}: {v(r.error)} (retried next run)")
    for e in report.errors:
        out.append(f"  ERROR {v(e.repo)}: {v(e.kind)}: {v(e.message)}")
    for t in report.tickets:
        out.append(f"  ticket {v(t.action)} for {v(t.key_id)}: {v(t.where)}")
    return "\n".join(out) + "\n"


RENDERERS = {"json": render_json, "markdown": render_markdown, "text": render_text}
