"""Which secret access key (and session token) goes with which access key ID.

A key ID alone cannot be checked; it has to be signed with its secret. Leaks
usually put the two side by side, so the candidates for a key ID are the
secrets in the same blob (nearest first), then those introduced by the same
commit. Temporary (ASIA) keys also need the session token found the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from scanner.model import Finding

KEY_ID_RULE = "aws-access-key-id"
SECRET_RULE = "aws-secret-access-key"
SESSION_TOKEN_RULE = "aws-session-token"
AWS_RULES = frozenset({KEY_ID_RULE, SECRET_RULE, SESSION_TOKEN_RULE})


@dataclass
class KeyCandidates:
    """One key ID occurrence and what it might be signed with, best guess first."""

    key: Finding
    secrets: list[Finding] = field(default_factory=list)
    tokens: list[Finding] = field(default_factory=list)


def _nearest(key: Finding, pool: list[Finding], limit: int) -> list[Finding]:
    same_blob = sorted(
        (f for f in pool if f.blob == key.blob),
        key=lambda f: (abs(f.span[0] - key.span[0]), f.span),
    )
    # Within a commit, a secret in the same directory is the likelier partner.
    key_dirs = key.path.split("/")[:-1]

    def shared_dirs(f: Finding) -> int:
        n = 0
        for a, b in zip(key_dirs, f.path.split("/")[:-1], strict=False):
            if a != b:
                break
            n += 1
        return n

    same_commit = sorted(
        (f for f in pool if f.blob != key.blob and key.commit and f.commit == key.commit),
        key=lambda f: (-shared_dirs(f), f.path, f.line, f.blob, f.span),
    )
    return (same_blob + same_commit)[:limit]


def pair_candidates(findings: Iterable[Finding], limit: int = 4) -> list[KeyCandidates]:
    """Pair every access key ID finding with nearby secrets and session tokens.

    ``limit`` bounds how many secrets (and tokens) are tried per key ID, because
    every wrong pairing costs an STS call.
    """
    findings = list(findings)
    secrets = [f for f in findings if f.rule == SECRET_RULE]
    tokens = [f for f in findings if f.rule == SESSION_TOKEN_RULE]
    return [
        KeyCandidates(key=f, secrets=_nearest(f, secrets, limit), tokens=_nearest(f, tokens, limit))
        for f in findings
        if f.rule == KEY_ID_RULE
    ]
