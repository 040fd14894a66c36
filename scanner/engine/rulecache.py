"""The built-in rule set, parsed once and kept on disk for the pre-commit hook.

Parsing ten TOML files and compiling every rule's regex costs ~20 ms, an
eighth of the hook's whole budget, on every commit. The hook needs neither
step up front: the parsed rules come from a pickle (regexes left out, so
nothing is compiled on load), and the staged scan compiles only the rules
whose keywords occur in the staged content (``rules_for_content`` below).
The cache is keyed on the rule files and on the code that defines a rule, so
editing either rebuilds it; a missing or damaged cache only costs a parse.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path

from scanner import __version__
from scanner.engine.rules import RuleSet, builtin_rules_dir, default_rules
from scanner.paths import cache_dir


def _key() -> str:
    import scanner.engine.assignments as assignments_module
    import scanner.engine.rules as rules_module
    import scanner.engine.terraform_state as parser_module

    digest = hashlib.sha256(f"{__version__}:{sys.version_info[:2]}".encode())
    directory = builtin_rules_dir()
    code = [Path(m.__file__ or "") for m in (rules_module, parser_module, assignments_module)]
    for path in [*code, *sorted(directory.glob("*.toml"))]:
        stat = path.stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def cached_default_rules() -> RuleSet:
    """``default_rules()``, from the on-disk cache when it is current."""
    try:
        key = _key()
    except OSError:
        return default_rules()
    path = cache_dir() / f"rules-{key}.pickle"
    try:
        with open(path, "rb") as handle:
            ruleset = pickle.load(handle)
        if isinstance(ruleset, RuleSet):
            return ruleset
    except Exception:  # missing, stale or damaged: parse and rewrite
        pass
    ruleset = default_rules()
    try:
        # Rules are plain data (compiled patterns live in engine.patterns), so
        # the set pickles as it is.
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            pickle.dump(ruleset, handle)
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
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
