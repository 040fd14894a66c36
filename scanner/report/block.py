"""The message a pre-commit hook shows when it blocks a commit.

Plain text without rich: the hook runs on every commit and rich's import
alone would cost a third of the time budget. It says what was found
(redacted), where, and the three ways out, with the exact line to paste for
each, because a developer blocked mid-commit will not go and read docs.
"""

from __future__ import annotations

from scanner.model import ScanResult


def render_block(result: ScanResult, repository: str | None = None) -> str:
    findings = result.findings
    lines: list[str] = []
    if findings:
        lines.append(f"leakwarden: {len(findings)} secret(s) in the staged changes; "
                     "commit blocked.")
        lines.append("")
        for f in findings:
            lines.append(f"  {f.severity.upper():8} {f.rule}: {f.description}")
            lines.append(f"           {f.path}:{f.line}:{f.column}  {f.secret}")
            if f.context:
                lines.append(f"           | {f.context}")
            lines.append(f"           ignore entry: {f.path}:{f.rule}:{f.secret_hash}")
        lines += [
            "",
            "Three ways out:",
            "  1. Remove the secret from the staged file (and rotate it if it was ever real),",
            "     then `git add` the file again.",
            "  2. A false positive? Mark it inline with a comment on the same line:",
            "     `leakwarden:allow`",
            "  3. Accept it as known (baseline it): append its ignore entry (above) to",
            "     .leakwardenignore at the repository root; the hook reads it on every run.",
            "     (A JSON baseline from `leakwarden scan --format json` works too: --baseline FILE.)",
        ]
    for item in result.suppressed:  # never silent, even in the hook
        f = item.finding
        lines.append(f"leakwarden: suppressed {f.rule} at {f.path}:{f.line} by {item.kind} {item.by}")
    for e in result.errors:
        lines.append(f"leakwarden: incomplete: {e.kind}: {e.message} {e.path or ''}".rstrip())
    if not findings and not result.errors:
        lines.append("leakwarden: no secrets in the staged changes.")
    return "\n".join(lines) + "\n"
