"""Exposure = findings x the time their repository was public.

A secret committed while the repo was private became exposed when the repo
went public; one committed while it was public was exposed at its commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.audit.visibility import VisibilityChange, public_intervals
from scanner.clock import iso, parse_iso
from scanner.model import Exposure, Finding


def exposed_since(committed: str | None, intervals: list[tuple[str | None, str | None]]) -> tuple[str | None, str | None] | None:
    """(exposed_since, public_since) for a secret committed at ``committed``, or None
    when it was never public (committed after the repo went private for good)."""
    for start, end in intervals:
        if committed is not None and end is not None and parse_iso(end) <= parse_iso(committed):
            continue  # this public period ended before the secret existed
        candidates = [t for t in (start, committed) if t is not None]
        if not candidates:
            return None, start
        return _utc(max(candidates, key=parse_iso)), start
    return None


def _utc(value: str) -> str:
    # Commit dates carry the author's offset; exposure times are compared and shown in UTC.
    return iso(parse_iso(value))


def compute_exposures(
    repo: str,
    findings: Iterable[Finding],
    changes: Iterable[VisibilityChange],
    public_now: bool,
) -> list[Exposure]:
    """One exposure per finding of ``repo`` that was ever public."""
    intervals = public_intervals([c for c in changes if c.repo == repo], public_now)
    out = []
    for finding in findings:
        hit = exposed_since(finding.date, intervals)
        if hit is None:
            continue
        since, public_since = hit
        out.append(Exposure(repo, finding, exposed_since=since, public_since=public_since, public_now=public_now))
    out.sort(key=lambda e: (e.finding.path, e.finding.line, e.finding.fingerprint))
    return out
