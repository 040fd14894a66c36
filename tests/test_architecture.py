"""The layering docs/architecture.md promises, checked on the code itself.

Imports are read with ``ast`` (module level and inside functions alike: a
lazy import is still a dependency), so a new module that breaks the flow
sources -> engine -> findings -> actions fails here, not in review.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "scanner"

# Folders of the flow that must stay pure: what they may not reach.
PRODUCTS_AND_SHELL = ("github", "audit", "orgscan", "verify", "tickets", "state", "cli", "incident", "aws")
FORBIDDEN = {
    "engine": PRODUCTS_AND_SHELL + ("sources", "project", "report", "pipeline", "workers"),
    "sources": PRODUCTS_AND_SHELL + ("project", "report"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The scanner modules ``path`` imports, resolved to modules that exist."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("scanner"):
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    # A package's face (``scanner``, ``scanner.engine``) is imported by every
    # submodule import; it only counts where it is named itself.
    return {name: imports_of(path, name, known) - {"scanner"} for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_pure_layers_import_nothing_downstream(folder):
    bad = []
    for name, targets in graph().items():
        if not name.startswith(f"scanner.{folder}"):
            continue
        for target in targets:
            top = target.split(".")[1] if "." in target else ""
            if top in FORBIDDEN[folder]:
                bad.append(f"{name} -> {target}")
    assert bad == []


def test_the_hook_fast_path_loads_neither_typer_nor_rich():
    code = ("import sys, scanner.cli.fastpath, scanner.project.setup, scanner.pipeline\n"
            "print(sorted(m for m in ('typer', 'rich', 'click') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_the_documented_library_entry_points_import():
    code = ("from scanner import scan, ScanOptions\n"
            "from scanner.project.setup import prepare_scan, finish_scan\n"
            "from scanner.orgscan.coordinator import run_org_scan\n"
            "print(callable(scan) and callable(prepare_scan) and callable(run_org_scan))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "True"
