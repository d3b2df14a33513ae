"""Screening before the search: which vehicles could serve each node alone.

A node that no allowed vehicle can serve even on its own (no window, no vehicle allowed,
too much demand, unreachable inside a window and back in time) is dropped with the
reason before the OR-Tools model is built; the others keep the list of their candidate
vehicles. Times are in the problem's integer unit.
"""

from __future__ import annotations

from collections.abc import Sequence

from zoufang.planner.routing.problem import RoutingProblem, TimeWindow
from zoufang.planner.routing.result import DropReason

__all__ = ["first_start", "screen"]


def first_start(windows: Sequence[TimeWindow], t: int) -> int | None:
    """Earliest service start >= ``t`` inside one of ``windows`` (sorted)."""
    for a, b in windows:
        if t <= b:
            return max(a, t)
    return None


def screen(problem: RoutingProblem) -> tuple[dict[int, tuple[int, ...]], dict[int, DropReason]]:
    """For every visit node, the vehicles that could serve it alone, or a drop reason."""
    dur = problem.duration
    candidates: dict[int, tuple[int, ...]] = {}
    dropped: dict[int, DropReason] = {}
    all_vehicles = tuple(range(problem.num_vehicles))
    for i in problem.visit_nodes:
        windows = problem.time_windows[i]
        if not windows:
            dropped[i] = "no_window"
            continue
        allowed: Sequence[int] = all_vehicles
        if problem.allowed_vehicles is not None:
            allowed = problem.allowed_vehicles[i] or ()
            if problem.allowed_vehicles[i] is None:
                allowed = all_vehicles
        if not allowed:
            dropped[i] = "no_vehicle"
            continue
        ok_cap: list[int] = []
        for k in allowed:
            cap = problem.vehicles[k].capacity
            if cap is None or problem.demand is None or problem.demand[i] <= cap:
                ok_cap.append(k)
        if not ok_cap:
            dropped[i] = "capacity"
            continue
        ok: list[int] = []
        for k in ok_cap:
            v = problem.vehicles[k]
            go, back = int(dur[v.start_node, i]), int(dur[i, v.end_node])
            start = first_start(windows, v.earliest + go)
            if start is None:
                continue
            if start + problem.service[i] + back > v.latest:
                continue
            if v.max_duration is not None and go + problem.service[i] + back > v.max_duration:
                continue
            ok.append(k)
        if ok:
            candidates[i] = tuple(ok)
        else:
            dropped[i] = "unreachable"
    return candidates, dropped
