"""Re-read a secret from the repository it was found in.

Reports and the store keep only a redacted secret plus the blob and byte span
it came from (invariant 2); a verifier that needs the clear value reads it
back here, in memory, for as long as it needs it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pygit2


def read_secret(repo_path: str, blob_oid: str, span: Sequence[int]) -> bytes:
    """Return the bytes at ``span`` of blob ``blob_oid`` in the repository at ``repo_path``."""
    start, end = int(span[0]), int(span[1])
    repo = pygit2.Repository(repo_path)
    return repo[blob_oid].data[start:end]
