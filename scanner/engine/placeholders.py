"""Is this "secret" a placeholder someone typed, or a sample everyone copies?

Documentation, tests and templates are full of values with the right prefix
and length that are not credentials: ``AIzaSyabcdefghijklmnopqrstuvwxyz1234567``,
``a1b2c3d4e5f6...``, ``xxxxxxxx``, jwt.io's sample token. A generated secret
almost never contains such a pattern (eight ascending characters in a row
happen about once in 10^12 random base62 positions), so dropping them costs no
recall and removes a whole class of false alarms. Well-known public samples are
recognised by structure (jwt.io's claims) or by a SHA-256 of the value, so this
file does not itself carry copies of other projects' sample keys.

Pure and cheap: it runs on each confirmed match, never on whole blobs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re

_MAX_LENGTH = 512  # longer matches are key files or blobs: their structure is checked elsewhere

# Words that mark a value as written by hand for a reader.
_WORDS = re.compile(
    rb"(?i)example|placeholder|your[_-]?(?:api|access|secret|token|key|own|pass)|insert[_-]?your|"
    rb"replace[_-]?(?:me|with|this)|changeme|redacted|dummy|fake|sample[_-]?(?:key|token|secret)|"
    rb"<[a-z_ -]{3,}>|\$\{|\{\{|\.\.\.|\*{4}|xxxxxx|XXXXXX")

# SHA-256 of sample values published in providers' documentation and quick
# starts, which turn up verbatim in countless repositories. Only digests are
# kept: the values themselves are someone else's text.
_KNOWN_SAMPLES = frozenset({
    # Google API keys in the Firebase Android SDK's sample apps and tests
    # (github.com/firebase/firebase-android-sdk), copied into many apps.
    "0b476bdf9acf2123d547b5ae76f1e59884d8ec9553ee0c47e9f31fd4768f3f3c",
    "2037abcaffb2b77785da716cf7ccff4ff4d00c4ea930db0167b7d71f50af7eb4",
    "27a9a42931dff7eb2f8434e20a9bce976ea364e7bee49187f19d5cfeca9c7045",
    "37f8f09bdf12c2f2eae4ead7273a62ddb0c23459cbf902892f282b57f7ed6619",
    "3a8b61d0f636b007840c0d40ba12bcf48465dc054cdc1a68704a33521d84b665",
    "3f370c9dd8225c63b5c77de1f785edc9712958f18bb612d5fa2e0ae33aeca682",
    "49f777db995e8260da7ca9ffdf0c08d66f0453e97ec967018baf2cdfe3b582d0",
    "4c98242dcadc8b29005c6b4aad526552d5ea1842149154c0694adeec75847583",
    "8731261cb72d86267a32a532ebd3df429e2144e5e4ced7e13568bc9e6c8fb1b1",
    "a19f89ab3555eac10c40741f6df79ecf0935998f15569f8db9d67bce0181fff6",
    "a6c814bc555ae62c7bd8b58ec07bf559c7ed3a009976a1e0acc9cef0d4473b41",
    "b7d61096898ce748bf432e81d7bae9930a899eca056cc99063700f1d0bd92306",
    "dc0fcf046c61640cbd1e8b999ada3262d722c2ca4bf42dceac999020ffdbb614",
    "e4a5542bb7fd7b67e943c71ad29c34b5972c9840597e7eda53e666f44d5da0b9",
    "ea9bb1082cf95663f5faca23b8b15ef2aa0fce0a5c6df9c32dcb85b2e0a4513d",
    "eb540d2b6ee2a0a47c5779bc8a0141784c6b753840d4c6f4e2428a6e86e9e0b1",
    "f3082ce9d69921448482bb130f0cacd9d773b6359435db8fffa5f1a4a194dcc2",
    "f56e323494a6ffc2064e7a955908957d84f0755e5f975dabd64328d0359a8f7c",
    # Stripe's documented test keys (its API reference examples).
    "2cafc0970149a84f3b9e62eaf169f36f59907a3b3e31f7b82e68c69cd27f7326",
})


def _consecutive_run(text: bytes, step: int) -> int:
    """The longest run of consecutive alphanumerics going ``step`` (+1: abc...,
    ABC..., 123...890, where 9 wraps to 0; -1: cba..., 321...)."""
    best = run = 1
    for a, b in zip(text, text[1:], strict=False):
        if (b == a + step and chr(a).isalnum() and chr(b).isalnum()) or (step == 1 and a == 0x39 and b == 0x30):
            run += 1
            best = max(best, run)
        else:
            run = 1
    return best if text else 0


def _alternation(text: bytes) -> int:
    """Longest a1b2c3 / 1a2b3c style stretch: two interleaved ascending runs."""
    low = text.lower().replace(b"-", b"")
    best = 0
    n = len(low)
    for i in range(n - 3):
        j = i + 2
        while j < n and low[j] == low[j - 2] + 1 and chr(low[j]).isalnum():
            j += 1
        if j - i >= 6 and chr(low[i]).isdigit() != chr(low[i + 1]).isdigit():
            best = max(best, j - i)
    return best


_ZERO_RUN = re.compile(rb"A{8,}")


def _longest_run(text: bytes, skip: int = -1) -> int:
    """The longest run of one character (other than ``skip``)."""
    best = run = 1
    for a, b in zip(text, text[1:], strict=False):
        run = run + 1 if a == b and a != skip else 1
        best = max(best, run)
    return best if text else 0


def _repeated_block(text: bytes) -> bool:
    """A short block (1-8 characters) repeated to cover 16+ characters, or most of the value."""
    # A run of "A" is base64 of zero bytes: real structure in X bearer
    # tokens and Dropbox keys, not a placeholder.
    text = _ZERO_RUN.sub(b"A", text)
    n = len(text)
    for period in range(1, 9):
        run = 0
        for i in range(period, n):
            if text[i] == text[i - period]:
                run += 1
                covered = run + period  # the block and its copies so far
                if run >= 2 * period and (covered >= 16 or (covered >= 10 and covered >= 0.6 * n)):
                    return True
            else:
                run = 0
    return False


def _is_jwt_io_sample(text: bytes) -> bool:
    if not text.startswith(b"eyJ") or text.count(b".") < 2:
        return False
    payload = text.split(b".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        return False
    if not isinstance(claims, dict):
        return False
    # jwt.io's debugger samples: the classic one, and the newer "hello hacker" one.
    return (claims.get("name") == "John Doe" and claims.get("sub") == "1234567890") or str(
        claims.get("msg", "")).startswith("hello hacker")


def looks_like_placeholder(secret: bytes | str) -> bool:
    """True for a value that is written for a reader, not issued by a provider."""
    data = secret.encode() if isinstance(secret, str) else secret
    if not data or len(data) > _MAX_LENGTH:
        return False
    if hashlib.sha256(data).hexdigest() in _KNOWN_SAMPLES:
        return True
    if _WORDS.search(data):
        return True
    if _consecutive_run(data, 1) >= 8 or _consecutive_run(data, -1) >= 8 or _alternation(data) >= 8:
        return True
    if _repeated_block(data) or _longest_run(data, skip=0x41) >= 10 or (
            _longest_run(data) >= max(10, len(data) // 2)):
        return True
    if len(data) >= 12 and len(set(data)) <= 3:
        return True
    return _is_jwt_io_sample(data)
