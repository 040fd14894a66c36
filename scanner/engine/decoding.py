"""Secrets layers down: base64, percent- and backslash-escape-encoded runs.

The engine scans the bytes as they are first. Then, where a cheap probe says
a blob holds an encoded run (Hyperscan reports it during the same pass), the
candidate runs are found, decoded, and the decoded bytes are scanned again,
and so on down to ``max_decode_depth`` layers (``DEFAULT_MAX_DECODE_DEPTH``;
gitleaks calls it ``--max-decode-depth``): base64 of base64 of a key is found
too. A layer is only decoded where the probes fire on the layer above, and
every layer of a blob shares one budget of decoded bytes, so depth costs
nothing on ordinary blobs and stays bounded on hostile ones. Each decoded piece carries an offset map
so that a secret found inside it maps back to a byte span of the *encoded*
text in the original blob: fingerprints, line numbers and re-reading from the
blob keep working.

Bounded on purpose: only runs long enough to hold a credential, only decoded
text that is mostly printable (images, fonts and digests decode to binary and
are dropped at once), and at most ``MAX_DECODED_PER_BLOB`` bytes per blob,
all layers together.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

MIN_BASE64_RUN = 24
MAX_RUN = 64 * 1024
MAX_DECODED_PER_BLOB = 1 << 20
DEFAULT_MAX_DECODE_DEPTH = 2

# What a secret one layer down starts with. Base64 has no marker of its own,
# so the probe for it is the base64 encoding (at each of the three byte
# alignments) of words that begin or announce a credential: cheap literals
# for Hyperscan, where a generic "long base64 run" pattern costs more than
# every rule together and fires on most source files (CamelCase, digests).
_BASE64_WORDS = [
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "AKIA", "ASIA",
    "xoxb-", "xoxp-", "xapp-", "hooks.slack", "sk_live_", "rk_live_", "-----BEGIN", "PRIVATE KEY",
    "npm_", "pypi-", "AIza", "sk-ant-", "sk-proj-", "dop_v1_", "dckr_pat_",
    "password", "secret", "token", "api_key", "postgres", "mongodb", "AccountKey", "client_secret",
    "private_key",
]


def _stable_base64(word: bytes) -> list[bytes]:
    """The parts of base64(anything + word + anything) that only depend on ``word``."""
    out = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + word + b"\0\0")
        lo = -(-8 * shift // 6)
        hi = (8 * (shift + len(word))) // 6
        fragment = encoded[lo:hi]
        if len(fragment) >= 4:
            out.append(fragment)
    return out


def _literal(text: bytes) -> str:
    return "".join(f"\\x{b:02x}" for b in text)


# (kind, Hyperscan pattern): does this blob hold anything worth decoding?
# Loose on purpose; the finders below are exact.
PROBES: list[tuple[str, str]] = (
    [("base64", _literal(f)) for w in _BASE64_WORDS for f in _stable_base64(w.encode())]
    + [("percent", "(?i)%(?:3A|40|2B|3D|2F)")]
    + [("escape", r"-----\\[rn]")]
)

# base64 of base64: the outer text never shows a word's single encoding, so
# the probe is the encoding of those fragments (4+ characters, as short as
# the single-layer probes). Inner layers need no probe of their own: the
# decoded text is probed with PROBES like any blob.
_DOUBLE_BASE64 = sorted({g for w in _BASE64_WORDS for f in _stable_base64(w.encode())
                         for g in _stable_base64(f)})


def probes(max_depth: int = DEFAULT_MAX_DECODE_DEPTH) -> list[tuple[str, str]]:
    """The probes an engine decoding ``max_depth`` layers down needs."""
    if max_depth <= 0:
        return []
    if max_depth == 1:
        return list(PROBES)
    return list(PROBES) + [("base64", _literal(g)) for g in _DOUBLE_BASE64]

_BASE64_RUN = re.compile(rb"(?<![A-Za-z0-9+/_-])([A-Za-z0-9+/]{%d,%d}={0,2})(?![A-Za-z0-9+/_-])"
                         % (MIN_BASE64_RUN, MAX_RUN))
_URL_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+!*,;:@&=$/?%-")
_URL_HEAD = re.compile(rb"[A-Za-z0-9._~+!*,;:@&=$/?%-]{0,4096}")
_PERCENT_TRIPLET = re.compile(rb"%[0-9A-Fa-f]{2}")
_ESCAPED_PEM = re.compile(
    rb"-----BEGIN[ A-Z0-9_-]{0,100}-----(?:\\[rn]|[A-Za-z0-9+/=:, \t\-]){64,40000}?-----END[ A-Z0-9_-]{0,100}-----(?:\\n)?")
_ESCAPE = re.compile(rb"\\(?:[nrt\\/\"']|u[0-9a-fA-F]{4})")
_UNESCAPE = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"\\": b"\\", b"/": b"/", b'"': b'"', b"'": b"'"}


@dataclass(frozen=True)
class Decoded:
    kind: str  # "base64", "percent" or "escape"
    start: int  # the encoded run in the original bytes
    end: int
    data: bytes  # decoded bytes
    offsets: list[int] | None  # original offset of each decoded byte; None: computed
    raw: bytes | None = None  # the encoded run, for percent-encoding's lazy offset map

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original byte span that encodes decoded[start:end]."""
        if self.offsets is None and self.raw is not None:
            object.__setattr__(self, "offsets", _percent_offsets(self.raw, self.start))
        if self.offsets is None:  # base64: 3 decoded bytes <-> 4 encoded chars
            lo = self.start + (start // 3) * 4
            hi = self.start + -(-end // 3) * 4
            return lo, min(hi, self.end)
        lo = self.offsets[start]
        hi = self.offsets[end] if end < len(self.offsets) else self.end
        return lo, hi


def _mostly_printable(data: bytes) -> bool:
    if not data:
        return False
    printable = sum(1 for b in data if 32 <= b < 127 or b in (9, 10, 13))
    return printable >= 0.95 * len(data)


def _base64_runs(data: bytes) -> Iterator[Decoded]:
    for m in _BASE64_RUN.finditer(data):
        run = m.group(1)
        body = run.rstrip(b"=")
        # Identifiers, paths and hex digests are base64-alphabet runs too; real
        # encodings of text mix cases and digits.
        if body.isalpha() or body.isdigit() or body.islower() or body.isupper() or (b"/" in body and body.count(b"/") > len(body) // 8):
            continue
        # Whole (padded) runs decode whole; a run cut mid-group loses only
        # its last partial group.
        usable = run if len(run) % 4 == 0 else body[:len(body) - len(body) % 4]
        try:
            decoded = base64.b64decode(usable, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(decoded) >= 12 and _mostly_printable(decoded):
            yield Decoded("base64", m.start(1), m.end(1), decoded, None)


def _percent_offsets(run: bytes, base: int) -> list[int]:
    offsets: list[int] = []
    i = 0
    while i < len(run):
        offsets.append(base + i)
        i += 3 if run[i] == 0x25 and _PERCENT_TRIPLET.match(run, i) else 1
    return offsets


def _percent_spans(data: bytes) -> Iterator[tuple[int, int]]:
    """Runs of URL characters around clusters of %XX triplets. Starting from
    the triplets (a literal '%') and growing outwards is much cheaper than a
    character-class scan of the whole blob, most of which is URL characters."""
    end = -1
    for t in _PERCENT_TRIPLET.finditer(data):
        if t.start() < end:
            continue
        start = t.start()
        floor = max(0, start - 4096)
        while start > floor and data[start - 1] in _URL_BYTES:
            start -= 1
        end = _URL_HEAD.match(data, t.start()).end()  # type: ignore[union-attr]
        if end - start >= 12:
            yield start, end


def _percent_runs(data: bytes) -> Iterator[Decoded]:
    for start, end in _percent_spans(data):
        run = data[start:end]
        if run.count(b"%") < 2 or len(_PERCENT_TRIPLET.findall(run)) < 2:
            continue

        # Decoding is C-fast; the offset map is only built when a secret is
        # found in the decoded text (see Decoded.span).
        yield Decoded("percent", start, end, urllib.parse.unquote_to_bytes(run), None, run)


def _escape_runs(data: bytes) -> Iterator[Decoded]:
    for m in _ESCAPED_PEM.finditer(data):
        run = m.group()
        out = bytearray()
        offsets: list[int] = []
        pos, base = 0, m.start()
        for e in _ESCAPE.finditer(run):
            out += run[pos:e.start()]
            offsets.extend(range(base + pos, base + e.start()))
            token = e.group()[1:]
            out += _UNESCAPE.get(token, b"") if not token.startswith(b"u") else chr(int(token[1:], 16)).encode()
            offsets.extend([base + e.start()] * (len(out) - len(offsets)))
            pos = e.end()
        out += run[pos:]
        offsets.extend(range(base + pos, base + len(run)))
        yield Decoded("escape", m.start(), m.end(), bytes(out), offsets)


_FINDERS = {"base64": _base64_runs, "percent": _percent_runs, "escape": _escape_runs}


class Budget:
    """Decoded bytes one blob may still produce, across all its layers."""

    def __init__(self, total: int = MAX_DECODED_PER_BLOB) -> None:
        self.left = total


def encoded_runs(data: bytes, kinds: set[str] | None = None,
                 budget: Budget | None = None) -> Iterator[Decoded]:
    """Decoded candidates in ``data`` for the probe kinds that fired (all when None)."""
    budget = budget or Budget()
    for kind, finder in _FINDERS.items():
        if kinds is not None and kind not in kinds:
            continue
        for piece in finder(data):
            budget.left -= len(piece.data)
            if budget.left < 0:
                return
            yield piece


def nested_runs(data: bytes, max_depth: int = DEFAULT_MAX_DECODE_DEPTH,
                budget: Budget | None = None) -> Iterator[Decoded]:
    """Every decoded piece down to ``max_depth`` layers, without probes (for
    callers that only need the decoded text, such as keyword selection)."""
    budget = budget or Budget()
    if max_depth <= 0:
        return
    for piece in encoded_runs(data, None, budget):
        yield piece
        yield from nested_runs(piece.data, max_depth - 1, budget)
