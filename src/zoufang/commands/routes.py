"""Commands of the daily routes: ``zoufang plan routes|route-settings|route-show|route-export``.

- ``plan routes [--cadre ID] [--phase visit|push|revisit] [--time-limit S] [--as-of T]
  [--roads FILE] [--workers N] [--json]``: plan every cadre's days (or one cadre's),
  check them, store them as the phase's current route plan and print the summary: per
  cadre, days used, targets routed and left out (with reasons), extra days needed.
- ``plan route-settings [--file JSON] [--set KEY=JSON ...] [--json]``: show or change the
  campaign's routing settings (time windows by kind, service minutes, cadre windows and
  hours, travel mode and speeds, priority tags, holidays/调休 days).

Errors exit with status 1 naming the field, like the other ``plan`` commands.
- ``plan route-show [--cadre ID] [--day DATE] [--phase visit|push|revisit] [--reveal]
  [--json]``: without ``--cadre`` the per-cadre table of the phase's current route plan;
  with it, the cadre's days and stops (times, address; residents' names and phones
  masked unless ``--reveal``) and its targets left out with the reasons.
- ``plan route-export --cadre ID [--day DATE] --format geojson|gpx|html|all --out DIR
  [--reveal] [--datum wgs84|gcj02|bd09] [--json]``: one file per day and format, e.g.
  ``C011_2022-03-01.gpx``; prints the files written. See
  :mod:`zoufang.campaign.route_exports` for what each format holds.

Bad input (no route plan yet, unknown cadre or day) exits 1 naming what exists, like the
other ``plan`` commands.

Every ``route-export`` writes one line to the audit log (user ``cli``; ``personal``
with ``--reveal``), and so does ``route-show --cadre ID --reveal`` (a read of names and
phones in clear); the line holds the plan, cadre, days and rows, never the names.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from zoufang import vocab
from zoufang._errors import Problem, ValidationError
from zoufang.commands._audit import cli_audit
from zoufang.commands._common import (
    CAMPAIGN_OPTION,
    DB_OPTION,
    JSON_OPTION,
    PHASE_OPTION,
    TOWNSHIP_OPTION,
    open_cli_store,
    pad,
    parse_date,
    parse_datetime,
    rpad,
    run,
)
from zoufang.commands.plan import DASK_OPTION, fanout_cmd  # noqa: I001 - issue 16

__all__ = ["COMMANDS", "plan_routes_cmd", "route_export_cmd", "route_settings_cmd",
           "route_show_cmd"]


def _routes_text(res: Any) -> str:
    lines = [" ".join([pad("走访人员", 16), rpad("天", 3), rpad("已排", 5), rpad("未排", 5),
                       rpad("电话", 5), rpad("公里", 7), rpad("加天", 4)]) + "  状态"]
    for c in res.cadres:
        lines.append(f"{pad(c['cadre'] + ' ' + c['name'], 16)} {c['days']:>3} "
                     f"{c['routed']:>5} {c['left_out']:>5} {c['remote']:>5} "
                     f"{c['distance_m'] / 1000:>7.1f} {c['extra_days']:>4.0f}  "
                     f"{'ok' if c['status'] == 'ok' else 'FAILED: ' + str(c['message'])}")
    reasons = res.figures.get("reasons", {})
    if reasons:
        lines.append("  未排原因: " + ", ".join(f"{vocab.LEFT_OUT_REASONS.get(k, (k,))[0]} {v}"
                                            for k, v in sorted(reasons.items())))
    return "\n".join([*lines, res.summary()])


@click.command("routes")
@click.option("--cadre", default=None, help="Plan only this cadre (工号); the others' routes "
              "are kept from the current plan.")
@PHASE_OPTION
@click.option("--time-limit", "time_limit", default=2.0, show_default=True, type=float,
              help="Search seconds per cadre.")
@click.option("--as-of", "as_of", default=None, metavar="'YYYY-MM-DD HH:MM'",
              help="Re-plan from this local moment (visits recorded before it count). "
                   "Default: now inside the phase, else its first day.")
@click.option("--roads", default=None, type=click.Path(path_type=Path),
              help="Road network: GeoJSON lines, .osm/.osm.pbf, GeoPackage or Shapefile. "
                   "Without it: straight line × detour factor.")
@click.option("--workers", default=2, show_default=True, type=int,
              help="Cadres solved at once (processes).")
@click.option("--targets", "targets", default=None,
              help="Revisit phase: extra target ids to revisit, comma-separated.")
@CAMPAIGN_OPTION
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
@DASK_OPTION
def plan_routes_cmd(cadre: str | None, phase: str, time_limit: float, as_of: str | None,
                    roads: Path | None, workers: int, targets: str | None,
                    campaign: str | None, township: str | None, db_url: str | None,
                    as_json: bool, dask: str | None = None) -> None:
    """Daily routes (每日走访路线) of every cadre over the phase's days."""
    if township == "all" or "," in (township or "") or dask:  # issue 16: many townships
        fanout_cmd("routes", db_url, township, dask, as_json,
                   {"campaign": campaign, "phase": phase, "time_limit_s": time_limit,
                    "as_of": parse_datetime(as_of, option="as_of"), "roads": roads,
                    "workers": workers,
                    "actor": "cli"})
        return
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.routes import plan_routes

        store = open_cli_store(db_url)
        try:
            res = plan_routes(store, township=township, campaign=campaign, phase=phase,
                              cadre=cadre, time_limit_s=time_limit,
                              as_of=parse_datetime(as_of, option="as_of"), workers=workers,
                              roads=roads,
                              actor="cli",
                              revisit_targets=[t.strip() for t in targets.split(",")
                                               if t.strip()] if targets else None)
        finally:
            store.dispose()
        return {"plan": res.to_dict()}, _routes_text(res)

    run(as_json, go)


@click.command("route-settings")
@click.option("--file", "file", default=None, type=click.Path(path_type=Path),
              help="A JSON file of settings to merge over the present ones.")
@click.option("--set", "pairs", multiple=True, metavar="KEY=JSON",
              help='One setting, e.g. --set mode=\'"ebike"\' or '
                   '--set \'cadre_windows={"workday": ["18:00-21:00"]}\'.')
@CAMPAIGN_OPTION
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def route_settings_cmd(file: Path | None, pairs: tuple[str, ...], campaign: str | None,
                       township: str | None, db_url: str | None, as_json: bool) -> None:
    """Show or change the campaign's routing settings (time windows, service, speeds)."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.routes import load_settings, save_settings
        from zoufang.campaign.store.lookup import resolve_campaign

        data: dict[str, Any] = {}
        problems: list[Problem] = []
        if file is not None:
            try:
                loaded = json.loads(Path(file).read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise ValidationError("settings not changed", [Problem(
                    str(file), None, None, f"Expected a JSON object: {exc}")]) from None
            if not isinstance(loaded, dict):
                raise ValidationError("settings not changed", [Problem(
                    str(file), None, None, "Expected a JSON object of settings.")])
            data.update(loaded)
        for pair in pairs:
            key, sep, value = pair.partition("=")
            try:
                if not sep:
                    raise ValueError("no '='")
                data[key.strip()] = json.loads(value)
            except ValueError as exc:
                problems.append(Problem("--set", None, key.strip() or pair,
                                        f"Expected KEY=JSON value: {exc}", value=pair))
        if problems:
            raise ValidationError("settings not changed", problems)
        store = open_cli_store(db_url)
        try:
            if data:
                settings = save_settings(store, data, township=township, campaign=campaign,
                                         actor="cli", source=str(file) if file else "--set")
            else:
                with store.session() as s:
                    camp = resolve_campaign(s, township=township, campaign=campaign)
                    settings = load_settings(s, camp.id)
        finally:
            store.dispose()
        d = settings.to_dict()
        return {"settings": d}, json.dumps(d, ensure_ascii=False, indent=2)

    run(as_json, go)


# ------------------------------------------------------------------ show and export

_PHASE = PHASE_OPTION
_CADRE_HELP = "Cadre id (工号)."


def _plan(s: Any, township: str | None, campaign: str | None, phase: str) -> Any:
    from zoufang.campaign.route_exports import find_plan
    from zoufang.campaign.store.lookup import resolve_campaign

    camp = resolve_campaign(s, township=township, campaign=campaign)
    return find_plan(s, camp.id, phase)


def _routed_targets(s: Any, plan_id: int, cadre: str, day: dt.date | None) -> int:
    """Return how many targets the cadre's route days hold (one day, or all of them)."""
    from sqlalchemy import func, select

    from zoufang.campaign.store import RouteDay

    q = select(func.coalesce(func.sum(RouteDay.n_targets), 0)).where(
        RouteDay.plan_id == plan_id, RouteDay.cadre_ext_id == cadre)
    if day is not None:
        q = q.where(RouteDay.day == day)
    return int(s.scalar(q) or 0)


def _township_id(s: Any, plan: Any) -> int | None:
    from zoufang.campaign.store import Campaign

    camp = s.get(Campaign, plan.campaign_id)
    return camp.township_id if camp is not None else None


def _day_lines(v: Any) -> list[str]:
    lines = [f"{v.day.isoformat()} 出发 {v.depart_at:%H:%M} 返回 {v.return_at:%H:%M} · "
             f"{v.distance_m / 1000:.1f} km · {v.n_stops} 站 {len(v.stops)} 户"]
    shared = {n for n in {s.stop for s in v.stops}
              if sum(1 for s in v.stops if s.stop == n) > 1}
    for s in v.stops:
        flag = " ★" if s.priority else ""
        no = f"{s.stop}·{s.unit_order + 1}" if s.stop in shared else str(s.stop)
        lines.append(f"  {no:>5} {s.start_at:%H:%M}–{s.end_at:%H:%M} "
                     f"{pad(s.ext_id, 10)} {pad(s.name or '', 10)} "
                     f"{pad(s.purpose_label, 4)} {pad(s.kind_label, 8)} "
                     f"{s.address or ''}{flag}")
    return lines


@click.command("route-show")
@click.option("--cadre", default=None, help=_CADRE_HELP + " Without it: every cadre.")
@click.option("--day", default=None, metavar="YYYY-MM-DD", help="Only this day (with --cadre).")
@_PHASE
@click.option("--reveal", is_flag=True, help="Show residents' names and phones in clear.")
@CAMPAIGN_OPTION
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def route_show_cmd(cadre: str | None, day: str | None, phase: str, reveal: bool,
                   campaign: str | None, township: str | None, db_url: str | None,
                   as_json: bool) -> None:
    """Show the current route plan: every cadre, or one cadre's days, stops, left-outs."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.route_exports import cadre_days, left_out, load_day
        from zoufang.campaign.routes import plan_result

        the_day = parse_date(day, option="day")
        if the_day is not None and cadre is None:
            raise ValueError("--day needs --cadre")
        store = open_cli_store(db_url)
        try:
            with store.session() as s:
                plan = _plan(s, township, campaign, phase)
                if cadre is None:
                    res = plan_result(s, plan)
                    return {"plan": res.to_dict()}, _routes_text(res)
                days = [the_day] if the_day is not None else cadre_days(s, plan.id, cadre)
                views = [load_day(s, plan.id, cadre, d, reveal=reveal) for d in days]
                lo = left_out(s, plan.id, cadre, reveal=reveal)
                town_id = _township_id(s, plan)
            if reveal:
                cli_audit(store, "read", "plan route-show --reveal", township_id=town_id,
                          personal=True, plan_id=plan.id, phase=phase, cadre=cadre,
                          days=[v.day.isoformat() for v in views],
                          rows=sum(len(v.stops) for v in views) + len(lo))
        finally:
            store.dispose()
        head = (f"Route plan #{plan.id} ({plan.phase_kind} {plan.first_day}–{plan.last_day}), "
                f"cadre {cadre}: {len(views)} day(s), "
                f"{sum(len(v.stops) for v in views)} target(s) routed, {len(lo)} left out")
        lines = [head]
        for v in views:
            lines += _day_lines(v)
        if lo:
            lines.append("未排 (left out):")
            lines += [f"  {x['target']:<10} {pad(x['name'] or '', 10)} "
                      f"{pad(x['reason_label'], 12)} {x['detail'] or ''}" for x in lo]
        if not reveal:
            lines.append("(names and phones masked; --reveal shows them)")
        return ({"plan_id": plan.id, "cadre": cadre, "days": [v.to_dict() for v in views],
                 "left_out": lo, "revealed": reveal}, "\n".join(lines))

    run(as_json, go)


@click.command("route-export")
@click.option("--cadre", required=True, help=_CADRE_HELP)
@click.option("--day", default=None, metavar="YYYY-MM-DD",
              help="Only this day (default: every day of the cadre).")
@click.option("--format", "fmt", required=True,
              type=click.Choice(["geojson", "gpx", "html", "all"]),
              help="GeoJSON (route line and stops), GPX 1.1 (for navigation apps), html "
                   "(printable stop list), or all three.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder to write to (created if missing).")
@click.option("--reveal", is_flag=True,
              help="Residents' names and phones in clear (for the visiting cadre only).")
@click.option("--datum", default="wgs84", show_default=True,
              type=click.Choice(["wgs84", "gcj02", "bd09"]),
              help="Datum of the coordinates in the stop list (GCJ-02 for Amap/Tencent, "
                   "BD-09 for Baidu). GeoJSON and GPX are always WGS-84.")
@_PHASE
@CAMPAIGN_OPTION
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def route_export_cmd(cadre: str, day: str | None, fmt: str, out: Path, reveal: bool,
                     datum: str, phase: str, campaign: str | None, township: str | None,
                     db_url: str | None, as_json: bool) -> None:
    """Write a cadre's route days as GeoJSON, GPX and/or a printable stop list."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.route_exports import FORMATS, export_days

        the_day = parse_date(day, option="day")
        formats = list(FORMATS) if fmt == "all" else [fmt]
        store = open_cli_store(db_url)
        try:
            with store.session() as s:
                plan = _plan(s, township, campaign, phase)
                paths = export_days(s, plan.id, cadre, out, formats=formats, day=the_day,
                                    reveal=reveal, datum=datum)
                town_id = _township_id(s, plan)
                rows = _routed_targets(s, plan.id, cadre, the_day)
            cli_audit(store, "route_export", "plan route-export", township_id=town_id,
                      personal=reveal, plan_id=plan.id, phase=phase, cadre=cadre,
                      formats=formats, day=the_day.isoformat() if the_day else None,
                      files=len(paths), rows=rows)
        finally:
            store.dispose()
        text = "\n".join([*(str(p) for p in paths),
                          f"{len(paths)} file(s) written for cadre {cadre} (route plan "
                          f"#{plan.id})" + ("" if reveal else
                                            "; names and phones masked (--reveal)")])
        return {"plan_id": plan.id, "cadre": cadre, "files": [str(p) for p in paths],
                "revealed": reveal}, text

    run(as_json, go)


#: The route commands, added to the ``plan`` group by :mod:`zoufang.cli`.
COMMANDS = (plan_routes_cmd, route_settings_cmd, route_show_cmd, route_export_cmd)
