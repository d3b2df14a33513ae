"""Planner pages (规划员): township map, imports, planning jobs, locks, arrangement table."""

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

from .._errors import ValidationError
from . import maps
from . import services as sv
from .i18n import labels, t
from .security import audit, current_viewer, roles_required

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
    from .views_api import _download, arrangement_file

    viewer = current_viewer()
    data, name = arrangement_file(viewer, fmt)
    audit("export", personal=True, township_id=viewer.township_id,
          detail={"table": "安排表", "format": fmt})
    return _download(data, name, "text/csv" if fmt == "csv" else
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
