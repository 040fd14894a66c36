"""The whole scheduled run as one library call: the visibility audit (when
asked), the org scan, the exposures the audit's flips made, AWS verification
and rotation tickets (when asked). ``leakwarden org scan`` is this plus a
report writer.

Nothing is marked reported here: the caller writes its report first, then
calls ``mark_reported``, so a run whose report never got out reports the same
discoveries as new next time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from scanner.audit.policy import VisibilityPolicy
from scanner.audit.run import AuditOptions, run_audit
from scanner.model import Exposure, ScanError
from scanner.orgscan.actions import record_exposures, send_tickets, verify_new_findings
from scanner.orgscan.coordinator import (
    AuditNews,
    OrgScanOptions,
    OrgScanReport,
    ProgressHook,
    run_org_scan,
)
from scanner.orgscan.task import RepoOutcome, RepoTask
from scanner.state.audit import AuditStore
from scanner.state.db import StateFile
from scanner.state.orgscan import OrgScanStore

if TYPE_CHECKING:
    from scanner.github.client import GitHubClient
    from scanner.tickets.destinations import Destination
    from scanner.verify.verifier import VerifyOptions


@dataclass
class NightlyOptions:
    scan: OrgScanOptions
    audit: bool = False  # audit visibility first: repos that just went public are scanned first
    policy: VisibilityPolicy | None = None  # with ``audit``: repos that must stay private
    verify: VerifyOptions | None = None  # verify new AWS findings with STS
    tickets: Destination | None = None  # with ``verify``: a rotation ticket per live key


def run_nightly(
    client: GitHubClient,
    store: StateFile,
    options: NightlyOptions,
    progress: ProgressHook | None = None,
    run_tasks: Callable[[Iterable[RepoTask]], Iterator[RepoOutcome]] | None = None,
) -> OrgScanReport:
    """One scheduled run of ``options.scan.org``. Raises only when the org
    cannot be listed (or the token is unusable); every other failure is in
    the report and makes its exit code 2."""
    org = options.scan.org
    scan_options = options.scan
    mirrors_dir = scan_options.mirrors_dir or store.path.parent / "mirrors"
    audit_report = None
    if options.audit:
        # The scan below reads every repo; the audit only says which flipped.
        audit_options = AuditOptions(org=org, mirrors_dir=mirrors_dir, scan=False)
        if options.policy is not None:
            audit_options.policy = options.policy
        audit_report = run_audit(client, AuditStore(store), audit_options)
        scan_options = replace(scan_options, first=frozenset(c.repo for c in audit_report.new_public_changes))
    report = run_org_scan(client, store, scan_options, progress=progress, run_tasks=run_tasks)

    exposures: list[Exposure] = []
    if audit_report is not None:
        exposures = record_exposures(report, store, audit_report)
        report.audit = AuditNews(audit_report.new_public_changes, audit_report.new_violations, exposures,
                                 audit_report.errors)
        report.errors.extend(replace(e, kind=f"audit:{e.kind}") for e in audit_report.errors)
    if options.verify is not None and report.findings:
        report.verification = verify_new_findings(report, store, mirrors_dir, options.verify)
        if options.tickets is not None:
            report.tickets = send_tickets(report, options.tickets, exposures, store, mirrors_dir)
            if any(t.action == "error" for t in report.tickets):
                report.errors.append(ScanError("tickets", "a ticket could not be written"))
    return report


def mark_reported(store: StateFile, report: OrgScanReport) -> None:
    """Call once the report is written: what it listed is no longer new."""
    OrgScanStore(store).mark_findings_reported(report.org, [(f.repo, f.finding.fingerprint) for f in report.findings])
    if report.audit is not None:
        AuditStore(store).mark_changes_reported(report.org)
