"""Org scan benchmark: a generated org behind the loopback GitHub server.

Builds an organization of ``--repos`` repositories (default 60: most small,
some medium, a few large, each with planted fake AWS keys), serves them over
smart HTTP (``git http-backend``) behind ``tests.support.github_server`` on
127.0.0.1, and times the real CLI (``python -m scanner org scan``) three times:

1. first run: clone every mirror and scan all history;
2. second run, nothing pushed: fetch, see unchanged tips, walk nothing (target < 2 s);
3. third run after pushes to 5 repos: only those 5 are walked, only their new blobs scanned.

    python bench/org.py --repos 60 --jobs 4 --quiet-runs 3

Prints wall time per run, repo status counts and blobs scanned, and checks
that each run found what it should.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.github_server import (  # noqa: E402 - after the path set-up
    GitHubServer,
    aws_credentials_file,
    commit_files,
    fake_aws_key,
)

TOKEN = "ghp_orgbenchtoken000000000000000000000000"
SIZES = {"small": (10, 5), "medium": (120, 40), "large": (1500, 200)}  # commits, files


def size_of(index: int) -> str:
    if index % 20 == 0:
        return "large"
    if index % 5 == 0:
        return "medium"
    return "small"


def fill(git_dir: Path, index: int, commits: int, files: int, rng: random.Random) -> int:
    """History through fast-import (fast); one planted key pair; returns planted keys."""
    lines: list[str] = []
    stamp = 1_700_000_000
    for c in range(commits):
        lines += ["commit refs/heads/main", f"committer Dev <dev@example.test> {stamp + c * 600} +0000",
                  "data 7", "change", *([] if c else [])]
        for _ in range(max(1, files // 10)):
            f = rng.randrange(files)
            body = "".join(f"value_{f}_{c}_{k} = {rng.random():.12f}\n" for k in range(rng.randrange(5, 60)))
            lines += [f"M 100644 inline src/mod{f}.py", f"data {len(body.encode())}", body]
    subprocess.run(["git", f"--git-dir={git_dir}", "fast-import", "--quiet"], check=True,
                   input=("\n".join(lines) + "\n").encode())
    key_id, secret = fake_aws_key(index)
    commit_files(git_dir, {"deploy/credentials": aws_credentials_file(key_id, secret)}, message="creds")
    return 1


def cli(gh: GitHubServer, work: Path, jobs: int, executor: str = "local") -> tuple[float, dict]:
    env = dict(os.environ, GITHUB_TOKEN=TOKEN)
    args = [sys.executable, "-m", "scanner", "org", "scan", "bench", "--state", str(work / "state.sqlite3"),
            "--mirrors", str(work / "mirrors"), "--github-url", gh.api_url, "--jobs", str(jobs),
            "--executor", executor, "--format", "json"]
    started = time.perf_counter()
    proc = subprocess.run(args, env=env, cwd=ROOT, capture_output=True)
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"org scan failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return wall, json.loads(proc.stdout)


def describe(name: str, wall: float, report: dict) -> str:
    s = report["stats"]
    return (f"{name:<28} {wall:6.2f} s  repos: {s['scanned']} scanned, {s['unchanged']} unchanged, "
            f"{s['failed']} failed; {s['blobs_scanned']} blobs scanned; {s['new_findings']} new findings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--dask", type=int, default=0, metavar="WORKERS",
                        help="run on a distributed.LocalCluster of this many worker processes")
    parser.add_argument("--quiet-runs", type=int, default=3, help="times to repeat the no-change run")
    parser.add_argument("--keep", help="work directory to keep (default: a temp dir)")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="leakwarden-orgbench-"))
    rng = random.Random(7)
    cluster = None
    executor = "local"
    if args.dask:
        from distributed import LocalCluster

        os.environ["GITHUB_TOKEN"] = TOKEN  # Dask workers read the token from their own environment
        cluster = LocalCluster(n_workers=args.dask, threads_per_worker=2, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        executor = cluster.scheduler_address.replace("tcp://", "dask://")
    try:
        run_all(args, work, rng, executor)
    finally:
        if cluster is not None:
            cluster.close()


def run_all(args: argparse.Namespace, work: Path, rng: random.Random, executor: str) -> None:
    with GitHubServer(work / "gh", token=TOKEN) as gh:
        gh.state.add_org("bench")
        t0 = time.perf_counter()
        counts = {"small": 0, "medium": 0, "large": 0}
        for i in range(args.repos):
            size = size_of(i)
            counts[size] += 1
            repo = gh.state.add_repo(f"bench/repo{i:03d}")
            fill(repo.git_dir, i, *SIZES[size], rng)
        print(f"generated {args.repos} repos ({counts}) in {time.perf_counter() - t0:.1f} s; "
              f"jobs={args.jobs}, executor={executor}, cores={os.cpu_count()}")

        wall, first = cli(gh, work, args.jobs, executor)
        print(describe("1. first run (full)", wall, first))
        assert first["stats"]["scanned"] == args.repos and first["stats"]["new_findings"] == 2 * args.repos

        walls = []
        for _ in range(args.quiet_runs):
            wall, second = cli(gh, work, args.jobs, executor)
            walls.append(wall)
            print(describe("2. no changes", wall, second))
            assert second["stats"]["unchanged"] == args.repos and not second["findings"]
        if len(walls) > 1:
            print(f"   no-change runs: median {statistics.median(walls):.2f} s, best {min(walls):.2f} s")

        pushed = [f"bench/repo{i:03d}" for i in rng.sample(range(args.repos), 5)]
        for n, name in enumerate(pushed):
            key_id, secret = fake_aws_key(10_000 + n)
            commit_files(gh.state.repos[name].git_dir,
                         {"config/new.env": aws_credentials_file(key_id, secret), "README.md": f"{n}\n"})
        wall, third = cli(gh, work, args.jobs, executor)
        print(describe("3. pushes to 5 repos", wall, third))
        rescanned = sorted(r["repo"] for r in third["repos"] if r["status"] == "scanned")
        assert rescanned == sorted(pushed), rescanned
        assert third["stats"]["new_findings"] == 10
        print(f"   rescanned: {', '.join(rescanned)} "
              f"(modes: {sorted({r['mode'] for r in third['repos'] if r['status'] == 'scanned'})})")


if __name__ == "__main__":
    main()
