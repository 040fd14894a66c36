"""The terminal report, written for whoever has to respond.

Default: a summary (how many distinct secrets, how many still in HEAD, how
many in history only, the worst severity), then one entry per distinct secret
(rule + keyed secret hash), most severe first: where it is now, where and when
it was introduced, how many commits and paths carry it, and one line on what
to do. ``verbose=True`` adds the per-blob detail (one block per blob version
that holds a secret: path, line, blob, commit, context, fingerprint).

Every value that came from the scanned repository (paths, names, commit
summaries, context lines) goes through ``_value`` (``rich_text``) before it
is printed, so one place decides how untrusted text is shown.
"""

from __future__ import annotations

import io

from rich.console import Console

from scanner.model import Finding, ScanResult
from scanner.report.common import SEVERITY_ORDER, SecretHistory, timeline
from scanner.report.escape import rich_text

_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}
_LABEL = 11  # width of the label column, so values line up


def _value(text: object) -> str:
    """Untrusted text as it may be printed: controls and line breaks made
    visible, then rich markup escaped (``scanner.report.escape.rich_text``),
    so a path or author cannot move the cursor, plant a hyperlink or start a
    workflow command on a line of its own."""
    return rich_text(str(text))


def _field(console: Console, label: str, value: str) -> None:
    """One ``label  value`` line of an entry; ``value`` is already escaped markup."""
    console.print(f"  [bold]{label:<{_LABEL}}[/]{value}")


def _short(oid: str | None) -> str:
    return _value((oid or "")[:12])


def _rank(severity: str) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def _commits(item: SecretHistory) -> int:
    """Distinct introductions of the secret: each blob version counts the
    (commit, path) pairs that introduced it."""
    return sum(max(f.occurrences, 1) for f in item.findings)


def _worst(item: SecretHistory) -> str:
    return min((f.severity for f in item.findings), key=_rank)


def _order(items: list[SecretHistory]) -> list[SecretHistory]:
    """Most severe first; among equals, what is still in HEAD (the live
    exposure) before history only, then oldest first."""
    return sorted(items, key=lambda s: (_rank(_worst(s)), s.in_head is not True,
                                        s.first.date or "~", s.first.rule))


def _where_now(item: SecretHistory) -> str:
    if item.first.extra.get("version_id"):  # an S3 object version, not a git tree
        if item.in_head is None:
            return "version currency unknown (--objects-from)"
        return ("in the current version of the object" if item.in_head else
                "in noncurrent version(s) only (still readable by whoever can list versions)")
    if item.in_head is None:  # staged change or plain files: no HEAD to ask
        first = item.first
        return _value(f"{first.path}:{first.line}:{first.column}")
    if item.in_head:
        here = sorted({f"{f.path}:{f.line}:{f.column}" for f in item.findings if f.in_head})
        shown = ", ".join(here[:3]) + (f" (+{len(here) - 3} more)" if len(here) > 3 else "")
        return "[bold]still in HEAD[/] at " + _value(shown)
    return "history only (no longer in HEAD; still in every clone)"


def _what_to_do(item: SecretHistory) -> str:
    if item.in_head is False:
        return ("rotate it (revoke and reissue) if not done yet: deleting it from the tree "
                "did not delete it from history")
    if item.in_head:
        return ("rotate it (revoke and reissue) first, then remove it from the tree; "
                "removing it does not remove it from history")
    return "rotate it if it was ever real, and keep it out of the commit"


def _entry(console: Console, item: SecretHistory) -> None:
    first = item.first
    severity = _worst(item)
    style = _SEVERITY_STYLE.get(severity, "")
    console.print(f"[{style}]{severity.upper():8}[/] [bold]{_value(first.rule)}[/]  "
                  f"{_value(first.description)}  [dim](confidence {_value(first.confidence)})[/]")
    decoded = f"  (decoded from {_value(first.decoded)})" if first.decoded else ""
    if first.secret:  # empty for a change to a configuration file (source "config-change")
        _field(console, "secret", _value(first.secret) + decoded)
    _field(console, "now", _where_now(item))
    extra = first.extra
    if extra.get("address"):
        # Terraform state/plan: whose secret it is, which a byte offset does not say
        _field(console, "address", f"{_value(extra['address'])}  "
                                   f"({_value(extra.get('resource_type') or '')}"
                                   f"{', ' + _value(extra['provider']) if extra.get('provider') else ''})")
    if extra.get("version_id"):
        _field(console, "version", f"{_value(extra['version_id'])}  "
                                   f"{_value(extra.get('last_modified') or '')}"
                                   + ("  (object deleted)" if extra.get("deleted") else ""))
    if first.commit:
        who = f"{first.author} <{first.email}>"
        _field(console, "introduced", f"{_value(first.date)}  commit {_short(first.commit)}  "
                                      f"by {_value(who)}")
        _field(console, "", _value(f"{first.path}:{first.line}")
               + (f"  \"{_value(first.summary)}\"" if first.summary else ""))
    elif first.source == "git":
        _field(console, "introduced", "no commit reaches it (found with --all-objects)")
    # every path the carrying blobs were seen at, not only the reported one
    paths = sorted({p for f in item.findings for p in (f.paths or [f.path])})
    if first.source == "git":
        shown = ", ".join(_value(p) for p in paths[:3]) + (f" (+{len(paths) - 3} more)"
                                                           if len(paths) > 3 else "")
        _field(console, "spread", f"introduced {_commits(item)} time(s) (commit + path), "
                                      f"{len(item.findings)} blob version(s), {len(paths)} path(s): {shown}")
    _field(console, "do", _what_to_do(item))
    console.print()


def _block(console: Console, finding: Finding) -> None:
    """Per-blob detail (``--verbose``)."""
    style = _SEVERITY_STYLE.get(finding.severity, "")
    console.print(f"  [{style}]{finding.severity.upper():8}[/] {_value(finding.rule)}  "
                  f"{_value(f'{finding.path}:{finding.line}:{finding.column}')}  "
                  f"(blob {_value(finding.blob)})")
    if finding.commit:
        who = f"{finding.author} <{finding.email}>"
        console.print(f"    commit {_value(finding.commit)}  {_value(finding.date)}  {_value(who)}")
        if finding.summary:
            console.print(f"           {_value(finding.summary)}")
    if not finding.reachable:
        console.print("    note   no ref reaches this blob (found with --all-objects)")
    if finding.occurrences > 1 or len(finding.paths) > 1:
        console.print(f"    also   introduced {finding.occurrences} time(s) at "
                      f"{len(finding.paths)} path(s)")
    if finding.context:
        console.print(f"    [dim]│[/] {_value(finding.context)}")
    console.print(f"    [dim]fingerprint {_value(finding.fingerprint)}[/]")


def summary_line(result: ScanResult, items: list[SecretHistory]) -> str:
    """The headline: distinct secrets, where they are, the worst severity."""
    if not items:
        return "no secrets found"
    in_head = sum(1 for s in items if s.in_head)
    history_only = sum(1 for s in items if s.in_head is False)
    worst = min((_worst(s) for s in items), key=_rank)
    where = ""
    if any(s.in_head is not None for s in items):
        where = f": {in_head} still in HEAD, {history_only} in history only"
    return (f"{len(items)} distinct secret(s) in {len(result.findings)} finding(s){where}; "
            f"worst severity {worst}")


def render_text(result: ScanResult, *, color: bool = False, width: int = 120,
                verbose: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width,
                      highlight=False, soft_wrap=True)
    items = _order(timeline(result.findings))
    console.print(f"[bold]{summary_line(result, items)}[/]")
    console.print()
    for item in items:
        _entry(console, item)
        if verbose:
            for finding in item.findings:
                _block(console, finding)
            console.print()
    for error in result.errors:
        where = " ".join(x for x in (error.path, error.blob and error.blob[:12], error.rule) if x)
        console.print(f"[bold yellow]incomplete[/] {_value(error.kind)}: "
                      f"{_value(error.message)} {_value(where)}")
    if result.suppressed:
        # Every suppression is said, never silent: a reviewer of CI output
        # sees what an inline marker or an ignore entry hid.
        console.print(f"[bold]suppressed[/] {len(result.suppressed)} finding(s), not counted:")
        for hidden in result.suppressed:
            f = hidden.finding
            console.print(f"  {_value(f.path)}:{f.line}  {_value(f.rule)}  {_value(f.secret)}"
                          f"  by {_value(hidden.kind)} {_value(hidden.by)}")
    stats = result.stats
    total = stats.seconds.get("total", 0.0)
    console.print(
        f"{len(result.findings)} finding(s) in {stats.blobs_scanned} blob(s) "
        f"({stats.bytes_scanned / 1e6:.1f} MB) from {stats.commits} commit(s) in {total:.1f}s"
        + (f"; skipped {stats.skipped_binary} binary" if stats.skipped_binary else "")
        + (f"; {stats.skipped_too_large} too large" if stats.skipped_too_large else "")
        + (f"; {stats.blobs_windowed} large blob(s) read in windows" if stats.blobs_windowed else "")
        + (f"; {len(result.suppressed)} suppressed" if result.suppressed else "")
        + (f"; {len(result.errors)} error(s): scan incomplete" if result.errors else "")
    )
    return buffer.getvalue()
