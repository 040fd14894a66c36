"""What every command shares: one error style, one way to write a report,
the options ``org audit`` and ``org scan`` both take, and the GitHub/state
set-up behind them. Light to import: heavy libraries load inside functions."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from scanner.report.escape import rich_text, visible

if TYPE_CHECKING:
    from rich.console import Console

    from scanner.github.client import GitHubClient
    from scanner.state.db import StateFile


class Confidence(str, Enum):
    """A confidence floor on the command line (``scan --min-confidence``,
    ``rules list --confidence``): the scale of ``scanner.model.CONFIDENCE_ORDER``."""

    low = "low"
    medium = "medium"
    high = "high"


class ReportFormat(str, Enum):
    """The formats of the org reports and of ``contain`` (``investigate`` adds HTML)."""

    text = "text"
    json = "json"
    markdown = "markdown"


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line reason on stderr (``leakwarden: ...``, the one error
    style of every command); the caller raises what this returns."""
    # visible: messages quote paths, repo names and server answers.
    typer.echo(f"leakwarden: {visible(message)}", err=True)
    return typer.Exit(code)


def check_output(output: Path | None) -> Path | None:
    """``-o`` as given, checked before any work: ``-`` means standard output
    (None); a path that cannot be written fails now, not after a long scan."""
    import os

    if output is None or str(output) == "-":
        return None
    if output.is_dir():
        raise fail(f"cannot write {output}: it is a directory")
    if output.exists():
        if not os.access(output, os.W_OK):
            raise fail(f"cannot write {output}: permission denied")
        return output
    parent = output.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent  # write_output creates the missing directories
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise fail(f"cannot write {output}: {parent} is not a writable directory")
    return output


def write_output(text: str, output: Path | None) -> None:
    """A report to stdout or to ``output``; a write failure is a one-line error."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None


ProgressUpdate = Callable[[int, "int | None", "str | None"], None]


@contextmanager
def progress_bar(label: str, *, show: bool) -> Iterator[ProgressUpdate | None]:
    """One progress bar style for every command, on stderr (stdout may be the
    report): yields ``update(done, total, description)``, or None when not shown
    (a pipe, CI logs)."""
    if not show:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None, description: str | None = None) -> None:
            bar.update(task, completed=done, total=total, description=description or label)

        yield update


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


def connect_github(console: Console, github_url: str | None, max_rate_limit_wait: float) -> GitHubClient:
    """A GitHubClient whose rate-limit waits are announced on stderr."""
    from scanner.github.client import GitHubClient, GitHubConfigError, RateLimitWaiter

    waiter = RateLimitWaiter(
        max_total_wait=max_rate_limit_wait,
        notify=lambda message: console.print(f"[yellow]{rich_text(message)}[/]", highlight=False),
    )
    try:
        return GitHubClient(base_url=github_url, waiter=waiter)
    except GitHubConfigError as exc:
        raise fail(str(exc)) from None


def open_store(state: Path | None) -> StateFile:
    """The SQLite state file (default under the XDG data directory)."""
    from scanner.state.db import StateFile, StoreError, default_state_path

    try:
        # Every command that opens the state file writes it: one run at a time.
        return StateFile(state or default_state_path(), exclusive=True)
    except StoreError as exc:
        raise fail(str(exc)) from None


def listing_failed(org: str, client: GitHubClient, exc: Exception) -> typer.Exit:
    """The one-line reason when the org's repositories cannot be listed, with a hint."""
    from scanner.github.client import describe_error

    status = getattr(exc, "status", None)
    hint = f" (is '{org}' an organization on {client.base_url}?)" if status == 404 else ""
    hint = " (check the token and its scopes)" if status in (401, 403) else hint
    return fail(f"cannot list the repositories of {org}: {describe_error(exc)}{hint}")


def write_report(console: Console, rendered: str, output: Path | None) -> None:
    """An org report to stdout or a file; a file written is announced on stderr."""
    write_output(rendered, output)
    if output is not None:
        console.print(f"report written to {output}", highlight=False, markup=False)
