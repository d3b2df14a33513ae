"""The grids (网格): a tiling of the township with exactly three deliberate defects.

Grids are Voronoi cells of seeds placed by village (strips of whole lanes across the
road, or quadrants) and by community (blocks between the seat's streets), clipped to the
outline and noded so that neighbours share their edges vertex for vertex. Then one sliver
gap, one overlap and one self-crossing (bow-tie) ring are added, as real grid files have.
Coordinates are metres in the local frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Point, Polygon
from shapely.geometry.polygon import orient

from zoufang.demo._common import Arr
from zoufang.demo._geometry import at, perp, unit
from zoufang.demo.layout import COMMUNITY_SEEDS, LANE_SPACING, Place

__all__ = ["Grids", "draw_grids"]


@dataclass
class Grids:
    """The grid tiling: rings (open, metric), owner place, and the deliberate defects."""

    rings: list[NDArray[np.float64]]
    place: list[int]
    number: list[int]
    gap: Polygon
    overlap: Polygon
    gap_pair: tuple[int, int]
    overlap_pair: tuple[int, int]
    invalid: int
    bowtie: NDArray[np.float64]
    polys: list[Any] = field(default_factory=list)
    boundary: Any = None

    def finish(self) -> None:
        """Build the (repaired) polygons and the boundary network used to place targets."""
        self.polys = []
        for g, ring in enumerate(self.rings):
            poly = Polygon(ring)
            if g == self.invalid:
                poly = shapely.make_valid(poly)
            self.polys.append(poly)
        shapely.prepare(self.polys)
        self.boundary = shapely.union_all([shapely.boundary(p) for p in self.polys])
        shapely.prepare(self.boundary)

    def code(self, g: int) -> str:
        """Return the 编号 of grid ``g``: ``G`` + its place's number + ``-`` + its number."""
        return f"G{self.place[g] + 1:02d}-{self.number[g]}"

    def locate(self, xy: NDArray[np.float64], margin: float = 3.0) -> NDArray[np.int64]:
        """Return the one grid holding each point at least ``margin`` m from any grid edge.

        Returns -1 for points in no grid, in two grids, or too near a grid edge.
        """
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        count = np.zeros(len(xy), dtype=np.int64)
        idx = np.full(len(xy), -1, dtype=np.int64)
        for g, poly in enumerate(self.polys):
            inside = shapely.contains_xy(poly, xy[:, 0], xy[:, 1])
            count += inside
            idx[inside] = g
        near = shapely.dwithin(self.boundary, shapely.points(xy), margin)
        return np.where((count == 1) & ~near, idx, -1)


def _seeds(rng: np.random.Generator, places: list[Place], seat: Arr,
           seat_u: Arr) -> tuple[Arr, list[tuple[int, int]]]:
    xy: list[Arr] = []
    owner: list[tuple[int, int]] = []
    for p_i, p in enumerate(places):
        if p.kind == "community":
            for j, (sx, sy) in enumerate(COMMUNITY_SEEDS[p.name]):
                jit = rng.uniform(-1.0, 1.0, 2)
                xy.append(at(seat, seat_u, sx + jit[0], sy + jit[1])[0])
                owner.append((p_i, j + 1))
        elif p.k == 4:
            # quadrants: split between the middle lanes and along the road
            q = p.lanes * LANE_SPACING / 4.0
            for j, (ss, tt) in enumerate(((-q, q), (q, q), (-q, -q), (q, -q))):
                jit = rng.uniform(-0.5, 0.5, 2)
                xy.append(at(p.centre, p.u, ss + jit[0], tt + jit[1])[0])
                owner.append((p_i, j + 1))
        else:
            # strips of whole lanes across the road
            lanes_per = p.lanes // p.k
            pos = (np.arange(p.lanes) - (p.lanes - 1) / 2.0) * LANE_SPACING
            for j in range(p.k):
                s = float(np.mean(pos[j * lanes_per:(j + 1) * lanes_per]))
                xy.append(at(p.centre, p.u, s, float(rng.uniform(-0.5, 0.5)))[0])
                owner.append((p_i, j + 1))
    return np.asarray(xy), owner


def _tile(outline: Polygon, seeds: Arr) -> list[Polygon]:
    """Voronoi cells of the seeds clipped to the outline, as faces of one noded linework.

    Neighbouring cells therefore share their edges vertex for vertex (no slivers).
    """
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=outline.buffer(5000.0)))
    pts = shapely.points(seeds)
    cell_of_seed = []
    for pt in pts:
        hits = [i for i, c in enumerate(cells) if c.contains(pt)]
        if len(hits) != 1:  # pragma: no cover - seeds are distinct
            raise RuntimeError("voronoi: a seed is not in exactly one cell")
        cell_of_seed.append(cells[hits[0]])
    lines = [c.exterior for c in cell_of_seed] + [outline.exterior]
    net = shapely.union_all(lines, grid_size=0.001)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(net)))
    by_seed: list[list[Polygon]] = [[] for _ in range(len(seeds))]
    for face in faces:
        rp = face.point_on_surface()
        if not outline.contains(rp):
            continue
        hits = [i for i, c in enumerate(cell_of_seed) if c.contains(rp)]
        if len(hits) != 1:  # pragma: no cover
            raise RuntimeError("tiling: a face is not in exactly one cell")
        by_seed[hits[0]].append(face)
    out: list[Polygon] = []
    for i, fs in enumerate(by_seed):
        if not fs:  # pragma: no cover
            raise RuntimeError(f"tiling: seed {i} has no face")
        geom = fs[0] if len(fs) == 1 else shapely.union_all(fs, grid_size=0.001)
        if geom.geom_type != "Polygon" or len(geom.interiors):  # pragma: no cover
            raise RuntimeError(f"tiling: the grid of seed {i} is not one simple polygon")
        out.append(orient(geom, 1.0))
    return out


def _segments(rings: list[Arr]) -> dict[tuple[tuple[float, float], tuple[float, float]],
                                        list[int]]:
    """Undirected ring segments -> the grids whose ring has it (1 = outline, 2 = shared)."""
    seg: dict[tuple[tuple[float, float], tuple[float, float]], list[int]] = {}
    for g, ring in enumerate(rings):
        n = len(ring)
        for i in range(n):
            a = (float(ring[i, 0]), float(ring[i, 1]))
            b = (float(ring[(i + 1) % n, 0]), float(ring[(i + 1) % n, 1]))
            key = (a, b) if a <= b else (b, a)
            seg.setdefault(key, []).append(g)
    return seg


def _insert_after(ring: Arr, a: tuple[float, float], b: tuple[float, float],
                  new: list[Arr]) -> Arr:
    """Insert ``new`` points between the consecutive ring vertices a and b (either order)."""
    n = len(ring)
    for i in range(n):
        p, q = tuple(ring[i]), tuple(ring[(i + 1) % n])
        if p == a and q == b:
            pts = new
        elif p == b and q == a:
            pts = new[::-1]
        else:
            continue
        return np.vstack([ring[: i + 1], np.asarray(pts), ring[i + 1:]])
    raise RuntimeError("segment not in ring")  # pragma: no cover


def draw_grids(rng: np.random.Generator, outline: Polygon, places: list[Place], seat: Arr,
               seat_u: Arr) -> Grids:
    """Tile the township into grids, then add one gap, one overlap and one bow-tie.

    Parameters
    ----------
    rng
        The run's generator.
    outline
        The township boundary, metres.
    places
        The communities and villages; each place's ``grids`` gets the indices of its grids.
    seat, seat_u
        Centre of the town seat and the unit vector of the seat frame's x axis.

    Returns
    -------
    Grids
        The rings and their owners, the defects, and the (repaired) polygons.
    """
    seeds, owner = _seeds(rng, places, seat, seat_u)
    polys = _tile(outline, seeds)
    rings = [np.asarray(p.exterior.coords)[:-1] for p in polys]
    place_of = [o[0] for o in owner]
    for g, (p_i, _n) in enumerate(owner):
        places[p_i].grids.append(g)
    centres = np.asarray([p.centre for p in places])
    segs = _segments(rings)
    outline_ring = outline.exterior

    def far(mid: Arr, dist: float) -> bool:
        return bool(np.min(np.hypot(*(centres - mid).T)) > dist)

    shared = []
    edge = []
    for (a, b), gs in sorted(segs.items()):
        pa, pb = np.asarray(a), np.asarray(b)
        length = float(np.hypot(*(pb - pa)))
        mid = (pa + pb) / 2
        if len(gs) == 2:
            g1, g2 = gs
            if (place_of[g1] != place_of[g2] and places[place_of[g1]].kind == "village"
                    and places[place_of[g2]].kind == "village" and 220 <= length <= 800
                    and outline_ring.distance(Point(a)) > 100
                    and outline_ring.distance(Point(b)) > 100 and far(mid, 800)):
                shared.append((a, b, g1, g2, length))
        elif len(gs) == 1 and length >= 80 and far(mid, 700):
            edge.append((a, b, gs[0], length))
    if len(shared) < 2 or not edge:  # pragma: no cover
        raise RuntimeError("no room for the deliberate grid defects")
    order = rng.permutation(len(shared))
    gap_seg = shared[int(order[0])]
    ov_seg = next(shared[int(i)] for i in order[1:]
                  if not {shared[int(i)][2], shared[int(i)][3]} & {gap_seg[2], gap_seg[3]})

    def apex(a: tuple[float, float], b: tuple[float, float], into: int, area: float,
             ) -> tuple[Arr, Polygon]:
        pa, pb = np.asarray(a), np.asarray(b)
        length = float(np.hypot(*(pb - pa)))
        nrm = perp(unit(pb - pa))
        mid = (pa + pb) / 2
        if not polys[into].contains(Point(mid + nrm)):
            nrm = -nrm
        d = 2.0 * area / length
        top = np.round(mid + d * nrm, 3)
        return top, Polygon([pa, top, pb])

    # gap: grid A gives up a thin triangle along its edge with B
    a, b, g_a, g_b, _len = gap_seg
    top, gap = apex(a, b, g_a, float(rng.uniform(300.0, 600.0)))
    if not polys[g_a].buffer(0.01).covers(gap):  # pragma: no cover
        raise RuntimeError("gap triangle leaves its grid")
    rings[g_a] = _insert_after(rings[g_a], a, b, [top])
    # overlap: grid C reaches into D by a triangle of a few thousand m²
    c, d, g_c, g_d, _len = ov_seg
    top, overlap = apex(c, d, g_d, float(rng.uniform(2500.0, 4500.0)))
    if not polys[g_d].buffer(0.01).covers(overlap):  # pragma: no cover
        raise RuntimeError("overlap triangle leaves the neighbouring grid")
    rings[g_c] = _insert_after(rings[g_c], c, d, [top])
    # bow-tie: a grid on the township boundary whose ring crosses itself (a digitising slip)
    used = {g_a, g_b, g_c, g_d}
    edge = [e for e in edge if e[2] not in used]
    e_a, e_b, g_e, e_len = edge[int(rng.integers(len(edge)))]
    pa, pb = np.asarray(e_a), np.asarray(e_b)
    ring = rings[g_e]
    # orientation of this segment in the (anticlockwise) ring
    for i in range(len(ring)):
        if tuple(ring[i]) == e_b and tuple(ring[(i + 1) % len(ring)]) == e_a:
            pa, pb = pb, pa
            break
    along = unit(pb - pa)
    out_n = np.array([along[1], -along[0]])  # right of an anticlockwise ring = outside
    s0 = e_len / 2 - 6.0
    w, h = 12.0, 8.0
    bow = [np.round(pa + along * s0, 3), np.round(pa + along * (s0 + w) + out_n * h, 3),
           np.round(pa + along * s0 + out_n * h, 3), np.round(pa + along * (s0 + w), 3)]
    rings[g_e] = _insert_after(ring, tuple(pa), tuple(pb), bow)
    grids = Grids(rings=rings, place=place_of, number=[o[1] for o in owner], gap=gap,
                  overlap=overlap, gap_pair=(g_a, g_b), overlap_pair=(g_c, g_d),
                  invalid=g_e, bowtie=bow[0])
    for g, r in enumerate(rings):
        if (g != g_e) != bool(Polygon(r).is_valid):  # pragma: no cover
            raise RuntimeError(f"grid {g}: validity not as intended")
    grids.finish()
    return grids
