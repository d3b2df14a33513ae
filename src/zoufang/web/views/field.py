"""Field cadre pages (走访干部), phone first: my visits, today's route, a stop, recording.

- **我的走访** (``/field/``): the cadre's name and area, today's progress (visited, due,
  not at home to retry), a map of the own area with the households coloured by status,
  and one card per household (name, address on one line, ``tel:`` link, status, last
  visit) with a search by name, address or door number; a form to record by number
  (编号) for a target that is not on the route; the cadre's issues and latest visits.
  Before the areas are planned it says "not planned yet" and shows no personal data.
- **今日路线** (``/field/route?day=YYYY-MM-DD``): the cadre's own day of the current route
  plan (:mod:`zoufang.campaign.routes`) as numbered stop cards in visiting order with the
  expected times, each with a **登记走访** button; the map of the day fitted to the stops
  (not the commute), a tap on a stop on the map opens its card; previous/next day; when
  today has no route it says so and shows the next day with one; downloads of the day as
  GPX, GeoJSON and a printable stop list (``/field/route.<gpx|geojson|html>?day=``).
- **A stop's card** (``/field/stop/<target_id>``): who lives there, what this household
  and its neighbours (the cadre's own area, no names) raised before, the hotspots it is
  part of (回头看), earlier visits, and a large **登记走访** button.
- **登记走访** (``/field/record/<target_id>``): the form opens with the target, the cadre
  and the time filled and the GPS point taken (``static/js/field.js``); the outcome is
  four large buttons 已走访 / 不在家 / 拒访 / 空关, the mode 入户 / 电话 / 微信, the four ones
  toggles, notes, and any number of issues. From the route: 登记走访 on the stop's card,
  the outcome, 保存. With the script the form goes through the phone's outbox and
  ``POST /api/v1/me/sync`` (so it works offline); without it the form posts here. An
  error keeps everything typed and says in Chinese what to fix. A GPS point farther than
  the integrity distance from the target, or none, is shown before saving and stored as a
  flag (:mod:`zoufang.web.field_records`).
- The app is installable: ``/field/manifest.webmanifest`` and the service worker
  ``/field/sw.js`` (Workbox, served by the app), which keep the field pages, the area,
  the next days' routes and the stops' cards on the phone.

A cadre only ever sees its own area and routes (its ``cadre_id``), with its residents'
names and phones, which never reach the logs; each page showing them is audited
(:func:`zoufang.web.scope.audit_read`: the rows shown, not the names). Visits are recorded
only for the targets the cadre may visit (:func:`zoufang.web.scope.visit_grant`); any
other is refused with one message that tells nothing about it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

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
from zoufang.campaign import route_exports as rx
from zoufang.campaign.phases import PLAN_PHASES
from zoufang.campaign.store import local_now
from zoufang.web import field_records as fr
from zoufang.web import maps
from zoufang.web import queries as q
from zoufang.web.context import basemap, parse_day, phase_arg, store, viewer
from zoufang.web.errors import Forbidden
from zoufang.web.i18n import labels, section, t
from zoufang.web.responses import route_file_response
from zoufang.web.scope import area_target_ids, audit_read
from zoufang.web.security import roles_required

__all__ = ["STATUS_COLORS", "bp"]

bp = Blueprint("field", __name__, url_prefix="/field")

#: Labels the route map needs besides the route page's own (``i18n`` "route.").
ROUTE_MAP_LABELS = ("ext_id", "name", "address", "loading", "load_failed")
#: Status of a household on the home page -> map colour.
STATUS_COLORS = {"visited": "#2e7d32", "not_home": "#f9a825", "due": "#c62828"}
#: The service worker and the files it is made of (served by the app, no CDN).
_STATIC = Path(__file__).resolve().parents[1] / "static"
#: Route days ahead whose pages and stop cards the phone keeps for offline use.
DAYS_AHEAD = 3
#: Endpoints of this blueprint anyone may fetch (no personal data): the browser fetches
#: them itself, before and outside any page.
_PUBLIC = ("field.service_worker", "field.manifest")


@bp.before_request
def _guard() -> Any:
    """Every field page is for field cadres only (the worker and manifest are public)."""
    if request.endpoint in _PUBLIC:
        return None
    return roles_required("cadre")(lambda: None)()


def _fl() -> dict[str, str]:
    return section("field.")


def _area_map(rows: list[dict[str, Any]]) -> dict[str, str] | None:
    """Return the map of the own area: one point per household, coloured by status."""
    pts = [r for r in rows if r["lon"] is not None and r["lat"] is not None]
    if not pts:
        return None
    bm = basemap()
    shifted = rx.to_datum([(r["lon"], r["lat"]) for r in pts], bm.crs)
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
              "properties": {"id": r["id"], "ext_id": r["ext_id"], "name": r["name"],
                             "address": r["address"], "status": r["status"],
                             "status_label": r["status_label"]}}
             for r, (x, y) in zip(pts, shifted, strict=True)]
    xs, ys = [p[0] for p in shifted], [p[1] for p in shifted]
    m = maps.base_map(bm, [[min(ys), min(xs)], [max(ys), max(xs)]], height="45vh")
    fl = _fl()
    maps.MapLayers([maps.Layer(
        "area", t("my_area"), "points", data={"type": "FeatureCollection", "features": feats},
        color_by="status", colors=STATUS_COLORS, radius=7, weight=2, fill_opacity=0.85,
        fit=True, tooltip=[["ext_id", t("ext_id")], ["name", t("name")],
                           ["status_label", t("status")]],
        popup_fields=[["ext_id", t("ext_id")], ["name", t("name")],
                      ["address", t("address")], ["status_label", t("status")]])],
        name="area", legend=[[STATUS_COLORS[k], fl[k]] for k in STATUS_COLORS],
        labels=labels(*ROUTE_MAP_LABELS)).add_to(m)
    return maps.map_parts(m)


@bp.get("/")
def home() -> str:
    """Show my name, area, progress, the map and cards of my area, my issues and visits."""
    v = viewer()
    with store().session() as s:
        area = area_target_ids(s, v)
        area_rows = fr.area_rows(s, v, area) if area else []
        visits = q.my_visits(s, v, limit=20)
        issues, total = q.issues_list(s, v, open_only=False, mine=True, limit=100)
        choices = q.visit_form_choices(s, v.township_id)
        me = fr.cadre_header(s, v)
        progress = fr.day_progress(s, v, area_rows)
    audit_read(len(area_rows) + sum(1 for i in issues if i["personal"]))
    parts = _area_map(area_rows) if area_rows else None
    return render_template("field/home.html", area=area, area_rows=area_rows,
                           visits=visits, issues=issues, me=me, progress=progress,
                           parts=parts, fl=_fl(), total=total,
                           now=local_now().strftime("%Y-%m-%dT%H:%M"),
                           linked=v.cadre_id is not None, **choices)


def _prefetch(ahead: list[dt.date], targets: list[int], phase: str | None) -> list[str]:
    """Return the URLs the phone keeps for offline use: the next days, the stops' cards.

    The route pages of the next route days, and the card and the record form of every
    stop of the day shown and of those days.
    """
    urls = [url_for("field.route", day=d.isoformat(), phase=phase) for d in ahead]
    for tid in targets:
        urls.append(url_for("field.stop", target_id=tid))
        urls.append(url_for("field.record", target_id=tid))
    return list(dict.fromkeys(urls))


@bp.get("/route")
def route() -> Any:
    """Show the cadre's route of a day (today by default): stop cards, map, downloads."""
    v = viewer()
    asked = request.args.get("day")
    day = parse_day(asked)
    phase = phase_arg(PLAN_PHASES)
    bm = basemap()
    rl = section("route.")
    with store().session() as s:
        found = q.cadre_day(s, v, day, phase)
        if found is None:
            return render_template("not_planned.html", heading=t("today_route"),
                                   help=t("no_route_help"))
        cr, view = found
        left = (rx.left_out(s, cr.plan.id, v.cadre_id, reveal=True)
                if cr.in_plan and v.cadre_id is not None else [])
        prefetch = _prefetch(*fr.ahead_targets(s, v, cr, view, DAYS_AHEAD), phase) \
            if view is not None else []
    audit_read((len(view.stops) if view is not None else 0) + len(left),
               day=view.day.isoformat() if view is not None else None, plan_id=cr.plan.id)
    parts = (maps.map_parts(maps.route_map(bm, view, {**rl, **labels(*ROUTE_MAP_LABELS)}))
             if view is not None else None)
    today = local_now().date()
    not_today = view is not None and not asked and view.day != today
    return render_template(
        "field/route.html", cr=cr, v=view, parts=parts, left=left, rl=rl, fl=_fl(),
        groups=view.groups() if view else [], phase=phase, not_today=not_today,
        numbers=maps.safe_json(maps.stop_numbers(view, bm)) if view else "[]",
        prefetch=json.dumps(prefetch),
        phase_name=str(cr.plan.figures.get("phase_name") or cr.plan.phase_kind))


@bp.get("/route.<fmt>")
def route_file(fmt: str) -> Response:
    """Download the day (``?day=``) as ``gpx``, ``geojson`` or ``html`` (printable)."""
    return route_file_response(viewer(), fmt, parse_day(request.args.get("day")),
                               phase_arg(PLAN_PHASES), attachment=fmt != "html")


def _back(default: str) -> str:
    """Return the page to go back to (``?next=``): a field page only, never another site."""
    nxt = request.values.get("next") or ""
    return nxt if nxt.startswith("/field/") and "//" not in nxt and "\\" not in nxt else default


@bp.get("/stop/<int:target_id>")
def stop(target_id: int) -> str:
    """Show a stop's card: who lives there, what was raised before, earlier visits."""
    v = viewer()
    with store().session() as s:
        d = q.target_detail(s, v, target_id)  # Forbidden outside the cadre's area
        near = fr.neighbour_issues(s, v, target_id)
    audit_read(1, target_id=target_id)
    back = _back(url_for("field.route"))
    return render_template("field/stop.html", d=d, near=near, fl=_fl(), back=back)


def _form_values(form: Any) -> dict[str, Any]:
    """Return the record form as sent: the visit's fields and its list of issues."""
    data: dict[str, Any] = {k: form.get(k) for k in (
        "target", "mode", "outcome", "at", "notes", "lon", "lat", "card", "survey",
        "leaflet", "solved", "client_id")}
    cats, resps = form.getlist("issue_category"), form.getlist("issue_responsibility")
    urgs, texts = form.getlist("issue_urgency"), form.getlist("issue_text")
    data["issues"] = [{"category": c, "responsibility": r, "urgency": u, "text": x}
                      for c, r, u, x in zip(cats, resps, urgs, texts, strict=False)]
    return data


def _render_record(target_id: int, values: dict[str, Any], errors: list[dict[str, str]],
                   status: int = 200) -> tuple[str, int]:
    v = viewer()
    with store().session() as s:
        target = fr.record_target(s, v, target_id)
        choices = q.visit_form_choices(s, v.township_id)
        me = fr.cadre_header(s, v)
    limit = target["gps_far_m"]
    audit_read(1, target_id=target_id)
    values.setdefault("at", local_now().strftime("%Y-%m-%dT%H:%M"))
    values.setdefault("mode", "in_home")
    issues = values.get("issues") or []
    return render_template("field/record.html", target=target, me=me, values=values,
                           issues=issues, errors=errors, gps_far_m=limit, fl=_fl(),
                           back=_back(url_for("field.route")),
                           **choices), status


@bp.get("/record/<int:target_id>")
def record(target_id: int) -> tuple[str, int]:
    """Show the record form of a visit to the target, prefilled."""
    return _render_record(target_id, {}, [])


@bp.post("/record/<int:target_id>")
def record_post(target_id: int) -> Any:
    """Record the visit (with its issues); an error shows the form again, as typed."""
    v = viewer()
    values = _form_values(request.form)
    with store().session() as s:
        values["target"] = fr.record_target(s, v, target_id)["ext_id"]
    if not values.get("outcome"):
        return _render_record(target_id, values, [{"field": "outcome", "label": "走访结果",
                                                   "message": t("field.pick_outcome")}], 400)
    try:
        with store().session() as s:
            out = fr.record_one(s, v, {**values, "at": values.get("at") or None},
                             client_id=values.get("client_id") or None)
    except ValidationError as exc:
        return _render_record(target_id, values, fr.chinese_problems(exc), 400)
    msg = f"{t('visit_recorded')}: {out['target']} · {out['at']}"
    if out["issues"]:
        msg += f" · {t('issue_no')} " + "、".join(str(i["issue_id"]) for i in out["issues"])
    flash(msg, "ok")
    for f in out["flags"]:
        flash(f"{t('field.visit_flagged')}: {f['message']}", "warning")
    return redirect(_back(url_for("field.route")))


@bp.post("/visit")
def visit() -> Any:
    """Record a visit by the target's number (and the issue raised in it)."""
    v = viewer()
    form = request.form.to_dict()
    try:
        with store().session() as s:
            out = fr.record_one(s, v, form)
    except ValidationError as exc:
        flash(t("visit_refused") + ": " + "; ".join(
            p["message"] for p in fr.chinese_problems(exc)), "error")
        return redirect(url_for("field.home"))
    except Forbidden as exc:
        flash(str(exc), "error")
        return redirect(url_for("field.home"))
    msg = f"{t('visit_recorded')}: {out['target']} · {out['at']}"
    if out["issue_id"]:
        msg += f" · {t('issue_no')} {out['issue_id']}"
    flash(msg, "ok")
    for f in out["flags"]:
        flash(f"{t('field.visit_flagged')}: {f['message']}", "warning")
    return redirect(url_for("field.home"))


# ----------------------------------------------------------------------------- offline

@bp.get("/sw.js")
def service_worker() -> Response:
    """Serve the service worker (scope ``/field/``); it loads Workbox from the app."""
    resp = current_app.response_class((_STATIC / "js" / "field-sw.js").read_bytes(),
                                      mimetype="text/javascript")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    """Serve the web app manifest: installable with a Chinese name and icons."""
    icons = [{"src": url_for("static", filename=f"img/field-icon-{n}.png"),
              "sizes": f"{n}x{n}", "type": "image/png", "purpose": "any maskable"}
             for n in (192, 512)]
    icons.append({"src": url_for("static", filename="favicon.svg"), "sizes": "any",
                  "type": "image/svg+xml"})
    body = {"name": "走访助手 · 走访干部", "short_name": "走访助手", "lang": "zh-CN",
            "description": "走访干部的手机应用：我的走访、今日路线、登记走访，无网络也能用",
            "start_url": url_for("field.route"), "scope": url_for("field.home"),
            "display": "standalone", "background_color": "#ffffff",
            "theme_color": "#1f5fa8", "icons": icons}
    resp = current_app.response_class(json.dumps(body, ensure_ascii=False),
                                      mimetype="application/manifest+json")
    return resp
