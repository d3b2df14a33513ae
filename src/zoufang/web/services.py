"""What the pages and the JSON API ask of the store, scoped to the viewer.

Views (pages and API alike) parse the request, call one function here and serialise the
result; no view builds SQL. Every function takes the open session and the
:class:`~zoufang.web.security.Viewer`, and applies :mod:`zoufang.web.scope`: a target
the viewer may not open raises :class:`Forbidden`, personal data is masked where the
viewer may not see it.

GeoJSON is returned in the basemap's datum (WGS-84, or GCJ-02 for a GCJ-02 basemap),
coordinates rounded to 6 decimals (~0.1 m); properties use short keys to keep a whole
township's layer small.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from zoufang import vocab
from zoufang._errors import Problem, ValidationError
from zoufang.campaign import issues as ledger_mod
from zoufang.campaign.hotspots import find_hotspots, lookback
from zoufang.campaign.store import Issue, IssueEvent, Visit, local_now
from zoufang.campaign.measures import compute_measures
from zoufang.campaign.store import Cadre, DataProblem, Grid, Target, Township, Village
from zoufang.campaign.summary import summarise
from zoufang.campaign.visits import FOUR_ONES, MODES, OUTCOMES, SETTLED_OUTCOMES, record_visit
from zoufang.privacy import mask_name
from zoufang.web.basemaps import Basemap, shift_geometry, to_display
from zoufang.web.maps import PALETTE
from zoufang.web.scope import can_see_target, mask_target_fields, sees_personal
from zoufang.web.security import Viewer

__all__ = [
    "Forbidden", "KIND_COLORS", "NotFound", "apply_issue_action", "bounds", "coverage_geojson",
    "export_ledger", "grids_geojson", "import_upload", "issue_detail", "issues_geojson",
    "issues_list", "measures_drill", "problems_geojson", "problems_list",
    "record_field_visit", "summary", "target_detail", "targets_geojson", "township",
    "unvisited_geojson", "unvisited_list",
]

KIND_COLORS: Final[dict[str, str]] = {
    "household": "#1f77b4", "enterprise": "#ff7f0e", "shop": "#2ca02c", "school": "#9467bd",
    "hospital": "#d62728", "market": "#8c564b", "institution": "#7f7f7f",
}
PLACEMENT_LABELS: Final[dict[str, str]] = {
    "inside": "网格内", "overlap": "网格重叠处", "snapped": "就近归入网格",
    "outside": "网格外", "declared": "按填报网格", "unplaced": "未落格",
}
PROBLEM_LABELS: Final[dict[str, str]] = {
    "outside_grids": "网格外对象", "overlap": "网格重叠", "gap": "网格缝隙",
    "repaired": "网格图形已修复", "snapped": "就近归入网格",
}
IMPORT_SUFFIXES: Final = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".geojson", ".json",
                          ".gpkg")


class Forbidden(PermissionError):
    """The viewer may not see or do this."""


class NotFound(LookupError):
    """No such thing in the viewer's township."""


def _r(x: float) -> float:
    return round(float(x), 6)


def township(session: Session, viewer: Viewer) -> Township | None:
    """The viewer's township (None when it has none, e.g. an empty store)."""
    if viewer.township_id is None:
        return None
    return session.get(Township, viewer.township_id)


def _tid(viewer: Viewer) -> int:
    if viewer.township_id is None:
        raise NotFound("no township is assigned to this user")
    return viewer.township_id


def kind_label(code: str | None) -> str:
    """Chinese name of a target kind."""
    return vocab.KINDS.get(code or "", (code or "",))[0]


# ----------------------------------------------------------------------------- summary

def summary(session: Session, viewer: Viewer) -> dict[str, Any] | None:
    """The township's counts (no personal data); None without a township."""
    town = township(session, viewer)
    return summarise(session, town).to_dict() if town else None


def bounds(session: Session, township_id: int, basemap: Basemap
           ) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` of the township's grids (else targets)."""
    geoms = list(session.scalars(select(Grid.geom).where(Grid.township_id == township_id)))
    if geoms:
        minx, miny, maxx, maxy = shapely.total_bounds(np.array(geoms, dtype=object))
    else:
        row = session.execute(select(func.min(Target.lon), func.min(Target.lat),
                                     func.max(Target.lon), func.max(Target.lat))
                              .where(Target.township_id == township_id)).one()
        if row[0] is None:
            return None
        minx, miny, maxx, maxy = row
    (x0, x1), (y0, y1) = to_display([minx, maxx], [miny, maxy], basemap)
    return [[_r(y0), _r(x0)], [_r(y1), _r(x1)]]


# ----------------------------------------------------------------------------- planner

def _grid_rows(session: Session, township_id: int) -> list[Any]:
    return list(session.execute(
        select(Grid.id, Grid.ext_id, Grid.name, Grid.geom, Village.name.label("village"))
        .outerjoin(Village, Village.id == Grid.village_id)
        .where(Grid.township_id == township_id).order_by(Grid.ext_id)))


def _feature(geom: Any, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": props}


def grids_geojson(session: Session, township_id: int, basemap: Basemap, *,
                  plan: Any = None) -> dict[str, Any]:
    """The grids, coloured by assigned cadre when a plan exists, else by village.

    Properties: ``id``, ``code`` (网格编号), ``name``, ``village``, ``targets`` (count),
    ``cadre`` (planned cadres), ``load_h``, ``color``.
    """
    counts = dict(session.execute(select(Target.grid_id, func.count()).where(
        Target.township_id == township_id).group_by(Target.grid_id)).all())
    rows = _grid_rows(session, township_id)
    villages = sorted({r.village or "" for r in rows})
    feats = []
    for r in rows:
        props: dict[str, Any] = {"id": r.id, "code": r.ext_id, "name": r.name,
                                 "village": r.village, "targets": counts.get(r.id, 0)}
        cadres = plan.grid_cadres.get(r.ext_id) if plan is not None else None
        if cadres:
            props["cadre"] = "、".join(cadres)
            props["load_h"] = round(plan.grid_load_h.get(r.ext_id, 0.0), 1)
            props["color"] = PALETTE[plan.cadre_index.get(cadres[0], 0) % len(PALETTE)]
        else:
            props["color"] = PALETTE[villages.index(r.village or "") % len(PALETTE)]
        geom = shapely.set_precision(shift_geometry(r.geom, basemap), 1e-6)
        feats.append(_feature(geom, props))
    return {"type": "FeatureCollection", "features": feats}


def targets_geojson(session: Session, township_id: int, basemap: Basemap, *,
                    plan: Any = None) -> dict[str, Any]:
    """Every target with a point: ``id``, ``k`` (kind), ``p`` (placement, when not simply
    inside a grid) and, with a plan, ``c`` (cadre). No names: popups fetch them.
    """
    rows = session.execute(
        select(Target.id, Target.kind, Target.placement, Target.lon, Target.lat, Grid.ext_id)
        .outerjoin(Grid, Grid.id == Target.grid_id)
        .where(Target.township_id == township_id, Target.lon.is_not(None))
        .order_by(Target.id)).all()
    if not rows:
        return {"type": "FeatureCollection", "features": []}
    lon, lat = to_display([r.lon for r in rows], [r.lat for r in rows], basemap)
    tc = plan.target_cadre if plan is not None else {}
    feats = []
    for r, x, y in zip(rows, lon, lat, strict=True):
        props = {"id": r.id, "k": r.kind}
        if r.placement != "inside":
            props["p"] = r.placement
        if r.id in tc:
            props["c"] = tc[r.id]
        feats.append({"type": "Feature", "properties": props,
                      "geometry": {"type": "Point", "coordinates": [_r(x), _r(y)]}})
    return {"type": "FeatureCollection", "features": feats}


def problems_list(session: Session, township_id: int, *, limit: int = 500
                  ) -> list[dict[str, Any]]:
    """Data problems kept in the store (bad rows, placement, grid defects)."""
    rows = session.scalars(select(DataProblem).where(DataProblem.township_id == township_id)
                           .order_by(DataProblem.scope, DataProblem.id).limit(limit))
    return [dict(id=p.id, scope=p.scope, severity=p.severity, code=p.code,
                 code_label=PROBLEM_LABELS.get(p.code, p.code), source=p.source, row=p.row,
                 field=p.field, ref=p.ref, message=p.message, lon=p.lon, lat=p.lat,
                 area_m2=p.area_m2) for p in rows]


def problems_geojson(session: Session, township_id: int, basemap: Basemap
                     ) -> dict[str, Any]:
    """Grid defects and targets outside grids as points (``code``, ``message``)."""
    rows = [p for p in problems_list(session, township_id, limit=5000)
            if p["lon"] is not None and p["lat"] is not None
            and p["scope"] in ("placement", "topology", "grids")]
    if not rows:
        return {"type": "FeatureCollection", "features": []}
    lon, lat = to_display([p["lon"] for p in rows], [p["lat"] for p in rows], basemap)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [_r(x), _r(y)]},
         "properties": {"id": p["id"], "code": p["code"], "code_label": p["code_label"],
                        "message": p["message"]}}
        for p, x, y in zip(rows, lon, lat, strict=True)]}


def import_upload(store: Any, viewer: Viewer, township_name: str, what: str,
                  filename: str, data: bytes, *, crs: str | None = None,
                  skip_invalid: bool = False) -> dict[str, Any]:
    """Import an uploaded file with the CLI's importer (same checks, same errors).

    Returns the import report as a dict; the rejected rows (with ``skip_invalid``) come
    back in ``rejected_rows`` rather than as a file on the server.

    Raises
    ------
    ValidationError
        The file was refused (every problem listed), or its type is not accepted.
    """
    from zoufang.campaign.imports.importer import KINDS_OF_IMPORT, import_file

    if what not in KINDS_OF_IMPORT:
        raise ValidationError("unknown import", [Problem(
            "upload", None, "kind", f'kind was "{what}" but is expected to be in '
            f"{list(KINDS_OF_IMPORT)}")])
    name = os.path.basename(filename.replace("\\", "/")).strip() or "upload.csv"
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*') or "upload"
    if Path(name).suffix.lower() not in IMPORT_SUFFIXES:
        raise ValidationError(f"{name}: file type not accepted", [Problem(
            name, None, None, "expected one of " + ", ".join(IMPORT_SUFFIXES)
            + " (a Shapefile: convert it to GeoPackage or import it with the CLI)",
            code="format")])
    with tempfile.TemporaryDirectory(prefix="zoufang-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        options: dict[str, Any] = {"crs": crs or None, "township": township_name,
                                   "skip_invalid": skip_invalid,
                                   "rejects_path": Path(tmp) / "rejected.csv"}
        report = import_file(store, what, path, **options)
        out = report.to_dict()
        rejects = Path(tmp) / "rejected.csv"
        out["rejected_rows"] = (rejects.read_text(encoding="utf-8-sig")
                                if report.rejected and rejects.exists() else None)
        out["rejects_file"] = None
    return out


# ----------------------------------------------------------------------------- targets

def _target(session: Session, viewer: Viewer, target_id: int) -> Target:
    tgt = session.get(Target, target_id)
    if tgt is None or tgt.township_id != viewer.township_id:
        raise NotFound(f"no target #{target_id}")
    if not can_see_target(session, viewer, tgt):
        raise Forbidden(f"target #{target_id} is not in your area")
    return tgt


def _planned_cadre(session: Session, target_id: int) -> str | None:
    """The cadre (编号 姓名) whose area holds the target in the current plan, if any."""
    try:
        from zoufang.campaign.store import AreaTarget, VisitArea
    except ImportError:  # pragma: no cover - before the areas issue landed
        return None
    row = session.execute(select(VisitArea.cadre_ext_id, VisitArea.cadre_name)
                          .join(AreaTarget, AreaTarget.area_id == VisitArea.id)
                          .where(AreaTarget.target_id == target_id)
                          .order_by(AreaTarget.campaign_id.desc()).limit(1)).first()
    return f"{row[0]} {row[1]}" if row else None


def target_detail(session: Session, viewer: Viewer, target_id: int) -> dict[str, Any]:
    """One target as the viewer may see it: name and phone masked unless allowed, its
    visits, its issues and the hotspots it is part of (回头看).
    """
    tgt = _target(session, viewer, target_id)
    personal = sees_personal(session, viewer, tgt)
    name, phone = mask_target_fields(tgt.name, tgt.phone, personal)
    grid = session.get(Grid, tgt.grid_id) if tgt.grid_id else None
    visits = [dict(id=v.id, at=v.at.isoformat(sep=" ", timespec="minutes"),
                   mode=MODES.get(v.mode, (v.mode,))[0],
                   outcome=OUTCOMES.get(v.outcome, (v.outcome,))[0],
                   cadre=c if personal else mask_name(c), notes=v.notes if personal else None)
              for v, c in session.execute(
                  select(Visit, Cadre.name).join(Cadre, Cadre.id == Visit.cadre_id)
                  .where(Visit.target_id == tgt.id).order_by(Visit.at.desc()).limit(20))]
    look = lookback(session, tgt.township_id, tgt.id,
                    hotspots=_hotspots_cached(session, tgt.township_id))
    today = local_now().date()
    cfg = ledger_mod.get_config(session, tgt.township_id)
    issues = []
    for i in session.scalars(select(Issue).where(Issue.target_id == tgt.id)
                             .order_by(Issue.raised_at)):
        warn = ledger_mod.warning_level(i.status, i.deadline, today,
                                        yellow_days=cfg.yellow_days)
        issues.append(dict(id=i.id, category=ledger_mod.category_label(i.category, cfg),
                           status=ledger_mod.status_label(i.status), text=i.text,
                           raised_at=i.raised_at.isoformat(sep=" ", timespec="minutes"),
                           deadline=i.deadline.isoformat() if i.deadline else None,
                           warning=warn))
    last = visits[0]["at"] if visits else None
    return {
        "id": tgt.id, "ext_id": tgt.ext_id, "name": name, "phone": phone,
        "address": tgt.address, "kind": tgt.kind, "kind_label": kind_label(tgt.kind),
        "tags": [vocab.TARGET_TAGS.get(x, (x,))[0] for x in (tgt.tags or [])],
        "grid": grid.ext_id if grid else None, "placement": PLACEMENT_LABELS.get(
            tgt.placement, tgt.placement), "personal": personal,
        "cadre": _planned_cadre(session, tgt.id),
        "visits": visits, "last_visit": last, "issues": issues,
        "hotspots": [dict(key=h["key"], label=h["label"], targets=len(h["target_ids"]),
                          open_issues=h["open_issues"], grids=h["grids"])
                     for h in look["hotspots"]],
    }


_HOTSPOT_CACHE: dict[tuple[Any, ...], list[Any]] = {}


def _hotspots_cached(session: Session, township_id: int) -> list[Any]:
    """The township's hotspots, recomputed only when its issues changed (every popup of a
    target needs them; computing them takes a few hundred ms for a whole township).
    """
    key = (str(session.get_bind().url), township_id, *session.execute(
        select(func.count(Issue.id), func.max(Issue.updated_at), func.max(Issue.id))
        .where(Issue.township_id == township_id)).one())
    if key not in _HOTSPOT_CACHE:
        if len(_HOTSPOT_CACHE) > 64:
            _HOTSPOT_CACHE.clear()
        _HOTSPOT_CACHE[key] = find_hotspots(session, township_id)
    return _HOTSPOT_CACHE[key]


# ----------------------------------------------------------------------------- coverage

def _settled_targets(township_id: int) -> Any:
    return select(Visit.target_id).where(Visit.township_id == township_id,
                                         Visit.outcome.in_(SETTLED_OUTCOMES))


def coverage_geojson(session: Session, township_id: int, basemap: Basemap
                     ) -> dict[str, Any]:
    """Grids with their visit rate (走访率) and a choropleth colour."""
    m = compute_measures(session, township_id, levels=("grid",))["grid"]
    by_grid = {int(k): r for k, r in zip(m["key"], m.to_dict("records"), strict=True)
               if k is not None and not (isinstance(k, float) and math.isnan(k))}
    feats = []
    for r in _grid_rows(session, township_id):
        row = by_grid.get(r.id, {})
        rate = row.get("visit_rate")
        rate = None if rate is None or (isinstance(rate, float) and math.isnan(rate)) else rate
        targets = int(row.get("targets", 0) or 0)
        visited = int(row.get("visited", 0) or 0)
        props = {"id": r.id, "code": r.ext_id, "village": r.village, "targets": targets,
                 "visited": visited, "unvisited": targets - visited,
                 "visit_rate": None if rate is None else round(float(rate), 4),
                 "visit_rate_pct": None if rate is None else f"{rate * 100:.1f}%",
                 "color": rate_color(rate)}
        geom = shapely.set_precision(shift_geometry(r.geom, basemap), 1e-6)
        feats.append(_feature(geom, props))
    return {"type": "FeatureCollection", "features": feats}


#: Choropleth classes of the visit rate: (lower bound, colour, label).
RATE_CLASSES: Final = ((0.0, "#d7191c", "< 60%"), (0.6, "#fdae61", "60–80%"),
                       (0.8, "#ffffbf", "80–90%"), (0.9, "#a6d96a", "90–99%"),
                       (0.99, "#1a9641", "≥ 99%"))


def rate_color(rate: float | None) -> str:
    """The choropleth colour of a visit rate (grey when there is none)."""
    if rate is None:
        return "#cccccc"
    colour = RATE_CLASSES[0][1]
    for lo, c, _ in RATE_CLASSES:
        if rate >= lo:
            colour = c
    return colour


def unvisited_list(session: Session, viewer: Viewer, *, limit: int | None = 500,
                   grid_code: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """Targets not yet visited (no settled visit), masked as the viewer may see them;
    returns (rows, total count).
    """
    tid = _tid(viewer)
    q = (select(Target, Grid.ext_id, Village.name)
         .outerjoin(Grid, Grid.id == Target.grid_id)
         .outerjoin(Village, Village.id == Grid.village_id)
         .where(Target.township_id == tid, Target.id.not_in(_settled_targets(tid))))
    if grid_code:
        q = q.where(Grid.ext_id == grid_code)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    personal = sees_personal(session, viewer)
    last_try = dict(session.execute(select(Visit.target_id, func.max(Visit.at)).where(
        Visit.township_id == tid).group_by(Visit.target_id)).all())
    rows = []
    for t, g, v in session.execute(q.order_by(Grid.ext_id, Target.ext_id).limit(limit)):
        name, phone = mask_target_fields(t.name, t.phone, personal)
        at = last_try.get(t.id)
        rows.append(dict(id=t.id, ext_id=t.ext_id, name=name, phone=phone,
                         address=t.address, kind=kind_label(t.kind), grid=g, village=v,
                         last_attempt=at.isoformat(sep=" ", timespec="minutes") if at else None))
    return rows, int(total)


def unvisited_geojson(session: Session, township_id: int, basemap: Basemap
                      ) -> dict[str, Any]:
    """Points of the targets not yet visited (``id``, ``k``)."""
    rows = session.execute(
        select(Target.id, Target.kind, Target.lon, Target.lat)
        .where(Target.township_id == township_id, Target.lon.is_not(None),
               Target.id.not_in(_settled_targets(township_id)))
        .order_by(Target.id)).all()
    if not rows:
        return {"type": "FeatureCollection", "features": []}
    lon, lat = to_display([r.lon for r in rows], [r.lat for r in rows], basemap)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": r.id, "k": r.kind},
         "geometry": {"type": "Point", "coordinates": [_r(x), _r(y)]}}
        for r, x, y in zip(rows, lon, lat, strict=True)]}


# ----------------------------------------------------------------------------- measures

_RATE_COLS: Final = ("visit_rate", "in_home_rate", "response_rate", "resolution_rate",
                     "satisfaction")
_COUNT_COLS: Final = ("targets", "visited", "in_home", "visits", "issues", "responded",
                      "resolved", "rated", "satisfied", "overdue")


def _clean_row(r: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in r.items():
        if isinstance(v, float) and math.isnan(v):
            v = None
        elif isinstance(v, np.integer):
            v = int(v)
        elif isinstance(v, np.floating):
            v = float(v)
        if k in _COUNT_COLS and isinstance(v, float):
            v = int(v)
        out[k] = v
    return out


def measures_drill(session: Session, viewer: Viewer, *, level: str = "township",
                   key: str | None = None, start: dt.date | None = None,
                   end: dt.date | None = None) -> dict[str, Any]:
    """Measures with drill-down (点村知户、点户知人、点人知情): township → its villages →
    a village's grids → a grid's targets.

    ``level`` is what is listed: ``township`` (the township row and its villages),
    ``village`` (the grids of village ``key``), ``grid`` (the targets of grid ``key``,
    names masked unless the viewer may see them).
    """
    if level not in ("township", "village", "grid"):
        raise ValueError(f'`level` was "{level}" but is expected to be in '
                         '["township", "village", "grid"]')
    tid = _tid(viewer)
    m = compute_measures(session, tid, start=start, end=end,
                         levels=("township", "village", "grid"))
    town = _clean_row(m["township"].to_dict("records")[0])
    out: dict[str, Any] = {"township": town, "level": level, "key": key, "rows": [],
                           "has_ledger": bool(town["visits"] or town["issues"])}
    if level == "township":
        out["child_level"] = "village"
        out["rows"] = [_clean_row(r) for r in m["village"].to_dict("records")]
        return out
    if level == "village":
        vid = int(key) if key and key.isdigit() else None
        village = session.get(Village, vid) if vid is not None else None
        if village is None or village.township_id != tid:
            raise NotFound(f"no village {key!r}")
        grid_ids = set(session.scalars(select(Grid.id).where(Grid.village_id == vid)))
        out["parent"] = {"name": village.name}
        out["child_level"] = "grid"
        out["rows"] = [_clean_row(r) for r in m["grid"].to_dict("records")
                       if r["key"] in grid_ids]
        return out
    grid = session.scalar(select(Grid).where(Grid.township_id == tid, Grid.ext_id == key))
    if grid is None:
        raise NotFound(f"no grid {key!r}")
    out["parent"] = {"name": grid.ext_id, "village_id": grid.village_id}
    out["child_level"] = "target"
    out["grid_row"] = next((_clean_row(r) for r in m["grid"].to_dict("records")
                            if r["key"] == grid.id), None)
    out["rows"] = _grid_targets(session, viewer, grid)
    return out


def _grid_targets(session: Session, viewer: Viewer, grid: Grid) -> list[dict[str, Any]]:
    personal = sees_personal(session, viewer)
    vis: dict[int, dict[str, Any]] = defaultdict(lambda: {"visits": 0, "settled": False,
                                                          "in_home": False, "last": None})
    for tid_, outcome, mode, at in session.execute(
            select(Visit.target_id, Visit.outcome, Visit.mode, Visit.at)
            .join(Target, Target.id == Visit.target_id).where(Target.grid_id == grid.id)):
        d = vis[tid_]
        d["visits"] += 1
        d["settled"] |= outcome in SETTLED_OUTCOMES
        d["in_home"] |= outcome == "visited" and mode == "in_home"
        d["last"] = max(d["last"], at) if d["last"] else at
    iss = Counter()
    open_iss = Counter()
    for tid_, status in session.execute(
            select(Issue.target_id, Issue.status).join(Target, Target.id == Issue.target_id)
            .where(Target.grid_id == grid.id)):
        iss[tid_] += 1
        open_iss[tid_] += status in ledger_mod.OPEN_STATUSES
    rows = []
    for t in session.scalars(select(Target).where(Target.grid_id == grid.id)
                             .order_by(Target.ext_id)):
        name, phone = mask_target_fields(t.name, t.phone, personal)
        d = vis.get(t.id, {"visits": 0, "settled": False, "in_home": False, "last": None})
        rows.append(dict(id=t.id, ext_id=t.ext_id, name=name, phone=phone,
                         kind=kind_label(t.kind), address=t.address,
                         visited=d["settled"], in_home=d["in_home"], visits=d["visits"],
                         last_visit=d["last"].isoformat(sep=" ", timespec="minutes")
                         if d["last"] else None, issues=iss[t.id], open_issues=open_iss[t.id]))
    return rows


# ----------------------------------------------------------------------------- issues

def _issue_query(viewer: Viewer, *, open_only: bool, mine: bool) -> Any:
    tid = _tid(viewer)
    q = (select(Issue, Target, Grid.ext_id, Cadre.name)
         .outerjoin(Target, Target.id == Issue.target_id)
         .outerjoin(Grid, Grid.id == Target.grid_id)
         .outerjoin(Cadre, Cadre.id == Issue.owner_cadre_id)
         .where(Issue.township_id == tid))
    if open_only:
        q = q.where(Issue.status.in_(ledger_mod.OPEN_STATUSES))
    if mine or viewer.role == "cadre":
        q = q.where(Issue.owner_cadre_id == (viewer.cadre_id if viewer.cadre_id is not None
                                             else -1))
    return q


def _issue_dict(session: Session, viewer: Viewer, i: Issue, t: Target | None,
                grid: str | None, owner: str | None, today: dt.date,
                cfg: Any) -> dict[str, Any]:
    personal = (viewer.role == "planner" or (viewer.role == "leader" and viewer.personal_data)
                or (viewer.role == "cadre" and i.owner_cadre_id == viewer.cadre_id))
    name = i.reporter_name or (t.name if t else None)
    phone = i.reporter_phone or (t.phone if t else None)
    name, phone = mask_target_fields(name, phone, personal)
    warn = ledger_mod.warning_level(i.status, i.deadline, today, yellow_days=cfg.yellow_days)
    return dict(
        id=i.id, category=i.category, category_label=ledger_mod.category_label(i.category, cfg),
        status=i.status, status_label=ledger_mod.status_label(i.status), text=i.text,
        channel=i.channel, target_id=t.id if t else None, target_ext_id=t.ext_id if t else None,
        target_name=name, phone=phone, address=t.address if t else None, grid=grid,
        owner=owner if personal or viewer.role == "planner" else mask_name(owner),
        unit=i.unit, deadline=i.deadline.isoformat() if i.deadline else None,
        warning=warn, warning_label={"red": "红色预警", "yellow": "黄色预警"}.get(warn or "", ""),
        supervised=i.supervised,
        raised_at=i.raised_at.isoformat(sep=" ", timespec="minutes"), version=i.version,
        page=f"/issues/{i.id}")


def issues_list(session: Session, viewer: Viewer, *, open_only: bool = True,
                mine: bool = False, limit: int | None = 500, today: dt.date | None = None
                ) -> tuple[list[dict[str, Any]], int]:
    """Issues of the township (a cadre: only its own), warnings first; (rows, total)."""
    today = today or local_now().date()
    q = _issue_query(viewer, open_only=open_only, mine=mine)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    cfg = ledger_mod.get_config(session, _tid(viewer))
    rows = [_issue_dict(session, viewer, i, t, g, o, today, cfg)
            for i, t, g, o in session.execute(
                q.order_by(Issue.deadline.is_(None), Issue.deadline, Issue.id).limit(limit))]
    order = {"red": 0, "yellow": 1}
    rows.sort(key=lambda r: order.get(r["warning"] or "", 2))
    return rows, int(total)


def issues_geojson(session: Session, viewer: Viewer, basemap: Basemap, *,
                   open_only: bool = True) -> dict[str, Any]:
    """Issues with a located target as points: ``id``, ``cat``, ``warn``."""
    today = local_now().date()
    cfg = ledger_mod.get_config(session, _tid(viewer))
    rows = [(i, t) for i, t, _g, _o in session.execute(
        _issue_query(viewer, open_only=open_only, mine=False).order_by(Issue.id))
        if t is not None and t.lon is not None]
    if not rows:
        return {"type": "FeatureCollection", "features": []}
    lon, lat = to_display([t.lon for _, t in rows], [t.lat for _, t in rows], basemap)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [_r(x), _r(y)]},
         "properties": {"id": i.id, "cat": i.category, "warn": ledger_mod.warning_level(
             i.status, i.deadline, today, yellow_days=cfg.yellow_days)}}
        for (i, _t), x, y in zip(rows, lon, lat, strict=True)]}


def category_colors(session: Session, township_id: int) -> dict[str, str]:
    """A colour per issue category of the township."""
    cats = ledger_mod.get_config(session, township_id).categories()
    return {c: PALETTE[k % len(PALETTE)] for k, c in enumerate(cats)}


def _issue_for(session: Session, viewer: Viewer, issue_id: int) -> Issue:
    i = session.get(Issue, issue_id)
    if i is None or i.township_id != viewer.township_id or viewer.role == "admin":
        raise NotFound(f"no issue #{issue_id}")
    if viewer.role == "cadre" and (viewer.cadre_id is None
                                   or i.owner_cadre_id != viewer.cadre_id):
        raise Forbidden(f"issue #{issue_id} is not yours")
    return i


#: Issue actions each role may take (cadres only on their own issues).
ROLE_ACTIONS: Final[dict[str, frozenset[str]]] = {
    "planner": frozenset(ledger_mod.TRANSITIONS) | {"rate"},
    "cadre": frozenset(ledger_mod.TRANSITIONS) - {"supervise", "unsupervise"} | {"rate"},
    "leader": frozenset({"supervise", "unsupervise", "note"}),
}


def issue_detail(session: Session, viewer: Viewer, issue_id: int) -> dict[str, Any]:
    """One issue with its history and the actions the viewer may take now."""
    i = _issue_for(session, viewer, issue_id)
    t = session.get(Target, i.target_id) if i.target_id else None
    grid = session.get(Grid, t.grid_id) if t is not None and t.grid_id else None
    owner = session.get(Cadre, i.owner_cadre_id) if i.owner_cadre_id else None
    cfg = ledger_mod.get_config(session, i.township_id)
    out = _issue_dict(session, viewer, i, t, grid.ext_id if grid else None,
                      owner.name if owner else None, local_now().date(), cfg)
    out["responsibility_label"] = ledger_mod.RESPONSIBILITIES[i.responsibility][0]
    out["result"], out["explanation"] = i.result, i.explanation
    out["rating"] = i.rating
    out["history"] = [dict(seq=e.seq, action=e.action, label=ledger_mod.TRANSITIONS[
        e.action].label if e.action in ledger_mod.TRANSITIONS else e.action,
        to_status=ledger_mod.status_label(e.to_status), actor=e.actor,
        at=e.at.isoformat(sep=" ", timespec="minutes"), reason=e.reason,
        deadline=e.deadline.isoformat() if e.deadline else None)
        for e in session.scalars(select(IssueEvent).where(IssueEvent.issue_id == i.id)
                                 .order_by(IssueEvent.seq))]
    allowed = ROLE_ACTIONS.get(viewer.role, frozenset())
    out["actions"] = [dict(code=a, label=ledger_mod.TRANSITIONS[a].label,
                           requires=list(ledger_mod.TRANSITIONS[a].requires),
                           accepts=list(ledger_mod.TRANSITIONS[a].accepts))
                      for a in ledger_mod.allowed_actions(i.status) if a in allowed]
    return out


def apply_issue_action(session: Session, viewer: Viewer, issue_id: int, action: str,
                       values: dict[str, Any]) -> dict[str, Any]:
    """Apply a lifecycle action (the ledger's rules) as the viewer; returns the issue.

    Raises
    ------
    Forbidden
        The viewer's role may not take ``action``.
    TransitionRefused, IssueConflict
        From :func:`zoufang.campaign.issues.move_issue`.
    """
    i = _issue_for(session, viewer, issue_id)
    if action not in ROLE_ACTIONS.get(viewer.role, frozenset()):
        raise Forbidden(f"a {viewer.role} may not '{action}' an issue")
    fields = {k: v for k, v in values.items()
              if k in ("unit", "handler", "deadline", "result", "explanation", "category",
                       "responsibility", "urgency") and v not in (None, "")}
    version = values.get("version")
    ledger_mod.move_issue(
        session, i.id, action, actor=viewer.name, reason=values.get("reason") or None,
        rating=values.get("rating") or None,
        expected_version=int(version) if str(version or "").isdigit() else None, **fields)
    return issue_detail(session, viewer, issue_id)


# ----------------------------------------------------------------------------- field

def record_field_visit(session: Session, viewer: Viewer, form: dict[str, Any]
                       ) -> dict[str, Any]:
    """Record a visit by the viewer (a cadre) and, if given, the issue raised in it.

    ``form``: ``target`` (编号), ``mode``, ``outcome``, ``at`` (local time, default now),
    ``card``/``survey``/``leaflet``/``solved`` (booleans), ``notes``, ``lon``/``lat``
    (the phone's GPS point), and optionally ``category``, ``responsibility``,
    ``urgency``, ``text`` for an issue. One transaction: both land or neither.

    Until visit areas exist any target of the cadre's township can be recorded by its
    number; the answer names the target by number only (no personal data).
    """
    if viewer.role != "cadre" or viewer.cadre_id is None:
        raise Forbidden("only a field cadre linked to a cadre record can record visits")
    tid = _tid(viewer)
    cadre = session.get(Cadre, viewer.cadre_id)
    if cadre is None or cadre.township_id != tid:
        raise Forbidden("your cadre record is not in your township")

    def _f(name: str) -> float | None:
        v = form.get(name)
        try:
            return float(v) if v not in (None, "") else None
        except (TypeError, ValueError):
            return math.nan

    lon, lat = _f("lon"), _f("lat")
    problems: list[Problem] = []
    if (lon is not None and math.isnan(lon)) or (lat is not None and math.isnan(lat)):
        problems.append(Problem("visit", None, "gps", "the GPS point is not a number"))
        lon = lat = None
    ref = str(form.get("target") or "").strip()
    if not ref:
        problems.append(Problem("visit", None, "target", "the target's number is missing"))
    text = str(form.get("text") or "").strip()
    if problems:
        raise ValidationError("visit refused, nothing recorded", problems)
    at = form.get("at") or local_now()
    if isinstance(at, str):
        at = at.replace("T", " ")
    tgt = session.scalar(select(Target).where(Target.township_id == tid,
                                              Target.ext_id == ref))
    if tgt is None:
        raise ValidationError("visit refused, nothing recorded", [Problem(
            "visit", None, "target", f"no target {ref!r} in your township")])
    v = record_visit(session, township_id=tid, target=tgt.ext_id, cadre=cadre.ext_id,
                     at=at, mode=str(form.get("mode") or ""),
                     outcome=str(form.get("outcome") or ""),
                     four_ones={k: _truthy(form.get(k)) for k in FOUR_ONES},
                     notes=form.get("notes") or None, lon=lon, lat=lat,
                     campaign_id=_campaign_id(session, tid), recorded_by=viewer.name)
    issue_id = None
    if text or form.get("category"):  # an error here rolls the visit back too
        issue = ledger_mod.record_issue(
            session, visit_id=v.id, category=str(form.get("category") or ""),
            responsibility=str(form.get("responsibility") or "township"),
            urgency=str(form.get("urgency") or "normal"), text=text, actor=viewer.name)
        issue_id = issue.id
    return {"visit_id": v.id, "target": tgt.ext_id, "outcome": v.outcome,
            "at": v.at.isoformat(sep=" ", timespec="minutes"), "issue_id": issue_id}


def _truthy(v: Any) -> bool:
    return str(v).lower() in ("1", "true", "on", "yes", "y") if v is not None else False


def _campaign_id(session: Session, township_id: int) -> int | None:
    from zoufang.campaign.store import Campaign

    return session.scalar(select(Campaign.id).where(Campaign.township_id == township_id)
                          .order_by(Campaign.id.desc()).limit(1))


def my_visits(session: Session, viewer: Viewer, *, limit: int = 50) -> list[dict[str, Any]]:
    """The cadre's latest visits (target by number only)."""
    if viewer.cadre_id is None:
        return []
    return [dict(id=v.id, target=ext, at=v.at.isoformat(sep=" ", timespec="minutes"),
                 mode=MODES.get(v.mode, (v.mode,))[0],
                 outcome=OUTCOMES.get(v.outcome, (v.outcome,))[0])
            for v, ext in session.execute(
                select(Visit, Target.ext_id).join(Target, Target.id == Visit.target_id)
                .where(Visit.cadre_id == viewer.cadre_id)
                .order_by(Visit.at.desc(), Visit.id.desc()).limit(limit))]


def my_area(session: Session, viewer: Viewer, ids: set[int]) -> list[dict[str, Any]]:
    """The targets of the cadre's own area (``ids``), with contacts, whether they are
    visited (a settled visit by anyone) and when last tried; unvisited first."""
    if not ids:
        return []
    settled = set(session.scalars(select(Visit.target_id).where(
        Visit.target_id.in_(ids), Visit.outcome.in_(SETTLED_OUTCOMES))))
    last = dict(session.execute(select(Visit.target_id, func.max(Visit.at)).where(
        Visit.target_id.in_(ids)).group_by(Visit.target_id)).all())
    rows = []
    for t, g in session.execute(select(Target, Grid.ext_id).outerjoin(
            Grid, Grid.id == Target.grid_id).where(Target.id.in_(ids))
            .order_by(Grid.ext_id, Target.ext_id)):
        at = last.get(t.id)
        rows.append(dict(id=t.id, ext_id=t.ext_id, name=t.name, phone=t.phone,
                         address=t.address, kind=kind_label(t.kind), grid=g,
                         visited=t.id in settled,
                         last_visit=at.isoformat(sep=" ", timespec="minutes") if at else None))
    rows.sort(key=lambda r: r["visited"])
    return rows


def hotspots(session: Session, viewer: Viewer) -> list[dict[str, Any]]:
    """Hotspots of open issues of the township (no personal data)."""
    return [h.to_dict() for h in find_hotspots(session, _tid(viewer), open_only=True)]


# ----------------------------------------------------------------------------- exports

def export_ledger(session: Session, viewer: Viewer, *, start: dt.date | None = None,
                  end: dt.date | None = None) -> tuple[bytes, str, bool, dict[str, int]]:
    """The ledger's standard tables as one .xlsx (masked unless the viewer sees personal
    data); returns (bytes, file name, personal?, rows per table). The caller audits.
    """
    from zoufang.campaign.exports import export_tables, write_xlsx

    tid = _tid(viewer)
    personal = sees_personal(session, viewer)
    tables = export_tables(session, tid, start=start, end=end, mask=not personal)
    with tempfile.TemporaryDirectory(prefix="zoufang-export-") as tmp:
        path = write_xlsx(tables, Path(tmp) / "ledger.xlsx")
        data = path.read_bytes()
    town = session.get(Township, tid)
    name = f"{town.name if town else tid}-走访台账-{local_now():%Y%m%d}.xlsx"
    return data, name, personal, {k: len(v) for k, v in tables.items()}


def has_visits(session: Session, township_id: int) -> bool:
    """Does the township have any visit recorded?"""
    return bool(session.scalar(select(exists().where(Visit.township_id == township_id))))


def kinds_legend() -> list[list[str]]:
    """Legend entries of target kinds."""
    return [[c, kind_label(k)] for k, c in KIND_COLORS.items()]


def iter_codes(values: Iterable[Any]) -> list[str]:
    """Sorted unique non-empty string values."""
    return sorted({str(v) for v in values if v not in (None, "")})
