"""A plain directory or file, scanned as it is on disk (``--no-git``).

What is left out, and why:

- ``SKIP_DIRS``: directories that hold other tools' state, not the user's
  content (``.git``, ``.venv``, ``node_modules``, caches). Documented in
  ``leakwarden scan --help`` and docs/ci.md.
- ``exclude`` globs (``--exclude``), matched against the path relative to the
  scanned root and against each file or directory name; an excluded
  directory is not entered.
- with ``include`` globs (``--include``), only files that match one.
- with ``gitignore`` (``--gitignore``), what the ``.gitignore`` files under
  the root ignore (git's own rules, via ``pathspec``).

A root that is not a directory is read as one stream, whatever it is: a
file, ``/dev/stdin``, a FIFO, a character device.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".ruff_cache",
                       ".pytest_cache", ".tox", ".venv", "node_modules"})


def _matches(rel: str, patterns: Sequence[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p)
               or fnmatch.fnmatchcase(rel, p.rstrip("/") + "/*") for p in patterns)


class _GitIgnores:
    """The ``.gitignore`` files met on the way down: each applies to paths
    relative to its own directory, deeper files after (so over) shallower ones."""

    def __init__(self) -> None:
        self.specs: list[tuple[str, Any]] = []

    def add(self, directory: str, rel_dir: str) -> None:
        path = os.path.join(directory, ".gitignore")
        if not os.path.isfile(path):
            return
        import pathspec

        with open(path, encoding="utf-8", errors="replace") as handle:
            self.specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(handle.read().splitlines())))

    def ignored(self, rel: str, is_dir: bool) -> bool:
        verdict = False
        for base, spec in self.specs:
            if base and not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1:] if base else rel
            result = spec.check_file(sub + ("/" if is_dir else ""))
            if result.include is not None:
                verdict = result.include
        return verdict


def iter_files(root: Path, *, exclude: Sequence[str] = (), include: Sequence[str] = (),
               gitignore: bool = False) -> Iterator[tuple[str, str]]:
    """(absolute path, path relative to ``root`` for display), sorted, symlinks not followed."""
    if not root.is_dir():
        # a regular file, or a stream (FIFO, /dev/stdin, a character device): read it
        yield str(root), root.name
        return
    ignores = _GitIgnores() if gitignore else None
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir
        if ignores is not None:
            ignores.add(dirpath, rel_dir)

        prefix = f"{rel_dir}/" if rel_dir else ""
        kept = []
        for d in sorted(dirnames):
            if d in SKIP_DIRS or (exclude and _matches(prefix + d, exclude)):
                continue
            if ignores is not None and ignores.ignored(prefix + d, True):
                continue
            kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            shown = prefix + name
            if os.path.islink(full) or not os.path.isfile(full):
                continue
            if exclude and _matches(shown, exclude):
                continue
            if include and not _matches(shown, include):
                continue
            if ignores is not None and ignores.ignored(shown, False):
                continue
            yield full, shown
