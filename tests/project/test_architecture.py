"""The package's shape: the pipeline stages import one way only, and no module imports itself
back through another. Both run the real tools (import-linter, and grimp's import graph), so a
new import that breaks the layering fails here, not in review."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[2]


def test_layers_contract_holds() -> None:
    # What the `lint-imports` console script runs, with this interpreter.
    command = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"
    result = subprocess.run([sys.executable, "-c", command], cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("kitgen")
    edges = {m: {d for d in graph.find_modules_directly_imported_by(m) if d.startswith("kitgen")}
             for m in graph.modules}
    assert _cycles(edges) == []


def test_every_module_belongs_to_a_stage() -> None:
    stages = {"base", "load", "render", "version", "signoff", "release", "verify", "cli"}
    modules = {p.relative_to(REPO / "kitgen").parts for p in (REPO / "kitgen").rglob("*.py")}
    loose = sorted("/".join(parts) for parts in modules
                   if len(parts) > 1 and parts[0] not in stages)
    top = sorted(parts[0] for parts in modules if len(parts) == 1)
    assert loose == []
    assert top == ["__init__.py", "__main__.py"]
