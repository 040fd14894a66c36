"""The generic-credentials set, side by side: leakwarden and its peers on
passwords and keys that only their place identifies.

    python bench/generic.py [--work DIR] [--seed N] [--tools leakwarden,gitleaks,...] [--verbose]

The set (``corpus/generic.py``) plants credentials in 20-odd syntaxes, each
on its own line, and as many decoy lines (references, templates,
placeholders, empty values, booleans, numbers, paths, URLs, identifiers,
labels, look-alike names, digests). Scored by line, the unit every scanner
reports. Peers are found as in ``bench/quality.py``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality import bench_arguments, run_tool  # noqa: E402
from corpus import generic  # noqa: E402
from corpus.credfiles import reported_lines  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    args = bench_arguments(__doc__, 5).parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="leakwarden-generic-"))
    if not (work / "labels.json").exists():
        generic.build(work, args.seed)
    labels = json.loads((work / "labels.json").read_text())
    rows = []
    for tool in args.tools.split(","):
        report = work / f"{tool}.json"
        seconds = run_tool(tool, work / "repo", report)
        if seconds is None:
            rows.append((tool, None))
            continue
        s = generic.score(labels, reported_lines(report, tool), tool)
        rows.append((tool, s))
        if args.verbose:
            print(f"{tool}: missed {len(s.missed)}: {', '.join(s.missed)}")
            print(f"{tool}: decoys hit {len(s.decoy_hits)}: {', '.join(s.decoy_hits)}\n")
    pos = sum(1 for e in labels["lines"] if e["positive"])
    print(f"generic set: {pos} credential lines ({sum(1 for e in labels['lines'] if e['positive'] and e['kind'] == 'human')} "
          f"typed passwords), {len(labels['lines']) - pos} decoy lines (seed {args.seed}); work dir {work}\n")
    print("| tool | recall | typed passwords | decoys hit |")
    print("| --- | --- | --- | --- |")
    for tool, s in rows:
        if s is None:
            print(f"| {tool} | not installed | | |")
            continue
        print(f"| {tool} | {s.recall:.1%} ({s.found}/{s.positives}) | {s.human[0]}/{s.human[1]} "
              f"| {s.decoys_hit}/{s.decoys} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
