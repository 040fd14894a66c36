"""What a checkout brings to a scan besides its content: its configuration
file and its ignore files. Shared by the command line and its pre-commit fast
path so both apply exactly the same settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.model import ScanResult

if TYPE_CHECKING:
    from scanner.config import Config

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
    Raises ``scanner.config.ConfigError`` for a file that cannot be used."""
    if explicit is None and not (root / ".leakwarden.toml").is_file() \
            and not (root / "pyproject.toml").is_file():
        return None
    from scanner.config import find_config, load_config

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
    from scanner.baseline import describe_unused, load_suppressions

    suppressions = load_suppressions(root if use_ignore_files else None, baseline)
    if not suppressions.entries and not suppressions.baseline:
        return Suppressed()
    kept, hidden = suppressions.filter(result.findings)
    result.findings[:] = kept
    result.stats.findings = len(kept)
    return Suppressed(len(hidden), describe_unused(suppressions.unused()))
