"""What every ``zoufang`` command shares: options, the store, the runner, JSON output.

A command declares its options with :data:`DB_OPTION`, :data:`JSON_OPTION`,
:data:`TOWNSHIP_OPTION` and :data:`CAMPAIGN_OPTION`, and does its work in a function that
returns ``(payload, text)``; :func:`run` calls it, prints ``text`` (or, with ``--json``,
``{"ok": true, **payload}``) and turns every refusal — a
:class:`~zoufang._errors.ValidationError`, a ``ValueError`` or a ``LookupError`` — into
exit status 1 with ``{"ok": false, "error": ..., "errors": [...], "status": 1}``. Stores
opened with :func:`open_cli_store` are closed when the command ends.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import unicodedata
from collections.abc import Callable
from typing import Any, NoReturn

import click

from zoufang._errors import Problem, ValidationError
from zoufang.campaign.store import Store, open_store

__all__ = [
    "CAMPAIGN_OPTION",
    "DB_OPTION",
    "JSON_OPTION",
    "PHASE_OPTION",
    "TOWNSHIP_OPTION",
    "emit",
    "fail",
    "json_default",
    "open_cli_store",
    "pad",
    "parse_date",
    "parse_datetime",
    "rpad",
    "run",
]

DB_OPTION = click.option("--db", "db_url", default=None, metavar="URL",
                         help="Store URL: sqlite:///file.sqlite or postgresql://… "
                              "(default $ZOUFANG_DB or ./zoufang.sqlite).")
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
TOWNSHIP_OPTION = click.option("--township", default=None,
                               help="Township name (default: the only one).")
CAMPAIGN_OPTION = click.option("--campaign", default=None,
                               help="Campaign name or id (default: the township's newest).")
#: The phase of a route plan or of progress: the one vocabulary of campaign/phases.py.
PHASE_OPTION = click.option(
    "--phase", default="visit", show_default=True,
    type=click.Choice(["visit", "push", "revisit"]),
    help="visit: the whole 走访排查 phase; push: the concentrated push (集中走访) inside it; "
         "revisit: 回访 of issues awaiting the resident's rating.")

Outcome = tuple[dict[str, Any], str]

_OPEN: list[Store] = []


def json_default(o: Any) -> Any:
    """Serialise dates as ISO text and numpy scalars as Python numbers."""
    if isinstance(o, dt.date | dt.datetime):
        return o.isoformat()
    if hasattr(o, "item"):
        return o.item()
    return str(o)


def emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    """Print ``text``, or ``{"ok": true, **payload}`` as JSON."""
    if as_json:
        click.echo(json.dumps({"ok": True, **payload}, ensure_ascii=False, indent=2,
                              default=json_default))
    else:
        click.echo(text)


def fail(as_json: bool, exc: Exception) -> NoReturn:
    """Print the error (``{"ok": false, "error", "errors", "status": 1}`` with --json), exit 1."""
    problems = getattr(exc, "problems", [])
    if as_json:
        click.echo(json.dumps({"ok": False, "error": getattr(exc, "summary", str(exc)),
                               "errors": [p.to_dict() for p in problems], "status": 1},
                              ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(f"error: {exc}", err=True)
    sys.exit(1)


def open_cli_store(db_url: str | None) -> Store:
    """Open (and migrate) the store of ``--db``; :func:`run` closes it at the end."""
    store = open_store(db_url)
    _OPEN.append(store)
    return store


def run(as_json: bool, fn: Callable[[], Outcome]) -> None:
    """Run a command's work ``fn``, print its outcome, exit 1 on any refusal."""
    try:
        payload, text = fn()
    except (ValidationError, ValueError, LookupError) as exc:
        fail(as_json, exc)
    finally:  # close every pooled connection the command opened
        while _OPEN:
            _OPEN.pop().dispose()
    emit(as_json, payload, text)


def _bad_option(name: str, expected: str, value: str) -> ValidationError:
    return ValidationError(f"bad --{name}", [Problem("options", None, name, expected,
                                                     value=value)])


def parse_date(text: str | None, *, option: str = "date") -> dt.date | None:
    """Parse ``YYYY-MM-DD`` (``None`` stays ``None``); a bad value names the option."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise _bad_option(option, "Expected a date YYYY-MM-DD.", text) from None


def parse_datetime(text: str | None, *, option: str = "at") -> dt.datetime | None:
    """Parse ``YYYY-MM-DD[ HH:MM]`` as local time; a bad value names the option."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise _bad_option(option, "Expected a time YYYY-MM-DD HH:MM (local time).",
                          text) from None


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def pad(s: str, width: int) -> str:
    """Pad (or cut) ``s`` to ``width`` terminal columns, CJK characters counting two."""
    out = ""
    for ch in s:
        if _width(out + ch) > width:
            break
        out += ch
    return out + " " * (width - _width(out))


def rpad(s: str, width: int) -> str:
    """Right-align ``s`` in ``width`` terminal columns."""
    return " " * max(0, width - _width(s)) + s
