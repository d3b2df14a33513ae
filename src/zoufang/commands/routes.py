"""Commands of the daily routes: ``zoufang plan routes`` and ``zoufang plan route-settings``.

- ``plan routes [--cadre ID] [--phase visit|push|revisit] [--time-limit S] [--as-of T]
  [--roads FILE] [--workers N] [--json]``: plan every cadre's days (or one cadre's),
  check them, store them as the phase's current route plan and print the summary: per
  cadre, days used, targets routed and left out (with reasons), extra days needed.
- ``plan route-settings [--file JSON] [--set KEY=JSON ...] [--json]``: show or change the
  campaign's routing settings (time windows by kind, service minutes, cadre windows and
  hours, travel mode and speeds, priority tags, holidays/调休 days).

Errors exit with status 1 naming the field, like the other ``plan`` commands.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from zoufang._errors import Problem, ValidationError
from zoufang.commands.plan import _CAMP, _DB, _JSON, _TOWN, _pad, _rpad, _run, _store, plan_group

__all__ = ["plan_routes_cmd", "route_settings_cmd"]

_REASON_LABELS = {"no_window": "时间窗不符", "unreachable": "单日无法到达", "days_full": "天数不足",
                  "remote": "改电话/微信", "no_location": "无坐标"}


def _parse_as_of(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise ValidationError("routes not planned", [Problem(
        "options", None, "as_of", 'Expected "YYYY-MM-DD HH:MM" or "YYYY-MM-DD" (local time).',
        value=repr(text))])


def _routes_text(res: Any) -> str:
    lines = [" ".join([_pad("走访人员", 16), _rpad("天", 3), _rpad("已排", 5), _rpad("未排", 5),
                       _rpad("电话", 5), _rpad("公里", 7), _rpad("加天", 4)]) + "  状态"]
    for c in res.cadres:
        lines.append(f"{_pad(c['cadre'] + ' ' + c['name'], 16)} {c['days']:>3} "
                     f"{c['routed']:>5} {c['left_out']:>5} {c['remote']:>5} "
                     f"{c['distance_m'] / 1000:>7.1f} {c['extra_days']:>4.0f}  "
                     f"{'ok' if c['status'] == 'ok' else 'FAILED: ' + str(c['message'])}")
    reasons = res.figures.get("reasons", {})
    if reasons:
        lines.append("  未排原因: " + ", ".join(f"{_REASON_LABELS.get(k, k)} {v}"
                                            for k, v in sorted(reasons.items())))
    return "\n".join([*lines, res.summary()])


@plan_group.command("routes")
@click.option("--cadre", default=None, help="Plan only this cadre (工号); the others' routes "
              "are kept from the current plan.")
@click.option("--phase", default="visit", show_default=True,
              type=click.Choice(["visit", "push", "revisit"]),
              help="visit: the concentrated push's days if the campaign has one, else the "
                   "visit phase; revisit: 回访 of issues awaiting the resident's rating.")
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
@_CAMP
@_TOWN
@_DB
@_JSON
def plan_routes_cmd(cadre: str | None, phase: str, time_limit: float, as_of: str | None,
                    roads: Path | None, workers: int, targets: str | None,
                    campaign: str | None, township: str | None, db_url: str | None,
                    as_json: bool) -> None:
    """Daily routes (每日走访路线) of every cadre over the phase's days."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.routes import plan_routes

        store = _store(db_url)
        try:
            res = plan_routes(store, township=township, campaign=campaign, phase=phase,
                              cadre=cadre, time_limit_s=time_limit,
                              as_of=_parse_as_of(as_of), workers=workers, roads=roads,
                              actor="cli",
                              revisit_targets=[t.strip() for t in targets.split(",")
                                               if t.strip()] if targets else None)
        finally:
            store.dispose()
        return {"plan": res.to_dict()}, _routes_text(res)

    _run(as_json, go)


@plan_group.command("route-settings")
@click.option("--file", "file", default=None, type=click.Path(path_type=Path),
              help="A JSON file of settings to merge over the present ones.")
@click.option("--set", "pairs", multiple=True, metavar="KEY=JSON",
              help='One setting, e.g. --set mode=\'"ebike"\' or '
                   '--set \'cadre_windows={"workday": ["18:00-21:00"]}\'.')
@_CAMP
@_TOWN
@_DB
@_JSON
def route_settings_cmd(file: Path | None, pairs: tuple[str, ...], campaign: str | None,
                       township: str | None, db_url: str | None, as_json: bool) -> None:
    """Show or change the campaign's routing settings (time windows, service, speeds)."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.areas import resolve_campaign
        from zoufang.campaign.routes import load_settings, save_settings

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
        store = _store(db_url)
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

    _run(as_json, go)

