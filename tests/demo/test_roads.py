"""Tests of the noding of the demo's road network (zoufang.demo.roads)."""

from __future__ import annotations

import numpy as np
import pytest

from zoufang.demo.roads import Road, count_components, node


def _road(*pts: tuple[float, float], name: str = "r") -> Road:
    return Road(np.asarray(pts, dtype=float), name, "residential")


def _ends(roads: list[Road]) -> list[tuple[str, str]]:
    return [(f"{r.coords[0][0]:.3f},{r.coords[0][1]:.3f}",
             f"{r.coords[-1][0]:.3f},{r.coords[-1][1]:.3f}") for r in roads]


def test_a_crossing_splits_both_roads_at_one_shared_vertex() -> None:
    """Two roads crossing at (5, 0) become four pieces that all end there."""
    pieces = node([_road((0, 0), (10, 0), name="a"), _road((5, -5), (5, 5), name="b")])
    assert [p.name for p in pieces] == ["a", "a", "b", "b"]
    ends = {tuple(p.coords[0]) for p in pieces} | {tuple(p.coords[-1]) for p in pieces}
    assert (5.0, 0.0) in ends
    assert sum(float(np.hypot(*np.diff(p.coords, axis=0).T).sum()) for p in pieces) == 20.0
    assert count_components(_ends(pieces)) == 1


def test_a_t_junction_splits_the_road_it_ends_on() -> None:
    """A lane ending within 1 cm of a street splits the street; the lane stays whole."""
    street = _road((0, 0), (10, 0), name="street")
    lane = _road((4, 0.004), (4, 6), name="lane")
    pieces = node([street, lane])
    assert [p.name for p in pieces] == ["street", "street", "lane"]
    assert tuple(pieces[0].coords[-1]) == tuple(pieces[2].coords[0])
    assert count_components(_ends(pieces)) == 1


def test_roads_that_overlap_along_a_stretch_are_refused() -> None:
    """Two roads sharing a stretch cannot be noded at points: an error names them."""
    with pytest.raises(RuntimeError, match="a and b overlap"):
        node([_road((0, 0), (10, 0), name="a"), _road((5, 0), (15, 0), name="b")])


def test_count_components_of_separate_lines() -> None:
    """Lines that share no end vertex are separate components."""
    assert count_components([("a", "b"), ("b", "c"), ("x", "y")]) == 2
    assert count_components([]) == 0
