"""Find, in one pass over the bytes, which rules could match and where.

Running ~every rule's regex over every blob is what makes naive scanners slow.
The prefilter answers "which rules, near which offsets" so that the exact
``regex`` confirm step only runs in small windows.

Two implementations with the same contract:

* ``HyperscanPrefilter`` compiles every rule's own regex in Hyperscan's
  prefilter mode (a superset of what the regex matches) and reports the end
  offset of each candidate. Rules Hyperscan rejects fall back to their
  keywords. About 1.4 GB/s on one core.
* ``KeywordPrefilter`` is pure Python: a rule is a candidate for the whole
  blob when one of its keywords occurs in it (case-insensitive). Used where
  Hyperscan has no wheel, or with ``LEAKWARDEN_PREFILTER=python``.

Because the engine also requires a keyword inside every confirmed match, both
give the same findings; only the speed differs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

from scanner.rules import Rule

# Windows are expressed as (start, end) byte offsets; WHOLE means "run the
# rule's regex over the whole input".
Window = tuple[int, int]
WHOLE: list[Window] = []


class Prefilter(Protocol):
    name: str

    def candidates(self, data: bytes) -> dict[int, list[Window]]:
        """Rule index -> windows to confirm in (an empty list: the whole input)."""
        ...


class KeywordPrefilter:
    name = "python"

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = [(i, rule.lower_keywords) for i, rule in enumerate(rules)]

    def candidates(self, data: bytes) -> dict[int, list[Window]]:
        lowered = data.lower()
        return {
            i: WHOLE
            for i, keywords in self._rules
            if not keywords or any(k in lowered for k in keywords)
        }


def _hs_available() -> bool:
    if os.environ.get("LEAKWARDEN_PREFILTER", "").lower() == "python":
        return False
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


class HyperscanPrefilter:
    name = "hyperscan"

    def __init__(self, rules: Sequence[Rule]) -> None:
        import hyperscan

        self._hs = hyperscan
        self._widths = [rule_width(r) for r in rules]
        expressions: list[bytes] = []
        ids: list[int] = []
        flags: list[int] = []
        # Rules whose regex Hyperscan cannot take are found through their
        # keywords instead; a hit there opens a window both ways.
        self._keyword_pattern_rule: dict[int, int] = {}
        self.keyword_fallback_rules: list[str] = []
        self._always_whole: list[int] = []
        for index, rule in enumerate(rules):
            if self._compiles(rule.regex.encode()):
                expressions.append(rule.regex.encode())
                ids.append(index)
                flags.append(hyperscan.HS_FLAG_PREFILTER)
                continue
            self.keyword_fallback_rules.append(rule.id)
            if not rule.keywords:
                self._always_whole.append(index)
            for keyword in rule.lower_keywords:
                pattern_id = len(rules) + len(self._keyword_pattern_rule)
                self._keyword_pattern_rule[pattern_id] = index
                expressions.append(_literal(keyword))
                ids.append(pattern_id)
                flags.append(hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH)
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        if expressions:
            self._db.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=flags)
        self._empty = not expressions

    def _compiles(self, pattern: bytes) -> bool:
        db = self._hs.Database(mode=self._hs.HS_MODE_BLOCK)
        try:
            db.compile(expressions=[pattern], ids=[0], elements=1, flags=[self._hs.HS_FLAG_PREFILTER])
        except self._hs.error:
            return False
        return True

    def candidates(self, data: bytes) -> dict[int, list[Window]]:
        found: dict[int, list[Window]] = {i: WHOLE for i in self._always_whole}
        if self._empty or not data:
            return found
        hits: dict[int, list[int]] = {}
        whole: set[int] = set()
        keyword_rule = self._keyword_pattern_rule

        def on_match(pattern_id: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            if pattern_id in keyword_rule:
                whole.add(keyword_rule[pattern_id])
            else:
                hits.setdefault(pattern_id, []).append(end)

        self._db.scan(data, match_event_handler=on_match)
        for index in whole:
            found[index] = WHOLE
        size = len(data)
        for index, ends in hits.items():
            if index in found:
                continue
            found[index] = _merge_windows(ends, self._widths[index], size, data)
        return found


def _literal(keyword: bytes) -> bytes:
    return b"".join(b"\\x%02x" % byte for byte in keyword)


def _merge_windows(ends: list[int], width: int, size: int, data: bytes) -> list[Window]:
    """Windows ending at each hit and reaching back ``width`` bytes, merged.

    The start is moved back to the beginning of its line when that is near, so
    a rule that anchors on the start of a line or on context before the secret
    sees the same text it would see in a whole-blob scan.
    """
    windows: list[Window] = []
    for end in sorted(set(ends)):
        start = max(0, end - width)
        line_start = data.rfind(b"\n", max(0, start - 256), start) + 1
        if line_start > 0:
            start = line_start
        elif start <= 256:
            start = 0
        # A little past the hit, so trailing lookaheads and word boundaries
        # see the real next bytes instead of a window edge.
        stop = min(size, end + 256)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], stop))
        else:
            windows.append((start, stop))
    if windows and windows[0] == (0, size):
        return WHOLE
    return windows


_MAX_WINDOW = 4096


def rule_width(rule: Rule) -> int:
    """The longest a match of this rule can be, capped: how far back a
    confirm window must reach from a prefilter hit's end offset."""
    if rule.max_length is not None:
        return rule.max_length
    try:
        try:
            from re import _parser as sre_parse  # type: ignore[attr-defined]
        except ImportError:  # Python 3.10
            import sre_parse  # type: ignore[no-redef]
        _, high = sre_parse.parse(rule.regex).getwidth()
    except Exception:  # the regex module accepts syntax re does not
        return _MAX_WINDOW
    return min(int(high), _MAX_WINDOW)


def make_prefilter(rules: Sequence[Rule], kind: str = "auto") -> Prefilter:
    """``auto`` takes Hyperscan when it is installed, else the keyword prefilter."""
    if kind == "hyperscan" or (kind == "auto" and _hs_available()):
        return HyperscanPrefilter(rules)
    return KeywordPrefilter(rules)
