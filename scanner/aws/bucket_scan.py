"""``scan s3://`` on a Dask cluster: the bucket split by its key prefixes.

A bucket with millions of versions is more than one machine reads in a
night. The coordinator lists one level (``Delimiter="/"``) under the prefix:
each common prefix becomes a partition a Dask worker scans with
``scanner.sources.s3.scan_s3`` (its own boto3 client, from the worker's own
credentials and endpoint settings: nothing secret goes through the
scheduler), and the keys directly at that level become one more partition.
Only the coordinator touches the ``--state`` file: it hands each partition
the versions already scanned under it and records what comes back.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from scanner.clock import now_iso
from scanner.model import JSONObject, ScanError, ScanStats
from scanner.procs import ExecutorError, connect_dask, dask_address
from scanner.sources.s3 import (
    ObjectVersion,
    S3Counters,
    S3ScanOptions,
    S3ScanResult,
    _iso,
    _Retrying,
    make_client,
    parse_s3_url,
    scan_s3,
)


def partition(client: Any, bucket: str, prefix: str, latest_only: bool, call: _Retrying
              ) -> tuple[list[str], list[ObjectVersion]]:
    """The common prefixes one level under ``prefix``, and the versions of the
    keys that stand directly at that level."""
    prefixes: list[str] = []
    top: list[ObjectVersion] = []
    kwargs: JSONObject = {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/"}
    operation = "list_objects_v2" if latest_only else "list_object_versions"
    paginator = client.get_paginator(operation)
    pages = call(lambda: list(paginator.paginate(**kwargs)))
    for page in pages:
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes") or ()]
    if latest_only:
        for page in pages:
            for item in page.get("Contents") or ():
                top.append(ObjectVersion(bucket, item["Key"], None, _iso(item.get("LastModified")),
                                         str(item.get("ETag", "")).strip('"'),
                                         int(item.get("Size", 0)),
                                         item.get("StorageClass") or "STANDARD", True))
        return prefixes, top
    deleted = {m["Key"] for page in pages for m in page.get("DeleteMarkers") or ()
               if m.get("IsLatest")}
    for page in pages:
        for v in page.get("Versions") or ():
            top.append(ObjectVersion(bucket, v["Key"], v.get("VersionId") or "null",
                                     _iso(v.get("LastModified")), str(v.get("ETag", "")).strip('"'),
                                     int(v.get("Size", 0)), v.get("StorageClass") or "STANDARD",
                                     bool(v.get("IsLatest")), v["Key"] in deleted))
    return prefixes, top


def scan_s3_distributed(url: str, options: S3ScanOptions, executor: str) -> S3ScanResult:
    """``scan_s3`` over a Dask cluster at ``executor`` (``dask://HOST:PORT``)."""
    from scanner.engine.rules import default_rules

    address = dask_address(executor)
    try:  # before listing the bucket: a missing Dask fails at once
        from distributed import as_completed
    except ImportError:
        raise ExecutorError("Dask is not installed: pip install 'leakwarden[dask]'") from None
    bucket, prefix = parse_s3_url(url)
    ruleset = options.ruleset or default_rules()
    rules_version = ruleset.version
    s3 = options.client or make_client(options.endpoint_url, options.region,
                                       options.no_sign_request)
    call = _Retrying(options.max_attempts, options.backoff, S3Counters())
    prefixes, top = partition(s3, bucket, prefix, options.latest_only, call)
    seen = options.state
    skip = frozenset(seen.scanned(bucket, prefix, rules_version)) if seen else options.skip
    base = replace(options, ruleset=ruleset, client=None, state=None, progress=None,
                   collect_done=True, objects=None)
    # Each skipped version to the one common prefix its key falls under: one
    # pass over what the state holds (millions of versions), not one per prefix.
    skip_under: dict[str, set[tuple[str, str, str]]] = {}
    for s in skip:
        rest = s[0][len(prefix):] if s[0].startswith(prefix) else ""
        if "/" in rest:
            skip_under.setdefault(prefix + rest.split("/", 1)[0] + "/", set()).add(s)
    tasks: list[tuple[str, S3ScanOptions]] = [
        (f"s3://{bucket}/{p}", replace(base, skip=frozenset(skip_under.get(p, ()))))
        for p in prefixes]
    if top:
        top_keys = {o.key for o in top}
        tasks.append((url, replace(base, objects=top,
                                   skip=frozenset(s for s in skip if s[0] in top_keys))))
    dask = connect_dask(address)
    merged = S3ScanResult([], [], ScanStats(), s3=S3Counters())
    at = now_iso()
    try:
        futures = [dask.submit(scan_s3, part_url, part, pure=False, retries=1,
                               key=f"leakwarden-s3-{bucket}-{i}")
                   for i, (part_url, part) in enumerate(tasks)]
        by_key = {f.key: t[0] for f, t in zip(futures, tasks, strict=True)}
        for future in as_completed(futures, loop=dask.loop):
            try:
                part = future.result()
            except Exception as exc:  # noqa: BLE001 - the partition failed twice
                merged.errors.append(ScanError("partition-failed",
                                               f"{type(exc).__name__}: {exc}",
                                               path=by_key[future.key]))
                continue
            _merge(merged, part)
            if seen:
                for obj, found in part.done:
                    seen.record(obj, rules_version, found, at)
    finally:
        dask.close()
        if seen:
            seen.flush()
    merged.findings.sort(key=lambda f: f.sort_key())
    merged.errors.sort(key=lambda e: (e.kind, e.path or "", e.message))
    merged.notes.sort()
    merged.stats.findings = len(merged.findings)
    return merged


def _merge(into: S3ScanResult, part: S3ScanResult) -> None:
    into.findings.extend(part.findings)
    into.suppressed.extend(part.suppressed)
    into.errors.extend(part.errors)
    into.notes.extend(part.notes)
    for name in ("blobs_total", "blobs_scanned", "bytes_scanned", "skipped_binary",
                 "skipped_too_large"):
        setattr(into.stats, name, getattr(into.stats, name) + getattr(part.stats, name))
    for f in fields(S3Counters):
        setattr(into.s3, f.name, getattr(into.s3, f.name) + getattr(part.s3, f.name))
    total = into.stats.seconds.get("workers", 0.0) + part.stats.seconds.get("total", 0.0)
    into.stats.seconds["workers"] = round(total, 3)
