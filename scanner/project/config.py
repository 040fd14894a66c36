"""The project configuration file: ``.leakwarden.toml`` or ``[tool.leakwarden]``.

A team keeps its extra rules, allowlists, rule selection and blob size limit
next to its code, so the pre-commit hook, the CI job and a laptop scan all
agree. Everything here becomes a ``RuleSet`` through ``RuleSet.extended`` and
``RuleSet.select`` -- the same doors a translated ``.gitleaks.toml`` uses --
so the engine never learns where a rule came from.

Shape (every key optional)::

    max_blob_size = "10M"             # or a number of bytes; larger blobs are
                                      # read in windows (never skipped)
    disable_rules = ["generic-secret-assignment"]
    enable_rules = []                 # when not empty: only these rules
    [[rules]]                         # extra rules, same shape as rules/*.toml;
    id = "acme-token"                 # an existing id replaces that rule
    regex = '''acme_[a-z0-9]{32}'''
    keywords = ["acme_"]
    examples = ["t = acme_0123456789abcdef0123456789abcdef"]
    [[allowlists]]                    # apply to every rule
    paths = ['''^tests/fixtures/''']
    regexes = ['''^dummy''']
    stopwords = ["sandbox"]
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.model import JSONObject

if TYPE_CHECKING:  # the engine is imported when a config has rules, not before
    from scanner.engine.rules import Allowlist, Rule, RuleSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_FILE = ".leakwarden.toml"
_TOP_KEYS = {"max_blob_size", "disable_rules", "enable_rules", "rules", "allowlists"}
_ALLOWLIST_KEYS = {"description", "regexes", "regexTarget", "regex_target", "stopwords", "paths"}
_RULE_KEYS = {
    "id", "description", "regex", "keywords", "secretGroup", "secret_group", "entropy", "path",
    "severity", "confidence", "validate", "max_length", "allowlists", "allowlist", "examples",
    "negative_examples", "tags",
}


class ConfigError(ValueError):
    """A configuration that cannot be used. ``problems`` holds one line each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass
class Config:
    """A validated configuration. ``source`` names the file (and table) it came from."""

    source: str
    max_blob_size: int | None = None
    disable_rules: list[str] = field(default_factory=list)
    enable_rules: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    allowlists: list[Allowlist] = field(default_factory=list)

    def apply(self, ruleset: RuleSet) -> RuleSet:
        """The rule set with this configuration's rules, allowlists and selection."""
        from scanner.engine.rules import RuleError

        extended = ruleset.extended(self.rules, self.allowlists)
        try:
            return extended.select(self.enable_rules, self.disable_rules)
        except RuleError as exc:
            raise ConfigError(self.source, [str(exc)]) from None


def parse_size(value: object) -> int:
    """``25M``, ``512k``, ``1G`` or a plain number of bytes."""
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r}")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"size must be positive, got {value}")
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a size: {value!r} (try \"25M\")")
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    text = value.strip().lower().removesuffix("b").removesuffix("i")
    try:
        size = int(float(text[:-1]) * units[text[-1]]) if text and text[-1] in units else int(text)
    except (ValueError, KeyError):
        raise ValueError(f"not a size: {value!r} (try \"25M\")") from None
    if size <= 0:
        raise ValueError(f"size must be positive, got {value!r}")
    return size


def find_config(root: Path) -> tuple[Path, bool] | None:
    """The configuration that applies to a checkout at ``root``: ``.leakwarden.toml``
    first, else ``pyproject.toml`` when it has a ``[tool.leakwarden]`` table.
    Returns (path, is_pyproject)."""
    candidate = root / CONFIG_FILE
    if candidate.is_file():
        return candidate, False
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            text = pyproject.read_text(encoding="utf-8")
        except OSError:
            return None
        # A cheap text test first: most pyproject files have no such table and
        # parsing them would cost the pre-commit hook for nothing.
        if "tool.leakwarden" in text:
            return pyproject, True
    return None


def load_config(path: Path, *, pyproject: bool | None = None) -> Config:
    """Read and validate one configuration file; every problem is collected
    before raising, so ``config check`` can list them all at once."""
    if pyproject is None:
        pyproject = path.name == "pyproject.toml"
    source = f"{path} [tool.leakwarden]" if pyproject else str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read: {exc.strerror or exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), ["not UTF-8 text"]) from None
    if pyproject:
        data = data.get("tool", {}).get("leakwarden")
        if not isinstance(data, dict):
            raise ConfigError(source, ["no [tool.leakwarden] table"])
    return config_from_dict(data, source)


# Keys, rule ids and settings are short lower-case words; tokens and keys
# are long, mixed-case or digit-heavy.
_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,39}")


def shown(value: object) -> str:
    """A name from the file as it may be echoed: quoted when it looks like a
    key or rule id, otherwise not at all. A malformed line is often a pasted
    secret, and error messages end up in CI logs."""
    if isinstance(value, str) and _NAME.fullmatch(value) and sum(c.isdigit() for c in value) <= 3:
        return repr(value)
    return "(a value that is not a name; not shown)"


def config_from_dict(data: JSONObject, source: str) -> Config:
    from scanner.engine.rules import Allowlist, Rule, RuleError

    problems: list[str] = []
    config = Config(source=source)
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(f"unknown key {shown(key)} (known: {', '.join(sorted(_TOP_KEYS))})")
    if "max_blob_size" in data:
        try:
            config.max_blob_size = parse_size(data["max_blob_size"])
        except ValueError as exc:
            problems.append(f"max_blob_size: {exc}")
    for key in ("disable_rules", "enable_rules"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{key}: must be a list of rule ids (strings)")
        else:
            setattr(config, key, list(value))
    for where, table in _tables(data, "allowlists", problems):
        problems.extend(f"{where}: {p}" for p in _check_allowlist(table))
        if not any(p.startswith(where) for p in problems):
            # Labelled, so what it allows is listed as suppressed by it.
            config.allowlists.append(
                replace(Allowlist.from_dict(table), source=f"{Path(source).name} {where}"))
    for where, table in _tables(data, "rules", problems):
        rule_id = table.get("id")
        label = f"{where} ({shown(rule_id)})" if isinstance(rule_id, str) else where
        unknown = sorted(set(table) - _RULE_KEYS)
        if unknown:
            problems.append(f"{label}: unknown key(s) {', '.join(map(shown, unknown))}")
            continue
        for allow in table.get("allowlists", []) if isinstance(table.get("allowlists"), list) else []:
            if isinstance(allow, dict):
                problems.extend(f"{label}: allowlist: {p}" for p in _check_allowlist(allow))
        try:
            rule = Rule.from_dict(table, source=source)
            _check_rule_examples(rule)
        except RuleError as exc:
            problems.append(f"{label}: {str(exc).removeprefix(source + ': ')}")
        except (TypeError, ValueError) as exc:
            problems.append(f"{label}: {exc}")
        else:
            config.rules.append(rule)
    if problems:
        raise ConfigError(source, problems)
    return config


def _tables(data: JSONObject, key: str, problems: list[str]) -> list[tuple[str, JSONObject]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        problems.append(f"{key}: must be an array of tables ([[{key}]])")
        return []
    return [(f"{key}[{i}]", table) for i, table in enumerate(value)]


def _check_allowlist(table: JSONObject) -> list[str]:
    import regex

    problems = [f"unknown key {shown(k)}" for k in sorted(set(table) - _ALLOWLIST_KEYS)]
    for key in ("regexes", "stopwords", "paths"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{key}: must be a list of strings")
            continue
        if key != "stopwords":
            for index, pattern in enumerate(value):
                try:
                    regex.compile(pattern)
                except regex.error as exc:
                    # the position, not the pattern: it may hold the secret itself
                    problems.append(f"{key}[{index}]: bad regex: {exc}")
    target = table.get("regexTarget", table.get("regex_target", "secret"))
    if target not in ("secret", "match", "line"):
        problems.append(f"regexTarget: must be secret, match or line, not {shown(target)}")
    return problems


def _check_rule_examples(rule: Rule) -> None:
    """A user's rule is held to the built-in rules' standard: its examples
    must match and its negative examples must not, so a typo in a regex is
    caught by ``config check`` rather than by a leak that slipped through."""
    from scanner.engine.matcher import Engine
    from scanner.engine.rules import RuleError, RuleSet

    engine = Engine(RuleSet([rule]), prefilter="python")
    for index, example in enumerate(rule.examples):
        if not engine.scan(example.encode())[0]:
            raise RuleError(f"examples[{index}] does not match")
    for index, example in enumerate(rule.negative_examples):
        if engine.scan(example.encode())[0]:
            raise RuleError(f"negative_examples[{index}] matches")


def check_config(path: Path | None, root: Path) -> tuple[Config | None, list[str]]:
    """What ``leakwarden config check`` reports: the configuration found (or
    None when there is none) and its problems, one line each, each naming the
    file. Everything is checked in one pass: the rule selection is checked
    against the built-in rules (and the file's own rules) even when other
    parts of the file are wrong."""
    found = (path, None) if path else find_config(root)
    if found is None:
        return None, []
    problems: list[str] = []
    config: Config | None = None
    try:
        config = load_config(found[0], pyproject=found[1])
    except ConfigError as exc:
        problems.extend(f"{exc.source}: {p}" for p in exc.problems)
    from scanner.engine.rules import RuleError, default_rules

    data = _raw_table(found[0], found[1])
    if data is not None:
        source = config.source if config else (
            f"{found[0]} [tool.leakwarden]" if found[1] or found[0].name == "pyproject.toml"
            else str(found[0]))
        own = {r.get("id") for r in data.get("rules", []) if isinstance(r, dict)} \
            if isinstance(data.get("rules"), list) else set()
        known = set(default_rules().by_id) | own
        for key in ("disable_rules", "enable_rules"):
            ids = data.get(key, [])
            unknown = sorted(i for i in ids if isinstance(i, str) and i not in known) \
                if isinstance(ids, list) else []
            if unknown:
                problems.append(f"{source}: {key}: unknown rule id(s): {', '.join(unknown)} "
                                "(see leakwarden rules list)")
    if config is not None and not problems:
        try:
            config.apply(default_rules())
        except (ConfigError, RuleError) as exc:
            problems.append(str(exc))
    return config, problems


def _raw_table(path: Path, pyproject: bool | None) -> JSONObject | None:
    """The configuration's table as parsed TOML, or None when it cannot be read."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if pyproject or (pyproject is None and path.name == "pyproject.toml"):
        data = data.get("tool", {}).get("leakwarden")
    return data if isinstance(data, dict) else None
