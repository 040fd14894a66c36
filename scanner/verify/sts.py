"""Ask STS whether a key works: GetCallerIdentity, the one call any key may make.

GetCallerIdentity needs no permission and changes nothing, so it tells "this
key signs requests" apart from "this key is gone" without touching the
owner's resources. This module knows boto3 and STS error codes; it knows
nothing of findings or repositories.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import botocore.config
import botocore.exceptions
import botocore.session

from scanner.clock import now_iso
from scanner.model import UNKNOWN_KEY_REASON, Verification
from scanner.verify.account import is_key_id

# One region per partition, so each call goes to that partition's regional
# STS endpoint (the global endpoint exists only in ``aws``).
PARTITION_REGIONS = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}
DEFAULT_PARTITIONS = ("aws", "aws-us-gov", "aws-cn")

# The key ID is unknown in the partition asked: try the next partition.
UNKNOWN_KEY_CODES = frozenset({"InvalidClientTokenId", "UnrecognizedClientException"})
# The key ID exists but the secret is wrong (or, rarely, a transient mismatch).
SIGNATURE_CODES = frozenset({"SignatureDoesNotMatch", "IncompleteSignature"})
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException"})
RETRYABLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


def _user_agent() -> str:
    from scanner import __version__

    return f"leakwarden-verify/{__version__}"


USER_AGENT = _user_agent()
NETWORK_ERRORS = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.HTTPClientError,
)


@dataclass
class StsConfig:
    """How to reach STS and how hard to try.

    ``endpoint_url`` (``--sts-endpoint``) wins; when None, boto3 applies
    ``AWS_ENDPOINT_URL_STS`` / ``AWS_ENDPOINT_URL`` itself, else the partition's
    regional endpoint.
    """

    endpoint_url: str | None = None
    partitions: tuple[str, ...] = DEFAULT_PARTITIONS
    timeout: float = 10.0  # seconds, for connect and for read, per call
    max_attempts: int = 4  # per call, for throttling, 5xx and network errors
    backoff: float = 0.5  # first retry delay in seconds, doubled each time
    rate: float = 10.0  # calls per second at most, over all threads
    concurrency: int = 4

    def __post_init__(self) -> None:
        unknown = [p for p in self.partitions if p not in PARTITION_REGIONS]
        if unknown:
            raise ValueError(
                f"unknown AWS partition {unknown[0]!r}; use one of {', '.join(PARTITION_REGIONS)}"
            )
        if self.rate <= 0 or self.concurrency < 1 or self.max_attempts < 1:
            raise ValueError("rate must be > 0, concurrency and max_attempts >= 1")





class RateLimiter:
    """Spaces calls at least ``1/rate`` seconds apart across threads."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)


class StsChecker:
    """Checks (key ID, secret, token) triples against STS, each at most once per run.

    The cache is keyed by a hash of the triple, so it never holds a secret in
    a form that could leak through a repr or a dump; concurrent asks for the
    same triple wait for the one call in flight.
    """

    def __init__(self, config: StsConfig | None = None) -> None:
        self.config = config or StsConfig()
        self.calls = 0  # STS requests actually sent, retries included
        self._limiter = RateLimiter(self.config.rate)
        self._session = botocore.session.Session()
        # Regional, even where a config file still says "legacy": the global
        # endpoint is a single region's and not every partition has one.
        self._session.set_config_variable("sts_regional_endpoints", "regional")
        self._session_lock = threading.Lock()
        self._cache: dict[str, Future[Verification]] = {}
        self._cache_lock = threading.Lock()
        self._sleep: Callable[[float], None] = time.sleep

    def check(self, key_id: str, secret: str, token: str | None = None) -> Verification:
        if not is_key_id(key_id):
            # The last gate before the network: whatever the caller read, only
            # an exact access key ID is ever sent.
            return Verification("error", checked_at=now_iso(), reason="not an access key ID: not sent")
        digest = hashlib.sha256("\0".join((key_id, secret, token or "")).encode()).hexdigest()
        with self._cache_lock:
            cached = self._cache.get(digest)
            if cached is None:
                future: Future[Verification] = Future()
                self._cache[digest] = future
        if cached is not None:
            return cached.result()
        try:
            result = self._check_partitions(key_id, secret, token)
        except Exception as exc:  # noqa: BLE001 - one bad key must not end the run
            result = Verification("error", checked_at=now_iso(), reason=type(exc).__name__)
        future.set_result(result)
        return result

    def _check_partitions(self, key_id: str, secret: str, token: str | None) -> Verification:
        for partition in self.config.partitions:
            result = self._check_one(key_id, secret, token, partition)
            if result is not None:
                return result
        return Verification(
            "invalid",
            checked_at=now_iso(),
            reason=f"{UNKNOWN_KEY_REASON} in partitions {', '.join(self.config.partitions)}",
        )

    def _client(self, key_id: str, secret: str, token: str | None, partition: str) -> Any:
        config = botocore.config.Config(
            connect_timeout=self.config.timeout,
            read_timeout=self.config.timeout,
            # We retry ourselves, to classify and count each attempt.
            retries={"total_max_attempts": 1, "mode": "standard"},
            # Says who calls, so a key owner reading CloudTrail's userAgent can
            # tell this scanner from an attacker (docs/verify-and-tickets.md).
            user_agent_extra=USER_AGENT,
        )
        with self._session_lock:  # botocore sessions are not thread-safe
            return self._session.create_client(
                "sts",
                region_name=PARTITION_REGIONS[partition],
                endpoint_url=self.config.endpoint_url,
                aws_access_key_id=key_id,
                aws_secret_access_key=secret,
                aws_session_token=token,
                config=config,
            )

    def _check_one(
        self, key_id: str, secret: str, token: str | None, partition: str
    ) -> Verification | None:
        """The answer of one partition, or None when the key is unknown there."""
        client = self._client(key_id, secret, token, partition)
        signature_retried = False
        attempt = 0
        while True:
            attempt += 1
            self._limiter.wait()
            with self._cache_lock:
                self.calls += 1
            try:
                identity = client.get_caller_identity()
            except botocore.exceptions.ClientError as exc:
                error = exc.response.get("Error", {})
                code = str(error.get("Code", ""))
                meta = exc.response.get("ResponseMetadata", {})
                status = meta.get("HTTPStatusCode", 0)
                headers = meta.get("HTTPHeaders", {})
                content_type = str(headers.get("content-type", ""))
                if "html" in content_type.lower() and "x-amzn-requestid" not in headers:
                    # A proxy's or WAF's page, not STS (which always answers
                    # with a request id): whatever error code botocore dug out
                    # of it says nothing about the key.
                    return Verification("error", checked_at=now_iso(), partition=partition,
                                        reason=f"HTTP {status}: an HTML page, not an STS answer "
                                               "(a proxy or firewall in the way?)")
                if code in UNKNOWN_KEY_CODES:
                    return None
                if code in SIGNATURE_CODES:
                    # AWS documents a rare transient mismatch; one retry tells it apart.
                    if not signature_retried:
                        signature_retried = True
                        continue
                    return Verification(
                        "invalid", checked_at=now_iso(), partition=partition, reason=code
                    )
                if code in EXPIRED_CODES:
                    return Verification(
                        "expired", checked_at=now_iso(), partition=partition, reason=code
                    )
                if (
                    code in RETRYABLE_CODES or status >= 500
                ) and attempt < self.config.max_attempts:
                    self._backoff(attempt)
                    continue
                return Verification(
                    "error", checked_at=now_iso(), partition=partition, reason=code or f"HTTP {status}"
                )
            except NETWORK_ERRORS as exc:
                if attempt < self.config.max_attempts:
                    self._backoff(attempt)
                    continue
                return Verification(
                    "error", checked_at=now_iso(), partition=partition, reason=type(exc).__name__
                )
            account, arn = identity.get("Account"), identity.get("Arn")
            if not account or not arn:
                # A 200 without who answered is not proof the key works (a
                # proxy, a stub, a truncated body): never "live" on that.
                return Verification(
                    "error", checked_at=now_iso(), partition=partition,
                    reason="STS answered without Arn/Account",
                )
            return Verification(
                "live",
                account=account,
                arn=arn,
                user_id=identity.get("UserId"),
                checked_at=now_iso(),
                partition=partition,
            )

    def _backoff(self, attempt: int) -> None:
        delay = self.config.backoff * (2 ** (attempt - 1))
        self._sleep(delay * (0.5 + random.random() / 2))
