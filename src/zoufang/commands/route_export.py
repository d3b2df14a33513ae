"""Commands to show and export the stored daily routes (``plan route-show|route-export``).

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
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from zoufang._errors import Problem, ValidationError
from zoufang.commands.plan import _CAMP, _DB, _JSON, _TOWN, _pad, _run, _store, plan_group

__all__ = ["route_export_cmd", "route_show_cmd"]

_PHASE = click.option("--phase", default="visit", show_default=True,
                      type=click.Choice(["visit", "push", "revisit"]),
                      help="Whose route plan: visit (the concentrated push's days if the "
                           "campaign has one), push, or revisit (回访).")
_CADRE_HELP = "Cadre id (工号)."


def _parse_day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("bad --day", [Problem(
            "options", None, "day", "Expected a date YYYY-MM-DD.", value=text)]) from None


def _plan(s: Any, township: str | None, campaign: str | None, phase: str) -> Any:
    from zoufang.campaign.areas import resolve_campaign
    from zoufang.campaign.route_exports import find_plan

    camp = resolve_campaign(s, township=township, campaign=campaign)
    return find_plan(s, camp.id, phase)


def _day_lines(v: Any) -> list[str]:
    lines = [f"{v.day.isoformat()} 出发 {v.depart_at:%H:%M} 返回 {v.return_at:%H:%M} · "
             f"{v.distance_m / 1000:.1f} km · {v.n_stops} 站 {len(v.stops)} 户"]
    shared = {n for n in {s.stop for s in v.stops}
              if sum(1 for s in v.stops if s.stop == n) > 1}
    for s in v.stops:
        flag = " ★" if s.priority else ""
        no = f"{s.stop}·{s.unit_order + 1}" if s.stop in shared else str(s.stop)
        lines.append(f"  {no:>5} {s.start_at:%H:%M}–{s.end_at:%H:%M} "
                     f"{_pad(s.ext_id, 10)} {_pad(s.name or '', 10)} "
                     f"{_pad(s.purpose_label, 4)} {_pad(s.kind_label, 8)} "
                     f"{s.address or ''}{flag}")
    return lines


@plan_group.command("route-show")
@click.option("--cadre", default=None, help=_CADRE_HELP + " Without it: every cadre.")
@click.option("--day", default=None, metavar="YYYY-MM-DD", help="Only this day (with --cadre).")
@_PHASE
@click.option("--reveal", is_flag=True, help="Show residents' names and phones in clear.")
@_CAMP
@_TOWN
@_DB
@_JSON
def route_show_cmd(cadre: str | None, day: str | None, phase: str, reveal: bool,
                   campaign: str | None, township: str | None, db_url: str | None,
                   as_json: bool) -> None:
    """Show the current route plan: every cadre, or one cadre's days, stops, left-outs."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.route_exports import cadre_days, left_out, load_day
        from zoufang.commands.routes import _routes_text
        from zoufang.campaign.routes import plan_result

        the_day = _parse_day(day)
        if the_day is not None and cadre is None:
            raise ValueError("--day needs --cadre")
        store = _store(db_url)
        try:
            with store.session() as s:
                plan = _plan(s, township, campaign, phase)
                if cadre is None:
                    res = plan_result(s, plan)
                    return {"plan": res.to_dict()}, _routes_text(res)
                days = [the_day] if the_day is not None else cadre_days(s, plan.id, cadre)
                views = [load_day(s, plan.id, cadre, d, reveal=reveal) for d in days]
                lo = left_out(s, plan.id, cadre, reveal=reveal)
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
            lines += [f"  {x['target']:<10} {_pad(x['name'] or '', 10)} "
                      f"{_pad(x['reason_label'], 12)} {x['detail'] or ''}" for x in lo]
        if not reveal:
            lines.append("(names and phones masked; --reveal shows them)")
        return ({"plan_id": plan.id, "cadre": cadre, "days": [v.to_dict() for v in views],
                 "left_out": lo, "revealed": reveal}, "\n".join(lines))

    _run(as_json, go)


@plan_group.command("route-export")
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
@_CAMP
@_TOWN
@_DB
@_JSON
def route_export_cmd(cadre: str, day: str | None, fmt: str, out: Path, reveal: bool,
                     datum: str, phase: str, campaign: str | None, township: str | None,
                     db_url: str | None, as_json: bool) -> None:
    """Write a cadre's route days as GeoJSON, GPX and/or a printable stop list."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.route_exports import FORMATS, export_days

        the_day = _parse_day(day)
        formats = list(FORMATS) if fmt == "all" else [fmt]
        store = _store(db_url)
        try:
            with store.session() as s:
                plan = _plan(s, township, campaign, phase)
                paths = export_days(s, plan.id, cadre, out, formats=formats, day=the_day,
                                    reveal=reveal, datum=datum)
        finally:
            store.dispose()
        text = "\n".join([*(str(p) for p in paths),
                          f"{len(paths)} file(s) written for cadre {cadre} (route plan "
                          f"#{plan.id})" + ("" if reveal else
                                            "; names and phones masked (--reveal)")])
        return {"plan_id": plan.id, "cadre": cadre, "files": [str(p) for p in paths],
                "revealed": reveal}, text

    _run(as_json, go)
