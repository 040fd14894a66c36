"""Commit and tag messages as a source of their own.

A token pasted into a commit message (or an author field, or an annotated
tag) is in history as surely as one in a file, and every clone carries it.
The raw object is what is scanned, exactly as ``git cat-file -p OID`` shows
it (headers, then the message), so a finding's span re-reads from the object
database like a blob's and its line numbers are those of that command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pygit2

from scanner.clock import iso
from scanner.model import BlobOrigin, Introduction

COMMIT_MESSAGE = "commit-message"
TAG_MESSAGE = "tag-message"

_SIGNATURE_BEGIN = re.compile(rb"-----BEGIN (?:PGP|SSH) SIGNATURE-----")
_SIGNATURE_END = re.compile(rb"-----END (?:PGP|SSH) SIGNATURE-----")
_ARMOR_LINE = re.compile(rb"(?m)^ ?[A-Za-z0-9+/]{40,}={0,2}\r?$")


def _blank(line: re.Match[bytes]) -> bytes:
    return b" " * (line.end() - line.start())


def mask_signatures(data: bytes) -> bytes:
    """``data`` with the base64 lines of commit and tag signatures blanked
    (same length, so spans stay those of the object). Signed histories would
    otherwise send every signature through the base64 decoder, which cost
    about as much as the rest of the message scan (flask, 12k commits). Only
    pure base64 armor lines are blanked: a token with any other character
    (``_``, ``-``) in a signature block is still seen. A block runs from a
    BEGIN line to the first END line after it (found by two literal searches,
    not a lazy ``.*?`` over the block)."""
    if b"SIGNATURE-----" not in data:
        return data
    pieces: list[bytes] = []
    pos = 0
    while True:
        begin = _SIGNATURE_BEGIN.search(data, pos)
        if begin is None:
            break
        end = _SIGNATURE_END.search(data, begin.end())
        if end is None:
            break
        pieces.append(data[pos:begin.start()])
        pieces.append(_ARMOR_LINE.sub(_blank, data[begin.start():end.end()]))
        pos = end.end()
    if not pieces:
        return data
    pieces.append(data[pos:])
    return b"".join(pieces)


@dataclass
class Message:
    kind: str  # COMMIT_MESSAGE or TAG_MESSAGE
    oid: str  # the commit or tag object
    name: str  # what reports show as its path
    data: bytes  # the raw object


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def iter_messages(repo: pygit2.Repository, commits: Iterable[pygit2.Oid], *,
                  tags: bool = True) -> Iterator[Message]:
    """Every walked commit's raw object, then (``tags``) every annotated tag's.
    Only raw reads here: provenance is built for the few with findings."""
    from scanner.sources.blob_reader import BlobReader

    read = repo.odb.read
    # One cat-file for all commits: libgit2 reads each ~10x slower here
    # (the scan keeps its pack windows small).
    reader = BlobReader(repo.path)
    try:
        for raw, data, _, _ in reader.read_many([str(oid).encode() for oid in commits], kind=b"commit"):
            if data is None:
                continue  # the walk already reported an unreadable commit
            text = raw.decode()
            yield Message(COMMIT_MESSAGE, text, f"<commit {text}>", mask_signatures(data))
    finally:
        reader.close()
    if not tags:
        return
    for ref in sorted(repo.references):
        if not ref.startswith("refs/tags/"):
            continue
        try:
            kind, data = read(repo.references[ref].target)[:2]
        except (KeyError, ValueError, pygit2.GitError):
            continue
        if kind != pygit2.enums.ObjectType.TAG:
            continue
        yield Message(TAG_MESSAGE, str(repo.references[ref].target),
                      f"<tag {ref.removeprefix('refs/tags/')}>", mask_signatures(data))


def message_origin(repo: pygit2.Repository, message: Message) -> BlobOrigin:
    """Who wrote the message and when, as a blob's provenance."""
    obj = repo[message.oid]
    assert isinstance(obj, (pygit2.Commit, pygit2.Tag))
    who = obj.author if isinstance(obj, pygit2.Commit) else obj.tagger
    intro = Introduction(
        commit=message.oid, path=message.name, author=_text(who.raw_name) if who else "",
        email=_text(who.raw_email) if who else "", date=iso(who.time if who else 0),
        summary=_text(obj.raw_message).split("\n", 1)[0][:200], timestamp=who.time if who else 0)
    return BlobOrigin(oid=message.oid, size=len(message.data), paths=[message.name],
                      introductions=[intro])


def redact_identities(findings: Iterable[object], secrets: dict[str, set[str]]) -> None:
    """Replace every secret a rule found in a commit's object (``secrets``:
    commit id -> secrets) in the summary, author and email of each finding
    introduced by that commit: they are printed, stored and sent everywhere."""
    from scanner.secrets import redact

    for finding in findings:
        found = secrets.get(getattr(finding, "commit", None) or "")
        if not found:
            continue
        for name in ("summary", "author", "email"):
            value = getattr(finding, name)
            if not value:
                continue
            for secret in sorted(found, key=len, reverse=True):
                value = value.replace(secret, redact(secret))
            setattr(finding, name, value)
