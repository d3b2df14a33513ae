"""Construction steps of the area planner: seeds, transport, pairing and fix-ups.

A fresh partition (:func:`construct`) puts weighted k-means seeds where the load is,
pairs them with the visitors by base distance and assigns whole small grids and the sites
of big grids by a capacitated transportation problem (OR-Tools min-cost flow), with a few
Lloyd steps. :func:`pair` re-pairs areas and visitors to shorten commutes,
:func:`relabel` applies such a pairing, :func:`seed_empty` gives an empty area a first
site and :func:`place_stuck` places sites that no neighbouring area could take.
Coordinates are metres, loads minutes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import linear_sum_assignment, min_cost_flow

from zoufang.planner.areas._graph import SiteGraph
from zoufang.planner.areas._state import Partition
from zoufang.planner.areas.model import AreaProblem, CadreSpec

__all__ = ["construct", "pair", "place_stuck", "relabel", "seed_empty"]


def _kmeans(xy: NDArray[np.float64], w: NDArray[np.float64], k: int,
            rng: np.random.Generator, iters: int = 20) -> NDArray[np.float64]:
    """Weighted k-means (k-means++ start); returns k centres."""
    n = len(xy)
    if k >= n:
        reps = np.resize(np.arange(n), k)
        return xy[reps] + rng.normal(scale=1e-3, size=(k, 2))
    first = rng.choice(n, p=w / w.sum()) if w.sum() > 0 else rng.integers(n)
    centres = [xy[first]]
    d2 = ((xy - xy[first]) ** 2).sum(axis=1)
    for _ in range(1, k):
        p = d2 * w
        i = rng.choice(n, p=p / p.sum()) if p.sum() > 0 else rng.integers(n)
        centres.append(xy[i])
        d2 = np.minimum(d2, ((xy - xy[i]) ** 2).sum(axis=1))
    c = np.array(centres)
    for _ in range(iters):
        lab = ((xy[:, None, :] - c[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        newc = c.copy()
        for j in range(k):
            m = lab == j
            if m.any() and w[m].sum() > 0:
                newc[j] = (xy[m] * w[m, None]).sum(axis=0) / w[m].sum()
        if np.allclose(newc, c):
            break
        c = newc
    return c


def _transport(g: SiteGraph, cx: NDArray[np.float64], cy: NDArray[np.float64],
               home: NDArray[np.int64], tau: NDArray[np.float64], lam: float,
               pinned: NDArray[np.int64], unit: NDArray[np.int64],
               nearest: int = 12) -> NDArray[np.int64]:
    """Capacitated assignment of units to centres by min-cost flow; returns site owners.

    ``unit[s]`` groups sites that go together (a whole small grid is one unit); a unit's
    cost to a centre is the distance from its weighted mean point, plus ``lam`` when the
    centre's home grid is another grid. Pinned (locked) sites are units of their own.
    """
    n_u = int(unit.max()) + 1
    k = len(cx)
    uw = np.bincount(unit, weights=g.w, minlength=n_u)
    wsafe = np.where(uw > 0, uw, 1.0)
    ux = np.bincount(unit, weights=g.x * g.w, minlength=n_u) / wsafe
    uy = np.bincount(unit, weights=g.y * g.w, minlength=n_u) / wsafe
    ugrid = np.zeros(n_u, dtype=np.int64)
    ugrid[unit] = g.grid
    upin = np.full(n_u, -1, dtype=np.int64)
    upin[unit] = pinned
    cost = np.hypot(ux[:, None] - cx[None, :], uy[:, None] - cy[None, :])
    cost += lam * (ugrid[:, None] != home[None, :])
    m = min(nearest, k)
    near = np.argpartition(cost, m - 1, axis=1)[:, :m] if m < k else \
        np.tile(np.arange(k), (n_u, 1))
    supply = np.maximum(1, np.round(uw * 10).astype(np.int64))
    free = upin < 0
    rows = np.repeat(np.arange(n_u), m)
    sel = np.repeat(free, m)
    tails = rows[sel]
    heads = (n_u + near.ravel())[sel]
    acost = np.round(cost[rows, near.ravel()]).astype(np.int64)[sel]
    pin = np.flatnonzero(~free)
    tails = np.concatenate([tails, pin])
    heads = np.concatenate([heads, n_u + upin[pin]])
    acost = np.concatenate([acost, np.zeros(len(pin), dtype=np.int64)])
    caps = supply[tails]
    sink = n_u + k
    cap_c = np.ceil(tau * 10 * 1.003).astype(np.int64) + 1
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, acost)
    mcf.add_arcs_with_capacity_and_unit_cost(np.arange(n_u, n_u + k), np.full(k, sink), cap_c,
                                             np.zeros(k, dtype=np.int64))
    sup = np.concatenate([supply, np.zeros(k, dtype=np.int64), [-int(supply.sum())]])
    mcf.set_nodes_supplies(np.arange(n_u + k + 1), sup)
    if mcf.solve() != mcf.OPTIMAL:
        mcf.solve_max_flow_with_min_cost()
    flows = mcf.flows(np.arange(len(tails)))
    owner = np.full(n_u, -1, dtype=np.int64)
    best = np.zeros(n_u)
    for t, h, f in zip(tails.tolist(), heads.tolist(), flows.tolist(), strict=True):
        if f > best[t]:
            best[t] = f
            owner[t] = h - n_u
    lost = owner < 0
    if lost.any():
        owner[lost] = cost[lost].argmin(axis=1)
    return owner[unit]


def construct(g: SiteGraph, problem: AreaProblem, tau: NDArray[np.float64],
              pinned: NDArray[np.int64], rng: np.random.Generator,
              deadline: float) -> NDArray[np.int64]:
    """Fresh partition: apportion, seed, pair seeds with cadres, transport + Lloyd."""
    k = len(tau)
    cad = problem.cadres
    gl = np.asarray(np.bincount(g.grid, weights=g.w, minlength=g.n_grids), dtype=np.float64)
    locked = sorted({int(c) for c in pinned if c >= 0})
    free_k = k - len(locked)
    cx = np.zeros(k)
    cy = np.zeros(k)
    home = np.zeros(k, dtype=np.int64)
    for c in locked:
        m = pinned == c
        cx[c], cy[c] = g.x[m].mean(), g.y[m].mean()
        home[c] = np.bincount(g.grid[m], weights=g.w[m], minlength=g.n_grids).argmax()
    seeds_x, seeds_y, seeds_home = [], [], []
    if free_k > 0:
        rest = gl.copy()
        for c in locked:
            rest[home[c]] = max(0.0, rest[home[c]] - tau[c])
        if rest.sum() <= 0:
            rest = gl + 1e-9
        # whole shares first: a grid of load q shares gets floor(q) seeds; the seeds
        # left over go where the remainders are, spread by k-means over that remainder
        q = rest / rest.sum() * free_k
        n_g = np.floor(q).astype(np.int64)
        for gi in np.flatnonzero(n_g).tolist():
            m = g.grid == gi
            xy = np.column_stack([g.x[m], g.y[m]])
            cs = _kmeans(xy, g.w[m], int(n_g[gi]), rng)
            seeds_x += cs[:, 0].tolist()
            seeds_y += cs[:, 1].tolist()
            seeds_home += [int(gi)] * len(cs)
        left = free_k - int(n_g.sum())
        if left > 0:
            frac = np.where(q > 0, (q - n_g) / np.maximum(q, 1e-12), 0.0)
            rw = g.w * frac[g.grid]
            ok = rw > 0
            xy = np.column_stack([g.x[ok], g.y[ok]])
            cs = _kmeans(xy, rw[ok], left, rng)
            sites_ok = np.flatnonzero(ok)
            for c in cs:
                j = sites_ok[int(np.argmin((xy[:, 0] - c[0]) ** 2 + (xy[:, 1] - c[1]) ** 2))]
                seeds_x.append(float(c[0]))
                seeds_y.append(float(c[1]))
                seeds_home.append(int(g.grid[j]))
        free_c = [c for c in range(k) if c not in set(locked)]
        bx = np.array([cad[c].base_x for c in free_c])
        by = np.array([cad[c].base_y for c in free_c])
        sx, sy = np.array(seeds_x), np.array(seeds_y)
        d = np.hypot(bx[:, None] - sx[None, :], by[:, None] - sy[None, :])
        lsa = linear_sum_assignment.SimpleLinearSumAssignment()
        rows = np.repeat(np.arange(free_k), free_k)
        cols = np.tile(np.arange(free_k), free_k)
        lsa.add_arcs_with_cost(rows, cols, np.round(d.ravel()).astype(np.int64))
        if lsa.solve() == lsa.OPTIMAL:
            match = [lsa.right_mate(i) for i in range(free_k)]
        else:  # pragma: no cover - a complete bipartite graph always has a matching
            match = list(range(free_k))
        for i, c in enumerate(free_c):
            cx[c], cy[c], home[c] = sx[match[i]], sy[match[i]], seeds_home[match[i]]
    diam = []
    for gi in range(g.n_grids):
        m = g.grid == gi
        if m.sum() > 1:
            diam.append(math.hypot(np.ptp(g.x[m]), np.ptp(g.y[m])))
    lam = 0.5 * float(np.median(diam)) if diam else 0.0
    # a grid that fits the largest budget goes whole; bigger grids go site by site
    small = gl <= tau.max() * (1 + 1e-9)
    unit = np.where(small[g.grid] & (pinned < 0), g.grid, g.n_grids + np.arange(g.n))
    _, unit = np.unique(unit, return_inverse=True)
    unit = unit.ravel()
    owner = _transport(g, cx, cy, home, tau, lam, pinned, unit)
    for _ in range(4):
        if time.perf_counter() > deadline:
            break
        cnt = np.bincount(owner, minlength=k).astype(float)
        nx = np.bincount(owner, weights=g.x * g.w, minlength=k)
        ny = np.bincount(owner, weights=g.y * g.w, minlength=k)
        wsum = np.bincount(owner, weights=g.w, minlength=k)
        ok = (cnt > 0) & (wsum > 0)
        free = np.ones(k, dtype=bool)
        free[locked] = False
        upd = ok & free
        cx[upd] = nx[upd] / wsum[upd]
        cy[upd] = ny[upd] / wsum[upd]
        new = _transport(g, cx, cy, home, tau, lam, pinned, unit)
        if (new == owner).all():
            break
        owner = new
    return owner


def pair(state: Partition, problem: AreaProblem, fixed: NDArray[np.bool_], *,
         tol: float) -> list[int] | None:
    """Re-pair areas and cadres: shortest total commute among pairs whose load fits.

    A pair (area, cadre) is allowed when the area's load is within ``tol`` of the cadre's
    budget (and the current pair always is); locked cadres keep their area. This is a
    pure assignment problem, solved exactly by OR-Tools' linear-sum assignment.
    Returns ``perm`` with ``perm[a]`` = the new cadre of area ``a``, or None.
    """
    k = state.k
    cx, cy = state.centroids()
    bx = np.array([c.base_x for c in problem.cadres])
    by = np.array([c.base_y for c in problem.cadres])
    d = np.hypot(cx[:, None] - bx[None, :], cy[:, None] - by[None, :])
    load = np.array(state.load)
    tau = state.tau
    fit = np.abs(load[:, None] - tau[None, :]) <= tol * tau[None, :]
    fit[fixed, :] = False
    fit[:, fixed] = False
    np.fill_diagonal(fit, True)
    if fit.sum() == k:
        return None
    rows, cols = np.nonzero(fit)
    lsa = linear_sum_assignment.SimpleLinearSumAssignment()
    lsa.add_arcs_with_cost(rows.astype(np.int64), cols.astype(np.int64),
                           np.round(d[rows, cols]).astype(np.int64))
    if lsa.solve() != lsa.OPTIMAL:
        return None
    perm = [int(lsa.right_mate(a)) for a in range(k)]
    cur = float(d[np.arange(k), np.arange(k)].sum())
    return perm if float(d[np.arange(k), perm].sum()) < cur - 1e-6 else None


def relabel(state: Partition, perm: list[int]) -> None:
    """Area ``a`` goes to cadre ``perm[a]``."""
    old_members = [set(m) for m in state.members]
    old_pieces = state.pieces
    old_load = list(state.load)
    for a, c in enumerate(perm):
        state.members[c] = old_members[a]
        state.load[c] = old_load[a]
    state.pieces = [old_pieces[0]] * state.k
    for a, c in enumerate(perm):
        state.pieces[c] = old_pieces[a]
    for s, a in enumerate(state.owner):
        if a >= 0:
            state.owner[s] = perm[a]


def seed_empty(state: Partition, cadres: Sequence[CadreSpec], warnings: list[str]) -> None:
    """Give each empty, unfrozen area one site near its cadre's base (a new cadre)."""
    g = state.g
    for a in range(state.k):
        if state.members[a] or state.frozen[a]:
            continue
        order = np.argsort(np.hypot(g.x - cadres[a].base_x, g.y - cadres[a].base_y),
                           kind="stable")
        placed = False
        for s in order[:2000].tolist():
            b = state.owner[s]
            if not state.movable[s]:
                continue
            if b < 0:
                state.add(s, a)
                placed = True
                break
            if not state.frozen[b] and state.can_remove(s):
                state.move(s, a)
                placed = True
                break
        if not placed:
            warnings.append(f"area {a} could not be seeded")


def place_stuck(state: Partition, stuck: list[int], warnings: list[str]) -> None:
    """Give each site no neighbouring area could take to the nearest unfrozen area."""
    if not stuck:
        return
    cx, cy = state.centroids()
    ok = [a for a in range(state.k) if not state.frozen[a]] or list(range(state.k))
    for s in stuck:
        d = np.hypot(cx[ok] - state.g.x[s], cy[ok] - state.g.y[s])
        state.add(s, ok[int(d.argmin())])
    warnings.append(f"{len(stuck)} sites could not join a neighbouring area and were given to "
                    "the nearest one (grids without neighbours?)")
