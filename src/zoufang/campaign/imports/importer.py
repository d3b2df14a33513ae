"""Importing targets (走访对象), grids (网格) and cadres (走访人员) into the store.

An import is one transaction. Every row is validated first and every problem gathered;
a file with any invalid row is refused whole (:class:`ImportRefused`, naming file, row,
field and reason) and nothing is written — or, with ``skip_invalid``, the valid rows are
imported and the rejected ones written with their reasons to a rejects file. Rows are
keyed by their id (编号) within the township, so re-importing a file changes nothing and
importing an updated file updates rows in place, never duplicating them. Rows already
stored but absent from the file are kept (they may carry visits) and counted.

After targets or grids change, every target of the township is placed in its grid again
(:mod:`zoufang.campaign.imports.placement`), and grids are checked for overlaps, gaps and invalid
polygons. A targets file whose points fit the grids far better after a GCJ-02 or BD-09
conversion than as declared is refused: it was almost surely imported with the wrong CRS.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from zoufang import vocab
from zoufang._errors import Problem, ValidationError
from zoufang.campaign.imports.columns import (
    CADRE_COLUMNS,
    GRID_COLUMNS,
    TARGET_COLUMNS,
    Column,
    header_crs,
    match_columns,
    parse_columns_option,
)
from zoufang.campaign.imports.tables import iter_names, parse_coordinate, read_import_table
from zoufang.campaign.store import (
    Cadre,
    DataProblem,
    Grid,
    ImportRun,
    Store,
    Target,
    Township,
    Village,
)
from zoufang.gis.crs import normalise_crs
from zoufang.gis.points import check_points, parse_number
from zoufang.gis.readers import RawTable, ReadLimits
from zoufang.messages import problem_text
from zoufang.privacy import mask_phone
from zoufang.sheets import csv_row

__all__ = ["ImportRefused", "ImportReport", "import_cadres", "import_file", "import_grids",
           "import_targets"]

KINDS_OF_IMPORT = ("targets", "grids", "cadres")
#: Points a dry run of targets keeps for the map of where they fall (``sample_points``).
SAMPLE_POINTS: Final = 500


class ImportRefused(ValidationError):
    """The file was refused whole; nothing was written. ``problems`` lists every reason."""


@dataclass
class ImportReport:
    """What an import did."""

    kind: str
    source: str
    township: str
    encoding: str | None
    crs: str
    rows: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    not_in_file: int = 0
    rejects_file: str | None = None
    problems: list[Problem] = field(default_factory=list)
    placement: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    header_row: int | None = None
    #: A dry run of targets: the first valid rows' points, ``[编号, lon, lat]`` (WGS-84),
    #: for a map of where they fall against the grids.
    sample_points: list[list[Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (problems as dicts)."""
        d = dict(self.__dict__)
        d["problems"] = [p.to_dict() for p in self.problems]
        return d


# --------------------------------------------------------------------------- helpers

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _phone(text: str | None) -> tuple[str | None, str | None]:
    """Normalise a phone cell; return (value, problem message or None)."""
    if text is None:
        return None, None
    s = text.strip().replace(" ", "").replace("－", "-")
    if _SHORTENED.match(s):
        return s, _SHORTENED_MSG
    if s.endswith(".0") and s[:-2].isdigit():  # a number exported with its float's ".0"
        s = s[:-2]
    if s.startswith("+86"):
        s = s[3:]
    digits = s.replace("-", "")
    if digits.isdigit() and len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return digits, None
    if digits.isdigit() and digits.startswith("0") and 10 <= len(digits) <= 12:
        return s, None
    if digits.isdigit() and 7 <= len(digits) <= 8:  # local landline without area code
        return s, None
    return s, ("not a phone number; expected an 11-digit mobile (1[3-9]xxxxxxxxx) or a "
               "landline with area code (0xxx-xxxxxxx)")


#: A number a spreadsheet shortened to scientific notation (1.38123E+10): digits lost.
_SHORTENED: Final = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
_SHORTENED_MSG: Final = (
    "the number was shortened to scientific notation by a spreadsheet and its digits "
    "are lost; format the column as text (文本) in Excel, type the digits again (or import "
    "the .xlsx itself) and save")


@dataclass
class _Rows:
    """Validated rows of one file: good ones (typed dicts) and problems by row."""

    good: list[dict[str, Any]] = field(default_factory=list)
    good_rows: list[int] = field(default_factory=list)
    errors: dict[int, list[Problem]] = field(default_factory=dict)  # by row number
    warnings: list[Problem] = field(default_factory=list)
    #: How written values were read (e.g. ("低保户", "困难户")), counted.
    read_as: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: Tags not in the vocabulary, kept as free tags: tag -> rows.
    free_tags: dict[str, list[int]] = field(default_factory=dict)

    def error(self, p: Problem) -> None:
        assert p.row is not None
        self.errors.setdefault(p.row, []).append(p)

    def all_problems(self) -> list[Problem]:
        """Return every problem: the errors by row number, then the warnings."""
        return [*(p for n in sorted(self.errors) for p in self.errors[n]), *self.warnings]


def _checked_phone(text: str | None, src: str, number: int, header: str | None,
                   rows: _Rows) -> str | None:
    """Normalise a phone cell; keep a doubtful one with a warning, refuse a shortened one."""
    phone, msg = _phone(text)
    if msg == _SHORTENED_MSG:
        rows.error(Problem(src, number, header, msg, code="shortened_number",
                           value=mask_phone(text)))
    elif msg:
        rows.warnings.append(Problem(src, number, header, msg + "; kept as given",
                                     severity="warning", code="bad_phone",
                                     value=mask_phone(text)))
    return phone


def _settle(report: ImportReport, table: RawTable, rows: _Rows,
            file_problems: list[Problem], path: Path, *, skip_invalid: bool, dry_run: bool,
            rejects_path: str | Path | None, colmap: dict[str, str], hints: str) -> None:
    """Refuse the file or keep its rejects (see :func:`_refuse_or_reject`) into ``report``.

    A dry run refuses nothing for bad rows: every problem goes into ``report.problems``.
    """
    report.rejects_file, report.rejected = _refuse_or_reject(
        table, rows, file_problems, path, skip_invalid=skip_invalid or dry_run,
        rejects_path=Path(rejects_path) if rejects_path else None, colmap=colmap,
        hints=hints)
    if dry_run:
        report.problems = rows.all_problems()


def _refuse_or_reject(
    table: RawTable, rows: _Rows, file_problems: list[Problem], path: Path, *,
    skip_invalid: bool, rejects_path: Path | None, colmap: dict[str, str], hints: str,
) -> tuple[str | None, int]:
    """Raise when anything is invalid (unless skip_invalid); else write the rejects file.

    ``hints`` as in :func:`import_targets`: only the CLI's message names its option.
    """
    if file_problems:
        raise ImportRefused(f"{table.source}: refused, nothing imported", file_problems)
    if not rows.errors:
        return None, 0
    all_errors = [p for row in sorted(rows.errors) for p in rows.errors[row]]
    if not skip_invalid:
        raise ImportRefused(
            f"{table.source}: {len(rows.errors)} of {len(table.rows)} rows invalid; refused, "
            + ("nothing imported (fix them, or use --skip-invalid to import the valid rows "
               "and write the rejected ones to a file)" if hints == "cli" else
               "nothing imported (fix them, or choose to import only the valid rows)"),
            all_errors)
    out = rejects_path or path.with_name(f"{path.stem}.rejected.csv")
    by_number = dict(zip(table.row_numbers, table.rows, strict=True))
    lang = "zh" if hints == "web" else "en"  # the web's planner reads the catalogue's text
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(csv_row(["行号/row", *table.columns, "原因/reason"]))
        for row in sorted(rows.errors):
            reasons = "; ".join(
                (f"{p.field}: " if p.field else "") + problem_text(p.to_dict(), lang)
                for p in rows.errors[row])
            raw = by_number.get(row, {})
            w.writerow(csv_row([row, *[raw.get(c) or "" for c in table.columns], reasons]))
    return str(out), len(rows.errors)


def _duplicate_ids(table: RawTable, colmap: dict[str, str], rows: _Rows) -> None:
    header = colmap["id"]
    first: dict[str, int] = {}
    for number, raw in zip(table.row_numbers, table.rows, strict=True):
        key = raw.get(header)
        if key is None:
            continue
        if _SHORTENED.match(key):
            rows.error(Problem(table.source, number, header, "id: " + _SHORTENED_MSG,
                               code="shortened_number", value=key))
        if key in first:
            rows.error(Problem(table.source, number, header,
                               f"id {key!r} already used on row {first[key]}; ids must be "
                               "unique in a file", code="duplicate_id", value=key,
                               params={"first": first[key]}))
        else:
            first[key] = number


def _resolve_township(session: Session, name: str | None, source: str) -> Township:
    if name:
        t = session.scalar(select(Township).where(Township.name == name))
        if t is None:
            t = Township(name=name)
            session.add(t)
            session.flush()
        return t
    existing = session.scalars(select(Township).order_by(Township.id)).all()
    if len(existing) == 1:
        return existing[0]
    if not existing:
        t = Township(name="默认乡镇")
        session.add(t)
        session.flush()
        return t
    raise ImportRefused(
        f"{source}: the store holds several townships ({', '.join(t.name for t in existing)});"
        " say which one with --township",
        [Problem(source, None, None, "township not given", code="township")])


def _text_fields(table: RawTable, colmap: dict[str, str], raw: dict[str, str | None],
                 keys: tuple[str, ...]) -> dict[str, str | None]:
    return {k: (raw.get(colmap[k]) if k in colmap else None) for k in keys}


def _extra(raw: dict[str, str | None], unused: list[str]) -> dict[str, Any]:
    return {h: raw[h] for h in unused if raw.get(h) is not None}


def _points_from_table(table: RawTable, colmap: dict[str, str], rows: _Rows,
                       crs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Parse lon/lat cells (or point geometries) of every row; record problems by row."""
    n = len(table.rows)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    unparsed: set[int] = set()
    if table.geometries is not None and "lon" not in colmap:
        for i, (number, geom) in enumerate(zip(table.row_numbers, table.geometries,
                                               strict=True)):
            if geom is None or geom.is_empty:
                continue
            if geom.geom_type != "Point":
                rows.error(Problem(table.source, number, "geometry",
                                   f"expected a Point geometry, got {geom.geom_type}",
                                   code="geometry_type",
                                   params={"expected": "点（Point）", "got": geom.geom_type}))
                continue
            x[i], y[i] = geom.x, geom.y
    else:
        for key, arr in (("lon", x), ("lat", y)):
            if key not in colmap:
                continue
            header = colmap[key]
            for i, (number, raw) in enumerate(zip(table.row_numbers, table.rows,
                                                  strict=True)):
                try:
                    v = parse_coordinate(raw.get(header))
                except ValueError:
                    rows.error(Problem(table.source, number, header,
                                       "expected a number in decimal degrees (e.g. 116.397) "
                                       "or degrees-minutes-seconds (e.g. 117°07′12.3″)",
                                       code="not_a_number", value=raw.get(header)))
                    unparsed.add(i)
                    continue
                if v is not None:
                    arr[i] = v
    # Rows whose cells did not parse are already invalid; do not report them twice.
    lon, lat, issues = check_points(x, y, crs)
    for issue in issues:
        if issue.index in unparsed:  # "half a point" only because a cell did not parse
            continue
        number = table.row_numbers[issue.index]
        header = (colmap.get("lon", "geometry") + "/" + colmap.get("lat", "geometry")
                  if issue.field == "lonlat" else colmap.get(issue.field, "geometry"))
        rows.error(Problem(table.source, number, header, issue.message, code=issue.code,
                           value=f"{x[issue.index]}, {y[issue.index]}",
                           params={"variant": "lonlat"} if issue.code == "out_of_range"
                           else None))
    return lon, lat


def _upsert(session: Session, model: type, township_id: int, records: list[dict[str, Any]],
            compare: tuple[str, ...], source: Path) -> tuple[int, int, int, int]:
    """Insert new rows and update changed ones, keyed by (township_id, ext_id).

    Returns (inserted, updated, unchanged, missing): ``missing`` counts stored rows that
    an earlier import of a file with the same name brought in but this file lacks (kept).
    """
    table = model.__table__
    runs = ImportRun.__table__
    cols = [table.c.id, table.c.ext_id, runs.c.source, *[table.c[c] for c in compare]]
    existing = {r.ext_id: r for r in session.execute(
        select(*cols).outerjoin(runs, runs.c.id == table.c.import_run_id)
        .where(table.c.township_id == township_id))}
    inserts, updates, unchanged = [], [], 0
    for rec in records:
        old = existing.get(rec["ext_id"])
        if old is None:
            inserts.append({**rec, "township_id": township_id})
            continue
        if all(_same(getattr(old, c), rec.get(c)) for c in compare):
            unchanged += 1
        else:
            updates.append({**rec, "_id": old.id})
    if inserts:
        session.execute(insert(table), inserts)
    if updates:
        values = {c: bindparam(c) for c in updates[0] if c != "_id"}
        stmt = update(table).where(table.c.id == bindparam("_id")).values(**values)
        if "version" in table.c:
            stmt = stmt.values(version=table.c.version + 1)
        session.execute(stmt, updates)
    seen = {rec["ext_id"] for rec in records}
    not_in_file = sum(1 for k, r in existing.items()
                      if k not in seen and r.source and Path(r.source).name == source.name)
    return len(inserts), len(updates), unchanged, not_in_file


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return abs(float(a) - float(b)) <= 1e-9
    if isinstance(a, shapely.Geometry) or isinstance(b, shapely.Geometry):
        return a is not None and b is not None and bool(shapely.equals_exact(a, b, 1e-12))
    return bool(a == b)


def _record_run(session: Session, township: Township, model: type, path: Path,
                table: RawTable, crs: str, report: ImportReport, ext_ids: list[str]) -> None:
    """Record the import run and mark the rows it brought in or confirmed."""
    run = ImportRun(township_id=township.id, kind=report.kind, source=str(path),
                    sha256=_sha256(path), encoding=table.encoding, crs=crs,
                    rows=len(table.rows), inserted=report.inserted, updated=report.updated,
                    unchanged=report.unchanged, rejected=report.rejected)
    session.add(run)
    session.flush()
    # In chunks: one IN list of a whole file passes SQLite's 32,766 and PostgreSQL's
    # 65,535 bound parameters ("too many SQL variables") on big imports.
    for i in range(0, len(ext_ids), _IN_CHUNK):
        session.execute(update(model).where(model.township_id == township.id,
                                            model.ext_id.in_(ext_ids[i:i + _IN_CHUNK]))
                        .values(import_run_id=run.id)
                        .execution_options(synchronize_session=False))


#: Values per ``IN (…)`` list of :func:`_record_run`, well under every backend's limit.
_IN_CHUNK = 10_000


def _store_row_warnings(session: Session, township_id: int, scope: str, source: str,
                        warnings: list[Problem]) -> None:
    session.execute(delete(DataProblem).where(DataProblem.township_id == township_id,
                                              DataProblem.scope == scope,
                                              DataProblem.source == source))
    if warnings:
        session.execute(insert(DataProblem), [
            dict(township_id=township_id, scope=scope, severity=p.severity, code=p.code,
                 source=p.source, row=p.row, field=p.field, ref=None,
                 message=p.message + (f" (got {p.value!r})" if p.value is not None else ""))
            for p in warnings])


@dataclass
class _Opened:
    """A file read and its headers matched: what every import starts from."""

    table: RawTable
    colmap: dict[str, str]
    unused: list[str]
    problems: list[Problem]
    crs: Any
    notes: list[str]


def _open(path: Path, spec: tuple[Column, ...], *, crs: Any, sheet: str | int | None,
          limits: ReadLimits | None, header_row: int | None,
          columns: dict[str, str] | str | None, hints: str,
          provided: frozenset[str] = frozenset()) -> _Opened:
    """Read ``path`` through the shared reading layer and match its headers to ``spec``.

    The CRS is ``crs``, else the file's own (vector files), else the one its coordinate
    headers declare (``坐标（高德）`` → GCJ-02), else WGS-84.
    """
    overrides = parse_columns_option(columns) if isinstance(columns, str) else dict(columns or {})
    table = read_import_table(path, names=[*iter_names(spec), *overrides.values()],
                              sheet=sheet, limits=limits, header_row=header_row)
    subnames = getattr(table, "subnames", {})
    hrow = getattr(table, "header_row", None)
    if table.geometries is not None:
        provided = provided | {"lon", "lat"}
    colmap, unused, problems = match_columns(
        table.columns, spec, table.source, provided=provided, overrides=overrides,
        subnames=subnames, hints=hints, header_row=hrow)
    notes = list(table.notes)
    if hrow is not None and (hrow != 1 or getattr(table, "header_rows", 1) != 1):
        rows = getattr(table, "header_rows", 1)
        notes.insert(0, f"header read from row {hrow}" + (f"–{hrow + 1}" if rows > 1 else ""))
    if crs is None and table.crs is not None:
        crs = table.crs
    declared = {k: header_crs(colmap[k]) for k in ("lon", "lat") if k in colmap}
    found = {v for v in declared.values() if v}
    if table.geometries is None and len(found) > 1:
        problems.append(Problem(
            table.source, hrow, f"{colmap['lon']}/{colmap['lat']}",
            f"the coordinate headers declare different systems ({', '.join(sorted(found))});"
            " expected one CRS for both" + (" (or give --crs)" if hints == "cli" else ""),
            code="crs_conflict", params={"systems": "、".join(sorted(found))}))
    elif table.geometries is None and found:
        (hint,) = found
        if crs is None:
            crs = hint
            notes.append(f"CRS {hint} read from the header "
                         f"{colmap.get('lon') or colmap.get('lat')}")
        elif _crs_label(crs) != _crs_label(hint):
            notes.append(f"CRS {_crs_label(crs)} as given, although the header "
                         f"{colmap.get('lon') or colmap.get('lat')} says {hint}")
    return _Opened(table, colmap, unused, problems, crs, notes)


def _rows_text(numbers: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    more = f" and {len(numbers) - limit} more" if len(numbers) > limit else ""
    return ("row " if len(numbers) == 1 else "rows ") + shown + more


def _rows_text_zh(numbers: list[int], limit: int = 5) -> str:
    more = f"等 {len(numbers)} 行" if len(numbers) > limit else ""
    return "第 " + "、".join(str(n) for n in numbers[:limit]) + " 行" + more


def _counted(pairs: Counter[tuple[str, str]]) -> str:
    return ", ".join(f"{a} → {b}" + (f" ({n} rows)" if n > 1 else "")
                     for (a, b), n in pairs.most_common())


def _crs_label(crs: Any) -> str:
    kind = normalise_crs(crs)
    return kind if isinstance(kind, str) else (kind.to_string())


# --------------------------------------------------------------------------- targets

def _validate_targets(table: RawTable, colmap: dict[str, str], unused: list[str],
                      crs: Any, default_kind: str | None) -> _Rows:
    rows = _Rows()
    src = table.source
    _duplicate_ids(table, colmap, rows)
    lon, lat = _points_from_table(table, colmap, rows, crs)
    keys = ("id", "name", "kind", "address", "phone", "tags", "grid")
    for i, (number, raw) in enumerate(zip(table.row_numbers, table.rows, strict=True)):
        v = _text_fields(table, colmap, raw, keys)
        if v["id"] is None:
            rows.error(Problem(src, number, colmap["id"], "id is empty; every row needs one",
                               code="missing_id"))
        kind_text = v["kind"] or default_kind
        kind = None
        if kind_text is None:
            rows.error(Problem(src, number, colmap.get("kind", "类型/kind"),
                               "kind is empty; expected e.g. 居民家庭/household or 企业/"
                               "enterprise (or give --kind for the whole file)",
                               code="missing_kind"))
        else:
            try:
                kind = vocab.parse_kind(kind_text)
            except ValueError as exc:
                rows.error(Problem(src, number, colmap.get("kind", "--kind"), str(exc),
                                   code="bad_kind", value=kind_text,
                                   params={"accepted": "、".join(
                                       n[0] for n in vocab.KINDS.values())}))
        phone = _checked_phone(v["phone"], src, number, colmap.get("phone"), rows)
        tags, unknown, synonyms = vocab.read_tags(v["tags"], allowed=vocab.TARGET_TAGS)
        for written, code in synonyms:
            rows.read_as[(written, vocab.TARGET_TAGS[code][0])] += 1
        for free in unknown:  # kept as free tags, reported once per file
            rows.free_tags.setdefault(free, []).append(number)
            if free not in tags:
                tags.append(free)
        if number in rows.errors:
            continue
        if not np.isfinite(lon[i]) and v["grid"] is None:
            rows.warnings.append(Problem(
                src, number, colmap.get("lon", "geometry"),
                "no coordinates and no grid: the target cannot be placed until one is given",
                severity="warning", code="no_point"))
        rows.good.append(dict(
            ext_id=v["id"], name=v["name"], kind=kind, address=v["address"], phone=phone,
            lon=float(lon[i]) if np.isfinite(lon[i]) else None,
            lat=float(lat[i]) if np.isfinite(lat[i]) else None,
            tags=tags, declared_grid=v["grid"], extra=_extra(raw, unused)))
        rows.good_rows.append(number)
    return rows


def import_targets(store: Store, path: str | Path, *, crs: Any = None,
                   township: str | None = None, skip_invalid: bool = False,
                   rejects_path: str | Path | None = None, kind: str | None = None,
                   sheet: str | int | None = None, snap_tolerance_m: float = 50.0,
                   accept_crs: bool = False, limits: ReadLimits | None = None,
                   columns: dict[str, str] | str | None = None, header_row: int | None = None,
                   hints: str = "cli", dry_run: bool = False) -> ImportReport:
    """Import a targets file (households, enterprises, …) into ``store``.

    Parameters
    ----------
    crs
        CRS of the coordinates: ``wgs84`` (default), ``cgcs2000``, ``gcj02``, ``bd09`` or
        an EPSG code. Vector files default to their own declared CRS.
    township
        Township name; default the only one in the store (created if none).
    skip_invalid
        Import valid rows and write rejected rows with reasons to ``rejects_path``
        (default ``<file>.rejected.csv``) instead of refusing the file.
    kind
        Kind for rows without a 类型 column/value (e.g. ``household``).
    snap_tolerance_m
        Targets outside every grid but within this many metres are snapped to it.
    accept_crs
        Keep the declared CRS even when the points fit the grids far better in another.
    limits
        Bounds on the file (rows, cell length, a zip's expanded size, a time to read
        and check it before writing; see :class:`zoufang.gis.readers.ReadLimits`);
        default none, as for the CLI.
    columns
        The meaning of columns the names do not give: key -> header, or the CLI's text
        ``id=户编码,tags=人员类别`` (see :func:`~.columns.match_columns`).
    header_row
        The header's row number as the user sees it, instead of finding it
        (:mod:`~.tables`).
    hints
        ``"cli"`` or ``"web"``: whether messages name CLI options or the web's choices.
    dry_run
        Check the file and stop before writing: the report lists every problem (errors
        and warnings) and writes the rejected rows to ``rejects_path``; nothing is stored.

    Raises
    ------
    ImportRefused
        With every problem found, when the file is refused (nothing is written).
    LimitExceeded
        The file passed one of ``limits`` (nothing is written).
    """
    from zoufang.campaign.imports.placement import check_datum, place_targets

    path = Path(path)
    default_kind = None
    if kind is not None:
        default_kind = vocab.parse_kind(kind)
    opened = _open(path, TARGET_COLUMNS, crs=crs, sheet=sheet, limits=limits,
                   header_row=header_row, columns=columns, hints=hints)
    table, colmap, unused, file_problems = (opened.table, opened.colmap, opened.unused,
                                            opened.problems)
    crs = opened.crs
    crs_label = _crs_label(crs)
    if "kind" not in colmap and default_kind is None:
        file_problems.append(Problem(
            table.source, getattr(table, "header_row", 1), None,
            "no 类型/kind column; add one or give --kind household" if hints == "cli" else
            "no 类型/kind column; add one or choose the kind of every row (全部为同一类型)",
            code="missing_column", params={"variant": "kind"}))
    if not file_problems and table.geometries is None and not ({"lon", "lat"} & set(colmap)):
        file_problems.append(Problem(
            table.source, 1, None, "no 经度/lon and 纬度/lat columns: targets need coordinates "
            f"to be placed in grids; the file has {', '.join(table.columns)}",
            code="missing_column", params={"variant": "lonlat"}))
    rows = _Rows() if file_problems else _validate_targets(table, colmap, unused,
                                                           crs, default_kind)
    report = ImportReport("targets", table.source, "", table.encoding, crs_label,
                          len(table.rows), notes=opened.notes, columns=dict(colmap),
                          header_row=getattr(table, "header_row", None))
    if rows.read_as:
        report.notes.append(f"{colmap['tags']} read as: {_counted(rows.read_as)}")
    if rows.free_tags:
        listed = "; ".join(f"{t} ({_rows_text(n)})" for t, n in rows.free_tags.items())
        rows.warnings.append(Problem(
            table.source, None, colmap.get("tags"), "tags not in the vocabulary, kept as "
            f"free tags (shown and filterable, not used by the must-go rules): {listed}",
            severity="warning", code="free_tags",
            params={"listed": "；".join(f"{t}（{_rows_text_zh(n)}）"
                                        for t, n in rows.free_tags.items())}))
    _settle(report, table, rows, file_problems, path, skip_invalid=skip_invalid,
            dry_run=dry_run, rejects_path=rejects_path, colmap=colmap, hints=hints)
    if dry_run:
        report.sample_points = [[r["ext_id"], r["lon"], r["lat"]] for r in rows.good
                                if r["lon"] is not None][:SAMPLE_POINTS]
        with store.session() as session:
            town = _resolve_township(session, township, table.source)
            verdict = check_datum(session, town.id, rows.good, crs_label, hints=hints)
        if verdict is not None:
            report.problems.append(Problem(
                table.source, None, colmap.get("lon"), verdict, code="datum_mismatch",
                severity="warning" if accept_crs else "error"))
        return report
    if limits is not None:  # the time budget covers checking too, not only reading
        limits.check_time(table.source)
    for rec in rows.good:
        rec["source_crs"] = crs_label
    with store.session() as session:
        town = _resolve_township(session, township, table.source)
        report.township = town.name
        verdict = check_datum(session, town.id, rows.good, crs_label, hints=hints)
        if verdict is not None and not accept_crs:
            raise ImportRefused(f"{table.source}: refused, nothing imported",
                                [Problem(table.source, None, colmap.get("lon"), verdict,
                                         code="datum_mismatch")])
        if verdict is not None:
            report.notes.append(verdict)
        report.inserted, report.updated, report.unchanged, report.not_in_file = _upsert(
            session, Target, town.id, rows.good,
            ("name", "kind", "address", "phone", "lon", "lat", "tags", "declared_grid",
             "extra", "source_crs"), path)
        _record_run(session, town, Target, path, table, crs_label, report,
                    [r["ext_id"] for r in rows.good])
        _store_row_warnings(session, town.id, "targets", table.source, rows.warnings)
        report.placement = place_targets(session, town.id, snap_tolerance_m=snap_tolerance_m)
    report.problems = rows.warnings
    return report


# --------------------------------------------------------------------------- grids

def _validate_grids(table: RawTable, colmap: dict[str, str], unused: list[str],
                    crs: Any, hints: str = "cli") -> _Rows:
    from zoufang.gis.crs import to_wgs84

    rows = _Rows()
    src = table.source
    _duplicate_ids(table, colmap, rows)
    kind = normalise_crs(crs)
    assert table.geometries is not None
    for number, raw, geom in zip(table.row_numbers, table.rows, table.geometries, strict=True):
        v = _text_fields(table, colmap, raw, ("id", "name", "village", "township",
                                              "village_tags", "grid_worker",
                                              "grid_worker_phone"))
        if v["id"] is None:
            rows.error(Problem(src, number, colmap["id"], "id is empty; every grid needs one",
                               code="missing_id"))
        if geom is None or geom.is_empty:
            rows.error(Problem(src, number, "geometry", "grid has no geometry; expected a "
                               "Polygon or MultiPolygon", code="empty_geometry"))
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            rows.error(Problem(src, number, "geometry",
                               f"expected a Polygon or MultiPolygon, got {geom.geom_type}",
                               code="geometry_type", params={
                                   "expected": "面（Polygon 或 MultiPolygon）",
                                   "got": geom.geom_type}))
            continue
        coords = shapely.get_coordinates(geom)
        lon, lat = to_wgs84(coords[:, 0], coords[:, 1], kind)
        from zoufang.gis.crs import in_china

        if not np.all(in_china(lon, lat)):
            rows.error(Problem(src, number, "geometry",
                               "polygon lies (partly) outside China after conversion to "
                               "WGS-84; check the file's CRS"
                               + (" or --crs" if hints == "cli" else " (the CRS choice)"),
                               code="outside_china",
                               value=f"{lon[0]:.6f}, {lat[0]:.6f}",
                               params={"variant": "grid"}))
            continue
        geom84 = shapely.set_coordinates(geom, np.column_stack([lon, lat]))
        tags, unknown = vocab.parse_tags(v["village_tags"], allowed=vocab.VILLAGE_TAGS)
        if unknown:
            accepted = "、".join(n[0] for n in vocab.VILLAGE_TAGS.values())
            rows.error(Problem(src, number, colmap["village_tags"],
                               f"unknown village tag(s) {'、'.join(unknown)}; expected "
                               f"{accepted}", code="bad_tag", value=v["village_tags"],
                               params={"accepted": accepted}))
        phone = _checked_phone(v["grid_worker_phone"], src, number,
                               colmap.get("grid_worker_phone"), rows)
        if number in rows.errors:
            continue
        rows.good.append(dict(ext_id=v["id"], name=v["name"], geom=geom84,
                              village=v["village"], township=v["township"],
                              village_tags=tags, grid_worker=v["grid_worker"],
                              grid_worker_phone=phone, extra=_extra(raw, unused)))
        rows.good_rows.append(number)
    return rows


def import_grids(store: Store, path: str | Path, *, crs: Any = None,
                 township: str | None = None, skip_invalid: bool = False,
                 rejects_path: str | Path | None = None, snap_tolerance_m: float = 50.0,
                 layer: str | None = None, limits: ReadLimits | None = None,
                 columns: dict[str, str] | str | None = None, hints: str = "cli",
                 dry_run: bool = False) -> ImportReport:
    """Import a grids file (GeoJSON, Shapefile or GeoPackage polygons) into ``store``.

    Invalid polygons are repaired (and reported); overlaps and gaps between grids are
    reported with their area and location; all targets are placed again afterwards.
    The township is ``township``, else the file's 乡镇 column when it names one, else the
    only township in the store. ``limits``, ``columns`` and ``hints`` are as in
    :func:`import_targets`.
    """
    from zoufang.campaign.imports.placement import place_targets, store_topology_problems
    from zoufang.gis.topology import check_grids

    path = Path(path)
    opened = _open(path, GRID_COLUMNS, crs=crs, sheet=None, limits=limits, header_row=None,
                   columns=columns, hints=hints)
    table = opened.table
    if table.geometries is None:
        raise ImportRefused(f"{table.source}: grids need polygons; expected GeoJSON, "
                            "Shapefile or GeoPackage",
                            [Problem(table.source, None, None, "not a vector file",
                                     code="format")])
    crs = opened.crs or "wgs84"
    crs_label = _crs_label(crs)
    colmap, unused, file_problems = opened.colmap, opened.unused, opened.problems
    rows = _Rows() if file_problems else _validate_grids(table, colmap, unused, crs,
                                                               hints)
    towns_in_file = {r["township"] for r in rows.good if r["township"]}
    if township is None and len(towns_in_file) == 1:
        township = towns_in_file.pop()
    elif township is None and len(towns_in_file) > 1:
        file_problems.append(Problem(
            table.source, None, colmap.get("township"),
            f"the file holds grids of several townships ({', '.join(sorted(towns_in_file))}); "
            "import them one township at a time with --township", code="township",
            value="、".join(sorted(towns_in_file)), params={"variant": "several"}))
    elif township is not None:
        for number, rec in zip(rows.good_rows, rows.good, strict=True):
            if rec["township"] and rec["township"] != township:
                rows.error(Problem(table.source, number, colmap["township"],
                                   f"grid belongs to {rec['township']!r}, not to the township "
                                   f"being imported ({township!r})", code="township",
                                   value=rec["township"],
                                   params={"variant": "other", "township": township}))
        keep = [i for i, n in enumerate(rows.good_rows) if n not in rows.errors]
        rows.good = [rows.good[i] for i in keep]
        rows.good_rows = [rows.good_rows[i] for i in keep]
    report = ImportReport("grids", table.source, "", table.encoding, crs_label,
                          len(table.rows), notes=opened.notes, columns=dict(colmap))
    _settle(report, table, rows, file_problems, path, skip_invalid=skip_invalid,
            dry_run=dry_run, rejects_path=rejects_path, colmap=colmap, hints=hints)
    if dry_run:
        return report
    if limits is not None:  # the time budget covers checking too, not only reading
        limits.check_time(table.source)

    import geopandas as gpd

    frame = gpd.GeoDataFrame({"grid_id": [r["ext_id"] for r in rows.good],
                              "row": rows.good_rows},
                             geometry=[r["geom"] for r in rows.good], crs="EPSG:4326")
    with store.session() as session:
        town = _resolve_township(session, township, table.source)
        report.township = town.name
        # Check the township's grids as they will be after this import.
        stored = session.execute(select(Grid.ext_id, Grid.geom).where(
            Grid.township_id == town.id)).all()
        new_ids = set(frame["grid_id"])
        others = [(e, g) for e, g in stored if e not in new_ids]
        whole = gpd.GeoDataFrame(
            {"grid_id": [*frame["grid_id"], *[e for e, _ in others]]},
            geometry=[*frame.geometry, *[g for _, g in others]], crs="EPSG:4326")
        check = check_grids(whole, id_column="grid_id", source=table.source)
        hard = [p for p in check.problems if p.severity == "error"]
        if hard and not skip_invalid:
            raise ImportRefused(f"{table.source}: refused, nothing imported", hard)
        repaired_ids = {r.grid_id for r in check.repaired}
        fixed = dict(zip(check.grids["grid_id"], check.grids.geometry, strict=True))
        villages = _villages(session, town.id, rows.good)
        records = []
        for rec in rows.good:
            geom = fixed.get(rec["ext_id"], rec["geom"])
            if geom is None or geom.is_empty:
                continue
            if geom.geom_type == "Polygon":
                geom = shapely.MultiPolygon([geom])
            records.append(dict(
                ext_id=rec["ext_id"], name=rec["name"], geom=geom,
                area_m2=_area_m2(geom), village_id=villages.get(rec["village"]),
                grid_worker=rec["grid_worker"], grid_worker_phone=rec["grid_worker_phone"],
                repaired=rec["ext_id"] in repaired_ids, extra=rec["extra"]))
        report.inserted, report.updated, report.unchanged, report.not_in_file = _upsert(
            session, Grid, town.id, records,
            ("name", "geom", "area_m2", "village_id", "grid_worker", "grid_worker_phone",
             "repaired", "extra"), path)
        _record_run(session, town, Grid, path, table, crs_label, report,
                    [r["ext_id"] for r in records])
        _store_row_warnings(session, town.id, "grids", table.source, rows.warnings)
        store_topology_problems(session, town.id, check)
        report.placement = place_targets(session, town.id, snap_tolerance_m=snap_tolerance_m)
    report.problems = rows.warnings + check.problems
    return report


def _area_m2(geom: Any) -> float:
    from pyproj import Geod

    return float(abs(Geod(ellps="WGS84").geometry_area_perimeter(geom)[0]))


def _villages(session: Session, township_id: int, recs: list[dict[str, Any]]
              ) -> dict[str | None, int]:
    """Create or update the villages named by grid rows; return name -> id."""
    out: dict[str | None, int] = {}
    tags_by_village: dict[str, list[str]] = {}
    for rec in recs:
        name = rec["village"]
        if name:
            merged = tags_by_village.setdefault(name, [])
            merged.extend(t for t in rec["village_tags"] if t not in merged)
    for name, tags in tags_by_village.items():
        v = session.scalar(select(Village).where(Village.township_id == township_id,
                                                 Village.name == name))
        if v is None:
            v = Village(township_id=township_id, name=name,
                        is_community=name.endswith(("社区", "居委会")), tags=tags)
            session.add(v)
        else:
            v.tags = tags
        session.flush()
        out[name] = v.id
    return out


# --------------------------------------------------------------------------- cadres

def _validate_cadres(table: RawTable, colmap: dict[str, str], unused: list[str],
                     crs: Any, extra_ranks: dict[str, str], hints: str) -> _Rows:
    rows = _Rows()
    src = table.source
    _duplicate_ids(table, colmap, rows)
    lon, lat = _points_from_table(table, colmap, rows, crs)
    keys = ("id", "name", "rank", "position", "unit", "phone", "hours_per_day",
            "days_available")
    rank_header = colmap.get("rank") or colmap.get("position") or "级别"
    for i, (number, raw) in enumerate(zip(table.row_numbers, table.rows, strict=True)):
        v = _text_fields(table, colmap, raw, keys)
        for key in ("id", "name", "hours_per_day", "days_available"):
            if v[key] is None:
                rows.error(Problem(src, number, colmap[key], f"{key} is empty; required",
                                   code="missing_value"))
        if v["rank"] is None and v["position"] is None:
            rows.error(Problem(src, number, rank_header, "rank is empty; required (级别/职级"
                               + (" or 职务" if "position" in colmap else "") + ")",
                               code="missing_value"))
        rank = None
        readings = []
        for key in ("rank", "position"):
            written = v[key]
            if written is None:
                continue
            reading = vocab.read_rank(written, extra=extra_ranks)
            if reading is None:
                fix = (f"add it with: zoufang vocab ranks --add {v[key]}=副科级 (its rank)"
                       if hints == "cli" else "ask the administrator to add it to the "
                       "vocabulary of ranks (职级对照表)")
                rows.error(Problem(src, number, colmap[key], "unknown rank; expected a rank "
                                   "of the ladder (科员, 副科级, 正科级, 副处级, 正处级 …), a "
                                   "rank of 2019 (一级…四级调研员, 一级…四级主任科员, "
                                   "一级/二级科员) or a position (镇长, 副镇长, 社区书记, "
                                   f"社区两委 …); {fix}", code="bad_rank", value=v[key]))
            else:
                readings.append(reading)
        if readings:
            best = max(readings, key=lambda r: vocab.rank_level(r.code))
            rank = best.code
            for r in readings:
                rows.read_as[(r.written, r.label)] += 1
        hours = _bounded(v["hours_per_day"], 0, 24, src, number, colmap["hours_per_day"],
                         "hours a day", rows)
        days = _bounded(v["days_available"], 0, 366, src, number, colmap["days_available"],
                        "days available", rows, integer=True)
        phone = _checked_phone(v["phone"], src, number, colmap.get("phone"), rows)
        if number in rows.errors:
            continue
        if hours == 0 or days == 0:
            rows.warnings.append(Problem(src, number, colmap["hours_per_day"],
                                         "cadre has no time in the phase (0 hours or 0 days);"
                                         " kept, but cannot be given a visit area",
                                         severity="warning", code="no_capacity"))
        if not np.isfinite(lon[i]):
            rows.warnings.append(Problem(src, number, colmap.get("lon", "基地经度"),
                                         "no base location; commutes cannot be computed",
                                         severity="warning", code="no_point",
                                         params={"variant": "cadre"}))
        rows.good.append(dict(
            ext_id=v["id"], name=v["name"], rank=rank, unit=v["unit"], phone=phone,
            base_lon=float(lon[i]) if np.isfinite(lon[i]) else None,
            base_lat=float(lat[i]) if np.isfinite(lat[i]) else None,
            hours_per_day=hours, days_available=int(days) if days is not None else None,
            extra=_extra(raw, unused)))
        rows.good_rows.append(number)
    return rows


def _bounded(text: str | None, lo: float, hi: float, src: str, number: int, header: str,
             what: str, rows: _Rows, *, integer: bool = False) -> float | None:
    if text is None:
        return None
    try:
        v = parse_number(text)
    except ValueError:
        v = None
    ok = v is not None and lo <= v <= hi and (not integer or float(v).is_integer())
    if not ok:
        kind = "a whole number" if integer else "a number"
        rows.error(Problem(src, number, header, f"{what}: expected {kind} from {lo:g} to "
                           f"{hi:g}", code="out_of_range", value=text,
                           params={"lo": f"{lo:g}", "hi": f"{hi:g}",
                                   "number": "整数" if integer else "数"}))
        return None
    return v


def import_cadres(store: Store, path: str | Path, *, crs: Any = None,
                  township: str | None = None, skip_invalid: bool = False,
                  rejects_path: str | Path | None = None,
                  sheet: str | int | None = None, limits: ReadLimits | None = None,
                  columns: dict[str, str] | str | None = None, header_row: int | None = None,
                  hints: str = "cli", dry_run: bool = False) -> ImportReport:
    """Import the visiting cadres (rank, unit, base location, hours a day, days available).

    The rank is read from the 级别/职级 column and the 职务 (position) column, whichever
    names the higher rank (:func:`zoufang.vocab.read_rank`); the report's notes say how
    each written rank was read. ``limits``, ``columns``, ``header_row`` and ``hints`` are
    as in :func:`import_targets`.
    """
    path = Path(path)
    opened = _open(path, CADRE_COLUMNS, crs=crs, sheet=sheet, limits=limits,
                   header_row=header_row, columns=columns, hints=hints)
    table, colmap, unused = opened.table, opened.colmap, opened.unused
    if "position" in colmap:  # a position alone gives the rank
        opened.problems = [p for p in opened.problems
                           if not p.message.startswith("required column 级别/rank")]
    file_problems = opened.problems
    crs = opened.crs
    crs_label = _crs_label(crs)
    try:
        extra_ranks = vocab.deployment_ranks()
    except ValueError as exc:
        file_problems.append(Problem(table.source, None, None, str(exc), code="vocab"))
        extra_ranks = {}
    rows = _Rows() if file_problems else _validate_cadres(table, colmap, unused, crs,
                                                          extra_ranks, hints)
    report = ImportReport("cadres", table.source, "", table.encoding, crs_label,
                          len(table.rows), notes=opened.notes, columns=dict(colmap),
                          header_row=getattr(table, "header_row", None))
    if rows.read_as:
        report.notes.append("ranks read as: " + _counted(rows.read_as))
    _settle(report, table, rows, file_problems, path, skip_invalid=skip_invalid,
            dry_run=dry_run, rejects_path=rejects_path, colmap=colmap, hints=hints)
    if dry_run:
        return report
    if limits is not None:  # the time budget covers checking too, not only reading
        limits.check_time(table.source)
    with store.session() as session:
        town = _resolve_township(session, township, table.source)
        report.township = town.name
        report.inserted, report.updated, report.unchanged, report.not_in_file = _upsert(
            session, Cadre, town.id, rows.good,
            ("name", "rank", "unit", "phone", "base_lon", "base_lat", "hours_per_day",
             "days_available", "extra"), path)
        _record_run(session, town, Cadre, path, table, crs_label, report,
                    [r["ext_id"] for r in rows.good])
        _store_row_warnings(session, town.id, "cadres", table.source, rows.warnings)
    report.problems = rows.warnings
    return report


_IMPORTERS: dict[str, Callable[..., ImportReport]] = {
    "targets": import_targets, "grids": import_grids, "cadres": import_cadres,
}


def import_file(store: Store, what: str, path: str | Path, **options: Any) -> ImportReport:
    """Dispatch to :func:`import_targets`, :func:`import_grids` or :func:`import_cadres`."""
    if what not in _IMPORTERS:
        raise ValueError(f"what was {what!r} but is expected to be one of {KINDS_OF_IMPORT}")
    return _IMPORTERS[what](store, path, **options)
