"""The command line: a thin layer over ``scanner.pipeline`` and friends.

Heavy modules (pygit2, Hyperscan, rich) are imported inside commands, so
``leakwarden --help`` and a pre-commit run start fast.
"""

from __future__ import annotations

import logging
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

_USAGE_ERRORS: type[Exception]
try:  # recent typer carries its own copy of click
    from typer._click.exceptions import UsageError as _TyperUsageError

    _USAGE_ERRORS = _TyperUsageError
except ImportError:  # pragma: no cover - older typer on the real click
    from click.exceptions import UsageError as _ClickUsageError

    _USAGE_ERRORS = _ClickUsageError

from scanner.cli.common import Confidence  # noqa: E402
from scanner.cli.scan import register as register_scan  # noqa: E402
from scanner.report.escape import visible  # noqa: E402

_ABORT = typer.Abort

app = typer.Typer(
    name="leakwarden",
    help="Find credentials leaked into git history.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
rules_app = typer.Typer(help="Inspect the rule set.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
config_app = typer.Typer(help="The .leakwarden.toml configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")
register_scan(app)  # first in --help: the command most people came for


class LogLevel(str, Enum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


def _print_version(value: bool) -> None:
    if value:
        from scanner import __version__

        typer.echo(f"leakwarden {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                          help="Print the version and exit.")] = False,
    log_level: Annotated[LogLevel, typer.Option("--log-level", envvar="LEAKWARDEN_LOG_LEVEL",
                                                help="Diagnostics on stderr from this level up.")] = LogLevel.warning,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours anywhere (as NO_COLOR=1).")] = False,
) -> None:
    """Find credentials leaked into git history."""
    del version  # handled by its callback
    if no_color:
        os.environ["NO_COLOR"] = "1"  # rich and the text report both honour it
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("leakwarden: %(levelname)s: %(message)s"))
    logger = logging.getLogger("leakwarden")
    logger.handlers[:] = [handler]
    logger.setLevel(log_level.value.upper())
    logger.propagate = False


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


@app.command()
def completion(shell: Annotated[Shell, typer.Argument(help="bash, zsh or fish.")]) -> None:
    """Print a shell completion script, e.g. `leakwarden completion bash >
    ~/.local/share/bash-completion/completions/leakwarden`."""
    from typer._completion_shared import get_completion_script

    typer.echo(get_completion_script(prog_name="leakwarden", complete_var="_LEAKWARDEN_COMPLETE",
                                     shell=shell.value))


class _Severity(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class _ListFormat(str, Enum):
    text = "text"
    json = "json"


@rules_app.command("list")
def rules_list(
    format: Annotated[_ListFormat, typer.Option("--format", "-f", help="text or json.")] = _ListFormat.text,
    provider: Annotated[str | None, typer.Option("--provider", help="Only rules whose id, family or description names this.")] = None,
    severity: Annotated[_Severity | None, typer.Option("--severity", help="Only rules of at least this severity.")] = None,
    confidence: Annotated[Confidence | None, typer.Option("--confidence", help="Only rules of at least this confidence.")] = None,
) -> None:
    """List the rules: id, severity, confidence, description, keywords and a redacted example."""
    import json

    from scanner.engine.rules import default_rules, describe_rule, filter_rules

    rules = filter_rules(default_rules().all_rules, provider=provider,
                         severity=severity.value if severity else None,
                         confidence=confidence.value if confidence else None)
    described = [describe_rule(rule) for rule in rules]
    if format is _ListFormat.json:
        typer.echo(json.dumps(described, indent=2))
        return
    for d in described:
        typer.echo(f"{d['id']:36} {d['severity']:9} {d['confidence']:7} {d['description']}")
        if d["parser"]:
            typer.echo(f"    parsed:   by the {d['parser']} parser (state and plan JSON), no regex")
        else:
            typer.echo(f"    keywords: {', '.join(d['keywords']) or '(file path: ' + str(d['path']) + ')'}")
        if d["example"]:
            typer.echo(f"    example:  {d['example'].splitlines()[0][:160]}")


@config_app.command("check")
def config_check(
    path: Annotated[Path, typer.Argument(help="Checkout whose configuration to check.")] = Path("."),
    config: Annotated[Path | None, typer.Option("--config", help="Check this file instead.")] = None,
) -> None:
    """Validate .leakwarden.toml (or [tool.leakwarden]): exit 0 when usable, 2 with
    one line per problem when not."""
    from scanner.project.config import check_config
    from scanner.project.setup import project_root

    settings, problems = check_config(config, project_root(path))
    for problem in problems:
        typer.echo(f"leakwarden: {visible(problem)}", err=True)
    if problems:
        raise typer.Exit(2)
    if settings is None:
        typer.echo("no configuration file (.leakwarden.toml or [tool.leakwarden] in pyproject.toml)")
        return
    typer.echo(f"{settings.source}: ok: {len(settings.rules)} extra rule(s), "
               f"{len(settings.allowlists)} allowlist(s), {len(settings.disable_rules)} disabled, "
               f"{len(settings.enable_rules)} enabled-only rule(s)"
               + (f", max blob size {settings.max_blob_size}" if settings.max_blob_size else ""))


@app.command(hidden=True)
def version() -> None:
    """Print the version."""
    from scanner import __version__

    typer.echo(f"leakwarden {__version__}")


def _register_commands() -> None:
    # Each feature keeps its commands in its own module; these imports are
    # light (their heavy libraries load only when a command runs).
    from scanner.cli.aws import aws_app
    from scanner.cli.incident import register as register_incident
    from scanner.cli.org import org_app
    from scanner.cli.tickets import register as register_tickets
    from scanner.cli.verify import register as register_verify

    app.add_typer(org_app, name="org")
    app.add_typer(aws_app, name="aws")
    register_verify(app)
    register_tickets(app)
    register_incident(app)


_register_commands()


def main() -> None:
    """Console-script entry point: no input ever ends in a Python traceback."""
    try:
        code = app(standalone_mode=False)
    except _USAGE_ERRORS as exc:
        formatter = getattr(exc, "format_message", None)
        message = formatter() if formatter else str(exc)
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `leakwarden` or `leakwarden org`
            typer.echo(message)
            sys.exit(2)
        # click's own "Usage: ... Error: ..." block, in the one error style of every command
        ctx = getattr(exc, "ctx", None)
        hint = ctx.command_path if ctx is not None else "leakwarden"
        typer.echo(f"leakwarden: {visible(message)} (see {hint} --help)", err=True)
        sys.exit(2)
    except _ABORT:
        typer.echo("leakwarden: aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("leakwarden: interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # the promise: a one-line reason, exit 2
        from scanner.state.db import StoreError

        if isinstance(exc, StoreError):  # a damaged state file met mid-run: its own words
            typer.echo(f"leakwarden: {visible(exc)}", err=True)
        else:
            typer.echo(f"leakwarden: internal error: {type(exc).__name__}: {visible(exc)}", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
