"""The view modules stay thin: they share nothing but the web modules, and build no SQL.

Read from the sources with :mod:`ast`, so a new import that breaks the rule fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import zoufang.web.views

VIEWS = sorted(Path(zoufang.web.views.__file__).parent.glob("*.py"))


def _imports(path: Path) -> list[tuple[str, str]]:
    """``(module, name)`` of every import in ``path`` (name "" for ``import module``)."""
    out: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, "") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                mod = "zoufang.web.views" + ("." + mod if mod else "")
            out += [(mod, a.name) for a in node.names]
    return out


@pytest.mark.parametrize("path", VIEWS, ids=[p.stem for p in VIEWS])
def test_a_view_module_imports_no_other_view_nor_private_names(path: Path) -> None:
    """No view module imports another view module, a ``_private`` name, or SQLAlchemy.

    The queries and actions views call live in zoufang.web.queries and zoufang.web.forms.
    """
    assert len(VIEWS) >= 7
    for mod, name in _imports(path):
        assert not mod.startswith("zoufang.web.views"), (path.name, mod, name)
        assert not (name.startswith("_") and not name.startswith("__")), (path.name, name)
        assert not mod.startswith("sqlalchemy"), (path.name, mod)
