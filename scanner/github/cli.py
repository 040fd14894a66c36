"""``leakwarden org ...``: the command line over ``scanner.github``.

The lead's ``scanner.cli`` mounts ``org_app`` with ``app.add_typer(org_app, name="org")``.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

# PyGithub, rich and the scanner are imported inside the command: this module
# is imported by every `leakwarden` start (pre-commit included), which must stay fast.

org_app = typer.Typer(help="Audit and scan a GitHub organization.", no_args_is_help=True)


@org_app.callback()
def org_callback() -> None:
    """Audit and scan a GitHub organization (GITHUB_TOKEN / GH_TOKEN from the environment)."""
    # A callback keeps `org` a command group even while it has one command.


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


# Options `org audit` and `org scan` share, declared once.
StateOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional on 3.10
    typer.Option(help="SQLite state file (default: $XDG_DATA_HOME/leakwarden/state.sqlite3)."),
]
MirrorsOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(help="Directory of bare mirrors (default: 'mirrors' beside the state file)."),
]
GitHubUrlOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(help="API base URL (default: $GITHUB_API_URL or https://api.github.com; GHES: https://HOST/api/v3)."),
]


def _fail(console: Any, message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(2)


def _connect(console: Any, github_url: str | None, max_rate_limit_wait: float) -> Any:
    """A GitHubClient whose rate-limit waits are announced on stderr."""
    from scanner.github.client import GitHubClient, GitHubConfigError, RateLimitWaiter

    waiter = RateLimitWaiter(
        max_total_wait=max_rate_limit_wait,
        notify=lambda message: console.print(f"[yellow]{message}[/]", highlight=False),
    )
    try:
        return GitHubClient(base_url=github_url, waiter=waiter)
    except GitHubConfigError as exc:
        raise _fail(console, str(exc)) from None


def _open_store(console: Any, state: Path | None) -> Any:
    """The SQLite state file (default under the XDG data directory)."""
    from scanner.store import Store, StoreError, default_state_path

    try:
        return Store(state or default_state_path())
    except StoreError as exc:
        raise _fail(console, str(exc)) from None


def _listing_failed(console: Any, org: str, client: Any, exc: Exception) -> typer.Exit:
    """The one-line reason when the org's repositories cannot be listed, with a hint."""
    from scanner.github.client import describe_error

    status = getattr(exc, "status", None)
    hint = f" (is '{org}' an organization on {client.base_url}?)" if status == 404 else ""
    hint = " (check the token and its scopes)" if status in (401, 403) else hint
    return _fail(console, f"cannot list the repositories of {org}: {describe_error(exc)}{hint}")


def _write_report(console: Any, rendered: str, output: Path | None) -> None:
    try:
        if output is None:
            sys.stdout.write(rendered)
            sys.stdout.flush()
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(rendered, encoding="utf-8")
    except OSError as exc:
        raise _fail(console, f"cannot write the report: {exc.strerror or exc}") from None
    console.print(f"report written to {output}", highlight=False, markup=False)


@org_app.command("audit")
def audit_command(
    org: Annotated[str, typer.Argument(help="Organization login, e.g. acme.")],
    must_stay_private: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional on 3.10
        typer.Option(
            "--must-stay-private",
            metavar="PATTERN",
            help="Glob of repos that must never be public, matched against name and owner/name. Repeatable.",
        ),
    ] = None,
    config: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="TOML config file; must_stay_private = [...] in its github table adds patterns."),
    ] = None,
    state: StateOption = None,
    mirrors: MirrorsOption = None,
    github_url: GitHubUrlOption = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="Report format.")] = OutputFormat.text,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write the report here.")] = None,  # noqa: UP045
    scan: Annotated[bool, typer.Option("--scan/--no-scan", help="Mirror and scan repos that went public.")] = True,
    events: Annotated[bool, typer.Option("--events/--no-events", help="Read the event feeds.")] = True,
    rescan: Annotated[
        bool, typer.Option(help="Scan mirrors again even when their refs and the rules are unchanged.")
    ] = False,
    max_rate_limit_wait: Annotated[
        float, typer.Option(help="Total seconds this run may spend waiting out GitHub rate limits.")
    ] = 900.0,
) -> None:
    """Which repos went public, when, by whom, and which secrets that exposed.

    Credentials come from GITHUB_TOKEN / GH_TOKEN (or the LEAKWARDEN_GITHUB_APP_*
    variables), never from the command line. Exit 0: nothing new; 1: a new
    change to public, violation or exposure; 2: error or incomplete run.
    """
    from rich.console import Console

    from scanner.github.audit import AuditOptions, run_audit
    from scanner.github.client import GITHUB_ERRORS, GitHubConfigError
    from scanner.github.policy import PolicyError, load_policy
    from scanner.github.report import RENDERERS

    err = Console(stderr=True)
    try:
        policy = load_policy(must_stay_private or (), config)
    except PolicyError as exc:
        raise _fail(err, str(exc)) from None
    client = _connect(err, github_url, max_rate_limit_wait)
    store = _open_store(err, state)
    options = AuditOptions(
        org=org, policy=policy, mirrors_dir=mirrors, use_events=events, scan=scan, rescan=rescan
    )
    progress = (lambda message: err.print(f"[dim]{message}[/]", highlight=False)) if sys.stderr.isatty() else None
    try:
        with store:
            report = run_audit(client, store, options, progress=progress)
    except GITHUB_ERRORS as exc:
        raise _listing_failed(err, org, client, exc) from None
    except GitHubConfigError as exc:
        raise _fail(err, str(exc)) from None

    fmt = output_format.value
    if fmt == "text" and output is None:
        # On a pipe there is no width to fit; a wide table beats one that wraps every cell.
        width = err.width if sys.stdout.isatty() else 200
        rendered = RENDERERS["text"](report, width=width, color=sys.stdout.isatty())  # type: ignore[call-arg]
    else:
        rendered = RENDERERS[fmt](report)
    _write_report(err, rendered, output)
    raise typer.Exit(report.exit_code)


# `org scan` (issue 7) lives in its own module and joins this group on import.
from scanner.github import orgscan_cli as _orgscan_cli  # noqa: E402,F401
