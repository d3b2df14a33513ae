"""Property tests of the area planner on small random instances (Hypothesis).

An instance is a block of ``rows x cols`` square grids of 500 m (rook adjacency, one to
three rows of two to four grids), each holding one to five targets at random points, and
one to four cadres with random capacities and bases. Whatever the draw, the independent
checker (:func:`zoufang.planner.areas.check.check_area_plan`) must find every target in
exactly one area, one area per cadre and every area in one connected piece. Balance is
not asserted: a handful of targets cannot always be split evenly.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoufang.planner.areas import (
    AreaProblem,
    AreaSolution,
    CadreSpec,
    GridSpec,
    Targets,
    plan_areas,
)
from zoufang.planner.areas.check import check_area_plan

SIZE = 500.0


@st.composite
def instances(draw: st.DrawFn) -> AreaProblem:
    """A random block of grids with targets inside each and a few cadres."""
    rows = draw(st.integers(1, 3))
    cols = draw(st.integers(2, 4))
    frac = st.floats(0.05, 0.95)
    xs: list[float] = []
    ys: list[float] = []
    gs: list[int] = []
    grids = []
    for gi in range(rows * cols):
        r, c = divmod(gi, cols)
        for _ in range(draw(st.integers(1, 5))):
            xs.append((c + draw(frac)) * SIZE)
            ys.append((r + draw(frac)) * SIZE)
            gs.append(gi)
        nb = tuple(r2 * cols + c2 for r2, c2 in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
                   if 0 <= r2 < rows and 0 <= c2 < cols)
        grids.append(GridSpec(f"G{gi}", nb))
    k = draw(st.integers(1, min(4, len(xs))))
    minutes = draw(st.lists(st.sampled_from([15.0, 20.0, 40.0]), min_size=len(xs),
                            max_size=len(xs)))
    cadres = tuple(CadreSpec(f"C{i}", draw(st.floats(200.0, 1500.0)),
                             draw(frac) * cols * SIZE, draw(frac) * rows * SIZE, 1)
                   for i in range(k))
    return AreaProblem(Targets(xs, ys, gs, minutes), tuple(grids), cadres)


def _area_of(plan: AreaSolution, n: int) -> np.ndarray:
    """How many areas list each target."""
    count = np.zeros(n, dtype=np.int64)
    for area in plan.areas:
        np.add.at(count, np.asarray(area.targets, dtype=np.int64), 1)
    return count


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.integers(0, 3))
def test_every_target_in_one_contiguous_area(problem: AreaProblem, seed: int) -> None:
    """Each target is in exactly one area, each cadre has one area, each area is one piece."""
    plan = plan_areas(problem, time_limit_s=5.0, seed=seed)
    n = len(problem.targets)
    assert (_area_of(plan, n) == 1).all()
    assert [a.cadre_id for a in plan.areas] == [c.id for c in problem.cadres]
    chk = check_area_plan(problem, plan)
    # every rule but balance: coverage, one to one, contiguity, capacity vs. shortfall
    others = [v for v in chk.violations if "of their capacity share" not in v]
    assert not others, others
    assert chk.covered_pct == 100.0 and chk.contiguous_pct == 100.0
    assert all(a.contiguous for a in plan.areas)
