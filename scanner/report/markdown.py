"""Markdown for pasting into a ticket or a pull-request comment. Redacted."""

from __future__ import annotations

from scanner.model import ScanResult
from scanner.report.common import by_rule_and_severity, by_severity, head_state, timeline


def _cell(text: object) -> str:
    # A pipe or newline inside a cell would break the table.
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if text else ""


def render_markdown(result: ScanResult, repository: str | None = None) -> str:
    findings = result.findings
    out = ["# leakwarden report", ""]
    if repository:
        out += [f"Repository: {_code(repository)}", ""]
    counts = ", ".join(f"{n} {s}" for s, n in by_severity(findings)) or "none"
    out += [f"**{len(findings)} finding(s)** ({counts}).", ""]
    if result.errors:
        out += [f"**Scan incomplete:** {len(result.errors)} unit(s) could not be scanned.", ""]
    if findings:
        out += ["## Summary by rule", "", "| severity | rule | description | findings |",
                "| --- | --- | --- | ---: |"]
        out += [f"| {s} | {_code(r)} | {_cell(d)} | {n} |"
                for s, r, d, n in by_rule_and_severity(findings)]
        out += ["", "## Timeline", "",
                "When each distinct secret first entered history, and whether HEAD still has it.", "",
                "| first seen | rule | secret | paths | blobs | first commit | author | status |",
                "| --- | --- | --- | --- | ---: | --- | --- | --- |"]
        for item in timeline(findings):
            f = item.first
            out.append(f"| {_cell(f.date or '-')} | {_code(f.rule)} | {_code(f.secret)} "
                       f"| {', '.join(_code(p) for p in item.paths)} | {len(item.findings)} "
                       f"| {_code((f.commit or '')[:12]) or '-'} | {_cell(f.author or '-')} "
                       f"| {head_state(item)} |")
        out += ["", "## Findings", ""]
        for n, f in enumerate(findings, 1):
            out += [f"### {n}. {_cell(f.description)} ({f.severity})", "",
                    f"- **where:** {_code(f'{f.path}:{f.line}:{f.column}')} (blob {_code(f.blob[:12])})",
                    f"- **secret:** {_code(f.secret)}"]
            if f.commit:
                out.append(f"- **introduced:** {_code(f.commit[:12])} by {_cell(f.author)} "
                           f"<{_cell(f.email)}> on {f.date}: {_cell(f.summary)}")
            out.append(f"- **status:** {head_state(f)}"
                       + ("" if f.reachable else "; no ref reaches this blob"))
            if f.occurrences > 1 or len(f.paths) > 1:
                out.append(f"- **also:** introduced {f.occurrences} time(s) at "
                           + ", ".join(_code(p) for p in f.paths))
            out.append(f"- **fingerprint:** {_code(f.fingerprint)}, secret hash {_code(f.secret_hash)}")
            if f.context:
                out += ["", "```", f.context.replace("```", "'''"), "```"]
            out.append("")
    for e in result.errors:
        out.append(f"- incomplete: {e.kind}: {_cell(e.message)} {_code(e.path or '')}")
    return "\n".join(out).rstrip() + "\n"
