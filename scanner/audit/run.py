"""``org audit``: which repos went public, when, by whom, and what that exposed.

``run_audit`` is the library entry point; it ties the client (what GitHub
says), the store (what earlier runs saw), the policy, the mirrors and the
scanner together and returns an ``AuditReport``. Every failure of one unit
(a feed, a clone, a scan) is recorded in ``report.errors`` and the run goes on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scanner.audit.exposure import compute_exposures
from scanner.audit.policy import VisibilityPolicy
from scanner.audit.visibility import VisibilityChange, detect_changes
from scanner.clock import now_iso
from scanner.github.client import (
    GITHUB_ERRORS,
    GITHUB_OR_CONFIG_ERRORS,
    AuditLogAnswer,
    GitHubClient,
    PublicEventInfo,
    RepoInfo,
    describe_error,
)
from scanner.github.mirror import MirrorError, MirrorResult, mirror_path, refs_digest, sync_mirror
from scanner.model import Exposure, JSONObject, ScanError, ScanResult
from scanner.state.audit import AuditStore

ScanFunction = Callable[[Path], ScanResult]


def default_scan(path: Path) -> ScanResult:
    """The full-history scan of a mirror with the default rules."""
    from scanner.pipeline import ScanOptions, scan  # the core; imported late to keep the CLI quick

    return scan(path, ScanOptions())


def default_rules_version() -> str:
    from scanner.engine.rules import default_rules

    return default_rules().version


@dataclass
class AuditOptions:
    org: str
    policy: VisibilityPolicy = field(default_factory=VisibilityPolicy)
    mirrors_dir: Path | None = None  # default: "mirrors" beside the state file
    use_events: bool = True
    scan: bool = True  # False: report changes and violations only, no clones
    # Identifies what the scan function finds; with the mirror's refs it decides
    # whether a repo scanned by an earlier run needs scanning again.
    rules_version: str | None = None
    rescan: bool = False  # scan even when refs and rules are unchanged
    mirror_jobs: int = 4  # clones/fetches at once


@dataclass(frozen=True)
class Violation:
    """A public repository that the policy says must stay private."""

    repo: str
    visibility: str
    pattern: str  # the ``must_stay_private`` glob it matches
    new: bool  # not reported by a finished run before

    def to_dict(self) -> JSONObject:
        return asdict(self)


@dataclass
class AuditReport:
    org: str
    generated_at: str
    repos: list[RepoInfo]
    changes: list[VisibilityChange]
    violations: list[Violation]
    exposures: list[Exposure]
    errors: list[ScanError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # mirrors not rescanned: same refs, same rules

    @property
    def new_public_changes(self) -> list[VisibilityChange]:
        return [c for c in self.changes if c.new and c.to_public]

    @property
    def new_violations(self) -> list[Violation]:
        return [v for v in self.violations if v.new]

    @property
    def new_exposures(self) -> list[Exposure]:
        return [e for e in self.exposures if e.new]

    @property
    def exit_code(self) -> int:
        """2 incomplete, 1 something new (to public, violation, exposure), else 0."""
        if self.errors:
            return 2
        if self.new_public_changes or self.new_violations or self.new_exposures:
            return 1
        return 0

    def to_dict(self) -> JSONObject:
        return {
            "org": self.org,
            "generated_at": self.generated_at,
            "repos": [r.to_dict() for r in self.repos],
            "changes": [c.to_dict() for c in self.changes],
            "violations": [v.to_dict() for v in self.violations],
            "exposures": [e.to_dict() for e in self.exposures],
            "errors": [e.to_dict() for e in self.errors],
            "notes": self.notes,
            "summary": {
                "repos": len(self.repos),
                "public": sum(r.visibility == "public" for r in self.repos),
                "changes": len(self.changes),
                "new_changes_to_public": len(self.new_public_changes),
                "violations": len(self.violations),
                "new_violations": len(self.new_violations),
                "exposures": len(self.exposures),
                "new_exposures": len(self.new_exposures),
                "scanned_repos": len(self.scanned),
                "unchanged_repos": len(self.unchanged),
                "complete": not self.errors,
            },
        }


def _changes_digest(changes: list[VisibilityChange], repo: str) -> str:
    mine = sorted(
        (c.from_visibility or "", c.to_visibility, c.at or "", c.window_after or "", c.window_before or "")
        for c in changes
        if c.repo == repo
    )
    return hashlib.sha256(repr(mine).encode()).hexdigest()[:16]


def run_audit(
    client: GitHubClient,
    store: AuditStore,
    options: AuditOptions,
    scan_fn: ScanFunction | None = None,
    progress: Callable[[str], None] | None = None,
    now: Callable[[], str] = now_iso,
) -> AuditReport:
    """Run one audit of ``options.org``. Raises only when the org cannot be listed at all."""
    say = progress or (lambda message: None)
    scan_fn = scan_fn or default_scan
    org = options.org
    started = now()
    errors: list[ScanError] = []
    notes: list[str] = []

    say(f"listing repositories of {org}")
    repos = client.list_repos(org)
    by_name = {r.full_name: r for r in repos}
    previous = store.snapshots(org)

    audit = AuditLogAnswer(False, [], "")
    try:
        audit = client.audit_log(org)
        if not audit.available:
            notes.append(f"{audit.reason}; using event feeds and snapshots")
    except GITHUB_ERRORS as exc:
        errors.append(ScanError("audit-log", describe_error(exc)))

    events: list[PublicEventInfo] = []
    if options.use_events:
        try:
            events.extend(client.org_public_events(org))
        except GITHUB_ERRORS as exc:
            errors.append(ScanError("events", f"org event feed: {describe_error(exc)}"))
        if not audit.available:
            # Without the audit log, repo feeds can date flips the org feed missed.
            # Only for public repos not already known public: keeps reruns cheap.
            for repo in repos:
                prev = previous.get(repo.full_name)
                if repo.visibility != "public" or (prev is not None and prev.visibility == "public"):
                    continue
                try:
                    events.extend(client.repo_public_events(repo.full_name))
                except GITHUB_ERRORS as exc:
                    errors.append(ScanError("events", f"repo event feed: {describe_error(exc)}", repo=repo.full_name))

    found = detect_changes(repos, previous, started, audit.entries, events)
    for change in found:
        store.record_change(org, change, started)
    store.record_snapshot(org, repos, started)

    changes = [
        VisibilityChange(
            repo=s.repo,
            from_visibility=s.from_visibility,
            to_visibility=s.to_visibility,
            source=s.source,
            at=s.at,
            window_after=s.window_after,
            window_before=s.window_before,
            actor=s.actor,
            new=not s.reported,
        )
        for s in store.changes(org)
    ]

    violations = []
    for repo in repos:
        pattern = options.policy.violated_by(repo.full_name, repo.visibility)
        if pattern is None:
            store.clear_violation(repo.full_name)
            continue
        new = store.record_violation(org, repo.full_name, pattern, started)
        violations.append(Violation(repo.full_name, repo.visibility, pattern, new))

    went_public = {c.repo for c in changes if c.to_visibility == "public"}
    violators = {v.repo for v in violations}
    fresh = {c.repo for c in changes if c.new and c.to_public}
    # Repos that just went public first: they are the ones a responder needs now.
    targets = sorted((went_public | violators) & by_name.keys(), key=lambda n: (n not in fresh, n))

    scanned: list[str] = []
    unchanged: list[str] = []
    if options.scan and targets:
        rules_version = options.rules_version or default_rules_version()
        mirrors_dir = options.mirrors_dir or store.path.parent / "mirrors"
        try:
            token: str | None = client.git_token()
        except GITHUB_OR_CONFIG_ERRORS as exc:
            errors.append(ScanError("auth", f"no token for git: {describe_error(exc)}"))
            token = None
            targets = []

        def sync(name: str) -> MirrorResult | MirrorError:
            say(f"mirroring {name}")
            try:
                return sync_mirror(by_name[name].clone_url, mirror_path(mirrors_dir, name), token)
            except MirrorError as exc:
                return exc

        # Clones and fetches wait on the network, so a few run at once; scans
        # stay one at a time (a big one already uses every core).
        with ThreadPoolExecutor(max_workers=max(1, options.mirror_jobs)) as pool:
            synced = list(pool.map(sync, targets))
        for name, mirror in zip(targets, synced, strict=True):
            repo = by_name[name]
            if isinstance(mirror, MirrorError):
                errors.append(ScanError("clone", str(mirror), repo=name))
                continue
            # Exposures depend on the history, the rules and when the repo was
            # public: a new flip can expose a secret committed while it was private.
            scan_key = f"{refs_digest(mirror.path)}:{rules_version}:{_changes_digest(changes, name)}"
            if not options.rescan and store.audit_scan_key(name) == scan_key:
                # Same history, rules and flips: its exposures are in the store already.
                unchanged.append(name)
                continue
            say(f"scanning {name}")
            try:
                result = scan_fn(mirror.path)
            except Exception as exc:  # one repo's scan failure must not end the audit
                errors.append(ScanError("scan", f"{type(exc).__name__}: {exc}", repo=name))
                continue
            scanned.append(name)
            for err in result.errors:
                errors.append(ScanError(f"scan:{err.kind}", err.message, repo=name))
            for exposure in compute_exposures(name, result.findings, changes, repo.visibility == "public"):
                store.record_exposure(org, exposure, started)
            if not result.errors:  # an incomplete scan is retried next run
                store.record_audit_scan(org, name, scan_key, started)
    elif targets:
        notes.append("scanning skipped (--no-scan): exposures are from earlier runs")

    for repo in repos:
        store.set_public_now(repo.full_name, repo.visibility == "public")
    # Nothing is marked reported here: the caller does that once its report is
    # written (``AuditStore.mark_changes_reported``), so a run killed or failing
    # before then reports the same discoveries as new next time.
    exposures = store.exposures(org)

    return AuditReport(
        org=org,
        generated_at=started,
        repos=repos,
        changes=changes,
        violations=violations,
        exposures=exposures,
        errors=errors,
        notes=notes,
        scanned=scanned,
        unchanged=unchanged,
    )
