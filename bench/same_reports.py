"""Do two revisions of leakwarden report the same on the same repositories?

A refactor or a speed-up must not change what is found. This checks out each
revision into a scratch worktree, scans every repository given with each (the
same interpreter and installed dependencies, the revision's own ``scanner``
package and rules), and compares the JSON reports with only the timings
(``stats.seconds``) removed:

    python bench/same_reports.py 8dc8192 HEAD /tmp/flask.git /tmp/mypy.git

Prints one line per repository (``identical`` or the first differences) and
exits 1 when any report differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def report(source: Path, repo: str, out: Path, cache: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(source), LEAKWARDEN_CACHE_DIR=str(cache))
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", repo, "--format", "json", "--no-progress", "-o", str(out)],
        cwd=source, env=env, capture_output=True, text=True,
    )
    if proc.returncode not in (0, 1, 2) or not out.exists():
        raise SystemExit(f"{source.name}: scan of {repo} failed ({proc.returncode}): {proc.stderr.strip()}")
    data = json.loads(out.read_text())
    data.get("stats", {}).pop("seconds", None)
    return data


def differences(a: dict, b: dict, limit: int = 5) -> list[str]:
    out = []
    for key in sorted(set(a) | set(b)):
        if key == "findings":
            continue
        if a.get(key) != b.get(key):
            out.append(f"{key}: {a.get(key)!r} != {b.get(key)!r}")
    fa = {json.dumps(f, sort_keys=True) for f in a.get("findings", [])}
    fb = {json.dumps(f, sort_keys=True) for f in b.get("findings", [])}
    out += [f"only in first: {f[:200]}" for f in sorted(fa - fb)[:limit]]
    out += [f"only in second: {f[:200]}" for f in sorted(fb - fa)[:limit]]
    if not out and a.get("findings") != b.get("findings"):
        out.append("same findings in a different order")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first", help="a git revision of this repository")
    parser.add_argument("second", help="another revision (HEAD, a branch, ...)")
    parser.add_argument("repos", nargs="+", help="repositories to scan with both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="same-reports-") as scratch:
        trees = []
        for i, rev in enumerate((args.first, args.second)):
            tree = Path(scratch) / f"rev{i}"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
            trees.append(tree)
        try:
            differing = 0
            for repo in args.repos:
                a, b = (report(t, repo, Path(scratch) / f"{t.name}-{Path(repo).name}.json", Path(scratch) / f"cache-{t.name}")
                        for t in trees)
                diff = differences(a, b)
                differing += bool(diff)
                print(f"{repo}: " + ("identical" if not diff else "DIFFERENT"), f"({len(a.get('findings', []))} findings, "
                      f"{len(a.get('errors', []))} errors, {a.get('stats', {}).get('blobs_scanned')} blobs)")
                for line in diff:
                    print("   ", line)
        finally:
            for tree in trees:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
