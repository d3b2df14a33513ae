"""Independent checker of visit-area plans (走访区域): the code that did not make the plan.

:func:`check_area_plan` reads only the problem and the plan's public data (each area's
cadre and targets, the must-go visits) and recomputes everything from the rules:

- every target in exactly one area; areas and cadres one to one; no empty area;
- locked pairs unchanged (locked targets with their cadre; a cadre locked on its whole
  previous area keeps all of it and takes no target of another area, only new ones);
- every area one connected piece: the grids it touches are connected through grid
  adjacency, and where a grid is split, the area's part of it is connected in the
  Delaunay triangulation of that grid's targets (targets at one spot count as one point);
- must-go rules (四个必到): every item visited by a cadre of the required rank, quotas kept;
- capacity: no cadre over its hours unless the plan declares the shortfall;
- balance: each unlocked cadre's work within ``tolerance`` of its capacity share.

It returns the violations and the figures the benchmark reports. Nothing of the planner
(:mod:`~zoufang.planner.areas.solve` and its private modules) is used or imported:
contiguity, must-go items and loads are recomputed here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from zoufang.vocab import rank_level

__all__ = ["AreaCheck", "check_area_plan"]

# The rules as the domain states them (../shared/DOMAIN.md), not as the planner encodes
# them; only the bit layout of ``targets.rules`` is the format of the input.
_TARGET_RULE_BITS = {"listed_enterprise": 0, "poor_registered": 1}
_VILLAGE_RULES = ("weak_village", "resettlement_community")
_MIN_LEVEL = {"weak_village": rank_level("deputy_division"),
              "listed_enterprise": rank_level("deputy_division"),
              "resettlement_community": rank_level("deputy_division"),
              "poor_registered": rank_level("clerk")}


class _AreaLike(Protocol):
    """An area as the checker reads it: its cadre and its target indices."""

    @property
    def cadre_id(self) -> str: ...

    @property
    def targets(self) -> ArrayLike: ...


class _VisitLike(Protocol):
    """A must-go visit: which rule, by whom, of which target (-1) or village ("")."""

    @property
    def rule(self) -> str: ...

    @property
    def cadre_id(self) -> str: ...

    @property
    def target(self) -> int: ...

    @property
    def village(self) -> str: ...


class _CoverageLike(Protocol):
    """The must-go visits of one rule."""

    @property
    def visits(self) -> Sequence[_VisitLike]: ...


class _PlanLike(Protocol):
    """What the checker reads of a plan (``shortfall`` is read when present)."""

    @property
    def areas(self) -> Sequence[_AreaLike]: ...

    @property
    def mustgo(self) -> Sequence[_CoverageLike]: ...


@dataclass(frozen=True)
class AreaCheck:
    """Violations and figures of one plan.

    Figures: ``balance_max``/``balance_mean`` are max and mean of
    ``|work / capacity share - 1|`` over all areas (work = area workload + the cadre's
    must-go minutes; share = capacity x total work / total capacity);
    ``contiguous_pct`` the share of areas in one piece; ``split_grids`` the grids whose
    targets are in more than one area and ``must_split_grids`` those heavier than the
    largest share (a lower bound); commutes are metres from the cadre's base to the mean
    point of its area's targets; ``kept_pct`` the share of targets whose previous cadre is
    still planned that kept it; ``locked_kept_pct`` the share of locked targets kept.
    """

    violations: tuple[str, ...]
    n_targets: int
    n_areas: int
    covered_pct: float
    balance_max: float
    balance_mean: float
    within_tolerance_pct: float
    utilisation_max: float
    contiguous_pct: float
    split_grids: int
    must_split_grids: int
    commute_mean_m: float
    commute_max_m: float
    kept_pct: float | None
    locked_kept_pct: float | None
    mustgo: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    def as_row(self) -> dict[str, Any]:
        """Return the figures as a flat dict (for tables)."""
        row = {k: getattr(self, k) for k in (
            "n_targets", "n_areas", "covered_pct", "balance_max", "balance_mean",
            "within_tolerance_pct", "utilisation_max", "contiguous_pct", "split_grids",
            "must_split_grids", "commute_mean_m", "commute_max_m", "kept_pct",
            "locked_kept_pct")}
        row["violations"] = len(self.violations)
        for rule, (n, ok) in self.mustgo.items():
            row[f"mustgo_{rule}"] = f"{ok}/{n}"
        return row


def _grid_proximity(xs: NDArray[np.float64], ys: NDArray[np.float64]
                    ) -> tuple[NDArray[np.int64], list[tuple[int, int]]]:
    """Spot of each point and the Delaunay edges between spots (collinear: a chain)."""
    pts = np.column_stack([xs, ys])
    spots, spot_of = np.unique(pts, axis=0, return_inverse=True)
    spot_of = spot_of.ravel()
    m = len(spots)
    if m < 2:
        return spot_of, []
    if m == 2:
        return spot_of, [(0, 1)]
    tri = shapely.delaunay_triangles(shapely.multipoints(spots), only_edges=True)
    ends = shapely.get_coordinates(tri)
    # spots are sorted lexicographically by np.unique: find each end by binary search
    key = spots[:, 0] + 0j + 1j * spots[:, 1]
    ekey = ends[:, 0] + 1j * ends[:, 1]
    pos = np.searchsorted(key, ekey)
    pos = np.clip(pos, 0, m - 1)
    hit = key[pos] == ekey
    pairs = pos.reshape(-1, 2)
    good = hit.reshape(-1, 2).all(axis=1)
    edges = [(int(a), int(b)) for a, b in pairs[good]]
    seen = np.zeros(m, dtype=bool)
    seen[pairs[good].ravel()] = True
    for i in np.flatnonzero(~seen):
        d = np.hypot(spots[:, 0] - spots[i, 0], spots[:, 1] - spots[i, 1])
        d[i] = np.inf
        edges.append((int(i), int(np.argmin(d))))
    return spot_of, edges


def _components(n: int, edges: list[tuple[int, int]]) -> int:
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    return len({root(i) for i in range(n)})


def check_area_plan(problem: Any, plan: _PlanLike, *, tolerance: float = 0.10) -> AreaCheck:
    """Check a plan against the problem's rules and compute its figures.

    Parameters
    ----------
    problem
        The :class:`~zoufang.planner.areas.AreaProblem` the plan is for.
    plan
        Any object with ``areas`` (each with ``cadre_id`` and ``targets``), ``mustgo``
        (rules, each with ``visits`` having ``rule``, ``cadre_id``, ``target``,
        ``village``) and ``shortfall`` (None unless the plan declares one).
    tolerance
        Allowed ``|work / share - 1|`` of every area whose pair is not locked.
    """
    v: list[str] = []
    t = problem.targets
    n = len(t.x)
    cadres = list(problem.cadres)
    k = len(cadres)
    cid = {c.id: i for i, c in enumerate(cadres)}
    areas = list(plan.areas)

    # one-to-one and coverage
    area_of = np.full(n, -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    cadre_area: dict[int, int] = {}
    for ai, area in enumerate(areas):
        c = cid.get(area.cadre_id)
        if c is None:
            v.append(f"area {ai} belongs to unknown cadre {area.cadre_id!r}")
            continue
        if c in cadre_area:
            v.append(f"cadre {area.cadre_id!r} has two areas ({cadre_area[c]} and {ai})")
        cadre_area[c] = ai
        idx = np.asarray(area.targets, dtype=np.int64)
        if len(idx) == 0:
            v.append(f"area of cadre {area.cadre_id!r} is empty")
            continue
        if idx.min() < 0 or idx.max() >= n:
            v.append(f"area of cadre {area.cadre_id!r} lists targets outside [0, {n})")
            idx = idx[(idx >= 0) & (idx < n)]
        np.add.at(count, idx, 1)
        area_of[idx] = c
    missing = [cadres[c].id for c in range(k) if c not in cadre_area]
    if missing:
        v.append(f"{len(missing)} cadres have no area: {', '.join(missing[:10])}")
    if len(areas) != k:
        v.append(f"{len(areas)} areas for {k} cadres (expected one area per cadre)")
    none = np.flatnonzero(count == 0)
    many = np.flatnonzero(count > 1)
    if len(none):
        v.append(f"{len(none)} targets are in no area (first: {none[:5].tolist()})")
    if len(many):
        v.append(f"{len(many)} targets are in more than one area (first: {many[:5].tolist()})")
    covered = float((count >= 1).mean() * 100) if n else 100.0

    # locks
    locked_total = locked_kept = 0
    frozen: set[int] = set()
    prev = problem.previous
    for lk in problem.locks:
        c = cid.get(lk.cadre_id)
        if c is None:
            continue
        if lk.targets is None:
            frozen.add(c)
            if prev is None:
                continue
            want = np.array([p == lk.cadre_id for p in prev])
            new = np.array([p is None for p in prev])
            locked_total += int(want.sum())
            stayed = want & (area_of == c)
            locked_kept += int(stayed.sum())
            left = int((want & ~stayed).sum())
            joined = int(((area_of == c) & ~want & ~new).sum())
            if left or joined:
                v.append(f"locked area of {lk.cadre_id!r} changed: {left} targets left, "
                         f"{joined} targets of other areas joined")
        else:
            idx = np.array(sorted(lk.targets), dtype=np.int64)
            locked_total += len(idx)
            ok = area_of[idx] == c
            locked_kept += int(ok.sum())
            if not ok.all():
                v.append(f"{int((~ok).sum())} targets locked to {lk.cadre_id!r} moved")
    locked_cadres = frozen | {cid[lk.cadre_id] for lk in problem.locks if lk.cadre_id in cid}

    # contiguity
    ng = len(problem.grids)
    nbr: list[set[int]] = [set() for _ in range(ng)]
    for gi, g in enumerate(problem.grids):
        for j in g.neighbours:
            nbr[gi].add(int(j))
            nbr[int(j)].add(gi)
    tg = np.asarray(t.grid, dtype=np.int64)
    areas_in_grid: list[set[int]] = [set() for _ in range(ng)]
    for i in np.flatnonzero(area_of >= 0).tolist():
        areas_in_grid[tg[i]].add(int(area_of[i]))
    split = [gi for gi in range(ng) if len(areas_in_grid[gi]) > 1]
    split_set = set(split)
    prox: dict[int, tuple[NDArray[np.int64], NDArray[np.int64], list[tuple[int, int]]]] = {}
    for gi in split:
        members = np.flatnonzero(tg == gi)
        spot_of, edges = _grid_proximity(np.asarray(t.x)[members], np.asarray(t.y)[members])
        prox[gi] = (members, spot_of, edges)
    contiguous = 0
    for c in sorted(cadre_area):
        mine = area_of == c
        if not mine.any():
            continue
        grids = sorted(set(tg[mine].tolist()))
        ok = True
        gpos = {g: i for i, g in enumerate(grids)}
        gedges = [(gpos[a], gpos[b]) for a in grids for b in nbr[a] if b in gpos and a < b]
        if _components(len(grids), gedges) != 1:
            ok = False
        for gi in grids:
            if not ok:
                break
            if gi not in split_set:
                continue
            members, spot_of, edges = prox[gi]
            inside = mine[members]
            # a spot belongs to the area if any of its targets does; spots shared with
            # another area join both (targets at one spot are one point)
            spots_in = np.zeros(spot_of.max() + 1, dtype=bool)
            spots_in[spot_of[inside]] = True
            sel = np.flatnonzero(spots_in)
            pos = {int(s): i for i, s in enumerate(sel)}
            sub = [(pos[a], pos[b]) for a, b in edges if a in pos and b in pos]
            if _components(len(sel), sub) != 1:
                ok = False
        contiguous += ok
        if not ok:
            v.append(f"area of cadre {cadres[c].id!r} is not one connected piece")
    contiguous_pct = 100.0 * contiguous / max(1, len(cadre_area))

    # must-go items and visits
    levels = np.array([c.rank_level for c in cadres])
    items: dict[tuple[str, int, str], float] = {}
    rules_arr = np.asarray(t.rules, dtype=np.int64)
    for rule, bit in _TARGET_RULE_BITS.items():
        for i in np.flatnonzero((rules_arr >> bit) & 1).tolist():
            items[(rule, int(i), "")] = float(t.service_min[i])
    for rule in _VILLAGE_RULES:
        vill: dict[str, list[int]] = {}
        for gi, g in enumerate(problem.grids):
            if rule in g.tags:
                vill.setdefault(g.village or g.id, []).append(gi)
        for name, gis in vill.items():
            if np.isin(tg, gis).any():
                items[(rule, -1, name)] = float(problem.village_visit_min)
    visits: dict[tuple[str, int, str], list[str]] = {}
    for cov in plan.mustgo:
        for vis in cov.visits:
            visits.setdefault((vis.rule, int(vis.target), vis.village), []).append(vis.cadre_id)
    mg_min = np.zeros(k)
    mg_count = np.zeros(k, dtype=np.int64)
    mustgo: dict[str, tuple[int, int]] = {}
    for rule in ("weak_village", "poor_registered", "listed_enterprise",
                 "resettlement_community"):
        mine_items = [key for key in items if key[0] == rule]
        good = 0
        wrong = 0
        for key in mine_items:
            who = visits.get(key, [])
            ok_who = [w for w in who if w in cid and levels[cid[w]] >= _MIN_LEVEL[rule]]
            for w in who:
                if w in cid:
                    mg_min[cid[w]] += items[key]
                    mg_count[cid[w]] += 1
            if ok_who:
                good += 1
            elif who:
                wrong += 1
        mustgo[rule] = (len(mine_items), good)
        if good < len(mine_items):
            v.append(f"must-go {rule}: {len(mine_items) - good} of {len(mine_items)} items "
                     f"lack a visit by a cadre of rank level >= {_MIN_LEVEL[rule]}"
                     + (f" ({wrong} visited by a lower rank)" if wrong else ""))
    for c, cad in enumerate(cadres):
        if cad.mustgo_quota is not None and mg_count[c] > cad.mustgo_quota:
            v.append(f"cadre {cad.id!r} has {mg_count[c]} must-go visits, quota "
                     f"{cad.mustgo_quota}")

    # loads, balance, capacity, commute
    w = np.asarray(t.service_min) + np.asarray(t.travel_min)
    ok_t = area_of >= 0
    load = np.bincount(area_of[ok_t], weights=w[ok_t], minlength=k) + mg_min
    cap = np.array([c.capacity_min for c in cadres])
    share = cap * load.sum() / cap.sum()
    planned = np.array([c in cadre_area for c in range(k)])
    bal = np.abs(load / share - 1.0)
    over = np.maximum(0.0, load - cap)
    if over.sum() > 1e-6:
        declared = getattr(plan, "shortfall", None)
        if declared is None:
            v.append(f"{int((over > 1e-6).sum())} cadres over capacity by {over.sum():.0f} min "
                     "in all, and the plan declares no shortfall")
        elif abs(float(declared.minutes_missing) - over.sum()) > 1e-3 * max(1.0, over.sum()):
            v.append(f"declared shortfall {declared.minutes_missing:.0f} min but cadres are "
                     f"over capacity by {over.sum():.0f} min")
    free = planned & ~np.isin(np.arange(k), sorted(locked_cadres))
    out = free & (bal > tolerance)
    if out.any():
        v.append(f"{int(out.sum())} areas outside +-{tolerance:.0%} of their capacity share "
                 f"(worst {bal[out].max():.1%})")
    cx = np.bincount(area_of[ok_t], weights=np.asarray(t.x)[ok_t], minlength=k)
    cy = np.bincount(area_of[ok_t], weights=np.asarray(t.y)[ok_t], minlength=k)
    cnt = np.bincount(area_of[ok_t], minlength=k)
    has = cnt > 0
    bx = np.array([c.base_x for c in cadres])
    by = np.array([c.base_y for c in cadres])
    com = np.hypot(cx[has] / cnt[has] - bx[has], cy[has] / cnt[has] - by[has])

    # churn against the previous plan
    kept_pct = None
    if prev is not None:
        locked_t = np.zeros(n, dtype=bool)
        for lk in problem.locks:
            if lk.targets is not None:
                locked_t[list(lk.targets)] = True
            else:
                locked_t |= np.array([p == lk.cadre_id for p in prev])
        elig = kept = 0
        for i, p in enumerate(prev):
            if p is None or p not in cid or locked_t[i]:
                continue
            elig += 1
            kept += int(area_of[i] == cid[p])
        kept_pct = 100.0 * kept / elig if elig else 100.0
    gload = np.bincount(tg, weights=w, minlength=ng)
    return AreaCheck(
        violations=tuple(v),
        n_targets=n,
        n_areas=len(areas),
        covered_pct=covered,
        balance_max=float(bal[planned].max()) if planned.any() else math.inf,
        balance_mean=float(bal[planned].mean()) if planned.any() else math.inf,
        within_tolerance_pct=float(100.0 * (bal[planned] <= tolerance).mean())
        if planned.any() else 0.0,
        utilisation_max=float((load / cap).max()),
        contiguous_pct=contiguous_pct,
        split_grids=len(split),
        must_split_grids=int((gload > share.max() * (1 + 1e-9)).sum()),
        commute_mean_m=float(com.mean()) if len(com) else math.nan,
        commute_max_m=float(com.max()) if len(com) else math.nan,
        kept_pct=kept_pct,
        locked_kept_pct=(100.0 * locked_kept / locked_total) if locked_total else None,
        mustgo=mustgo,
    )
