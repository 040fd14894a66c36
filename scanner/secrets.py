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

# The key for secret hashes. A fixed default keeps fingerprints comparable
# across machines (CI and laptops share baselines); organisations that want
# hashes useless to an outsider set their own key in the environment.
_DEFAULT_KEY = b"leakwarden/secret-hash/v1"


def _hash_key() -> bytes:
    key = os.environ.get("LEAKWARDEN_HASH_KEY")
    return key.encode() if key else _DEFAULT_KEY


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


def secret_hash(rule_id: str, secret: bytes) -> str:
    """The same secret found anywhere (any blob, any repo) hashes the same."""
    return hmac.new(_hash_key(), rule_id.encode() + b"\0" + secret, hashlib.sha256).hexdigest()[:32]


def occurrence_fingerprint(rule_id: str, blob: str, start: int, end: int) -> str:
    """One occurrence: rule + blob id + byte span. Stable across runs and machines."""
    return hashlib.sha256(f"{rule_id}:{blob}:{start}:{end}".encode()).hexdigest()[:32]


def git_blob_id(data: bytes) -> str:
    """The object id git would give these bytes, so files scanned outside git
    get the same blob ids (and fingerprints) as in history."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read_secret(repo_path: str | Path, blob: str, span: tuple[int, int] | list[int]) -> bytes:
    """Re-read a secret from a repository's object database at ``blob[start:end]``."""
    import pygit2

    repo = pygit2.Repository(str(repo_path))
    start, end = span
    return repo[blob].data[start:end]
