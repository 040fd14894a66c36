"""Turn an engine ``Match`` plus where its bytes came from into a ``Finding``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from scanner.engine.matcher import line_bounds
from scanner.engine.rules import Rule, RuleSet
from scanner.model import CONFIDENCE_ORDER, BlobOrigin, Finding, Match
from scanner.secrets import occurrence_fingerprint, redact, secret_hash

_CONTEXT = 100  # characters of the line shown either side of the secret


@dataclass(frozen=True)
class Location:
    line: int
    column: int
    end_line: int
    end_column: int
    context: str  # the line, secret redacted unless asked otherwise


def _chars(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def locate(data: bytes, match: Match, *, redacted: bool = True,
           others: Sequence[Match] = ()) -> Location:
    """Line and 1-based character columns of the secret, and its line for display.

    Computed where the bytes are (in the worker), so only this small value
    travels back, never the blob. Every other secret found on the shown line
    (``others``: all matches of the blob) is masked too: an AWS secret key's
    context must not print its access key id in clear.
    """
    line = data.count(b"\n", 0, match.start) + 1
    line_start, line_end = line_bounds(data, match.start, match.start)
    column = len(_chars(data[line_start:match.start])) + 1
    end_line = line + data.count(b"\n", match.start, match.end)
    end_line_start = data.rfind(b"\n", 0, match.end) + 1
    end_column = len(_chars(data[end_line_start:match.end])) + 1
    if end_column <= 1 and match.end > match.start:
        end_column = 2  # a secret ending in a newline still ends after column 1
    lo = max(line_start, match.start - 4 * _CONTEXT)
    after_end = match.end if end_line == line else min(line_end, match.end)
    hi = min(line_end, after_end + 4 * _CONTEXT)
    masked = sorted((o.start, o.end) for o in others
                    if o is not match and o.start < hi and o.end > lo and redacted
                    and not (o.start >= match.start and o.end <= match.end))
    before = _masked_text(data, lo, match.start, masked)[-_CONTEXT:]
    secret = _chars(match.secret)
    after = _masked_text(data, after_end, hi, masked)[:_CONTEXT]
    shown = redact(secret) if redacted else secret.replace("\n", "\\n")
    return Location(line, column, end_line, end_column, (before + shown + after).strip())


def locate_all(data: bytes, matches: Sequence[Match], *, redacted: bool = True
               ) -> list[tuple[Match, Location]]:
    """Each of a blob's matches with its ``locate``, the others masked."""
    return [(m, locate(data, m, redacted=redacted, others=matches)) for m in matches]


def _masked_text(data: bytes, lo: int, hi: int, masked: list[tuple[int, int]]) -> str:
    """``data[lo:hi]`` as text with every span in ``masked`` redacted."""
    out: list[str] = []
    pos = lo
    for start, end in masked:
        if end <= pos or start >= hi:
            continue
        start, end = max(start, pos), min(end, hi)
        out.append(_chars(data[pos:start]))
        out.append(redact(_chars(data[start:end])))
        pos = end
    out.append(_chars(data[pos:hi]))
    return "".join(out)


def rule_for(ruleset: RuleSet, rule_id: str) -> Rule:
    """The rule a match names: one of the set's (``by_id`` holds the parsers'
    rules, which have no regex and so are in no rule file, too)."""
    return ruleset.by_id[rule_id]


def choose_path(rule: Rule, ruleset: RuleSet, paths: list[str]) -> tuple[str, str | None] | None:
    """The path of the blob this rule reports at (path-scoped rules and path
    allowlists decide), with the label of the project allowlist that hides it
    there (None: reported): the first path nothing excludes, else the first
    one only a project allowlist excludes, so the finding is listed as
    suppressed by it. None when the rule or the catalog excludes every path."""
    hidden: tuple[str, str | None] | None = None
    for path in paths or [""]:
        if not rule.applies_to_path(path):
            continue
        allowing = [a for a in ruleset.allowlists if a.allows_path(path)]
        if not allowing:
            return path, None
        if hidden is None and all(a.source for a in allowing):
            hidden = (path, allowing[0].source)
    return hidden


def place_match(match: Match, rule: Rule, ruleset: RuleSet,
                paths: list[str]) -> tuple[Match, str] | None:
    """The match and the path it is reported at; a match only a project path
    allowlist hides there carries that allowlist's label (listed as suppressed)."""
    chosen = choose_path(rule, ruleset, paths)
    if chosen is None:
        return None
    path, label = chosen
    if label is not None and match.allowlist is None:
        match = replace(match, allowlist=label)
    return match, path


def build_finding(
    match: Match,
    location: Location,
    origin: BlobOrigin,
    rule: Rule,
    path: str,
    *,
    redacted: bool = True,
    source: str = "git",
    hash_key: bytes | None = None,
) -> Finding:
    secret = _chars(match.secret)
    first = next((i for i in origin.introductions if i.path == path), origin.first)
    return Finding(
        rule=rule.id,
        description=rule.description,
        severity=rule.severity,
        confidence=match.confidence or rule.confidence,
        secret=redact(secret) if redacted else secret,
        fingerprint=occurrence_fingerprint(rule.id, origin.oid, match.start, match.end),
        secret_hash=secret_hash(rule.id, match.secret, hash_key),
        path=path,
        line=location.line,
        column=location.column,
        end_line=location.end_line,
        end_column=location.end_column,
        blob=origin.oid,
        span=(match.start, match.end),
        entropy=match.entropy,
        reachable=origin.reachable,
        commit=first.commit if first else None,
        author=first.author if first else None,
        email=first.email if first else None,
        date=first.date if first else None,
        summary=first.summary if first else None,
        occurrences=max(1, len(origin.introductions)),
        paths=list(origin.paths),
        context=location.context,
        decoded=match.decoded,
        source=source,
        extra=dict(match.labels),
    )


def _specificity(match: Match, rule: Rule) -> tuple[int, int, int]:
    generic = bool(rule.detector) or rule.confidence == "low"
    confidence = CONFIDENCE_ORDER.index(match.confidence or rule.confidence)
    return (0 if generic else 1, 1 if rule.path else 0, confidence)


def one_per_secret(hits: list[tuple[Match, Location, Rule, str]]
                   ) -> list[tuple[Match, Location, Rule, str]]:
    """One finding per secret per place: a generic (detector or low-confidence)
    match is dropped where a specific rule reported an overlapping secret, and
    of two rules on the very same span only the more specific one stays. Done
    by every source after path filtering, because path-scoped rules are only known to
    apply once the blob's path is chosen."""
    if len(hits) < 2:
        return hits
    by_line: dict[int, list[tuple[tuple[int, int, int], Match, Location, Rule, str]]] = {}
    ranked = []
    for m, loc, r, p in hits:  # overlapping secrets start on the same line
        entry = (_specificity(m, r), m, loc, r, p)
        by_line.setdefault(loc.line, []).append(entry)
        ranked.append(entry)
    out = []
    for spec, m, loc, r, p in ranked:
        beaten = False
        for other_spec, o, _, orule, _ in by_line[loc.line]:
            if o is m:
                continue
            if spec[0] == 0 and other_spec[0] == 1 and o.start < m.end and m.start < o.end:
                beaten = True
            elif (o.start, o.end) == (m.start, m.end) and (other_spec, orule.id) > (spec, r.id):
                beaten = True
            if beaten:
                break
        if not beaten:
            out.append((m, loc, r, p))
    return out
