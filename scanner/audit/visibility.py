"""Visibility changes from every source an org has, best first, merged into one list.

1. the org audit log (exact time, actor, previous visibility; Enterprise only),
2. ``PublicEvent`` in the event feeds (exact time, actor; about 30 days deep),
3. our own snapshots (a window between two runs; always available).

A change a better source already explains is not repeated by a worse one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from scanner.clock import parse_iso
from scanner.github.client import AuditEntry, PublicEventInfo, RepoInfo
from scanner.model import JSONObject
from scanner.state.audit import VisibilitySnapshot

# Audit log and event feed stamp the same flip a little apart.
SAME_CHANGE_SECONDS = 120


@dataclass
class VisibilityChange:
    repo: str
    from_visibility: str | None
    to_visibility: str
    source: str  # "audit-log", "events" or "snapshot"
    at: str | None = None
    window_after: str | None = None
    window_before: str | None = None
    actor: str | None = None
    new: bool = False  # not recorded by an earlier run

    @property
    def to_public(self) -> bool:
        return self.to_visibility == "public" and self.from_visibility != "public"

    @property
    def earliest(self) -> str | None:
        return self.at or self.window_after

    @property
    def latest(self) -> str | None:
        return self.at or self.window_before

    def to_dict(self) -> JSONObject:
        data: JSONObject = {"repo": self.repo, "from": self.from_visibility, "to": self.to_visibility}
        if self.at:
            data["at"] = self.at
        else:
            data["window"] = {"after": self.window_after, "before": self.window_before}
        data.update(actor=self.actor, source=self.source, new=self.new)
        return data


def _close(a: str, b: str) -> bool:
    return abs((parse_iso(a) - parse_iso(b)).total_seconds()) <= SAME_CHANGE_SECONDS


def detect_changes(
    repos: Iterable[RepoInfo],
    previous: Mapping[str, VisibilitySnapshot],
    now: str,
    audit_entries: Iterable[AuditEntry] = (),
    public_events: Iterable[PublicEventInfo] = (),
) -> list[VisibilityChange]:
    """All changes the sources show, sorted by time; see the module docstring for precedence."""
    changes: list[VisibilityChange] = []
    for entry in audit_entries:
        if entry.previous_visibility == entry.visibility:
            continue  # repo.access also logs other access changes
        changes.append(
            VisibilityChange(entry.repo, entry.previous_visibility, entry.visibility, "audit-log", at=entry.at, actor=entry.actor)
        )
    seen_events: set[tuple[str, str]] = set()
    for event in public_events:
        if (event.repo, event.at) in seen_events:
            continue  # the org feed and a repo feed report the same event
        seen_events.add((event.repo, event.at))
        if any(c.repo == event.repo and c.to_visibility == "public" and _close(c.at or "", event.at) for c in changes if c.at):
            continue
        # A PublicEvent means "made public"; GitHub does not say from what, but
        # our snapshot may (internal -> public).
        prev = previous.get(event.repo)
        source_vis = prev.visibility if prev and prev.visibility != "public" else "private"
        changes.append(VisibilityChange(event.repo, source_vis, "public", "events", at=event.at, actor=event.actor))
    for repo in repos:
        prev = previous.get(repo.full_name)
        if prev is None or prev.visibility == repo.visibility:
            continue
        after = prev.last_seen
        explained = any(
            c.repo == repo.full_name
            and c.to_visibility == repo.visibility
            and c.at is not None
            and parse_iso(c.at) >= parse_iso(after) - timedelta(seconds=SAME_CHANGE_SECONDS)
            for c in changes
        )
        if not explained:
            changes.append(
                VisibilityChange(
                    repo.full_name, prev.visibility, repo.visibility, "snapshot", window_after=after, window_before=now
                )
            )
    changes.sort(key=lambda c: (c.latest or "", c.repo, c.source))
    return changes


def public_intervals(
    changes: Iterable[VisibilityChange], public_now: bool
) -> list[tuple[str | None, str | None]]:
    """The periods a repo was public, as (start, end): start None = before anything we
    know (public from the start of our knowledge), end None = still public.

    Starts use the earliest moment a change can have happened and ends the
    latest, so an exposure is never understated.
    """
    ordered = sorted(changes, key=lambda c: (c.earliest or "", c.latest or ""))
    intervals: list[tuple[str | None, str | None]] = []
    start: str | None = None
    is_public: bool | None = None
    for change in ordered:
        if is_public is None:
            is_public = change.from_visibility == "public"
            start = None
        if change.to_visibility == "public" and not is_public:
            start, is_public = change.earliest, True
        elif change.to_visibility != "public" and is_public:
            intervals.append((start, change.latest))
            is_public = False
    if is_public is None:
        is_public = public_now
        start = None
    if is_public and public_now:
        intervals.append((start, None))
    elif public_now and not is_public:
        # Public now but our last record says otherwise: a change we did not see yet.
        intervals.append((None, None))
    return intervals
