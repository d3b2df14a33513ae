"""The site graph of the area planner: sites and the links that define contiguity.

Targets at one spot, in one grid, with one lock and one previous owner form a *site*
(a spot heavier than ``max_site_min`` minutes is cut into chunks, so that areas can share
an apartment block). Sites are linked by the Delaunay edges of their grid's spots
(``intra``) and by Delaunay edges across the border of adjacent grids (``cross``);
adjacent grids with no such edge get their nearest pair of sites linked. Coordinates are
metres in the problem's metric CRS, weights minutes.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray

from zoufang.planner.areas.model import AreaProblem

__all__ = ["SiteGraph"]


def _delaunay_pairs(xy: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index pairs of the Delaunay edges of distinct points ``xy`` (collinear: a path)."""
    n = len(xy)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    if n == 2:
        return np.array([[0, 1]], dtype=np.int64)
    edges = shapely.delaunay_triangles(shapely.multipoints(xy), only_edges=True)
    coords = shapely.get_coordinates(edges)
    lookup = {(float(a), float(b)): i for i, (a, b) in enumerate(xy.tolist())}
    idx = np.array([lookup.get((float(a), float(b)), -1) for a, b in coords.tolist()],
                   dtype=np.int64).reshape(-1, 2)
    idx = idx[(idx >= 0).all(axis=1)]
    present = np.zeros(n, dtype=bool)
    present[idx.ravel()] = True
    extra = []
    for i in np.flatnonzero(~present):  # points GEOS left out: tie to the nearest point
        d = np.hypot(xy[:, 0] - xy[i, 0], xy[:, 1] - xy[i, 1])
        d[i] = np.inf
        extra.append((i, int(d.argmin())))
    if extra:
        idx = np.vstack([idx, np.array(extra, dtype=np.int64)])
    return idx


class SiteGraph:
    """Sites (targets at one spot, one grid, one lock/previous owner) and their links."""

    def __init__(self, problem: AreaProblem, lock_owner: NDArray[np.int64],
                 prev_owner: NDArray[np.int64], max_site_min: float = math.inf) -> None:
        t = problem.targets
        key = np.column_stack([t.x, t.y, t.grid, lock_owner, prev_owner])
        _, grp = np.unique(key, axis=0, return_inverse=True)
        grp = grp.ravel()
        # an apartment block may hold dozens of households at one point: cut such a spot
        # into chunks of at most max_site_min, so that areas can share a block
        order = np.argsort(grp, kind="stable")
        wt = t.workload_min[order]
        csum = np.cumsum(wt) - wt
        first = np.r_[0, np.flatnonzero(np.diff(grp[order])) + 1]
        start = np.repeat(csum[first], np.diff(np.r_[first, len(order)]))
        chunk = np.zeros(len(grp))
        if math.isfinite(max_site_min) and max_site_min > 0:
            chunk[order] = np.floor((csum - start) / max_site_min)
        uniq, inv = np.unique(np.column_stack([key, chunk]), axis=0, return_inverse=True)
        inv = inv.ravel()
        self.n = len(uniq)
        self.site_of = inv
        self.x = uniq[:, 0].copy()
        self.y = uniq[:, 1].copy()
        self.grid = uniq[:, 2].astype(np.int64)
        self.lock = uniq[:, 3].astype(np.int64)
        self.prev = uniq[:, 4].astype(np.int64)
        # minutes per site (numpy's stubs type a weighted bincount as integers)
        self.w: NDArray[np.float64] = np.asarray(
            np.bincount(inv, weights=t.workload_min, minlength=self.n), dtype=np.float64)
        self.n_grids = len(problem.grids)
        adj: list[set[int]] = [set() for _ in range(self.n_grids)]
        for gi, g in enumerate(problem.grids):
            for j in g.neighbours:
                adj[gi].add(j)
                adj[j].add(gi)
        intra: list[list[int]] = [[] for _ in range(self.n)]
        cross: list[list[int]] = [[] for _ in range(self.n)]

        # spots: distinct (x, y) over all sites
        sxy = np.column_stack([self.x, self.y])
        spots, spot_of = np.unique(sxy, axis=0, return_inverse=True)
        spot_of = spot_of.ravel()
        members: dict[int, list[int]] = {}
        for s, p in enumerate(spot_of.tolist()):
            members.setdefault(p, []).append(s)

        def link(u: int, v: int) -> None:
            gu, gv = int(self.grid[u]), int(self.grid[v])
            if gu == gv:
                intra[u].append(v)
                intra[v].append(u)
            elif gv in adj[gu]:
                cross[u].append(v)
                cross[v].append(u)

        for lst in members.values():  # co-located sites
            for a in range(len(lst)):
                for b in range(a + 1, len(lst)):
                    link(lst[a], lst[b])
        # inside each grid: Delaunay of the grid's own spots
        for grid_i in range(self.n_grids):
            sites = np.flatnonzero(self.grid == grid_i)
            if len(sites) < 2:
                continue
            gspots, ginv = np.unique(spot_of[sites], return_inverse=True)
            groups: dict[int, list[int]] = {}
            for s, p in zip(sites.tolist(), ginv.ravel().tolist(), strict=True):
                groups.setdefault(p, []).append(s)
            for p, q in _delaunay_pairs(spots[gspots]).tolist():
                for u in groups[p]:
                    for v in groups[q]:
                        intra[u].append(v)
                        intra[v].append(u)
        # across grid borders: global Delaunay edges between adjacent grids
        linked: set[tuple[int, int]] = set()
        for p, q in _delaunay_pairs(spots).tolist():
            for u in members[p]:
                for v in members[q]:
                    gu, gv = int(self.grid[u]), int(self.grid[v])
                    if gu != gv and gv in adj[gu]:
                        cross[u].append(v)
                        cross[v].append(u)
                        linked.add((min(gu, gv), max(gu, gv)))
        for lst in members.values():
            for a in lst:
                for b in lst:
                    ga, gb = int(self.grid[a]), int(self.grid[b])
                    if ga < gb and gb in adj[ga]:
                        linked.add((ga, gb))
        # adjacent grids with targets but no Delaunay edge between them: nearest pair
        has = np.bincount(self.grid, minlength=self.n_grids) > 0
        for ga in range(self.n_grids):
            for gb in adj[ga]:
                if ga < gb and has[ga] and has[gb] and (ga, gb) not in linked:
                    sa, sb = np.flatnonzero(self.grid == ga), np.flatnonzero(self.grid == gb)
                    best = (math.inf, -1, -1)
                    for lo in range(0, len(sa), 512):
                        part = sa[lo:lo + 512]
                        d = np.hypot(self.x[part, None] - self.x[None, sb],
                                     self.y[part, None] - self.y[None, sb])
                        k = int(d.argmin())
                        if d.flat[k] < best[0]:
                            best = (float(d.flat[k]), int(part[k // len(sb)]),
                                    int(sb[k % len(sb)]))
                    cross[best[1]].append(best[2])
                    cross[best[2]].append(best[1])
        self.intra = [sorted(set(v)) for v in intra]
        self.cross = [sorted(set(v)) for v in cross]
        self.nbrs = [a + b for a, b in zip(self.intra, self.cross, strict=True)]
