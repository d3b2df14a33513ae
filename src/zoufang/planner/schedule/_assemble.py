"""Routes of the router read back into a :class:`~zoufang.planner.schedule.CadreSchedule`.

:func:`assemble_schedule` times each day (earliest start at each stop, leaving just in
time for the first), splits the stops of a block back into its units, draws the route
lines, lists the targets left out with the reason and estimates the extra days they
would need. Reasons are the codes of :data:`zoufang.vocab.LEFT_OUT_REASONS`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from zoufang.planner.schedule.build import UNIT_S, BuiltProblem
from zoufang.planner.schedule.model import CadreJob, CadreSchedule, DayRoute, LeftOut, ScheduledStop

__all__ = ["assemble_schedule"]

_REASONS = {
    "no_window": "its kind is never available while the cadre visits (time windows)",
    "unreachable": "no single day can serve it, even alone (too far or too long)",
    "not_fitted": "the phase's days are full",
    "no_vehicle": "no day of the cadre can take it",
    "capacity": "no day of the cadre can take it",
}


def _reason_code(r: str) -> str:
    """Return the left-out code (:data:`zoufang.vocab.LEFT_OUT_REASONS`) of a router reason."""
    return {"not_fitted": "days_full", "no_vehicle": "unreachable",
            "capacity": "unreachable"}.get(r, r)


def assemble_schedule(job: CadreJob, built: BuiltProblem,
                      routes: Sequence[tuple[int, list[int], int]],
                      dropped: Sequence[tuple[int, str]], solve_s: float, status: str = "ok",
                      message: str = "", with_lines: bool = True) -> CadreSchedule:
    """Read the router's ``(vehicle, nodes, leave)`` routes and dropped nodes as a schedule.

    Times are those of the earliest schedule of each day, leaving just in time for the
    first stop; a stop's units follow one another; ``with_lines`` draws each day's line
    from the travel matrix.
    """
    problem, groups, day0 = built.problem, built.groups, built.day0
    # build_problem always gives distances (metres): the cost matrix is that matrix
    dur, dist = problem.duration, problem.cost_matrix
    days: list[DayRoute] = []

    def at(s: int) -> dt.datetime:
        return day0 + dt.timedelta(seconds=int(s) * UNIT_S)

    for k, seq, leave in routes:
        if not seq:
            continue
        v = problem.vehicles[k]
        t, prev, meters = leave, 0, 0
        timeline: list[tuple[int, int, int, int]] = []  # node, arrive, start, end
        for node in seq:
            arrive = t + int(dur[prev, node])
            start = next((max(a, arrive) for a, b in problem.time_windows[node] if arrive <= b),
                         arrive)
            end = start + problem.service[node]
            timeline.append((node, arrive, start, end))
            meters += int(dist[prev, node])
            t, prev = end, node
        meters += int(dist[prev, 0])
        back = t + int(dur[prev, 0])
        first_node, _arr, first_start, _e = timeline[0]
        depart = max(leave, first_start - int(dur[0, first_node]), v.earliest)
        if depart != leave:
            timeline[0] = (first_node, depart + int(dur[0, first_node]), first_start,
                           timeline[0][3])
        stops: list[ScheduledStop] = []
        stop_no, last_point = 0, None
        for node, arrive, start, _end in timeline:
            g = groups[node - 1]
            if g.point != last_point:
                stop_no += 1
                unit_base = 0
            else:
                unit_base = max(s.unit_order for s in stops if s.stop == stop_no) + 1
            last_point = g.point
            svc = problem.service[node] // len(g.members)
            for u, m in enumerate(g.members):
                s0 = start + u * svc
                stops.append(ScheduledStop(stop_no, unit_base + u, m.target_id, m.purpose,
                                           m.priority, at(arrive if u == 0 else s0), at(s0),
                                           at(s0 + svc), g.point[0], g.point[1]))
        line: list[tuple[float, float]] = []
        if with_lines:
            path = [0] + list(seq) + [0]
            pts = built.matrix.points
            for i, j in zip(path, path[1:], strict=False):
                if i == j or tuple(pts[i]) == tuple(pts[j]):
                    continue
                seg = built.matrix.line(i, j)
                line.extend(seg if not line else seg[1:])
        days.append(DayRoute(at(v.earliest).date(), at(depart), at(back), float(meters),
                             tuple(stops), tuple(line)))
    left: list[LeftOut] = [LeftOut(t.target_id, t.purpose, "no_window", _REASONS["no_window"])
                           for t in built.no_window]
    days_full_s = 0
    for node, reason in dropped:
        g = groups[node - 1]
        code = _reason_code(reason)
        if code == "days_full":
            days_full_s += g.service_s
        for m in g.members:
            left.append(LeftOut(m.target_id, m.purpose, code, _REASONS.get(reason, reason)))
    extra = 0
    if days_full_s:
        # Pace of the routed days: working seconds per day and the travel share.
        used = [d for d in days if d.stops]
        worked = sum(d.duration_s for d in used)
        served = sum((s.end - s.start).total_seconds() for d in used for s in d.stops)
        travel_share = (worked - served) / worked if worked else 0.3
        per_day = (worked / len(used)) if used else max(
            (v.max_duration or (v.latest - v.earliest)) for v in problem.vehicles) * UNIT_S
        need = days_full_s / max(1e-9, 1.0 - min(travel_share, 0.8))
        extra = int(math.ceil(need / max(per_day, 1)))
    left.sort(key=lambda x: x.target_id)
    return CadreSchedule(job.cadre_ext_id, job.mode, days, left, extra, solve_s, status,
                         message, built.matrix.source)
