"""The ``zoufang`` command line.

Every command takes ``--db URL`` (default ``$ZOUFANG_DB`` or ``zoufang.sqlite`` in the
current folder) and, where it reports something, ``--json``. Errors exit with status 1
and name the file, row, field and reason; with ``--json`` they are printed as
``{"ok": false, "error": ..., "errors": [...], "status": 1}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from zoufang._errors import ValidationError, format_problems
from zoufang.commands._common import fail as _fail
from zoufang.commands._common import township_of as _township

__all__ = ["main"]

DB_OPTION = click.option("--db", "db_url", default=None, metavar="URL",
                         help="Store URL: sqlite:///file.sqlite or postgresql://… "
                              "(default $ZOUFANG_DB or ./zoufang.sqlite).")
JSON_OPTION = click.option("--json", "as_json", is_flag=True,
                           help="Print the result as JSON.")


def _emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zoufang")
def main() -> None:
    """走访 zoufang: plan and track door-to-door visit campaigns."""


# ----------------------------------------------------------------------------- import

def _report_text(r: Any) -> str:
    lines = [f"{r.source} → {r.kind} of {r.township} (encoding {r.encoding}, CRS {r.crs}): "
             f"{r.rows} rows, {r.inserted} new, {r.updated} updated, {r.unchanged} unchanged"
             + (f", {r.rejected} rejected → {r.rejects_file}" if r.rejected else "")
             + (f"; {r.not_in_file} stored rows not in this file (kept)" if r.not_in_file
                else "")]
    if r.placement:
        lines.append("  placement: " + ", ".join(f"{k} {v}" for k, v in
                                                 sorted(r.placement.items())))
    lines.extend(f"  note: {n}" for n in r.notes)
    if r.problems:
        lines.append(f"  {len(r.problems)} warnings (kept rows):")
        lines.append(format_problems(r.problems, limit=20))
    return "\n".join(lines)


@main.command("import")
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
@DB_OPTION
@JSON_OPTION
def import_cmd(kind: str, file: Path, crs: str | None, township: str | None,
               skip_invalid: bool, rejects: Path | None, target_kind: str | None,
               sheet: str | None, snap_tolerance: float, accept_crs: bool,
               db_url: str | None, as_json: bool) -> None:
    """Import targets, grids or cadres from CSV, Excel, GeoJSON, Shapefile or GeoPackage.

    The file lands whole or not at all: any invalid row refuses it, listing every
    problem (or use --skip-invalid). Re-importing is idempotent; ids (编号) are the key.
    """
    from zoufang.campaign.store import open_store
    from zoufang.campaign.imports.importer import import_file

    options: dict[str, Any] = dict(crs=crs, township=township, skip_invalid=skip_invalid,
                                   rejects_path=rejects)
    if kind == "targets":
        options.update(kind=target_kind, sheet=sheet, snap_tolerance_m=snap_tolerance,
                       accept_crs=accept_crs)
    elif kind == "grids":
        options.update(snap_tolerance_m=snap_tolerance)
    else:
        options.update(sheet=sheet)
    try:
        store = open_store(db_url)
        report = import_file(store, kind, file, **options)
    except ValidationError as exc:
        _fail(as_json, exc)
        return
    except ValueError as exc:  # bad option values (kind, crs)
        _fail(as_json, exc)
        return
    _emit(as_json, {"ok": True, **report.to_dict()}, _report_text(report))


# ----------------------------------------------------------------------------- report

@main.group("report", invoke_without_command=True)
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
            summary = summarise(s, _township(s, township))
    except ValueError as exc:
        _fail(as_json, exc)
        return
    _emit(as_json, {"ok": True, **summary.to_dict()}, format_summary(summary))


@main.command("problems")
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
    from zoufang.campaign.store import DataProblem

    try:
        store = open_store(db_url)
        with store.session() as s:
            town = _township(s, township)
            q = select(DataProblem).where(DataProblem.township_id == town.id)
            if scope:
                q = q.where(DataProblem.scope == scope)
            rows = s.scalars(q.order_by(DataProblem.scope, DataProblem.id).limit(limit)).all()
            items = [dict(scope=r.scope, severity=r.severity, code=r.code, source=r.source,
                          row=r.row, field=r.field, ref=r.ref, message=r.message,
                          lon=r.lon, lat=r.lat, area_m2=r.area_m2) for r in rows]
    except ValueError as exc:
        _fail(as_json, exc)
        return
    text = "\n".join(
        f"[{i['scope']}/{i['severity']}] {i['source'] or ''}"
        f"{', row ' + str(i['row']) if i['row'] else ''}"
        f"{', field ' + i['field'] if i['field'] else ''}: {i['message']}" for i in items
    ) or "no data problems"
    _emit(as_json, {"ok": True, "problems": items}, text)


@main.command("place")
@click.option("--township", default=None)
@click.option("--snap-tolerance", default=50.0, show_default=True, type=float)
@DB_OPTION
@JSON_OPTION
def place_cmd(township: str | None, snap_tolerance: float, db_url: str | None,
              as_json: bool) -> None:
    """Place every target in its grid again (e.g. with another snap tolerance)."""
    from zoufang.campaign.store import open_store
    from zoufang.campaign.imports.placement import place_targets

    try:
        store = open_store(db_url)
        with store.session() as s:
            counts = place_targets(s, _township(s, township).id,
                                   snap_tolerance_m=snap_tolerance)
    except ValueError as exc:
        _fail(as_json, exc)
        return
    _emit(as_json, {"ok": True, "placement": counts},
          "placement: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


@main.group("db")
def db_group() -> None:
    """Manage the store's schema."""


@db_group.command("upgrade")
@DB_OPTION
def db_upgrade(db_url: str | None) -> None:
    """Bring the schema to the newest migration."""
    from zoufang.campaign.store import current_revision, open_store

    store = open_store(db_url)
    click.echo(f"{store.url}: schema at revision {current_revision(store.engine)}")


# ----------------------------------------------------------------------------- demo, serve

@main.command("demo")
@click.option("--dir", "out_dir", type=click.Path(path_type=Path), default=Path("demo-data"),
              show_default=True, help="Where the demo files and SQLite store are written.")
@click.option("--seed", default=20220301, show_default=True)
@click.option("--no-serve", is_flag=True, help="Build and report, but do not start the web app.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@DB_OPTION
@JSON_OPTION
def demo_cmd(out_dir: Path, seed: int, no_serve: bool, host: str, port: int,
             db_url: str | None, as_json: bool) -> None:
    """Build the demo township (示范镇), import it, place every target, report, serve."""
    from zoufang.demo.build import build_demo
    from zoufang.campaign.summary import format_summary

    db_url = db_url or f"sqlite:///{(out_dir / 'zoufang.sqlite').as_posix()}"
    try:
        result = build_demo(out_dir, db_url=db_url, seed=seed)
    except ValidationError as exc:
        _fail(as_json, exc)
        return
    users = _demo_users(db_url, result.summary.township)
    text = "\n".join([*(_report_text(r) for r in result.reports), "",
                      format_summary(result.summary), "",
                      *([result.routes.summary(), ""] if result.routes else []),
                      f"store: {db_url}",
                      "demo users (password " + DEMO_PASSWORD + "): "
                      + ", ".join(f"{n} ({r})" for n, r in users)])
    _emit(as_json, {"ok": True, "db": db_url,
                    "imports": [r.to_dict() for r in result.reports],
                    "summary": result.summary.to_dict(),
                    "routes": result.routes.to_dict() if result.routes else None,
                    "users": [{"name": n, "role": r} for n, r in users]}, text)
    if not no_serve:
        _serve(db_url, host, port, debug=False)


#: Password of the demo's users: a local demo only, printed on the terminal.
DEMO_PASSWORD = "zoufang-demo"


def _demo_users(db_url: str, township: str) -> list[tuple[str, str]]:
    """Create (once) one user per role for the demo township; return (name, role) pairs."""
    from zoufang.campaign.store import open_store
    from zoufang.campaign.store import Cadre, Township
    from zoufang.campaign.store import User
    from zoufang.commands.users import add_user

    store = open_store(db_url)
    try:
        with store.session() as s:
            town = s.scalars(select(Township).where(Township.name == township)).one()
            cadre = s.scalar(select(Cadre.ext_id).where(Cadre.township_id == town.id)
                             .order_by(Cadre.ext_id))
            wanted: list[tuple[str, str, dict[str, Any]]] = [
                ("planner", "planner", {"township": township}),
                ("leader", "leader", {"township": township}),
                ("cadre", "cadre", {"township": township, "cadre": cadre}),
                ("admin", "admin", {}),
            ]
            for name, role, kw in wanted:
                if s.scalar(select(User.id).where(User.name == name)) is None:
                    add_user(s, name, role, DEMO_PASSWORD, **kw)
    finally:
        store.dispose()
    return [(n, r) for n, r, _ in wanted]


def _serve(db_url: str | None, host: str, port: int, *, debug: bool) -> None:
    from zoufang.web import create_app

    app = create_app({"DB_URL": db_url} if db_url else None)
    click.echo(f"serving on http://{host}:{port}/ (Ctrl-C to stop)")
    if debug:
        app.run(host=host, port=port, debug=True)
    else:
        from waitress import serve

        serve(app, host=host, port=port, threads=8)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--debug", is_flag=True, help="Flask's development server with reloader.")
@DB_OPTION
def serve_cmd(host: str, port: int, debug: bool, db_url: str | None) -> None:
    """Serve the web app with waitress (the Flask dev server only with --debug)."""
    _serve(db_url, host, port, debug=debug)


def _register_commands() -> None:
    """Add the command groups owned by other modules (ledger, visit areas, users)."""
    from zoufang.commands.ledger import ledger_group
    from zoufang.commands.ledger import register as register_ledger
    from zoufang.commands.plan import register as register_plan
    from zoufang.commands.users import register as register_users

    register_ledger(main)
    register_plan(main)
    register_users(main)
    for name in ("measures", "weekly", "export"):
        report_cmd.add_command(ledger_group.commands[name])


_register_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
