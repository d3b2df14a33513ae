"""Placing the stored targets in the stored grids, and keeping the problems found.

:func:`place_targets` maps every target of a township to the grid that contains it
(:func:`zoufang.gis.gridmap.map_points_to_grids`), snaps those just outside, lists those
far outside as coverage gaps, and compares with the grid each row declared (网格 column).
:func:`check_datum` tells when a file's points fit the grids far better under another
Chinese datum than the one declared (a GCJ-02 file imported as WGS-84, say).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from zoufang.campaign.store import DataProblem, Grid, Target
from zoufang.gis.crs import bd09_to_wgs84, gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from zoufang.gis.gridmap import map_points_to_grids

__all__ = ["check_datum", "grids_frame", "place_targets", "store_topology_problems"]

#: How much better (share of points agreeing) another datum must fit to be reported.
DATUM_MARGIN = 0.2


def grids_frame(session: Session, township_id: int) -> gpd.GeoDataFrame:
    """Return the township's grids as a GeoDataFrame (EPSG:4326) with ``grid_id`` and ``pk``."""
    rows = session.execute(select(Grid.id, Grid.ext_id, Grid.geom)
                           .where(Grid.township_id == township_id).order_by(Grid.ext_id)).all()
    return gpd.GeoDataFrame({"pk": [r.id for r in rows], "grid_id": [r.ext_id for r in rows]},
                            geometry=[r.geom for r in rows], crs="EPSG:4326")


def place_targets(session: Session, township_id: int, *,
                  snap_tolerance_m: float = 50.0) -> dict[str, int]:
    """Assign every target of the township to a grid; replace the placement problems.

    Returns the number of targets by placement status.
    """
    grids = grids_frame(session, township_id)
    t = Target.__table__
    targets = session.execute(select(t.c.id, t.c.ext_id, t.c.lon, t.c.lat, t.c.declared_grid)
                              .where(t.c.township_id == township_id)
                              .order_by(t.c.id)).all()
    session.execute(delete(DataProblem).where(DataProblem.township_id == township_id,
                                              DataProblem.scope == "placement"))
    if not targets:
        return {}
    ids = np.array([r.id for r in targets])
    lon = np.array([np.nan if r.lon is None else r.lon for r in targets], dtype=float)
    lat = np.array([np.nan if r.lat is None else r.lat for r in targets], dtype=float)
    declared = [r.declared_grid for r in targets]
    pk_by_ext = dict(zip(grids["grid_id"], grids["pk"], strict=True))
    n = len(targets)
    grid_pk: list[int | None] = [None] * n
    status = np.full(n, "unplaced", dtype=object)
    dist = np.full(n, np.nan)
    if len(grids):
        m = map_points_to_grids(lon, lat, grids, id_column="grid_id",
                                snap_tolerance_m=snap_tolerance_m)
        for i in range(n):
            if m.grid_id[i] is not None:
                grid_pk[i] = int(pk_by_ext[m.grid_id[i]])
        status[:] = m.status
        dist[:] = m.distance_m
    problems: list[dict[str, Any]] = []
    for i in range(n):
        ext = targets[i].ext_id
        where = dict(township_id=township_id, scope="placement", source="targets", ref=ext,
                     lon=None if np.isnan(lon[i]) else float(lon[i]),
                     lat=None if np.isnan(lat[i]) else float(lat[i]))
        if status[i] in ("no_point", "unplaced"):
            d = declared[i]
            if d is not None and d in pk_by_ext:
                grid_pk[i], status[i] = int(pk_by_ext[d]), "declared"
                if np.isnan(lon[i]):  # no point: to be pinned on the map later
                    problems.append(dict(where, severity="warning", code="placed_by_grid",
                                         message=f"target {ext} has no coordinates; placed "
                                         f"in its grid {d} (pin it on the map later)"))
            else:
                status[i] = "unplaced"
                problems.append(dict(where, severity="error", code="unplaced",
                                     message=f"target {ext} has no coordinates and no known "
                                     f"grid{f' ({d!r} is not a grid)' if d else ''}"))
            continue
        if status[i] == "outside":
            problems.append(dict(where, severity="error", code="outside_grids",
                                 message=f"target {ext} lies {dist[i]:.0f} m outside every "
                                 "grid: a coverage gap of the grid design"))
        elif status[i] == "snapped":
            problems.append(dict(where, severity="warning", code="snapped",
                                 message=f"target {ext} lies {dist[i]:.0f} m outside its "
                                 "nearest grid and was snapped to it"))
        elif status[i] == "overlap":
            problems.append(dict(where, severity="warning", code="in_overlap",
                                 message=f"target {ext} lies where grids overlap; given to "
                                 "the grid with the smallest id"))
        if declared[i] is not None and grid_pk[i] is not None:
            if declared[i] not in pk_by_ext:
                problems.append(dict(where, severity="warning", code="unknown_grid",
                                     message=f"target {ext} names grid {declared[i]!r}, which "
                                     "is not among the grids"))
            elif pk_by_ext[declared[i]] != grid_pk[i]:
                placed = grids["grid_id"][grids["pk"] == grid_pk[i]].iloc[0]
                problems.append(dict(where, severity="warning", code="grid_mismatch",
                                     message=f"target {ext} names grid {declared[i]!r} but "
                                     f"its point lies in grid {placed!r}"))
    session.execute(
        update(t).where(t.c.id == bindparam("_id")).values(
            grid_id=bindparam("grid_id"), placement=bindparam("placement"),
            snap_m=bindparam("snap_m")),
        [dict(_id=int(ids[i]), grid_id=grid_pk[i], placement=str(status[i]),
              snap_m=float(dist[i]) if status[i] in ("snapped", "outside") else None)
         for i in range(n)])
    if problems:
        for p in problems:
            p.setdefault("row", None)
            p.setdefault("field", None)
            p.setdefault("area_m2", None)
        session.execute(insert(DataProblem), problems)
    counts: dict[str, int] = {}
    for s in status:
        counts[str(s)] = counts.get(str(s), 0) + 1
    return counts


def store_topology_problems(session: Session, township_id: int, check: Any) -> None:
    """Replace the township's topology problems with those of a grid check."""
    session.execute(delete(DataProblem).where(DataProblem.township_id == township_id,
                                              DataProblem.scope == "topology"))
    rows: list[dict[str, Any]] = []
    for o in check.overlaps:
        rows.append(dict(code="overlap", severity="warning", ref=f"{o.id_a}/{o.id_b}",
                         message=f"grids {o.id_a} and {o.id_b} overlap by {o.area_m2:.0f} m²",
                         lon=o.lon, lat=o.lat, area_m2=o.area_m2))
    for g in check.gaps:
        around = ", ".join(str(i) for i in g.grid_ids)
        rows.append(dict(code="gap", severity="warning", ref=around or None,
                         message=f"gap of {g.area_m2:.0f} m² between grids {around} inside "
                         "the territory: targets there belong to no grid",
                         lon=g.lon, lat=g.lat, area_m2=g.area_m2))
    for r in check.repaired:
        rows.append(dict(code="repaired", severity="warning", ref=r.grid_id,
                         message=f"grid {r.grid_id} had an invalid polygon ({r.reason}); "
                         "repaired", lon=None, lat=None, area_m2=None))
    if rows:
        session.execute(insert(DataProblem), [
            dict(r, township_id=township_id, scope="topology", source="grids", row=None,
                 field=None) for r in rows])


def _agreement(lon: np.ndarray, lat: np.ndarray, declared: list[str | None],
               grids: gpd.GeoDataFrame) -> float:
    """Return the share of points that fit the grids.

    A point fits when it lies in its declared grid (when most rows declare one), else
    when it lies inside any grid at all.
    """
    m = map_points_to_grids(lon, lat, grids, id_column="grid_id", snap_tolerance_m=0.0)
    has_declared = np.array([d is not None for d in declared])
    if has_declared.mean() >= 0.5:
        hits = np.array([m.grid_id[i] == declared[i] for i in range(len(declared))])
        return float(hits[has_declared].mean())
    return float(np.isin(m.status, ("inside", "overlap")).mean())


def check_datum(session: Session, township_id: int, records: list[dict[str, Any]],
                crs_label: str, *, min_points: int = 20, hints: str = "cli") -> str | None:
    """Return a message when the points fit the grids far better under another datum.

    The WGS-84 points of ``records`` are taken back to the raw coordinates of the
    declared datum and re-read as WGS-84, GCJ-02 and BD-09 in turn; each reading is scored
    by :func:`_agreement`. ``None`` when the declared reading is within
    :data:`DATUM_MARGIN` of the best, or when there are too few points or no grids.
    With ``hints="web"`` the message is in Chinese and names the page's CRS choice, not
    the CLI's options.
    """
    if crs_label not in ("wgs84", "cgcs2000", "gcj02", "bd09"):
        return None
    pts = [(r["lon"], r["lat"], r["declared_grid"]) for r in records if r["lon"] is not None]
    if len(pts) < min_points:
        return None
    grids = grids_frame(session, township_id)
    if grids.empty:
        return None
    lon = np.array([p[0] for p in pts])
    lat = np.array([p[1] for p in pts])
    declared = [p[2] for p in pts]
    # back to the raw numbers in the file
    raw = {"wgs84": (lon, lat), "cgcs2000": (lon, lat),
           "gcj02": wgs84_to_gcj02(lon, lat), "bd09": wgs84_to_bd09(lon, lat)}[crs_label]
    readings = {"wgs84": raw, "gcj02": gcj02_to_wgs84(*raw), "bd09": bd09_to_wgs84(*raw)}
    declared_name = "wgs84" if crs_label == "cgcs2000" else crs_label
    scores = {name: _agreement(lo, la, declared, grids) for name, (lo, la) in readings.items()}
    best = max(scores, key=lambda k: scores[k])
    if best != declared_name and scores[best] - scores[declared_name] >= DATUM_MARGIN:
        pct = {k: f"{100 * v:.0f} %" for k, v in scores.items()}
        if hints == "web":
            return (f"这些坐标更像 {best.upper()}，而不是 {crs_label.upper()}：按 "
                    f"{best.upper()} 读取时 {pct[best]} 的点落在其网格内，按 "
                    f"{crs_label.upper()} 只有 {pct[declared_name]}（WGS-84 {pct['wgs84']}，"
                    f"GCJ-02 {pct['gcj02']}，BD-09 {pct['bd09']}）。请在“坐标系”中选择 "
                    f"{best.upper()} 后重新检查；确认原坐标系无误时，勾选“保留所选坐标系”。")
        return (f"the coordinates look like {best.upper()}, not {crs_label.upper()}: "
                f"{pct[best]} of points fit their grids when read as {best.upper()} against "
                f"{pct[declared_name]} as {crs_label.upper()} (WGS-84 {pct['wgs84']}, "
                f"GCJ-02 {pct['gcj02']}, BD-09 {pct['bd09']}); re-import with --crs {best}, "
                f"or with --accept-crs to keep {crs_label.upper()}")
    return None
