"""Bytes in, matches out. The engine knows nothing about git, GitHub or AWS.

For each input: the prefilter names candidate rules and windows, each
candidate is confirmed with its ``regex`` (bounded by a timeout so a
pathological input cannot hang a scan), then the secret must pass the rule's
keyword, entropy, checksum and allowlist checks and must not stand on a line
marked ``leakwarden:allow``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from functools import cached_property

import regex

from scanner.engine import assignments, decoding, terraform_state
from scanner.engine.entropy import shannon_entropy
from scanner.engine.patterns import text_pattern
from scanner.engine.placeholders import looks_like_placeholder
from scanner.engine.prefilter import Prefilter, make_prefilter
from scanner.engine.rules import Allowlist, Rule, RuleSet
from scanner.engine.validators import VALIDATORS
from scanner.model import CONFIDENCE_ORDER, Confidence, Match, ScanError

# Inline markers that silence a finding on their line; the two foreign ones
# let teams migrating from gitleaks and detect-secrets keep their annotations.
# A marker counts only as a whole word inside a comment on the secret's own
# line: ``xleakwarden:allowx`` or a marker in a string value is not one, and a
# marker on a line longer than ``MAX_MARKER_LINE`` bytes (a minified bundle,
# where one marker would silence every secret in the file) silences nothing.
INLINE_ALLOW = regex.compile(
    rb"(?<![\w:./-])(?:leakwarden:allow|gitleaks:allow|pragma:[ \t]*allowlist[ -]secret)(?![\w:-])")
_COMMENT_OPENER = regex.compile(rb"(?:#|//|/\*|<!--|--|;|%|\(\*|\{-|\bREM\b|::)")
# Every line break an editor, a diff view or str.splitlines() honours, as
# UTF-8 bytes: a marker after a bare \r or U+2028 looks like a line of its
# own to a reviewer, so it is one here too.
_LINE_BREAK = regex.compile(rb"[\n\r\x0b\x0c\x1c\x1d\x1e]|\xc2\x85|\xe2\x80[\xa8\xa9]")
MAX_MARKER_LINE = 400

DEFAULT_REGEX_TIMEOUT = 5.0


class _CompiledRule:
    """A rule ready to confirm matches. Its regex compiles on first use, so a
    small input (a pre-commit change) pays only for the rules it can trigger."""

    def __init__(self, rule: Rule, validator: object | None, allowlists: list[Allowlist]) -> None:
        self.rule = rule
        self.validator = validator
        # The rule's own allowlists, then the rule set's: checked per match.
        self.allowlists = rule.allowlists + allowlists

    @cached_property
    def pattern(self) -> regex.Pattern[bytes]:
        return self.rule.compiled

    @cached_property
    def group(self) -> int | str:
        return _secret_group(self.rule, self.pattern)


def _secret_group(rule: Rule, pattern: regex.Pattern[bytes]) -> int | str:
    if rule.secret_group not in (None, 0, ""):
        return rule.secret_group
    if "secret" in pattern.groupindex:
        return "secret"
    return 1 if pattern.groups else 0


def line_bounds(data: bytes, start: int, end: int) -> tuple[int, int]:
    """Start of the line holding ``start`` and end of the line holding ``end``."""
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", end)
    return line_start, len(data) if line_end < 0 else line_end


def _marker_line(data: bytes, pos: int) -> bytes | None:
    """The line holding ``pos`` (split at every kind of line break), or None
    when it is longer than ``MAX_MARKER_LINE``. Looks at a bounded window
    only, so a multi-megabyte single-line file costs nothing more."""
    lo = max(0, pos - MAX_MARKER_LINE - 2)
    hi = min(len(data), pos + MAX_MARKER_LINE + 2)
    breaks = list(_LINE_BREAK.finditer(data, lo, pos))
    before = breaks[-1] if breaks else None
    if before is None and lo > 0:
        return None
    start = before.end() if before is not None else 0
    after = _LINE_BREAK.search(data, pos, hi)
    if after is None and hi < len(data):
        return None
    end = after.start() if after is not None else len(data)
    return data[start:end] if end - start <= MAX_MARKER_LINE else None


def inline_marker(data: bytes, match_start: int, match_end: int) -> str | None:
    """The marker that silences a match at this span, if any: a whole-word
    marker in a comment on the line where the match starts or ends."""
    positions = {match_start, max(match_start, match_end - 1)}
    for pos in sorted(positions):
        line = _marker_line(data, pos)
        if line is None:
            continue
        for found in INLINE_ALLOW.finditer(line):
            if _COMMENT_OPENER.search(line, 0, found.start()):
                return found.group().decode("ascii", "replace")
    return None


class Engine:
    """A compiled rule set ready to scan bytes. Build once, scan many times."""

    def __init__(
        self,
        ruleset: RuleSet,
        *,
        regex_timeout: float = DEFAULT_REGEX_TIMEOUT,
        prefilter: str = "auto",
        decode: bool = True,
        structured: bool = True,
        max_decode_depth: int = decoding.DEFAULT_MAX_DECODE_DEPTH,
        inline_allow: bool = True,
    ) -> None:
        self.ruleset = ruleset
        # Parse documents whose structure names the secret (Terraform state
        # and plan JSON) besides matching their bytes.
        self.structured = structured
        # False: markers are ignored (strict CI); True: a marked match is kept
        # with ``Match.allowed`` set, so the suppression can be accounted for.
        self.inline_allow = inline_allow
        self.regex_timeout = regex_timeout
        self.max_decode_depth = max(0, max_decode_depth) if decode else 0
        self.decode = self.max_decode_depth > 0
        probes = decoding.probes(self.max_decode_depth)
        self._probe_kinds = [kind for kind, _ in probes]
        # Which rules may silence an overlapping generic (low-confidence) match:
        # not path-scoped ones, whose path is only known after the engine.
        # Detectors are generic by nature: a specific rule on the same secret wins.
        rank = CONFIDENCE_ORDER.index
        self._rank = {r.id: (0 if r.detector else rank(r.confidence)) if not r.path else -1
                      for r in ruleset.rules}
        self._rank.update((r.id, rank(r.confidence)) for r in ruleset.parsed)
        # The parser's findings are kept only under the rule ids the set enables.
        self._parsed_ids = frozenset(r.id for r in ruleset.parsed)
        # Path-scoped rules (credential files by name) stay out of the
        # prefilter: they run whole-blob, and only on blobs seen at a matching
        # path, which is both exact and far cheaper than prefiltering every
        # blob for words like "password". They are numbered after the others
        # so prefilter indices need no translation.
        ordered = [r for r in ruleset.rules if not r.path] + [r for r in ruleset.rules if r.path]
        self._rules: list[_CompiledRule] = []
        for rule in ordered:
            if rule.validate and rule.validate not in VALIDATORS:
                raise ValueError(f"rule {rule.id!r}: unknown validate {rule.validate!r}")
            if rule.detector and rule.detector not in assignments.DETECTORS:
                raise ValueError(f"rule {rule.id!r}: unknown detector {rule.detector!r}")
            self._rules.append(_CompiledRule(
                rule, VALIDATORS.get(rule.validate) if rule.validate else None, ruleset.allowlists))
        indexed = sum(1 for r in ordered if not r.path)
        self._path_rules = list(range(indexed, len(ordered)))
        self._path_cache: dict[str, tuple[int, ...]] = {}
        self.prefilter: Prefilter = make_prefilter(
            ordered[:indexed], prefilter,
            [pattern for _, pattern in probes])

    def compile_all(self) -> None:
        """Compile every rule now: before forking workers, so each does not
        compile the same regexes again."""
        for compiled in self._rules:
            if not compiled.rule.detector:
                compiled.group  # noqa: B018 - compiles the pattern too

    def _candidates(self, data: bytes, paths: Sequence[str] | None) -> dict[int, list[tuple[int, int]]]:
        found = self.prefilter.candidates(data)
        if not self._path_rules or not data:
            return found
        if paths is None:  # bytes of unknown origin: every path rule may apply
            found.update((i, []) for i in self._path_rules)
            return found
        for path in paths:
            for i in self._rules_at(path):
                found[i] = []
        return found

    def _rules_at(self, path: str) -> tuple[int, ...]:
        rules = self._path_cache.get(path)
        if rules is None:  # a history has few distinct paths: test each once
            rules = self._path_cache[path] = tuple(
                i for i in self._path_rules
                if text_pattern(self._rules[i].rule.path or "").search(path))
        return rules

    def path_rules(self, paths: Sequence[str]) -> frozenset[int]:
        """The path-scoped rules that apply at any of ``paths``: all that the
        paths a blob is known at change about how it is matched."""
        out: set[int] = set()
        for path in paths:
            out.update(self._rules_at(path))
        return frozenset(out)

    def scan(self, data: bytes, paths: Sequence[str] | None = None
             ) -> tuple[list[Match], list[ScanError]]:
        """All matches in ``data``, sorted by offset, and the rules that could not finish.

        Secrets hidden one layer down (base64, percent, backslash escapes) are
        found in the decoded text and reported at the span of the encoded run,
        with ``Match.decoded`` naming the encoding.
        """
        candidates = self._candidates(data, paths)
        found: list[Match] = []
        errors: list[ScanError] = []
        # Most blobs of a history have no candidate at all: nothing to
        # confirm, decode or rank (a few microseconds each, 50k+ times).
        if candidates:
            probes = {self._probe_kinds[-1 - k] for k in candidates if k < 0}
            matches, errors = self._scan_plain(data, candidates, paths)
            if probes:
                self._scan_decoded(data, probes, matches, errors, paths)
            found = _prefer_specific(matches.values(), self._rank)
        if self.structured and self._parsed_ids:
            parsed = [m for m in terraform_state.find_matches(data, list(paths) if paths else None)
                      if m.rule_id in self._parsed_ids]
            if parsed:
                found = self._merge_parsed(found, parsed)
        return found, errors

    def _merge_parsed(self, found: list[Match], parsed: list[Match]) -> list[Match]:
        """One secret, one finding. Where a specific (high-confidence, not
        file-scoped) rule matched inside a parsed attribute, its finding stays
        -- verifiers key on its rule id -- and gains the resource address;
        generic and state-file regex matches give way to the parsed one."""
        by_id = self.ruleset.by_id
        kept: list[Match] = []
        covered: set[int] = set()
        values = {p.secret for p in parsed}
        for m in found:
            rule = by_id.get(m.rule_id)
            hits = [i for i, p in enumerate(parsed) if p.start < m.end and m.start < p.end]
            if not hits:
                # The parser read this value's attribute name: a name-guessing
                # rule has nothing to add on a value it reported elsewhere
                # (a plan repeats each value) or on a reference.
                generic = rule is None or rule.confidence == "low" or bool(rule.path) or bool(rule.detector)
                if not (generic and (m.secret in values or m.secret.startswith(b"arn:"))):
                    kept.append(m)
                continue
            if rule is not None and rule.confidence == "high" and not rule.path:
                covered.update(hits)
                kept.append(replace(m, labels=parsed[hits[0]].labels))
        kept.extend(p for i, p in enumerate(parsed) if i not in covered)
        return sorted(kept, key=lambda m: (m.start, m.end, m.rule_id))

    def _scan_decoded(self, data: bytes, probes: set[str],
                      matches: dict[tuple[str, int, int], Match], errors: list[ScanError],
                      paths: Sequence[str] | None) -> None:
        plain = [m for m in matches.values() if m.decoded is None]
        budget = decoding.Budget()  # one for every layer of this blob
        for chain, inner in self._layers(data, probes, errors, paths, (), budget):
            outer = chain[0]
            # A plain finding already covering the whole encoded run (a
            # Kubernetes Secret value, a service-account key) says it.
            if any(p.start <= outer.start and p.end >= outer.end for p in plain):
                continue
            kind = ">".join(piece.kind for piece in chain)
            for m in inner.values():
                start, end = m.start, m.end
                for piece in reversed(chain):  # innermost layer's span, outwards
                    start, end = piece.span(start, end)
                key = (m.rule_id, start, end)
                if key not in matches:
                    marker = inline_marker(data, start, end) if self.inline_allow else None
                    matches[key] = Match(m.rule_id, start, end, start, end, m.secret, m.entropy,
                                         decoded=kind, allowed=marker, confidence=m.confidence,
                                         allowlist=m.allowlist)

    def _layers(self, data: bytes, probes: set[str], errors: list[ScanError],
                paths: Sequence[str] | None, chain: tuple[decoding.Decoded, ...],
                budget: decoding.Budget,
                ) -> Iterator[tuple[tuple[decoding.Decoded, ...], dict[tuple[str, int, int], Match]]]:
        """(the pieces from the blob down to this layer, the matches in it), for
        each decoded piece, depth-first down to ``max_decode_depth`` layers."""
        for piece in decoding.encoded_runs(data, probes, budget):
            here = (*chain, piece)
            candidates = self._candidates(piece.data, paths)
            inner, inner_errors = self._scan_plain(piece.data, candidates, paths)
            errors.extend(inner_errors)
            yield here, inner
            if len(here) < self.max_decode_depth:
                deeper = {self._probe_kinds[-1 - k] for k in candidates if k < 0}
                if deeper:
                    yield from self._layers(piece.data, deeper, errors, paths, here, budget)

    def _scan_plain(self, data: bytes, candidates: dict[int, list[tuple[int, int]]],
                    paths: Sequence[str] | None = None
                    ) -> tuple[dict[tuple[str, int, int], Match], list[ScanError]]:
        matches: dict[tuple[str, int, int], Match] = {}
        errors: list[ScanError] = []
        context = None
        for index, windows in candidates.items():
            if index < 0:
                continue
            compiled = self._rules[index]
            spans = windows or [(0, len(data))]
            if compiled.rule.detector:
                if context is None:
                    context = assignments.make_context(data, paths)
                self._detect(compiled, data, spans, context, matches)
                continue
            try:
                for start, end in spans:
                    self._confirm(compiled, data, start, end, matches)
            except TimeoutError:
                errors.append(ScanError(
                    kind="regex-timeout", rule=compiled.rule.id,
                    message=f"rule {compiled.rule.id} gave up after {self.regex_timeout:g}s "
                            "on this input; the rest of it was scanned with the other rules",
                ))
        return matches, errors

    def _detect(self, compiled: _CompiledRule, data: bytes, spans: list[tuple[int, int]],
                context: assignments._Context, out: dict[tuple[str, int, int], Match]) -> None:
        """A detector rule: judged in Python on the lines around each hit.
        A construct it cannot parse gives no finding, never an error."""
        rule = compiled.rule
        detect = assignments.DETECTORS[rule.detector]  # type: ignore[index]
        for start, end in spans:
            for hit in detect(data, start, end, ctx=context):
                key = (rule.id, hit.start, hit.end)
                if key in out:
                    continue
                match = self._admit(compiled, data, hit.start, hit.end, hit.match_start, hit.match_end,
                                    shannon_entropy(data[hit.start:hit.end]),
                                    decoded=hit.decoded, confidence=hit.confidence)
                if match is not None:
                    out[key] = match

    def _confirm(self, compiled: _CompiledRule, data: bytes, pos: int, endpos: int,
                 out: dict[tuple[str, int, int], Match]) -> None:
        rule = compiled.rule
        for m in compiled.pattern.finditer(data, pos, endpos, timeout=self.regex_timeout):
            group = compiled.group
            start, end = m.span(group)
            if start < 0:  # the secret group did not take part: take the first one that did
                start, end = next((m.span(g) for g in range(1, len(m.groups()) + 1)
                                   if m.span(g)[0] >= 0), m.span(0))
            if end <= start:
                continue
            key = (rule.id, start, end)
            if key in out:
                continue
            match = self._accept(rule, compiled, data, m.start(), m.end(), start, end)
            if match is not None:
                out[key] = match

    def _accept(self, rule: Rule, compiled: _CompiledRule, data: bytes, match_start: int,
                match_end: int, start: int, end: int) -> Match | None:
        secret = data[start:end]
        whole = data[match_start:match_end]
        if rule.lower_keywords:
            lowered = whole.lower()
            if not any(k in lowered for k in rule.lower_keywords):
                return None
        entropy = shannon_entropy(secret)
        if rule.entropy is not None and entropy < rule.entropy:
            return None
        if compiled.validator is not None and not compiled.validator(secret):  # type: ignore[operator]
            return None
        return self._admit(compiled, data, start, end, match_start, match_end, entropy)

    def _admit(self, compiled: _CompiledRule, data: bytes, start: int, end: int, match_start: int,
               match_end: int, entropy: float, *, decoded: str | None = None,
               confidence: Confidence | None = None) -> Match | None:
        """The checks every finding passes, a regex rule's or a detector's."""
        secret = data[start:end]
        # Values typed for a reader (alphabet runs, a1b2c3, xxxx, jwt.io's
        # sample) have the right shape and are never credentials, whichever
        # rule or detector found them.
        if looks_like_placeholder(secret):
            return None
        whole = data[match_start:match_end]
        line_start, line_end = line_bounds(data, match_start, match_end)
        line = data[line_start:line_end]
        allowing = [a for a in compiled.allowlists if a.allows_text(secret, whole, line)]
        if any(not a.source for a in allowing):
            return None  # the rule's own definition (or the catalog's) excludes it
        marker = inline_marker(data, match_start, match_end) if self.inline_allow else None
        return Match(compiled.rule.id, start, end, match_start, match_end, secret, round(entropy, 3),
                     decoded=decoded, allowed=marker, confidence=confidence,
                     allowlist=allowing[0].source if allowing else None)


def _prefer_specific(matches: Iterable[Match], rank: dict[str, int]) -> list[Match]:
    """Sorted matches, without low-confidence (generic) matches whose secret
    overlaps a more confident rule's: one secret, one finding, the specific
    rule's (an AWS secret key is not also a "generic secret assignment")."""
    ordered = sorted(matches, key=lambda m: (m.start, m.end, m.rule_id))
    confident = [(m.start, m.end) for m in ordered if rank[m.rule_id] > 0]
    if not confident or not any(rank[m.rule_id] == 0 for m in ordered):
        return ordered
    return [m for m in ordered
            if rank[m.rule_id] != 0 or not any(s < m.end and m.start < e for s, e in confident)]
