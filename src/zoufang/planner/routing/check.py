"""Independent checker of routes (路线校验): recomputes every time from the matrices.

This module did not make the routes and shares no code path with the router
(:mod:`zoufang.planner.routing.search`): it reads only the problem's data and the result's plain
fields (node sequences, reported times, dropped list), and recomputes arrival times,
windows, capacities and distances itself. Tests and benchmarks call it on every
solution, ours and our peers'.

Checked rules (violation codes)
-------------------------------
``bad_vehicle``         route for a vehicle index that does not exist, or twice
``bad_node``            node index out of range, or a depot visited as a stop
``duplicate``           node visited more than once (or routed and dropped)
``missing``             visit node neither routed nor listed as dropped
``mandatory_dropped``   node without a drop penalty listed as dropped
``not_allowed``         node on a vehicle not in its ``allowed_vehicles``
``early_departure``     vehicle leaves before its ``earliest``
``early_start``         service starts before the cadre can have arrived
``outside_window``      service start in none of the node's time windows
``late_return``         back at the end node after the vehicle's ``latest``
``max_duration``        back-time minus leave-time above ``max_duration``
``capacity``            route demand above the vehicle's capacity
``time_mismatch``       reported arrival, end or return differs from the recomputed one
``distance_mismatch``   reported route distance differs from the recomputed one
``too_many_vehicles``   more vehicles used than ``max_active_vehicles``
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["RouteCheckReport", "Violation", "check_result", "check_sequences"]


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Parameters
    ----------
    code
        Short code from the module docstring (e.g. ``"outside_window"``).
    message
        What is wrong, with the numbers.
    vehicle, node
        Where, when it applies.
    """

    code: str
    message: str
    vehicle: int | None = None
    node: int | None = None

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass(frozen=True)
class RouteCheckReport:
    """Outcome of a check.

    Parameters
    ----------
    violations
        Every broken rule found (empty when the solution is valid).
    distance
        Sum of the objective matrix (``distance``, else ``duration``) over all routes,
        recomputed from the node sequences.
    cost
        Recomputed objective: distance + fixed costs of used vehicles + penalties of
        dropped optional nodes + priority weight × time started after the node's due
        time (``priority_due``, else 0; start times as reported, or, for bare
        sequences, the earliest possible).
    vehicles_used
        Routes with at least one stop.
    """

    violations: tuple[Violation, ...]
    distance: int
    cost: int
    vehicles_used: int

    @property
    def ok(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    def codes(self) -> set[str]:
        """Return the set of violation codes found."""
        return {v.code for v in self.violations}

    def summary(self, limit: int = 20) -> str:
        """One line of totals, then up to ``limit`` violations."""
        head = (f"{'valid' if self.ok else 'INVALID'}: distance {self.distance}, cost "
                f"{self.cost}, vehicles {self.vehicles_used}, {len(self.violations)} violation(s)")
        lines = [head] + [f"  {v}" for v in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more")
        return "\n".join(lines)


@dataclass
class _Stop:
    node: int
    arrival: int | None = None
    start: int | None = None
    end: int | None = None


@dataclass
class _Plan:
    vehicle: int
    stops: list[_Stop]
    departure: int | None = None
    return_time: int | None = None
    distance: int | None = None


def _in_windows(windows: Sequence[tuple[int, int]], t: int) -> bool:
    return any(a <= t <= b for a, b in windows)


def _earliest_in_windows(windows: Sequence[tuple[int, int]], t: int) -> int | None:
    best: int | None = None
    for a, b in windows:
        if b >= t:
            cand = a if a > t else t
            if best is None or cand < best:
                best = cand
    return best


def _check(problem: Any, plans: list[_Plan], dropped: Sequence[int],
           timed: bool) -> RouteCheckReport:
    n = int(problem.duration.shape[0])
    dur = problem.duration
    cost_m = problem.distance if problem.distance is not None else problem.duration
    vehicles = problem.vehicles
    depots = {v.start_node for v in vehicles} | {v.end_node for v in vehicles}
    out: list[Violation] = []
    seen: dict[int, int] = {}
    seen_vehicles: set[int] = set()
    total_distance = 0
    total_cost = 0
    used = 0

    for plan in plans:
        k = plan.vehicle
        if not 0 <= k < len(vehicles) or k in seen_vehicles:
            out.append(Violation("bad_vehicle", f"route for vehicle {k}: no such vehicle, or a "
                                 "second route for it", vehicle=k))
            continue
        seen_vehicles.add(k)
        veh = vehicles[k]
        if not plan.stops:
            continue
        used += 1
        total_cost += veh.fixed_cost
        good = True
        for s in plan.stops:
            if not 0 <= s.node < n or s.node in depots:
                out.append(Violation("bad_node", f"vehicle {k} visits {s.node}, which is not a "
                                     "visit node", vehicle=k, node=s.node))
                good = False
                continue
            if s.node in seen:
                out.append(Violation("duplicate", f"node {s.node} visited by vehicle {k} and "
                                     f"already by vehicle {seen[s.node]}", vehicle=k, node=s.node))
            seen.setdefault(s.node, k)
            allowed = (problem.allowed_vehicles[s.node]
                       if problem.allowed_vehicles is not None else None)
            if allowed is not None and k not in allowed:
                out.append(Violation("not_allowed", f"node {s.node} is on vehicle {k}; allowed: "
                                     f"{list(allowed)}", vehicle=k, node=s.node))
        if not good:
            continue

        # Distance, recomputed along start -> stops -> end.
        path = [veh.start_node] + [s.node for s in plan.stops] + [veh.end_node]
        dist = sum(int(cost_m[a, b]) for a, b in zip(path, path[1:], strict=False))
        total_distance += dist
        if plan.distance is not None and plan.distance != dist:
            out.append(Violation("distance_mismatch", f"vehicle {k}: reported distance "
                                 f"{plan.distance}, recomputed {dist}", vehicle=k))

        # Capacity.
        if veh.capacity is not None and problem.demand is not None:
            load = sum(int(problem.demand[s.node]) for s in plan.stops)
            if load > veh.capacity:
                out.append(Violation("capacity", f"vehicle {k}: load {load} > capacity "
                                     f"{veh.capacity}", vehicle=k))

        # Times.
        if timed:
            departure = plan.departure if plan.departure is not None else veh.earliest
        else:
            departure = veh.earliest
        if departure < veh.earliest:
            out.append(Violation("early_departure", f"vehicle {k} leaves at {departure} < "
                                 f"earliest {veh.earliest}", vehicle=k))
        t, prev = departure, veh.start_node
        starts: list[int] = []
        for pos, s in enumerate(plan.stops):
            arrival = t + int(dur[prev, s.node])
            windows = problem.time_windows[s.node]
            if timed and s.start is not None:
                start = s.start
                if s.arrival is not None and s.arrival != arrival:
                    out.append(Violation("time_mismatch", f"vehicle {k}, stop {pos + 1} (node "
                                         f"{s.node}): reported arrival {s.arrival}, recomputed "
                                         f"{arrival}", vehicle=k, node=s.node))
                if start < arrival:
                    out.append(Violation("early_start", f"vehicle {k}, node {s.node}: service "
                                         f"starts at {start} but arrival is {arrival}",
                                         vehicle=k, node=s.node))
                if not _in_windows(windows, start):
                    out.append(Violation("outside_window", f"vehicle {k}, node {s.node}: start "
                                         f"{start} in none of {list(windows)}",
                                         vehicle=k, node=s.node))
            else:
                found = _earliest_in_windows(windows, arrival)
                if found is None:
                    out.append(Violation("outside_window", f"vehicle {k}, node {s.node}: arrives "
                                         f"at {arrival}, after every window {list(windows)}",
                                         vehicle=k, node=s.node))
                    start = arrival
                else:
                    start = found
            end = start + int(problem.service[s.node])
            if timed and s.end is not None and s.end != end:
                out.append(Violation("time_mismatch", f"vehicle {k}, node {s.node}: reported end "
                                     f"{s.end}, recomputed {end}", vehicle=k, node=s.node))
            starts.append(start)
            t, prev = end, s.node
        back = t + int(dur[prev, veh.end_node])
        if timed and plan.return_time is not None and plan.return_time != back:
            out.append(Violation("time_mismatch", f"vehicle {k}: reported return "
                                 f"{plan.return_time}, recomputed {back}", vehicle=k))
        if back > veh.latest:
            out.append(Violation("late_return", f"vehicle {k} is back at {back} > latest "
                                 f"{veh.latest}", vehicle=k))
        if veh.max_duration is not None:
            leave = departure
            if not timed:  # leave just in time for the first stop
                leave = max(departure, starts[0] - int(dur[veh.start_node, plan.stops[0].node]))
            if back - leave > veh.max_duration:
                out.append(Violation("max_duration", f"vehicle {k} is out {back - leave} > "
                                     f"max_duration {veh.max_duration}", vehicle=k))
        if problem.priority_weight is not None:
            due = getattr(problem, "priority_due", None) or [0] * n
            total_cost += sum(int(problem.priority_weight[s.node]) * max(0, st - int(due[s.node]))
                              for s, st in zip(plan.stops, starts, strict=True))
    total_cost += total_distance

    # Coverage: every visit node routed once or dropped; mandatory ones never dropped.
    dropped_seen: set[int] = set()
    for i in dropped:
        if not 0 <= i < n or i in depots:
            out.append(Violation("bad_node", f"dropped node {i} is not a visit node", node=i))
            continue
        if i in seen or i in dropped_seen:
            out.append(Violation("duplicate", f"node {i} is listed as dropped and also routed "
                                 "(or dropped twice)", node=i))
        dropped_seen.add(i)
        penalty = problem.drop_penalty[i] if problem.drop_penalty is not None else None
        if penalty is None:
            out.append(Violation("mandatory_dropped", f"node {i} must be visited but is listed "
                                 "as dropped", node=i))
        else:
            total_cost += int(penalty)
    for i in range(n):
        if i not in depots and i not in seen and i not in dropped_seen:
            out.append(Violation("missing", f"node {i} is neither routed nor listed as dropped",
                                 node=i))
    cap = getattr(problem, "max_active_vehicles", None)
    if cap is not None and used > cap:
        out.append(Violation("too_many_vehicles", f"{used} vehicles used > "
                             f"max_active_vehicles {cap}"))
    return RouteCheckReport(tuple(out), total_distance, total_cost, used)


def check_result(problem: Any, result: Any) -> RouteCheckReport:
    """Check a :class:`~zoufang.planner.routing.RoutingResult` against ``problem``.

    The reported times are checked, not trusted: each arrival is recomputed as the
    previous end (or the departure) plus the travel time, each start must not precede
    its arrival and must lie in one of the node's windows, each end is start plus
    service, and the return time, vehicle window, duration, capacity, allowed vehicles,
    coverage and distances are recomputed from the matrices.

    Parameters
    ----------
    problem
        The :class:`~zoufang.planner.routing.RoutingProblem`.
    result
        Anything with ``routes`` (each with ``vehicle``, ``visits`` of ``node``,
        ``arrival``, ``start``, ``end``, and ``departure``, ``return_time``,
        ``distance``) and ``dropped`` (items with ``node``, or plain ints).

    Returns
    -------
    RouteCheckReport
        Violations (empty when valid) and the recomputed distance and cost.
    """
    plans = [
        _Plan(r.vehicle, [_Stop(v.node, v.arrival, v.start, v.end) for v in r.visits],
              r.departure, r.return_time, r.distance)
        for r in result.routes
    ]
    dropped = [getattr(d, "node", d) for d in result.dropped]
    return _check(problem, plans, dropped, timed=True)


def check_sequences(problem: Any, routes: Sequence[Sequence[int]] | dict[int, Sequence[int]],
                    dropped: Iterable[int] = ()) -> RouteCheckReport:
    """Check bare node sequences (e.g. a peer solver's routes) against ``problem``.

    Each vehicle leaves at its ``earliest``, every service starts as early as its
    windows allow (waiting is allowed), and for ``max_duration`` the vehicle is assumed
    to leave just in time for its first stop.

    Parameters
    ----------
    problem
        The :class:`~zoufang.planner.routing.RoutingProblem`.
    routes
        Per vehicle the visited nodes in order (depots excluded): a list indexed by
        vehicle, or a ``{vehicle: nodes}`` mapping.
    dropped
        Nodes declared left out.

    Returns
    -------
    RouteCheckReport
        Violations (empty when valid) and the recomputed distance and cost.
    """
    items = routes.items() if isinstance(routes, dict) else enumerate(routes)
    plans = [_Plan(int(k), [_Stop(int(i)) for i in seq]) for k, seq in items]
    return _check(problem, plans, list(dropped), timed=False)
