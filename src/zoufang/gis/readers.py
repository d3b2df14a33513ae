"""Read the files planners already have into rows of text, keeping where each row came from.

Tables: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 — Excel on Chinese Windows writes GBK —
detected from the bytes) and Excel .xlsx. Vector files: GeoJSON, Shapefile (its .cpg and
.prj are honoured), GeoPackage, read with pyogrio. Every cell comes back as text (or
``None`` when empty) so that validation, not the reader, decides what a value means, and
every row keeps the row number the user sees in their own program.

Every reader takes :class:`ReadLimits` (``None``, the default: no limit), so that a file
from an untrusted upload is refused as soon as it passes one — rows counted while
streaming, a zip's expanded size and compression ratio read from its directory before
anything is decompressed — with :class:`LimitExceeded` naming the file, the row and the
limit. CSV files are streamed line by line: memory holds the rows kept, never the text of
the whole file.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import math
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from zoufang._errors import Problem, ValidationError

__all__ = ["LimitExceeded", "RawTable", "ReadLimits", "TABLE_SUFFIXES", "VECTOR_SUFFIXES",
           "open_sheet", "read_any", "read_table", "read_vector", "decode_csv", "decode_text"]

T = TypeVar("T")

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


class LimitExceeded(ValidationError):
    """A file passed one of its :class:`ReadLimits`; it was refused and reading stopped.

    ``limit`` names the limit (``rows``, ``columns``, ``field``, ``expanded``, ``ratio``,
    ``members`` or ``time``) and ``allowed`` its value, so that a caller can say what to
    do (e.g. import a bigger file with the CLI); ``problems`` locates it in the file.
    """

    def __init__(self, summary: str, problems: list[Problem], *, limit: str,
                 allowed: float) -> None:
        super().__init__(summary, problems)
        self.limit = limit
        self.allowed = allowed


#: Members of a zip smaller than this (bytes, uncompressed) are not held to the ratio:
#: small XML parts of any .xlsx compress far better than their data.
ZIP_RATIO_FLOOR_BYTES = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    """Bounds a reader holds a file to; ``None`` leaves that bound open.

    Attributes
    ----------
    max_rows
        Data rows (CSV records after the header and Excel rows, blank ones not counted;
        features of a vector file). Reading stops at the first row beyond.
    max_columns
        Columns of the header (fields of a vector layer).
    max_field_chars
        Characters in one cell. A CSV line longer than the header's columns could hold
        is refused before it is split, so one huge field is never read whole.
    max_expanded_bytes
        Zip-based files (.xlsx/.xlsm, zipped Shapefiles): the sum of the uncompressed
        sizes the zip directory declares (bytes), checked before anything is expanded.
    max_zip_ratio
        Zip-based files: the highest uncompressed / compressed size of one member (of
        at least :data:`ZIP_RATIO_FLOOR_BYTES`); a zip bomb has hundreds.
    max_zip_members
        Zip-based files: entries in the zip directory (read from its end record before
        the directory itself is parsed).
    deadline
        A :func:`time.monotonic` instant after which reading stops (see :meth:`within`).
    budget_s
        The seconds the deadline was set from (for messages).
    """

    max_rows: int | None = None
    max_columns: int | None = None
    max_field_chars: int | None = None
    max_expanded_bytes: int | None = None
    max_zip_ratio: float | None = None
    max_zip_members: int | None = None
    deadline: float | None = None
    budget_s: float | None = None

    @classmethod
    def within(cls, seconds: float | None, **limits: Any) -> ReadLimits:
        """Return limits whose deadline is ``seconds`` from now (``None``: no deadline)."""
        if seconds is None:
            return cls(**limits)
        return cls(deadline=time.monotonic() + float(seconds), budget_s=float(seconds),
                   **limits)

    @property
    def unlimited(self) -> bool:
        """Whether no bound is set at all."""
        return all(v is None for v in (self.max_rows, self.max_columns,
                                       self.max_field_chars, self.max_expanded_bytes,
                                       self.max_zip_ratio, self.max_zip_members,
                                       self.deadline))

    def check_time(self, source: str, row: int | None = None) -> None:
        """Raise :class:`LimitExceeded` when the deadline has passed.

        Raises
        ------
        LimitExceeded
            With ``limit="time"``.
        """
        if self.deadline is not None and time.monotonic() > self.deadline:
            allowed = f"{self.budget_s:g} s" if self.budget_s is not None else "the time"
            raise LimitExceeded(
                f"{source}: reading took longer than {allowed} allowed; refused",
                [Problem(source, row, None, f"the file was not read within {allowed} "
                         "allowed" + (f" (stopped at row {row})" if row is not None else ""),
                         code="too_slow", params={"allowed": f"{self.budget_s:g}"}
                         if self.budget_s is not None else None)], limit="time",
                allowed=math.nan if self.budget_s is None else self.budget_s)

    def check_rows(self, source: str, count: int, row: int | None) -> None:
        """Raise :class:`LimitExceeded` when ``count`` data rows are more than allowed.

        Raises
        ------
        LimitExceeded
            With ``limit="rows"``.
        """
        if self.max_rows is not None and count > self.max_rows:
            raise LimitExceeded(
                f"{source}: more than {self.max_rows} rows; refused",
                [Problem(source, row, None, f"the file has more than {self.max_rows} data "
                         f"rows, the limit (stopped at row {row})" if row is not None else
                         f"the file has {count} features; at most {self.max_rows} allowed",
                         code="too_many_rows", value=str(count),
                         params={"max": self.max_rows})],
                limit="rows", allowed=self.max_rows)

    def check_columns(self, source: str, count: int) -> None:
        """Raise :class:`LimitExceeded` when the header has more columns than allowed.

        Raises
        ------
        LimitExceeded
            With ``limit="columns"``.
        """
        if self.max_columns is not None and count > self.max_columns:
            raise LimitExceeded(
                f"{source}: {count} columns, more than {self.max_columns}; refused",
                [Problem(source, 1, None, f"the header has {count} columns; at most "
                         f"{self.max_columns} allowed", code="too_many_columns",
                         value=str(count), params={"max": self.max_columns})],
                limit="columns", allowed=self.max_columns)

    def check_cells(self, source: str, row: int, headers: list[str],
                    cells: Sequence[object]) -> None:
        """Raise :class:`LimitExceeded` when a cell of ``row`` is longer than allowed.

        Raises
        ------
        LimitExceeded
            With ``limit="field"``, naming the row and the column.
        """
        if self.max_field_chars is None:
            return
        for i, c in enumerate(cells):
            if isinstance(c, str) and len(c) > self.max_field_chars:
                column = headers[i] if i < len(headers) else f"(column {i + 1})"
                raise _field_too_long(source, row, column, len(c), self.max_field_chars)


def _field_too_long(source: str, row: int, column: str | None, length: int | None,
                    allowed: int) -> LimitExceeded:
    got = f" (got {length} characters)" if length is not None else ""
    return LimitExceeded(
        f"{source}: row {row} has a cell longer than {allowed} characters; refused",
        [Problem(source, row, column, f"cell longer than {allowed} characters, the "
                 f"limit{got}; expected short text in every cell", code="field_too_long",
                 params={"allowed": allowed, "length": length})],
        limit="field", allowed=allowed)


def check_zip(path: str | Path, limits: ReadLimits) -> None:
    """Check a zip-based file against ``limits`` from its directory, expanding nothing.

    A file that is not a zip passes (its reader then says what it is not).

    Raises
    ------
    LimitExceeded
        Too many members, too much expanded data, or a member compressed suspiciously
        well (a zip bomb).
    """
    path = Path(path)
    source = path.name
    if limits.max_zip_members is not None:
        members = _zip_member_count(path)
        if members is not None and members > limits.max_zip_members:
            raise LimitExceeded(
                f"{source}: the zip holds {members} files, more than "
                f"{limits.max_zip_members}; refused",
                [Problem(source, None, None, f"{members} files in the zip; at most "
                         f"{limits.max_zip_members} allowed", code="zip_members",
                         value=str(members), params={"max": limits.max_zip_members})],
                limit="members", allowed=limits.max_zip_members)
    if limits.max_expanded_bytes is None and limits.max_zip_ratio is None:
        return
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    total = sum(i.file_size for i in infos)
    if limits.max_expanded_bytes is not None and total > limits.max_expanded_bytes:
        raise LimitExceeded(
            f"{source}: expands to {total} bytes, more than {limits.max_expanded_bytes}; "
            "refused", [Problem(source, None, None, f"the zip's files add up to {total} "
                        f"bytes uncompressed; at most {limits.max_expanded_bytes} allowed",
                        code="zip_expanded", value=str(total),
                        params={"max": limits.max_expanded_bytes})],
            limit="expanded", allowed=limits.max_expanded_bytes)
    if limits.max_zip_ratio is None:
        return
    for info in infos:
        if info.file_size < ZIP_RATIO_FLOOR_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_zip_ratio:
            raise LimitExceeded(
                f"{source}: {info.filename} is compressed {ratio:.0f} to 1, a zip bomb's "
                "ratio; refused",
                [Problem(source, None, info.filename, f"compressed {ratio:.0f} to 1 "
                         f"({info.compress_size} bytes expand to {info.file_size}); at "
                         f"most {limits.max_zip_ratio:g} to 1 allowed", code="zip_ratio",
                         value=f"{ratio:.0f}", params={"max": f"{limits.max_zip_ratio:g}"})],
                limit="ratio", allowed=limits.max_zip_ratio)


def _zip_member_count(path: Path) -> int | None:
    """Entries the zip's end-of-central-directory record declares (None: not a zip).

    65535 means "at least that many" (a Zip64 file).
    """
    with path.open("rb") as f:
        f.seek(0, io.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - (22 + 65535)))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    return int.from_bytes(tail[at + 10:at + 12], "little")


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
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return _guess_text(data, source)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return _guess_text(data, source)
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
    return _guess_text(data, source)


def _guess_text(data: bytes, source: str) -> tuple[str, str]:
    """Decode with charset-normalizer's best guess, else refuse the file."""
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
                                    code="duplicate_header",
                                    params={"first": seen[h], "second": i}))
        seen.setdefault(h, i)
        out.append(h)
    if problems:
        raise ValidationError(f"{source}: duplicate column headers", problems)
    return out


def read_table(path: str | Path, *, sheet: str | int | None = None,
               limits: ReadLimits | None = None) -> RawTable:
    """Read a CSV or Excel file into a :class:`RawTable`.

    Parameters
    ----------
    path
        A ``.csv``/``.txt``/``.tsv`` or ``.xlsx`` file.
    sheet
        Excel only: sheet name or 0-based index; default the first sheet.
    limits
        Bounds on the file (default none); see :class:`ReadLimits`.

    Raises
    ------
    ValidationError
        The file is missing, not readable, or has malformed rows (every one listed).
    LimitExceeded
        The file passed one of ``limits`` (reading stopped there).
    """
    path = Path(path)
    source = path.name
    if not path.exists():
        raise ValidationError(f"{path}: file not found",
                              [Problem(source, None, None, "file not found", code="missing")])
    lim = limits or ReadLimits()
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, lim)
    if suffix == ".xls":
        raise ValidationError(f"{source}: old Excel .xls files are not read; save as .xlsx "
                              "or CSV", [Problem(source, None, None, "expected .xlsx or .csv",
                                                 code="format")])
    return _read_csv(path, lim)


#: Characters of a CSV file the dialect (delimiter, quoting) is guessed from.
_SNIFF_CHARS = 8192
#: Rows read between two looks at the clock.
_CLOCK_EVERY = 512


def decode_csv(path: Path, parse: Callable[[IO[str]], T]) -> tuple[T, str]:
    """Parse a CSV file with ``parse`` in the first encoding that decodes it.

    UTF-8 (BOM or not) or UTF-16 by BOM, else UTF-8, then GB18030.

    A decoding error anywhere restarts the read in the next encoding; when none decodes
    the file, charset-normalizer guesses from the whole text (:func:`decode_text`).
    Returns what ``parse`` made of the text and the encoding it was read in (``gbk``
    when every character is in GBK, the usual case of GB18030).
    """
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            with path.open("r", encoding=encoding, errors="strict", newline="") as stream:
                parsed = parse(stream)
        except UnicodeError:
            continue
        if encoding == "gb18030":
            encoding = "gbk" if _decodes_as(path, "gbk") else "gb18030"
        return parsed, encoding
    text, encoding = decode_text(path.read_bytes(), path.name)
    return parse(io.StringIO(text, newline="")), encoding


def _read_csv(path: Path, lim: ReadLimits) -> RawTable:
    """Stream a CSV file in the encoding :func:`decode_csv` finds."""
    table, encoding = decode_csv(
        path, lambda stream: _parse_csv(stream, path.name, lim))
    table.encoding = encoding
    return table


def _decodes_as(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes strictly as ``encoding`` (read in chunks)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


class _LineTooLong(Exception):
    """A physical line of a CSV file is longer than its cap."""


class _Lines:
    """The physical lines of a text stream, each at most ``cap`` characters (None: any)."""

    def __init__(self, stream: IO[str], cap: int | None) -> None:
        self.stream = stream
        self.cap = cap

    def __iter__(self) -> Iterator[str]:
        while True:
            cap = self.cap
            line = self.stream.readline() if cap is None else self.stream.readline(cap + 1)
            if not line:
                return
            if cap is not None and len(line) > cap:
                raise _LineTooLong
            yield line


def _parse_csv(stream: IO[str], source: str, lim: ReadLimits) -> RawTable:
    sample = stream.read(_SNIFF_CHARS)
    stream.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    del sample
    field_cap = lim.max_field_chars
    # Until the header is read, a line may hold as many cells as the columns allowed.
    lines = _Lines(stream, None if field_cap is None else
                   (lim.max_columns or 1000) * (field_cap + 3) + 2)
    reader = csv.reader(lines, dialect)
    line_no = 1
    try:
        first = next(reader, None)
    except _LineTooLong:
        assert field_cap is not None
        raise _field_too_long(source, 1, None, None, field_cap) from None
    except csv.Error as exc:
        raise _csv_refused(source, 1, exc) from None
    if first is None:
        raise ValidationError(f"{source}: the file is empty; expected a header row",
                              [Problem(source, None, None, "empty file", code="empty")])
    lim.check_columns(source, len(first))
    lim.check_cells(source, 1, [], first)
    headers = _dedupe_headers(first, source)
    if field_cap is not None:  # a longer line holds a longer cell (or too many cells)
        lines.cap = len(headers) * (field_cap + 3) + 2
    rows: list[dict[str, str | None]] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    kept = 0
    try:
        for line_no, raw in enumerate(reader, start=2):
            if line_no % _CLOCK_EVERY == 0:
                lim.check_time(source, line_no)
            if not any(c.strip() for c in raw):
                continue
            kept += 1
            lim.check_rows(source, kept, line_no)
            lim.check_cells(source, line_no, headers, raw)
            if len(raw) > len(headers) and any(c.strip() for c in raw[len(headers):]):
                problems.append(Problem(source, line_no, None,
                                        f"row has {len(raw)} cells but the header has "
                                        f"{len(headers)}", code="extra_cells",
                                        params={"cells": len(raw), "width": len(headers)}))
                continue
            rows.append({h: _cell(raw[i]) if i < len(raw) else None
                         for i, h in enumerate(headers)})
            numbers.append(line_no)
    except _LineTooLong:
        assert field_cap is not None
        raise _field_too_long(source, line_no + 1, None, None, field_cap) from None
    except csv.Error as exc:
        raise _csv_refused(source, line_no + 1, exc) from None
    if problems:
        raise ValidationError(f"{source}: malformed rows", problems)
    return RawTable(source, headers, rows, numbers)


def _csv_refused(source: str, row: int, exc: csv.Error) -> ValidationError:
    """Refuse a row the csv module gave up on (e.g. a field over its own size limit)."""
    why = str(exc)
    if "field larger than field limit" in why:
        return _field_too_long(source, row, None, None, csv.field_size_limit())
    return ValidationError(f"{source}: row {row} is not valid CSV ({why})",
                           [Problem(source, row, None, f"not valid CSV: {why}",
                                    code="malformed")])


@contextlib.contextmanager
def open_sheet(path: Path, sheet: str | int | None, lim: ReadLimits) -> Iterator[Any]:
    """Open a workbook's sheet (the first, or ``sheet`` by name or 0-based index) to read.

    The zip's directory is held to ``lim`` before anything is expanded; the workbook is
    closed when the ``with`` block ends.

    Raises
    ------
    ValidationError
        Not a readable .xlsx file, or no such sheet (naming the sheets there are).
    """
    from openpyxl import load_workbook

    source = path.name
    check_zip(path, lim)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types
        raise ValidationError(f"{source}: not a readable .xlsx file ({exc})",
                              [Problem(source, None, None, "not a readable .xlsx file",
                                       code="format")]) from None
    try:
        try:
            if sheet is None:
                ws = wb.worksheets[0]
            elif isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit()):
                ws = wb.worksheets[int(sheet)]
            else:
                ws = wb[sheet]
        except (KeyError, IndexError):
            raise ValidationError(
                f"{source}: no sheet {sheet!r}; sheets are {wb.sheetnames}",
                [Problem(source, None, None, f"no sheet {sheet!r}", code="sheet")]) from None
        yield ws
    finally:
        wb.close()


def _read_xlsx(path: Path, sheet: str | int | None, lim: ReadLimits) -> RawTable:
    with open_sheet(path, sheet, lim) as ws:
        return _read_sheet(ws, path.name, lim)


def _read_sheet(ws: Any, source: str, lim: ReadLimits) -> RawTable:
    header_row = next(ws.iter_rows(max_row=1, values_only=True), None)
    if header_row is None:
        raise ValidationError(f"{source}: the sheet is empty; expected a header row",
                              [Problem(source, None, None, "empty sheet", code="empty")])
    lim.check_columns(source, len(header_row))
    header_cells = [_cell(h) or "" for h in header_row]
    lim.check_cells(source, 1, [], header_cells)
    headers = _dedupe_headers(header_cells, source)
    rows: list[dict[str, str | None]] = []
    numbers: list[int] = []
    kept = 0
    # Rows are as wide as the header row (the sheet's declared width), checked above.
    for row_no, raw in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if row_no % _CLOCK_EVERY == 0:
            lim.check_time(source, row_no)
        cells = [_cell(v) for v in raw]
        if not any(cells):
            continue
        kept += 1
        lim.check_rows(source, kept, row_no)
        lim.check_cells(source, row_no, headers, cells)
        rows.append({h: cells[i] if i < len(cells) else None for i, h in enumerate(headers)})
        numbers.append(row_no)
    return RawTable(source, headers, rows, numbers, encoding="xlsx")


def read_vector(path: str | Path, *, layer: str | int | None = None,
                limits: ReadLimits | None = None) -> RawTable:
    """Read GeoJSON, Shapefile or GeoPackage features into a :class:`RawTable`.

    Attributes become text cells; geometries are kept as shapely objects in the file's
    own CRS (``RawTable.crs``; GeoJSON without one is WGS-84 by its specification).
    With ``limits``, a zipped file's directory and the layer's feature and field counts
    are checked before any feature is read.

    Raises
    ------
    ValidationError
        The file is missing or not a readable vector file.
    LimitExceeded
        The file passed one of ``limits``.
    """
    import pyogrio

    path = Path(path)
    source = path.name
    if not path.exists():
        raise ValidationError(f"{path}: file not found",
                              [Problem(source, None, None, "file not found", code="missing")])
    lim = limits or ReadLimits()
    if path.suffix.lower() == ".zip":
        check_zip(path, lim)
    max_features = None
    try:
        meta = pyogrio.read_info(path, layer=layer)
        if not lim.unlimited:
            lim.check_columns(source, len(meta.get("fields", ())))
            if int(meta.get("features", -1)) >= 0:
                lim.check_rows(source, int(meta["features"]), None)
            if lim.max_rows is not None:
                max_features = lim.max_rows + 1
        gdf = pyogrio.read_dataframe(path, layer=layer, max_features=max_features)
    except LimitExceeded:
        raise
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise ValidationError(
            f"{source}: cannot read as a vector file (GeoJSON, Shapefile, GeoPackage): {exc}",
            [Problem(source, None, None, "not a readable vector file", code="format")],
        ) from None
    lim.check_rows(source, len(gdf), None)
    lim.check_time(source)
    crs = None if gdf.crs is None else gdf.crs.to_string()
    if crs is None and path.suffix.lower() in (".geojson", ".json"):
        crs = "EPSG:4326"
    columns = [c for c in gdf.columns if c != "geometry"]
    headers = _dedupe_headers(list(columns), source)
    rows = [{h: _cell(v) for h, v in zip(headers, rec, strict=True)}
            for rec in gdf[columns].itertuples(index=False, name=None)]
    if lim.max_field_chars is not None:
        for number, row in enumerate(rows, start=1):
            lim.check_cells(source, number, headers, list(row.values()))
    return RawTable(
        source, headers, rows, list(range(1, len(rows) + 1)),
        geometries=list(gdf.geometry.array), crs=crs,
        encoding=meta.get("encoding"),
    )


def read_any(path: str | Path, *, sheet: str | int | None = None,
             limits: ReadLimits | None = None) -> RawTable:
    """Read a table or vector file, choosing by suffix (``limits``: see :class:`ReadLimits`).

    Raises
    ------
    ValidationError
        The file type is unknown, or the reader refused the file.
    LimitExceeded
        The file passed one of ``limits``.
    """
    suffix = Path(path).suffix.lower()
    if suffix in VECTOR_SUFFIXES:
        return read_vector(path, limits=limits)
    if suffix in TABLE_SUFFIXES or suffix == ".xls":
        return read_table(path, sheet=sheet, limits=limits)
    source = Path(path).name
    raise ValidationError(
        f"{source}: unknown file type {suffix!r}; expected one of "
        f"{', '.join(TABLE_SUFFIXES + VECTOR_SUFFIXES)}",
        [Problem(source, None, None, f"unknown file type {suffix!r}", code="format")],
    )
