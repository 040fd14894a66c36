"""The message a pre-commit hook shows when it blocks a commit.

Plain text without rich: the hook runs on every commit and rich's import
alone would cost a third of the time budget. It says what was found
(redacted), where, and the three ways out, with the exact line to paste for
each, because a developer blocked mid-commit will not go and read docs.
"""

from __future__ import annotations

from scanner.model import ScanResult
from scanner.report.escape import visible as _v


def render_block(result: ScanResult, repository: str | None = None) -> str:
    findings = result.findings
    lines: list[str] = []
    if findings:
        lines.append(f"leakwarden: {len(findings)} secret(s) in the staged changes; "
                     "commit blocked.")
        lines.append("")
        for f in findings:
            # Every field through _v: a staged file's name is the committer's
            # own, but a hook also runs on merges of other people's work.
            lines.append(f"  {_v(f.severity.upper()):8} {_v(f.rule)}: {_v(f.description)}")
            lines.append(f"           {_v(f.path)}:{f.line}:{f.column}  {_v(f.secret)}")
            if f.context:
                lines.append(f"           | {_v(f.context)}")
            lines.append(f"           ignore entry: {_v(f.path)}:{_v(f.rule)}:{f.secret_hash}")
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
        lines.append(f"leakwarden: suppressed {_v(f.rule)} at {_v(f.path)}:{f.line} by {_v(item.kind)} {_v(item.by)}")
    for e in result.errors:
        lines.append(f"leakwarden: incomplete: {_v(e.kind)}: {_v(e.message)} {_v(e.path)}".rstrip())
    if not findings and not result.errors:
        lines.append("leakwarden: no secrets in the staged changes.")
    return "\n".join(lines) + "\n"
