"""What the router returns: timed :class:`Route` of :class:`StopTiming`, :class:`Dropped` nodes.

:class:`RoutingResult` holds one route per vehicle, the nodes left out with the reason,
a status and the figures of the search; times are in the problem's integer unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from zoufang.planner.routing.problem import RoutingProblem

__all__ = ["DROP_REASONS", "DropReason", "Dropped", "Route", "RoutingResult", "StopTiming"]

DropReason = Literal["no_window", "no_vehicle", "unreachable", "capacity", "not_fitted"]

DROP_REASONS: dict[str, str] = {
    "no_window": "the node has no time window",
    "no_vehicle": "no vehicle is allowed to visit the node",
    "unreachable": "no allowed vehicle can reach the node inside one of its windows and "
                   "still be back in time, even visiting it alone",
    "capacity": "the node's demand exceeds the capacity of every allowed vehicle",
    "not_fitted": "the vehicles' time could not hold the node together with the others "
                  "(dropping it cost less than fitting it)",
}


@dataclass(frozen=True)
class StopTiming:
    """One stop of a route: the cadre arrives, may wait, serves, leaves.

    Parameters
    ----------
    node
        The node visited.
    arrival
        Time of arrival at the node.
    start
        Start of service (``>= arrival``; the difference is waiting).
    end
        End of service, ``start + service``.
    """

    node: int
    arrival: int
    start: int
    end: int


@dataclass(frozen=True)
class Route:
    """The route of one vehicle (one cadre-day).

    Parameters
    ----------
    vehicle
        Index of the vehicle in the problem.
    visits
        The stops in order; depots excluded. Empty when the vehicle is not used.
    departure
        Time the vehicle leaves its start node.
    return_time
        Time it is back at its end node.
    distance
        Sum of the objective matrix along the route (``distance`` or ``duration``).
    """

    vehicle: int
    visits: tuple[StopTiming, ...]
    departure: int
    return_time: int
    distance: int

    @property
    def nodes(self) -> tuple[int, ...]:
        """Visited nodes in order."""
        return tuple(v.node for v in self.visits)

    @property
    def is_used(self) -> bool:
        """Whether the vehicle visits at least one node."""
        return bool(self.visits)

    @property
    def duration(self) -> int:
        """Back-time minus leave-time (0 when unused)."""
        return self.return_time - self.departure if self.visits else 0


@dataclass(frozen=True)
class Dropped:
    """A node left out of every route, with the reason.

    ``reason`` is one of ``"no_window"``, ``"no_vehicle"``, ``"unreachable"``,
    ``"capacity"`` (found before the search: the node cannot be served even alone) or
    ``"not_fitted"`` (the search could not, or chose not to, fit it with the others).
    """

    node: int
    reason: DropReason
    mandatory: bool = False

    @property
    def explanation(self) -> str:
        """The reason in words."""
        return DROP_REASONS[self.reason]


@dataclass(frozen=True, eq=False)
class RoutingResult:
    """What :func:`solve` found.

    Parameters
    ----------
    problem
        The problem solved.
    routes
        One :class:`Route` per vehicle, in vehicle order (unused vehicles have no visits).
    dropped
        Nodes left out, with reasons. Mandatory nodes appear here only when the
        result is infeasible.
    status
        ``"feasible"`` (every mandatory node routed), ``"infeasible"`` (some
        mandatory node could not be routed: see ``dropped`` and ``message``) or
        ``"no_solution"`` (the search found nothing in the time limit).
    message
        A sentence saying what happened, and why when it is not feasible.
    solve_time_s
        Wall-clock seconds spent in :func:`solve`.
    objective
        The search's own objective of the kept solution (includes internal weights,
        such as the per-vehicle cost of ``vehicle_count_first``).
    config
        Label of the search configuration that produced the kept solution.
    runs
        ``(config label, seed, cost)`` of every search run, for the record.
    """

    problem: RoutingProblem
    routes: tuple[Route, ...]
    dropped: tuple[Dropped, ...]
    status: Literal["feasible", "infeasible", "no_solution"]
    message: str
    solve_time_s: float
    objective: int | None = None
    config: str = ""
    runs: tuple[tuple[str, int, int | None], ...] = field(default=())

    def is_feasible(self) -> bool:
        """Whether every mandatory node is routed (and a solution exists)."""
        return self.status == "feasible"

    @property
    def vehicles_used(self) -> int:
        """Number of vehicles with at least one visit."""
        return sum(1 for r in self.routes if r.is_used)

    @property
    def dropped_nodes(self) -> tuple[int, ...]:
        """The dropped nodes, without reasons."""
        return tuple(d.node for d in self.dropped)

    def distance(self) -> int:
        """Total of the objective matrix over all routes (``distance``, else ``duration``)."""
        return sum(r.distance for r in self.routes)

    def cost(self) -> int:
        """Problem objective: distance + fixed costs + drop penalties + priority costs.

        Mandatory nodes that were dropped carry no penalty here; ``is_feasible()``
        is False for such results.
        """
        p = self.problem
        total = self.distance()
        total += sum(p.vehicles[r.vehicle].fixed_cost for r in self.routes if r.is_used)
        if p.drop_penalty is not None:
            total += sum(p.drop_penalty[d.node] or 0 for d in self.dropped)
        if p.priority_weight is not None:
            due = p.priority_due or [0] * p.num_nodes
            total += sum(p.priority_weight[v.node] * max(0, v.start - due[v.node])
                         for r in self.routes for v in r.visits)
        return total

    def summary(self) -> str:
        """Describe the result in a few lines (status, totals, routes, dropped nodes)."""
        p = self.problem
        lines = [
            f"{self.status}: {self.message}",
            f"cost {self.cost()}, distance {self.distance()}, vehicles used "
            f"{self.vehicles_used}/{p.num_vehicles}, dropped {len(self.dropped)}, "
            f"solved in {self.solve_time_s:.2f} s ({self.config or 'no search'})",
        ]
        for r in self.routes:
            if r.is_used:
                name = p.vehicles[r.vehicle].name or f"vehicle {r.vehicle}"
                stops = " ".join(p.label(v.node) for v in r.visits)
                lines.append(f"  {name}: {r.departure}→{r.return_time} "
                             f"dist {r.distance}: {stops}")
        for d in self.dropped:
            tag = " (mandatory)" if d.mandatory else ""
            lines.append(f"  dropped {p.label(d.node)}{tag}: {d.explanation}")
        return "\n".join(lines)
