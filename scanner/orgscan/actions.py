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
                 exposures: list[dict[str, Any]] | None = None,
                 store: StateFile | None = None, mirrors_dir: Path | None = None
                 ) -> list[dict[str, Any]]:
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
        for repo in sorted({str(f.get("repo")) for f in findings if f.get("repo")}):
            name, url = web_identity(str(mirror_path(mirrors_dir, repo)))
            if url and name == repo:
                repo_urls[repo] = url
    tickets = tickets_from_report({"findings": findings}, exposures, repo_urls)
    if not tickets:
        return []
    return [
        {"ticket": o.ticket_id, "key_id": o.key_id, "action": o.action, "where": o.where,
         "message": o.message}
        for o in destination.send(tickets)
    ]


def _same_keys_elsewhere(report: OrgScanReport, store: StateFile, findings: list[dict[str, Any]],
                         mirrors_dir: Path | None) -> list[dict[str, Any]]:
    """Findings in the state (open, any repository, any run) of a key one of
    ``findings`` verified, carrying that verification so they join its ticket.

    Secret hashes are keyed per repository, so the same key elsewhere is
    recognised by its key ID: a stored verification's, or one re-read from the
    mirror (a key ID is an identifier, not a secret; it is held in memory only)."""
    from scanner.secrets import read_secret
    from scanner.tickets.model import KEY_ID_RULE

    live: dict[str, dict[str, Any]] = {}
    for data in findings:
        verification = data.get("verification")
        if isinstance(verification, dict) and verification.get("key_id"):
            live.setdefault(verification["key_id"], verification)
    if not live:
        return []
    seen = {(f.get("repo"), f.get("fingerprint")) for f in findings}
    out = []
    for data in OrgScanStore(store).findings(report.org, "open"):
        if (data.get("repo"), data.get("fingerprint")) in seen:
            continue
        stored = data.get("verification")
        key_id = stored.get("key_id") if isinstance(stored, dict) else None
        if key_id is None and data.get("rule") == KEY_ID_RULE and mirrors_dir is not None:
            try:
                key_id = read_secret(mirror_path(mirrors_dir, data["repo"]), data["blob"],
                                     data["span"]).decode("ascii", "replace")
            except Exception:  # noqa: BLE001 - a mirror gone or damaged: that location is not listed
                key_id = None
        if key_id in live:
            out.append(dict(data, verification=live[key_id]))
    return out


def record_exposures(report: OrgScanReport, store: StateFile, audit: Any) -> list[dict[str, Any]]:
    """Exposures of every open finding in repos that went public, are public
    against policy, or are public now (always public: exposed since each
    commit): a repo scanned while private exposes its old findings the
    moment it flips. Returns the ones no earlier run had recorded."""
    public_now = {r.full_name: r.visibility == "public" for r in audit.repos}
    targets = {c.repo for c in audit.changes if c.to_visibility == "public"}
    targets |= {v["repo"] for v in audit.violations}
    # Public now, with no change on record: public from day one, so every
    # secret in it was exposed the moment it was pushed.
    targets |= {name for name, public in public_now.items() if public}
    tables = OrgScanStore(store)
    by_repo: dict[str, list[Any]] = {}
    for data in tables.findings(report.org, "open"):
        if data["repo"] in targets:
            by_repo.setdefault(data["repo"], []).append(Finding.from_dict(data))
    audit_tables = AuditStore(store)
    new = []
    for repo, findings in sorted(by_repo.items()):
        for exposure in compute_exposures(repo, findings, audit.changes, public_now.get(repo, False)):
            if audit_tables.record_exposure(report.org, exposure, report.generated_at):
                new.append(exposure)
    return new
