"""What ``org scan`` can do with its new findings: verify AWS keys, write
rotation tickets, tie findings to visibility changes (``--audit``).

Each works on the redacted findings the store keeps and re-reads a secret
from its mirror (blob + span) only in memory, only when verifying.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.audit.exposure import compute_exposures
from scanner.audit.run import AuditReport
from scanner.github.mirror import mirror_path
from scanner.model import Exposure, Finding, OrgFinding, Verification
from scanner.orgscan.coordinator import OrgScanReport
from scanner.state.audit import AuditStore
from scanner.state.db import StateFile
from scanner.state.orgscan import OrgScanStore

if TYPE_CHECKING:
    from scanner.tickets.destinations import Destination
    from scanner.tickets.model import TicketOutcome
    from scanner.verify.verifier import VerifyOptions, VerifySummary


def verify_new_findings(report: OrgScanReport, store: StateFile, mirrors_dir: Path,
                        options: VerifyOptions | None = None) -> VerifySummary:
    """Verify the AWS findings among ``report.findings`` in place (each gets
    ``verification``), store the result with the finding, and return a summary."""
    from scanner.verify.pairing import AWS_RULES
    from scanner.verify.sts import StsChecker
    from scanner.verify.verifier import VerifyOptions, VerifySummary, verify_findings

    options = options or VerifyOptions()
    checker = StsChecker(options.sts_config())  # one per run: its cache spans repos
    tables = OrgScanStore(store)
    by_repo: dict[str, list[OrgFinding]] = {}
    for found in report.findings:
        if found.finding.rule in AWS_RULES:
            by_repo.setdefault(found.repo, []).append(found)
    result = VerifySummary()
    for repo, found_here in sorted(by_repo.items()):
        summary = verify_findings([f.finding for f in found_here], mirror_path(mirrors_dir, repo), options,
                                  checker=checker)
        result.add(summary, where=repo)
        for found in found_here:
            tables.update_finding(report.org, found)
    result.sts_calls = checker.calls
    return result


def send_tickets(report: OrgScanReport, destination: Destination,
                 exposures: list[Exposure] | None = None,
                 store: StateFile | None = None, mirrors_dir: Path | None = None
                 ) -> list[TicketOutcome]:
    """One rotation ticket per live AWS key among the new findings.

    With the ``store``, a ticket lists every location of the key the state
    knows (other repositories, earlier runs: same keyed secret hash), and
    every exposure recorded for them; with ``mirrors_dir``, each location
    links to its commit on the hosting site (from the mirror's remote)."""
    from scanner.tickets.model import tickets_from_report, web_identity

    findings = list(report.findings)
    exposures = list(exposures or [])
    if store is not None:
        findings += _same_keys_elsewhere(report, store, findings, mirrors_dir)
        exposures += AuditStore(store).exposures(report.org)
    repo_urls: dict[str, str] = {}
    if mirrors_dir is not None:
        for repo in sorted({f.repo for f in findings}):
            name, url = web_identity(str(mirror_path(mirrors_dir, repo)))
            if url and name == repo:
                repo_urls[repo] = url
    # Tickets are built from the report's form, as ``leakwarden tickets`` reads it from a file.
    tickets = tickets_from_report({"findings": [f.to_dict() for f in findings]},
                                  [e.to_dict() for e in exposures], repo_urls)
    if not tickets:
        return []
    return destination.send(tickets)


def _same_keys_elsewhere(report: OrgScanReport, store: StateFile, findings: list[OrgFinding],
                         mirrors_dir: Path | None) -> list[OrgFinding]:
    """Findings in the state (open, any repository, any run) of a key one of
    ``findings`` verified, carrying that verification so they join its ticket.

    Secret hashes are keyed per repository, so the same key elsewhere is
    recognised by its key ID: a stored verification's, or one re-read from the
    mirror (a key ID is an identifier, not a secret; it is held in memory only)."""
    from scanner.secrets import read_secret
    from scanner.verify.pairing import KEY_ID_RULE

    live: dict[str, Verification] = {}
    for found in findings:
        verification = found.finding.verification
        if verification is not None and verification.key_id:
            live.setdefault(verification.key_id, verification)
    if not live:
        return []
    seen = {(f.repo, f.finding.fingerprint) for f in findings}
    out = []
    for found in OrgScanStore(store).findings(report.org, "open"):
        finding = found.finding
        if (found.repo, finding.fingerprint) in seen:
            continue
        key_id = finding.verification.key_id if finding.verification is not None else None
        if key_id is None and finding.rule == KEY_ID_RULE and mirrors_dir is not None:
            try:
                key_id = read_secret(mirror_path(mirrors_dir, found.repo), finding.blob,
                                     finding.span).decode("ascii", "replace")
            except Exception:  # noqa: BLE001 - a mirror gone or damaged: that location is not listed
                key_id = None
        if key_id in live:
            out.append(replace(found, finding=replace(finding, verification=live[key_id])))
    return out


def record_exposures(report: OrgScanReport, store: StateFile, audit: AuditReport) -> list[Exposure]:
    """Exposures of every open finding in repos that went public, are public
    against policy, or are public now (always public: exposed since each
    commit): a repo scanned while private exposes its old findings the
    moment it flips. Returns the ones no earlier run had recorded."""
    public_now = {r.full_name: r.visibility == "public" for r in audit.repos}
    targets = {c.repo for c in audit.changes if c.to_visibility == "public"}
    targets |= {v.repo for v in audit.violations}
    # Public now, with no change on record: public from day one, so every
    # secret in it was exposed the moment it was pushed.
    targets |= {name for name, public in public_now.items() if public}
    tables = OrgScanStore(store)
    by_repo: dict[str, list[Finding]] = {}
    for found in tables.findings(report.org, "open"):
        if found.repo in targets:
            by_repo.setdefault(found.repo, []).append(found.finding)
    audit_tables = AuditStore(store)
    new = []
    for repo, findings in sorted(by_repo.items()):
        for exposure in compute_exposures(repo, findings, audit.changes, public_now.get(repo, False)):
            if audit_tables.record_exposure(report.org, exposure, report.generated_at):
                new.append(exposure)
    return new
