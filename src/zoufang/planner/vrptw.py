"""Vehicle routing with time windows over plain data (路线规划求解核心).

The router behind the daily routes of visiting cadres: one :class:`Vehicle` is one
cadre-day (走访干部的一天), leaving its base and coming back within its visiting window;
nodes are targets (走访对象) with service minutes and one or several time windows
(households in the evening and at weekends, enterprises in office hours). Nodes that the
days cannot hold are dropped and listed with the reason.

Everything is plain integers: the caller chooses the unit (seconds, minutes, or
Solomon's tenths) and uses it for durations, windows, service and vehicle windows alike.
The solver is OR-Tools routing, tuned on the Solomon benchmark
(``benchmarks/bench_solomon.py``); with ``workers=2`` two differently configured searches
run in two processes and the better result is kept.

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

Tuning notes (Solomon, 100 customers, 10 s, distance only; see BENCHMARKS.md)
------------------------------------------------------------------------------
- Travel and service times are registered as transit *matrices*, not Python callbacks,
  so the search runs in C++ only.
- The first solution decides much: ``PARALLEL_SAVINGS`` beat parallel cheapest insertion
  (the usual choice) and ``SAVINGS`` on R2/RC2 by several points; its arc coefficient
  1.3 and 1.0 complement each other, hence the two-worker portfolio.
- Guided local search with lambda 0.1 beat tabu search and simulated annealing;
  lambda 0.05–0.2 made no clear difference.
- Dropping the operators that only serve pickup-and-delivery, inactive nodes and
  insertion LNS (and Lin–Kernighan) and adding relocate-neighbours and cross-exchange
  gave about half a point. Restricting operators to near neighbours
  (``ls_operator_neighbors_ratio``) made the search collapse; OR-Tools' iterated local
  search (``use_iterated_local_search``) did nothing through the Python wrapper in 9.15.
- The seed only permutes node order (OR-Tools' search is otherwise deterministic), so
  it changes ties, not strategy: diversity comes from the portfolio.
"""

from __future__ import annotations

import multiprocessing as mp
import operator
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from zoufang._errors import Problem, ValidationError

__all__ = [
    "DEFAULT_PORTFOLIO",
    "OPTIONAL_NODE_OPERATORS",
    "TUNED_OPERATORS",
    "Dropped",
    "Route",
    "RoutingProblem",
    "RoutingResult",
    "SearchConfig",
    "Vehicle",
    "Visit",
    "solve",
]

TimeWindow = tuple[int, int]
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


def _as_int(value: Any) -> int | None:
    """Return ``value`` as an int, or None when it is not integral."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def _raise(kind: str, problems: list[Problem]) -> None:
    if problems:
        raise ValidationError(f"Invalid {kind}.", problems)


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
            problems.append(Problem("Vehicle", None, fld, msg,
                                    value=repr(getattr(self, fld))))

        for fld in ("start_node", "end_node", "earliest", "latest", "fixed_cost"):
            value = _as_int(getattr(self, fld))
            if value is None:
                bad(fld, f"Expected integer {fld}.")
            else:
                object.__setattr__(self, fld, value)
        for fld in ("capacity", "max_duration"):
            if getattr(self, fld) is not None:
                value = _as_int(getattr(self, fld))
                if value is None:
                    bad(fld, f"Expected integer {fld} or None.")
                else:
                    object.__setattr__(self, fld, value)
        _raise("Vehicle", problems)
        for fld in ("start_node", "end_node", "fixed_cost"):
            if getattr(self, fld) < 0:
                bad(fld, f"Expected {fld} >= 0.")
        if self.earliest > self.latest:
            bad("latest", "Expected earliest <= latest.")
        if self.capacity is not None and self.capacity < 0:
            bad("capacity", "Expected capacity >= 0.")
        if self.max_duration is not None and self.max_duration < 0:
            bad("max_duration", "Expected max_duration >= 0.")
        _raise("Vehicle", problems)


def _int_vector(name: str, values: Any, n: int, problems: list[Problem], *,
                optional: bool = False) -> tuple[Any, ...] | None:
    """Check a per-node vector of ints (or None entries when ``optional``)."""
    try:
        items = list(values)
    except TypeError:
        problems.append(Problem("RoutingProblem", None, name, f"Expected a sequence of {n}."))
        return None
    if len(items) != n:
        problems.append(Problem("RoutingProblem", None, name,
                                f"Expected {n} entries, one per node.", value=str(len(items))))
        return None
    out: list[Any] = []
    for i, v in enumerate(items):
        if optional and v is None:
            out.append(None)
            continue
        iv = _as_int(v)
        if iv is None:
            problems.append(Problem("RoutingProblem", None, f"{name}[{i}]",
                                    f"Expected integer {name}.", value=repr(v)))
        elif iv < 0:
            problems.append(Problem("RoutingProblem", None, f"{name}[{i}]",
                                    f"Expected {name} >= 0.", value=repr(v)))
        out.append(iv)
    return tuple(out)


def _matrix(name: str, values: Any, problems: list[Problem]) -> np.ndarray | None:
    arr = np.asarray(values)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        problems.append(Problem("RoutingProblem", None, name,
                                f"Expected a non-empty square {name} matrix.",
                                value=str(arr.shape)))
        return None
    if not np.issubdtype(arr.dtype, np.integer):
        problems.append(Problem("RoutingProblem", None, name,
                                f"Expected an integer {name} matrix.", value=str(arr.dtype)))
        return None
    if (arr < 0).any():
        i, j = map(int, np.argwhere(arr < 0)[0])
        problems.append(Problem("RoutingProblem", None, f"{name}[{i}, {j}]",
                                f"Expected {name} >= 0.", value=str(arr[i, j])))
        return None
    out = np.array(arr, dtype=np.int64, copy=True)
    out.setflags(write=False)
    return out


def _windows(values: Any, n: int, problems: list[Problem]) -> tuple[tuple[TimeWindow, ...], ...]:
    """Check per-node windows; return them sorted with overlapping ones merged."""
    items = list(values)
    if len(items) != n:
        problems.append(Problem("RoutingProblem", None, "time_windows",
                                f"Expected {n} entries, one per node.", value=str(len(items))))
        return ()
    out: list[tuple[TimeWindow, ...]] = []
    for i, node_windows in enumerate(items):
        pairs: list[TimeWindow] = []
        try:
            raw = list(node_windows)
        except TypeError:
            raw = [node_windows]
        for w in raw:
            try:
                a, b = (_as_int(x) for x in w)
            except (TypeError, ValueError):
                a = b = None
            if a is None or b is None:
                problems.append(Problem("RoutingProblem", None, f"time_windows[{i}]",
                                        "Expected (start, end) integer pairs.", value=repr(w)))
                continue
            if a > b:
                problems.append(Problem("RoutingProblem", None, f"time_windows[{i}]",
                                        "Expected start <= end.", value=repr(w)))
                continue
            pairs.append((a, b))
        pairs.sort()
        merged: list[TimeWindow] = []
        for a, b in pairs:
            if merged and a <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        out.append(tuple(merged))
    return tuple(out)


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
        duration = _matrix("duration", self.duration, problems)
        _raise("RoutingProblem", problems)
        assert duration is not None
        n = duration.shape[0]
        object.__setattr__(self, "duration", duration)
        if self.distance is not None:
            distance = _matrix("distance", self.distance, problems)
            if distance is not None and distance.shape != duration.shape:
                problems.append(Problem("RoutingProblem", None, "distance",
                                        "Expected the shape of duration.",
                                        value=str(distance.shape)))
            object.__setattr__(self, "distance", distance)
        object.__setattr__(self, "service", _int_vector("service", self.service, n, problems))
        object.__setattr__(self, "time_windows", _windows(self.time_windows, n, problems))
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
            object.__setattr__(self, "demand", _int_vector("demand", self.demand, n, problems))
        if self.drop_penalty is not None:
            object.__setattr__(self, "drop_penalty", _int_vector(
                "drop_penalty", self.drop_penalty, n, problems, optional=True))
        if self.priority_weight is not None:
            object.__setattr__(self, "priority_weight", _int_vector(
                "priority_weight", self.priority_weight, n, problems))
        if self.priority_due is not None:
            object.__setattr__(self, "priority_due", _int_vector(
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
                    as_ints = (_as_int(k) for k in ks)
                    idx = tuple(sorted({-1 if k is None else k for k in as_ints}))
                    if any(k < 0 or k >= len(vehicles) for k in idx):
                        problems.append(Problem(
                            "RoutingProblem", None, f"allowed_vehicles[{i}]",
                            f"Expected vehicle indices in [0, {len(vehicles)}).",
                            value=repr(ks)))
                    norm.append(idx)
                object.__setattr__(self, "allowed_vehicles", tuple(norm))
        if self.max_active_vehicles is not None:
            value = _as_int(self.max_active_vehicles)
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
        _raise("RoutingProblem", problems)

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


@dataclass(frozen=True)
class Visit:
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
    visits: tuple[Visit, ...]
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


# ---------------------------------------------------------------------------------------
# Search configuration
# ---------------------------------------------------------------------------------------
#: Local-search operators switched on or off against OR-Tools' defaults (tuned on Solomon:
#: the pickup-and-delivery, chain-inactivation and insertion-LNS operators cost time and
#: found nothing on VRPTW; relocate-neighbours and cross-exchange helped; make-active is
#: kept so that nodes a first solution leaves out are inserted again).
TUNED_OPERATORS: tuple[tuple[str, bool], ...] = (
    ("use_relocate_pair", False), ("use_light_relocate_pair", False),
    ("use_exchange_pair", False), ("use_relocate_subtrip", False),
    ("use_exchange_subtrip", False),
    ("use_make_active", True), ("use_make_inactive", False),
    ("use_make_chain_inactive", False), ("use_swap_active", False),
    ("use_relocate_path_global_cheapest_insertion_insert_unperformed", False),
    ("use_shortest_path_swap_active", False), ("use_swap_active_chain", False),
    ("use_global_cheapest_insertion_visit_types_lns", False),
    ("use_local_cheapest_insertion_visit_types_lns", False),
    ("use_global_cheapest_insertion_path_lns", False),
    ("use_local_cheapest_insertion_path_lns", False),
    ("use_lin_kernighan", False), ("use_shortest_path_two_opt", False),
    ("use_relocate_expensive_chain", False),
    ("use_relocate_neighbors", True), ("use_cross_exchange", True),
)

#: Operators switched back on when some node is optional (has a drop penalty): they take
#: nodes out of routes and swap performed and left-out nodes, which dropping needs.
OPTIONAL_NODE_OPERATORS: tuple[tuple[str, bool], ...] = (
    ("use_make_inactive", True), ("use_make_chain_inactive", True),
    ("use_swap_active", True), ("use_swap_active_chain", True),
    ("use_relocate_path_global_cheapest_insertion_insert_unperformed", True),
)


@dataclass(frozen=True)
class SearchConfig:
    """How one OR-Tools search is set up (the knobs tuned on the Solomon benchmark).

    Parameters
    ----------
    label
        Name shown in results.
    first_solution
        An OR-Tools ``FirstSolutionStrategy`` name.
    savings_arc_coefficient
        Shape parameter of the savings heuristics (saving = d(i,0) + d(0,j) - a d(i,j));
        None keeps OR-Tools' default (1).
    metaheuristic
        An OR-Tools ``LocalSearchMetaheuristic`` name.
    gls_lambda
        Guided local search penalty coefficient.
    operators
        ``(field, on)`` pairs for ``local_search_operators``; default
        :data:`TUNED_OPERATORS`. When some node is optional,
        :data:`OPTIONAL_NODE_OPERATORS` are applied on top.
    mandatory_as_penalty
        Model mandatory nodes as optional with a penalty larger than any route cost, so
        a search always has a solution and unfittable nodes can be reported (a first
        solution that leaves a node out is repaired by the make-active operator).
    full_propagation
        OR-Tools ``use_full_propagation``.
    extra
        Further ``RoutingSearchParameters`` in protobuf text format, merged last.
    """

    label: str = "gls-psav"
    first_solution: str = "PARALLEL_SAVINGS"
    savings_arc_coefficient: float | None = None
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    gls_lambda: float = 0.1
    operators: tuple[tuple[str, bool], ...] = TUNED_OPERATORS
    mandatory_as_penalty: bool = True
    full_propagation: bool = False
    extra: str = ""


#: The configurations run by the ``workers`` processes, worker ``w`` taking entry
#: ``w % len``. Chosen on all 56 Solomon instances at 10 s (see bench_solomon.py): the
#: parallel savings start beat parallel cheapest insertion, savings and the other first
#: solutions by a wide margin on R2/RC2, and two savings shapes complement each other.
DEFAULT_PORTFOLIO: tuple[SearchConfig, ...] = (
    SearchConfig(label="gls-psav1.3", savings_arc_coefficient=1.3),
    SearchConfig(label="gls-psav1.0"),
)


# ---------------------------------------------------------------------------------------
# Screening: which vehicles could serve each node alone
# ---------------------------------------------------------------------------------------
def _first_start(windows: Sequence[TimeWindow], t: int) -> int | None:
    """Earliest service start >= ``t`` inside one of ``windows`` (sorted)."""
    for a, b in windows:
        if t <= b:
            return max(a, t)
    return None


def _screen(problem: RoutingProblem) -> tuple[dict[int, tuple[int, ...]], dict[int, DropReason]]:
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
            start = _first_start(windows, v.earliest + go)
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


# ---------------------------------------------------------------------------------------
# One OR-Tools search
# ---------------------------------------------------------------------------------------
@dataclass
class _RawSolution:
    """A search outcome in plain data (crosses process boundaries)."""

    config: str
    seed: int
    status: str
    objective: int | None = None
    routes: list[tuple[int, list[int], int]] = field(default_factory=list)  # (k, nodes, leave)


def _search_parameters(config: SearchConfig, time_limit_s: float,
                       optional_nodes: bool = False) -> Any:
    from google.protobuf import text_format
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2
    from ortools.util import optional_boolean_pb2

    params = pywrapcp.DefaultRoutingSearchParameters()
    try:
        params.first_solution_strategy = getattr(
            routing_enums_pb2.FirstSolutionStrategy, config.first_solution)
        params.local_search_metaheuristic = getattr(
            routing_enums_pb2.LocalSearchMetaheuristic, config.metaheuristic)
    except AttributeError as exc:
        raise ValueError(f"SearchConfig {config.label!r}: {exc}") from None
    params.guided_local_search_lambda_coefficient = config.gls_lambda
    params.use_full_propagation = config.full_propagation
    if config.savings_arc_coefficient is not None:
        params.savings_parameters.arc_coefficient = config.savings_arc_coefficient
    on_off = {True: optional_boolean_pb2.BOOL_TRUE, False: optional_boolean_pb2.BOOL_FALSE}
    operators = config.operators + (OPTIONAL_NODE_OPERATORS if optional_nodes else ())
    for name, on in operators:
        if not hasattr(params.local_search_operators, name):
            raise ValueError(f"SearchConfig {config.label!r}: no operator {name!r}")
        setattr(params.local_search_operators, name, on_off[bool(on)])
    if config.extra:
        text_format.Merge(config.extra, params)
    error = pywrapcp.FindErrorInRoutingSearchParameters(params)
    if error:
        raise ValueError(f"SearchConfig {config.label!r} gives invalid OR-Tools parameters: "
                         f"{error}")
    budget = max(time_limit_s, 0.01)
    params.time_limit.seconds = int(budget)
    params.time_limit.nanos = int((budget - int(budget)) * 1e9)
    return params


def _penalty(problem: RoutingProblem, node: int) -> int:
    """Drop penalty of an optional node (0 for a mandatory one)."""
    value = problem.drop_penalty[node] if problem.drop_penalty is not None else None
    return int(value) if value is not None else 0


def _run_search(problem: RoutingProblem, candidates: dict[int, tuple[int, ...]],
                config: SearchConfig, seed: int, deadline: float,
                vehicle_count_first: bool,
                initial: Sequence[Sequence[int]] | None = None) -> _RawSolution:
    """Build the OR-Tools model for ``candidates`` and search until ``deadline``."""
    from ortools.constraint_solver import pywrapcp

    vehicles = problem.vehicles
    depots = sorted(problem.depots)
    visits = sorted(candidates)
    if seed:
        # The seed permutes the order in which nodes enter the model: OR-Tools' search
        # is deterministic for a given model, so this is what makes runs differ.
        rng = np.random.default_rng(seed)
        visits = [visits[i] for i in rng.permutation(len(visits))]
    nodes = depots + visits  # model node -> problem node
    pos = {node: m for m, node in enumerate(nodes)}
    idx = np.asarray(nodes, dtype=np.int64)
    cost = problem.cost_matrix[np.ix_(idx, idx)]
    service = np.asarray(problem.service, dtype=np.int64)[idx]
    service[: len(depots)] = 0
    transit = problem.duration[np.ix_(idx, idx)] + service[:, None]

    num_k = len(vehicles)
    manager = pywrapcp.RoutingIndexManager(
        len(nodes), num_k, [pos[v.start_node] for v in vehicles],
        [pos[v.end_node] for v in vehicles])
    model = pywrapcp.RoutingModel(manager)
    cost_cb = model.RegisterTransitMatrix(cost.tolist())
    model.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    time_cb = model.RegisterTransitMatrix(transit.tolist())
    horizon = max(v.latest for v in vehicles)
    model.AddDimension(time_cb, horizon, horizon, False, "time")
    time_dim = model.GetDimensionOrDie("time")

    # Objective scale, for the hierarchical vehicle cost and the mandatory penalty.
    max_arc = int(cost.max()) if cost.size else 0
    weights = problem.priority_weight
    route_bound = (2 * max_arc + 1) * (len(visits) + num_k) + sum(v.fixed_cost for v in vehicles)
    if weights is not None:
        route_bound += sum(weights[i] for i in visits) * horizon
    per_vehicle = route_bound + 1 if vehicle_count_first else 0
    for k, v in enumerate(vehicles):
        if v.fixed_cost or per_vehicle:
            model.SetFixedCostOfVehicle(v.fixed_cost + per_vehicle, k)
        time_dim.CumulVar(model.Start(k)).SetRange(v.earliest, v.latest)
        time_dim.CumulVar(model.End(k)).SetRange(v.earliest, v.latest)
        if v.max_duration is not None:
            time_dim.SetSpanUpperBoundForVehicle(v.max_duration, k)

    if problem.max_active_vehicles is not None and problem.max_active_vehicles < num_k:
        model.SetMaximumNumberOfActiveVehicles(problem.max_active_vehicles)

    optional = [i for i in visits if not problem.is_mandatory(i)]
    opt_total = sum(_penalty(problem, i) for i in optional)
    big = (route_bound + per_vehicle * num_k + opt_total) * 2 + 1
    soft_mandatory = config.mandatory_as_penalty and big < 2**62 // max(len(visits), 1)

    for i in visits:
        index = manager.NodeToIndex(pos[i])
        cumul = time_dim.CumulVar(index)
        windows = [(a, min(b, horizon)) for a, b in problem.time_windows[i] if a <= horizon]
        if not windows:  # screened out before; kept defensive
            windows = [(horizon, horizon)]
        cumul.SetRange(windows[0][0], windows[-1][1])
        for (_, b), (a2, _) in zip(windows, windows[1:], strict=False):
            if a2 - 1 >= b + 1:
                cumul.RemoveInterval(b + 1, a2 - 1)
        if weights is not None and weights[i] > 0:
            due = problem.priority_due[i] if problem.priority_due is not None else 0
            time_dim.SetCumulVarSoftUpperBound(index, due, weights[i])
        if problem.is_mandatory(i):
            if soft_mandatory:
                model.AddDisjunction([index], big)
        else:
            model.AddDisjunction([index], _penalty(problem, i))
        if len(candidates[i]) < num_k:
            # SetAllowedVehiclesForIndex is unusable from Python in OR-Tools 9.15 (SWIG
            # span typemap); restricting the vehicle variable has the same meaning and is
            # also enforced by OR-Tools' local-search filters. -1 = not performed.
            model.VehicleVar(index).SetValues([-1, *candidates[i]])

    if problem.demand is not None and any(v.capacity is not None for v in vehicles):
        demand = np.asarray(problem.demand, dtype=np.int64)[idx]
        demand[: len(depots)] = 0
        total = int(demand.sum())
        demand_cb = model.RegisterUnaryTransitVector(demand.tolist())
        caps = [v.capacity if v.capacity is not None else total for v in vehicles]
        model.AddDimensionWithVehicleCapacity(demand_cb, 0, caps, True, "load")

    params = _search_parameters(config, deadline - time.monotonic(), bool(optional))
    solution = None
    if initial is not None:
        # Start from the caller's routes (e.g. a greedy schedule): nodes not in the model
        # (screened out) are skipped; an infeasible start falls back to a first solution.
        routes = [[manager.NodeToIndex(pos[i]) for i in seq if i in pos and i in candidates]
                  for seq in initial]
        start = model.ReadAssignmentFromRoutes(routes, True)
        if start is not None:
            solution = model.SolveFromAssignmentWithParameters(start, params)
    if solution is None:
        solution = model.SolveWithParameters(params)
    if solution is None:
        return _RawSolution(config.label, seed, "no_solution")
    routes: list[tuple[int, list[int], int]] = []
    for k in range(num_k):
        index = model.Start(k)
        leave = int(solution.Value(time_dim.CumulVar(index)))
        seq: list[int] = []
        index = solution.Value(model.NextVar(index))
        while not model.IsEnd(index):
            seq.append(nodes[manager.IndexToNode(index)])
            index = solution.Value(model.NextVar(index))
        routes.append((k, seq, leave))
    return _RawSolution(config.label, seed, "ok", int(solution.ObjectiveValue()), routes)


def _worker(conn: Any, problem: RoutingProblem, candidates: dict[int, tuple[int, ...]],
            config: SearchConfig, seed: int, deadline: float, vehicle_count_first: bool,
            initial: Sequence[Sequence[int]] | None = None) -> None:
    """Child-process entry: run one search and send the raw solution back."""
    try:
        raw = _run_search(problem, candidates, config, seed, deadline, vehicle_count_first,
                          initial)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, never lost
        raw = _RawSolution(config.label, seed, f"error: {exc!r}")
    conn.send(raw)
    conn.close()


# ---------------------------------------------------------------------------------------
# Turning raw routes into timed routes
# ---------------------------------------------------------------------------------------
def _timed_route(problem: RoutingProblem, k: int, seq: list[int], leave: int) -> Route:
    """Earliest-start schedule of ``seq`` leaving at ``leave``, then leave just in time."""
    v = problem.vehicles[k]
    if not seq:
        return Route(k, (), v.earliest, v.earliest, 0)
    dur, cost = problem.duration, problem.cost_matrix
    t, prev = leave, v.start_node
    visits: list[Visit] = []
    dist = 0
    for node in seq:
        arrival = t + int(dur[prev, node])
        start = _first_start(problem.time_windows[node], arrival)
        if start is None:  # cannot happen for a solution OR-Tools accepted
            start = arrival
        end = start + problem.service[node]
        visits.append(Visit(node, arrival, start, end))
        dist += int(cost[prev, node])
        t, prev = end, node
    dist += int(cost[prev, v.end_node])
    back = t + int(dur[prev, v.end_node])
    first = visits[0]
    departure = max(leave, first.start - int(dur[v.start_node, first.node]))
    if departure != leave:
        visits[0] = Visit(first.node, first.start, first.start, first.end)
    return Route(k, tuple(visits), departure, back, dist)


def _result_from_raw(problem: RoutingProblem, raw: _RawSolution | None,
                     screened: dict[int, DropReason], started: float,
                     runs: tuple[tuple[str, int, int | None], ...]) -> RoutingResult:
    routed: set[int] = set()
    routes: list[Route] = []
    if raw is not None and raw.status == "ok":
        by_k = {k: (seq, leave) for k, seq, leave in raw.routes}
        for k in range(problem.num_vehicles):
            seq, leave = by_k.get(k, ([], problem.vehicles[k].earliest))
            routes.append(_timed_route(problem, k, seq, leave))
            routed.update(seq)
    else:
        routes = [_timed_route(problem, k, [], 0) for k in range(problem.num_vehicles)]
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


# ---------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------
def _mp_context() -> Any:
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def solve(
    problem: RoutingProblem,
    *,
    time_limit_s: float,
    seed: int = 0,
    workers: int = 1,
    vehicle_count_first: bool = False,
    configs: Sequence[SearchConfig] | None = None,
    initial: Sequence[Sequence[int]] | None = None,
) -> RoutingResult:
    """Route the vehicles of ``problem`` with OR-Tools within ``time_limit_s`` seconds.

    Parameters
    ----------
    problem
        The problem, in the caller's integer units.
    time_limit_s
        Wall-clock limit for the whole call, in seconds (model building included).
    seed
        Base seed; search ``w`` uses ``seed + w``. Seed 0 on the first search keeps the
        model's own node order.
    workers
        Number of independent searches run in parallel processes (2 on a 2-core
        machine); the best result is kept.
    vehicle_count_first
        Minimise the number of vehicles used first, then the objective (a per-vehicle
        cost above any route cost); by default only the objective counts.
    configs
        Search configurations, one per worker (cycled); default
        :data:`DEFAULT_PORTFOLIO`.
    initial
        Optional starting routes, one node sequence per vehicle (a feasible greedy
        schedule, say): the search improves them instead of building a first solution.
        OR-Tools' first-solution heuristics can fail on several windows per node with
        optional nodes (every node left out); a feasible start avoids that. Ignored
        when OR-Tools finds it infeasible.

    Returns
    -------
    RoutingResult
        Routes, dropped nodes with reasons, and a status that says whether every
        mandatory node was routed — never an exception for an infeasible problem.
    """
    started = time.monotonic()
    if not isinstance(problem, RoutingProblem):
        raise TypeError(f"`problem` was {type(problem).__name__} but is expected to be a "
                        "RoutingProblem.")
    if not (isinstance(time_limit_s, int | float) and time_limit_s > 0):
        raise ValueError(f"`time_limit_s` was {time_limit_s!r} but is expected to be > 0.")
    if _as_int(workers) is None or workers < 1:
        raise ValueError(f"`workers` was {workers!r} but is expected to be an integer >= 1.")
    portfolio = tuple(configs) if configs else DEFAULT_PORTFOLIO
    for config in portfolio:  # refuse a bad configuration before any process starts
        _search_parameters(config, time_limit_s)
    candidates, screened = _screen(problem)
    deadline = started + time_limit_s - min(0.1, 0.05 * time_limit_s)
    if not candidates:
        raw = _RawSolution("screen only", seed, "ok", 0,
                           [(k, [], v.earliest) for k, v in enumerate(problem.vehicles)])
        return _result_from_raw(problem, raw, screened, started, ())

    jobs = [(portfolio[w % len(portfolio)], seed + w) for w in range(workers)]
    children: list[tuple[Any, Any]] = []
    if workers > 1:
        ctx = _mp_context()
        for config, s in jobs[1:]:
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker, daemon=True, args=(
                send, problem, candidates, config, s, deadline, vehicle_count_first, initial))
            proc.start()
            send.close()
            children.append((proc, recv))
    raws = [_run_search(problem, candidates, jobs[0][0], jobs[0][1], deadline,
                        vehicle_count_first, initial)]
    for proc, recv in children:
        grace = max(deadline - time.monotonic(), 0.0) + 0.5
        if recv.poll(grace):
            try:
                raws.append(recv.recv())
            except (EOFError, OSError):
                pass
        proc.join(timeout=0.1)
        if proc.is_alive():
            proc.terminate()
            proc.join()
        recv.close()
    runs = tuple((r.config, r.seed, r.objective) for r in raws)
    ok = [r for r in raws if r.status == "ok" and r.objective is not None]
    best = min(ok, key=lambda r: r.objective or 0) if ok else (raws[0] if raws else None)
    return _result_from_raw(problem, best, screened, started, runs)

