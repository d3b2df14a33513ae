"""The must-go layer (四个必到): which visitor of the required rank makes each must-go visit.

Must-go items are single targets (listed enterprises, registered poor households) and
villages (economically weak villages, resettlement communities: one visit per village,
at the mean point of its targets). :func:`assign_mustgo` gives each item a visitor of at
least the rule's rank by CP-SAT, near the visitor's base, within the per-visitor minute
limit and quota; :func:`check_mustgo_capacity` first says, by Hall's condition over the
nested rank levels, when that cannot be done. Coordinates are metres, times minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from zoufang import _errors
from zoufang._errors import Problem
from zoufang.planner.areas.model import (
    RULE_MIN_LEVEL,
    TARGET_RULES,
    VILLAGE_RULES,
    AreaProblem,
    InfeasibleAreasError,
)
from zoufang.vocab import RANKS

__all__ = ["MustGoItem", "assign_mustgo", "check_mustgo_capacity", "mustgo_items"]

#: Rank level -> the name of the lowest rank of that level, for messages.
_LEVEL_NAME: Final[dict[int, str]] = {}
for _code, (_lvl, _names) in RANKS.items():
    _LEVEL_NAME.setdefault(_lvl, f"{_code} ({_names[0]})")


@dataclass(frozen=True)
class MustGoItem:
    """One must-go visit to make: a target (``village == ""``) or a village (``target == -1``).

    ``x, y`` are metres (the target, or the mean point of the village's targets),
    ``minutes`` the visit's length, ``level`` the lowest rank level allowed and ``grid``
    the grid of the target (the village's grid with most targets).
    """

    rule: str
    x: float
    y: float
    minutes: float
    level: int
    target: int
    village: str
    grid: int


def mustgo_items(problem: AreaProblem, warnings: list[str]) -> list[MustGoItem]:
    """List the must-go visits of ``problem``; villages without targets go to ``warnings``."""
    t = problem.targets
    items: list[MustGoItem] = []
    for rule in TARGET_RULES:
        for i in np.flatnonzero(t.has_rule(rule)):
            items.append(MustGoItem(rule, float(t.x[i]), float(t.y[i]), float(t.service_min[i]),
                                    RULE_MIN_LEVEL[rule], int(i), "", int(t.grid[i])))
    for rule in VILLAGE_RULES:
        villages: dict[str, list[int]] = {}
        for gi, g in enumerate(problem.grids):
            if rule in g.tags:
                villages.setdefault(g.village or g.id, []).append(gi)
        for name, gis in villages.items():
            mask = np.isin(t.grid, gis)
            if not mask.any():
                warnings.append(f"{rule} village {name!r} has no targets; no visit planned")
                continue
            gcount = np.bincount(t.grid[mask], minlength=len(problem.grids))
            items.append(MustGoItem(rule, float(t.x[mask].mean()), float(t.y[mask].mean()),
                                    problem.village_visit_min, RULE_MIN_LEVEL[rule], -1, name,
                                    int(gcount.argmax())))
    return items


def check_mustgo_capacity(problem: AreaProblem, items: list[MustGoItem],
                          limit_min: NDArray[np.float64]) -> None:
    """Hall's condition for nested rank eligibility; raise a clear error when it fails."""
    levels = np.array([c.rank_level for c in problem.cadres])
    quota = np.array([math.inf if c.mustgo_quota is None else c.mustgo_quota
                      for c in problem.cadres])
    problems: list[Problem] = []
    for lvl in sorted({it.level for it in items}, reverse=True):
        need = [it for it in items if it.level >= lvl]
        elig = levels >= lvl
        rules = sorted({it.rule for it in need})
        who = _LEVEL_NAME.get(lvl, str(lvl))
        minutes = sum(it.minutes for it in need)
        if not elig.any():
            problems.append(_errors.problem(
                "must-go", f"{len(need)} must-go visits ({', '.join(rules)}) "
                f"need a cadre of rank >= {who}, but no cadre has that rank."))
        elif minutes > limit_min[elig].sum() + 1e-6:
            problems.append(_errors.problem(
                "must-go", f"{len(need)} must-go visits ({', '.join(rules)}) "
                f"take {minutes:.0f} min, more than the "
                f"{int(elig.sum())} cadres of rank >= {who} can give "
                f"({limit_min[elig].sum():.0f} min, the part of their "
                "capacity share allowed for must-go visits)."))
        elif len(need) > quota[elig].sum():
            problems.append(_errors.problem(
                "must-go", f"{len(need)} must-go visits ({', '.join(rules)}) "
                f"but the quotas of the {int(elig.sum())} cadres of rank >= "
                f"{who} allow {int(quota[elig].sum())}."))
    if problems:
        raise InfeasibleAreasError("must-go visits (四个必到) cannot be covered", problems)


def assign_mustgo(problem: AreaProblem, items: list[MustGoItem], limit_min: NDArray[np.float64],
                  *, seed: int, time_limit_s: float) -> list[int]:
    """Return the cadre index of each must-go item (CP-SAT)."""
    if not items:
        return []
    check_mustgo_capacity(problem, items, limit_min)
    cad = problem.cadres
    bx = np.array([c.base_x for c in cad])
    by = np.array([c.base_y for c in cad])
    levels = np.array([c.rank_level for c in cad])
    ix = np.array([it.x for it in items])
    iy = np.array([it.y for it in items])
    dist = np.hypot(ix[:, None] - bx[None, :], iy[:, None] - by[None, :])
    eligible = levels[None, :] >= np.array([it.level for it in items])[:, None]
    minutes = [max(1, round(it.minutes)) for it in items]

    def solve(nearest: int | None) -> list[int] | None:
        m = cp_model.CpModel()
        x: dict[tuple[int, int], cp_model.IntVar] = {}
        for i in range(len(items)):
            cand = np.flatnonzero(eligible[i])
            if nearest is not None and len(cand) > nearest:
                cand = cand[np.argsort(dist[i, cand], kind="stable")[:nearest]]
            for c in cand.tolist():
                x[i, c] = m.new_bool_var(f"x{i}_{c}")
        by_item: dict[int, list[cp_model.IntVar]] = {}
        by_cad: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
        for (i, c), v in x.items():
            by_item.setdefault(i, []).append(v)
            by_cad.setdefault(c, []).append((i, v))
        for i in range(len(items)):
            m.add_exactly_one(by_item.get(i, []))
        n_elig = max(1, int((levels >= min(it.level for it in items)).sum()))
        soft = math.ceil(1.25 * len(items) / n_elig)
        over = []
        for c, lst in by_cad.items():
            m.add(sum(minutes[i] * v for i, v in lst) <= int(limit_min[c]))
            q = cad[c].mustgo_quota
            if q is not None:
                m.add(sum(v for _, v in lst) <= q)
            o = m.new_int_var(0, len(lst), f"over{c}")
            m.add(sum(v for _, v in lst) <= soft + o)
            over.append(o)
        # distance in units of 10 m; one visit above the fair count costs like 5 km
        m.minimize(sum(int(dist[i, c] // 10) * v for (i, c), v in x.items())
                   + 500 * sum(over))
        s = cp_model.CpSolver()
        # one worker and a deterministic budget: the same seed gives the same visits
        s.parameters.max_time_in_seconds = max(1.0, time_limit_s)
        s.parameters.max_deterministic_time = max(1.0, time_limit_s)
        s.parameters.num_workers = 1
        s.parameters.random_seed = seed
        st = s.solve(m)
        if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        out = [-1] * len(items)
        for (i, c), v in x.items():
            if s.value(v):
                out[i] = c
        return out

    res = solve(12) or solve(None)
    if res is None:
        raise InfeasibleAreasError(
            "must-go visits (四个必到) cannot be covered",
            [_errors.problem("must-go", f"{len(items)} must-go visits could not be spread "
                             "over the eligible cadres within their quotas and hours; add "
                             "eligible cadres or raise their quotas.")])
    return res
