"""What a checkout brings to a scan besides its content: its configuration
file, a gitleaks configuration and its ignore files.

``prepare_scan`` turns what a user asked for (path, mode, rule selection,
files) into ``ScanOptions``; ``finish_scan`` applies baselines, ignore files
and the confidence floor to the result. The command line, the pre-commit fast
path and a Python caller all go through these two, so they cannot drift."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.model import CONFIDENCE_ORDER, Confidence, ScanResult

if TYPE_CHECKING:
    from scanner.engine.rules import RuleSet
    from scanner.pipeline import ScanOptions
    from scanner.project.config import Config

# The config and baseline modules are imported only when the checkout has
# such files: most commits in most repositories pay nothing for them.
_IGNORE_FILES = (".leakwardenignore", ".gitleaksignore")


def project_root(path: Path, *, git: bool = True) -> Path:
    """The checkout's top directory: where ``.leakwarden.toml`` and the ignore
    files live. Found by walking up to the ``.git`` entry (no subprocess: the
    pre-commit hook pays for every millisecond)."""
    start = path.resolve()
    if start.is_file():
        start = start.parent
    if git:
        for candidate in (start, *start.parents):
            if (candidate / ".git").exists():
                return candidate
    return start


def project_config(root: Path, explicit: Path | None = None) -> Config | None:
    """``--config FILE`` when given, else the checkout's own file, else None.
    Raises ``scanner.project.config.ConfigError`` for a file that cannot be used."""
    if explicit is None and not (root / ".leakwarden.toml").is_file() \
            and not (root / "pyproject.toml").is_file():
        return None
    from scanner.project.config import find_config, load_config

    if explicit is not None:
        return load_config(explicit)
    found = find_config(root)
    return load_config(found[0], pyproject=found[1]) if found else None


def configured_ruleset(ruleset: Any, config: Config | None) -> Any:
    return config.apply(ruleset) if config else ruleset


@dataclass
class Suppressed:
    """What ``suppress`` did: how many findings it hid and which entries are stale."""

    hidden: int = 0
    unused: list[str] = field(default_factory=list)


def suppress(result: ScanResult, root: Path | None, baseline: Path | None = None,
             *, use_ignore_files: bool = True) -> Suppressed:
    """Hide findings the baseline or the ignore files already list (in place)."""
    if baseline is None and (root is None or not use_ignore_files
                             or not any((root / name).is_file() for name in _IGNORE_FILES)):
        return Suppressed()
    from scanner.project.baseline import describe_unused, load_suppressions

    suppressions = load_suppressions(root if use_ignore_files else None, baseline)
    if not suppressions.entries and not suppressions.baseline:
        return Suppressed()
    kept, hidden = suppressions.filter(result.findings)
    result.findings[:] = kept
    result.stats.findings = len(kept)
    return Suppressed(len(hidden), describe_unused(suppressions.unused()))


class SetupError(ValueError):
    """The scan cannot be set up as asked (conflicting modes, bad config, rules
    or sizes). The message is one line a user can act on."""


@dataclass
class PreparedScan:
    """A scan ready to run: where its project root is, which settings it took
    from there, the options for ``scanner.pipeline.scan``, and what the set-up
    wants said to the user (for instance that a ``.gitleaks.toml`` was used)."""

    path: Path
    root: Path
    settings: Config | None
    options: ScanOptions
    notices: list[str] = field(default_factory=list)


def prepare_scan(
    path: str | Path = ".",
    *,
    config: Path | None = None,
    rules_dir: Path | None = None,
    enable_rules: Sequence[str] = (),
    disable_rules: Sequence[str] = (),
    gitleaks_config: Path | None = None,
    max_blob_size: str | int | None = None,
    staged: bool = False,
    no_git: bool = False,
    range: str | None = None,
    all_objects: bool = False,
    jobs: int = 0,
    redact: bool = True,
    prefilter: str = "auto",
    cached_rules: bool = False,
) -> PreparedScan:
    """Decide everything a scan of ``path`` needs before it starts.

    ``cached_rules`` takes the built-in rules from the on-disk cache (the
    pre-commit hook, where start-up is most of the cost). Raises ``SetupError``.
    """
    from scanner.engine.rules import RuleError, default_rules, load_rules
    from scanner.pipeline import ScanOptions
    from scanner.project.config import parse_size

    path = Path(path)
    modes = [m for m, on in (("--range", bool(range)), ("--staged", staged), ("--no-git", no_git)) if on]
    if len(modes) > 1:
        raise SetupError(f"{' and '.join(modes)} cannot be combined")
    if jobs < 0:
        raise SetupError(f"--jobs must be 0 (all cores) or more, got {jobs}")
    root = project_root(path, git=not no_git)
    notices: list[str] = []
    try:
        settings = project_config(root, config)
        if rules_dir:
            ruleset = load_rules(rules_dir)
        elif cached_rules:
            from scanner.engine.rulecache import cached_default_rules

            ruleset = cached_default_rules()
        else:
            ruleset = default_rules()
        ruleset = configured_ruleset(ruleset, settings)
        if enable_rules or disable_rules:
            ruleset = ruleset.select(enable_rules, disable_rules)
        ruleset = _with_gitleaks_config(ruleset, gitleaks_config, root, notices)
    except (RuleError, ValueError) as exc:  # ConfigError is a ValueError
        raise SetupError(str(exc)) from None
    if max_blob_size is None and settings and settings.max_blob_size:
        max_blob_size = settings.max_blob_size
    options = ScanOptions(ruleset=ruleset, jobs=jobs, redact=redact, all_objects=all_objects,
                          range=range, staged=staged, no_git=no_git, prefilter=prefilter)
    if max_blob_size is not None:
        try:
            options.max_blob_size = parse_size(max_blob_size)
        except ValueError as exc:
            raise SetupError(f"--max-blob-size: {exc}") from None
    return PreparedScan(path=path, root=root, settings=settings, options=options, notices=notices)


def _with_gitleaks_config(ruleset: RuleSet, config: Path | None, root: Path,
                          notices: list[str]) -> RuleSet:
    """Apply an explicit gitleaks config, or a ``.gitleaks.toml`` at the project
    root; what cannot be translated becomes a notice."""
    if config is None:
        candidate = root / ".gitleaks.toml"
        if not candidate.is_file():
            return ruleset
        config = candidate
        # Said out loud: a config found in the scanned tree changes what is
        # reported, and whoever wrote that tree wrote the config.
        notices.append(f"using gitleaks config {config}")
    elif not config.is_file():
        raise SetupError(f"{config}: no such gitleaks config")
    from scanner.project.gitleaks import apply_to

    ruleset, warnings = apply_to(ruleset, config)
    notices.extend(f"gitleaks config: {warning}" for warning in warnings)
    return ruleset


def finish_scan(result: ScanResult, prepared: PreparedScan, *, baseline: Path | None = None,
                min_confidence: Confidence = "low") -> Suppressed:
    """Hide what the baseline and ignore files list, then drop findings under
    ``min_confidence`` (in place). Raises ``SetupError`` for an unusable baseline."""
    try:
        suppressed = suppress(result, prepared.root, baseline)
    except ValueError as exc:  # BaselineError
        raise SetupError(str(exc)) from None
    # After the ignore files, so an entry is not called unused because the
    # finding it hides fell under the floor.
    if min_confidence != "low":
        floor = CONFIDENCE_ORDER.index(min_confidence)
        result.findings = [f for f in result.findings if CONFIDENCE_ORDER.index(f.confidence) >= floor]
        result.stats.findings = len(result.findings)
    return suppressed
