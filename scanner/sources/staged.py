"""What is staged in the index: the added lines of each changed file.

This is what a pre-commit hook needs: a secret already committed and only
moved, or merely present in an untouched part of a file, does not block.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygit2

from scanner.sources.git_history import BLOB_MODES


@dataclass
class StagedBlob:
    oid: str
    path: str
    added: list[tuple[int, int]]  # 1-based inclusive line ranges added by the change


def staged_blobs(repo: pygit2.Repository) -> list[StagedBlob]:
    index = repo.index
    try:
        head_tree = repo.head.peel(pygit2.Tree)
    except (pygit2.GitError, KeyError):
        head_tree = None  # first commit: everything staged is new
    if head_tree is None:
        return [
            StagedBlob(str(entry.id), entry.path, [(1, 1 << 31)])
            for entry in index if entry.mode in BLOB_MODES
        ]
    diff = index.diff_to_tree(head_tree, context_lines=0)
    # Rename detection: a file moved as it is adds no lines.
    diff.find_similar()
    out: list[StagedBlob] = []
    for patch in diff:
        if patch is None:
            continue
        delta = patch.delta
        new = delta.new_file
        if new.mode not in BLOB_MODES or delta.status == pygit2.enums.DeltaStatus.DELETED:
            continue
        ranges: list[tuple[int, int]] = []
        if delta.is_binary:
            ranges.append((1, 1 << 31))
        for hunk in patch.hunks:
            if hunk.new_lines:
                ranges.append((hunk.new_start, hunk.new_start + hunk.new_lines - 1))
        if ranges:
            out.append(StagedBlob(str(new.id), new.path, ranges))
    return out
