"""Every unique blob in a repository's history, with where it came from.

The walk goes over all refs (branches, remote branches, tags, notes,
``refs/stash`` and every entry of the stash reflog) newest commit first
(topological order) and diffs each commit against its parents. A blob is *introduced* by a commit
when the commit has it at a path that none of its parents has it at; that
catches secrets added while resolving a merge, which diff-of-first-parent
scanners miss. Each blob is recorded once with every (commit, path) that
introduced it, so the scanner reads and matches each blob exactly once and
provenance is a dictionary look-up afterwards.

The diff walk is cheap relative to reading blob contents, and its
newest-first order is the cheapest order to read packed blobs in: git keeps
the newest version of a file whole and older ones as deltas against it, so
each delta's base was just read and is in cat-file's delta-base cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygit2
from pygit2.enums import ObjectType, SortMode

from scanner.clock import iso
from scanner.model import BlobOrigin, Introduction, ScanError
from scanner.procs import child_env

# git maps pack files in windows of up to 1 GiB and keeps up to 32 GiB mapped;
# every mapped page a process touched counts in its memory, so a scan of a
# 340 MB pack by several readers held the whole pack resident. Small windows
# under a small limit keep what is mapped flat; the kernel's page cache still
# holds the pack, so re-mapping costs a system call, not a read.
GIT_PACK_WINDOWS = ["-c", "core.packedGitWindowSize=4m", "-c", "core.packedGitLimit=32m"]
# Readers touch far more of the pack; bigger windows there cost fewer
# mmap/munmap calls (on python/mypy 4 MiB windows cost cat-file ~0.5 s of
# system time over 5.8 GB).
GIT_PACK_WINDOWS_READ = ["-c", "core.packedGitWindowSize=16m", "-c", "core.packedGitLimit=64m"]
# Commits per diff-tree process (see HistoryWalker._deltas_git).
_DIFF_TREE_SLICE = 8192


BLOB_MODES = frozenset({0o100644, 0o100755, 0o100664, 0o120000})
_BLOB_MODES_TEXT = frozenset(b"%o" % mode for mode in BLOB_MODES)

# Pipe ends of git processes the walk is talking to. Scan workers are forked
# while the walk is still streaming; a forked child that kept a copy of
# diff-tree's stdin would stop diff-tree from ever seeing end-of-input (and
# flushing its last output), so children close them right after the fork.
_PARENT_ONLY_FDS: set[int] = set()


def _close_parent_only_fds() -> None:
    for fd in _PARENT_ONLY_FDS:
        try:
            os.close(fd)
        except OSError:
            pass
    _PARENT_ONLY_FDS.clear()


os.register_at_fork(after_in_child=_close_parent_only_fds)


class NotARepository(Exception):
    """The path is not a git repository (and not inside one)."""


def open_repository(path: str | Path) -> pygit2.Repository:
    try:
        found = pygit2.discover_repository(str(path))
    except pygit2.GitError as exc:  # pragma: no cover - libgit2 rarely raises here
        raise NotARepository(str(path)) from exc
    if found is None:
        raise NotARepository(str(path))
    try:
        return pygit2.Repository(found)
    except pygit2.GitError as exc:
        raise NotARepository(f"{path}: {exc}") from exc


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


@dataclass
class History:
    """The result of a walk: unique blobs (in walk order) and their introductions.

    Kept compact because it grows with the history and forked scan workers
    inherit it: blob ids are hex ``bytes`` (as git prints them), each
    introduction is one int (commit index, path index), paths are stored once
    each, and a blob introduced once (most of them) holds a bare int.
    """

    repo: pygit2.Repository
    commits: list[pygit2.Oid] = field(default_factory=list)
    # blob id -> commit_index << 32 | path_index, or a list of those when the
    # blob was introduced more than once; insertion order is walk order
    intros: dict[bytes, int | list[int]] = field(default_factory=dict)
    path_names: list[str] = field(default_factory=list)
    path_index: dict[bytes | str, int] = field(default_factory=dict)
    # blobs with no introducing commit (unreachable, or reached through a tag
    # that points straight at a tree or blob) -> paths known for them
    loose: dict[bytes, list[str]] = field(default_factory=dict)
    unreachable: set[bytes] = field(default_factory=set)
    refs: int = 0
    errors: list[ScanError] = field(default_factory=list)

    def intern_path(self, raw: bytes | str) -> int:
        index = self.path_index.get(raw)
        if index is None:
            index = self.path_index[raw] = len(self.path_names)
            self.path_names.append(
                raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw)
        return index

    def oids(self) -> Iterator[bytes]:
        yield from self.intros
        yield from (oid for oid in self.loose if oid not in self.intros)

    def __len__(self) -> int:
        return len(self.intros) + sum(1 for oid in self.loose if oid not in self.intros)

    def introductions(self, oid: bytes | str) -> list[tuple[int, str]]:
        """(index into ``commits``, path) for every commit that introduced the blob."""
        packed = self.intros.get(_key(oid), ())
        names = self.path_names
        if isinstance(packed, int):
            return [(packed >> 32, names[packed & 0xFFFFFFFF])]
        return [(p >> 32, names[p & 0xFFFFFFFF]) for p in packed]

    def paths(self, oid: bytes | str) -> list[str]:
        """Every path the blob was seen at (introductions first, walk order)."""
        key = _key(oid)
        packed = self.intros.get(key, ())
        names = self.path_names
        if isinstance(packed, int):
            out = [names[packed & 0xFFFFFFFF]]
        else:
            out = [names[p & 0xFFFFFFFF] for p in packed]
        loose = self.loose.get(key)
        return out + loose if loose else out

    def origin(self, oid: bytes | str) -> BlobOrigin:
        """Full provenance for one blob; resolved lazily because only blobs
        with findings need author names and commit summaries."""
        key = _key(oid)
        # The walk goes newest first: oldest commit first (stable, so one
        # commit's paths keep diff-tree's order), then by time.
        ordered = sorted(self.introductions(key), key=lambda intro: -intro[0])
        intros: list[Introduction] = []
        for commit_index, path in ordered:
            commit = self.repo[self.commits[commit_index]]
            assert isinstance(commit, pygit2.Commit)
            author = commit.author
            offset = author.offset
            when = _iso8601(author.time, offset)
            intros.append(Introduction(
                commit=str(commit.id), path=path, author=_text(author.raw_name),
                email=_text(author.raw_email), date=when,
                summary=_text(commit.raw_message).split("\n", 1)[0][:200],
                timestamp=commit.commit_time,
            ))
        intros.sort(key=lambda i: i.timestamp)
        paths: list[str] = []
        for path in [i.path for i in intros] + self.loose.get(key, []):
            if path not in paths:
                paths.append(path)
        return BlobOrigin(oid=key.decode(), paths=paths, introductions=intros,
                          reachable=key not in self.unreachable)


def _key(oid: bytes | str) -> bytes:
    return oid.encode() if isinstance(oid, str) else oid


def _iso8601(timestamp: int, offset_minutes: int) -> str:
    del offset_minutes  # reports are in UTC so they sort and diff cleanly
    return iso(timestamp)


class HistoryWalker:
    """Enumerates the blobs to scan in a repository.

    ``range_spec`` (``A..B``) limits the walk to commits in B not in A and the
    blobs they introduce: what a CI job on a pull request needs.
    ``all_objects`` adds commits and blobs that no ref reaches (dangling after
    a rebase, a dropped stash, an amended commit), marked unreachable.
    """

    def __init__(self, repo: pygit2.Repository, *, range_spec: str | None = None,
                 all_objects: bool = False, use_git_binary: bool = True,
                 exclude: Sequence[str] = ()) -> None:
        self.repo = repo
        self.range_spec = range_spec
        self.all_objects = all_objects
        # Commits whose history an earlier walk already covered (the ref tips
        # an incremental org scan saw last time): all refs are walked, minus
        # everything these reach.
        self.exclude = [pygit2.Oid(hex=oid) for oid in exclude]
        # git's own diff-tree walks history about seven times faster than
        # libgit2's tree diff (0.65 s against 4.5 s on python/mypy's 14.8k
        # commits); pygit2 does the same job where no git binary exists.
        self._git = shutil.which("git") if use_git_binary else None

    def walk(self) -> History:
        """The whole history at once."""
        history = History(self.repo)
        for _ in self.iter_new_blobs(history):
            pass
        return history

    def iter_new_blobs(self, history: History) -> Iterator[bytes]:
        """Fill ``history`` while yielding each blob id the first time it is seen,
        so readers can start before the walk ends. Introductions keep being
        added to ``history`` until the iterator is exhausted."""
        if self.range_spec:
            include, exclude = self.resolve_range(self.range_spec)
            yield from self._walk_commits(history, include, exclude, reachable=True)
            return
        tips = self._tips(history)
        yield from self._walk_commits(history, tips, self.exclude, reachable=True)
        if self.all_objects:
            yield from self._walk_unreachable(history, tips)
        for oid in list(history.loose):
            if oid not in history.intros:
                yield oid

    # -- which commits -----------------------------------------------------------------

    def resolve_range(self, spec: str) -> tuple[list[pygit2.Oid], list[pygit2.Oid]]:
        """``A..B`` (or one revision) to (include, exclude) commits. Each end is
        resolved on its own, so the error names the end that failed."""
        if ".." in spec:
            start, _, end = spec.replace("...", "..").partition("..")
            b = self._commit(end or "HEAD", spec, "end")
            a = self._commit(start or "HEAD", spec, "start")
            return [b], [a]
        return [self._commit(spec, spec, "revision")], []

    def _commit(self, name: str, spec: str, which: str) -> pygit2.Oid:
        try:
            return self.repo.revparse_single(name).peel(pygit2.Commit).id
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            where = "" if which == "revision" else f" (the {which} of {spec!r})"
            raise ValueError(f"--range: {name!r}{where} is not a commit, branch or tag in this "
                             "repository (a shallow clone may lack it: fetch with full "
                             "history)") from None

    def _tips(self, history: History) -> list[pygit2.Oid]:
        tips: list[pygit2.Oid] = []
        names = list(self.repo.references)
        if "HEAD" not in names:
            names.append("HEAD")  # a detached HEAD is history too
        for name in names:
            try:
                ref = self.repo.references.get(name) if name != "HEAD" else None
                target = self.repo.revparse_single(name) if ref is None else ref.peel()
            except (KeyError, pygit2.GitError, ValueError) as exc:
                if name != "HEAD":  # an unborn HEAD in an empty repo is normal
                    history.errors.append(ScanError("bad-ref", f"ref {name}: {exc}"))
                continue
            history.refs += 1
            self._add_tip(history, tips, name, target)
            if name == "refs/stash":
                # stash@{1}, stash@{2}, ... live only in the reflog.
                try:
                    for entry in ref.log():  # type: ignore[union-attr]
                        if entry.oid_new not in tips:
                            tips.append(entry.oid_new)
                except pygit2.GitError as exc:
                    history.errors.append(ScanError("bad-ref", f"stash reflog: {exc}"))
        return tips

    def _add_tip(self, history: History, tips: list[pygit2.Oid], name: str,
                 target: pygit2.Object | pygit2.Commit) -> None:
        while isinstance(target, pygit2.Tag):
            target = target.peel(None)
        if isinstance(target, pygit2.Commit):
            tips.append(target.id)
        elif isinstance(target, pygit2.Tree):
            self._add_tree_blobs(history, target, f"{name}:")
        elif isinstance(target, pygit2.Blob):
            history.loose.setdefault(str(target.id).encode(), []).append(name)

    def _add_tree_blobs(self, history: History, tree: pygit2.Tree, prefix: str) -> None:
        for entry in tree:
            if entry.filemode in BLOB_MODES:
                history.loose.setdefault(str(entry.id).encode(), []).append(f"{prefix}{entry.name}")
            elif entry.type == ObjectType.TREE:
                subtree = self.repo[entry.id]
                if isinstance(subtree, pygit2.Tree):
                    self._add_tree_blobs(history, subtree, f"{prefix}{entry.name}/")

    # -- what they introduce -------------------------------------------------------------

    def _walk_commits(self, history: History, include: list[pygit2.Oid],
                      exclude: list[pygit2.Oid], *, reachable: bool,
                      skip: set[pygit2.Oid] | None = None) -> Iterator[bytes]:
        if not include:
            return
        deltas: Iterator[tuple[int, bytes, bytes | str]]
        if self._git is not None:
            deltas = self._deltas_git(history, include, exclude)
        else:
            deltas = self._deltas_pygit2(history, include, exclude)
        intros = history.intros
        unreachable = history.unreachable
        path_index = history.path_index
        intern = history.intern_path
        commits = history.commits
        try:
            for index, oid, path in deltas:
                if skip and commits[index] in skip:
                    continue
                pid = path_index.get(path)
                if pid is None:
                    pid = intern(path)
                packed = index << 32 | pid
                entry = intros.get(oid)
                if entry is None:
                    check_blob_id(oid)
                    intros[oid] = packed
                    if not reachable:
                        unreachable.add(oid)
                    yield oid
                elif reachable or oid in unreachable:
                    # a dangling commit does not re-introduce a blob that a
                    # ref already reaches
                    if isinstance(entry, int):
                        intros[oid] = [entry, packed]
                    else:
                        entry.append(packed)
        except (pygit2.GitError, _GitFailed) as exc:
            history.errors.append(ScanError(
                "corrupt-object", f"history walk stopped early: {exc}"))

    def _deltas_pygit2(self, history: History, include: list[pygit2.Oid],
                       exclude: list[pygit2.Oid]) -> Iterator[tuple[int, bytes, str]]:
        walker = self.repo.walk(include[0], SortMode.TOPOLOGICAL)
        for oid in include[1:]:
            walker.push(oid)
        for oid in exclude:
            walker.hide(oid)
        for commit in walker:
            index = len(history.commits)
            history.commits.append(commit.id)
            try:
                for oid, path in self._introduced(commit):
                    yield index, str(oid).encode(), path
            except (pygit2.GitError, KeyError, ValueError) as exc:
                history.errors.append(ScanError(
                    "corrupt-object", f"commit {commit.id}: cannot diff against its "
                    f"parents ({exc}); blobs only it introduced may be missed"))

    def _deltas_git(self, history: History, include: list[pygit2.Oid],
                    exclude: list[pygit2.Oid]) -> Iterator[tuple[int, bytes, bytes]]:
        """rev-list newest first, then diff-tree: plain diffs for ordinary commits
        and combined diffs (``-c``: paths that differ from every parent) for
        merges, which is exactly "introduced by this commit"."""
        # GIT_FLUSH=0: diff-tree --stdin otherwise flushes after every
        # commit, and the walk reads its output a few hundred bytes at a time.
        # Local git: no credentials.
        env = child_env(GIT_NO_REPLACE_OBJECTS="1", GIT_FLUSH="0")
        base = [self._git or "git", f"--git-dir={self.repo.path}"]
        revs = "".join(f"{oid}\n" for oid in include) + "".join(f"^{oid}\n" for oid in exclude)
        listed = subprocess.run(base + [*GIT_PACK_WINDOWS, "rev-list", "--topo-order", "--stdin"],
                                input=revs.encode(), capture_output=True, env=env)
        if listed.returncode != 0:
            raise _GitFailed(listed.stderr.decode(errors="replace").strip())
        commit_ids = listed.stdout.split()
        index_of = {}
        for raw in commit_ids:
            index_of[raw] = len(history.commits)
            history.commits.append(pygit2.Oid(hex=raw.decode()))
        # diff-tree keeps every commit it parsed until it exits: on sympy's
        # 63k commits one process grows to ~95 MiB, one per 8k commits stays
        # under ~50 MiB (and costs no more time in all).
        # A slice that fails is reported once the others have been walked.
        failed: _GitFailed | None = None
        for first in range(0, len(commit_ids), _DIFF_TREE_SLICE):
            try:
                yield from self._diff_tree(base, env, commit_ids[first:first + _DIFF_TREE_SLICE], index_of)
            except _GitFailed as exc:
                failed = failed or exc
        if failed is not None:
            raise failed

    def _diff_tree(self, base: list[str], env: dict[str, str], commit_ids: list[bytes],
                   index_of: dict[bytes, int]) -> Iterator[tuple[int, bytes, bytes]]:
        proc = subprocess.Popen(
            # Trees delta against each other little; git's 96 MiB default
            # delta-base cache buys nothing here but memory (measured on mypy).
            base + ["-c", "core.deltaBaseCacheLimit=16m", *GIT_PACK_WINDOWS, "diff-tree", "--stdin", "-r", "-c", "--root", "--no-abbrev", "--no-renames",
                    "-z"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        pipe_fds = {proc.stdin.fileno(), proc.stdout.fileno(), proc.stderr.fileno()}
        _PARENT_ONLY_FDS.update(pipe_fds)

        def feed() -> None:
            try:
                proc.stdin.write(b"\n".join(commit_ids) + b"\n")  # type: ignore[union-attr]
                proc.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass  # diff-tree died; its exit status says why

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        index = -1
        tokens = _nul_separated(proc.stdout)
        for token in tokens:
            if not token:
                continue
            if token[0] != 0x3A:  # ':' starts a change record; anything else is a commit id
                index = index_of.get(token.strip(), -1)
                continue
            path = next(tokens, b"")
            # One colon per parent: "::" for a two-parent merge, as many as
            # an octopus merge has parents. Then a mode per parent and the
            # result's mode, an id per parent and the result's id, the status.
            stripped = token.lstrip(b":")
            parents = len(token) - len(stripped)
            meta = stripped.split(b" ")
            if meta[parents] in _BLOB_MODES_TEXT and index >= 0:
                yield index, meta[2 * parents + 1], path
        writer.join()
        stderr = proc.stderr.read()
        _PARENT_ONLY_FDS.difference_update(pipe_fds)
        proc.stdout.close()
        proc.stderr.close()
        if proc.wait() != 0:
            raise _GitFailed(stderr.decode(errors="replace").strip() or "git diff-tree failed")

    def _introduced(self, commit: pygit2.Commit) -> Iterator[tuple[pygit2.Oid, str]]:
        parent_ids = commit.parent_ids
        tree = commit.tree
        parents: list[pygit2.Tree] = []
        for pid in parent_ids:
            try:
                parents.append(self.repo[pid].tree)
            except (KeyError, pygit2.GitError):
                pass  # the edge of a shallow clone: its history ends here
        if not parents:
            diff = tree.diff_to_tree(swap=True)
        else:
            diff = parents[0].diff_to_tree(tree)
        others = parents[1:]
        for delta in diff.deltas:
            new = delta.new_file
            if new.mode not in BLOB_MODES:
                continue
            if others and any(_has_blob_at(t, new.path, new.id) for t in others):
                continue  # came in from another parent of the merge
            yield new.id, new.path

    def _walk_unreachable(self, history: History, tips: list[pygit2.Oid]) -> Iterator[bytes]:
        """Commits no ref reaches, then blobs nothing reaches at all."""
        odb = self.repo.odb
        seen_commits = set(history.commits)
        dangling: list[pygit2.Oid] = []
        blob_oids: list[bytes] = []
        for oid in odb:
            try:
                kind, _ = odb.read_header(oid)
            except pygit2.GitError as exc:
                history.errors.append(ScanError("corrupt-object", f"object {oid}: {exc}"))
                continue
            if kind == ObjectType.COMMIT and oid not in seen_commits:
                dangling.append(oid)
            elif kind == ObjectType.BLOB:
                blob_oids.append(str(oid).encode())
        yield from self._walk_commits(history, dangling, tips, reachable=False, skip=seen_commits)
        for key in blob_oids:
            if key not in history.intros and key not in history.loose:
                history.loose[key] = []
                history.unreachable.add(key)


class _GitFailed(Exception):
    pass


class WalkerBug(AssertionError):
    """The walk produced something that is not an object id: a parsing bug,
    never a property of the repository, so it must not pass as a corrupt object."""


_HEX = frozenset(b"0123456789abcdef")


def check_blob_id(oid: bytes) -> None:
    """SHA-1 (40) or SHA-256 (64) lowercase hex, as git prints object ids."""
    if len(oid) not in (40, 64) or not _HEX.issuperset(oid):
        raise WalkerBug(f"the history walk produced {oid[:80]!r} as a blob id")


def _nul_separated(stream: Any) -> Iterator[bytes]:  # a binary pipe (has read1)
    """NUL-terminated records from a pipe, as they arrive."""
    rest = b""
    while True:
        chunk = stream.read1(1 << 20)
        if not chunk:
            break
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def _has_blob_at(tree: pygit2.Tree, path: str, oid: pygit2.Oid) -> bool:
    try:
        return tree[path].id == oid
    except KeyError:
        return False
