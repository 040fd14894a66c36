"""What is staged in the index: the added lines of each changed file, and the
removed lines they may have come from.

This is what a pre-commit hook needs: a secret already committed and only
moved (a renamed file, a line moved within a file or to another file in the
same change), or merely present in an untouched part of a file, does not
block; a secret that is new in the staged content does.

It uses the git CLI (one ``git diff`` and one ``git cat-file --batch``)
rather than pygit2: the hook runs on every commit and importing libgit2's
bindings alone costs more than the whole scan of a typical change.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scanner.procs import child_env

# Regular files and symlinks; gitlinks (submodules) have no content here.
BLOB_MODES = frozenset({0o100644, 0o100755, 0o100664, 0o120000})
_WHOLE = (1, 1 << 31)
_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
_NULL_OID = re.compile(r"^0+$")


class StagedError(Exception):
    """The index cannot be read (not a repository, git missing or failing)."""


@dataclass
class StagedBlob:
    oid: str
    path: str
    added: list[tuple[int, int]]  # 1-based inclusive line ranges added by the change


@dataclass
class StagedChanges:
    """The staged side (``added``) and the HEAD side of the same change
    (``removed``: old blob ids with the line ranges the change deletes)."""

    added: list[StagedBlob] = field(default_factory=list)
    removed: list[StagedBlob] = field(default_factory=list)


def _git(cwd: str | Path, *args: str, input: bytes | None = None) -> bytes:
    env = child_env(GIT_NO_REPLACE_OBJECTS="1", LC_ALL="C")  # local git: no credentials
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True,
                              env=env, check=False)
    except FileNotFoundError:
        raise StagedError("git is not installed (the staged scan needs the git command)") from None
    except OSError as exc:
        raise StagedError(f"cannot run git in {cwd}: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise StagedError(message[0] if message else f"git {args[0]} failed")
    return proc.stdout


def _parse_raw(data: bytes, pos: int) -> tuple[list[tuple[int, int, str, str, str, str, str]], int]:
    """``git diff --raw -z`` records: (old mode, new mode, old oid, new oid,
    status letter, old path, new path); returns them and where the patch starts."""
    records = []
    while data.startswith(b":", pos):
        end = data.index(b"\0", pos)
        old_mode, new_mode, old_oid, new_oid, status = data[pos + 1:end].decode().split(" ")
        pos = end + 1
        paths = []
        for _ in range(2 if status[0] in "RC" else 1):
            end = data.index(b"\0", pos)
            # as the history source does: undecodable bytes become U+FFFD, so
            # a report can always be written; contents are read by object id
            paths.append(data[pos:end].decode("utf-8", "replace"))
            pos = end + 1
        records.append((int(old_mode, 8), int(new_mode, 8), old_oid, new_oid, status[0],
                        paths[0], paths[-1]))
    return records, pos


def _hunks(section: bytes) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(removed ranges in the old blob, added ranges in the new blob)."""
    removed, added = [], []
    for m in _HUNK.finditer(section):
        old_start, old_len = int(m.group(1)), int(m.group(2) or 1)
        new_start, new_len = int(m.group(3)), int(m.group(4) or 1)
        if old_len:
            removed.append((old_start, old_start + old_len - 1))
        if new_len:
            added.append((new_start, new_start + new_len - 1))
    return removed, added


def staged_changes(workdir: str | Path) -> StagedChanges:
    """The staged change of the repository at ``workdir`` (index against HEAD;
    against the empty tree before the first commit)."""
    # Every option that user configuration could otherwise change is pinned.
    try:
        data = _git(workdir, "diff", "--cached", "--raw", "-p", "-z", "-U0", "-M", "--full-index", "--no-abbrev",
                    "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative",
                    "--ignore-submodules=all")
    except StagedError as exc:
        # Outside a repository git falls back to `diff --no-index`, which
        # knows no --cached: say what is actually wrong (no extra subprocess
        # on the hook's path to find out beforehand).
        if "cached" in str(exc) and "unknown option" in str(exc):
            raise StagedError("not a git repository (--staged reads the index of one)") from None
        raise
    records, pos = _parse_raw(data, 0)
    records = [r for r in records if r[4] != "U"]  # unmerged paths cannot be committed anyway
    patch = data[pos:].lstrip(b"\0")
    sections = re.split(rb"(?m)^(?=diff --git )", patch)
    sections = [s for s in sections if s.startswith(b"diff --git ")]
    paired = len(sections) == len(records)
    changes = StagedChanges()
    for i, (old_mode, new_mode, old_oid, new_oid, status, old_path, new_path) in enumerate(records):
        section = sections[i] if paired else b""
        binary = b"\nBinary files " in section or b"\nGIT binary patch" in section
        if paired and not binary:
            removed, added = _hunks(section)
        else:
            # Not understood (or binary): all of it is new, none of it moved.
            removed, added = [], [_WHOLE]
        if status != "D" and new_mode in BLOB_MODES and added:
            changes.added.append(StagedBlob(new_oid, new_path, added))
        if (status not in "AC" and old_mode in BLOB_MODES and removed
                and not _NULL_OID.match(old_oid)):
            changes.removed.append(StagedBlob(old_oid, old_path, removed))
    return changes


def read_blobs(workdir: str | Path, oids: Iterable[str]) -> dict[str, bytes | None]:
    """Contents of the given blobs (None for one git cannot find), in one
    ``git cat-file --batch`` call. ``rev:path`` names work too."""
    wanted = [o for o in dict.fromkeys(oids) if "\n" not in o]
    if not wanted:
        return {}
    data = _git(workdir, "cat-file", "--batch", input="".join(f"{o}\n" for o in wanted).encode())
    out: dict[str, bytes | None] = {}
    pos = 0
    for oid in wanted:
        end = data.index(b"\n", pos)
        line = data[pos:end]
        pos = end + 1
        header = line.split(b" ")
        # "<name> missing" / "<name> ambiguous" (a rev:path name may hold
        # spaces): no content follows; a found object is "<oid> <type> <size>"
        if line.endswith((b" missing", b" ambiguous")) or len(header) != 3:
            out[oid] = None
            continue
        size = int(header[2])
        out[oid] = data[pos:pos + size] if header[1] == b"blob" else None
        pos += size + 1
    return out

