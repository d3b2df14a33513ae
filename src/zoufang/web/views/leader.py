"""Leader pages (领导): measures with drill-down, coverage map, open-issues map, exports.

Planners see these pages too (their township's measures and issues).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for

from zoufang.web import forms, maps
from zoufang.web import queries as q
from zoufang.web.context import basemap, popup_url, store, viewer
from zoufang.web.i18n import labels, t
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


def _dates() -> tuple[dt.date | None, dt.date | None]:
    """Return the ``start`` and ``end`` arguments (a date that does not parse is ignored)."""
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
    """Show the measures with drill-down: township → village → grid → target."""
    v = viewer()
    level = request.args.get("level", "township")
    if level not in ("township", "village", "grid"):
        level = "township"
    start, end = _dates()
    with store().session() as s:
        town = q.township(s, v)
        data = (q.measures_drill(s, v, level=level, key=request.args.get("key"),
                                 start=start, end=end) if town else None)
        personal = sees_personal(s, v)
    if data is not None and level == "grid" and personal:  # the grid's targets in clear
        audit_read(len(data["rows"]), level="grid", grid=data["parent"]["name"])
    return render_template("leader/home.html", data=data, town=town, start=start, end=end,
                           masked=not (v.role == "planner" or v.personal_data))


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
    start, end = _dates()
    with store().session() as s:
        data, name, personal, rows = forms.export_ledger(s, v, start=start, end=end)
    audit("export", personal=personal, township_id=v.township_id,
          detail={"table": "走访台账", "format": "xlsx", "masked": not personal, "rows": rows})
    return download(data, name, XLSX)
