"""Solomon VRPTW instances (Solomon 1987 benchmark) read into :class:`RoutingProblem`.

The files are Solomon's original text format: the instance name, a ``VEHICLE`` block
(vehicle count and capacity), then a ``CUSTOMER`` block with one row per node —
number, x, y, demand, ready time, due date, service time — where node 0 is the depot.
Coordinates and times are in Solomon's abstract units; travel time equals the
Euclidean distance.

Two integer conventions are offered, because the literature uses two:

``"trunc1"``
    Euclidean distance truncated to one decimal per arc, times 10, as integers
    (``floor(10 * d)``, computed exactly with integer square roots). Ready times,
    due dates and service times are multiplied by 10 too, and travel time equals
    the truncated distance. This is the convention of the LKH-3 tours behind the
    ``distmin_*`` columns of ``bks.csv`` (distance-only objective).
``"scaled"``
    Distances ``round(scale * d)`` and travel times ``ceil(scale * d)``, times
    multiplied by ``scale`` (1000 by default). Rounding travel times up keeps every
    route feasible with the exact real distances, so a solution can be scored with
    :func:`unrounded_distance` against the ``hier_*`` columns (vehicles first, then
    unrounded distance).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from zoufang._errors import Problem, ValidationError
from zoufang.planner.routing.problem import RoutingProblem, Vehicle

__all__ = [
    "BestKnown",
    "SolomonInstance",
    "read_bks",
    "read_solomon",
    "solomon_class",
    "to_problem",
    "unrounded_distance",
]

Rounding = Literal["trunc1", "scaled"]


@dataclass(frozen=True)
class SolomonInstance:
    """One Solomon instance as written in its file (abstract units, node 0 = depot).

    Parameters
    ----------
    name
        Instance name from the first line (e.g. ``"C101"``).
    num_vehicles
        Vehicles available (``VEHICLE NUMBER``).
    capacity
        Capacity of every vehicle.
    x, y
        Coordinates per node.
    demand, ready, due, service
        Demand, ready time, due date and service time per node.
    """

    name: str
    num_vehicles: int
    capacity: int
    x: tuple[int, ...]
    y: tuple[int, ...]
    demand: tuple[int, ...]
    ready: tuple[int, ...]
    due: tuple[int, ...]
    service: tuple[int, ...]

    @property
    def num_nodes(self) -> int:
        """Number of nodes, depot included."""
        return len(self.x)


@dataclass(frozen=True)
class BestKnown:
    """Best-known figures of one instance, from ``bks.csv``.

    Parameters
    ----------
    hier_vehicles, hier_distance
        Fewest vehicles, then unrounded Euclidean distance.
    distmin_vehicles, distmin_distance
        Distance-only objective, arcs truncated to one decimal (in Solomon units,
        i.e. ``distmin_distance * 10`` is comparable with a ``"trunc1"`` cost).
    """

    instance: str
    hier_vehicles: int
    hier_distance: float
    distmin_vehicles: int
    distmin_distance: float


def _fail(path: Path, row: int | None, field: str | None, message: str, value: str | None = None
          ) -> ValidationError:
    return ValidationError(f"Cannot read Solomon instance {path.name}.",
                           [Problem(str(path), row, field, message, value=value)])


def read_solomon(path: str | Path) -> SolomonInstance:
    """Read a Solomon instance file.

    Parameters
    ----------
    path
        The ``.txt`` file in Solomon's format.

    Returns
    -------
    SolomonInstance
        The instance in its own units.

    Raises
    ------
    ValidationError
        Naming the file, the line and the field when the file is not in the format.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    name = next((ln.strip() for ln in lines if ln.strip()), "")
    num_vehicles = capacity = None
    rows: list[tuple[int, list[int]]] = []
    section = ""
    for lineno, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        upper = text.upper()
        if upper.startswith("VEHICLE"):
            section = "vehicle"
            continue
        if upper.startswith("CUSTOMER"):
            section = "customer"
            continue
        if not (text[0].isdigit() or text[0] == "-"):
            continue  # header lines such as "NUMBER CAPACITY"
        fields = text.split()
        try:
            values = [int(float(f)) for f in fields]
        except ValueError:
            raise _fail(path, lineno, None, "Expected numbers only.", text) from None
        if section == "vehicle" and num_vehicles is None:
            if len(values) != 2:
                raise _fail(path, lineno, "NUMBER CAPACITY", "Expected 2 numbers.", text)
            num_vehicles, capacity = values
        elif section == "customer":
            if len(values) != 7:
                raise _fail(path, lineno, "CUSTOMER", "Expected 7 numbers (no, x, y, demand, "
                            "ready, due, service).", text)
            rows.append((lineno, values))
    if num_vehicles is None or capacity is None:
        raise _fail(path, None, "VEHICLE", "Expected a VEHICLE block with number and capacity.")
    if not rows:
        raise _fail(path, None, "CUSTOMER", "Expected a CUSTOMER block with node rows.")
    for expected, (lineno, values) in enumerate(rows):
        if values[0] != expected:
            raise _fail(path, lineno, "CUST NO.", f"Expected node number {expected}.",
                        str(values[0]))
    cols = list(zip(*(values for _, values in rows), strict=True))
    return SolomonInstance(
        name=name, num_vehicles=num_vehicles, capacity=capacity,
        x=cols[1], y=cols[2], demand=cols[3], ready=cols[4], due=cols[5], service=cols[6],
    )


def _squared_distances(inst: SolomonInstance) -> np.ndarray:
    x = np.asarray(inst.x, dtype=np.int64)
    y = np.asarray(inst.y, dtype=np.int64)
    return (x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2


def to_problem(
    instance: SolomonInstance,
    *,
    rounding: Rounding = "trunc1",
    scale: int = 1000,
    num_vehicles: int | None = None,
) -> RoutingProblem:
    """Turn a Solomon instance into a :class:`RoutingProblem` in integer units.

    Parameters
    ----------
    instance
        The instance as read by :func:`read_solomon`.
    rounding
        ``"trunc1"`` (distances and times in tenths, arcs truncated; compare with the
        ``distmin`` columns) or ``"scaled"`` (times ``scale``; compare with ``hier`` via
        :func:`unrounded_distance`). See the module docstring.
    scale
        Multiplier for ``"scaled"``; ignored for ``"trunc1"`` (always 10).
    num_vehicles
        Vehicles to offer; defaults to the file's vehicle number.

    Returns
    -------
    RoutingProblem
        Every customer mandatory, one window each, the depot window as every vehicle's
        window, capacities from the file.
    """
    sq = _squared_distances(instance)
    if rounding == "trunc1":
        factor = 10
        # floor(10 * sqrt(s)) == isqrt(100 * s), exactly, for integer s.
        dist = np.vectorize(math.isqrt, otypes=[np.int64])(100 * sq)
        dur = dist
    elif rounding == "scaled":
        if scale < 1:
            raise ValueError(f"`scale` was {scale} but is expected to be >= 1.")
        factor = scale
        real = np.sqrt(sq.astype(np.float64)) * scale
        dist = np.rint(real).astype(np.int64)
        dur = np.ceil(real - 1e-9).astype(np.int64)
    else:
        raise ValueError(f'`rounding` was "{rounding}" but is expected to be in '
                         '["trunc1", "scaled"].')
    n = instance.num_nodes
    k = instance.num_vehicles if num_vehicles is None else num_vehicles
    depot_open, depot_close = instance.ready[0] * factor, instance.due[0] * factor
    vehicles = tuple(
        Vehicle(0, 0, depot_open, depot_close, capacity=instance.capacity, name=f"v{i + 1}")
        for i in range(k)
    )
    windows = tuple(((instance.ready[i] * factor, instance.due[i] * factor),) for i in range(n))
    return RoutingProblem(
        duration=dur,
        distance=None if rounding == "trunc1" else dist,
        service=tuple(s * factor for s in instance.service),
        time_windows=windows,
        demand=tuple(instance.demand),
        vehicles=vehicles,
        names=tuple(str(i) for i in range(n)),
    )


def unrounded_distance(instance: SolomonInstance, routes: Iterable[Sequence[int]]) -> float:
    """Total exact Euclidean length of ``routes`` (each a node list without the depot).

    Parameters
    ----------
    instance
        The instance the routes belong to.
    routes
        Customer sequences; the depot (node 0) is added at both ends.

    Returns
    -------
    float
        Length in Solomon's units, unrounded.
    """
    total = 0.0
    for nodes in routes:
        path = [0, *nodes, 0]
        for a, b in zip(path, path[1:], strict=False):
            total += math.hypot(instance.x[a] - instance.x[b], instance.y[a] - instance.y[b])
    return total


def solomon_class(name: str) -> str:
    """Class of an instance name: ``"RC108"`` → ``"RC1"``, ``"C205"`` → ``"C2"``."""
    stem = name.upper().rstrip("0123456789")
    digits = name[len(stem):]
    if stem not in {"C", "R", "RC"} or len(digits) < 3:
        raise ValueError(f'`name` was "{name}" but is expected to look like C101, R205, RC108.')
    return stem + digits[0]


def read_bks(path: str | Path) -> dict[str, BestKnown]:
    """Read ``bks.csv`` (see the README beside it) into ``{instance: BestKnown}``."""
    path = Path(path)
    out: dict[str, BestKnown] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for lineno, row in enumerate(csv.DictReader(fh), start=2):
            try:
                out[row["instance"]] = BestKnown(
                    instance=row["instance"],
                    hier_vehicles=int(row["hier_vehicles"]),
                    hier_distance=float(row["hier_distance"]),
                    distmin_vehicles=int(row["distmin_vehicles"]),
                    distmin_distance=float(row["distmin_distance_trunc1"]),
                )
            except (KeyError, ValueError) as exc:
                raise _fail(path, lineno, None, f"Expected the bks.csv columns ({exc}).") from None
    return out
