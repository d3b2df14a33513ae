"""Raw search outcomes and how they become a :class:`~zoufang.planner.routing.RoutingResult`.

A search (in this process or a worker process) returns a :class:`RawSolution`: plain node
sequences with each vehicle's leave time. :func:`result_from_raw` times every route
(earliest start at each stop, then leaving just in time for the first one), lists the
dropped nodes with their reasons and says whether the result is feasible.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from zoufang.planner.routing._screen import first_start
from zoufang.planner.routing.problem import RoutingProblem
from zoufang.planner.routing.result import (
    DROP_REASONS,
    Dropped,
    DropReason,
    Route,
    RoutingResult,
    StopTiming,
)

__all__ = ["RawSolution", "result_from_raw", "timed_route"]


@dataclass
class RawSolution:
    """A search outcome in plain data (crosses process boundaries)."""

    config: str
    seed: int
    status: str
    objective: int | None = None
    routes: list[tuple[int, list[int], int]] = field(default_factory=list)  # (k, nodes, leave)


def timed_route(problem: RoutingProblem, k: int, seq: list[int], leave: int) -> Route:
    """Earliest-start schedule of ``seq`` leaving at ``leave``, then leave just in time."""
    v = problem.vehicles[k]
    if not seq:
        return Route(k, (), v.earliest, v.earliest, 0)
    dur, cost = problem.duration, problem.cost_matrix
    t, prev = leave, v.start_node
    visits: list[StopTiming] = []
    dist = 0
    for node in seq:
        arrival = t + int(dur[prev, node])
        start = first_start(problem.time_windows[node], arrival)
        if start is None:  # cannot happen for a solution OR-Tools accepted
            start = arrival
        end = start + problem.service[node]
        visits.append(StopTiming(node, arrival, start, end))
        dist += int(cost[prev, node])
        t, prev = end, node
    dist += int(cost[prev, v.end_node])
    back = t + int(dur[prev, v.end_node])
    first = visits[0]
    departure = max(leave, first.start - int(dur[v.start_node, first.node]))
    if departure != leave:
        visits[0] = StopTiming(first.node, first.start, first.start, first.end)
    return Route(k, tuple(visits), departure, back, dist)


def result_from_raw(problem: RoutingProblem, raw: RawSolution | None,
                    screened: dict[int, DropReason], started: float,
                    runs: tuple[tuple[str, int, int | None], ...]) -> RoutingResult:
    """Time the routes of ``raw``, list the dropped nodes and say what happened."""
    routed: set[int] = set()
    routes: list[Route] = []
    if raw is not None and raw.status == "ok":
        by_k = {k: (seq, leave) for k, seq, leave in raw.routes}
        for k in range(problem.num_vehicles):
            seq, leave = by_k.get(k, ([], problem.vehicles[k].earliest))
            routes.append(timed_route(problem, k, seq, leave))
            routed.update(seq)
    else:
        routes = [timed_route(problem, k, [], 0) for k in range(problem.num_vehicles)]
    dropped = [Dropped(i, screened[i], problem.is_mandatory(i)) for i in sorted(screened)]
    if raw is not None and raw.status == "ok":
        for i in problem.visit_nodes:
            if i not in routed and i not in screened:
                dropped.append(Dropped(i, "not_fitted", problem.is_mandatory(i)))
    dropped.sort(key=lambda d: d.node)
    bad = [d for d in dropped if d.mandatory]
    elapsed = time.monotonic() - started
    objective = raw.objective if raw is not None else None
    label = raw.config if raw is not None else ""
    if raw is None or raw.status != "ok":
        nodes = ", ".join(problem.label(d.node) for d in bad[:10])
        why = f"; mandatory nodes that cannot be served even alone: {nodes}" if bad else ""
        status = raw.status if raw is not None else "no search"
        return RoutingResult(problem, tuple(routes), tuple(dropped), "no_solution",
                             f"no solution found in the time limit ({status}){why}.",
                             elapsed, objective, label, runs)
    if bad:
        parts = [f"{problem.label(d.node)} ({d.reason})" for d in bad[:10]]
        more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
        msg = (f"{len(bad)} mandatory node(s) could not be routed: {', '.join(parts)}{more}. "
               + "; ".join(f"{r}: {DROP_REASONS[r]}" for r in sorted({d.reason for d in bad})))
        return RoutingResult(problem, tuple(routes), tuple(dropped), "infeasible", msg,
                             elapsed, objective, label, runs)
    n_visits = sum(len(r.visits) for r in routes)
    msg = (f"{n_visits} nodes routed on {sum(r.is_used for r in routes)} vehicles, "
           f"{len(dropped)} dropped.")
    return RoutingResult(problem, tuple(routes), tuple(dropped), "feasible", msg, elapsed,
                         objective, label, runs)
