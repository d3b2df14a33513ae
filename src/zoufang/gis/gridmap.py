"""Place points (targets) in grid cells (网格): point-in-polygon mapping, exact and fast.

Every household or enterprise of a campaign has to land in exactly one grid. This module
maps WGS-84 longitude/latitude points to the grid polygon that covers them and says how
sure the answer is:

``inside``
    Covered by one grid, or lying on the boundary that several grids share.
``overlap``
    Covered by two or more grids and in the interior of at least one of them, i.e. in
    (or on the rim of) an area that two grids both claim — a defect of the grid design.
``snapped``
    Outside every grid but within ``snap_tolerance_m`` metres of one: assigned to the
    nearest grid and flagged (a point picked slightly off the map, or a thin gap).
``outside``
    Farther than the tolerance from every grid: left unassigned, a coverage gap.
``no_point``
    The point has no usable coordinates: NaN or infinite, or outside
    [-180, 180] × [-90, 90].

When several grids cover a point (shared edge, shared vertex, overlap) the point goes to
the grid with the smallest id in string order, whatever the row order of the frame, so a
mapping is reproducible. Nearest-grid ties while snapping are broken the same way.

How it is fast and still exact
------------------------------
The grids' bounding box is cut into a lookup raster (about 200 cells per grid, at most
4 million). A cell that no polygon edge touches (with a safety margin far above
floating-point error) lies wholly inside one grid or wholly outside all of them, so its
answer is decided once, from its centre, by a vectorised scanline fill (winding numbers
accumulated along each raster row). A point in such a cell is answered by one array
lookup. A cell that edges cross keeps the list of their grids plus the grid over its
centre, and its points get the exact GEOS test (``intersects_xy``/``contains_xy`` on
prepared polygons) against that short list only; cells with more than four candidates,
overlaps or invalid polygons ask an STRtree. The result is identical to a brute-force
``covers`` test on every polygon; with few points per grid the raster is skipped and
every point asks the STRtree.

Distances for snapping are computed in metres in a UTM projection
(:func:`zoufang.gis.crs.metric_crs_for`); only the points outside every grid and the grids
near them are projected.

Invalid polygons (self-intersecting rings, …) are accepted but their coverage is what
GEOS says it is; repair them first with :func:`zoufang.gis.topology.check_grids`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer

from zoufang._errors import Problem, ValidationError, problem
from zoufang.gis.crs import metric_crs_for

__all__ = ["STATUSES", "GridMapping", "map_points_to_grids"]

#: Every status a point can get, in the order :meth:`GridMapping.counts` lists them.
STATUSES: Final = ("inside", "overlap", "snapped", "outside", "no_point")

_INSIDE, _OVERLAP, _SNAPPED, _OUTSIDE, _NO_POINT = range(5)
_STATUS_OBJ: Final = np.array(STATUSES, dtype=object)

#: Raster cells wanted per grid polygon; about 1 in 5 cells is then crossed by an edge.
_CELLS_PER_GRID: Final = 200
#: Upper bound on raster cells (memory: ~40 bytes per cell while building).
_MAX_CELLS: Final = 1 << 22
#: Below this many points per grid polygon the raster does not pay for itself.
_MIN_POINTS_PER_GRID: Final = 16
#: Safety margin, in raster cells, around every edge (floating-point error is ~1e-11).
_EPS: Final = 1e-6
#: Metres per degree of latitude, lower bound over the ellipsoid.
_M_PER_DEG_LAT_MIN: Final = 110_574.0
#: Metres per degree of longitude at the equator (times cos(latitude) elsewhere), a
#: lower bound: the ellipsoid gives 111,319.5 m.
_M_PER_DEG_LON_EQ: Final = 111_319.0
#: Slack on the degree→metre bounds, covering UTM scale error far outside a zone.
_SLACK: Final = 1.1


@dataclass(frozen=True)
class GridMapping:
    """Which grid (网格) each point falls in, and how sure that is.

    All arrays have one entry per input point, in input order, and are read-only.

    Attributes
    ----------
    grid_index
        ``int64`` positional index into the rows of the grids frame, ``-1`` if the point
        got no grid (``outside`` or ``no_point``).
    grid_id
        ``object`` array of grid ids (values of the id column), ``None`` if no grid.
    status
        ``object`` array of status strings, one of :data:`STATUSES`.
    distance_m
        ``float64`` distance in metres to the assigned or nearest grid: ``0`` for
        ``inside``/``overlap``, the distance to the nearest grid for ``snapped`` and
        ``outside``, ``NaN`` for ``no_point``.
    """

    grid_index: NDArray[np.int64]
    grid_id: NDArray[np.object_]
    status: NDArray[np.object_]
    distance_m: NDArray[np.float64]
    _codes: NDArray[np.int8] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._codes is None:
            lookup = {s: i for i, s in enumerate(STATUSES)}
            try:
                codes = np.array([lookup[s] for s in self.status], dtype=np.int8)
            except KeyError as exc:
                raise ValueError(f"Expected every status in {STATUSES}, got {exc}.") from None
            object.__setattr__(self, "_codes", codes)
        n = len(self.grid_index)
        for name in ("grid_id", "status", "distance_m", "_codes"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Expected {name} to have {n} entries, one per point.")
        for name in ("grid_index", "grid_id", "status", "distance_m", "_codes"):
            getattr(self, name).setflags(write=False)

    def __len__(self) -> int:
        return len(self.grid_index)

    def counts(self) -> dict[str, int]:
        """Return the number of points per status, every status listed (zeros included)."""
        assert self._codes is not None
        n = np.bincount(self._codes, minlength=len(STATUSES))
        return {s: int(n[i]) for i, s in enumerate(STATUSES)}

    def summary(self) -> str:
        """Return a one-line human summary, e.g. for a log or the import report."""
        total = len(self)
        parts = []
        for status, n in self.counts().items():
            share = f" ({100.0 * n / total:.1f} %)" if total and n else ""
            parts.append(f"{n:,} {status}{share}")
        text = f"{total:,} points: " + ", ".join(parts)
        snapped = self.distance_m[self._codes == _SNAPPED]
        if snapped.size:
            text += f"; snapped up to {snapped.max():.1f} m"
        return text


# --------------------------------------------------------------------------- checks


def _check_arguments(
    lon: ArrayLike, lat: ArrayLike, grids: Any, id_column: str, snap_tolerance_m: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.object_], NDArray[np.object_]]:
    """Check everything up front; raise one :class:`ValidationError` listing all problems."""
    problems: list[Problem] = []

    def bad(field_: str | None, message: str, value: Any = None, row: int | None = None) -> None:
        source = "grids" if field_ not in ("lon", "lat", "snap_tolerance_m") else "arguments"
        problems.append(problem(source, message, field_, value, row=row, code="bad_argument"))

    try:
        lon_a = np.asarray(lon, dtype=np.float64)
        lat_a = np.asarray(lat, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        bad("lon", f"lon and lat were expected to be arrays of numbers (degrees): {exc}")
        raise ValidationError("Cannot map points to grids:", problems) from None
    if lon_a.ndim != 1 or lat_a.ndim != 1:
        bad("lon", f"lon and lat must be 1-D arrays, got shapes {lon_a.shape} and "
            f"{lat_a.shape}")
    elif lon_a.shape != lat_a.shape:
        bad("lat", f"lon and lat must have the same length, got {len(lon_a)} longitudes "
            f"and {len(lat_a)} latitudes")
    tol = snap_tolerance_m
    if not isinstance(tol, (int, float, np.number)) or not math.isfinite(tol) or tol < 0:
        bad("snap_tolerance_m", "snap_tolerance_m was expected to be a finite number "
            ">= 0 (metres)", tol)

    if not isinstance(grids, gpd.GeoDataFrame):
        bad(None, f"grids must be a geopandas.GeoDataFrame, got {type(grids).__name__}")
        raise ValidationError("Cannot map points to grids:", problems)

    crs = grids.crs
    if crs is None:
        bad("geometry", "grids have no CRS; expected EPSG:4326 (WGS-84 lon/lat). "
            "Set it with grids.set_crs(4326) if the coordinates are WGS-84")
    elif crs.to_epsg() != 4326:
        bad("geometry", f"grids CRS was {crs.to_string()!r} but is expected to be "
            "EPSG:4326; convert with grids.to_crs(4326) first", crs.to_string())

    ids = np.empty(0, dtype=object)
    if id_column not in grids.columns:
        cols = [str(c) for c in grids.columns if c != grids.geometry.name]
        bad(id_column, f"id column {id_column!r} was not found; columns are {cols}")
    else:
        ids = np.asarray(grids[id_column].to_numpy(dtype=object), dtype=object)
        null = np.flatnonzero(grids[id_column].isna().to_numpy())
        for i in null[:20]:
            bad(id_column, "grid id is missing", row=int(i) + 1)
        as_text = np.array([str(v) for v in ids], dtype=object)
        uniq, inverse, counts = np.unique(as_text, return_inverse=True, return_counts=True)
        for j in np.flatnonzero(counts > 1)[:20]:
            rows = (np.flatnonzero(inverse == j) + 1).tolist()
            bad(id_column, f"grid id occurs {counts[j]} times (rows {rows}); ids are "
                "expected to be unique", uniq[j], row=rows[1])

    geoms = np.asarray(grids.geometry.array, dtype=object)
    kind = shapely.get_type_id(geoms)  # -1 for None
    empty = shapely.is_empty(geoms) | (kind < 0)
    not_poly = ~np.isin(kind, (3, 6)) & ~empty
    for i in np.flatnonzero(empty)[:20]:
        bad("geometry", "grid geometry is empty or missing; expected a polygon",
            row=int(i) + 1)
    for i in np.flatnonzero(not_poly)[:20]:
        bad("geometry", "grid geometry was expected to be a Polygon or MultiPolygon",
            geoms[i].geom_type, row=int(i) + 1)

    if problems:
        raise ValidationError(
            f"Cannot map points to grids: {len(problems)} problem(s) with the arguments:",
            problems,
        )
    return lon_a, lat_a, geoms, ids


# --------------------------------------------------------------------------- raster


@dataclass(frozen=True)
class _Raster:
    """Lookup raster over the grids' bounding box (cells in degrees).

    ``code`` per cell: a grid row (every point of the cell is in that grid's interior),
    ``-1`` (no grid anywhere in the cell), or ``-2 - k`` for a cell that needs the exact
    test, whose candidate grid rows are ``cand[k]`` (``-1`` padding; a row starting with
    ``-2`` means "too many or unknown candidates, ask the STRtree").
    """

    x0: float
    y0: float
    sx: float  # cells per degree of longitude
    sy: float  # cells per degree of latitude
    nx: int
    ny: int
    code: NDArray[np.int32]
    cand: NDArray[np.int32]

    def lookup(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int32]:
        """Return the cell code of each (finite) point; -1 outside the raster."""
        u = (x - self.x0) * self.sx
        v = (y - self.y0) * self.sy
        ok = (u >= 0) & (u < self.nx) & (v >= 0) & (v < self.ny)
        out = np.full(len(x), -1, dtype=np.int32)
        if ok.all():
            out[:] = self.code[v.astype(np.int64) * self.nx + u.astype(np.int64)]
        else:
            out[ok] = self.code[v[ok].astype(np.int64) * self.nx + u[ok].astype(np.int64)]
        return out


def _expand(counts: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For ranges of the given lengths, return (range number, offset within range)."""
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    offset = np.arange(total, dtype=np.int64) - starts[owner]
    return owner, offset


#: Count and label sum of a cell centre are packed into one float64: sum * _PACK + count.
_PACK: Final = 1 << 16


def _build_raster(geoms: NDArray[np.object_], n_cells: int) -> _Raster:
    """Rasterise polygon interiors; list candidate grids for cells crossed by edges.

    A cell is decided only if no polygon edge comes within ``_EPS`` cells of it and at
    most one polygon covers its centre: then every point in the cell has the answer of
    the centre. The centre's answer comes from winding numbers accumulated along each
    raster row (a scanline fill, half-open rule on rows). For the other cells the
    candidates are the owners of the edges crossing the cell plus the grid covering the
    centre; a grid covering some point of such a cell either has an edge in it or covers
    all of it, centre included, so the list is complete.
    """
    n_geoms = len(geoms)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    midlat = 0.5 * (miny + maxy)
    # cells square in metres: aspect from the latitude
    kx = max(math.cos(math.radians(midlat)), 1e-3)
    w_m, h_m = max(maxx - minx, 1e-9) * kx, max(maxy - miny, 1e-9)
    side = math.sqrt(w_m * h_m / n_cells)
    nx = max(int(math.ceil(w_m / side)), 1) + 1
    ny = max(int(math.ceil(h_m / side)), 1) + 1
    # half a cell of margin on every side, so the raster strictly covers the bounds
    dx = (maxx - minx) / max(nx - 1, 1) if maxx > minx else 1e-9
    dy = (maxy - miny) / max(ny - 1, 1) if maxy > miny else 1e-9
    x0, y0 = minx - 0.5 * dx, miny - 0.5 * dy
    sx, sy = 1.0 / dx, 1.0 / dy
    e = _EPS

    parts, owner_of_part = shapely.get_parts(geoms, return_index=True)
    rings, part_of_ring = shapely.get_rings(parts, return_index=True)
    is_shell = np.ones(len(rings), dtype=bool)
    is_shell[1:] = part_of_ring[1:] != part_of_ring[:-1]
    ccw = shapely.is_ccw(rings)
    ring_sign = np.where(is_shell == ccw, 1.0, -1.0)  # +1 inside a shell, -1 in a hole
    ring_owner = owner_of_part[part_of_ring]
    xy, ring_of_xy = shapely.get_coordinates(rings, return_index=True)
    u = (xy[:, 0] - x0) * sx
    v = (xy[:, 1] - y0) * sy
    same = ring_of_xy[1:] == ring_of_xy[:-1]
    u1, v1, u2, v2 = u[:-1][same], v[:-1][same], u[1:][same], v[1:][same]
    e_ring = ring_of_xy[:-1][same]
    e_owner = ring_owner[e_ring]
    # crossing a downward edge (seen from the left) enters a counter-clockwise shell
    e_w = np.where(v2 < v1, 1.0, -1.0) * ring_sign[e_ring]

    # --- winding number and owner at every cell centre
    vmin, vmax = np.minimum(v1, v2), np.maximum(v1, v2)
    r0 = np.clip(np.ceil(vmin - 0.5), 0, ny).astype(np.int64)
    r1 = np.clip(np.ceil(vmax - 0.5), 0, ny).astype(np.int64)  # exclusive
    edge, off = _expand(np.maximum(r1 - r0, 0))
    row = r0[edge] + off
    t = (row + 0.5 - v1[edge]) / (v2[edge] - v1[edge])
    uc = u1[edge] + t * (u2[edge] - u1[edge])
    col = np.clip(np.floor(uc - 0.5) + 1, 0, nx).astype(np.int64)
    flat = row * (nx + 1) + col
    size = ny * (nx + 1)
    w = e_w[edge]
    if len(rings) < _PACK // 4 and n_geoms < (1 << 30) // _PACK:
        packed = np.bincount(flat, weights=w * ((e_owner[edge] + 1.0) * _PACK + 1.0),
                             minlength=size)
        packed = np.rint(np.cumsum(packed.reshape(ny, nx + 1), axis=1)[:, :nx]).astype(
            np.int64).ravel()
        count = (packed + _PACK // 2) % _PACK - _PACK // 2
        label = (packed - count) // _PACK - 1
        del packed
    else:  # too many rings to pack safely
        count = np.rint(np.cumsum(np.bincount(flat, weights=w, minlength=size).reshape(
            ny, nx + 1), axis=1)[:, :nx]).astype(np.int64).ravel()
        label = np.rint(np.cumsum(np.bincount(
            flat, weights=w * (e_owner[edge] + 1.0), minlength=size).reshape(ny, nx + 1),
            axis=1)[:, :nx]).astype(np.int64).ravel() - 1
    # a crossing within _EPS of a centre makes that centre's answer unreliable
    fu = np.floor(uc)
    shaky = (np.abs(uc - fu - 0.5) < e) & (fu >= 0) & (fu < nx)
    shaky_cells = row[shaky] * nx + fu[shaky].astype(np.int64)
    del edge, off, row, t, uc, col, flat, w, fu, shaky
    code = np.where(count == 1, label, -1).astype(np.int32)
    # two or more grids over the centre (an overlap), or a count or owner only a
    # degenerate (invalid) polygon can produce: no reliable candidate list
    unknown = (count >= 2) | (count < 0) | ((count == 1) & ((label < 0) | (label >= n_geoms)))
    del count, label

    # --- cells touched by an edge (supercover, widened by _EPS), with the edge's owner
    umin, umax = np.minimum(u1, u2), np.maximum(u1, u2)
    c0 = np.clip(np.floor(umin - e), 0, nx - 1).astype(np.int64)
    c1 = np.clip(np.floor(umax + e), 0, nx - 1).astype(np.int64)
    edge, off = _expand(c1 - c0 + 1)
    col = c0[edge] + off
    ua = np.maximum(umin[edge], col - e)
    ub = np.maximum(ua, np.minimum(umax[edge], col + 1 + e))
    du = u2 - u1
    vertical = du == 0
    slope = np.where(vertical, 0.0, (v2 - v1) / np.where(vertical, 1.0, du))
    s = slope[edge]
    va = v1[edge] + (ua - u1[edge]) * s
    vb = v1[edge] + (ub - u1[edge]) * s
    vert = vertical[edge]
    va = np.where(vert, vmin[edge], va)
    vb = np.where(vert, vmax[edge], vb)
    pad = e + 2.0 * e * np.abs(s)
    lo = np.maximum(np.minimum(va, vb) - pad, vmin[edge] - e)
    hi = np.minimum(np.maximum(va, vb) + pad, vmax[edge] + e)
    rlo = np.clip(np.floor(lo), 0, ny - 1).astype(np.int64)
    rhi = np.clip(np.floor(hi), 0, ny - 1).astype(np.int64)
    k, off2 = _expand(np.maximum(rhi - rlo + 1, 0))
    m_cell = (rlo[k] + off2) * nx + col[k]
    m_owner = e_owner[edge[k]].astype(np.int32)
    del edge, off, col, ua, ub, s, va, vb, vert, pad, lo, hi, k, off2

    # --- invalid polygons: every cell of their bounding box is left to the STRtree
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    if invalid.size:
        b = shapely.bounds(geoms[invalid])
        bc0 = np.clip(np.floor((b[:, 0] - x0) * sx - e), 0, nx - 1).astype(np.int64)
        bc1 = np.clip(np.floor((b[:, 2] - x0) * sx + e), 0, nx - 1).astype(np.int64)
        br0 = np.clip(np.floor((b[:, 1] - y0) * sy - e), 0, ny - 1).astype(np.int64)
        br1 = np.clip(np.floor((b[:, 3] - y0) * sy + e), 0, ny - 1).astype(np.int64)
        k, offr = _expand(br1 - br0 + 1)
        rows = br0[k] + offr
        k2, offc = _expand((bc1 - bc0 + 1)[k])
        unknown[rows[k2] * nx + bc0[k][k2] + offc] = True
    unknown[shaky_cells] = True

    # --- number the undecided cells and collect up to 4 candidates for each
    mark = unknown.copy()
    mark[m_cell] = True
    amb = np.flatnonzero(mark)
    del mark
    centre = code[amb].copy()  # the grid over the centre, or -1
    code[amb] = -2 - np.arange(len(amb), dtype=np.int32)
    cand = np.full((len(amb), 4), -1, dtype=np.int32)
    slot = -2 - code[m_cell].astype(np.int64)
    owner = m_owner
    for j in range(3):  # distinct edge owners, one per column
        cand[slot, j] = owner  # the last write wins; the others try the next column
        rest = owner != cand[slot, j]
        slot, owner = slot[rest], owner[rest]
    too_many = np.zeros(len(amb), dtype=bool)
    too_many[slot] = True
    dup = (centre[:, None] == cand[:, :3]).any(axis=1)
    cand[:, 3] = np.where(dup, -1, centre)
    cand[too_many | unknown[amb]] = -2
    return _Raster(x0, y0, sx, sy, nx, ny, code, cand)


# --------------------------------------------------------------------------- exact


def _decide(
    n: int,
    pi: NDArray[np.int64],
    gi: NDArray[np.int64],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    geoms: NDArray[np.object_],
    rank: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int8]]:
    """Exact covers test of candidate pairs (point ``pi`` in grid ``gi``, distinct).

    Return (grid row or -1, status code) for each of the ``n`` points: the covering grid
    with the smallest id; ``overlap`` if two or more grids cover the point and it is in
    the interior of at least one of them.
    """
    grid = np.full(n, -1, dtype=np.int64)
    status = np.full(n, _OUTSIDE, dtype=np.int8)
    hit = shapely.intersects_xy(geoms[gi], x[pi], y[pi])  # == covers for a point
    pi, gi = pi[hit], gi[hit]
    if pi.size == 0:
        return grid, status
    n_cov = np.bincount(pi, minlength=n)
    best = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, pi, rank[gi])
    covered = n_cov > 0
    grid[covered] = np.argsort(rank)[best[covered]]
    status[covered] = _INSIDE
    multi = n_cov[pi] >= 2
    if multi.any():
        mp, mg = pi[multi], gi[multi]
        interior = shapely.contains_xy(geoms[mg], x[mp], y[mp])
        n_int = np.bincount(mp[interior], minlength=n)
        status[(n_cov >= 2) & (n_int >= 1)] = _OVERLAP
    return grid, status


def _exact_tree(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    geoms: NDArray[np.object_],
    tree: shapely.STRtree,
    rank: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int8]]:
    """Exact test with candidates from the STRtree (bounding boxes)."""
    pi, gi = tree.query(shapely.points(x, y))
    return _decide(len(x), pi, gi, x, y, geoms, rank)


def _exact_cells(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    cells: NDArray[np.int32],
    raster: _Raster,
    geoms: NDArray[np.object_],
    tree: shapely.STRtree,
    rank: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int8]]:
    """Exact test with candidates from the raster cells (codes <= -2) of the points."""
    cand = raster.cand[-2 - cells.astype(np.int64)]
    ask_tree = cand[:, 0] == -2
    pi, kj = np.nonzero(cand >= 0)
    grid, status = _decide(len(x), pi, cand[pi, kj].astype(np.int64), x, y, geoms, rank)
    t = np.flatnonzero(ask_tree)
    if t.size:
        grid[t], status[t] = _exact_tree(x[t], y[t], geoms, tree, rank)
    return grid, status


# --------------------------------------------------------------------------- snapping


def _nearest(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    geoms: NDArray[np.object_],
    tree: shapely.STRtree,
    rank: NDArray[np.int64],
    start_m: float,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Nearest grid (row) of each point and the distance to it in metres (UTM).

    Rounds of box queries with a search radius ``R`` in metres, starting at ``start_m``
    and doubling for the points that found nothing. The box around a point holds every
    place within ``R`` metres (degrees per metre bounded above, plus 10 % slack), so if
    the nearest candidate is at most ``R`` metres away it is the nearest grid; if it is
    farther, one more round with ``R`` set to that distance settles it. Only the points
    and the candidate grids are projected; exact distances decide, ties go to the
    smallest id. Points still without a grid within four grid sizes are searched in a
    tree of all projected grids (rare: points far from the territory).
    """
    n = len(x)
    gb = shapely.total_bounds(geoms)
    crs = metric_crs_for(0.5 * (gb[0] + gb[2]), 0.5 * (gb[1] + gb[3]))
    tr = Transformer.from_crs(4326, crs, always_xy=True)

    def project(c: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack(tr.transform(c[:, 0], c[:, 1]))

    proj = np.empty(len(geoms), dtype=object)
    have = np.zeros(len(geoms), dtype=bool)

    def projected(idx: NDArray[np.int64]) -> NDArray[np.object_]:
        need = np.unique(idx[~have[idx]])
        if need.size:
            proj[need] = shapely.transform(geoms[need], project)
            have[need] = True
        return proj[idx]

    px, py = tr.transform(x, y)
    ppts = shapely.points(px, py)
    b = shapely.bounds(geoms)
    size_deg = float(np.median(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])))
    size_m = size_deg * _M_PER_DEG_LAT_MIN
    best = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    todo = np.arange(n)
    # a first radius that reaches at least the grids' bounding box (approximate metres)
    gap_x = np.maximum(np.maximum(gb[0] - x, x - gb[2]), 0.0)
    gap_y = np.maximum(np.maximum(gb[1] - y, y - gb[3]), 0.0)
    gap_m = np.hypot(gap_x * _M_PER_DEG_LON_EQ * np.cos(np.radians(np.minimum(np.abs(y), 89.9))),
                     gap_y * _M_PER_DEG_LAT_MIN)
    reach = np.maximum(1.2 * gap_m, max(start_m, 0.25 * size_m, 1e-3))
    while todo.size:
        r = reach[todo]
        far = r > 4.0 * size_m
        if far.any():
            f = todo[far]
            ptree = shapely.STRtree(projected(np.arange(len(geoms))))
            (qp, qg), d = ptree.query_nearest(ppts[f], return_distance=True, all_matches=True)
            _keep_best(f[qp], qg, d, rank, best, dist)
            todo, r = todo[~far], r[~far]
            if not todo.size:
                break
        ty = y[todo]
        hy = r / _M_PER_DEG_LAT_MIN * _SLACK
        lat_far = np.minimum(np.abs(ty) + hy, 89.9)
        hx = r / (_M_PER_DEG_LON_EQ * np.cos(np.radians(lat_far))) * _SLACK
        tx = x[todo]
        qp, qg = tree.query(shapely.box(tx - hx, ty - hy, tx + hx, ty + hy))
        if qp.size:
            # prune: a grid nearer than min(r, U) has its nearest point inside the box, so
            # its bounding-box gap converted with the box's smallest metres per degree is
            # a lower bound; U is the exact distance to the candidate with the smallest
            # such bound
            gx = np.maximum(np.maximum(b[qg, 0] - tx[qp], tx[qp] - b[qg, 2]), 0.0)
            gy = np.maximum(np.maximum(b[qg, 1] - ty[qp], ty[qp] - b[qg, 3]), 0.0)
            low = np.hypot(gx * _M_PER_DEG_LON_EQ * np.cos(np.radians(lat_far[qp])),
                           gy * _M_PER_DEG_LAT_MIN) / _SLACK
            low_min = np.full(todo.size, np.inf)
            np.minimum.at(low_min, qp, low)
            lowest = np.flatnonzero(low == low_min[qp])
            first = lowest[np.unique(qp[lowest], return_index=True)[1]]
            d_first = shapely.distance(projected(qg[first]), ppts[todo[qp[first]]])
            upper = np.full(todo.size, np.inf)
            upper[qp[first]] = d_first
            keep = low <= np.minimum(upper, r)[qp]
            keep[first] = False
            qp2, qg2 = qp[keep], qg[keep]
            _keep_best(
                np.concatenate([todo[qp[first]], todo[qp2]]),
                np.concatenate([qg[first], qg2]),
                np.concatenate([d_first, shapely.distance(projected(qg2), ppts[todo[qp2]])]),
                rank, best, dist,
            )
        found = dist[todo] < np.inf
        settled = found & (dist[todo] <= r)
        # found something, but farther than the box guarantees: search once more at that
        # distance (then settled); found nothing: widen the search
        reach[todo] = np.where(found, dist[todo], 2.0 * r)
        dist[todo[found & ~settled]] = np.inf
        todo = todo[~settled]
    return best, dist


def _keep_best(
    p: NDArray[np.int64],
    g: NDArray[np.int64],
    d: NDArray[np.float64],
    rank: NDArray[np.int64],
    best: NDArray[np.int64],
    dist: NDArray[np.float64],
) -> None:
    """For each point in ``p``, store its nearest candidate (ties: smallest id rank)."""
    dmin = np.full(len(best), np.inf)
    np.minimum.at(dmin, p, d)
    tie = d == dmin[p]
    p, g = p[tie], g[tie]
    rmin = np.full(len(best), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(rmin, p, rank[g])
    u = np.unique(p)
    best[u] = np.argsort(rank)[rmin[u]]
    dist[u] = dmin[u]


# --------------------------------------------------------------------------- public


def map_points_to_grids(
    lon: ArrayLike,
    lat: ArrayLike,
    grids: gpd.GeoDataFrame,
    *,
    id_column: str = "grid_id",
    snap_tolerance_m: float = 50.0,
) -> GridMapping:
    """Assign every point to the grid (网格) polygon that covers it.

    Parameters
    ----------
    lon, lat
        1-D arrays of WGS-84 longitudes and latitudes in degrees. ``NaN`` means the
        point has no coordinates (status ``no_point``), and so do infinite values and
        values outside [-180, 180] × [-90, 90].
    grids
        Grid polygons (Polygon or MultiPolygon) in EPSG:4326, one row per grid.
    id_column
        Column with the unique grid ids; ties between grids go to the smallest id in
        string order.
    snap_tolerance_m
        Points outside every grid but at most this many metres from one are assigned to
        the nearest grid with status ``snapped``. ``0`` turns snapping off (a point at
        exactly 0 m is covered anyway).

    Returns
    -------
    GridMapping
        Per point: grid row index, grid id, status and distance in metres. With an
        empty ``grids`` frame every located point is ``outside`` at distance ``inf``.

    Raises
    ------
    ValidationError
        (a ``ValueError``) listing every problem with the arguments: grids not in
        EPSG:4326, id column missing or ids not unique, a geometry that is not a
        polygon, lon/lat of different lengths, a negative tolerance.
    """
    x, y, geoms, ids = _check_arguments(lon, lat, grids, id_column, snap_tolerance_m)
    n = len(x)
    grid = np.full(n, -1, dtype=np.int64)
    codes = np.full(n, _NO_POINT, dtype=np.int8)
    dist = np.full(n, np.nan)

    finite = (np.abs(x) <= 180.0) & (np.abs(y) <= 90.0)  # False for NaN and inf too
    fi = np.flatnonzero(finite)
    if fi.size and len(geoms):
        rank = np.empty(len(ids), dtype=np.int64)
        rank[np.argsort(np.array([str(v) for v in ids], dtype=str), kind="stable")] = (
            np.arange(len(ids)))
        # private copies: preparing them must not touch the caller's geometries
        work = shapely.transform(geoms, lambda c: c)
        shapely.prepare(work)
        tree = shapely.STRtree(work)
        fx, fy = x[fi], y[fi]
        n_cells = min(_CELLS_PER_GRID * len(geoms), _MAX_CELLS, 4 * fi.size)
        if fi.size >= _MIN_POINTS_PER_GRID * len(geoms) and n_cells >= 64:
            raster = _build_raster(work, n_cells)
            cell = raster.lookup(fx, fy)
            fgrid = np.where(cell >= 0, cell, -1).astype(np.int64)
            fcode = np.where(cell >= 0, _INSIDE, _OUTSIDE).astype(np.int8)
            amb = np.flatnonzero(cell <= -2)
            if amb.size:
                fgrid[amb], fcode[amb] = _exact_cells(fx[amb], fy[amb], cell[amb], raster,
                                                      work, tree, rank)
        else:
            fgrid, fcode = _exact_tree(fx, fy, work, tree, rank)
        fdist = np.where(fcode == _OUTSIDE, np.nan, 0.0)
        out = np.flatnonzero(fcode == _OUTSIDE)
        if out.size:
            near, d = _nearest(fx[out], fy[out], work, tree, rank, snap_tolerance_m)
            snap = d <= snap_tolerance_m
            fgrid[out[snap]] = near[snap]
            fcode[out[snap]] = _SNAPPED
            fdist[out] = d
        grid[fi], codes[fi], dist[fi] = fgrid, fcode, fdist
    elif fi.size:  # no grids at all: every located point is outside, infinitely far
        codes[fi] = _OUTSIDE
        dist[fi] = np.inf

    id_lookup = np.empty(len(ids) + 1, dtype=object)
    id_lookup[: len(ids)] = ids
    id_lookup[-1] = None
    return GridMapping(
        grid_index=grid,
        grid_id=id_lookup[grid],
        status=_STATUS_OBJ[codes],
        distance_m=dist,
        _codes=codes,
    )
