"""Checks of routing inputs: integers, per-node vectors, square matrices, time windows.

Each helper appends a :class:`~zoufang._errors.Problem` per bad entry to the caller's
list, so that a :class:`~zoufang.planner.routing.problem.RoutingProblem` can list every
problem at once; :func:`raise_if` then raises them together.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from zoufang._errors import Problem, ValidationError

__all__ = ["TimeWindow", "as_int", "int_matrix", "int_vector", "check_windows", "raise_if"]

#: A ``(start, end)`` interval, inclusive, in the problem's integer time unit.
TimeWindow = tuple[int, int]


def as_int(value: Any) -> int | None:
    """Return ``value`` as an int, or None when it is not integral."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def raise_if(kind: str, problems: list[Problem]) -> None:
    """Raise one :class:`~zoufang._errors.ValidationError` listing ``problems``, if any."""
    if problems:
        raise ValidationError(f"Invalid {kind}.", problems)


def int_vector(name: str, values: Any, n: int, problems: list[Problem], *,
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
        iv = as_int(v)
        if iv is None:
            problems.append(Problem("RoutingProblem", None, f"{name}[{i}]",
                                    f"Expected integer {name}.", value=repr(v)))
        elif iv < 0:
            problems.append(Problem("RoutingProblem", None, f"{name}[{i}]",
                                    f"Expected {name} >= 0.", value=repr(v)))
        out.append(iv)
    return tuple(out)


def int_matrix(name: str, values: Any, problems: list[Problem]) -> np.ndarray | None:
    """Check a non-empty square matrix of integers >= 0; return a read-only int64 copy."""
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


def check_windows(values: Any, n: int,
                  problems: list[Problem]) -> tuple[tuple[TimeWindow, ...], ...]:
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
                a, b = (as_int(x) for x in w)
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
