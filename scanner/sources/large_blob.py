"""Blobs too large to hold whole, read as a stream of overlapping windows.

A blob over the size limit used to be skipped and counted, which made a
scan "clean" when a change padded a file past the limit to hide a token in
it. Now it is read in windows of bounded size (memory stays flat however big
the blob is); consecutive windows overlap, so a secret that straddles a
window boundary is still seen whole in the next window. The engine is not
involved: it gets each window as bytes, and the caller shifts offsets.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator

from scanner.procs import child_env

WINDOW = 8 << 20  # bytes matched at a time
# Longer than any secret a rule matches in one piece (a 4096-bit PEM key is
# about 3.3 kB; a Kubernetes secret's base64 value rarely over 16 kB).
OVERLAP = 64 << 10
# Blobs up to this size are always read whole: streaming has a per-blob cost
# (a process), and a configured limit of a few bytes must not turn every blob
# of a repository into a stream.
MIN_STREAM_SIZE = 1 << 20

# (offset of the window in the blob, its bytes, is it the last window)
Window = tuple[int, bytes, bool]


class StreamError(Exception):
    """The blob could not be read to its end."""


def windows(read: Callable[[int], bytes], *, window: int | None = None,
            overlap: int | None = None) -> Iterator[Window]:
    """Windows of ``window + overlap`` bytes, ``window`` apart, from ``read``
    (a blocking read of up to n bytes that returns fewer only at the end)."""
    window = window or WINDOW
    overlap = overlap or OVERLAP
    buf = read(window + overlap)
    offset = 0
    while True:
        more = read(window) if len(buf) == window + overlap else b""
        yield offset, buf, not more
        if not more:
            return
        buf = buf[window:] + more
        offset += window


def blob_windows(git_dir: str, oid: str, size: int, **kwargs: int) -> Iterator[Window]:
    """The windows of blob ``oid``, streamed from ``git cat-file blob`` (no
    copy of the whole blob in memory); without a git binary, libgit2 reads it
    whole. Raises ``StreamError`` when fewer than ``size`` bytes arrive."""
    git = shutil.which("git")
    if git is None:
        import pygit2

        data = pygit2.Repository(git_dir).odb.read(oid)[1]
        pos = 0

        def read(n: int) -> bytes:
            nonlocal pos
            chunk = data[pos:pos + n]
            pos += len(chunk)
            return chunk

        yield from windows(read, **kwargs)
        return
    # As the blob reader: the object itself, never a refs/replace/ stand-in
    # (whose size would not match, or which would hide what the blob holds).
    proc = subprocess.Popen([git, f"--git-dir={git_dir}", "cat-file", "blob", oid],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=child_env(GIT_NO_REPLACE_OBJECTS="1"))  # local git: no credentials
    assert proc.stdout is not None
    seen = 0
    try:
        for offset, data, last in windows(proc.stdout.read, **kwargs):
            seen = offset + len(data)
            yield offset, data, last
    finally:
        proc.stdout.close()
        _, err = proc.communicate()
    if proc.returncode != 0 or seen != size:
        reason = err.decode("utf-8", "replace").strip() or f"{seen} of {size} bytes read"
        raise StreamError(f"cannot read large blob: {reason}")
