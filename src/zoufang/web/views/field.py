"""Field cadre pages (走访干部), phone first: my area, route, record a visit, my issues.

"My area" lists the targets of the cadre's area in the current plan, with contacts;
before the areas are planned it says "not planned yet" and shows no personal data.
"Today's route" (``/field/route?day=YYYY-MM-DD``) shows the cadre's own day of the
current route plan (:mod:`zoufang.campaign.routes`): a map of the route line with
numbered stops, the stop list with times, links to the previous and next day and
downloads of the day as GPX, GeoJSON and a printable stop list
(``/field/route.<gpx|geojson|html>?day=``); "not planned yet" while no route plan
exists. A cadre only ever sees its own routes (its ``cadre_id``; no other cadre can be
asked for), with its residents' names and phones, which never reach the logs. Visits
are recorded by the target's number (编号).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import folium
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from zoufang._errors import ValidationError
from zoufang.campaign import issues as ledger_mod
from zoufang.campaign import route_exports as rx
from zoufang.campaign.store import local_now
from zoufang.campaign.visits import FOUR_ONES, MODES, OUTCOMES
from zoufang.web import maps
from zoufang.web import services as sv
from zoufang.web.basemaps import Basemap
from zoufang.web.i18n import current_lang, t
from zoufang.web.scope import area_target_ids
from zoufang.web.security import Viewer, audit, current_viewer, roles_required

__all__ = ["bp", "cadre_day", "day_file_response", "route_file_response", "route_map"]

bp = Blueprint("field", __name__, url_prefix="/field")


@bp.before_request
@roles_required("cadre")
def _guard() -> None:
    """Every field page is for field cadres only."""


def _store() -> Any:
    return current_app.extensions["zoufang_store"]


def _form_choices(session: Any, township_id: int | None) -> dict[str, Any]:
    cfg = ledger_mod.get_config(session, township_id) if township_id else ledger_mod.LedgerConfig()
    return {"modes": {k: v[0] for k, v in MODES.items()},
            "outcomes": {k: v[0] for k, v in OUTCOMES.items()},
            "four_ones": FOUR_ONES,
            "categories": {k: v[0] for k, v in cfg.categories().items()},
            "responsibilities": {k: v[0] for k, v in ledger_mod.RESPONSIBILITIES.items()},
            "urgencies": {k: v[0] for k, v in ledger_mod.URGENCIES.items()}}


@bp.get("/")
def home() -> str:
    """My area (not planned yet), the visit form, my latest visits and my issues."""
    viewer = current_viewer()
    with _store().session() as s:
        area = area_target_ids(s, viewer)
        area_rows = sv.my_area(s, viewer, area) if area else []
        visits = sv.my_visits(s, viewer, limit=20)
        issues, total = sv.issues_list(s, viewer, open_only=False, mine=True, limit=100)
        choices = _form_choices(s, viewer.township_id)
    return render_template("field/home.html", area=area, area_rows=area_rows,
                           visits=visits, issues=issues,
                           total=total, now=local_now().strftime("%Y-%m-%dT%H:%M"),
                           linked=viewer.cadre_id is not None, **choices)


#: Labels of the route page: key -> (Chinese, English).
_ROUTE_LABELS: dict[str, tuple[str, str]] = {
    "route": ("路线", "Route"), "stops": ("走访点", "Stops"), "base": ("出发点", "Base"),
    "stop": ("站", "Stop"), "time": ("时间", "Time"), "arrive": ("到达", "Arrive"),
    "purpose": ("目的", "Purpose"), "priority": ("重点", "Priority"),
    "earlier_issues": ("此前反映的问题", "Raised before"),
    "depart": ("出发", "Leave"), "return": ("返回", "Back"),
    "distance": ("距离", "Distance"), "duration": ("用时", "Time out"),
    "prev_day": ("前一天", "Previous day"), "next_day": ("后一天", "Next day"),
    "days": ("全部走访日", "All route days"), "downloads": ("下载", "Downloads"),
    "stop_list": ("打印走访清单", "Printable stop list"),
    "geojson": ("GeoJSON 地图数据", "GeoJSON map data"),
    "gpx_note": ("GPX 为 WGS-84（GPS）坐标，可导入 OsmAnd、奥维等导航软件；高德/百度地图"
                 "使用 GCJ-02/BD-09 坐标。",
                 "GPX is WGS-84 (GPS); import it into OsmAnd, Organic Maps or Locus. "
                 "Amap/Baidu use GCJ-02/BD-09."),
    "no_stops": ("当前路线规划中没有您的走访点。", "The current route plan has no stops for you."),
    "day_missing": ("所选日期没有您的路线，已显示", "You have no route on the chosen day; showing"),
    "left_out": ("未排入路线的对象", "Targets not routed"),
    "reason": ("原因", "Reason"), "plan_no": ("路线规划", "Route plan"),
    "straight": ("直线估算", "straight-line estimate"),
}


def _rl() -> dict[str, str]:
    i = 0 if current_lang() == "zh" else 1
    return {k: v[i] for k, v in _ROUTE_LABELS.items()}


def _day_arg(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"day was {value!r}; expected a date YYYY-MM-DD") from None


def cadre_day(session: Any, viewer: Viewer, day: dt.date | None = None,
              phase: str | None = None) -> tuple[rx.CadreRoute, rx.DayView | None] | None:
    """Return the viewer's own route and the chosen day (with names: it visits them).

    None while the viewer's campaign has no route plan (or the user is not a cadre).
    Only ``viewer.cadre_id`` is ever looked up: no other cadre's route can be asked for.
    """
    if viewer.cadre_id is None or viewer.township_id is None:
        return None
    camp = rx.newest_campaign_id(session, viewer.township_id)  # as :mod:`.scope` does
    if camp is None:
        return None
    cr = rx.cadre_route(session, camp, viewer.cadre_id, day=day, phase=phase,
                        today=local_now().date())
    if cr is None:
        return None
    view = (rx.load_day(session, cr.plan.id, viewer.cadre_id, cr.day, reveal=True)
            if cr.day is not None else None)
    return cr, view


def route_map(basemap: Basemap, view: rx.DayView, labels: dict[str, str]) -> folium.Map:
    """Return the map of one cadre-day: the route line, the base and the stops.

    The stops are numbered by the page's script (``data-stop-labels`` on the map's
    container counts the numbers drawn). Coordinates are shifted to the basemap's datum.
    """
    fc = rx.to_geojson(view, datum=basemap.crs)
    by_kind: dict[str, list[dict[str, Any]]] = {"route": [], "base": [], "stop": []}
    for f in fc["features"]:
        by_kind[f["properties"]["feature"]].append(f)
    xs = [c[0] for f in by_kind["route"] for c in f["geometry"]["coordinates"]]
    ys = [c[1] for f in by_kind["route"] for c in f["geometry"]["coordinates"]]
    bounds = [[min(ys), min(xs)], [max(ys), max(xs)]] if xs else None
    m = maps.base_map(basemap, bounds, height="55vh")

    def coll(kind: str) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": by_kind[kind]}

    layers = [
        maps.Layer("route", labels["route"], "polygons", data=coll("route"),
                   default_color="#d62728", weight=4, fit=True,
                   tooltip=[["depart", labels["depart"]], ["return", labels["return"]]]),
        maps.Layer("base", labels["base"], "points", data=coll("base"),
                   default_color="#2ca02c", radius=7, weight=2),
        maps.Layer("stops", labels["stops"], "points", data=coll("stop"),
                   default_color="#1f77b4", radius=11, weight=2,
                   tooltip=[["stop", labels["stop"]], ["time", labels["time"]],
                            ["target", t("ext_id")], ["name", t("name")],
                            ["address", t("address")], ["purpose_label", labels["purpose"]]]),
    ]
    maps.MapLayers(layers, name="route", labels={"loading": t("loading"),
                                                 "load_failed": t("load_failed")}).add_to(m)
    return m


def _stop_numbers(view: rx.DayView, basemap: Basemap) -> list[list[float]]:
    """``[stop, lat, lon]`` of each stop in the basemap's datum, for the number labels."""
    groups = view.groups()
    pts = rx.to_datum([(g[0].lon, g[0].lat) for g in groups], basemap.crs)
    return [[g[0].stop, round(p[1], 7), round(p[0], 7)] for g, p in zip(groups, pts,
                                                                         strict=True)]


@bp.get("/route")
def route() -> Any:
    """Show the cadre's route of a day (today by default): map, stops, downloads."""
    viewer = current_viewer()
    assert viewer is not None
    day = _day_arg(request.args.get("day"))
    phase = request.args.get("phase") or None
    if phase is not None and phase not in ("visit", "push", "revisit"):
        raise ValueError(f"phase was {phase!r}; expected visit, push or revisit")
    basemap = current_app.extensions["zoufang_basemap"]
    labels = _rl()
    with _store().session() as s:
        found = cadre_day(s, viewer, day, phase)
        if found is None:
            return render_template("not_planned.html", heading=t("today_route"),
                                   help=t("no_route_help"))
        cr, view = found
        left = (rx.left_out(s, cr.plan.id, viewer.cadre_id, reveal=True)
                if cr.in_plan and viewer.cadre_id is not None else [])
    parts = maps.map_parts(route_map(basemap, view, labels)) if view is not None else None
    return render_template(
        "field/route.html", cr=cr, v=view, parts=parts, left=left, rl=labels,
        groups=view.groups() if view else [], phase=phase,
        numbers=maps.safe_json(_stop_numbers(view, basemap)) if view else "[]",
        phase_name=str(cr.plan.figures.get("phase_name") or cr.plan.phase_kind))


def route_file_response(viewer: Viewer, fmt: str, day: dt.date | None,
                        phase: str | None = None, *, attachment: bool = True) -> Response:
    """Return the viewer's route day as a GPX, GeoJSON or stop-list download (audited).

    Raises :class:`~zoufang.web.services.NotFound` while the viewer has no route.
    """
    if fmt not in rx.FORMATS:
        raise sv.NotFound(f"no such format {fmt!r}; expected one of {', '.join(rx.FORMATS)}")
    with _store().session() as s:
        found = cadre_day(s, viewer, day, phase)
        if found is None or found[1] is None:
            raise sv.NotFound("your route is not planned yet (尚未规划路线)")
        cr, view = found
        if day is not None and cr.asked_missing:
            raise sv.NotFound(f"you have no route on {day.isoformat()}; your days: "
                              + ", ".join(d.isoformat() for d in cr.days))
    return day_file_response(view, fmt, township_id=viewer.township_id,
                             attachment=attachment)


def day_file_response(view: rx.DayView, fmt: str, *, township_id: int | None,
                      attachment: bool = True) -> Response:
    """Return one cadre-day as a download, written to the audit log.

    The audit line holds no personal data: the format, day, plan and cadre only.
    """
    body = rx.render(view, fmt)
    audit("route_export", personal=view.revealed, township_id=township_id,
          detail={"format": fmt, "day": view.day.isoformat(), "plan_id": view.plan_id,
                  "cadre": view.cadre_ext_id, "stops": len(view.stops)})
    resp = Response(body, mimetype=rx.MEDIA_TYPES[fmt].split(";")[0])
    if fmt == "html":
        resp.charset = "utf-8"
    name = rx.export_name(view.cadre_ext_id, view.day, fmt)
    how = "attachment" if attachment else "inline"
    resp.headers["Content-Disposition"] = f'{how}; filename="{name}"'
    return resp


@bp.get("/route.<fmt>")
def route_file(fmt: str) -> Response:
    """Download the day (``?day=``) as ``gpx``, ``geojson`` or ``html`` (printable)."""
    viewer = current_viewer()
    assert viewer is not None
    return route_file_response(viewer, fmt, _day_arg(request.args.get("day")),
                               request.args.get("phase") or None,
                               attachment=fmt != "html")


@bp.post("/visit")
def visit() -> Any:
    """Record a visit (and the issue raised in it)."""
    viewer = current_viewer()
    form = request.form.to_dict()
    try:
        with _store().session() as s:
            out = sv.record_field_visit(s, viewer, form)
    except ValidationError as exc:
        flash(t("visit_refused") + ": " + "; ".join(
            [exc.summary, *((p.field + ": " if p.field else "") + p.message
                            for p in exc.problems)]), "error")
        return redirect(url_for("field.home"))
    except sv.Forbidden as exc:
        flash(str(exc), "error")
        return redirect(url_for("field.home"))
    msg = f"{t('visit_recorded')}: {out['target']} · {out['at']}"
    if out["issue_id"]:
        msg += f" · {t('issue_no')} {out['issue_id']}"
    flash(msg, "ok")
    return redirect(url_for("field.home"))
