"""What the pages and the JSON API read from the store, scoped to the viewer.

Views (pages and API alike) parse the request, call one function here (or one action of
:mod:`zoufang.web.forms`) and serialise the result; no view builds SQL. Functions that
read for a viewer take the open session and the :class:`~zoufang.web.security.Viewer`
and apply :mod:`zoufang.web.scope`: a target the viewer may not open raises
:class:`~zoufang.web.errors.Forbidden`, personal data is masked where the viewer may not
see it.

GeoJSON is returned in the basemap's datum (WGS-84, or GCJ-02 for a GCJ-02 basemap),
coordinates rounded to 6 decimals (~0.1 m); properties use short keys to keep a whole
township's layer small.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zoufang import vocab
from zoufang.campaign import issues as ledger_mod
from zoufang.campaign import route_exports as rx
from zoufang.campaign.hotspots import find_hotspots, lookback
from zoufang.campaign.measures import compute_measures
from zoufang.campaign.routes import current_route_plan, plan_result
from zoufang.campaign.store import (
    AreaTarget,
    AuditEntry,
    Cadre,
    DataProblem,
    Grid,
    Issue,
    IssueEvent,
    Target,
    Township,
    User,
    Village,
    Visit,
    VisitArea,
    local_now,
)
from zoufang.campaign.store.lookup import newest_campaign_id
from zoufang.campaign.summary import summarise
from zoufang.campaign.visits import FOUR_ONES, MODES, OUTCOMES, SETTLED_OUTCOMES
from zoufang.privacy import mask_name
from zoufang.web.basemaps import Basemap, shift_geometry, to_display
from zoufang.web.errors import Forbidden, NotFound
from zoufang.web.i18n import LABELS
from zoufang.web.maps import PALETTE, category_colors, rate_color
from zoufang.web.scope import (
    ROLE_ACTIONS,
    area_target_ids,
    can_see_target,
    mask_target_fields,
    sees_issue_personal,
    sees_personal,
)
from zoufang.web.security import Viewer

__all__ = [
    "admin_overview", "audit_entries", "bounds", "cadre_day", "coverage_geojson",
    "get_issue", "grids_geojson", "hotspots", "issue_category_legend", "issue_detail",
    "issues_geojson", "issues_list", "kind_label", "leader_measures", "measures_drill",
    "integrity_view", "leader_list", "my_area", "ranking",
    "my_visits", "ping", "problems_geojson", "problems_list", "require_township",
    "route_day", "route_plan_overview", "summary", "target_detail", "targets_geojson",
    "township", "township_name", "township_summaries", "unvisited_geojson",
    "unvisited_list", "users_list", "visit_form_choices",
]


def _r(x: float) -> float:
    return round(float(x), 6)


def _label(table: Mapping[str, tuple[str, ...]], code: str | None) -> str | None:
    """Chinese name of ``code`` in a :mod:`zoufang.vocab` table (the code when unknown)."""
    return table[code][0] if code in table else code


def kind_label(code: str | None) -> str:
    """Return the Chinese name of a target kind (:data:`zoufang.vocab.KINDS`)."""
    return vocab.KINDS.get(code or "", (code or "",))[0]


# ----------------------------------------------------------------------------- township

def ping(session: Session) -> None:
    """Run the cheapest query there is: the store opens and answers."""
    session.execute(select(1))


def township(session: Session, viewer: Viewer) -> Township | None:
    """Return the viewer's township (None when it has none, e.g. an empty store)."""
    if viewer.township_id is None:
        return None
    return session.get(Township, viewer.township_id)


def require_township(viewer: Viewer) -> int:
    """Return the id of the viewer's township.

    Raises
    ------
    NotFound
        The user has no township assigned.
    """
    if viewer.township_id is None:
        raise NotFound("no township is assigned to this user")
    return viewer.township_id


def township_name(session: Session, viewer: Viewer) -> str:
    """Return the name of the viewer's township ("" when it is gone).

    Raises
    ------
    NotFound
        The user has no township assigned.
    """
    town = session.get(Township, require_township(viewer))
    return town.name if town else ""


def summary(session: Session, viewer: Viewer) -> dict[str, Any] | None:
    """Return the township's counts (no personal data); None without a township."""
    town = township(session, viewer)
    return summarise(session, town).to_dict() if town else None


def township_summaries(session: Session, viewer: Viewer) -> list[dict[str, Any]]:
    """Return the counts of every township the viewer may see (admins: all; others: own)."""
    q = select(Township).order_by(Township.id)
    if viewer.role != "admin":
        q = q.where(Township.id == (viewer.township_id if viewer.township_id is not None
                                    else -1))
    return [summarise(session, t).to_dict() for t in session.scalars(q)]


def bounds(session: Session, township_id: int, basemap: Basemap
           ) -> list[list[float]] | None:
    """Return ``[[south, west], [north, east]]`` of the township's grids (else targets).

    Degrees in the basemap's datum; None when the township has neither.
    """
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
    """Return the grids, coloured by assigned cadre when a plan exists, else by village.

    Properties: ``id``, ``code`` (网格编号), ``name``, ``village``, ``targets`` (count),
    ``cadre`` (planned cadres), ``load_h``, ``color``. ``plan`` is the township's
    :class:`~zoufang.web.jobs.PlanView` (or None).
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
    """Return every target with a point, without names (popups fetch them).

    Properties: ``id``, ``k`` (kind), ``p`` (placement, when not simply inside a grid)
    and, with a plan, ``c`` (cadre).
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
    """Return the data problems kept in the store (bad rows, placement, grid defects).

    ``code_label`` is the code's Chinese name (:data:`zoufang.vocab.PROBLEM_CODES`).
    """
    rows = session.scalars(select(DataProblem).where(DataProblem.township_id == township_id)
                           .order_by(DataProblem.scope, DataProblem.id).limit(limit))
    return [dict(id=p.id, scope=p.scope, severity=p.severity, code=p.code,
                 code_label=_label(vocab.PROBLEM_CODES, p.code), source=p.source, row=p.row,
                 field=p.field, ref=p.ref, message=p.message, lon=p.lon, lat=p.lat,
                 area_m2=p.area_m2) for p in rows]


def problems_geojson(session: Session, township_id: int, basemap: Basemap
                     ) -> dict[str, Any]:
    """Return grid defects and targets outside grids as points (``code``, ``message``)."""
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


# ----------------------------------------------------------------------------- targets

def _target(session: Session, viewer: Viewer, target_id: int) -> Target:
    tgt = session.get(Target, target_id)
    if viewer.role == "cadre" and (tgt is None or not can_see_target(session, viewer, tgt)):
        # one answer whether the target exists or not: a cadre learns nothing by asking
        raise Forbidden(f"target #{target_id} is not in your visit area")
    if tgt is None or tgt.township_id != viewer.township_id:
        raise NotFound(f"no target #{target_id}")
    if not can_see_target(session, viewer, tgt):
        raise Forbidden(f"target #{target_id} is not in your area")
    return tgt


def _planned_cadre(session: Session, target_id: int) -> str | None:
    """Return the cadre (编号 姓名) whose area holds the target in the latest plan, if any."""
    row = session.execute(select(VisitArea.cadre_ext_id, VisitArea.cadre_name)
                          .join(AreaTarget, AreaTarget.area_id == VisitArea.id)
                          .where(AreaTarget.target_id == target_id)
                          .order_by(AreaTarget.campaign_id.desc()).limit(1)).first()
    return f"{row[0]} {row[1]}" if row else None


def target_detail(session: Session, viewer: Viewer, target_id: int) -> dict[str, Any]:
    """Return one target as the viewer may see it (点户知人).

    Name and phone are masked unless allowed; with its visits, its issues and the
    hotspots it is part of (回头看).
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
        "grid": grid.ext_id if grid else None,
        "placement": _label(vocab.PLACEMENTS, tgt.placement), "personal": personal,
        "cadre": _planned_cadre(session, tgt.id),
        "visits": visits, "last_visit": last, "issues": issues,
        "hotspots": [dict(key=h["key"], label=h["label"], targets=len(h["target_ids"]),
                          open_issues=h["open_issues"], grids=h["grids"])
                     for h in look["hotspots"]],
    }


_HOTSPOT_CACHE: dict[tuple[Any, ...], list[Any]] = {}


def _hotspots_cached(session: Session, township_id: int) -> list[Any]:
    """Return the township's hotspots, recomputed only when its issues changed.

    Every popup of a target needs them; computing them takes a few hundred ms for a
    whole township.
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
    """Return the grids with their visit rate (走访率) and choropleth colour."""
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


def unvisited_list(session: Session, viewer: Viewer, *, limit: int | None = 500,
                   grid_code: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """Return the targets not yet visited (no settled visit) and their total count.

    Names and phones are masked as the viewer may see them.
    """
    tid = require_township(viewer)
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
    """Return the points of the targets not yet visited (``id``, ``k``)."""
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


#: Levels of the leader's measures: the drill-down township → village → grid (→ its
#: targets), and the visit areas and cadres of the current plan.
DRILL_LEVELS: Final = ("township", "village", "grid", "area", "cadre")
#: Measures a ranking (进度排名) may be sorted by.
RANK_MEASURES: Final = ("visit_rate", "in_home_rate", "response_rate", "resolution_rate",
                        "satisfaction", "overdue", "targets", "visited", "visits", "issues")


def leader_measures(session: Session, viewer: Viewer, *, start: dt.date | None = None,
                    end: dt.date | None = None, as_of: dt.datetime | None = None
                    ) -> dict[str, list[dict[str, Any]]]:
    """Return the measures of every level of :data:`DRILL_LEVELS` as plain rows.

    The area level and the cadres' targets come from the current visit-area plan (none
    before planning). Cadres' names are masked unless the viewer may see personal data
    or is a planner. Keys are ids (village, grid, cadre), area names, or None.
    """
    from zoufang.campaign.areas import area_groupings

    tid = require_township(viewer)
    areas = area_groupings(session, newest_campaign_id(session, tid))
    m = compute_measures(session, tid, start=start, end=end, as_of=as_of,
                         levels=("township", "village", "grid", "cadre"),
                         groupings=areas[0] if areas else None,
                         cadre_targets=areas[1] if areas else None,
                         mask=not (viewer.role == "planner" or viewer.personal_data))
    out = {lvl: [_clean_row(r) for r in df.to_dict("records")] for lvl, df in m.items()}
    out.setdefault("area", [])
    if out["cadre"]:
        codes = dict(session.execute(select(Cadre.id, Cadre.ext_id)
                                     .where(Cadre.township_id == tid)).all())
        for r in out["cadre"]:
            r["code"] = codes.get(r["key"])
    return out


def measures_drill(session: Session, viewer: Viewer, *, level: str = "township",
                   key: str | None = None, start: dt.date | None = None,
                   end: dt.date | None = None, as_of: dt.datetime | None = None
                   ) -> dict[str, Any]:
    """Return the measures at one level of the drill-down (点村知户、点户知人、点人知情).

    Township → its villages → a village's grids → a grid's targets; and the visit areas
    and the cadres of the township. ``level`` is where the viewer is: ``township`` (its
    villages are listed), ``village`` (the grids of village ``key``, an id), ``grid``
    (the targets of grid ``key``, its code; names masked unless the viewer may see them),
    ``area`` / ``cadre`` (every area / cadre). ``current`` is the row of the place the
    viewer is at (the KPI strip), ``crumbs`` the way back up: ``(label, level, key)``.
    """
    if level not in DRILL_LEVELS:
        raise ValueError(f'`level` was "{level}" but is expected to be in '
                         f"{list(DRILL_LEVELS)}")
    tid = require_township(viewer)
    m = leader_measures(session, viewer, start=start, end=end, as_of=as_of)
    town = m["township"][0]
    out: dict[str, Any] = {"township": town, "current": town, "level": level, "key": key,
                           "rows": [], "crumbs": [(town["name"], "township", None)],
                           "has_ledger": bool(town["visits"] or town["issues"]),
                           "has_areas": bool(m["area"])}
    if level == "township":
        out["child_level"] = "village"
        out["rows"] = m["village"]
        return out
    if level in ("area", "cadre"):
        out["child_level"] = None
        out["rows"] = m[level]
        out["crumbs"].append(("areas" if level == "area" else "cadres", level, None))
        return out
    if level == "village":
        vid = int(key) if key and key.isdigit() else None
        village = session.get(Village, vid) if vid is not None else None
        if village is None or village.township_id != tid:
            raise NotFound(f"no village {key!r}")
        grid_ids = set(session.scalars(select(Grid.id).where(Grid.village_id == vid)))
        out["parent"] = {"name": village.name, "id": village.id}
        out["current"] = next((r for r in m["village"] if r["key"] == vid),
                              {**_empty_row(), "name": village.name})
        out["crumbs"].append((village.name, "village", str(village.id)))
        out["child_level"] = "grid"
        out["rows"] = [r for r in m["grid"] if r["key"] in grid_ids]
        return out
    grid = session.scalar(select(Grid).where(Grid.township_id == tid, Grid.ext_id == key))
    if grid is None:
        raise NotFound(f"no grid {key!r}")
    village = session.get(Village, grid.village_id) if grid.village_id else None
    out["parent"] = {"name": grid.ext_id, "village_id": grid.village_id,
                     "village": village.name if village else None}
    if village is not None:
        out["crumbs"].append((village.name, "village", str(village.id)))
    out["crumbs"].append((grid.ext_id, "grid", grid.ext_id))
    out["child_level"] = "target"
    out["grid_row"] = next((r for r in m["grid"] if r["key"] == grid.id), None)
    out["current"] = out["grid_row"] or {**_empty_row(), "name": grid.ext_id}
    out["rows"] = _grid_targets(session, viewer, grid)
    return out


def _empty_row() -> dict[str, Any]:
    return {**{c: 0 for c in _COUNT_COLS},
            **{c: None for c in ("visit_rate", "in_home_rate", "response_rate",
                                 "resolution_rate", "satisfaction")}}


def ranking(session: Session, viewer: Viewer, *, by: str = "cadre",
            sort: str = "visit_rate", desc: bool = True, start: dt.date | None = None,
            end: dt.date | None = None, as_of: dt.datetime | None = None
            ) -> list[dict[str, Any]]:
    """Return the progress ranking (进度排名) of the cadres or villages (``by``).

    Sorted by ``sort`` (one of :data:`RANK_MEASURES`), highest first unless ``desc`` is
    False; an empty rate (no denominator) always comes last. Each row gets its ``rank``
    (ties share a rank). Rows with an empty key (targets in no village) are left out.
    """
    if by not in ("cadre", "village", "area", "grid"):
        raise ValueError(f'`by` was "{by}" but is expected to be in '
                         '["cadre", "village", "area", "grid"]')
    if sort not in RANK_MEASURES:
        raise ValueError(f'`sort` was "{sort}" but is expected to be in {list(RANK_MEASURES)}')
    rows = [r for r in leader_measures(session, viewer, start=start, end=end,
                                       as_of=as_of)[by] if r["key"] is not None]
    have = [r for r in rows if r.get(sort) is not None]
    empty = [r for r in rows if r.get(sort) is None]
    have.sort(key=lambda r: (-r[sort] if desc else r[sort], str(r.get("name") or "")))
    prev, rank = None, 0
    for i, r in enumerate(have, 1):
        if r[sort] != prev:
            rank, prev = i, r[sort]
        r["rank"] = rank
    for r in empty:
        r["rank"] = None
    return have + empty


#: Filters of the leader's lists (:func:`leader_list`): query argument -> meaning.
LIST_FILTERS: Final = ("village", "grid", "area", "cadre", "measure")
#: Target measures a list can show (the rest of the counts are issue measures).
TARGET_MEASURES: Final = ("targets", "visited", "unvisited", "in_home")


def leader_list(session: Session, viewer: Viewer, what: str, *,
                filters: Mapping[str, str | None], start: dt.date | None = None,
                end: dt.date | None = None, as_of: dt.datetime | None = None,
                page: int = 1, per_page: int = 100) -> dict[str, Any]:
    """Return one page of the list a leader's count opens (逾期 3 → those 3 issues).

    ``what`` is ``targets`` or ``issues``. ``filters``: ``village`` (id), ``grid``
    (code), ``area`` (name, current plan), ``cadre`` (id: the targets assigned to the
    cadre, the issues it owns), ``measure`` (targets: targets, visited, unvisited,
    in_home; issues: issues, responded, resolved, rated, overdue — the definitions of
    :mod:`zoufang.campaign.measures`, for the same range and ``as_of``). Names and
    phones are masked as the viewer may see them. Returns rows, total, page, pages.
    """
    from zoufang.campaign.areas import area_groupings
    from zoufang.campaign.measures import ISSUE_MEASURES, issue_ids

    tid = require_township(viewer)
    if what not in ("targets", "issues"):
        raise NotFound(f"no list {what!r}")
    measure = filters.get("measure") or what
    allowed = TARGET_MEASURES if what == "targets" else ISSUE_MEASURES
    if measure not in allowed:
        raise NotFound(f"no measure {measure!r} for {what}")
    page = max(1, page)
    target_q = select(Target.id).outerjoin(Grid, Grid.id == Target.grid_id).where(
        Target.township_id == tid)
    scoped = False
    if filters.get("village"):
        v = filters["village"] or ""
        target_q = target_q.where(Grid.village_id == (int(v) if v.isdigit() else -1))
        scoped = True
    if filters.get("grid"):
        target_q = target_q.where(Grid.ext_id == filters["grid"])
        scoped = True
    areas = None
    # a cadre's visited / in-home targets are those it visited itself (the measures'
    # definition); its targets (and unvisited ones) are those assigned to it
    cadre_visits = (what == "targets" and bool(filters.get("cadre"))
                    and measure in ("visited", "in_home"))
    cid = int(filters["cadre"]) if (filters.get("cadre") or "").isdigit() else -1
    if filters.get("area") or (filters.get("cadre") and what == "targets"
                               and not cadre_visits):
        areas = area_groupings(session, newest_campaign_id(session, tid))
        by_area, by_cadre = areas if areas else ({"area": pd.Series(dtype=object)},
                                                 pd.Series(dtype="float64"))
        ids: set[int] = set(int(i) for i in by_area["area"].index)
        if filters.get("area"):
            ids &= {int(i) for i, a in by_area["area"].items() if a == filters["area"]}
        if filters.get("cadre") and what == "targets":
            ids &= {int(i) for i, k in by_cadre.items() if k == cid}
        target_q = target_q.where(Target.id.in_(ids or {-1}))
        scoped = True
    lo, hi = (dt.datetime.combine(start, dt.time()) if start else None,
              dt.datetime.combine(end + dt.timedelta(days=1), dt.time()) if end else None)
    personal = sees_personal(session, viewer)
    out: dict[str, Any] = {"what": what, "measure": measure, "page": page,
                           "per_page": per_page}
    if what == "targets":
        def visits_where(*cond: Any) -> Any:
            q = select(Visit.target_id).where(Visit.township_id == tid, *cond)
            if cadre_visits:
                q = q.where(Visit.cadre_id == cid)
            if lo is not None:
                q = q.where(Visit.at >= lo)
            if hi is not None:
                q = q.where(Visit.at < hi)
            return q
        q = (select(Target, Grid.ext_id, Village.name)
             .outerjoin(Grid, Grid.id == Target.grid_id)
             .outerjoin(Village, Village.id == Grid.village_id)
             .where(Target.id.in_(target_q)))
        settled = visits_where(Visit.outcome.in_(SETTLED_OUTCOMES))
        if measure == "visited":
            q = q.where(Target.id.in_(settled))
        elif measure == "unvisited":
            q = q.where(Target.id.not_in(settled))
        elif measure == "in_home":
            q = q.where(Target.id.in_(visits_where(Visit.outcome == "visited",
                                                   Visit.mode == "in_home")))
        total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = []
        for t, g, vname in session.execute(q.order_by(Grid.ext_id, Target.ext_id)
                                           .offset((page - 1) * per_page).limit(per_page)):
            name, phone = mask_target_fields(t.name, t.phone, personal)
            rows.append(dict(id=t.id, ext_id=t.ext_id, name=name, phone=phone,
                             kind=kind_label(t.kind), address=t.address, grid=g,
                             village=vname))
    else:
        iq = _issue_query(viewer, open_only=False, mine=False)
        if scoped:
            iq = iq.where(Issue.target_id.in_(target_q))
        if filters.get("cadre"):
            iq = iq.where(Issue.owner_cadre_id == cid)
        iq = iq.where(Issue.id.in_(issue_ids(session, tid, measure, start=start, end=end,
                                             as_of=as_of) or {-1}))
        total = session.scalar(select(func.count()).select_from(iq.subquery())) or 0
        cfg = ledger_mod.get_config(session, tid)
        today = (as_of or local_now()).date()
        rows = [_issue_dict(session, viewer, i, t, g, o, today, cfg)
                for i, t, g, o in session.execute(
                    iq.order_by(Issue.id).offset((page - 1) * per_page).limit(per_page))]
    out["rows"], out["total"] = rows, int(total)
    out["pages"] = max(1, -(-int(total) // per_page))
    return out


def integrity_view(session: Session, viewer: Viewer, *, sample: str | None = None
                   ) -> dict[str, Any]:
    """Return the integrity flags by cadre (with the evidence in Chinese) and a spot check.

    ``by_cadre``: ``[{"cadre", "name", "flags": [...]}]``, most flags first; ``samples``
    the names of the draws, newest first; ``checks`` those of ``sample`` (default the
    newest), residents' names and phones masked unless the viewer may see them.
    """
    from zoufang.campaign import integrity as integ

    tid = require_township(viewer)
    personal = sees_personal(session, viewer)
    show_cadre = personal or viewer.role == "planner"
    groups: dict[Any, dict[str, Any]] = {}
    for f in integ.list_flags(session, tid):
        g = groups.setdefault(f["cadre"], {"cadre": f["cadre"], "name": (
            f["cadre_name"] if show_cadre else mask_name(f["cadre_name"])), "flags": []})
        g["flags"].append({**f, "at": f["at"].isoformat(sep=" ", timespec="minutes")
                           if f["at"] else None})
    samples, checks = integ.list_spot_checks(session, tid, sample=sample)
    for c in checks:
        c["target_name"], c["phone"] = mask_target_fields(c["target_name"], c["phone"],
                                                          personal)
        if not show_cadre:
            c["cadre_name"] = mask_name(c["cadre_name"])
        c["at"] = c["at"].isoformat(sep=" ", timespec="minutes") if c["at"] else None
    return {"by_cadre": sorted(groups.values(), key=lambda g: (-len(g["flags"]),
                                                                str(g["cadre"]))),
            "n_flags": sum(len(g["flags"]) for g in groups.values()),
            "samples": samples, "sample": checks[0]["sample"] if checks else None,
            "checks": checks, "results": {k: v[0] for k, v in integ.SPOT_RESULTS.items()},
            "personal": personal}


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
    iss: Counter[int] = Counter()
    open_iss: Counter[int] = Counter()
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
    tid = require_township(viewer)
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


#: Warning levels as the issue lists name them (always in Chinese, as the ledger does).
_WARNING_LABELS: Final = {w: LABELS[w][0] for w in ("red", "yellow")}


def _issue_dict(session: Session, viewer: Viewer, i: Issue, t: Target | None,
                grid: str | None, owner: str | None, today: dt.date,
                cfg: Any, area: set[int] | None = None) -> dict[str, Any]:
    """Return one issue as the viewer may see it (``personal``: name and phone in clear).

    ``area`` is a cadre's :func:`~zoufang.web.scope.area_target_ids`: a cadre sees the
    name, phone and address of an issue's target only when the target is in it.
    """
    personal = sees_issue_personal(viewer, i, area)
    name = i.reporter_name or (t.name if t else None)
    phone = i.reporter_phone or (t.phone if t else None)
    name, phone = mask_target_fields(name, phone, personal)
    warn = ledger_mod.warning_level(i.status, i.deadline, today, yellow_days=cfg.yellow_days)
    return dict(
        id=i.id, category=i.category, category_label=ledger_mod.category_label(i.category, cfg),
        status=i.status, status_label=ledger_mod.status_label(i.status), text=i.text,
        channel=i.channel, target_id=t.id if t else None, target_ext_id=t.ext_id if t else None,
        target_name=name, phone=phone, personal=personal,
        address=t.address if t and (personal or viewer.role != "cadre") else None, grid=grid,
        owner=owner if personal or viewer.role == "planner" else mask_name(owner),
        unit=i.unit, deadline=i.deadline.isoformat() if i.deadline else None,
        warning=warn, warning_label=_WARNING_LABELS.get(warn or "", ""),
        supervised=i.supervised,
        raised_at=i.raised_at.isoformat(sep=" ", timespec="minutes"), version=i.version,
        page=f"/issues/{i.id}")


def issues_list(session: Session, viewer: Viewer, *, open_only: bool = True,
                mine: bool = False, limit: int | None = 500, today: dt.date | None = None
                ) -> tuple[list[dict[str, Any]], int]:
    """Return the issues of the township (a cadre: only its own), warnings first.

    Returns (rows, total count).
    """
    today = today or local_now().date()
    q = _issue_query(viewer, open_only=open_only, mine=mine)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    cfg = ledger_mod.get_config(session, require_township(viewer))
    area = area_target_ids(session, viewer) if viewer.role == "cadre" else None
    rows = [_issue_dict(session, viewer, i, t, g, o, today, cfg, area)
            for i, t, g, o in session.execute(
                q.order_by(Issue.deadline.is_(None), Issue.deadline, Issue.id).limit(limit))]
    order = {"red": 0, "yellow": 1}
    rows.sort(key=lambda r: order.get(r["warning"] or "", 2))
    return rows, int(total)


def issues_geojson(session: Session, viewer: Viewer, basemap: Basemap, *,
                   open_only: bool = True) -> dict[str, Any]:
    """Return the issues with a located target as points: ``id``, ``cat``, ``warn``."""
    today = local_now().date()
    cfg = ledger_mod.get_config(session, require_township(viewer))
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


def issue_category_legend(session: Session, township_id: int
                          ) -> tuple[dict[str, str], list[list[str]]]:
    """Return a colour per issue category of the township, and the map's legend.

    Every category of the township's ledger settings gets a colour
    (:func:`~zoufang.web.maps.category_colors`); the legend lists every one of them (the
    standard ones and the township's own, all the form offers) by its name, and the red
    and yellow warning rings.
    """
    cfg = ledger_mod.get_config(session, township_id)
    colors = category_colors(list(cfg.categories()))
    legend = [[c, ledger_mod.category_label(k, cfg)] for k, c in colors.items()]
    legend += [["#ff0000", LABELS["red"][0]], ["#ffcc00", LABELS["yellow"][0]]]
    return colors, legend


def get_issue(session: Session, viewer: Viewer, issue_id: int) -> Issue:
    """Return the issue ``issue_id`` if the viewer may open it.

    Raises
    ------
    NotFound
        No such issue in the viewer's township (or the viewer is an admin).
    Forbidden
        A cadre asked for an issue it does not own.
    """
    i = session.get(Issue, issue_id)
    if i is None or i.township_id != viewer.township_id or viewer.role == "admin":
        raise NotFound(f"no issue #{issue_id}")
    if viewer.role == "cadre" and (viewer.cadre_id is None
                                   or i.owner_cadre_id != viewer.cadre_id):
        raise Forbidden(f"issue #{issue_id} is not yours")
    return i


def issue_detail(session: Session, viewer: Viewer, issue_id: int) -> dict[str, Any]:
    """Return one issue with its history and the actions the viewer may take now."""
    i = get_issue(session, viewer, issue_id)
    t = session.get(Target, i.target_id) if i.target_id else None
    grid = session.get(Grid, t.grid_id) if t is not None and t.grid_id else None
    owner = session.get(Cadre, i.owner_cadre_id) if i.owner_cadre_id else None
    cfg = ledger_mod.get_config(session, i.township_id)
    area = area_target_ids(session, viewer) if viewer.role == "cadre" else None
    out = _issue_dict(session, viewer, i, t, grid.ext_id if grid else None,
                      owner.name if owner else None, local_now().date(), cfg, area)
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


def hotspots(session: Session, viewer: Viewer) -> list[dict[str, Any]]:
    """Return the hotspots of open issues of the township (no personal data)."""
    return [h.to_dict() for h in find_hotspots(session, require_township(viewer),
                                               open_only=True)]


# ----------------------------------------------------------------------------- field

def visit_form_choices(session: Session, township_id: int | None) -> dict[str, Any]:
    """Return the choices of the visit form: code -> Chinese name of each field.

    ``modes``, ``outcomes``, ``four_ones``, and the township's issue ``categories``
    (the default ledger settings without a township), ``responsibilities``,
    ``urgencies``.
    """
    cfg = (ledger_mod.get_config(session, township_id) if township_id
           else ledger_mod.LedgerConfig())
    return {"modes": {k: v[0] for k, v in MODES.items()},
            "outcomes": {k: v[0] for k, v in OUTCOMES.items()},
            "four_ones": FOUR_ONES,
            "categories": {k: v[0] for k, v in cfg.categories().items()},
            "responsibilities": {k: v[0] for k, v in ledger_mod.RESPONSIBILITIES.items()},
            "urgencies": {k: v[0] for k, v in ledger_mod.URGENCIES.items()}}


def my_visits(session: Session, viewer: Viewer, *, limit: int = 50) -> list[dict[str, Any]]:
    """Return the cadre's latest visits (target by number only)."""
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
    """Return the targets of the cadre's own area (``ids``), with contacts; unvisited first.

    Each row says whether the target is visited (a settled visit by anyone) and when it
    was last tried.
    """
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


def cadre_day(session: Session, viewer: Viewer, day: dt.date | None = None,
              phase: str | None = None) -> tuple[rx.CadreRoute, rx.DayView | None] | None:
    """Return the viewer's own route and the chosen day (with names: it visits them).

    The route is of the current route plan of the township's newest campaign (as
    :mod:`zoufang.web.scope` picks the area); ``day`` defaults to today or the next
    route day. None while there is no route plan (or the user is not a cadre). Only
    ``viewer.cadre_id`` is ever looked up: no other cadre's route can be asked for.
    """
    if viewer.cadre_id is None or viewer.township_id is None:
        return None
    camp = newest_campaign_id(session, viewer.township_id)
    if camp is None:
        return None
    cr = rx.cadre_route(session, camp, viewer.cadre_id, day=day, phase=phase,
                        today=local_now().date())
    if cr is None:
        return None
    view = (rx.load_day(session, cr.plan.id, viewer.cadre_id, cr.day, reveal=True)
            if cr.day is not None else None)
    return cr, view


def route_plan_overview(session: Session, township_id: int | None, phase: str
                        ) -> tuple[Any, dict[str, list[str]]]:
    """Return the current route plan of ``phase`` (its result) and every cadre's days.

    The plan is of the township's newest campaign; ``(None, {})`` while there is none.
    Days map cadre 编号 -> ISO dates.
    """
    camp = newest_campaign_id(session, township_id) if township_id is not None else None
    plan = current_route_plan(session, camp, phase) if camp is not None else None
    if plan is None:
        return None, {}
    days = {k: [d.isoformat() for d in v] for k, v in rx.plan_days(session, plan.id).items()}
    return plan_result(session, plan), days


def route_plan_stale(session: Session, plan_id: int) -> list[str]:
    """Return why route plan ``plan_id`` is stale (see :mod:`zoufang.campaign.route_status`)."""
    from zoufang.campaign.route_status import stale_reasons
    from zoufang.campaign.store.routes import RoutePlan
    plan = session.get(RoutePlan, plan_id)
    return stale_reasons(session, plan) if plan is not None else []


def route_day(session: Session, township_id: int | None, phase: str, cadre: str,
              day: dt.date) -> rx.DayView:
    """Return one cadre-day of the current route plan of ``phase``, with residents' names.

    Raises
    ------
    NotFound
        The township has no campaign yet.
    """
    camp = newest_campaign_id(session, township_id) if township_id is not None else None
    if camp is None:
        raise NotFound("the township has no campaign yet")
    plan = rx.find_plan(session, camp, phase)
    return rx.load_day(session, plan.id, cadre, day, reveal=True)


# ----------------------------------------------------------------------------- admin

def users_list(session: Session) -> list[dict[str, Any]]:
    """Return every user by name (no password hashes)."""
    return [dict(id=u.id, name=u.name, role=u.role, township_id=u.township_id,
                 cadre_id=u.cadre_id, personal_data=u.personal_data, active=u.active,
                 last_login_at=u.last_login_at.isoformat() if u.last_login_at else None)
            for u in session.scalars(select(User).order_by(User.name))]


def audit_entries(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """Return the latest ``limit`` entries of the audit log, newest first."""
    return [dict(id=a.id, at=a.at.isoformat(), user=a.user_name, action=a.action,
                 township_id=a.township_id, personal=a.personal, detail=a.detail, ip=a.ip)
            for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())
                                     .limit(limit))]


def admin_overview(session: Session, *, limit: int = 200, user: str | None = None,
                   action: str | None = None, before: int | None = None) -> dict[str, Any]:
    """Return what the admin page shows: users, the latest audit entries, townships.

    ``users`` by role and name, with their id, township's name and cadre's 编号;
    ``entries`` the latest ``limit`` :class:`~zoufang.campaign.store.AuditEntry` rows,
    of ``user`` and ``action`` when given and older than entry ``before``; ``older``
    the id to ask for the next page (None at the end); ``towns`` township id -> name;
    ``actions`` the actions the log holds.
    """
    towns = dict(session.execute(select(Township.id, Township.name)).all())
    cadres = dict(session.execute(select(Cadre.id, Cadre.ext_id)).all())
    users = [dict(id=u.id, name=u.name, role=u.role, township=towns.get(u.township_id or -1),
                  cadre=cadres.get(u.cadre_id or -1), personal=u.personal_data,
                  active=u.active, last=u.last_login_at)
             for u in session.scalars(select(User).order_by(User.role, User.name))]
    q = select(AuditEntry).order_by(AuditEntry.id.desc())
    if user:
        q = q.where(AuditEntry.user_name == user)
    if action:
        q = q.where(AuditEntry.action == action)
    if before is not None:
        q = q.where(AuditEntry.id < before)
    entries = list(session.scalars(q.limit(limit + 1)))
    older = entries[limit - 1].id if len(entries) > limit else None
    actions = sorted(a for (a,) in session.execute(select(AuditEntry.action).distinct()))
    return {"users": users, "entries": entries[:limit], "towns": towns, "older": older,
            "actions": actions}
