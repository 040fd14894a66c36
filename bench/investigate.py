"""investigate speed and memory over a realistic trail of local CloudTrail files.

Generates a trail as CloudTrail delivers it (one gzip file per account, region
and 5-minute slot, ``AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/``) of
N events over 30+ days in 4 regions: an org's background traffic (services
assuming roles, EC2/S3/KMS/SSM calls from thousands of keys) with one CI
user's key in it, its weeks of legitimate CI runs and, after the exposure, an
attacker's role session, reads and persistence. Then runs

    leakwarden investigate --key KEY --cloudtrail DIR --since .. --until .. --exposed-at ..

in a child process and prints events/s and peak RSS, side by side with two
floors measured in the same run: reading and gunzipping every file in Python
(the same threads and inflater, nothing else), and ``gzip -dc`` over all
files. Two trail sizes show whether memory stays flat as the trail grows.
The child's CPU seconds per million events are printed too: on a shared
machine they move less with the load than wall time does.

    python bench/investigate.py --events 1000000 --events 2000000

The leaked key ID and every other ID in the trail are made up here.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.verify.account import key_id_for_account  # noqa: E402

ACCOUNT = "210987654321"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")
START = datetime(2026, 9, 1, tzinfo=timezone.utc)
DAYS = 31
EXPOSED = START + timedelta(days=24, hours=9)
ATTACK = EXPOSED + timedelta(days=2, hours=17)
SLOT = timedelta(minutes=5)
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

# Background calls: (service, action, data event?, request parameters template).
_CALLS = [
    ("ec2.amazonaws.com", "DescribeInstances", False, '{"instancesSet":{},"filterSet":{}}'),
    ("s3.amazonaws.com", "GetObject", True, '{"bucketName":"app-%(n)d","key":"assets/%(m)d.js","Host":"app-%(n)d.s3.amazonaws.com"}'),
    ("s3.amazonaws.com", "PutObject", True, '{"bucketName":"logs-%(n)d","key":"2026/%(m)d.log.gz","Host":"logs-%(n)d.s3.amazonaws.com"}'),
    ("kms.amazonaws.com", "Decrypt", False, '{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"svc":"app-%(n)d"}}'),
    ("ssm.amazonaws.com", "GetParameter", False, '{"name":"/app-%(n)d/config","withDecryption":false}'),
    ("logs.amazonaws.com", "PutLogEvents", True, '{"logGroupName":"/aws/lambda/fn-%(n)d","logStreamName":"2026/%(m)d"}'),
    ("dynamodb.amazonaws.com", "Query", True, '{"tableName":"orders-%(n)d","limit":100}'),
]
_RECORD = (
    '{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA%(rid)s:%(sess)s",'
    '"arn":"arn:aws:sts::%(acct)s:assumed-role/app-role-%(n)d/%(sess)s","accountId":"%(acct)s",'
    '"accessKeyId":"%(key)s","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA%(rid)s",'
    '"arn":"arn:aws:iam::%(acct)s:role/app-role-%(n)d","accountId":"%(acct)s","userName":"app-role-%(n)d"},'
    '"attributes":{"creationDate":"%(time)s","mfaAuthenticated":"false"}}},"eventTime":"%(time)s",'
    '"eventSource":"%(src)s","eventName":"%(act)s","awsRegion":"%(region)s","sourceIPAddress":"10.%(a)d.%(b)d.%(c)d",'
    '"userAgent":"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux api/%(act)s","requestParameters":%(req)s,'
    '"responseElements":null,"requestID":"%(rq)s","eventID":"%(eid)s","readOnly":true,"eventType":"AwsApiCall",'
    '"managementEvent":%(mgmt)s,"recipientAccountId":"%(acct)s","eventCategory":"%(cat)s",'
    '"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%(host)s"}}'
)


def _key(rng: random.Random, prefix: str) -> str:
    return key_id_for_account(ACCOUNT, prefix, "".join(rng.choice(_B32) for _ in range(7)))


def _ct(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _story(ci_key: str) -> list[dict]:
    """The CI key's own records: 3 runs a day, then the attack."""
    rng = random.Random(5)
    ci = {"type": "IAMUser", "principalId": "AIDACIDEPLOYER00001", "userName": "ci-deployer",
          "arn": f"arn:aws:iam::{ACCOUNT}:user/ci-deployer", "accountId": ACCOUNT, "accessKeyId": ci_key}
    ua = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exec-env/GitHub-Actions"
    out = []

    def rec(when: datetime, src: str, act: str, ident: dict, ip: str, ua: str, region: str = "us-east-1",
            req: dict | None = None, resp: dict | None = None, data: bool = False) -> None:
        out.append({"eventVersion": "1.09", "userIdentity": ident, "eventTime": _ct(when), "eventSource": src,
                    "eventName": act, "awsRegion": region, "sourceIPAddress": ip, "userAgent": ua,
                    "requestParameters": req, "responseElements": resp, "eventID": f"story-{len(out):06d}",
                    "recipientAccountId": ACCOUNT, "eventCategory": "Data" if data else "Management"})

    for day in range(DAYS):
        for hour in (10, 14, 18):
            when = START + timedelta(days=day, hours=hour, minutes=rng.randrange(50))
            rec(when, "sts.amazonaws.com", "GetCallerIdentity", ci, "20.42.10.7", ua)
            rec(when + timedelta(seconds=30), "s3.amazonaws.com", "PutObject", ci, "20.42.10.7", ua,
                req={"bucketName": "acme-artifacts", "key": f"build/{day}-{hour}.tgz"}, data=True)
    session = _key(rng, "ASIA")
    role = f"arn:aws:iam::{ACCOUNT}:role/eks-node-role"
    t = ATTACK
    rec(t, "sts.amazonaws.com", "GetCallerIdentity", ci, "203.0.113.50", "Boto3/1.34.51")
    rec(t + timedelta(minutes=5), "sts.amazonaws.com", "AssumeRole", ci, "203.0.113.50", "Boto3/1.34.51",
        req={"roleArn": role, "roleSessionName": "node-maintenance"},
        resp={"credentials": {"accessKeyId": session, "expiration": (t + timedelta(hours=1)).strftime("%b %d, %Y, %I:%M:%S %p")},
              "assumedRoleUser": {"assumedRoleId": "AROAEKSNODEROLE0000001:node-maintenance",
                                  "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/eks-node-role/node-maintenance"}})
    sess = {"type": "AssumedRole", "principalId": "AROAEKSNODEROLE0000001:node-maintenance", "accountId": ACCOUNT,
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/eks-node-role/node-maintenance", "accessKeyId": session,
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role, "accountId": ACCOUNT}}}
    for n, key in enumerate(("backups/db.sql.gz", "env/prod.tfstate")):
        rec(t + timedelta(minutes=10 + n), "s3.amazonaws.com", "GetObject", sess, "203.0.113.50", "Boto3/1.34.51",
            req={"bucketName": "acme-backups" if n == 0 else "acme-tfstate", "key": key}, data=True)
    rec(t + timedelta(minutes=15), "iam.amazonaws.com", "CreateAccessKey", sess, "203.0.113.50", "Boto3/1.34.51",
        req={"userName": "ops-backup"}, resp={"accessKey": {"accessKeyId": _key(rng, "AKIA"), "userName": "ops-backup"}})
    return out


def _write_files(args: tuple[int, int, int, int, list[str]]) -> tuple[int, int]:
    """One worker's share of (slot, region) files; returns (files, compressed bytes)."""
    first, last, per_file, seed, story = args
    rng = random.Random(seed)
    story_by_file: dict[tuple[int, int], list[str]] = {}
    for text in story:
        rec = json.loads(text)
        moment = datetime.strptime(rec["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        slot = int((moment - START) / SLOT)
        story_by_file.setdefault((slot, REGIONS.index(rec["awsRegion"])), []).append(text)
    keys = [_key(rng, "ASIA") for _ in range(300)]
    files = size = 0
    for index in range(first, last):
        slot, region_i = divmod(index, len(REGIONS))
        region = REGIONS[region_i]
        stamp = START + SLOT * (slot + 1)
        parts = []
        for i in range(per_file):
            src, act, data, req = _CALLS[rng.randrange(len(_CALLS))]
            n, m = rng.randrange(400), rng.randrange(100000)
            when = stamp - timedelta(seconds=rng.randrange(300))
            parts.append(_RECORD % {
                "rid": f"APPROLE{n:013d}", "sess": f"i-{rng.getrandbits(68):017x}", "acct": ACCOUNT, "n": n,
                "key": keys[rng.randrange(len(keys))], "time": _ct(when), "src": src, "act": act,
                "region": region, "a": n % 250, "b": m % 250, "c": i % 250, "req": req % {"n": n, "m": m},
                "rq": f"{rng.getrandbits(128):032x}", "eid": f"{rng.getrandbits(128):032x}",
                "mgmt": "false" if data else "true", "cat": "Data" if data else "Management",
                "host": f"{src.split('.')[0]}.{region}.amazonaws.com",
            })
        parts.extend(story_by_file.get((slot, region_i), []))
        body = ('{"Records":[' + ",".join(parts) + "]}").encode()
        name = (f"AWSLogs/{ACCOUNT}/CloudTrail/{region}/{stamp:%Y/%m/%d}/"
                f"{ACCOUNT}_CloudTrail_{region}_{stamp:%Y%m%dT%H%M}Z_{index:08x}.json.gz")
        path = ROOT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        comp = zlib.compressobj(6, zlib.DEFLATED, 31)
        raw = comp.compress(body) + comp.flush()
        path.write_bytes(raw)
        files += 1
        size += len(raw)
    return files, size


ROOT = Path()


def _init(root: str) -> None:
    global ROOT
    ROOT = Path(root)


def generate(root: Path, events: int, ci_key: str, jobs: int) -> tuple[int, int, int]:
    slots = DAYS * 24 * 12
    files = slots * len(REGIONS)
    per_file = max(1, events // files)
    story = [json.dumps(r, separators=(",", ":")) for r in _story(ci_key)]
    chunk = (files + jobs * 8 - 1) // (jobs * 8)
    work = [(lo, min(files, lo + chunk), per_file, lo, story) for lo in range(0, files, chunk)]
    with ProcessPoolExecutor(jobs, initializer=_init, initargs=(str(root),)) as pool:
        done = list(pool.map(_write_files, work))
    return sum(f for f, _ in done), sum(s for _, s in done), per_file * files + len(story)


def run_child(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, int, int, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (KiB, the child's own),
    exit code, stderr."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status), err


def python_floor(root: Path, jobs: int, inflate: Any) -> tuple[float, float]:
    """Wall and CPU seconds to read and inflate every file once, nothing else."""
    paths = sorted(root.rglob("*.json.gz"))
    start, cpu = time.perf_counter(), time.process_time()

    def one(path: Path) -> int:
        return len(inflate.decompress(path.read_bytes(), wbits=47))

    with ThreadPoolExecutor(jobs) as pool:
        sum(pool.map(one, paths, chunksize=64))
    return time.perf_counter() - start, time.process_time() - cpu


def gzip_floor(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run(f"find {root} -name '*.json.gz' -print0 | xargs -0 cat | gzip -dc > /dev/null",
                   shell=True, check=True)
    return time.perf_counter() - start


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _inflate_module() -> Any:
    from scanner.incident import cloudtrail

    return cloudtrail._zlib


def _inflate_name() -> str:
    return _inflate_module().__name__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, action="append", help="trail size (repeatable; default 1M and 2M)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--compare-tree", type=Path, action="append", default=[],
                        help="another checkout (e.g. `git worktree add /tmp/old main`) whose investigate "
                             "runs on the same trail, in the same run, for a before/after row (repeatable)")
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it (reused when there)")
    args = parser.parse_args()
    sizes = args.events or [1_000_000, 2_000_000]
    rng = random.Random(1)
    ci_key = _key(rng, "AKIA")
    print(f"{os.cpu_count()} cores, jobs {args.jobs}, load average {_load()} at the start; the machine "
          "may be shared: compare rows of one run, and CPU seconds over wall seconds")
    print(f"inflating with {_inflate_name()} (what investigate uses here)")
    print("| events | files | gzip MiB | inflated MiB | investigate s | events/s | CPU s | CPU s per 1M events "
          "| peak RSS MiB | floor: Python read+inflate s (CPU s) | floor: gzip -dc s | verdict |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for events in sizes:
        root = Path(args.keep or tempfile.mkdtemp(prefix="lw-trail-")) / f"trail-{events}"
        try:
            marker = root.parent / f"{root.name}.generated"
            if args.keep and marker.exists():  # a kept trail of this size: read it again
                files, size, total = json.loads(marker.read_text())
            else:
                t0 = time.perf_counter()
                files, size, total = generate(root, events, ci_key, args.jobs)
                gen = time.perf_counter() - t0
                print(f"<!-- generated {total} events in {files} files in {gen:.1f} s -->", file=sys.stderr)
                marker.write_text(json.dumps([files, size, total]))
            # The floors first: they read every file, so each timed run below finds
            # the trail in the page cache, whichever runs first.
            floor_py, floor_cpu = python_floor(root, args.jobs, _inflate_module())
            floor_gz = gzip_floor(root)
            out = root.parent / f"inv-{events}.json"
            cmd = [sys.executable, "-m", "scanner", "investigate", "--key", ci_key, "--cloudtrail", str(root),
                   "--since", _ct(START), "--until", _ct(START + timedelta(days=DAYS)),
                   "--exposed-at", _ct(EXPOSED), "--format", "json", "--output", str(out),
                   "--jobs", str(args.jobs)]
            wall, cpu, rss, code, err = run_child(cmd)
            if code != 0:
                print(err, file=sys.stderr)
                raise SystemExit(f"investigate exited {code}")
            data = json.loads(out.read_text())
            stats = data["investigation"]["stats"]
            verdict = data["keys"][0]["verdict"] if data["keys"] else "-"
            raw = stats["bytes_read"]
            print(f"| {total:,} | {files:,} | {size / 2**20:.0f} | {raw / 2**20:.0f} (all passes) | {wall:.2f} "
                  f"| {total / wall:,.0f} | {cpu:.2f} | {cpu / total * 1e6:.2f} | {rss / 1024:.0f} "
                  f"| {floor_py:.2f} ({floor_cpu:.2f}) | {floor_gz:.2f} | {verdict} |", flush=True)
            print(f"<!-- {data['investigation']['notes']} stats {stats} -->", file=sys.stderr)
            for tree in args.compare_tree:
                # `python -m scanner` from that checkout imports its own package.
                other = root.parent / f"inv-{events}-{tree.name}.json"
                wall, cpu, rss, code, err = run_child([str(other) if c == str(out) else c for c in cmd],
                                                      cwd=tree.resolve())
                if code != 0:
                    print(err, file=sys.stderr)
                    raise SystemExit(f"investigate in {tree} exited {code}")
                theirs = json.loads(other.read_text())
                verdict = theirs["keys"][0]["verdict"] if theirs["keys"] else "-"
                print(f"| {total:,} ({tree}) | {files:,} | {size / 2**20:.0f} | - | {wall:.2f} "
                      f"| {total / wall:,.0f} | {cpu:.2f} | {cpu / total * 1e6:.2f} | {rss / 1024:.0f} "
                      f"| - | - | {verdict} |", flush=True)
        finally:
            if not args.keep:
                shutil.rmtree(root.parent, ignore_errors=True)
    print(f"load average {_load()} at the end")


if __name__ == "__main__":
    main()
