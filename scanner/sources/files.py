"""A plain directory or file, scanned as it is on disk (``--no-git``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# Directories that hold other tools' state, not the user's content.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".ruff_cache",
                       ".pytest_cache", ".tox", ".venv", "node_modules"})


def iter_files(root: Path) -> Iterator[tuple[str, str]]:
    """(absolute path, path relative to ``root`` for display), sorted, symlinks not followed."""
    if root.is_file():
        yield str(root), root.name
        return
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if os.path.islink(full) or not os.path.isfile(full):
                continue
            yield full, os.path.relpath(full, root)
