"""Command-line glue for S3 and AWS: ``scan s3://...`` and ``aws state-access``.

Thin: it parses options and calls ``scanner.sources.s3.scan_s3`` and
``scanner.aws.state_access.analyse``, which a Python caller can use directly.
boto3 is imported only when a command runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scanner.cli.common import fail

if TYPE_CHECKING:
    from scanner.project.setup import PreparedScan
    from scanner.sources.s3 import S3ScanResult

aws_app = typer.Typer(help="Where secrets rest in AWS: who can read the Terraform state.",
                      no_args_is_help=True)


def scan_bucket(url: str, *, prepared: PreparedScan, endpoint_url: str | None,
                no_sign_request: bool, latest_only: bool, include: list[str] | None,
                exclude: list[str] | None, max_object_size: int,
                state: Path | None, objects_from: Path | None,
                executor: str | None = None) -> S3ScanResult:
    """``leakwarden scan s3://BUCKET/PREFIX``: the scan command's S3 branch,
    with the rules and engine settings the project set-up decided."""
    from scanner.engine.rules import RuleError
    from scanner.procs import ExecutorError
    from scanner.sources.s3 import S3ScanOptions, S3SetupError, load_object_list, scan_s3
    from scanner.state.db import StoreError
    from scanner.state.s3 import S3State

    seen = None
    settings = prepared.options
    try:
        objects = load_object_list(objects_from) if objects_from else None
        seen = S3State(state) if state else None
        options = S3ScanOptions(
            ruleset=settings.ruleset, endpoint_url=endpoint_url, no_sign_request=no_sign_request,
            latest_only=latest_only, include=include or (), exclude=exclude or (),
            max_object_size=max_object_size, jobs=settings.jobs, redact=settings.redact,
            state=seen, objects=objects, prefilter=settings.prefilter,
            max_decode_depth=settings.max_decode_depth, inline_allow=settings.inline_allow)
        if executor and executor != "local":
            from scanner.aws.bucket_scan import scan_s3_distributed

            if objects is not None:
                raise S3SetupError("--objects-from names a few versions: scan them without "
                                   "--executor")
            return scan_s3_distributed(url, options, executor)
        return scan_s3(url, options)
    except (RuleError, S3SetupError, StoreError, ExecutorError) as exc:
        raise fail(str(exc)) from None
    except Exception as exc:  # credentials missing, endpoint unreachable
        from botocore.exceptions import BotoCoreError

        if isinstance(exc, BotoCoreError):
            raise fail(f"{url}: {exc}") from None
        raise
    finally:
        if seen is not None:
            seen.close()


@aws_app.command("state-access")
def state_access(
    url: Annotated[str, typer.Argument(help="s3://BUCKET/PREFIX holding Terraform state or backups.")],
    endpoint_url: Annotated[str | None, typer.Option("--endpoint-url", help="AWS endpoint for S3, IAM, KMS and STS (tests, S3-compatible set-ups).")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Region of the bucket and its KMS keys.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here.")] = None,
) -> None:
    """Who can read the state in plaintext: the bucket's posture (encryption,
    versioning, public access, other accounts) and a verdict per IAM user and
    role: reads plaintext, reads only with kms:Decrypt, cannot read.

    Exit codes: 0 no principal reads it in clear, 1 some principal reads
    the state in plaintext, 2 the analysis could not run.
    """
    from scanner.aws.state_access import StateAccessError, analyse, render_text
    from scanner.cli.common import write_output
    from scanner.sources.s3 import S3SetupError

    if format not in ("text", "json"):
        raise typer.BadParameter("--format must be text or json")
    try:
        report = analyse(url, endpoint_url=endpoint_url, region=region)
    except (StateAccessError, S3SetupError) as exc:
        raise fail(str(exc)) from None
    except Exception as exc:
        from botocore.exceptions import BotoCoreError

        if isinstance(exc, BotoCoreError):
            raise fail(f"{url}: {exc}") from None
        raise
    if format == "json":
        text = json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n"
    else:
        text = render_text(report)
    write_output(text, output)
    raise typer.Exit(1 if report.plaintext_readers else 0)
