"""Reading a table as offices keep it: the one reading layer of every import (CLI and web).

A workbook (花名册, 干部名单) an office sends rarely starts with its header: row 1 is a
merged title ("XX街道2026年…花名册"), row 2 says who filled it in, the header spans two
rows (``坐标（高德）`` over ``经度`` / ``纬度``), blank rows sit between blocks and the sheet
ends with "填表人：… 审核人：…". :func:`read_import_table` reads such a file into the
:class:`~zoufang.gis.readers.RawTable` the importers validate:

- the header row is the row among the first :data:`HEADER_SEARCH_ROWS` that names the
  most known headers (the import's column names, and the headers given with
  ``--columns``), or the row given as ``header_row`` (the number the user sees);
- a second header row under it (cells under the empty continuation of a merged cell) is
  joined to it, one name per column: ``坐标（高德）/经度`` (:attr:`ImportTable.subnames`
  keeps ``经度`` for matching); a super-header above the found row is joined likewise;
- rows above the header, blank rows and a signature footer (填表人/审核人/制表人 …) are
  skipped and said so in the table's notes;
- cells come back as the text the writer sees (:func:`zoufang.sheets.cell_text`: ids
  and phones stored as Excel numbers keep their digits and the zeros of a ``000000``
  number format);
- a CSV row with fewer or more fields than its header is a cut or broken file: refused,
  naming the row.

Vector files (GeoJSON, Shapefile, GeoPackage) have their own header and are read by
:func:`zoufang.gis.readers.read_vector`.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from zoufang._errors import Problem, ValidationError
from zoufang.gis import readers as _r
from zoufang.gis.readers import RawTable, ReadLimits
from zoufang.sheets import cell_text

__all__ = ["FOOTER_WORDS", "HEADER_SEARCH_ROWS", "ImportTable", "iter_names", "norm_header",
           "parse_coordinate", "read_import_table"]

#: Rows (non-blank) at the top of a sheet searched for the header row.
HEADER_SEARCH_ROWS: Final = 30

#: Words a signature footer row starts with (followed by ：or a space).
FOOTER_WORDS: Final = ("填表人", "填报人", "制表人", "审核人", "审批人", "统计人", "负责人",
                       "单位负责人", "经办人", "填表日期", "填报日期", "制表日期", "报送日期",
                       "注", "说明", "备注", "签字", "签名", "盖章")

_BRACKETS: Final = re.compile(r"[（(\[【].*?[)）\]】]")
_FOOTER: Final = re.compile(r"^(?:" + "|".join(FOOTER_WORDS) + r")\s*[：:]")
_NUMBERISH: Final = re.compile(r"^[\s+\-]?[\d.,，:：°′″'\"度分秒EeNSWn ]+$")


def norm_header(header: str) -> str:
    """Normalise a header for matching: no brackets, spaces, ``_`` or ``-``; lower case."""
    h = _BRACKETS.sub("", header)
    return re.sub(r"[\s_\-]+", "", h).lower()


@dataclass
class ImportTable(RawTable):
    """A :class:`RawTable` read by :func:`read_import_table`, with where its header was.

    Attributes
    ----------
    header_row
        The number of the (first) header row as the user sees it (None: vector file).
    header_rows
        1, or 2 for a two-row header.
    subnames
        For each joined header (``坐标（高德）/经度``) the name of its lower part (``经度``).
    """

    header_row: int | None = None
    header_rows: int = 1
    subnames: dict[str, str] = field(default_factory=dict)


Grid = list[tuple[int, list[str | None]]]


def read_import_table(path: str | Path, *, names: Iterable[str] = (),
                      sheet: str | int | None = None, limits: ReadLimits | None = None,
                      header_row: int | None = None) -> RawTable:
    """Read a file to import (see the module docstring).

    Parameters
    ----------
    names
        Header names the import knows (matched after :func:`norm_header`): the row
        naming most of them is the header.
    header_row
        The header's row number as the user sees it (Excel row; CSV line), instead of
        finding it.

    Raises
    ------
    ValidationError
        The file is missing, unreadable, has no header row to be found, or a CSV row
        has more or fewer fields than its header (every such row listed).
    LimitExceeded
        The file passed one of ``limits``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _r.VECTOR_SUFFIXES:
        return _r.read_vector(path, limits=limits)
    if suffix not in _r.TABLE_SUFFIXES:  # .xls and unknown types: the reader's refusals
        return _r.read_any(path, sheet=sheet, limits=limits)
    source = path.name
    if not path.exists():
        raise ValidationError(f"{path}: file not found",
                              [Problem(source, None, None, "file not found", code="missing")])
    lim = limits or ReadLimits()
    if suffix in (".xlsx", ".xlsm"):
        grid, encoding, csv_widths = _xlsx_grid(path, sheet, lim), "xlsx", None
    else:
        grid, encoding, csv_widths = _csv_grid(path, lim)
    return _table(grid, source, encoding, {norm_header(n) for n in names}, header_row,
                  csv_widths, lim)


# ----------------------------------------------------------------------------- grids

def _xlsx_grid(path: Path, sheet: str | int | None, lim: ReadLimits) -> Grid:
    """Every non-blank row of the sheet as text cells, with its Excel row number."""
    source = path.name
    with _r.open_sheet(path, sheet, lim) as ws:
        grid: Grid = []
        kept = 0
        formats: dict[Any, str | None] = {}
        for row_no, row in enumerate(ws.iter_rows(), start=1):
            if row_no % _r._CLOCK_EVERY == 0:
                lim.check_time(source, row_no)
            cells = [_xlsx_cell(c, formats) for c in row]
            while cells and cells[-1] is None:
                cells.pop()
            if not cells:
                continue
            kept = _check_row(lim, source, grid, kept, row_no, cells)
            grid.append((row_no, cells))
        return grid


def _xlsx_cell(c: Any, formats: dict[Any, str | None]) -> str | None:
    """Return a cell's text; a whole number's format is looked up once per cell style."""
    v = getattr(c, "value", None)
    if v is None:
        return None
    if type(v) is str:
        return v.strip() or None
    if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer():
        key = getattr(c, "_style_id", None)
        if key is None:
            return cell_text(v, getattr(c, "number_format", None))
        if key not in formats:
            formats[key] = getattr(c, "number_format", None)
        return cell_text(v, formats[key])
    return cell_text(v)


def _check_row(lim: ReadLimits, source: str, grid: Grid, kept: int, row_no: int,
               cells: list[Any]) -> int:
    """Hold one more non-blank row to the read limits; return the rows kept with it."""
    if not grid:
        lim.check_columns(source, len(cells))
    lim.check_rows(source, kept, row_no)
    lim.check_cells(source, row_no, [], cells)
    return kept + 1


def _csv_grid(path: Path, lim: ReadLimits) -> tuple[Grid, str, dict[int, int]]:
    """Every non-blank CSV record as text cells, its number and its field count."""
    (grid, widths), encoding = _r.decode_csv(
        path, lambda stream: _parse_csv(stream, path.name, lim))
    return grid, encoding, widths


def _parse_csv(stream: Any, source: str, lim: ReadLimits) -> tuple[Grid, dict[int, int]]:
    sample = stream.read(_r._SNIFF_CHARS)
    stream.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    field_cap = lim.max_field_chars
    lines = _r._Lines(stream, None if field_cap is None else
                      (lim.max_columns or 1000) * (field_cap + 3) + 2)
    reader = csv.reader(lines, dialect)
    grid: Grid = []
    widths: dict[int, int] = {}
    kept = 0
    line_no = 0
    try:
        for line_no, raw in enumerate(reader, start=1):
            if line_no % _r._CLOCK_EVERY == 0:
                lim.check_time(source, line_no)
            cells = [c.strip() or None for c in raw]
            while cells and cells[-1] is None:
                cells.pop()
            if not cells:  # a blank row
                continue
            kept = _check_row(lim, source, grid, kept, line_no, raw)
            widths[line_no] = len(raw)
            grid.append((line_no, cells))
    except _r._LineTooLong:
        assert field_cap is not None
        raise _r._field_too_long(source, line_no + 1, None, None, field_cap) from None
    except csv.Error as exc:
        raise _r._csv_refused(source, line_no + 1, exc) from None
    if not grid:
        raise ValidationError(f"{source}: the file is empty; expected a header row",
                              [Problem(source, None, None, "empty file", code="empty")])
    return grid, widths


# ----------------------------------------------------------------------------- header

def _is_text(c: str | None) -> bool:
    return c is not None and not _NUMBERISH.match(c)


def _score(cells: list[str | None], names: set[str]) -> int:
    return sum(1 for c in cells if c is not None and norm_header(c) in names)


_FOOTER_FIRST: Final = frozenset(w[0] for w in FOOTER_WORDS)


def _is_footer(cells: list[str | None]) -> bool:
    first = next((c for c in cells if c is not None), None)
    if first is None or first[0] not in _FOOTER_FIRST or not _FOOTER.match(first):
        return False
    return sum(1 for c in cells if c is not None) <= 6


def _is_subheader(top: list[str | None], sub: list[str | None], names: set[str]) -> bool:
    """Whether ``sub`` is the lower row of a two-row header whose upper row is ``top``."""
    filled = [j for j, c in enumerate(sub) if c is not None]
    if not filled or not all(_is_text(sub[j]) for j in filled):
        return False
    if sum(1 for c in top if c is not None) < 2 or any(
            c is not None and ("：" in c or ":" in c) for c in top):
        return False  # a title or a "填报单位：…" filler row, not a header
    under_span = any(j >= len(top) or top[j] is None for j in filled)
    vertical = any(j >= len(sub) or sub[j] is None for j, c in enumerate(top) if c is not None)
    return under_span and (vertical or _score(sub, names) >= 1)


def _join(top: list[str | None], sub: list[str | None]) -> tuple[list[str | None],
                                                                 dict[str, str]]:
    """One name per column of a two-row header; return the names and joined -> lower."""
    width = max(len(top), len(sub))
    top = top + [None] * (width - len(top))
    sub = sub + [None] * (width - len(sub))
    out: list[str | None] = []
    subnames: dict[str, str] = {}
    parent: str | None = None
    for j in range(width):
        t, s = top[j], sub[j]
        if t is not None:
            parent = t if s is not None else None
        elif s is None:
            parent = None
        if s is None:
            out.append(t)
        elif parent is not None:
            name = f"{parent}/{s}"
            out.append(name)
            subnames[name] = s
        else:
            out.append(s)
    return out, subnames


def _find_header(grid: Grid, names: set[str], source: str) -> int:
    """Index in ``grid`` of the header row: the one naming most known headers."""
    best, best_score = None, 0
    for i, (_, cells) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        s = _score(cells, names)
        if s > best_score:
            best, best_score = i, s
    if best is not None and (best_score >= 2 or len(names) <= 1):
        return best
    # No row names two known headers: the first row of text as wide as the widest row.
    widest = max(sum(1 for c in cells if c is not None)
                 for _, cells in grid[:HEADER_SEARCH_ROWS])
    for i, (_, cells) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        filled = [c for c in cells if c is not None]
        if len(filled) >= max(2, (widest + 1) // 2) and all(_is_text(c) for c in filled):
            return i
    if best is not None:
        return best
    rows = ", ".join(str(n) for n, _ in grid[:5])
    raise ValidationError(
        f"{source}: no header row found in the first {HEADER_SEARCH_ROWS} rows",
        [Problem(source, None, None, "no header row found: no row names the columns "
                 f"(e.g. 编号, 姓名, 经度); the first rows are {rows}. Say which row holds "
                 "the headers (--header-row N)", code="no_header")])


def _table(grid: Grid, source: str, encoding: str, names: set[str], header_row: int | None,
           csv_widths: dict[int, int] | None, lim: ReadLimits) -> ImportTable:
    notes: list[str] = []
    if header_row is not None:
        at = [i for i, (n, _) in enumerate(grid) if n == header_row]
        if not at:
            raise ValidationError(
                f"{source}: row {header_row} is blank or beyond the file's end",
                [Problem(source, header_row, None, f"the header row {header_row} given is "
                         "blank or beyond the end of the file; give the number of the row "
                         "holding the column names", code="no_header",
                         params={"variant": "given"})])
        h = at[0]
    else:
        h = _find_header(grid, names, source)
    first = h
    header = list(grid[h][1])
    subnames: dict[str, str] = {}
    rows_used = 1
    nxt = h + 1
    if (nxt < len(grid) and grid[nxt][0] == grid[h][0] + 1
            and _is_subheader(header, grid[nxt][1], names)):
        header, subnames = _join(header, grid[nxt][1])
        rows_used, nxt = 2, nxt + 1
    elif (header_row is None and h > 0 and grid[h - 1][0] == grid[h][0] - 1
          and _is_subheader(grid[h - 1][1], header, names)):
        header, subnames = _join(grid[h - 1][1], header)
        rows_used, first = 2, h - 1
    header_no = grid[first][0]
    if first > 0:
        notes.append(f"rows {grid[0][0]}–{header_no - 1} above the header not read"
                     if first > 1 else f"row {grid[0][0]} above the header not read")
    cells_by_name = [c or "" for c in header]
    lim.check_columns(source, len(cells_by_name))
    headers = _r._dedupe_headers(cells_by_name, source)
    subnames = {headers[j]: subnames[c] for j, c in enumerate(header)
                if c is not None and c in subnames}
    width = len(headers)
    rows: list[dict[str, str | None]] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    footer: list[int] = []
    for number, cells in grid[nxt:]:
        if footer or _is_footer(cells):
            if not footer or _is_footer(cells) or sum(1 for c in cells if c is not None) <= 2:
                footer.append(number)
                continue
            footer = []  # data again after a footer-like row: it was not the footer
        if csv_widths is not None and (csv_widths[number] < width or len(cells) > width):
            problems.append(Problem(
                source, number, None, f"row has {csv_widths[number]} fields but the header "
                f"(row {header_no}) has {width}: the file is cut or broken here; expected "
                "one field per column (empty ones between separators)",
                code="field_count", value=",".join(c or "" for c in cells)[:80],
                params={"cells": csv_widths[number], "width": width,
                        "header_row": header_no}))
            continue
        if len(cells) > width and any(c is not None for c in cells[width:]):
            problems.append(Problem(source, number, None, f"row has {len(cells)} cells but "
                                    f"the header has {width}", code="extra_cells",
                                    params={"cells": len(cells), "width": width}))
            continue
        rows.append({hd: cells[i] if i < len(cells) else None for i, hd in enumerate(headers)})
        numbers.append(number)
    if footer:
        notes.append(f"signature footer (row {footer[0]}"
                     + (f"–{footer[-1]}" if len(footer) > 1 else "") + ") not read")
    if problems:
        raise ValidationError(f"{source}: malformed rows; refused, nothing imported",
                              problems)
    return ImportTable(source, headers, rows, numbers, encoding=encoding, notes=notes,
                       header_row=header_no, header_rows=rows_used, subnames=subnames)


def iter_names(specs: Iterable[Any]) -> Iterator[str]:
    """Every alias of every column of ``specs`` (columns with ``aliases``)."""
    for col in specs:
        yield from col.aliases


_DMS: Final = re.compile(
    r"^(?P<pre>[NSEW]|东经|北纬|西经|南纬)?\s*(?P<d>\d+(?:\.\d+)?)\s*[°度˚º]\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:[′'’‘分]|(?=\d|\s*$)))?\s*"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:″|\"|”|“|''|′′|秒)?)?\s*"
    r"(?P<post>[NSEW])?$", re.I)


_FULL_WIDTH_DIGITS: Final = str.maketrans("０１２３４５６７８９．", "0123456789.")


def parse_coordinate(text: str | None) -> float | None:
    """Parse a coordinate cell: decimal degrees, or degrees-minutes-seconds.

    ``117.12``, ``117°07′12.3″``, ``117°7'12.3"``, ``117度07分12.3秒``, ``E117°07′12.3″``
    and ``39°54.5′N`` are all read; W and S (西经/南纬) are negative. Returns None for an
    empty cell.

    Raises
    ------
    ValueError
        The text is neither a decimal number nor degrees-minutes-seconds.
    """
    from zoufang.gis.points import parse_number

    if text is None:
        return None
    try:  # the common cell, a plain decimal number
        v = float(text)
    except ValueError:
        pass
    else:
        if math.isfinite(v):
            return v
    s = text.strip().translate(_FULL_WIDTH_DIGITS)
    if not s:
        return None
    try:
        return parse_number(s)
    except ValueError:
        pass
    m = _DMS.match(s)
    if m is None:
        raise ValueError(f"not a coordinate: {text!r}")
    minutes = float(m["m"] or 0)
    seconds = float(m["s"] or 0)
    if minutes >= 60 or seconds >= 60:
        raise ValueError(f"minutes and seconds must be below 60: {text!r}")
    v = float(m["d"]) + minutes / 60 + seconds / 3600
    hemi = (m["pre"] or m["post"] or "").upper()
    return -v if hemi in ("W", "S", "西经", "南纬") else v

