"""Verify the AWS findings of a scan: offline facts first, then STS when allowed.

This is what ``scan --verify`` and ``verify REPORT.json`` call. It sets, on
every AWS finding, ``aws_account`` (decoded from the key ID, or from the key a
secret was paired with) and ``verification``. Clear secrets are re-read from
the repository in memory and dropped when the run ends; nothing here prints
or stores them.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from scanner.model import Finding, Verification, VerificationStatus
from scanner.secrets import read_secret
from scanner.verify.account import account_id_from_key_id, is_key_id, is_temporary
from scanner.verify.canary import canary_accounts
from scanner.verify.pairing import AWS_RULES, KEY_ID_RULE, KeyCandidates, pair_candidates
from scanner.verify.sts import DEFAULT_PARTITIONS, StsChecker, StsConfig

_ENCODED = "found inside encoded text (e.g. base64): not re-read, not sent"
_Try = tuple[Verification, Finding, "Finding | None"]

# When one secret was tried with several key IDs, the finding shows the most
# telling answer: a working pairing beats any failure.
_STATUS_RANK: dict[VerificationStatus, int] = {"live": 0, "expired": 1, "error": 2, "invalid": 3, "canary": 4, "unverified": 5}


@dataclass
class VerifyOptions:
    """Everything ``--verify`` can be told. Defaults suit a one-off audit."""

    sts_endpoint: str | None = None
    skip_accounts: Sequence[str] = ()
    partitions: tuple[str, ...] = DEFAULT_PARTITIONS
    timeout: float = 10.0
    max_attempts: int = 4
    backoff: float = 0.5
    rate: float = 10.0
    concurrency: int = 4
    max_pairings: int = 4  # secrets (and tokens) tried per key ID
    # Where clear secrets come from; the default re-reads the repository.
    secret_reader: Callable[[Finding], bytes] | None = field(default=None, repr=False)

    def sts_config(self) -> StsConfig:
        return StsConfig(
            endpoint_url=self.sts_endpoint,
            partitions=tuple(self.partitions),
            timeout=self.timeout,
            max_attempts=self.max_attempts,
            backoff=self.backoff,
            rate=self.rate,
            concurrency=self.concurrency,
        )


@dataclass
class VerifySummary:
    """Counts for the closing line; ``problems`` are per-finding messages without secrets."""

    by_status: dict[VerificationStatus, int] = field(default_factory=dict)  # every AWS finding
    keys_by_status: dict[VerificationStatus, int] = field(default_factory=dict)  # access key IDs only
    sts_calls: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.problems and not self.by_status.get("error")

    @property
    def keys_complete(self) -> bool:
        """Over a whole org, a key's own answer decides: an error on one of the
        secrets tried beside a key that proved live does not leave the run incomplete."""
        return not self.problems and not self.keys_by_status.get("error")

    def add(self, other: VerifySummary, where: str) -> None:
        """Count ``other`` in too (``org scan``: one run per repository); its
        problems are prefixed with ``where``. STS calls are the caller's to set
        when the runs share one checker."""
        for mine, theirs in ((self.by_status, other.by_status), (self.keys_by_status, other.keys_by_status)):
            for status, count in theirs.items():
                mine[status] = mine.get(status, 0) + count
        self.problems.extend(f"{where}: {p}" for p in other.problems)


def repository_reader(repo_path: str | os.PathLike[str]) -> Callable[[Finding], bytes]:
    """Read a finding's secret back from its blob; plain-directory findings from the file."""
    root = str(repo_path)

    def read(finding: Finding) -> bytes:
        try:
            return read_secret(root, finding.blob, finding.span)
        except Exception:
            if finding.source != "file":
                raise
        start, end = finding.span
        return (Path(root) / finding.path).read_bytes()[start:end]

    return read


_SECRET = re.compile(r"[A-Za-z0-9/+]{40}")


def finding_where(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}"


def verify_findings(
    findings: Iterable[Finding],
    repo_path: str | os.PathLike[str],
    options: VerifyOptions | None = None,
    checker: StsChecker | None = None,
) -> VerifySummary:
    """Verify every AWS finding in place (``verification``, ``aws_account``);
    other findings are left alone.

    Canary-account keys are never sent. A secret that cannot be re-read marks
    its finding ``error`` with a message and the run goes on.
    """
    options = options or VerifyOptions()
    canaries = canary_accounts(options.skip_accounts)
    checker = checker or StsChecker(options.sts_config())
    reader = options.secret_reader or repository_reader(repo_path)
    summary = VerifySummary()

    aws = [f for f in findings if f.rule in AWS_RULES]
    for finding in aws:
        finding.verification = None

    # Read every clear value up front, in this thread: pygit2 objects are not
    # shared across the worker threads, and a read failure is reported once.
    clear: dict[int, str] = {}
    encoded: set[int] = set()
    for finding in aws:
        if finding.decoded:
            # The span names the encoded text, not the secret: re-reading it
            # would send STS something else and report a false "invalid".
            encoded.add(id(finding))
            continue
        try:
            clear[id(finding)] = reader(finding).decode("ascii").strip()
        except Exception as exc:  # noqa: BLE001 - reported per finding, run goes on
            summary.problems.append(
                f"{finding.path}:{finding.line}: cannot re-read the {finding.rule} from blob "
                f"{finding.blob} ({type(exc).__name__}); is the report's repository path right?"
            )

    # Per key finding: its own result, and every (result, secret, token) tried.
    results: dict[int, tuple[Verification, list[_Try]]] = {}
    jobs: list[KeyCandidates] = []
    for candidates in pair_candidates(aws, limit=options.max_pairings):
        key = candidates.key
        key_id = clear.get(id(key))
        if id(key) in encoded:
            results[id(key)] = (Verification("unverified", reason=_ENCODED), [])
            continue
        if key_id is None:
            results[id(key)] = (Verification("error", reason="secret unreadable"), [])
            continue
        # The report (and so blob and span) is untrusted input: the canary
        # check runs on the upper-cased ID first, so no case change turns a
        # trap key into a call, and only a well-formed ID goes any further.
        account = account_id_from_key_id(key_id.upper())
        key.aws_account = account
        if account is not None and account in canaries:
            canary = Verification(
                "canary",
                account=account,
                key_id=key_id,
                reason="known canary/honeytoken account: never sent",
            )
            # What stands beside a trap key belongs to the trap too.
            beside = [f for f in candidates.secrets + candidates.tokens if f.blob == key.blob]
            results[id(key)] = (canary, [(canary, f, None) for f in beside])
            continue
        if not is_key_id(key_id):
            results[id(key)] = (Verification(
                "error", reason="the text re-read at the finding's span is not an access key ID "
                                "(a hand-edited report or the wrong repository?): not sent"), [])
            summary.problems.append(
                f"{finding_where(key)}: re-read text is not a well-formed access key ID; not sent")
            continue
        jobs.append(candidates)

    def run(candidates: KeyCandidates) -> tuple[Verification, list[_Try]]:
        return _verify_key(candidates, clear, checker)

    if jobs:
        with ThreadPoolExecutor(max_workers=options.concurrency) as pool:
            for candidates, verified in zip(jobs, pool.map(run, jobs), strict=True):
                results[id(candidates.key)] = verified

    # Key findings get their own result; secrets and tokens get the best result
    # of any key they were tried with.
    attached: dict[int, tuple[Verification, str | None]] = {}
    for finding in aws:
        if finding.rule != KEY_ID_RULE or id(finding) not in results:
            continue
        verification, tried = results[id(finding)]
        finding.verification = verification
        if finding.aws_account is None and verification.account:
            # Old-format key IDs hide their account; STS just told it.
            finding.aws_account = verification.account
        for outcome, secret, token in tried:
            for partner in (secret, token):
                if partner is None:
                    continue
                previous = attached.get(id(partner))
                if (
                    previous is None
                    or _STATUS_RANK[outcome.status] < _STATUS_RANK[previous[0].status]
                ):
                    account = outcome.account or finding.aws_account
                    attached[id(partner)] = (outcome, account)

    for finding in aws:
        if finding.rule == KEY_ID_RULE:
            pass
        elif id(finding) in attached:
            # A key ID is an identifier, not a secret (it is in every CloudTrail
            # record); naming it here lets a ticket list where its secret leaked.
            finding.verification, finding.aws_account = attached[id(finding)]
        elif id(finding) in encoded:
            finding.verification = Verification("unverified", reason=_ENCODED)
        elif id(finding) not in clear:
            finding.verification = Verification("error", reason="secret unreadable")
        else:
            finding.verification = Verification(
                "unverified", reason="no access key ID paired with it in the same blob or commit"
            )
        assert finding.verification is not None  # every key ID has a result; every other branch set one
        status = finding.verification.status
        summary.by_status[status] = summary.by_status.get(status, 0) + 1
        if finding.rule == KEY_ID_RULE:
            summary.keys_by_status[status] = summary.keys_by_status.get(status, 0) + 1

    summary.sts_calls = checker.calls
    return summary


def _verify_key(
    candidates: KeyCandidates, clear: dict[int, str], checker: StsChecker
) -> tuple[Verification, list[_Try]]:
    """Try the key ID with each candidate secret (and token), nearest first,
    until one is live; returns the key's result and every pairing tried."""
    key_id = clear[id(candidates.key)]
    # Only what has a secret access key's shape (40 base64 characters) is sent.
    secrets = [s for s in candidates.secrets if id(s) in clear and _SECRET.fullmatch(clear[id(s)])]
    if not secrets:
        reason = "no secret access key found in the same blob or commit"
        return Verification("unverified", key_id=key_id, reason=reason), []
    tokens: list[Finding | None]
    if is_temporary(key_id):
        tokens = [t for t in candidates.tokens if id(t) in clear]
        if not tokens:
            reason = "temporary (ASIA) key without a session token in the same blob or commit"
            return Verification("unverified", key_id=key_id, reason=reason), []
    else:
        tokens = [None]

    tried: list[_Try] = []
    best: Verification | None = None
    for secret in secrets:
        for token in tokens:
            verification = checker.check(
                key_id, clear[id(secret)], clear[id(token)] if token is not None else None
            )
            verification = dataclasses.replace(verification, key_id=key_id)
            tried.append((verification, secret, token))
            if best is None or _STATUS_RANK[verification.status] < _STATUS_RANK[best.status]:
                best = verification
            if verification.status == "live":
                return verification, tried
            if verification.unknown_key and token is None:
                # No partition knows this key ID: another secret cannot help.
                # (For an ASIA key the same answer can mean a wrong token.)
                return best, tried
    assert best is not None
    return best, tried
