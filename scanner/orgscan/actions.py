"""What ``org scan`` can do with its new findings: verify AWS keys, write
rotation tickets, tie findings to visibility changes (``--audit``).

Each works on the redacted findings the store keeps and re-reads a secret
from its mirror (blob + span) only in memory, only when verifying.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.audit.exposure import compute_exposures
from scanner.github.mirror import mirror_path
from scanner.model import Finding
from scanner.orgscan.coordinator import OrgScanReport
from scanner.state.audit import AuditStore
from scanner.state.db import StateFile
from scanner.state.orgscan import OrgScanStore


def verify_new_findings(report: OrgScanReport, store: StateFile, mirrors_dir: Path,
                        options: Any = None) -> dict[str, Any]:
    """Verify the AWS findings among ``report.findings`` in place (each gets
    ``verification``), store the result with the finding, and return a summary."""
    from scanner.verify.pairing import AWS_RULES
    from scanner.verify.sts import StsChecker
    from scanner.verify.verifier import VerifyOptions, verify_findings

    options = options or VerifyOptions()
    checker = StsChecker(options.sts_config())  # one per run: its cache spans repos
    tables = OrgScanStore(store)
    by_repo: dict[str, list[tuple[dict[str, Any], Any]]] = {}
    for data in report.findings:
        if data.get("rule") in AWS_RULES:
            by_repo.setdefault(data["repo"], []).append((data, Finding.from_dict(data)))
    keys: dict[str, int] = {}
    problems: list[str] = []
    for repo, pairs in sorted(by_repo.items()):
        summary = verify_findings([f for _, f in pairs], mirror_path(mirrors_dir, repo), options,
                                  checker=checker)
        problems.extend(f"{repo}: {p}" for p in summary.problems)
        for status, count in summary.keys_by_status.items():
            keys[status] = keys.get(status, 0) + count
        for data, finding in pairs:
            for name in ("verification", "aws_account"):
                if name in finding.extra:
                    data[name] = finding.extra[name]
            stored = {k: v for k, v in data.items()
                      if k not in ("status", "first_seen", "last_seen", "resolved_at", "ignored_reason")}
            tables.update_finding(report.org, repo, data["fingerprint"], stored)
    complete = not problems and not keys.get("error")
    return {"keys_by_status": keys, "sts_calls": checker.calls, "problems": problems, "complete": complete}


def send_tickets(report: OrgScanReport, destination: Any,
                 exposures: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One rotation ticket per live AWS key among the new findings."""
    from scanner.tickets.model import tickets_from_report

    tickets = tickets_from_report({"findings": report.findings}, exposures or [])
    if not tickets:
        return []
    return [
        {"ticket": o.ticket_id, "key_id": o.key_id, "action": o.action, "where": o.where,
         "message": o.message}
        for o in destination.send(tickets)
    ]


def record_exposures(report: OrgScanReport, store: StateFile, audit: Any) -> list[dict[str, Any]]:
    """Exposures of every open finding in repos that went public (or are public
    against policy): a repo scanned while private exposes its old findings the
    moment it flips. Returns the ones no earlier run had recorded."""
    public_now = {r.full_name: r.visibility == "public" for r in audit.repos}
    targets = {c.repo for c in audit.changes if c.to_visibility == "public"}
    targets |= {v["repo"] for v in audit.violations}
    tables = OrgScanStore(store)
    by_repo: dict[str, list[Any]] = {}
    for data in tables.findings(report.org, "open"):
        if data["repo"] in targets:
            by_repo.setdefault(data["repo"], []).append(Finding.from_dict(data))
    new = []
    for repo, findings in sorted(by_repo.items()):
        for exposure in compute_exposures(repo, findings, audit.changes, public_now.get(repo, False)):
            if AuditStore(store).record_exposure(report.org, exposure, report.generated_at):
                new.append(exposure)
    return new
