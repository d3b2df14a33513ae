"""Commands of the territory's data: ``zoufang import|report|problems|place|db``.

- ``import targets|grids|cadres FILE``: read a file as offices send it; it lands whole or
  not at all, and every target is placed in its grid;
- ``report``: counts by kind, grid and placement, grid defects, data problems;
- ``problems``: the data problems kept in the store;
- ``place``: place every target in its grid again;
- ``db upgrade``: bring the schema to the newest migration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from zoufang._errors import ValidationError, format_problems
from zoufang.campaign.store.lookup import township_of
from zoufang.commands._common import DB_OPTION, JSON_OPTION, emit, fail

__all__ = ["COMMANDS", "import_report_text", "report_cmd"]


def import_report_text(r: Any) -> str:
    """Render an import report for the terminal: counts, placement, notes, warnings."""
    lines = [f"{r.source} → {r.kind} of {r.township} (encoding {r.encoding}, CRS {r.crs}): "
             f"{r.rows} rows, {r.inserted} new, {r.updated} updated, {r.unchanged} unchanged"
             + (f", {r.rejected} rejected → {r.rejects_file}" if r.rejected else "")
             + (f"; {r.not_in_file} stored rows not in this file (kept)" if r.not_in_file
                else "")]
    if r.placement:
        lines.append("  placement: " + ", ".join(f"{k} {v}" for k, v in
                                                 sorted(r.placement.items())))
    if getattr(r, "columns", None):
        lines.append("  columns: " + ", ".join(f"{k}={h}" for k, h in r.columns.items()))
    lines.extend(f"  note: {n}" for n in r.notes)
    if r.problems:
        lines.append(f"  {len(r.problems)} warnings (kept rows):")
        lines.append(format_problems(r.problems, limit=20))
    return "\n".join(lines)


@click.command("import")
@click.argument("kind", type=click.Choice(["targets", "grids", "cadres"]))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--crs", default=None,
              help="CRS of the coordinates: wgs84, cgcs2000, gcj02 (Amap/Tencent), bd09 "
                   "(Baidu) or an EPSG code. Default: the file's own, else wgs84.")
@click.option("--township", default=None, help="Township name (default: the only one).")
@click.option("--skip-invalid", is_flag=True,
              help="Import the valid rows; write rejected rows with reasons to a file.")
@click.option("--rejects", type=click.Path(path_type=Path), default=None,
              help="Where to write rejected rows (default FILE.rejected.csv).")
@click.option("--kind", "target_kind", default=None,
              help="targets: kind for rows without a 类型 column (e.g. household).")
@click.option("--sheet", default=None, help="Excel: sheet name or 0-based index.")
@click.option("--snap-tolerance", default=50.0, show_default=True, type=float,
              help="Metres within which a target outside every grid is snapped to it.")
@click.option("--accept-crs", is_flag=True,
              help="targets: keep the given CRS even if another fits the grids far better.")
@click.option("--columns", default=None, metavar="KEY=HEADER[,…]",
              help="The meaning of columns the importer does not know by name, e.g. "
                   "--columns id=grid_id,village=community.")
@click.option("--header-row", type=click.IntRange(min=1), default=None, metavar="N",
              help="CSV/Excel: the row holding the column names (default: found; a "
                   "two-row header under it is joined).")
@DB_OPTION
@JSON_OPTION
def import_cmd(kind: str, file: Path, crs: str | None, township: str | None,
               skip_invalid: bool, rejects: Path | None, target_kind: str | None,
               sheet: str | None, snap_tolerance: float, accept_crs: bool,
               columns: str | None, header_row: int | None,
               db_url: str | None, as_json: bool) -> None:
    """Import targets, grids or cadres from CSV, Excel, GeoJSON, Shapefile or GeoPackage.

    The file lands whole or not at all: any invalid row refuses it, listing every
    problem (or use --skip-invalid). Re-importing is idempotent; ids (编号) are the key.
    Title rows, a two-row header, blank rows and a signature footer are skipped; ranks
    of 2019 and positions are read onto the rank ladder; unknown tags are kept as free
    tags (see ``zoufang vocab``).
    """
    from zoufang.campaign.imports.importer import import_file
    from zoufang.campaign.store import open_store

    options: dict[str, Any] = dict(crs=crs, township=township, skip_invalid=skip_invalid,
                                   rejects_path=rejects, columns=columns)
    if kind == "targets":
        options.update(kind=target_kind, sheet=sheet, snap_tolerance_m=snap_tolerance,
                       accept_crs=accept_crs, header_row=header_row)
    elif kind == "grids":
        options.update(snap_tolerance_m=snap_tolerance)
    else:
        options.update(sheet=sheet, header_row=header_row)
    try:
        store = open_store(db_url)
        report = import_file(store, kind, file, **options)
    except ValidationError as exc:
        fail(as_json, exc)
        return
    except ValueError as exc:  # bad option values (kind, crs)
        fail(as_json, exc)
        return
    emit(as_json, {**report.to_dict()}, import_report_text(report))


# ----------------------------------------------------------------------------- report

@click.group("report", invoke_without_command=True)
@click.option("--township", default=None)
@DB_OPTION
@JSON_OPTION
@click.pass_context
def report_cmd(ctx: click.Context, township: str | None, db_url: str | None,
               as_json: bool) -> None:
    """Summarise a township, or (subcommands) report measures and export the tables.

    Without a subcommand: counts by kind, grid and placement, grid defects, data
    problems. ``report measures|weekly|export`` are the ledger's reports (the same as
    ``zoufang ledger measures|weekly|export``).
    """
    if ctx.invoked_subcommand is not None:
        return
    from zoufang.campaign.store import open_store
    from zoufang.campaign.summary import format_summary, summarise

    try:
        store = open_store(db_url)
        with store.session() as s:
            summary = summarise(s, township_of(s, township))
    except ValueError as exc:
        fail(as_json, exc)
        return
    emit(as_json, {**summary.to_dict()}, format_summary(summary))


@click.command("problems")
@click.option("--township", default=None)
@click.option("--scope", type=click.Choice(["targets", "grids", "cadres", "placement",
                                            "topology"]), default=None)
@click.option("--limit", default=200, show_default=True)
@DB_OPTION
@JSON_OPTION
def problems_cmd(township: str | None, scope: str | None, limit: int, db_url: str | None,
                 as_json: bool) -> None:
    """List the data problems kept in the store (bad rows kept, placement, grid defects)."""
    from zoufang.campaign.store import open_store
    from zoufang.campaign.summary import list_problems

    try:
        store = open_store(db_url)
        with store.session() as s:
            items = list_problems(s, township_of(s, township).id, scope=scope, limit=limit)
    except ValueError as exc:
        fail(as_json, exc)
        return
    text = "\n".join(
        f"[{i['scope']}/{i['severity']}] {i['source'] or ''}"
        f"{', row ' + str(i['row']) if i['row'] else ''}"
        f"{', field ' + i['field'] if i['field'] else ''}: {i['message']}" for i in items
    ) or "no data problems"
    emit(as_json, {"problems": items}, text)


@click.command("place")
@click.option("--township", default=None)
@click.option("--snap-tolerance", default=50.0, show_default=True, type=float)
@DB_OPTION
@JSON_OPTION
def place_cmd(township: str | None, snap_tolerance: float, db_url: str | None,
              as_json: bool) -> None:
    """Place every target in its grid again (e.g. with another snap tolerance)."""
    from zoufang.campaign.imports.placement import place_targets
    from zoufang.campaign.store import open_store

    try:
        store = open_store(db_url)
        with store.session() as s:
            counts = place_targets(s, township_of(s, township).id,
                                   snap_tolerance_m=snap_tolerance)
    except ValueError as exc:
        fail(as_json, exc)
        return
    emit(as_json, {"placement": counts},
          "placement: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


@click.group("db")
def db_group() -> None:
    """Manage the store's schema."""


@db_group.command("upgrade")
@DB_OPTION
def db_upgrade(db_url: str | None) -> None:
    """Bring the schema to the newest migration."""
    from zoufang.campaign.store import current_revision, open_store

    store = open_store(db_url)
    click.echo(f"{store.url}: schema at revision {current_revision(store.engine)}")


#: The data commands, added to the main group by :mod:`zoufang.cli`.
COMMANDS = (import_cmd, report_cmd, problems_cmd, place_cmd, db_group)
