"""The scan pipeline: a source names the blobs, workers read and match them,
and the results become findings with provenance.

``scan(path, ScanOptions(...))`` is the library entry point the CLI calls.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.engine.decoding import DEFAULT_MAX_DECODE_DEPTH
from scanner.engine.matcher import Engine
from scanner.engine.rulecache import cached_default_rules
from scanner.engine.rules import Rule, RuleSet
from scanner.findings import (
    Location,
    build_finding,
    locate,
    locate_all,
    one_per_secret,
    place_match,
    rule_for,
)
from scanner.model import (
    BlobOrigin,
    Finding,
    Match,
    ScanError,
    ScanResult,
    ScanStats,
    Suppression,
)
from scanner.secrets import git_blob_id, secret_hash
from scanner.sources.files import iter_files

if TYPE_CHECKING:
    import pygit2

    from scanner.sources.blob_reader import BlobReader
    from scanner.sources.git_history import History
    from scanner.sources.messages import Message

# pygit2, multiprocessing and the history walker are imported where they are
# used: the staged scan (a pre-commit hook, on every commit) needs none of them.

DEFAULT_MAX_BLOB_SIZE = 25 * 1024 * 1024
# Blobs with NUL bytes ("binary" to git) are scanned like any other: a NUL
# near the top of a text file must not hide the token below it, and the
# engine works on bytes. There are few such blobs in a source history.
_CHUNK = 128  # blobs per work unit: small enough to balance, big enough to amortise IPC
_PARALLEL_MIN_BLOBS = 256

# (blobs done, blobs in all or None while the history walk is still going)
ProgressCallback = Callable[[int, "int | None"], None]


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
    # Encoded layers decoded and scanned under each blob (0: none; base64 of
    # base64 of a key needs 2). See scanner.engine.decoding.
    max_decode_depth: int = DEFAULT_MAX_DECODE_DEPTH
    progress: ProgressCallback | None = None
    # Incremental history scans (``org scan``): blobs an earlier run already
    # scanned with the same rules are walked (so provenance stays whole) but
    # not read or matched again; commits in ``exclude_commits`` and their
    # ancestors are not walked at all (the ref tips of the earlier run).
    skip_blobs: Collection[str] = ()
    exclude_commits: Sequence[str] = ()
    # History scans: only blobs seen at these repository paths (a file, or a
    # directory and everything under it), as ``git log -- PATH`` would.
    paths: Sequence[str] = ()
    # Plain-file scans (``--no-git``): globs to leave out / to keep only, and
    # whether the .gitignore files are honoured (see scanner.sources.files).
    exclude: Sequence[str] = ()
    include: Sequence[str] = ()
    gitignore: bool = False
    # False (``--no-inline-allow``): ``leakwarden:allow`` markers silence nothing.
    inline_allow: bool = True
    # The key of secret hashes; None: the scanned repository's own key
    # (``scanner.secrets.repository_hash_key``), from the range's base in
    # range mode, else from HEAD.
    hash_key: bytes | None = None
    _key_from: tuple[Path, str | None] | None = field(default=None, repr=False)


class ScanSetupError(Exception):
    """The scan cannot start (not a repository, bad range, unreadable path)."""


@dataclass
class _BlobResult:
    key: str  # blob oid, or file path for plain files
    oid: str
    size: int
    status: str  # scanned, too-large, error
    hits: list[tuple[Match, Location]] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    match_seconds: float = 0.0  # engine time; the rest of a worker's time is reading
    windowed: bool = False  # over the size limit: read and matched in windows


# -- workers ---------------------------------------------------------------------------

@dataclass
class _Worker:
    engine: Engine
    reader: BlobReader | None
    max_blob_size: int
    redact: bool

    def scan_files(self, files: Sequence[str], paths: Sequence[list[str]]) -> list[_BlobResult]:
        results: list[_BlobResult] = []
        for path, shown in zip(files, paths, strict=True):
            try:
                size = os.path.getsize(path)
                if size > self._whole_limit:
                    results.append(self.scan_large_file(path, size, shown))
                    continue
                # Read up to the limit, not to the size: a FIFO, /dev/stdin or
                # a character device reports size 0 and may never end.
                with open(path, "rb") as handle:
                    data = handle.read(self._whole_limit + 1)
                if len(data) > self._whole_limit:
                    # a stream has no size to window by: say it was not read whole
                    results.append(_BlobResult(path, "", len(data), "too-large", errors=[
                        ScanError("too-large", f"stream longer than {self._whole_limit} bytes: "
                                  "only its start was read", path=path)]))
                    continue
            except OSError as exc:
                results.append(_BlobResult(path, "", 0, "error", errors=[
                    ScanError("read-error", f"cannot read file: {exc.strerror or exc}", path=path)]))
                continue
            results.append(self.scan_data(path, git_blob_id(data), data, shown))
        return results

    @property
    def _whole_limit(self) -> int:
        from scanner.sources import large_blob

        return max(self.max_blob_size, large_blob.MIN_STREAM_SIZE)

    def scan_large_blob(self, oid: str, size: int, paths: list[str]) -> _BlobResult:
        """A blob over the size limit, scanned in windows rather than skipped:
        a padded file must not hide the token in it."""
        from scanner.sources.large_blob import StreamError, blob_windows

        assert self.reader is not None
        try:
            return self.scan_windows(oid, oid, size, blob_windows(self.reader.git_dir, oid, size),
                                     paths)
        except (StreamError, OSError) as exc:
            return _BlobResult(oid, oid, size, "error", errors=[
                ScanError("read-error", str(exc), blob=oid)])

    def scan_large_file(self, path: str, size: int, paths: list[str]) -> _BlobResult:
        import hashlib

        from scanner.sources.large_blob import windows

        # The blob id git would give the file, computed while streaming it.
        digest = hashlib.sha1(b"blob %d\0" % size)
        with open(path, "rb") as handle:
            def read(n: int) -> bytes:
                data = handle.read(n)
                digest.update(data)
                return data

            item = self.scan_windows(path, "", size, windows(read), paths)
        item.oid = digest.hexdigest()
        return item

    def scan_windows(self, key: str, oid: str, size: int,
                     parts: Iterator[tuple[int, bytes, bool]], paths: list[str]) -> _BlobResult:
        """Scan overlapping windows of one large input as one blob: matches
        starting in a window's overlap are left to the next window (no
        duplicates), offsets and line numbers are those of the whole input."""

        from scanner.sources import large_blob

        window = large_blob.WINDOW
        started = time.perf_counter()
        hits: list[tuple[Match, Location]] = []
        errors: list[ScanError] = []
        lines_before = 0
        for offset, data, last in parts:
            matches, found_errors = self.engine.scan(data, paths=paths or None)
            errors.extend(found_errors)
            for m in matches:
                if not last and m.start >= window:
                    continue  # the next window holds it whole
                where = locate(data, m, redacted=self.redact, others=matches)
                where = replace(where, line=where.line + lines_before,
                                end_line=where.end_line + lines_before)
                hits.append((replace(m, start=m.start + offset, end=m.end + offset,
                                     match_start=m.match_start + offset,
                                     match_end=m.match_end + offset), where))
            lines_before += data.count(b"\n", 0, window)
        for error in errors:
            error.blob = oid or None
        return _BlobResult(key, oid, size, "scanned", hits, errors, time.perf_counter() - started,
                           windowed=True)

    def scan_data(self, key: str, oid: str, data: bytes, paths: list[str]) -> _BlobResult:
        """``paths``: where the blob is known to be, so path-scoped rules (a
        .pgpass, a .tfstate) run only where they apply; empty means unknown,
        and then every path rule may apply."""
        started = time.perf_counter()
        matches, errors = self.engine.scan(data, paths=paths or None)
        for error in errors:
            error.blob = oid
        return _BlobResult(key, oid, len(data), "scanned",
                           locate_all(data, matches, redacted=self.redact), errors,
                           time.perf_counter() - started)


_WORKER: _Worker | None = None


def _init_worker(git_dir: str | None) -> None:
    # The engine (compiled rules, Hyperscan database) was built in the parent
    # and arrives by fork; only the blob reader is per process.
    from scanner.sources.blob_reader import BlobReader

    assert _WORKER is not None
    _WORKER.reader = BlobReader(git_dir) if git_dir else None


_Task = tuple[list[str], list[list[str]]]  # files, the paths each is shown at


def _run_chunk(task: _Task) -> tuple[list[_BlobResult], float]:
    assert _WORKER is not None
    return _scan_chunk(_WORKER, task)


def _scan_chunk(worker: _Worker, task: _Task) -> tuple[list[_BlobResult], float]:
    keys, paths = task
    started = time.perf_counter()
    results = worker.scan_files(keys, paths)
    return results, time.perf_counter() - started


def _chunks(keys: Iterator[str], paths_of: Callable[[str], list[str]]) -> Iterator[_Task]:
    # Paths travel with the task: forked workers cannot see what the walk
    # learns after they started. They are the paths known when the blob was
    # first seen; findings are checked against all of them afterwards.
    chunk: list[str] = []
    for key in keys:
        chunk.append(key)
        if len(chunk) == _CHUNK:
            yield chunk, [paths_of(k) for k in chunk]
            chunk = []
    if chunk:
        yield chunk, [paths_of(k) for k in chunk]


def _jobs(requested: int) -> int:
    return requested if requested > 0 else (os.cpu_count() or 1)


def _run(keys: Iterable[str], options: ScanOptions, engine: Engine, stats: ScanStats,
         paths_of: Callable[[str], list[str]]) -> Iterator[_BlobResult]:
    """Scan plain files, in parallel when it pays; results arrive in input order.
    (History scans go through ``_run_history``.)"""
    global _WORKER
    jobs = _jobs(options.jobs)
    stream = iter(keys)
    head = list(itertools.islice(stream, _PARALLEL_MIN_BLOBS))
    small = len(head) < _PARALLEL_MIN_BLOBS
    total: int | None = len(head) if small else None

    def counted() -> Iterator[str]:
        # Once the walk is over the progress bar can show a real total.
        nonlocal total
        count = 0
        for key in itertools.chain(head, stream):
            count += 1
            yield key
        total = count

    everything = counted()
    done = 0
    if jobs == 1 or small:
        # A worker of its own, not the module global: scans in several threads
        # of one process (a Dask worker) must not share one.
        worker = _Worker(engine, None, options.max_blob_size, options.redact)
        for task in _chunks(everything, paths_of):
            results, seconds = _scan_chunk(worker, task)
            _add_worker_time(stats, results, seconds)
            done += len(results)
            if options.progress:
                options.progress(done, total)
            yield from results
        return
    import multiprocessing

    _WORKER = _Worker(engine, None, options.max_blob_size, options.redact)
    engine.compile_all()  # once here, inherited by every forked worker
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_init_worker, initargs=(None,)) as pool:
        for results, seconds in pool.imap(_run_chunk, _chunks(everything, paths_of)):
            _add_worker_time(stats, results, seconds)
            done += len(results)
            if options.progress:
                options.progress(done, total)
            yield from results


def _add_worker_time(stats: ScanStats, results: list[_BlobResult], seconds: float) -> None:
    """Where the workers' time goes, summed over workers (so it can exceed wall time)."""
    matching = sum(r.match_seconds for r in results)
    stats.seconds["workers_match"] = round(stats.seconds.get("workers_match", 0.0) + matching, 3)
    stats.seconds["workers_read"] = round(
        stats.seconds.get("workers_read", 0.0) + max(0.0, seconds - matching), 3)


# -- the pipeline ----------------------------------------------------------------------

def scan(path: str | Path, options: ScanOptions | None = None) -> ScanResult:
    """Scan ``path``: full git history by default, or what ``options`` ask for."""
    options = options or ScanOptions()
    ruleset = options.ruleset or cached_default_rules()
    if options.hash_key is None:
        # Resolved on the first finding (``_hash_key``): finding the root
        # commit walks the first-parent chain (~0.6 s on sympy), which a scan
        # with nothing to hash, and the pre-commit hook, should not pay.
        from dataclasses import replace

        options = replace(options, _key_from=(Path(path), options.range))
    started = time.perf_counter()
    stats = ScanStats()
    if options.staged:
        # builds its engine once it has read the change: see _scan_staged
        result = _scan_staged(Path(path), options, ruleset, stats)
    else:
        engine = Engine(ruleset, regex_timeout=options.regex_timeout, prefilter=options.prefilter,
                        max_decode_depth=options.max_decode_depth,
                        inline_allow=options.inline_allow)
        stats.seconds["setup"] = round(time.perf_counter() - started, 3)
        if options.no_git:
            result = _scan_files(Path(path), options, engine, stats)
        else:
            from scanner.sources.git_history import NotARepository, open_repository

            try:
                repo = open_repository(path)
            except NotARepository:
                raise ScanSetupError(
                    f"{path} is not a git repository; use --no-git to scan it as plain files"
                ) from None
            result = _scan_history(repo, options, engine, stats)
    result.findings.sort(key=Finding.sort_key)
    result.suppressed.sort(key=lambda s: (s.finding.sort_key(), s.kind, s.by))
    result.errors.sort(key=lambda e: (e.kind, e.blob or "", e.path or "", e.rule or "", e.message))
    stats.findings = len(result.findings)
    stats.seconds["total"] = round(time.perf_counter() - started, 3)
    return result


def _hash_key(options: ScanOptions) -> bytes | None:
    """The scan's secret-hash key, worked out once, when first needed."""
    if options.hash_key is None and options._key_from is not None:
        options.hash_key = _repository_key(*options._key_from)
    return options.hash_key


def _repository_key(path: Path, range_spec: str | None) -> bytes:
    from scanner.secrets import installation_hash_key, repository_hash_key

    where = path if path.is_dir() else path.parent
    rev = "HEAD"
    if range_spec and ".." in range_spec:
        rev = range_spec.replace("...", "..").partition("..")[0] or "HEAD"
    try:
        return repository_hash_key(where, rev)
    except OSError:  # not a directory, git missing: the installation's key
        return installation_hash_key()


def _account(stats: ScanStats, item: _BlobResult, errors: list[ScanError]) -> None:
    if item.status == "scanned":
        stats.blobs_scanned += 1
        stats.bytes_scanned += item.size
        stats.blobs_windowed += item.windowed
    elif item.status == "too-large":
        stats.skipped_too_large += 1
    errors.extend(item.errors)


def _findings_for(item: _BlobResult, origin: BlobOrigin, ruleset: RuleSet, options: ScanOptions,
                  source: str, line_ranges: list[tuple[int, int]] | None = None,
                  suppressed: list[Suppression] | None = None) -> list[Finding]:
    """The findings of one scanned blob; matches an inline marker silenced go
    to ``suppressed`` (with the marker), so they are accounted for, not lost."""
    kept: list[tuple[Match, Location, Rule, str]] = []
    for match, location in item.hits:
        if line_ranges is not None and not any(a <= location.line <= b for a, b in line_ranges):
            continue
        rule = rule_for(ruleset, match.rule_id)
        placed = place_match(match, rule, ruleset, origin.paths)
        if placed is None:
            continue
        match, path = placed
        kept.append((match, location, rule, path))
    out = []
    for match, location, rule, path in one_per_secret(kept):
        finding = build_finding(match, location, origin, rule, path,
                                redacted=options.redact, source=source,
                                hash_key=_hash_key(options))
        if match.allowlist is not None:
            if suppressed is not None:
                suppressed.append(Suppression(finding, "allowlist", match.allowlist))
        elif match.allowed is None:
            out.append(finding)
        elif suppressed is not None:
            suppressed.append(Suppression(finding, "inline",
                                          f"{match.allowed} on line {location.line}"))
    return out


def _scan_history(repo: pygit2.Repository, options: ScanOptions, engine: Engine,
                  stats: ScanStats) -> ScanResult:
    from scanner.sources.blob_reader import limit_libgit2_windows
    from scanner.sources.git_history import History, HistoryWalker
    from scanner.sources.presence import drop_preexisting, mark_in_head, range_base

    limit_libgit2_windows()
    t0 = time.perf_counter()
    walker = HistoryWalker(repo, range_spec=options.range, all_objects=options.all_objects,
                           exclude=options.exclude_commits)
    if options.range:
        try:
            walker.resolve_range(options.range)  # fail before any worker starts
        except ValueError as exc:
            raise ScanSetupError(str(exc)) from None
    # The walk goes newest commit first and its blobs stream to the workers
    # as they are found: reading costs several times what walking does, and
    # it is cheapest newest blob first (git packs keep the newest version
    # whole and older ones as deltas against it, so each delta's base is then
    # fresh in cat-file's cache: on python/mypy 3.2 s of cat-file CPU against
    # 3.7-4.1 s oldest first and 4.3-4.7 s in pack order).
    history = History(repo)
    skip = {oid.encode() for oid in options.skip_blobs}
    found: dict[bytes, _BlobResult] = {}
    sent_rules: dict[bytes, frozenset[int]] = {}

    # A path limit (``scan repo/sub``): only what was seen under the path
    # counts, with only its introductions there. The whole history is still
    # walked and read (the walk streams blobs before all their paths are
    # known); commit messages and tags are not reported under a limit.
    limit = tuple(p.strip("/") for p in options.paths if p.strip("/"))
    # Commit messages need only the walked commits: they are scanned in a
    # thread from the end of the walk, while the workers finish the last
    # blobs, instead of after them (python/mypy: ~0.2 s of a run's tail).
    message_allowed: list[Suppression] = []
    message_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leakwarden-messages")
    message_scan: Future[tuple[list[Finding], dict[str, set[str]], list[ScanError]]] | None = None

    def walk() -> Iterator[bytes]:
        nonlocal message_scan
        for oid in walker.iter_new_blobs(history):
            if oid not in skip:
                yield oid
        stats.seconds["walk"] = round(time.perf_counter() - t0, 3)
        if not limit:
            message_scan = message_pool.submit(_scan_messages, repo, history, options, engine,
                                               message_allowed, stats)

    def task(oids: list[bytes]) -> _HistoryTask:
        paths = [history.paths(oid) for oid in oids]
        for oid, known in zip(oids, paths, strict=True):
            rules = engine.path_rules(known)
            if rules:
                sent_rules[oid] = rules
        return oids, paths

    def walked() -> float | None:
        # The commit that introduced the newest blob id, against all the
        # commits rev-list named (a dangling commit's blobs come after).
        if not history.intros or not history.commits:
            return None
        last = next(reversed(history.intros.values()))
        index = (last if isinstance(last, int) else last[0]) >> 32
        return min(1.0, (index + 1) / len(history.commits))

    try:
        for item in _run_history(walk(), task, repo.path, options, engine, stats, walked):
            found[item.oid.encode()] = item
    finally:
        # Joined before anything else touches ``repo``: a pygit2 repository
        # is not to be shared between threads.
        message_pool.shutdown(wait=True)
    # A path-scoped rule (a .pgpass, a .tfstate) runs where the blob is known
    # to be; a blob matched before the walk reached an older path of it that
    # such a rule applies to is matched again with all its paths.
    again = []
    for oid, packed in history.intros.items():
        if isinstance(packed, list) or oid in history.loose:
            if engine.path_rules(history.paths(oid)) != sent_rules.get(oid, frozenset()):
                again.append(oid)
    if again:
        from scanner.sources.blob_reader import BlobReader

        worker = _Worker(engine, BlobReader(repo.path), options.max_blob_size, options.redact)
        try:
            redo = _scan_blob_range(worker, again, [history.paths(oid) for oid in again])
        finally:
            assert worker.reader is not None
            worker.reader.close()
        for oid in again:
            found.pop(oid, None)
        found.update((item.oid.encode(), item) for item in redo.items)
    errors: list[ScanError] = []
    with_hits: list[_BlobResult] = []
    for item in found.values():
        errors.extend(item.errors)
        if item.hits:
            with_hits.append(item)
    stats.seconds["walk+scan"] = round(time.perf_counter() - t0, 3)
    stats.commits = len(history.commits)
    stats.refs = history.refs
    stats.unreachable_blobs = len(history.unreachable)
    stats.blobs_total = len(history)
    errors.extend(history.errors)
    # Provenance only now, and only for blobs with findings.
    t1 = time.perf_counter()
    findings: list[Finding] = []
    allowed: list[Suppression] = []
    for item in with_hits:
        origin = history.origin(item.oid)
        if limit:
            origin = _limited(origin, limit)
            if not origin.paths:
                continue
        findings.extend(_findings_for(item, origin, engine.ruleset, options, "git",
                                      suppressed=allowed))
    if limit:
        # Messages are not reported under a path limit, but a secret in the
        # summary of a commit that introduced a finding must still not be
        # printed in clear: those commits are scanned to redact it, no more.
        import pygit2

        shown = sorted({f.commit for f in [*findings, *(s.finding for s in allowed)] if f.commit})
        _, in_messages, message_errors = _scan_messages(
            repo, history, options, engine, [], stats, commits=[pygit2.Oid(hex=c) for c in shown])
        messages: list[Finding] = []
    else:
        # (scanned here when the walk did not run to its end)
        messages, in_messages, message_errors = (
            message_scan.result() if message_scan is not None
            else _scan_messages(repo, history, options, engine, message_allowed, stats))
        allowed.extend(message_allowed)  # after the blobs' own, as when scanned last
    # A message that could not be scanned whole (a regex timeout) makes the
    # run incomplete like a blob would.
    errors.extend(message_errors)
    if options.range:
        base = range_base(repo, options.range)
        if base is not None:
            findings = drop_preexisting(repo, base, findings)
            kept = {id(f) for f in drop_preexisting(repo, base, [s.finding for s in allowed])}
            allowed = [s for s in allowed if id(s.finding) in kept]
    mark_in_head(repo, findings)
    findings += messages
    if options.redact and in_messages:
        from scanner.sources.messages import redact_identities

        redact_identities([*findings, *(s.finding for s in allowed)], in_messages)
    for error in errors:
        if error.blob and error.path is None:
            paths = history.origin(error.blob).paths
            error.path = paths[0] if paths else None
    stats.seconds["provenance"] = round(time.perf_counter() - t1, 3)
    return ScanResult(findings, errors, stats, blob_ids=[oid.decode() for oid in history.oids()],
                      suppressed=allowed)


# -- history workers -------------------------------------------------------------------

# A task: blob ids newest first and the paths each is known at so far.
_HistoryTask = tuple[list[bytes], list[list[str]]]


@dataclass
class _RangeResult:
    """One task's outcome: counts for every blob, details only where there is
    something to report (hits or errors), so results stay small."""

    blobs: int = 0
    scanned: int = 0
    scanned_bytes: int = 0
    windowed: int = 0
    items: list[_BlobResult] = field(default_factory=list)
    read_seconds: float = 0.0
    match_seconds: float = 0.0

    def add(self, item: _BlobResult) -> None:
        """A blob scanned on its own (a large one, in windows)."""
        if item.status == "scanned":
            self.scanned += 1
            self.scanned_bytes += item.size
            self.windowed += item.windowed
        if item.hits or item.errors:
            self.items.append(item)


def _scan_blob_range(worker: _Worker, oids: list[bytes], paths_of: list[list[str]]
                     ) -> _RangeResult:
    reader = worker.reader
    assert reader is not None
    started = time.perf_counter()
    out = _RangeResult(blobs=len(oids))
    limit = worker._whole_limit
    paths = dict(zip(oids, paths_of, strict=True))
    scan_bytes = worker.engine.scan
    matching = 0.0
    clock = time.perf_counter
    for oid, data, error, size in reader.read_many(oids, limit):
        if data is None:
            key = oid.decode()
            if error is None:
                # Over the size limit: scanned in windows, not skipped.
                out.add(worker.scan_large_blob(key, size, paths[oid]))
                continue
            out.items.append(_BlobResult(key, key, max(size, 0), "error", errors=[
                ScanError("corrupt-object", error, blob=key)]))
            continue
        out.scanned += 1
        out.scanned_bytes += len(data)
        begun = clock()
        matches, errs = scan_bytes(data, paths=paths[oid] or None)
        if matches or errs:
            key = oid.decode()
            for e in errs:
                e.blob = key
            out.items.append(_BlobResult(key, key, len(data), "scanned",
                                         locate_all(data, matches, redacted=worker.redact), errs))
        matching += clock() - begun
    out.match_seconds = matching
    out.read_seconds = max(0.0, clock() - started - matching)
    return out


def _run_task(task: _HistoryTask) -> _RangeResult:
    assert _WORKER is not None
    return _scan_blob_range(_WORKER, *task)


# Blobs per task: a task's blobs share one cat-file's delta-base cache, so
# long runs of the newest-first order read cheaper; short enough that the
# workers finish close together. Runs start at _RUN and grow with the blobs
# already sent, up to _RUN_MAX: a small history still splits into several
# tasks, a big one reads in long runs (python/mypy: ~0.6 CPU-s less in the
# cat-files with runs of 4,096 than of 1,024, and less wall time).
_RUN = 1024
_RUN_MAX = 4096
# Near the end of the walk runs shrink (down to _RUN_TAIL) so the workers
# finish together: a last run of 4,096 blobs is ~0.4-0.8 s of one worker's
# time, with the other core idle while it finishes.
_RUN_TAIL = 256


def _next_run(sent: int, walked: float | None, jobs: int) -> int:
    """The size of the next run, given the blobs already sent and the share
    of the commits walked so far (None: unknown)."""
    size = min(_RUN_MAX, max(_RUN, sent // 2))
    if walked is None or walked <= 0.0:
        return size
    # Blobs still to come, extrapolated from the commits left; the newest
    # commits bring the most blobs (the first brings a whole tree), so this
    # overestimates and runs shrink late rather than early.
    left = sent * (1.0 - walked) / walked
    return max(_RUN_TAIL, min(size, int(left / (2 * jobs))))


def _run_history(walk: Iterator[bytes], task: Callable[[list[bytes]], _HistoryTask],
                 git_dir: str, options: ScanOptions, engine: Engine, stats: ScanStats,
                 walked: Callable[[], float | None] = lambda: None,
                 ) -> Iterator[_BlobResult]:
    """Read and match the walk's blobs in as many streams as cores while the
    walk goes on; yields only blobs with something to report, and accounts
    for all of them in ``stats``. ``walked`` tells the share of the history
    walked so far, so the last runs can be cut small."""
    global _WORKER
    from scanner.sources.blob_reader import BlobReader

    jobs = _jobs(options.jobs)
    head = list(itertools.islice(walk, _PARALLEL_MIN_BLOBS))
    small = len(head) < _PARALLEL_MIN_BLOBS
    total: int | None = len(head) if small else None
    done = 0

    def tasks() -> Iterator[_HistoryTask]:
        nonlocal total
        count = 0
        run: list[bytes] = []
        size = _RUN
        for oid in itertools.chain(head, walk):
            run.append(oid)
            if len(run) == size:
                count += len(run)
                yield task(run)
                run = []
                size = _next_run(count, walked(), jobs)
        if run:
            count += len(run)
            yield task(run)
        total = count  # the walk is over: the progress bar gets a real total

    def account(part: _RangeResult) -> Iterator[_BlobResult]:
        nonlocal done
        stats.blobs_scanned += part.scanned
        stats.bytes_scanned += part.scanned_bytes
        stats.blobs_windowed += part.windowed
        seconds = stats.seconds
        seconds["workers_match"] = round(seconds.get("workers_match", 0.0) + part.match_seconds, 3)
        seconds["workers_read"] = round(seconds.get("workers_read", 0.0) + part.read_seconds, 3)
        done += part.blobs
        if options.progress:
            options.progress(done, total)
        yield from part.items

    if jobs == 1 or small:
        # A worker of its own, not the module global: scans in several threads
        # of one process (a Dask worker) must not share a blob reader.
        worker = _Worker(engine, BlobReader(git_dir), options.max_blob_size, options.redact)
        try:
            for oids, paths in tasks():
                yield from account(_scan_blob_range(worker, oids, paths))
        finally:
            assert worker.reader is not None
            worker.reader.close()
        return
    import gc
    import multiprocessing

    _WORKER = _Worker(engine, None, options.max_blob_size, options.redact)
    engine.compile_all()  # once here, inherited by every forked worker
    # Forked workers share the parent's pages until they write to them, and a
    # garbage collection in a child writes to every container it visits:
    # frozen objects (the compiled engine) are left alone, so they stay shared.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs, initializer=_init_worker, initargs=(git_dir,)) as pool:
            gc.unfreeze()
            for part in pool.imap_unordered(_run_task, tasks()):
                yield from account(part)
    finally:
        gc.unfreeze()


_MESSAGE_BATCH = 4 << 20


def _messages_with_matches(engine: Engine, batch: list[Message]) -> list[Message]:
    """The messages of ``batch`` that any match touches, found with one engine
    pass over all of them joined (one call instead of one per commit); each is
    then scanned alone, so a match across two messages only selects both.
    When the joined pass itself ran into an error, every message is scanned
    alone, so the error is met (and reported) on the message that causes it."""
    if not batch:
        return []
    import bisect

    starts: list[int] = []
    pos = 0
    for message in batch:
        starts.append(pos)
        pos += len(message.data) + 2
    joined = b"\n\n".join(m.data for m in batch)
    matches, batch_errors = engine.scan(joined, paths=[f"<{batch[0].kind}>"])
    if batch_errors:
        return list(batch)
    chosen: set[int] = set()
    for m in matches:
        first = bisect.bisect_right(starts, m.match_start) - 1
        last = bisect.bisect_right(starts, max(m.match_start, m.match_end - 1)) - 1
        chosen.update(range(first, last + 1))
    return [batch[i] for i in sorted(chosen)]


def _scan_messages(repo: pygit2.Repository, history: History, options: ScanOptions,
                   engine: Engine, allowed: list[Suppression], stats: ScanStats,
                   commits: list[pygit2.Oid] | None = None,
                   ) -> tuple[list[Finding], dict[str, set[str]], list[ScanError]]:
    """Findings in the walked commits' messages and author fields (and, on a
    full scan, annotated tags), and the secrets found per commit, which are
    then redacted wherever a finding shows that commit's summary or author."""
    from scanner.sources.messages import iter_messages, message_origin

    t0 = time.perf_counter()
    findings: list[Finding] = []
    secrets: dict[str, set[str]] = {}
    errors: list[ScanError] = []
    batch: list[Message] = []
    size = 0

    def flush() -> None:
        for message in _messages_with_matches(engine, batch):
            # Whole message, no binary sniff: a NUL in a hostile message must
            # not make it "binary" and unscanned.
            matches, message_errors = engine.scan(message.data, paths=[f"<{message.kind}>"])
            hits = locate_all(message.data, matches, redacted=options.redact)
            for error in message_errors:
                error.blob = message.oid
                error.path = f"<{message.kind}>"
            errors.extend(message_errors)
            if not hits:
                continue
            item = _BlobResult(message.oid, message.oid, len(message.data), "scanned", hits)
            found = _findings_for(item, message_origin(repo, message), engine.ruleset, options,
                                  message.kind, suppressed=allowed)
            for f in found:
                f.in_head = None  # a message is not in a tree
            findings.extend(found)
            secrets.setdefault(message.oid, set()).update(
                m.secret.decode("utf-8", "replace") for m, _ in hits)
        batch.clear()

    for message in iter_messages(repo, history.commits if commits is None else commits,
                                 tags=not options.range and commits is None):
        batch.append(message)
        size += len(message.data)
        if size > _MESSAGE_BATCH:
            flush()
            size = 0
    flush()
    stats.seconds["messages"] = round(time.perf_counter() - t0, 3)
    return findings, secrets, errors


def _under(paths: Iterable[str], limit: Sequence[str]) -> bool:
    return any(p == lim or p.startswith(lim + "/") for p in paths for lim in limit)


def _limited(origin: BlobOrigin, limit: Sequence[str]) -> BlobOrigin:
    """Provenance seen through a path limit: only the introductions and
    paths under it (the same blob elsewhere is outside what was asked)."""
    return BlobOrigin(oid=origin.oid, size=origin.size,
                      paths=[p for p in origin.paths if _under((p,), limit)],
                      introductions=[i for i in origin.introductions if _under((i.path,), limit)],
                      reachable=origin.reachable)


def _scan_staged(workdir: Path, options: ScanOptions, ruleset: RuleSet,
                 stats: ScanStats) -> ScanResult:
    """Added lines of the staged change. Not new, so dropped: a secret the same
    change removes elsewhere (a move within or across files), and, while a
    merge or cherry-pick is being committed, one the incoming commit already
    has at that path (it is in history already; its own commit was checked)."""
    from scanner.sources.staged import StagedError, read_blobs, staged_changes

    try:
        changes = staged_changes(workdir)
        contents = read_blobs(workdir, [b.oid for b in changes.added + changes.removed])
    except StagedError as exc:
        hint = "; use --no-git to scan plain files" if "not a git repository" in str(exc) else ""
        raise ScanSetupError(f"{workdir}: {exc}{hint}") from None
    # A commit is small; what costs is compiling rule regexes. With Hyperscan
    # (its database cached on disk) only the rules a candidate hit needs are
    # compiled: measured on a 363-line flask change, 14 rules and ~65 ms
    # against 30 rules and ~140 ms for the keyword route. Without it, keep to
    # the rules whose keywords (or decoded text) occur in the change.
    from scanner.engine.prefilter import hyperscan_available

    t0 = time.perf_counter()
    if options.prefilter != "python" and hyperscan_available():
        engine = Engine(ruleset, regex_timeout=options.regex_timeout, prefilter="hyperscan",
                        max_decode_depth=options.max_decode_depth,
                        inline_allow=options.inline_allow)
    else:
        from scanner.engine.rulecache import rules_for_content

        wanted = rules_for_content(ruleset, [d for d in contents.values() if d is not None],
                                   options.max_decode_depth)
        engine = Engine(wanted, regex_timeout=options.regex_timeout, prefilter="python",
                        max_decode_depth=options.max_decode_depth,
                        inline_allow=options.inline_allow)
    stats.seconds["setup"] = round(time.perf_counter() - t0, 3)
    worker = _Worker(engine, None, options.max_blob_size, options.redact)

    cache: dict[tuple[str, str], _BlobResult] = {}

    def scanned(oid: str, path: str) -> _BlobResult:
        if (oid, path) not in cache:
            cache[oid, path] = scan_one(oid, path)
        return cache[oid, path]

    def scan_one(oid: str, path: str) -> _BlobResult:
        data = contents.get(oid)
        if data is None:
            return _BlobResult(oid, oid, 0, "error", errors=[
                ScanError("missing-object", "staged blob not found", blob=oid, path=path)])
        # Already in memory: scanned whole whatever its size (never skipped).
        item = worker.scan_data(oid, oid, data, [path])
        for error in item.errors:
            error.path = path
        return item

    moved: set[str] = set()
    for blob in changes.removed:
        old = scanned(blob.oid, blob.path)
        for match, location in old.hits:
            if any(a <= location.line <= b for a, b in blob.added):
                moved.add(secret_hash(match.rule_id, match.secret, _hash_key(options)))
    stats.blobs_total = len({b.oid for b in changes.added})
    errors: list[ScanError] = []
    findings: list[Finding] = []
    allowed: list[Suppression] = []
    done: dict[str, _BlobResult] = {}
    for blob in changes.added:
        item = done.get(blob.oid)
        if item is None:
            item = done[blob.oid] = scanned(blob.oid, blob.path)
            _account(stats, item, errors)
        origin = BlobOrigin(oid=item.oid, paths=[blob.path])
        marked: list[Suppression] = []
        findings.extend(f for f in _findings_for(item, origin, engine.ruleset, options, "staged",
                                                 blob.added, marked)
                        if f.secret_hash not in moved)
        allowed.extend(s for s in marked if s.finding.secret_hash not in moved)
    if findings:
        findings = _not_incoming(workdir, findings, contents)
    return ScanResult(findings, errors, stats, suppressed=allowed)


def _not_incoming(workdir: Path, findings: list[Finding],
                  contents: dict[str, bytes | None]) -> list[Finding]:
    from scanner.sources.staged import StagedError, read_blobs

    names = [f"{head}:{f.path}" for f in findings for head in ("MERGE_HEAD", "CHERRY_PICK_HEAD")]
    try:
        incoming = read_blobs(workdir, names)  # all None outside a merge or cherry-pick
    except StagedError:
        return findings
    kept = []
    for f in findings:
        secret = (contents.get(f.blob) or b"")[f.span[0]:f.span[1]]
        theirs = [incoming.get(f"{head}:{f.path}") for head in ("MERGE_HEAD", "CHERRY_PICK_HEAD")]
        if not secret or not any(data and secret in data for data in theirs):
            kept.append(f)
    return kept


def _scan_files(root: Path, options: ScanOptions, engine: Engine, stats: ScanStats) -> ScanResult:
    if not root.exists():
        raise ScanSetupError(f"{root}: no such file or directory")
    files = dict(iter_files(root, exclude=options.exclude, include=options.include,
                            gitignore=options.gitignore))
    stats.blobs_total = len(files)
    errors: list[ScanError] = []
    findings: list[Finding] = []
    allowed: list[Suppression] = []
    for item in _run(list(files), options, engine, stats,
                     lambda key: [files[key]]):
        _account(stats, item, errors)
        rel = files[item.key]
        for error in item.errors:
            error.path = rel
        if item.hits:
            origin = BlobOrigin(oid=item.oid, size=item.size, paths=[rel])
            findings.extend(_findings_for(item, origin, engine.ruleset, options, "file",
                                          suppressed=allowed))
    return ScanResult(findings, errors, stats, suppressed=allowed)
