"""Who decides the rules a pull request is judged by.

In ``--range BASE..HEAD`` mode the head is the change under review: if its
``.leakwarden.toml`` or ignore files were used, the change would choose its
own judge (allow every path, ignore its own token, disable the rule). So the
project files are read from BASE, the protected branch, and any change the
range makes to them is reported as a finding of its own, naming the file;
``--trust-range-config`` restores the old behaviour for set-ups that want it,
and ``--config-from REF`` names the trusted commit explicitly.

The files of a commit are written into a private temporary directory, so the
config, gitleaks and ignore-file readers read them exactly as they read a
checkout (one code path), and messages name them as ``REF:path``.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.model import Finding

if TYPE_CHECKING:
    import pygit2  # loaded by ``_open`` only: the hook's fast path does not need it

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Every file of a checkout that changes what a scan reports.
PROJECT_FILES = (".leakwarden.toml", "pyproject.toml", ".leakwardenignore", ".gitleaksignore",
                 ".gitleaks.toml")
CONFIG_CHANGE_RULE = "leakwarden-config-change"


class TrustError(ValueError):
    """The trusted commit cannot be read (unknown ref, not a repository)."""


@dataclass
class ProjectFiles:
    """Where a scan reads its project files: the checkout itself (``ref`` None)
    or a commit's copy of them, written to ``root`` (a private temp dir)."""

    root: Path
    ref: str | None = None
    commit: str | None = None
    # Keeps the temporary directory alive as long as the scan needs it.
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def label(self, text: str) -> str:
        """``text`` with the temporary directory replaced by ``REF:`` so messages
        name the file as the user knows it."""
        if self.ref is None:
            return text
        return text.replace(f"{self.root}/", f"{self.ref}:").replace(str(self.root), f"{self.ref}:")


def files_at(repo_root: Path, ref: str) -> ProjectFiles:
    """The project files as commit ``ref`` has them."""
    import pygit2

    repo = _open(repo_root)
    try:
        commit = repo.revparse_single(ref).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        raise TrustError(f"cannot read the configuration from {ref!r}: no such commit") from None
    tmp = tempfile.TemporaryDirectory(prefix="leakwarden-config-")
    root = Path(tmp.name)
    for name in PROJECT_FILES:
        data = _blob(repo, commit, name)
        if data is not None:
            (root / name).write_bytes(data)
    return ProjectFiles(root=root, ref=ref, commit=str(commit.id), _tmp=tmp)


def range_ends(range_spec: str) -> tuple[str, str] | None:
    """(BASE, HEAD) of ``A..B`` / ``A...B``; None for a single revision."""
    if ".." not in range_spec:
        return None
    start, _, end = range_spec.replace("...", "..").partition("..")
    return start or "HEAD", end or "HEAD"


def config_changes(repo_root: Path, range_spec: str, watched: dict[str, str]) -> list[Finding]:
    """One finding per project file the range changes (what HEAD has against
    the merge base of BASE and HEAD: the pull request's own edits, not what the
    base branch did meanwhile). ``watched`` maps repository paths to why they
    matter (for the message). ``pyproject.toml`` counts only when its
    ``[tool.leakwarden]`` table changes."""
    import pygit2

    ends = range_ends(range_spec)
    if ends is None:
        return []
    repo = _open(repo_root)
    try:
        base = repo.revparse_single(ends[0]).peel(pygit2.Commit)
        head = repo.revparse_single(ends[1]).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        return []  # the scan itself reports an unresolvable range
    merge_base = repo.merge_base(base.id, head.id)
    before = repo[merge_base].peel(pygit2.Commit) if merge_base else base
    out: list[Finding] = []
    for name, why in sorted(watched.items()):
        # Blob ids, not contents: the same id is the same bytes. Only
        # pyproject.toml is read, since only its [tool.leakwarden] counts.
        old, new = _blob_id(before, name), _blob_id(head, name)
        if old == new:
            continue
        if name == "pyproject.toml" and _tool_table(_data(repo, old)) == _tool_table(_data(repo, new)):
            continue
        out.append(_change_finding(repo, before, head, name, why, old, new))
    return out


def _change_finding(repo: object, before: object, head: object, name: str, why: str,
                    old: str | None, new: str | None) -> Finding:
    import pygit2

    assert isinstance(repo, pygit2.Repository)
    blob = new or "0" * 40
    state = "deletes" if new is None else ("adds" if old is None else "changes")
    who = _last_toucher(repo, before, head, name)
    digest = hashlib.sha256(f"{CONFIG_CHANGE_RULE}:{name}:{blob}".encode()).hexdigest()[:32]
    description = (f"This change {state} {name} ({why}); the scan used the base branch's "
                   "version. Review it, then merge it or pass --trust-range-config")
    return Finding(
        rule=CONFIG_CHANGE_RULE, description=description, severity="high", confidence="high",
        secret="", fingerprint=digest, secret_hash=digest, path=name, line=1, column=1,
        end_line=1, end_column=2, blob=blob, span=(0, 0), entropy=0.0, reachable=True,
        commit=who[0] if who else None, author=who[1] if who else None,
        email=who[2] if who else None, date=who[3] if who else None,
        summary=None, source="config-change",
    )


def _last_toucher(repo: object, before: object, head: object, name: str
                  ) -> tuple[str, str, str, str] | None:
    """The newest commit of the range that changed ``name``: who to ask."""
    import pygit2
    from pygit2.enums import SortMode

    assert isinstance(repo, pygit2.Repository)
    walker = repo.walk(head.id, SortMode.TOPOLOGICAL)  # type: ignore[attr-defined]
    walker.hide(before.id)  # type: ignore[attr-defined]
    for commit in walker:
        mine = _blob_id(commit, name)
        parents = [_blob_id(p, name) for p in commit.parents] or [None]
        if all(mine != p for p in parents):
            from datetime import datetime, timezone

            when = datetime.fromtimestamp(commit.author.time, tz=timezone.utc)
            return (str(commit.id), commit.author.raw_name.decode("utf-8", "replace"),
                    commit.author.raw_email.decode("utf-8", "replace"),
                    when.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return None


def _tool_table(data: bytes | None) -> object:
    if data is None or b"tool.leakwarden" not in data:
        return None
    try:
        return tomllib.loads(data.decode("utf-8")).get("tool", {}).get("leakwarden")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ("unreadable", hashlib.sha256(data).hexdigest())


def _open(repo_root: Path) -> pygit2.Repository:
    import pygit2

    try:
        found = pygit2.discover_repository(str(repo_root))
        if found is None:
            raise TrustError(f"{repo_root} is not a git repository")
        return pygit2.Repository(found)
    except pygit2.GitError as exc:
        raise TrustError(f"{repo_root}: {exc}") from None


def _blob_id(commit: object, name: str) -> str | None:
    try:
        entry = commit.tree[name]  # type: ignore[attr-defined]
    except KeyError:
        return None
    return str(entry.id) if entry.type_str == "blob" else None


def _data(repo: object, oid: str | None) -> bytes | None:
    return None if oid is None else repo[oid].data  # type: ignore[index]


def _blob(repo: object, commit: object, name: str) -> bytes | None:
    return _data(repo, _blob_id(commit, name))
