"""The nearest-neighbour baseline, day by day (for benchmarks and as the search's start).

Each day (vehicle) in order, go to the nearest target that can still be served inside
its window, with time to get back within the day; :func:`plan_cadre_baseline` reads such
routes into a :class:`~zoufang.planner.schedule.CadreSchedule` like
:func:`~zoufang.planner.schedule.plan_cadre` does.
"""

from __future__ import annotations

import time

from zoufang.gis.travel import TravelModel
from zoufang.planner.routing import RoutingProblem
from zoufang.planner.schedule._assemble import assemble_schedule
from zoufang.planner.schedule.build import build_problem
from zoufang.planner.schedule.model import CadreJob, CadreSchedule
from zoufang.planner.schedule.settings import ScheduleSettings

__all__ = ["nearest_neighbour", "plan_cadre_baseline"]


def nearest_neighbour(problem: RoutingProblem) -> list[tuple[int, list[int], int]]:
    """Greedy routes: each vehicle in order, always to the nearest node it can still serve.

    Vehicles are used in order, at most ``max_active_vehicles`` of them.
    From the start node at ``earliest``, go to the closest (objective matrix) unrouted
    node whose window can still be met and from which the vehicle can still get back in
    time and within ``max_duration``; stop when none is left. Returns
    ``(vehicle, nodes, leave)`` like the router's raw routes.
    """
    dur, cost = problem.duration, problem.cost_matrix
    left = set(problem.visit_nodes)
    out: list[tuple[int, list[int], int]] = []
    cap = problem.max_active_vehicles
    for k, v in enumerate(problem.vehicles):
        if cap is not None and sum(1 for _k, seq, _l in out if seq) >= cap:
            out.append((k, [], v.earliest))
            continue
        t, prev, seq = v.earliest, v.start_node, []
        first_start: int | None = None
        while left:
            best, best_c = None, None
            for j in left:
                arrive = t + int(dur[prev, j])
                start = next((max(a, arrive) for a, b in problem.time_windows[j] if arrive <= b),
                             None)
                if start is None:
                    continue
                end = start + problem.service[j]
                back = end + int(dur[j, v.end_node])
                if back > v.latest:
                    continue
                leave = (first_start if first_start is not None
                         else start - int(dur[v.start_node, j]))
                if v.max_duration is not None and back - max(leave, v.earliest) > v.max_duration:
                    continue
                c = int(cost[prev, j])
                if best is None or best_c is None or c < best_c or (c == best_c and j < best):
                    best, best_c = j, c
            if best is None:
                break
            arrive = t + int(dur[prev, best])
            start = next(max(a, arrive) for a, b in problem.time_windows[best] if arrive <= b)
            if first_start is None:
                first_start = start - int(dur[v.start_node, best])
            seq.append(best)
            left.discard(best)
            t, prev = start + problem.service[best], best
        out.append((k, seq, v.earliest))
    return out


def plan_cadre_baseline(job: CadreJob, settings: ScheduleSettings, travel: TravelModel,
                        *, with_lines: bool = False) -> CadreSchedule:
    """Plan one cadre with the nearest-neighbour baseline (for benchmarks).

    Same inputs and output as :func:`~zoufang.planner.schedule.plan_cadre`; every target
    the greedy days cannot take is left out as ``days_full`` (or ``no_window``).
    """
    started = time.monotonic()
    built = build_problem(job, settings, travel)
    routes = nearest_neighbour(built.problem) if built.groups else []
    routed = {n for _k, seq, _l in routes for n in seq}
    dropped = [(i, "not_fitted") for i in built.problem.visit_nodes if i not in routed]
    return assemble_schedule(job, built, routes, dropped, time.monotonic() - started,
                             with_lines=with_lines)
