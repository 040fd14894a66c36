"""Render an ``OrgScanReport``: JSON (deterministic), Markdown, or a text summary."""

from __future__ import annotations

import json

from scanner.orgscan.coordinator import OrgScanReport
from scanner.report.escape import md_code, visible


def render_json(report: OrgScanReport) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n"


def _md(value: object) -> str:
    # The one Markdown rule (scanner.report.escape): an inert code span.
    return md_code(value)


def _where(finding: dict[str, object]) -> str:
    return f"{finding.get('path')}:{finding.get('line')}"


def _summary_line(report: OrgScanReport) -> str:
    s = report.stats()
    return (f"{s['repos']} repositories: {s['scanned']} scanned, {s['unchanged']} unchanged, "
            f"{s['failed']} failed, {s['removed']} removed; {s['new_findings']} new findings "
            f"({s['open_findings']} open in all); {s['blobs_scanned']} blobs scanned in {s['seconds']:.1f}s")


def render_markdown(report: OrgScanReport) -> str:
    out = [f"# Secret scan of {_md(report.org)}", "", _summary_line(report) + ".", ""]
    if report.findings:
        out += ["## New findings", "", "| repo | rule | location | secret | commit | author | date | verification |",
                "|---|---|---|---|---|---|---|---|"]
        for f in report.findings:
            verification = (f.get("verification") or {}).get("status", "")
            out.append(
                f"| {_md(f['repo'])} | {_md(f.get('rule'))} | {_md(_where(f))} | "
                f"{_md(f.get('secret'))} | {_md((f.get('commit') or '')[:12])} | {_md(f.get('author') or '')} | "
                f"{_md(f.get('date') or '')} | {_md(verification)} |"
            )
        out.append("")
    failed = report.failed
    if failed:
        out += ["## Repositories not scanned (retried next run)", "", "| repo | reason |", "|---|---|"]
        for r in failed:
            out.append(f"| {_md(r.repo)} | {_md(r.error_kind)}: {_md(r.error)} |")
        out.append("")
    if report.errors:
        out += ["## Scan errors", ""]
        out += [f"- {_md(e.get('repo'))}: {_md(e.get('kind'))}: {_md(e.get('message'))}" for e in report.errors]
        out.append("")
    for t in report.tickets:
        out.append(f"- ticket {_md(t['action'])} for {_md(t['key_id'])}: {_md(t['where'])}")
    return "\n".join(out).rstrip() + "\n"


def render_text(report: OrgScanReport) -> str:
    v = visible  # every field a repository or the API controls, as one inert line
    out = [f"leakwarden org scan {v(report.org)}: {_summary_line(report)}"]
    for f in report.findings:
        verification = (f.get("verification") or {}).get("status")
        out.append(
            f"  NEW {v(f['repo'])} {v(_where(f))} {v(f.get('rule'))} {v(f.get('secret'))}"
            f" ({v((f.get('commit') or '')[:12])} {v(f.get('author'))} {v(f.get('date'))})"
            + (f" [{v(verification)}]" if verification else "")
        )
    for r in report.failed:
        out.append(f"  FAILED {v(r.repo)}: {v(r.error_kind)}: {v(r.error)} (retried next run)")
    for e in report.errors:
        out.append(f"  ERROR {v(e.get('repo'))}: {v(e.get('kind'))}: {v(e.get('message'))}")
    for t in report.tickets:
        out.append(f"  ticket {v(t['action'])} for {v(t['key_id'])}: {v(t['where'])}")
    return "\n".join(out) + "\n"


RENDERERS = {"json": render_json, "markdown": render_markdown, "text": render_text}
