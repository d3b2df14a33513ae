"""Tests of zoufang.gis.topology: repairs, overlaps and gaps of a grid layer.

Grids are squares of D = 0.01° near Beijing (116.30°E, 39.90°N). Expected areas are
worked out by hand: a D × D square there measures D·kx × D·ky square metres, with kx, ky
the metres per degree of longitude and latitude on the WGS-84 ellipsoid (formulas in
``_m_per_deg``); the module measures in UTM, which agrees to far better than 1 %.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from zoufang._errors import ValidationError
from zoufang.gis.topology import GridCheck, check_grids

X0, Y0, D = 116.30, 39.90, 0.01


def _m_per_deg(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude at ``lat`` (WGS-84 ellipsoid)."""
    a, e2 = 6378137.0, 0.00669437999014
    s2 = math.sin(math.radians(lat)) ** 2
    kx = math.pi / 180 * a * math.cos(math.radians(lat)) / math.sqrt(1 - e2 * s2)
    ky = math.pi / 180 * a * (1 - e2) / (1 - e2 * s2) ** 1.5
    return kx, ky


def area_m2(width_deg: float, height_deg: float, lat: float) -> float:
    """Hand-computed area in m² of a small lon/lat rectangle centred near ``lat``."""
    kx, ky = _m_per_deg(lat)
    return width_deg * kx * height_deg * ky


def square(i: int, j: int) -> shapely.Polygon:
    """Return the D-square in column i, row j."""
    return shapely.box(X0 + i * D, Y0 + j * D, X0 + (i + 1) * D, Y0 + (j + 1) * D)


def frame(ids: list, geoms: list, crs: object = "EPSG:4326") -> gpd.GeoDataFrame:
    """Return a grids frame with the given ids and geometries."""
    return gpd.GeoDataFrame({"grid_id": ids}, geometry=geoms, crs=crs)


def block(n: int, skip: tuple[tuple[int, int], ...] = ()) -> gpd.GeoDataFrame:
    """n×n squares named "r{row}c{col}", leaving out the cells in ``skip``."""
    cells = [(i, j) for j in range(n) for i in range(n) if (i, j) not in skip]
    return frame([f"r{j}c{i}" for i, j in cells], [square(i, j) for i, j in cells])


def test_clean_tiling_has_no_problem() -> None:
    """A 3×3 block of squares: no problem, nothing repaired, no overlap, no gap."""
    check = check_grids(block(3))
    assert isinstance(check, GridCheck)
    assert check.problems == [] and check.repaired == []
    assert check.overlaps == [] and check.gaps == []
    assert check.ok
    assert "9 grids: 0 error(s)" in check.summary()


def test_bow_tie_is_repaired() -> None:
    """A bow-tie is repaired into two triangles, with a warning.

    The bow-tie over square (1, 0) crosses itself at the centre; the repair is two
    triangles of a quarter square each: half the square's area, valid.
    """
    bow = shapely.Polygon([(X0 + D, Y0), (X0 + 2 * D, Y0 + D), (X0 + 2 * D, Y0),
                           (X0 + D, Y0 + D)])
    grids = frame(["a", "bow"], [square(0, 0), bow])
    check = check_grids(grids, source="grids.geojson")
    (rep,) = check.repaired
    assert (rep.grid_id, rep.row) == ("bow", 2)
    assert rep.reason.startswith("Self-intersection")
    expected = area_m2(D, D, Y0 + 0.5 * D) / 2
    assert rep.area_after_m2 == pytest.approx(expected, rel=0.01)
    fixed = check.grids.geometry.iloc[1]
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon"
    assert not shapely.is_valid(grids.geometry.iloc[1])  # the input is left alone
    (p,) = check.problems
    assert (p.source, p.row, p.field, p.severity, p.code) == (
        "grids.geojson", 2, "geometry", "warning", "repaired")
    assert check.ok


def test_overlap_found_with_area_and_location() -> None:
    """An overlap is reported once, with its area and a point inside.

    "west" spans [0, 2D] and "east" [1.5D, 3.5D] (× [0, D]): they overlap on a
    0.5D × D strip.
    """
    grids = frame(["west", "east"], [
        shapely.box(X0, Y0, X0 + 2 * D, Y0 + D),
        shapely.box(X0 + 1.5 * D, Y0, X0 + 3.5 * D, Y0 + D),
    ])
    check = check_grids(grids)
    (o,) = check.overlaps
    assert (o.id_a, o.id_b, o.row_a, o.row_b) == ("west", "east", 1, 2)
    assert o.area_m2 == pytest.approx(area_m2(0.5 * D, D, Y0 + 0.5 * D), rel=0.01)
    assert X0 + 1.5 * D < o.lon < X0 + 2 * D and Y0 < o.lat < Y0 + D
    (p,) = check.problems
    assert (p.row, p.severity, p.code) == (2, "warning", "overlap")
    assert "'east' overlaps grid 'west'" in p.message
    assert check.gaps == []


def test_grid_inside_another_is_an_overlap() -> None:
    """A small grid drawn inside a big one overlaps it by its own area (D/2 × D/2)."""
    inner = shapely.box(X0 + 0.25 * D, Y0 + 0.25 * D, X0 + 0.75 * D, Y0 + 0.75 * D)
    check = check_grids(frame(["big", "small"], [square(0, 0), inner]))
    (o,) = check.overlaps
    assert o.area_m2 == pytest.approx(area_m2(0.5 * D, 0.5 * D, Y0 + 0.5 * D), rel=0.01)


def test_gap_found_with_area_location_and_neighbours() -> None:
    """A missing square inside a block is a gap, with area, location and neighbours.

    3×3 squares without the centre one: a hole of one square, touched by all 8 others
    (the corner squares touch it at a vertex).
    """
    check = check_grids(block(3, skip=((1, 1),)))
    (g,) = check.gaps
    assert g.area_m2 == pytest.approx(area_m2(D, D, Y0 + 1.5 * D), rel=0.01)
    assert X0 + D < g.lon < X0 + 2 * D and Y0 + D < g.lat < Y0 + 2 * D
    assert g.grid_ids == ("r0c0", "r0c1", "r0c2", "r1c0", "r1c2", "r2c0", "r2c1", "r2c2")
    (p,) = check.problems
    assert (p.row, p.severity, p.code) == (None, "warning", "gap")
    assert check.overlaps == []


def test_notch_in_the_outer_edge_is_no_gap() -> None:
    """Leaving out a corner square changes the outline, it opens no hole."""
    assert check_grids(block(3, skip=((2, 2),))).gaps == []


def test_gap_area_excludes_an_island_grid() -> None:
    """An island grid inside a hole is taken out of the gap's area.

    The hole of the 3×3 ring holds a free island grid of D/2 × D/2 in its middle: the
    gap is the ring of 3/4 of a square around it, and the island is one of its
    neighbours.
    """
    grids = block(3, skip=((1, 1),))
    island = shapely.box(X0 + 1.25 * D, Y0 + 1.25 * D, X0 + 1.75 * D, Y0 + 1.75 * D)
    grids = pd_concat(grids, frame(["island"], [island]))
    check = check_grids(grids)
    (g,) = check.gaps
    assert g.area_m2 == pytest.approx(0.75 * area_m2(D, D, Y0 + 1.5 * D), rel=0.01)
    where = shapely.Point(g.lon, g.lat)
    assert square(1, 1).contains(where) and not island.covers(where)
    assert "island" in g.grid_ids and len(g.grid_ids) == 9


def test_two_separate_blocks_each_with_a_hole() -> None:
    """Each part of a union in several parts reports its own holes, once.

    Two 3×3 rings four columns apart: two gaps, one square each, one in each ring, and
    nothing else (an outline is no hole).
    """
    left = block(3, skip=((1, 1),))
    right = left.copy()
    right["grid_id"] = "R" + right["grid_id"]
    right.geometry = right.geometry.translate(xoff=4 * D)
    check = check_grids(pd_concat(left, right))
    assert len(check.gaps) == 2
    one = area_m2(D, D, Y0 + 1.5 * D)
    assert [g.area_m2 for g in check.gaps] == pytest.approx([one, one], rel=0.01)
    assert sorted(round((g.lon - X0) / D, 1) for g in check.gaps) == [1.5, 5.5]


def pd_concat(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows of a then rows of b, renumbered."""
    return gpd.GeoDataFrame(pd.concat([a, b], ignore_index=True), crs=a.crs)


def test_slivers_below_min_area_are_ignored() -> None:
    """Slivers below ``min_area_m2`` are ignored as noise.

    Squares that overlap by 1e-9° (0.1 mm × 1.1 km ≈ 0.09 m²) and leave a 1e-9° slit
    are noise at the default 1 m², found at 0.01 m².
    """
    e = 1e-9
    west = shapely.box(X0, Y0, X0 + D + e, Y0 + D)  # overlaps "mid" by e
    mid = square(1, 0)
    east = shapely.box(X0 + 2 * D + e, Y0, X0 + 3 * D, Y0 + D)  # leaves a slit of e
    top = shapely.box(X0, Y0 + D, X0 + 3 * D, Y0 + 2 * D)  # closes the slit at the top
    bottom = shapely.box(X0, Y0 - D, X0 + 3 * D, Y0)  # ... and at the bottom
    grids = frame(["w", "m", "e", "t", "b"], [west, mid, east, top, bottom])
    assert check_grids(grids).problems == []
    fine = check_grids(grids, min_area_m2=0.01)
    (o,) = fine.overlaps
    (g,) = fine.gaps
    sliver = area_m2(e, D, Y0 + 0.5 * D)
    assert o.area_m2 == pytest.approx(sliver, rel=0.01)
    assert g.area_m2 == pytest.approx(sliver, rel=0.01)


def test_unusable_rows_are_errors() -> None:
    """Unusable rows are one error each, naming row and field.

    Empty geometry (row 2), a point (row 3), a repeated id (row 4) and a missing id
    (row 5); the check still runs on the rest.
    """
    grids = frame(["a", "b", "c", "a", None],
                  [square(0, 0), shapely.Polygon(), shapely.Point(X0, Y0), square(1, 0),
                   square(2, 0)])
    check = check_grids(grids)
    got = sorted((p.row, p.field, p.code, p.severity) for p in check.problems)
    assert got == [
        (2, "geometry", "empty_geometry", "error"),
        (3, "geometry", "not_polygon", "error"),
        (4, "grid_id", "duplicate_id", "error"),
        (5, "grid_id", "missing_id", "error"),
    ]
    assert not check.ok
    assert len(check.grids) == 5  # rows kept, numbers unchanged


def test_wrong_crs_is_refused() -> None:
    """A layer in Web Mercator is refused, naming the CRS got and the one expected."""
    with pytest.raises(ValidationError, match=r"EPSG:3857.*EPSG:4326"):
        check_grids(block(2).to_crs(3857))


def test_missing_id_column_is_refused() -> None:
    """A layer without the id column cannot be checked."""
    with pytest.raises(ValueError, match="'code' was not found"):
        check_grids(block(2), id_column="code")


def test_many_grids_one_missing() -> None:
    """One interior cell missing from 400 Voronoi grids is exactly one gap.

    Its area is the cell's, measured here with the hand formula at the cell's latitude.
    """
    rng = np.random.default_rng(5)
    box = shapely.box(X0, Y0, X0 + 20 * D, Y0 + 20 * D)
    seeds = shapely.multipoints(np.column_stack([rng.uniform(X0, X0 + 20 * D, 400),
                                                 rng.uniform(Y0, Y0 + 20 * D, 400)]))
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box)), box)
    centre = shapely.Point(X0 + 10 * D, Y0 + 10 * D)
    k = int(np.argmin(shapely.distance(cells, centre)))
    gone = cells[k]
    rest = np.delete(cells, k)
    check = check_grids(frame([f"v{i}" for i in range(len(rest))], list(rest)))
    (g,) = check.gaps
    assert check.overlaps == [] and check.repaired == []
    lat = gone.centroid.y
    kx, ky = _m_per_deg(lat)
    assert g.area_m2 == pytest.approx(gone.area * kx * ky, rel=0.01)
    assert gone.contains(shapely.Point(g.lon, g.lat))
