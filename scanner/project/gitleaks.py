"""Run with a team's ``.gitleaks.toml``: translate its rules and allowlists.

gitleaks v8 configs are close to leakwarden's rule format (leakwarden's rules
are gitleaks-shaped on purpose), so most of a config translates one to one.
What does not is named in the warnings, never dropped silently:

* ``[extend] path`` / ``url`` (another config to inherit from): ``path`` is
  followed when it exists, ``url`` is not (scanning stays offline);
* rule allowlists with ``condition = "AND"`` (leakwarden allowlists are OR);
* ``commits`` allowlists (the engine sees blobs, not commits);
* ``[[rules.required]]`` composite rules and path-only rules without a regex.

Go's RE2 syntax is a subset of what the ``regex`` module reads, apart from a
few spellings translated here (``\\z``, ``(?-i:...)`` is fine as it is).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

import regex

from scanner.engine.rules import Allowlist, Rule, RuleError, RuleSet
from scanner.model import JSONObject

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _translate_regex(pattern: str) -> str:
    # RE2's end-of-text \z is Python's \Z.
    return regex.sub(r"(?<!\\)((?:\\\\)*)\\z", r"\1\\Z", pattern)


def _allowlist(data: JSONObject, where: str, warnings: list[str]) -> Allowlist | None:
    if str(data.get("condition", "OR")).upper() == "AND":
        warnings.append(f"{where}: allowlist condition AND is applied as OR (each entry alone allows)")
    if data.get("commits"):
        warnings.append(f"{where}: allowlist 'commits' cannot be translated (the engine scans blobs); "
                        "use a baseline instead")
    regexes = [_translate_regex(str(r)) for r in data.get("regexes", [])]
    target = str(data.get("regexTarget", "secret"))
    if target not in ("secret", "match", "line"):
        warnings.append(f"{where}: regexTarget {target!r} unknown; using 'secret'")
        target = "secret"
    allow = Allowlist(description=str(data.get("description", "")), regexes=regexes,
                      regex_target=target, stopwords=[str(s) for s in data.get("stopwords", [])],
                      paths=[_translate_regex(str(p)) for p in data.get("paths", [])])
    for r in allow.regexes + allow.paths:
        try:
            regex.compile(r)
        except regex.error as exc:
            warnings.append(f"{where}: allowlist regex {r!r} does not compile ({exc}); dropped")
            return None
    if not (allow.regexes or allow.stopwords or allow.paths):
        return None
    return allow


def _rule(data: JSONObject, source: str, warnings: list[str]) -> Rule | None:
    rule_id = str(data.get("id", "")) or "unnamed"
    where = f"{source}: rule {rule_id!r}"
    if data.get("required"):
        warnings.append(f"{where}: composite rules ([[rules.required]]) are not supported; rule skipped")
        return None
    if "regex" not in data:
        warnings.append(f"{where}: path-only rules (no regex) are not supported; rule skipped")
        return None
    allowlists: list[Allowlist] = []
    tables = list(data.get("allowlists", []))
    if isinstance(data.get("allowlist"), dict):
        tables.append(data["allowlist"])
    for table in tables:
        allow = _allowlist(table, where, warnings)
        if allow is not None:
            allowlists.append(allow)
    secret_group = data.get("secretGroup")
    try:
        rule = Rule(
            id=rule_id,
            description=str(data.get("description", rule_id)),
            regex=_translate_regex(str(data["regex"])),
            # gitleaks looks for keywords anywhere in the scanned fragment;
            # leakwarden requires them inside the match. Kept only as the
            # prefilter would use them would drop matches gitleaks reports,
            # so translated rules run without keywords (Hyperscan still
            # prefilters them by their regex).
            keywords=[],
            secret_group=int(secret_group) if secret_group else None,
            entropy=float(data["entropy"]) if "entropy" in data else None,
            path=_translate_regex(str(data["path"])) if data.get("path") else None,
            severity="high",
            confidence="medium",
            allowlists=allowlists,
            source=source,
        )
        rule.check()  # a regex the engine cannot run is named now
    except (RuleError, regex.error, ValueError) as exc:
        warnings.append(f"{where}: cannot be translated ({exc}); rule skipped")
        return None
    return rule


@dataclass
class GitleaksConfig:
    rules: list[Rule]
    allowlists: list[Allowlist]
    warnings: list[str]
    use_default: bool  # [extend] useDefault = true: add to the built-in rules
    disabled: set[str]  # [extend] disabledRules: built-in rules to drop


def load_gitleaks_config(path: Path, *, _seen: frozenset[Path] = frozenset()) -> GitleaksConfig:
    """Everything a gitleaks v8 config file says, translated."""
    warnings: list[str] = []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path}: cannot read gitleaks config: {exc}") from exc
    source = str(path)
    rules: list[Rule] = []
    allowlists: list[Allowlist] = []
    extend = data.get("extend") or {}
    use_default = bool(extend.get("useDefault", False))
    disabled = {str(r) for r in extend.get("disabledRules", [])}
    if extend.get("url"):
        warnings.append(f"{source}: [extend] url {extend['url']!r} is not fetched (scans stay offline)")
    if extend.get("path"):
        parent = (path.parent / str(extend["path"])).resolve()
        if parent in _seen or not parent.is_file():
            warnings.append(f"{source}: [extend] path {extend['path']!r} not found or circular; ignored")
        else:
            base = load_gitleaks_config(parent, _seen=_seen | {path.resolve()})
            rules, allowlists = base.rules, base.allowlists
            use_default = use_default or base.use_default
            disabled |= base.disabled
            warnings.extend(base.warnings)
    for table in data.get("rules", []):
        rule = _rule(table, source, warnings)
        if rule is None:
            continue
        rules = [r for r in rules if r.id != rule.id] + [rule]
    global_tables = list(data.get("allowlists", []))
    if isinstance(data.get("allowlist"), dict):
        global_tables.append(data["allowlist"])
    by_id = {r.id: r for r in rules}
    for i, table in enumerate(global_tables):
        allow = _allowlist(table, f"{source}: global allowlist {i + 1}", warnings)
        if allow is None:
            continue
        # Labelled, so what it allows is listed as suppressed by it.
        allow = replace(allow, source=f"{Path(source).name} allowlist #{i + 1}")
        targets = [str(t) for t in table.get("targetRules", [])]
        if targets:  # gitleaks v8.25: a global allowlist aimed at some rules
            for target in targets:
                if target in by_id:
                    by_id[target] = replace(by_id[target], allowlists=[*by_id[target].allowlists, allow])
                else:
                    warnings.append(f"{source}: allowlist targets unknown rule {target!r}")
        else:
            allowlists.append(allow)
    rules = [by_id[r.id] for r in rules if r.id not in disabled]
    return GitleaksConfig(rules, allowlists, warnings, use_default, disabled)


def apply_to(ruleset: RuleSet, path: Path) -> tuple[RuleSet, list[str]]:
    """The rule set a scan runs with this gitleaks config, and the warnings.

    As in gitleaks, a config's rules replace the built-in ones unless it says
    ``[extend] useDefault = true`` (then they are added, same ids replaced,
    ``disabledRules`` dropped). leakwarden's global placeholder allowlist
    always stays: documentation keys are never findings.
    """
    config = load_gitleaks_config(path)
    warnings = list(config.warnings)
    if config.use_default:
        disabled = _disabled_ids(config.disabled, ruleset, path, warnings)
        return ruleset.select(disable=disabled).extended(config.rules, config.allowlists), warnings
    if not config.rules:
        warnings.append(f"{path}: no usable rules in it; the built-in rules are used")
        return ruleset.extended((), config.allowlists), warnings
    # The Terraform state parser is leakwarden's own: a gitleaks rule list does not replace it.
    return RuleSet(config.rules, ruleset.allowlists + config.allowlists, ruleset.parsed), warnings


def _disabled_ids(names: set[str], ruleset: RuleSet, path: Path, warnings: list[str]) -> set[str]:
    """``[extend] disabledRules`` in leakwarden ids: gitleaks ids are mapped to
    the rules that find the same thing; an id with no counterpart is named."""
    from scanner.project.gitleaks_ids import ANY_RULE, gitleaks_to_leakwarden

    known = set(ruleset.by_id)
    out: set[str] = set()
    for name in sorted(names):
        mapped = gitleaks_to_leakwarden(name, known)
        if mapped == (ANY_RULE,):  # generic-api-key: leakwarden's generic rules
            mapped = tuple(r for r in ("generic-secret-assignment",) if r in known) or None
        if mapped is None:
            warnings.append(f"{path}: [extend] disabledRules: {name!r} has no leakwarden "
                            "counterpart; nothing disabled for it")
            continue
        if mapped != (name,):
            warnings.append(f"{path}: [extend] disabledRules: {name!r} disables "
                            f"{', '.join(mapped)}")
        out.update(mapped)
    return out
