"""Every unique blob in a repository's history, with where it came from.

The walk goes over all refs (branches, remote branches, tags, notes,
``refs/stash`` and every entry of the stash reflog) oldest commit first and
diffs each commit against its parents. A blob is *introduced* by a commit
when the commit has it at a path that none of its parents has it at; that
catches secrets added while resolving a merge, which diff-of-first-parent
scanners miss. Each blob is recorded once with every (commit, path) that
introduced it, so the scanner reads and matches each blob exactly once and
provenance is a dictionary look-up afterwards.

The diff walk is cheap relative to reading blob contents (libgit2 skips
unchanged subtrees), and its oldest-first order is also a good order for
reading packed blobs: delta bases tend to come before their deltas.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pygit2
from pygit2.enums import ObjectType, SortMode

from scanner.clock import iso
from scanner.model import BlobOrigin, Introduction, ScanError
from scanner.procs import child_env

BLOB_MODES = frozenset({0o100644, 0o100755, 0o100664, 0o120000})

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
    """The result of a walk: unique blobs (oldest first) and their introductions."""

    repo: pygit2.Repository
    commits: list[pygit2.Oid] = field(default_factory=list)
    # blob oid (hex) -> [(index into commits, path)]; insertion order is walk order
    blobs: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    # blobs with no introducing commit (unreachable, or reached through a tag
    # that points straight at a tree or blob) -> paths known for them
    loose: dict[str, list[str]] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)
    refs: int = 0
    errors: list[ScanError] = field(default_factory=list)

    def oids(self) -> Iterator[str]:
        yield from self.blobs
        yield from (oid for oid in self.loose if oid not in self.blobs)

    def __len__(self) -> int:
        return len(self.blobs) + sum(1 for oid in self.loose if oid not in self.blobs)

    def origin(self, oid: str) -> BlobOrigin:
        """Full provenance for one blob; resolved lazily because only blobs
        with findings need author names and commit summaries."""
        intros = []
        for commit_index, path in self.blobs.get(oid, []):
            commit = self.repo[self.commits[commit_index]]
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
        for path in [i.path for i in intros] + self.loose.get(oid, []):
            if path not in paths:
                paths.append(path)
        return BlobOrigin(oid=oid, paths=paths, introductions=intros,
                          reachable=oid not in self.unreachable)


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

    def iter_new_blobs(self, history: History) -> Iterator[str]:
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
            if oid not in history.blobs:
                yield oid

    # -- which commits -----------------------------------------------------------------

    def resolve_range(self, spec: str) -> tuple[list[pygit2.Oid], list[pygit2.Oid]]:
        try:
            if ".." in spec:
                revspec = self.repo.revparse(spec)
                if revspec.from_object is None or revspec.to_object is None:
                    raise ValueError
                return ([revspec.to_object.peel(pygit2.Commit).id],
                        [revspec.from_object.peel(pygit2.Commit).id])
            return [self.repo.revparse_single(spec).peel(pygit2.Commit).id], []
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError) as exc:
            raise ValueError(f"cannot resolve range {spec!r}: {exc}") from exc

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
                 target: pygit2.Object) -> None:
        while isinstance(target, pygit2.Tag):
            target = target.get_object()
        if isinstance(target, pygit2.Commit):
            tips.append(target.id)
        elif isinstance(target, pygit2.Tree):
            self._add_tree_blobs(history, target, f"{name}:")
        elif isinstance(target, pygit2.Blob):
            history.loose.setdefault(str(target.id), []).append(name)

    def _add_tree_blobs(self, history: History, tree: pygit2.Tree, prefix: str) -> None:
        for entry in tree:
            if entry.filemode in BLOB_MODES:
                history.loose.setdefault(str(entry.id), []).append(prefix + entry.name)
            elif entry.type == ObjectType.TREE:
                self._add_tree_blobs(history, self.repo[entry.id], prefix + entry.name + "/")

    # -- what they introduce -------------------------------------------------------------

    def _walk_commits(self, history: History, include: list[pygit2.Oid],
                      exclude: list[pygit2.Oid], *, reachable: bool,
                      skip: set[pygit2.Oid] | None = None) -> Iterator[str]:
        if not include:
            return
        if self._git is not None:
            deltas = self._deltas_git(history, include, exclude)
        else:
            deltas = self._deltas_pygit2(history, include, exclude)
        blobs = history.blobs
        seen = skip or set()
        try:
            for index, oid, path in deltas:
                if history.commits[index] in seen:
                    continue
                entry = blobs.get(oid)
                if entry is None:
                    blobs[oid] = [(index, path)]
                    if not reachable:
                        history.unreachable.add(oid)
                    yield oid
                elif reachable or oid in history.unreachable:
                    # a dangling commit does not re-introduce a blob that a
                    # ref already reaches
                    entry.append((index, path))
        except (pygit2.GitError, _GitFailed) as exc:
            history.errors.append(ScanError(
                "corrupt-object", f"history walk stopped early: {exc}"))

    def _deltas_pygit2(self, history: History, include: list[pygit2.Oid],
                       exclude: list[pygit2.Oid]) -> Iterator[tuple[int, str, str]]:
        walker = self.repo.walk(include[0], SortMode.TOPOLOGICAL | SortMode.REVERSE)
        for oid in include[1:]:
            walker.push(oid)
        for oid in exclude:
            walker.hide(oid)
        for commit in walker:
            index = len(history.commits)
            history.commits.append(commit.id)
            try:
                for oid, path in self._introduced(commit):
                    yield index, str(oid), path
            except (pygit2.GitError, KeyError, ValueError) as exc:
                history.errors.append(ScanError(
                    "corrupt-object", f"commit {commit.id}: cannot diff against its "
                    f"parents ({exc}); blobs only it introduced may be missed"))

    def _deltas_git(self, history: History, include: list[pygit2.Oid],
                    exclude: list[pygit2.Oid]) -> Iterator[tuple[int, str, str]]:
        """rev-list oldest first, then diff-tree: plain diffs for ordinary commits
        and combined diffs (``-c``: paths that differ from every parent) for
        merges, which is exactly "introduced by this commit"."""
        env = child_env(GIT_NO_REPLACE_OBJECTS="1")  # local git: no credentials
        base = [self._git or "git", f"--git-dir={self.repo.path}"]
        revs = "".join(f"{oid}\n" for oid in include) + "".join(f"^{oid}\n" for oid in exclude)
        listed = subprocess.run(base + ["rev-list", "--topo-order", "--reverse", "--stdin"],
                                input=revs.encode(), capture_output=True, env=env)
        if listed.returncode != 0:
            raise _GitFailed(listed.stderr.decode(errors="replace").strip())
        commit_ids = listed.stdout.split()
        index_of = {}
        for raw in commit_ids:
            index_of[raw] = len(history.commits)
            history.commits.append(pygit2.Oid(hex=raw.decode()))
        proc = subprocess.Popen(
            # Trees delta against each other little; git's 96 MiB default
            # delta-base cache buys nothing here but memory (measured on mypy).
            base + ["-c", "core.deltaBaseCacheLimit=16m", "diff-tree", "--stdin", "-r", "-c", "--root", "--no-abbrev", "--no-renames",
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
            meta = token.lstrip(b":").split(b" ")
            parents = token.count(b":", 0, 3)
            new_mode = int(meta[parents], 8)
            new_oid = meta[2 * parents + 1]
            if new_mode in BLOB_MODES and index >= 0:
                yield index, new_oid.decode(), path.decode("utf-8", errors="replace")
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

    def _walk_unreachable(self, history: History, tips: list[pygit2.Oid]) -> Iterator[str]:
        """Commits no ref reaches, then blobs nothing reaches at all."""
        odb = self.repo.odb
        seen_commits = set(history.commits)
        dangling: list[pygit2.Oid] = []
        blob_oids: list[str] = []
        for oid in odb:
            try:
                kind, _ = odb.read_header(oid)
            except pygit2.GitError as exc:
                history.errors.append(ScanError("corrupt-object", f"object {oid}: {exc}"))
                continue
            if kind == ObjectType.COMMIT and oid not in seen_commits:
                dangling.append(oid)
            elif kind == ObjectType.BLOB:
                blob_oids.append(str(oid))
        yield from self._walk_commits(history, dangling, tips, reachable=False, skip=seen_commits)
        for key in blob_oids:
            if key not in history.blobs and key not in history.loose:
                history.loose[key] = []
                history.unreachable.add(key)


class _GitFailed(Exception):
    pass


def _nul_separated(stream) -> Iterator[bytes]:  # noqa: ANN001 - a binary pipe
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
