"""Tests of the independent route checker on hand-made solutions, valid and broken."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from zoufang.planner.routing import (
    Dropped,
    Route,
    RoutingProblem,
    RoutingResult,
    StopTiming,
    Vehicle,
)
from zoufang.planner.routing.check import check_result, check_sequences

DURATION = np.array([
    [0, 10, 20, 15],
    [10, 0, 10, 12],
    [20, 10, 0, 8],
    [15, 12, 8, 0],
])


@pytest.fixture
def problem() -> RoutingProblem:
    """Depot 0 and three targets, minutes.

    - node 1: window [0, 30], mandatory;
    - node 2: two windows [20, 40] and [100, 120] (an evening and a later slot), mandatory;
    - node 3: window [0, 200], optional (penalty 50), only vehicle 1 may visit it.

    Service 5 min each, demand 2 each. Vehicle 0: [0, 300], capacity 4. Vehicle 1:
    [0, 300], capacity 4, out at most 60 min.
    """
    return RoutingProblem(
        duration=DURATION,
        service=[0, 5, 5, 5],
        time_windows=[[(0, 300)], [(0, 30)], [(20, 40), (100, 120)], [(0, 200)]],
        demand=[0, 2, 2, 2],
        drop_penalty=[None, None, None, 50],
        allowed_vehicles=[None, None, None, (1,)],
        vehicles=[Vehicle(0, 0, 0, 300, capacity=4),
                  Vehicle(0, 0, 0, 300, capacity=4, max_duration=60)],
    )


def _result(problem: RoutingProblem, routes: list[Route], dropped: tuple[int, ...] = ()
            ) -> RoutingResult:
    return RoutingResult(problem, tuple(routes),
                         tuple(Dropped(i, "not_fitted", problem.is_mandatory(i)) for i in dropped),
                         "feasible", "hand-made", 0.0)


@pytest.fixture
def valid_routes() -> list[Route]:
    """Vehicle 0: 1 then 2 (arrive 10, 25; back 50, distance 40); vehicle 1: 3 (back 35)."""
    return [
        Route(0, (StopTiming(1, 10, 10, 15), StopTiming(2, 25, 25, 30)), 0, 50, 40),
        Route(1, (StopTiming(3, 15, 15, 20),), 0, 35, 30),
    ]


def test_valid_solution_passes(problem: RoutingProblem, valid_routes: list[Route]) -> None:
    """The hand-made valid solution has no violation; distance and cost are recomputed."""
    report = check_result(problem, _result(problem, valid_routes))
    assert report.ok, report.summary()
    assert report.distance == 70 and report.cost == 70 and report.vehicles_used == 2


def test_waiting_for_second_window_is_valid(problem: RoutingProblem) -> None:
    """Arriving between two windows and waiting for the second one is allowed."""
    routes = [Route(0, (StopTiming(1, 10, 10, 15), StopTiming(2, 25, 100, 105)), 0, 125, 40),
              Route(1, (), 0, 0, 0)]
    report = check_result(problem, _result(problem, routes, dropped=(3,)))
    assert report.ok, report.summary()
    assert report.cost == 40 + 50  # distance + penalty of the dropped optional node


BROKEN = {
    "late arrival": (
        [Route(0, (StopTiming(2, 20, 20, 25), StopTiming(1, 35, 35, 40)), 0, 50, 40),
         Route(1, (StopTiming(3, 15, 15, 20),), 0, 35, 30)], (), "outside_window"),
    "start between windows": (
        [Route(0, (StopTiming(1, 10, 10, 15), StopTiming(2, 25, 50, 55)), 0, 75, 40),
         Route(1, (StopTiming(3, 15, 15, 20),), 0, 35, 30)], (), "outside_window"),
    "duplicate visit": (
        [Route(0, (StopTiming(1, 10, 10, 15), StopTiming(2, 25, 25, 30)), 0, 50, 40),
         Route(1, (StopTiming(1, 10, 10, 15), StopTiming(3, 27, 27, 32)), 0, 47, 37)], (), "duplicate"),
    "missing node": (
        [Route(0, (StopTiming(1, 10, 10, 15), StopTiming(2, 25, 25, 30)), 0, 50, 40),
         Route(1, (), 0, 0, 0)], (), "missing"),
    "wrong vehicle": (
        [Route(0, (StopTiming(1, 10, 10, 15), StopTiming(2, 25, 25, 30), StopTiming(3, 38, 38, 43)),
               0, 58, 43), Route(1, (), 0, 0, 0)], (), "not_allowed"),
    "over capacity": (
        [Route(0, (), 0, 0, 0),
         Route(1, (StopTiming(1, 10, 10, 15), StopTiming(2, 25, 25, 30), StopTiming(3, 38, 38, 43)),
               0, 58, 43)], (), "capacity"),
    "mandatory dropped": (
        [Route(0, (StopTiming(2, 20, 20, 25),), 0, 45, 40),
         Route(1, (StopTiming(3, 15, 15, 20),), 0, 35, 30)], (1,), "mandatory_dropped"),
    "service before arrival": (
        [Route(0, (StopTiming(1, 10, 10, 15), StopTiming(2, 25, 22, 27)), 0, 47, 40),
         Route(1, (StopTiming(3, 15, 15, 20),), 0, 35, 30)], (), "early_start"),
    "wrong arrival reported": (
        [Route(0, (StopTiming(1, 8, 10, 15), StopTiming(2, 25, 25, 30)), 0, 50, 40),
         Route(1, (StopTiming(3, 15, 15, 20),), 0, 35, 30)], (), "time_mismatch"),
    "too long a day": (
        [Route(0, (StopTiming(1, 10, 10, 15),), 0, 25, 20),
         Route(1, (StopTiming(2, 20, 100, 105), StopTiming(3, 113, 113, 118)), 0, 133, 43)], (),
        "max_duration"),
    "depot as a stop": (
        [Route(0, (StopTiming(1, 10, 10, 15), StopTiming(0, 25, 25, 25), StopTiming(2, 45, 45, 50)), 0, 70, 50),
         Route(1, (StopTiming(3, 15, 15, 20),), 0, 35, 30)], (), "bad_node"),
    "wrong distance": (
        [Route(0, (StopTiming(1, 10, 10, 15), StopTiming(2, 25, 25, 30)), 0, 50, 39),
         Route(1, (StopTiming(3, 15, 15, 20),), 0, 35, 30)], (), "distance_mismatch"),
    "routed and dropped": (
        [Route(0, (StopTiming(1, 10, 10, 15), StopTiming(2, 25, 25, 30)), 0, 50, 40),
         Route(1, (StopTiming(3, 15, 15, 20),), 0, 35, 30)], (3,), "duplicate"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_solution_is_caught(problem: RoutingProblem, case: str) -> None:
    """Each hand-made broken solution is reported with the expected violation code."""
    routes, dropped, code = BROKEN[case]
    report = check_result(problem, _result(problem, routes, dropped))
    assert not report.ok
    assert code in report.codes(), report.summary()


def test_late_return_and_early_departure(problem: RoutingProblem,
                                         valid_routes: list[Route]) -> None:
    """A vehicle back after its latest, or leaving before its earliest, is caught."""
    tight = replace(problem, vehicles=[Vehicle(0, 0, 5, 45, capacity=4), problem.vehicles[1]])
    report = check_result(tight, _result(tight, valid_routes))
    assert {"late_return", "early_departure"} <= report.codes(), report.summary()


def test_bare_sequences_wait_and_check(problem: RoutingProblem) -> None:
    """Bare node sequences get the earliest schedule; a late one is caught."""
    ok = check_sequences(problem, [[1, 2], [3]])
    assert ok.ok and ok.distance == 70, ok.summary()
    late = check_sequences(problem, {0: [3, 1, 2], 1: []})
    # 0 -> 3 at 15, ends 20, -> 1 at 32 > 30: outside the only window of node 1.
    assert {"outside_window", "not_allowed"} <= late.codes(), late.summary()


def test_bare_sequence_uses_later_window(problem: RoutingProblem) -> None:
    """Arriving after the first window closes, service waits for the second window."""
    report = check_sequences(problem, [[1], [3, 2]])  # 2 reached at 28, first window
    assert report.ok, report.summary()
    detour = RoutingProblem(
        duration=DURATION + 30 * (1 - np.eye(4, dtype=int)),
        service=problem.service, time_windows=problem.time_windows,
        vehicles=[Vehicle(0, 0, 0, 300)])
    # 0 -> 2 arrives at 50: between the windows, waits until 100; then 1 is too late.
    assert check_sequences(detour, [[2]], dropped=[1, 3]).codes() == {"mandatory_dropped"}
    assert "outside_window" in check_sequences(detour, [[2, 1]], dropped=[3]).codes()


def test_bad_vehicle_index(problem: RoutingProblem) -> None:
    """A route for a vehicle that does not exist is reported, not crashed on."""
    report = check_sequences(problem, {0: [1, 2], 5: [3]})
    assert "bad_vehicle" in report.codes()
    assert "missing" in report.codes()  # node 3's only route was refused
