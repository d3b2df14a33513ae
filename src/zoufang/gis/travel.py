"""Travel distances and times between visit points: the interface and a straight line.

A route planner needs, for every ordered pair of visit points, how far a cadre travels
and for how long. A :class:`TravelModel` turns points into a :class:`TravelMatrix`; this
module has the protocol, the matrix and :class:`StraightLine` (the straight distance
times a detour factor, 1.3 by default, for townships without a usable road file). The
road network, :class:`zoufang.gis.roads.RoadNetwork`, is the other implementation.

Units and CRS
-------------
Points are WGS-84 longitude/latitude degrees, an ``(n, 2)`` array of ``(lon, lat)``.
Distances are metres measured in the UTM zone of the data
(:func:`zoufang.gis.crs.metric_crs_for`): the network's zone for a road network, the
points' zone for :class:`StraightLine`; within a township both are the same zone and
agree with the ellipsoid to well under 0.1 %. Durations are whole seconds, rounded up.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Final, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zoufang.gis._metric import (
    F64,
    check_mode,
    check_points,
    epsg_of,
    pairwise,
    project,
    transformers,
)
from zoufang.gis.crs import metric_crs_for
from zoufang.vocab import TRAVEL_MODES

__all__ = [
    "MODES",
    "SPEEDS_KMH",
    "RoadLines",
    "StraightLine",
    "TravelMatrix",
    "TravelModel",
]

#: Default speed of each travel mode, km/h.
SPEEDS_KMH: Final[dict[str, float]] = {"walk": 4.5, "ebike": 15.0, "car": 30.0}
#: The travel modes (:data:`zoufang.vocab.TRAVEL_MODES`), in order.
MODES: Final = tuple(TRAVEL_MODES)


class RoadLines(Protocol):
    """The route lines of one road matrix, worked out on demand (see ``RoadNetwork``)."""

    def line(self, i: int, j: int, p_i: tuple[float, float],
             p_j: tuple[float, float]) -> list[tuple[float, float]]:
        """Return the road line from point ``i`` to point ``j`` (lon/lat degrees)."""
        ...


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Travel distances between every ordered pair of points.

    Attributes
    ----------
    points
        ``(n, 2)`` longitude/latitude, WGS-84 degrees, as given.
    distance_m
        ``(n, n)`` metres from point ``i`` (row) to point ``j`` (column), 0 on the
        diagonal, never infinite. Not symmetric for cars on one-way streets.
    snap_m
        ``(n,)`` metres from each point to its snap point on the road network (the access
        leg, included in ``distance_m``); 0 for straight-line models.
    source
        ``"roads:<file name>"`` or ``"straight×1.3"``.
    fallback_pairs
        Number of ordered pairs ``(i, j)``, ``i != j``, that have no road path and got the
        straight distance × :data:`FALLBACK_DETOUR` instead.
    fallback
        ``(n, n)`` bool, True for those pairs (all False for straight-line models).
    mode
        The travel mode the matrix was made for.
    """

    points: F64
    distance_m: F64
    snap_m: F64
    source: str
    fallback_pairs: int = 0
    fallback: NDArray[np.bool_] | None = None
    mode: str = "walk"
    _paths: RoadLines | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n = len(self.points)
        if self.points.shape != (n, 2):
            raise ValueError(f"Expected points of shape (n, 2), got {self.points.shape}.")
        if self.distance_m.shape != (n, n):
            raise ValueError(
                f"Expected distance_m of shape ({n}, {n}), got {self.distance_m.shape}.")
        if self.snap_m.shape != (n,):
            raise ValueError(f"Expected snap_m of shape ({n},), got {self.snap_m.shape}.")
        if self.fallback is None:
            object.__setattr__(self, "fallback", np.zeros((n, n), dtype=bool))

    def __len__(self) -> int:
        return len(self.points)

    def duration_s(self, speed_kmh: float) -> NDArray[np.int64]:
        """Travel times at ``speed_kmh`` km/h, whole seconds rounded up.

        Parameters
        ----------
        speed_kmh
            Speed in km/h over the whole distance (access legs included), e.g.
            ``SPEEDS_KMH[matrix.mode]``.

        Returns
        -------
        numpy.ndarray
            ``(n, n)`` int64 seconds, 0 on the diagonal.
        """
        if not (math.isfinite(speed_kmh) and speed_kmh > 0):
            raise ValueError(f"Expected speed_kmh > 0, got {speed_kmh!r}.")
        seconds = self.distance_m * 3.6 / float(speed_kmh)
        # 1e-6 s absorbs float noise: 450 m at 4.5 km/h is 360 s, not 361
        return np.ceil(seconds - 1e-6).clip(min=0).astype(np.int64)

    def line(self, i: int, j: int) -> list[tuple[float, float]]:
        """Return the travelled line from point ``i`` to point ``j``.

        Returns
        -------
        list of (lon, lat)
            WGS-84 degrees. Over roads: point ``i``, its snap point, the road vertices
            of the shortest path, the snap point of ``j``, point ``j`` (consecutive
            duplicates removed). Straight-line models and fallback pairs:
            ``[p_i, p_j]``. Always at least two vertices; the line's length is
            ``distance_m[i, j]`` except for fallback pairs (straight, without the detour).
        """
        n = len(self.points)
        i, j = operator.index(i), operator.index(j)
        if not (0 <= i < n and 0 <= j < n):
            raise IndexError(f"point index out of range 0..{n - 1}: ({i}, {j})")
        p_i = (float(self.points[i, 0]), float(self.points[i, 1]))
        p_j = (float(self.points[j, 0]), float(self.points[j, 1]))
        assert self.fallback is not None
        if self._paths is None or i == j or self.fallback[i, j]:
            return [p_i, p_j]
        return self._paths.line(i, j, p_i, p_j)


@runtime_checkable
class TravelModel(Protocol):
    """Anything that turns points into a :class:`TravelMatrix`."""

    source: str

    def matrix(self, points: ArrayLike, mode: str = "walk") -> TravelMatrix:
        """Return the travel matrix of ``points`` (``(n, 2)`` lon/lat) in ``mode``."""
        ...


class StraightLine:
    """Straight-line distance times a detour factor.

    Parameters
    ----------
    detour
        Factor ≥ 1 applied to the straight distance (1.3 is a common figure for rural
        road networks).

    Notes
    -----
    Distances are measured in the UTM zone of the points
    (:func:`zoufang.gis.crs.metric_crs_for`).
    """

    def __init__(self, detour: float = 1.3) -> None:
        if not (math.isfinite(detour) and detour >= 1.0):
            raise ValueError(f"Expected detour >= 1, got {detour!r}.")
        self.detour = float(detour)
        self.source = f"straight×{self.detour:g}"

    def __repr__(self) -> str:
        return f"StraightLine(detour={self.detour:g})"

    def matrix(self, points: ArrayLike, mode: str = "walk") -> TravelMatrix:
        """Return straight distance × ``detour`` between every pair of ``points``.

        Parameters
        ----------
        points
            ``(n, 2)`` longitude/latitude, WGS-84 degrees.
        mode
            One of :data:`MODES`; it does not change distances, only the recorded mode.

        Raises
        ------
        ValueError
            Unknown mode, or points that are NaN or outside China (naming the index).
        """
        check_mode(mode)
        pts = check_points(points)
        n = len(pts)
        if n == 0:
            dist = np.zeros((0, 0))
        else:
            crs = metric_crs_for(pts[:, 0], pts[:, 1])
            fwd, _ = transformers(epsg_of(crs))
            dist = pairwise(project(fwd, pts)) * self.detour
            np.fill_diagonal(dist, 0.0)
        return TravelMatrix(points=pts, distance_m=dist, snap_m=np.zeros(n),
                            source=self.source, mode=mode)
