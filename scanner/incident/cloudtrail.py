"""Where CloudTrail records come from: trail files (a directory or S3) and LookupEvents.

A trail is big and the key being followed is a needle in it, so every source
answers one question: "give me the records that mention any of these strings,
between these times". Trail files are chosen by the time in their name (and,
on S3, by listing only the date prefixes inside the window), decompressed,
and searched as raw bytes for the needles; only a file that holds one is
parsed as JSON, and only its matching records are kept. That keeps the
parsing (the slow part) proportional to the key's activity, not to the
trail's size, and memory flat: one file per worker at a time.

The LookupEvents API cannot be searched for arbitrary strings: it is asked
per access key ID, per region, at most 2 requests per second per region (the
documented limit), and it only holds management events of the last 90 days.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar, cast

from scanner.incident.values import JSONObject, PassStats

try:
    # zlib-ng inflates CloudTrail's gzip about twice as fast as zlib (the same
    # format, the same API), and inflating is most of a pass over a trail.
    from zlib_ng import zlib_ng as _zlib
except ImportError:  # a platform without its wheel: the standard library's
    import zlib as _zlib  # type: ignore[no-redef]
# zlib-ng's stubs type its ``error`` as an instance; it is the exception class.
_InflateError = cast("type[Exception]", _zlib.error)

# <account>_CloudTrail_<region>_<YYYYMMDD>T<HHMM>Z_<unique>.json.gz: the time is
# the delivery time (the end of the file's few minutes of events).
_NAME = re.compile(r"_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4})Z_[^/]*\.json(?:\.gz)?$")
# Files are delivered about every 5 minutes, sometimes late: a file stamped up to
# this long after an event may hold it, and one stamped a little before may too.
DELIVERY_SLACK = timedelta(hours=1)
_DATA_MARK = b'"eventCategory":"Data"'


class SourceError(Exception):
    """A CloudTrail source cannot be read at all (as opposed to one bad file)."""


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class Window:
    """A closed time interval in UTC."""

    start: datetime
    end: datetime

    def covers_stamp(self, stamp: datetime) -> bool:
        return self.start - DELIVERY_SLACK <= stamp <= self.end + DELIVERY_SLACK

    def days(self) -> list[date]:
        first = (self.start - DELIVERY_SLACK).date()
        last = (self.end + DELIVERY_SLACK).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass
class Collected:
    """What a pass over a source found: matching records (JSON text) and counts
    (``bytes_read``: inflated bytes searched)."""

    records: list[str] = field(default_factory=list)
    files: int = 0
    files_matched: int = 0
    bytes_read: int = 0
    # Records parsed: those of files holding a needle, or every LookupEvents/Athena row.
    events_parsed: int = 0
    data_events_seen: bool = False
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def merge(self, other: Collected) -> None:
        self.records.extend(other.records)
        self.files += other.files
        self.files_matched += other.files_matched
        self.bytes_read += other.bytes_read
        self.events_parsed += other.events_parsed
        self.data_events_seen = self.data_events_seen or other.data_events_seen
        self.errors.extend(other.errors)
        self.notes.extend(n for n in other.notes if n not in self.notes)

    def stats(self) -> PassStats:
        return {
            "files": self.files,
            "files_matched": self.files_matched,
            "bytes_read": self.bytes_read,
            "events_parsed": self.events_parsed,
            "records_kept": len(self.records),
        }


def stamp_of(name: str) -> datetime | None:
    """The delivery time in a trail file's name, or None for a name that is not one."""
    match = _NAME.search(name)
    if not match:
        return None
    t = match.group(2)
    # Sliced, not strptime: an org trail has hundreds of thousands of names.
    return datetime(int(t[:4]), int(t[4:6]), int(t[6:8]), int(t[9:11]), int(t[11:13]),
                    tzinfo=timezone.utc)


def _finder(needles: Iterable[str]) -> Callable[[bytes], bool]:
    """A raw-bytes test for "holds any needle". A few needles: plain ``in`` (memchr
    speed); many: one alternation, so the data is walked once."""
    encoded = sorted({n.encode() for n in needles if n})
    if len(encoded) <= 8:
        return lambda data: any(n in data for n in encoded)
    pattern = re.compile(b"|".join(re.escape(n) for n in encoded))
    return lambda data: pattern.search(data) is not None


def filter_records(raw: bytes, needles: Iterable[str], name: str = "") -> Collected:
    """The records of one trail file (gzip or plain JSON bytes) that mention a needle."""
    return _records_filter(needles)(raw, name)


def _records_filter(needles: Iterable[str]) -> Callable[[bytes, str], Collected]:
    """``filter_records`` for one set of needles, made once per pass: the needles'
    encoding and alternation are not redone for each of a trail's many files.

    Per file, only memchr-speed searches run over the inflated bytes: the needles,
    and the data-event mark until one file of the pass has shown it. Records are
    not counted in files that hold no needle: counting them costs half as much as
    inflating them, and the bytes and files read say how much was searched."""
    needles = list(needles)
    holds_needle = _finder(needles)
    seen_data = threading.Event()

    def filter_file(raw: bytes, name: str) -> Collected:
        out = Collected(files=1)
        try:
            data = _zlib.decompress(raw, wbits=47) if raw[:2] == b"\x1f\x8b" else raw
        except _InflateError as exc:
            out.errors.append(f"{name}: not a gzip trail file ({exc}); skipped")
            return out
        out.bytes_read = len(data)
        if not seen_data.is_set() and _DATA_MARK in data:
            seen_data.set()
            out.data_events_seen = True
        if not holds_needle(data):
            return out
        out.files_matched = 1
        try:
            records = json.loads(data).get("Records") or []
        except (ValueError, AttributeError) as exc:
            out.errors.append(f"{name}: not a CloudTrail file ({exc}); skipped")
            return out
        out.events_parsed = len(records)
        for record in records:
            text = json.dumps(_scrub(record), sort_keys=True, separators=(",", ":"))
            if any(n in text for n in needles):
                out.records.append(text)
        return out

    return filter_file


def _scrub(record: JSONObject) -> JSONObject:
    """Drop the session token some trails log with AssumeRole/GetSessionToken: it is
    a credential, and nothing downstream (temp files, DuckDB, reports) may hold one."""
    response = record.get("responseElements")
    creds = response.get("credentials") if isinstance(response, dict) else None
    if isinstance(creds, dict) and "sessionToken" in creds:
        creds["sessionToken"] = "(removed by leakwarden)"
    return record


_Item = TypeVar("_Item")


def _bounded_map(
    pool: ThreadPoolExecutor, fn: Callable[[_Item], Collected], items: Iterable[_Item], limit: int
) -> Iterator[Collected]:
    """``pool.map`` with at most ``limit`` items in flight: memory stays flat however
    many files a trail has."""
    pending: set[Future[Collected]] = set()
    for item in items:
        pending.add(pool.submit(fn, item))
        if len(pending) >= limit:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    for future in pending:
        yield future.result()


def _read_file(path: str) -> bytes:
    """A whole file, without a buffered file object: a pass opens tens of thousands
    of small trail files, and ``open().read()`` costs a third more per file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) == size:
            return data
        parts = [data]
        while parts[-1]:  # a short read, or a file that grew: read to the end
            parts.append(os.read(fd, 1 << 20))
        return b"".join(parts)
    finally:
        os.close(fd)


class LocalTrail:
    """Trail files exported to a directory (any layout; the names carry the time)."""

    def __init__(self, root: str | os.PathLike[str], jobs: int = 0) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise SourceError(f"{self.root}: no such CloudTrail directory")
        self.jobs = jobs or (os.cpu_count() or 2)
        self._listing: list[tuple[str, str]] | None = None

    def describe(self) -> str:
        return str(self.root)

    def files(self, windows: list[Window]) -> list[str]:
        if self._listing is None:
            listing: list[tuple[str, str]] = []
            for folder, _, names in os.walk(self.root):
                for name in names:
                    if name.endswith((".json.gz", ".json")):
                        match = _NAME.search(name)
                        # Names sort by their stamp string; "" (no trail name) is always read.
                        listing.append((match.group(2) if match else "", os.path.join(folder, name)))
            if not listing:
                # Saying so beats a clean "no activity" over a directory that holds no trail.
                raise SourceError(f"{self.root}: no CloudTrail files (*.json.gz) in it")
            listing.sort()
            self._listing = listing
        spans = [((w.start - DELIVERY_SLACK).strftime("%Y%m%dT%H%M"),
                  (w.end + DELIVERY_SLACK).strftime("%Y%m%dT%H%M")) for w in windows]
        # Plain strings: a Path per file costs more than reading a small one.
        return [p for stamp, p in self._listing
                if not stamp or any(lo <= stamp <= hi for lo, hi in spans)]

    def collect(self, needles: set[str], windows: list[Window]) -> Collected:
        out = Collected()
        filter_file = _records_filter(needles)

        def batch(paths: list[str]) -> Collected:
            done = Collected()
            for path in paths:
                try:
                    raw = _read_file(path)
                except OSError as exc:
                    done.errors.append(f"{path}: cannot read ({exc.strerror or exc}); skipped")
                    continue
                done.merge(filter_file(raw, path))
            return done

        files = self.files(windows)
        # Trail files are small (5 minutes of one region): batches keep the per-task
        # overhead off each file. Threads: zlib releases the GIL while inflating,
        # which is most of the work.
        size = 32
        batches = (files[i:i + size] for i in range(0, len(files), size))
        with ThreadPoolExecutor(self.jobs) as pool:
            for part in _bounded_map(pool, batch, batches, self.jobs * 2):
                out.merge(part)
        return out


class S3Trail:
    """Trail files in S3 as CloudTrail delivers them, also organization trails.

    Only the ``.../CloudTrail/<region>/YYYY/MM/DD/`` prefixes inside the window are
    listed; objects are fetched in parallel with the responder's credentials.
    """

    # Nothing fetched is kept on disk: a trail file holds every principal's calls
    # (and some trails log session tokens), so only the filtered records of the
    # followed keys outlive a fetch. A later pass (a session's lifetime, hours)
    # fetches its few files again instead.

    def __init__(self, url: str, client: Any, jobs: int = 16) -> None:
        if not url.startswith("s3://"):
            raise SourceError(f"{url}: expected s3://BUCKET/PREFIX")
        bucket, _, prefix = url[5:].partition("/")
        if not bucket:
            raise SourceError(f"{url}: no bucket")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client
        self.jobs = jobs
        self._regions: list[str] | None = None
        self._lock = threading.Lock()
        self.fetched = 0

    def _fetch(self, key: str) -> bytes:
        raw: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        with self._lock:
            self.fetched += 1
        return raw

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _children(self, prefix: str) -> list[str]:
        out: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, Delimiter="/"
        ):
            out.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
        return out

    def region_prefixes(self) -> list[str]:
        """Every ``.../CloudTrail/<region>/`` under the prefix (accounts, org ids walked)."""
        if self._regions is not None:
            return self._regions
        found: list[str] = []
        stack = [self.prefix]
        while stack:
            prefix = stack.pop()
            parts = prefix.rstrip("/").split("/")
            if len(parts) >= 2 and parts[-2] == "CloudTrail":
                found.append(prefix)
                continue
            if parts[-1] == "CloudTrail":
                found.extend(self._children(prefix))
                continue
            for child in self._children(prefix):
                name = child.rstrip("/").rsplit("/", 1)[-1]
                # AWSLogs/, an org id, an account id, CloudTrail/: the delivered layout.
                if name in ("AWSLogs", "CloudTrail") or name.startswith("o-") or (
                    len(name) == 12 and name.isdigit()
                ):
                    stack.append(child)
        if not found:
            # A trail written under a prefix of its own (s3://BUCKET/PREFIX/AWSLogs/...) is
            # only found from that prefix; finding nothing must not read as "no activity".
            raise SourceError(
                f"{self.describe()}: no AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/ under it; "
                "give the prefix the trail delivers to (the one holding AWSLogs/)")
        self._regions = sorted(found)
        return self._regions

    def keys(self, windows: list[Window]) -> list[str]:
        days = sorted({d for w in windows for d in w.days()})
        out: list[str] = []
        for region_prefix in self.region_prefixes():
            for day in days:
                prefix = f"{region_prefix}{day:%Y/%m/%d}/"
                for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=prefix
                ):
                    for obj in page.get("Contents", []):
                        stamp = stamp_of(obj["Key"])
                        if stamp is None or any(w.covers_stamp(stamp) for w in windows):
                            out.append(obj["Key"])
        return out

    def collect(self, needles: set[str], windows: list[Window]) -> Collected:
        out = Collected()
        try:
            keys = self.keys(windows)
        except SourceError:
            raise
        except Exception as exc:  # botocore errors: access denied, no bucket
            raise SourceError(f"{self.describe()}: cannot list trail files ({exc})") from exc
        filter_file = _records_filter(needles)

        def one(key: str) -> Collected:
            try:
                raw = self._fetch(key)
            except Exception as exc:
                return Collected(errors=[f"s3://{self.bucket}/{key}: cannot fetch ({exc}); skipped"])
            return filter_file(raw, f"s3://{self.bucket}/{key}")

        with ThreadPoolExecutor(self.jobs) as pool:
            for part in _bounded_map(pool, one, keys, self.jobs * 2):
                out.merge(part)
        return out


class RateLimiter:
    """At most ``rate`` calls per second, per key (region); thread-safe."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rate
        self.clock = clock
        self.sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            at = max(now, self._next.get(key, now))
            self._next[key] = at + self.interval
        if at > now:
            self.waited += at - now
            self.sleep(at - now)


class LookupEvents:
    """The CloudTrail LookupEvents API, per access key ID and region.

    ``client_for(region)`` returns a boto3 ``cloudtrail`` client made with the
    responder's credentials. Paged with NextToken; 2 requests/s per region.
    """

    RATE = 2.0

    def __init__(self, regions: list[str], client_for: Callable[[str], Any],
                 limiter: RateLimiter | None = None) -> None:
        if not regions:
            raise SourceError("--lookup-events needs at least one --region")
        self.regions = sorted(set(regions))
        self.client_for = client_for
        self.limiter = limiter or RateLimiter(self.RATE)
        self.requests = 0

    def describe(self) -> str:
        return f"LookupEvents ({', '.join(self.regions)})"

    def events(self, region: str, key_id: str, window: Window) -> Iterator[JSONObject]:
        client = self.client_for(region)
        token: str | None = None
        while True:
            args: JSONObject = {
                "LookupAttributes": [{"AttributeKey": "AccessKeyId", "AttributeValue": key_id}],
                "StartTime": window.start,
                "EndTime": window.end,
                "MaxResults": 50,
            }
            if token:
                args["NextToken"] = token
            self.limiter.acquire(region)
            self.requests += 1
            page = client.lookup_events(**args)
            yield from page.get("Events", [])
            token = page.get("NextToken")
            if not token:
                return

    def collect(self, needles: set[str], windows: list[Window]) -> Collected:
        out = Collected()
        out.notes.append(
            "LookupEvents: management events only (no S3 object reads), last 90 days, "
            f"rate-limited to {self.RATE:g} requests/s per region"
        )
        start = min(w.start for w in windows)
        end = max(w.end for w in windows)
        seen: set[str] = set()
        # Only access key IDs can be looked up; session names and role ARNs cannot.
        for key_id in sorted(n for n in needles if re.fullmatch(r"A[A-Z0-9]{3}[A-Z0-9]{12,}", n)):
            for region in self.regions:
                try:
                    for event in self.events(region, key_id, Window(start, end)):
                        text = event.get("CloudTrailEvent")
                        if not text:
                            continue
                        record = _scrub(json.loads(text))
                        ident = record.get("eventID") or text
                        if ident in seen:
                            continue
                        seen.add(ident)
                        out.events_parsed += 1
                        out.records.append(json.dumps(record, sort_keys=True, separators=(",", ":")))
                except Exception as exc:  # botocore: throttled past retries, denied
                    out.errors.append(f"LookupEvents {region} {key_id}: {exc}")
        return out


def write_trail_file(path: Path, records: list[JSONObject]) -> None:
    """A file as CloudTrail writes it (for tests, the benchmark and examples)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"Records": records}, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(body, 6, mtime=0))


def trail_key(account: str, region: str, stamp: datetime, unique: str, org: str | None = None) -> str:
    """``AWSLogs/[org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<name>.json.gz``."""
    stamp = utc(stamp)
    org_part = f"{org}/" if org else ""
    return (
        f"AWSLogs/{org_part}{account}/CloudTrail/{region}/{stamp:%Y/%m/%d}/"
        f"{account}_CloudTrail_{region}_{stamp:%Y%m%dT%H%M}Z_{unique}.json.gz"
    )
