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
are recorded by the target's number (编号), only for the targets the cadre may visit
(:func:`zoufang.web.scope.visit_grant`: its area, its service contacts, revisits of its
issues); any other number is refused with one message that tells nothing about it.
The home and route pages show residents' names in clear, so each view of them is
audited (:func:`zoufang.web.scope.audit_read`: the rows shown, not the names).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from zoufang._errors import ValidationError
from zoufang.campaign import route_exports as rx
from zoufang.campaign.store import local_now
from zoufang.web import forms, maps
from zoufang.web import queries as q
from zoufang.web.context import basemap, parse_day, store, viewer
from zoufang.web.errors import Forbidden
from zoufang.web.i18n import labels, section, t
from zoufang.web.responses import route_file_response
from zoufang.web.scope import area_target_ids, audit_read
from zoufang.web.security import roles_required

__all__ = ["bp"]

bp = Blueprint("field", __name__, url_prefix="/field")

#: Labels the route map needs besides the route page's own (``i18n`` "route.").
ROUTE_MAP_LABELS = ("ext_id", "name", "address", "loading", "load_failed")


@bp.before_request
@roles_required("cadre")
def _guard() -> None:
    """Every field page is for field cadres only."""


@bp.get("/")
def home() -> str:
    """Show my area (not planned yet), the visit form, my latest visits and my issues."""
    v = viewer()
    with store().session() as s:
        area = area_target_ids(s, v)
        area_rows = q.my_area(s, v, area) if area else []
        visits = q.my_visits(s, v, limit=20)
        issues, total = q.issues_list(s, v, open_only=False, mine=True, limit=100)
        choices = q.visit_form_choices(s, v.township_id)
    audit_read(len(area_rows) + sum(1 for i in issues if i["personal"]))
    return render_template("field/home.html", area=area, area_rows=area_rows,
                           visits=visits, issues=issues,
                           total=total, now=local_now().strftime("%Y-%m-%dT%H:%M"),
                           linked=v.cadre_id is not None, **choices)


@bp.get("/route")
def route() -> Any:
    """Show the cadre's route of a day (today by default): map, stops, downloads."""
    v = viewer()
    day = parse_day(request.args.get("day"))
    phase = request.args.get("phase") or None
    if phase is not None and phase not in ("visit", "push", "revisit"):
        raise ValueError(f"phase was {phase!r}; expected visit, push or revisit")
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
    audit_read((len(view.stops) if view is not None else 0) + len(left),
               day=view.day.isoformat() if view is not None else None, plan_id=cr.plan.id)
    parts = (maps.map_parts(maps.route_map(bm, view, {**rl, **labels(*ROUTE_MAP_LABELS)}))
             if view is not None else None)
    return render_template(
        "field/route.html", cr=cr, v=view, parts=parts, left=left, rl=rl,
        groups=view.groups() if view else [], phase=phase,
        numbers=maps.safe_json(maps.stop_numbers(view, bm)) if view else "[]",
        phase_name=str(cr.plan.figures.get("phase_name") or cr.plan.phase_kind))


@bp.get("/route.<fmt>")
def route_file(fmt: str) -> Response:
    """Download the day (``?day=``) as ``gpx``, ``geojson`` or ``html`` (printable)."""
    return route_file_response(viewer(), fmt, parse_day(request.args.get("day")),
                               request.args.get("phase") or None,
                               attachment=fmt != "html")


@bp.post("/visit")
def visit() -> Any:
    """Record a visit (and the issue raised in it)."""
    v = viewer()
    form = request.form.to_dict()
    try:
        with store().session() as s:
            out = forms.record_field_visit(s, v, form)
    except ValidationError as exc:
        flash(t("visit_refused") + ": " + "; ".join(
            [exc.summary, *((p.field + ": " if p.field else "") + p.message
                            for p in exc.problems)]), "error")
        return redirect(url_for("field.home"))
    except Forbidden as exc:
        flash(str(exc), "error")
        return redirect(url_for("field.home"))
    msg = f"{t('visit_recorded')}: {out['target']} · {out['at']}"
    if out["issue_id"]:
        msg += f" · {t('issue_no')} {out['issue_id']}"
    flash(msg, "ok")
    return redirect(url_for("field.home"))
