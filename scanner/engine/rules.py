"""Rules are data: TOML files in ``rules/`` become a compiled ``RuleSet``.

A rule file holds ``[[rules]]`` tables in the gitleaks shape, plus what
leakwarden adds: ``severity``, ``confidence``, ``validate`` (a named checksum
or structure check) and ``examples`` / ``negative_examples`` that the test
suite runs. See rules/README.md for every field.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TypeAlias, cast

import regex

from scanner.engine.patterns import bytes_pattern, text_pattern
from scanner.model import CONFIDENCE_ORDER, SEVERITY_ORDER, Confidence, JSONObject, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# The class attribute ``Rule.regex`` (the pattern text) shadows the module
# inside the class body, so annotations there use this alias.
BytesPattern: TypeAlias = "regex.Pattern[bytes]"

class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and rule."""


@dataclass(frozen=True)
class Allowlist:
    """What a rule (or the whole rule set) must not report.

    ``regexes`` run against the secret (or, with ``regex_target = "match"``,
    the whole match, or ``"line"``, the line); ``stopwords`` are substrings of
    the secret, case-insensitive; ``paths`` are regexes against the path.
    """

    description: str = ""
    regexes: list[str] = field(default_factory=list)
    regex_target: str = "secret"
    stopwords: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    # Where a project's allowlist comes from ("a.toml [[allowlists]] #1");
    # empty for the catalog's own, which are part of a rule's definition.
    # What a labelled allowlist allows is reported as suppressed, not dropped.
    source: str = ""

    # Derived from ``stopwords`` (plain data, like ``Rule.lower_keywords``):
    # ``allows_text`` runs per candidate match and compares lowered bytes.
    lower_stopwords: list[bytes] = field(init=False, repr=False, compare=False, default_factory=list)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lower_stopwords", [s.lower().encode() for s in self.stopwords])

    def allows_text(self, secret: bytes, match: bytes, line: bytes) -> bool:
        if self.regexes:
            target = match if self.regex_target == "match" else line if self.regex_target == "line" else secret
            if any(bytes_pattern(r).search(target) for r in self.regexes):
                return True
        if not self.lower_stopwords:
            return False
        lowered = secret.lower()
        return any(s in lowered for s in self.lower_stopwords)

    def allows_path(self, path: str) -> bool:
        return any(text_pattern(p).search(path) for p in self.paths)

    @classmethod
    def from_dict(cls, data: JSONObject) -> Allowlist:
        return cls(
            description=str(data.get("description", "")),
            regexes=list(data.get("regexes", [])),
            regex_target=str(data.get("regexTarget", data.get("regex_target", "secret"))),
            stopwords=list(data.get("stopwords", [])),
            paths=list(data.get("paths", [])),
        )


@dataclass(frozen=True)
class Rule:
    """One detector, as data: what the rule files and configs say, nothing
    compiled (``scanner.engine.patterns`` compiles and caches patterns)."""

    id: str
    description: str
    regex: str
    keywords: list[str] = field(default_factory=list)
    secret_group: int | str | None = None
    entropy: float | None = None
    path: str | None = None
    severity: Severity = "high"
    confidence: Confidence = "high"
    validate: str | None = None
    # How far (bytes) a match can stretch; bounds the confirm window around a
    # prefilter hit. None: derived from the regex, capped at 4 KiB.
    max_length: int | None = None
    # A named detector (scanner.engine.assignments) that judges the bytes around
    # each prefilter hit instead of a regex confirm; ``regex`` then only
    # feeds the prefilter. Its findings carry their own confidence.
    detector: str | None = None
    allowlists: list[Allowlist] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    negative_examples: list[str] = field(default_factory=list)
    source: str = ""  # the file it came from, for error messages

    # Derived from ``keywords`` (plain data, pickled with the rule): the
    # prefilter and the confirm step compare lowered bytes.
    lower_keywords: list[bytes] = field(init=False, repr=False, compare=False, default_factory=list)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lower_keywords", [k.lower().encode() for k in self.keywords])

    @property
    def compiled(self) -> BytesPattern:
        """The rule's regex, compiled on first use (cached by pattern)."""
        try:
            return bytes_pattern(self.regex)
        except regex.error as exc:
            raise RuleError(f"{self.source}: rule {self.id!r}: bad regex: {exc}") from exc

    def check(self) -> None:
        """Raise ``RuleError`` now for a regex the engine could not run later."""
        self.compiled  # noqa: B018
        if self.path:
            try:
                text_pattern(self.path)
            except regex.error as exc:
                raise RuleError(f"{self.source}: rule {self.id!r}: bad path regex: {exc}") from exc

    def applies_to_path(self, path: str) -> bool:
        if self.path and not text_pattern(self.path).search(path):
            return False
        return not any(a.allows_path(path) for a in self.allowlists)

    @classmethod
    def from_dict(cls, data: JSONObject, source: str = "") -> Rule:
        try:
            rule_id = str(data["id"])
        except KeyError:
            raise RuleError(f"{source}: a rule has no 'id'") from None
        if "regex" not in data:
            raise RuleError(f"{source}: rule {rule_id!r} has no 'regex'")
        allowlists = [Allowlist.from_dict(a) for a in data.get("allowlists", [])]
        if "allowlist" in data:  # gitleaks v8.0-8.20 spelling: a single table
            allowlists.append(Allowlist.from_dict(data["allowlist"]))
        secret_group = data.get("secretGroup", data.get("secret_group"))
        rule = cls(
            id=rule_id,
            description=str(data.get("description", rule_id)),
            regex=str(data["regex"]),
            keywords=[str(k) for k in data.get("keywords", [])],
            secret_group=secret_group,
            entropy=float(data["entropy"]) if "entropy" in data else None,
            path=data.get("path"),
            # Checked against the orders below, before the rule is used.
            severity=cast(Severity, str(data.get("severity", "high"))),
            confidence=cast(Confidence, str(data.get("confidence", "high"))),
            validate=data.get("validate"),
            max_length=int(data["max_length"]) if "max_length" in data else None,
            detector=data.get("detector"),
            allowlists=allowlists,
            examples=[str(e) for e in data.get("examples", [])],
            negative_examples=[str(e) for e in data.get("negative_examples", [])],
            source=source,
        )
        if rule.severity not in SEVERITY_ORDER:
            raise RuleError(f"{source}: rule {rule_id!r}: severity must be one of {SEVERITY_ORDER}")
        if rule.confidence not in CONFIDENCE_ORDER:
            raise RuleError(f"{source}: rule {rule_id!r}: confidence must be one of {CONFIDENCE_ORDER}")
        rule.check()  # fail at load time, not mid-scan
        return rule


@dataclass
class RuleSet:
    """Rules plus the allowlists that apply to all of them. Compiled once per process."""

    rules: list[Rule]
    allowlists: list[Allowlist] = field(default_factory=list)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise RuleError(f"{rule.source}: duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        self.by_id = {r.id: r for r in self.rules}

    @cached_property
    def version(self) -> str:
        """A digest of everything that changes what is found: stores key cursors on it."""
        h = hashlib.sha256()
        for rule in self.rules:
            h.update(repr((rule.id, rule.regex, rule.keywords, rule.secret_group, rule.entropy,
                           rule.path, rule.validate, rule.detector, rule.allowlists)).encode())
        for allow in self.allowlists:
            h.update(repr(allow).encode())
        return h.hexdigest()[:16]

    def select(self, enable: Iterable[str] = (), disable: Iterable[str] = ()) -> RuleSet:
        enable, disable = set(enable), set(disable)
        unknown = (enable | disable) - set(self.by_id)
        if unknown:
            raise RuleError(f"unknown rule id(s): {', '.join(sorted(unknown))}")
        rules = [r for r in self.rules if (not enable or r.id in enable) and r.id not in disable]
        return RuleSet(rules, self.allowlists)

    def extended(self, rules: Sequence[Rule] = (), allowlists: Sequence[Allowlist] = ()) -> RuleSet:
        """A new set with extra (or replacing, by id) rules and extra global allowlists."""
        replaced = {r.id for r in rules}
        merged = [r for r in self.rules if r.id not in replaced] + list(rules)
        return RuleSet(merged, self.allowlists + list(allowlists))


def builtin_rules_dir() -> Path:
    """The shipped rules: inside the wheel as ``scanner/rules``; in a source
    checkout (editable install) they are the top-level ``rules/``."""
    packaged = resources.files("scanner").joinpath("rules")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "rules"


def load_rule_file(path: Path) -> tuple[list[Rule], list[Allowlist]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path}: cannot read rule file: {exc}") from exc
    rules = [Rule.from_dict(r, source=str(path)) for r in data.get("rules", [])]
    allowlists = [Allowlist.from_dict(a) for a in data.get("allowlists", [])]
    if "allowlist" in data:
        allowlists.append(Allowlist.from_dict(data["allowlist"]))
    return rules, allowlists


def load_rules(directory: Path | None = None) -> RuleSet:
    directory = directory or builtin_rules_dir()
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise RuleError(f"no rule files (*.toml) in {directory}")
    rules: list[Rule] = []
    allowlists: list[Allowlist] = []
    for path in files:
        file_rules, file_allow = load_rule_file(path)
        rules.extend(file_rules)
        allowlists.extend(file_allow)
    return RuleSet(rules, allowlists)


def describe_rule(rule: Rule) -> JSONObject:
    """What ``leakwarden rules list`` shows: the rule's data, its keywords, and
    its first example with the secret in it redacted (the examples are made
    up, but a listing still never prints a secret-shaped string in clear)."""
    from scanner.secrets import redact

    example = ""
    if rule.examples:
        example = rule.examples[0]
        m = rule.compiled.search(example.encode())
        if m is not None:
            group = "secret" if "secret" in rule.compiled.groupindex else (1 if m.re.groups else 0)
            secret = m.group(group)
            if secret:
                text = secret.decode("utf-8", "replace")
                example = example.replace(text, redact(text))
    return {"id": rule.id, "description": rule.description, "family": Path(rule.source).stem,
            "severity": rule.severity, "confidence": rule.confidence, "keywords": list(rule.keywords),
            "path": rule.path, "example": example}


def filter_rules(rules: Iterable[Rule], *, provider: str | None = None, severity: str | None = None,
                 confidence: str | None = None) -> list[Rule]:
    """Rules whose id, family or description names ``provider`` (case-insensitive),
    of at least ``severity`` and ``confidence``."""
    out = []
    for rule in rules:
        if provider and provider.lower() not in f"{rule.id} {Path(rule.source).stem} {rule.description}".lower():
            continue
        if severity and SEVERITY_ORDER.index(rule.severity) < SEVERITY_ORDER.index(severity):
            continue
        if confidence and CONFIDENCE_ORDER.index(rule.confidence) < CONFIDENCE_ORDER.index(confidence):
            continue
        out.append(rule)
    return out


_default: RuleSet | None = None


def default_rules() -> RuleSet:
    """The built-in rule set, loaded and compiled once per process."""
    global _default
    if _default is None:
        _default = load_rules()
    return _default
