"""``leakwarden org audit|scan|ignore``: thin over ``scanner.audit`` and
``scanner.orgscan``; ``scanner.cli.app`` mounts ``org_app`` as ``org``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from scanner.cli.common import (
    GitHubUrlOption,
    MirrorsOption,
    ReportFormat,
    StateOption,
    connect_github,
    fail,
    listing_failed,
    open_store,
    progress_bar,
    write_report,
)
from scanner.report.escape import rich_text, visible

if TYPE_CHECKING:
    from rich.console import Console

    from scanner.orgscan.coordinator import ProgressHook
    from scanner.orgscan.task import RepoOutcome

# PyGithub, rich and the scanner are imported inside the command: this module
# is imported by every `leakwarden` start (pre-commit included), which must stay fast.

org_app = typer.Typer(help="Audit and scan a GitHub organization.", no_args_is_help=True)


@org_app.callback()
def org_callback() -> None:
    """Audit and scan a GitHub organization (GITHUB_TOKEN / GH_TOKEN from the environment)."""
    # A callback keeps `org` a command group even while it has one command.


# The report and rate-limit options `org audit` and `org scan` share.
FormatOption = Annotated[ReportFormat, typer.Option("--format", help="Report format.")]
OutputOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional on 3.10
    typer.Option("-o", "--output", help="Write the report here."),
]
RateLimitWaitOption = Annotated[
    float, typer.Option(help="Total seconds this run may spend waiting out GitHub rate limits.")
]


# The policy options `org audit` and `org scan --audit` share.
MustStayPrivateOption = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer needs Optional on 3.10
    typer.Option(
        "--must-stay-private",
        metavar="PATTERN",
        help="Glob of repos that must never be public, matched against name and owner/name. Repeatable.",
    ),
]
PolicyConfigOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--config", metavar="FILE",
                 help="TOML config file; must_stay_private = [...] in its github table adds patterns."),
]


@org_app.command("audit")
def audit_command(
    org: Annotated[str, typer.Argument(help="Organization login, e.g. acme.")],
    must_stay_private: MustStayPrivateOption = None,
    config: PolicyConfigOption = None,
    state: StateOption = None,
    mirrors: MirrorsOption = None,
    github_url: GitHubUrlOption = None,
    output_format: FormatOption = ReportFormat.text,
    output: OutputOption = None,
    scan: Annotated[bool, typer.Option("--scan/--no-scan", help="Mirror and scan repos that went public.")] = True,
    events: Annotated[bool, typer.Option("--events/--no-events", help="Read the event feeds.")] = True,
    rescan: Annotated[
        bool, typer.Option(help="Scan mirrors again even when their refs and the rules are unchanged.")
    ] = False,
    max_rate_limit_wait: RateLimitWaitOption = 900.0,
) -> None:
    """Which repos went public, when, by whom, and which secrets that exposed.

    Credentials come from GITHUB_TOKEN / GH_TOKEN (or the LEAKWARDEN_GITHUB_APP_*
    variables), never from the command line. Exit 0: nothing new; 1: a new
    change to public, violation or exposure; 2: error or incomplete run.
    """
    from rich.console import Console

    from scanner.audit.policy import PolicyError, load_policy
    from scanner.audit.render import RENDERERS
    from scanner.audit.run import AuditOptions, run_audit
    from scanner.github.client import GITHUB_ERRORS, GitHubConfigError
    from scanner.state.audit import AuditStore

    err = Console(stderr=True)
    try:
        policy = load_policy(must_stay_private or (), config)
    except PolicyError as exc:
        raise fail(str(exc)) from None
    client = connect_github(err, github_url, max_rate_limit_wait)
    store = open_store(state)
    options = AuditOptions(
        org=org, policy=policy, mirrors_dir=mirrors, use_events=events, scan=scan, rescan=rescan
    )
    progress = (lambda message: err.print(f"[dim]{rich_text(message)}[/]", highlight=False)) if sys.stderr.isatty() else None
    with store:
        tables = AuditStore(store)
        try:
            report = run_audit(client, tables, options, progress=progress)
        except GITHUB_ERRORS as exc:
            raise listing_failed(org, client, exc) from None
        except GitHubConfigError as exc:
            raise fail(str(exc)) from None

        fmt = output_format.value
        if fmt == "text" and output is None:
            # On a pipe there is no width to fit; a wide table beats one that wraps every cell.
            width = err.width if sys.stdout.isatty() else 200
            rendered = RENDERERS["text"](report, width=width, color=sys.stdout.isatty())  # type: ignore[call-arg]
        else:
            rendered = RENDERERS[fmt](report)
        write_report(err, rendered, output)
        # Only now, with the report out, are its discoveries no longer new.
        tables.mark_changes_reported(org)
    raise typer.Exit(report.exit_code)


@org_app.command("scan")
def scan_command(
    org: Annotated[str, typer.Argument(help="Organization login, e.g. acme.")],
    state: StateOption = None,
    mirrors: MirrorsOption = None,
    github_url: GitHubUrlOption = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Repositories at once (local processes).")] = 4,
    executor: Annotated[
        str, typer.Option(help="local, or dask://HOST:PORT to run repos on a Dask cluster (leakwarden[dask]).")
    ] = "local",
    audit: Annotated[bool, typer.Option("--audit", help="Run the visibility audit too; repos that just went public go first.")] = False,
    must_stay_private: MustStayPrivateOption = None,
    config: PolicyConfigOption = None,
    verify: Annotated[bool, typer.Option("--verify", help="Check new AWS keys with STS.")] = False,
    sts_endpoint: Annotated[Optional[str], typer.Option(help="STS endpoint URL for --verify.")] = None,  # noqa: UP045
    skip_aws_account: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--skip-aws-account", help="Treat this AWS account as a canary: never send its keys."),
    ] = None,
    tickets: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="With --verify: rotation tickets for live AWS keys to dir:PATH, github:OWNER/REPO or -."),
    ] = None,
    output_format: FormatOption = ReportFormat.text,
    output: OutputOption = None,
    git_timeout: Annotated[float, typer.Option(min=1, help="Seconds per git clone or fetch.")] = 900.0,
    rescan: Annotated[bool, typer.Option(help="Ignore cursors: scan every repository whole.")] = False,
    max_rate_limit_wait: RateLimitWaitOption = 900.0,
) -> None:
    """Scan every repository of ORG for secrets, incrementally.

    Only blobs no earlier run scanned with the same rules are read; repos whose
    refs did not move are not walked at all. Findings, cursors and repo status
    live in the state file, committed per repo, so a killed run resumes. The
    report lists findings no earlier finished run reported. Credentials come
    from GITHUB_TOKEN / GH_TOKEN (or the App variables), never the command line.
    Exit 0: nothing new; 1: new findings; 2: a repo failed (retried next run) or error.
    """
    from rich.console import Console

    from scanner.github.client import GITHUB_ERRORS, GitHubConfigError
    from scanner.orgscan.coordinator import OrgScanOptions
    from scanner.orgscan.executors import make_runner
    from scanner.orgscan.nightly import NightlyOptions, mark_reported, run_nightly
    from scanner.orgscan.render import RENDERERS
    from scanner.procs import ExecutorError

    err = Console(stderr=True)
    if tickets and not verify:
        raise fail("--tickets needs --verify: tickets are written for keys STS says are live")
    destination = None
    if tickets:
        from scanner.tickets.destinations import DestinationError, parse_destination

        try:
            destination = parse_destination(tickets, github_url)
        except DestinationError as exc:
            raise fail(str(exc)) from None
    verify_options = None
    if verify:
        from scanner.verify.verifier import VerifyOptions

        try:
            verify_options = VerifyOptions(sts_endpoint=sts_endpoint, skip_accounts=skip_aws_account or ())
            from scanner.verify.canary import canary_accounts

            canary_accounts(verify_options.skip_accounts)
        except ValueError as exc:
            raise fail(str(exc)) from None
    policy = None
    if must_stay_private or config:
        if not audit:
            raise fail("--must-stay-private and --config are audit policy: add --audit")
        from scanner.audit.policy import PolicyError, load_policy

        try:
            policy = load_policy(must_stay_private or (), config)
        except PolicyError as exc:
            raise fail(str(exc)) from None
    try:
        runner = make_runner(executor, jobs)
    except ExecutorError as exc:
        raise fail(str(exc)) from None
    client = connect_github(err, github_url, max_rate_limit_wait)
    store = open_store(state)

    options = NightlyOptions(
        scan=OrgScanOptions(org=org, mirrors_dir=mirrors, jobs=jobs, executor=executor, git_timeout=git_timeout,
                            rescan=rescan),
        audit=audit, policy=policy, verify=verify_options, tickets=destination,
    )
    with store:
        try:
            with _progress(err) as hook:
                report = run_nightly(client, store, options, progress=hook, run_tasks=runner)
        except GITHUB_ERRORS as exc:
            raise listing_failed(org, client, exc) from None
        except (GitHubConfigError, ExecutorError) as exc:
            raise fail(str(exc)) from None
        write_report(err, RENDERERS[output_format.value](report), output)
        # Only now, with the report out, are its discoveries no longer new.
        mark_reported(store, report)
        if output_format.value != "text" or output is not None:
            err.print(RENDERERS["text"](report).splitlines()[0], highlight=False, markup=False)
    raise typer.Exit(report.exit_code)


@contextmanager
def _progress(console: Console) -> Iterator[ProgressHook | None]:
    """The org scan's hook for ``run_org_scan``: a bar on a terminal, nothing on a pipe."""
    with progress_bar("repositories", show=console.is_terminal) as update:
        if update is None:
            yield None
            return

        def hook(outcome: RepoOutcome, done: int, total: int) -> None:
            update(done, total, f"{outcome.repo} {outcome.status}")

        yield hook


@org_app.command("ignore")
def ignore_command(
    org: Annotated[str, typer.Argument(help="Organization login.")],
    fingerprints: Annotated[list[str], typer.Argument(help="Finding fingerprints (from the org scan report).")],
    reason: Annotated[Optional[str], typer.Option(help="Why: kept with the finding.")] = None,  # noqa: UP045
    state: StateOption = None,
) -> None:
    """Mark org scan findings ignored (a test fixture, a revoked key): never reported again."""
    from rich.console import Console

    from scanner.state.orgscan import OrgScanStore

    err = Console(stderr=True)
    store = open_store(state)
    unknown = []
    with store:
        tables = OrgScanStore(store)
        for fingerprint in fingerprints:
            if not tables.ignore(org, fingerprint, reason):
                unknown.append(fingerprint)
    for fingerprint in unknown:
        typer.echo(f"leakwarden: no finding of {visible(org)} has fingerprint {visible(fingerprint)}", err=True)
    ignored = len(fingerprints) - len(unknown)
    err.print(f"{ignored} finding(s) ignored", highlight=False, markup=False)
    raise typer.Exit(2 if unknown else 0)
