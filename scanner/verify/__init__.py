"""AWS key verification: offline account decoding and canary checks, then STS.

``verify_findings`` is what ``scan --verify`` calls; ``verify_report`` serves
``leakwarden verify REPORT.json``.
"""

from scanner.verify.account import account_id_from_key_id
from scanner.verify.canary import KNOWN_CANARY_ACCOUNTS, canary_accounts
from scanner.verify.pairing import pair_candidates
from scanner.verify.report import ReportError, load_report, verify_report
from scanner.verify.sts import StsChecker, StsConfig, Verification
from scanner.verify.verifier import VerifyOptions, VerifySummary, verify_findings

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
