"""Tests of the router: data checks, real OR-Tools solves on tiny instances, results.

Every solution is verified with the independent checker (``zoufang.planner.routing.check``).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from zoufang._errors import ValidationError
from zoufang.planner.routing import RoutingProblem, SearchConfig, Vehicle, solve
from zoufang.planner.routing.check import check_result

LIMIT = 0.3  # seconds per solve: the instances are tiny


def line_problem(positions: list[int], **kw: object) -> RoutingProblem:
    """Depot at 0 and targets on a line; travel time |a - b| minutes."""
    pts = np.array([0, *positions])
    n = len(pts)
    kw.setdefault("service", [0] + [5] * (n - 1))
    kw.setdefault("time_windows", [[(0, 1000)]] * n)
    kw.setdefault("vehicles", [Vehicle(0, 0, 0, 1000)])
    return RoutingProblem(duration=np.abs(pts[:, None] - pts[None, :]), **kw)  # type: ignore[arg-type]


def solved(problem: RoutingProblem, **kw: object):  # noqa: ANN201 - test helper
    """Solve and assert the independent checker accepts the result's routes."""
    kw.setdefault("time_limit_s", LIMIT)
    result = solve(problem, **kw)  # type: ignore[arg-type]
    report = check_result(problem, result)
    assert report.distance == result.distance()
    if result.is_feasible():
        assert report.ok, report.summary()
        assert report.cost == result.cost()
    return result, report


# --------------------------------------------------------------------------- data checks
def test_vehicle_checks_itself() -> None:
    """A vehicle refuses a window that ends before it starts, and negative capacity."""
    with pytest.raises(ValidationError, match="Expected earliest <= latest."):
        Vehicle(0, 0, 10, 5)
    with pytest.raises(ValidationError, match="Expected capacity >= 0."):
        Vehicle(0, 0, 0, 5, capacity=-1)
    with pytest.raises(ValidationError, match="Expected integer earliest."):
        Vehicle(0, 0, 1.5, 5)  # type: ignore[arg-type]


def test_problem_lists_every_problem_at_once() -> None:
    """Bad service, a reversed window and a short demand vector are reported together."""
    with pytest.raises(ValidationError) as err:
        RoutingProblem(duration=np.zeros((3, 3), dtype=int), service=[0, -5, 5],
                       time_windows=[[(0, 10)], [(9, 3)], [(0, 10)]], demand=[1, 2],
                       vehicles=[Vehicle(0, 0, 0, 10)])
    text = str(err.value)
    assert "Expected service >= 0." in text
    assert "Expected start <= end." in text
    assert "Expected 3 entries, one per node." in text
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(duration=np.ones((2, 3), dtype=int)), "square duration"),
        (dict(duration=np.ones((2, 2)) * 1.5), "integer duration"),
        (dict(duration=-np.ones((2, 2), dtype=int)), "Expected duration >= 0."),
        (dict(vehicles=[]), "at least one vehicle"),
        (dict(vehicles=[Vehicle(0, 7, 0, 10)]), "start_node and end_node < 2"),
        (dict(allowed_vehicles=[None, (3,)]), "vehicle indices in [0, 1)"),
        (dict(drop_penalty=[None, -1]), "Expected drop_penalty >= 0."),
    ],
)
def test_problem_refuses(kwargs: dict, message: str) -> None:
    """Each malformed argument is refused with a message naming the rule."""
    base: dict = dict(duration=np.ones((2, 2), dtype=int), service=[0, 0],
                      time_windows=[[(0, 10)], [(0, 10)]], vehicles=[Vehicle(0, 0, 0, 10)])
    base.update(kwargs)
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace(")", r"\)")):
        RoutingProblem(**base)


def test_windows_are_sorted_and_merged() -> None:
    """Several windows per node are stored sorted, overlapping ones merged."""
    p = line_problem([5], time_windows=[[(0, 100)], [(50, 60), (0, 10), (8, 20)]])
    assert p.time_windows[1] == ((0, 20), (50, 60))


# --------------------------------------------------------------------------- solving
def test_multiple_windows_wait_for_the_evening() -> None:
    """A household home only 0–10 and 180–240 is 30 min away: service starts at 180.

    The cadre leaves at 150, just in time, rather than at 0 to wait at the door.
    """
    p = line_problem([30], time_windows=[[(0, 1000)], [(0, 10), (180, 240)]])
    result, _ = solved(p)
    visit = result.routes[0].visits[0]
    assert result.is_feasible()
    assert (visit.arrival, visit.start, visit.end) == (180, 180, 185)
    assert (result.routes[0].departure, result.routes[0].return_time) == (150, 215)


def test_multiple_windows_pick_the_one_that_fits_the_route() -> None:
    """Two targets share a day: the one with an early and a late window takes the late one.

    Target 1 (at 10) is open only 0–20; target 2 (at 12) is open 0–1 or 50–60. Target 2
    cannot be served at 0–1 (it is 12 away), so the route is 1 then 2 in its second window.
    """
    p = line_problem([10, 12], time_windows=[[(0, 1000)], [(0, 20)], [(0, 1), (50, 60)]])
    result, report = solved(p)
    assert result.is_feasible() and report.ok
    starts = {v.node: v.start for v in result.routes[0].visits}
    assert starts[1] <= 20 and 50 <= starts[2] <= 60


def test_drop_with_penalty_is_reported() -> None:
    """A far optional target with a small penalty is dropped and listed; a big one is visited."""
    cheap = line_problem([10, 400], drop_penalty=[None, None, 100])
    result, report = solved(cheap)
    assert result.is_feasible()
    assert result.dropped_nodes == (2,) and result.dropped[0].reason == "not_fitted"
    assert not result.dropped[0].mandatory
    assert result.cost() == 20 + 100 == report.cost

    dear = line_problem([10, 400], drop_penalty=[None, None, 10_000])
    result, _ = solved(dear)
    assert result.dropped == () and result.distance() == 800


def test_screened_nodes_carry_their_reason() -> None:
    """Optional targets that no vehicle could serve alone are dropped before the search."""
    p = line_problem(
        [10, 20, 30, 40],
        time_windows=[[(0, 1000)], [(0, 100)], [], [(0, 5)], [(0, 100)]],
        demand=[0, 1, 1, 1, 50], allowed_vehicles=[None, None, None, None, None],
        drop_penalty=[None, None, 10, 10, 10],
        vehicles=[Vehicle(0, 0, 0, 1000, capacity=10)])
    result, report = solved(p)
    assert result.is_feasible() and report.ok
    assert {d.node: d.reason for d in result.dropped} == {
        2: "no_window", 3: "unreachable", 4: "capacity"}
    assert "no time window" in result.dropped[0].explanation


def test_priority_pulls_a_node_earlier() -> None:
    """A priority weight on target 2 makes the route serve it first, at a higher distance.

    Travel times are symmetric (10 depot-target, 5 between targets; 60 min service), but
    the distances favour 1 then 2 (25 against 29), so without priority 2 starts at 75.
    """
    duration = np.array([[0, 10, 10], [10, 0, 5], [10, 5, 0]])
    distance = np.array([[0, 10, 14], [10, 0, 5], [10, 5, 0]])
    kw = dict(duration=duration, distance=distance, service=[0, 60, 60],
              time_windows=[[(0, 1000)]] * 3, vehicles=[Vehicle(0, 0, 0, 1000)])
    plain, _ = solved(RoutingProblem(**kw))
    assert plain.routes[0].nodes == (1, 2) and plain.distance() == 25
    urgent, report = solved(RoutingProblem(**kw, priority_weight=[0, 0, 1]))
    assert urgent.routes[0].nodes == (2, 1) and urgent.distance() == 29
    assert urgent.routes[0].visits[0].start == 10
    assert urgent.cost() == 29 + 10 == report.cost


def test_unreachable_mandatory_node_gives_a_result_that_says_why() -> None:
    """A mandatory target whose window closes before anyone can arrive: no traceback.

    The result is infeasible, lists the target with reason ``unreachable``, routes the
    rest, and its message names the target.
    """
    p = line_problem([10, 50], time_windows=[[(0, 1000)], [(0, 100)], [(0, 20)]],
                     names=["base", "王家", "李家"])
    result, report = solved(p)
    assert result.status == "infeasible" and not result.is_feasible()
    assert result.dropped_nodes == (2,) and result.dropped[0].reason == "unreachable"
    assert result.dropped[0].mandatory
    assert "李家" in result.message and "unreachable" in result.message
    assert result.routes[0].nodes == (1,)
    assert report.codes() == {"mandatory_dropped"}  # the checker agrees, and nothing else


def test_mandatory_nodes_that_do_not_fit_together() -> None:
    """Two mandatory targets, each fine alone, cannot share the only cadre-day."""
    p = line_problem([10, -10], time_windows=[[(0, 1000)], [(10, 10)], [(10, 10)]])
    result, report = solved(p)
    assert result.status == "infeasible"
    assert len(result.dropped) == 1 and result.dropped[0].reason == "not_fitted"
    assert "could not be routed" in result.message
    assert report.codes() == {"mandatory_dropped"}
    assert "dropped" in result.summary()


def test_hard_mandatory_nodes_fall_back_to_penalties() -> None:
    """With hard mandatory nodes and no first solution, the search goes on soft.

    The two targets cannot share the day, so a model that must route both has no first
    solution; the worker then searches the penalty model and reports the one it left out
    instead of coming back empty.
    """
    p = line_problem([10, -10], time_windows=[[(0, 1000)], [(10, 10)], [(10, 10)]])
    result, report = solved(p, configs=[SearchConfig(label="hard", mandatory_as_penalty=False)])
    assert result.status == "infeasible"
    assert result.config == "hard(soft)"
    assert len(result.dropped) == 1 and result.dropped[0].reason == "not_fitted"
    assert report.codes() == {"mandatory_dropped"}


def test_default_portfolio_turns_on_the_lns_operators() -> None:
    """Both default searches reach OR-Tools with the insertion LNS operators on."""
    from ortools.util import optional_boolean_pb2

    from zoufang.planner.routing import DEFAULT_PORTFOLIO, LNS_OPERATORS
    from zoufang.planner.routing.search import _search_parameters

    assert len(DEFAULT_PORTFOLIO) == 2 and len(LNS_OPERATORS) == 6
    labels = set()
    for config in DEFAULT_PORTFOLIO:
        ops = _search_parameters(config, 1.0).local_search_operators
        for name, _on in LNS_OPERATORS:
            assert getattr(ops, name) == optional_boolean_pb2.BOOL_TRUE, (config.label, name)
        labels.add(config.label)
    assert len(labels) == 2  # two different searches, not one twice


def test_capacity_splits_the_work() -> None:
    """Demand 3 + 3 with capacity 4 needs both vehicles."""
    p = line_problem([10, 11], demand=[0, 3, 3],
                     vehicles=[Vehicle(0, 0, 0, 1000, capacity=4)] * 2)
    result, _ = solved(p)
    assert result.is_feasible() and result.vehicles_used == 2


def test_allowed_vehicles_and_max_duration() -> None:
    """Target 2 may only go on vehicle 1; vehicle 0 may not be out more than 30 min."""
    p = line_problem([10, 11, 40], allowed_vehicles=[None, None, (1,), None],
                     vehicles=[Vehicle(0, 0, 0, 1000, max_duration=30),
                               Vehicle(0, 0, 0, 1000)])
    result, report = solved(p)
    assert result.is_feasible() and report.ok
    assert 2 in result.routes[1].nodes
    assert result.routes[0].duration <= 30 and 3 not in result.routes[0].nodes


def test_separate_bases_and_days() -> None:
    """Two cadre-days from different bases (nodes 0 and 5), windows by day."""
    pts = np.array([0, 1, 2, 98, 99, 100])
    p = RoutingProblem(
        duration=np.abs(pts[:, None] - pts[None, :]), service=[0, 5, 5, 5, 5, 0],
        time_windows=[[(0, 2000)], [(0, 100)], [(0, 100)], [(1000, 1100)], [(1000, 1100)],
                      [(0, 2000)]],
        vehicles=[Vehicle(0, 0, 0, 200, name="张-day1"), Vehicle(5, 5, 900, 1200,
                                                                name="李-day2")])
    result, report = solved(p)
    assert result.is_feasible() and report.ok
    assert set(result.routes[0].nodes) == {1, 2} and set(result.routes[1].nodes) == {3, 4}
    assert "张-day1" in result.summary()


def test_vehicle_count_first() -> None:
    """With a costly link between the targets, distance-only uses 2 vehicles, hierarchical 1."""
    duration = np.array([[0, 10, 10], [10, 0, 100], [10, 100, 0]])
    p = RoutingProblem(duration=duration, service=[0, 0, 0], time_windows=[[(0, 1000)]] * 3,
                       vehicles=[Vehicle(0, 0, 0, 1000)] * 2)
    two, _ = solved(p)
    assert two.vehicles_used == 2 and two.distance() == 40
    one, _ = solved(p, vehicle_count_first=True)
    assert one.vehicles_used == 1 and one.distance() == 120
    assert one.cost() == 120  # the internal per-vehicle weight is not a problem cost


def _random_problem(seed: int, n: int = 25) -> RoutingProblem:
    """Targets in a 60×60 km square, two windows each, 3 cadre-days, some optional."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 60, size=(n + 1, 2))
    xy[0] = 30
    duration = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * 2)
    windows = [[(0, 600)]]
    for _ in range(n):
        a = int(rng.integers(0, 200))
        windows.append([(a, a + 60), (a + 240, a + 330)])
    return RoutingProblem(
        duration=duration.astype(int), service=[0] + [10] * n, time_windows=windows,
        demand=[0] + [1] * n, drop_penalty=[None] + [None if i % 3 else 500 for i in range(n)],
        priority_weight=[0] + [1 if i % 5 == 0 else 0 for i in range(n)],
        vehicles=[Vehicle(0, 0, 0, 600, capacity=10, max_duration=420)] * 3)


def test_two_workers_and_the_time_limit() -> None:
    """Two processes search in parallel, the better is kept, within the wall-clock limit."""
    p = _random_problem(1)
    started = time.monotonic()
    result, report = solved(p, time_limit_s=1.0, workers=2, seed=3)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0 + 0.5 and result.solve_time_s <= elapsed
    assert len(result.runs) == 2
    assert result.config in {label for label, _, _ in result.runs}
    assert result.objective == min(obj for _, _, obj in result.runs if obj is not None)
    assert report.ok or report.codes() == {"mandatory_dropped"}, report.summary()


def test_result_accounts_for_every_node() -> None:
    """On a random instance every target is routed once or dropped with a reason."""
    p = _random_problem(7)
    result, report = solved(p, time_limit_s=0.5)
    routed = [node for r in result.routes for node in r.nodes]
    assert len(routed) == len(set(routed))
    assert sorted(routed + list(result.dropped_nodes)) == list(p.visit_nodes)
    assert report.ok or report.codes() == {"mandatory_dropped"}, report.summary()


def test_solve_checks_its_arguments() -> None:
    """Bad arguments are refused up front with what was expected."""
    p = line_problem([10])
    with pytest.raises(ValueError, match="time_limit_s"):
        solve(p, time_limit_s=0)
    with pytest.raises(ValueError, match="workers"):
        solve(p, time_limit_s=1, workers=0)
    with pytest.raises(TypeError, match="RoutingProblem"):
        solve("p", time_limit_s=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="invalid OR-Tools parameters"):
        solve(p, time_limit_s=1, configs=[SearchConfig(extra="ls_operator_neighbors_ratio: 0")])


def test_nothing_to_route() -> None:
    """When every target is screened out, the result says so without a search."""
    p = line_problem([10], time_windows=[[(0, 10)], []], drop_penalty=[None, 5])
    result, report = solved(p)
    assert result.is_feasible() and result.vehicles_used == 0
    assert result.dropped_nodes == (1,) and report.ok and report.cost == 5
