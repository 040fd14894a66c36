"""Is a finding's secret present in a given tree? Asked for findings only, so
it costs a tree look-up (and at most one blob read) per finding, never a walk.

Two questions use it:

* ``in_head``: an audit reader's first question after "what leaked" is "is
  it still there": a secret only in history needs rotating; one still in HEAD
  also needs a fix in the code (and keeps leaking to every new clone).
* ``--range BASE..HEAD``: a blob the pull request introduced may still carry
  a secret the base already had (the PR edited another line of that file).
  That secret is not the PR's doing and must not block its merge.
"""

from __future__ import annotations

from collections.abc import Iterable

import pygit2

from scanner.model import Finding


class _TreeProbe:
    def __init__(self, repo: pygit2.Repository, tree: pygit2.Tree) -> None:
        self.repo = repo
        self.tree = tree
        self._contents: dict[str, bytes | None] = {}

    def _blob(self, path: str) -> tuple[str, bytes | None] | None:
        try:
            entry = self.tree[path]
        except (KeyError, ValueError):
            return None
        oid = str(entry.id)
        if oid not in self._contents:
            obj = self.repo.get(entry.id)
            self._contents[oid] = obj.data if isinstance(obj, pygit2.Blob) else None
        return oid, self._contents[oid]

    def holds(self, finding: Finding) -> bool:
        """True when the tree has the finding's blob, or the secret's bytes, at
        one of the paths the blob was seen at."""
        secret: bytes | None = None
        for path in dict.fromkeys([finding.path, *finding.paths]):
            found = self._blob(path)
            if found is None:
                continue
            oid, data = found
            if oid == finding.blob:
                return True
            if data is None:
                continue
            if secret is None:
                try:
                    blob = self.repo[finding.blob]
                    if not isinstance(blob, pygit2.Blob):
                        continue
                    secret = blob.data[finding.span[0]:finding.span[1]]
                except (KeyError, ValueError, pygit2.GitError):
                    secret = b""
            if secret and secret in data:
                return True
        return False


def _tree(repo: pygit2.Repository, rev: str) -> pygit2.Tree | None:
    try:
        return repo.revparse_single(rev).peel(pygit2.Tree)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        return None


def mark_in_head(repo: pygit2.Repository, findings: Iterable[Finding]) -> None:
    """Set ``in_head`` on each finding (False everywhere when there is no HEAD)."""
    findings = list(findings)
    if not findings:
        return
    tree = _tree(repo, "HEAD")
    probe = _TreeProbe(repo, tree) if tree is not None else None
    for finding in findings:
        finding.in_head = probe.holds(finding) if probe else False


def range_base(repo: pygit2.Repository, range_spec: str) -> str | None:
    """The commit a ``A..B`` range's pull request started from: the merge base
    of A and B (what GitHub diffs a PR against), else A itself."""
    if ".." not in range_spec:
        return None
    start, _, end = range_spec.replace("...", "..").partition("..")
    try:
        a = repo.revparse_single(start or "HEAD").peel(pygit2.Commit).id
        b = repo.revparse_single(end or "HEAD").peel(pygit2.Commit).id
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        return None
    base = repo.merge_base(a, b)
    return str(base or a)


def drop_preexisting(repo: pygit2.Repository, base: str,
                     findings: list[Finding]) -> list[Finding]:
    """The findings whose secret the ``base`` commit did not already have at
    the same path: what a pull request introduces."""
    tree = _tree(repo, base)
    if tree is None or not findings:
        return findings
    probe = _TreeProbe(repo, tree)
    return [f for f in findings if not probe.holds(f)]
