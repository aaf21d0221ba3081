"""The house's import structure: packages in data order, no circles, no import from a lower layer to a higher one.

Layers, lowest first: ``edu_wh`` (foundation) ← ``ingest`` ← ``expectations`` (the gate) ← ``publication``
← ``orchestration`` (the task layer) ← ``cli`` and ``dags``. A module may import its own layer and any
lower one. Imports inside functions count too: a deferred import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

LAYERS = ["edu_wh", "ingest", "expectations", "publication", "orchestration", "cli", "dags"]
PACKAGES = set(LAYERS)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports (anywhere in the file)."""
    modules = {}
    for package in LAYERS:
        for path in sorted((REPO / package).rglob("*.py")):
            modules[_module_name(path)] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for imported in names:
                if imported.split(".")[0] not in PACKAGES:
                    continue
                # the longest project module the name refers to
                while imported and imported not in modules:
                    imported = imported.rpartition(".")[0]
                if imported and imported != name:
                    targets.add(imported)
        graph[name] = targets
    return graph


def _layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def test_no_import_goes_from_a_lower_layer_to_a_higher_one():
    upward = sorted(
        f"{source} imports {target}"
        for source, targets in import_graph().items()
        for target in targets
        if _layer(target) > _layer(source)
    )
    assert upward == [], "layers are " + " ← ".join(LAYERS)


def test_the_import_graph_has_no_circles():
    graph = import_graph()
    # Tarjan's strongly connected components; a component of more than one module is a circle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

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
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert circles == []


def test_the_graph_sees_deferred_imports():
    # a check that cannot see imports inside functions would pass on anything
    graph = import_graph()
    assert "ingest.registry" in graph["cli.main"]  # imported inside command functions only
    assert all(target.split(".")[0] in PACKAGES for targets in graph.values() for target in targets)
