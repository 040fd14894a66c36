"""Render an ``OrgScanReport``: JSON (deterministic), Markdown, or a text summary."""

from __future__ import annotations

import json

from scanner.orgscan.coordinator import OrgScanReport


def render_json(report: OrgScanReport) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n"


def _md(value: object) -> str:
    return str(value).replace("|", "\\|")


def _summary_line(report: OrgScanReport) -> str:
    s = report.stats()
    return (f"{s['repos']} repositories: {s['scanned']} scanned, {s['unchanged']} unchanged, "
            f"{s['failed']} failed, {s['removed']} removed; {s['new_findings']} new findings "
            f"({s['open_findings']} open in all); {s['blobs_scanned']} blobs scanned in {s['seconds']:.1f}s")


def render_markdown(report: OrgScanReport) -> str:
    out = [f"# Secret scan of `{report.org}`", "", _summary_line(report) + ".", ""]
    if report.findings:
        out += ["## New findings", "", "| repo | rule | location | secret | commit | author | date | verification |",
                "|---|---|---|---|---|---|---|---|"]
        for f in report.findings:
            verification = (f.get("verification") or {}).get("status", "")
            out.append(
                f"| `{_md(f['repo'])}` | {f.get('rule')} | `{_md(f.get('path'))}:{f.get('line')}` | "
                f"`{_md(f.get('secret'))}` | {(f.get('commit') or '')[:12]} | {_md(f.get('author') or '')} | "
                f"{f.get('date') or ''} | {verification} |"
            )
        out.append("")
    failed = report.failed
    if failed:
        out += ["## Repositories not scanned (retried next run)", "", "| repo | reason |", "|---|---|"]
        for r in failed:
            out.append(f"| `{_md(r.repo)}` | {_md(r.error_kind)}: {_md(r.error)} |")
        out.append("")
    if report.errors:
        out += ["## Scan errors", ""]
        out += [f"- `{_md(e.get('repo'))}`: {_md(e.get('kind'))}: {_md(e.get('message'))}" for e in report.errors]
        out.append("")
    for t in report.tickets:
        out.append(f"- ticket {t['action']} for {t['key_id']}: {t['where']}")
    return "\n".join(out).rstrip() + "\n"


def render_text(report: OrgScanReport) -> str:
    out = [f"leakwarden org scan {report.org}: {_summary_line(report)}"]
    for f in report.findings:
        verification = (f.get("verification") or {}).get("status")
        out.append(
            f"  NEW {f['repo']} {f.get('path')}:{f.get('line')} {f.get('rule')} {f.get('secret')}"
            f" ({(f.get('commit') or '')[:12]} {f.get('author') or ''} {f.get('date') or ''})"
            + (f" [{verification}]" if verification else "")
        )
    for r in report.failed:
        out.append(f"  FAILED {r.repo}: {r.error_kind}: {r.error} (retried next run)")
    for e in report.errors:
        out.append(f"  ERROR {e.get('repo')}: {e.get('kind')}: {e.get('message')}")
    for t in report.tickets:
        out.append(f"  ticket {t['action']} for {t['key_id']}: {t['where']}")
    return "\n".join(out) + "\n"


RENDERERS = {"json": render_json, "markdown": render_markdown, "text": render_text}
