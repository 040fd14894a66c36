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
from typing import TYPE_CHECKING, TypedDict

from scanner.model import CONFIDENCE_ORDER, Confidence, ScanResult

if TYPE_CHECKING:
    from scanner.engine.rules import RuleSet
    from scanner.model import Finding
    from scanner.pipeline import ScanOptions
    from scanner.project.baseline import IgnoreEntry
    from scanner.project.config import Config
    from scanner.project.trust import ProjectFiles

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


def configured_ruleset(ruleset: RuleSet, config: Config | None) -> RuleSet:
    return config.apply(ruleset) if config else ruleset


@dataclass
class Suppressed:
    """What ``suppress`` did: how many findings it hid and which entries are stale."""

    hidden: int = 0
    unused: list[str] = field(default_factory=list)
    # Entries written with the v1 secret hash (before hashes were keyed per
    # repository), each with its replacement: printed on every run.
    legacy: list[str] = field(default_factory=list)


def suppress(result: ScanResult, root: Path | None, baseline: Path | None = None,
             *, use_ignore_files: bool = True, files: ProjectFiles | None = None,
             repo: Path | None = None) -> Suppressed:
    """Hide findings the baseline or the ignore files already list (in place);
    each hidden finding is listed in ``result.suppressed`` with its entry.
    ``files``: where ``root`` really came from (a trusted commit), for names."""
    if baseline is None and (root is None or not use_ignore_files
                             or not any((root / name).is_file() for name in _IGNORE_FILES)):
        return Suppressed()
    from scanner.model import Suppression
    from scanner.project.baseline import describe_unused, load_suppressions

    suppressions = load_suppressions(root if use_ignore_files else None, baseline)
    if not suppressions.entries and not suppressions.baseline:
        return Suppressed()
    found = list(result.findings)
    kept, hidden = suppressions.filter_with_entries(found)
    result.findings[:] = kept
    result.stats.findings = len(kept)
    label = files.label if files else str
    for finding, entry in hidden:
        kind = "baseline" if entry.source.endswith("]") and ":findings[" in entry.source \
            else "ignore-file"
        result.suppressed.append(Suppression(finding, kind, label(entry.source)))
    result.suppressed.sort(key=lambda s: (s.finding.sort_key(), s.kind, s.by))
    unused = suppressions.unused()
    legacy = _legacy_entries(result, unused, repo) if repo is not None else []
    return Suppressed(len(hidden), [label(line) for line in describe_unused(unused, found)],
                      [label(line) for line in legacy])


def _legacy_entries(result: ScanResult, unused: list[IgnoreEntry], repo: Path) -> list[str]:
    """Unused entries whose hash is a finding's v1 hash (keyed by the
    installation only, so anyone could compute it from the secret): say which
    line replaces each. The finding's secret is re-read from its blob."""
    wanted = {e.hash: e for e in unused if e.hash}
    if not wanted or not result.findings:
        return []
    from scanner.secrets import read_secret, secret_hash

    lines = []
    for finding in result.findings:
        if not wanted:  # every stale entry explained: no more blobs to re-read
            break
        try:
            secret = read_secret(repo, finding.blob, finding.span)
        except Exception:  # noqa: BLE001 - plain files, a missing object: no hint, no harm
            continue
        entry = wanted.pop(secret_hash(finding.rule, secret), None)
        if entry is not None:
            what = "regenerate the baseline" if ":findings[" in entry.source else \
                f"replace it with {finding.path}:{finding.rule}:{finding.secret_hash}"
            lines.append(f"{entry.source}: entry uses the v1 secret hash, which anyone can compute "
                         f"from the secret; it no longer hides anything: {what}")
    return lines


class SetupError(ValueError):
    """The scan cannot be set up as asked (conflicting modes, bad config, rules
    or sizes). The message is one line a user can act on."""


@dataclass
class PreparedScan:
    """A scan ready to run: where its project root is, which settings it took
    from there, the options for ``scanner.pipeline.scan``, and what the set-up
    wants said to the user (for instance that a ``.gitleaks.toml`` was used).

    ``files`` says where the project files were read: the checkout, or (range
    mode, ``--config-from``) a trusted commit's copy. ``config_changes`` are
    findings for project files the range itself changes; ``finish_scan`` adds
    them after every suppression, so nothing the range brings can hide them."""

    path: Path
    root: Path
    settings: Config | None
    options: ScanOptions
    notices: list[str] = field(default_factory=list)
    files: ProjectFiles | None = None
    config_changes: list[Finding] = field(default_factory=list)
    inline_allow: bool = True

    @property
    def config_root(self) -> Path:
        """Where the project files are read from."""
        return self.files.root if self.files else self.root


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
    cached_rules: bool = True,
    exclude: Sequence[str] = (),
    include: Sequence[str] = (),
    gitignore: bool = False,
    config_from: str | None = None,
    trust_range_config: bool = False,
    inline_allow: bool = True,
    baseline: Path | None = None,
    max_decode_depth: int | None = None,
) -> PreparedScan:
    """Decide everything a scan of ``path`` needs before it starts.

    ``cached_rules`` takes the built-in rules, checked and compiled, from
    the on-disk cache (``scanner.engine.rulecache``: parsing and compiling
    them is most of a small scan's start-up); False parses the rule files. With ``range``
    (``BASE..HEAD``) the configuration, ``.gitleaks.toml`` and ignore files
    come from BASE and a change the range makes to any of them becomes a
    finding, unless ``trust_range_config``; ``config_from`` names the commit
    to read them from in any mode. ``baseline`` (read as given at
    ``finish_scan``) is watched for changes like the project files when it
    lies inside the repository. ``inline_allow=False`` ignores inline
    ``leakwarden:allow`` markers (strict CI).
    ``path`` may be ``-`` (standard input) or any stream (a FIFO, a character
    device): those are read as plain input. A path inside a repository's work
    tree limits a history scan to that path's history. Raises ``SetupError``.
    """
    from scanner.pipeline import ScanOptions
    from scanner.project.config import parse_size

    path, stream = _input_path(path)
    if stream:
        no_git = True  # a stream has no history; reading it is the only sensible meaning
    elif not staged and not path.exists():
        raise SetupError(f"{path}: no such file or directory")
    if (exclude or include or gitignore) and not no_git:
        raise SetupError("--exclude, --include and --gitignore apply to --no-git scans")
    modes = [m for m, on in (("--range", bool(range)), ("--staged", staged), ("--no-git", no_git)) if on]
    if len(modes) > 1:
        raise SetupError(f"{' and '.join(modes)} cannot be combined")
    limits = _engine_limits(jobs, max_decode_depth)
    root = project_root(Path.cwd() if stream else path, git=not no_git)
    notices: list[str] = []
    limit = () if (no_git or staged) else _history_limit(path, root)
    if limit:
        notices.append(f"scanning only the history of {limit[0]} in {root} "
                       f"(as git log -- {limit[0]}); scan {root} for the whole repository")
    files, changes = _trusted_files(root, range, config_from, trust_range_config,
                                    (config, gitleaks_config, baseline), notices)
    config_root = files.root if files else root
    settings, ruleset = _project_rules(config_root, config, rules_dir, cached_rules, enable_rules,
                                       disable_rules, gitleaks_config, notices, files)
    if files:
        notices[:] = [files.label(n) for n in notices]
    if max_blob_size is None and settings and settings.max_blob_size:
        max_blob_size = settings.max_blob_size
    options = ScanOptions(ruleset=ruleset, redact=redact, all_objects=all_objects,
                          range=range, staged=staged, no_git=no_git, prefilter=prefilter,
                          inline_allow=inline_allow, paths=limit, exclude=tuple(exclude),
                          include=tuple(include), gitignore=gitignore, **limits)
    if max_blob_size is not None:
        try:
            options.max_blob_size = parse_size(max_blob_size)
        except ValueError as exc:
            raise SetupError(f"--max-blob-size: {exc}") from None
    return PreparedScan(path=path, root=root, settings=settings, options=options, notices=notices,
                        files=files, config_changes=changes, inline_allow=inline_allow)


def _project_rules(config_root: Path, config: Path | None, rules_dir: Path | None,
                   cached_rules: bool, enable_rules: Sequence[str], disable_rules: Sequence[str],
                   gitleaks_config: Path | None, notices: list[str],
                   files: ProjectFiles | None = None) -> tuple[Config | None, RuleSet]:
    """The project's settings and the rule set they, and the command line, make."""
    from scanner.engine.rules import RuleError, default_rules, load_rules

    try:
        settings = project_config(config_root, config)
        if rules_dir:
            ruleset = load_rules(rules_dir)
        elif cached_rules:
            from scanner.engine.rulecache import cached_default_rules

            ruleset = cached_default_rules()
        else:
            ruleset = default_rules()
        catalog = {r.id for r in ruleset.all_rules}
        ruleset = configured_ruleset(ruleset, settings)
        if settings and (settings.enable_rules or settings.disable_rules):
            # Turning rules off hides findings as surely as an allowlist: say so.
            off = sorted(catalog - {r.id for r in ruleset.all_rules})
            if off:
                shown_ids = ", ".join(off[:5]) + (f" and {len(off) - 5} more" if len(off) > 5 else "")
                notices.append(f"{Path(settings.source).name} turns off {len(off)} rule(s): {shown_ids}")
        if enable_rules or disable_rules:
            ruleset = ruleset.select(enable_rules, disable_rules)
        ruleset = _with_gitleaks_config(ruleset, gitleaks_config, config_root, notices)
    except (RuleError, ValueError) as exc:  # ConfigError is a ValueError
        raise SetupError(files.label(str(exc)) if files else str(exc)) from None
    return settings, ruleset


def prepare_remote_scan(
    *,
    where: Path | None = None,
    config: Path | None = None,
    rules_dir: Path | None = None,
    enable_rules: Sequence[str] = (),
    disable_rules: Sequence[str] = (),
    gitleaks_config: Path | None = None,
    jobs: int = 0,
    redact: bool = True,
    prefilter: str = "auto",
    inline_allow: bool = True,
    max_decode_depth: int | None = None,
) -> PreparedScan:
    """Set up a scan of bytes that live in no checkout (an S3 bucket).

    The scanned place has no project files, so they come from the project
    the command runs in (``where``, default the working directory, walked up
    to its repository's top): its ``.leakwarden.toml`` or ``[tool.leakwarden]``
    (or ``--config``), ``.gitleaks.toml`` (or ``--gitleaks-config``) and its
    ignore files, exactly as a git scan from there would use them;
    ``finish_scan`` then applies the ignore files, a baseline and the
    confidence floor. ``options`` carries the rule set and engine settings
    (``no_git``: there is no history to re-read secrets from). Raises ``SetupError``."""
    from scanner.pipeline import ScanOptions

    limits = _engine_limits(jobs, max_decode_depth)
    root = project_root(where or Path.cwd())
    notices: list[str] = []
    settings, ruleset = _project_rules(root, config, rules_dir, True, enable_rules,
                                       disable_rules, gitleaks_config, notices)
    if settings is not None:
        notices.append(f"using configuration {settings.source}")
    options = ScanOptions(ruleset=ruleset, redact=redact, no_git=True,
                          prefilter=prefilter, inline_allow=inline_allow, **limits)
    return PreparedScan(path=root, root=root, settings=settings, options=options, notices=notices,
                        inline_allow=inline_allow)


class _Limits(TypedDict, total=False):
    jobs: int
    max_decode_depth: int


def _engine_limits(jobs: int, max_decode_depth: int | None) -> _Limits:
    """``jobs`` and ``max_decode_depth`` checked, as ScanOptions keywords
    (a depth of None keeps the engine's default). Raises ``SetupError``."""
    if jobs < 0:
        raise SetupError(f"--jobs must be 0 (all cores) or more, got {jobs}")
    limits: _Limits = {"jobs": jobs}
    if max_decode_depth is not None:
        if not 0 <= max_decode_depth <= 8:
            raise SetupError(f"--max-decode-depth must be 0 (no decoding) to 8, got {max_decode_depth}")
        limits["max_decode_depth"] = max_decode_depth
    return limits


def _trusted_files(root: Path, range: str | None, config_from: str | None, trust: bool,
                   explicit: Sequence[Path | None], notices: list[str]
                   ) -> tuple[ProjectFiles | None, list[Finding]]:
    """Where the project files come from, and the findings for the ones the
    range changes. The checkout's own files (None) unless a range is scanned
    without ``trust`` or ``config_from`` names a commit."""
    from scanner.project.trust import (
        PROJECT_FILES,
        TrustError,
        config_changes,
        files_at,
        range_ends,
    )

    ends = range_ends(range) if range and not trust else None
    ref = config_from or (ends[0] if ends else None)
    if ref is None:
        return None, []
    try:
        files = files_at(root, ref)
    except TrustError as exc:
        raise SetupError(str(exc)) from None
    changes: list[Finding] = []
    if ends is not None:
        watched = {name: "scanner configuration" for name in PROJECT_FILES}
        for given in explicit:
            # A file named on the command line is used as given (the command
            # line is trusted), but when it lives in the checkout the range
            # can edit it: that edit is reported like the project files'.
            inside = _inside(given, root)
            if inside is not None:
                watched[inside] = "named on the command line"
        changes = config_changes(root, range or "", watched)
        names = ", ".join(sorted({c.path for c in changes}))
        notices.append(f"configuration and ignore files read from {ref} (the range's base)"
                       + (f"; the range changes {names}: reported as findings" if changes else "")
                       + "; --trust-range-config uses the checkout's instead")
    else:
        notices.append(f"configuration and ignore files read from {ref}")
    return files, changes


def _inside(path: Path | None, root: Path) -> str | None:
    if path is None:
        return None
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def _input_path(path: str | Path) -> tuple[Path, bool]:
    """(the path to read, whether it is a stream): ``-`` is standard input."""
    import stat

    if str(path) == "-":
        return Path("/dev/stdin"), True
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError:
        return path, False
    return path, stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def _history_limit(path: Path, root: Path) -> tuple[str, ...]:
    """A path inside the work tree (not its top) as a repository path."""
    try:
        rel = path.resolve().relative_to(root)
    except ValueError:
        return ()
    if not rel.parts or rel.parts[0] == ".git":
        return ()
    return (rel.as_posix(),)


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


def drop_below(result: ScanResult, min_confidence: Confidence) -> None:
    """Drop findings under ``min_confidence`` (in place), keeping the count in
    the stats true. Every kind of scan (history, files, S3) uses this one floor."""
    if min_confidence == "low":
        return
    floor = CONFIDENCE_ORDER.index(min_confidence)
    result.findings = [f for f in result.findings if CONFIDENCE_ORDER.index(f.confidence) >= floor]
    result.stats.findings = len(result.findings)


def finish_scan(result: ScanResult, prepared: PreparedScan, *, baseline: Path | None = None,
                min_confidence: Confidence = "medium") -> Suppressed:
    """Hide what the baseline and ignore files list, then drop findings under
    ``min_confidence`` (in place). Raises ``SetupError`` for an unusable baseline."""
    files = prepared.files
    try:
        suppressed = suppress(result, prepared.config_root, baseline, files=files,
                              repo=None if prepared.options.no_git else prepared.root)
    except ValueError as exc:  # BaselineError
        raise SetupError(files.label(str(exc)) if files else str(exc)) from None
    # After the ignore files, so an entry is not called unused because the
    # finding it hides fell under the floor.
    drop_below(result, min_confidence)
    if prepared.config_changes:
        # Last, past every suppression: what the range changes in the files
        # that decide the verdict is never hidden by those same files.
        result.findings.extend(prepared.config_changes)
        result.findings.sort(key=lambda f: f.sort_key())
        result.stats.findings = len(result.findings)
    return suppressed
