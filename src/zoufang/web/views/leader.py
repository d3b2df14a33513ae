"""Leader pages (领导): measures with drill-down, coverage map, open-issues map, exports.

Planners see these pages too (their township's measures and issues).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from zoufang.campaign.store import local_now
from zoufang.web import forms, maps
from zoufang.web import queries as q
from zoufang.web.context import (
    basemap,
    phase_arg,
    plausible_days,
    popup_url,
    store,
    viewer,
)
from zoufang.web.errors import NotFound
from zoufang.web.i18n import format_local, labels, t
from zoufang.web.responses import XLSX, download
from zoufang.web.scope import audit_read, sees_personal
from zoufang.web.security import audit, roles_required

__all__ = ["bp"]

bp = Blueprint("leader", __name__, url_prefix="/leader")

COVERAGE_LABELS = ("visit_rate", "grid", "village", "unvisited", "heat", "ext_id", "name",
                   "kind", "address", "phone", "last_visit", "loading", "load_failed",
                   "details")
ISSUE_LABELS = ("grids", "grid", "village", "open_issues", "issue_no", "category", "status",
                "warning", "deadline", "issue_text", "name", "address", "unit", "loading",
                "load_failed", "details")


@bp.before_request
@roles_required("leader", "planner")
def _guard() -> None:
    """Leader pages: leaders and planners."""


class DateArgs:
    """The date arguments of a leader page: ``start``, ``end`` and ``as_of``.

    ``as_of`` (a date) is the day the ledger is looked at, to its end (23:59:59); empty
    means now. ``error`` is the message (already translated) when a date does not parse
    or the range is reversed; the page then shows it and computes nothing.
    """

    def __init__(self) -> None:
        self.error: str | None = None
        self.start = self._one("start")
        self.end = self._one("end")
        self.as_of_day = self._one("as_of")
        if self.error is None and self.start and self.end and self.end < self.start:
            self.error = t("date_reversed", start=self.start.isoformat(),
                           end=self.end.isoformat())

    def _one(self, name: str) -> dt.date | None:
        v = (request.args.get(name) or "").strip()
        if not v:
            return None
        try:
            day = dt.date.fromisoformat(v)
        except ValueError:
            day = None
        first, last = plausible_days()
        if day is None or not first <= day <= last:
            if self.error is None:
                self.error = (t("date_bad", field=t("date_" + name), value=v[:40])
                              if day is None else
                              t("date_out_of_range", field=t("date_" + name), value=v[:40],
                                first=first.isoformat(), last=last.isoformat()))
            return None
        return day

    @property
    def as_of(self) -> dt.datetime | None:
        """The moment looked at: the end of ``as_of``'s day, or None for now."""
        if self.as_of_day is None:
            return None
        return dt.datetime.combine(self.as_of_day, dt.time(23, 59, 59))

    @property
    def note(self) -> str:
        """The page's "figures as of" line: the as-of day, or now in local time."""
        if self.as_of_day is not None:
            return t("as_of_note", when=self.as_of_day.isoformat())
        return t("as_of_note", when=f"{t('as_of_now')} {format_local(local_now())}")

    def args(self) -> dict[str, str]:
        """Return the arguments to carry over into links (only those given)."""
        return {k: v.isoformat() for k, v in (("start", self.start), ("end", self.end),
                                               ("as_of", self.as_of_day)) if v}


def _dates() -> tuple[dt.date | None, dt.date | None]:
    """Return the ``start`` and ``end`` arguments (a date that does not parse is ignored)."""
    d = DateArgs()
    return d.start, d.end


@bp.get("/")
def home() -> str:
    """Show the measures with drill-down: township → village → grid → target.

    Also per visit area and per cadre (``level=area|cadre``). The KPI strip and the
    breadcrumb follow the level; every count links to its list.
    """
    v = viewer()
    level = request.args.get("level", "township")
    if level not in q.DRILL_LEVELS:
        level = "township"
    d = DateArgs()
    data = None
    with store().session() as s:
        town = q.township(s, v)
        if town and d.error is None:
            data = q.measures_drill(s, v, level=level, key=request.args.get("key"),
                                    start=d.start, end=d.end, as_of=d.as_of)
        personal = sees_personal(s, v)
    if data is not None and level == "grid" and personal:  # the grid's targets in clear
        audit_read(len(data["rows"]), level="grid", grid=data["parent"]["name"])
    return render_template("leader/home.html", data=data, town=town, d=d, level=level,
                           key=request.args.get("key"),
                           start=d.start, end=d.end, dargs=d.args(),
                           masked=not (v.role == "planner" or v.personal_data))


@bp.get("/ranking")
def ranking() -> str:
    """Show the progress ranking (进度排名) of cadres, villages or areas by one measure."""
    v = viewer()
    d = DateArgs()
    by = request.args.get("by", "cadre")
    if by not in ("cadre", "village", "area", "grid"):
        by = "cadre"
    sort = request.args.get("sort", "visit_rate")
    if sort not in q.RANK_MEASURES:
        sort = "visit_rate"
    desc = request.args.get("dir", "desc") != "asc"
    rows: list[dict[str, Any]] = []
    with store().session() as s:
        town = q.township(s, v)
        if town and d.error is None:
            rows = q.ranking(s, v, by=by, sort=sort, desc=desc, start=d.start, end=d.end,
                             as_of=d.as_of)
    return render_template("leader/ranking.html", rows=rows, town=town, d=d, by=by,
                           sort=sort, desc=desc, dargs=d.args(), measures=q.RANK_MEASURES)


@bp.get("/list/<what>")
def list_page(what: str) -> str:
    """Show the list a count opens: ``targets`` or ``issues``, filtered as the count was."""
    v = viewer()
    d = DateArgs()
    filters = {k: request.args.get(k) or None for k in q.LIST_FILTERS}
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    data = None
    with store().session() as s:
        town = q.township(s, v)
        if town and d.error is None:
            data = q.leader_list(s, v, what, filters=filters, start=d.start, end=d.end,
                                 as_of=d.as_of, page=page)
            personal = sees_personal(s, v)
            if data and personal and what == "targets":
                audit_read(len(data["rows"]), list="targets")
    if data is not None and what == "issues":
        audit_read(sum(1 for r in data["rows"] if r["personal"]))
    return render_template("leader/list.html", data=data, town=town, d=d, what=what,
                           filters={k: x for k, x in filters.items() if x},
                           dargs=d.args())


@bp.get("/progress")
def progress_page() -> str:
    """Show progress against the plan (挂图作战): charts per village, cadres behind first.

    ``phase`` (visit, push, revisit; default visit) and ``as_of`` (a date: the end of
    that day; default now), as ``zoufang report progress``.
    """
    from zoufang.campaign.phases import PLAN_PHASES
    from zoufang.campaign.progress import progress
    from zoufang.campaign.store.lookup import LookupRefused

    v = viewer()
    d = DateArgs()
    phase = phase_arg(PLAN_PHASES, "visit") or "visit"
    data: dict[str, Any] | None = None
    why: str | None = None
    with store().session() as s:
        town = q.township(s, v)
        if town is not None and d.error is None:
            try:
                data = progress(s, town.id, phase=phase, as_of=d.as_of).to_dict()
            except LookupRefused as exc:
                why = exc.summary
    return render_template("leader/progress.html", data=data, why=why, town=town, d=d,
                           phase=phase, phases=PLAN_PHASES,
                           chart_labels=labels(*PROGRESS_LABELS))


#: Labels of the progress charts' script.
PROGRESS_LABELS = ("progress.planned", "progress.visited", "progress.targets", "progress.day")


@bp.get("/integrity")
def integrity() -> str:
    """Show the integrity flags by cadre with the evidence, and the phone spot checks."""
    v = viewer()
    with store().session() as s:
        town = q.township(s, v)
        data = q.integrity_view(s, v, sample=request.args.get("sample")) if town else None
    if data and data["personal"]:
        audit_read(len(data["checks"]), list="spot_checks")
    return render_template("leader/integrity.html", data=data, town=town)


@bp.post("/integrity/run")
def integrity_run() -> Any:
    """Run the integrity checks again over every visit (replaces the checks' flags)."""
    from zoufang.campaign.integrity import run_checks

    v = viewer()
    with store().session() as s:
        n = len(run_checks(s, q.require_township(v)))
    audit("integrity_checks", township_id=v.township_id, detail={"flags": n})
    flash(t("checks_done", n=n), "ok")
    return redirect(url_for("leader.integrity"))


@bp.post("/integrity/draw")
def integrity_draw() -> Any:
    """Draw a spot-check sample (stratified by grid × cadre, reproducible by seed)."""
    from zoufang.campaign.integrity import draw_spot_checks

    v = viewer()
    try:
        seed = int(request.form.get("seed") or "1")
        per = int(request.form.get("per_stratum") or "1")
        if not 1 <= per <= 50 or seed < 0:
            raise ValueError
    except ValueError:
        flash(t("draw_bad"), "error")
        return redirect(url_for("leader.integrity"))
    with store().session() as s:
        rows = draw_spot_checks(s, q.require_township(v), seed=seed, per_stratum=per,
                                sample=f"{local_now():%Y-%m-%d}-seed{seed}-n{per}")
        name = rows[0].sample if rows else None
    audit("spot_check_draw", township_id=v.township_id,
          detail={"seed": seed, "per_stratum": per, "visits": len(rows)})
    flash(t("sample_drawn", n=len(rows)), "ok")
    return redirect(url_for("leader.integrity", sample=name) if name
                    else url_for("leader.integrity"))


@bp.post("/integrity/checks/<int:check_id>")
def integrity_record(check_id: int) -> Any:
    """Record the result of one spot-check call (never overwritten)."""
    from zoufang._errors import ValidationError
    from zoufang.campaign.integrity import SPOT_RESULTS, record_spot_check
    from zoufang.campaign.store import SpotCheck

    v = viewer()
    result = request.form.get("result", "")
    sample = None
    try:
        with store().session() as s:
            chk = s.get(SpotCheck, check_id)
            if chk is None or chk.township_id != v.township_id:
                raise NotFound(f"no spot check #{check_id}")
            sample = chk.sample
            if result not in SPOT_RESULTS:
                raise ValidationError("result", [])
            if chk.result is not None:
                flash(t("result_exists"), "error")
            else:
                record_spot_check(s, check_id, result, checked_by=v.name,
                                  note=(request.form.get("note") or "").strip() or None)
                flash(t("result_saved"), "ok")
    except ValidationError:
        flash(t("result_missing"), "error")
    return redirect(url_for("leader.integrity", sample=sample))


@bp.get("/coverage")
def coverage() -> str:
    """Show the coverage map and the list of unvisited targets.

    The map: visit-rate choropleth, heat map and clusters of the unvisited targets.
    """
    v = viewer()
    bm = basemap()
    with store().session() as s:
        town = q.township(s, v)
        parts = rows = None
        total = 0
        if town is not None:
            m = maps.coverage_map(
                bm, bounds=q.bounds(s, town.id, bm),
                coverage_url=url_for("api.coverage_geojson"),
                unvisited_url=url_for("api.unvisited_geojson"),
                target_popup_url=popup_url("api.target", target_id=0),
                labels=labels(*COVERAGE_LABELS), legend=maps.rate_legend(t("visit_rate")))
            parts = maps.map_parts(m)
            rows, total = q.unvisited_list(s, v, limit=300,
                                           grid_code=request.args.get("grid"))
            if sees_personal(s, v):
                audit_read(len(rows), grid=request.args.get("grid") or None)
    return render_template("leader/coverage.html", parts=parts, rows=rows or [], total=total,
                           town=town)


@bp.get("/issues")
def issues() -> str:
    """Show the open-issues map (by category, red/yellow warnings, clustered) and list."""
    v = viewer()
    bm = basemap()
    with store().session() as s:
        town = q.township(s, v)
        parts = None
        rows: list[Any] = []
        total = 0
        if town is not None:
            colors, legend = q.issue_category_legend(s, town.id)
            m = maps.issues_map(bm, bounds=q.bounds(s, town.id, bm),
                                grids_url=url_for("api.grids_geojson"),
                                issues_url=url_for("api.issues_geojson"),
                                issue_popup_url=popup_url("api.issue", issue_id=0),
                                labels=labels(*ISSUE_LABELS), category_colors=colors,
                                legend=legend)
            parts = maps.map_parts(m)
            rows, total = q.issues_list(s, v, open_only=True, limit=300)
    audit_read(sum(1 for r in rows if r["personal"]))
    return render_template("leader/issues.html", parts=parts, rows=rows, total=total,
                           town=town)


@bp.get("/export.xlsx")
def export() -> Response:
    """Export the ledger's standard tables as Excel (masked unless allowed; audited)."""
    v = viewer()
    d = DateArgs()
    if d.error:  # a date that does not parse is an error here, not the whole ledger
        raise ValueError(d.error)
    start, end = d.start, d.end
    with store().session() as s:
        data, name, personal, rows = forms.export_ledger(s, v, start=start, end=end)
    audit("export", personal=personal, township_id=v.township_id,
          detail={"table": "走访台账", "format": "xlsx", "masked": not personal, "rows": rows})
    return download(data, name, XLSX)
