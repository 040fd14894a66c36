"""``leakwarden scan``: thin over ``scanner.project.setup`` (what the
checkout adds) and ``scanner.pipeline.scan`` (the scan itself)."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scanner.cli.common import fail, progress_bar, write_output
from scanner.report.escape import visible

if TYPE_CHECKING:
    from scanner.model import ScanResult
    from scanner.pipeline import ScanOptions


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


class PrefilterKind(str, Enum):
    auto = "auto"
    hyperscan = "hyperscan"
    python = "python"


def scan(
    path: Annotated[Path, typer.Argument(help="Repository (or, with --no-git, directory or file).")] = Path("."),
    format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here.")] = None,
    no_redact: Annotated[bool, typer.Option("--no-redact", help="Show secrets in clear.")] = False,
    all_objects: Annotated[bool, typer.Option("--all-objects", help="Also scan objects no ref reaches.")] = False,
    range_: Annotated[str | None, typer.Option("--range", help="Only blobs introduced by commits in A..B.")] = None,
    staged: Annotated[bool, typer.Option("--staged", help="Only lines added in the index (pre-commit).")] = False,
    no_git: Annotated[bool, typer.Option("--no-git", help="Scan PATH as plain files.")] = False,
    max_blob_size: Annotated[str | None, typer.Option("--max-blob-size", help="Read larger blobs in overlapping windows instead of whole (default 25M or the config's; never skipped).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes (0: all cores).")] = 0,
    rules_dir: Annotated[Path | None, typer.Option("--rules", help="Directory of rule TOML files instead of the built-in set.")] = None,
    enable_rule: Annotated[list[str] | None, typer.Option("--enable-rule", help="Only these rule ids.")] = None,
    disable_rule: Annotated[list[str] | None, typer.Option("--disable-rule", help="Not these rule ids.")] = None,
    prefilter: Annotated[PrefilterKind, typer.Option("--prefilter", help="Multi-pattern prefilter.")] = PrefilterKind.auto,
    max_decode_depth: Annotated[int | None, typer.Option("--max-decode-depth", help="Encoded layers (base64, percent, escapes) decoded under each blob; 0: none (default 2).")] = None,
    progress: Annotated[bool | None, typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal).")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Hide findings an earlier JSON report lists.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Configuration file (default: .leakwarden.toml or [tool.leakwarden] in pyproject.toml).")] = None,
    report_unused_ignores: Annotated[bool, typer.Option("--report-unused-ignores", help="Name ignore/baseline entries that hid nothing.")] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Check found AWS keys with STS (network; canary accounts never sent).")] = False,
    sts_endpoint: Annotated[str | None, typer.Option("--sts-endpoint", help="STS endpoint for --verify (default: AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, else regional).")] = None,
    skip_aws_account: Annotated[list[str] | None, typer.Option("--skip-aws-account", help="With --verify: never send keys of this account (repeatable).")] = None,
    min_confidence: Annotated[Confidence, typer.Option("--min-confidence", help="Only report findings of at least this confidence (default medium: low is weak evidence, such as a generic match in a test or documentation file).")] = Confidence.medium,
    gitleaks_config: Annotated[Path | None, typer.Option("--gitleaks-config", help="Translate and use a gitleaks config (default: PATH/.gitleaks.toml when present).")] = None,
    endpoint_url: Annotated[str | None, typer.Option("--endpoint-url", help="s3://: S3 endpoint (default: AWS_ENDPOINT_URL_S3).")] = None,
    no_sign_request: Annotated[bool, typer.Option("--no-sign-request", help="s3://: anonymous requests (public buckets).")] = False,
    latest_only: Annotated[bool, typer.Option("--latest-only", help="s3://: only current versions.")] = False,
    include: Annotated[list[str] | None, typer.Option("--include", help="s3://: only keys matching this glob (repeatable).")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="s3://: skip keys matching this glob (repeatable).")] = None,
    max_object_size: Annotated[str, typer.Option("--max-object-size", help="s3://: skip larger objects, also after decompression.")] = "25M",
    state: Annotated[Path | None, typer.Option("--state", help="s3://: SQLite state file; a rerun reads only new versions.")] = None,
    objects_from: Annotated[Path | None, typer.Option("--objects-from", help="s3://: scan exactly the object versions this JSON lists.")] = None,
    executor: Annotated[str | None, typer.Option("--executor", help="s3://: local (default) or dask://HOST:PORT, partitioned by key prefix.")] = None,
    config_from: Annotated[str | None, typer.Option("--config-from", help="Read .leakwarden.toml, pyproject's [tool.leakwarden], .gitleaks.toml and the ignore files from this commit (default with --range: its BASE).")] = None,
    trust_range_config: Annotated[bool, typer.Option("--trust-range-config", help="With --range: use the checkout's configuration and ignore files, as changed by the range, and do not report changes to them.")] = False,
    no_inline_allow: Annotated[bool, typer.Option("--no-inline-allow", help="Inline leakwarden:allow markers silence nothing (strict CI).")] = False,
) -> None:
    """Scan a repository's full history (all refs, every unique blob once), or
    every object version under s3://BUCKET/PREFIX.

    Exit codes: 0 nothing found, 1 findings, 2 error or incomplete scan.
    """
    if str(path).startswith("s3:/"):  # Path() folds s3:// to s3:/
        from scanner.cli.aws import scan_bucket
        from scanner.project.config import parse_size

        url = "s3://" + str(path)[4:].lstrip("/")
        try:
            size_limit = parse_size(max_object_size)
        except ValueError as exc:
            raise fail(f"--max-object-size: {exc}") from None
        result = scan_bucket(
            url, rules_dir=rules_dir, enable_rule=enable_rule, disable_rule=disable_rule,
            endpoint_url=endpoint_url, no_sign_request=no_sign_request, latest_only=latest_only,
            include=include, exclude=exclude, max_object_size=size_limit,
            jobs=jobs, redact=not no_redact, state=state, objects_from=objects_from,
            prefilter=prefilter.value, executor=executor)
        if min_confidence is not Confidence.low:
            from scanner.model import CONFIDENCE_ORDER

            keep = CONFIDENCE_ORDER.index(min_confidence.value)
            result.findings = [f for f in result.findings
                               if CONFIDENCE_ORDER.index(f.confidence) >= keep]
        _emit(result, format, output, url)
        if result.errors:
            typer.echo(f"leakwarden: scan incomplete: {len(result.errors)} object(s) could not "
                       "be scanned (see errors in the report)", err=True)
        raise typer.Exit(result.exit_code)
    if executor:
        raise fail("--executor is for s3:// scans (org scan has its own)")
    from scanner.pipeline import ScanSetupError
    from scanner.pipeline import scan as run_scan
    from scanner.project.setup import SetupError, finish_scan, prepare_scan

    try:
        prepared = prepare_scan(
            path, config=config, rules_dir=rules_dir, enable_rules=enable_rule or (),
            disable_rules=disable_rule or (), gitleaks_config=gitleaks_config,
            max_blob_size=max_blob_size, staged=staged, no_git=no_git, range=range_,
            all_objects=all_objects, jobs=jobs, redact=not no_redact, prefilter=prefilter.value,
            config_from=config_from, trust_range_config=trust_range_config,
            inline_allow=not no_inline_allow, baseline=baseline,
            max_decode_depth=max_decode_depth,
        )
    except SetupError as exc:
        raise fail(str(exc)) from None
    for notice in prepared.notices:
        typer.echo(f"leakwarden: {visible(notice)}", err=True)
    if verify:
        from scanner.verify.canary import canary_accounts

        try:  # a typo in an account id must fail before a long scan, not after
            canary_accounts(skip_aws_account or ())
        except ValueError as exc:
            raise fail(str(exc)) from None
    show_progress = progress if progress is not None else sys.stderr.isatty()
    try:
        if show_progress:
            result = _scan_with_progress(path, prepared.options)
        else:
            result = run_scan(path, prepared.options)
        suppressed = finish_scan(result, prepared, baseline=baseline, min_confidence=min_confidence.value)
    except (ScanSetupError, SetupError) as exc:
        raise fail(str(exc)) from None
    exit_code = result.exit_code
    if verify:
        from scanner.cli.verify import verify_scan_result

        exit_code = verify_scan_result(result, path, sts_endpoint, skip_aws_account)
    _emit(result, format, output, str(path.resolve()), staged=staged)
    for line in suppressed.legacy:  # always: a stale hash must not go unnoticed
        typer.echo(f"leakwarden: {line}", err=True)
    if report_unused_ignores:
        for line in suppressed.unused:
            typer.echo(f"leakwarden: {visible(line)}", err=True)
    if result.errors:
        typer.echo(f"leakwarden: scan incomplete: {len(result.errors)} unit(s) could not be "
                   "scanned (see errors in the report)", err=True)
    raise typer.Exit(exit_code)


def _scan_with_progress(path: Path, options: ScanOptions) -> ScanResult:
    from scanner.pipeline import scan as run_scan

    with progress_bar("scanning blobs", show=True) as update:
        assert update is not None
        options.progress = lambda done, total: update(done, total, None)
        return run_scan(path, options)


def _emit(result: ScanResult, format: Format, output: Path | None, repository: str,
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


def register(app: typer.Typer) -> None:
    app.command()(scan)
