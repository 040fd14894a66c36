"""Small views of a result that several human-facing reports share."""

from __future__ import annotations

from collections import Counter

from scanner.model import Finding

SEVERITY_ORDER = ("critical", "high", "medium", "low")


def by_rule_and_severity(findings: list[Finding]) -> list[tuple[str, str, str, int]]:
    """(severity, rule, description, count), worst severity first, then by count."""
    counts = Counter((f.severity, f.rule, f.description) for f in findings)
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    return sorted(((s, r, d, n) for (s, r, d), n in counts.items()),
                  key=lambda row: (rank.get(row[0], 99), -row[3], row[1]))


def by_severity(findings: list[Finding]) -> list[tuple[str, int]]:
    counts = Counter(f.severity for f in findings)
    return [(s, counts[s]) for s in SEVERITY_ORDER if counts[s]]


def timeline(findings: list[Finding]) -> list[Finding]:
    """Findings in the order their secrets entered history (undated ones last)."""
    return sorted(findings, key=lambda f: (f.date is None, f.date or "", f.path, f.line, f.rule))


def head_state(finding: Finding) -> str:
    in_head = getattr(finding, "in_head", None)
    if in_head is None:
        return "unknown"
    return "still in HEAD" if in_head else "history only"
