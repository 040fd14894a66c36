"""Human-readable report: one block per finding, the redacted line in context.

Every field a repository controls goes through ``rich_text`` (controls and
line breaks made visible, then rich markup escaped): a path or author cannot
move the cursor, clear the screen, plant a hyperlink or start a GitHub
Actions workflow command on a line of its own."""

from __future__ import annotations

import io

from rich.console import Console

from scanner.model import Finding, ScanResult
from scanner.report.escape import rich_text as escape

_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}


def _block(console: Console, finding: Finding, versions: list[Finding] | None = None) -> None:
    style = _SEVERITY_STYLE.get(finding.severity, "")
    console.print(f"[{style}]{escape(finding.severity.upper()):8}[/] [bold]{escape(finding.rule)}[/]"
                  f"  {escape(finding.description)}  [dim](confidence {escape(finding.confidence)})[/]")
    where = f"{finding.path}:{finding.line}:{finding.column}"
    console.print(f"  [bold]where[/]   {escape(where)}  (blob {escape(finding.blob[:12])})")
    extra = finding.extra
    if extra.get("address"):
        # Terraform state/plan: whose secret it is, which a byte offset does not say
        console.print(f"  [bold]address[/] {escape(extra['address'])}  "
                      f"({escape(extra.get('resource_type') or '')}"
                      f"{', ' + escape(extra['provider']) if extra.get('provider') else ''})")
    if extra.get("version_id"):
        current = {True: "current version", False: "noncurrent version"}.get(
            finding.in_head, "")  # None: the read did not say (--objects-from)
        console.print(f"  [bold]version[/] {escape(str(extra['version_id']))}  "
                      f"{escape(str(extra.get('last_modified') or ''))}  {current}"
                      + ("  (object deleted)" if extra.get("deleted") else ""))
    if finding.commit:
        who = f"{finding.author} <{finding.email}>"
        console.print(f"  [bold]commit[/]  {escape(finding.commit[:12])}  {escape(finding.date)}  "
                      f"{escape(who)}")
        if finding.summary:
            console.print(f"          {escape(finding.summary)}")
    if not finding.reachable:
        console.print("  [bold]note[/]    no ref reaches this blob (found with --all-objects)")
    if finding.occurrences > 1 or len(finding.paths) > 1:
        console.print(f"  [bold]also[/]    introduced {finding.occurrences} times at "
                      f"{len(finding.paths)} path(s)")
    decoded = f"  (decoded from {finding.decoded})" if finding.decoded else ""
    if finding.secret:
        console.print(f"  [bold]secret[/]  {escape(finding.secret)}{escape(decoded)}")
    if finding.context:
        console.print(f"  [dim]│[/] {escape(finding.context)}")
    if versions:
        lines = sorted({v.line for v in versions})
        shown = ", ".join(str(n) for n in lines[:8]) + (", ..." if len(lines) > 8 else "")
        console.print(f"  [bold]versions[/] the same secret in {len(versions)} more version(s) of this "
                      f"file (line {escape(shown)})")
    console.print(f"  [dim]fingerprint {escape(finding.fingerprint)}[/]")
    console.print()


def render_text(result: ScanResult, *, color: bool = False, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width,
                      highlight=False, soft_wrap=True)
    # One block per secret per path: a key edited around in 100 versions of a
    # file is one thing to act on, with its other versions named in a line.
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in result.findings:
        groups.setdefault((finding.rule, finding.secret_hash, finding.path), []).append(finding)
    for first, *more in groups.values():
        _block(console, first, more)
    for error in result.errors:
        where = " ".join(x for x in (error.path, error.blob and error.blob[:12], error.rule) if x)
        console.print(f"[bold yellow]incomplete[/] {escape(error.kind)}: "
                      f"{escape(error.message)} {escape(where)}")
    if result.suppressed:
        # Every suppression is said, never silent: a reviewer of CI output
        # sees what an inline marker or an ignore entry hid.
        console.print(f"[bold]suppressed[/] {len(result.suppressed)} finding(s), not counted:")
        for item in result.suppressed:
            f = item.finding
            console.print(f"  {escape(f.path)}:{f.line}  {escape(f.rule)}  {escape(f.secret)}"
                          f"  by {escape(item.kind)} {escape(item.by)}")
    stats = result.stats
    total = stats.seconds.get("total", 0.0)
    console.print(
        f"{len(result.findings)} finding(s) in {stats.blobs_scanned} blob(s) "
        f"({stats.bytes_scanned / 1e6:.1f} MB) from {stats.commits} commit(s) in {total:.1f}s; "
        f"skipped {stats.skipped_binary} binary"
        + (f", {stats.skipped_too_large} too large" if stats.skipped_too_large else "")
        + (f"; {stats.blobs_windowed} large blob(s) read in windows" if stats.blobs_windowed else "")
        + (f"; {len(result.suppressed)} suppressed" if result.suppressed else "")
        + (f"; {len(result.errors)} error(s): scan incomplete" if result.errors else "")
    )
    return buffer.getvalue()
