"""Tests of the independent visit-area checker: it catches hand-broken plans.

Instance: 3 x 3 square grids of 1 km (grid ``g`` at column ``g % 3``, row ``g // 3``),
16 households of 20 min in each on a 4 x 4 lattice, 3 cadres of 1,200 min. The good plan
gives cadre ``Ci`` column ``i`` (grids i, i+3, i+6): 960 min each, no split grid.
Plans are plain namespaces, so the checker is tested without the planner.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from zoufang.planner.areas import AreaProblem, CadreSpec, GridSpec, Lock, Targets, rule_bits
from zoufang.planner.areas.check import check_area_plan


def problem(rules: np.ndarray | None = None, ranks: tuple[int, int, int] = (1, 1, 1),
            capacity: float = 1200.0) -> AreaProblem:
    """Build the 3 x 3 instance described in the module docstring."""
    xs, ys, gs = [], [], []
    for gi in range(9):
        r, c = divmod(gi, 3)
        for i in range(4):
            for j in range(4):
                xs.append(c * 1000 + 125 + 250 * i)
                ys.append(r * 1000 + 125 + 250 * j)
                gs.append(gi)
    grids = []
    for gi in range(9):
        r, c = divmod(gi, 3)
        nb = [r2 * 3 + c2 for r2, c2 in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
              if 0 <= r2 < 3 and 0 <= c2 < 3]
        grids.append(GridSpec(f"G{gi}", tuple(nb)))
    t = Targets(xs, ys, gs, np.full(len(xs), 20.0), rules=rules)
    cad = tuple(CadreSpec(f"C{i}", capacity, 500.0 + 1000 * i, 1500.0, ranks[i]) for i in range(3))
    return AreaProblem(t, tuple(grids), cad)


def columns(p: AreaProblem) -> list[list[int]]:
    """Target lists of the good plan: column i for cadre i."""
    g = p.targets.grid
    return [np.flatnonzero(g % 3 == i).tolist() for i in range(3)]


def plan_of(lists: list[list[int]], ids: tuple[str, ...] = ("C0", "C1", "C2"),
            visits: tuple = (), shortfall: object = None) -> SimpleNamespace:
    """Build a plan-like object with the fields the checker reads."""
    return SimpleNamespace(
        areas=[SimpleNamespace(cadre_id=c, targets=np.array(ts, dtype=np.int64))
               for c, ts in zip(ids, lists, strict=True)],
        mustgo=[SimpleNamespace(visits=list(visits))],
        shortfall=shortfall)


def test_good_plan_has_no_violation_and_exact_figures() -> None:
    """The column plan is clean: balance 0, contiguous, no split, commute by hand."""
    p = problem()
    chk = check_area_plan(p, plan_of(columns(p)))
    assert chk.ok, chk.violations
    assert chk.balance_max == pytest.approx(0.0) and chk.contiguous_pct == 100.0
    assert chk.split_grids == 0 and chk.covered_pct == 100.0
    # each column's mean point is (500 + 1000 i, 1500): the cadres sit on it
    assert chk.commute_mean_m == pytest.approx(0.0) and chk.commute_max_m == pytest.approx(0.0)


def test_non_contiguous_area_is_caught() -> None:
    """Swapping a corner grid between two columns leaves both areas in two pieces."""
    p = problem()
    cols = columns(p)
    g = p.targets.grid
    g0 = np.flatnonzero(g == 0).tolist()
    g2 = np.flatnonzero(g == 2).tolist()
    cols[0] = [i for i in cols[0] if i not in g0] + g2
    cols[2] = [i for i in cols[2] if i not in g2] + g0
    chk = check_area_plan(p, plan_of(cols))
    assert any("C0" in v and "connected" in v for v in chk.violations)
    assert any("C2" in v and "connected" in v for v in chk.violations)
    assert chk.contiguous_pct == pytest.approx(100 / 3)


def test_disconnected_part_of_a_split_grid_is_caught() -> None:
    """Inside a split grid, an area's targets must touch: two far corners do not."""
    p = problem()
    cols = columns(p)
    g1 = np.flatnonzero(p.targets.grid == 1)
    x, y = p.targets.x[g1], p.targets.y[g1]
    corners = g1[((x == 1125) & (y == 125)) | ((x == 1875) & (y == 875))].tolist()
    cols[1] = [i for i in cols[1] if i not in corners]
    cols[0] = cols[0] + corners  # C0 takes two opposite corners of grid 1
    chk = check_area_plan(p, plan_of(cols), tolerance=0.5)
    assert chk.split_grids == 1
    assert any("C0" in v and "connected" in v for v in chk.violations)


def test_adjacent_part_of_a_split_grid_is_fine() -> None:
    """Taking the column of grid 1 next to grid 0 keeps C0 in one piece."""
    p = problem()
    cols = columns(p)
    g1 = np.flatnonzero(p.targets.grid == 1)
    edge = g1[p.targets.x[g1] == 1125].tolist()
    cols[1] = [i for i in cols[1] if i not in edge]
    cols[0] = cols[0] + edge
    chk = check_area_plan(p, plan_of(cols), tolerance=0.5)
    assert chk.ok, chk.violations
    assert chk.split_grids == 1


def test_target_in_two_areas_and_in_none_are_caught() -> None:
    """A target listed twice and a target never listed are both violations."""
    p = problem()
    cols = columns(p)
    cols[1] = cols[1] + [cols[0][0]]
    lost = cols[2].pop()
    chk = check_area_plan(p, plan_of(cols))
    assert any("more than one area" in v for v in chk.violations)
    assert any("in no area" in v and str(lost) in v for v in chk.violations)
    assert chk.covered_pct < 100.0


def test_areas_and_cadres_must_be_one_to_one() -> None:
    """Two areas for one cadre, one cadre without area, an unknown cadre: all caught."""
    p = problem()
    chk = check_area_plan(p, plan_of(columns(p), ids=("C0", "C0", "X")))
    text = " | ".join(chk.violations)
    assert "two areas" in text and "no area" in text and "unknown cadre 'X'" in text


def test_wrong_rank_for_a_must_go_target_is_caught() -> None:
    """A listed enterprise visited by a clerk breaks the 副处级 rule; a leader fixes it."""
    listed = np.zeros(144, dtype=bool)
    listed[5] = True
    p = problem(rules=rule_bits(listed_enterprise=listed), ranks=(1, 1, 4))
    by_clerk = SimpleNamespace(rule="listed_enterprise", cadre_id="C0", target=5, village="")
    chk = check_area_plan(p, plan_of(columns(p), visits=(by_clerk,)), tolerance=0.5)
    assert any("listed_enterprise" in v and "lower rank" in v for v in chk.violations)
    assert chk.mustgo["listed_enterprise"] == (1, 0)
    by_leader = SimpleNamespace(rule="listed_enterprise", cadre_id="C2", target=5, village="")
    chk = check_area_plan(p, plan_of(columns(p), visits=(by_leader,)), tolerance=0.5)
    assert chk.ok, chk.violations
    assert chk.mustgo["listed_enterprise"] == (1, 1)


def test_missing_must_go_visit_is_caught() -> None:
    """A registered poor household nobody visits is a violation."""
    poor = np.zeros(144, dtype=bool)
    poor[7] = True
    p = problem(rules=rule_bits(poor_registered=poor))
    chk = check_area_plan(p, plan_of(columns(p)))
    assert any("poor_registered: 1 of 1" in v for v in chk.violations)


def test_unbalanced_and_over_capacity_are_caught() -> None:
    """A grid moved between columns unbalances them; too few hours need a declared shortfall."""
    p = problem(capacity=800.0)  # 2,400 min for 2,880 min of work
    chk = check_area_plan(p, plan_of(columns(p)))
    assert any("declares no shortfall" in v for v in chk.violations)
    declared = SimpleNamespace(minutes_missing=480.0)
    assert check_area_plan(p, plan_of(columns(p), shortfall=declared)).ok
    p = problem()
    cols = columns(p)
    g6 = np.flatnonzero(p.targets.grid == 6).tolist()
    cols[0] = [i for i in cols[0] if i not in g6]
    cols[1] = cols[1] + g6
    chk = check_area_plan(p, plan_of(cols))
    assert any("outside +-10%" in v for v in chk.violations)
    assert chk.balance_max == pytest.approx(1 / 3)


def test_locked_pairs_and_churn() -> None:
    """A locked area that lost a target is caught; churn counts unlocked targets only."""
    p = problem()
    cols = columns(p)
    prev = [None] * 144
    for c, ts in enumerate(cols):
        for i in ts:
            prev[i] = f"C{c}"
    p = replace(p, previous=tuple(prev), locks=(Lock("C0"),))
    moved = cols[0].pop()  # C0's locked target goes to C1
    cols[1].append(moved)
    other = cols[2].pop()  # and one of C2's to C1: churn
    cols[1].append(other)
    chk = check_area_plan(p, plan_of(cols), tolerance=0.5)
    assert any("locked area of 'C0' changed: 1 targets left" in v for v in chk.violations)
    assert chk.locked_kept_pct == pytest.approx(100 * 47 / 48)
    assert chk.kept_pct == pytest.approx(100 * 95 / 96)
