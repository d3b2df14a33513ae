"""The JSON API under ``/api/v1``: everything the pages do.

Every endpoint is declared with :func:`api`, which registers the route, guards it by
role and records it for the OpenAPI document (``/api/v1/openapi.json``), so the
document lists every route by construction (a test checks it against the URL map).
Errors have one shape: ``{"ok": false, "error": ..., "errors": [...], "status": N}``.
Writes need the session's CSRF token in the ``X-CSRF-Token`` header.

Every read that hands out residents' (or cadres') names and phones in clear in bulk —
lists of targets or issues, the grid level of the measures, the plan's areas, a cadre's
area and route — writes one audit line (:func:`zoufang.web.scope.audit_read`: the
endpoint, the township, the rows, never the data); masked reads write none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify, request

from zoufang import __version__
from zoufang.campaign import route_exports as rx
from zoufang.web import forms
from zoufang.web import queries as q
from zoufang.web.context import (
    basemap,
    date_arg,
    phase_arg,
    plan_job_options,
    planning,
    store,
    viewer,
)
from zoufang.web.errors import NotFound
from zoufang.web.responses import XLSX, download, route_file_response
from zoufang.web.scope import area_target_ids, audit_read, sees_personal
from zoufang.web.security import audit, roles_required

__all__ = ["ROUTES", "ApiRoute", "bp", "openapi_document"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")

ALL_ROLES = ("planner", "cadre", "leader", "admin")


@dataclass(frozen=True)
class ApiRoute:
    """One API route as the OpenAPI document describes it."""

    path: str
    methods: tuple[str, ...]
    roles: tuple[str, ...] | None
    summary: str
    params: tuple[tuple[str, str, str], ...] = ()
    body: str | None = None
    produces: str = "application/json"
    tags: tuple[str, ...] = field(default=())
    schema: dict[str, Any] | None = None


ROUTES: list[ApiRoute] = []


def api(path: str, methods: tuple[str, ...] = ("GET",), *, roles: tuple[str, ...] | None,
        summary: str, params: tuple[tuple[str, str, str], ...] = (), body: str | None = None,
        produces: str = "application/json", tag: str = "",
        schema: dict[str, Any] | None = None) -> Callable[[Any], Any]:
    """Register an API endpoint (``roles=None``: public; ``schema``: of the JSON body)."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        view = roles_required(*roles)(fn) if roles else fn
        bp.add_url_rule(path, endpoint=fn.__name__, view_func=view, methods=list(methods))
        ROUTES.append(ApiRoute(path, methods, roles, summary, params, body, produces,
                               (tag,) if tag else (), schema))
        return view

    return deco


_TEXT: dict[str, Any] = {"type": "string"}


def _object(required: list[str] | None = None, **props: dict[str, Any]) -> dict[str, Any]:
    """Return a JSON-object schema of a request body (other keys allowed, ignored)."""
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


_ISSUE_FIELDS = {"category": _TEXT, "responsibility": _TEXT, "urgency": _TEXT, "text": _TEXT}
_VISIT_SCHEMA = _object(
    ["target"], target=_TEXT, mode=_TEXT, outcome=_TEXT,
    at={"type": "string", "format": "date-time"}, card={"type": "boolean"},
    survey={"type": "boolean"}, leaflet={"type": "boolean"}, solved={"type": "boolean"},
    notes=_TEXT, lon={"type": "number"}, lat={"type": "number"},
    issues={"type": "array", "maxItems": 20, "items": _object(
        ["category", "text"], **_ISSUE_FIELDS)}, **_ISSUE_FIELDS)


def _ok(**payload: Any) -> Response:
    return jsonify({"ok": True, **payload})


def _geojson(fc: dict[str, Any]) -> Response:
    resp = jsonify(fc)
    resp.mimetype = "application/geo+json"
    return resp


def _township_id() -> int:
    return q.require_township(viewer())


def _limit(default: str, name: str = "limit") -> int:
    from zoufang.campaign.validate import MAX_DB_INT

    limit = request.args.get(name, default)
    if not (limit.isascii() and limit.isdigit()) or int(limit) > MAX_DB_INT:
        raise ValueError(f"{name} was {limit[:40]!r}; expected an integer from 0 to "
                         f"{MAX_DB_INT}")
    return int(limit)


def _phase() -> str | None:
    """Return the ``?phase=`` argument (None when empty); an unknown phase is a 400."""
    from zoufang.campaign.phases import DEFAULT_PHASES

    return phase_arg(k for k, *_ in DEFAULT_PHASES)


def _payload() -> dict[str, Any]:
    if request.is_json:
        try:
            data = request.get_json(silent=True)
        except RecursionError:  # 100,000 "[": the parser's recursion limit
            raise ValueError("the request body is nested too deeply to be read") from None
        if not isinstance(data, dict):
            raise ValueError("the request body is not a JSON object")
        return data
    return request.form.to_dict()


# ----------------------------------------------------------------------------- public

@api("/health", roles=None, summary="Liveness: the app answers and the store opens.",
     tag="meta")
def health() -> Response:
    """Answer that the service is up (public: no data)."""
    with store().session() as s:
        q.ping(s)
    return _ok(version=__version__)


@api("/openapi.json", roles=None, summary="This API's OpenAPI 3.1 document.", tag="meta")
def openapi() -> Response:
    """Serve the OpenAPI document (public)."""
    return jsonify(openapi_document())


# ----------------------------------------------------------------------------- any role

@api("/me", roles=ALL_ROLES, summary="The logged-in user and its data scope.", tag="meta")
def me() -> Response:
    """Say who the logged-in user is."""
    v = viewer()
    return _ok(user={"name": v.name, "role": v.role, "township_id": v.township_id,
                     "cadre_id": v.cadre_id, "personal_data": v.personal_data})


@api("/status", roles=ALL_ROLES, summary="Counts per township (no personal data); admins "
     "see every township, others their own.", tag="meta")
def status() -> Response:
    """List the township summaries the user may see."""
    with store().session() as s:
        return _ok(townships=q.township_summaries(s, viewer()))


# ----------------------------------------------------------------------------- planner

@api("/township/summary", roles=("planner", "leader"), summary="The township's counts, "
     "targets outside grids and grid defects.", tag="planner")
def township_summary() -> Response:
    """Summarise the viewer's township."""
    with store().session() as s:
        return _ok(summary=q.summary(s, viewer()))


@api("/township/grids.geojson", roles=("planner", "leader"), summary="Grids as GeoJSON in "
     "the basemap's datum, coloured by planned cadre (else by village).",
     produces="application/geo+json", tag="planner")
def grids_geojson() -> Response:
    """Serve the grids of the township."""
    tid = _township_id()
    with store().session() as s:
        return _geojson(q.grids_geojson(s, tid, basemap(), plan=planning().latest(tid)))


@api("/township/targets.geojson", roles=("planner",), summary="Every target as a GeoJSON "
     "point (id, kind, grid, placement, planned cadre); no names.",
     produces="application/geo+json", tag="planner")
def targets_geojson() -> Response:
    """Serve the targets of the township."""
    tid = _township_id()
    with store().session() as s:
        return _geojson(q.targets_geojson(s, tid, basemap(), plan=planning().latest(tid)))


@api("/township/targets", roles=("planner",), summary="Search the township's targets by "
     "text (id, name, address, phone), grid (placed or declared) and tag (code, Chinese "
     "name, synonym or free tag); phones masked; a page of them and the total.",
     params=(("q", "query", "string"), ("grid", "query", "string"),
             ("tag", "query", "string"), ("limit", "query", "integer"),
             ("offset", "query", "integer")), tag="planner")
def targets_search() -> Response:
    """Find stored targets, as ``zoufang targets list`` does."""
    from zoufang.campaign.targets import find_targets

    limit, offset = min(_limit("50"), 1000), _limit("0", "offset")
    with store().session() as s:
        total, items = find_targets(
            s, _township_id(), query=request.args.get("q"), grid=request.args.get("grid"),
            tag=request.args.get("tag"), limit=limit, offset=offset)
    return _ok(total=total, offset=offset, limit=limit, targets=items)


@api("/township/problems", roles=("planner",), summary="Data problems kept in the store.",
     params=(("limit", "query", "integer"),), tag="planner")
def problems() -> Response:
    """List the data problems of the township."""
    limit = _limit("500")
    with store().session() as s:
        return _ok(problems=q.problems_list(s, _township_id(), limit=limit))


@api("/township/problems.geojson", roles=("planner",), summary="Grid defects and targets "
     "outside grids as GeoJSON points.", produces="application/geo+json", tag="planner")
def problems_geojson() -> Response:
    """Serve the located data problems."""
    with store().session() as s:
        return _geojson(q.problems_geojson(s, _township_id(), basemap()))


@api("/township/imports/<kind>", ("POST",), roles=("planner",), summary="Import a file of "
     "targets, grids or cadres (multipart field `file`; optional `crs`, `skip_invalid`); "
     "the CLI's importer and error report.", params=(("kind", "path", "string"),),
     body="multipart/form-data", tag="planner")
def import_file(kind: str) -> Response:
    """Upload and import one file."""
    up = request.files.get("file")
    if up is None or not up.filename:
        raise ValueError("no file uploaded: send it as the multipart field `file`")
    with store().session() as s:
        tname = q.township_name(s, viewer())
    report = forms.import_upload(store(), viewer(), tname, kind, up.filename, up.read(),
                                 crs=request.form.get("crs") or None,
                                 skip_invalid=request.form.get("skip_invalid") in (
                                     "1", "true", "on"))
    return _ok(report=report)


@api("/township/plan-jobs", ("POST",), roles=("planner",), summary="Start planning the "
     "visit areas as a background job (JSON: time_limit_s, seed).", body="application/json",
     tag="planner", schema=_object(time_limit_s={"type": "number", "exclusiveMinimum": 0},
                                   seed={"type": "integer", "minimum": 0}))
def start_plan() -> tuple[Response, int]:
    """Queue a planning job."""
    data = _payload()
    limit, seed = plan_job_options(data.get("time_limit_s"), data.get("seed"))
    job = planning().start(_township_id(), user=viewer().name, time_limit_s=limit,
                           seed=seed)
    return _ok(job=job.to_dict()), 202


@api("/jobs/<job_id>", roles=("planner",), summary="A planning job's stage and progress "
     "(and the stored plan once done).", params=(("job_id", "path", "string"),),
     tag="planner")
def job_status(job_id: str) -> Response:
    """Poll a job."""
    job = planning().get(job_id)
    if job is None or job.township_id != viewer().township_id:
        raise NotFound(f"no job {job_id!r}")
    plan = (planning().latest(job.township_id)
            if job.status == "done" and job.kind == "areas" else None)
    public = plan.public() if plan else None
    if public is not None:  # the areas name the cadres with their phones
        audit_read(len(public.get("areas") or []), table="areas", plan_id=public.get("plan_id"))
    return _ok(job=job.to_dict(), plan=public)


@api("/township/plan", roles=("planner",), summary="The current stored plan: areas and "
     "their workloads, the checker's figures (planned: false until planned).",
     tag="planner")
def latest_plan() -> Response:
    """Show the current plan of the township."""
    plan = planning().latest(_township_id())
    public = plan.public() if plan else None
    if public is not None:  # the areas name the cadres with their phones
        audit_read(len(public.get("areas") or []), table="areas", plan_id=public.get("plan_id"))
    return _ok(planned=plan is not None, plan=public)


@api("/township/locks/<cadre_id>", ("PUT", "DELETE"), roles=("planner",),
     summary="Lock (PUT) or unlock (DELETE) a cadre's pair in the current plan: a locked "
     "pair never changes in a re-plan (一访到底).",
     params=(("cadre_id", "path", "string"),), tag="planner")
def lock(cadre_id: str) -> Response:
    """Lock or unlock a pair."""
    try:
        locks = planning().set_lock(_township_id(), cadre_id, request.method == "PUT",
                                    user=viewer().name)
    except LookupError as exc:
        raise NotFound(str(exc)) from None
    return _ok(locks=locks)


@api("/township/arrangement.<fmt>", roles=("planner",), summary="Download the arrangement "
     "table (安排表) of the current plan, csv or xlsx (audited: it names cadres); "
     "masked=1: the copy for public posting (公示), phones and households' names masked.",
     params=(("fmt", "path", "string"), ("masked", "query", "string")),
     produces="text/csv", tag="planner")
def arrangement(fmt: str) -> Response:
    """Download the arrangement table (audited)."""
    data, name = forms.arrangement_download(store(), planning(), viewer(), fmt,
                                            masked=request.args.get("masked") == "1")
    return download(data, name, "text/csv" if fmt == "csv" else XLSX)


@api("/targets/<int:target_id>", roles=("planner", "leader", "cadre"), summary="One "
     "target: name and phone (masked unless allowed), visits, issues, hotspots (回头看). "
     "Cadres: only targets of their own area (else 403, existing or not).",
     params=(("target_id", "path", "integer"),), tag="targets")
def target(target_id: int) -> Response:
    """Show one target."""
    with store().session() as s:
        item = q.target_detail(s, viewer(), target_id)
    item["page"] = f"/targets/{target_id}"
    return _ok(item=item)


# ----------------------------------------------------------------------------- leader

@api("/township/measures", roles=("leader", "planner"), summary="Measures (走访率, 入户率, "
     "回应率, 解决率, 满意度, 逾期) with drill-down township → village → grid → target.",
     params=(("level", "query", "string"), ("key", "query", "string"),
             ("start", "query", "date"), ("end", "query", "date")), tag="leader")
def measures() -> Response:
    """Give the measures at one level of the drill-down (the grid level is audited)."""
    level = request.args.get("level", "township")
    with store().session() as s:
        out = q.measures_drill(s, viewer(), level=level, key=request.args.get("key"),
                               start=date_arg("start"), end=date_arg("end"))
        personal = sees_personal(s, viewer())
    if level == "grid" and personal:  # the grid's targets with names and phones
        audit_read(len(out["rows"]), level="grid", grid=out["parent"]["name"])
    return _ok(measures=out)


@api("/township/coverage.geojson", roles=("leader", "planner"), summary="Grids with their "
     "visit rate and choropleth colour.", produces="application/geo+json", tag="leader")
def coverage_geojson() -> Response:
    """Serve the visit rate per grid."""
    with store().session() as s:
        return _geojson(q.coverage_geojson(s, _township_id(), basemap()))


@api("/township/unvisited.geojson", roles=("leader", "planner"), summary="Targets not yet "
     "visited, as GeoJSON points (no names).", produces="application/geo+json", tag="leader")
def unvisited_geojson() -> Response:
    """Serve the unvisited targets as points."""
    with store().session() as s:
        return _geojson(q.unvisited_geojson(s, _township_id(), basemap()))


@api("/township/unvisited", roles=("leader", "planner"), summary="List of targets not yet "
     "visited (names masked unless allowed).", params=(("grid", "query", "string"),),
     tag="leader")
def unvisited() -> Response:
    """List the unvisited targets."""
    with store().session() as s:
        rows, total = q.unvisited_list(s, viewer(), grid_code=request.args.get("grid"))
        personal = sees_personal(s, viewer())
    if personal:
        audit_read(len(rows), grid=request.args.get("grid") or None)
    return _ok(total=total, targets=rows)


@api("/township/issues.geojson", roles=("leader", "planner"), summary="Open issues as "
     "GeoJSON points (category, red/yellow warning).", produces="application/geo+json",
     params=(("all", "query", "boolean"),), tag="leader")
def issues_geojson() -> Response:
    """Serve the issues as points."""
    with store().session() as s:
        return _geojson(q.issues_geojson(s, viewer(), basemap(),
                                         open_only=request.args.get("all") != "1"))


@api("/township/issues", roles=("leader", "planner", "cadre"), summary="Issues (open unless "
     "all=1), warnings first; a cadre sees only its own.",
     params=(("all", "query", "boolean"),), tag="leader")
def issues() -> Response:
    """List the issues."""
    every = request.args.get("all") == "1"
    with store().session() as s:
        rows, total = q.issues_list(s, viewer(), open_only=not every)
    audit_read(sum(1 for r in rows if r["personal"]), all=every)
    return _ok(total=total, issues=rows)


@api("/township/hotspots", roles=("leader", "planner", "cadre"), summary="Hotspots: open "
     "issues of one category raised by several neighbours.", tag="leader")
def hotspots() -> Response:
    """List the hotspots of open issues."""
    with store().session() as s:
        return _ok(hotspots=q.hotspots(s, viewer()))


@api("/township/export.xlsx", roles=("leader", "planner"), summary="The ledger's standard "
     "tables as Excel (personal data masked unless allowed; every export audited).",
     params=(("start", "query", "date"), ("end", "query", "date")),
     produces="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     tag="leader")
def export_xlsx() -> Response:
    """Export the ledger (audited)."""
    v = viewer()
    with store().session() as s:
        data, name, personal, rows = forms.export_ledger(s, v, start=date_arg("start"),
                                                         end=date_arg("end"))
    audit("export", personal=personal, township_id=v.township_id,
          detail={"table": "走访台账", "format": "xlsx", "masked": not personal, "rows": rows})
    return download(data, name, XLSX)


# ----------------------------------------------------------------------------- issues

@api("/issues/<int:issue_id>", roles=("planner", "leader", "cadre"), summary="One issue "
     "with its history and the actions the user may take (cadres: own issues only).",
     params=(("issue_id", "path", "integer"),), tag="issues")
def issue(issue_id: int) -> Response:
    """Show one issue."""
    with store().session() as s:
        return _ok(item=q.issue_detail(s, viewer(), issue_id))


@api("/issues/<int:issue_id>/actions", ("POST",), roles=("planner", "leader", "cadre"),
     summary="Apply a lifecycle action (JSON: action, reason, version, and the action's "
     "fields: unit, handler, deadline, result, explanation, rating, ...).",
     params=(("issue_id", "path", "integer"),), body="application/json", tag="issues",
     schema=_object(["action"], action={"type": "string"}, version={"type": "integer",
                                                                     "minimum": 0},
                    reason=_TEXT, unit=_TEXT, handler=_TEXT, deadline={
                        "type": "string", "format": "date"}, result=_TEXT, explanation=_TEXT,
                    rating={"type": "string"}))
def issue_action(issue_id: int) -> Response:
    """Move an issue."""
    data = _payload()
    action = str(data.get("action") or "")
    if not action:
        raise ValueError("action is missing")
    with store().session() as s:
        item = forms.apply_issue_action(s, viewer(), issue_id, action, data)
    return _ok(item=item)


# ----------------------------------------------------------------------------- field

@api("/me/area", roles=("cadre",), summary="The targets of the cadre's visit area, with "
     "contacts (planned: false until the areas are planned).", tag="field")
def my_area() -> Response:
    """List the targets of my area."""
    with store().session() as s:
        area = area_target_ids(s, viewer())
        if area is None:
            return _ok(planned=False, message="尚未分配走访区域 / no visit area assigned yet")
        rows = q.my_area(s, viewer(), area)
    audit_read(len(rows))
    return _ok(planned=True, targets=rows)


@api("/me/route", roles=("cadre",), summary="My route of a day (?day=YYYY-MM-DD, default "
     "today or my next route day): its stops with times, my route days, what was left out "
     "(planned: false until routes are planned).",
     params=(("day", "query", "string"), ("phase", "query", "string")), tag="field")
def my_route() -> Response:
    """Return the cadre's own route of a day."""
    v = viewer()
    with store().session() as s:
        found = q.cadre_day(s, v, date_arg("day"), _phase())
        if found is None:
            return _ok(planned=False, message="尚未规划今日路线 / today's route is not planned "
                       "yet", stops=[])
        cr, view = found
        left = (rx.left_out(s, cr.plan.id, v.cadre_id, reveal=True)
                if view is not None and v.cadre_id is not None else [])
    audit_read((len(view.stops) if view is not None else 0) + len(left),
               day=view.day.isoformat() if view is not None else None, plan_id=cr.plan.id)
    return _ok(planned=True, plan_id=cr.plan.id, phase=cr.plan.phase_kind,
               days=[d.isoformat() for d in cr.days],
               day=view.day.isoformat() if view else None,
               previous=cr.previous.isoformat() if cr.previous else None,
               next=cr.next.isoformat() if cr.next else None,
               route=view.to_dict() if view else None,
               stops=view.to_dict()["stops"] if view else [], left_out=left)


@api("/me/route.gpx", roles=("cadre",), summary="My route of a day (?day=YYYY-MM-DD, default "
     "today or my next route day) as GPX 1.1 (WGS-84) for navigation apps (404 until "
     "routes are planned).", params=(("day", "query", "string"), ("phase", "query", "string")),
     produces="application/gpx+xml", tag="field")
def my_route_gpx() -> Response:
    """Download the GPX of the cadre's own route of a day."""
    return route_file_response(viewer(), "gpx", date_arg("day"),
                               _phase())


@api("/me/visits", ("GET", "POST"), roles=("cadre",), summary="GET: my latest visits. "
     "POST (JSON or form): record a visit (target 编号, mode, outcome, at, four ones, notes, "
     "lon/lat) with the issues raised in it (issues: [{category, responsibility, urgency, "
     "text}], or one issue's fields at the top level), all in one transaction; only to a "
     "target of my area, a service contact of mine or a target of my issues (else 403, "
     "nothing recorded). The answer lists the stored issues and the integrity flags "
     "(gps_far, gps_missing) stored with the visit, as the record form and /me/sync do.",
     body="application/json", tag="field", schema=_VISIT_SCHEMA)
def my_visits() -> Any:
    """List or record visits."""
    v = viewer()
    if request.method == "GET":
        with store().session() as s:
            return _ok(visits=q.my_visits(s, v))
    from zoufang.web.field_records import record_one

    data = _payload()
    if isinstance(data.get("issues"), list):  # ids made on a phone go through /me/sync
        data["issues"] = [{k: x for k, x in r.items() if k != "client_id"}
                          if isinstance(r, dict) else r for r in data["issues"]]
    with store().session() as s:
        out = record_one(s, v, data)
    return _ok(visit=out), 201


@api("/me/issues", roles=("cadre",), summary="The issues I own (谁走访谁处理), open first.",
     tag="field")
def my_issues() -> Response:
    """List the issues I own."""
    with store().session() as s:
        rows, total = q.issues_list(s, viewer(), open_only=False, mine=True)
    audit_read(sum(1 for r in rows if r["personal"]))
    return _ok(total=total, issues=rows)


#: The body of ``/me/sync``: the phone's outbox (:mod:`zoufang.web.field_records`).
_CLIENT_ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$",
              "description": "the id the phone made for the record; a resent one lands once"}
_SYNC_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["visits"],
    "properties": {"visits": {"type": "array", "maxItems": 500, "items": {
        "type": "object", "required": ["client_id", "target"],
        "properties": {
            "client_id": _CLIENT_ID, "target": {"type": "string"},
            "at": {"type": "string", "description": "local time YYYY-MM-DD HH:MM"},
            "mode": {"type": "string", "enum": ["in_home", "phone", "wechat"]},
            "outcome": {"type": "string",
                        "enum": ["visited", "not_home", "refused", "vacant"]},
            "card": {"type": "boolean"}, "survey": {"type": "boolean"},
            "leaflet": {"type": "boolean"}, "solved": {"type": "boolean"},
            "notes": {"type": "string"}, "lon": {"type": ["number", "null"]},
            "lat": {"type": ["number", "null"]},
            "issues": {"type": "array", "maxItems": 20, "items": {
                "type": "object", "required": ["client_id", "category", "text"],
                "properties": {"client_id": _CLIENT_ID, "category": {"type": "string"},
                               "responsibility": {"type": "string"},
                               "urgency": {"type": "string"},
                               "text": {"type": "string"}}}}}}}}}


@api("/me/sync", ("POST",), roles=("cadre",), summary="Sync the phone's outbox: a batch "
     "{visits: [{client_id, target, at, mode, outcome, card, survey, leaflet, solved, "
     "notes, lon, lat, issues: [{client_id, category, responsibility, urgency, text}]}]}. "
     "Idempotent on the client ids (a resent record lands once); one result per visit: "
     "result created (201), duplicate (200), refused (403/400) or conflict (409), the "
     "last two in the one error shape, with the integrity flags of each stored visit.",
     body="application/json", tag="field", schema=_SYNC_SCHEMA)
def my_sync() -> Response:
    """Store the phone's outbox batch (:mod:`zoufang.web.field_records`)."""
    from zoufang.web.field_records import sync_batch

    results = sync_batch(viewer(), _payload())
    counts = {k: sum(1 for r in results if r["result"] == k)
              for k in ("created", "duplicate", "refused", "conflict")}
    return _ok(results=results, counts=counts)


# ----------------------------------------------------------------------------- admin

@api("/users", roles=("admin",), summary="Users (no password hashes).", tag="admin")
def users() -> Response:
    """List users."""
    with store().session() as s:
        return _ok(users=q.users_list(s))


@api("/audit", roles=("admin",), summary="The audit log, newest first.",
     params=(("limit", "query", "integer"),), tag="admin")
def audit_log() -> Response:
    """Read the audit log."""
    limit = _limit("200")
    with store().session() as s:
        return _ok(entries=q.audit_entries(s, limit=limit))


# ----------------------------------------------------------------------------- OpenAPI

_ERROR_SCHEMA = {
    "type": "object", "required": ["ok", "error", "errors", "status"],
    "properties": {"ok": {"const": False}, "error": {"type": "string"},
                   "errors": {"type": "array", "items": {"type": "object"}},
                   "status": {"type": "integer"}}}


def _oa_path(path: str) -> str:
    return "/api/v1" + re.sub(r"<(?:[a-z]+:)?([A-Za-z_]+)>", r"{\1}", path)


def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of every route registered with :func:`api`."""
    paths: dict[str, Any] = {}
    types = {"integer": {"type": "integer"}, "string": {"type": "string"},
             "date": {"type": "string", "format": "date"},
             "boolean": {"type": "string", "enum": ["0", "1"]}}
    for r in ROUTES:
        item = paths.setdefault(_oa_path(r.path), {})
        for m in r.methods:
            op: dict[str, Any] = {
                "summary": r.summary, "operationId": f"{m.lower()}_{r.path.strip('/')}",
                "tags": list(r.tags),
                "parameters": [{"name": n, "in": where, "required": where == "path",
                                "schema": types[typ]} for n, where, typ in r.params],
                "responses": {
                    "200": {"description": "OK", "content": {r.produces: {"schema": {
                        "type": "object"}}}},
                    "default": {"description": "Error", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}}}}},
            }
            if r.roles:
                op["security"] = [{"session": []}]
                op["x-roles"] = list(r.roles)
            else:
                op["security"] = []
            if m in ("POST", "PUT", "DELETE", "PATCH"):
                op["parameters"].append({"name": "X-CSRF-Token", "in": "header",
                                         "required": True, "schema": {"type": "string"}})
                if r.body and m != "DELETE":
                    op["requestBody"] = {"required": True, "content": {
                        r.body: {"schema": r.schema or {"type": "object"}}}}
            op["operationId"] = re.sub(r"[^A-Za-z0-9_]", "_", op["operationId"])
            item[m.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "zoufang 走访 API", "version": __version__,
                 "description": "Plan and track door-to-door visit campaigns. Log in at "
                                "/login (session cookie); writes need the X-CSRF-Token "
                                "header. Errors: {ok: false, error, errors, status}."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": _ERROR_SCHEMA},
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie",
                                            "name": "zoufang_session"}}},
    }
