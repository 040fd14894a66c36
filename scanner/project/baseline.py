"""Known findings a team has accepted: baselines and ignore files.

A CI job must fail on what a change *adds*, not on what the repository has
carried for years. Three ways to say "known, leave it":

* ``--baseline FILE``: an earlier leakwarden JSON report. A finding is hidden
  when the baseline lists the same rule, ``secret_hash`` and path. The
  secret hash is a keyed hash of rule + secret, so the match survives line
  shifts, edits elsewhere in the file and rebases (new commit and blob ids).
* ``.leakwardenignore``: one entry a line, ``#`` comments. An entry is either
  a bare 32-hex hash -- a ``secret_hash`` (that secret anywhere) or an
  occurrence ``fingerprint`` (that exact blob and span) -- or
  ``path:rule:secret_hash`` (that secret at that path; ``*`` for any path).
* ``.gitleaksignore``: gitleaks' ``commit:path:rule:line`` (or
  ``path:rule:line``) fingerprints, for teams migrating. They are line and
  commit based, so they match only while history is unchanged: a rebase or a
  line shift breaks them (gitleaks behaves the same). Rule ids are mapped to
  leakwarden's where an equivalent exists; an entry whose rule has none can
  never match, and ``--report-unused-ignores`` says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scanner.model import Finding
from scanner.project.gitleaks_ids import ANY_RULE, gitleaks_to_leakwarden
from scanner.project.gitleaks_ids import GITLEAKS_RULES as _GITLEAKS_RULES

LEAKWARDEN_IGNORE = ".leakwardenignore"
GITLEAKS_IGNORE = ".gitleaksignore"
_HASH = re.compile(r"^[0-9a-f]{32}$")

# gitleaks rule id -> leakwarden rule ids that find the same thing (kept
# here under its old name; the table lives with the other gitleaks mapping).
GITLEAKS_RULES = _GITLEAKS_RULES


def _builtin_ids() -> frozenset[str]:
    from scanner.engine.rules import default_rules

    return frozenset(default_rules().by_id)


class BaselineError(ValueError):
    """A baseline or ignore file that cannot be read; the message names it."""


@dataclass
class IgnoreEntry:
    """One line of an ignore file (or one finding of a baseline)."""

    source: str  # "file:line" for messages
    text: str  # the entry as written (never a secret: hashes, paths, rule ids)
    hash: str | None = None  # secret_hash or fingerprint
    path: str | None = None  # None: any path
    rules: tuple[str, ...] = ()  # empty: any rule
    commit: str | None = None  # gitleaks entries
    line: int | None = None  # gitleaks entries
    problem: str | None = None  # why it can never match, if known
    used: bool = False

    def matches(self, finding: Finding) -> bool:
        if self.problem:
            return False
        if self.rules and finding.rule not in self.rules:
            return False
        if self.path is not None and self.path != finding.path and self.path not in finding.paths:
            return False
        if self.hash is not None and self.hash not in (finding.secret_hash, finding.fingerprint):
            return False
        if self.commit is not None and self.commit != finding.commit:
            return False
        return self.line is None or self.line == finding.line


@dataclass
class Suppressions:
    """Everything that hides known findings, and which entries did any work."""

    entries: list[IgnoreEntry] = field(default_factory=list)
    # The baseline's entries keyed for an O(1) look-up: (rule, secret_hash, path).
    baseline: dict[tuple[str, str, str], IgnoreEntry] = field(default_factory=dict)

    def filter(self, findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
        """(kept, hidden). Marks every entry that hid something as used."""
        kept, hidden = self.filter_with_entries(findings)
        return kept, [finding for finding, _ in hidden]

    def filter_with_entries(self, findings: Iterable[Finding]
                            ) -> tuple[list[Finding], list[tuple[Finding, IgnoreEntry]]]:
        """(kept, hidden with the entry that hid each). Marks used entries."""
        kept: list[Finding] = []
        hidden: list[tuple[Finding, IgnoreEntry]] = []
        for finding in findings:
            entry = self._baseline_entry(finding)
            if entry is None:
                entry = next((e for e in self.entries if e.matches(finding)), None)
            if entry is None:
                kept.append(finding)
            else:
                # every entry that matches is in use, not only the first one
                entry.used = True
                for other in self.entries:
                    if other is not entry and not other.used and other.matches(finding):
                        other.used = True
                hidden.append((finding, entry))
        return kept, hidden

    def _baseline_entry(self, finding: Finding) -> IgnoreEntry | None:
        for path in (finding.path, *finding.paths):
            entry = self.baseline.get((finding.rule, finding.secret_hash, path))
            if entry is not None:
                return entry
        return None

    def unused(self) -> list[IgnoreEntry]:
        """Entries that hid nothing in this run: stale, or unmappable (see ``problem``)."""
        return [e for e in (*self.entries, *self.baseline.values()) if not e.used]


def _entry_lines(text: str, source: str) -> Iterator[tuple[str, str]]:
    """(``file:line`` for messages, the entry) for each line that is not blank or a comment."""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield f"{source}:{number}", line


def parse_leakwarden_ignore(text: str, source: str) -> list[IgnoreEntry]:
    entries: list[IgnoreEntry] = []
    for where, line in _entry_lines(text, source):
        if _HASH.match(line):
            entries.append(IgnoreEntry(where, line, hash=line))
            continue
        # path:rule:hash -- split from the right, since a path may hold colons
        parts = line.rsplit(":", 2)
        if len(parts) != 3 or not _HASH.match(parts[2]) or not parts[1]:
            raise BaselineError(f"{where}: not an ignore entry: expected a 32-hex secret hash "
                                f"or fingerprint, or path:rule:secret_hash")
        path, rule, digest = parts
        entries.append(IgnoreEntry(where, line, hash=digest, rules=(rule,),
                                   path=None if path in ("", "*") else path))
    return entries


def parse_gitleaks_ignore(text: str, source: str,
                          known: frozenset[str] | None = None) -> list[IgnoreEntry]:
    """``known``: the leakwarden rule ids (default: the built-in ones), for
    gitleaks ids spelled the same in both."""
    entries: list[IgnoreEntry] = []
    for where, line in _entry_lines(text, source):
        parts = line.split(":")
        commit: str | None = None
        if len(parts) >= 4 and re.fullmatch(r"[0-9a-f]{7,64}", parts[0]):
            commit, parts = parts[0], parts[1:]
        if len(parts) < 3 or not parts[-1].isdigit():
            entries.append(IgnoreEntry(where, line, problem="not a gitleaks fingerprint "
                                       "(commit:path:rule:line or path:rule:line)"))
            continue
        path, rule, number_text = ":".join(parts[:-2]), parts[-2], parts[-1]
        mapped = _GITLEAKS_RULES.get(rule)
        if mapped is None:
            known = known if known is not None else _builtin_ids()
            mapped = gitleaks_to_leakwarden(rule, known)
        # generic-api-key: whichever specific rule now finds the secret on that line
        rules = () if mapped and ANY_RULE in mapped else (mapped or ())
        entry = IgnoreEntry(where, line, path=path, rules=rules, commit=commit,
                            line=int(number_text))
        if mapped is None:
            from scanner.project.config import shown

            entry.problem = f"gitleaks rule {shown(rule)} has no leakwarden equivalent"
        entries.append(entry)
    return entries


def load_baseline(path: Path) -> dict[tuple[str, str, str], IgnoreEntry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise BaselineError(f"{path}: not a leakwarden JSON report (not valid JSON)") from None
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list):
        raise BaselineError(f"{path}: not a leakwarden JSON report (no 'findings' list); "
                            "make one with: leakwarden scan --format json -o baseline.json")
    out: dict[tuple[str, str, str], IgnoreEntry] = {}
    for i, item in enumerate(findings):
        try:
            key = (str(item["rule"]), str(item["secret_hash"]), str(item["path"]))
        except (KeyError, TypeError):
            raise BaselineError(f"{path}: finding {i} lacks rule, secret_hash or path") from None
        out.setdefault(key, IgnoreEntry(f"{path}:findings[{i}]",
                                        f"{key[2]}:{key[0]}:{key[1]}",
                                        hash=key[1], path=key[2], rules=(key[0],)))
    return out


def load_suppressions(root: Path | None, baseline: Path | None = None,
                      ignore_files: Iterable[Path] = ()) -> Suppressions:
    """The baseline (if given), ``root``'s ``.leakwardenignore`` and
    ``.gitleaksignore`` (if present), and any extra ignore files."""
    result = Suppressions()
    if baseline is not None:
        result.baseline = load_baseline(baseline)
    candidates = list(ignore_files)
    if root is not None:
        candidates += [root / LEAKWARDEN_IGNORE, root / GITLEAKS_IGNORE]
    for path in candidates:
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"{path}: cannot read ignore file: {exc}") from None
        parse = parse_gitleaks_ignore if path.name == GITLEAKS_IGNORE else parse_leakwarden_ignore
        result.entries.extend(parse(text, str(path)))
    return result


def describe_unused(entries: Iterable[IgnoreEntry],
                    findings: Iterable[Finding] = ()) -> list[str]:
    """One line per stale entry, for ``--report-unused-ignores``, with the
    reason (what the scan found where the entry points, if anything) and
    where the entry is (file and line), never the line itself, which may be
    a pasted secret."""
    findings = list(findings)
    lines = []
    for entry in entries:
        why = entry.problem or _why_unused(entry, findings)
        lines.append(f"{entry.source}: unused ignore entry: {why}")
    return lines


def _at(finding: Finding, path: str) -> bool:
    return finding.path == path or path in finding.paths


def _why_unused(entry: IgnoreEntry, findings: list[Finding]) -> str:
    if entry.line is not None and entry.path is not None:  # a gitleaks entry
        here = [f for f in findings if _at(f, entry.path)]
        if not here:
            return (f"no finding at {entry.path} in this scan (the secret was removed from "
                    "what was scanned, or the path was renamed)")
        if entry.rules:
            same_rule = [f for f in here if f.rule in entry.rules]
            if not same_rule:
                rules = ", ".join(sorted({f.rule for f in here}))
                return (f"findings at {entry.path} are of rule(s) {rules}, not "
                        f"{', '.join(entry.rules)}")
            here = same_rule
        if not any(f.line == entry.line for f in here):
            lines = ", ".join(str(n) for n in sorted({f.line for f in here}))
            return (f"the finding(s) at {entry.path} are on line(s) {lines}, not {entry.line} "
                    "(lines shifted; a path:rule:secret_hash entry survives that)")
        commits = sorted({(f.commit or "")[:12] for f in here if f.line == entry.line})
        return (f"the finding at {entry.path}:{entry.line} was introduced by commit "
                f"{', '.join(commits)}, not {entry.commit} (history rewritten?)")
    if entry.hash is not None:
        same = [f for f in findings if entry.hash in (f.secret_hash, f.fingerprint)
                and (not entry.rules or f.rule in entry.rules)]
        if same and entry.path is not None:
            paths = ", ".join(sorted({f.path for f in same}))
            return f"the secret is found at {paths}, not at {entry.path}"
        return ("no finding has this secret hash or fingerprint (the secret is gone from what "
                "was scanned, the file was edited for a fingerprint, or the hash key "
                "LEAKWARDEN_HASH_KEY differs)")
    return "matched no finding"
