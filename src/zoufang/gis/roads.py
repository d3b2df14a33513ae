"""Travel distances and times between visit points over a road network.

:class:`RoadNetwork` is the road implementation of :class:`zoufang.gis.travel.TravelModel`
(the other is :class:`zoufang.gis.travel.StraightLine`): shortest paths over a road
network read from OpenStreetMap (``.osm``, ``.osm.pbf``), GeoJSON, GeoPackage or
Shapefile lines (the readers are in :mod:`zoufang.gis._road_readers`), giving a
:class:`zoufang.gis.travel.TravelMatrix`.

Conventions
-----------
Units and CRS
    Points are WGS-84 longitude/latitude degrees, an ``(n, 2)`` array of ``(lon, lat)``.
    Distances are metres measured in the UTM zone of the data
    (:func:`zoufang.gis.crs.metric_crs_for`): the network's zone. Durations are whole
    seconds, rounded up (:meth:`zoufang.gis.travel.TravelMatrix.duration_s`).
Graph
    Lines are split where they share a vertex: OSM ways at shared node ids, other lines at
    vertices whose coordinates agree after rounding to 1e-7 degrees (about 1 cm). Roads
    that cross without a shared vertex (a bridge over a road) are not connected. Edges
    keep every vertex of the road, so route lines follow the road, not the chord.
Snapping
    Each point is snapped to the nearest point *on* the nearest road usable in the mode
    (projected onto the segments, not the nearest vertex). The straight access leg from
    the point to its snap point counts in the distance, at the same speed, without a
    detour factor. ``TravelMatrix.snap_m`` holds the leg; points farther than
    :data:`SNAP_WARN_M` (1 km) from any road are suspicious and callers should say so.
Fallback
    A pair with no road path in the mode (different components, or one-way streets that
    lead nowhere) gets the straight distance times :data:`FALLBACK_DETOUR` instead of
    infinity; ``TravelMatrix.fallback`` marks those pairs and ``fallback_pairs`` counts
    them (ordered pairs, the diagonal excluded), so callers can warn.
Modes (:data:`zoufang.gis.travel.SPEEDS_KMH` gives the default speeds)
    ``walk``
        every road except ``motorway`` and ``motorway_link`` (unless ``foot=yes``) and
        roads tagged ``foot=no``; one-way tags ignored.
    ``ebike`` (电动自行车, a non-motor vehicle in Chinese traffic law)
        every road except ``motorway``, ``motorway_link`` and ``steps`` (unless
        ``bicycle=yes``) and roads tagged ``bicycle=no`` or ``vehicle=no``; footways and
        paths are kept (village lanes are often mapped as such and ridden); one-way tags
        ignored (township visits are not navigation, and e-bikes do ride against them).
    ``car``
        every road except ``footway``, ``path``, ``pedestrian``, ``steps``, ``cycleway``,
        ``bridleway`` and ``corridor`` and roads tagged ``motorcar``/``motor_vehicle``/
        ``vehicle=no``. ``track`` is kept: farm tracks (机耕路) are how cars reach many
        villages, and the demo township has tracks among its lanes. One-way is honoured:
        ``oneway=yes/1/true`` along the line, ``oneway=-1/reverse`` against it,
        ``junction=roundabout`` and ``highway=motorway`` one-way unless ``oneway=no``.
    In every mode, ``access=no`` closes a road unless the mode's own tag opens it, and
    highway values that are no road (``construction``, ``proposed``, ``abandoned``,
    ``platform``, …) are left out. Lines without a ``highway`` value (GeoJSON lines of a
    planner's own road layer) are usable by every mode.
Cost
    The graph's nodes are junctions and line ends only (shape vertices stay in the edge
    geometry). :meth:`RoadNetwork.matrix` runs one Dijkstra per point
    (:func:`scipy.sparse.csgraph.dijkstra`), first bounded to three times the points'
    spread: 300 points take about 0.05 s on a township of 1,400 junctions, 0.5 s on
    12,500 junctions and 3 s when they spread over 50,000. Route lines are worked out
    per start point on demand and cached in the matrix.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from zoufang._errors import Problem, ValidationError
from zoufang.gis._metric import (
    F64,
    I64,
    check_mode,
    check_points,
    epsg_of,
    pairwise,
    project,
    transformers,
)
from zoufang.gis._road_readers import (
    raise_on_bad_coordinates,
    read_geojson,
    read_ogr,
    read_osm,
    tag_text,
    tags_from_props,
)
from zoufang.gis.crs import metric_crs_for
from zoufang.gis.travel import MODES, TravelMatrix

__all__ = [
    "FALLBACK_DETOUR",
    "ROAD_SUFFIXES",
    "SNAP_WARN_M",
    "RoadNetwork",
]

#: Detour factor of the straight-line fallback for pairs with no road path.
FALLBACK_DETOUR: Final = 1.3
#: Snap distances (metres) above this mean the point is far from every road.
SNAP_WARN_M: Final = 1000.0
#: File name endings :meth:`RoadNetwork.from_file` reads.
ROAD_SUFFIXES: Final = (".osm", ".osm.pbf", ".pbf", ".osm.gz", ".osm.bz2", ".geojson",
                        ".json", ".gpkg", ".shp")

_OSM_SUFFIXES: Final = (".osm", ".osm.pbf", ".pbf", ".osm.gz", ".osm.bz2")
_COORD_DIGITS: Final = 1e7  # vertices equal after rounding to 1e-7 degrees are one node
_MIN_ARC_M: Final = 1e-6  # weight of zero-length arcs (csgraph needs positive weights)
_SAME_M: Final = 1e-3  # a point this close to its snap point is on the road
_CHUNK: Final = 64  # sources per dijkstra call (bounds the (chunk, nodes) work array)

#: highway values that are no usable road (in construction, planned, a bus platform, ...).
_NOT_ROADS: Final = frozenset({
    "construction", "proposed", "planned", "abandoned", "disused", "razed", "platform",
    "bus_stop", "rest_area", "services", "bus_guideway", "raceway", "elevator",
    "emergency_bay", "escape", "no",
})
#: highway values each mode does not use unless the mode's own access tag opens them.
_CLOSED: Final[dict[str, frozenset[str]]] = {
    "walk": frozenset({"motorway", "motorway_link"}),
    "ebike": frozenset({"motorway", "motorway_link", "steps"}),
    "car": frozenset({"footway", "path", "pedestrian", "steps", "cycleway", "bridleway",
                      "corridor"}),
}
#: Access keys of each mode, most specific first; the first one present decides.
_ACCESS_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "walk": ("foot",),
    "ebike": ("bicycle", "vehicle"),
    "car": ("motorcar", "motor_vehicle", "vehicle"),
}


# ---------------------------------------------------------------------------------------
# Road network
# ---------------------------------------------------------------------------------------


def _oneway(tags: Mapping[str, str]) -> int:
    """1 along the line, -1 against it, 0 both ways (for cars)."""
    v = tags.get("oneway", "").strip().lower()
    if v in ("yes", "1", "true"):
        return 1
    if v in ("-1", "reverse"):
        return -1
    if v in ("no", "0", "false"):
        return 0
    if not v and (tags.get("junction") in ("roundabout", "circular")
                  or tags.get("highway") == "motorway"):
        return 1
    return 0


def _usable(tags: Mapping[str, str], mode: str) -> bool:
    """Whether a line with OSM-style ``tags`` is usable in ``mode`` (see module notes)."""
    hw = tags.get("highway")
    if hw in _NOT_ROADS:
        return False
    for key in _ACCESS_KEYS[mode]:
        v = tags.get(key)
        if v is not None:
            return v.strip().lower() != "no"
    if tags.get("access", "").strip().lower() == "no":
        return False
    return hw not in _CLOSED[mode]


@dataclass(frozen=True)
class _ModeIndex:
    """What matrix() needs for one mode, built once per network and mode."""

    edges: I64  # edge ids usable in the mode
    tree: shapely.STRtree  # over those edges' metric lines, in ``edges`` order
    # directed arcs over whole edges: from, to, weight, edge, start/end position on edge
    src: I64
    dst: I64
    w: F64
    edge: I64
    t0: F64
    t1: F64
    labels: I64  # weak component of each node in the mode's graph


class RoadNetwork:
    """A road graph for shortest travel distances between visit points.

    Build it with :meth:`from_file` or :meth:`from_lines`; see the module notes for
    units, snapping, fallback and modes.

    Attributes
    ----------
    source
        ``"roads:<file name or label>"``.
    crs
        The metric CRS (UTM zone) distances are measured in.
    """

    def __init__(self, lines: Sequence[F64], *, source: str,
                 keys: Sequence[I64] | None = None,
                 tags: Sequence[Mapping[str, str]] | None = None) -> None:
        """Build the graph from checked lon/lat lines (use the ``from_*`` constructors)."""
        self.source = f"roads:{source}"
        self._label = source
        if keys is None:
            keys = [_coord_keys(c) for c in lines]
        tag_list: list[Mapping[str, str]] = list(tags) if tags is not None else [{}] * len(lines)
        self._build(list(lines), list(keys), tag_list)
        self._modes: dict[str, _ModeIndex] = {}

    # -- constructors --------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> RoadNetwork:
        """Read a road network from a file.

        Parameters
        ----------
        path
            ``.osm``/``.osm.pbf`` (also ``.osm.gz``, ``.osm.bz2``, ``.pbf``): ways with a
            ``highway`` tag, at their nodes' coordinates, read with pyosmium.
            ``.geojson``/``.json``: LineString and MultiLineString features, WGS-84
            (a legacy ``crs`` member is honoured); properties such as ``highway`` and
            ``oneway`` are used as OSM tags. ``.gpkg``/``.shp``: the first line layer,
            reprojected to WGS-84 when the file declares another CRS.

        Raises
        ------
        ValidationError
            Missing, empty or unreadable file, unknown extension, malformed GeoJSON, no
            line features or no highway ways, coordinates that are not longitude/latitude
            degrees or lie outside China. Every problem names the file.
        """
        p = Path(path)
        name = p.name or str(p)
        low = name.lower()
        if not low.endswith(ROAD_SUFFIXES):
            raise ValidationError(f"{name}: not a road network file", [Problem(
                name, None, None,
                f"unknown file type; expected one of {', '.join(ROAD_SUFFIXES)}",
                code="unknown_extension")])
        if not p.exists():
            raise ValidationError(f"{name}: road file not found", [Problem(
                name, None, None, f"no such file: {p}", code="missing_file")])
        if p.is_dir():
            raise ValidationError(f"{name}: road file is a directory", [Problem(
                name, None, None, f"{p} is a directory, not a file", code="not_a_file")])
        if p.stat().st_size == 0:
            raise ValidationError(f"{name}: road file is empty", [Problem(
                name, None, None, "the file is empty (0 bytes)", code="empty_file")])
        keys: list[I64] | None = None
        if low.endswith(_OSM_SUFFIXES):
            lines, keys, tags, rows = read_osm(p, name)
        elif low.endswith((".geojson", ".json")):
            lines, tags, rows = read_geojson(p, name)
        else:
            lines, tags, rows = read_ogr(p, name)
        raise_on_bad_coordinates(lines, rows, name)
        _raise_if_unusable(tags, name)
        return cls(lines, source=name, keys=keys, tags=tags)

    @classmethod
    def from_lines(
        cls,
        lines: Iterable[Sequence[tuple[float, float]]],
        *,
        source: str,
        oneway: Sequence[bool | int | str | None] | None = None,
        highway: Sequence[str | None] | None = None,
        tags: Sequence[Mapping[str, Any] | None] | None = None,
    ) -> RoadNetwork:
        """Build a network from lines of ``(lon, lat)`` WGS-84 degrees.

        Parameters
        ----------
        lines
            Each line a sequence of at least two ``(lon, lat)`` vertices. Lines are
            joined where vertices agree to 1e-7 degrees.
        source
            Label of the data (a file name), reported as ``"roads:<source>"``.
        oneway
            Per line: True/``"yes"``/1 one-way along the line, -1/``"-1"`` against it,
            False/None/0 both ways (honoured for cars only).
        highway
            Per line: the OSM highway class (``"residential"``, ``"footway"``, …) or None
            (usable by every mode).
        tags
            Per line: further OSM tags (``foot``, ``access``, ``junction``, …).

        Raises
        ------
        ValidationError
            Lines with fewer than two vertices, coordinates that are not finite
            longitude/latitude degrees inside China, no lines at all.
        ValueError
            ``oneway``, ``highway`` or ``tags`` not of the same length as ``lines``.
        """
        arrays: list[F64] = []
        problems: list[Problem] = []
        raw = list(lines)
        for k, line in enumerate(raw, start=1):
            try:
                a = np.asarray(line, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                problems.append(Problem(source, k, "coordinates",
                                        f"not a sequence of (lon, lat) numbers: {exc}",
                                        code="malformed"))
                continue
            if a.ndim != 2 or a.shape[0] < 2 or a.shape[1] < 2:
                problems.append(Problem(source, k, "coordinates",
                                        "a line needs at least two (lon, lat) vertices, got "
                                        f"shape {a.shape}", code="malformed"))
                continue
            arrays.append(a[:, :2].copy())
        if problems:
            raise ValidationError(f"{source}: cannot build a road network", problems)
        if not arrays:
            raise ValidationError(f"{source}: cannot build a road network", [Problem(
                source, None, None, "no lines given", code="no_lines")])
        n = len(arrays)
        for name, seq in (("oneway", oneway), ("highway", highway), ("tags", tags)):
            if seq is not None and len(seq) != n:
                raise ValueError(f"`{name}` has {len(seq)} entries but there are {n} lines")
        tag_list: list[dict[str, str]] = []
        for k in range(n):
            t: dict[str, str] = {}
            if tags is not None and tags[k]:
                t.update(tags_from_props(tags[k] or {}))
            if highway is not None and highway[k] is not None:
                t["highway"] = str(highway[k])
            if oneway is not None and oneway[k] is not None:
                t["oneway"] = tag_text(oneway[k])
            tag_list.append(t)
        raise_on_bad_coordinates(arrays, [(k, "coordinates") for k in range(1, n + 1)],
                                 source)
        _raise_if_unusable(tag_list, source)
        return cls(arrays, source=source, tags=tag_list)

    # -- building ------------------------------------------------------------------------

    def _build(self, lines: list[F64], keys: list[I64],
               tags: list[Mapping[str, str]]) -> None:
        """Split lines at shared vertices into edges between graph nodes."""
        lens = np.array([len(c) for c in lines], dtype=np.int64)
        ll = np.concatenate(lines).astype(np.float64)
        key = np.concatenate(keys).astype(np.int64)
        line_of = np.repeat(np.arange(len(lines), dtype=np.int64), lens)
        # drop repeated vertices (the same node twice in a row), then lines left < 2 long
        keep = np.ones(len(key), dtype=bool)
        keep[1:] = ~((key[1:] == key[:-1]) & (line_of[1:] == line_of[:-1]))
        ll, key, line_of = ll[keep], key[keep], line_of[keep]
        long_enough = np.bincount(line_of, minlength=len(lines)) >= 2
        keep = long_enough[line_of]
        ll, key, line_of = ll[keep], key[keep], line_of[keep]
        m = len(key)
        start = np.ones(m, dtype=bool)
        start[1:] = line_of[1:] != line_of[:-1]
        end = np.ones(m, dtype=bool)
        end[:-1] = line_of[1:] != line_of[:-1]
        _, vid = np.unique(key, return_inverse=True)
        vid = vid.reshape(-1)
        uses = np.bincount(vid)
        is_node = start | end | (uses[vid] >= 2)
        node_vids = np.unique(vid[is_node])
        node_of_vid = np.full(len(uses), -1, dtype=np.int64)
        node_of_vid[node_vids] = np.arange(len(node_vids))
        breaks = np.flatnonzero(is_node)
        s, e = breaks[:-1], breaks[1:]
        same_line = line_of[s] == line_of[e]
        s, e = s[same_line], e[same_line]

        crs = metric_crs_for(ll[:, 0], ll[:, 1])
        self.crs: CRS = crs
        self._fwd, self._inv = transformers(epsg_of(crs))
        xy = project(self._fwd, ll)
        seg = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
        cum = np.concatenate([[0.0], np.cumsum(seg)])

        num_nodes = len(node_vids)
        node_ll = np.empty((num_nodes, 2))
        node_ll[node_of_vid[vid[breaks]]] = ll[breaks]
        self._node_ll: F64 = node_ll
        self._u: I64 = node_of_vid[vid[s]]
        self._v: I64 = node_of_vid[vid[e]]
        self._len: F64 = cum[e] - cum[s]
        self._line: I64 = line_of[s]
        counts = e - s + 1
        ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        gidx = np.arange(ptr[-1]) - np.repeat(ptr[:-1], counts) + np.repeat(s, counts)
        self._ptr: I64 = ptr
        self._gll: F64 = ll[gidx]
        self._gcum: F64 = cum[gidx] - np.repeat(cum[s], counts)
        edge_ids = np.repeat(np.arange(len(s)), counts)
        self._geoms = shapely.linestrings(xy[gidx], indices=edge_ids)
        self._usable: dict[str, NDArray[np.bool_]] = {
            mode: np.array([_usable(t, mode) for t in tags], dtype=bool)[self._line]
            for mode in MODES
        }
        self._oneway: NDArray[np.int8] = np.array(
            [_oneway(t) for t in tags], dtype=np.int8)[self._line]
        g = csr_matrix((np.ones(len(s)), (self._u, self._v)), shape=(num_nodes, num_nodes))
        self._components = int(connected_components(g, directed=False)[0])

    def _mode_index(self, mode: str) -> _ModeIndex:
        """Arcs, snapping tree and components of ``mode``, built once and cached."""
        if mode in self._modes:
            return self._modes[mode]
        edges = np.flatnonzero(self._usable[mode]).astype(np.int64)
        if edges.size == 0:
            raise ValueError(f"{self._label}: no road is usable in mode {mode!r}")
        ow = self._oneway[edges] if mode == "car" else np.zeros(len(edges), dtype=np.int8)
        fw, bw = edges[ow >= 0], edges[ow <= 0]
        lf, lb = self._len[fw], self._len[bw]
        src = np.concatenate([self._u[fw], self._v[bw]])
        dst = np.concatenate([self._v[fw], self._u[bw]])
        nn = self.num_nodes
        g = csr_matrix((np.ones(len(src)), (src, dst)), shape=(nn, nn))
        weak = connected_components(g, directed=False)[1].astype(np.int64)
        idx = _ModeIndex(
            edges=edges,
            tree=shapely.STRtree(self._geoms[edges]),
            src=src,
            dst=dst,
            w=np.maximum(np.concatenate([lf, lb]), _MIN_ARC_M),
            edge=np.concatenate([fw, bw]),
            t0=np.concatenate([np.zeros(len(fw)), lb]),
            t1=np.concatenate([lf, np.zeros(len(bw))]),
            labels=weak,
        )
        self._modes[mode] = idx
        return idx

    # -- reporting -----------------------------------------------------------------------

    @property
    def num_nodes(self) -> int:
        """Number of graph nodes: junctions and line ends (not every shape vertex)."""
        return len(self._node_ll)

    @property
    def num_edges(self) -> int:
        """Number of edges: road pieces between two graph nodes."""
        return len(self._u)

    @property
    def length_km(self) -> float:
        """Total length of all edges, km (each road counted once)."""
        return float(self._len.sum()) / 1000.0

    @property
    def components(self) -> int:
        """Number of connected pieces of the network (all roads, directions ignored)."""
        return self._components

    def __repr__(self) -> str:
        return (f"RoadNetwork({self.source!r}, nodes={self.num_nodes}, edges={self.num_edges}, "
                f"length_km={self.length_km:.1f}, components={self.components})")

    # -- the matrix ----------------------------------------------------------------------

    def matrix(self, points: ArrayLike, mode: str = "walk") -> TravelMatrix:
        """Return road distances between every ordered pair of ``points``.

        Parameters
        ----------
        points
            ``(n, 2)`` longitude/latitude, WGS-84 degrees.
        mode
            ``"walk"``, ``"ebike"`` or ``"car"``: which roads are used and whether one-way
            streets count (see the module notes).

        Returns
        -------
        TravelMatrix
            Metres: access leg + shortest road path + access leg; pairs with no road path
            get the straight distance × :data:`FALLBACK_DETOUR` (``fallback``).

        Raises
        ------
        ValueError
            Unknown mode, no road usable in the mode, or points that are NaN or outside
            China (naming the index).
        """
        check_mode(mode)
        pts = check_points(points)
        n = len(pts)
        if n == 0:
            return TravelMatrix(points=pts, distance_m=np.zeros((0, 0)), snap_m=np.zeros(0),
                                source=self.source, mode=mode)
        idx = self._mode_index(mode)
        pxy = project(self._fwd, pts)
        pgeom = shapely.points(pxy)
        (qi, ti), _ = idx.tree.query_nearest(pgeom, all_matches=False, return_distance=True)
        edge_of = np.empty(n, dtype=np.int64)
        edge_of[qi] = idx.edges[ti]
        t = shapely.line_locate_point(self._geoms[edge_of], pgeom)
        t = np.clip(np.asarray(t, dtype=np.float64), 0.0, self._len[edge_of])
        sxy = shapely.get_coordinates(shapely.line_interpolate_point(self._geoms[edge_of], t))
        snap_m = np.hypot(pxy[:, 0] - sxy[:, 0], pxy[:, 1] - sxy[:, 1])

        graph, arc_edge, arc_t0, arc_t1 = self._augmented(idx, mode, edge_of, t)
        nn = self.num_nodes
        sources = nn + np.arange(n)
        straight = pairwise(pxy)
        road = self._shortest(graph, sources, straight, idx.labels[self._u[edge_of]])
        reach = np.isfinite(road)
        np.fill_diagonal(reach, True)
        dist = np.where(reach, road + snap_m[:, None] + snap_m[None, :],
                        straight * FALLBACK_DETOUR)
        np.fill_diagonal(dist, 0.0)
        fallback = ~reach
        snap_ll = project(self._inv, sxy)
        paths = _RoadPaths(graph=graph, arc_edge=arc_edge, arc_t0=arc_t0, arc_t1=arc_t1,
                           node_ll=np.vstack([self._node_ll, snap_ll]), num_base=nn,
                           snap_m=snap_m, ptr=self._ptr, gll=self._gll, gcum=self._gcum)
        return TravelMatrix(points=pts, distance_m=dist, snap_m=snap_m, source=self.source,
                            fallback_pairs=int(fallback.sum()), fallback=fallback,
                            mode=mode, _paths=paths)

    def _augmented(self, idx: _ModeIndex, mode: str, edge_of: I64,
                   t: F64) -> tuple[csr_matrix, I64, F64, F64]:
        """Return the mode's graph with each snap point as an extra node ``N + i``.

        Edges holding snap points are replaced by their pieces between consecutive snap
        points, so two points on one edge are joined directly along it. Parallel arcs keep
        the shortest. Returns the CSR graph and, per stored arc, its edge and the start and
        end positions (metres) along that edge's geometry.
        """
        nn = self.num_nodes
        n = len(edge_of)
        order = np.lexsort((t, edge_of))
        es, ts, vn = edge_of[order], t[order], nn + order
        first = np.ones(n, dtype=bool)
        first[1:] = es[1:] != es[:-1]
        last = np.ones(n, dtype=bool)
        last[:-1] = es[1:] != es[:-1]
        prev_node = np.where(first, self._u[es], np.roll(vn, 1))
        prev_t = np.where(first, 0.0, np.roll(ts, 1))
        p_src = np.concatenate([prev_node, vn[last]])
        p_dst = np.concatenate([vn, self._v[es[last]]])
        p_ta = np.concatenate([prev_t, ts[last]])
        p_tb = np.concatenate([ts, self._len[es[last]]])
        p_edge = np.concatenate([es, es[last]])
        ow = self._oneway[p_edge] if mode == "car" else np.zeros(len(p_edge), dtype=np.int8)
        fw, bw = ow >= 0, ow <= 0
        keep = ~np.isin(idx.edge, es)
        src = np.concatenate([idx.src[keep], p_src[fw], p_dst[bw]])
        dst = np.concatenate([idx.dst[keep], p_dst[fw], p_src[bw]])
        t0 = np.concatenate([idx.t0[keep], p_ta[fw], p_tb[bw]])
        t1 = np.concatenate([idx.t1[keep], p_tb[fw], p_ta[bw]])
        edge = np.concatenate([idx.edge[keep], p_edge[fw], p_edge[bw]])
        piece_w = np.abs(np.concatenate([p_tb[fw] - p_ta[fw], p_tb[bw] - p_ta[bw]]))
        w = np.concatenate([idx.w[keep], np.maximum(piece_w, _MIN_ARC_M)])
        total = nn + n
        arc_key = src * total + dst
        o = np.lexsort((w, arc_key))
        arc_key = arc_key[o]
        first_arc = np.ones(len(o), dtype=bool)
        first_arc[1:] = arc_key[1:] != arc_key[:-1]
        o = o[first_arc]
        src, dst, w = src[o], dst[o], w[o]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=total))])
        graph = csr_matrix((w, dst, indptr), shape=(total, total))
        return graph, edge[o], t0[o], t1[o]

    @staticmethod
    def _shortest(graph: csr_matrix, sources: I64, straight: F64, comp: I64) -> F64:
        """Road distances between the snap nodes ``sources`` (``inf`` = no path).

        Dijkstra first searches no farther than three times the widest straight spread of
        the points (plus 2 km), which is exact for every pair it reaches and saves most of
        the work when the points are a small part of a big network; sources that miss a
        point of their own component are searched again without the limit.
        """
        n = len(sources)
        limit = 3.0 * float(straight.max()) + 2000.0
        out = np.empty((n, n))
        for k in range(0, n, _CHUNK):
            block = sources[k:k + _CHUNK]
            out[k:k + _CHUNK] = dijkstra(graph, directed=True, indices=block,
                                         limit=limit)[:, sources]
        same = comp[:, None] == comp[None, :]
        redo = np.flatnonzero((~np.isfinite(out) & same).any(axis=1))
        for k in range(0, len(redo), _CHUNK):
            rows = redo[k:k + _CHUNK]
            out[rows] = dijkstra(graph, directed=True, indices=sources[rows])[:, sources]
        np.fill_diagonal(out, 0.0)
        return out


@dataclass
class _RoadPaths:
    """Shortest-path trees of one matrix, computed per source when a line is asked for."""

    graph: csr_matrix
    arc_edge: I64
    arc_t0: F64
    arc_t1: F64
    node_ll: F64  # base nodes, then one snap point per matrix point
    num_base: int
    snap_m: F64
    ptr: I64
    gll: F64
    gcum: F64
    _pred: dict[int, NDArray[np.int32]] = field(default_factory=dict)

    def predecessors(self, i: int) -> NDArray[np.int32]:
        """Predecessor of every node on the shortest paths from point ``i``'s snap node."""
        if i not in self._pred:
            _, pred = dijkstra(self.graph, directed=True, indices=self.num_base + i,
                               return_predecessors=True)
            self._pred[i] = pred
        return self._pred[i]

    def line(self, i: int, j: int, p_i: tuple[float, float],
             p_j: tuple[float, float]) -> list[tuple[float, float]]:
        """Return the road line from point ``i`` to point ``j`` (see ``TravelMatrix.line``)."""
        pred = self.predecessors(i)
        a, b = self.num_base + i, self.num_base + j
        nodes = [b]
        while nodes[-1] != a:
            prev = int(pred[nodes[-1]])
            if prev < 0:  # pragma: no cover - matrix() marks such pairs as fallback
                return [p_i, p_j]
            nodes.append(prev)
        nodes.reverse()
        # a point on the road is its own snap point (up to float noise): no extra vertex
        out: list[tuple[float, float]] = [p_i]
        if self.snap_m[i] > _SAME_M:
            out.append(_pt(self.node_ll[a]))
        for x, y in zip(nodes[:-1], nodes[1:], strict=True):
            out.extend(self._interior(x, y))
            if y < self.num_base or (y == b and self.snap_m[j] > _SAME_M):
                # the snap points of other points passed on the way lie on a road segment
                # and are no road vertex: left out
                out.append(_pt(self.node_ll[y]))
        out.append(p_j)
        dedup = [out[0]]
        for q in out[1:]:
            if q != dedup[-1]:
                dedup.append(q)
        if len(dedup) == 1:
            dedup.append(dedup[0])
        return dedup

    def _interior(self, x: int, y: int) -> list[tuple[float, float]]:
        """Road vertices strictly inside the arc ``x → y``, in travel order."""
        lo, hi = self.graph.indptr[x], self.graph.indptr[x + 1]
        k = lo + int(np.searchsorted(self.graph.indices[lo:hi], y))
        e = int(self.arc_edge[k])
        t0, t1 = float(self.arc_t0[k]), float(self.arc_t1[k])
        g0, g1 = self.ptr[e], self.ptr[e + 1]
        cum = self.gcum[g0:g1]
        tmin, tmax = min(t0, t1), max(t0, t1)
        inside = np.flatnonzero((cum > tmin + 1e-6) & (cum < tmax - 1e-6))
        if t0 > t1:
            inside = inside[::-1]
        return [_pt(self.gll[g0 + q]) for q in inside]


def _pt(a: F64) -> tuple[float, float]:
    return (float(a[0]), float(a[1]))


def _coord_keys(c: F64) -> I64:
    """One int64 per vertex, equal for coordinates equal to 1e-7 degrees."""
    lon = np.rint(c[:, 0] * _COORD_DIGITS).astype(np.int64)
    lat = np.rint(c[:, 1] * _COORD_DIGITS).astype(np.int64)
    return (lon << 31) + lat


def _raise_if_unusable(tags: Sequence[Mapping[str, str]], name: str) -> None:
    """Refuse a network where no line is usable by any mode."""
    if any(_usable(t, mode) for t in tags for mode in MODES):
        return
    kinds = sorted({t.get("highway", "") for t in tags})
    raise ValidationError(f"{name}: no usable roads", [Problem(
        name, None, "highway",
        f"no line is usable by {', '.join(MODES)} (highway values: {', '.join(kinds)})",
        code="no_roads")])
