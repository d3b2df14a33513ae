"""Tests of the visit-area planner (走访区域): plan_areas on instances with known answers.

The instances are built inline:

- ``nine_squares``: 3 x 3 square grids of 1 km, 16 households (20 min) on a 4 x 4 lattice
  in each, 3 cadres of 1,200 min with bases in the middle row. Workload 2,880 min, so
  each cadre's share is 960 min = exactly three whole grids: the known answer has no
  split grid and zero imbalance.
- ``six_by_six``: 6 x 6 grids of 500 m with 9 targets each and 12 cadres, big enough
  for re-planning to have neighbours to lean on.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from zoufang.planner.areas import (
    AreaInputError,
    AreaProblem,
    CadreSpec,
    GridSpec,
    InfeasibleAreasError,
    Lock,
    Targets,
    plan_areas,
    rule_bits,
)
from zoufang.planner.areas.check import check_area_plan


def squares(n: int, size: float, per_side: int, minutes: float = 20.0,
            rules: np.ndarray | None = None) -> tuple[Targets, tuple[GridSpec, ...]]:
    """``n`` x ``n`` square grids of ``size`` metres with a lattice of targets in each."""
    xs, ys, gs = [], [], []
    step = size / per_side
    for gy in range(n):
        for gx in range(n):
            for i in range(per_side):
                for j in range(per_side):
                    xs.append(gx * size + step / 2 + i * step)
                    ys.append(gy * size + step / 2 + j * step)
                    gs.append(gy * n + gx)
    grids = []
    for gi in range(n * n):
        r, c = divmod(gi, n)
        nb = [r2 * n + c2 for r2, c2 in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
              if 0 <= r2 < n and 0 <= c2 < n]
        grids.append(GridSpec(f"G{gi}", tuple(nb), village=f"V{gi}"))
    return Targets(xs, ys, gs, np.full(len(xs), minutes), rules=rules), tuple(grids)


def nine_squares(**cadre_kw: object) -> AreaProblem:
    """Build the 3 x 3 instance with a known answer (see the module docstring)."""
    t, grids = squares(3, 1000.0, 4)
    cad = tuple(CadreSpec(f"C{i}", 1200.0, 500.0 + 1000.0 * i, 1500.0, 1, **cadre_kw)
                for i in range(3))
    return AreaProblem(t, grids, cad)


def six_by_six() -> AreaProblem:
    """36 grids x 9 targets, 12 cadres with bases spread over the territory."""
    t, grids = squares(6, 500.0, 3, minutes=20.0)
    t = Targets(t.x, t.y, t.grid, np.full(len(t.x), 20.0))
    rng = np.random.default_rng(3)
    bases = rng.uniform(0, 3000, size=(12, 2))
    cad = tuple(CadreSpec(f"C{i:02d}", 700.0, float(b[0]), float(b[1]), 1)
                for i, b in enumerate(bases))
    return AreaProblem(t, grids, cad)


def test_nine_squares_known_answer() -> None:
    """Each cadre gets three whole grids: no split, zero imbalance, contiguous, checked."""
    problem = nine_squares()
    plan = plan_areas(problem, time_limit_s=10, seed=0)
    assert [len(a.grids) for a in plan.areas] == [3, 3, 3]
    assert all(a.split_grids == () for a in plan.areas)
    assert all(abs(a.balance) < 1e-9 for a in plan.areas)
    assert all(a.load_min == pytest.approx(960.0) for a in plan.areas)
    assert plan.is_feasible() and plan.shortfall is None
    chk = check_area_plan(problem, plan)
    assert chk.ok, chk.violations
    assert chk.split_grids == 0 and chk.contiguous_pct == 100.0
    assert sorted(np.concatenate([a.targets for a in plan.areas]).tolist()) == list(range(144))


def test_same_seed_same_plan() -> None:
    """A solve is reproducible: the same seed gives the same areas."""
    problem = six_by_six()
    a = plan_areas(problem, time_limit_s=10, seed=7)
    b = plan_areas(problem, time_limit_s=10, seed=7)
    assert np.array_equal(a.target_area, b.target_area)


def test_six_by_six_balanced_and_contiguous() -> None:
    """12 areas over 36 grids are within 5 % of their shares and each in one piece."""
    problem = six_by_six()
    plan = plan_areas(problem, time_limit_s=10)
    chk = check_area_plan(problem, plan, tolerance=0.05)
    assert chk.ok, chk.violations
    assert chk.balance_max <= 0.05
    assert "12 areas for 324 targets" in plan.summary()


def test_locked_targets_stay_with_their_cadre() -> None:
    """Targets locked to a cadre end in that cadre's area in a fresh plan."""
    problem = nine_squares()
    far = [i for i in range(144) if problem.targets.grid[i] == 8][:5]  # far corner grid
    problem = replace(problem, locks=(Lock("C0", frozenset(far)),))
    plan = plan_areas(problem, time_limit_s=10)
    area = plan.area_of("C0")
    assert set(far) <= set(area.targets.tolist())
    assert area.locked
    chk = check_area_plan(problem, plan)
    assert chk.locked_kept_pct == 100.0
    assert chk.contiguous_pct == 100.0, chk.violations


def test_replan_after_a_cadre_leaves_keeps_most_pairs() -> None:
    """One cadre leaves, 20 households join: locked areas unchanged, low churn, checked."""
    problem = six_by_six()
    first = plan_areas(problem, time_limit_s=10)
    prev = first.target_cadres()
    t = problem.targets
    rng = np.random.default_rng(0)
    parent = rng.choice(len(t), 20, replace=False)
    t2 = Targets(np.r_[t.x, t.x[parent] + 10.0], np.r_[t.y, t.y[parent] + 7.0],
                 np.r_[t.grid, t.grid[parent]], np.full(len(t) + 20, 20.0))
    gone = "C05"
    keep = tuple(c for c in problem.cadres if c.id != gone)
    locks = (Lock("C00"), Lock("C01"))
    p2 = AreaProblem(t2, problem.grids, keep, locks, tuple(prev) + (None,) * 20)
    plan = plan_areas(p2, time_limit_s=10)
    chk = check_area_plan(p2, plan)
    assert chk.ok, chk.violations
    assert chk.locked_kept_pct == 100.0
    assert plan.churn is not None and plan.churn.kept_share >= 0.8
    assert chk.kept_pct is not None and chk.kept_pct >= 80.0
    old = {i for i, p in enumerate(prev) if p == "C00"}
    assert old <= set(plan.area_of("C00").targets.tolist())


def test_replan_gives_a_new_cadre_an_area() -> None:
    """A cadre who joins after the first plan gets a non-empty, contiguous area."""
    problem = six_by_six()
    prev = plan_areas(problem, time_limit_s=10).target_cadres()
    new = CadreSpec("NEW", 700.0, 1500.0, 1500.0, 1)
    p2 = replace(problem, cadres=problem.cadres + (new,), previous=tuple(prev))
    plan = plan_areas(p2, time_limit_s=10)
    assert len(plan.area_of("NEW").targets) > 0
    chk = check_area_plan(p2, plan)
    assert chk.ok, chk.violations


def test_shortfall_is_reported_not_hidden() -> None:
    """Too few hours: every target is still in an area, and the missing hours are said."""
    problem = nine_squares()
    short = replace(problem, cadres=tuple(replace(c, capacity_min=600.0)
                                          for c in problem.cadres))
    plan = plan_areas(short, time_limit_s=10)
    assert not plan.is_feasible()
    assert plan.shortfall is not None
    assert plan.shortfall.cadre_hours_missing == pytest.approx((2880 - 1800) / 60, rel=1e-6)
    assert plan.shortfall.grids_at_risk
    assert sum(g.minutes_at_risk for g in plan.shortfall.grids_at_risk) == pytest.approx(1080)
    assert "cadre-hours missing" in plan.summary()
    chk = check_area_plan(short, plan)
    assert chk.covered_pct == 100.0 and chk.ok, chk.violations


def test_mustgo_visitors_have_the_required_rank() -> None:
    """Listed enterprises get 副处级+, poor households an organ cadre, weak villages 副处级+."""
    t, grids = squares(3, 1000.0, 4)
    listed = np.zeros(len(t), dtype=bool)
    poor = np.zeros(len(t), dtype=bool)
    listed[[0, 50]] = True
    poor[[10, 20, 30, 100]] = True
    t = replace(t, rules=rule_bits(listed_enterprise=listed, poor_registered=poor))
    grids = tuple(replace(g, tags=frozenset({"weak_village"})) if g.id == "G4" else g
                  for g in grids)
    cad = (CadreSpec("village", 1500.0, 500.0, 500.0, 0), CadreSpec("clerk", 1500.0, 1500.0, 1500.0, 1),
           CadreSpec("leader", 1500.0, 2500.0, 2500.0, 4))
    problem = AreaProblem(t, grids, cad)
    plan = plan_areas(problem, time_limit_s=10)
    cover = {m.rule: m for m in plan.mustgo}
    assert cover["listed_enterprise"].by_cadre == {"leader": 2}
    assert cover["weak_village"].by_cadre == {"leader": 1}
    assert cover["poor_registered"].n_covered == 4
    assert "village" not in cover["poor_registered"].by_cadre
    assert plan.area_of("leader").mustgo_min > 0
    chk = check_area_plan(problem, plan)
    assert chk.ok, chk.violations
    assert chk.mustgo["listed_enterprise"] == (2, 2)


def test_mustgo_quota_is_kept() -> None:
    """With a quota of one must-go visit each, two poor households go to two cadres."""
    t, grids = squares(3, 1000.0, 4)
    poor = np.zeros(len(t), dtype=bool)
    poor[[0, 1]] = True
    t = replace(t, rules=rule_bits(poor_registered=poor))
    cad = tuple(CadreSpec(f"C{i}", 1200.0, 0.0, 0.0, 1, mustgo_quota=1) for i in range(3))
    plan = plan_areas(AreaProblem(t, grids, cad), time_limit_s=10)
    by = {m.rule: m for m in plan.mustgo}["poor_registered"].by_cadre
    assert sorted(by.values()) == [1, 1]


@pytest.mark.parametrize(
    ("make", "pattern", "error"),
    [
        (lambda p: replace(p, cadres=()), "No visiting cadres", AreaInputError),
        (lambda p: replace(p, cadres=p.cadres[:2] + (CadreSpec("Z", 0.0, 0.0, 0.0, 1),)),
         "zero hours", AreaInputError),
        (lambda p: replace(p, locks=(Lock("nobody", frozenset({1})),)), "not among the cadres",
         AreaInputError),
        (lambda p: replace(p, locks=(Lock("C0"),)), "no previous plan", AreaInputError),
    ],
    ids=["no-cadres", "zero-hours", "unknown-lock", "lock-without-previous"],
)
def test_bad_inputs_give_clear_messages(make, pattern, error) -> None:
    """Invalid problems are refused with a message naming the rule, never a traceback."""
    with pytest.raises(error, match=pattern):
        make(nine_squares())


def test_more_cadres_than_targets_is_refused() -> None:
    """Every cadre needs an area of at least one target."""
    t = Targets([0.0, 1.0], [0.0, 1.0], [0, 0], [20.0, 20.0])
    cad = tuple(CadreSpec(f"C{i}", 100.0, 0.0, 0.0, 1) for i in range(3))
    with pytest.raises(AreaInputError, match="2 targets for 3 cadres"):
        AreaProblem(t, (GridSpec("G"),), cad)


def test_mustgo_beyond_eligible_capacity_is_infeasible() -> None:
    """More listed enterprises than the only 副处级 cadre can visit: a clear refusal."""
    t, grids = squares(3, 1000.0, 4)
    listed = np.zeros(len(t), dtype=bool)
    listed[:40] = True
    t = replace(t, rules=rule_bits(listed_enterprise=listed))
    cad = (CadreSpec("leader", 300.0, 0.0, 0.0, 4), CadreSpec("clerk", 1500.0, 0.0, 0.0, 1))
    with pytest.raises(InfeasibleAreasError, match=r"rank >= deputy_division .* can give"):
        plan_areas(AreaProblem(t, grids, cad), time_limit_s=10)


def test_mustgo_without_any_eligible_rank_is_infeasible() -> None:
    """A weak village and nobody of 副处级 or above: refused, naming the rank."""
    t, grids = squares(3, 1000.0, 4)
    grids = (replace(grids[0], tags=frozenset({"weak_village"})),) + grids[1:]
    cad = tuple(CadreSpec(f"C{i}", 1200.0, 0.0, 0.0, 1) for i in range(3))
    with pytest.raises(InfeasibleAreasError, match="no cadre has that rank"):
        plan_areas(AreaProblem(t, grids, cad), time_limit_s=10)
