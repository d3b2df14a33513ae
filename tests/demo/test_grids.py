"""Tests of the demo's grid tiling helpers (zoufang.demo.grids) on hand-built grids."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Polygon

from zoufang.demo.grids import Grids


@pytest.fixture
def two_squares() -> Grids:
    """Three hand-built grids, metres; none of them is the invalid one.

    Two 100 m squares side by side share the edge x = 100; a third square of another
    place overlaps the second on 150 <= x <= 200, 50 <= y <= 100.
    """
    rings = [np.array([[0, 0], [100, 0], [100, 100], [0, 100]], dtype=float),
             np.array([[100, 0], [200, 0], [200, 100], [100, 100]], dtype=float),
             np.array([[150, 50], [250, 50], [250, 150], [150, 150]], dtype=float)]
    grids = Grids(rings=rings, place=[0, 0, 4], number=[1, 2, 1], gap=Polygon(),
                  overlap=Polygon(), gap_pair=(0, 1), overlap_pair=(1, 2), invalid=-1,
                  bowtie=np.zeros(2))
    grids.finish()
    return grids


@pytest.mark.parametrize(("xy", "expected"), [
    ((50.0, 50.0), 0),     # well inside the first square
    ((125.0, 50.0), 1),    # well inside the second
    ((98.0, 50.0), -1),    # 2 m from the shared edge: closer than the 3 m margin
    ((96.0, 50.0), 0),     # 4 m from it
    ((300.0, 50.0), -1),   # in no grid
    ((225.0, 125.0), 2),   # in the third square only
    ((175.0, 75.0), -1),   # in the overlap of the second and the third
])
def test_locate_wants_one_grid_and_the_margin(two_squares: Grids, xy: tuple[float, float],
                                              expected: int) -> None:
    """A point is located only if it is in one grid and at least 3 m from every edge."""
    assert two_squares.locate(np.array([xy])).tolist() == [expected]


def test_locate_with_a_smaller_margin(two_squares: Grids) -> None:
    """With a 1 m margin the point 2 m from the shared edge is located."""
    assert two_squares.locate(np.array([[98.0, 50.0]]), margin=1.0).tolist() == [0]


def test_code_numbers_grids_by_place_and_number(two_squares: Grids) -> None:
    """编号 is G + the place's number (from 1, two digits) + - + the grid's number."""
    assert [two_squares.code(g) for g in range(3)] == ["G01-1", "G01-2", "G05-1"]
