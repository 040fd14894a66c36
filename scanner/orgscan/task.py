"""One repository's share of ``org scan``: a plain function on picklable
values (``run_repo_task``), so it runs in this process, in a process pool or on
a Dask worker. It clones or fetches one mirror, compares its ref tips with the
cursor it was handed and scans only what is new. It never touches the state
file nor the GitHub API beyond its own credentials."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from scanner.github.client import (
    GITHUB_OR_CONFIG_ERRORS,
    GitHubClient,
    describe_error,
)
from scanner.github.mirror import (
    MirrorError,
    classify_git_error,
    only_moved_forward,
    read_tips,
    sync_mirror,
)
from scanner.model import Finding, ScanError
from scanner.state.orgscan import (
    RepoScanRecord,
    pack_blob_ids,
    unpack_blob_ids,
)

# Scan errors that mean the mirror itself is damaged: the repo is retried
# next run from a fresh clone. Others (a regex timeout on one blob) are
# reported but would only recur on a retry.
_DAMAGE = frozenset({"corrupt-object", "missing-object", "read-error", "bad-ref"})


@dataclass
class RepoTask:
    """Everything a worker needs for one repo; picklable, no store, no client."""

    repo: str
    clone_url: str
    mirror: str
    api_url: str
    tips: dict[str, str] | None = None  # ref tips at the last complete scan
    rules_version: str | None = None  # rules of that scan
    known_blobs: bytes = b""  # packed ids of blobs scanned with those rules
    finding_blobs: frozenset[str] = frozenset()  # blobs of stored findings, for reachability
    reclone: bool = False  # the mirror was found damaged: start again from a clone
    timeout: float = 900.0  # seconds per git clone / fetch
    scan_jobs: int = 1  # processes for this repo's own scan (1 inside a pool)
    # The git token; None on Dask, where each worker takes it from its own
    # environment so it never travels through the scheduler.
    token: str | None = field(default=None, repr=False)


@dataclass
class RepoOutcome:
    """A worker's answer: redacted findings and the new cursor, never a secret."""

    repo: str
    status: str  # scanned, unchanged, failed
    error_kind: str | None = None
    error: str | None = None
    action: str | None = None  # cloned, fetched
    mode: str | None = None  # full, incremental, rewalk
    tips: dict[str, str] | None = None
    rules_version: str | None = None
    walked_blobs: bytes = b""  # packed ids of every blob the walk offered
    reachable_finding_blobs: frozenset[str] | None = None
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)  # each names the repo
    blobs_scanned: int = 0
    seconds: float = 0.0

    def record(self) -> RepoScanRecord:
        return RepoScanRecord(
            repo=self.repo,
            status=self.status,
            error_kind=self.error_kind,
            error=self.error,
            tips=self.tips,
            rules_version=self.rules_version,
            new_blobs=self.walked_blobs,
            replace_blobs=self.mode == "full",
            findings=tuple(self.findings),
            reachable_finding_blobs=self.reachable_finding_blobs,
            reachability_complete=self.mode in ("full", "rewalk"),
        )


# -- the worker ------------------------------------------------------------------------

_tokens: dict[str, str] = {}


def _env_token(api_url: str) -> str:
    """The worker's own credentials (GITHUB_TOKEN, GH_TOKEN or the App variables)."""
    if api_url not in _tokens:
        _tokens[api_url] = GitHubClient(base_url=api_url).git_token()
    return _tokens[api_url]


def _failed(task: RepoTask, kind: str, message: str, started: float, action: str | None = None) -> RepoOutcome:
    return RepoOutcome(task.repo, "failed", error_kind=kind, error=message, action=action,
                       seconds=round(time.perf_counter() - started, 3))


def run_repo_task(task: RepoTask) -> RepoOutcome:
    """Mirror and scan one repo. Never raises: every failure is an outcome."""
    started = time.perf_counter()
    try:
        return _run_repo_task(task, started)
    except Exception as exc:  # noqa: BLE001 - one repo's surprise must not end the run
        return _failed(task, "internal", f"{type(exc).__name__}: {exc}", started)


def _run_repo_task(task: RepoTask, started: float) -> RepoOutcome:
    try:
        token = task.token if task.token is not None else _env_token(task.api_url)
    except GITHUB_OR_CONFIG_ERRORS as exc:
        return _failed(task, "auth", f"no token for git on this worker: {describe_error(exc)}", started)
    mirror = Path(task.mirror)
    if task.reclone:
        shutil.rmtree(mirror, ignore_errors=True)
    existed = (mirror / "HEAD").exists()
    try:
        synced = sync_mirror(task.clone_url, mirror, token, timeout=task.timeout)
        tips = read_tips(mirror)
    except MirrorError as exc:
        return _failed(task, classify_git_error(str(exc), "fetch" if existed else "clone"), str(exc), started)
    except subprocess.TimeoutExpired:
        return _failed(task, "timeout", "git for-each-ref timed out", started)

    from scanner.engine.rules import default_rules

    ruleset = default_rules()
    version = ruleset.version
    if task.tips == tips and task.rules_version == version:
        return RepoOutcome(task.repo, "unchanged", action=synced.action, tips=tips, rules_version=version,
                           seconds=round(time.perf_counter() - started, 3))

    from scanner.pipeline import ScanOptions, ScanSetupError, scan

    known: set[str] = set()
    exclude: list[str] = []
    if task.tips is None or task.rules_version != version:
        mode = "full"  # first scan, or new rules: every blob again
    else:
        known = unpack_blob_ids(task.known_blobs)
        if only_moved_forward(mirror, task.tips.values(), tips.values()):
            mode, exclude = "incremental", sorted(set(task.tips.values()))
        else:
            mode = "rewalk"  # refs rewritten or deleted: walk all to see what is still reachable
    try:
        result = scan(mirror, ScanOptions(ruleset=ruleset, jobs=task.scan_jobs, skip_blobs=known,
                                          exclude_commits=exclude))
    except ScanSetupError as exc:
        return _failed(task, "corrupt", str(exc), started, action=synced.action)
    walked = set(result.blob_ids)
    errors = [replace(e, repo=task.repo) for e in result.errors]
    damage = [e for e in result.errors if e.kind in _DAMAGE]
    scanned = RepoOutcome(
        task.repo, "scanned", action=synced.action, mode=mode, tips=tips, rules_version=version,
        walked_blobs=pack_blob_ids(walked),
        reachable_finding_blobs=frozenset(b for b in task.finding_blobs if b in walked),
        findings=result.findings, errors=errors,
        blobs_scanned=result.stats.blobs_scanned, seconds=round(time.perf_counter() - started, 3),
    )
    if damage:
        # Keep what was found (stored, deduplicated) but not the cursor: the
        # repo is scanned again, from a fresh clone, next run.
        return replace(scanned, status="failed", error_kind="corrupt", error=f"damaged mirror: {damage[0].message}",
                       tips=None, rules_version=None, walked_blobs=b"", reachable_finding_blobs=None)
    return scanned
