"""The independent checkers share no code with the planners they check.

Each checker module is parsed (not imported) and every module it imports is listed: none
may be part of :mod:`zoufang.planner`, so a bug in a planner cannot hide itself by
running the same code in its checker.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import zoufang.planner

PLANNER = Path(zoufang.planner.__file__).parent
CHECKERS = ["areas/check.py", "routing/check.py", "schedule/check.py"]


def _imports(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    package = "zoufang.planner." + ".".join(path.relative_to(PLANNER).parent.parts)
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                out.add(f"{base}.{node.module}" if node.module else base)
            else:
                out.add(node.module or "")
    return out


@pytest.mark.parametrize("checker", CHECKERS)
def test_checker_imports_nothing_of_the_planner(checker: str) -> None:
    """A checker imports numpy, shapely and the standard library, never a planner module."""
    names = _imports(PLANNER / checker)
    assert names, "the checker imports nothing at all: wrong file?"
    assert not {n for n in names if n.startswith("zoufang.planner")}, names
