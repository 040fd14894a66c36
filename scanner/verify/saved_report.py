"""Verify a JSON report after the fact (``leakwarden verify REPORT.json``).

The report is redacted; each secret is re-read from the repository at the
finding's blob and span, so no clear secret ever has to be written to disk.
Only the keys this step owns (``verification``, ``aws_account``) change in the
report; everything else is passed through as it was.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from scanner.model import Finding, JSONObject
from scanner.verify.pairing import AWS_RULES
from scanner.verify.sts import StsChecker
from scanner.verify.verifier import VerifyOptions, VerifySummary, verify_findings


class ReportError(ValueError):
    """The report cannot be used; the message says why and what to do."""


def load_report(path: str | os.PathLike[str]) -> JSONObject:
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


def verify_report(
    report: JSONObject,
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
    pairs: list[tuple[JSONObject, Finding]] = []
    problems: list[str] = []
    for index, item in enumerate(report["findings"]):
        if not isinstance(item, dict) or item.get("rule") not in AWS_RULES:
            continue
        try:
            pairs.append((item, Finding.from_dict(item)))
        except (TypeError, ValueError) as exc:
            problems.append(f"finding #{index}: {exc}; skipped")
    summary = verify_findings([f for _, f in pairs], root, options, checker)
    for item, finding in pairs:
        item["verification"] = finding.verification.to_dict() if finding.verification else None
        item["aws_account"] = finding.aws_account
    summary.problems[:0] = problems
    return summary
