"""Planner pages (规划员): township map, imports, planning jobs, locks, arrangement table.

``/planner/routes`` lists the daily routes of every cadre with each day's exports.
"""

from __future__ import annotations

import datetime as dt
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

from zoufang._errors import Problem, ValidationError
from zoufang.campaign import route_exports as rx
from zoufang.campaign.store.db import StoreBusy
from zoufang.vocab import LEFT_OUT_REASONS
from zoufang.web import forms, maps
from zoufang.web import queries as q
from zoufang.web.context import (
    BadArgument,
    basemap,
    parse_day,
    phase_arg,
    plan_job_options,
    planning,
    popup_url,
    store,
    viewer,
)
from zoufang.web.errors import NotFound, cap_problems, localised
from zoufang.web.i18n import labels, t
from zoufang.web.responses import XLSX, day_file_response, download
from zoufang.web.security import audit, roles_required

__all__ = ["bp", "planner_map_parts"]

bp = Blueprint("planner", __name__, url_prefix="/planner")

MAP_LABELS = ("grids", "grid", "village", "targets", "cadre", "load_h", "ext_id", "name",
              "kind", "address", "phone", "placement", "problems", "problem", "message",
              "loading", "load_failed", "details")


@bp.before_request
@roles_required("planner")
def _guard() -> None:
    """Every planner page is for planners only."""


def planner_map_parts(bounds: list[list[float]] | None) -> dict[str, str]:
    """Return the planner's township map fitted to ``bounds``, rendered for embedding."""
    m = maps.planner_map(
        basemap(), bounds=bounds,
        grids_url=url_for("api.grids_geojson"), targets_url=url_for("api.targets_geojson"),
        problems_url=url_for("api.problems_geojson"),
        target_popup_url=popup_url("api.target", target_id=0), labels=labels(*MAP_LABELS),
        kind_colors=maps.KIND_COLORS, legend=maps.kinds_legend())
    return maps.map_parts(m)


@bp.get("/")
def home() -> str:
    """Show the township map: grids, targets, targets outside grids, grid defects."""
    v = viewer()
    with store().session() as s:
        summary = q.summary(s, v)
        if summary is None or not summary["grids"] and not summary["targets"]:
            return render_template("planner/home.html", summary=summary, parts=None,
                                   problems=[], plan=None)
        parts = planner_map_parts(q.bounds(s, v.township_id, basemap()))
        problems = q.problems_list(s, v.township_id, limit=300)
    view = planning().latest(v.township_id)
    return render_template("planner/home.html", summary=summary, parts=parts,
                           problems=problems, plan=view.result if view else None)


@bp.route("/import", methods=["GET", "POST"])
def import_page() -> Any:
    """Upload a file of targets, grids or cadres; the CLI's importer and report.

    The page is a wizard (:mod:`zoufang.web.import_wizard`): the chosen file is previewed
    (``/planner/import/preview``), each column's meaning can be corrected, the file
    checked (``/planner/import/validate``) and then imported here with the meanings
    chosen (form fields ``columns``, ``header_row``), which are remembered for the
    township and kind of file. The upload is held to the app's upload limits
    (:func:`zoufang.web.forms.import_upload`); a refusal lists the first
    ``ERROR_MAX_PROBLEMS`` problems and counts the rest.
    """
    from zoufang.web import import_wizard as wiz

    v = viewer()
    report = refused = None
    if request.method == "POST":
        up = request.files.get("file")
        kind = request.form.get("kind", "")
        with store().session() as s:
            town = q.township(s, v)
            tname = town.name if town else ""
            tid = town.id if town else None
        if up is None or not up.filename:
            flash(t("file") + ": ?", "error")
        else:
            try:
                columns = wiz.parse_columns(request.form.get("columns"))
                header_row = _header_row(request.form.get("header_row"))
                options: dict[str, Any] = {"columns": columns}
                if kind != "grids":
                    options["header_row"] = header_row
                if kind == "targets" and request.form.get("default_kind"):
                    options["kind"] = request.form["default_kind"]
                if kind == "targets":
                    options["accept_crs"] = bool(request.form.get("accept_crs"))
                report = forms.import_upload(
                    store(), v, tname, kind, up.filename, up.stream,
                    crs=request.form.get("crs") or None,
                    skip_invalid=bool(request.form.get("skip_invalid")), options=options)
                if tid is not None:
                    with store().session() as s:
                        wiz.remember(s, tid, kind, report.get("columns") or {},
                                     header_row, v.name)
                flash(t("import_ok"), "ok")
            except StoreBusy:
                raise  # 503 with Retry-After (zoufang.web.app)
            except ValidationError as exc:
                problems, more = cap_problems(exc.problems,
                                              current_app.config["ERROR_MAX_PROBLEMS"])
                refused = {"summary": exc.summary, "problems": problems, "more": more}
                flash(t("import_refused"), "error")
    from zoufang.vocab import KINDS

    with store().session() as s:
        box = q.bounds(s, v.township_id, basemap()) if v.township_id else None
    return render_template("planner/import.html", report=report, refused=refused,
                           import_labels=labels(*IMPORT_LABELS), kinds=KINDS,
                           tiles=basemap(), bounds=box)


#: Labels of the import wizard's script.
IMPORT_LABELS = ("import_preview", "import_meaning", "import_not_used", "import_header_row",
                 "import_rows_total", "import_check", "import_checked_ok",
                 "import_checked_bad", "import_rejects_csv", "import_remembered", "row",
                 "column", "message", "problem_value", "import_problems_file",
                 "import_default_kind", "kind", "file_kind", "targets", "import_points_map")


def _header_row(text: str | None) -> int | None:
    if not text or not text.strip():
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise ValidationError("header_row", [Problem(
            "upload", None, "header_row", "表头行应为正整数（表头所在的行号）",
            code="bad_header_row", value=text)])
    return int(text)


def _wizard_json(fn: Any) -> Response:
    """Run one wizard step; answer JSON, a refusal in the one error shape (400)."""
    from flask import jsonify

    from zoufang.web.errors import error_body

    try:
        return jsonify({"ok": True, **fn()})
    except StoreBusy:
        raise
    except ValidationError as exc:
        problems, _more = cap_problems(exc.problems, current_app.config["ERROR_MAX_PROBLEMS"])
        resp = jsonify(error_body(400, exc.summary, problems))
        resp.status_code = 400
        return resp


def _wizard_upload() -> Any:
    """Return the wizard's uploaded file, or refuse the step when none was chosen."""
    up = request.files.get("file")
    if up is None or not up.filename:
        raise ValidationError("no file", [Problem("upload", None, "file",
                                                  "请选择要导入的文件", code="missing")])
    return up


@bp.post("/import/preview")
def import_preview() -> Response:
    """Preview an upload: header row, each column's meaning, the first rows (JSON)."""
    from zoufang.web import import_wizard as wiz

    def work() -> dict[str, Any]:
        up = _wizard_upload()
        kind = request.form.get("kind", "")
        remembered: dict[str, str] = {}
        with store().session() as s:
            town = q.township(s, viewer())
            if town is not None and kind in wiz.SPECS:
                remembered, _row = wiz.load_mapping(s, town.id, kind)
        return {"preview": wiz.preview(
            kind, up.filename, up.stream,
            columns=wiz.parse_columns(request.form.get("columns")),
            header_row=_header_row(request.form.get("header_row")), remembered=remembered)}

    return _wizard_json(work)


@bp.post("/import/validate")
def import_validate() -> Response:
    """Check an upload with the meanings chosen, writing nothing (JSON; rejects as CSV)."""
    from zoufang.web import import_wizard as wiz

    def work() -> dict[str, Any]:
        up = _wizard_upload()
        kind = request.form.get("kind", "")
        with store().session() as s:
            town = q.township(s, viewer())
            tname = town.name if town else ""
        report = wiz.validate(
            store(), viewer(), tname, kind, up.filename, up.stream,
            columns=wiz.parse_columns(request.form.get("columns")),
            header_row=_header_row(request.form.get("header_row")),
            crs=request.form.get("crs") or None,
            default_kind=request.form.get("default_kind") or None,
            accept_crs=bool(request.form.get("accept_crs")))
        pts = report.get("sample_points") or []
        shifted = rx.to_datum([(p[1], p[2]) for p in pts], basemap().crs)
        report["sample_points"] = [[p[0], round(y, 7), round(x, 7)]
                                   for p, (x, y) in zip(pts, shifted, strict=True)]
        return {"report": report}

    return _wizard_json(work)


@bp.route("/plan", methods=["GET", "POST"])
def plan() -> Any:
    """Start a planning job; see its progress, the plan's checker figures and areas."""
    v = viewer()
    jobs = planning()
    if request.method == "POST":
        try:
            limit, seed = plan_job_options(request.form.get("time_limit_s"),
                                           request.form.get("seed"))
        except BadArgument as exc:
            flash(exc.summary, "error")
            return redirect(url_for("planner.plan"))
        job = jobs.start(v.township_id, user=v.name, time_limit_s=limit, seed=seed)
        return redirect(url_for("planner.plan", job=job.id))
    job = jobs.get(request.args.get("job", "")) or jobs.latest_job(v.township_id)
    if job is not None and job.township_id != v.township_id:
        job = None
    view = jobs.latest(v.township_id)
    res = view.result if view else None
    forecast, no_forecast = _plan_forecast(v.township_id, res)
    return render_template("planner/plan.html", job=job.to_dict() if job else None,
                           plan=res, forecast=forecast, no_forecast=no_forecast,
                           review=_review(v.township_id),
                           reason_labels=_reason_labels(),
                           default_limit=current_app.config["PLAN_TIME_LIMIT_S"])


def _review(township_id: int | None) -> Any:
    """Return the township's re-plan waiting for review (None when there is none)."""
    from zoufang.campaign.area_review import review
    from zoufang.campaign.store.lookup import newest_campaign_id

    if township_id is None:
        return None
    with store().session() as s:
        cid = newest_campaign_id(s, township_id)
        return review(s, cid) if cid is not None else None


@bp.post("/plan/<int:plan_id>/<any(accept, discard):decision>")
def decide_plan(plan_id: int, decision: str) -> Any:
    """Accept or discard the re-plan ``plan_id`` after review (audited)."""
    from zoufang.campaign import area_review
    from zoufang.campaign.store.lookup import newest_campaign_id

    v = viewer()
    with store().session() as s:
        cid = newest_campaign_id(s, v.township_id) if v.township_id is not None else None
    try:
        if cid is None:
            raise ValidationError("no campaign", [Problem("plan", None, None, "no campaign",
                                                          code="no_proposal")])
        if decision == "accept":
            area_review.accept(store(), cid, plan_id)
        else:
            area_review.discard(store(), cid, plan_id)
    except ValidationError as exc:
        flash(t("not_saved") + "；".join(localised(p)["message"] for p in exc.problems),
              "error")
        return redirect(url_for("planner.plan"))
    audit(f"plan_{decision}", township_id=v.township_id, detail={"plan": plan_id})
    flash(t("review.accepted" if decision == "accept" else "review.discarded", id=plan_id),
          "ok")
    return redirect(url_for("planner.plan"))


def _reason_labels() -> dict[str, str]:
    """Why targets were left out of routes, by code, in the page's language."""
    return {k: v[0] if q_lang_zh() else v[1] for k, v in LEFT_OUT_REASONS.items()}


def q_lang_zh() -> bool:
    """Return True when the page is shown in Chinese."""
    from zoufang.web.i18n import current_lang

    return current_lang() == "zh"


def _plan_forecast(township_id: int | None, res: Any) -> tuple[Any, str | None]:
    """Return the forecast of the shown plan's phase (issue 14), or why there is none."""
    from zoufang.campaign.forecast import forecast_of
    from zoufang.campaign.phases import PLAN_PHASES
    from zoufang.campaign.store import Campaign
    from zoufang.campaign.store.lookup import newest_campaign_id

    if res is None or township_id is None or (res.phase_kind or "visit") not in PLAN_PHASES:
        return None, None
    try:
        with store().session() as s:
            cid = newest_campaign_id(s, township_id)
            camp = s.get(Campaign, cid) if cid is not None else None
            if camp is None:
                return None, None
            return forecast_of(s, camp, res.phase_kind or "visit", None), None
    except ValidationError as exc:
        return None, exc.summary


@bp.post("/locks/<cadre_id>")
def toggle_lock(cadre_id: str) -> Any:
    """Lock or unlock one pair (form field ``locked`` = 1 or 0)."""
    v = viewer()
    try:
        planning().set_lock(v.township_id, cadre_id, request.form.get("locked") == "1",
                            user=v.name)
    except (LookupError, ValueError) as exc:
        flash(getattr(exc, "summary", None) or str(exc), "error")
    return redirect(url_for("planner.plan"))


@bp.get("/arrangement.<fmt>")
def arrangement(fmt: str) -> Response:
    """Download the arrangement table (安排表) of the current plan, csv or xlsx (audited).

    ``?masked=1`` is the copy for public posting (公示): phones and households' names
    masked; it is audited as an export of no personal data.
    """
    data, name = forms.arrangement_download(store(), planning(), viewer(), fmt,
                                            masked=request.args.get("masked") == "1")
    return download(data, name, "text/csv" if fmt == "csv" else XLSX)


_ROUTE_PHASES = ("visit", "push", "revisit")


def _route_phase() -> str:
    return phase_arg(_ROUTE_PHASES, "visit") or "visit"


@bp.get("/routes")
def routes() -> str:
    """List the daily routes of the current route plan: every cadre, its days, exports.

    Says when the plan is stale (areas, targets or settings changed after it) and offers
    a route-planning job (a phase, one cadre or all) with its progress.
    """
    phase = _route_phase()
    v = viewer()
    with store().session() as s:
        res, days = q.route_plan_overview(s, v.township_id, phase)
        stale = q.route_plan_stale(s, res.plan_id) if res else []
    jobs = planning()
    job = jobs.get(request.args.get("job", "")) or jobs.latest_job(v.township_id, "routes")
    if job is not None and (job.township_id != v.township_id or job.kind != "routes"):
        job = None
    view = jobs.latest(v.township_id)
    cadres = sorted(a["cadre_id"] for a in view.result.areas) if view else []
    return render_template("planner/routes.html", res=res, days=days, phase=phase,
                           phases=_ROUTE_PHASES, stale=stale, cadres=cadres,
                           job=job.to_dict() if job else None, reason_labels=_reason_labels())


@bp.post("/routes/plan")
def plan_routes() -> Any:
    """Start a route-planning job.

    Form fields: ``phase``, ``cadre`` (empty: all), ``time_limit_s`` (per cadre) and
    ``as_of`` (a date to plan from; empty: now).
    """
    v = viewer()
    phase = request.form.get("phase") or "visit"
    try:
        limit = float(request.form.get("time_limit_s") or 2)
        as_of_text = request.form.get("as_of") or ""
        as_of = dt.datetime.combine(dt.date.fromisoformat(as_of_text), dt.time()) \
            if as_of_text else None
        job = planning().start_routes(v.township_id, user=v.name, phase=phase,
                                      cadre=request.form.get("cadre") or None,
                                      time_limit_s=limit, as_of=as_of)
    except ValueError:
        flash(t("routes.bad_options"), "error")
        return redirect(url_for("planner.routes", phase=phase if phase in _ROUTE_PHASES
                                else "visit"))
    return redirect(url_for("planner.routes", phase=phase, job=job.id))


@bp.get("/routes/<cadre>/<day>.<fmt>")
def route_day_file(cadre: str, day: str, fmt: str) -> Response:
    """Download one cadre-day of the current route plan (stop list, GPX or GeoJSON).

    With residents' names (the planner's copy); written to the audit log.
    """
    v = viewer()
    if fmt not in rx.FORMATS:
        raise NotFound(f"no such format {fmt!r}")
    the_day = parse_day(day)
    phase = _route_phase()
    with store().session() as s:
        view = q.route_day(s, v.township_id, phase, cadre, the_day)
    return day_file_response(view, fmt, township_id=v.township_id,
                             attachment=fmt != "html")
