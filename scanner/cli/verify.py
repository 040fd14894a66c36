"""``leakwarden verify REPORT.json`` and the ``scan --verify`` hook: thin over the library.

``register(app)`` adds the command to the main typer app; ``verify_scan_result``
is what the scan command calls when ``--verify`` is given.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scanner.cli.common import fail
from scanner.report.escape import visible

# Only typer at import time: this module is loaded on every `leakwarden` start,
# and boto3/pygit2 are loaded by the commands that need them.
if TYPE_CHECKING:
    from scanner.model import ScanResult, VerificationStatus
    from scanner.verify.verifier import VerifySummary

PARTITIONS = "aws, aws-us-gov, aws-cn"

STS_ENDPOINT_HELP = (
    "STS endpoint URL. Default: AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL if set, "
    "else each partition's regional endpoint."
)
SKIP_ACCOUNT_HELP = "Treat this AWS account as a canary too: never send its keys (repeatable)."


def describe(summary: VerifySummary) -> str:  # noqa: F821 - string annotation
    """One line for stderr: key IDs per status (occurrences, not unique keys) and STS calls."""
    order: list[VerificationStatus] = ["live", "expired", "invalid", "error", "canary", "unverified"]
    keys = summary.keys_by_status
    counts = ", ".join(
        f"{keys[s]} {s}" + (" (never sent)" if s == "canary" else "") for s in order if keys.get(s)
    )
    total = sum(keys.values())
    return f"{total} AWS access key ID(s): {counts or 'none'}; {summary.sts_calls} STS call(s)"


def _echo_summary(summary: VerifySummary, live: list[tuple[str | None, str | None]]) -> None:
    """``live``: (key ID, ARN) of each live key."""
    for problem in summary.problems:
        typer.echo(f"leakwarden: {visible(problem)}", err=True)
    typer.echo(f"leakwarden: {describe(summary)}", err=True)
    for key_id, arn in live:
        # Key IDs and ARNs are identifiers, safe to show; secrets never are.
        typer.echo(f"leakwarden: LIVE {visible(key_id)} {visible(arn)}", err=True)


def verify_scan_result(
    result: ScanResult,
    repo_path: str | os.PathLike[str],
    sts_endpoint: str | None = None,
    skip_aws_accounts: list[str] | None = None,
) -> int:
    """Verify a scan's AWS findings in place and report on stderr.

    Returns the exit code the scan should end with: 2 when verification was
    incomplete (a secret could not be re-read, STS errors), else the scan's own.
    """
    from scanner.verify.verifier import VerifyOptions, verify_findings

    options = VerifyOptions(sts_endpoint=sts_endpoint, skip_accounts=skip_aws_accounts or ())
    summary = verify_findings(result.findings, repo_path, options)
    live = [
        (f.verification.key_id, f.verification.arn)
        for f in result.findings
        if f.rule == "aws-access-key-id" and f.verification is not None and f.verification.status == "live"
    ]
    _echo_summary(summary, live)
    return result.exit_code if summary.complete else 2


def verify_command(
    report: Annotated[
        Path, typer.Argument(help="A JSON report from `leakwarden scan --format json`.")
    ],
    repo: Annotated[
        Path | None,
        typer.Option("--repo", help="The scanned repository (default: the report's 'repository')."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the verified report here.")
    ] = None,
    sts_endpoint: Annotated[
        str | None, typer.Option("--sts-endpoint", help=STS_ENDPOINT_HELP)
    ] = None,
    skip_aws_account: Annotated[
        list[str] | None, typer.Option("--skip-aws-account", help=SKIP_ACCOUNT_HELP)
    ] = None,
    partition: Annotated[
        list[str] | None,
        typer.Option(
            "--partition",
            help=f"Partitions to ask, in order (default: {PARTITIONS}).",
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="STS calls in flight.")
    ] = 4,
    rate: Annotated[
        float, typer.Option("--rate", min=0.1, help="STS calls per second at most.")
    ] = 10.0,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds per STS call.")
    ] = 10.0,
) -> None:
    """Check which AWS keys in a report still work (STS GetCallerIdentity).

    Secrets are re-read from the repository at each finding's blob and span, so
    the report stays redacted. Keys of known canary accounts are never sent.
    Exit codes: 0 no live key, 1 live keys, 2 error or incomplete verification.
    """
    from scanner.verify.saved_report import ReportError, load_report, verify_report
    from scanner.verify.sts import DEFAULT_PARTITIONS
    from scanner.verify.verifier import VerifyOptions

    try:
        data = load_report(report)
        options = VerifyOptions(
            sts_endpoint=sts_endpoint,
            skip_accounts=skip_aws_account or (),
            partitions=tuple(partition) if partition else DEFAULT_PARTITIONS,
            concurrency=concurrency,
            rate=rate,
            timeout=timeout,
        )
        summary = verify_report(data, repo, options)
    except (ReportError, ValueError) as exc:
        raise fail(str(exc)) from None
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    from scanner.cli.common import write_output

    write_output(text, output)
    live = [
        (f["verification"].get("key_id"), f["verification"].get("arn"))
        for f in data["findings"]
        if isinstance(f, dict)
        and f.get("rule") == "aws-access-key-id"
        and (f.get("verification") or {}).get("status") == "live"
    ]
    _echo_summary(summary, live)
    if not summary.complete:
        raise typer.Exit(2)
    raise typer.Exit(1 if live else 0)


def register(app: typer.Typer) -> None:
    """Add ``verify`` to the leakwarden app."""
    app.command("verify")(verify_command)
