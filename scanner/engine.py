"""Bytes in, matches out. The engine knows nothing about git, GitHub or AWS.

For each input: the prefilter names candidate rules and windows, each
candidate is confirmed with its ``regex`` (bounded by a timeout so a
pathological input cannot hang a scan), then the secret must pass the rule's
keyword, entropy, checksum and allowlist checks and must not stand on a line
marked ``leakwarden:allow``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import regex

from scanner.entropy import shannon_entropy
from scanner.model import Match, ScanError
from scanner.prefilter import Prefilter, make_prefilter
from scanner.rules import Rule, RuleSet
from scanner.validators import VALIDATORS

# Inline markers that silence a finding on their line; the two foreign ones
# let teams migrating from gitleaks and detect-secrets keep their annotations.
INLINE_ALLOW = regex.compile(rb"leakwarden:allow|gitleaks:allow|pragma:\s*allowlist[ -]secret")

DEFAULT_REGEX_TIMEOUT = 5.0


@dataclass
class _CompiledRule:
    rule: Rule
    pattern: regex.Pattern[bytes]
    group: int | str
    validator: object | None


def _secret_group(rule: Rule, pattern: regex.Pattern[bytes]) -> int | str:
    if rule.secret_group not in (None, 0, ""):
        return rule.secret_group  # type: ignore[return-value]
    if "secret" in pattern.groupindex:
        return "secret"
    return 1 if pattern.groups else 0


def line_bounds(data: bytes, start: int, end: int) -> tuple[int, int]:
    """Start of the line holding ``start`` and end of the line holding ``end``."""
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", end)
    return line_start, len(data) if line_end < 0 else line_end


class Engine:
    """A compiled rule set ready to scan bytes. Build once, scan many times."""

    def __init__(
        self,
        ruleset: RuleSet,
        *,
        regex_timeout: float = DEFAULT_REGEX_TIMEOUT,
        prefilter: str = "auto",
    ) -> None:
        self.ruleset = ruleset
        self.regex_timeout = regex_timeout
        self._rules: list[_CompiledRule] = []
        for rule in ruleset.rules:
            if rule.validate and rule.validate not in VALIDATORS:
                raise ValueError(f"rule {rule.id!r}: unknown validate {rule.validate!r}")
            self._rules.append(
                _CompiledRule(rule, rule.compiled, _secret_group(rule, rule.compiled),
                              VALIDATORS.get(rule.validate) if rule.validate else None)
            )
        self.prefilter: Prefilter = make_prefilter(ruleset.rules, prefilter)

    def scan(self, data: bytes) -> tuple[list[Match], list[ScanError]]:
        """All matches in ``data``, sorted by offset, and the rules that could not finish."""
        matches: dict[tuple[str, int, int], Match] = {}
        errors: list[ScanError] = []
        for index, windows in self.prefilter.candidates(data).items():
            compiled = self._rules[index]
            spans = windows or [(0, len(data))]
            try:
                for start, end in spans:
                    self._confirm(compiled, data, start, end, matches)
            except TimeoutError:
                errors.append(ScanError(
                    kind="regex-timeout", rule=compiled.rule.id,
                    message=f"rule {compiled.rule.id} gave up after {self.regex_timeout:g}s "
                            "on this input; the rest of it was scanned with the other rules",
                ))
        return sorted(matches.values(), key=lambda m: (m.start, m.end, m.rule_id)), errors

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
        line_start, line_end = line_bounds(data, match_start, match_end)
        line = data[line_start:line_end]
        allowlists = rule.allowlists + self.ruleset.allowlists
        if any(a.allows_text(secret, whole, line) for a in allowlists):
            return None
        if INLINE_ALLOW.search(line):
            return None
        return Match(rule.id, start, end, match_start, match_end, secret, round(entropy, 3))


def scan_bytes(data: bytes, ruleset: RuleSet) -> list[Match]:
    """Convenience for a one-off check (builds an Engine each call: not for loops)."""
    return Engine(ruleset).scan(data)[0]


def rules_hit(matches: Iterable[Match]) -> set[str]:
    return {m.rule_id for m in matches}
