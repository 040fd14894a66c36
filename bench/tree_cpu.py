"""CPU time of every process in a command's tree, orphans included.

``RUSAGE_CHILDREN`` misses a grandchild whose parent exits without waiting
for it (a pool worker stopped by ``Pool.terminate`` leaves its ``git
cat-file`` behind). This samples ``/proc`` every 50 ms and prints each
process's last seen user+sys time, so the split between the parent, the
workers and the git processes can be read off one run (Linux only; a
process's last 50 ms may be missed):

    python bench/tree_cpu.py python -m scanner scan /tmp/mypy.git --format json -o /tmp/out.json --no-progress
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


def main() -> None:
    hz = os.sysconf("SC_CLK_TCK")
    started = time.perf_counter()
    proc = subprocess.Popen(sys.argv[1:])
    tree: dict[int, tuple[str, int]] = {proc.pid: ("", 0)}
    while proc.poll() is None:
        _sample(tree)
        time.sleep(0.05)
    print(f"wall {time.perf_counter() - started:.2f} s")
    for pid, (cmd, ticks) in sorted(tree.items()):
        if ticks:
            print(f"{pid:>8} {ticks / hz:6.2f} CPU-s  {cmd[:120]}")
    print(f"sum {sum(t for _, t in tree.values()) / hz:.2f} CPU-s")


if __name__ == "__main__":
    main()
