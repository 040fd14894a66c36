"""S3 scan benchmark: a versioned bucket on a local S3 (moto server, 127.0.0.1).

Fills a bucket with ``--versions`` object versions (default 5,200): Terraform
state files of several sizes with many versions each (every version holds
its own RDS password), gzip'd SQL dumps with a DSN in some, and noise (text
and binary). Then, side by side in one run:

* floor: list every version and download it with the same number of
  threads, no scanning (what the network and the store cost);
* leakwarden, full: ``python -m scanner scan s3://BUCKET --state FILE``;
* leakwarden, incremental: after ``--new`` more versions are written, the
  same command again (reads only the new ones);
* kingfisher ``scan s3`` (current objects only; it has no version mode),
  when the peer venv has it.

Each run prints wall time, versions and MB read, throughput and peak RSS
(the scanning process's own ``ru_maxrss``), and checks that every state
version's password was found.

    LEAKWARDEN_PEERS_VENV=/path/to/peers-venv python bench/s3.py --versions 5200 --jobs 8
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import string
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CREDS = {"AWS_ACCESS_KEY_ID": "AKIAQYLPMN5HBENCHKEY", "AWS_SECRET_ACCESS_KEY": "bench-secret",
         "AWS_DEFAULT_REGION": "us-east-1"}
PW = string.ascii_letters + string.digits + "!%^*-_+"


def password(rng: random.Random) -> str:
    return "".join(rng.choice(PW) for _ in range(24))


def state_doc(rng: random.Random, pw: str, filler: int, serial: int) -> bytes:
    """A state with one RDS password and ``filler`` ordinary resources."""
    resources = [{"mode": "managed", "type": "aws_db_instance", "name": "main",
                  "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                  "instances": [{"schema_version": 2, "attributes": {
                      "id": "db-" + "".join(rng.choice(string.ascii_uppercase) for _ in range(26)),
                      "password": pw, "username": "app", "engine": "postgres"},
                      "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]]}]}]
    for i in range(filler):
        resources.append({"mode": "managed", "type": "aws_s3_bucket", "name": f"b{i}",
                          "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                          "instances": [{"schema_version": 0, "attributes": {
                              "arn": f"arn:aws:s3:::bucket-{i}", "bucket": f"bucket-{i}",
                              "id": f"bucket-{i}", "tags": {"team": "platform", "n": str(i)},
                              "versioning": [{"enabled": True, "mfa_delete": False}]},
                              "sensitive_attributes": []}]})
    doc = {"version": 4, "terraform_version": "1.7.5", "serial": serial, "lineage": "bench",
           "outputs": {}, "resources": resources}
    return json.dumps(doc, indent=2).encode()


def plan(versions: int, rng: random.Random) -> list[tuple[str, bytes, str | None]]:
    """(key, body, planted password or None) in write order."""
    out: list[tuple[str, bytes, str | None]] = []
    state_versions = int(versions * 0.6)
    sizes = [5, 5, 5, 40, 40, 400]  # filler resources: ~2 KB, ~15 KB, ~150 KB
    keys = max(1, state_versions // 8)
    for v in range(8):
        for k in range(keys):
            if len(out) >= state_versions:
                break
            pw = password(rng)
            out.append((f"env/{k:04d}/terraform.tfstate",
                        state_doc(rng, pw, sizes[k % len(sizes)], v), pw))
    backups = int(versions * 0.2)
    for b in range(backups):
        dump = "\n".join(f"INSERT INTO events VALUES ({i}, 'event {i}', now());"
                         for i in range(300))
        if b % 10 == 0:
            dump = f"-- source: postgres://dump:{password(rng)}@db.internal:5432/app\n" + dump
        out.append((f"backups/{b % 200:03d}.sql.gz", gzip.compress(dump.encode()), None))
    while len(out) < versions:
        n = len(out)
        if n % 3 == 0:
            body = os.urandom(4096)  # binary noise
        else:
            body = ("lorem ipsum dolor sit amet " * 80).encode()
        out.append((f"noise/{n % 500:03d}.txt", body, None))
    return out


def fill(client, bucket: str, items, jobs: int) -> None:  # noqa: ANN001
    def put(item):  # noqa: ANN001, ANN202
        client.put_object(Bucket=bucket, Key=item[0], Body=item[1])

    # Versions of one key must land in order: one thread per key group.
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(item[0], []).append(item)
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda g: [put(i) for i in g], groups.values()))


def listing(client, bucket: str) -> tuple[float, list[tuple[str, str]]]:  # noqa: ANN001
    started = time.perf_counter()
    versions = []
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        versions += [(v["Key"], v["VersionId"]) for v in page.get("Versions") or ()]
    return time.perf_counter() - started, versions


def floor(client, bucket: str, jobs: int) -> tuple[float, int, int]:  # noqa: ANN001
    started = time.perf_counter()
    _, versions = listing(client, bucket)

    def get(kv):  # noqa: ANN001, ANN202
        return len(client.get_object(Bucket=bucket, Key=kv[0], VersionId=kv[1])["Body"].read())

    with ThreadPoolExecutor(jobs) as pool:
        total = sum(pool.map(get, versions))
    return time.perf_counter() - started, len(versions), total


_RUSAGE_WRAPPER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\nPEAK_RSS_KB={usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str, str, int]:
    """Wall seconds, peak RSS (MB) of ``cmd`` alone, stdout, stderr, exit code.

    A tiny wrapper (``python -S``, a few MB) forks and waits: a child's
    ``ru_maxrss`` starts from what it inherited at fork, so forking from this
    (larger) process would inflate it.
    """
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-S", "-c", _RUSAGE_WRAPPER, *cmd], env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    err = proc.stderr
    peak = 0.0
    if "PEAK_RSS_KB=" in err:
        err, _, tail = err.rpartition("PEAK_RSS_KB=")
        peak = int(tail.strip()) / 1024
    return seconds, peak, proc.stdout, err, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", type=int, default=5200)
    parser.add_argument("--new", type=int, default=100, help="versions added before the rerun")
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    import boto3

    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ.update(CREDS, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                      AWS_EC2_METADATA_DISABLED="true")
    # moto in a process of its own: in this one it would share the GIL with
    # the floor's download threads, and its memory would not be ours to count.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).read()
            break
        except OSError:
            time.sleep(0.2)
    from botocore.config import Config

    client = boto3.client("s3", endpoint_url=endpoint,
                          config=Config(max_pool_connections=args.jobs * 2))
    bucket = "bench-tfstate"
    client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    rng = random.Random(args.seed)
    items = plan(args.versions, rng)
    t0 = time.perf_counter()
    fill(client, bucket, items, args.jobs)
    total_bytes = sum(len(b) for _, b, _ in items)
    planted = sum(1 for *_, pw in items if pw)
    print(f"bucket: {len(items)} versions, {total_bytes / 1e6:.1f} MB, {planted} state versions "
          f"with a password; filled in {time.perf_counter() - t0:.1f}s "
          f"(moto {endpoint}, jobs {args.jobs}, {os.cpu_count()} cores, shared machine: noisy)")

    env = dict(os.environ, AWS_ENDPOINT_URL_S3=endpoint, AWS_ENDPOINT_URL=endpoint)
    rows = []
    seconds, versions = listing(client, bucket)
    rows.append(("floor: list every version (no reads)", seconds, len(versions), None, None,
                 "what an incremental run cannot avoid"))
    seconds, count, nbytes = floor(client, bucket, args.jobs)
    rows.append(("floor: list + download every version", seconds, count, nbytes, None,
                 "in the bench process, boto3, same threads"))

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state.sqlite3"
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "scanner", "scan", f"s3://{bucket}", "--state", str(state),
               "--jobs", str(args.jobs), "--format", "json", "-o", str(report)]
        seconds, rss, _, err, code = run_measured(cmd, env)
        data = json.loads(report.read_text())
        found = sum(1 for f in data["findings"]
                    if f.get("address") == "aws_db_instance.main.password")
        check = "ok" if found == planted and code == 1 else f"FOUND {found}/{planted} exit {code}"
        rows.append(("leakwarden full (every version)", seconds, data["stats"]["blobs_scanned"]
                     + data["stats"]["skipped_binary"], data["stats"]["bytes_scanned"], rss,
                     f"{len(data['findings'])} findings, passwords {found}/{planted} {check}"))
        if code not in (0, 1):
            print(err[-2000:])

        new = plan(args.new, random.Random(args.seed + 1))
        new = [(f"env/new/{i:04d}.tfstate", b, pw) for i, (_, b, pw) in enumerate(new)]
        fill(client, bucket, new, args.jobs)
        seconds, rss, _, err, code = run_measured(cmd, env)
        data = json.loads(report.read_text())
        rows.append((f"leakwarden incremental (+{len(new)} versions)", seconds,
                     data["stats"]["blobs_scanned"] + data["stats"]["skipped_binary"],
                     data["stats"]["bytes_scanned"], rss,
                     f"{len(data['findings'])} findings, {data['s3']['skipped_unchanged']} "
                     "versions skipped as already scanned"))

    peers = Path(os.environ.get("LEAKWARDEN_PEERS_VENV", "/work/peers")) / "bin" / "kingfisher"
    if peers.exists():
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [str(peers), "scan", "s3", bucket, "--jobs", str(args.jobs), "--format",
                   "json", "--output", str(Path(tmp) / "kf.json"), "--no-update-check",
                   "--no-validate"]  # validation would call the providers: never in a bench
            seconds, rss, out, err, code = run_measured(cmd, dict(
                env, HOME=tmp, AWS_RESPONSE_CHECKSUM_VALIDATION="when_required",
                AWS_REQUEST_CHECKSUM_CALCULATION="when_required"))
            note = f"exit {code}"
            try:
                text = (Path(tmp) / "kf.json").read_text()
                note += f", output {len(text)} bytes"
            except OSError:
                note += ": no report"
                print("kingfisher stderr (tail):\n" + "\n".join(err.strip().splitlines()[:12]))
            rows.append(("kingfisher scan s3 (current objects only)", seconds, None, None, rss,
                         note))

    print(f"\n{'run':46} {'seconds':>8} {'objects':>8} {'MB':>7} {'MB/s':>6} {'obj/s':>7} "
          f"{'peak RSS MB':>11}  notes")
    for name, seconds, count, nbytes, rss, note in rows:
        mb = f"{nbytes / 1e6:7.1f}" if nbytes is not None else f"{'-':>7}"
        mbs = f"{nbytes / 1e6 / seconds:6.1f}" if nbytes is not None else f"{'-':>6}"
        objs = f"{count:8d}" if count is not None else f"{'-':>8}"
        rate = f"{count / seconds:7.0f}" if count is not None else f"{'-':>7}"
        peak = f"{rss:11.0f}" if rss is not None else f"{'-':>11}"
        print(f"{name:46} {seconds:8.1f} {objs} {mb} {mbs} {rate} {peak}  {note}")
    server.terminate()
    server.wait()


if __name__ == "__main__":
    main()
