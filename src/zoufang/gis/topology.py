"""Topology checks of a grid layer (网格图层): invalid, overlapping and missing areas.

A grid layer is meant to tile its territory: every place in exactly one grid (网格).
:func:`check_grids` finds what breaks that, so the planner sees it before targets are
placed:

* **invalid polygons** (self-intersecting rings such as a bow-tie, …) are repaired with
  :func:`shapely.make_valid`, keeping only the polygonal parts (warning);
* **empty or non-polygonal geometries** and **missing or duplicate ids** cannot be used
  (error);
* **overlaps**: two grids claiming the same area (warning, with the area and a point
  inside it);
* **gaps**: holes between grids inside the territory, i.e. interior rings of the union of
  all grids (warning, with the area, a point inside it and the grids around it). The outer
  boundary of the territory is not known here, so a notch in the outer edge is no gap.

Areas are square metres computed in a UTM projection chosen for the layer
(:func:`zoufang.gis.crs.metric_crs_for`); slivers below ``min_area_m2`` are numerical noise
(coordinates that differ in the last digits) and are ignored. Locations are WGS-84
longitude/latitude degrees.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

from zoufang import _errors
from zoufang._errors import Problem, Severity, ValidationError
from zoufang.gis.crs import metric_crs_for

__all__ = ["GridCheck", "GridGap", "GridOverlap", "RepairedGrid", "check_grids"]

_POLYGONAL: Final = (3, 6)  # shapely type ids of Polygon and MultiPolygon


@dataclass(frozen=True)
class RepairedGrid:
    """A grid whose invalid polygon was repaired.

    Attributes
    ----------
    grid_id
        The grid's id.
    row
        1-based feature number in the layer.
    reason
        Why the polygon was invalid, as :func:`shapely.is_valid_reason` says
        (e.g. ``"Self-intersection[116.5 39.9]"``).
    area_before_m2, area_after_m2
        Area in square metres before and after the repair.
    """

    grid_id: Any
    row: int
    reason: str
    area_before_m2: float
    area_after_m2: float


@dataclass(frozen=True)
class GridOverlap:
    """Two grids that claim the same area.

    Attributes
    ----------
    id_a, id_b
        The grids' ids, ``id_a`` the one of the earlier row.
    area_m2
        Area of the overlap in square metres.
    lon, lat
        WGS-84 degrees of a point inside the overlap.
    row_a, row_b
        1-based feature numbers of the two grids.
    """

    id_a: Any
    id_b: Any
    area_m2: float
    lon: float
    lat: float
    row_a: int = 0
    row_b: int = 0


@dataclass(frozen=True)
class GridGap:
    """A hole between grids inside the territory (no grid covers it).

    Attributes
    ----------
    area_m2
        Area of the hole in square metres.
    lon, lat
        WGS-84 degrees of a point inside the hole.
    grid_ids
        Ids of the grids that touch the hole, sorted as strings.
    """

    area_m2: float
    lon: float
    lat: float
    grid_ids: tuple[Any, ...]


@dataclass
class GridCheck:
    """What :func:`check_grids` found, and the repaired layer.

    Attributes
    ----------
    grids
        Copy of the layer, same rows in the same order, invalid polygons repaired
        (polygonal parts of :func:`shapely.make_valid`; an empty polygon if no area is
        left). Rows with errors are kept, so row numbers stay those of the input.
    problems
        One :class:`~zoufang._errors.Problem` per defect: errors for empty or
        non-polygonal geometries and missing or duplicate ids, warnings for repairs,
        overlaps and gaps.
    repaired, overlaps, gaps
        The same defects as structured records, for maps and reports.
    """

    grids: gpd.GeoDataFrame
    problems: list[Problem] = field(default_factory=list)
    repaired: list[RepairedGrid] = field(default_factory=list)
    overlaps: list[GridOverlap] = field(default_factory=list)
    gaps: list[GridGap] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if no problem is an error (warnings allowed)."""
        return not any(p.severity == "error" for p in self.problems)

    def summary(self) -> str:
        """Return a one-line human summary."""
        n_err = sum(p.severity == "error" for p in self.problems)
        over = sum(o.area_m2 for o in self.overlaps)
        gap = sum(g.area_m2 for g in self.gaps)
        return (
            f"{len(self.grids):,} grids: {n_err} error(s), {len(self.repaired)} repaired, "
            f"{len(self.overlaps)} overlap(s) ({over:,.0f} m²), "
            f"{len(self.gaps)} gap(s) ({gap:,.0f} m²)"
        )


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """Return the polygonal part of a geometry (an empty Polygon if there is none)."""
    kind = shapely.get_type_id(geom)
    if kind in _POLYGONAL:
        return geom
    parts = shapely.get_parts(shapely.get_parts(geom))  # collections may nest multis
    polys = parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)]
    if polys.size == 0:
        return shapely.Polygon()
    if polys.size == 1:
        return polys[0]
    return shapely.union_all(polys)


def _check_layer(grids: Any, id_column: str, min_area_m2: float) -> None:
    """Refuse arguments the check cannot run on (a wrong CRS is an error, not a warning)."""
    problems: list[Problem] = []

    def bad(field_: str | None, message: str, value: Any = None) -> None:
        problems.append(_errors.problem("arguments", message, field_, value,
                                        code="bad_argument"))

    if not isinstance(grids, gpd.GeoDataFrame):
        bad(None, f"grids must be a geopandas.GeoDataFrame, got {type(grids).__name__}")
    else:
        if grids.crs is None:
            bad("geometry", "grids have no CRS; expected EPSG:4326 (WGS-84 lon/lat)")
        elif grids.crs.to_epsg() != 4326:
            bad("geometry", f"grids CRS was {grids.crs.to_string()!r} but is expected to "
                "be EPSG:4326; convert with grids.to_crs(4326) first", grids.crs.to_string())
        if id_column not in grids.columns:
            cols = [str(c) for c in grids.columns if c != grids.geometry.name]
            bad(id_column, f"id column {id_column!r} was not found; columns are {cols}")
    if not isinstance(min_area_m2, (int, float, np.number)) or not (
        math.isfinite(min_area_m2) and min_area_m2 >= 0
    ):
        bad("min_area_m2", "min_area_m2 was expected to be a finite number >= 0 (m²)",
            min_area_m2)
    if problems:
        raise ValidationError("Cannot check grids:", problems)


def check_grids(
    grids: gpd.GeoDataFrame,
    *,
    id_column: str = "grid_id",
    source: str = "grids",
    min_area_m2: float = 1.0,
) -> GridCheck:
    """Check a grid layer for invalid, empty, overlapping and missing areas.

    Parameters
    ----------
    grids
        Grid polygons in EPSG:4326 (WGS-84 lon/lat), one row per grid.
    id_column
        Column with the grid ids, expected unique and present.
    source
        Label used as :attr:`Problem.source` (usually the file name).
    min_area_m2
        Overlaps and gaps smaller than this many square metres are ignored as
        numerical noise.

    Returns
    -------
    GridCheck
        The repaired copy of the layer, the problems found (row = 1-based feature
        number, field = the geometry column or the id column) and structured lists of
        repairs, overlaps and gaps.

    Raises
    ------
    ValidationError
        (a ``ValueError``) if the check cannot run: not a GeoDataFrame, CRS missing or
        not EPSG:4326, id column missing, ``min_area_m2`` negative.
    """
    _check_layer(grids, id_column, min_area_m2)
    geom_col = grids.geometry.name
    out = grids.copy()
    problems: list[Problem] = []

    def problem(row: int | None, fld: str, message: str, severity: Severity, code: str,
                value: Any = None, **params: Any) -> None:
        problems.append(Problem(source, row, fld, message, severity, code,
                                None if value is None else str(value), params or None))

    # --- ids
    ids = np.asarray(grids[id_column].to_numpy(dtype=object), dtype=object)
    missing = grids[id_column].isna().to_numpy()
    for m in np.flatnonzero(missing):
        problem(int(m) + 1, id_column, "grid id is missing", "error", "missing_id")
    seen: dict[str, int] = {}
    for i, v in enumerate(ids.tolist()):
        if missing[i]:
            continue
        key = str(v)
        if key in seen:
            problem(i + 1, id_column, f"grid id {key!r} was already used by row "
                    f"{seen[key]}; ids are expected to be unique", "error",
                    "duplicate_id", key, first=seen[key])
        else:
            seen[key] = i + 1

    # --- geometry types, emptiness, validity
    geoms = np.asarray(grids.geometry.array, dtype=object).copy()
    kind = shapely.get_type_id(geoms)
    empty = (kind < 0) | shapely.is_empty(geoms)
    for r in np.flatnonzero(empty).tolist():
        problem(r + 1, geom_col, "grid geometry is empty or missing; expected a "
                "polygon", "error", "empty_geometry")
    not_poly = ~empty & ~np.isin(kind, _POLYGONAL)
    for r in np.flatnonzero(not_poly).tolist():
        problem(r + 1, geom_col, "grid geometry was expected to be a Polygon or "
                "MultiPolygon", "error", "not_polygon", geoms[r].geom_type)
    usable = ~empty & ~not_poly

    idx = np.flatnonzero(usable)
    crs = metric_crs_for(*_bbox_centres(geoms[idx])) if idx.size else None
    fwd = Transformer.from_crs(4326, crs, always_xy=True) if crs else None

    def to_m(g: NDArray[np.object_]) -> NDArray[np.object_]:
        assert fwd is not None
        out: NDArray[np.object_] = shapely.transform(
            g, lambda c: np.column_stack(fwd.transform(c[:, 0], c[:, 1])))
        return out

    repaired: list[RepairedGrid] = []
    invalid = idx[~shapely.is_valid(geoms[idx])]
    if invalid.size:
        reasons = shapely.is_valid_reason(geoms[invalid])
        fixed = np.array([_polygonal_part(g) for g in shapely.make_valid(geoms[invalid])],
                         dtype=object)
        before = shapely.area(to_m(geoms[invalid]))
        after = shapely.area(to_m(fixed))
        for i, reason, g, a0, a1 in zip(invalid, reasons, fixed, before, after, strict=True):
            geoms[i] = g
            if shapely.is_empty(g):
                usable[i] = False
                problem(int(i) + 1, geom_col, f"invalid polygon ({reason}) has no area "
                        "left after repair; expected a polygon", "error", "collapsed",
                        reason=str(reason))
                continue
            repaired.append(RepairedGrid(ids[i], int(i) + 1, str(reason), float(a0),
                                         float(a1)))
            problem(int(i) + 1, geom_col, f"invalid polygon repaired ({reason}); area "
                    f"{a0:,.0f} m² before, {a1:,.0f} m² after", "warning", "repaired",
                    reason=str(reason), before=f"{a0:,.0f}", after=f"{a1:,.0f}")
        out[geom_col] = gpd.GeoSeries(geoms, index=grids.index, crs=grids.crs)

    overlaps: list[GridOverlap] = []
    gaps: list[GridGap] = []
    idx = np.flatnonzero(usable)
    if idx.size:
        overlaps = _overlaps(geoms[idx], idx, ids, min_area_m2, to_m)
        gaps = _gaps(geoms[idx], idx, ids, min_area_m2, to_m)
    # one problem per overlap and per gap
    for o in overlaps:
        problem(o.row_b, geom_col,
                f"grid {o.id_b!r} overlaps grid {o.id_a!r} (row {o.row_a}) by "
                f"{o.area_m2:,.1f} m² around ({o.lon:.6f}, {o.lat:.6f}); a place must "
                "belong to one grid", "warning", "overlap", a=o.id_b, b=o.id_a,
                area=f"{o.area_m2:,.1f}")
    for g in gaps:
        names = ", ".join(repr(i) for i in g.grid_ids[:8])
        more = f" and {len(g.grid_ids) - 8} more" if len(g.grid_ids) > 8 else ""
        problem(None, geom_col, f"gap of {g.area_m2:,.1f} m² between grids {names}{more} "
                f"around ({g.lon:.6f}, {g.lat:.6f}); no grid covers it", "warning", "gap",
                grids="、".join(str(i) for i in g.grid_ids[:8]) + (
                    f" 等 {len(g.grid_ids)} 个" if len(g.grid_ids) > 8 else ""),
                area=f"{g.area_m2:,.1f}")
    return GridCheck(out, problems, repaired, overlaps, gaps)


def _bbox_centres(geoms: NDArray[np.object_]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    b = shapely.bounds(geoms)
    return 0.5 * (b[:, 0] + b[:, 2]), 0.5 * (b[:, 1] + b[:, 3])


def _overlaps(
    geoms: NDArray[np.object_],
    rows: NDArray[np.int64],
    ids: NDArray[np.object_],
    min_area_m2: float,
    to_m: Callable[[NDArray[np.object_]], NDArray[np.object_]],
) -> list[GridOverlap]:
    """Pairs of grids whose interiors intersect by at least ``min_area_m2``.

    Topology is computed on the lon/lat geometries as drawn (projecting first would bend
    shared edges differently and invent slivers); only the overlaps are projected to
    measure their area.
    """
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms)  # bounding boxes
    keep = a < b
    a, b = a[keep], b[keep]
    if a.size == 0:
        return []
    inner = shapely.relate_pattern(geoms[a], geoms[b], "T********")
    a, b = a[inner], b[inner]
    if a.size == 0:
        return []
    inter = shapely.intersection(geoms[a], geoms[b])
    area = shapely.area(to_m(inter))
    big = area >= min_area_m2
    a, b, inter, area = a[big], b[big], inter[big], area[big]
    if a.size == 0:
        return []
    xy = shapely.get_coordinates(shapely.point_on_surface(inter))
    lon, lat = xy[:, 0], xy[:, 1]
    return [
        GridOverlap(ids[rows[i]], ids[rows[j]], float(s), float(x), float(y),
                    int(rows[i]) + 1, int(rows[j]) + 1)
        for i, j, s, x, y in zip(a, b, area, lon, lat, strict=True)
    ]


def _gaps(
    geoms: NDArray[np.object_],
    rows: NDArray[np.int64],
    ids: NDArray[np.object_],
    min_area_m2: float,
    to_m: Callable[[NDArray[np.object_]], NDArray[np.object_]],
) -> list[GridGap]:
    """Holes of the union of all grids of at least ``min_area_m2`` (lon/lat topology)."""
    union = shapely.union_all(geoms)
    parts = shapely.get_parts(union)
    parts = parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)]
    rings, part_of_ring = shapely.get_rings(parts, return_index=True)
    interior = np.ones(len(rings), dtype=bool)
    interior[:1] = False
    interior[1:] = part_of_ring[1:] == part_of_ring[:-1]  # the first ring is the shell
    if not interior.any():
        return []
    holes = shapely.polygons(rings[interior])
    # a hole can hold islands of grids: take them out of its area
    part_tree = shapely.STRtree(parts)
    hi, pi = part_tree.query(holes, predicate="contains")
    if hi.size:
        for h in np.unique(hi):
            holes[h] = shapely.difference(holes[h], shapely.union_all(parts[pi[hi == h]]))
    area = shapely.area(to_m(holes))
    big = area >= min_area_m2
    holes, area = holes[big], area[big]
    if holes.size == 0:
        return []
    xy = shapely.get_coordinates(shapely.point_on_surface(holes))
    lon, lat = xy[:, 0], xy[:, 1]
    grid_tree = shapely.STRtree(geoms)
    hi, gi = grid_tree.query(holes, predicate="intersects")
    out = []
    for k in range(len(holes)):
        near = sorted({str(ids[rows[g]]): ids[rows[g]] for g in gi[hi == k]}.items())
        out.append(GridGap(float(area[k]), float(lon[k]), float(lat[k]),
                           tuple(v for _, v in near)))
    return out
