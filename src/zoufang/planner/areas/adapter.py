"""Turn geodata (targets, grids, cadres) into the plain :class:`~zoufang.planner.areas.AreaProblem`.

The planner works on arrays in metres and minutes; this module is the only place of the
area planner that knows about GeoDataFrames. It projects everything to the metric CRS of
the township (:func:`zoufang.gis.crs.metric_crs_for`), finds which grids share a border,
prices each target's visit by its kind (走访对象 type) and estimates the walking between
neighbouring targets.

Input frames (column names are parameters):

- targets: points; ``kind`` (code or Chinese name, see :data:`zoufang.vocab.KINDS`),
  ``tags`` (e.g. ``"建档立卡户、信访户"``), ``grid`` (grid id; empty → point-in-polygon);
- grids: polygons; ``grid_id``, ``village`` and ``village_tags`` (``"经济薄弱村"``);
- cadres: base points; ``cadre_id``, ``rank`` (code or Chinese), ``hours_per_day``,
  ``days`` (available in the visit phase) and optionally ``quota`` (must-go visits).

Every frame must carry a CRS; WGS-84/CGCS2000 or any projected CRS is accepted. Data in
GCJ-02/BD-09 must be converted with :mod:`zoufang.gis.crs` before it gets here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from zoufang._errors import Problem
from zoufang.gis.crs import metric_crs_for
from zoufang.planner.areas.model import (
    TARGET_RULES,
    AreaInputError,
    AreaProblem,
    CadreSpec,
    GridSpec,
    Lock,
    Targets,
)
from zoufang.vocab import VILLAGE_TAGS, parse_kind, parse_rank, parse_tags, rank_level

__all__ = [
    "DEFAULT_SERVICE_MINUTES",
    "WALK_SPEED_M_PER_MIN",
    "build_area_problem",
    "grid_adjacency",
    "travel_minutes",
]

#: Minutes of one visit per kind of target (走访对象).
DEFAULT_SERVICE_MINUTES: Final[dict[str, float]] = {
    "household": 20.0,
    "enterprise": 40.0,
    "shop": 15.0,
    "school": 40.0,
    "hospital": 40.0,
    "market": 30.0,
    "institution": 30.0,
}

#: Walking speed between neighbouring targets, metres per minute (4.2 km/h).
WALK_SPEED_M_PER_MIN: Final = 70.0


def grid_adjacency(polygons: ArrayLike, *, tolerance_m: float = 1.0) -> list[list[int]]:
    """Return, for each grid polygon, the indices of the grids sharing a border with it.

    Two grids are neighbours when a stretch of one's boundary longer than
    ``3 * tolerance_m`` lies within ``tolerance_m`` of the other: a shared edge counts,
    a shared corner does not, and slivers or gaps up to the tolerance between imperfectly
    drawn grids are forgiven.

    Parameters
    ----------
    polygons
        Polygons in a metric CRS (metres), e.g. a projected ``GeoSeries``.
    tolerance_m
        Gap or overlap forgiven between neighbouring grids, metres (> 0).
    """
    if not tolerance_m > 0:
        raise ValueError(f"tolerance_m was {tolerance_m!r} but is expected to be > 0")
    geoms = np.asarray(polygons, dtype=object)
    n = len(geoms)
    out: list[set[int]] = [set() for _ in range(n)]
    if n < 2:
        return [[] for _ in range(n)]
    valid = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance_m)
    keep = (left < right) & valid[left] & valid[right]
    left, right = left[keep], right[keep]
    if len(left):
        a, b = geoms[left], geoms[right]
        la = shapely.length(shapely.intersection(shapely.boundary(a),
                                                 shapely.buffer(b, tolerance_m)))
        lb = shapely.length(shapely.intersection(shapely.boundary(b),
                                                 shapely.buffer(a, tolerance_m)))
        shared = np.maximum(la, lb) > 3.0 * tolerance_m
        for i, j in zip(left[shared].tolist(), right[shared].tolist(), strict=True):
            out[i].add(j)
            out[j].add(i)
    return [sorted(s) for s in out]


def travel_minutes(x: ArrayLike, y: ArrayLike, group: ArrayLike, *,
                   speed_m_per_min: float = WALK_SPEED_M_PER_MIN,
                   detour: float = 1.3) -> NDArray[np.float64]:
    """Estimate the walking each target adds to a round of its area, minutes.

    A tour through many points enters and leaves each point once, so each target is
    charged half the way to its two nearest other targets of the same group (grid),
    times a detour factor for streets, at walking speed. Summed over an area this is the
    travel inside the area; it is additive, so areas can be compared and balanced.

    Parameters
    ----------
    x, y
        Coordinates, metres in a metric CRS.
    group
        Group (grid index) of each target; neighbours are searched within a group.
    speed_m_per_min
        Walking speed, metres per minute.
    detour
        Street distance / straight-line distance.
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    gs = np.asarray(group)
    out = np.zeros(len(xs))
    for gval in np.unique(gs):
        idx = np.flatnonzero(gs == gval)
        if len(idx) < 2:
            continue
        px, py = xs[idx], ys[idx]
        for start in range(0, len(idx), 1024):
            part = slice(start, min(start + 1024, len(idx)))
            d = np.hypot(px[part, None] - px[None, :], py[part, None] - py[None, :])
            d[np.arange(d.shape[0]), np.arange(part.start, part.stop)] = np.inf
            m = min(2, len(idx) - 1)
            near = np.partition(d, m - 1, axis=1)[:, :m]
            out[idx[part]] = near.mean(axis=1) if m == 2 else near[:, 0] / 2
    return out * detour / speed_m_per_min


def _col(frame: pd.DataFrame, name: str | None, source: str, problems: list[Problem],
         *, required: bool = True) -> pd.Series | None:
    if name is None:
        return None
    if name not in frame.columns:
        if required:
            problems.append(Problem(source, None, name, f"Expected a column {name!r}; the "
                                    f"columns are {list(frame.columns)}."))
        return None
    return frame[name]


def _polygonal(geom: Any) -> Any:
    """Return the polygonal part of a geometry (what ``make_valid`` leaves of a grid)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geom


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""


def _to_metric(frames: Sequence[tuple[str, gpd.GeoDataFrame]], problems: list[Problem]
               ) -> tuple[Any, list[gpd.GeoDataFrame]]:
    wgs: list[gpd.GeoDataFrame | None] = []
    for name, f in frames:
        if f.crs is None:
            problems.append(Problem(name, None, "geometry", "Expected a CRS on the frame "
                                    "(WGS-84, CGCS2000 or a projected CRS); it has none."))
            wgs.append(None)
        else:
            wgs.append(f.to_crs(4326))
    found = [w for w in wgs if w is not None]
    if len(found) < len(wgs):
        return None, []
    pts = found[0].geometry
    crs = metric_crs_for(pts.x.to_numpy(), pts.y.to_numpy())
    return crs, [w.to_crs(crs) for w in found]


def build_area_problem(
    targets: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    cadres: gpd.GeoDataFrame,
    *,
    kind_col: str = "kind",
    tags_col: str | None = "tags",
    grid_col: str | None = "grid",
    target_id_col: str | None = None,
    grid_id_col: str = "grid_id",
    village_col: str | None = "village",
    village_tags_col: str | None = "village_tags",
    cadre_id_col: str = "cadre_id",
    cadre_name_col: str | None = None,
    rank_col: str = "rank",
    hours_col: str = "hours_per_day",
    days_col: str = "days",
    quota_col: str | None = None,
    service_minutes: Mapping[str, float] | None = None,
    speed_m_per_min: float = WALK_SPEED_M_PER_MIN,
    detour: float = 1.3,
    adjacency_tolerance_m: float = 1.0,
    village_visit_min: float = 60.0,
    locks: Sequence[Lock] = (),
    previous: Sequence[str | None] | None = None,
    capacity_min: Sequence[float] | None = None,
) -> AreaProblem:
    """Build the plain area problem from three GeoDataFrames.

    Coordinates become metres in the UTM zone of the targets; each target's workload is
    its kind's service minutes plus :func:`travel_minutes`; capacity is
    ``hours_per_day * 60 * days`` minutes; grid neighbours come from
    :func:`grid_adjacency`. Targets without a grid id are placed by point-in-polygon.

    ``capacity_min``, when given (one figure per cadre row, e.g. from
    :func:`zoufang.planner.availability.usable_minutes`), replaces ``hours x 60 x days``
    as each cadre's capacity: the minutes it can really spend visiting in the phase.

    Raises
    ------
    AreaInputError
        Listing every bad row (unknown kind or rank, a target outside every grid, an
        unknown grid id, a cadre with zero hours, a frame without CRS, ...).
    """
    problems: list[Problem] = []
    minutes = dict(DEFAULT_SERVICE_MINUTES if service_minutes is None else service_minutes)
    for k, v in minutes.items():
        if not (isinstance(v, int | float) and v >= 0):
            problems.append(Problem("service_minutes", None, k, "Expected minutes >= 0.",
                                    value=str(v)))
    crs, frames = _to_metric([("targets", targets), ("grids", grids), ("cadres", cadres)],
                             problems)
    if not frames:
        raise AreaInputError("geodata refused", problems)
    tgt, grd, cad = frames
    bad_geom = ~grd.geometry.is_valid & ~grd.geometry.is_empty
    if bad_geom.any():  # e.g. a bow-tie ring: repair, keep the polygonal part
        grd = grd.copy()
        fixed = [_polygonal(shapely.make_valid(gm)) for gm in grd.geometry[bad_geom]]
        grd.loc[bad_geom, grd.geometry.name] = fixed
    for name, f, kinds in (("targets", tgt, ("Point",)), ("grids", grd,
                           ("Polygon", "MultiPolygon")), ("cadres", cad, ("Point",))):
        bad = ~f.geometry.geom_type.isin(kinds) | f.geometry.is_empty
        for i in np.flatnonzero(bad.to_numpy())[:20]:
            problems.append(Problem(name, int(i) + 1, "geometry", f"Expected a {kinds[0]}.",
                                    value=str(f.geometry.iloc[i].geom_type
                                              if f.geometry.iloc[i] is not None else None)))
    if problems:
        raise AreaInputError("geodata refused", problems)

    # grids
    gid_s = _col(grd, grid_id_col, "grids", problems)
    vil_s = _col(grd, village_col, "grids", problems, required=False)
    vt_s = _col(grd, village_tags_col, "grids", problems, required=False)
    grid_list: list[GridSpec] = []
    gid_index: dict[str, int] = {}
    if gid_s is not None:
        adj = grid_adjacency(grd.geometry.to_numpy(), tolerance_m=adjacency_tolerance_m)
        for i, gid in enumerate(gid_s.tolist()):
            key = "" if _blank(gid) else str(gid).strip()
            if not key:
                problems.append(Problem("grids", i + 1, grid_id_col, "Expected a grid id."))
            elif key in gid_index:
                problems.append(Problem("grids", i + 1, grid_id_col, "Duplicate grid id.",
                                        value=key))
            gid_index.setdefault(key, i)
            tags: list[str] = []
            if vt_s is not None and not _blank(vt_s.iloc[i]):
                tags, unknown = parse_tags(str(vt_s.iloc[i]), allowed=dict(VILLAGE_TAGS))
                for u in unknown:
                    problems.append(Problem("grids", i + 1, village_tags_col, "Unknown village "
                                            f"tag; expected one of {sorted(VILLAGE_TAGS)}.",
                                            severity="warning", value=u))
            village = "" if vil_s is None or _blank(vil_s.iloc[i]) else str(vil_s.iloc[i])
            grid_list.append(GridSpec(key or f"#{i + 1}", tuple(adj[i]), village, frozenset(tags)))

    # targets
    n = len(tgt)
    kind_s = _col(tgt, kind_col, "targets", problems)
    tags_s = _col(tgt, tags_col, "targets", problems, required=False)
    gcol_s = _col(tgt, grid_col, "targets", problems, required=False)
    service = np.zeros(n)
    rules = np.zeros(n, dtype=np.uint8)
    if kind_s is not None:
        for i, v in enumerate(kind_s.tolist()):
            try:
                code = parse_kind(str(v))
            except ValueError as exc:
                problems.append(Problem("targets", i + 1, kind_col, str(exc), value=str(v)))
                continue
            if code not in minutes:
                problems.append(Problem("targets", i + 1, kind_col, "No service minutes for "
                                        "this kind; give it in service_minutes.", value=code))
            else:
                service[i] = minutes[code]
    if tags_s is not None:
        for i, v in enumerate(tags_s.tolist()):
            if _blank(v):
                continue
            codes, _unknown = parse_tags(str(v))
            for r, rule in enumerate(TARGET_RULES):
                if rule in codes:
                    rules[i] |= np.uint8(1 << r)
    tx = tgt.geometry.x.to_numpy()
    ty = tgt.geometry.y.to_numpy()
    grid_idx = np.full(n, -1, dtype=np.int64)
    if gcol_s is not None:
        for i, v in enumerate(gcol_s.tolist()):
            if _blank(v):
                continue
            key = str(v).strip()
            if key.endswith(".0") and key[:-2].isdigit() and key not in gid_index:
                key = key[:-2]
            if key in gid_index:
                grid_idx[i] = gid_index[key]
            else:
                problems.append(Problem("targets", i + 1, grid_col, "Unknown grid id; expected "
                                        "one of the grids' ids.", value=key))
    todo = np.flatnonzero(grid_idx < 0)
    if len(todo) and len(grd):
        tree = shapely.STRtree(grd.geometry.to_numpy())
        pts = tgt.geometry.to_numpy()[todo]
        pi, gi = tree.query(pts, predicate="within")
        found = np.full(len(todo), -1)
        found[pi[::-1]] = gi[::-1]  # first grid wins on shared edges
        miss = found < 0
        if miss.any():  # on a boundary or just outside: nearest grid within 50 m
            ni, ng = tree.query_nearest(pts[miss], max_distance=50.0)
            tmp = np.full(int(miss.sum()), -1)
            tmp[ni[::-1]] = ng[::-1]
            found[miss] = tmp
        grid_idx[todo] = found
        for i in todo[found < 0][:50]:
            problems.append(Problem("targets", int(i) + 1, "geometry", "Target lies in no grid "
                                    "(nor within 50 m of one).",
                                    value=f"{tx[i]:.0f}, {ty[i]:.0f} ({crs.name})"))
    ids = None
    if target_id_col is not None:
        id_s = _col(tgt, target_id_col, "targets", problems)
        ids = None if id_s is None else tuple(str(v) for v in id_s.tolist())

    # cadres
    cad_list: list[CadreSpec] = []
    cid_s = _col(cad, cadre_id_col, "cadres", problems)
    rank_s = _col(cad, rank_col, "cadres", problems)
    hrs_s = _col(cad, hours_col, "cadres", problems)
    day_s = _col(cad, days_col, "cadres", problems)
    quota_s = _col(cad, quota_col, "cadres", problems, required=True) if quota_col else None
    name_s = _col(cad, cadre_name_col, "cadres", problems) if cadre_name_col else None
    if cid_s is not None and rank_s is not None and hrs_s is not None and day_s is not None:
        for i in range(len(cad)):
            cid = str(cid_s.iloc[i]).strip()
            row_ok = True
            try:
                level = rank_level(parse_rank(str(rank_s.iloc[i])))
            except ValueError as exc:
                problems.append(Problem("cadres", i + 1, rank_col, str(exc),
                                        value=str(rank_s.iloc[i])))
                row_ok = False
            try:
                hours = float(hrs_s.iloc[i])
                days = float(day_s.iloc[i])
            except (TypeError, ValueError):
                problems.append(Problem("cadres", i + 1, f"{hours_col}/{days_col}",
                                        "Expected numbers of hours a day and days.",
                                        value=f"{hrs_s.iloc[i]}/{day_s.iloc[i]}"))
                continue
            cap = hours * 60.0 * days
            if capacity_min is not None and i < len(capacity_min):
                cap = float(capacity_min[i])
            if not math.isfinite(cap) or hours < 0 or days < 0:
                problems.append(Problem("cadres", i + 1, f"{hours_col}/{days_col}",
                                        "Expected hours a day >= 0 and days >= 0.",
                                        value=f"{hours}/{days}"))
                continue
            if cap == 0:
                problems.append(Problem("cadres", i + 1, f"{hours_col}/{days_col}",
                                        f"Cadre {cid!r} has zero hours in the visit phase: "
                                        "give it hours and days, or leave it out.",
                                        value=f"{hours}/{days}"))
                continue
            quota = None
            if quota_s is not None and not _blank(quota_s.iloc[i]):
                quota = int(quota_s.iloc[i])
            if row_ok:
                p = cad.geometry.iloc[i]
                cad_list.append(CadreSpec(cid, cap, float(p.x), float(p.y), level,
                                          "" if name_s is None else str(name_s.iloc[i]), quota))
    if not len(cad):
        problems.append(Problem("cadres", None, None, "No visiting cadres: a plan needs at "
                                "least one cadre (or team) with hours in the visit phase."))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise AreaInputError("geodata refused", errors)
    travel = travel_minutes(tx, ty, grid_idx, speed_m_per_min=speed_m_per_min, detour=detour)
    return AreaProblem(
        Targets(tx, ty, grid_idx, service, travel, rules, ids),
        tuple(grid_list), tuple(cad_list), tuple(locks),
        None if previous is None else tuple(previous), village_visit_min,
    )
