"""The area planner's entry points: :func:`plan_areas` and :func:`plan_from_labels`.

:func:`plan_areas` cuts the targets into one contiguous visit area per visitor, balanced
against the visitors' capacity shares, and pairs areas and visitors; it re-plans from a
previous plan with as little change as possible. :func:`plan_from_labels` wraps another
method's labels in the same result, for benchmarks. Coordinates are metres in the
problem's metric CRS; workloads and capacities are minutes.

Method (measured in ``benchmarks/bench_areas.py``)
--------------------------------------------------
1. Must-go visits are assigned by CP-SAT (eligible rank, distance from base, per-cadre
   limits); their minutes are taken off each visitor's area budget.
2. Capacity share of visitor *c*: ``capacity_c * total workload / total capacity``.
3. Targets at one spot in one grid form a *site* (an apartment block is cut into chunks
   of at most 2 % of a median share); sites are linked by Delaunay edges inside a grid
   and across the shared border of adjacent grids. Contiguity means: the grids of an
   area are connected through grid adjacency, and its part of a split grid is connected
   in that grid's Delaunay triangulation.
4. Fresh plan: a grid of load q capacity shares gets floor(q) seeds (k-means inside
   the grid), the other seeds are spread by k-means over the remainders; seeds are
   paired with visitors by base distance, and a capacitated transportation problem
   (OR-Tools min-cost flow, a penalty for leaving the seed's grid) assigns whole small
   grids (those that fit the largest budget) and the sites of big grids; a few Lloyd
   steps. Disconnected bits are re-absorbed by neighbouring areas.
5. Balance: a min-cost flow over the area adjacency graph says how many minutes each
   area passes to each neighbour; boundary sites are moved one by one, each move keeping
   both areas connected (articulation test), preferring moves that create no new split.
6. Pairing: an exact assignment (OR-Tools linear-sum assignment) re-pairs areas and
   visitors to shorten commutes among pairs whose load fits; a last balancing pass.
7. Re-plan: sites keep their previous visitor; new targets join the area around them,
   sites of visitors who left go to the least loaded neighbours; an area that a new
   target cut in two takes the new targets between its parts; a locked area keeps all
   its targets and takes only new ones; then the flow moves the fewest minutes
   needed to bring every unlocked area into the (wider) re-plan band, moving first the
   sites whose move costs no churn.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zoufang import _errors
from zoufang.planner.areas._construct import construct, pair, place_stuck, relabel, seed_empty
from zoufang.planner.areas._graph import SiteGraph
from zoufang.planner.areas._mustgo import MustGoItem, assign_mustgo, mustgo_items
from zoufang.planner.areas._state import Partition
from zoufang.planner.areas.model import (
    MUSTGO_RULES,
    RULE_MIN_LEVEL,
    AreaInputError,
    AreaProblem,
    AreaSolution,
    Churn,
    GridRisk,
    MustGoCoverage,
    MustGoVisit,
    PlannedArea,
    Shortfall,
)

__all__ = ["plan_areas", "plan_from_labels"]


def plan_areas(problem: AreaProblem, *, time_limit_s: float = 60.0, seed: int = 0,
               tolerance: float = 0.02, replan_tolerance: float = 0.05,
               mustgo_max_fraction: float = 0.5) -> AreaSolution:
    """Cut the targets into one contiguous visit area per cadre and pair them.

    Parameters
    ----------
    problem
        The plain-data problem (metres, minutes).
    time_limit_s
        Wall-clock budget in seconds; the construction and balancing stop early when it
        runs out (the plan is still complete, only less balanced).
    seed
        Seed of every random choice and of CP-SAT; the same seed gives the same plan.
    tolerance
        Balancing band of a fresh plan: aim at every area within ``share * (1 +- tol)``.
    replan_tolerance
        Band of a re-plan (``problem.previous`` given): areas already inside it are left
        alone, so that as few targets as possible change visitor.
    mustgo_max_fraction
        At most this fraction of a visitor's capacity share goes to must-go visits.

    Returns
    -------
    AreaSolution
        Areas (area ``k`` belongs to ``problem.cadres[k]``), must-go coverage, the
        shortfall when capacity < workload, and churn against the previous plan.

    Raises
    ------
    AreaInputError
        For bad options (a valid :class:`AreaProblem` has been checked already).
    InfeasibleAreasError
        (an ``AreaInputError``) when the must-go visits cannot be covered by cadres of
        the required rank within their hours and quotas; the message names the rule,
        the rank and the minutes missing. A lack of hours for the whole workload is not
        an error: the plan carries a :class:`Shortfall`.
    """
    if not time_limit_s > 0:
        raise AreaInputError("plan_areas refused", [_errors.problem(
            "plan_areas", "Expected time_limit_s > 0.", "time_limit_s", time_limit_s)])
    if not 0 < tolerance < 1 or not 0 < replan_tolerance < 1:
        raise AreaInputError("plan_areas refused", [_errors.problem(
            "plan_areas", "Expected tolerances in (0, 1).", "tolerance",
            (tolerance, replan_tolerance))])
    if not 0 <= mustgo_max_fraction <= 1:
        raise AreaInputError("plan_areas refused", [_errors.problem(
            "plan_areas", "Expected mustgo_max_fraction in [0, 1].", "mustgo_max_fraction",
            mustgo_max_fraction)])
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    rng = np.random.default_rng(seed)
    warnings: list[str] = []
    cad = problem.cadres
    k = len(cad)
    tgt = problem.targets
    cidx = problem.cadre_index
    cap = np.array([c.capacity_min for c in cad])
    work = tgt.workload_min

    # must-go layer and capacity shares
    items = mustgo_items(problem, warnings)
    w_mg = sum(it.minutes for it in items)
    ratio = (float(work.sum()) + w_mg) / float(cap.sum())
    share = cap * ratio
    mg_cadre = assign_mustgo(problem, items, mustgo_max_fraction * share, seed=seed,
                             time_limit_s=min(10.0, 0.15 * time_limit_s))
    mg_min = np.zeros(k)
    for it, c in zip(items, mg_cadre, strict=True):
        mg_min[c] += it.minutes
    tau = share - mg_min

    # locks and previous plan
    lock_owner = np.full(len(tgt), -1, dtype=np.int64)
    prev_owner = np.full(len(tgt), -1, dtype=np.int64)
    if problem.previous is not None:  # -1: new target, -2: its cadre left
        prev_owner = np.array([cidx.get(p, -2) if p is not None else -1
                               for p in problem.previous], dtype=np.int64)
    frozen = np.zeros(k, dtype=bool)
    for lk in problem.locks:
        c = cidx[lk.cadre_id]
        if lk.targets is None:
            frozen[c] = True
            lock_owner[prev_owner == c] = c
        else:
            lock_owner[np.fromiter(lk.targets, dtype=np.int64)] = c
    for c in np.flatnonzero(frozen).tolist():
        if not (prev_owner == c).any():
            raise AreaInputError("locks refused", [_errors.problem(
                "locks", "Locked cadre had no area in the previous plan; lock it with target "
                "indices instead.", "cadre_id", cad[c].id)])
    g = SiteGraph(problem, lock_owner, prev_owner, max_site_min=0.02 * float(np.median(tau)))
    movable = g.lock < 0
    frozen_load = np.bincount(g.lock[g.lock >= 0], weights=g.w[g.lock >= 0], minlength=k)
    # frozen areas keep their load; the rest is shared among the others
    rest = float(g.w.sum()) - float(frozen_load[frozen].sum())
    tau_eff = tau.copy()
    tau_eff[frozen] = np.maximum(frozen_load[frozen], 1e-9)
    if (~frozen).any():
        tau_eff[~frozen] = tau[~frozen] * rest / tau[~frozen].sum()
    state = Partition(g, k, np.maximum(tau_eff, 1e-9), frozen, movable)

    stats: dict[str, float] = {}
    if problem.previous is None:
        pinned = np.where(g.lock >= 0, g.lock, -1)
        owner = construct(g, problem, tau_eff, pinned, rng, t0 + 0.4 * time_limit_s)
        for s, a in enumerate(owner.tolist()):
            state.add(s, a)
        stats["construct_s"] = time.perf_counter() - t0
        freed = state.repair()
        stuck = state.grow()
        stats["repaired_sites"] = freed
        place_stuck(state, stuck, warnings)
        seed_empty(state, problem.cadres, warnings)
        state.balance(tolerance, deadline=t0 + 0.7 * time_limit_s)
        perm = pair(state, problem, frozen | (np.bincount(g.lock[g.lock >= 0],
                                                          minlength=k) > 0), tol=tolerance * 1.5)
        if perm is not None and perm != list(range(k)):
            relabel(state, perm)
            stats["repaired_pairs"] = sum(1 for a, c in enumerate(perm) if a != c)
        state.balance(tolerance, deadline=deadline - 0.02 * time_limit_s)
    else:
        state.replan = True
        for s in range(g.n):
            c = int(g.lock[s]) if g.lock[s] >= 0 else int(g.prev[s])
            if c >= 0:
                state.add(s, c)
        seed_empty(state, problem.cadres, warnings)
        state.grow(majority=True)  # new targets join the area around them
        stats["reconnected_sites"] = state.reconnect()
        freed = state.repair()  # links that new targets cut, bits left by a lock
        stuck = state.grow(majority=True, prefer=g.prev.tolist())
        place_stuck(state, stuck, warnings)
        stats["repaired_sites"] = freed
        state.balance(replan_tolerance, deadline=deadline - 0.02 * time_limit_s)
    stats["moves"] = state.moves
    return _finish(problem, state, g, items, mg_cadre, mg_min, share, frozen, lock_owner,
                   warnings, stats, t0)


def _finish(problem: AreaProblem, state: Partition, g: SiteGraph, items: list[MustGoItem],
            mg_cadre: list[int], mg_min: NDArray[np.float64], share: NDArray[np.float64],
            frozen: NDArray[np.bool_], lock_owner: NDArray[np.int64], warnings: list[str],
            stats: dict[str, float], t0: float) -> AreaSolution:
    cad = problem.cadres
    k = len(cad)
    tgt = problem.targets
    owner = np.array(state.owner, dtype=np.int64)
    target_area = owner[g.site_of]
    target_area.setflags(write=False)
    ng = len(problem.grids)
    pairs = np.unique(np.column_stack([tgt.grid, target_area]), axis=0)
    areas_per_grid = np.bincount(pairs[:, 0], minlength=ng)
    order = np.argsort(target_area, kind="stable")
    bounds = np.searchsorted(target_area[order], np.arange(k + 1))
    svc = np.bincount(target_area, weights=tgt.service_min, minlength=k)
    trv = np.bincount(target_area, weights=tgt.travel_min, minlength=k)
    locked_c = set(np.flatnonzero(frozen).tolist()) | set(lock_owner[lock_owner >= 0].tolist())
    areas = []
    for a in range(k):
        idx = order[bounds[a]:bounds[a + 1]].astype(np.int64)
        idx.setflags(write=False)
        grids = tuple(sorted(set(tgt.grid[idx].tolist())))
        split = tuple(gi for gi in grids if areas_per_grid[gi] > 1)
        if len(idx):
            com = math.hypot(tgt.x[idx].mean() - cad[a].base_x, tgt.y[idx].mean() - cad[a].base_y)
        else:
            com = math.nan
        contiguous = bool(len(idx)) and len(state.components(a)) == 1
        areas.append(PlannedArea(a, cad[a].id, idx, grids, split, float(svc[a]), float(trv[a]),
                                 float(mg_min[a]), cad[a].capacity_min, float(share[a]), com,
                                 contiguous, a in locked_c))
    # must-go coverage
    cover = []
    for rule in MUSTGO_RULES:
        visits = []
        for it, c in zip(items, mg_cadre, strict=True):
            if it.rule == rule and c >= 0:
                visits.append(MustGoVisit(rule, cad[c].id, it.target, it.village, it.grid,
                                          it.minutes, math.hypot(it.x - cad[c].base_x,
                                                                 it.y - cad[c].base_y)))
        by: dict[str, int] = {}
        for v in visits:
            by[v.cadre_id] = by.get(v.cadre_id, 0) + 1
        ok = sum(1 for v, c in zip(visits, [cad[problem.cadre_index[v.cadre_id]]
                                            for v in visits], strict=True)
                 if c.rank_level >= RULE_MIN_LEVEL[rule])
        n_items = sum(1 for it in items if it.rule == rule)
        cover.append(MustGoCoverage(rule, RULE_MIN_LEVEL[rule], n_items, ok, by,
                                    tuple(visits)))
    # shortfall
    cap = np.array([c.capacity_min for c in cad])
    total = svc + trv + mg_min
    over = np.maximum(0.0, total - cap)
    shortfall = None
    if over.sum() > 1e-6 and total.sum() > cap.sum():
        risk = np.zeros(ng)
        for a in np.flatnonzero(over).tolist():
            idx = areas[a].targets
            wt = np.bincount(tgt.grid[idx], weights=tgt.workload_min[idx], minlength=ng)
            if wt.sum() > 0:
                risk += over[a] * wt / wt.sum()
        gload = np.bincount(tgt.grid, weights=tgt.workload_min, minlength=ng)
        at_risk = tuple(GridRisk(int(gi), problem.grids[gi].id, float(risk[gi]),
                                 float(risk[gi] / gload[gi]) if gload[gi] else 0.0)
                        for gi in np.argsort(-risk, kind="stable") if risk[gi] > 1e-6)
        shortfall = Shortfall(float(over.sum()), float(total.sum()), float(cap.sum()), at_risk)
    churn = None
    if problem.previous is not None:
        ids = [c.id for c in cad]
        now = [ids[a] for a in target_area]
        idset = set(ids)
        locked_t = lock_owner >= 0
        elig = kept = lk = lk_kept = 0
        for i, p in enumerate(problem.previous):
            if locked_t[i]:
                lk += 1
                lk_kept += now[i] == ids[lock_owner[i]]
            elif p is not None and p in idset:
                elig += 1
                kept += now[i] == p
        churn = Churn(elig, kept, lk, lk_kept)
    bad = [a.cadre_id for a in areas if not a.contiguous]
    if bad:
        warnings.append(f"{len(bad)} areas are not one connected piece: {', '.join(bad[:10])}")
    stats["runtime_s"] = time.perf_counter() - t0
    return AreaSolution(target_area, tuple(areas), tuple(cover), shortfall, churn,
                        stats["runtime_s"], tuple(warnings), stats)


def plan_from_labels(problem: AreaProblem, labels: ArrayLike, *,
                     mustgo: Sequence[tuple[str, str, int, str]] | None = None) -> AreaSolution:
    """Wrap another method's target -> cadre-index labels as an :class:`AreaSolution`.

    Used by the benchmark for baselines so that every plan is reported and checked the
    same way. ``labels[i]`` is the cadre index of target ``i``. Must-go visits are taken
    from ``mustgo`` as ``(rule, cadre_id, target, village)`` tuples, or planned with the
    same CP-SAT layer as :func:`plan_areas` when omitted.
    """
    lab = np.asarray(labels, dtype=np.int64)
    k = len(problem.cadres)
    if lab.shape != (len(problem.targets),) or lab.min() < 0 or lab.max() >= k:
        raise AreaInputError("labels refused", [_errors.problem(
            "labels", f"Expected one cadre index in [0, {k}) per target.")])
    t0 = time.perf_counter()
    warnings: list[str] = []
    cap = np.array([c.capacity_min for c in problem.cadres])
    items = mustgo_items(problem, warnings)
    share = cap * (float(problem.targets.workload_min.sum())
                   + sum(it.minutes for it in items)) / float(cap.sum())
    if mustgo is None:
        mg = assign_mustgo(problem, items, 0.5 * share, seed=0, time_limit_s=5.0)
    else:
        look = {(r, tgt, v): problem.cadre_index[c] for r, c, tgt, v in mustgo}
        mg = [look.get((it.rule, it.target, it.village), -1) for it in items]
    mg_min = np.zeros(k)
    for it, c in zip(items, mg, strict=True):
        if c >= 0:
            mg_min[c] += it.minutes
    g = SiteGraph(problem, np.full(len(lab), -1), lab)
    state = Partition(g, k, np.maximum(share - mg_min, 1e-9), np.zeros(k, dtype=bool),
                      np.ones(g.n, dtype=bool))
    for s in range(g.n):
        state.add(s, int(g.prev[s]))
    return _finish(problem, state, g, items, mg, mg_min, share, np.zeros(k, dtype=bool),
                   np.full(len(lab), -1), warnings, {}, t0)
