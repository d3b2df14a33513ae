"""Plane geometry in the township's local frame (metres, transverse Mercator).

Small helpers shared by the layout, the grids and the targets: local frames given by an
origin and a unit vector ``u`` (``s`` along ``u``, ``t`` to its left), directions along a
line, snapping onto a line, and candidate points along a street's frontage.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import LineString, Point

from zoufang.demo._common import Arr

__all__ = ["at", "direction_at", "frontage", "perp", "snap_to", "unit"]


def perp(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return ``u`` turned 90° anticlockwise."""
    return np.array([-u[1], u[0]])


def at(origin: Arr, u: Arr, s: Any, t: Any) -> NDArray[np.float64]:
    """Return the points ``origin + s·u + t·perp(u)`` (vectorised over ``s``, ``t``), (n, 2)."""
    s_arr = np.atleast_1d(np.asarray(s, dtype=float))
    t_arr = np.atleast_1d(np.asarray(t, dtype=float))
    s_arr, t_arr = np.broadcast_arrays(s_arr, t_arr)
    v = perp(u)
    out: NDArray[np.float64] = (origin[None, :] + s_arr[:, None] * u[None, :]
                                + t_arr[:, None] * v[None, :])
    return out


def unit(v: Arr) -> NDArray[np.float64]:
    """Return ``v`` scaled to length 1."""
    return v / float(np.hypot(v[0], v[1]))


def direction_at(line: LineString, d: float) -> NDArray[np.float64]:
    """Return the unit direction of ``line`` at ``d`` metres along it (over ±1 m)."""
    a = np.asarray(line.interpolate(max(d - 1.0, 0.0)).coords[0])
    b = np.asarray(line.interpolate(min(d + 1.0, line.length)).coords[0])
    return unit(b - a)


def snap_to(line: LineString, p: Arr) -> NDArray[np.float64]:
    """Return the point of ``line`` nearest to ``p``."""
    return np.asarray(line.interpolate(line.project(Point(p))).coords[0])


def frontage(line: LineString, d0: float, d1: float, step: float, offset: float,
             ) -> tuple[Arr, Arr, Arr]:
    """Candidate points on both sides of a street: (xy, side ±1, distance along)."""
    ds = np.arange(max(d0, 1.0), min(d1, line.length - 1.0), step)
    xy, side, along = [], [], []
    for d in ds:
        p = np.asarray(line.interpolate(d).coords[0])
        n = perp(direction_at(line, float(d)))
        for sgn in (1, -1):
            xy.append(p + sgn * offset * n)
            side.append(sgn)
            along.append(d)
    return np.asarray(xy).reshape(-1, 2), np.asarray(side), np.asarray(along)
