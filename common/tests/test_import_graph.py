"""The product's modules import each other without cycles, and at the top of the file.

An import inside a function is allowed only to break a genuine start-up dependency
(an AppConfig.ready() connecting receivers, say), with a comment that says so.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every app of the project (a folder with an apps.py) and the project package: a new
# app is checked without anyone remembering to list it.
APPS = tuple(sorted({path.parent.name for path in ROOT.glob("*/apps.py")} | {"core"}))


def _product_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def _resolve(name: str, modules: Mapping[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.module is None:  # relative imports are not used in this project
        return []
    return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]


def import_graph() -> dict[str, set[str]]:
    modules = _product_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for imported in _imported_names(node):
                    target = _resolve(imported, modules)
                    if target and target != name and not name.startswith(f"{target}."):
                        edges.add(target)
        graph[name] = edges
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_the_product():
    assert cycles(import_graph()) == []


def _uncommented_local_imports(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    found = []
    for function in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                here = lines[node.lineno - 1]
                above = node.lineno - 2  # one comment may stand above a run of imports
                while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
                    above -= 1
                commented = above >= 0 and lines[above].strip().startswith("#")
                if "#" not in here and not commented:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {here.strip()}")
    return found


def test_imports_inside_functions_say_why(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    import json\n    return json\n")
    good = tmp_path / "good.py"
    good.write_text(
        "def ready():\n    # connects the receivers once the apps are loaded\n    import json\n"
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert _uncommented_local_imports(bad) == ["bad.py:2: import json"]
        assert _uncommented_local_imports(good) == []
    finally:
        ROOT = saved

    found = [
        line for path in _product_modules().values() for line in _uncommented_local_imports(path)
    ]
    assert found == []
