"""``leakwarden scan``: thin over ``scanner.project.setup`` (what the
checkout adds) and ``scanner.pipeline.scan`` (the scan itself)."""

from __future__ import annotations

import logging
import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scanner.cli.common import Confidence, check_output, fail, progress_bar, write_output
from scanner.report.escape import visible
from scanner.sources.files import SKIP_DIRS

log = logging.getLogger("leakwarden")

if TYPE_CHECKING:
    from scanner.model import ScanResult
    from scanner.pipeline import ScanOptions
    from scanner.project.setup import Suppressed


class Format(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    sarif = "sarif"
    markdown = "markdown"
    html = "html"
    github = "github"
    junit = "junit"


class PrefilterKind(str, Enum):
    auto = "auto"
    hyperscan = "hyperscan"
    python = "python"


_NO_GIT_HELP = ("Scan PATH as plain files. Always left out: "
                + ", ".join(sorted(SKIP_DIRS)) + " (tools' state, not content).")


def scan(
    path: Annotated[Path, typer.Argument(
        metavar="PATH",
        help="Repository; a path inside one limits the scan to that path's history; "
             "with --no-git a directory or file; - (or a FIFO, /dev/stdin) reads that stream.")] = Path("."),
    format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the report here (- for standard output).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Text report: also every blob version that holds each secret.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours in the text report (as NO_COLOR=1).")] = False,
    exit_code: Annotated[int, typer.Option("--exit-code", metavar="N", help="Exit status when findings are reported (0: never fail on findings; 2 stays 'incomplete').")] = 1,
    no_redact: Annotated[bool, typer.Option("--no-redact", help="Show secrets in clear.")] = False,
    all_objects: Annotated[bool, typer.Option("--all-objects", help="Also scan objects no ref reaches.")] = False,
    range_: Annotated[str | None, typer.Option("--range", metavar="A..B", help="Only blobs introduced by commits in A..B.")] = None,
    staged: Annotated[bool, typer.Option("--staged", help="Only lines added in the index (pre-commit).")] = False,
    no_git: Annotated[bool, typer.Option("--no-git", help=_NO_GIT_HELP)] = False,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", metavar="GLOB", help="With --no-git: leave out matching paths or names; s3://: skip matching keys (repeatable).")] = None,
    include: Annotated[list[str] | None, typer.Option("--include", metavar="GLOB", help="With --no-git: only matching paths or names; s3://: only matching keys (repeatable).")] = None,
    gitignore: Annotated[bool, typer.Option("--gitignore", help="With --no-git: leave out what .gitignore files ignore.")] = False,
    max_blob_size: Annotated[str | None, typer.Option("--max-blob-size", metavar="SIZE", help="Read larger blobs in overlapping windows instead of whole (default 25M or the config's; never skipped).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", metavar="N", help="Worker processes (0: all cores).")] = 0,
    rules_dir: Annotated[Path | None, typer.Option("--rules", metavar="DIR", help="Directory of rule TOML files instead of the built-in set.")] = None,
    enable_rule: Annotated[list[str] | None, typer.Option("--enable-rule", metavar="ID", help="Only these rule ids (repeatable).")] = None,
    disable_rule: Annotated[list[str] | None, typer.Option("--disable-rule", metavar="ID", help="Not these rule ids (repeatable).")] = None,
    prefilter: Annotated[PrefilterKind, typer.Option("--prefilter", help="Multi-pattern prefilter.")] = PrefilterKind.auto,
    max_decode_depth: Annotated[int | None, typer.Option("--max-decode-depth", help="Encoded layers (base64, percent, escapes) decoded under each blob; 0: none (default 2).")] = None,
    progress: Annotated[bool | None, typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal).")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", metavar="FILE", help="Hide findings an earlier JSON report lists.")] = None,
    config: Annotated[Path | None, typer.Option("--config", metavar="FILE", help="Configuration file (default: .leakwarden.toml or [tool.leakwarden] in pyproject.toml).")] = None,
    report_unused_ignores: Annotated[bool, typer.Option("--report-unused-ignores", help="Name ignore/baseline entries that hid nothing, and why.")] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Check found AWS keys with STS (network; canary accounts never sent).")] = False,
    sts_endpoint: Annotated[str | None, typer.Option("--sts-endpoint", metavar="URL", help="STS endpoint for --verify (default: AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, else regional).")] = None,
    skip_aws_account: Annotated[list[str] | None, typer.Option("--skip-aws-account", metavar="ACCOUNT", help="With --verify: never send keys of this account (repeatable).")] = None,
    min_confidence: Annotated[Confidence, typer.Option("--min-confidence", help="Only report findings of at least this confidence (default medium: low is weak evidence, such as a generic match in a test or documentation file).")] = Confidence.medium,
    gitleaks_config: Annotated[Path | None, typer.Option("--gitleaks-config", metavar="FILE", help="Translate and use a gitleaks config (default: .gitleaks.toml at the repository root).")] = None,
    config_from: Annotated[str | None, typer.Option("--config-from", help="Read .leakwarden.toml, pyproject's [tool.leakwarden], .gitleaks.toml and the ignore files from this commit (default with --range: its BASE).")] = None,
    trust_range_config: Annotated[bool, typer.Option("--trust-range-config", help="With --range: use the checkout's configuration and ignore files, as changed by the range, and do not report changes to them.")] = False,
    no_inline_allow: Annotated[bool, typer.Option("--no-inline-allow", help="Inline leakwarden:allow markers silence nothing (strict CI).")] = False,
    endpoint_url: Annotated[str | None, typer.Option("--endpoint-url", metavar="URL", help="s3://: S3 endpoint (default: AWS_ENDPOINT_URL_S3).")] = None,
    no_sign_request: Annotated[bool, typer.Option("--no-sign-request", help="s3://: anonymous requests (public buckets).")] = False,
    latest_only: Annotated[bool, typer.Option("--latest-only", help="s3://: only current versions.")] = False,
    max_object_size: Annotated[str, typer.Option("--max-object-size", metavar="SIZE", help="s3://: skip larger objects, also after decompression.")] = "25M",
    state: Annotated[Path | None, typer.Option("--state", metavar="FILE", help="s3://: SQLite state file; a rerun reads only new versions.")] = None,
    objects_from: Annotated[Path | None, typer.Option("--objects-from", metavar="FILE", help="s3://: scan exactly the object versions this JSON lists.")] = None,
    executor: Annotated[str | None, typer.Option("--executor", metavar="EXECUTOR", help="s3://: local (default) or dask://HOST:PORT, partitioned by key prefix.")] = None,
) -> None:
    """Scan a repository's full history (all refs, every unique blob once), or
    every object version under s3://BUCKET/PREFIX.

    Exit codes: 0 nothing found, 1 findings (or --exit-code N), 2 error or
    incomplete scan.
    """
    if exit_code == 2 or not 0 <= exit_code <= 255:
        raise fail(f"--exit-code must be 0..255 but not 2 (2 means error or incomplete), "
                   f"got {exit_code}")
    output = check_output(output)  # an unwritable report path fails before a long scan
    if str(path).startswith("s3:/"):  # Path() folds s3:// to s3:/
        from scanner.cli.aws import scan_bucket
        from scanner.project.config import parse_size
        from scanner.project.setup import SetupError, finish_scan, prepare_remote_scan

        url = "s3://" + str(path)[4:].lstrip("/")
        git_only = [flag for flag, given in (
            ("--range", range_), ("--staged", staged), ("--no-git", no_git),
            ("--all-objects", all_objects), ("--gitignore", gitignore),
            ("--config-from", config_from), ("--trust-range-config", trust_range_config),
            ("--max-blob-size", max_blob_size), ("--verify", verify)) if given]
        if git_only:
            raise fail(f"{', '.join(git_only)}: not for s3:// scans (a bucket has no history "
                       "or checkout; verify the JSON report with `leakwarden verify`)")
        try:
            size_limit = parse_size(max_object_size)
        except ValueError as exc:
            raise fail(f"--max-object-size: {exc}") from None
        try:
            # The project files of the directory the command runs in (or
            # --config): a bucket holds none of its own.
            prepared = prepare_remote_scan(
                config=config, rules_dir=rules_dir, enable_rules=enable_rule or (),
                disable_rules=disable_rule or (), gitleaks_config=gitleaks_config, jobs=jobs,
                redact=not no_redact, prefilter=prefilter.value,
                inline_allow=not no_inline_allow, max_decode_depth=max_decode_depth)
        except SetupError as exc:
            raise fail(str(exc)) from None
        for notice in prepared.notices:
            typer.echo(f"leakwarden: {visible(notice)}", err=True)
        bucket_result = scan_bucket(
            url, prepared=prepared, endpoint_url=endpoint_url, no_sign_request=no_sign_request,
            latest_only=latest_only, include=include, exclude=exclude,
            max_object_size=size_limit, state=state, objects_from=objects_from,
            executor=executor)
        try:
            suppressed = finish_scan(bucket_result, prepared, baseline=baseline,
                                     min_confidence=min_confidence.value)
        except SetupError as exc:
            raise fail(str(exc)) from None
        _emit(bucket_result, format, output, url, verbose=verbose, no_color=no_color)
        _say_after_report(suppressed, report_unused_ignores, bucket_result, "object(s)")
        raise typer.Exit(exit_code if bucket_result.exit_code == 1 else bucket_result.exit_code)
    if executor:
        raise fail("--executor is for s3:// scans (org scan has its own)")
    from scanner.pipeline import ScanSetupError
    from scanner.pipeline import scan as run_scan
    from scanner.project.setup import SetupError, finish_scan, prepare_scan

    if verify:
        from scanner.verify.canary import canary_accounts

        try:  # a typo in an account id must fail before a long scan, not after
            canary_accounts(skip_aws_account or ())
        except ValueError as exc:
            raise fail(str(exc)) from None
    try:
        prepared = prepare_scan(
            path, config=config, rules_dir=rules_dir, enable_rules=enable_rule or (),
            disable_rules=disable_rule or (), gitleaks_config=gitleaks_config,
            max_blob_size=max_blob_size, staged=staged, no_git=no_git, range=range_,
            all_objects=all_objects, jobs=jobs, redact=not no_redact, prefilter=prefilter.value,
            exclude=exclude or (), include=include or (), gitignore=gitignore,
            config_from=config_from, trust_range_config=trust_range_config,
            inline_allow=not no_inline_allow, baseline=baseline,
            max_decode_depth=max_decode_depth,
        )
    except SetupError as exc:
        raise fail(str(exc)) from None
    for notice in prepared.notices:
        typer.echo(f"leakwarden: {visible(notice)}", err=True)
    log.debug("root %s, rules %d, options %s", visible(prepared.root),
              len(prepared.options.ruleset.rules) if prepared.options.ruleset else 0,
              {k: v for k, v in vars(prepared.options).items() if k not in ("ruleset", "progress")})
    show_progress = progress if progress is not None else sys.stderr.isatty()
    try:
        if show_progress:
            result = _scan_with_progress(prepared.path, prepared.options)
        else:
            result = run_scan(prepared.path, prepared.options)
        suppressed = finish_scan(result, prepared, baseline=baseline, min_confidence=min_confidence.value)
    except (ScanSetupError, SetupError) as exc:
        raise fail(str(exc)) from None
    log.debug("stats %s", result.stats.to_dict())
    status = result.exit_code
    if verify:
        from scanner.cli.verify import verify_scan_result

        status = verify_scan_result(result, prepared.path, sts_endpoint, skip_aws_account)
    repository = "stdin" if str(path) == "-" else str(path.resolve())
    _emit(result, format, output, repository, staged=staged, verbose=verbose,
          no_color=no_color)
    _say_after_report(suppressed, report_unused_ignores, result, "unit(s)")
    raise typer.Exit(exit_code if status == 1 else status)


def _say_after_report(suppressed: Suppressed, report_unused_ignores: bool, result: ScanResult,
                      units: str) -> None:
    """What a scan says on stderr once its report is out, git or bucket alike."""
    for line in suppressed.legacy:  # always: a stale hash must not go unnoticed
        typer.echo(f"leakwarden: {visible(line)}", err=True)
    if report_unused_ignores:
        for line in suppressed.unused:
            typer.echo(f"leakwarden: {visible(line)}", err=True)
    if result.errors:
        typer.echo(f"leakwarden: scan incomplete: {len(result.errors)} {units} could not be "
                   "scanned (see errors in the report)", err=True)


def _scan_with_progress(path: Path, options: ScanOptions) -> ScanResult:
    from scanner.pipeline import scan as run_scan

    with progress_bar("scanning blobs", show=True) as update:
        assert update is not None
        options.progress = lambda done, total: update(done, total, None)
        return run_scan(path, options)


def _emit(result: ScanResult, format: Format, output: Path | None, repository: str,
          *, staged: bool = False, verbose: bool = False, no_color: bool = False) -> None:
    if format is not Format.text:
        from scanner.report import render

        text = render(format.value, result, repository)
    elif staged:
        from scanner.report.block import render_block

        text = render_block(result)
    else:
        from scanner.report.text_report import render_text

        color = (output is None and sys.stdout.isatty() and not no_color
                 and "NO_COLOR" not in os.environ)
        text = render_text(result, color=color, verbose=verbose)
    write_output(text, output)


def register(app: typer.Typer) -> None:
    app.command()(scan)
