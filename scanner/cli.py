"""The command line: a thin layer over ``scanner.scan`` and friends.

Heavy modules (pygit2, Hyperscan, rich) are imported inside commands, so
``leakwarden --help`` and a pre-commit run start fast.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="leakwarden",
    help="Find credentials leaked into git history.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="Inspect the rule set.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
config_app = typer.Typer(help="The .leakwarden.toml configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"
    html = "html"
    github = "github"
    junit = "junit"


class Confidence(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"


_CONFIDENCE_ORDER = ["low", "medium", "high"]


class PrefilterKind(str, Enum):
    auto = "auto"
    hyperscan = "hyperscan"
    python = "python"


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line reason on stderr; the caller raises what this returns."""
    typer.echo(f"leakwarden: {message}", err=True)
    return typer.Exit(code)


def _parse_size(text: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    text = text.strip().lower().rstrip("b").rstrip("i")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise typer.BadParameter(f"not a size: {text!r} (try 25M)") from None


@app.command()
def scan(
    path: Annotated[Path, typer.Argument(help="Repository (or, with --no-git, directory or file).")] = Path("."),
    format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here.")] = None,
    no_redact: Annotated[bool, typer.Option("--no-redact", help="Show secrets in clear.")] = False,
    all_objects: Annotated[bool, typer.Option("--all-objects", help="Also scan objects no ref reaches.")] = False,
    range_: Annotated[str | None, typer.Option("--range", help="Only blobs introduced by commits in A..B.")] = None,
    staged: Annotated[bool, typer.Option("--staged", help="Only lines added in the index (pre-commit).")] = False,
    no_git: Annotated[bool, typer.Option("--no-git", help="Scan PATH as plain files.")] = False,
    max_blob_size: Annotated[str | None, typer.Option("--max-blob-size", help="Skip larger blobs (counted; default 25M or the config's).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes (0: all cores).")] = 0,
    rules_dir: Annotated[Path | None, typer.Option("--rules", help="Directory of rule TOML files instead of the built-in set.")] = None,
    enable_rule: Annotated[list[str] | None, typer.Option("--enable-rule", help="Only these rule ids.")] = None,
    disable_rule: Annotated[list[str] | None, typer.Option("--disable-rule", help="Not these rule ids.")] = None,
    prefilter: Annotated[PrefilterKind, typer.Option("--prefilter", help="Multi-pattern prefilter.")] = PrefilterKind.auto,
    progress: Annotated[bool | None, typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal).")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Hide findings an earlier JSON report lists.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Configuration file (default: .leakwarden.toml or [tool.leakwarden] in pyproject.toml).")] = None,
    report_unused_ignores: Annotated[bool, typer.Option("--report-unused-ignores", help="Name ignore/baseline entries that hid nothing.")] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Check found AWS keys with STS (network; canary accounts never sent).")] = False,
    sts_endpoint: Annotated[str | None, typer.Option("--sts-endpoint", help="STS endpoint for --verify (default: AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, else regional).")] = None,
    skip_aws_account: Annotated[list[str] | None, typer.Option("--skip-aws-account", help="With --verify: never send keys of this account (repeatable).")] = None,
    min_confidence: Annotated[Confidence, typer.Option("--min-confidence", help="Only report findings of at least this confidence (default medium: low is weak evidence, such as a generic match in a test or documentation file).")] = Confidence.medium,
    gitleaks_config: Annotated[Path | None, typer.Option("--gitleaks-config", help="Translate and use a gitleaks config (default: PATH/.gitleaks.toml when present).")] = None,
) -> None:
    """Scan a repository's full history (all refs, every unique blob once).

    Exit codes: 0 nothing found, 1 findings, 2 error or incomplete scan.
    """
    from scanner.baseline import BaselineError
    from scanner.config import ConfigError
    from scanner.project import configured_ruleset, project_config, project_root, suppress
    from scanner.rules import RuleError, default_rules, load_rules
    from scanner.scan import ScanOptions, ScanSetupError
    from scanner.scan import scan as run_scan

    modes = [m for m, on in (("--range", bool(range_)), ("--staged", staged), ("--no-git", no_git)) if on]
    if len(modes) > 1:
        raise fail(f"{' and '.join(modes)} cannot be combined")
    root = project_root(path, git=not no_git)
    try:
        settings = project_config(root, config)
        ruleset = load_rules(rules_dir) if rules_dir else default_rules()
        ruleset = configured_ruleset(ruleset, settings)
        if enable_rule or disable_rule:
            ruleset = ruleset.select(enable_rule or (), disable_rule or ())
        ruleset = _with_gitleaks_config(ruleset, gitleaks_config, path)
    except (RuleError, ConfigError) as exc:
        raise fail(str(exc)) from None
    if max_blob_size is None:
        max_blob_size = str(settings.max_blob_size) if settings and settings.max_blob_size else "25M"
    if verify:
        from scanner.verify.canary import canary_accounts

        try:  # a typo in an account id must fail before a long scan, not after
            canary_accounts(skip_aws_account or ())
        except ValueError as exc:
            raise fail(str(exc)) from None
    show_progress = progress if progress is not None else sys.stderr.isatty()
    options = ScanOptions(
        ruleset=ruleset, jobs=jobs, max_blob_size=_parse_size(max_blob_size),
        redact=not no_redact, all_objects=all_objects, range=range_, staged=staged,
        no_git=no_git, prefilter=prefilter.value,
    )
    try:
        if show_progress:
            result = _scan_with_progress(path, options)
        else:
            result = run_scan(path, options)
    except ScanSetupError as exc:
        raise fail(str(exc)) from None
    try:
        suppressed = suppress(result, root, baseline)
    except BaselineError as exc:
        raise fail(str(exc)) from None
    # After the ignore files, so an entry is not called unused because the
    # finding it hides fell under --min-confidence.
    if min_confidence is not Confidence.low:
        keep = _CONFIDENCE_ORDER.index(min_confidence.value)
        result.findings = [f for f in result.findings
                           if _CONFIDENCE_ORDER.index(f.confidence) >= keep]
        result.stats.findings = len(result.findings)
    exit_code = result.exit_code
    if verify:
        from scanner.verify.cli import verify_scan_result

        exit_code = verify_scan_result(result, path, sts_endpoint, skip_aws_account)
    _emit(result, format, output, str(path.resolve()), staged=staged)
    if report_unused_ignores:
        for line in suppressed.unused:
            typer.echo(f"leakwarden: {line}", err=True)
    if result.errors:
        typer.echo(f"leakwarden: scan incomplete: {len(result.errors)} unit(s) could not be "
                   "scanned (see errors in the report)", err=True)
    raise typer.Exit(exit_code)


def _with_gitleaks_config(ruleset, config: Path | None, path: Path):  # noqa: ANN001, ANN202
    """Apply --gitleaks-config, or a .gitleaks.toml at the scanned root;
    what cannot be translated is named on stderr."""
    from scanner.gitleaks_config import apply_to

    if config is None:
        candidate = path / ".gitleaks.toml"
        if not candidate.is_file():
            return ruleset
        config = candidate
        # Said out loud: a config found in the scanned tree changes what is
        # reported, and whoever wrote that tree wrote the config.
        typer.echo(f"leakwarden: using gitleaks config {config}", err=True)
    elif not config.is_file():
        raise fail(f"{config}: no such gitleaks config")
    ruleset, warnings = apply_to(ruleset, config)
    for warning in warnings:
        typer.echo(f"leakwarden: gitleaks config: {warning}", err=True)
    return ruleset


def _scan_with_progress(path: Path, options):  # noqa: ANN001, ANN202 - internal
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from scanner.scan import scan as run_scan

    # On stderr: stdout may be the report, piped or redirected.
    with Progress(TextColumn("scanning blobs"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("scan", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        options.progress = update
        return run_scan(path, options)


def _emit(result, format: Format, output: Path | None, repository: str,  # noqa: ANN001
          *, staged: bool = False) -> None:
    if format is not Format.text:
        from scanner.report import render

        text = render(format.value, result, repository)
    elif staged:
        from scanner.report.block import render_block

        text = render_block(result)
    else:
        from scanner.report.text_report import render_text

        color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = render_text(result, color=color)
    write_output(text, output)


def write_output(text: str, output: Path | None) -> None:
    """A report to stdout or to ``output``; a write failure is a one-line error."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None


@rules_app.command("list")
def rules_list() -> None:
    """List the rules: id, severity, confidence, description."""
    from scanner.rules import default_rules

    for rule in default_rules().rules:
        typer.echo(f"{rule.id:36} {rule.severity:9} {rule.confidence:7} {rule.description}")


@config_app.command("check")
def config_check(
    path: Annotated[Path, typer.Argument(help="Checkout whose configuration to check.")] = Path("."),
    config: Annotated[Path | None, typer.Option("--config", help="Check this file instead.")] = None,
) -> None:
    """Validate .leakwarden.toml (or [tool.leakwarden]): exit 0 when usable, 2 with
    one line per problem when not."""
    from scanner.config import check_config
    from scanner.project import project_root

    settings, problems = check_config(config, project_root(path))
    for problem in problems:
        typer.echo(f"leakwarden: {problem}", err=True)
    if problems:
        raise typer.Exit(2)
    if settings is None:
        typer.echo("no configuration file (.leakwarden.toml or [tool.leakwarden] in pyproject.toml)")
        return
    typer.echo(f"{settings.source}: ok: {len(settings.rules)} extra rule(s), "
               f"{len(settings.allowlists)} allowlist(s), {len(settings.disable_rules)} disabled, "
               f"{len(settings.enable_rules)} enabled-only rule(s)"
               + (f", max blob size {settings.max_blob_size}" if settings.max_blob_size else ""))


@app.command()
def version() -> None:
    """Print the version."""
    from scanner import __version__

    typer.echo(f"leakwarden {__version__}")


def _register_commands() -> None:
    # Each feature keeps its commands in its own module; these imports are
    # light (their heavy libraries load only when a command runs).
    from scanner.github.cli import org_app
    from scanner.tickets.cli import register as register_tickets
    from scanner.verify.cli import register as register_verify

    app.add_typer(org_app, name="org")
    register_verify(app)
    register_tickets(app)


_register_commands()


def main() -> None:
    """Console-script entry point: no input ever ends in a Python traceback."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("leakwarden: interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # the promise: a one-line reason, exit 2
        typer.echo(f"leakwarden: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
