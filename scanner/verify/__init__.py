"""AWS key verification: offline account decoding and canary checks, then STS.

``verify_findings`` is what ``scan --verify`` calls; ``verify_report`` serves
``leakwarden verify REPORT.json``.
"""

from scanner.lazy import lazy_exports

# Exports load on first use: ``scanner.cli.verify`` is imported by every
# ``leakwarden`` start, and boto3 must not slow down ``--help`` or pre-commit.
_EXPORTS = {
    "account_id_from_key_id": "scanner.verify.account",
    "KNOWN_CANARY_ACCOUNTS": "scanner.verify.canary",
    "canary_accounts": "scanner.verify.canary",
    "pair_candidates": "scanner.verify.pairing",
    "ReportError": "scanner.verify.saved_report",
    "load_report": "scanner.verify.saved_report",
    "verify_report": "scanner.verify.saved_report",
    "StsChecker": "scanner.verify.sts",
    "StsConfig": "scanner.verify.sts",
    "Verification": "scanner.model",
    "VerifyOptions": "scanner.verify.verifier",
    "VerifySummary": "scanner.verify.verifier",
    "verify_findings": "scanner.verify.verifier",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "KNOWN_CANARY_ACCOUNTS",
    "ReportError",
    "StsChecker",
    "StsConfig",
    "Verification",
    "VerifyOptions",
    "VerifySummary",
    "account_id_from_key_id",
    "canary_accounts",
    "load_report",
    "pair_candidates",
    "verify_findings",
    "verify_report",
]
