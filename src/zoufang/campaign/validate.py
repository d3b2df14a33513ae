r"""One check of every text written to the store, derived from the SQLAlchemy models.

SQLite stores whatever it is given; PostgreSQL refuses a NUL byte in any text and a
value longer than a ``String(N)`` column, with a driver error (a 500 on the web). So
that the same input gets the same answer on both stores, every INSERT and UPDATE the
store runs — the ORM's flushes (web and API writers, the visits importer) and the
importer's bulk statements alike — is checked here first, against the columns of the
table it writes:

- no NUL byte (``\\x00``) in any text, nor in the strings inside a JSON column;
- a ``String(N)`` column at most N characters;
- the free texts people type (:data:`USER_TEXT_COLUMNS`: visit notes, issue text,
  result, explanation, reasons) at most :data:`TEXT_MAX` characters.

A value that fails is refused, nothing of the statement's transaction is kept, and the
:class:`~zoufang._errors.ValidationError` names the field (the column), what is wrong
and the record (its 编号 when it has one). :func:`install` hooks the check into an
engine (:func:`zoufang.campaign.store.db.make_engine` does it for every store).

:func:`check_text` and :func:`check_values` are the same rules for a caller that wants
to check a form or a record before it reaches the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Final

from sqlalchemy import JSON, Engine, Insert, String, Table, Text, Update, event

from zoufang._errors import Problem, ValidationError

#: The largest id an integer column holds on every store (PostgreSQL ``integer``).
MAX_DB_INT: Final = 2**31 - 1

__all__ = ["MAX_DB_INT", "TEXT_MAX", "USER_TEXT_COLUMNS", "check_text", "check_values", "install",
           "max_chars"]

#: Longest free text (visit notes, issue text, …) accepted, in characters.
TEXT_MAX: Final = 10_000
#: Unbounded ``Text`` columns that hold what people type, bounded by :data:`TEXT_MAX`.
USER_TEXT_COLUMNS: Final = frozenset({"notes", "note", "text", "result", "explanation",
                                      "reason"})


def max_chars(column: Any) -> int | None:
    """Return the most characters ``column`` accepts (None: unbounded)."""
    typ = column.type
    if isinstance(typ, String) and getattr(typ, "length", None):
        return int(typ.length)
    if isinstance(typ, Text) and column.key in USER_TEXT_COLUMNS:
        return TEXT_MAX
    return None


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


def check_text(field: str, value: Any, limit: int | None, *, source: str = "input",
               row: int | None = None) -> list[Problem]:
    """Return the problems of one value: a NUL byte, more than ``limit`` characters."""
    problems: list[Problem] = []
    if _has_nul(value):
        problems.append(Problem(source, row, field, f"{field} contains a NUL byte (\\x00); "
                                "remove it and send again", code="nul_byte"))
    if isinstance(value, str) and limit is not None and len(value) > limit:
        problems.append(Problem(source, row, field, f"{field} has {len(value)} characters; "
                                f"at most {limit} are accepted", code="too_long",
                                value=value[:40] + "…"))
    return problems


def check_values(table: Table, values: Mapping[str, Any], *, source: str | None = None,
                 row: int | None = None) -> list[Problem]:
    """Return the problems of one record about to be written to ``table``.

    Keys that are no column of ``table`` (bound parameters of a WHERE clause) are left
    alone. ``source`` defaults to the table's name.
    """
    problems: list[Problem] = []
    where = source or table.name
    limits = _column_limits(table)
    for key, value in values.items():
        spec = limits.get(key)
        if spec is None or value is None:
            continue
        limit, is_json = spec
        if type(value) is str:  # the common case, checked without building anything
            if "\x00" in value or (limit is not None and len(value) > limit):
                problems += check_text(key, value, limit, source=where, row=row)
        elif isinstance(value, str):
            problems += check_text(key, value, limit, source=where, row=row)
        elif is_json and _has_nul(value):
            problems += check_text(key, value, None, source=where, row=row)
    return problems


_LIMITS: dict[Table, dict[str, tuple[int | None, bool]]] = {}


def _column_limits(table: Table) -> dict[str, tuple[int | None, bool]]:
    """Per column of ``table``: its :func:`max_chars` and whether it holds JSON (cached)."""
    got = _LIMITS.get(table)
    if got is None:
        got = _LIMITS[table] = {c.key: (max_chars(c), isinstance(c.type, JSON))
                                for c in table.c}
    return got


def _records(multiparams: Any, params: Any) -> Iterable[Mapping[str, Any]]:
    for group in (multiparams or ()):
        if isinstance(group, Mapping):
            yield group
        elif isinstance(group, (list, tuple)):
            yield from (g for g in group if isinstance(g, Mapping))
    if isinstance(params, Mapping) and params:
        yield params


def _statement_values(stmt: Any) -> Mapping[str, Any]:
    """Return the literal values of ``insert(t).values(...)``, ``update(t).values(...)``."""
    out: dict[str, Any] = {}
    for key, val in (getattr(stmt, "_values", None) or {}).items():
        name = getattr(key, "key", key)
        v = getattr(val, "value", None)
        if isinstance(name, str) and v is not None:
            out[name] = v
    return out


def _before_execute(conn: Any, clauseelement: Any, multiparams: Any, params: Any,
                    execution_options: Any) -> None:
    if not isinstance(clauseelement, (Insert, Update)):
        return
    table = clauseelement.table
    if not isinstance(table, Table):
        return
    problems: list[Problem] = []
    for rec in [_statement_values(clauseelement), *_records(multiparams, params)]:
        found = check_values(table, rec)
        if found and rec.get("ext_id"):
            found = [Problem(p.source, p.row, p.field, f"{p.message} (编号 {rec['ext_id']})",
                             code=p.code, value=p.value) for p in found]
        problems += found
        if len(problems) >= 50:
            break
    if problems:
        raise ValidationError("refused, nothing stored: " + problems[0].message, problems)


def install(engine: Engine) -> None:
    """Check every INSERT and UPDATE run on ``engine`` (see the module docstring)."""
    if not event.contains(engine, "before_execute", _before_execute):
        event.listen(engine, "before_execute", _before_execute)


#: Earliest plausible time of a visit or event: a time before it is a typing or clock
#: error (0001-01-01, 1970-01-01 from a phone without its clock set).
EARLIEST: Final = dt.datetime(2000, 1, 1)
_FLAG_TRUE: Final = frozenset({"1", "true", "on", "yes", "y"})
_FLAG_FALSE: Final = frozenset({"0", "false", "off", "no", "n", ""})


def parse_flag(field: str, value: Any, *, source: str = "input") -> bool:
    """Return a yes/no field: a JSON boolean, or a form's ``on``/``1``/``true``/… (or empty).

    Raises
    ------
    ValidationError
        Anything else (a number other than 0/1, a list, ``"maybe"``), naming the field.
    """
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _FLAG_TRUE | _FLAG_FALSE:
        return value.strip().lower() in _FLAG_TRUE
    raise ValidationError(f"{field} must be true or false", [Problem(
        source, None, field, f"{field} must be true or false (a form: on or empty), "
        f"not {value!r:.40}", code="not_boolean")])


def parse_version(value: Any, *, source: str = "input") -> int | None:
    """Return the ``version`` a client read (None when it sent none).

    Raises
    ------
    ValidationError
        Not a non-negative integer (``"abc"``, ``-1``, ``1.5``, ``true``).
    """
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and int(value) < 2**31:
        return int(value)
    raise ValidationError("version must be a non-negative integer", [Problem(
        source, None, "version", "version must be the non-negative integer the issue "
        f"showed when it was read, not {value!r:.40}", code="bad_version")])
