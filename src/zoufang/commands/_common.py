"""Pieces every ``zoufang`` command shares: the error exit, JSON values, the township."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click
from sqlalchemy import select

__all__ = ["fail", "json_default", "township_of"]


def json_default(o: Any) -> Any:
    """Serialise dates as ISO text and numpy scalars as Python numbers."""
    if isinstance(o, dt.date | dt.datetime):
        return o.isoformat()
    if hasattr(o, "item"):
        return o.item()
    return str(o)


def fail(as_json: bool, exc: Exception) -> None:
    """Print the error (``{"ok": false, "error", "errors", "status": 1}`` with --json), exit 1."""
    problems = getattr(exc, "problems", [])
    if as_json:
        click.echo(json.dumps({"ok": False, "error": getattr(exc, "summary", str(exc)),
                               "errors": [p.to_dict() for p in problems], "status": 1},
                              ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(f"error: {exc}", err=True)
    sys.exit(1)


def township_of(session: Any, name: str | None) -> Any:
    """Return the township ``name``, or the only one; a ValueError says what to do."""
    from zoufang.campaign.store import Township

    towns = session.scalars(select(Township).order_by(Township.id)).all()
    if name is not None:
        for t in towns:
            if t.name == name:
                return t
        raise ValueError(f"no township {name!r}; the store has "
                         f"{', '.join(t.name for t in towns) or 'none'}")
    if len(towns) == 1:
        return towns[0]
    if not towns:
        raise ValueError("the store is empty: import grids, targets and cadres first "
                         "(or run `zoufang demo`)")
    raise ValueError(f"several townships ({', '.join(t.name for t in towns)}); "
                     "choose one with --township")
