"""Read the files planners already have into rows of text, keeping where each row came from.

Tables: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 — Excel on Chinese Windows writes GBK —
detected from the bytes) and Excel .xlsx. Vector files: GeoJSON, Shapefile (its .cpg and
.prj are honoured), GeoPackage, read with pyogrio. Every cell comes back as text (or
``None`` when empty) so that validation, not the reader, decides what a value means, and
every row keeps the row number the user sees in their own program.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoufang._errors import Problem, ValidationError

__all__ = ["RawTable", "TABLE_SUFFIXES", "VECTOR_SUFFIXES", "read_any", "read_table",
           "read_vector", "decode_text"]

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
VECTOR_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".zip")


@dataclass
class RawTable:
    """Rows of one input file, every value as stripped text or ``None``.

    Attributes
    ----------
    source
        The file's name as shown in messages.
    columns
        Headers as written in the file, in order.
    rows
        One dict per data row, header -> text or None.
    row_numbers
        For each row, the number the user sees (CSV line number with the header as 1;
        Excel sheet row; 1-based feature number for vector files).
    geometries
        For vector files, one shapely geometry (or None) per row, in ``crs``.
    crs
        The CRS the file declares (vector files), as a pyproj-understood string, or None.
    encoding
        The text encoding detected (CSV) or declared (Shapefile .cpg).
    """

    source: str
    columns: list[str]
    rows: list[dict[str, str | None]]
    row_numbers: list[int]
    geometries: list[Any] | None = None
    crs: str | None = None
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def _cell(v: Any) -> str | None:
    """Turn a cell of any type into stripped text; empty -> None; 1001.0 -> '1001'."""
    if v is None:
        return None
    if isinstance(v, float):
        if v != v:  # NaN
            return None
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    s = str(v).strip()
    return s or None


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Decode bytes of a text file; return ``(text, encoding)``.

    Tries UTF-8 (with or without BOM) strictly, then GB18030 (a superset of GBK and
    GB2312) strictly, then charset-normalizer's best guess.

    Raises
    ------
    ValidationError
        When no encoding decodes the file.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        # Report GBK when every character is in GBK (the usual Excel case).
        try:
            data.decode("gbk")
            return text, "gbk"
        except UnicodeDecodeError:
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ValidationError(
            f"{source}: cannot decode the file as text; expected UTF-8 or GBK/GB18030",
            [Problem(source, None, None, "not decodable as UTF-8, GBK or GB18030",
                     code="encoding")],
        )
    return str(best), str(best.encoding)


def _dedupe_headers(headers: list[str], source: str) -> list[str]:
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    out: list[str] = []
    for i, h in enumerate(headers, start=1):
        h = (h or "").strip().lstrip("\ufeff")
        if not h:
            h = f"(column {i})"
        if h in seen:
            problems.append(Problem(source, 1, h, f"header {h!r} appears twice (columns "
                                    f"{seen[h]} and {i}); expected unique headers",
                                    code="duplicate_header"))
        seen.setdefault(h, i)
        out.append(h)
    if problems:
        raise ValidationError(f"{source}: duplicate column headers", problems)
    return out


def read_table(path: str | Path, *, sheet: str | int | None = None) -> RawTable:
    """Read a CSV or Excel file into a :class:`RawTable`.

    Parameters
    ----------
    path
        A ``.csv``/``.txt``/``.tsv`` or ``.xlsx`` file.
    sheet
        Excel only: sheet name or 0-based index; default the first sheet.
    """
    path = Path(path)
    source = path.name
    if not path.exists():
        raise ValidationError(f"{path}: file not found",
                              [Problem(source, None, None, "file not found", code="missing")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix == ".xls":
        raise ValidationError(f"{source}: old Excel .xls files are not read; save as .xlsx "
                              "or CSV", [Problem(source, None, None, "expected .xlsx or .csv",
                                                 code="format")])
    data = path.read_bytes()
    text, encoding = decode_text(data, source)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    all_rows = list(reader)
    if not all_rows:
        raise ValidationError(f"{source}: the file is empty; expected a header row",
                              [Problem(source, None, None, "empty file", code="empty")])
    headers = _dedupe_headers(all_rows[0], source)
    rows: list[dict[str, str | None]] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    for line_no, raw in enumerate(all_rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) > len(headers) and any(c.strip() for c in raw[len(headers):]):
            problems.append(Problem(source, line_no, None,
                                    f"row has {len(raw)} cells but the header has "
                                    f"{len(headers)}", code="extra_cells"))
            continue
        rows.append({h: _cell(raw[i]) if i < len(raw) else None
                     for i, h in enumerate(headers)})
        numbers.append(line_no)
    if problems:
        raise ValidationError(f"{source}: malformed rows", problems)
    return RawTable(source, headers, rows, numbers, encoding=encoding)


def _read_xlsx(path: Path, sheet: str | int | None) -> RawTable:
    from openpyxl import load_workbook

    source = path.name
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types
        raise ValidationError(f"{source}: not a readable .xlsx file ({exc})",
                              [Problem(source, None, None, "not a readable .xlsx file",
                                       code="format")]) from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit()):
            ws = wb.worksheets[int(sheet)]
        else:
            ws = wb[sheet]
    except (KeyError, IndexError):
        raise ValidationError(f"{source}: no sheet {sheet!r}; sheets are {wb.sheetnames}",
                              [Problem(source, None, None, f"no sheet {sheet!r}",
                                       code="sheet")]) from None
    it = ws.iter_rows(values_only=True)
    header_row = next(it, None)
    if header_row is None:
        wb.close()
        raise ValidationError(f"{source}: the sheet is empty; expected a header row",
                              [Problem(source, None, None, "empty sheet", code="empty")])
    headers = _dedupe_headers([_cell(h) or "" for h in header_row], source)
    rows: list[dict[str, str | None]] = []
    numbers: list[int] = []
    for row_no, raw in enumerate(it, start=2):
        cells = [_cell(v) for v in raw]
        if not any(cells):
            continue
        rows.append({h: cells[i] if i < len(cells) else None for i, h in enumerate(headers)})
        numbers.append(row_no)
    wb.close()
    return RawTable(source, headers, rows, numbers, encoding="xlsx")


def read_vector(path: str | Path, *, layer: str | int | None = None) -> RawTable:
    """Read GeoJSON, Shapefile or GeoPackage features into a :class:`RawTable`.

    Attributes become text cells; geometries are kept as shapely objects in the file's
    own CRS (``RawTable.crs``; GeoJSON without one is WGS-84 by its specification).
    """
    import pyogrio

    path = Path(path)
    source = path.name
    if not path.exists():
        raise ValidationError(f"{path}: file not found",
                              [Problem(source, None, None, "file not found", code="missing")])
    try:
        meta = pyogrio.read_info(path, layer=layer)
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise ValidationError(
            f"{source}: cannot read as a vector file (GeoJSON, Shapefile, GeoPackage): {exc}",
            [Problem(source, None, None, "not a readable vector file", code="format")],
        ) from None
    crs = None if gdf.crs is None else gdf.crs.to_string()
    if crs is None and path.suffix.lower() in (".geojson", ".json"):
        crs = "EPSG:4326"
    columns = [c for c in gdf.columns if c != "geometry"]
    headers = _dedupe_headers(list(columns), source)
    rows = [{h: _cell(v) for h, v in zip(headers, rec, strict=True)}
            for rec in gdf[columns].itertuples(index=False, name=None)]
    return RawTable(
        source, headers, rows, list(range(1, len(rows) + 1)),
        geometries=list(gdf.geometry.array), crs=crs,
        encoding=meta.get("encoding"),
    )


def read_any(path: str | Path, *, sheet: str | int | None = None) -> RawTable:
    """Read a table or vector file, choosing by suffix."""
    suffix = Path(path).suffix.lower()
    if suffix in VECTOR_SUFFIXES:
        return read_vector(path)
    if suffix in TABLE_SUFFIXES or suffix == ".xls":
        return read_table(path, sheet=sheet)
    source = Path(path).name
    raise ValidationError(
        f"{source}: unknown file type {suffix!r}; expected one of "
        f"{', '.join(TABLE_SUFFIXES + VECTOR_SUFFIXES)}",
        [Problem(source, None, None, f"unknown file type {suffix!r}", code="format")],
    )
