"""The package's layout as DESIGN.md draws it, read from the source (nothing is imported).

Data flows one way: files → ``gis`` → ``planner`` → the campaign store → ``web``. These
tests read every module's ``import`` statements with :mod:`ast` and check that no two
modules import each other (directly or round a loop) and that no layer imports one
above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def _modules(root: Path) -> dict[str, tuple[Path, bool]]:
    mods: dict[str, tuple[Path, bool]] = {}
    for p in sorted(root.rglob("*.py")):
        parts = list(p.relative_to(root).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        mods[".".join(parts[:-1] if is_pkg else parts)] = (p, is_pkg)
    return mods


def import_graph(root: Path = SRC) -> dict[str, set[str]]:
    """Return module -> the package modules it imports (``from a import b`` names ``a.b``)."""
    mods = _modules(root)

    def known(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, (path, is_pkg) in mods.items():
        pkg = name if is_pkg else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(filter(None, (known(a.name) for a in node.names)))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([node.module] if node.module else []))
                subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in mods]
                deps.update(subs)
                if len(subs) < len(node.names) and (k := known(base)):
                    deps.add(k)
        graph[name] = {d for d in deps if d != name and d.startswith("zoufang")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_graph_reader_sees_a_cycle(tmp_path: Path) -> None:
    """The reader finds a planted loop through ``from pkg import mod``, so the next test can fail."""
    pkg = tmp_path / "zoufang"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from zoufang import b\n")
    (pkg / "b.py").write_text("from zoufang.a import thing\n")
    (pkg / "c.py").write_text("import zoufang.a\n")
    assert cycles(import_graph(tmp_path)) == [["zoufang.a", "zoufang.b"]]


def test_no_import_cycles() -> None:
    """No two modules of the package import each other, directly or round a loop."""
    assert cycles(import_graph()) == []


@pytest.mark.parametrize(("layer", "forbidden"), [
    ("zoufang.gis", ("zoufang.planner", "zoufang.campaign", "zoufang.commands", "zoufang.web",
                     "zoufang.demo")),
    ("zoufang.planner", ("zoufang.campaign", "zoufang.commands", "zoufang.web",
                         "zoufang.demo")),
    ("zoufang.campaign", ("zoufang.commands", "zoufang.web", "zoufang.demo")),
    ("zoufang.web", ("zoufang.commands",)),
])
def test_layers_import_only_downwards(layer: str, forbidden: tuple[str, ...]) -> None:
    """A layer never imports a layer above it (DESIGN.md's data flow)."""
    bad = sorted(f"{m} -> {d}" for m, deps in import_graph().items()
                 if m == layer or m.startswith(layer + ".")
                 for d in deps if d.startswith(forbidden))
    assert bad == []


def test_store_imports_no_flask() -> None:
    """The store, and the campaign layer around it, import neither Flask nor the web."""
    bad = []
    for path in sorted((SRC / "zoufang" / "campaign").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("flask",
                                                                          "flask_babel")]
    assert bad == []
