"""Travel distances and times between visit points, over roads or in a straight line.

A route planner needs, for every ordered pair of visit points, how far a cadre travels
and for how long. Two :class:`TravelModel` implementations give a :class:`TravelMatrix`:

* :class:`StraightLine` — the straight distance times a detour factor (1.3 by default),
  for townships without a usable road file;
* :class:`RoadNetwork` — shortest paths over a road network read from OpenStreetMap
  (``.osm``, ``.osm.pbf``), GeoJSON, GeoPackage or Shapefile lines.

Conventions
-----------
Units and CRS
    Points are WGS-84 longitude/latitude degrees, an ``(n, 2)`` array of ``(lon, lat)``.
    Distances are metres measured in the UTM zone of the data
    (:func:`zoufang.gis.crs.metric_crs_for`): the network's zone for a road network, the
    points' zone for :class:`StraightLine`; within a township both are the same zone and
    agree with the ellipsoid to well under 0.1 %. Durations are whole seconds, rounded up.
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
Modes (:data:`SPEEDS_KMH` gives the default speeds)
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

import json
import math
import operator
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from zoufang._errors import Problem, ValidationError
from zoufang.gis.crs import CHINA_BOUNDS, in_china, metric_crs_for, normalise_crs, to_wgs84

__all__ = [
    "FALLBACK_DETOUR",
    "MODES",
    "ROAD_SUFFIXES",
    "SNAP_WARN_M",
    "SPEEDS_KMH",
    "RoadNetwork",
    "StraightLine",
    "TravelMatrix",
    "TravelModel",
]

#: Default speed of each travel mode, km/h.
SPEEDS_KMH: Final[dict[str, float]] = {"walk": 4.5, "ebike": 15.0, "car": 30.0}
#: The travel modes known to the road filters, in order.
MODES: Final = tuple(SPEEDS_KMH)
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

_F64 = NDArray[np.float64]
_I64 = NDArray[np.int64]
_Where = tuple[int | None, str | None]  # (row, field) of a line, for Problems


# ---------------------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------------------


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

    points: _F64
    distance_m: _F64
    snap_m: _F64
    source: str
    fallback_pairs: int = 0
    fallback: NDArray[np.bool_] | None = None
    mode: str = "walk"
    _paths: _RoadPaths | None = field(default=None, repr=False)

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


# ---------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _transformers(epsg: int) -> tuple[Transformer, Transformer]:
    """WGS-84 → EPSG and back, always lon/lat (x, y) order."""
    fwd = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    inv = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    return fwd, inv


def _project(tr: Transformer, lonlat: _F64) -> _F64:
    x, y = tr.transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])


def _check_mode(mode: str) -> str:
    if mode not in SPEEDS_KMH:
        raise ValueError(f"`mode` was {mode!r} but is expected to be in {list(MODES)}")
    return mode


def _check_points(points: ArrayLike) -> _F64:
    """Return points as an ``(n, 2)`` float array; ValueError naming bad indexes."""
    try:
        pts = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"points must be an (n, 2) array of lon/lat numbers: {exc}") from None
    if pts.size == 0:
        return np.zeros((0, 2), dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must be an (n, 2) array of lon/lat degrees, got shape "
                         f"{pts.shape}")
    finite = np.isfinite(pts).all(axis=1)
    bad = np.flatnonzero(~finite)
    if bad.size:
        shown = ", ".join(f"{k} {tuple(pts[k].tolist())}" for k in bad[:10])
        more = f" and {bad.size - 10} more" if bad.size > 10 else ""
        raise ValueError(f"points with NaN or infinite coordinates at index {shown}{more}")
    outside = np.flatnonzero(~in_china(pts[:, 0], pts[:, 1]))
    if outside.size:
        x0, y0, x1, y1 = CHINA_BOUNDS
        shown = ", ".join(f"{k} {tuple(pts[k].tolist())}" for k in outside[:10])
        more = f" and {outside.size - 10} more" if outside.size > 10 else ""
        raise ValueError(
            f"points outside China (lon {x0}–{x1}, lat {y0}–{y1}) at index {shown}{more}; "
            "points must be WGS-84 longitude/latitude degrees")
    return pts


def _pairwise(xy: _F64) -> _F64:
    d = xy[:, None, :] - xy[None, :, :]
    return np.hypot(d[..., 0], d[..., 1])


# ---------------------------------------------------------------------------------------
# Straight line
# ---------------------------------------------------------------------------------------


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
        _check_mode(mode)
        pts = _check_points(points)
        n = len(pts)
        if n == 0:
            dist = np.zeros((0, 0))
        else:
            crs = metric_crs_for(pts[:, 0], pts[:, 1])
            fwd, _ = _transformers(int(crs.to_epsg()))
            dist = _pairwise(_project(fwd, pts)) * self.detour
            np.fill_diagonal(dist, 0.0)
        return TravelMatrix(points=pts, distance_m=dist, snap_m=np.zeros(n),
                            source=self.source, mode=mode)


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

    edges: _I64  # edge ids usable in the mode
    tree: shapely.STRtree  # over those edges' metric lines, in ``edges`` order
    # directed arcs over whole edges: from, to, weight, edge, start/end position on edge
    src: _I64
    dst: _I64
    w: _F64
    edge: _I64
    t0: _F64
    t1: _F64
    labels: _I64  # weak component of each node in the mode's graph


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

    def __init__(self, lines: Sequence[_F64], *, source: str,
                 keys: Sequence[_I64] | None = None,
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
        keys: list[_I64] | None = None
        if low.endswith(_OSM_SUFFIXES):
            lines, keys, tags, rows = _read_osm(p, name)
        elif low.endswith((".geojson", ".json")):
            lines, tags, rows = _read_geojson(p, name)
        else:
            lines, tags, rows = _read_ogr(p, name)
        _raise_on_bad_coordinates(lines, rows, name)
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
        arrays: list[_F64] = []
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
                t.update(_tags_from_props(tags[k] or {}))
            if highway is not None and highway[k] is not None:
                t["highway"] = str(highway[k])
            if oneway is not None and oneway[k] is not None:
                t["oneway"] = _tag_text(oneway[k])
            tag_list.append(t)
        _raise_on_bad_coordinates(arrays, [(k, "coordinates") for k in range(1, n + 1)],
                                  source)
        _raise_if_unusable(tag_list, source)
        return cls(arrays, source=source, tags=tag_list)

    # -- building ------------------------------------------------------------------------

    def _build(self, lines: list[_F64], keys: list[_I64],
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
        self._fwd, self._inv = _transformers(int(crs.to_epsg()))
        xy = _project(self._fwd, ll)
        seg = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
        cum = np.concatenate([[0.0], np.cumsum(seg)])

        num_nodes = len(node_vids)
        node_ll = np.empty((num_nodes, 2))
        node_ll[node_of_vid[vid[breaks]]] = ll[breaks]
        self._node_ll: _F64 = node_ll
        self._node_xy: _F64 = _project(self._fwd, node_ll)
        self._u: _I64 = node_of_vid[vid[s]]
        self._v: _I64 = node_of_vid[vid[e]]
        self._len: _F64 = cum[e] - cum[s]
        self._line: _I64 = line_of[s]
        counts = e - s + 1
        ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        gidx = np.arange(ptr[-1]) - np.repeat(ptr[:-1], counts) + np.repeat(s, counts)
        self._ptr: _I64 = ptr
        self._gll: _F64 = ll[gidx]
        self._gcum: _F64 = cum[gidx] - np.repeat(cum[s], counts)
        edge_ids = np.repeat(np.arange(len(s)), counts)
        self._geoms = shapely.linestrings(xy[gidx], indices=edge_ids)
        self._usable: dict[str, NDArray[np.bool_]] = {
            mode: np.array([_usable(t, mode) for t in tags], dtype=bool)[self._line]
            for mode in MODES
        }
        self._oneway: NDArray[np.int8] = np.array(
            [_oneway(t) for t in tags], dtype=np.int8)[self._line]
        self._highway: list[str | None] = [t.get("highway") for t in tags]
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
        _check_mode(mode)
        pts = _check_points(points)
        n = len(pts)
        if n == 0:
            return TravelMatrix(points=pts, distance_m=np.zeros((0, 0)), snap_m=np.zeros(0),
                                source=self.source, mode=mode)
        idx = self._mode_index(mode)
        pxy = _project(self._fwd, pts)
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
        straight = _pairwise(pxy)
        road = self._shortest(graph, sources, straight, idx.labels[self._u[edge_of]])
        reach = np.isfinite(road)
        np.fill_diagonal(reach, True)
        dist = np.where(reach, road + snap_m[:, None] + snap_m[None, :],
                        straight * FALLBACK_DETOUR)
        np.fill_diagonal(dist, 0.0)
        fallback = ~reach
        snap_ll = _project(self._inv, sxy)
        paths = _RoadPaths(graph=graph, arc_edge=arc_edge, arc_t0=arc_t0, arc_t1=arc_t1,
                           node_ll=np.vstack([self._node_ll, snap_ll]), num_base=nn,
                           snap_m=snap_m, ptr=self._ptr, gll=self._gll, gcum=self._gcum)
        return TravelMatrix(points=pts, distance_m=dist, snap_m=snap_m, source=self.source,
                            fallback_pairs=int(fallback.sum()), fallback=fallback,
                            mode=mode, _paths=paths)

    def _augmented(self, idx: _ModeIndex, mode: str, edge_of: _I64,
                   t: _F64) -> tuple[csr_matrix, _I64, _F64, _F64]:
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
    def _shortest(graph: csr_matrix, sources: _I64, straight: _F64, comp: _I64) -> _F64:
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
    arc_edge: _I64
    arc_t0: _F64
    arc_t1: _F64
    node_ll: _F64  # base nodes, then one snap point per matrix point
    num_base: int
    snap_m: _F64
    ptr: _I64
    gll: _F64
    gcum: _F64
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


def _pt(a: _F64) -> tuple[float, float]:
    return (float(a[0]), float(a[1]))


# ---------------------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------------------


def _coord_keys(c: _F64) -> _I64:
    """One int64 per vertex, equal for coordinates equal to 1e-7 degrees."""
    lon = np.rint(c[:, 0] * _COORD_DIGITS).astype(np.int64)
    lat = np.rint(c[:, 1] * _COORD_DIGITS).astype(np.int64)
    return (lon << 31) + lat


def _tag_text(v: Any) -> str:
    """Write a property value as OSM writes tags: True -> "yes", 1.0 -> "1"."""
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, np.integer):
        return str(int(v))
    return str(v)


def _tags_from_props(props: Mapping[str, Any]) -> dict[str, str]:
    """Text tags from feature properties (empty and NaN values left out)."""
    out: dict[str, str] = {}
    for k, v in props.items():
        if v is None or isinstance(v, dict | list) or (isinstance(v, float) and v != v):
            continue
        text = _tag_text(v).strip()
        if text:
            out[str(k)] = text
    return out


def _read_osm(path: Path, name: str) -> tuple[list[_F64], list[_I64], list[dict[str, str]],
                                               list[_Where]]:
    """Ways with a highway tag, split where a node has no location."""
    import osmium

    lines: list[_F64] = []
    keys: list[_I64] = []
    tags: list[dict[str, str]] = []
    where: list[_Where] = []
    ways = 0
    try:
        fp = (osmium.FileProcessor(str(path)).with_locations()
              .with_filter(osmium.filter.KeyFilter("highway")))
        for obj in fp:
            if not obj.is_way():
                continue
            ways += 1
            t = {tag.k: tag.v for tag in obj.tags}
            ids: list[int] = []
            coords: list[tuple[float, float]] = []
            for nd in [*obj.nodes, None]:
                if nd is not None and nd.location.valid():
                    ids.append(nd.ref)
                    coords.append((nd.location.lon, nd.location.lat))
                    continue
                if len(ids) >= 2:  # a node without location (or the end) closes a piece
                    lines.append(np.array(coords, dtype=np.float64))
                    keys.append(np.array(ids, dtype=np.int64))
                    tags.append(t)
                    where.append((None, f"way {obj.id}"))
                ids, coords = [], []
    except (RuntimeError, ValueError, OSError) as exc:
        raise ValidationError(f"{name}: cannot read the OpenStreetMap file", [Problem(
            name, None, None, f"not a readable OSM XML/PBF file: {exc}",
            code="unreadable")]) from None
    if not lines:
        what = ("its highway ways have no node coordinates" if ways
                else "no ways with a highway tag")
        raise ValidationError(f"{name}: no roads in the OpenStreetMap file", [Problem(
            name, None, "highway", what, code="no_roads")])
    return lines, keys, tags, where


def _read_geojson(path: Path, name: str) -> tuple[list[_F64], list[dict[str, str]],
                                                   list[_Where]]:
    """LineString/MultiLineString features of a GeoJSON file, in WGS-84."""
    def fail(message: str, code: str = "malformed_geojson",
             row: int | None = None) -> ValidationError:
        return ValidationError(f"{name}: cannot read the GeoJSON file",
                               [Problem(name, row, None, message, code=code)])

    try:
        doc = json.loads(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise fail(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") \
            from None
    if not isinstance(doc, dict) or not isinstance(doc.get("type"), str):
        raise fail("expected a GeoJSON object with a 'type' (a FeatureCollection of lines)")
    kind = doc["type"]
    if kind == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise fail("a FeatureCollection needs a 'features' list")
    elif kind == "Feature":
        feats = [doc]
    elif kind in ("LineString", "MultiLineString", "GeometryCollection", "Point",
                  "MultiPoint", "Polygon", "MultiPolygon"):
        feats = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        raise fail(f"unknown GeoJSON type {kind!r}; expected a FeatureCollection of lines")

    lines: list[_F64] = []
    tags: list[dict[str, str]] = []
    rows: list[_Where] = []
    problems: list[Problem] = []
    others: dict[str, int] = {}
    for k, feat in enumerate(feats, start=1):
        if not isinstance(feat, dict):
            problems.append(Problem(name, k, None, "a feature must be a JSON object",
                                    code="malformed_geojson"))
            continue
        geom = feat.get("geometry")
        if geom is None:
            others["no geometry"] = others.get("no geometry", 0) + 1
            continue
        gtype = geom.get("type") if isinstance(geom, dict) else None
        if gtype not in ("LineString", "MultiLineString"):
            label = str(gtype) if gtype is not None else "malformed geometry"
            others[label] = others.get(label, 0) + 1
            continue
        coords = geom.get("coordinates")
        parts = [coords] if gtype == "LineString" else coords
        props = feat.get("properties")
        t = _tags_from_props(props if isinstance(props, dict) else {})
        if not isinstance(parts, list):
            problems.append(Problem(name, k, "coordinates", f"{gtype} without a coordinates "
                                    "list", code="malformed_geojson"))
            continue
        for part in parts:
            try:
                a = np.asarray(part, dtype=np.float64)
                ok = a.ndim == 2 and a.shape[0] >= 2 and a.shape[1] >= 2
            except (TypeError, ValueError):
                ok = False
            if not ok:
                problems.append(Problem(name, k, "coordinates",
                                        "a line needs at least two [lon, lat] positions",
                                        code="malformed_geojson", value=str(part)[:60]))
                continue
            lines.append(a[:, :2].copy())
            tags.append(t)
            rows.append((k, "coordinates"))
    if problems:
        raise ValidationError(f"{name}: cannot read the GeoJSON file", problems)
    if not lines:
        found = ", ".join(f"{v} {k}" for k, v in sorted(others.items())) or "no features"
        raise ValidationError(f"{name}: no roads in the GeoJSON file", [Problem(
            name, None, "geometry",
            f"no LineString or MultiLineString features (found {found})", code="no_lines")])
    crs = _geojson_crs(doc)
    if crs is not None:
        try:
            kind_crs = normalise_crs(crs)
        except ValueError as exc:
            raise fail(f"the file's crs member is not understood: {exc}", code="crs") \
                from None
        if kind_crs not in ("wgs84", "cgcs2000"):
            lines = [np.column_stack(to_wgs84(c[:, 0], c[:, 1], kind_crs)) for c in lines]
    return lines, tags, rows


def _geojson_crs(doc: Mapping[str, Any]) -> str | None:
    """Return the CRS named by a legacy (2008) GeoJSON ``crs`` member, or None."""
    crs = doc.get("crs")
    if not isinstance(crs, dict):
        return None
    props = crs.get("properties")
    name = props.get("name") if isinstance(props, dict) else None
    if not isinstance(name, str):
        return None
    if name.upper().endswith("CRS84"):
        return "wgs84"
    return name


def _read_ogr(path: Path, name: str) -> tuple[list[_F64], list[dict[str, str]],
                                              list[_Where]]:
    """Read the first line layer of a GeoPackage or Shapefile, in WGS-84."""
    import geopandas as gpd
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
        line_layers = [str(lyr) for lyr, gt in layers if gt and "LINESTRING" in str(gt).upper()]
        if not line_layers:
            found = ", ".join(f"{lyr} ({gt})" for lyr, gt in layers) or "none"
            raise ValidationError(f"{name}: no roads in the file", [Problem(
                name, None, "geometry", f"no layer of lines (layers: {found})",
                code="no_lines")])
        gdf = gpd.read_file(path, layer=line_layers[0], engine="pyogrio")
    except ValidationError:
        raise
    except Exception as exc:  # pyogrio raises DataSourceError and friends, GDAL many more
        raise ValidationError(f"{name}: cannot read the file", [Problem(
            name, None, None, f"not a readable GeoPackage/Shapefile: {exc}",
            code="unreadable")]) from None
    if gdf.crs is not None and gdf.crs.to_epsg() not in (4326, 4490):
        gdf = gdf.to_crs(4326)
    lines: list[_F64] = []
    tags: list[dict[str, str]] = []
    rows: list[_Where] = []
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    records = gdf[cols].to_dict("records")
    for k, (geom, rec) in enumerate(zip(gdf.geometry, records, strict=True), start=1):
        if geom is None or geom.is_empty:
            continue
        t = _tags_from_props(rec)
        for part in shapely.get_parts(geom):
            if part.geom_type != "LineString":
                continue
            lines.append(shapely.get_coordinates(part).astype(np.float64))
            tags.append(t)
            rows.append((k, "geometry"))
    if not lines:
        raise ValidationError(f"{name}: no roads in the file", [Problem(
            name, None, "geometry", "no LineString features with coordinates",
            code="no_lines")])
    return lines, tags, rows


def _raise_on_bad_coordinates(lines: Sequence[_F64], where: Sequence[_Where],
                              name: str) -> None:
    """Refuse lines that are not finite lon/lat degrees inside China, naming each.

    ``where`` gives, per line, the Problem's row (1-based feature) and field (the OSM
    way, or the geometry column).
    """
    problems: list[Problem] = []
    x0, y0, x1, y1 = CHINA_BOUNDS
    for c, (row, fld) in zip(lines, where, strict=True):
        lon, lat = c[:, 0], c[:, 1]
        if not np.isfinite(c).all():
            problems.append(Problem(name, row, fld,
                                    "coordinates must be finite numbers", code="not_finite"))
            continue
        at = f"({float(lon[0]):.6g}, {float(lat[0]):.6g})"
        if bool(in_china(lat, lon).all()):
            problems.append(Problem(
                name, row, fld,
                "vertices outside China: longitude and latitude look swapped "
                "(expected lon, lat order)", code="lonlat_swapped", value=at))
            continue
        if (np.abs(lon) > 180).any() or (np.abs(lat) > 90).any():
            problems.append(Problem(
                name, row, fld,
                "coordinates are not longitude/latitude degrees (they look like projected "
                "metres); give WGS-84 lon/lat or declare the file's CRS",
                code="not_degrees", value=at))
            continue
        inside = in_china(lon, lat)
        if not inside.all():
            problems.append(Problem(
                name, row, fld,
                f"{int((~inside).sum())} vertices outside China (lon {x0}–{x1}, "
                f"lat {y0}–{y1})", code="outside_china", value=at))
    if problems:
        raise ValidationError(f"{name}: road coordinates are not WGS-84 lon/lat in China",
                              problems)


def _raise_if_unusable(tags: Sequence[Mapping[str, str]], name: str) -> None:
    """Refuse a network where no line is usable by any mode."""
    if any(_usable(t, mode) for t in tags for mode in MODES):
        return
    kinds = sorted({t.get("highway", "") for t in tags})
    raise ValidationError(f"{name}: no usable roads", [Problem(
        name, None, "highway",
        f"no line is usable by {', '.join(MODES)} (highway values: {', '.join(kinds)})",
        code="no_roads")])

