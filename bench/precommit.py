"""Pre-commit speed: leakwarden vs gitleaks vs detect-secrets on one typical commit.

A typical commit: a few files, a few hundred changed lines, in a repository
the size of flask. The script clones the given repository into a scratch
directory, stages the same change there for every tool, and runs each
tool's pre-commit command on it repeatedly, printing wall time (median, min,
p90) and CPU time per run, and leakwarden's ratio to each peer.

    python bench/precommit.py --repo /tmp/flask-wt \\
        --gitleaks PATH/TO/gitleaks --detect-secrets-hook PATH/TO/detect-secrets-hook

Commands measured (what each tool's pre-commit hook runs):
    leakwarden scan --staged
    gitleaks git --pre-commit --staged --no-banner --log-level error .
    detect-secrets-hook FILE...      (pre-commit passes it the staged files)

A last run with a made-up secret staged checks that every tool blocks it, so
the comparison is between tools doing the job.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.fakes import Fakes  # noqa: E402 - made-up secrets, never real ones

FILES_TO_EDIT = 3
LINES_PER_FILE = 100


def _code_lines(rng: random.Random, n: int) -> list[str]:
    """Plausible Python: functions, dict literals, strings, comments."""
    words = ["request", "response", "config", "session", "user", "value", "result", "item"]
    lines = []
    for i in range(n):
        w = rng.choice(words)
        kind = i % 5
        if kind == 0:
            lines.append(f"def handle_{w}_{i}({w}, *args, **kwargs):")
        elif kind == 1:
            lines.append(f"    \"\"\"Process the {w} and return its {rng.choice(words)}.\"\"\"")
        elif kind == 2:
            text = "".join(rng.choice(string.ascii_lowercase + " ") for _ in range(40))
            lines.append(f"    {w} = {{'name': '{text.strip()}', 'n': {rng.randint(0, 999)}}}")
        elif kind == 3:
            lines.append(f"    # keep the {w} around for the next {rng.choice(words)}")
        else:
            lines.append(f"    return {w}")
    return lines


def prepare(source: Path, work: Path, seed: int = 1) -> tuple[Path, list[str]]:
    """A scratch clone with a typical change staged; returns it and the staged files."""
    clone = work / "repo"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(source), str(clone)], check=True)
    rng = random.Random(seed)
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=clone, capture_output=True,
                             text=True, check=True).stdout.split()
    tracked = [p for p in tracked if (clone / p).stat().st_size > 2000]
    changed = sorted(rng.sample(tracked, FILES_TO_EDIT))
    for rel in changed:
        path = clone / rel
        lines = path.read_text().splitlines()
        at = rng.randint(len(lines) // 3, len(lines))
        # an insertion and a small edit: what a real change looks like
        lines[at:at] = _code_lines(rng, LINES_PER_FILE)
        lines[min(5, len(lines) - 1)] += "  # reviewed"
        path.write_text("\n".join(lines) + "\n")
    new_file = "src/bench_new_module.py"
    (clone / new_file).parent.mkdir(parents=True, exist_ok=True)
    (clone / new_file).write_text("\n".join(_code_lines(rng, 60)) + "\n")
    subprocess.run(["git", "add", *changed, new_file], cwd=clone, check=True)
    return clone, [*changed, new_file]


def run_once(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          check=False, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def summary(walls: list[float], cpus: list[float], codes: set[int]) -> dict[str, float]:
    walls = sorted(walls)
    return {"median": statistics.median(walls), "min": walls[0],
            "p90": walls[min(len(walls) - 1, int(len(walls) * 0.9))],
            "cpu": statistics.median(cpus), "codes": codes}  # type: ignore[dict-item]


def measure(name: str, cmd: list[str], cwd: Path, runs: int) -> dict[str, float]:
    run_once(cmd, cwd)  # warm: page cache, leakwarden's compiled-rule cache
    walls, cpus, codes = [], [], set()
    for _ in range(runs):
        wall, cpu, code = run_once(cmd, cwd)
        walls.append(wall)
        cpus.append(cpu)
        codes.add(code)
    return summary(walls, cpus, codes)


def measure_interleaved(commands: dict[str, tuple[list[str], dict[str, str]]], cwd: Path,
                        runs: int) -> dict[str, dict[str, float]]:
    """One run of each, then the next round: load from elsewhere falls on all alike."""
    samples: dict[str, tuple[list[float], list[float], set[int]]] = {n: ([], [], set()) for n in commands}
    for cmd, env in commands.values():
        run_once(cmd, cwd, env)  # warm
    for _ in range(runs):
        for name, (cmd, env) in commands.items():
            wall, cpu, code = run_once(cmd, cwd, env)
            samples[name][0].append(wall)
            samples[name][1].append(cpu)
            samples[name][2].add(code)
    return {name: summary(*sample) for name, sample in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, required=True, help="a flask-sized git repository")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--leakwarden", default=shutil.which("leakwarden"))
    parser.add_argument("--gitleaks", default=shutil.which("gitleaks"))
    parser.add_argument("--detect-secrets-hook", dest="detect", default=shutil.which("detect-secrets-hook"))
    parser.add_argument("--baseline-src", metavar="DIR", action="append", default=[],
                        help="also time `python -m scanner scan --staged` from this source tree (e.g. "
                             "`git archive REV | tar -x -C DIR`) and from this checkout, interleaved, "
                             "for before/after timings; may be given several times")
    args = parser.parse_args()
    missing = [n for n in ("leakwarden", "gitleaks", "detect") if not getattr(args, n)]
    if missing:
        parser.error(f"not found: {', '.join(missing)} (put them on PATH or pass their paths)")
    with tempfile.TemporaryDirectory(prefix="lw-precommit-") as tmp:
        clone, staged = prepare(args.repo, Path(tmp))
        stat = subprocess.run(["git", "diff", "--cached", "--shortstat"], cwd=clone,
                              capture_output=True, text=True, check=True).stdout.strip()
        files = subprocess.run(["git", "ls-files"], cwd=clone, capture_output=True, text=True,
                               check=True).stdout.count("\n")
        commits = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=clone,
                                 capture_output=True, text=True, check=True).stdout.strip()
        print(f"repository: {args.repo} ({files} files, {commits} commits)")
        print(f"staged change: {stat}")
        tools = {
            "leakwarden": [args.leakwarden, "scan", "--staged"],
            "gitleaks": [args.gitleaks, "git", "--pre-commit", "--staged", "--no-banner",
                         "--log-level", "error", "."],
            "detect-secrets": [args.detect, *staged],
        }
        python = Path(args.leakwarden).resolve().parent / "python"
        if python.exists():
            floor = measure("python", [str(python), "-c", "pass"], clone, args.runs)
            print(f"(python start-up alone: median {floor['median'] * 1000:.0f} ms)")
        print(f"{'tool':16}{'median':>10}{'min':>10}{'p90':>10}{'cpu':>10}  exit")
        results = {}
        for name, cmd in tools.items():
            r = results[name] = measure(name, cmd, clone, args.runs)
            print(f"{name:16}{r['median'] * 1000:>8.0f}ms{r['min'] * 1000:>8.0f}ms"
                  f"{r['p90'] * 1000:>8.0f}ms{r['cpu'] * 1000:>8.0f}ms  {sorted(r['codes'])}")
        if args.baseline_src:
            import os

            python_bin = str(Path(args.leakwarden).resolve().parent / "python")
            trees = {"this tree (-m)": Path(__file__).resolve().parents[1]}
            trees.update((f"{Path(d).name} (-m)", Path(d).resolve()) for d in args.baseline_src)
            commands = {name: ([python_bin, "-m", "scanner", "scan", "--staged"],
                               dict(os.environ, PYTHONPATH=str(src))) for name, src in trees.items()}
            for name, r in measure_interleaved(commands, clone, args.runs).items():
                print(f"{name:16}{r['median'] * 1000:>8.0f}ms{r['min'] * 1000:>8.0f}ms"
                      f"{r['p90'] * 1000:>8.0f}ms{r['cpu'] * 1000:>8.0f}ms  {sorted(r['codes'])}")
        lw = results["leakwarden"]["median"]
        for name in ("gitleaks", "detect-secrets"):
            print(f"leakwarden / {name}: {lw / results[name]['median']:.2f}x (median wall)")
        print(f"target: leakwarden median <= 250 ms: {'met' if lw <= 0.25 else 'NOT met'}")
        # Every tool must block a staged secret, or the race means nothing.
        fakes = Fakes(seed=2024)
        leak = clone / staged[-1]
        leak.write_text(leak.read_text() + f"GITHUB_TOKEN = '{fakes.github_token()}'\n")
        subprocess.run(["git", "add", staged[-1]], cwd=clone, check=True)
        blocked = {name: run_once(cmd, clone)[2] != 0 for name, cmd in tools.items()}
        print("blocks a staged GitHub token: "
              + ", ".join(f"{n} {'yes' if b else 'NO'}" for n, b in blocked.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
