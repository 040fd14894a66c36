"""The scan pipeline: a source names the blobs, workers read and match them,
and the results become findings with provenance.

``scan(path, ScanOptions(...))`` is the library entry point the CLI calls.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner.engine import Engine
from scanner.findings import Location, build_finding, choose_path, locate
from scanner.model import BlobOrigin, Finding, Match, ScanError, ScanResult, ScanStats
from scanner.rules import RuleSet, default_rules
from scanner.secrets import git_blob_id
from scanner.sources.blob_reader import BlobReader
from scanner.sources.files import iter_files
from scanner.sources.git_history import History, HistoryWalker, NotARepository, open_repository
from scanner.sources.staged import staged_blobs

DEFAULT_MAX_BLOB_SIZE = 25 * 1024 * 1024
_BINARY_SNIFF = 8000  # git's own heuristic: a NUL in the first 8000 bytes
_CHUNK = 128  # blobs per work unit: small enough to balance, big enough to amortise IPC
_PARALLEL_MIN_BLOBS = 256

ProgressCallback = Callable[[int, int], None]


@dataclass
class ScanOptions:
    """What to scan and how. The defaults are a full-history scan of all refs."""

    ruleset: RuleSet | None = None
    jobs: int = 0  # 0: one worker per core
    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE
    redact: bool = True
    all_objects: bool = False
    range: str | None = None
    staged: bool = False
    no_git: bool = False
    regex_timeout: float = 5.0
    prefilter: str = "auto"
    progress: ProgressCallback | None = None


class ScanSetupError(Exception):
    """The scan cannot start (not a repository, bad range, unreadable path)."""


@dataclass
class _BlobResult:
    key: str  # blob oid, or file path for plain files
    oid: str
    size: int
    status: str  # scanned, binary, too-large, error
    hits: list[tuple[Match, Location]] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)


# -- workers ---------------------------------------------------------------------------

@dataclass
class _Worker:
    engine: Engine
    reader: BlobReader | None
    max_blob_size: int
    redact: bool
    # key -> the paths the blob is known at; path-scoped rules (a .pgpass,
    # a .tfstate) only run on blobs seen at a matching path.
    paths_of: Callable[[str], list[str]] | None = None

    def scan_blobs(self, oids: Sequence[str]) -> list[_BlobResult]:
        assert self.reader is not None
        sizes = self.reader.sizes(oids)
        results: list[_BlobResult] = []
        wanted: list[str] = []
        for oid in oids:
            size = sizes[oid]
            if size > self.max_blob_size:
                results.append(_BlobResult(oid, oid, size, "too-large"))
            else:
                wanted.append(oid)
        for oid, data, error in self.reader.read_many(wanted):
            if data is None:
                results.append(_BlobResult(oid, oid, max(sizes[oid], 0), "error", errors=[
                    ScanError("corrupt-object", error or "unreadable", blob=oid)]))
            else:
                results.append(self.scan_data(oid, oid, data))
        return results

    def scan_files(self, paths: Sequence[str]) -> list[_BlobResult]:
        results: list[_BlobResult] = []
        for path in paths:
            try:
                size = os.path.getsize(path)
                if size > self.max_blob_size:
                    results.append(_BlobResult(path, "", size, "too-large"))
                    continue
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as exc:
                results.append(_BlobResult(path, "", 0, "error", errors=[
                    ScanError("read-error", f"cannot read file: {exc.strerror or exc}", path=path)]))
                continue
            results.append(self.scan_data(path, git_blob_id(data), data))
        return results

    def scan_data(self, key: str, oid: str, data: bytes) -> _BlobResult:
        if b"\0" in data[:_BINARY_SNIFF]:
            return _BlobResult(key, oid, len(data), "binary")
        paths = self.paths_of(key) if self.paths_of else None
        matches, errors = self.engine.scan(data, paths=paths or None)
        for error in errors:
            error.blob = oid
        hits = [(m, locate(data, m, redacted=self.redact)) for m in matches]
        return _BlobResult(key, oid, len(data), "scanned", hits, errors)


_WORKER: _Worker | None = None


def _init_worker(git_dir: str | None) -> None:
    # The engine (compiled rules, Hyperscan database) was built in the parent
    # and arrives by fork; only the blob reader is per process.
    assert _WORKER is not None
    _WORKER.reader = BlobReader(git_dir) if git_dir else None


def _run_chunk(task: tuple[str, list[str]]) -> list[_BlobResult]:
    kind, keys = task
    assert _WORKER is not None
    return _WORKER.scan_blobs(keys) if kind == "blob" else _WORKER.scan_files(keys)


def _chunks(kind: str, keys: Sequence[str]) -> Iterator[tuple[str, list[str]]]:
    for i in range(0, len(keys), _CHUNK):
        yield kind, list(keys[i:i + _CHUNK])


def _jobs(requested: int) -> int:
    return requested if requested > 0 else (os.cpu_count() or 1)


def _run(kind: str, keys: Sequence[str], git_dir: str | None, options: ScanOptions,
         engine: Engine, paths_of: Callable[[str], list[str]] | None = None
         ) -> Iterator[_BlobResult]:
    """Scan all keys, in parallel when it pays; results arrive in input order."""
    global _WORKER
    _WORKER = _Worker(engine, None, options.max_blob_size, options.redact, paths_of)
    jobs = _jobs(options.jobs)
    total = len(keys)
    done = 0
    if jobs == 1 or total < _PARALLEL_MIN_BLOBS:
        _init_worker(git_dir)
        try:
            for task in _chunks(kind, keys):
                results = _run_chunk(task)
                done += len(results)
                if options.progress:
                    options.progress(done, total)
                yield from results
        finally:
            if _WORKER.reader:
                _WORKER.reader.close()
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_init_worker, initargs=(git_dir,)) as pool:
        for results in pool.imap(_run_chunk, _chunks(kind, keys)):
            done += len(results)
            if options.progress:
                options.progress(done, total)
            yield from results


# -- the pipeline ----------------------------------------------------------------------

def scan(path: str | Path, options: ScanOptions | None = None) -> ScanResult:
    """Scan ``path``: full git history by default, or what ``options`` ask for."""
    options = options or ScanOptions()
    ruleset = options.ruleset or default_rules()
    started = time.perf_counter()
    engine = Engine(ruleset, regex_timeout=options.regex_timeout, prefilter=options.prefilter)
    stats = ScanStats()
    stats.seconds["setup"] = round(time.perf_counter() - started, 3)
    if options.no_git:
        result = _scan_files(Path(path), options, engine, stats)
    else:
        try:
            repo = open_repository(path)
        except NotARepository:
            raise ScanSetupError(
                f"{path} is not a git repository; use --no-git to scan it as plain files"
            ) from None
        if options.staged:
            result = _scan_staged(repo, options, engine, stats)
        else:
            result = _scan_history(repo, options, engine, stats)
    result.findings.sort(key=Finding.sort_key)
    result.errors.sort(key=lambda e: (e.kind, e.blob or "", e.path or "", e.rule or "", e.message))
    stats.findings = len(result.findings)
    stats.seconds["total"] = round(time.perf_counter() - started, 3)
    return result


def _account(stats: ScanStats, item: _BlobResult, errors: list[ScanError]) -> None:
    if item.status == "scanned":
        stats.blobs_scanned += 1
        stats.bytes_scanned += item.size
    elif item.status == "binary":
        stats.skipped_binary += 1
    elif item.status == "too-large":
        stats.skipped_too_large += 1
    errors.extend(item.errors)


def _findings_for(item: _BlobResult, origin: BlobOrigin, ruleset: RuleSet, options: ScanOptions,
                  source: str, line_ranges: list[tuple[int, int]] | None = None) -> list[Finding]:
    out = []
    for match, location in item.hits:
        if line_ranges is not None and not any(a <= location.line <= b for a, b in line_ranges):
            continue
        rule = ruleset.by_id[match.rule_id]
        path = choose_path(rule, ruleset, origin.paths)
        if path is None:
            continue
        out.append(build_finding(match, location, origin, rule, path,
                                 redacted=options.redact, source=source))
    return out


def _scan_history(repo, options: ScanOptions, engine: Engine,  # noqa: ANN001 - pygit2.Repository
                  stats: ScanStats) -> ScanResult:
    t0 = time.perf_counter()
    walker = HistoryWalker(repo, range_spec=options.range, all_objects=options.all_objects)
    try:
        history: History = walker.walk()
    except ValueError as exc:
        raise ScanSetupError(str(exc)) from None
    stats.seconds["walk"] = round(time.perf_counter() - t0, 3)
    stats.commits = len(history.commits)
    stats.refs = history.refs
    stats.unreachable_blobs = len(history.unreachable)
    keys = list(history.oids())
    stats.blobs_total = len(keys)
    errors = list(history.errors)
    findings: list[Finding] = []
    t1 = time.perf_counter()
    def paths_of(oid: str) -> list[str]:
        return [p for _, p in history.blobs.get(oid, ())] + history.loose.get(oid, [])

    for item in _run("blob", keys, repo.path, options, engine, paths_of):
        _account(stats, item, errors)
        if item.hits:
            findings.extend(_findings_for(item, history.origin(item.oid), engine.ruleset,
                                          options, "git"))
    stats.seconds["scan"] = round(time.perf_counter() - t1, 3)
    for error in errors:
        if error.blob and error.path is None:
            paths = history.origin(error.blob).paths
            error.path = paths[0] if paths else None
    return ScanResult(findings, errors, stats)


def _scan_staged(repo, options: ScanOptions, engine: Engine,  # noqa: ANN001
                 stats: ScanStats) -> ScanResult:
    staged = staged_blobs(repo)
    by_oid: dict[str, list] = {}
    for blob in staged:
        by_oid.setdefault(blob.oid, []).append(blob)
    stats.blobs_total = len(by_oid)
    errors: list[ScanError] = []
    findings: list[Finding] = []
    for item in _run("blob", list(by_oid), repo.path, options, engine,
                     lambda oid: [b.path for b in by_oid[oid]]):
        _account(stats, item, errors)
        for blob in by_oid[item.oid]:
            origin = BlobOrigin(oid=item.oid, paths=[blob.path])
            findings.extend(_findings_for(item, origin, engine.ruleset, options, "staged",
                                          blob.added))
            for error in item.errors:
                error.path = blob.path
    return ScanResult(findings, errors, stats)


def _scan_files(root: Path, options: ScanOptions, engine: Engine, stats: ScanStats) -> ScanResult:
    if not root.exists():
        raise ScanSetupError(f"{root} does not exist")
    files = dict(iter_files(root))
    stats.blobs_total = len(files)
    errors: list[ScanError] = []
    findings: list[Finding] = []
    for item in _run("file", list(files), None, options, engine, lambda key: [files[key]]):
        _account(stats, item, errors)
        rel = files[item.key]
        for error in item.errors:
            error.path = rel
        if item.hits:
            origin = BlobOrigin(oid=item.oid, size=item.size, paths=[rel])
            findings.extend(_findings_for(item, origin, engine.ruleset, options, "file"))
    return ScanResult(findings, errors, stats)
