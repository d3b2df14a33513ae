"""Tests of zoufang.gis.roads: road travel matrices (and straight lines beside them).

Data
----
``tests/data/guixi.osm``
    Real OpenStreetMap XML of the centre of Guixi (贵溪市), Jiangxi (ODbL, see
    ``tests/data/guixi.README.md``): about 180 highway ways with one-way streets, a few
    pieces not connected to the rest, buildings and relations the reader must skip. Its
    ``.osm.pbf`` twin is written once per module with pyosmium into a temporary directory.
Hand-built networks
    Lines of D = 0.001° near the demo township (116.6° E, 37.4° N), where the shortest
    path is known by construction. Expected lengths are worked out in two independent ways:
    with the ellipsoid's metres per degree (``_m_per_deg``, to 0.1 %: distances are
    measured in UTM, whose scale is 0.9996–1.0004), and by measuring the expected vertex
    list in the same UTM zone with pyproj (to 1e-7: snap points are found on the
    projected segment, a hair off the meridian).
The demo township
    ``roads.geojson`` and household points of :func:`zoufang.demo.generate.generate_demo`,
    generated once per module (about 2 s).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely
from pyproj import Transformer

from zoufang._errors import ValidationError
from zoufang.demo.generate import DemoFiles, generate_demo
from zoufang.gis.crs import gcj02_to_wgs84, metric_crs_for
from zoufang.gis.roads import FALLBACK_DETOUR, RoadNetwork
from zoufang.gis.travel import SPEEDS_KMH, StraightLine, TravelModel

DATA = Path(__file__).parents[1] / "data"
GUIXI = DATA / "guixi.osm"
X0, Y0, D = 116.6, 37.4, 0.001


def _m_per_deg(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude at ``lat`` (WGS-84 ellipsoid)."""
    a, e2 = 6378137.0, 0.00669437999014
    s2 = math.sin(math.radians(lat)) ** 2
    kx = math.pi / 180 * a * math.cos(math.radians(lat)) / math.sqrt(1 - e2 * s2)
    ky = math.pi / 180 * a * (1 - e2) / (1 - e2 * s2) ** 1.5
    return kx, ky


def utm_length(coords: list[tuple[float, float]]) -> float:
    """Length in metres of a lon/lat polyline measured in its UTM zone."""
    a = np.asarray(coords)
    crs = metric_crs_for(a[:, 0], a[:, 1])
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tr.transform(a[:, 0], a[:, 1])
    return float(np.hypot(np.diff(x), np.diff(y)).sum())


def node(i: float, j: float) -> tuple[float, float]:
    """Lon/lat of grid position (i, j) of the hand-built networks."""
    return (X0 + i * D, Y0 + j * D)


def write_geojson(path: Path, lines: list[list[tuple[float, float]]],
                  props: list[dict] | None = None) -> Path:
    """Write ``lines`` as a FeatureCollection of LineStrings."""
    feats = [{"type": "Feature", "properties": (props[k] if props else {}),
              "geometry": {"type": "LineString", "coordinates": [list(p) for p in line]}}
             for k, line in enumerate(lines)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def osm_highways(path: Path) -> dict[str, list[list[tuple[float, float]]]]:
    """Lines of every highway way by highway value, read with pyosmium (not the module)."""
    out: dict[str, list[list[tuple[float, float]]]] = {}
    fp = osmium.FileProcessor(str(path)).with_locations()
    for o in fp:
        if o.is_way() and "highway" in o.tags:
            out.setdefault(o.tags["highway"], []).append(
                [(n.location.lon, n.location.lat) for n in o.nodes])
    return out


def points_on(lines: list[list[tuple[float, float]]], n: int, seed: int) -> np.ndarray:
    """``n`` random points lying on ``lines`` (uniform over the lines' length in degrees)."""
    rng = np.random.default_rng(seed)
    geoms = np.array([shapely.LineString(line) for line in lines])
    pick = rng.integers(0, len(geoms), n)
    frac = rng.uniform(0.05, 0.95, n)
    pts = shapely.line_interpolate_point(geoms[pick], frac, normalized=True)
    return shapely.get_coordinates(pts)


# ---------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guixi() -> RoadNetwork:
    """The Guixi network read from OSM XML."""
    return RoadNetwork.from_file(GUIXI)


@pytest.fixture(scope="module")
def guixi_pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """guixi.osm rewritten as .osm.pbf by libosmium (every node, way and relation)."""
    out = tmp_path_factory.mktemp("pbf") / "guixi.osm.pbf"
    with osmium.SimpleWriter(str(out)) as writer:
        for obj in osmium.FileProcessor(str(GUIXI)):
            writer.add(obj)
    return out


@pytest.fixture(scope="module")
def residential() -> np.ndarray:
    """60 points on Guixi's residential roads (seed 1)."""
    return points_on(osm_highways(GUIXI)["residential"], 60, seed=1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    """The demo township of the default seed."""
    return generate_demo(tmp_path_factory.mktemp("demo"))


# ---------------------------------------------------------------------------------------
# The travel interface (StraightLine and TravelMatrix alone: tests/gis/test_travel.py)
# ---------------------------------------------------------------------------------------


def test_both_models_are_travel_models(guixi: RoadNetwork) -> None:
    """Both implementations satisfy the TravelModel protocol."""
    assert isinstance(StraightLine(), TravelModel)
    assert isinstance(guixi, TravelModel)
    assert guixi.source == "roads:guixi.osm"


@pytest.mark.parametrize("model", ["straight", "roads"])
@pytest.mark.parametrize(("bad", "index"), [
    ([116.6, float("nan")], 1),
    ([0.0, 0.0], 1),
    ([-74.0, 40.7], 1),          # New York
    ([37.4, 116.6], 1),          # swapped
])
def test_bad_points_name_the_index(guixi: RoadNetwork, model: str, bad: list[float],
                                   index: int) -> None:
    """NaN points and points outside China are refused, naming their index."""
    tm: TravelModel = StraightLine() if model == "straight" else guixi
    with pytest.raises(ValueError, match=rf"index {index}\b"):
        tm.matrix(np.array([[117.22, 28.30], bad, [117.23, 28.30]]))


def test_unknown_mode_and_empty_points(guixi: RoadNetwork) -> None:
    """An unknown mode is refused with the known ones; no points give an empty matrix."""
    with pytest.raises(ValueError, match="'bus'.*walk"):
        guixi.matrix(np.array([[117.22, 28.30]]), mode="bus")
    m = guixi.matrix(np.zeros((0, 2)))
    assert m.distance_m.shape == (0, 0) and m.snap_m.shape == (0,)


# ---------------------------------------------------------------------------------------
# Hand-built networks
# ---------------------------------------------------------------------------------------


def maze_lines() -> list[list[tuple[float, float]]]:
    """A 3 × 2 grid of unit segments without the bottom row's two horizontal segments.

    ::

        (0,1)--(1,1)--(2,1)
          |      |      |
        (0,0)  (1,0)  (2,0)

    Every segment is its own feature, so lines meet only at shared end coordinates.
    """
    return [
        [node(0, 0), node(0, 1)], [node(1, 0), node(1, 1)], [node(2, 0), node(2, 1)],
        [node(0, 1), node(1, 1)], [node(1, 1), node(2, 1)],
    ]


def test_hand_built_grid_shortest_path_is_exact(tmp_path: Path) -> None:
    """Around the gap: snap to mid-edges, up, across two blocks, down; vertices exact."""
    net = RoadNetwork.from_file(write_geojson(tmp_path / "maze.geojson", maze_lines()))
    assert (net.num_nodes, net.num_edges, net.components) == (6, 5, 1)
    off = 0.0001
    p1 = (X0 - off, Y0 + 0.5 * D)          # beside the middle of (0,0)-(0,1)
    p2 = (X0 + 2 * D + off, Y0 + 0.25 * D)  # beside a quarter of (2,0)-(2,1)
    m = net.matrix(np.array([p1, p2]))
    kx, ky = _m_per_deg(Y0 + 0.5 * D)
    np.testing.assert_allclose(m.snap_m, [off * kx, off * kx], rtol=1e-3)
    by_hand = 2 * off * kx + 0.5 * D * ky + 2 * D * kx + 0.75 * D * ky
    assert m.distance_m[0, 1] == pytest.approx(by_hand, rel=1e-3)
    expected = [p1, node(0, 0.5), node(0, 1), node(1, 1), node(2, 1), node(2, 0.25), p2]
    assert m.distance_m[0, 1] == pytest.approx(utm_length(expected), rel=1e-7)
    line = m.line(0, 1)
    assert len(line) == len(expected)
    np.testing.assert_allclose(line, expected, atol=1e-8)
    np.testing.assert_allclose(m.line(1, 0), expected[::-1], atol=1e-8)
    assert m.distance_m[1, 0] == pytest.approx(m.distance_m[0, 1], rel=1e-12)
    assert m.fallback_pairs == 0


def test_lines_join_at_shared_inner_vertices() -> None:
    """Two long lines crossing at a shared inner vertex are split there (a + junction)."""
    net = RoadNetwork.from_lines(
        [[node(0, 1), node(1, 1), node(2, 1)], [node(1, 0), node(1, 1), node(1, 2)]],
        source="cross")
    assert (net.num_nodes, net.num_edges, net.components) == (5, 4, 1)
    m = net.matrix(np.array([node(0, 1), node(1, 2)]))
    kx, ky = _m_per_deg(Y0 + D)
    assert m.distance_m[0, 1] == pytest.approx(D * kx + D * ky, rel=1e-3)


def test_road_line_keeps_shape_vertices() -> None:
    """A bent road between two junctions is followed vertex by vertex, not by its chord."""
    bent = [node(0, 0), node(1, 1), node(2, 0)]  # one edge with a shape vertex
    net = RoadNetwork.from_lines([bent], source="bent")
    assert (net.num_nodes, net.num_edges) == (2, 1)
    m = net.matrix(np.array([node(0, 0), node(2, 0)]))
    np.testing.assert_allclose(m.line(0, 1), bent, atol=1e-8)
    assert m.distance_m[0, 1] == pytest.approx(utm_length(bent), rel=1e-9)


def square(oneway: object) -> RoadNetwork:
    """A unit square A(0,0)→B(1,0)→C(1,1)→D(0,1)→A whose side A-B has ``oneway``."""
    sides = [[node(0, 0), node(1, 0)], [node(1, 0), node(1, 1)],
             [node(1, 1), node(0, 1)], [node(0, 1), node(0, 0)]]
    return RoadNetwork.from_lines(sides, source="square", oneway=[oneway, None, None, None],
                                  highway=["residential"] * 4)


@pytest.mark.parametrize(("oneway", "open_dir"), [
    ("yes", (0, 1)), (True, (0, 1)), ("1", (0, 1)), ("true", (0, 1)),
    ("-1", (1, 0)), (-1, (1, 0)),
])
def test_oneway_honoured_for_car_only(oneway: object, open_dir: tuple[int, int]) -> None:
    """A→B one-way: cars drive B→A around the square (the other three sides)."""
    net = square(oneway)
    pts = np.array([node(0.5, 0), node(0.5, 1)])  # mid A-B, mid C-D
    a = np.array([node(0, 0), node(1, 0)])
    kx, ky = _m_per_deg(Y0 + 0.5 * D)
    side, around = D * kx, D * kx + 2 * D * ky
    car = net.matrix(a, mode="car")
    walk = net.matrix(a, mode="walk")
    ebike = net.matrix(a, mode="ebike")
    i, j = open_dir
    assert car.distance_m[i, j] == pytest.approx(side, rel=1e-3)
    assert car.distance_m[j, i] == pytest.approx(around, rel=1e-3)
    for m in (walk, ebike):
        assert m.distance_m[j, i] == pytest.approx(side, rel=1e-3)
        assert m.distance_m[i, j] == pytest.approx(side, rel=1e-3)
    assert car.fallback_pairs == 0
    # the line of the long way round passes C and D
    long_way = car.line(j, i)
    assert np.isclose(long_way, node(1, 1), rtol=0, atol=1e-8).all(axis=1).any()
    assert np.isclose(long_way, node(0, 1), rtol=0, atol=1e-8).all(axis=1).any()
    assert utm_length(long_way) == pytest.approx(car.distance_m[j, i], rel=0.01)
    assert net.matrix(pts, mode="car").fallback_pairs == 0


def test_same_edge_pair_goes_along_the_edge() -> None:
    """Two points on one long edge: the direct piece between them, not via its ends."""
    long_edge = [node(0, 0), node(10, 0)]
    net = RoadNetwork.from_lines([long_edge, [node(10, 0), node(10, 1)],
                                  [node(10, 1), node(0, 1)], [node(0, 1), node(0, 0)]],
                                 source="loop", oneway=["yes", None, None, None])
    pts = np.array([node(4, 0), node(6, 0)])
    kx = _m_per_deg(Y0)[0]
    walk = net.matrix(pts, mode="walk")
    assert walk.distance_m[0, 1] == pytest.approx(2 * D * kx, rel=1e-3)
    assert walk.distance_m[1, 0] == pytest.approx(2 * D * kx, rel=1e-3)
    for i, j in ((0, 1), (1, 0)):
        line = np.asarray(walk.line(i, j))
        # the points, perhaps their snap points (a parallel is curved in UTM: ~1 cm off
        # the projected chord), nothing else: no vertex of the edge's ends
        assert tuple(line[0]) == tuple(pts[i]) and tuple(line[-1]) == tuple(pts[j])
        assert len(line) <= 4
        np.testing.assert_allclose(line[:, 1], Y0, atol=1e-6)
        assert (np.abs(line[:, 0] - X0 - 5 * D) <= D + 1e-9).all()
    car = net.matrix(pts, mode="car")
    assert car.distance_m[0, 1] == pytest.approx(2 * D * kx, rel=1e-3)
    # against the one-way: 4 D to the end, up D, back 10 D, down D, 4 D to the point
    ky = _m_per_deg(Y0)[1]
    assert car.distance_m[1, 0] == pytest.approx(18 * D * kx + 2 * D * ky, rel=1e-3)


def test_points_at_one_place_and_on_a_node() -> None:
    """Two points at the same spot are 0 m apart; a point on a junction snaps with 0 m."""
    net = RoadNetwork.from_lines(maze_lines(), source="maze")
    pts = np.array([node(1, 1), node(1, 1), node(0, 0.5)])
    m = net.matrix(pts)
    np.testing.assert_allclose(m.snap_m, 0.0, atol=1e-5)
    assert m.distance_m[0, 1] == pytest.approx(0.0, abs=1e-4)
    assert len(m.line(0, 1)) >= 2 and m.line(0, 1)[0] == node(1, 1)


def test_disconnected_pieces_fall_back_and_are_counted() -> None:
    """Pairs between two separate squares get straight × 1.3 and are counted."""
    def sq(i0: float) -> list[list[tuple[float, float]]]:
        return [[node(i0, 0), node(i0 + 1, 0), node(i0 + 1, 1), node(i0, 1), node(i0, 0)]]

    net = RoadNetwork.from_lines(sq(0) + sq(50), source="two")
    assert net.components == 2
    pts = np.array([node(0.5, 0), node(0, 0.5), node(50.5, 1), node(51, 0.2), node(50, 0.7)])
    m = net.matrix(pts)
    straight = StraightLine(FALLBACK_DETOUR).matrix(pts)
    assert m.fallback_pairs == 2 * 2 * 3
    across = np.zeros((5, 5), dtype=bool)
    across[:2, 2:] = across[2:, :2] = True
    np.testing.assert_array_equal(m.fallback, across)
    np.testing.assert_allclose(m.distance_m[across], straight.distance_m[across], rtol=1e-6)
    assert np.isfinite(m.distance_m).all()
    assert m.line(0, 3) == [node(0.5, 0), node(51, 0.2)]
    # within one square: along the ring (closed line, one node where it closes)
    kx, ky = _m_per_deg(Y0)
    assert m.distance_m[0, 1] == pytest.approx(0.5 * D * kx + 0.5 * D * ky, rel=1e-3)


def test_mode_filters_by_highway_and_access() -> None:
    """Footways are no car roads, motorways no footpaths, foot=no closes a road to walkers."""
    lines = [[node(0, 0), node(1, 0)], [node(1, 0), node(2, 0)],
             [node(0, 0), node(0, 1), node(2, 1), node(2, 0)]]
    net = RoadNetwork.from_lines(lines, source="modes", highway=["footway", "footway", None])
    pts = np.array([node(0, 0), node(2, 0)])
    kx, ky = _m_per_deg(Y0)
    assert net.matrix(pts, "walk").distance_m[0, 1] == pytest.approx(2 * D * kx, rel=1e-3)
    assert net.matrix(pts, "car").distance_m[0, 1] == pytest.approx(2 * D * kx + 2 * D * ky,
                                                                    rel=1e-3)
    moto = RoadNetwork.from_lines(lines, source="m", highway=["motorway", "trunk", None],
                                  tags=[None, {"foot": "no"}, None])
    assert moto.matrix(pts, "walk").distance_m[0, 1] == pytest.approx(
        2 * D * kx + 2 * D * ky, rel=1e-3)
    assert moto.matrix(pts, "ebike").distance_m[0, 1] == pytest.approx(
        2 * D * kx + 2 * D * ky, rel=1e-3)


# ---------------------------------------------------------------------------------------
# Guixi (real OSM)
# ---------------------------------------------------------------------------------------


def test_guixi_loads_with_sensible_counts(guixi: RoadNetwork) -> None:
    """176 highway ways of ~1600 node references: a few hundred junctions, ~120 km."""
    assert 250 <= guixi.num_nodes <= 600
    assert 350 <= guixi.num_edges <= 800
    assert guixi.num_edges > guixi.num_nodes  # a street grid has cycles
    assert 80 <= guixi.length_km <= 160
    assert 1 <= guixi.components <= 5
    assert "guixi.osm" in repr(guixi)


def test_guixi_road_at_least_straight(guixi: RoadNetwork, residential: np.ndarray) -> None:
    """On residential roads every road distance is at least the straight distance."""
    road = guixi.matrix(residential)
    straight = StraightLine(1.0).matrix(residential)
    assert road.fallback_pairs == 0
    np.testing.assert_allclose(road.snap_m, 0.0, atol=0.01)
    assert (road.distance_m >= straight.distance_m * (1 - 1e-9) - 1e-6).all()
    off = ~np.eye(len(residential), dtype=bool)
    ratio = road.distance_m[off] / straight.distance_m[off]
    assert 1.0 < float(np.median(ratio)) < 2.0


@pytest.mark.parametrize("mode", ["walk", "car"])
def test_guixi_triangle_inequality(guixi: RoadNetwork, residential: np.ndarray,
                                   mode: str) -> None:
    """d(i, k) <= d(i, j) + d(j, k) for every triple of the sample routed on roads.

    Triples with a fallback pair are left out: straight × 1.3 is no shortest path.
    """
    m = guixi.matrix(residential[:30], mode=mode)
    d, routed = m.distance_m, ~m.fallback
    via = d[:, :, None] + d[None, :, :]  # via[i, j, k] = d(i, j) + d(j, k)
    ok = routed[:, None, :] & routed[:, :, None] & routed[None, :, :]
    assert ok.sum() > 0.5 * ok.size
    assert (d[:, None, :] <= via * (1 + 1e-9) + 1e-6)[ok].all()


@pytest.mark.parametrize("mode", ["walk", "ebike", "car"])
def test_guixi_lines_match_distances(guixi: RoadNetwork, residential: np.ndarray,
                                     mode: str) -> None:
    """line(i, j) runs from p_i to p_j over road vertices; its length is distance_m.

    Pairs without a road path (fallback) are the straight line [p_i, p_j].
    """
    pts = residential[:15]
    m = guixi.matrix(pts, mode=mode)
    road_vertices = {(round(x, 7), round(y, 7))
                     for lines in osm_highways(GUIXI).values() for line in lines
                     for x, y in line}
    for i in range(len(pts)):
        for j in range(len(pts)):
            line = m.line(i, j)
            assert line[0] == tuple(pts[i]) and line[-1] == tuple(pts[j])
            if i == j:
                continue
            if m.fallback[i, j]:  # no road path (car, one-way streets): straight
                assert len(line) == 2
                continue
            assert utm_length(line) == pytest.approx(m.distance_m[i, j], rel=0.01)
            inner = line[2:-2]  # without the points and their snap points
            assert all((round(x, 7), round(y, 7)) in road_vertices for x, y in inner)


def test_guixi_car_obeys_oneways(guixi: RoadNetwork, residential: np.ndarray) -> None:
    """Cars obey one-way streets: some pairs are longer by car, none with a car path shorter.

    The extract cuts some one-way streets at its edge, so a few residential streets can be
    entered by car but not left (or the reverse): those pairs fall back and are counted.
    """
    walk = guixi.matrix(residential, mode="walk")
    car = guixi.matrix(residential, mode="car")
    assert walk.fallback_pairs == 0
    assert car.fallback_pairs == int(car.fallback.sum()) > 0
    assert not np.diag(car.fallback).any()
    assert not (car.fallback & car.fallback.T).all()  # one direction often works
    routed = ~car.fallback
    diff = car.distance_m - walk.distance_m
    assert (diff[routed] > 1.0).any()
    assert (diff[routed] >= -1e-6).all()  # Guixi has no motorway: cars use fewer roads
    assert not np.allclose(car.distance_m, car.distance_m.T)
    np.testing.assert_allclose(walk.distance_m, walk.distance_m.T, rtol=1e-9)
    fb = np.argwhere(car.fallback)[0]
    assert car.line(*fb) == [tuple(residential[fb[0]]), tuple(residential[fb[1]])]
    straight = StraightLine(FALLBACK_DETOUR).matrix(residential).distance_m
    np.testing.assert_allclose(car.distance_m[car.fallback], straight[car.fallback],
                               rtol=1e-6)


def test_guixi_osm_and_pbf_give_identical_matrices(guixi: RoadNetwork, guixi_pbf: Path,
                                                   residential: np.ndarray) -> None:
    """The XML and the PBF encoding of the same data give the same graph and matrices."""
    pbf = RoadNetwork.from_file(guixi_pbf)
    assert pbf.source == "roads:guixi.osm.pbf"
    assert (pbf.num_nodes, pbf.num_edges, pbf.components) == (
        guixi.num_nodes, guixi.num_edges, guixi.components)
    for mode in ("walk", "car"):
        a, b = guixi.matrix(residential, mode), pbf.matrix(residential, mode)
        np.testing.assert_array_equal(a.distance_m, b.distance_m)
        np.testing.assert_array_equal(a.snap_m, b.snap_m)
        assert a.line(0, 7) == b.line(0, 7)


def test_guixi_far_points_show_in_snap(guixi: RoadNetwork) -> None:
    """A point 3 km east of the mapped streets is kept but has a snap distance > 1 km."""
    m = guixi.matrix(np.array([[117.222, 28.300], [117.2225, 28.3005], [117.30, 28.25]]))
    assert m.snap_m[2] > 1000.0
    assert np.isfinite(m.distance_m).all()


def test_geopackage_and_shapefile(tmp_path: Path, guixi: RoadNetwork,
                                  residential: np.ndarray) -> None:
    """A projected GeoPackage is reprojected; a WGS-84 Shapefile is read as is."""
    lines = [line for group in osm_highways(GUIXI).values() for line in group]
    gdf = gpd.GeoDataFrame({"highway": ["residential"] * len(lines)},
                           geometry=[shapely.LineString(c) for c in lines],
                           crs=4326)
    gdf.to_crs(32650).to_file(tmp_path / "roads.gpkg", layer="roads")
    gdf.to_file(tmp_path / "roads.shp")
    g = RoadNetwork.from_file(tmp_path / "roads.gpkg")
    s = RoadNetwork.from_file(tmp_path / "roads.shp")
    assert g.source == "roads:roads.gpkg"
    assert (g.num_nodes, g.num_edges) == (s.num_nodes, s.num_edges)
    np.testing.assert_allclose(g.matrix(residential[:20]).distance_m,
                               s.matrix(residential[:20]).distance_m, rtol=1e-6, atol=1e-3)


# ---------------------------------------------------------------------------------------
# Bad files
# ---------------------------------------------------------------------------------------

_OSM_BUILDING_ONLY = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="28.30" lon="117.22"/>
 <node id="2" lat="28.30" lon="117.23"/>
 <node id="3" lat="28.31" lon="117.23"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/>
  <tag k="building" v="yes"/></way>
</osm>
"""

_OSM_BERLIN = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="52.52" lon="13.40"/>
 <node id="2" lat="52.52" lon="13.41"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>
</osm>
"""

_PROJECTED = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"highway": "residential"},
     "geometry": {"type": "LineString",
                  "coordinates": [[435211.2, 3132110.5], [435311.2, 3132110.5]]}}]}


def _lines_at(coords: list[list[list[float]]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": c}} for c in coords]})


@pytest.mark.parametrize(("name", "content", "code", "message"), [
    ("missing.geojson", None, "missing_file", "no such file"),
    ("roads.txt", "hello", "unknown_extension", "unknown file type"),
    ("roads.csv", "lon,lat\n", "unknown_extension", ".osm.pbf"),
    ("empty.geojson", "", "empty_file", "empty"),
    ("empty.osm", "", "empty_file", "empty"),
    ("broken.geojson", '{"type": "FeatureCollection", "features": [', "malformed_geojson",
     "not valid JSON"),
    ("array.json", "[1, 2, 3]", "malformed_geojson", "GeoJSON object"),
    ("points.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Point", "coordinates": [117.2, 28.3]}}]}),
     "no_lines", "found 1 Point"),
    ("short.geojson", _lines_at([[[117.2, 28.3]]]), "malformed_geojson", "two"),
    ("metres.geojson", json.dumps(_PROJECTED), "not_degrees", "projected metres"),
    ("berlin.geojson", _lines_at([[[13.40, 52.52], [13.41, 52.52]]]), "outside_china",
     "outside China"),
    ("swapped.geojson", _lines_at([[[28.30, 117.22], [28.30, 117.23]]]), "lonlat_swapped",
     "swapped"),
    ("buildings.osm", _OSM_BUILDING_ONLY, "no_roads", "highway"),
    ("berlin.osm", _OSM_BERLIN, "outside_china", "field 'way 10'"),
    ("broken.osm", "<osm><node id='1' lat='28.3' lon=", "unreadable", "OSM"),
    ("construction.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"highway": "construction"},
         "geometry": {"type": "LineString", "coordinates": [[117.2, 28.3], [117.21, 28.3]]}}]}),
     "no_roads", "construction"),
    ("text.gpkg", "not a geopackage", "unreadable", "GeoPackage"),
])
def test_bad_files_name_the_file(tmp_path: Path, name: str, content: str | None, code: str,
                                 message: str) -> None:
    """Every refused file raises ValidationError naming the file and the reason."""
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        RoadNetwork.from_file(path)
    err = info.value
    assert name in str(err)
    assert err.problems and all(p.source == name for p in err.problems)
    assert code in {p.code for p in err.problems}
    assert message in str(err)


def test_bad_lines_name_the_feature(tmp_path: Path) -> None:
    """Bad coordinates are reported per feature (1-based), all of them at once."""
    path = tmp_path / "mixed.geojson"
    path.write_text(_lines_at([[[117.2, 28.3], [117.21, 28.3]],
                               [[435211.2, 3132110.5], [435311.2, 3132110.5]],
                               [[13.40, 52.52], [13.41, 52.52]]]))
    with pytest.raises(ValidationError) as info:
        RoadNetwork.from_file(path)
    assert [(p.row, p.code) for p in info.value.problems] == [(2, "not_degrees"),
                                                              (3, "outside_china")]


def test_from_lines_checks_its_arguments() -> None:
    """Wrong lengths of per-line options and one-vertex lines are refused."""
    with pytest.raises(ValueError, match="`highway` has 1 entries but there are 2 lines"):
        RoadNetwork.from_lines([[node(0, 0), node(1, 0)], [node(1, 0), node(2, 0)]],
                               source="x", highway=["residential"])
    with pytest.raises(ValidationError, match="x, row 2"):
        RoadNetwork.from_lines([[node(0, 0), node(1, 0)], [node(1, 0)]], source="x")


# ---------------------------------------------------------------------------------------
# The demo township
# ---------------------------------------------------------------------------------------


def demo_households(demo: DemoFiles, n: int, seed: int) -> np.ndarray:
    """``n`` random household points of the demo, converted from GCJ-02 to WGS-84."""
    with demo.households.open(encoding="gbk", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["经度"] and r["纬度"]]
    pick = np.random.default_rng(seed).choice(len(rows), n, replace=False)
    lon = np.array([float(rows[k]["经度"]) for k in pick])
    lat = np.array([float(rows[k]["纬度"]) for k in pick])
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    return np.column_stack([wlon, wlat])


def test_demo_roads_are_one_component(demo: DemoFiles) -> None:
    """The demo township's roads load as one connected network."""
    net = RoadNetwork.from_file(demo.roads)
    assert net.components == 1
    assert net.num_edges == demo.counts["road_features"]
    assert 100 <= net.length_km <= 400


@pytest.mark.parametrize("mode", ["walk", "ebike", "car"])
def test_demo_matrix_of_households(demo: DemoFiles, mode: str) -> None:
    """50 households: finite, no fallback, near the roads, lines match distances."""
    net = RoadNetwork.from_file(demo.roads)
    pts = demo_households(demo, 50, seed=3)
    m = net.matrix(pts, mode=mode)
    assert m.fallback_pairs == 0
    assert np.isfinite(m.distance_m).all() and (np.diag(m.distance_m) == 0).all()
    assert float(np.median(m.snap_m)) < 100.0
    straight = StraightLine(1.0).matrix(pts).distance_m
    assert (m.distance_m >= straight * (1 - 1e-9) - 1e-6).all()
    assert utm_length(m.line(0, 1)) == pytest.approx(m.distance_m[0, 1], rel=0.01)
    t = m.duration_s(SPEEDS_KMH[mode])
    assert (t >= m.distance_m * 3.6 / SPEEDS_KMH[mode] - 1e-6).all()
