"""The blob reader answers the same through either cat-file mode, and the
history scan's runs shrink toward the end of the walk."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner import pipeline
from scanner.sources import blob_reader
from scanner.sources.blob_reader import BlobReader
from tests.support.gitrepo import GitRepo


def _repo(tmp_path: Path) -> tuple[GitRepo, list[bytes]]:
    repo = GitRepo(tmp_path / "repo")
    # An empty blob, a blob without a final newline, one with NUL bytes and a
    # larger one: every way the "<size>\n<bytes>\n" framing could slip.
    files: dict[str, str | bytes] = {
        "empty.txt": b"", "short.txt": b"no newline", "bin.dat": bytes(range(256)) * 3,
        "big.txt": b"line of text\n" * 20_000,
    }
    head = repo.commit("files", files)
    oids = [repo.blob_id(head, name).encode() for name in files]
    oids.append(head.encode())  # a commit where a blob is expected
    oids.append(b"0" * 40)  # missing
    return repo, oids


def _read(repo: GitRepo, oids: list[bytes], limit: int | None) -> list[tuple[object, ...]]:
    reader = BlobReader(str(repo.path / ".git"))
    try:
        # Twice through one cat-file: the second run must not see leftovers
        # of the first (a missing flush would hang or shift the framing).
        return list(reader.read_many(oids, limit)) + list(reader.read_many(oids[::-1], limit))
    finally:
        reader.close()


@pytest.mark.parametrize("limit", [None, 1000])
def test_buffered_batch_command_reads_what_plain_batch_reads(tmp_path: Path, limit: int | None,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    repo, oids = _repo(tmp_path)
    assert blob_reader._batch_mode("git") == ("--batch-command", "--buffer")  # git >= 2.36 here
    buffered = _read(repo, oids, limit)
    # What a git older than 2.36 gets.
    monkeypatch.setattr(blob_reader, "_batch_mode", lambda git: ("--batch",))
    plain = _read(repo, oids, limit)
    assert buffered == plain
    by_id = {item[0]: item for item in plain}
    assert by_id[oids[0]][1] == b""
    assert by_id[oids[3]][1:] == ((None, None, 260_000) if limit else
                                  (b"line of text\n" * 20_000, None, 260_000))
    assert by_id[oids[4]][2] == "object is a commit, not a blob"
    assert by_id[oids[5]][1:] == (None, "object is missing from the repository", -1)


def test_runs_shrink_toward_the_end_of_the_walk() -> None:
    jobs = 2
    # Progress unknown, or early in the walk: runs grow with what was sent.
    assert pipeline._next_run(1024, None, jobs) == pipeline._RUN
    assert pipeline._next_run(20_000, 0.1, jobs) == pipeline._RUN_MAX
    # Near the end: about a quarter of the blobs left per worker...
    assert pipeline._next_run(40_000, 0.9, jobs) == 1111
    # ...but never below the floor, which bounds the tasks' overhead.
    assert pipeline._next_run(50_000, 0.999, jobs) == pipeline._RUN_TAIL
    assert pipeline._next_run(50_000, 1.0, jobs) == pipeline._RUN_TAIL
