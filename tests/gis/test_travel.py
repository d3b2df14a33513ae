"""Tests of zoufang.gis.travel: the travel matrix and the straight-line model.

Points are built inline near the demo township (116.6° E, 37.4° N) on a lattice of
D = 0.001°; expected lengths use the ellipsoid's metres per degree (``_m_per_deg``, to
0.1 %: distances are measured in UTM, whose scale is 0.9996–1.0004). The road network,
the other travel model, is tested in ``test_roads.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zoufang.gis.travel import MODES, SPEEDS_KMH, StraightLine, TravelMatrix, TravelModel

X0, Y0, D = 116.6, 37.4, 0.001


def _m_per_deg(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude at ``lat`` (WGS-84 ellipsoid)."""
    a, e2 = 6378137.0, 0.00669437999014
    s2 = math.sin(math.radians(lat)) ** 2
    kx = math.pi / 180 * a * math.cos(math.radians(lat)) / math.sqrt(1 - e2 * s2)
    ky = math.pi / 180 * a * (1 - e2) / (1 - e2 * s2) ** 1.5
    return kx, ky


def node(i: float, j: float) -> tuple[float, float]:
    """Lattice point ``(i, j)`` in units of D from (X0, Y0), as (lon, lat)."""
    return (round(X0 + i * D, 9), round(Y0 + j * D, 9))


def test_duration_rounds_up_without_float_noise() -> None:
    """450 m at 4.5 km/h is exactly 360 s; 451 m is 361 s; the diagonal stays 0."""
    pts = np.array([node(0, 0), node(1, 0)])
    m = TravelMatrix(points=pts, distance_m=np.array([[0.0, 450.0], [451.0, 0.0]]),
                     snap_m=np.zeros(2), source="test")
    np.testing.assert_array_equal(m.duration_s(SPEEDS_KMH["walk"]), [[0, 360], [361, 0]])
    assert m.duration_s(30.0).dtype == np.int64
    with pytest.raises(ValueError, match="speed_kmh"):
        m.duration_s(0)


def test_travel_matrix_checks_shapes() -> None:
    """A matrix whose arrays disagree in size is refused with the broken rule."""
    with pytest.raises(ValueError, match=r"distance_m of shape \(2, 2\)"):
        TravelMatrix(points=np.zeros((2, 2)), distance_m=np.zeros((3, 3)),
                     snap_m=np.zeros(2), source="x")


def test_straight_line_distance_and_line() -> None:
    """Straight distance × detour, symmetric, zero diagonal, line = [p_i, p_j]."""
    pts = np.array([node(0, 0), node(3, 4)])
    kx, ky = _m_per_deg(Y0 + 2 * D)
    m = StraightLine().matrix(pts)
    assert m.source == "straight×1.3"
    assert m.distance_m[0, 1] == pytest.approx(1.3 * math.hypot(3 * D * kx, 4 * D * ky),
                                               rel=1e-3)
    assert m.distance_m[0, 1] == m.distance_m[1, 0]
    assert m.distance_m[0, 0] == 0 and m.fallback_pairs == 0
    np.testing.assert_array_equal(m.snap_m, [0.0, 0.0])
    assert m.line(0, 1) == [node(0, 0), node(3, 4)]
    assert StraightLine(1.0).matrix(pts).distance_m[0, 1] == pytest.approx(
        m.distance_m[0, 1] / 1.3)
    with pytest.raises(ValueError, match="detour >= 1"):
        StraightLine(0.5)


def test_straight_line_modes() -> None:
    """Every mode is accepted and recorded without changing distances; others refused."""
    pts = np.array([node(0, 0), node(2, 1)])
    walk = StraightLine().matrix(pts, "walk")
    assert isinstance(StraightLine(), TravelModel)
    for mode in MODES:
        m = StraightLine().matrix(pts, mode)
        assert m.mode == mode
        np.testing.assert_array_equal(m.distance_m, walk.distance_m)
    with pytest.raises(ValueError, match="'bus'.*walk"):
        StraightLine().matrix(pts, "bus")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(-500, 500), st.integers(-500, 500)),
                min_size=1, max_size=8),
       st.floats(1.0, 2.0))
def test_straight_line_is_a_scaled_metric(cells: list[tuple[int, int]], detour: float) -> None:
    """On any few points: symmetric, zero diagonal, triangle inequality, linear in detour."""
    pts = np.array([node(i, j) for i, j in cells])
    base = StraightLine(1.0).matrix(pts).distance_m
    m = StraightLine(detour).matrix(pts).distance_m
    n = len(pts)
    np.testing.assert_allclose(m, m.T)
    np.testing.assert_array_equal(np.diag(m), np.zeros(n))
    np.testing.assert_allclose(m, base * detour, rtol=1e-12, atol=1e-9)
    via = base[:, :, None] + base[None, :, :]  # i -> j -> k
    assert (base[:, None, :] <= via + 1e-6).all()
