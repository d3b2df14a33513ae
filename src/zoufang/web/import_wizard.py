"""The web import wizard: preview a file, choose each column's meaning, check, import.

Every step reads the file with the importer's own reading layer
(:func:`zoufang.campaign.imports.tables.read_import_table` and
:func:`~zoufang.campaign.imports.columns.match_columns`), so the web and the CLI never
read a file differently:

1. :func:`preview`: the header row found (or chosen), each column's detected meaning and
   the first rows, with the file-level problems (a required column missing, two columns
   of one meaning) worded for the web (no CLI option named);
2. the planner corrects a meaning (the page sends ``columns`` as key -> header);
3. :func:`validate`: the import run to the point of writing (``dry_run``): every
   problem by row and column, the rejected rows as a CSV (cells neutralised,
   :mod:`zoufang.sheets`);
4. the import itself (:func:`zoufang.web.forms.import_upload` with the same options),
   after which :func:`remember` keeps the meanings chosen for the township and kind of
   file (:class:`~zoufang.campaign.store.ImportMapping`), and the next preview of a
   file of that kind starts from them.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import IO, Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from zoufang._errors import Problem, ValidationError
from zoufang.campaign.imports.columns import (
    CADRE_COLUMNS,
    GRID_COLUMNS,
    TARGET_COLUMNS,
    Column,
    match_columns,
)
from zoufang.campaign.imports.tables import iter_names, read_import_table
from zoufang.campaign.store import ImportMapping
from zoufang.messages import note_text
from zoufang.web.errors import localised
from zoufang.web.i18n import current_lang

__all__ = ["PREVIEW_ROWS", "SPECS", "load_mapping", "meanings", "parse_columns", "preview",
           "remember", "validate"]

#: Rows of the file shown in the preview.
PREVIEW_ROWS: Final = 10

#: The columns each kind of import reads.
SPECS: Final[dict[str, tuple[Column, ...]]] = {
    "targets": TARGET_COLUMNS, "grids": GRID_COLUMNS, "cadres": CADRE_COLUMNS}

#: Chinese names of the column meanings shown in the drop-downs (key -> label).
MEANING_LABELS: Final[dict[str, str]] = {
    "id": "编号", "name": "名称/姓名", "kind": "类型", "address": "地址", "phone": "电话",
    "lon": "经度", "lat": "纬度", "tags": "标签", "grid": "所在网格", "village": "村/社区",
    "township": "乡镇/街道", "village_tags": "村标签", "grid_worker": "网格员",
    "grid_worker_phone": "网格员电话", "rank": "职级", "position": "职务", "unit": "单位",
    "hours_per_day": "每日可用小时", "days_available": "可用天数",
}


def meanings(kind: str) -> list[dict[str, Any]]:
    """Return the meanings a column of ``kind`` may be given: key, label, required."""
    return [{"key": c.key, "label": MEANING_LABELS.get(c.key, c.aliases[0]),
             "required": c.required} for c in _spec(kind)]


def _spec(kind: str) -> tuple[Column, ...]:
    if kind not in SPECS:
        raise ValidationError("unknown import", [Problem(
            "upload", None, "kind", f'kind was "{kind}" but is expected to be in '
            f"{list(SPECS)}")])
    return SPECS[kind]


def parse_columns(text: str | None) -> dict[str, str]:
    """Parse the page's ``columns`` field: a JSON object key -> header ("" dropped).

    Raises
    ------
    ValidationError
        Not a JSON object of texts.
    """
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValidationError("columns: not readable", [Problem(
            "upload", None, "columns", "列的含义无法读取：应为 {含义: 列名}",
            code="bad_columns")])
    return {str(k): v for k, v in data.items() if v}


def load_mapping(session: Session, township_id: int, kind: str
                 ) -> tuple[dict[str, str], int | None]:
    """Return the meanings and header row remembered for the township's ``kind`` files."""
    m = session.scalar(select(ImportMapping).where(ImportMapping.township_id == township_id,
                                                   ImportMapping.kind == kind))
    return (dict(m.columns or {}), m.header_row) if m is not None else ({}, None)


def remember(session: Session, township_id: int, kind: str, columns: dict[str, str],
             header_row: int | None, user: str | None) -> None:
    """Keep the meanings used for the township's files of ``kind`` (one row per kind)."""
    m = session.scalar(select(ImportMapping).where(ImportMapping.township_id == township_id,
                                                   ImportMapping.kind == kind))
    if m is None:
        m = ImportMapping(township_id=township_id, kind=kind)
        session.add(m)
    m.columns = dict(columns)
    m.header_row = header_row
    m.updated_by = user


def preview(kind: str, filename: str, data: bytes | IO[bytes], *,
            columns: dict[str, str] | None = None, header_row: int | None = None,
            remembered: dict[str, str] | None = None, limits: Any = None) -> dict[str, Any]:
    """Read an upload and say how it would be read: header, meanings, first rows.

    ``columns`` are the meanings the planner chose (those naming a header this file
    lacks are dropped and said so); ``remembered`` those kept for the township (used for
    the headers of this file that they name, when nothing is chosen).

    Raises
    ------
    ValidationError
        The file cannot be read (type, limits, no header row).
    """
    from zoufang.web import forms

    spec = _spec(kind)
    name = forms.safe_upload_name(filename)
    if Path(name).suffix.lower() not in forms.IMPORT_SUFFIXES:
        raise ValidationError(f"{name}: file type not accepted", [Problem(
            name, None, None, "文件类型不支持；应为 " + ", ".join(forms.IMPORT_SUFFIXES),
            code="format")])
    lim = limits or forms._app_upload_limits()
    with tempfile.TemporaryDirectory(prefix="zoufang-preview-") as tmp:
        path = Path(tmp) / name
        forms._save_upload(data, path, name, lim.max_bytes)
        chosen = dict(columns or {})
        table = read_import_table(path, names=[*iter_names(spec), *chosen.values(),
                                               *(remembered or {}).values()],
                                  limits=lim.reading(), header_row=header_row)
    dropped = sorted(h for h in chosen.values() if h not in table.columns)
    chosen = {k: h for k, h in chosen.items() if h in table.columns}
    used_remembered = False
    if not chosen and remembered:
        chosen = {k: h for k, h in remembered.items() if h in table.columns}
        used_remembered = bool(chosen)
    provided = frozenset({"lon", "lat"} if table.geometries is not None else set())
    if kind == "targets":
        provided |= {"kind"}  # the page may give one kind for every row
    subnames = getattr(table, "subnames", {})
    hrow = getattr(table, "header_row", None)
    colmap, _unused, problems = match_columns(
        table.columns, spec, table.source, provided=provided, overrides=chosen,
        subnames=subnames, hints="web", header_row=hrow)
    if kind == "cadres" and "position" in colmap:
        problems = [p for p in problems
                    if not p.message.startswith("required column 级别/rank")]
    meaning_of = {h: k for k, h in colmap.items()}
    return {
        "source": table.source, "kind": kind, "header_row": hrow,
        "header_rows": getattr(table, "header_rows", 1),
        "columns": [{"header": h, "meaning": meaning_of.get(h, "")} for h in table.columns],
        "rows": [[r.get(h) for h in table.columns] for r in table.rows[:PREVIEW_ROWS]],
        "row_numbers": table.row_numbers[:PREVIEW_ROWS], "total_rows": len(table.rows),
        "meanings": meanings(kind),
        "notes": [note_text(n, current_lang()) for n in table.notes]
        + ([f"此文件没有所选的列：{'、'.join(dropped)}"]
                                      if dropped else []),
        "problems": [localised(p) for p in problems], "remembered": used_remembered,
        "mapping": colmap,
    }


def validate(store: Any, viewer: Any, township_name: str, kind: str, filename: str,
             data: bytes | IO[bytes], *, columns: dict[str, str], header_row: int | None,
             crs: str | None, default_kind: str | None = None,
             accept_crs: bool = False) -> dict[str, Any]:
    """Check an upload as the import would, writing nothing; rejects as a CSV text.

    Raises
    ------
    ValidationError
        The file is refused as a whole (e.g. a required column missing).
    """
    from zoufang.web import forms

    options: dict[str, Any] = {"columns": columns, "dry_run": True}
    if kind == "targets":
        options["accept_crs"] = accept_crs
    if kind != "grids":
        options["header_row"] = header_row
    if kind == "targets" and default_kind:
        options["kind"] = default_kind
    return forms.import_upload(store, viewer, township_name, kind, filename, data, crs=crs,
                               options=options)
