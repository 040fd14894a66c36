"""Small views of a result that several human-facing reports share."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from scanner import model
from scanner.model import Finding, Severity

# Most severe first, as reports list findings.
SEVERITY_ORDER: tuple[Severity, ...] = tuple(reversed(model.SEVERITY_ORDER))


def by_rule_and_severity(findings: list[Finding]) -> list[tuple[Severity, str, str, int]]:
    """(severity, rule, description, count), worst severity first, then by count."""
    counts = Counter((f.severity, f.rule, f.description) for f in findings)
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    return sorted(((s, r, d, n) for (s, r, d), n in counts.items()),
                  key=lambda row: (rank.get(row[0], 99), -row[3], row[1]))


def by_severity(findings: list[Finding]) -> list[tuple[Severity, int]]:
    counts = Counter(f.severity for f in findings)
    return [(s, counts[s]) for s in SEVERITY_ORDER if counts[s]]


def _when(f: Finding) -> tuple[bool, str, str, int, str]:
    return (f.date is None, f.date or "", f.path, f.line, f.rule)


@dataclass
class SecretHistory:
    """One secret (rule + keyed secret hash) across all the blobs that carry it."""

    first: Finding  # the earliest introduction
    findings: list[Finding] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return sorted({f.path for f in self.findings})

    @property
    def in_head(self) -> bool | None:
        states = [f.in_head for f in self.findings]
        if any(states):
            return True
        return None if all(s is None for s in states) else False


def timeline(findings: list[Finding]) -> list[SecretHistory]:
    """Each distinct secret once, in the order it entered history (undated
    ones last): the same key edited around in five commits is one secret."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in sorted(findings, key=_when):
        groups.setdefault((f.rule, f.secret_hash), []).append(f)
    return [SecretHistory(items[0], items) for items in groups.values()]


def head_state(item: Finding | SecretHistory) -> str:
    in_head = getattr(item, "in_head", None)
    if in_head is None:
        return "unknown"
    return "still in HEAD" if in_head else "history only"
