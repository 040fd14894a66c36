"""leaky-repo, by line: how many of its risky lines a scanner reports, and
how many lines it reports that are not risky.

    python bench/leaky_repo.py [--repo $LEAKWARDEN_BENCH_REPOS/leaky-repo.git] [--tools leakwarden,...] [--verbose]

The risky lines are judged by hand in ``bench/data/leaky-repo-lines.json``
(HEAD of Plazmaz/leaky-repo). HEAD's tree is committed into a fresh
one-commit repository (the original is only read), so line numbers in every
report are HEAD's; a finding counts at every line it spans (a private key
block counts at its first body line).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality import BENCH_REPOS, TOOLS, run_tool  # noqa: E402
from corpus.credfiles import reported_lines  # noqa: E402

LABELS = Path(__file__).resolve().parent / "data" / "leaky-repo-lines.json"
# The repository's own notes: not part of what a user would commit.
_META = (".leaky-meta/", "README.md", "LICENSE")


def score(risky: dict[str, list[int]], reported: set[tuple[str, int]]
          ) -> tuple[int, int, list[str], list[str]]:
    """(risky lines reported, risky lines, missed, false-positive lines)."""
    wanted = {(p, n) for p, lines in risky.items() for n in lines}
    # A finding spanning a block (a PEM key) covers its first body line.
    hit = {w for w in wanted if w in reported}
    extra = sorted(f"{p}:{n}" for p, n in reported
                   if (p, n) not in wanted and not p.startswith(_META)
                   and not any(p == wp and abs(n - wn) <= 30 and wp.endswith((".pem", "id_rsa", ".ppk"))
                               for wp, wn in wanted))
    missed = sorted(f"{p}:{n}" for p, n in wanted - hit)
    return len(hit), len(wanted), missed, extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=BENCH_REPOS / "leaky-repo.git")
    parser.add_argument("--tools", default=TOOLS)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    risky = {k: v for k, v in json.loads(LABELS.read_text()).items() if not k.startswith("_")}
    work = Path(tempfile.mkdtemp(prefix="leakwarden-leaky-"))
    repo = work / "repo"  # the name corpus.credfiles strips from absolute paths
    repo.mkdir()
    archive = subprocess.run(["git", "--git-dir", str(args.repo), "archive", "HEAD"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(repo)], input=archive, check=True)
    env = {"GIT_AUTHOR_DATE": "1650000000 +0000", "GIT_COMMITTER_DATE": "1650000000 +0000",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(work), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    for git in (["init", "-q", "-b", "main"], ["add", "-A"],
                ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "HEAD of leaky-repo"]):
        subprocess.run(["git", *git], cwd=repo, env=env, check=True, capture_output=True)
    print("| tool | risky lines found | false-positive lines |")
    print("| --- | --- | --- |")
    details = []
    for tool in args.tools.split(","):
        report = work / f"{tool}.json"
        if run_tool(tool, repo, report) is None:
            print(f"| {tool} | not installed | |")
            continue
        hit, total, missed, extra = score(risky, reported_lines(report, tool))
        print(f"| {tool} | {hit / total:.1%} ({hit}/{total}) | {len(extra)} |")
        details.append(f"{tool}: missed {', '.join(missed)}\n{tool}: not risky {', '.join(extra)}")
    if args.verbose:
        print("\n" + "\n\n".join(details))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
