"""Leader pages (领导): measures with drill-down, coverage map, open-issues map, exports.

Planners see these pages too (their township's measures and issues).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from zoufang.web import maps
from zoufang.web import services as sv
from zoufang.web.i18n import labels, t
from zoufang.web.security import audit, current_viewer, roles_required

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


def _ext() -> tuple[Any, Any]:
    return current_app.extensions["zoufang_store"], current_app.extensions["zoufang_basemap"]


def _popup(endpoint: str, **kw: Any) -> str:
    return url_for(endpoint, **kw).rsplit("/", 1)[0] + "/{id}"


def _dates() -> tuple[dt.date | None, dt.date | None]:
    out = []
    for k in ("start", "end"):
        v = request.args.get(k)
        try:
            out.append(dt.date.fromisoformat(v) if v else None)
        except ValueError:
            out.append(None)
    return out[0], out[1]


@bp.get("/")
def home() -> str:
    """Measures with drill-down: township → village → grid → target."""
    viewer = current_viewer()
    store, _ = _ext()
    level = request.args.get("level", "township")
    if level not in ("township", "village", "grid"):
        level = "township"
    start, end = _dates()
    with store.session() as s:
        town = sv.township(s, viewer)
        data = (sv.measures_drill(s, viewer, level=level, key=request.args.get("key"),
                                  start=start, end=end) if town else None)
    return render_template("leader/home.html", data=data, town=town, start=start, end=end,
                           masked=not (viewer.role == "planner" or viewer.personal_data))


@bp.get("/coverage")
def coverage() -> str:
    """Coverage map (visit-rate choropleth, heat map and clusters of unvisited targets) and
    the list of unvisited targets.
    """
    viewer = current_viewer()
    store, basemap = _ext()
    with store.session() as s:
        town = sv.township(s, viewer)
        parts = rows = None
        total = 0
        if town is not None:
            m = maps.coverage_map(
                basemap, bounds=sv.bounds(s, town.id, basemap),
                coverage_url=url_for("api.coverage_geojson"),
                unvisited_url=url_for("api.unvisited_geojson"),
                target_popup_url=_popup("api.target", target_id=0),
                labels=labels(*COVERAGE_LABELS),
                legend=[[c, f"{t('visit_rate')} {lab}"] for _lo, c, lab in sv.RATE_CLASSES])
            parts = maps.map_parts(m)
            rows, total = sv.unvisited_list(s, viewer, limit=300,
                                            grid_code=request.args.get("grid"))
    return render_template("leader/coverage.html", parts=parts, rows=rows or [], total=total,
                           town=town)


@bp.get("/issues")
def issues() -> str:
    """Open-issues map (by category, red/yellow warnings, clustered) and list."""
    viewer = current_viewer()
    store, basemap = _ext()
    with store.session() as s:
        town = sv.township(s, viewer)
        parts = None
        rows: list[Any] = []
        total = 0
        if town is not None:
            colors = sv.category_colors(s, town.id)
            from zoufang.campaign import issues as ledger_mod

            cfg = ledger_mod.get_config(s, town.id)
            legend = [[c, ledger_mod.category_label(k, cfg)] for k, c in colors.items()
                      if k in ledger_mod.CATEGORIES]
            m = maps.issues_map(basemap, bounds=sv.bounds(s, town.id, basemap),
                                grids_url=url_for("api.grids_geojson"),
                                issues_url=url_for("api.issues_geojson"),
                                issue_popup_url=_popup("api.issue", issue_id=0),
                                labels=labels(*ISSUE_LABELS), category_colors=colors,
                                legend=legend)
            parts = maps.map_parts(m)
            rows, total = sv.issues_list(s, viewer, open_only=True, limit=300)
    return render_template("leader/issues.html", parts=parts, rows=rows, total=total,
                           town=town)


@bp.get("/export.xlsx")
def export() -> Response:
    """The ledger's standard tables as Excel (masked unless allowed; audited)."""
    from zoufang.web.views.api import _download

    viewer = current_viewer()
    store, _ = _ext()
    start, end = _dates()
    with store.session() as s:
        data, name, personal, rows = sv.export_ledger(s, viewer, start=start, end=end)
    audit("export", personal=personal, township_id=viewer.township_id,
          detail={"table": "走访台账", "format": "xlsx", "masked": not personal, "rows": rows})
    return _download(data, name,
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
