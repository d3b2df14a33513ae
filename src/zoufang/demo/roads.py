"""The demo's road network: road records, noding at junctions, connectivity.

Roads are drawn as :class:`Road` polylines in the local metric frame; :func:`node` splits
them at every crossing and T-junction so that ``roads.geojson`` holds lines meeting at
shared end vertices, and :func:`count_components` checks the network is connected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, Point

__all__ = ["Road", "count_components", "node"]


@dataclass
class Road:
    """One road before noding: metric coordinates, name (名称) and OSM highway class."""

    coords: NDArray[np.float64]
    name: str | None
    highway: str

    @property
    def line(self) -> LineString:
        """The road as a shapely line (metres)."""
        return LineString(self.coords)


class _Junctions:
    """Canonical junction points: points within 1 cm are the same point."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float]]] = {}

    def get(self, p: Sequence[float]) -> tuple[float, float]:
        x, y = float(p[0]), float(p[1])
        cx, cy = int(math.floor(x / 0.01)), int(math.floor(y / 0.01))
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for q in self.cells.get((cx + dx, cy + dy), ()):
                    if abs(q[0] - x) <= 0.01 and abs(q[1] - y) <= 0.01:
                        return q
        q = (x, y)
        self.cells.setdefault((cx, cy), []).append(q)
        return q


def node(roads: list[Road]) -> list[Road]:
    """Split every road at every junction so that lines meet at shared end vertices.

    Parameters
    ----------
    roads
        The roads in metres; ends within 1 cm of another line are T-junctions.

    Returns
    -------
    list of Road
        The pieces, in the order of ``roads`` and along each road.

    Raises
    ------
    RuntimeError
        If two roads overlap along a stretch instead of crossing at a point.
    """
    geoms = [r.line for r in roads]
    junc = _Junctions()
    # endpoints first: they are the canonical coordinates of T-junctions
    coords = [r.coords.copy() for r in roads]
    for c in coords:
        c[0] = junc.get(c[0])
        c[-1] = junc.get(c[-1])
    splits: list[list[tuple[float, float]]] = [[] for _ in roads]
    tree = shapely.STRtree(geoms)
    # end vertices that touch another line (T-junctions)
    for i, c in enumerate(coords):
        for end in (c[0], c[-1]):
            pt = Point(end)
            for j in tree.query(pt, predicate="dwithin", distance=0.01):
                if int(j) != i:
                    splits[int(j)].append((float(end[0]), float(end[1])))
    # crossings
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        inter = geoms[i].intersection(geoms[j])
        for part in shapely.get_parts(inter):
            if part.geom_type != "Point":
                raise RuntimeError(f"roads {roads[i].name} and {roads[j].name} overlap")
            q = junc.get(part.coords[0])
            splits[i].append(q)
            splits[j].append(q)
    out: list[Road] = []
    for i, road in enumerate(roads):
        line = LineString(coords[i])
        pts = [junc.get(p) for p in splits[i]]
        # vertices with their distance along the line; split points inserted
        verts = [(line.project(Point(v)), (float(v[0]), float(v[1])), False)
                 for v in coords[i]]
        verts[0] = (0.0, verts[0][1], True)
        verts[-1] = (line.length, verts[-1][1], True)
        for p in pts:
            verts.append((line.project(Point(p)), p, True))
        verts.sort(key=lambda t: (t[0], not t[2]))
        merged: list[tuple[float, tuple[float, float], bool]] = []
        for dist, p, is_split in verts:
            if merged and abs(dist - merged[-1][0]) < 0.005:
                if is_split and not merged[-1][2]:
                    merged[-1] = (dist, p, True)
                continue
            merged.append((dist, p, is_split))
        piece: list[tuple[float, float]] = []
        for k, (_dist, p, is_split) in enumerate(merged):
            piece.append(p)
            if is_split and k > 0 and len(piece) >= 2:
                out.append(Road(np.asarray(piece), road.name, road.highway))
                piece = [p]
    return out


def count_components(ends: list[tuple[str, str]]) -> int:
    """Count the connected components of lines given by their (start, end) keys."""
    parent: dict[str, str] = {}

    def find(a: str) -> str:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, c in ends:
        parent[find(a)] = find(c)
    return len({find(a) for a in list(parent)})
