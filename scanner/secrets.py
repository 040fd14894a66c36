"""Handling of the secret itself: redaction, keyed fingerprints, re-reading.

Secrets are never kept at rest in clear: reports redact them, the store keeps
a keyed hash, and whoever needs the clear value (the AWS verifier) re-reads
it from the repository at the blob and byte span a finding names.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

# The installation's key for secret hashes: LEAKWARDEN_HASH_KEY when set (a
# CI secret makes hashes useless to anyone without it), else a public default.
# Hashes of secrets found in a repository are keyed further by that
# repository (``repository_hash_key``), so an ignore entry cannot be computed
# from a secret alone, nor carried from one repository to another.
_DEFAULT_KEY = b"leakwarden/secret-hash/v1"


def _hash_key() -> bytes:
    key = os.environ.get("LEAKWARDEN_HASH_KEY")
    return key.encode() if key else _DEFAULT_KEY


def installation_hash_key() -> bytes:
    """The key for secrets found outside any repository (and the v1 key)."""
    return _hash_key()


def root_commit(repo_path: str | Path, rev: str = "HEAD") -> str | None:
    """The root commit of ``rev``'s first-parent chain: a repository's identity
    that every full clone agrees on and no pull request can change (merging an
    unrelated history adds a root, but not on the first-parent chain)."""
    import shutil
    import subprocess

    from scanner.procs import child_env

    git = shutil.which("git")
    if git is None:
        return _root_commit_pygit2(repo_path, rev)
    for args in (["--first-parent", rev], ["--all"]):
        proc = subprocess.run([git, "rev-list", "--max-parents=0", *args], cwd=repo_path,
                              capture_output=True, text=True, check=False,
                              env=child_env())  # local git: no credentials
        roots = proc.stdout.split()
        if proc.returncode == 0 and roots:
            return sorted(roots)[0] if args == ["--all"] else roots[-1]
    return None


def _root_commit_pygit2(repo_path: str | Path, rev: str) -> str | None:
    import pygit2

    try:
        repo = pygit2.Repository(pygit2.discover_repository(str(repo_path)) or str(repo_path))
        commit = repo.revparse_single(rev).peel(pygit2.Commit)
    except (KeyError, ValueError, TypeError, pygit2.GitError):
        return None
    while commit.parents:
        commit = commit.parents[0]
    return str(commit.id)


def repository_hash_key(repo_path: str | Path, rev: str = "HEAD") -> bytes:
    """The key for secret hashes of the repository at ``repo_path``: the
    installation key bound to the repository's root commit (see ``root_commit``).
    Deterministic for a repository (byte-identical reports across runs and
    machines); the installation key alone when there is no commit yet."""
    root = root_commit(repo_path, rev)
    if root is None:
        return _hash_key()
    return hmac.new(_hash_key(), b"leakwarden/repository-key/v2\0" + root.encode(),
                    hashlib.sha256).digest()


def redact(secret: str) -> str:
    """``AK****************YZ``: enough of each end to recognise the
    credential, never enough to use or guess it: at most a quarter of the
    secret and never more than 4 characters show (an 8-character password
    shows 1 + 1). Secrets under 8 characters are starred out whole."""
    flat = secret.replace("\r", "").replace("\n", "\\n")
    n = len(flat)
    if n < 8:
        return "*" * n
    shown = min(n // 4, 4)
    head = (shown + 1) // 2
    tail = shown - head
    hidden = min(n - shown, 32)
    return flat[:head] + "*" * hidden + (flat[-tail:] if tail else "")


def secret_hash(rule_id: str, secret: bytes, key: bytes | None = None) -> str:
    """The same secret anywhere in one repository hashes the same. ``key``:
    ``repository_hash_key`` of that repository (None: the installation key,
    which is also how v1 hashes, before repository keys, were made)."""
    return hmac.new(key or _hash_key(), rule_id.encode() + b"\0" + secret,
                    hashlib.sha256).hexdigest()[:32]


def occurrence_fingerprint(rule_id: str, blob: str, start: int, end: int) -> str:
    """One occurrence: rule + blob id + byte span. Stable across runs and machines."""
    return hashlib.sha256(f"{rule_id}:{blob}:{start}:{end}".encode()).hexdigest()[:32]


def git_blob_id(data: bytes) -> str:
    """The object id git would give these bytes, so files scanned outside git
    get the same blob ids (and fingerprints) as in history."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read_secret(repo_path: str | Path, blob: str, span: tuple[int, int] | list[int]) -> bytes:
    """Re-read a secret from a repository's object database at ``blob[start:end]``
    (``blob`` may also be a commit or tag: secrets in messages re-read the same way)."""
    import pygit2

    repo = pygit2.Repository(str(repo_path))
    start, end = span
    obj = repo[blob]
    # A blob, or a commit or tag object for a secret found in a message.
    if isinstance(obj, pygit2.Blob):
        return obj.data[start:end]
    if not isinstance(obj, (pygit2.Commit, pygit2.Tag)):
        raise ValueError(f"{blob} is not a blob, commit or tag")
    return repo.odb.read(obj.id)[1][start:end]
