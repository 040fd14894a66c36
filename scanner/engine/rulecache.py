"""The built-in rule set, parsed, checked and compiled once and kept on disk.

Parsing ten TOML files and compiling every rule's regex (which also checks
it) costs ~0.6 s, most of the fixed cost of a scan and an eighth of the
pre-commit hook's budget if the hook compiled everything. The cache holds the
checked rule set (plain data) and every built-in pattern in compiled form,
each pickled on its own: a full scan unpickles all of them (~30 ms), the hook
only the few its change reaches (``rules_for_content`` below and the
Hyperscan path compile on first use). The cache is keyed on the content of
the rule files and of the code that defines a rule or a compiled pattern (and
on the versions of Python and ``regex``), so editing either rebuilds it; a
missing or damaged cache only costs a parse.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path

import regex

import scanner.engine.rules as rules_module
from scanner import __version__
from scanner.engine import patterns
from scanner.engine.rules import RuleSet, builtin_rules_dir, default_rules
from scanner.paths import cache_dir


def _key() -> str:
    import scanner.engine.assignments as assignments_module
    import scanner.engine.terraform_state as parser_module

    digest = hashlib.sha256(f"{__version__}:{sys.version_info[:2]}:{regex.__version__}".encode())
    directory = builtin_rules_dir()
    # The code that defines a rule, a compiled pattern, the parsers and the
    # detectors (the rule set's version moves with theirs), then the rules.
    code = [Path(m.__file__ or "") for m in (rules_module, patterns, parser_module, assignments_module)]
    for path in [*code, *sorted(directory.glob("*.toml"))]:
        data = path.read_bytes()
        digest.update(b"%d:%s\0" % (len(data), path.name.encode()))
        digest.update(data)
    return digest.hexdigest()[:24]


def _stored_patterns(ruleset: RuleSet) -> dict[tuple[bool, str], bytes]:
    as_bytes: list[str] = []
    as_text: list[str] = []
    for allow in [*ruleset.allowlists, *(a for r in ruleset.rules for a in r.allowlists)]:
        as_bytes.extend(allow.regexes)
        as_text.extend(allow.paths)
    for rule in ruleset.rules:
        as_bytes.append(rule.regex)
        if rule.path:
            as_text.append(rule.path)
    return patterns.pickled(list(dict.fromkeys(as_bytes)), list(dict.fromkeys(as_text)))


def cached_default_rules() -> RuleSet:
    """``default_rules()``, from the on-disk cache when it is current; later
    ``default_rules()`` calls in this process return the same set."""
    ruleset = _load()
    # Callers that ask default_rules() later in the run (config checks,
    # baselines) get this set instead of parsing the files again.
    if rules_module._default is None and builtin_rules_dir() == rules_module.builtin_rules_dir():
        rules_module._default = ruleset
    return ruleset


def _load() -> RuleSet:
    try:
        key = _key()
    except OSError:
        return default_rules()
    path = cache_dir() / f"rules-{key}.pickle"
    try:
        with open(path, "rb") as handle:
            digest, payload = pickle.load(handle)
        # The compiled patterns are programs for regex's matcher: a damaged
        # file must be refused whole, not half-loaded.
        if hashlib.sha256(payload).digest() == digest:
            ruleset, stored = pickle.loads(payload)
            if isinstance(ruleset, RuleSet) and isinstance(stored, dict):
                patterns.preload(stored)
                return ruleset
    except Exception:  # missing, stale or damaged: parse and rewrite
        pass
    ruleset = default_rules()
    try:
        # Rules are plain data (compiled patterns live in engine.patterns), so
        # the set pickles as it is.
        payload = pickle.dumps((ruleset, _stored_patterns(ruleset)))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            pickle.dump((hashlib.sha256(payload).digest(), payload), handle)
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError, regex.error):
        pass  # an unwritable cache directory only costs the next run a parse
    return ruleset


def rules_for_content(ruleset: RuleSet, contents: list[bytes], max_decode_depth: int | None = None) -> RuleSet:
    """The rules that could match anything in ``contents``: those with a
    keyword in it, and those without keywords. The engine requires a keyword
    inside every match, so the rest cannot report anything; leaving them
    out means their regexes are never compiled."""
    from scanner.engine.decoding import DEFAULT_MAX_DECODE_DEPTH, nested_runs

    depth = DEFAULT_MAX_DECODE_DEPTH if max_decode_depth is None else max_decode_depth

    # The engine also scans layers down (a base64 Kubernetes Secret value):
    # a keyword may only appear once decoded, so decoded text counts too.
    lowered = [data.lower() for data in contents]
    lowered += [run.data.lower() for data in contents for run in nested_runs(data, depth)]
    keep = [r for r in ruleset.rules
            if not r.keywords or any(k in data for k in r.lower_keywords for data in lowered)]
    return RuleSet(keep, ruleset.allowlists, ruleset.parsed)
