"""Tests of the Solomon reader and its two integer conventions."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from zoufang._errors import ValidationError
from zoufang.planner.routing import solve
from zoufang.planner.routing.check import check_result, check_sequences
from zoufang.planner.routing.solomon import (
    read_bks,
    read_solomon,
    solomon_class,
    to_problem,
    unrounded_distance,
)

DATA = Path(__file__).resolve().parents[2] / "data"
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "benchmarks" / "solomon"


@pytest.fixture
def tiny4_path() -> Path:
    """``solomon_tiny4.txt``: depot at (0, 0) open [0, 200], 2 vehicles of capacity 30.

    Customers (x, y, demand, ready, due, service): 1 (3, 4, 10, 0, 50, 10),
    2 (6, 8, 10, 20, 80, 10), 3 (1, 1, 15, 0, 100, 5), 4 (-3, -4, 20, 60, 120, 10).
    Total demand 55 > 30, so two routes are needed. Arcs 0-1, 1-2, 0-4 are exactly 5,
    0-3 is sqrt(2) (truncation matters), 2-4 is exactly 15.
    """
    return DATA / "solomon_tiny4.txt"


def test_read_solomon_fields(tiny4_path: Path) -> None:
    """Every column of the file lands in the instance, node 0 first."""
    inst = read_solomon(tiny4_path)
    assert inst.name == "TINY4"
    assert (inst.num_vehicles, inst.capacity, inst.num_nodes) == (2, 30, 5)
    assert inst.x == (0, 3, 6, 1, -3) and inst.y == (0, 4, 8, 1, -4)
    assert inst.demand == (0, 10, 10, 15, 20)
    assert inst.ready == (0, 0, 20, 0, 60) and inst.due == (200, 50, 80, 100, 120)
    assert inst.service == (0, 10, 10, 5, 10)


def test_trunc1_matrix_by_hand(tiny4_path: Path) -> None:
    """trunc1: floor(10 d) per arc, times and service times 10, travel time = distance."""
    p = to_problem(read_solomon(tiny4_path))
    d = p.duration
    assert p.distance is None  # objective = duration matrix
    assert d[0, 1] == 50 and d[1, 2] == 50 and d[0, 2] == 100 and d[2, 4] == 150
    assert d[0, 3] == 14  # sqrt(2) = 1.414 -> 1.4
    assert d[1, 3] == 36  # sqrt(13) = 3.606 -> 3.6
    assert d[2, 3] == 86  # sqrt(74) = 8.602 -> 8.6
    assert (d == d.T).all() and (d.diagonal() == 0).all()
    assert p.time_windows[2] == ((200, 800),)
    assert p.service == (0, 100, 100, 50, 100)
    assert [(v.earliest, v.latest, v.capacity) for v in p.vehicles] == [(0, 2000, 30)] * 2


def test_trunc1_is_exact_on_integer_lengths() -> None:
    """Truncation uses integer square roots: a 3-4-5 arc is 50, not 49 from rounding error."""
    from zoufang.planner.routing.solomon import SolomonInstance

    inst = SolomonInstance("X", 1, 10, (0, 3, 30), (0, 4, 40), (0, 1, 1), (0, 0, 0),
                           (1000, 1000, 1000), (0, 0, 0))
    d = to_problem(inst).duration
    assert d[0, 1] == 50 and d[0, 2] == 500 and d[1, 2] == 450


def test_scaled_rounds_distance_and_ceils_time(tiny4_path: Path) -> None:
    """scaled: distance round(s d), travel time ceil(s d), so exact-real feasibility holds."""
    p = to_problem(read_solomon(tiny4_path), rounding="scaled", scale=1000)
    assert p.distance is not None
    assert p.distance[0, 3] == 1414 and p.duration[0, 3] == 1415  # 1414.21...
    assert p.distance[0, 1] == 5000 and p.duration[0, 1] == 5000
    assert p.time_windows[4] == ((60000, 120000),)


def test_bad_rounding_names_the_choices(tiny4_path: Path) -> None:
    """An unknown convention says what it got and what is expected."""
    with pytest.raises(ValueError, match='"nearest" but is expected to be in'):
        to_problem(read_solomon(tiny4_path), rounding="nearest")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("X\n\nCUSTOMER\n 0 0 0 0 0 10 0\n", "VEHICLE"),
        ("X\nVEHICLE\n 2 30\nCUSTOMER\n 0 0 0 0 0 10\n", "Expected 7 numbers"),
        ("X\nVEHICLE\n 2 30\nCUSTOMER\n 0 0 0 0 0 10 0\n 2 1 1 1 0 10 0\n", "node number 1"),
        ("X\nVEHICLE\n 2 30\nCUSTOMER\n 0 0 0 zero 0 10 0\n", "numbers only"),
    ],
)
def test_reader_errors_name_file_and_line(tmp_path: Path, text: str, match: str) -> None:
    """A malformed file gives a ValidationError naming the file (and line when known)."""
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=match) as err:
        read_solomon(path)
    assert "bad.txt" in str(err.value)


def test_solomon_class() -> None:
    """Class names group instances the way the benchmark reports them."""
    assert [solomon_class(n) for n in ("C101", "C208", "R112", "RC105", "RC201")] == [
        "C1", "C2", "R1", "RC1", "RC2"]
    with pytest.raises(ValueError, match="C101"):
        solomon_class("X12")


def test_read_bks(tmp_path: Path) -> None:
    """bks.csv rows become BestKnown records with both objectives."""
    path = tmp_path / "bks.csv"
    path.write_text(
        "instance,hier_vehicles,hier_distance,hier_source,distmin_vehicles,"
        "distmin_distance_trunc1,distmin_source\nC101,10,828.94,x,10,827.3,y\n",
        encoding="utf-8")
    bks = read_bks(path)
    assert bks["C101"].hier_distance == pytest.approx(828.94)
    assert bks["C101"].distmin_distance == pytest.approx(827.3)
    assert bks["C101"].distmin_vehicles == 10


def _brute_force_best(problem) -> int:  # noqa: ANN001 - test helper
    """Best distance over every split of every customer order into <= 2 routes."""
    customers = list(problem.visit_nodes)
    best = math.inf
    for order in itertools.permutations(customers):
        for cut in range(len(order) + 1):
            report = check_sequences(problem, [list(order[:cut]), list(order[cut:])])
            if report.ok:
                best = min(best, report.distance)
    return int(best)


def test_solve_tiny_instance_to_optimality(tiny4_path: Path) -> None:
    """OR-Tools finds the brute-force optimum of TINY4; the checker accepts its routes."""
    problem = to_problem(read_solomon(tiny4_path))
    result = solve(problem, time_limit_s=0.5)
    report = check_result(problem, result)
    assert report.ok, report.summary()
    assert result.is_feasible() and result.vehicles_used == 2
    assert result.distance() == report.distance == _brute_force_best(problem)


def test_unrounded_distance(tiny4_path: Path) -> None:
    """Exact Euclidean length of routes, depot added at both ends."""
    inst = read_solomon(tiny4_path)
    assert unrounded_distance(inst, [[1, 2], [4]]) == pytest.approx(5 + 5 + 10 + 5 + 5)
    assert unrounded_distance(inst, [[3]]) == pytest.approx(2 * math.sqrt(2))


@pytest.mark.skipif(not (SHARED / "C101.txt").exists(), reason="shared benchmark files absent")
def test_real_c101_reads() -> None:
    """The real C101 file reads into 101 nodes and 25 vehicles of capacity 200."""
    p = to_problem(read_solomon(SHARED / "C101.txt"))
    assert p.num_nodes == 101 and p.num_vehicles == 25
    assert p.vehicles[0].capacity == 200 and p.vehicles[0].latest == 12360
