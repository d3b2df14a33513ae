"""The township's layout: its outline, trunk roads, villages, communities and town seat.

Everything is in the local metric frame (:data:`zoufang.demo._common.LOCAL_CRS`, metres
from the centre, x east, y north). The trunk roads are a provincial road (省道S316), three
county roads (县道X031, X035, X038) and two township roads (乡道Y107, Y109); about 20
villages (村) sit on them, each in a frame along its road; the town seat (镇驻地) is a
street grid in the seat frame (x along S316, y across it) with three urban communities
(社区) and, east of it, an industrial park.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, Point, Polygon

from zoufang.demo._common import RESETTLEMENT, Arr
from zoufang.demo._geometry import at, direction_at, snap_to, unit
from zoufang.demo.names import VILLAGE_PATTERNS, People
from zoufang.demo.roads import Road

__all__ = [
    "COMMUNITY_SEEDS",
    "HALF_H",
    "HALF_W",
    "HOUSE_SPACING",
    "LANE_SPACING",
    "PARK",
    "Place",
    "communities",
    "draw_outline",
    "draw_trunk_roads",
    "lane_across_block",
    "park_road",
    "place_villages",
    "seat_axis",
    "seat_streets",
]


@dataclass
class Place:
    """A village (村) or urban community (社区) of the township."""

    name: str
    kind: str  # "community" or "village"
    centre: NDArray[np.float64]
    u: NDArray[np.float64]  # first axis of the local frame (along the road / the seat)
    surname: str | None = None
    share: float = 0.0
    size: int = 0
    tag: str = ""
    lanes: int = 0
    k: int = 1
    grids: list[int] = field(default_factory=list)
    office: NDArray[np.float64] | None = None


#: Half width (east-west) and half height (north-south) of the outline, metres.
HALF_W: Final = 6200.0
HALF_H: Final = 4700.0


def draw_outline(rng: np.random.Generator) -> Polygon:
    """Draw a rounded, slightly irregular township boundary about 12 km × 9 km."""
    n = 96
    theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    noise = np.zeros(n)
    for harmonic in (2, 3, 5, 7):
        amp = rng.uniform(0.004, 0.018) / math.sqrt(harmonic / 2)
        noise += amp * np.sin(harmonic * theta + rng.uniform(0, 2 * np.pi))
    c, s = np.cos(theta), np.sin(theta)
    p = 4.0
    r = (np.abs(c / HALF_W) ** p + np.abs(s / HALF_H) ** p) ** (-1.0 / p)
    r = r * (1.0 + noise)
    poly = Polygon(np.column_stack([r * c, r * s]))
    return shapely.set_precision(poly, 0.001)


def draw_trunk_roads(rng: np.random.Generator, outline: Polygon,
                     ) -> tuple[dict[str, Road], Arr]:
    """Lay out the provincial, county and township roads (before villages' lanes).

    Returns the roads by key and the seat centre (where the provincial road meets 县道X031).
    """

    def j(x: float, y: float, sd: float = 70.0) -> list[float]:
        return [x + float(rng.normal(0, sd)), y + float(rng.normal(0, sd))]

    seat = j(0, -300, 50)
    west = j(-3000, -700)
    east = j(3000, 0)
    raw = {
        "S316": (["省道S316", "primary"],
                 [j(-6900, -1000, 40), west, seat, east, j(6900, 350, 40)]),
        "X031": (["县道X031", "secondary"], [j(250, -5400, 40), seat, j(-250, 5400, 40)]),
        "X035": (["县道X035", "secondary"], [j(-3450, -5400, 40), west, j(-2650, 5400, 40)]),
        "X038": (["县道X038", "secondary"], [j(3350, -5400, 40), east, j(2750, 5400, 40)]),
        "Y107": (["乡道Y107", "tertiary"],
                 [j(-6900, 2450, 40), j(-3250, 2500), j(0, 2600), j(3250, 2600),
                  j(6900, 2650, 40)]),
        "Y109": (["乡道Y109", "tertiary"],
                 [j(-6900, -3250, 40), j(-3250, -3100), j(0, -3000), j(3250, -3100),
                  j(6900, -3250, 40)]),
    }
    roads: dict[str, Road] = {}
    for key, ((name, highway), pts) in raw.items():
        clipped = LineString(pts).intersection(outline)
        parts = sorted(shapely.get_parts(clipped), key=lambda g: -g.length)
        roads[key] = Road(np.asarray(parts[0].coords), name, highway)
    return roads, np.asarray(seat)


#: Where the villages lie: (road, approximate site x, y in metres from the centre).
_VILLAGE_SITES: Final = (
    ("X035", -2750, 3650), ("X035", -2900, 1300), ("X035", -3150, -2200),
    ("X035", -3300, -3950), ("X031", -100, 3700), ("X031", 0, 1400), ("X031", 100, -2300),
    ("X038", 2800, 3650), ("X038", 2900, 1300), ("X038", 3200, -2200), ("X038", 3300, -3950),
    ("S316", -5200, -950), ("S316", -1850, -550), ("S316", 4600, 200),
    ("Y107", -5000, 2480), ("Y107", -1500, 2550), ("Y107", 1550, 2600), ("Y107", 5000, 2630),
    ("Y109", -1650, -3050), ("Y109", 1650, -3050),
)

#: Spacing of village lanes (胡同) and of houses along a lane, metres.
LANE_SPACING: Final = 36.0
HOUSE_SPACING: Final = 15.0
_SEAT_BOX: Final = (-900.0, 900.0, -1050.0, 600.0)  # seat extent in the seat frame, m
#: The industrial park along S316, metres east of the seat (from, to).
PARK: Final = (1050.0, 2600.0)


def _village_shape(n: int) -> tuple[int, int]:
    """Return the number of grids and of lanes for a village of ``n`` households."""
    k = int(np.clip(round(n / 190), 1, 4))
    r0 = math.ceil(math.sqrt(1.2 * n / 4.3))
    step = {1: 1, 2: 2, 3: 3, 4: 2}[k]  # lanes divide evenly between the grids
    return k, max(step * math.ceil(r0 / step), 4)


def _village_half(lanes: int) -> float:
    return 0.5 * LANE_SPACING * lanes


def place_villages(rng: np.random.Generator, people: People, roads: dict[str, Road],
                   seat: Arr, seat_u: Arr, outline: Polygon) -> list[Place]:
    """Place about 20 villages on the roads, name them and size them.

    Parameters
    ----------
    rng
        The run's generator.
    people
        Draws the surnames the villages are named after.
    roads
        The trunk roads by key (``"S316"``, ``"X031"``, ...), metres.
    seat, seat_u
        Centre of the town seat and the unit vector along S316 there.
    outline
        The township boundary, metres.

    Returns
    -------
    list of Place
        The villages, sorted north to south, then west to east.

    Raises
    ------
    RuntimeError
        If a village finds no site with room for it.
    """
    sites: list[tuple[str, Arr, Arr, float]] = []
    x0, x1, y0, y1 = _SEAT_BOX
    seat_box = Polygon(at(seat, seat_u, [x0, x1, x1, x0], [y0, y0, y1, y1]))
    for key, x, y in _VILLAGE_SITES:
        line = roads[key].line
        d = line.project(Point(x, y)) + float(rng.normal(0, 80))
        centre = np.asarray(line.interpolate(d).coords[0])
        u = direction_at(line, d)
        # the room the village has: straight road, other roads, outline, seat, park
        verts = np.asarray(line.coords)
        vd = np.array([line.project(Point(v)) for v in verts])
        room_along = float(np.min(np.abs(vd - d))) - 60.0
        others = [r.line for k2, r in roads.items() if k2 != key]
        room_across = min(o.distance(Point(centre)) for o in others) - 80.0
        room_edge = (outline.exterior.distance(Point(centre)) - 150.0) / 1.3
        room_seat = seat_box.distance(Point(centre)) - 300.0
        along_s316 = float(np.dot(centre - seat, seat_u))
        room_park = 1e9
        if key != "S316" and PARK[0] - 400 < along_s316 < PARK[1] + 400:
            room_park = roads["S316"].line.distance(Point(centre)) - 750.0
        room = min(room_along, room_across, room_edge, room_seat, room_park)
        sites.append((key, centre, u, room))
    # the surnames that give the villages their names, and the sizes
    order = list(rng.permutation(len(people.surnames)))
    top = [people.surnames[i] for i in order if people.weights[i] > 0.004][: len(sites)]
    pattern_idx = rng.permutation(len(VILLAGE_PATTERNS))
    sizes = np.clip(np.round(np.exp(rng.normal(math.log(420), 0.5, len(sites)))), 200, 1200)
    sizes = np.clip(np.round(sizes * 9300.0 / sizes.sum()), 200, 1200).astype(int)
    if sizes.max() < 1000:
        sizes[int(np.argmax(sizes))] = int(rng.integers(1000, 1201))
    if sizes.min() > 260:
        sizes[int(np.argmin(sizes))] = int(rng.integers(200, 261))
    # biggest first, each to a random site that has room for it
    free = list(range(len(sites)))
    assigned: dict[int, int] = {}
    for n in sorted(sizes.tolist(), reverse=True):
        _k, lanes = _village_shape(n)
        need = _village_half(lanes) * 1.1 + 20
        fits = [i for i in free if sites[i][3] >= need]
        if not fits:
            raise RuntimeError(f"no room for a village of {n} households (need {need:.0f} m)")
        pick = fits[int(rng.integers(len(fits)))]
        free.remove(pick)
        assigned[pick] = n
    places: list[Place] = []
    for i, (_key, centre, u, _room) in enumerate(sites):
        surname = top[i]
        name = VILLAGE_PATTERNS[int(pattern_idx[i % len(pattern_idx)])].format(s=surname) + "村"
        n = assigned[i]
        k, lanes = _village_shape(n)
        places.append(Place(name=name, kind="village", centre=centre, u=u, surname=surname,
                            share=float(rng.uniform(0.35, 0.7)), size=n, lanes=lanes, k=k))
    # grids are numbered north to south, west to east, as township lists usually are
    places.sort(key=lambda p: (-round(float(p.centre[1]) / 1500.0), float(p.centre[0])))
    return places


# Seat frame: x along S316 (east), y across (north); blocks between the streets.
_SEAT_STREETS_EW: Final = (  # y, x0, x1, name, highway
    (600.0, -900.0, 900.0, "幸福街", "tertiary"),
    (290.0, -900.0, 900.0, "文化街", "tertiary"),
    (-250.0, -900.0, 900.0, "建设街", "tertiary"),
    (-700.0, -700.0, 700.0, "安居路", "residential"),
    (-1050.0, -700.0, 700.0, "民安街", "residential"),
)
_SEAT_STREETS_NS: Final = (  # x, y0, y1, name, highway
    (-700.0, -1050.0, 600.0, "育才路", "tertiary"),
    (-350.0, -1050.0, 600.0, "商贸街", "residential"),
    (350.0, -1050.0, 600.0, "新华街", "residential"),
    (700.0, -1050.0, 600.0, "工业路", "tertiary"),
)
#: Community grid seeds in the seat frame: bisectors fall on the streets.
COMMUNITY_SEEDS: Final = {
    "镇中社区": ((-525.0, 145.0), (-175.0, 145.0), (-525.0, 435.0), (-175.0, 435.0)),
    "幸福社区": ((175.0, 145.0), (525.0, 145.0), (175.0, 435.0), (525.0, 435.0)),
    "安居社区": ((-525.0, -650.0), (-175.0, -650.0), (175.0, -650.0), (525.0, -650.0)),
}
_COMMUNITY_SIZES: Final = {"镇中社区": 850, "幸福社区": 950, "安居社区": 1000}


def communities(seat: Arr, seat_u: Arr) -> list[Place]:
    """Return the seat's three urban communities (社区), centred on their grid seeds."""
    out = []
    for name, seeds in COMMUNITY_SEEDS.items():
        c = np.mean(np.asarray(seeds), axis=0)
        centre = at(seat, seat_u, c[0], c[1])[0]
        tag = RESETTLEMENT if name == "安居社区" else ""
        out.append(Place(name=name, kind="community", centre=centre, u=seat_u,
                         size=_COMMUNITY_SIZES[name], k=len(seeds), tag=tag))
    return out


def seat_axis(s316: LineString, seat: Arr) -> NDArray[np.float64]:
    """Return the unit vector of the seat frame's x axis: along S316, over the seat's 1.8 km."""
    d_seat = s316.project(Point(seat))
    west = np.asarray(s316.interpolate(d_seat - 900).coords[0])
    east = np.asarray(s316.interpolate(d_seat + 900).coords[0])
    return unit(east - west)


def seat_streets(seat: Arr, seat_u: Arr) -> list[Road]:
    """Lay out the seat's street grid (the frame's x = 0 street is 县道X031 itself)."""
    out = []
    for y, x0, x1, name, hw in _SEAT_STREETS_EW:
        out.append(Road(at(seat, seat_u, [x0, x1], [y, y]), name, hw))
    for x, y0, y1, name, hw in _SEAT_STREETS_NS:
        out.append(Road(at(seat, seat_u, [x, x], [y0, y1]), name, hw))
    return out


def park_road(s316: LineString, seat: Arr) -> Road:
    """Return the industrial park's road (工业园路), across S316 1.8 km east of the seat."""
    d_seat = s316.project(Point(seat))
    d_park_road = d_seat + 1800.0
    base = np.asarray(s316.interpolate(d_park_road).coords[0])
    u = direction_at(s316, d_park_road)
    return Road(at(base, u, [0.0, 0.0], [-600.0, 600.0]), "工业园路", "tertiary")


def lane_across_block(seat: Arr, seat_u: Arr, x0: float, x1: float, y: float,
                      x031: LineString, name: str | None) -> Road:
    """Draw a lane across a seat block from street to street (ends snapped onto X031)."""
    ends = at(seat, seat_u, [x0, x1], [y, y])
    for i, x in enumerate((x0, x1)):
        if x == 0.0:
            ends[i] = snap_to(x031, ends[i])
    return Road(ends, name, "residential")
