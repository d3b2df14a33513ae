"""Tests of zoufang.gis.gridmap: points placed in grid polygons.

Grids are built inline near Beijing (116.30°E, 39.90°N) from squares of D = 0.01°
(about 853 m east-west × 1,110 m north-south). Expected grids and statuses are worked
out by hand; expected distances come from geodesic offsets (pyproj.Geod), an oracle
independent of the UTM projection the module uses.

Most cases run twice: with few points (every point asks the STRtree) and padded with
a few thousand filler points (the lookup raster is built and the special points go
through its candidate lists).
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoufang._errors import ValidationError
from zoufang.gis.crs import metric_crs_for
from zoufang.gis.gridmap import STATUSES, GridMapping, map_points_to_grids

X0, Y0, D = 116.30, 39.90, 0.01
GEOD = pyproj.Geod(ellps="WGS84")


def square(i: int, j: int, n: int = 1) -> shapely.Polygon:
    """Return the n×n block of D-squares whose south-west square is column i, row j."""
    return shapely.box(X0 + i * D, Y0 + j * D, X0 + (i + n) * D, Y0 + (j + n) * D)


def frame(ids: list[str], geoms: list[shapely.Geometry], crs: object = "EPSG:4326"
          ) -> gpd.GeoDataFrame:
    """Return a grids frame with the given ids and geometries."""
    return gpd.GeoDataFrame({"grid_id": ids}, geometry=geoms, crs=crs)


def quad() -> gpd.GeoDataFrame:
    """2×2 squares: "c" south-west, "d" south-east, "a" north-west, "b" north-east."""
    return frame(["c", "d", "a", "b"], [square(0, 0), square(1, 0), square(0, 1),
                                        square(1, 1)])


def run(lon: list[float], lat: list[float], grids: gpd.GeoDataFrame, filler: int,
        **kw: float) -> GridMapping:
    """Map the points, appending ``filler`` random points over the grids (dropped after).

    With filler points the raster path runs (>= 16 points per grid); without, the
    STRtree path. Either way the answer for the given points must be the same.
    """
    lon_a, lat_a = np.asarray(lon, float), np.asarray(lat, float)
    if filler:
        rng = np.random.default_rng(7)
        x0, y0, x1, y1 = grids.total_bounds
        lon_a = np.concatenate([lon_a, rng.uniform(x0, x1, filler)])
        lat_a = np.concatenate([lat_a, rng.uniform(y0, y1, filler)])
    m = map_points_to_grids(lon_a, lat_a, grids, **kw)
    n = len(lon)
    return GridMapping(m.grid_index[:n].copy(), m.grid_id[:n].copy(), m.status[:n].copy(),
                       m.distance_m[:n].copy())


PATHS = pytest.mark.parametrize("filler", [0, 4000], ids=["strtree", "raster"])


@PATHS
def test_point_strictly_inside(filler: int) -> None:
    """A point in the middle of the north-east square is inside "b" (row 3) at 0 m."""
    m = run([X0 + 1.5 * D], [Y0 + 1.5 * D], quad(), filler)
    assert m.grid_id.tolist() == ["b"]
    assert m.grid_index.tolist() == [3]
    assert m.status.tolist() == ["inside"]
    assert m.distance_m.tolist() == [0.0]


@PATHS
@pytest.mark.parametrize("order", [[0, 1], [1, 0]], ids=["z-first", "a-first"])
def test_point_on_shared_edge_goes_to_smallest_id(order: list[int], filler: int) -> None:
    """A point on the edge shared by "z" (west) and "a" (east) goes to "a", any row order.

    The edge is the meridian X0 + D; the point is halfway up it. Points just off the
    edge on either side go to the grid they are in.
    """
    ids = ["z", "a"]
    geoms = [square(0, 0), square(1, 0)]
    grids = frame([ids[k] for k in order], [geoms[k] for k in order])
    eps = 1e-9
    m = run([X0 + D, X0 + D - eps, X0 + D + eps], [Y0 + 0.5 * D] * 3, grids, filler)
    assert m.grid_id.tolist() == ["a", "z", "a"]
    assert m.status.tolist() == ["inside"] * 3
    assert grids["grid_id"].iloc[m.grid_index[0]] == "a"
    assert m.distance_m.tolist() == [0.0, 0.0, 0.0]


@PATHS
@pytest.mark.parametrize("perm", [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]])
def test_point_on_vertex_of_four_grids(perm: list[int], filler: int) -> None:
    """The corner shared by all four squares goes to "a", whatever the row order."""
    g = quad()
    grids = g.iloc[perm].reset_index(drop=True)
    m = run([X0 + D], [Y0 + D], grids, filler)
    assert m.grid_id.tolist() == ["a"]
    assert m.status.tolist() == ["inside"]
    assert grids["grid_id"].iloc[int(m.grid_index[0])] == "a"


@PATHS
def test_point_in_overlap(filler: int) -> None:
    """Grids "g2" [0, 2D] and "g1" [1.5D, 3.5D] (× [0, D]) overlap on [1.5D, 2D].

    * x = 1.75D: interior of both -> "overlap", smallest id "g1";
    * x = 1.5D (g1's west edge, inside g2): claimed by both -> "overlap", "g1";
    * x = 0.5D: only g2 -> "inside"; x = 3D: only g1 -> "inside".
    """
    grids = frame(["g2", "g1"], [
        shapely.box(X0, Y0, X0 + 2 * D, Y0 + D),
        shapely.box(X0 + 1.5 * D, Y0, X0 + 3.5 * D, Y0 + D),
    ])
    xs = [X0 + 1.75 * D, X0 + 1.5 * D, X0 + 0.5 * D, X0 + 3 * D]
    m = run(xs, [Y0 + 0.5 * D] * 4, grids, filler)
    assert m.grid_id.tolist() == ["g1", "g1", "g2", "g1"]
    assert m.status.tolist() == ["overlap", "overlap", "inside", "inside"]
    assert m.counts()["overlap"] == 2


def _moved(lon: float, lat: float, azimuth: float, metres: float) -> tuple[float, float]:
    """Return the point ``metres`` from (lon, lat) along ``azimuth`` on the ellipsoid."""
    x, y, _ = GEOD.fwd(lon, lat, azimuth, metres)
    return float(x), float(y)


@PATHS
def test_snapped_within_tolerance_and_outside_beyond(filler: int) -> None:
    """Points 30 m east / 30 m north of a lone square snap to it; 80 m east is outside.

    Distances in UTM agree with the geodesic ones to well under 1 m at this scale.
    """
    grids = frame(["solo"], [square(0, 0)])
    e30 = _moved(X0 + D, Y0 + 0.5 * D, 90.0, 30.0)
    n30 = _moved(X0 + 0.5 * D, Y0 + D, 0.0, 30.0)
    e80 = _moved(X0 + D, Y0 + 0.5 * D, 90.0, 80.0)
    m = run([e30[0], n30[0], e80[0]], [e30[1], n30[1], e80[1]], grids, filler)
    assert m.status.tolist() == ["snapped", "snapped", "outside"]
    assert m.grid_id.tolist() == ["solo", "solo", None]
    assert m.grid_index.tolist() == [0, 0, -1]
    assert m.distance_m == pytest.approx([30.0, 30.0, 80.0], abs=1.0)


def test_snap_tolerance_is_respected() -> None:
    """With a 100 m tolerance the 80 m point snaps; with 0 m even the 30 m one is out."""
    grids = frame(["solo"], [square(0, 0)])
    e30 = _moved(X0 + D, Y0 + 0.5 * D, 90.0, 30.0)
    e80 = _moved(X0 + D, Y0 + 0.5 * D, 90.0, 80.0)
    lon, lat = [e30[0], e80[0]], [e30[1], e80[1]]
    wide = map_points_to_grids(lon, lat, grids, snap_tolerance_m=100.0)
    none = map_points_to_grids(lon, lat, grids, snap_tolerance_m=0.0)
    assert wide.status.tolist() == ["snapped", "snapped"]
    assert none.status.tolist() == ["outside", "outside"]
    assert none.distance_m == pytest.approx([30.0, 80.0], abs=1.0)


@PATHS
def test_snap_tie_goes_to_smallest_id(filler: int) -> None:
    """A point equally near two grids snaps to the smallest id.

    20 m south of the corner shared by "q" (west) and "p" (east) both are equally near
    (the corner is the nearest point of each), so the point snaps to "p".
    """
    grids = frame(["q", "p"], [square(0, 0), square(1, 0)])
    s20 = _moved(X0 + D, Y0, 180.0, 20.0)
    m = run([s20[0]], [s20[1]], grids, filler)
    assert m.grid_id.tolist() == ["p"]
    assert m.status.tolist() == ["snapped"]
    assert m.distance_m[0] == pytest.approx(20.0, abs=1.0)


def test_far_point_gets_a_distance() -> None:
    """A point 2° east of a lone square (about 170 km) is outside with its distance."""
    grids = frame(["solo"], [square(0, 0)])
    far_lon = X0 + D + 2.0
    m = map_points_to_grids([far_lon], [Y0 + 0.5 * D], grids)
    expected = GEOD.inv(X0 + D, Y0 + 0.5 * D, far_lon, Y0 + 0.5 * D)[2]
    assert m.status.tolist() == ["outside"]
    # UTM stretches distances by up to ~0.1 % this far from the central meridian
    assert m.distance_m[0] == pytest.approx(expected, rel=2e-3)


@PATHS
def test_points_without_coordinates(filler: int) -> None:
    """NaN, infinite or out-of-range coordinates are "no_point" with NaN distance."""
    lon = [np.nan, X0 + 0.5 * D, np.inf, 200.0, X0 + 0.5 * D]
    lat = [Y0 + 0.5 * D, np.nan, Y0, Y0, 95.0]
    m = run(lon, lat, quad(), filler)
    assert m.status.tolist() == ["no_point"] * 5
    assert m.grid_index.tolist() == [-1] * 5
    assert m.grid_id.tolist() == [None] * 5
    assert np.isnan(m.distance_m).all()


def test_no_points() -> None:
    """Empty lon/lat give an empty mapping with every count zero."""
    m = map_points_to_grids(np.array([]), np.array([]), quad())
    assert len(m) == 0
    assert m.grid_index.dtype == np.int64 and m.distance_m.dtype == np.float64
    assert m.counts() == dict.fromkeys(STATUSES, 0)
    assert m.summary().startswith("0 points")


def test_counts_summary_and_read_only_arrays() -> None:
    """counts() lists every status; summary() names them; the arrays cannot be changed."""
    e30 = _moved(X0 + 2 * D, Y0 + 0.5 * D, 90.0, 30.0)
    lon = [X0 + 0.5 * D, X0 + 1.5 * D, e30[0], X0 + 5 * D, np.nan]
    lat = [Y0 + 0.5 * D, Y0 + 0.5 * D, e30[1], Y0 + 5 * D, Y0]
    m = map_points_to_grids(lon, lat, quad())
    assert m.counts() == {"inside": 2, "overlap": 0, "snapped": 1, "outside": 1,
                          "no_point": 1}
    text = m.summary()
    assert "5 points" in text and "2 inside" in text and "1 snapped" in text
    with pytest.raises(ValueError):
        m.grid_index[0] = 3


def test_grids_in_another_crs_are_refused() -> None:
    """Web-Mercator grids are an error naming what was got and what is expected."""
    grids = quad().to_crs(3857)
    with pytest.raises(ValidationError, match=r"EPSG:3857.*expected to be\s+EPSG:4326"):
        map_points_to_grids([X0], [Y0], grids)


def test_grids_without_crs_are_refused() -> None:
    """A frame without CRS is refused rather than assumed to be WGS-84."""
    grids = quad().set_crs(None, allow_override=True)
    with pytest.raises(ValueError, match="no CRS"):
        map_points_to_grids([X0], [Y0], grids)


def test_duplicate_ids_are_refused() -> None:
    """Two grids called "a" (rows 1 and 3) are refused; the error names id and rows."""
    grids = frame(["a", "b", "a"], [square(0, 0), square(1, 0), square(2, 0)])
    with pytest.raises(ValidationError) as info:
        map_points_to_grids([X0], [Y0], grids)
    (p,) = info.value.problems
    assert p.field == "grid_id" and p.value == "a" and "rows [1, 3]" in p.message


def test_argument_problems_are_listed_together() -> None:
    """Missing id column, mismatched lon/lat and a negative tolerance: one error, all three."""
    grids = quad().rename(columns={"grid_id": "code"})
    with pytest.raises(ValidationError) as info:
        map_points_to_grids([X0, X0], [Y0], grids, snap_tolerance_m=-1.0)
    fields = sorted(str(p.field) for p in info.value.problems)
    assert fields == ["grid_id", "lat", "snap_tolerance_m"]
    assert "'grid_id' was not found; columns are ['code']" in str(info.value)


def test_non_polygon_grid_is_refused() -> None:
    """A grid drawn as a line (row 2) is refused, naming the row and the type."""
    grids = frame(["a", "b"], [square(0, 0), shapely.LineString([(X0, Y0), (X0 + D, Y0)])])
    with pytest.raises(ValidationError) as info:
        map_points_to_grids([X0], [Y0], grids)
    (p,) = info.value.problems
    assert (p.row, p.value) == (2, "LineString")


def test_caller_geometries_are_left_unprepared() -> None:
    """Mapping prepares private copies, not the caller's shapely objects."""
    grids = quad()
    map_points_to_grids(np.full(100, X0 + 0.5 * D), np.full(100, Y0 + 0.5 * D), grids)
    assert not shapely.is_prepared(np.asarray(grids.geometry.array)).any()


def test_polygon_with_hole_and_island() -> None:
    """A 3×3 block with a hole of one square, and an island grid "i" filling half of it.

    The centre of the hole's empty half is outside the block; the island's centre is in
    "i"; a point in the block's body is in "ring".
    """
    ring = shapely.Polygon(square(0, 0, 3).exterior.coords, [square(1, 1).exterior.coords])
    island = shapely.box(X0 + 1 * D, Y0 + 1 * D, X0 + 1.5 * D, Y0 + 2 * D)
    grids = frame(["ring", "i"], [ring, island])
    lon = [X0 + 1.75 * D, X0 + 1.25 * D, X0 + 0.5 * D]
    lat = [Y0 + 1.5 * D, Y0 + 1.5 * D, Y0 + 0.5 * D]
    for filler in (0, 3000):
        m = run(lon, lat, grids, filler, snap_tolerance_m=10.0)
        assert m.grid_id.tolist() == [None, "i", "ring"]
        assert m.status.tolist() == ["outside", "inside", "inside"]
        # the nearest edge of the empty half is 0.25 D of longitude away
        expected = GEOD.inv(X0 + 1.75 * D, Y0 + 1.5 * D, X0 + 1.5 * D, Y0 + 1.5 * D)[2]
        assert m.distance_m[0] == pytest.approx(expected, abs=1.0)


@PATHS
def test_invalid_polygon_is_answered_as_geos_does(filler: int) -> None:
    """An invalid (bow-tie) grid covers what shapely's covers says it covers.

    Its ring crosses itself at the centre of its square: points in its two triangles
    are in it, points in the other two triangles of the square are not.
    """
    bow = shapely.Polygon([(X0 + D, Y0), (X0 + 2 * D, Y0 + D), (X0 + 2 * D, Y0),
                           (X0 + D, Y0 + D)])
    grids = frame(["s", "bow"], [square(0, 0), bow])
    # west and east triangles are the bow's; north and south ones are not
    lon = [X0 + 1.1 * D, X0 + 1.9 * D, X0 + 1.5 * D, X0 + 1.5 * D, X0 + 0.5 * D]
    lat = [Y0 + 0.5 * D, Y0 + 0.5 * D, Y0 + 0.9 * D, Y0 + 0.1 * D, Y0 + 0.5 * D]
    m = run(lon, lat, grids, filler)
    assert m.grid_id[[0, 1, 4]].tolist() == ["bow", "bow", "s"]
    assert m.status[[0, 1, 4]].tolist() == ["inside"] * 3
    assert m.status[[2, 3]].tolist() == ["outside", "outside"]  # ~440 m from the bow


def _voronoi_grids(n: int, seed: int) -> gpd.GeoDataFrame:
    """Voronoi cells of n random seeds clipped to a 10D × 10D box, ids shuffled."""
    rng = np.random.default_rng(seed)
    box = shapely.box(X0, Y0, X0 + 10 * D, Y0 + 10 * D)
    seeds = shapely.multipoints(np.column_stack([rng.uniform(X0, X0 + 10 * D, n),
                                                 rng.uniform(Y0, Y0 + 10 * D, n)]))
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box)), box)
    ids = [f"v{k:03d}" for k in rng.permutation(len(cells))]
    return frame(ids, list(cells))


def _brute_force(lon: np.ndarray, lat: np.ndarray, grids: gpd.GeoDataFrame, tol: float
                 ) -> tuple[list, list, list]:
    """Return the expected (id, status, distance) by testing every point and polygon."""
    geoms = np.asarray(grids.geometry.array)
    ids = [str(v) for v in grids["grid_id"]]
    crs = metric_crs_for(*shapely.get_coordinates(shapely.centroid(
        shapely.box(*grids.total_bounds))).T)
    tr = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    metric = shapely.transform(geoms, lambda c: np.column_stack(tr.transform(c[:, 0],
                                                                             c[:, 1])))
    out_id, out_status, out_d = [], [], []
    for x, y in zip(lon, lat, strict=True):
        if not (math.isfinite(x) and math.isfinite(y)):
            out_id.append(None), out_status.append("no_point"), out_d.append(math.nan)
            continue
        p = shapely.Point(x, y)
        cover = [k for k, g in enumerate(geoms) if g.covers(p)]
        if cover:
            interior = any(geoms[k].contains(p) for k in cover)
            out_id.append(min(ids[k] for k in cover))
            out_status.append("overlap" if len(cover) > 1 and interior else "inside")
            out_d.append(0.0)
            continue
        pm = shapely.Point(*tr.transform(x, y))
        d = shapely.distance(metric, pm)
        near = min(ids[k] for k in np.flatnonzero(d == d.min()))
        snapped = d.min() <= tol
        out_id.append(near if snapped else None)
        out_status.append("snapped" if snapped else "outside")
        out_d.append(float(d.min()))
    return out_id, out_status, out_d


def test_voronoi_tiling_matches_brute_force() -> None:
    """The raster path gives exactly the brute-force answer on a Voronoi tiling.

    150 grids, 5,000 points: random, on vertices, on edges, outside.
    """
    grids = _voronoi_grids(150, seed=3)
    rng = np.random.default_rng(4)
    xy = shapely.get_coordinates(np.asarray(grids.geometry.array))
    on_vertex = xy[rng.choice(len(xy), 400)]
    a, b = xy[:-1][:400], xy[1:][:400]  # mostly consecutive vertices: points on edges
    t = rng.uniform(0, 1, (400, 1))
    on_edge = a + t * (b - a)
    free = np.column_stack([rng.uniform(X0 - D, X0 + 11 * D, 4200),
                            rng.uniform(Y0 - D, Y0 + 11 * D, 4200)])
    pts = np.vstack([on_vertex, on_edge, free])
    m = map_points_to_grids(pts[:, 0], pts[:, 1], grids, snap_tolerance_m=200.0)
    exp_id, exp_status, exp_d = _brute_force(pts[:, 0], pts[:, 1], grids, 200.0)
    assert m.grid_id.tolist() == exp_id
    assert m.status.tolist() == exp_status
    np.testing.assert_allclose(m.distance_m, exp_d, rtol=1e-9, atol=1e-6)
    assert m.counts()["snapped"] > 0 and m.counts()["outside"] > 0


# ----------------------------------------------------------------- property test

L = 0.001  # lattice step: polygon corners and many points fall on a common lattice


@st.composite
def small_cases(draw: st.DrawFn) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """Draw up to 5 grids and points around them, on a common lattice.

    Grids are rectangles, triangles or rectangles with a hole with lattice corners, so
    they share edges and vertices, overlap and leave gaps. Points are on the lattice,
    halfway between lattice points, and anywhere around.
    """
    n = draw(st.integers(1, 5))
    geoms = []
    for _ in range(n):
        kind = draw(st.sampled_from(["rect", "tri", "holed"]))
        i0, j0 = draw(st.integers(0, 8)), draw(st.integers(0, 8))
        w, h = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        if kind == "tri":
            pts = [(i0, j0), (i0 + w, j0), (i0 + draw(st.integers(0, w)), j0 + h)]
            g = shapely.Polygon([(X0 + a * L, Y0 + b * L) for a, b in pts])
        else:
            g = shapely.box(X0 + i0 * L, Y0 + j0 * L, X0 + (i0 + w) * L, Y0 + (j0 + h) * L)
            if kind == "holed" and w >= 3 and h >= 3:
                hole = shapely.box(X0 + (i0 + 1) * L, Y0 + (j0 + 1) * L,
                                   X0 + (i0 + 2) * L, Y0 + (j0 + 2) * L)
                g = shapely.Polygon(g.exterior.coords, [hole.exterior.coords])
        geoms.append(g)
    names = draw(st.lists(st.text("abc", min_size=1, max_size=3), min_size=n, max_size=n,
                          unique=True))
    grids = frame(names, geoms)
    half = draw(st.lists(st.tuples(st.integers(-2, 26), st.integers(-2, 26)), max_size=30))
    free = draw(st.lists(st.tuples(st.floats(-2, 14), st.floats(-2, 14)), max_size=20))
    pts = [(a / 2, b / 2) for a, b in half] + free
    if draw(st.booleans()):  # enough points for the raster path
        pts += [(a, b) for a in range(-1, 14) for b in range(-1, 14)]
    lon = np.array([X0 + a * L for a, _ in pts], dtype=float)
    lat = np.array([Y0 + b * L for _, b in pts], dtype=float)
    return grids, lon, lat


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_cases())
def test_mapping_equals_brute_force_covers(case: tuple) -> None:
    """Each point gets at most one grid: the one a brute-force covers loop gives.

    Grid, status and distance equal those of the loop (smallest id on ties, 50 m
    snapping).
    """
    grids, lon, lat = case
    m = map_points_to_grids(lon, lat, grids)
    ids = grids["grid_id"].tolist()
    assigned = m.grid_index >= 0
    assert all(m.grid_id[k] == ids[m.grid_index[k]] for k in np.flatnonzero(assigned))
    assert all(m.grid_id[k] is None for k in np.flatnonzero(~assigned))
    exp_id, exp_status, exp_d = _brute_force(lon, lat, grids, 50.0)
    assert m.grid_id.tolist() == exp_id
    assert m.status.tolist() == exp_status
    np.testing.assert_allclose(m.distance_m, exp_d, rtol=1e-9, atol=1e-6)
