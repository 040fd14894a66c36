"""The typed values that cross module boundaries: sources -> engine -> findings.

Nothing here imports git, GitHub or AWS code, so every layer can depend on it.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, asdict, dataclass, field
from typing import Any, Literal

# A JSON (or TOML) object as it is parsed from a file, a table cell or an
# API answer, or as it is about to be written. Values of the product travel
# as the dataclasses below; this is only their form at the edges.
JSONObject = dict[str, Any]

Severity = Literal["low", "medium", "high", "critical"]
Confidence = Literal["low", "medium", "high"]
# Weakest first: ``--min-confidence`` and the engine's choice between two rules
# on one span both read this order.
SEVERITY_ORDER: tuple[Severity, ...] = ("low", "medium", "high", "critical")
CONFIDENCE_ORDER: tuple[Confidence, ...] = ("low", "medium", "high")

# What STS said of a key: ``canary`` keys are never sent; ``unverified`` had
# nothing to sign with (no secret found near the key ID, or encoded text).
VerificationStatus = Literal["live", "invalid", "expired", "error", "canary", "unverified"]
# Where an org scan's finding stands: ``resolved`` once no ref reaches it,
# ``ignored`` by a person (never reported again).
FindingStatus = Literal["open", "resolved", "ignored"]
# The STS error code that means "no such key ID" whatever the secret was.
UNKNOWN_KEY_REASON = "InvalidClientTokenId"


@dataclass(frozen=True)
class Match:
    """One secret the engine found in a run of bytes. Knows nothing about git.

    Offsets are byte offsets into the scanned bytes. ``start``/``end`` delimit
    the secret itself (the rule's secret group); ``match_start``/``match_end``
    the whole regex match, which may include context such as ``password=``.
    """

    rule_id: str
    start: int
    end: int
    match_start: int
    match_end: int
    secret: bytes
    entropy: float
    # How the secret was reached when it was hidden one layer down (for
    # example "base64"); None when it stood in the bytes as they are.
    decoded: str | None = None
    # A detector judges each finding (None: the rule's own confidence).
    confidence: Confidence | None = None
    # What a structured parser (Terraform state) knows of the secret: the
    # resource address, type, provider. Becomes ``Finding.extra``.
    labels: tuple[tuple[str, str], ...] = ()
    # The inline marker (``leakwarden:allow``) on the match's line: the match
    # is reported as suppressed, not dropped, so the suppression is visible.
    allowed: str | None = None
    # The project allowlist (a config file's ``[[allowlists]]``, a
    # ``.gitleaks.toml`` allowlist) that allows the match, by its label: the
    # match is reported as suppressed by it, so no allowlist hides silently.
    allowlist: str | None = None


@dataclass(frozen=True)
class Introduction:
    """A commit that put a blob at a path that none of its parents had it at."""

    commit: str
    path: str
    author: str
    email: str
    date: str  # ISO 8601, UTC
    summary: str
    timestamp: int  # seconds since the epoch, for ordering


@dataclass
class BlobOrigin:
    """Where one unique blob came from: every (commit, path) that introduced it.

    ``introductions`` is ordered earliest first; ``paths`` are the distinct
    paths the blob was seen at (also for unreachable blobs, which have no
    introductions).
    """

    oid: str
    size: int = 0
    paths: list[str] = field(default_factory=list)
    introductions: list[Introduction] = field(default_factory=list)
    reachable: bool = True

    @property
    def first(self) -> Introduction | None:
        return self.introductions[0] if self.introductions else None


@dataclass(frozen=True)
class Verification:
    """What STS said of one key (see ``VerificationStatus``). ``key_id`` is set
    on the key's own finding and on the secrets and tokens tried with it: a key
    ID is an identifier (every CloudTrail record holds it), not a secret."""

    status: VerificationStatus
    account: str | None = None
    arn: str | None = None
    user_id: str | None = None
    checked_at: str | None = None
    partition: str | None = None
    reason: str | None = None
    key_id: str | None = None

    @property
    def unknown_key(self) -> bool:
        """STS knows no such key ID anywhere asked, whatever the secret."""
        return self.status == "invalid" and (self.reason or "").startswith(UNKNOWN_KEY_REASON)

    def to_dict(self) -> JSONObject:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: JSONObject) -> Verification:
        """From ``to_dict()`` (a verified report, the org-scan state); keys it
        does not know are dropped. Raises ``ValueError`` without a ``status``."""
        if not isinstance(data.get("status"), str):
            raise ValueError("verification without a status")
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Finding:
    """A match plus its location and provenance: what reports, stores and
    verifiers consume. ``secret`` is already redacted unless the user asked
    for clear text; the clear secret can always be re-read from ``blob`` at
    ``span`` (see ``scanner.secrets.read_secret``)."""

    rule: str
    description: str
    severity: Severity
    confidence: Confidence
    secret: str
    fingerprint: str  # rule + blob + span: one occurrence
    secret_hash: str  # keyed hash of rule + secret: the same secret anywhere
    path: str
    line: int
    column: int  # 1-based, in characters of the decoded line
    end_line: int
    end_column: int
    blob: str
    span: tuple[int, int]
    entropy: float
    reachable: bool
    commit: str | None = None
    author: str | None = None
    email: str | None = None
    date: str | None = None
    summary: str | None = None
    occurrences: int = 1  # how many (commit, path) introductions carry this blob
    paths: list[str] = field(default_factory=list)
    context: str = ""  # the redacted line the secret stands on
    decoded: str | None = None
    source: str = "git"  # "git", "staged", "file", "commit-message", "tag-message", "config-change"
    # History scans: does HEAD still hold this secret at one of its paths?
    # None where there is no HEAD to ask (staged, plain files).
    in_head: bool | None = None
    # AWS findings, once verified: the account the key belongs to (decoded
    # from the key ID, or told by STS) and what STS said.
    aws_account: str | None = None
    verification: Verification | None = None
    # What a structured source knows of the secret (a Terraform resource
    # address, an S3 object version), and keys of a loaded report this
    # version does not know: written back out as top-level keys.
    extra: JSONObject = field(default_factory=dict)

    def sort_key(self) -> tuple[str, int, int, str, str, tuple[int, int]]:
        return (self.path, self.line, self.column, self.rule, self.blob, self.span)

    @classmethod
    def from_dict(cls, data: JSONObject) -> Finding:
        """A finding from its ``to_dict()`` form (a JSON report, the org-scan
        state); unknown keys go to ``extra``.

        ``rule``, ``blob`` and ``span`` are required, since without them the
        secret cannot be re-read; other fields a report left out get neutral
        values, so that older or partial reports still load. Raises ``ValueError``.
        """
        missing = [name for name in ("rule", "blob", "span") if name not in data]
        if missing:
            raise ValueError(f"finding without {', '.join(missing)}")
        fields = cls.__dataclass_fields__
        values: JSONObject = {}
        extra: JSONObject = dict(data.get("extra") or {})
        for name, value in data.items():
            if name in fields and name != "extra":
                values[name] = value
            elif name != "extra":
                extra[name] = value
        values["span"] = tuple(values["span"])
        for name, spec in fields.items():
            if name in values or name == "extra":
                continue
            if spec.default is MISSING and spec.default_factory is MISSING:
                values[name] = 0 if spec.type in ("int", "float") else ("" if spec.type in _TEXT_TYPES else None)
        if values.get("reachable") is None:
            values["reachable"] = True
        verification = values.get("verification")
        values["verification"] = Verification.from_dict(verification) if isinstance(verification, dict) else None
        return cls(**values, extra=extra)

    def to_dict(self) -> JSONObject:
        data = asdict(self)
        data["span"] = list(self.span)
        data.update(data.pop("extra"))
        # Unverified findings carry neither key; a verified AWS finding both
        # (its account may be null: an old-format key ID STS did not answer for).
        account, verification = data.pop("aws_account"), data.pop("verification")
        if verification is not None or account is not None:
            data["aws_account"] = account
        if verification is not None:
            data["verification"] = verification
        return data


# Annotations (as strings) of the fields a loaded finding may lack and that
# then read as empty text.
_TEXT_TYPES = frozenset({"str", "Severity", "Confidence"})


@dataclass
class Suppression:
    """A finding that was made and then hidden, and what hid it: ``kind`` is
    ``inline`` (a marker in the source), ``ignore-file``, ``baseline`` or
    ``allowlist`` (a project's); ``by`` names the marker or the entry
    (``.leakwardenignore:3``, ``.leakwarden.toml allowlists[0]``)."""

    finding: Finding
    kind: str
    by: str

    def to_dict(self) -> JSONObject:
        data = self.finding.to_dict()
        data["suppressed_by"] = {"kind": self.kind, "by": self.by}
        return data


@dataclass
class OrgFinding:
    """A finding of ``org scan`` as the state file keeps it: in which
    repository, and where it stands. ``first_seen`` is None until stored."""

    repo: str
    finding: Finding
    status: FindingStatus = "open"
    first_seen: str | None = None
    last_seen: str | None = None
    resolved_at: str | None = None
    ignored_reason: str | None = None

    def to_dict(self) -> JSONObject:
        """The finding's dict plus ``repo`` (and, once stored, its status and dates)."""
        data = self.finding.to_dict()
        data["repo"] = self.repo
        if self.first_seen is not None:
            data.update(status=self.status, first_seen=self.first_seen, last_seen=self.last_seen)
        if self.resolved_at:
            data["resolved_at"] = self.resolved_at
        if self.ignored_reason:
            data["ignored_reason"] = self.ignored_reason
        return data


@dataclass
class Exposure:
    """A secret in a repository that was public, and since when it is out.

    ``exposed_since`` is the later of its commit and the start of the public
    period it fell in (None: public before anything known), ``public_since``
    that period's start. ``first_seen``, ``last_seen`` and ``new`` are the
    state file's (``first_seen`` None until stored).
    """

    repo: str
    finding: Finding
    exposed_since: str | None
    public_since: str | None
    public_now: bool
    first_seen: str | None = None
    last_seen: str | None = None
    new: bool = False

    def to_dict(self) -> JSONObject:
        """The finding's dict plus the exposure's keys (the state stores this form)."""
        data = self.finding.to_dict()
        data.update(repo=self.repo, exposed_since=self.exposed_since, public_since=self.public_since,
                    public_now=self.public_now)
        if self.first_seen is not None:
            data.update(first_seen=self.first_seen, last_seen=self.last_seen, new=self.new)
        return data

    @classmethod
    def from_dict(cls, data: JSONObject) -> Exposure:
        """From ``to_dict()``; raises ``ValueError`` as ``Finding.from_dict`` does."""
        rest = dict(data)
        if not isinstance(rest.get("repo"), str):
            raise ValueError("exposure without a repo")
        return cls(
            repo=rest.pop("repo"),
            exposed_since=rest.pop("exposed_since", None),
            public_since=rest.pop("public_since", None),
            public_now=bool(rest.pop("public_now", False)),
            first_seen=rest.pop("first_seen", None),
            last_seen=rest.pop("last_seen", None),
            new=bool(rest.pop("new", False)),
            finding=Finding.from_dict(rest),
        )


@dataclass
class ScanError:
    """A unit that could not be scanned whole. Its presence makes the run incomplete.

    Runs over many repositories (``org audit``, ``org scan``) name the
    repository; a failure of the run's own (an event feed, the token) has none.
    """

    kind: str  # "corrupt-object", "regex-timeout", "read-error", "missing-object", "clone", ...
    message: str
    blob: str | None = None
    path: str | None = None
    rule: str | None = None
    repo: str | None = None

    def to_dict(self) -> JSONObject:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class ScanStats:
    commits: int = 0
    refs: int = 0
    blobs_total: int = 0  # unique blobs the source offered
    blobs_scanned: int = 0
    bytes_scanned: int = 0
    skipped_binary: int = 0
    # Always 0 since over-size blobs are read in windows; kept for report readers.
    skipped_too_large: int = 0
    blobs_windowed: int = 0  # over the size limit: scanned in overlapping windows
    unreachable_blobs: int = 0
    findings: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> JSONObject:
        return asdict(self)


@dataclass
class ScanResult:
    findings: list[Finding]
    errors: list[ScanError]
    stats: ScanStats
    # Every unique blob id the history walk offered, skipped ones included
    # (history scans only): what an incremental caller records as scanned.
    blob_ids: list[str] = field(default_factory=list, repr=False)
    # Findings hidden by an inline marker, an ignore file or a baseline.
    suppressed: list[Suppression] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.errors

    @property
    def exit_code(self) -> int:
        """0 nothing found, 1 findings, 2 incomplete (even when findings were made)."""
        if self.errors:
            return 2
        return 1 if self.findings else 0

    def to_dict(self) -> JSONObject:
        data = {
            "findings": [f.to_dict() for f in self.findings],
            "errors": [e.to_dict() for e in self.errors],
            "stats": self.stats.to_dict(),
        }
        if self.suppressed:  # listed whenever anything was hidden
            data["suppressed"] = [s.to_dict() for s in self.suppressed]
        return data


def rotation_subject(resource: str | None, attribute: str | None, description: str,
                     rule: str) -> str:
    """What a responder rotates: ``the password of aws_db_instance.main`` (a
    parsed Terraform attribute), else the rule's description in running text
    (``the password in a DSN (dsn-password)``; names such as GitHub or AWS
    keep their case)."""
    if resource and attribute:
        return f"the {attribute} of {resource}"
    first, _, rest = description.partition(" ")
    if re.fullmatch(r"[A-Z][a-z]+", first):
        first = first.lower()
    return f"the {' '.join(filter(None, (first, rest)))} ({rule})"


def rotation_ask(subject: str, key: str | None, version: str | None, read_at: str | None,
                 source_ip: str | None) -> str:
    """The one line a responder acts on, for a secret in an object an attacker read."""
    text = f"rotate {subject}: it was in {key} version {version or 'current'}"
    if read_at:
        text += f", read at {read_at}"
    if source_ip:
        text += f" from {source_ip}"
    return text
