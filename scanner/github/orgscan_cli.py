"""``leakwarden org scan ORG``: thin over ``scanner.github.orgscan``.

Imported by ``scanner.github.cli`` so the command joins the ``org`` group;
everything heavy is imported inside the command.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from scanner.github.cli import (
    GitHubUrlOption,
    MirrorsOption,
    StateOption,
    _connect,
    _fail,
    _listing_failed,
    _open_store,
    _write_report,
    org_app,
)


class ScanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


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
    output_format: Annotated[ScanFormat, typer.Option("--format", help="Report format.")] = ScanFormat.text,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write the report here.")] = None,  # noqa: UP045
    git_timeout: Annotated[float, typer.Option(min=1, help="Seconds per git clone or fetch.")] = 900.0,
    rescan: Annotated[bool, typer.Option(help="Ignore cursors: scan every repository whole.")] = False,
    max_rate_limit_wait: Annotated[
        float, typer.Option(help="Total seconds this run may spend waiting out GitHub rate limits.")
    ] = 900.0,
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
    from scanner.github.executors import ExecutorError, make_runner
    from scanner.github.orgscan import OrgScanOptions, run_org_scan
    from scanner.github.orgscan_report import RENDERERS
    from scanner.store import OrgScanStore

    err = Console(stderr=True)
    if tickets and not verify:
        raise _fail(err, "--tickets needs --verify: tickets are written for keys STS says are live")
    destination = None
    if tickets:
        from scanner.tickets.destinations import DestinationError, parse_destination

        try:
            destination = parse_destination(tickets, github_url)
        except DestinationError as exc:
            raise _fail(err, str(exc)) from None
    verify_options = None
    if verify:
        from scanner.verify.verifier import VerifyOptions

        try:
            verify_options = VerifyOptions(sts_endpoint=sts_endpoint, skip_accounts=skip_aws_account or ())
            from scanner.verify.canary import canary_accounts

            canary_accounts(verify_options.skip_accounts)
        except ValueError as exc:
            raise _fail(err, str(exc)) from None
    try:
        runner = make_runner(executor, jobs)
    except ExecutorError as exc:
        raise _fail(err, str(exc)) from None
    client = _connect(err, github_url, max_rate_limit_wait)
    store = _open_store(err, state)

    with store:
        options = OrgScanOptions(org=org, mirrors_dir=mirrors, jobs=jobs, executor=executor,
                                 git_timeout=git_timeout, rescan=rescan)
        mirrors_dir = options.mirrors_dir or store.path.parent / "mirrors"
        audit_report = None
        try:
            if audit:
                from scanner.github.audit import AuditOptions, run_audit

                audit_report = run_audit(client, store, AuditOptions(org=org, mirrors_dir=mirrors_dir, scan=False))
                options.first = frozenset(c.repo for c in audit_report.new_public_changes)
            with _progress(err) as hook:
                report = run_org_scan(client, store, options, progress=hook, run_tasks=runner)
        except GITHUB_ERRORS as exc:
            raise _listing_failed(err, org, client, exc) from None
        except (GitHubConfigError, ExecutorError) as exc:
            raise _fail(err, str(exc)) from None

        exposures: list[dict[str, Any]] = []
        if audit_report is not None:
            from scanner.github.orgscan_actions import record_exposures

            exposures = record_exposures(report, store, audit_report)
            report.audit = {
                "changes_to_public": [c.to_dict() for c in audit_report.new_public_changes],
                "violations": audit_report.new_violations,
                "new_exposures": exposures,
                "errors": audit_report.errors,
            }
            report.errors.extend(dict(e, kind=f"audit:{e['kind']}") for e in audit_report.errors)
        if verify_options is not None and report.findings:
            from scanner.github.orgscan_actions import send_tickets, verify_new_findings

            report.verification = verify_new_findings(report, store, mirrors_dir, verify_options)
            if destination is not None:
                report.tickets = send_tickets(report, destination, exposures)
                if any(t["action"] == "error" for t in report.tickets):
                    report.errors.append({"kind": "tickets", "message": "a ticket could not be written"})

        _write_report(err, RENDERERS[output_format.value](report), output)
        # Only now, with the report out, are these findings no longer new.
        OrgScanStore(store).mark_reported(org, [(f["repo"], f["fingerprint"]) for f in report.findings])
        if output_format.value != "text" or output is not None:
            err.print(RENDERERS["text"](report).splitlines()[0], highlight=False, markup=False)
    raise typer.Exit(report.exit_code)


class _progress:
    """A progress bar on a terminal; nothing on a pipe or in CI logs."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not self.console.is_terminal:
            return None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=self.console, transient=True)
        self.bar.start()
        task = self.bar.add_task("repositories", total=None)

        def hook(outcome: Any, done: int, total: int) -> None:
            self.bar.update(task, completed=done, total=total, description=f"{outcome.repo} {outcome.status}")

        return hook

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@org_app.command("ignore")
def ignore_command(
    org: Annotated[str, typer.Argument(help="Organization login.")],
    fingerprints: Annotated[list[str], typer.Argument(help="Finding fingerprints (from the org scan report).")],
    reason: Annotated[Optional[str], typer.Option(help="Why: kept with the finding.")] = None,  # noqa: UP045
    state: StateOption = None,
) -> None:
    """Mark org scan findings ignored (a test fixture, a revoked key): never reported again."""
    from rich.console import Console

    from scanner.store import OrgScanStore

    err = Console(stderr=True)
    store = _open_store(err, state)
    unknown = []
    with store:
        tables = OrgScanStore(store)
        for fingerprint in fingerprints:
            if not tables.ignore(org, fingerprint, reason):
                unknown.append(fingerprint)
    for fingerprint in unknown:
        err.print(f"[bold red]error:[/] no finding of {org} has fingerprint {fingerprint}", highlight=False)
    ignored = len(fingerprints) - len(unknown)
    err.print(f"{ignored} finding(s) ignored", highlight=False, markup=False)
    raise typer.Exit(2 if unknown else 0)
