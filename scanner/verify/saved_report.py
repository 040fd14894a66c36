"""Verify a JSON report after the fact (``leakwarden verify REPORT.json``).

The report is redacted; each secret is re-read from the repository at the
finding's blob and span, so no clear secret ever has to be written to disk.
Only the keys this step owns (``verification``, ``aws_account``) change in the
report; everything else is passed through as it was.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from scanner.model import Finding
from scanner.verify.pairing import AWS_RULES
from scanner.verify.sts import StsChecker
from scanner.verify.verifier import VerifyOptions, VerifySummary, verify_findings

_FIELDS = {f.name: f for f in dataclasses.fields(Finding)}


class ReportError(ValueError):
    """The report cannot be used; the message says why and what to do."""


def load_report(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a leakwarden JSON report, with a message a person can act on when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReportError(f"{path}: no such report file") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(
            f"{path}: not a JSON report ({exc}); write one with `leakwarden scan --format json`"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ReportError(f"{path}: a report is a JSON object with a 'findings' list")
    return data


def finding_from_dict(data: dict[str, Any]) -> Finding:
    """``Finding.from_dict``, with a report's own error type."""
    try:
        return Finding.from_dict(data)
    except ValueError as exc:
        raise ReportError(str(exc)) from None


def verify_report(
    report: dict[str, Any],
    repo_path: str | os.PathLike[str] | None = None,
    options: VerifyOptions | None = None,
    checker: StsChecker | None = None,
) -> VerifySummary:
    """Verify the AWS findings of ``report`` in place.

    ``repo_path`` defaults to the report's ``repository`` key.
    """
    root = repo_path if repo_path is not None else report.get("repository")
    if not root:
        raise ReportError(
            "the report names no repository; pass the path of the scanned repository with --repo"
        )
    if not Path(root).exists():
        raise ReportError(f"repository {root} does not exist; pass the right one with --repo")
    pairs: list[tuple[dict[str, Any], Finding]] = []
    problems: list[str] = []
    for index, item in enumerate(report["findings"]):
        if not isinstance(item, dict) or item.get("rule") not in AWS_RULES:
            continue
        try:
            pairs.append((item, finding_from_dict(item)))
        except (ReportError, TypeError, ValueError) as exc:
            problems.append(f"finding #{index}: {exc}; skipped")
    summary = verify_findings([f for _, f in pairs], root, options, checker)
    for item, finding in pairs:
        item["verification"] = finding.extra.get("verification")
        item["aws_account"] = finding.extra.get("aws_account")
    summary.problems[:0] = problems
    return summary
