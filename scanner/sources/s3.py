"""S3 as a source: every version of every object, scanned like a git blob.

Old versions of a Terraform state keep old passwords the way old commits
do, so the default is every version (``ListObjectVersions``); delete markers
and noncurrent versions are history, and ``in_head`` means "in the current
version". Objects compressed with gzip or bzip2 (backups, ``*.sql.gz``) and
zip archives (CI artifacts) are read through one layer.

Bounded memory: at most ``jobs`` objects are in flight, each read whole only
when it is under ``max_object_size`` (also after decompression). Throttling
(``SlowDown``, 503) is retried with exponential backoff and jitter; an
object that vanished between list and read is counted, not fatal; an
object the credentials may not read is an error entry for that object and
the scan goes on (exit 2 at the end, as for git).

``--state FILE`` makes a rerun incremental: the SQLite state file (the one
``org scan`` uses) remembers each (key, version id, etag) scanned with a
rule-set version, and a rerun reads only what is new.
"""

from __future__ import annotations

import bz2
import fnmatch
import io
import json
import os
import random
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from scanner.clock import iso
from scanner.engine.decoding import DEFAULT_MAX_DECODE_DEPTH
from scanner.engine.matcher import Engine
from scanner.engine.rules import RuleSet, default_rules
from scanner.findings import build_finding, locate, one_per_secret, place_match, rule_for
from scanner.model import (
    BlobOrigin,
    Finding,
    JSONObject,
    Match,
    ScanError,
    ScanResult,
    ScanStats,
    Suppression,
    rotation_ask,
    rotation_subject,
)
from scanner.secrets import git_blob_id

DEFAULT_MAX_OBJECT_SIZE = 25 * 1024 * 1024
_BINARY_SNIFF = 8000
# Error codes S3 (and S3-compatible stores) use to say "slow down"; 5xx too.
_RETRY_CODES = frozenset({"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded",
                          "ServiceUnavailable", "InternalError", "RequestTimeout",
                          "TooManyRequests", "503", "500", "502", "504"})
_GONE_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound"})
_DENIED_CODES = frozenset({"AccessDenied", "403", "AllAccessDisabled", "AccountProblem",
                           "InvalidObjectState", "KMS.AccessDeniedException",
                           "KMS.DisabledException"})
# Archive tiers cannot be read without a restore: counted, not errors.
_ARCHIVED = frozenset({"GLACIER", "DEEP_ARCHIVE"})


class S3SetupError(Exception):
    """The S3 scan cannot start (bad URL, bucket not listable, bad --objects-from)."""


@dataclass(frozen=True)
class ObjectVersion:
    bucket: str
    key: str
    version_id: str | None  # None: latest-only listing or a store without versions
    last_modified: str | None = None  # ISO 8601, UTC
    etag: str = ""
    size: int = -1  # -1: unknown until read (--objects-from)
    storage_class: str = "STANDARD"
    is_latest: bool | None = True
    deleted: bool = False  # the key's current version is a delete marker

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass
class S3ScanOptions:
    """What to read and how. The defaults: every version, 8 parallel readers."""

    ruleset: RuleSet | None = None
    endpoint_url: str | None = None  # else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
    region: str | None = None
    no_sign_request: bool = False
    latest_only: bool = False
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    max_object_size: int = DEFAULT_MAX_OBJECT_SIZE
    jobs: int = 8  # 0: 8 (I/O-bound: threads, not processes)
    redact: bool = True
    state: SeenVersions | None = None  # --state: skip what an earlier run scanned
    objects: Sequence[ObjectVersion] | None = None  # scan exactly these (--objects-from)
    max_attempts: int = 8
    backoff: float = 0.2  # seconds before the first retry; doubles, capped at 10s
    regex_timeout: float = 5.0
    prefilter: str = "auto"
    max_decode_depth: int = DEFAULT_MAX_DECODE_DEPTH
    inline_allow: bool = True  # False: inline leakwarden:allow markers silence nothing
    progress: Callable[[int, int | None], None] | None = None
    client: Any = None  # a ready boto3 S3 client (tests, library callers)
    # A partition of a distributed run: versions already scanned (key,
    # version id or "", etag), given instead of ``state``; and whether to
    # hand back what was scanned, for the coordinator to record.
    skip: frozenset[tuple[str, str, str]] = frozenset()
    collect_done: bool = False


@dataclass
class S3Counters:
    versions_listed: int = 0
    delete_markers: int = 0
    skipped_unchanged: int = 0  # already scanned with these rules (--state)
    skipped_filtered: int = 0  # --include / --exclude
    skipped_archived: int = 0  # Glacier / Deep Archive
    vanished: int = 0  # listed, gone by the time it was read
    decompressed: int = 0
    retries: int = 0


@dataclass
class S3ScanResult(ScanResult):
    s3: S3Counters = field(default_factory=S3Counters)
    notes: list[str] = field(default_factory=list)
    # With ``collect_done``: each version scanned whole, with its findings.
    done: list[tuple[ObjectVersion, list[Finding]]] = field(default_factory=list, repr=False)

    def to_dict(self) -> JSONObject:
        data = super().to_dict()
        data["s3"] = dict(vars(self.s3))
        if self.notes:
            data["notes"] = list(self.notes)
        return data


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` -> (bucket, prefix)."""
    if not url.startswith("s3://"):
        raise S3SetupError(f"{url}: not an s3:// URL (s3://BUCKET[/PREFIX])")
    bucket, _, prefix = url[5:].partition("/")
    if not bucket:
        raise S3SetupError(f"{url}: no bucket name (s3://BUCKET[/PREFIX])")
    return bucket, prefix


def make_client(endpoint_url: str | None = None, region: str | None = None,
                no_sign_request: bool = False, pool: int = 10, **credentials: str) -> Any:
    """An S3 client from the normal credential chain. botocore's own retries
    are off: ``_Retrying`` retries with jitter and counts what it did."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    endpoint = (endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3")
                or os.environ.get("AWS_ENDPOINT_URL") or None)
    config = Config(retries={"total_max_attempts": 1}, max_pool_connections=max(pool, 10),
                    signature_version=UNSIGNED if no_sign_request else None,
                    s3={"addressing_style": "path"} if endpoint else None)
    return boto3.client("s3", endpoint_url=endpoint,
                        region_name=region or os.environ.get("AWS_REGION")
                        or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1", config=config,
                        **credentials)


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    code = str((response.get("Error") or {}).get("Code") or "")
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return code or (str(status) if status else type(exc).__name__)


class _Retrying:
    """Calls an S3 operation, retrying throttling and transient network errors."""

    def __init__(self, attempts: int, backoff: float, counters: S3Counters) -> None:
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.counters = counters
        self.lock = threading.Lock()

    def __call__(self, fn: Callable[[], Any]) -> Any:
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            EndpointConnectionError,
            ReadTimeoutError,
        )
        from urllib3.exceptions import ProtocolError

        for attempt in range(self.attempts):
            try:
                return fn()
            except ClientError as exc:
                if error_code(exc) not in _RETRY_CODES or attempt == self.attempts - 1:
                    raise
            except (ConnectionClosedError, EndpointConnectionError, ReadTimeoutError,
                    ProtocolError):
                if attempt == self.attempts - 1:
                    raise
            with self.lock:
                self.counters.retries += 1
            # Full jitter: many readers throttled at once must not retry in step.
            time.sleep(random.uniform(0, min(10.0, self.backoff * 2 ** attempt)))
        raise AssertionError("unreachable")


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return iso(value)
    return str(value) if value else None


def _wanted(key: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    if include and not any(fnmatch.fnmatchcase(key, g) for g in include):
        return False
    return not any(fnmatch.fnmatchcase(key, g) for g in exclude)


# -- listing ------------------------------------------------------------------------------

def list_versions(client: Any, bucket: str, prefix: str, call: _Retrying,
                  counters: S3Counters, latest_only: bool = False) -> Iterator[ObjectVersion]:
    """Every object version under ``prefix`` (or only current objects), key by key.

    A key's versions and delete markers may straddle two listing pages, so
    each key is held until the listing moves past it: only then is it known
    whether its current version is a delete marker.
    """
    if latest_only:
        token: str | None = None
        while True:
            listing: JSONObject = {"Bucket": bucket, "Prefix": prefix}
            if token:
                listing["ContinuationToken"] = token
            page = call(partial(client.list_objects_v2, **listing))
            for item in page.get("Contents") or ():
                counters.versions_listed += 1
                yield ObjectVersion(bucket, item["Key"], None, _iso(item.get("LastModified")),
                                    str(item.get("ETag", "")).strip('"'), int(item.get("Size", 0)),
                                    item.get("StorageClass") or "STANDARD", True)
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")
    key_marker: str | None = None
    version_marker: str | None = None
    held_key: str | None = None
    held: list[JSONObject] = []

    def flush() -> Iterator[ObjectVersion]:
        deleted = any(e["IsLatest"] and e["_marker"] for e in held)
        for e in held:
            if e["_marker"]:
                continue
            yield ObjectVersion(bucket, e["Key"], e.get("VersionId") or "null",
                                _iso(e.get("LastModified")), str(e.get("ETag", "")).strip('"'),
                                int(e.get("Size", 0)), e.get("StorageClass") or "STANDARD",
                                bool(e.get("IsLatest")), deleted)

    while True:
        kwargs: JSONObject = {"Bucket": bucket, "Prefix": prefix}
        if key_marker is not None:
            kwargs["KeyMarker"] = key_marker
            if version_marker:
                kwargs["VersionIdMarker"] = version_marker
        page = call(partial(client.list_object_versions, **kwargs))
        entries = [dict(v, _marker=False) for v in page.get("Versions") or ()]
        markers = [dict(m, _marker=True) for m in page.get("DeleteMarkers") or ()]
        counters.versions_listed += len(entries)
        counters.delete_markers += len(markers)
        # Within a page S3 orders by key; a stable sort merges the two lists.
        for entry in sorted(entries + markers, key=lambda e: e["Key"]):
            if entry["Key"] != held_key:
                yield from flush()
                held_key, held = entry["Key"], []
            held.append(entry)
        if not page.get("IsTruncated"):
            break
        key_marker = page.get("NextKeyMarker")
        version_marker = page.get("NextVersionIdMarker")
    yield from flush()


@dataclass(frozen=True)
class ObjectRead:
    """One read of an object version, as an investigation tells it."""

    time: str | None = None
    source_ip: str | None = None
    by_key_id: str | None = None  # the access key or session key that read it
    # The leaked key that key descends from (sessions it minted, keys it
    # created): its rotation ticket is the parent of the secrets' tickets.
    parent_key_id: str | None = None
    action: str | None = None
    principal: str | None = None

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


@dataclass(frozen=True)
class ReadObject(ObjectVersion):
    """An object version named by an investigation, with how it was read."""

    reads: tuple[ObjectRead, ...] = ()


# CloudTrail actions that return an object's content (a HeadObject or a
# listing does not: nothing in the object was disclosed by them).
_CONTENT_READS = frozenset({"GetObject", "GetObjectVersion"})


def load_object_list(path: Path) -> list[ReadObject]:
    """``--objects-from``: the object versions an attacker read.

    Either the JSON of ``leakwarden investigate`` (its ``data_touched``: the
    S3 content reads from the attacker's new places that succeeded, each
    linked to the leaked key it descends from through ``sessions`` and the
    keys the attacker created), or a JSON list of ``{bucket, key,
    version_id}`` (optionally ``read_at``, ``source_ip``, ``principal``), bare
    or under ``objects``/``objects_read``/``s3_objects``. Reads of the same
    version are one object with several reads."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise S3SetupError(f"{path}: cannot read object list: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("data_touched"), list):
        return _merge_reads(_investigation_reads(data))
    if isinstance(data, dict):
        for name in ("objects", "objects_read", "s3_objects"):
            if isinstance(data.get(name), list):
                data = data[name]
                break
    if not isinstance(data, list):
        raise S3SetupError(f"{path}: expected the JSON of `leakwarden investigate` or a JSON "
                           "list of {bucket, key, version_id}")
    reads: list[tuple[str, str, str | None, ObjectRead]] = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not item.get("bucket") or not item.get("key"):
            raise S3SetupError(f"{path}: entry {i} needs 'bucket' and 'key'")
        version = item.get("version_id") or item.get("versionId")
        reads.append((str(item["bucket"]), str(item["key"]), str(version) if version else None,
                      ObjectRead(time=_text(item.get("read_at")),
                                 source_ip=_text(item.get("source_ip")),
                                 principal=_text(item.get("principal")),
                                 by_key_id=_text(item.get("by_key_id")),
                                 parent_key_id=_text(item.get("parent_key_id")))))
    return _merge_reads(reads)


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _investigation_reads(data: JSONObject) -> list[tuple[str, str, str | None, ObjectRead]]:
    """The attacker's successful S3 content reads in an investigation JSON."""
    parent_of: dict[str, str] = {}
    for session in data.get("sessions") or ():
        if isinstance(session, dict) and session.get("key_id") and session.get("root_key_id"):
            parent_of[str(session["key_id"])] = str(session["root_key_id"])
    for event in data.get("persistence") or ():
        target = event.get("target") if isinstance(event, dict) else None
        if isinstance(target, dict) and target.get("accessKeyId") and event.get("by_key_id"):
            parent_of.setdefault(str(target["accessKeyId"]), str(event["by_key_id"]))
    leaked = {str(k.get("key_id")) for k in data.get("keys") or ()
              if isinstance(k, dict) and k.get("kind", "leaked") == "leaked"}

    def root(key_id: str | None) -> str | None:
        seen: set[str] = set()
        while key_id and key_id not in leaked and key_id in parent_of and key_id not in seen:
            seen.add(key_id)
            key_id = parent_of[key_id]
        return key_id

    out = []
    for item in data["data_touched"]:
        if not isinstance(item, dict) or item.get("service") != "s3" or item.get("error"):
            continue
        if item.get("action") not in _CONTENT_READS or item.get("from_new_place") is False:
            continue
        if not item.get("bucket") or not item.get("key"):
            continue
        by = _text(item.get("by_key_id"))
        out.append((str(item["bucket"]), str(item["key"]), _text(item.get("version_id")),
                    ObjectRead(time=_text(item.get("time")), source_ip=_text(item.get("source_ip")),
                               by_key_id=by, parent_key_id=root(by),
                               action=_text(item.get("action")))))
    return out


def _merge_reads(reads: list[tuple[str, str, str | None, ObjectRead]]) -> list[ReadObject]:
    """One object per (bucket, key, version), holding every read of it. A
    read that named no version is kept apart by its time: the version it
    read is the one current then (``scan_s3`` looks it up)."""
    grouped: dict[tuple[str, str, str], list[ObjectRead]] = {}
    for bucket, key, version, read in reads:
        slot = version if version is not None else f"@{read.time or ''}"
        grouped.setdefault((bucket, key, slot), []).append(read)
    return [ReadObject(bucket, key, None if slot.startswith("@") else slot, size=-1,
                       is_latest=None,
                       reads=tuple(sorted(set(found), key=lambda r: (r.time or "", r.source_ip or ""))))
            for (bucket, key, slot), found in grouped.items()]


# -- incremental state --------------------------------------------------------------------

class SeenVersions(Protocol):
    """What ``--state`` remembers (``scanner.state.s3.S3State`` keeps it in the
    SQLite state file; sources do not write state themselves)."""

    def scanned(self, bucket: str, prefix: str, rules_version: str) -> set[tuple[str, str, str]]:
        """(key, version id or "", etag) already scanned with these rules."""
        ...

    def record(self, obj: ObjectVersion, rules_version: str, findings: list[Finding],
               at: str) -> None: ...

    def flush(self) -> None: ...


# -- reading ------------------------------------------------------------------------------

@dataclass
class _Unit:
    """One scanned run of bytes: the object, or one member of its archive."""

    path: str  # s3://bucket/key or s3://bucket/key!member
    inner: str  # the name rules see (key without .gz; the member's name)
    data: bytes
    compression: str | None = None


class _TooLarge(Exception):
    pass


def _limited(decompressor: Any, data: bytes, limit: int) -> bytes:
    out = decompressor.decompress(data, limit + 1)
    if len(out) > limit:
        raise _TooLarge
    return out


def _strip_ext(key: str, ext: tuple[str, ...]) -> str:
    for e in ext:
        if key.lower().endswith(e):
            return key[:-len(e)]
    return key


def unpack(url: str, key: str, data: bytes, limit: int) -> list[_Unit]:
    """The bytes to scan: as they are, or through one layer of gzip, bzip2 or
    zip (by magic bytes, not by name). Raises ``_TooLarge`` past ``limit``."""
    if data[:2] == b"\x1f\x8b":
        try:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return [_Unit(url, _strip_ext(key, (".gz", ".gzip", ".tgz")), _limited(d, data, limit),
                          "gzip")]
        except zlib.error:
            return [_Unit(url, key, data)]
    if data[:3] == b"BZh":
        try:
            return [_Unit(url, _strip_ext(key, (".bz2",)),
                          _limited(bz2.BZ2Decompressor(), data, limit), "bzip2")]
        except OSError:
            return [_Unit(url, key, data)]
    if data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            units = []
            for info in archive.infolist():
                if info.is_dir():
                    continue
                if info.file_size > limit:
                    raise _TooLarge
                units.append(_Unit(f"{url}!{info.filename}", info.filename,
                                   archive.read(info), "zip"))
            return units
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError):
            return [_Unit(url, key, data)]
    return [_Unit(url, key, data)]


@dataclass
class _Outcome:
    obj: ObjectVersion
    status: str  # scanned, binary, too-large, archived, vanished, error
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    size: int = 0
    units: int = 0
    decompressed: bool = False
    suppressed: list[Suppression] = field(default_factory=list)  # inline leakwarden:allow
    obj_read: ObjectVersion | None = None  # with what the read told (etag, size) for --objects-from


class _Reader:
    def __init__(self, client: Any, engine: Engine, options: S3ScanOptions,
                 call: _Retrying) -> None:
        self.client = client
        self.engine = engine
        self.options = options
        self.call = call

    def read(self, obj: ObjectVersion) -> _Outcome:
        limit = self.options.max_object_size
        if obj.storage_class in _ARCHIVED:
            return _Outcome(obj, "archived")
        if obj.size > limit:
            return _Outcome(obj, "too-large", size=obj.size)
        kwargs: JSONObject = {"Bucket": obj.bucket, "Key": obj.key}
        if obj.version_id and obj.version_id != "null":
            kwargs["VersionId"] = obj.version_id

        def fetch() -> tuple[JSONObject, bytes]:
            response = self.client.get_object(**kwargs)
            body = response["Body"]
            try:
                # One byte past the limit tells "too large" from "exactly the limit".
                return response, body.read(limit + 1)
            finally:
                body.close()

        try:
            response, data = self.call(fetch)
        except Exception as exc:  # noqa: BLE001 - every failure is this object's error entry
            code = error_code(exc)
            if code in _GONE_CODES:
                return _Outcome(obj, "vanished")
            kind = "access-denied" if code in _DENIED_CODES else "read-error"
            version = f" version {obj.version_id}" if obj.version_id else ""
            return _Outcome(obj, "error", errors=[ScanError(
                kind, f"cannot read{version}: {code}: {_message(exc)}", path=obj.url)])
        if obj.size < 0:  # --objects-from: the listing did not tell these
            obj = _with_response(obj, response, len(data))
        if len(data) > limit:
            return _Outcome(obj, "too-large", size=len(data), obj_read=obj)
        try:
            units = unpack(obj.url, obj.key, data, limit)
        except _TooLarge:
            return _Outcome(obj, "too-large", size=len(data), obj_read=obj)
        outcome = _Outcome(obj, "scanned", size=len(data), obj_read=obj,
                           decompressed=any(u.compression for u in units))
        scanned = 0
        for unit in units:
            if b"\0" in unit.data[:_BINARY_SNIFF]:
                continue
            scanned += 1
            matches, errors = self.engine.scan(unit.data, paths=[unit.inner])
            for error in errors:
                error.path = unit.path
            outcome.errors.extend(errors)
            if matches:
                for finding, match in self._findings(obj, unit, matches):
                    if match.allowlist is not None:
                        outcome.suppressed.append(Suppression(finding, "allowlist", match.allowlist))
                    elif match.allowed is None:
                        outcome.findings.append(finding)
                    else:
                        outcome.suppressed.append(Suppression(
                            finding, "inline", f"{match.allowed} on line {finding.line}"))
        outcome.units = scanned
        if not scanned:
            outcome.status = "binary"
        return outcome

    def _findings(self, obj: ObjectVersion, unit: _Unit, matches: list[Any]
                  ) -> list[tuple[Finding, Match]]:
        """Each match as a finding, beside its match (whose inline marker or
        project allowlist may suppress it): one per secret per place, as for
        every other source."""
        ruleset = self.engine.ruleset
        origin = BlobOrigin(oid=git_blob_id(unit.data), size=len(unit.data), paths=[unit.inner])
        kept = []
        for match in matches:
            rule = rule_for(ruleset, match.rule_id)
            placed = place_match(match, rule, ruleset, [unit.inner])
            if placed is None:
                continue
            match = placed[0]
            location = locate(unit.data, match, redacted=self.options.redact, others=matches)
            kept.append((match, location, rule, unit.path))
        out = []
        for match, location, rule, _ in one_per_secret(kept):
            finding = build_finding(match, location, origin, rule, unit.path,
                                    redacted=self.options.redact, source="s3")
            finding.paths = [unit.path]
            finding.date = obj.last_modified
            finding.in_head = None if obj.is_latest is None else (obj.is_latest and not obj.deleted)
            finding.extra.update(
                bucket=obj.bucket, key=obj.key, version_id=obj.version_id,
                last_modified=obj.last_modified, etag=obj.etag, size=obj.size,
                storage_class=obj.storage_class, deleted=obj.deleted)
            if unit.compression:
                finding.extra["compression"] = unit.compression
            if isinstance(obj, ReadObject) and obj.reads:
                first = obj.reads[0]
                finding.extra.update((k, v) for k, v in (
                    ("read_at", first.time), ("source_ip", first.source_ip),
                    ("principal", first.principal)) if v)
                # Every read, for the child tickets (``leakwarden tickets``).
                finding.extra["reads"] = [r.to_dict() for r in obj.reads]
                finding.extra["rotate"] = rotation_line(finding)
            out.append((finding, match))
        return out


def rotation_line(finding: Finding) -> str:
    """The one-line ask of a child ticket for a secret in an object an
    attacker read: what to rotate, where it was, when and from where it was read."""
    extra = finding.extra
    subject = rotation_subject(extra.get("resource"), extra.get("attribute"),
                               finding.description, finding.rule)
    return rotation_ask(subject, extra.get("key"), extra.get("version_id"),
                        extra.get("read_at"), extra.get("source_ip"))


def _message(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Message") or exc)[:200]


def _with_response(obj: ObjectVersion, response: JSONObject, size: int) -> ObjectVersion:
    """``obj`` with what the read told: its version id, ETag, size, storage class."""
    return replace(obj, version_id=response.get("VersionId") or obj.version_id,
                   last_modified=_iso(response.get("LastModified")),
                   etag=str(response.get("ETag", "")).strip('"'),
                   size=int(response.get("ContentLength", size)),
                   storage_class=response.get("StorageClass") or "STANDARD",
                   is_latest=None, deleted=False)


# -- the scan -----------------------------------------------------------------------------

def scan_s3(url: str, options: S3ScanOptions | None = None) -> S3ScanResult:
    """Scan ``s3://bucket[/prefix]`` (or exactly ``options.objects``)."""
    from scanner.clock import now_iso

    options = options or S3ScanOptions()
    started = time.perf_counter()
    bucket, prefix = parse_s3_url(url)
    ruleset = options.ruleset or default_rules()
    engine = Engine(ruleset, regex_timeout=options.regex_timeout, prefilter=options.prefilter,
                    max_decode_depth=options.max_decode_depth, inline_allow=options.inline_allow)
    jobs = options.jobs if options.jobs > 0 else 8
    client = options.client or make_client(options.endpoint_url, options.region,
                                           options.no_sign_request, pool=jobs)
    counters = S3Counters()
    stats = ScanStats()
    stats.seconds["setup"] = round(time.perf_counter() - started, 3)
    call = _Retrying(options.max_attempts, options.backoff, counters)
    reader = _Reader(client, engine, options, call)
    # What --state keys "already scanned" on: the rules, parsers and detectors.
    rules_version = ruleset.version
    state = options.state
    done_before = state.scanned(bucket, prefix, rules_version) if state else options.skip
    findings: list[Finding] = []
    suppressed: list[Suppression] = []
    errors: list[ScanError] = []
    notes: list[str] = []
    collected: list[tuple[ObjectVersion, list[Finding]]] = []
    at = now_iso()

    if options.objects is not None:
        named = _pinned(options.objects, client, call, bucket, prefix, notes, counters)
        source: Iterator[ObjectVersion] = iter(named)
        counters.versions_listed = len(named)
    else:
        source = list_versions(client, bucket, prefix, call, counters, options.latest_only)

    def todo() -> Iterator[ObjectVersion]:
        for obj in source:
            if not _wanted(obj.key, options.include, options.exclude):
                counters.skipped_filtered += 1
                continue
            if (obj.key, obj.version_id or "", obj.etag) in done_before:
                counters.skipped_unchanged += 1
                continue
            stats.blobs_total += 1
            yield obj

    def account(outcome: _Outcome) -> None:
        status = outcome.status
        if status in ("scanned", "binary"):
            stats.blobs_scanned += status == "scanned"
            stats.skipped_binary += status == "binary"
            stats.bytes_scanned += outcome.size
            counters.decompressed += outcome.decompressed
        elif status == "too-large":
            stats.skipped_too_large += 1
        elif status == "archived":
            counters.skipped_archived += 1
        elif status == "vanished":
            counters.vanished += 1
            notes.append(f"{outcome.obj.url} version {outcome.obj.version_id} was deleted "
                         "between listing and reading")
        findings.extend(outcome.findings)
        suppressed.extend(outcome.suppressed)
        errors.extend(outcome.errors)
        # Errors are read again next time; everything else is done with these rules.
        if status != "error" and not outcome.errors:
            if state:
                state.record(outcome.obj_read or outcome.obj, rules_version, outcome.findings, at)
            if options.collect_done:
                collected.append((outcome.obj_read or outcome.obj, outcome.findings))

    done = 0
    try:
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="s3-read") as pool:
            running: set[Future[_Outcome]] = set()
            try:
                for obj in todo():
                    running.add(pool.submit(reader.read, obj))
                    if len(running) >= jobs * 2:  # bounded: never the whole bucket in flight
                        finished, running = _drain(running)
                        for future in finished:
                            account(future.result())
                            done += 1
                            if options.progress:
                                options.progress(done, None)
            except Exception as exc:  # noqa: BLE001 - listing failed part-way or at the start
                code = error_code(exc)
                if not done and not running and stats.blobs_total == 0 \
                        and counters.versions_listed == 0:
                    raise S3SetupError(f"cannot list {url}: {code}: {_message(exc)}") from None
                errors.append(ScanError("list-error", f"listing stopped: {code}: {_message(exc)}",
                                        path=url))
            for future in running:
                account(future.result())
                done += 1
                if options.progress:
                    options.progress(done, stats.blobs_total)
    finally:
        if state:
            state.flush()
    findings.sort(key=Finding.sort_key)
    errors.sort(key=lambda e: (e.kind, e.path or "", e.message))
    stats.findings = len(findings)
    stats.seconds["total"] = round(time.perf_counter() - started, 3)
    suppressed.sort(key=lambda x: x.finding.sort_key())
    return S3ScanResult(findings, errors, stats, suppressed=suppressed, s3=counters,
                        notes=sorted(notes), done=collected)


def _pinned(objects: Sequence[ObjectVersion], client: Any, call: _Retrying, bucket: str,
            prefix: str, notes: list[str], counters: S3Counters) -> list[ObjectVersion]:
    """The named versions under ``bucket``/``prefix``, each read that named
    no version pinned to the version current at its time (CloudTrail records a
    ``versionId`` only when the reader asked for one; the object may have
    been overwritten since), and reads of one version merged."""
    others = sorted({o.bucket for o in objects if o.bucket != bucket})
    if others:
        notes.append(f"objects read in other buckets are not scanned here: "
                     f"{', '.join(others)} (scan s3://BUCKET --objects-from for each)")
    out: dict[tuple[str, str], ObjectVersion] = {}
    listed: dict[str, _Listing] = {}  # each key's versions listed once, however often it was read
    for obj in objects:
        if obj.bucket != bucket or not obj.key.startswith(prefix):
            counters.skipped_filtered += 1
            continue
        if obj.version_id is None and isinstance(obj, ReadObject) and obj.reads \
                and obj.reads[0].time:
            version = _version_at(client, call, obj, obj.reads[0].time, notes, listed)
            if version is None:
                continue
            obj = replace(obj, version_id=version)
        slot = (obj.key, obj.version_id or "")
        before = out.get(slot)
        if isinstance(before, ReadObject) and isinstance(obj, ReadObject):
            reads = sorted(set(before.reads + obj.reads),
                           key=lambda r: (r.time or "", r.source_ip or ""))
            obj = replace(before, reads=tuple(reads))
        out[slot] = obj
    return list(out.values())


# A key's versions and delete markers as (last modified, version id, is a
# delete marker), or the error code of a listing that failed.
_Listing = list[tuple[datetime, str, bool]] | str


def _version_at(client: Any, call: _Retrying, obj: ObjectVersion, when: str,
                notes: list[str], listed: dict[str, _Listing]) -> str | None:
    """The id of the version of ``obj.key`` that was current at ``when``;
    None (with a note) when there was none to read then. A bucket whose
    versions cannot be listed gives the current version, said in a note.
    ``listed`` keeps each key's listing for the next read of it."""
    from scanner.clock import parse_iso

    try:
        at = parse_iso(when)
    except ValueError:
        notes.append(f"{obj.url}: read time {when!r} is not a time: the current version is scanned")
        return "null"
    if obj.key not in listed:
        try:
            pages = call(lambda: list(client.get_paginator("list_object_versions").paginate(
                Bucket=obj.bucket, Prefix=obj.key)))
            listed[obj.key] = [(e["LastModified"], e.get("VersionId") or "null", marker)
                               for page in pages
                               for marker, name in ((False, "Versions"), (True, "DeleteMarkers"))
                               for e in page.get(name) or () if e.get("Key") == obj.key]
        except Exception as exc:  # noqa: BLE001 - no ListBucketVersions: the current one
            listed[obj.key] = error_code(exc)
    entries = listed[obj.key]
    if isinstance(entries, str):
        notes.append(f"{obj.url}: cannot list its versions ({entries}): the current "
                     f"version is scanned, which may not be the one read at {when}")
        return "null"
    before = [e for e in entries if e[0] <= at]
    if not before or max(before)[2]:
        notes.append(f"{obj.url}: no version of it was current at {when} any more (deleted "
                     "for good since?): nothing to scan")
        return None
    return max(before)[1]


def _drain(running: set[Future[_Outcome]]) -> tuple[set[Future[_Outcome]], set[Future[_Outcome]]]:
    finished, pending = wait(running, return_when=FIRST_COMPLETED)
    return finished, set(pending)
