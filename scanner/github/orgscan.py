"""``org scan``: every repository of an organization, incrementally, on many workers.

The work splits in two so it can run on many machines:

* ``run_repo_task`` (a worker; plain function on picklable values, so it runs
  in this process, in a process pool or on a Dask worker) clones or fetches
  one mirror, compares its ref tips with the cursor it was handed, and scans
  only what is new: nothing when the tips and the rules are unchanged, the
  commits since the last tips when history only moved forward, the whole
  history (known blobs skipped) when refs were rewritten or deleted, and
  everything again when the rules changed. It never touches the state file.
* ``run_org_scan`` (the coordinator) lists the repos, settles the unchanged
  ones itself (their server-side refs equal the stored tips: one GET each,
  no worker), hands out tasks with their cursors for the rest, and commits
  each repo's findings, cursor and status in one transaction as results
  arrive, so a run killed at any point resumes where it stopped, losing and
  duplicating nothing.

A finding is *new* until a finished run has reported it (``reported`` in the
store); the CLI marks findings reported only after writing its report.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.github.client import GITHUB_ERRORS, GitHubClient, GitHubConfigError, describe_error
from scanner.github.mirror import MirrorError, mirror_path, sync_mirror
from scanner.model import Finding
from scanner.store import (
    OrgScanStore,
    RepoCursor,
    RepoScanRecord,
    Store,
    now_iso,
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
    findings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    blobs_walked: int = 0
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


def classify_git_error(message: str, default: str) -> str:
    """A short kind for a failed clone/fetch, so reports and retries can tell them apart."""
    text = message.lower()
    if "timed out" in text:
        return "timeout"
    if "429" in text or "rate limit" in text:
        return "rate-limit"
    if any(s in text for s in ("corrupt", "bad object", "index-pack", "did not send all necessary",
                               "unable to read", "packfile", "fsck", "not a git repository")):
        return "corrupt"
    if "404" in text or "not found" in text:
        return "not-found"
    if "401" in text or "403" in text or "authentication" in text:
        return "auth"
    return default


def read_tips(git_dir: str | Path, timeout: float = 120.0) -> dict[str, str]:
    """Every ref of a mirror and the object it points at."""
    proc = subprocess.run(
        ["git", "--git-dir", str(git_dir), "for-each-ref", "--format=%(objectname) %(refname)"],
        capture_output=True, text=True, timeout=timeout,
    )
    if proc.returncode != 0:
        raise MirrorError(f"cannot read refs: {proc.stderr.strip().splitlines()[-1:] or proc.returncode}")
    tips = {}
    for line in proc.stdout.splitlines():
        oid, _, ref = line.partition(" ")
        tips[ref] = oid
    return tips


def advertised_refs(clone_url: str, token: str | None, timeout: float = 30.0) -> dict[str, str]:
    """The refs the server advertises (smart HTTP, protocol v0), read without git.

    This is the first request of every fetch; asking it alone, in process,
    tells a quiet night's unchanged repo apart without starting a git
    process at all. Raises ``OSError``/``ValueError`` on anything unexpected
    (the caller then simply fetches).
    """
    import base64

    import requests

    headers = {"User-Agent": "git/leakwarden", "Accept": "*/*"}
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        headers["Authorization"] = f"Basic {basic}"
    url = clone_url.rstrip("/") + "/info/refs?service=git-upload-pack"
    try:
        response = requests.get(url, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise OSError(str(exc)) from None
    if response.status_code != 200 or b"service=git-upload-pack" not in response.content[:40]:
        raise ValueError(f"info/refs answered {response.status_code}")
    refs: dict[str, str] = {}
    data = response.content
    pos = 0
    while pos + 4 <= len(data):
        size = int(data[pos:pos + 4], 16)
        if size == 0:
            pos += 4
            continue
        line = data[pos + 4:pos + size].split(b"\0", 1)[0].rstrip(b"\n").decode()
        pos += size
        oid, _, ref = line.partition(" ")
        if ref.startswith("refs/") and not ref.endswith("^{}"):
            refs[ref] = oid
    if pos != len(data):
        raise ValueError("truncated ref advertisement")
    return refs


def only_moved_forward(git_dir: str | Path, old: Iterable[str], new: Iterable[str]) -> bool:
    """True when every old tip is still reachable from the new ones (no force
    push, no deleted branch), so walking new-since-old finds everything new and
    nothing old can have become unreachable."""
    old, new = sorted(set(old)), sorted(set(new))
    if not old:
        return True
    lines = "".join(f"{o}\n" for o in old) + "".join(f"^{n}\n" for n in new)
    proc = subprocess.run(
        ["git", "--git-dir", str(git_dir), "rev-list", "-n", "1", "--stdin"],
        input=lines, capture_output=True, text=True,
    )
    # An error (an old tip gc'd away, a tag of a tree) means: walk it all.
    return proc.returncode == 0 and not proc.stdout.strip()


def _failed(task: RepoTask, kind: str, message: str, started: float, **kw: Any) -> RepoOutcome:
    return RepoOutcome(task.repo, "failed", error_kind=kind, error=message,
                       seconds=round(time.perf_counter() - started, 3), **kw)


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
    except (GitHubConfigError, *GITHUB_ERRORS) as exc:
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

    from scanner.rules import default_rules

    ruleset = default_rules()
    version = ruleset.version
    if task.tips == tips and task.rules_version == version:
        return RepoOutcome(task.repo, "unchanged", action=synced.action, tips=tips, rules_version=version,
                           seconds=round(time.perf_counter() - started, 3))

    from scanner.scan import ScanOptions, ScanSetupError, scan

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
    findings = [dict(f.to_dict(), repo=task.repo) for f in result.findings]
    errors = [dict(e.to_dict(), repo=task.repo) for e in result.errors]
    damage = [e for e in result.errors if e.kind in _DAMAGE]
    common = dict(action=synced.action, mode=mode, findings=findings, errors=errors,
                  blobs_walked=len(walked), blobs_scanned=result.stats.blobs_scanned)
    if damage:
        # Keep what was found (stored, deduplicated) but not the cursor: the
        # repo is scanned again, from a fresh clone, next run.
        return _failed(task, "corrupt", f"damaged mirror: {damage[0].message}", started, **common)
    return RepoOutcome(
        task.repo, "scanned", tips=tips, rules_version=version, walked_blobs=pack_blob_ids(walked),
        reachable_finding_blobs=frozenset(b for b in task.finding_blobs if b in walked),
        seconds=round(time.perf_counter() - started, 3), **common,
    )


# -- the coordinator -------------------------------------------------------------------

@dataclass
class OrgScanOptions:
    org: str
    mirrors_dir: Path | None = None  # default: "mirrors" beside the state file
    jobs: int = 4  # repos at once (local processes)
    executor: str | None = None  # None/"local", or dask://HOST:PORT (tcp://, tls:// too)
    git_timeout: float = 900.0
    rescan: bool = False  # forget cursors: scan every repo whole
    first: frozenset[str] = frozenset()  # repos to schedule before the others (just went public)


@dataclass
class RepoReport:
    repo: str
    status: str  # scanned, unchanged, failed, removed
    error: str | None = None
    error_kind: str | None = None
    mode: str | None = None
    new_findings: int = 0
    blobs_scanned: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "repo": self.repo, "status": self.status, "error": self.error, "error_kind": self.error_kind,
            "mode": self.mode, "new_findings": self.new_findings, "blobs_scanned": self.blobs_scanned,
            "seconds": self.seconds,
        }


@dataclass
class OrgScanReport:
    org: str
    generated_at: str
    findings: list[dict[str, Any]]  # new: not reported by a finished run before
    repos: list[RepoReport]
    errors: list[dict[str, Any]] = field(default_factory=list)  # scan errors that did not fail a repo
    seconds: float = 0.0
    audit: dict[str, Any] | None = None
    verification: dict[str, Any] | None = None
    tickets: list[dict[str, Any]] = field(default_factory=list)
    open_findings: int = 0

    @property
    def failed(self) -> list[RepoReport]:
        return [r for r in self.repos if r.status == "failed"]

    @property
    def exit_code(self) -> int:
        """2 incomplete (a repo failed, a scan error), 1 new findings, else 0."""
        if self.failed or self.errors or (self.verification or {}).get("complete") is False:
            return 2
        return 1 if self.findings else 0

    def stats(self) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        for repo in self.repos:
            by_status[repo.status] = by_status.get(repo.status, 0) + 1
        return {
            "repos": len(self.repos),
            **{k: by_status.get(k, 0) for k in ("scanned", "unchanged", "failed", "removed")},
            "new_findings": len(self.findings),
            "open_findings": self.open_findings,
            "blobs_scanned": sum(r.blobs_scanned for r in self.repos),
            "seconds": self.seconds,
            "complete": self.exit_code != 2,
        }

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "org": self.org,
            "generated_at": self.generated_at,
            "findings": self.findings,
            "repos": [r.to_dict() for r in self.repos],
            "errors": self.errors,
            "stats": self.stats(),
        }
        if self.audit is not None:
            data["audit"] = self.audit
        if self.verification is not None:
            data["verification"] = self.verification
        if self.tickets:
            data["tickets"] = self.tickets
        return data


def plan_tasks(repos: Iterable[Any], cursors: dict[str, RepoCursor], options: OrgScanOptions,
               mirrors_dir: Path, api_url: str, token: str | None) -> list[RepoTask]:
    """One task per listed repo, in the order they should run: repos that just
    went public, then repos that failed last time, then by name."""
    tasks = []
    for repo in repos:
        cursor = cursors.get(repo.full_name) or RepoCursor(repo.full_name)
        keep = not options.rescan
        tasks.append(RepoTask(
            repo=repo.full_name,
            clone_url=repo.clone_url,
            mirror=str(mirror_path(mirrors_dir, repo.full_name)),
            api_url=api_url,
            tips=cursor.tips if keep else None,
            rules_version=cursor.rules_version if keep else None,
            known_blobs=cursor.blobs if keep else b"",
            finding_blobs=cursor.finding_blobs,
            reclone=cursor.status == "failed" and cursor.error_kind == "corrupt",
            timeout=options.git_timeout,
            token=token,
        ))
    failed_before = {r for r, c in cursors.items() if c.status == "failed"}
    tasks.sort(key=lambda t: (t.repo not in options.first, t.repo not in failed_before, t.repo))
    return tasks


ProgressHook = Callable[[RepoOutcome, int, int], None]


def split_unchanged(tasks: list[RepoTask], rules_version: str, token: str | None,
                    threads: int = 8) -> tuple[list[RepoOutcome], list[RepoTask]]:
    """Repos whose server-side refs are exactly the tips of their last complete
    scan (with the same rules) are unchanged: decided here, by one GET each in
    a few threads, without a worker, a fetch or a walk. The rest still need one."""
    candidates = [t for t in tasks if t.tips is not None and t.rules_version == rules_version
                  and not t.reclone]
    if not candidates:
        return [], tasks

    def same(task: RepoTask) -> bool:
        try:
            return advertised_refs(task.clone_url, token, timeout=min(task.timeout, 60.0)) == task.tips
        except (OSError, ValueError):
            return False  # the worker's fetch says what is wrong, if anything

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        unchanged = {t.repo for t, ok in zip(candidates, pool.map(same, candidates), strict=True) if ok}
    seconds = round((time.perf_counter() - started) / max(1, len(candidates)), 3)
    quiet = [RepoOutcome(t.repo, "unchanged", tips=t.tips, rules_version=t.rules_version, seconds=seconds)
             for t in tasks if t.repo in unchanged]
    return quiet, [t for t in tasks if t.repo not in unchanged]


def run_org_scan(
    client: GitHubClient,
    store: Store,
    options: OrgScanOptions,
    progress: ProgressHook | None = None,
    run_tasks: Callable[[Iterable[RepoTask]], Iterator[RepoOutcome]] | None = None,
    now: Callable[[], str] = now_iso,
) -> OrgScanReport:
    """One scan of ``options.org``. Raises only when the org cannot be listed."""
    from scanner.github.executors import make_runner

    t0 = time.perf_counter()
    started = now()
    org = options.org
    tables = OrgScanStore(store)
    repos = client.list_repos(org)
    cursors = tables.cursors(org)
    mirrors_dir = options.mirrors_dir or store.path.parent / "mirrors"
    remote = bool(options.executor) and options.executor != "local"
    report_repos: list[RepoReport] = []
    errors: list[dict[str, Any]] = []
    try:
        # Local workers get the token in their task (it never leaves this
        # machine); Dask workers read their own environment.
        git_token = client.git_token()
    except (GitHubConfigError, *GITHUB_ERRORS) as exc:
        raise GitHubConfigError(f"no token for git: {describe_error(exc)}") from None
    tasks = plan_tasks(repos, cursors, options, mirrors_dir, client.base_url, None if remote else git_token)
    from scanner.rules import default_rules

    # Loaded once here (and inherited by forked workers): its version says
    # whether a cursor still counts.
    rules_version = default_rules().version
    total = len(tasks)
    done = 0
    quiet, tasks = split_unchanged(tasks, rules_version, git_token,
                                   threads=min(16, max(4, 2 * options.jobs)))
    if not remote and (len(tasks) == 1 or options.jobs <= 1):
        for task in tasks:  # alone on the machine: let the repo's own scan use every core
            task.scan_jobs = 0
    runner = run_tasks or make_runner(options.executor, options.jobs)

    def with_fresh_token(tasks: list[RepoTask]) -> Iterator[RepoTask]:
        # Handed out as workers free up, each with the token as of now: a
        # GitHub App installation token lasts an hour, a big org's run longer.
        for task in tasks:
            if not remote:
                task.token = client.git_token()
            yield task

    for outcome in itertools.chain(quiet, runner(with_fresh_token(tasks)) if tasks else ()):
        new = tables.commit(org, outcome.record(), started)
        done += 1
        if outcome.status != "failed":
            errors.extend(outcome.errors)
        report_repos.append(RepoReport(outcome.repo, outcome.status, outcome.error, outcome.error_kind,
                                       outcome.mode, new, outcome.blobs_scanned, outcome.seconds))
        if progress:
            progress(outcome, done, total)
    listed = {r.full_name for r in repos}
    for name, cursor in sorted(cursors.items()):
        if name not in listed and cursor.status != "removed":
            tables.mark_removed(org, name, started)
            report_repos.append(RepoReport(name, "removed"))
    report_repos.sort(key=lambda r: r.repo)
    return OrgScanReport(
        org=org,
        generated_at=started,
        findings=tables.unreported(org),
        repos=report_repos,
        errors=errors,
        seconds=round(time.perf_counter() - t0, 3),
        open_findings=len(tables.findings(org, "open")),
    )


def finding_from_dict(data: dict[str, Any]) -> Finding:
    """A stored (redacted) finding as a ``Finding`` again, for the verifier and exposures."""
    names = set(Finding.__dataclass_fields__)
    known = {k: v for k, v in data.items() if k in names and k != "extra"}
    known["span"] = tuple(known.get("span") or (0, 0))
    extra = {k: v for k, v in data.items() if k not in names}
    return Finding(**known, extra=extra)
