"""The township being drawn: its layout, grids, and the targets and roads drawn so far.

:func:`draw_township` makes the one :class:`numpy.random.Generator` of a run from its seed
and draws the layout and the grids; the modules :mod:`~zoufang.demo.households`,
:mod:`~zoufang.demo.units` and :mod:`~zoufang.demo.cadres` then add to the
:class:`Township` in the fixed order of :func:`zoufang.demo.generate.generate_demo`, so the
same seed gives the same draws. Coordinates are metres in the local frame until
:meth:`Township.to_lonlat` converts them to WGS-84.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry import LineString, Polygon

from zoufang.demo._common import CENTRE, LOCAL_CRS, TOWNSHIP, WEAK_VILLAGE, Arr
from zoufang.demo._geometry import at
from zoufang.demo.grids import Grids, draw_grids
from zoufang.demo.layout import (
    Place,
    communities,
    draw_outline,
    draw_trunk_roads,
    park_road,
    place_villages,
    seat_axis,
    seat_streets,
)
from zoufang.demo.names import People
from zoufang.demo.roads import Road

__all__ = ["Target", "Township", "draw_township"]


@dataclass
class Target:
    """A visit target before writing: metric point and the row's text fields.

    ``sort`` orders the households in ``households.csv``; ``listed_weight`` is an
    enterprise's relative chance of being a 列统企业.
    """

    xy: NDArray[np.float64]
    name: str
    kind: str
    address: str
    phone: str
    tags: list[str]
    place: int
    grid: int = -1
    sort: tuple[Any, ...] = ()
    listed_weight: float = 0.0


@dataclass
class Township:
    """The state of one generation run (metres, local frame).

    The layout (outline, trunk roads, seat, places, grids) is fixed by
    :func:`draw_township`; ``extra_roads``, ``households`` and ``units`` grow as the
    targets are drawn, ``fixed`` and ``offices_at`` hold the points of the seat's
    institutions (the bases of their cadres) and ``unit_names`` the names taken.
    """

    seed: int
    rng: np.random.Generator
    people: People
    to_wgs: Transformer
    outline: Polygon
    roads: dict[str, Road]
    seat: NDArray[np.float64]
    seat_u: NDArray[np.float64]
    places: list[Place]
    grids: Grids
    grid_workers: list[tuple[str, str]]
    market_village: int
    displaced_village: int
    seat_streets: list[Road]
    x031: LineString
    park_road: Road
    extra_roads: list[Road]
    households: list[Target] = field(default_factory=list)
    units: list[Target] = field(default_factory=list)
    fixed: dict[str, Arr] = field(default_factory=dict)
    offices_at: dict[str, Arr] = field(default_factory=dict)
    unit_names: set[str] = field(default_factory=set)
    lanes_named: list[str] = field(default_factory=list)
    name: str = TOWNSHIP
    centre: tuple[float, float] = CENTRE

    def seat_xy(self, x: Any, y: Any) -> NDArray[np.float64]:
        """Return the points ``(x, y)`` of the seat frame (metres), shape (n, 2)."""
        return at(self.seat, self.seat_u, x, y)

    def take(self, cand: Arr, n: int, place: int | None = None, margin: float = 3.0,
             ordered: bool = False) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Pick up to ``n`` candidates that lie clearly in one grid (of ``place`` if given).

        Candidates are taken in random order, or in the given order if ``ordered``.
        Returns the chosen candidate indices (in that order) and their grids.
        """
        cand = np.asarray(cand, dtype=float).reshape(-1, 2)
        if len(cand) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        perm = np.arange(len(cand)) if ordered else self.rng.permutation(len(cand))
        g = self.grids.locate(cand[perm], margin)
        ok = g >= 0
        if place is not None:
            owner = np.asarray(self.grids.place)
            ok &= np.where(g >= 0, owner[np.maximum(g, 0)] == place, False)
        chosen = perm[ok][:n]
        return chosen, g[ok][:n]

    def to_lonlat(self, xy: Arr) -> tuple[Arr, Arr]:
        """Convert metric points of the local frame to WGS-84 longitudes and latitudes."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        lon, lat = self.to_wgs.transform(xy[:, 0], xy[:, 1])
        return np.asarray(lon), np.asarray(lat)


def draw_township(seed: int, *, name: str = TOWNSHIP,
                  centre: tuple[float, float] = CENTRE) -> Township:
    """Draw the layout and the grids of the township for ``seed``.

    Parameters
    ----------
    seed
        Seed of the run's generator.
    name, centre
        The township's name and its centre (WGS-84 lon, lat); the default is the demo
        township 示范镇 at 116.6° E, 37.4° N.

    Returns
    -------
    Township
        The layout, grids and grid workers (网格员); no targets yet.
    """
    rng = np.random.default_rng(seed)
    people = People(rng)
    local = LOCAL_CRS if centre == CENTRE else LOCAL_CRS.replace(
        f"+lat_0={CENTRE[1]} +lon_0={CENTRE[0]}", f"+lat_0={centre[1]} +lon_0={centre[0]}")
    to_wgs = Transformer.from_crs(CRS.from_proj4(local), CRS.from_epsg(4326),
                                  always_xy=True)
    outline = draw_outline(rng)
    roads, seat = draw_trunk_roads(rng, outline)
    s316 = roads["S316"].line
    seat_u = seat_axis(s316, seat)
    villages = place_villages(rng, people, roads, seat, seat_u, outline)
    places = communities(seat, seat_u) + villages
    n_weak = int(rng.integers(2, 4))
    weak = rng.choice(len(villages), size=n_weak, replace=False)
    for i in sorted(int(w) for w in weak):
        villages[i].tag = WEAK_VILLAGE
    grids = draw_grids(rng, outline, places, seat, seat_u)
    grid_workers = [(people.person(), people.mobile()) for _ in grids.rings]
    with_fair = [i for i, p in enumerate(places) if p.name.endswith("集村")]
    market_village = with_fair[0] if with_fair else max(
        (i for i, p in enumerate(places) if p.kind == "village"),
        key=lambda i: places[i].size)
    resettle = places[2].centre
    displaced_village = min(
        (i for i, p in enumerate(places) if p.kind == "village"),
        key=lambda i: float(np.hypot(*(places[i].centre - resettle))))
    # the seat's streets (the frame's x = 0 street is 县道X031) and the park road across S316
    streets = seat_streets(seat, seat_u)
    park = park_road(s316, seat)
    return Township(seed=seed, rng=rng, people=people, to_wgs=to_wgs, outline=outline,
                    roads=roads, seat=seat, seat_u=seat_u, places=places, grids=grids,
                    grid_workers=grid_workers, market_village=market_village,
                    displaced_village=displaced_village, seat_streets=streets,
                    x031=roads["X031"].line, park_road=park, extra_roads=[*streets, park],
                    name=name, centre=centre)
