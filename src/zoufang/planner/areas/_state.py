"""The partition state of the area planner: which area owns each site, and its moves.

:class:`Partition` keeps, in Python lists for speed, each site's area, each area's load
(minutes), members and pieces (its sites in one grid), and answers the contiguity
questions (may a site leave or join an area without cutting it?). On top of that it
repairs cut areas, grows areas over unassigned sites, rejoins areas that new targets cut
apart and balances loads by a min-cost flow over the area adjacency graph.
"""

from __future__ import annotations

import heapq
import math
import time
from collections import deque

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from zoufang.planner.areas._graph import SiteGraph

__all__ = ["Partition"]


class Partition:
    """Site -> area assignment with loads and per-grid pieces, kept in Python lists."""

    def __init__(self, g: SiteGraph, k: int, tau: NDArray[np.float64],
                 frozen: NDArray[np.bool_], movable: NDArray[np.bool_]) -> None:
        self.g = g
        self.k = k
        self.tau = tau.astype(float).copy()
        self.frozen = [bool(f) for f in frozen]
        self.movable = [bool(m) for m in movable]
        self.owner = [-1] * g.n
        self.load = [0.0] * k
        self.members: list[set[int]] = [set() for _ in range(k)]
        self.pieces: list[dict[int, set[int]]] = [{} for _ in range(k)]
        self.w = g.w.tolist()
        self.sg = g.grid.tolist()
        self.prev = g.prev.tolist()
        self.replan = False
        self.moves = 0

    def add(self, s: int, a: int) -> None:
        """Give the unassigned site ``s`` to area ``a``."""
        self.owner[s] = a
        self.load[a] += self.w[s]
        self.members[a].add(s)
        self.pieces[a].setdefault(self.sg[s], set()).add(s)

    def remove(self, s: int) -> int:
        """Unassign site ``s``; return the area it belonged to."""
        a = self.owner[s]
        self.owner[s] = -1
        self.load[a] -= self.w[s]
        self.members[a].discard(s)
        p = self.pieces[a][self.sg[s]]
        p.discard(s)
        if not p:
            del self.pieces[a][self.sg[s]]
        return a

    def move(self, s: int, b: int) -> None:
        """Move site ``s`` to area ``b`` (counted in :attr:`moves`)."""
        self.remove(s)
        self.add(s, b)
        self.moves += 1

    # -- contiguity -------------------------------------------------------------------
    def _reach_all(self, s: int, a: int, targets: list[int], intra_only: bool) -> bool:
        need = set(targets[1:])
        need.discard(targets[0])
        if not need:
            return True
        owner = self.owner
        seen = {targets[0], s}
        dq = deque([targets[0]])
        adj = self.g.intra if intra_only else self.g.nbrs
        while dq:
            u = dq.popleft()
            for v in adj[u]:
                if v not in seen and owner[v] == a:
                    seen.add(v)
                    if v in need:
                        need.discard(v)
                        if not need:
                            return True
                    dq.append(v)
        return False

    def can_remove(self, s: int) -> bool:
        """Return True if area ``owner[s]`` stays one connected piece without ``s``."""
        a = self.owner[s]
        if len(self.members[a]) <= 1:
            return False
        owner = self.owner
        intra_n = [v for v in self.g.intra[s] if owner[v] == a]
        cross_n = [v for v in self.g.cross[s] if owner[v] == a]
        if len(intra_n) > 1 and not self._reach_all(s, a, intra_n, True):
            return False
        if cross_n or not intra_n:
            alln = intra_n + cross_n
            if len(alln) > 1 and not self._reach_all(s, a, alln, False):
                return False
        return True

    def can_add(self, s: int, b: int, *, growing: bool = False) -> bool:
        """Return True if ``s`` can join area ``b`` keeping it one connected piece.

        A locked (frozen) area takes no site, except new targets while ``growing``.
        """
        if self.frozen[b] and not (growing and self.g.prev[s] == -1):
            return False
        owner = self.owner
        if self.sg[s] in self.pieces[b]:
            return any(owner[v] == b for v in self.g.intra[s])
        if not self.members[b]:
            return True
        return any(owner[v] == b for v in self.g.cross[s])

    def components(self, a: int) -> list[list[int]]:
        """Return the connected components of area ``a`` (heaviest first).

        A piece (the area's sites in one grid) must be connected by intra-grid links;
        pieces are joined by cross-border links.
        """
        owner = self.owner
        comp_of: dict[int, int] = {}
        pieces: list[list[int]] = []
        for _gi, sites in self.pieces[a].items():
            for s0 in sites:
                if s0 in comp_of:
                    continue
                cid = len(pieces)
                comp_of[s0] = cid
                lst = [s0]
                dq = deque([s0])
                while dq:
                    u = dq.popleft()
                    for v in self.g.intra[u]:
                        if owner[v] == a and v not in comp_of:
                            comp_of[v] = cid
                            lst.append(v)
                            dq.append(v)
                pieces.append(lst)
        # keep the heaviest intra-component of each grid; union pieces by cross links
        best_in_grid: dict[int, int] = {}
        for cid, lst in enumerate(pieces):
            gi = self.sg[lst[0]]
            wt = sum(self.w[s] for s in lst)
            if gi not in best_in_grid or wt > sum(self.w[s] for s in pieces[best_in_grid[gi]]):
                best_in_grid[gi] = cid
        keep = set(best_in_grid.values())
        parent = list(range(len(pieces)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for cid in keep:
            for u in pieces[cid]:
                for v in self.g.cross[u]:
                    cv = comp_of.get(v)
                    if cv is not None and cv in keep:
                        parent[find(cid)] = find(cv)
        groups: dict[int, list[int]] = {}
        for cid in keep:
            groups.setdefault(find(cid), []).extend(pieces[cid])
        out = sorted(groups.values(), key=lambda lst: -sum(self.w[s] for s in lst))
        out += [pieces[cid] for cid in range(len(pieces)) if cid not in keep]
        return out

    def repair(self) -> int:
        """Unassign every movable site outside its area's main component; return how many.

        Locked sites stay where they are, also when cut off.
        """
        freed = 0
        for a in range(self.k):
            if not self.members[a]:
                continue
            comps = self.components(a)
            for lst in comps[1:]:
                for s in lst:
                    if self.movable[s]:
                        self.remove(s)
                        freed += 1
        return freed

    def grow(self, *, majority: bool = False, prefer: list[int] | None = None) -> list[int]:
        """Give every unassigned site to a neighbouring area.

        Fresh plans give each site to the least loaded neighbouring area. Re-plans
        (``majority``) first give a site back to ``prefer[s]`` (its previous cadre) when
        possible, then to the area owning most of its neighbours, so that a new target
        goes to the area around it. Returns the sites that could not be placed.
        """
        owner = self.owner
        heap: list[tuple[float, float, int, int]] = []
        nbrs = self.g.nbrs
        prev = self.g.prev.tolist()

        def key(s: int, b: int) -> tuple[float, float]:
            ratio = self.load[b] / self.tau[b]
            if prefer is not None and prefer[s] == b:
                return -2.0, ratio
            if majority and prev[s] == -1:
                nb = nbrs[s]
                return -sum(1 for v in nb if owner[v] == b) / len(nb), ratio
            return 0.0, ratio

        def push(s: int) -> None:
            for b in {owner[v] for v in nbrs[s]}:
                if b >= 0:
                    heapq.heappush(heap, (*key(s, b), s, b))

        for s in range(self.g.n):
            if owner[s] < 0:
                push(s)
        while heap:
            p1, p2, s, b = heapq.heappop(heap)
            if owner[s] >= 0:
                continue
            cur = key(s, b)
            if cur > (p1, p2) and abs(cur[0] - p1) + abs(cur[1] - p2) > 1e-12:
                heapq.heappush(heap, (*cur, s, b))
                continue
            if not self.can_add(s, b, growing=True):
                continue
            self.add(s, b)
            for v in nbrs[s]:
                if owner[v] < 0:
                    push(v)
        return [s for s in range(self.g.n) if owner[s] < 0]

    def reconnect(self) -> int:
        """Rejoin areas that new targets cut apart; return the sites taken.

        New targets change the triangulation: one that lands between two parts of an
        area may have gone to another area, cutting the first. Such an area takes the new
        targets on a cheapest path between its parts (moving a new target costs no
        churn). Locked areas go first, as they cannot be repaired otherwise; parts made
        of new targets only are left to :meth:`repair`.
        """
        taken = 0
        order = sorted(range(self.k), key=lambda a: not self.frozen[a])
        for _pass in range(3):
            changed = False
            for a in order:
                if not self.members[a]:
                    continue
                for _ in range(10):
                    comps = self.components(a)
                    cut = {s for c in comps[1:] for s in c
                           if not self.movable[s] or self.g.prev[s] == a}
                    if not cut:
                        break
                    path = self._link_path(a, set(comps[0]), cut)
                    if not path:
                        break
                    for u in path:
                        if self.owner[u] >= 0:
                            self.remove(u)
                        self.add(u, a)
                        taken += 1
                        changed = True
            if not changed:
                break
        return taken

    def _link_path(self, a: int, main: set[int], others: set[int]) -> list[int]:
        """Cheapest chain of new targets joining ``main`` to ``others`` (Dijkstra).

        Stepping on a site of ``a`` or an unassigned one is free, on a new target of an
        unlocked area costs 1, of a locked area 10 (only a locked ``a`` may do that).
        """
        g = self.g
        dist: dict[int, float] = {s: 0.0 for s in main}
        parent: dict[int, int] = {s: -1 for s in main}
        heap = [(0.0, s) for s in main]
        heapq.heapify(heap)
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist.get(u, math.inf):
                continue
            if u in others:
                out = []
                v = parent[u]
                while v >= 0 and v not in main:
                    if self.owner[v] != a:
                        out.append(v)
                    v = parent[v]
                return out
            for v in g.nbrs[u]:
                b = self.owner[v]
                if b == a or b < 0:
                    step = 0.0
                elif g.prev[v] == -1 and self.movable[v]:
                    if self.frozen[b] and not self.frozen[a]:
                        continue  # an unlocked area never cuts a locked one
                    step = 10.0 if self.frozen[b] else 1.0
                else:
                    continue
                nd = d + step
                if nd < dist.get(v, math.inf):
                    dist[v] = nd
                    parent[v] = u
                    heapq.heappush(heap, (nd, v))
        return []

    def centroids(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Return the mean x and y of each area's sites, metres (0 for an empty area)."""
        own = np.array(self.owner)
        ok = own >= 0
        cnt = np.bincount(own[ok], minlength=self.k).astype(float)
        cx = np.bincount(own[ok], weights=self.g.x[ok], minlength=self.k)
        cy = np.bincount(own[ok], weights=self.g.y[ok], minlength=self.k)
        cnt[cnt == 0] = 1.0
        return cx / cnt, cy / cnt

    # -- balancing --------------------------------------------------------------------
    def balance(self, band: float, *, deadline: float, max_rounds: int = 80,
                split_cost: int = 4) -> int:
        """Move boundary sites until every unfrozen area is within ``tau*(1 +- band)``.

        Returns the number of rounds run.
        """
        k = self.k
        active = [not f for f in self.frozen]
        rounds = 0
        stall = 0
        best = math.inf
        while rounds < max_rounds and time.perf_counter() < deadline:
            tau = self.tau
            lo = [tau[a] * (1 - band) for a in range(k)]
            hi = [tau[a] * (1 + band) for a in range(k)]
            out = sum(max(0.0, self.load[a] - hi[a]) + max(0.0, lo[a] - self.load[a])
                      for a in range(k) if active[a])
            if out <= 1e-9:
                break
            if out < best - 1e-6:
                best, stall = out, 0
            else:
                stall += 1
                if stall >= 4:
                    break
            rounds += 1
            # boundary sites of a next to b
            owner = self.owner
            pair_sites: dict[tuple[int, int], list[int]] = {}
            pair_load: dict[tuple[int, int], float] = {}
            pair_same: dict[tuple[int, int], bool] = {}
            for s in range(self.g.n):
                a = owner[s]
                if a < 0 or not active[a] or not self.movable[s]:
                    continue
                seen_b: set[int] = set()
                for v in self.g.nbrs[s]:
                    b = owner[v]
                    if b == a or b < 0 or not active[b] or b in seen_b:
                        continue
                    seen_b.add(b)
                    key = (a, b)
                    pair_sites.setdefault(key, []).append(s)
                    pair_load[key] = pair_load.get(key, 0.0) + self.w[s]
                    if self.sg[s] in self.pieces[b]:
                        pair_same[key] = True
            if not pair_sites:
                break
            # route towards an inner band, accept moves that keep the outer one
            inner = 0.5 if stall == 0 else 0.25
            ilo = [tau[a] * (1 - inner * band) for a in range(k)]
            ihi = [tau[a] * (1 + inner * band) for a in range(k)]
            flows = self._flow(pair_load, pair_same, ilo, ihi, active, split_cost)
            if not flows:
                break
            cx, cy = self.centroids()
            moved_any = False
            for (a, b), f in sorted(flows.items(), key=lambda kv: -kv[1]):
                if self._execute(a, b, f, pair_sites[(a, b)], cx, cy, lo[a], hi[b]):
                    moved_any = True
            if not moved_any:
                break
        return rounds

    def _flow(self, pair_load: dict[tuple[int, int], float],
              pair_same: dict[tuple[int, int], bool], lo: list[float], hi: list[float],
              active: list[bool], split_cost: int) -> dict[tuple[int, int], float]:
        k = self.k
        hub = k
        mcf = min_cost_flow.SimpleMinCostFlow()
        tails, heads, caps, costs = [], [], [], []
        keys = list(pair_load)
        for a, b in keys:
            tails.append(a)
            heads.append(b)
            caps.append(max(1, int(pair_load[(a, b)])))
            costs.append(1 if pair_same.get((a, b)) else split_cost)
        n_pair = len(keys)
        supply = [0] * (k + 1)
        for a in range(k):
            if not active[a]:
                continue
            ld = self.load[a]
            clamp = min(max(ld, lo[a]), hi[a])
            supply[a] = int(round(ld - clamp))
            tails += [hub, a]
            heads += [a, hub]
            caps += [max(0, int(clamp - lo[a])), max(0, int(hi[a] - clamp))]
            costs += [0, 0]
        supply[hub] = -sum(supply)
        mcf.add_arcs_with_capacity_and_unit_cost(
            np.array(tails, dtype=np.int64), np.array(heads, dtype=np.int64),
            np.array(caps, dtype=np.int64), np.array(costs, dtype=np.int64))
        mcf.set_nodes_supplies(np.arange(k + 1, dtype=np.int64), np.array(supply, dtype=np.int64))
        st = mcf.solve()
        if st != mcf.OPTIMAL:
            st = mcf.solve_max_flow_with_min_cost()
            if st != mcf.OPTIMAL:
                return {}
        fl = mcf.flows(np.arange(n_pair, dtype=np.int64))
        return {keys[i]: float(fl[i]) for i in range(n_pair) if fl[i] > 0}

    def _execute(self, a: int, b: int, f: float, cand: list[int],
                 cx: NDArray[np.float64], cy: NDArray[np.float64], lo_a: float,
                 hi_b: float) -> bool:
        gx, gy = self.g.x, self.g.y
        owner = self.owner

        prev = self.prev

        def prio(s: int) -> tuple[int, int, float]:
            # re-plan: first sites whose move costs no churn (new, orphaned, going back)
            churn = 1 if self.replan and prev[s] >= 0 and prev[s] != b else 0
            same = 0 if self.sg[s] in self.pieces[b] else 1
            db = math.hypot(gx[s] - cx[b], gy[s] - cy[b])
            da = math.hypot(gx[s] - cx[a], gy[s] - cy[a])
            return churn, same, db - da

        heap = [(*prio(s), s) for s in cand]
        heapq.heapify(heap)
        tried: set[int] = set()
        moved = 0.0
        any_move = False
        while heap and moved < f:
            _churn, _same, _d, s = heapq.heappop(heap)
            if s in tried or owner[s] != a:
                continue
            tried.add(s)
            ws = self.w[s]
            rest = f - moved
            # overshooting the flow is fine while both areas stay inside their band
            if ws > 2.0 * rest and (self.load[b] + ws > hi_b or self.load[a] - ws < lo_a):
                continue
            if not self.can_add(s, b) or not self.can_remove(s):
                continue
            self.move(s, b)
            moved += ws
            any_move = True
            for v in self.g.nbrs[s]:
                if owner[v] == a and self.movable[v] and v not in tried:
                    heapq.heappush(heap, (*prio(v), v))
        return any_move
