"""The command line: a thin layer over ``scanner.pipeline`` and friends.

Heavy modules (pygit2, Hyperscan, rich) are imported inside commands, so
``leakwarden --help`` and a pre-commit run start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from scanner.cli.scan import register as register_scan
from scanner.report.escape import visible

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
register_scan(app)  # first in --help: the command most people came for


@rules_app.command("list")
def rules_list() -> None:
    """List the rules: id, severity, confidence, description."""
    from scanner.engine.rules import default_rules

    for rule in default_rules().rules:
        typer.echo(f"{rule.id:36} {rule.severity:9} {rule.confidence:7} {rule.description}")


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


@app.command()
def version() -> None:
    """Print the version."""
    from scanner import __version__

    typer.echo(f"leakwarden {__version__}")


def _register_commands() -> None:
    # Each feature keeps its commands in its own module; these imports are
    # light (their heavy libraries load only when a command runs).
    from scanner.cli.aws import aws_app
    from scanner.cli.org import org_app
    from scanner.cli.tickets import register as register_tickets
    from scanner.cli.verify import register as register_verify

    app.add_typer(org_app, name="org")
    app.add_typer(aws_app, name="aws")
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
        from scanner.state.db import StoreError

        if isinstance(exc, StoreError):  # a damaged state file met mid-run: its own words
            typer.echo(f"leakwarden: {visible(exc)}", err=True)
        else:
            typer.echo(f"leakwarden: internal error: {type(exc).__name__}: {visible(exc)}", err=True)
        sys.exit(2)
