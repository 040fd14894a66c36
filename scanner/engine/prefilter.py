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

import hashlib
import os
import pickle
import platform
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from scanner.engine.rules import Rule
from scanner.paths import cache_dir

# Windows are expressed as (start, end) byte offsets; WHOLE means "run the
# rule's regex over the whole input".
Window = tuple[int, int]
WHOLE: list[Window] = []


class Prefilter(Protocol):
    name: str

    def candidates(self, data: bytes) -> dict[int, list[Window]]:
        """Rule index -> windows to confirm in (an empty list: the whole input).

        Probes (patterns that are not rules, such as "this blob holds a long
        base64 run") that fired are reported under negative keys: probe ``i``
        as ``-1 - i``.
        """
        ...


class KeywordPrefilter:
    name = "python"

    def __init__(self, rules: Sequence[Rule], probes: Sequence[str] = ()) -> None:
        self._always = [i for i, rule in enumerate(rules) if not rule.lower_keywords]
        self._rules_of: dict[bytes, list[int]] = {}
        for i, rule in enumerate(rules):
            for keyword in set(rule.lower_keywords):
                self._rules_of.setdefault(keyword, []).append(i)
        # Each distinct keyword is searched once, and a keyword that contains
        # a shorter one ("auth_token" contains "token") only when the shorter
        # one is present: with a few hundred rules this is most of the cost.
        keywords = sorted(self._rules_of, key=lambda k: (len(k), k))
        self._roots: list[bytes] = []
        self._children: dict[bytes, list[bytes]] = {}
        for n, keyword in enumerate(keywords):
            parents = [p for p in keywords[:n] if p in keyword and len(p) < len(keyword)]
            if parents:
                self._children.setdefault(max(parents, key=len), []).append(keyword)
            else:
                self._roots.append(keyword)
        # Without Hyperscan there is no cheap probe: every probe "fires" and
        # the exact finders decide, so findings stay the same.
        self._probes = {-1 - i: WHOLE for i in range(len(probes))}

    def candidates(self, data: bytes) -> dict[int, list[Window]]:
        lowered = data.lower()
        found: dict[int, list[Window]] = {i: WHOLE for i in self._always}
        pending = [k for k in self._roots if k in lowered]
        while pending:
            keyword = pending.pop()
            for i in self._rules_of[keyword]:
                found[i] = WHOLE
            pending.extend(k for k in self._children.get(keyword, ()) if k in lowered)
        found.update(self._probes)
        return found


def hyperscan_available() -> bool:
    """Hyperscan is installed and not switched off (LEAKWARDEN_PREFILTER=python)."""
    if os.environ.get("LEAKWARDEN_PREFILTER", "").lower() == "python":
        return False
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


class HyperscanPrefilter:
    name = "hyperscan"

    def __init__(self, rules: Sequence[Rule], cache_key: str | None = None,
                 probes: Sequence[str] = ()) -> None:
        import hyperscan

        self._hs = hyperscan
        # Scratch spaces, one per thread (see _scratch).
        self._local = threading.local()
        self._probes = list(probes)
        self._probe_base = 2 * len(rules) + 10 * sum(len(r.keywords) for r in rules) + 1
        # Widths are worked out on the first hit of each rule: parsing every
        # regex up front costs more than a whole pre-commit scan once the
        # catalog has a few hundred rules.
        self._rules = list(rules)
        self._widths: dict[int, int] = {}
        # Detector rules parse the lines around each hit themselves: their
        # windows need no widening to line starts or past the hit.
        self._tight = {i for i, r in enumerate(rules) if r.detector}
        # Rules whose regex Hyperscan cannot take are found through their
        # keywords instead; a hit there means "confirm over the whole blob".
        self._keyword_pattern_rule: dict[int, int] = {}
        self.keyword_fallback_rules: list[str] = []
        self._always_whole: list[int] = []
        cached = _load_cached(cache_key) if cache_key else None
        if cached is not None:
            blob, self._keyword_pattern_rule, fallback = cached
            self._db = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
            self._db.scratch = hyperscan.Scratch(self._db)
            self.keyword_fallback_rules = [rules[i].id for i in fallback]
            self._always_whole = [i for i in fallback if not rules[i].keywords]
            self._empty = False
            return
        expressions, ids, flags, fallback = self._plan(rules, set())
        try:
            self._db = self._compile(expressions, ids, flags)
        except hyperscan.error:
            # Only now find out which rules Hyperscan rejects: testing each one
            # up front would cost most of the start-up time on every run.
            rejected = {i for i, r in enumerate(rules) if not self._compiles(r.regex.encode())}
            expressions, ids, flags, fallback = self._plan(rules, rejected)
            self._db = self._compile(expressions, ids, flags)
        self.keyword_fallback_rules = [rules[i].id for i in fallback]
        self._always_whole = [i for i in fallback if not rules[i].keywords]
        if cache_key and self._db is not None:
            _store_cached(cache_key, (hyperscan.dumpb(self._db), self._keyword_pattern_rule,
                                      fallback))
        self._empty = self._db is None

    def _plan(self, rules: Sequence[Rule], rejected: set[int]
              ) -> tuple[list[bytes], list[int], list[int], list[int]]:
        hs = self._hs
        expressions: list[bytes] = []
        ids: list[int] = []
        flags: list[int] = []
        fallback: list[int] = []
        self._keyword_pattern_rule = {}
        for index, rule in enumerate(rules):
            if index not in rejected and not _too_wide_for_hyperscan(rule):
                expressions.append(rule.regex.encode())
                ids.append(index)
                flags.append(hs.HS_FLAG_PREFILTER)
                continue
            fallback.append(index)
            for keyword in rule.lower_keywords:
                pattern_id = len(rules) + len(self._keyword_pattern_rule)
                self._keyword_pattern_rule[pattern_id] = index
                expressions.append(_literal(keyword))
                ids.append(pattern_id)
                flags.append(hs.HS_FLAG_CASELESS | hs.HS_FLAG_SINGLEMATCH)
        for i, probe in enumerate(self._probes):
            expressions.append(probe.encode())
            ids.append(self._probe_base + i)
            flags.append(hs.HS_FLAG_SINGLEMATCH)
        return expressions, ids, flags, fallback

    def _compile(self, expressions: list[bytes], ids: list[int], flags: list[int]) -> Any:
        if not expressions:
            return None
        db = self._hs.Database(mode=self._hs.HS_MODE_BLOCK)
        db.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=flags)
        return db

    def _compiles(self, pattern: bytes) -> bool:
        try:
            self._compile([pattern], [0], [self._hs.HS_FLAG_PREFILTER])
        except self._hs.error:
            return False
        return True

    def _scratch(self) -> Any:  # a hyperscan.Scratch
        # The prefilter is shared by every scan in the process, but a scratch
        # space serves one scan at a time: threads (a Dask worker running
        # several repos) each get their own.
        try:
            return self._local.scratch
        except AttributeError:
            scratch = self._local.scratch = self._hs.Scratch(self._db)
            return scratch

    def candidates(self, data: bytes) -> dict[int, list[Window]]:
        found: dict[int, list[Window]] = {i: WHOLE for i in self._always_whole}
        if self._empty or not data:
            return found
        hits: dict[int, list[int]] = {}
        whole: set[int] = set()
        keyword_rule = self._keyword_pattern_rule
        probe_base = self._probe_base

        def on_match(pattern_id: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            if pattern_id in keyword_rule:
                whole.add(keyword_rule[pattern_id])
            elif pattern_id >= probe_base:
                found[probe_base - 1 - pattern_id] = WHOLE
            else:
                hits.setdefault(pattern_id, []).append(end)

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch())
        for index in whole:
            found[index] = WHOLE
        size = len(data)
        for index, ends in hits.items():
            if index in found:
                continue
            width = self._widths.get(index)
            if width is None:
                width = self._widths[index] = rule_width(self._rules[index])
            if index in self._tight:
                found[index] = _tight_windows(ends, width)
            else:
                found[index] = _merge_windows(ends, width, size, data)
        return found


def _too_wide_for_hyperscan(rule: Rule) -> bool:
    # Huge bounded repeats (a PEM body up to 32 KiB) blow up Hyperscan's
    # compile time and database; such rules have distinctive keywords anyway.
    return rule_width(rule) > _MAX_WINDOW




def _load_cached(key: str) -> tuple[bytes, dict[int, int], list[int]] | None:
    try:
        with open(cache_dir() / f"hs-{key}.pickle", "rb") as handle:
            return pickle.load(handle)
    except Exception:  # a missing, stale or damaged cache only costs a compile
        return None


def _store_cached(key: str, value: tuple[bytes, dict[int, int], list[int]]) -> None:
    try:
        directory = cache_dir()
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".hs-{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "wb") as handle:
            pickle.dump(value, handle)
        os.replace(tmp, directory / f"hs-{key}.pickle")
    except OSError:
        pass  # read-only home: compile every run, still correct


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


def _tight_windows(ends: list[int], width: int) -> list[Window]:
    """``width`` bytes before each hit, merged: where a detector looks for its words."""
    windows: list[Window] = []
    for end in sorted(set(ends)):
        start = max(0, end - width)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
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
            import sre_parse
        _, high = sre_parse.parse(rule.regex).getwidth()
    except Exception:  # the regex module accepts syntax re does not
        return _MAX_WINDOW
    return min(int(high), _MAX_WINDOW)


_built: dict[tuple[str, str], Prefilter] = {}


def make_prefilter(rules: Sequence[Rule], kind: str = "auto", probes: Sequence[str] = ()) -> Prefilter:
    """``auto`` takes Hyperscan when it is installed, else the keyword prefilter.

    A prefilter is built once per process per rule set, and Hyperscan's
    compiled database is cached on disk, so a pre-commit run does not pay the
    compile (about 0.7 s) every time.
    """
    use_hs = kind == "hyperscan" or (kind == "auto" and hyperscan_available())
    digest = hashlib.sha256()
    for rule in rules:
        digest.update(repr((rule.id, rule.regex, rule.keywords, rule.max_length)).encode())
    digest.update(repr(list(probes)).encode())
    key = digest.hexdigest()[:24]
    memo = (key, "hyperscan" if use_hs else "python")
    if memo not in _built:
        if use_hs:
            import hyperscan

            version = getattr(hyperscan, "__version__", "0")
            disk_key = hashlib.sha256(f"{key}:{version}:{platform.machine()}".encode()).hexdigest()[:24]
            _built[memo] = HyperscanPrefilter(rules, cache_key=disk_key, probes=probes)
        else:
            _built[memo] = KeywordPrefilter(rules, probes)
    return _built[memo]
