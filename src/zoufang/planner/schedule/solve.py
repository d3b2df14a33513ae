"""Plan one cadre's days with OR-Tools (:func:`plan_cadre`).

The search starts from the nearest-neighbour schedule of
:mod:`~zoufang.planner.schedule.baseline` and improves it with one guided local search
(:data:`CADRE_CONFIG`) within the time limit, in this process: callers run cadres in
parallel.
"""

from __future__ import annotations

import time

from zoufang.gis.travel import TravelModel
from zoufang.planner.routing import RoutingResult, SearchConfig, solve
from zoufang.planner.schedule._assemble import assemble_schedule
from zoufang.planner.schedule.baseline import nearest_neighbour
from zoufang.planner.schedule.build import build_problem
from zoufang.planner.schedule.model import CadreJob, CadreSchedule
from zoufang.planner.schedule.settings import ScheduleSettings

__all__ = ["CADRE_CONFIG", "plan_cadre"]

#: One search for a cadre: savings start, guided local search (the tuned default).
CADRE_CONFIG = SearchConfig(label="gls-psav1.0")


def plan_cadre(job: CadreJob, settings: ScheduleSettings, travel: TravelModel, *,
               time_limit_s: float = 2.0, with_lines: bool = True,
               config: SearchConfig = CADRE_CONFIG) -> CadreSchedule:
    """Plan one cadre's days with OR-Tools (one process; run cadres in parallel).

    Parameters
    ----------
    job
        The cadre's base, days and targets (WGS-84 lon/lat degrees).
    settings
        The campaign's rules.
    travel
        Travel distances between points (road network or straight line), metres.
    time_limit_s
        Wall-clock seconds for the whole call (at least 0.2 s go to the search).
    with_lines
        Draw each day's route line (over the roads for a road network).
    config
        The OR-Tools search; default :data:`CADRE_CONFIG`.

    Returns
    -------
    CadreSchedule
        The days with their stops, and every target not routed with the reason. When
        the search finds nothing in its time limit, the greedy (nearest-neighbour)
        schedule it started from is returned, with ``message`` saying so.
    """
    started = time.monotonic()
    built = build_problem(job, settings, travel)
    if not built.groups:
        return assemble_schedule(job, built, [], [], time.monotonic() - started)
    # Start from the greedy schedule: OR-Tools' own first solutions often leave every
    # target out on this model (several windows a target, all targets optional).
    greedy = nearest_neighbour(built.problem)
    initial = [seq for _k, seq, _l in greedy]
    remaining = max(0.2, time_limit_s - (time.monotonic() - started))
    result: RoutingResult = solve(built.problem, time_limit_s=remaining, workers=1,
                                  configs=[config], initial=initial)
    if result.status == "no_solution":
        # A loaded machine can leave the search no time to accept even its starting
        # solution; the greedy schedule is a feasible plan all the same (the campaign
        # layer checks it like any other), so keep it rather than routing nobody.
        routed = {n for _k, seq, _l in greedy for n in seq}
        sched = assemble_schedule(
            job, built, greedy,
            [(i, "not_fitted") for i in built.problem.visit_nodes if i not in routed],
            time.monotonic() - started, with_lines=with_lines,
            message=f"search found nothing ({result.message}); greedy schedule kept")
        sched.figures = {"nodes": built.problem.num_nodes - 1,
                         "days": built.problem.num_vehicles, "config": "greedy"}
        return sched
    routes = [(r.vehicle, list(r.nodes), r.departure) for r in result.routes]
    dropped = [(d.node, d.reason) for d in result.dropped]
    sched = assemble_schedule(job, built, routes, dropped, time.monotonic() - started,
                              with_lines=with_lines)
    sched.figures = {"nodes": built.problem.num_nodes - 1, "days": built.problem.num_vehicles,
                     "config": result.config}
    return sched
