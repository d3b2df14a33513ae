"""The routing problem (VRPTW) over plain integers: :class:`Vehicle` and :class:`RoutingProblem`.

Everything is plain integers: the caller chooses the unit (seconds, minutes, or
Solomon's tenths) and uses it for durations, windows, service and vehicle windows alike.
Both classes check themselves on construction and raise one
:class:`~zoufang._errors.ValidationError` listing every problem.

Conventions
-----------
- ``duration[i, j]`` is the travel time from node ``i`` to node ``j``; the objective is
  ``distance`` when given, else ``duration``.
- A visit's *start* is the start of service. It must lie inside one of the node's
  windows (``start <= end`` of the window; the service may run past the window's end).
  Waiting before a window opens is allowed and free.
- Nodes that are some vehicle's ``start_node`` or ``end_node`` are *depots*: they are
  never visited, and their service, windows, demand, penalty and priority are ignored.
  Put a target at a base's location as its own node.
- A vehicle leaves its start no earlier than ``earliest`` and is back at its end no
  later than ``latest``; ``max_duration`` bounds back-time minus leave-time.
- Reported times are the earliest schedule of each route, the cadre leaving just in
  time for the first stop (no waiting at the first door).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zoufang._errors import Problem, problem
from zoufang.planner.routing._validate import (
    TimeWindow,
    as_int,
    check_windows,
    int_matrix,
    int_vector,
    raise_if,
)

__all__ = ["RoutingProblem", "TimeWindow", "Vehicle"]


@dataclass(frozen=True)
class Vehicle:
    """One vehicle of the routing problem — in the campaign, one cadre-day (干部的一天).

    Parameters
    ----------
    start_node, end_node
        Node the route leaves from and returns to (the cadre's base).
    earliest, latest
        Leave no earlier than ``earliest``; be back no later than ``latest``.
    capacity
        Largest total demand of the route; None for no limit.
    max_duration
        Largest back-time minus leave-time; None for no limit.
    fixed_cost
        Cost paid when the vehicle is used at all.
    name
        Optional label (e.g. cadre and date), carried into results.
    """

    start_node: int
    end_node: int
    earliest: int
    latest: int
    capacity: int | None = None
    max_duration: int | None = None
    fixed_cost: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        problems: list[Problem] = []

        def bad(fld: str, msg: str) -> None:
            problems.append(problem("Vehicle", msg, fld, repr(getattr(self, fld))))

        for fld in ("start_node", "end_node", "earliest", "latest", "fixed_cost"):
            value = as_int(getattr(self, fld))
            if value is None:
                bad(fld, f"Expected integer {fld}.")
            else:
                object.__setattr__(self, fld, value)
        for fld in ("capacity", "max_duration"):
            if getattr(self, fld) is not None:
                value = as_int(getattr(self, fld))
                if value is None:
                    bad(fld, f"Expected integer {fld} or None.")
                else:
                    object.__setattr__(self, fld, value)
        raise_if("Vehicle", problems)
        for fld in ("start_node", "end_node", "fixed_cost"):
            if getattr(self, fld) < 0:
                bad(fld, f"Expected {fld} >= 0.")
        if self.earliest > self.latest:
            bad("latest", "Expected earliest <= latest.")
        if self.capacity is not None and self.capacity < 0:
            bad("capacity", "Expected capacity >= 0.")
        if self.max_duration is not None and self.max_duration < 0:
            bad("max_duration", "Expected max_duration >= 0.")
        raise_if("Vehicle", problems)


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """A vehicle routing problem with (multiple) time windows, in integer units.

    Parameters
    ----------
    duration
        ``n × n`` integer travel times, ``duration[i, j]`` from ``i`` to ``j``.
    service
        Service time per node.
    time_windows
        Per node, a sequence of ``(start, end)`` intervals; the start of service must
        fall in one of them. Several windows per node are allowed (every evening plus
        weekend days); they are stored sorted, overlapping ones merged. An empty
        sequence means the node cannot be visited at all.
    vehicles
        The vehicles (cadre-days), see :class:`Vehicle`.
    distance
        Optional ``n × n`` integer distances; the objective uses them when given,
        else ``duration``.
    demand
        Optional demand per node, checked against vehicle capacities.
    drop_penalty
        Optional per node: None means the node must be visited; an integer means it
        may be left out at that cost. Without this argument every node is mandatory.
    priority_weight
        Optional cost per unit of start time per node, pulling priority nodes early
        (0 for none). With ``priority_due``, only the time after the due time costs.
    priority_due
        Optional per node: the time by which a weighted node should have started
        (a soft deadline; the cost is ``priority_weight × max(0, start − due)``).
        Without it the due time is 0.
    allowed_vehicles
        Optional per node: None for any vehicle, else the vehicle indices allowed.
    max_active_vehicles
        Optional: at most this many vehicles may be used (a cadre who works only some
        of the phase's days).
    names
        Optional label per node, used in messages and summaries.
    """

    duration: np.ndarray
    service: Sequence[int]
    time_windows: Sequence[Sequence[TimeWindow]]
    vehicles: Sequence[Vehicle]
    distance: np.ndarray | None = None
    demand: Sequence[int] | None = None
    drop_penalty: Sequence[int | None] | None = None
    priority_weight: Sequence[int] | None = None
    priority_due: Sequence[int] | None = None
    allowed_vehicles: Sequence[Sequence[int] | None] | None = None
    names: Sequence[str] | None = None
    max_active_vehicles: int | None = None

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        duration = int_matrix("duration", self.duration, problems)
        raise_if("RoutingProblem", problems)
        assert duration is not None
        n = duration.shape[0]
        object.__setattr__(self, "duration", duration)
        if self.distance is not None:
            distance = int_matrix("distance", self.distance, problems)
            if distance is not None and distance.shape != duration.shape:
                problems.append(Problem("RoutingProblem", None, "distance",
                                        "Expected the shape of duration.",
                                        value=str(distance.shape)))
            object.__setattr__(self, "distance", distance)
        object.__setattr__(self, "service", int_vector("service", self.service, n, problems))
        object.__setattr__(self, "time_windows", check_windows(self.time_windows, n, problems))
        vehicles = tuple(self.vehicles)
        if not vehicles:
            problems.append(Problem("RoutingProblem", None, "vehicles",
                                    "Expected at least one vehicle."))
        for k, v in enumerate(vehicles):
            if not isinstance(v, Vehicle):
                problems.append(Problem("RoutingProblem", None, f"vehicles[{k}]",
                                        "Expected a Vehicle.", value=type(v).__name__))
            elif v.start_node >= n or v.end_node >= n:
                problems.append(Problem("RoutingProblem", None, f"vehicles[{k}]",
                                        f"Expected start_node and end_node < {n}."))
        object.__setattr__(self, "vehicles", vehicles)
        if self.demand is not None:
            object.__setattr__(self, "demand", int_vector("demand", self.demand, n, problems))
        if self.drop_penalty is not None:
            object.__setattr__(self, "drop_penalty", int_vector(
                "drop_penalty", self.drop_penalty, n, problems, optional=True))
        if self.priority_weight is not None:
            object.__setattr__(self, "priority_weight", int_vector(
                "priority_weight", self.priority_weight, n, problems))
        if self.priority_due is not None:
            object.__setattr__(self, "priority_due", int_vector(
                "priority_due", self.priority_due, n, problems))
        if self.allowed_vehicles is not None:
            allowed = list(self.allowed_vehicles)
            if len(allowed) != n:
                problems.append(Problem("RoutingProblem", None, "allowed_vehicles",
                                        f"Expected {n} entries, one per node.",
                                        value=str(len(allowed))))
            else:
                norm: list[tuple[int, ...] | None] = []
                for i, ks in enumerate(allowed):
                    if ks is None:
                        norm.append(None)
                        continue
                    as_ints = (as_int(k) for k in ks)
                    idx = tuple(sorted({-1 if k is None else k for k in as_ints}))
                    if any(k < 0 or k >= len(vehicles) for k in idx):
                        problems.append(Problem(
                            "RoutingProblem", None, f"allowed_vehicles[{i}]",
                            f"Expected vehicle indices in [0, {len(vehicles)}).",
                            value=repr(ks)))
                    norm.append(idx)
                object.__setattr__(self, "allowed_vehicles", tuple(norm))
        if self.max_active_vehicles is not None:
            value = as_int(self.max_active_vehicles)
            if value is None or value < 0:
                problems.append(Problem("RoutingProblem", None, "max_active_vehicles",
                                        "Expected an integer >= 0 or None.",
                                        value=repr(self.max_active_vehicles)))
            else:
                object.__setattr__(self, "max_active_vehicles", value)
        if self.names is not None:
            names = tuple(str(s) for s in self.names)
            if len(names) != n:
                problems.append(Problem("RoutingProblem", None, "names",
                                        f"Expected {n} entries, one per node.",
                                        value=str(len(names))))
            object.__setattr__(self, "names", names)
        raise_if("RoutingProblem", problems)

    # -- derived views ----------------------------------------------------------------
    @property
    def num_nodes(self) -> int:
        """Number of nodes (depots included)."""
        return int(self.duration.shape[0])

    @property
    def num_vehicles(self) -> int:
        """Number of vehicles."""
        return len(self.vehicles)

    @property
    def cost_matrix(self) -> np.ndarray:
        """The matrix the objective sums: ``distance`` when given, else ``duration``."""
        return self.distance if self.distance is not None else self.duration

    @property
    def depots(self) -> frozenset[int]:
        """Nodes that are a vehicle's start or end (never visited)."""
        return frozenset({v.start_node for v in self.vehicles}
                         | {v.end_node for v in self.vehicles})

    @property
    def visit_nodes(self) -> tuple[int, ...]:
        """Nodes to visit (every node that is not a depot), in index order."""
        depots = self.depots
        return tuple(i for i in range(self.num_nodes) if i not in depots)

    def is_mandatory(self, node: int) -> bool:
        """Whether ``node`` must be visited (no drop penalty given)."""
        return self.drop_penalty is None or self.drop_penalty[node] is None

    def label(self, node: int) -> str:
        """Name of ``node`` for messages (its name, else ``"node <i>"``)."""
        return self.names[node] if self.names is not None else f"node {node}"
