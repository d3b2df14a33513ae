"""Planner pages (规划员): township map, imports, planning jobs, locks, arrangement table.

``/planner/routes`` lists the daily routes of every cadre with each day's exports.
"""

from __future__ import annotations

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
from zoufang.web import maps
from zoufang.web import services as sv
from zoufang.web.i18n import labels, t
from zoufang.web.security import audit, current_viewer, roles_required

__all__ = ["bp", "planner_map_parts"]

bp = Blueprint("planner", __name__, url_prefix="/planner")

MAP_LABELS = ("grids", "grid", "village", "targets", "cadre", "load_h", "ext_id", "name",
              "kind", "address", "phone", "placement", "problems", "problem", "message",
              "loading", "load_failed", "details")


@bp.before_request
@roles_required("planner")
def _guard() -> None:
    """Every planner page is for planners only."""


def _ext() -> tuple[Any, Any, Any]:
    return (current_app.extensions["zoufang_store"], current_app.extensions["zoufang_basemap"],
            current_app.extensions["zoufang_planning"])


def _popup_url(endpoint: str, **kw: Any) -> str:
    return url_for(endpoint, **kw).rsplit("/", 1)[0] + "/{id}"


def planner_map_parts(session: Any, township_id: int, basemap: Any) -> dict[str, str]:
    """The planner's township map, rendered for embedding."""
    m = maps.planner_map(
        basemap, bounds=sv.bounds(session, township_id, basemap),
        grids_url=url_for("api.grids_geojson"), targets_url=url_for("api.targets_geojson"),
        problems_url=url_for("api.problems_geojson"),
        target_popup_url=_popup_url("api.target", target_id=0), labels=labels(*MAP_LABELS),
        kind_colors=sv.KIND_COLORS, legend=sv.kinds_legend())
    return maps.map_parts(m)


@bp.get("/")
def home() -> str:
    """Township map with grids, targets, targets outside grids and grid defects."""
    viewer = current_viewer()
    store, basemap, planning = _ext()
    with store.session() as s:
        summary = sv.summary(s, viewer)
        if summary is None or not summary["grids"] and not summary["targets"]:
            return render_template("planner/home.html", summary=summary, parts=None,
                                   problems=[], plan=None)
        parts = planner_map_parts(s, viewer.township_id, basemap)
        problems = sv.problems_list(s, viewer.township_id, limit=300)
    view = planning.latest(viewer.township_id)
    return render_template("planner/home.html", summary=summary, parts=parts,
                           problems=problems, plan=view.result if view else None)


@bp.route("/import", methods=["GET", "POST"])
def import_page() -> Any:
    """Upload a file of targets, grids or cadres; the CLI's importer and report."""
    viewer = current_viewer()
    store, _basemap, _planning = _ext()
    report = refused = None
    if request.method == "POST":
        up = request.files.get("file")
        kind = request.form.get("kind", "")
        with store.session() as s:
            town = sv.township(s, viewer)
            tname = town.name if town else ""
        if up is None or not up.filename:
            flash(t("file") + ": ?", "error")
        else:
            try:
                report = sv.import_upload(store, viewer, tname, kind, up.filename, up.read(),
                                          crs=request.form.get("crs") or None,
                                          skip_invalid=bool(request.form.get("skip_invalid")))
                flash(t("import_ok"), "ok")
            except ValidationError as exc:
                refused = {"summary": exc.summary, "problems": [p.to_dict()
                                                                for p in exc.problems]}
                flash(t("import_refused"), "error")
    return render_template("planner/import.html", report=report, refused=refused)


@bp.route("/plan", methods=["GET", "POST"])
def plan() -> Any:
    """Start a planning job; see its progress, the plan's checker figures and areas."""
    viewer = current_viewer()
    _store, _basemap, planning = _ext()
    if request.method == "POST":
        try:
            limit = float(request.form.get("time_limit_s")
                          or current_app.config["PLAN_TIME_LIMIT_S"])
            job = planning.start(viewer.township_id, user=viewer.name, time_limit_s=limit,
                                 seed=int(request.form.get("seed") or 0))
        except ValueError as exc:
            flash(str(exc), "error")
            return redirect(url_for("planner.plan"))
        return redirect(url_for("planner.plan", job=job.id))
    job = planning.get(request.args.get("job", "")) or planning.latest_job(viewer.township_id)
    if job is not None and job.township_id != viewer.township_id:
        job = None
    view = planning.latest(viewer.township_id)
    return render_template("planner/plan.html", job=job.to_dict() if job else None,
                           plan=view.result if view else None,
                           available=planning.available,
                           default_limit=current_app.config["PLAN_TIME_LIMIT_S"])


@bp.post("/locks/<cadre_id>")
def toggle_lock(cadre_id: str) -> Any:
    """Lock or unlock one pair (form field ``locked`` = 1 or 0)."""
    viewer = current_viewer()
    try:
        current_app.extensions["zoufang_planning"].set_lock(
            viewer.township_id, cadre_id, request.form.get("locked") == "1", user=viewer.name)
    except (LookupError, ValueError) as exc:
        flash(getattr(exc, "summary", None) or str(exc), "error")
    return redirect(url_for("planner.plan"))


@bp.get("/arrangement.<fmt>")
def arrangement(fmt: str) -> Response:
    """The arrangement table (安排表) of the current plan, csv or xlsx (audited)."""
    from zoufang.web.views.api import _download, arrangement_file

    viewer = current_viewer()
    data, name = arrangement_file(viewer, fmt)
    audit("export", personal=True, township_id=viewer.township_id,
          detail={"table": "安排表", "format": fmt})
    return _download(data, name, "text/csv" if fmt == "csv" else
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


_ROUTE_PHASES = ("visit", "push", "revisit")


def _route_phase() -> str:
    phase = request.args.get("phase") or "visit"
    if phase not in _ROUTE_PHASES:
        raise ValueError(f"phase was {phase!r}; expected one of {', '.join(_ROUTE_PHASES)}")
    return phase


def _route_campaign(session: Any, township_id: int) -> int:
    from zoufang.campaign.route_exports import newest_campaign_id

    camp = newest_campaign_id(session, township_id)
    if camp is None:
        raise sv.NotFound("the township has no campaign yet")
    return camp


@bp.get("/routes")
def routes() -> str:
    """Daily routes of the current route plan: every cadre, its days and their exports."""
    from zoufang.campaign.route_exports import newest_campaign_id, plan_days
    from zoufang.campaign.routes import current_route_plan, plan_result

    viewer = current_viewer()
    phase = _route_phase()
    store = _ext()[0]
    with store.session() as s:
        camp = newest_campaign_id(s, viewer.township_id)
        plan = current_route_plan(s, camp, phase) if camp is not None else None
        res = plan_result(s, plan) if plan is not None else None
        days = {k: [d.isoformat() for d in v]
                for k, v in (plan_days(s, plan.id) if plan is not None else {}).items()}
    return render_template("planner/routes.html", res=res, days=days, phase=phase,
                           phases=_ROUTE_PHASES)


@bp.get("/routes/<cadre>/<day>.<fmt>")
def route_day_file(cadre: str, day: str, fmt: str) -> Response:
    """Download one cadre-day of the current route plan (stop list, GPX or GeoJSON).

    With residents' names (the planner's copy); written to the audit log.
    """
    import datetime as dt

    from zoufang.campaign import route_exports as rx
    from zoufang.web.views.field import day_file_response

    viewer = current_viewer()
    if fmt not in rx.FORMATS:
        raise sv.NotFound(f"no such format {fmt!r}")
    try:
        the_day = dt.date.fromisoformat(day)
    except ValueError:
        raise ValueError(f"day was {day!r}; expected a date YYYY-MM-DD") from None
    with _ext()[0].session() as s:
        plan = rx.find_plan(s, _route_campaign(s, viewer.township_id), _route_phase())
        view = rx.load_day(s, plan.id, cadre, the_day, reveal=True)
    return day_file_response(view, fmt, township_id=viewer.township_id,
                             attachment=fmt != "html")
