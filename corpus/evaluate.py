"""Score a scanner's JSON report against a corpus's labels.

``python -m corpus.evaluate LABELS REPORT --tool leakwarden|gitleaks|betterleaks|kingfisher``

Scanners disagree on what a finding is (a rule, a commit, a line), so a
finding is reduced to (path, secret text) and deduplicated: the same secret at
the same path reported for five commits counts once. A finding is a true
positive when its path is one the planted secret lived at and its secret text
overlaps the planted one (either contains the other, or the encoded form);
otherwise it is a false positive. Reports must be unredacted
(``leakwarden scan --no-redact``).
"""

from __future__ import annotations

import argparse
import base64
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOOLS = ("leakwarden", "gitleaks", "betterleaks", "kingfisher")
_MIN_OVERLAP = 8  # a shorter reported "secret" cannot name a planted one


@dataclass(frozen=True)
class Reported:
    path: str
    secret: str
    rule: str


@dataclass
class Score:
    tool: str
    planted: int
    found: int
    findings: int  # unique (path, secret)
    true_positives: int
    recall: float
    precision: float
    by_placement: dict[str, tuple[int, int]] = field(default_factory=dict)  # found, planted
    by_family: dict[str, tuple[int, int]] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)  # plant ids + rule
    false_positives: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _relative(path: str) -> str:
    """Kingfisher names files of a checked-out tree by absolute path."""
    return path.split("/repo/", 1)[1] if path.startswith("/") and "/repo/" in path else path


def _norm(text: str) -> str:
    return text.replace("\\n", "").replace("\\r", "").replace("\r", "").replace("\n", "").strip().strip("\"'")


def read_report(path: Path, tool: str) -> list[Reported]:
    data = json.loads(path.read_text(encoding="utf-8") or "[]")
    out: list[Reported] = []
    if tool == "leakwarden":
        for f in data.get("findings", []):
            for p in f.get("paths") or [f["path"]]:
                out.append(Reported(p, f["secret"], f["rule"]))
    elif tool == "gitleaks":
        for f in data or []:
            out.append(Reported(f.get("File", ""), f.get("Secret") or f.get("Match", ""), f.get("RuleID", "")))
    elif tool == "betterleaks":
        for f in (data.get("findings", []) if isinstance(data, dict) else data) or []:
            match = f.get("match") or {}
            out.append(Reported((f.get("location") or {}).get("path", ""),
                                match.get("value") or match.get("full", ""), f.get("rule_id", "")))
    elif tool == "kingfisher":
        for f in data.get("findings", []):
            finding = f.get("finding", {})
            git = finding.get("git_metadata") or {}
            path = (git.get("file") or {}).get("path") or finding.get("path", "")
            out.append(Reported(_relative(path), finding.get("snippet", ""), f.get("rule", {}).get("id", "")))
    else:
        raise ValueError(f"unknown tool {tool!r}; one of {', '.join(TOOLS)}")
    return out


def _decoded(secret: str) -> str | None:
    """A planted secret that is itself base64 (a Kubernetes Secret value, a
    kubeconfig client-key-data): scanners that decode report the plain text,
    which is just as much a find."""
    try:
        text = base64.b64decode(secret, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return text if len(text) >= _MIN_OVERLAP and text.isprintable() or "\n" in text else None


def _matches(reported: Reported, plant: dict[str, Any]) -> bool:
    if reported.path not in plant["paths"]:
        return False
    got = _norm(reported.secret)
    if len(got) < _MIN_OVERLAP and got != _norm(plant["secret"]):
        return False
    for want in filter(None, (plant["secret"], plant.get("encoded"), _decoded(plant["secret"]))):
        want = _norm(want)
        if got in want or want in got:
            return True
    return False


def score(labels: dict[str, Any], reported: list[Reported], tool: str) -> Score:
    plants = labels["plants"]
    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for plant in plants:
        for p in plant["paths"]:
            by_path[p].append(plant)
    unique = {(r.path, _norm(r.secret)): r for r in reported}
    found: set[str] = set()
    tp = 0
    fps: list[dict[str, str]] = []
    decoy_paths = {d["path"]: d["kind"] for d in labels.get("decoys", [])}
    for r in unique.values():
        hits = [p for p in by_path.get(r.path, ()) if _matches(r, p)]
        if hits:
            tp += 1
            found.update(p["id"] for p in hits)
        else:
            fps.append({"path": r.path, "rule": r.rule, "decoy": decoy_paths.get(r.path, ""),
                        "secret": r.secret[:4] + "…" if len(r.secret) > 4 else "…"})
    placement: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for plant in plants:
        hit = plant["id"] in found
        for bucket in (placement[plant["placement"]], family[plant["family"]]):
            bucket[0] += hit
            bucket[1] += 1
    findings = len(unique)
    return Score(
        tool=tool, planted=len(plants), found=len(found), findings=findings, true_positives=tp,
        recall=round(len(found) / len(plants), 4) if plants else 1.0,
        precision=round(tp / findings, 4) if findings else 1.0,
        by_placement={k: tuple(v) for k, v in sorted(placement.items())},  # type: ignore[misc]
        by_family={k: tuple(v) for k, v in sorted(family.items())},  # type: ignore[misc]
        missed=sorted(f"{p['id']} {p['rule']} ({p['placement']})" for p in plants if p["id"] not in found),
        false_positives=sorted(fps, key=lambda f: (f["path"], f["rule"])),
    )


def format_score(s: Score) -> str:
    lines = [f"{s.tool}: recall {s.recall:.1%} ({s.found}/{s.planted}), precision {s.precision:.1%} "
             f"({s.true_positives}/{s.findings} unique findings)"]
    lines.append("  by placement: " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in s.by_placement.items()))
    lines.append("  by family:    " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in s.by_family.items()))
    if s.false_positives:
        lines.append(f"  false positives ({len(s.false_positives)}): " + "; ".join(
            f"{f['path']} [{f['rule']}{', decoy ' + f['decoy'] if f['decoy'] else ''}]"
            for f in s.false_positives[:15]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("report", type=Path)
    parser.add_argument("--tool", choices=TOOLS, default="leakwarden")
    parser.add_argument("--json", action="store_true", help="print the score as JSON")
    args = parser.parse_args(argv)
    labels = json.loads(args.labels.read_text(encoding="utf-8"))
    result = score(labels, read_report(args.report, args.tool), args.tool)
    print(json.dumps(result.to_dict(), indent=1) if args.json else format_score(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
