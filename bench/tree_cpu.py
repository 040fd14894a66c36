"""CPU time of every process in a command's tree, orphans included.

``RUSAGE_CHILDREN`` misses a grandchild whose parent exits without waiting
for it (a pool worker stopped by ``Pool.terminate`` leaves its ``git
cat-file`` behind). This samples ``/proc`` every 50 ms and prints each
process's last seen user+sys time, so the split between the parent, the
workers and the git processes can be read off one run (Linux only; a
process's last 50 ms may be missed):

    python bench/tree_cpu.py python -m scanner scan /tmp/mypy.git --format json -o /tmp/out.json --no-progress

With ``TREE_CPU_TIMELINE=0.25`` it also prints, per 0.25 s of wall time,
how many cores the tree kept busy: where a run leaves a core idle (start-up,
the tail after the workers) shows there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _sample(tree: dict[int, tuple[str, int]]) -> None:
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            stat = open(f"/proc/{pid}/stat").read()  # noqa: SIM115 - tiny, read at once
            cmd = open(f"/proc/{pid}/cmdline").read().replace("\0", " ").strip()  # noqa: SIM115
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        ppid, ticks = int(fields[1]), int(fields[11]) + int(fields[12])
        if pid in tree or ppid in tree:
            name, seen = tree.get(pid, (cmd, 0))
            tree[pid] = (name or cmd, max(seen, ticks))


def _label(cmd: str) -> str:
    """``git <subcommand>`` for git processes (their ``-c`` options push the
    subcommand past any sensible width), else the command line's start."""
    words = cmd.split()
    if words and os.path.basename(words[0]) == "git":
        rest = iter(words[1:])
        for word in rest:
            if word == "-c":
                next(rest, None)
            elif not word.startswith("-"):
                return f"git {word} {' '.join(rest)}"[:60]
    return cmd[:120]


def main() -> None:
    hz = os.sysconf("SC_CLK_TCK")
    started = time.perf_counter()
    proc = subprocess.Popen(sys.argv[1:])
    tree: dict[int, tuple[str, int]] = {proc.pid: ("", 0)}
    step = float(os.environ.get("TREE_CPU_TIMELINE", "0") or 0)
    timeline: list[tuple[float, int]] = []
    while proc.poll() is None:
        _sample(tree)
        if step:
            timeline.append((time.perf_counter() - started, sum(t for _, t in tree.values())))
        time.sleep(0.05)
    print(f"wall {time.perf_counter() - started:.2f} s")
    if timeline:
        mark, ticks = 0.0, 0
        for at, total in timeline:
            if at >= mark + step:
                print(f"  {mark:5.2f}-{at:5.2f} s  {(total - ticks) / hz / (at - mark):4.2f} cores")
                mark, ticks = at, total
    for pid, (cmd, ticks) in sorted(tree.items()):
        if ticks:
            print(f"{pid:>8} {ticks / hz:6.2f} CPU-s  {_label(cmd)}")
    print(f"sum {sum(t for _, t in tree.values()) / hz:.2f} CPU-s")


if __name__ == "__main__":
    main()
