"""The OR-Tools search behind :func:`solve`: configurations, parameters, the portfolio.

The router behind the daily routes of visiting cadres: one vehicle is one cadre-day,
nodes are targets with service minutes and time windows. The solver is OR-Tools
routing, tuned on the Solomon benchmark (``benchmarks/bench_solomon.py``); with
``workers=2`` two differently configured searches (:data:`DEFAULT_PORTFOLIO`) run in two
processes and the better result is kept.

Tuning notes (issue 15: Solomon, 100 customers, 1 s, distance only, 2 workers)
------------------------------------------------------------------------------
Measured with ``benchmarks/bench_solomon.py`` (every solution checker-verified; gaps to
the best known, truncated tenths). The machine has 2 cores shared with other jobs: the
load average was 5–7 during these runs, so single figures move by a point or more from
run to run (the same search gave R206 4.4 % and 7.1 % minutes apart); only differences
seen on many instances at once are taken as real.

17 hard instances (R101, R102, RC101 and the 14 with the largest gaps), one run, load 6::

    python benchmarks/bench_solomon.py --time-limit 1 --no-pyvrp --no-write \
        --also previous,soft --instances R101,R102,RC101,R103,R104,R109,R110,R112,\
        R205,R206,R211,RC103,RC105,RC107,RC108,RC204,RC206

=================================  ==========  ========
portfolio                          mean gap %  vehicles
=================================  ==========  ========
``previous`` (before issue 15)          10.32     13.88
``soft`` (LNS, both penalty model)       7.46     12.65
default (LNS, worker 0 hard nodes)       7.50     12.65
=================================  ==========  ========

All 56 at 1 s, three repeats, with PyVRP and ``previous`` in the same run: see the
``solomon-1s`` section of BENCHMARKS.md (``--time-limit 1 --instances all --repeats 3
--also previous``).

Findings, one worker each, side by side on the 14 hard instances at 1 s (a throwaway
script calling :func:`solve` with one :class:`SearchConfig` at a time, load 1.5–4):

- The insertion LNS operators (:data:`LNS_OPERATORS`) are the one large gain: 8.36 % →
  5.94 % mean gap, 11.7 → 10.7 vehicles. The search's first descent takes most of the
  second (about 55 improving moves in 0.4 s on R103), so at 1 s what the operators can
  move in one step matters more than the metaheuristic. Lin–Kernighan on top changed
  nothing measurable (5.96 %).
- Savings arc coefficient 1.3 instead of 1.0 with LNS: 5.92 % vs 5.94 % on average but
  different instances win (R103, R104, RC107, RC108 for 1.3), hence one of each in the
  portfolio. Close-nodes LNS with 10 nodes instead of 5: 5.19 % vs 6.16 % in one run,
  6.23 % vs 5.98 % (7 nodes) in the next — noise, kept on the second worker only.
- No gain, or worse: simulated annealing (6.14 %) and tabu search (6.16 %) instead of
  guided local search (6.16 % in that run); GLS penalty reset on a new best (6.12 %);
  GLS penalties inside the operators (6.16 %); iterated local search with SISR ruin and
  recreate (``use_iterated_local_search``, needs ``ruin_strategies``; 5.17 % vs 5.11 %
  on three instances); a search-only cost per vehicle to push towards fewer routes
  (6.87–7.87 % vs 6.50 %); dropping relocate-neighbours and cross-exchange (7.01 %).
- ``ls_operator_neighbors_ratio`` 0.1–0.3 (min neighbours 5–20) still makes the search
  collapse in OR-Tools 9.15 (about 20 % gap, millions of neighbours evaluated and none
  accepted), with and without the penalty model.
- Hard mandatory nodes (``mandatory_as_penalty=False``): the savings start must then
  place every customer, which gives better starts on tight windows (R101 3.4 % vs
  11.1 %, R102 1.4 % vs 9.1 %, R105 2.2 % vs 6.2 % in one run of the 12-instance mix)
  but fails on some instances (R101 in 0.1–0.3 s); :func:`_search` then goes on with the
  penalty model. Hence worker 0 hard, worker 1 soft. Averaged over the 17 instances it
  was a tie at load 6 (table above).

Earlier notes (10 s): transit *matrices*, not Python callbacks, keep the search in C++;
``PARALLEL_SAVINGS`` beat parallel cheapest insertion and ``SAVINGS`` on R2/RC2; guided
local search with lambda 0.1 beat tabu search and simulated annealing. The seed only
permutes node order (OR-Tools' search is otherwise deterministic), so it changes ties,
not strategy: diversity comes from the portfolio. The per-cadre schedules use their own
one-worker configuration (``planner.schedule.solve.CADRE_CONFIG``, the base operators):
with the LNS operators it gave 366.44 km against 366.22 km on 15 cadres' like-with-like
schedules at 2 s (nearest neighbour 441.94 km), so it is left as it is.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from zoufang._util import mp_context
from zoufang.planner.routing._raw import RawSolution, result_from_raw
from zoufang.planner.routing._screen import screen
from zoufang.planner.routing._validate import as_int
from zoufang.planner.routing.problem import RoutingProblem
from zoufang.planner.routing.result import RoutingResult

__all__ = [
    "DEFAULT_PORTFOLIO",
    "LNS_OPERATORS",
    "OPTIONAL_NODE_OPERATORS",
    "PREVIOUS_PORTFOLIO",
    "SOFT_PORTFOLIO",
    "TUNED_OPERATORS",
    "SearchConfig",
    "solve",
]

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


#: The insertion large-neighbourhood operators switched on over :data:`TUNED_OPERATORS`:
#: remove a route's path, the most expensive chain of arcs or a node's nearest nodes,
#: then reinsert with global or local cheapest insertion. At 1 s they take the 14 hard
#: instances from about 8–10 % to about 6 % (module docstring): they move several
#: customers at once, which the single-node operators cannot, and so empty routes.
LNS_OPERATORS: tuple[tuple[str, bool], ...] = tuple(
    (f"use_{insertion}_cheapest_insertion_{removal}_lns", True)
    for insertion in ("global", "local")
    for removal in ("path", "expensive_chain", "close_nodes")
)


def _with(base: tuple[tuple[str, bool], ...],
          *changes: tuple[str, bool]) -> tuple[tuple[str, bool], ...]:
    merged = dict(base)
    merged.update(dict(changes))
    return tuple(merged.items())


#: The configurations run by the ``workers`` processes, worker ``w`` taking entry
#: ``w % len`` (``workers=1`` runs the first). Both use the LNS operators; they differ in
#: the model of mandatory nodes (the first routes them as hard nodes, so its savings start
#: must place every customer — better starts on tight windows (R1, RC1), and when it
#: fails the worker goes on with the penalty model; the second keeps the penalty model
#: throughout), in the savings shape of the first solution (1.0 and 1.3 win on different
#: instances: 1.3 on R103, RC107, RC108, RC206), Lin–Kernighan, and the size of the
#: close-nodes neighbourhood, so the two cores search different regions (module
#: docstring).
DEFAULT_PORTFOLIO: tuple[SearchConfig, ...] = (
    SearchConfig(label="gls-psav1.0-lns-lk-hard", mandatory_as_penalty=False,
                 operators=_with(TUNED_OPERATORS, *LNS_OPERATORS, ("use_lin_kernighan", True))),
    SearchConfig(label="gls-psav1.3-lns", savings_arc_coefficient=1.3,
                 operators=_with(TUNED_OPERATORS, *LNS_OPERATORS),
                 extra="heuristic_close_nodes_lns_num_nodes: 10"),
)

#: The same two searches, both with the penalty model for mandatory nodes (for
#: ``benchmarks/bench_solomon.py --also soft``).
SOFT_PORTFOLIO: tuple[SearchConfig, ...] = (
    replace(DEFAULT_PORTFOLIO[0], label="gls-psav1.0-lns-lk", mandatory_as_penalty=True),
    DEFAULT_PORTFOLIO[1],
)

#: The portfolio before issue 15 (no LNS operators, savings 1.3 first), kept so that
#: ``benchmarks/bench_solomon.py --also previous`` can measure against it in one run.
PREVIOUS_PORTFOLIO: tuple[SearchConfig, ...] = (
    SearchConfig(label="gls-psav1.3", savings_arc_coefficient=1.3),
    SearchConfig(label="gls-psav1.0"),
)


# ---------------------------------------------------------------------------------------
# One OR-Tools search
# ---------------------------------------------------------------------------------------
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
                initial: Sequence[Sequence[int]] | None = None) -> RawSolution:
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
        start_routes = [[manager.NodeToIndex(pos[i]) for i in seq if i in pos and i in candidates]
                        for seq in initial]
        start = model.ReadAssignmentFromRoutes(start_routes, True)
        if start is not None:
            solution = model.SolveFromAssignmentWithParameters(start, params)
    if solution is None:
        solution = model.SolveWithParameters(params)
    if solution is None:
        return RawSolution(config.label, seed, "no_solution")
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
    return RawSolution(config.label, seed, "ok", int(solution.ObjectiveValue()), routes)


def _search(problem: RoutingProblem, candidates: dict[int, tuple[int, ...]],
            config: SearchConfig, seed: int, deadline: float, vehicle_count_first: bool,
            initial: Sequence[Sequence[int]] | None = None) -> RawSolution:
    """:func:`_run_search`; with hard mandatory nodes and no first solution, once more soft.

    A configuration with ``mandatory_as_penalty=False`` makes the first-solution heuristic
    route every mandatory node or fail (on tight windows it can fail within milliseconds);
    the rest of the time then goes to the same search with the penalty model, so that a
    worker never comes back empty-handed where the penalty model would have a solution.
    """
    raw = _run_search(problem, candidates, config, seed, deadline, vehicle_count_first,
                      initial)
    if (raw.status == "no_solution" and not config.mandatory_as_penalty
            and deadline - time.monotonic() > 0.05):
        soft = replace(config, label=f"{config.label}(soft)", mandatory_as_penalty=True)
        raw = _run_search(problem, candidates, soft, seed, deadline, vehicle_count_first,
                          initial)
    return raw


def _worker(conn: Any, problem: RoutingProblem, candidates: dict[int, tuple[int, ...]],
            config: SearchConfig, seed: int, deadline: float, vehicle_count_first: bool,
            initial: Sequence[Sequence[int]] | None = None) -> None:
    """Child-process entry: run one search and send the raw solution back."""
    try:
        raw = _search(problem, candidates, config, seed, deadline, vehicle_count_first,
                      initial)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, never lost
        raw = RawSolution(config.label, seed, f"error: {exc!r}")
    conn.send(raw)
    conn.close()


# ---------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------
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
    if as_int(workers) is None or workers < 1:
        raise ValueError(f"`workers` was {workers!r} but is expected to be an integer >= 1.")
    portfolio = tuple(configs) if configs else DEFAULT_PORTFOLIO
    for config in portfolio:  # refuse a bad configuration before any process starts
        _search_parameters(config, time_limit_s)
    candidates, screened = screen(problem)
    deadline = started + time_limit_s - min(0.1, 0.05 * time_limit_s)
    if not candidates:
        raw = RawSolution("screen only", seed, "ok", 0,
                          [(k, [], v.earliest) for k, v in enumerate(problem.vehicles)])
        return result_from_raw(problem, raw, screened, started, ())

    jobs = [(portfolio[w % len(portfolio)], seed + w) for w in range(workers)]
    children: list[tuple[Any, Any]] = []
    if workers > 1:
        ctx = mp_context()
        for config, s in jobs[1:]:
            recv, send = ctx.Pipe(duplex=False)
            # typeshed's BaseContext has no Process; every concrete start method's has
            proc = ctx.Process(target=_worker, daemon=True, args=(  # type: ignore[attr-defined]
                send, problem, candidates, config, s, deadline, vehicle_count_first, initial))
            proc.start()
            send.close()
            children.append((proc, recv))
    raws = [_search(problem, candidates, jobs[0][0], jobs[0][1], deadline,
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
    return result_from_raw(problem, best, screened, started, runs)
