"""Read blob contents by object id, as fast as this machine allows.

``git cat-file`` in batch mode (``--batch-command --buffer``; ``--batch``
before git 2.36) inflates and resolves deltas about three times faster
than libgit2 on big histories (git keeps a larger delta-base cache; measured
on python/mypy: 3.0 s against 8.6 s for 2.1 GB), and it runs in its own
process, so a worker gets a second core's help for free. Where no git binary
is installed the reader uses pygit2. Either way a missing or corrupt object
is reported for that blob and reading goes on.

The order blobs are asked for decides how much cat-file inflates: a delta is
cheap when its base is still in the delta-base cache. Callers pass long runs
of ids in one order (the scan asks newest first; see ``scanner.scan``), and
the reader keeps the per-blob work in Python to a few C calls: one write for
all requests, then a header line and one read of exactly the blob's size.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from functools import cache
from typing import IO

import pygit2

from scanner.procs import child_env
from scanner.sources.git_history import GIT_PACK_WINDOWS_READ, check_blob_id

# (oid, contents or None, error message or None, size or -1). Contents and
# error both None: the blob is over the caller's ``max_size``; it was not
# kept, and its size says how to stream it instead.
BlobRead = tuple[bytes, "bytes | None", "str | None", int]

# A blob over the caller's size limit is skipped in pieces of this size.
_DISCARD = 1 << 20


def limit_libgit2_windows() -> None:
    """The same for libgit2 (headers and the pygit2 fallback) in this process."""
    pygit2.settings.mwindow_size = 4 << 20
    pygit2.settings.mwindow_mapped_limit = 32 << 20


class BlobReader:
    def __init__(self, git_dir: str, *, use_git_binary: bool = True) -> None:
        self.git_dir = git_dir
        self.repo = pygit2.Repository(git_dir)
        self._git = shutil.which("git") if use_git_binary else None
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffered = len(_batch_mode(self._git)) > 1 if self._git else False

    def read_many(self, oids: Sequence[bytes], max_size: int | None = None, *,
                  kind: bytes = b"blob") -> Iterator[BlobRead]:
        """Contents of ``oids`` in that order; a blob over ``max_size`` bytes
        is not held in memory (contents and error None, its size given).
        The sizes come from cat-file's own headers: no look-up per blob
        beforehand. ``kind`` reads objects of another type (``b"commit"``)."""
        for oid in oids:
            check_blob_id(oid)  # anything else is a caller's bug, not a bad object
        limit = (1 << 62) if max_size is None else max_size
        if self._git is None:
            yield from self._read_pygit2(oids, limit, kind)
            return
        done = 0
        try:
            for item in self._read_cat_file(oids, limit, kind):
                done += 1
                yield item
        except (OSError, ValueError, _CatFileDied):
            # git stopped answering (a corrupt pack makes cat-file exit):
            # the rest goes through libgit2, object by object.
            self.close()
            yield from self._read_pygit2(oids[done:], limit, kind)

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            env = child_env(GIT_NO_REPLACE_OBJECTS="1")  # local git: no credentials
            # Each worker runs its own cat-file; git's default 96 MiB delta-base
            # cache per process would put two workers over the memory budget,
            # and half of it keeps most of the speed (measured on python/mypy).
            # The pipe stays at the default 64 KiB on purpose: a 1 MiB pipe let
            # cat-file run far ahead of the matching, and on two cores the four
            # busy processes (two workers, two cat-files) then slowed matching
            # down (mypy: 10.5-13.8 s against 8.6-8.8 s wall, same CPU).
            self._proc = subprocess.Popen(
                [self._git or "git", f"--git-dir={self.git_dir}",
                 "-c", "core.deltaBaseCacheLimit=48m", *GIT_PACK_WINDOWS_READ, "cat-file",
                 *_batch_mode(self._git or "git")],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=env, bufsize=1 << 20,
            )
        return self._proc

    def _read_cat_file(self, oids: Sequence[bytes], limit: int, kind: bytes) -> Iterator[BlobRead]:
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        if self._buffered:
            # One "flush" after the run: the answers stay in cat-file's
            # output buffer until then, so the last ones are not held back.
            request = b"contents " + b"\ncontents ".join(oids) + b"\nflush\n"
        else:
            request = b"\n".join(oids) + b"\n"
        stdin = proc.stdin

        def feed() -> None:
            # In a thread: thousands of requests outgrow the pipe while
            # cat-file waits for its answers to be read.
            try:
                stdin.write(request)
                stdin.flush()
            except OSError:
                pass  # cat-file died; the reading side says so

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            yield from _parse_batch(proc.stdout, oids, limit, kind)
        finally:
            writer.join()

    def _read_pygit2(self, oids: Sequence[bytes], limit: int, kind: bytes) -> Iterator[BlobRead]:
        del kind  # libgit2 reads any object; only cat-file's header names the type
        odb = self.repo.odb
        for oid in oids:
            try:
                size = odb.read_header(oid.decode())[1]
                if size > limit:
                    yield oid, None, None, size
                    continue
                _, data = odb.read(oid.decode())
            except KeyError:
                yield oid, None, "object is missing from the repository", -1
            except (pygit2.GitError, ValueError) as exc:
                yield oid, None, f"cannot read object: {exc}", -1
            else:
                yield oid, data, None, len(data)

    def close(self) -> None:
        if self._proc is not None:
            try:
                if self._proc.stdin:
                    self._proc.stdin.close()
                self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
            self._proc = None


def _parse_batch(out: IO[bytes], oids: Sequence[bytes], limit: int, kind: bytes = b"blob"
                 ) -> Iterator[BlobRead]:
    # Per blob: one header line and one read of exactly its size (plus the
    # newline after it), all C calls; nothing else is allocated.
    readline, read = out.readline, out.read
    for oid in oids:
        header = readline()
        parts = header.split()
        if len(parts) != 3 or parts[0] != oid:
            if not header:
                raise _CatFileDied
            if len(parts) == 2 and parts[1] == b"missing":
                yield oid, None, "object is missing from the repository", -1
                continue
            raise _CatFileDied
        size = int(parts[2])
        if parts[1] != kind or size > limit:
            left = size + 1
            while left > 0:  # cat-file sends it anyway: skip it in bounded pieces
                chunk = read(min(left, _DISCARD))
                if not chunk:
                    raise _CatFileDied
                left -= len(chunk)
            if parts[1] != kind:
                yield oid, None, f"object is a {parts[1].decode()}, not a {kind.decode()}", size
            else:
                yield oid, None, None, size
            continue
        data = read(size)
        if len(data) != size or read(1) != b"\n":
            raise _CatFileDied
        yield oid, data, None, size


class _CatFileDied(Exception):
    pass


@cache
def _batch_mode(git: str) -> tuple[str, ...]:
    """cat-file's options for reading many objects.

    ``--batch`` writes each object's header, contents and newline with a
    system call each, flushed at once: three pipe writes (and as many
    wake-ups of the reader) per blob. ``--batch-command --buffer`` (git
    2.36+) answers the same ``contents`` requests through one output buffer,
    flushed when asked to; the output is byte for byte what ``--batch``
    writes (python/mypy: ~0.15 CPU-s less for 53k blobs, git and reader)."""
    try:
        out = subprocess.run([git, "version"], capture_output=True, env=child_env(),
                             timeout=10).stdout
        version = tuple(int(part) for part in out.split()[2].split(b".")[:2])
    except (OSError, subprocess.SubprocessError, IndexError, ValueError):
        version = (0, 0)
    return ("--batch-command", "--buffer") if version >= (2, 36) else ("--batch",)
