"""Is a finding's secret still in HEAD? Asked for findings only, so it costs
a tree look-up (and at most one blob read) per finding, never a walk.

An audit reader's first question after "what leaked" is "is it still there":
a secret only in history needs rotating; one still in HEAD also needs a fix
in the code (and keeps leaking to every new clone)."""

from __future__ import annotations

from collections.abc import Iterable

import pygit2

from scanner.model import Finding


def mark_in_head(repo: pygit2.Repository, findings: Iterable[Finding]) -> None:
    """Set ``in_head`` on each finding: True when HEAD has the secret's bytes at
    one of the paths its blob was seen at (the same blob, or a later version
    of the file that still holds the secret)."""
    findings = list(findings)
    if not findings:
        return
    try:
        tree = repo.head.peel(pygit2.Tree)
    except (pygit2.GitError, KeyError, ValueError):
        for finding in findings:
            finding.in_head = False  # no HEAD commit (empty or unborn branch)
        return
    contents: dict[str, bytes | None] = {}

    def head_blob(path: str) -> tuple[str, bytes | None] | None:
        try:
            entry = tree[path]
        except (KeyError, ValueError):
            return None
        oid = str(entry.id)
        if oid not in contents:
            obj = repo.get(entry.id)
            contents[oid] = obj.data if isinstance(obj, pygit2.Blob) else None
        return oid, contents[oid]

    for finding in findings:
        secret: bytes | None = None
        state = False
        for path in dict.fromkeys([finding.path, *finding.paths]):
            found = head_blob(path)
            if found is None:
                continue
            oid, data = found
            if oid == finding.blob:
                state = True
                break
            if data is None:
                continue
            if secret is None:
                try:
                    secret = repo[finding.blob].data[finding.span[0]:finding.span[1]]
                except (KeyError, ValueError, pygit2.GitError):
                    secret = b""
            if secret and secret in data:
                state = True
                break
        finding.in_head = state
