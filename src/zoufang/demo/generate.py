"""The demo township (示范镇): a deterministic generator of realistic input files.

:func:`generate_demo` writes the files a township's planner would really hand over for a
visit campaign (大走访) of a fictional rural township of the North China plain, centred at
116.6° E, 37.4° N, about 12 km × 9 km:

- ``grids.geojson`` — about 60 grid cells (网格) in WGS-84, village-based, with one sliver
  gap, one overlap and one invalid (bow-tie) polygon, as real grid files have;
- ``households.csv`` — about 12,000 households (居民家庭/农户), GBK-encoded, points in
  GCJ-02 (as picked on an Amap web map);
- ``units.xlsx`` — about 400 enterprises, shops, schools, clinics, markets and institutions,
  points in GCJ-02;
- ``cadres.csv`` — about 150 visiting cadres (走访干部), UTF-8 with BOM, bases in WGS-84;
- ``roads.geojson`` — a connected road network (LineStrings, WGS-84);
- ``README.md`` — what is in each file and the deliberate defects.

Everything is built in a local transverse Mercator projection (metres) and converted at
the end, so distances in this module are metres. The output is byte-for-byte identical
for a seed: one :class:`numpy.random.Generator` drives every draw in a fixed order, no
set or hash order is relied on, GeoJSON and CSV are written by hand, and the xlsx archive
gets fixed timestamps.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.polygon import orient

from zoufang.gis.crs import wgs84_to_gcj02
from zoufang.vocab import KINDS, RANKS, TARGET_TAGS, VILLAGE_TAGS

_Arr = NDArray[Any]

__all__ = ["CENTRE", "DEFAULT_SEED", "TOWNSHIP", "DemoFiles", "generate_demo"]

#: The seed of the published demo (the first day of the 2022 campaign).
DEFAULT_SEED: Final = 20220301
#: Name of the fictional township.
TOWNSHIP: Final = "示范镇"
#: Centre of the township, WGS-84 degrees (lon, lat).
CENTRE: Final = (116.6, 37.4)

_LOCAL_CRS: Final = (
    f"+proj=tmerc +lat_0={CENTRE[1]} +lon_0={CENTRE[0]} +k=1 +x_0=0 +y_0=0 "
    "+datum=WGS84 +units=m +no_defs"
)
_FIXED_TIME: Final = _dt.datetime(2022, 2, 28, 9, 0, 0)

# Chinese labels, taken from the vocabulary so that every file uses the words the importer
# recognises.
_TAG = {code: names[0] for code, names in TARGET_TAGS.items()}
_WEAK_VILLAGE: Final = VILLAGE_TAGS["weak_village"][0]
_RESETTLEMENT: Final = VILLAGE_TAGS["resettlement_community"][0]
_RANK = {code: names[0] for code, (_level, names) in RANKS.items()}


def _kind(code: str, label: str) -> str:
    """Return ``label`` after checking the vocabulary knows it as kind ``code``."""
    if label not in KINDS[code]:  # pragma: no cover - guards against vocabulary drift
        raise ValueError(f"{label!r} is not a name of kind {code!r}")
    return label


_K_RESIDENT = _kind("household", "居民家庭")
_K_FARMER = _kind("household", "农户")
_K_ENTERPRISE = _kind("enterprise", "企业")
_K_SHOP = _kind("shop", "商铺")
_K_SCHOOL = _kind("school", "学校")
_K_HEALTH_CENTRE = _kind("hospital", "卫生院")
_K_VILLAGE_CLINIC = _kind("hospital", "卫生室")
_K_CLINIC = _kind("hospital", "诊所")
_K_MARKET = _kind("market", "农贸市场")
_K_ORGAN = _kind("institution", "机关")
_K_PUBLIC = _kind("institution", "事业单位")

#: Minutes per visit used to size the cadre roster (DOMAIN.md: households are visited in
#: the evening, about 20 minutes each; enterprises and other units about 40 minutes).
HOUSEHOLD_MINUTES: Final = 20
UNIT_MINUTES: Final = 40
PUSH_DAYS: Final = 10

# ---------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------

#: Surnames of the North China plain with rough weights (per cent of population).
_SURNAMES: Final = (
    ("王", 7.5), ("李", 7.4), ("张", 7.1), ("刘", 5.4), ("杨", 3.0), ("赵", 2.6), ("孙", 2.2),
    ("陈", 1.8), ("马", 1.8), ("高", 1.8), ("郭", 1.5), ("周", 1.0), ("徐", 1.0), ("田", 1.0),
    ("崔", 1.0), ("董", 1.0), ("宋", 1.0), ("魏", 0.9), ("于", 0.9), ("韩", 0.9), ("冯", 0.8),
    ("吴", 0.8), ("朱", 0.8), ("胡", 0.8), ("曹", 0.7), ("吕", 0.6), ("许", 0.6), ("贾", 0.6),
    ("梁", 0.6), ("邢", 0.6), ("齐", 0.5), ("袁", 0.5), ("侯", 0.5), ("姜", 0.5), ("任", 0.5),
    ("杜", 0.5), ("付", 0.5), ("石", 0.5), ("谢", 0.5), ("闫", 0.4), ("庞", 0.4), ("耿", 0.4),
    ("尹", 0.4), ("常", 0.4), ("牛", 0.4), ("史", 0.4), ("范", 0.4), ("孟", 0.4), ("程", 0.4),
    ("卢", 0.3), ("秦", 0.3), ("薛", 0.3), ("苏", 0.3), ("段", 0.3), ("路", 0.3), ("岳", 0.2),
    ("申", 0.2), ("鲁", 0.2), ("温", 0.2), ("潘", 0.2),
)

_GIVEN_2: Final = (
    "建国 建军 建华 建民 国庆 国强 国华 国平 志强 志刚 志明 振华 振国 卫东 卫国 红军 永强 "
    "永刚 永生 春生 长江 长林 长顺 福来 德胜 德明 宝山 宝林 金山 金生 玉林 树林 书田 文华 "
    "文明 庆丰 丰收 学军 跃进 胜利 新民 立新 海涛 海军 明亮 洪涛 俊峰 广才 富贵 守义 守信 "
    "忠义 春来 秋生 满囤 连生 保国 秀英 桂兰 玉兰 淑珍 秀兰 凤英 桂英 玉梅 秀珍 淑芬 丽华 "
    "春梅 冬梅 红梅 桂芝 秀云 玉珍 金凤 翠英 美玲 素芬 桂荣 玉芬 凤兰 秀芳 晓东 晓明 晓燕 "
    "海燕 立伟 文静 亚楠 志勇 建平 国栋 金刚 东升 小平 红霞 丽娟 艳红 玉霞 春燕 新华 振宇 "
    "家乐 子涵 浩然 雨轩 欣怡 梓萱 宇航 俊杰 德才 双喜 来顺 二虎 占奎 庆云 凤岐 宗林 玉祥"
).split()
_GIVEN_1: Final = tuple("磊强伟勇军鹏涛超亮杰静丽娜敏燕艳芳晶浩宇佳慧雪刚斌辉峰波明华平")

_VILLAGE_PATTERNS: Final = (
    "{s}庄", "{s}家庄", "{s}家屯", "{s}官营", "{s}集", "{s}楼", "{s}洼", "{s}堡", "{s}店",
    "{s}家寨", "前{s}", "后{s}", "大{s}庄", "小{s}庄", "{s}桥", "{s}辛庄", "{s}家口", "{s}营",
    "{s}屯", "{s}坊",
)

_NUMERALS: Final = "一二三四五六七八九十"


def _cn_number(n: int) -> str:
    """Chinese numeral for 1..99 (三, 十二, 二十一)."""
    if n <= 10:
        return _NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else _NUMERALS[tens - 1] + "十"
    return head + (_NUMERALS[ones - 1] if ones else "")


class _People:
    """Draws names and phone numbers from one generator."""

    _MOBILE_PREFIXES: Final = (
        "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
        "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177",
        "178", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198",
        "199",
    )

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        w = np.array([p for _s, p in _SURNAMES])
        self.surnames = [s for s, _p in _SURNAMES]
        self.weights = w / w.sum()
        self._cum = np.cumsum(self.weights)
        self._phones: set[str] = set()

    def surname(self) -> str:
        i = int(np.searchsorted(self._cum, self.rng.random() * self._cum[-1], side="right"))
        return self.surnames[min(i, len(self.surnames) - 1)]

    def given(self) -> str:
        if self.rng.random() < 0.82:
            return _GIVEN_2[int(self.rng.integers(len(_GIVEN_2)))]
        return _GIVEN_1[int(self.rng.integers(len(_GIVEN_1)))]

    def person(self, dominant: str | None = None, share: float = 0.0) -> str:
        """Draw a name; with probability ``share`` the surname is ``dominant``."""
        if dominant is not None and self.rng.random() < share:
            s = dominant
        else:
            s = self.surname()
        return s + self.given()

    def mobile(self) -> str:
        """Draw a synthetic mobile number 1[3-9]x + 8 digits, unique within the demo."""
        while True:
            p = self._MOBILE_PREFIXES[int(self.rng.integers(len(self._MOBILE_PREFIXES)))]
            num = p + f"{int(self.rng.integers(0, 100_000_000)):08d}"
            if num not in self._phones:
                self._phones.add(num)
                return num

    def landline(self) -> str:
        """Draw a synthetic landline of the (fictional) county, area code 0534."""
        return f"0534-{int(self.rng.integers(5_200_000, 5_999_999))}"


# ---------------------------------------------------------------------------------------
# Geometry helpers (metres, local transverse Mercator)
# ---------------------------------------------------------------------------------------


def _perp(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """``u`` turned 90° anticlockwise."""
    return np.array([-u[1], u[0]])


def _at(origin: _Arr, u: _Arr, s: Any, t: Any) -> NDArray[np.float64]:
    """Points ``origin + s·u + t·perp(u)`` (vectorised over ``s``/``t``), shape (n, 2)."""
    s_arr = np.atleast_1d(np.asarray(s, dtype=float))
    t_arr = np.atleast_1d(np.asarray(t, dtype=float))
    s_arr, t_arr = np.broadcast_arrays(s_arr, t_arr)
    v = _perp(u)
    out: NDArray[np.float64] = (origin[None, :] + s_arr[:, None] * u[None, :]
                                + t_arr[:, None] * v[None, :])
    return out


def _unit(v: _Arr) -> NDArray[np.float64]:
    return v / float(np.hypot(v[0], v[1]))


def _direction_at(line: LineString, d: float) -> NDArray[np.float64]:
    a = np.asarray(line.interpolate(max(d - 1.0, 0.0)).coords[0])
    b = np.asarray(line.interpolate(min(d + 1.0, line.length)).coords[0])
    return _unit(b - a)


def _snap_to(line: LineString, p: _Arr) -> NDArray[np.float64]:
    """Return the point of ``line`` nearest to ``p``."""
    return np.asarray(line.interpolate(line.project(Point(p))).coords[0])


@dataclass
class _Road:
    """One road before noding: metric coordinates, name (名称) and OSM highway class."""

    coords: NDArray[np.float64]
    name: str | None
    highway: str

    @property
    def line(self) -> LineString:
        return LineString(self.coords)


@dataclass
class _Place:
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
    half: float = 0.0  # half extent of the built-up area, metres
    road: str = ""
    grids: list[int] = field(default_factory=list)
    office: NDArray[np.float64] | None = None


@dataclass
class _Target:
    """A visit target before writing: metric point and the row's text fields."""

    xy: NDArray[np.float64]
    name: str
    kind: str
    address: str
    phone: str
    tags: list[str]
    place: int
    grid: int = -1
    sort: tuple[Any, ...] = ()


# ---------------------------------------------------------------------------------------
# The township
# ---------------------------------------------------------------------------------------

_HALF_W: Final = 6200.0  # half width (east-west) of the outline, m
_HALF_H: Final = 4700.0  # half height (north-south), m


def _outline(rng: np.random.Generator) -> Polygon:
    """Draw a rounded, slightly irregular township boundary about 12 km × 9 km."""
    n = 96
    theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    noise = np.zeros(n)
    for harmonic in (2, 3, 5, 7):
        amp = rng.uniform(0.004, 0.018) / math.sqrt(harmonic / 2)
        noise += amp * np.sin(harmonic * theta + rng.uniform(0, 2 * np.pi))
    c, s = np.cos(theta), np.sin(theta)
    p = 4.0
    r = (np.abs(c / _HALF_W) ** p + np.abs(s / _HALF_H) ** p) ** (-1.0 / p)
    r = r * (1.0 + noise)
    poly = Polygon(np.column_stack([r * c, r * s]))
    return shapely.set_precision(poly, 0.001)


def _template_roads(rng: np.random.Generator, outline: Polygon) -> tuple[dict[str, _Road],
                                                                         _Arr]:
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
    roads: dict[str, _Road] = {}
    for key, ((name, highway), pts) in raw.items():
        clipped = LineString(pts).intersection(outline)
        parts = sorted(shapely.get_parts(clipped), key=lambda g: -g.length)
        roads[key] = _Road(np.asarray(parts[0].coords), name, highway)
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

_LANE_SPACING: Final = 36.0  # between village lanes (胡同), m
_HOUSE_SPACING: Final = 15.0  # along a lane, m
_SEAT_BOX: Final = (-900.0, 900.0, -1050.0, 600.0)  # seat extent in the seat frame, m
_PARK: Final = (1050.0, 2600.0)  # industrial park along S316, metres east of the seat


def _village_shape(n: int) -> tuple[int, int]:
    """Return the number of grids and of lanes for a village of ``n`` households."""
    k = int(np.clip(round(n / 190), 1, 4))
    r0 = math.ceil(math.sqrt(1.2 * n / 4.3))
    step = {1: 1, 2: 2, 3: 3, 4: 2}[k]  # lanes divide evenly between the grids
    return k, max(step * math.ceil(r0 / step), 4)


def _village_half(lanes: int) -> float:
    return 0.5 * _LANE_SPACING * lanes


def _villages(rng: np.random.Generator, people: _People, roads: dict[str, _Road],
              seat: _Arr, seat_u: _Arr, outline: Polygon) -> list[_Place]:
    """Place about 20 villages on the roads, name them and size them."""
    sites: list[tuple[str, _Arr, _Arr, float]] = []
    x0, x1, y0, y1 = _SEAT_BOX
    seat_box = Polygon(_at(seat, seat_u, [x0, x1, x1, x0], [y0, y0, y1, y1]))
    for key, x, y in _VILLAGE_SITES:
        line = roads[key].line
        d = line.project(Point(x, y)) + float(rng.normal(0, 80))
        centre = np.asarray(line.interpolate(d).coords[0])
        u = _direction_at(line, d)
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
        if key != "S316" and _PARK[0] - 400 < along_s316 < _PARK[1] + 400:
            room_park = roads["S316"].line.distance(Point(centre)) - 750.0
        room = min(room_along, room_across, room_edge, room_seat, room_park)
        sites.append((key, centre, u, room))
    # the surnames that give the villages their names, and the sizes
    order = list(rng.permutation(len(people.surnames)))
    top = [people.surnames[i] for i in order if people.weights[i] > 0.004][: len(sites)]
    pattern_idx = rng.permutation(len(_VILLAGE_PATTERNS))
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
    places: list[_Place] = []
    for i, (key, centre, u, _room) in enumerate(sites):
        surname = top[i]
        name = _VILLAGE_PATTERNS[int(pattern_idx[i % len(pattern_idx)])].format(s=surname) + "村"
        n = assigned[i]
        k, lanes = _village_shape(n)
        places.append(_Place(name=name, kind="village", centre=centre, u=u, surname=surname,
                             share=float(rng.uniform(0.35, 0.7)), size=n, lanes=lanes, k=k,
                             half=_village_half(lanes), road=key))
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
_COMMUNITY_SEEDS: Final = {
    "镇中社区": ((-525.0, 145.0), (-175.0, 145.0), (-525.0, 435.0), (-175.0, 435.0)),
    "幸福社区": ((175.0, 145.0), (525.0, 145.0), (175.0, 435.0), (525.0, 435.0)),
    "安居社区": ((-525.0, -650.0), (-175.0, -650.0), (175.0, -650.0), (525.0, -650.0)),
}
_COMMUNITY_SIZES: Final = {"镇中社区": 850, "幸福社区": 950, "安居社区": 1000}


def _communities(seat: _Arr, seat_u: _Arr) -> list[_Place]:
    out = []
    for name, seeds in _COMMUNITY_SEEDS.items():
        c = np.mean(np.asarray(seeds), axis=0)
        centre = _at(seat, seat_u, c[0], c[1])[0]
        tag = _RESETTLEMENT if name == "安居社区" else ""
        out.append(_Place(name=name, kind="community", centre=centre, u=seat_u,
                          size=_COMMUNITY_SIZES[name], k=len(seeds), tag=tag, half=400.0))
    return out


# ---------------------------------------------------------------------------------------
# Grids
# ---------------------------------------------------------------------------------------


@dataclass
class _Grids:
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

    def locate(self, xy: NDArray[np.float64], margin: float = 3.0) -> NDArray[np.int64]:
        """Index of the one grid containing each point at least ``margin`` m from any edge.

        -1 for points in no grid, in two grids, or too near a grid edge.
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


def _seeds(rng: np.random.Generator, places: list[_Place], seat: _Arr,
           seat_u: _Arr) -> tuple[_Arr, list[tuple[int, int]]]:
    xy: list[_Arr] = []
    owner: list[tuple[int, int]] = []
    for p_i, p in enumerate(places):
        if p.kind == "community":
            for j, (sx, sy) in enumerate(_COMMUNITY_SEEDS[p.name]):
                jit = rng.uniform(-1.0, 1.0, 2)
                xy.append(_at(seat, seat_u, sx + jit[0], sy + jit[1])[0])
                owner.append((p_i, j + 1))
        elif p.k == 4:
            # quadrants: split between the middle lanes and along the road
            q = p.lanes * _LANE_SPACING / 4.0
            for j, (ss, tt) in enumerate(((-q, q), (q, q), (-q, -q), (q, -q))):
                jit = rng.uniform(-0.5, 0.5, 2)
                xy.append(_at(p.centre, p.u, ss + jit[0], tt + jit[1])[0])
                owner.append((p_i, j + 1))
        else:
            # strips of whole lanes across the road
            lanes_per = p.lanes // p.k
            pos = (np.arange(p.lanes) - (p.lanes - 1) / 2.0) * _LANE_SPACING
            for j in range(p.k):
                s = float(np.mean(pos[j * lanes_per:(j + 1) * lanes_per]))
                xy.append(_at(p.centre, p.u, s, float(rng.uniform(-0.5, 0.5)))[0])
                owner.append((p_i, j + 1))
    return np.asarray(xy), owner


def _tile(outline: Polygon, seeds: _Arr) -> list[Polygon]:
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


def _segments(rings: list[_Arr]) -> dict[tuple[tuple[float, float], tuple[float, float]],
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


def _insert_after(ring: _Arr, a: tuple[float, float], b: tuple[float, float],
                  new: list[_Arr]) -> _Arr:
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


def _grids(rng: np.random.Generator, outline: Polygon, places: list[_Place], seat: _Arr,
           seat_u: _Arr) -> _Grids:
    """Tile the township into grids, then add one gap, one overlap and one bow-tie."""
    seeds, owner = _seeds(rng, places, seat, seat_u)
    polys = _tile(outline, seeds)
    rings = [np.asarray(p.exterior.coords)[:-1] for p in polys]
    place_of = [o[0] for o in owner]
    for g, (p_i, _n) in enumerate(owner):
        places[p_i].grids.append(g)
    centres = np.asarray([p.centre for p in places])
    segs = _segments(rings)
    outline_ring = outline.exterior

    def far(mid: _Arr, dist: float) -> bool:
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
             ) -> tuple[_Arr, Polygon]:
        pa, pb = np.asarray(a), np.asarray(b)
        length = float(np.hypot(*(pb - pa)))
        nrm = _perp(_unit(pb - pa))
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
    along = _unit(pb - pa)
    out_n = np.array([along[1], -along[0]])  # right of an anticlockwise ring = outside
    s0 = e_len / 2 - 6.0
    w, h = 12.0, 8.0
    bow = [np.round(pa + along * s0, 3), np.round(pa + along * (s0 + w) + out_n * h, 3),
           np.round(pa + along * s0 + out_n * h, 3), np.round(pa + along * (s0 + w), 3)]
    rings[g_e] = _insert_after(ring, tuple(pa), tuple(pb), bow)
    grids = _Grids(rings=rings, place=place_of, number=[o[1] for o in owner], gap=gap,
                   overlap=overlap, gap_pair=(g_a, g_b), overlap_pair=(g_c, g_d),
                   invalid=g_e, bowtie=bow[0])
    for g, r in enumerate(rings):
        if (g != g_e) != bool(Polygon(r).is_valid):  # pragma: no cover
            raise RuntimeError(f"grid {g}: validity not as intended")
    grids.finish()
    return grids


# ---------------------------------------------------------------------------------------
# Streets, lanes, tracks
# ---------------------------------------------------------------------------------------


def _seat_lines(seat: _Arr, seat_u: _Arr, x031: LineString) -> list[_Road]:
    """Lay out the seat's street grid (the frame's x = 0 street is 县道X031 itself)."""
    out = []
    for y, x0, x1, name, hw in _SEAT_STREETS_EW:
        out.append(_Road(_at(seat, seat_u, [x0, x1], [y, y]), name, hw))
    for x, y0, y1, name, hw in _SEAT_STREETS_NS:
        out.append(_Road(_at(seat, seat_u, [x, x], [y0, y1]), name, hw))
    return out


def _lane_across_block(seat: _Arr, seat_u: _Arr, x0: float, x1: float, y: float,
                       x031: LineString, name: str | None) -> _Road:
    """Draw a lane across a seat block from street to street (ends snapped onto X031)."""
    ends = _at(seat, seat_u, [x0, x1], [y, y])
    for i, x in enumerate((x0, x1)):
        if x == 0.0:
            ends[i] = _snap_to(x031, ends[i])
    return _Road(ends, name, "residential")


def _frontage(line: LineString, d0: float, d1: float, step: float, offset: float,
              ) -> tuple[_Arr, _Arr, _Arr]:
    """Candidate points on both sides of a street: (xy, side ±1, distance along)."""
    ds = np.arange(max(d0, 1.0), min(d1, line.length - 1.0), step)
    xy, side, along = [], [], []
    for d in ds:
        p = np.asarray(line.interpolate(d).coords[0])
        n = _perp(_direction_at(line, float(d)))
        for sgn in (1, -1):
            xy.append(p + sgn * offset * n)
            side.append(sgn)
            along.append(d)
    return np.asarray(xy).reshape(-1, 2), np.asarray(side), np.asarray(along)


# ---------------------------------------------------------------------------------------
# Noding of the road network
# ---------------------------------------------------------------------------------------


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


def _node(roads: list[_Road]) -> list[_Road]:
    """Split every road at every junction so that lines meet at shared end vertices."""
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
    out: list[_Road] = []
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
                out.append(_Road(np.asarray(piece), road.name, road.highway))
                piece = [p]
    return out


# ---------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFiles:
    """The files written by :func:`generate_demo` and what they contain.

    ``counts`` holds the numbers of grids, households, units (by kind), cadres (by rank),
    road features and tagged targets, plus ``workload_minutes`` and ``capacity_minutes``
    (the cadres' hours within the 10-day push, in minutes).
    """

    out_dir: Path
    grids: Path
    households: Path
    units: Path
    cadres: Path
    roads: Path
    readme: Path
    counts: dict[str, int]

    def paths(self) -> list[Path]:
        """All the files written, in a fixed order."""
        return [self.grids, self.households, self.units, self.cadres, self.roads, self.readme]


class _Builder:
    """Holds the state of one generation run; :meth:`run` does it all in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.people = _People(self.rng)
        self.to_wgs = Transformer.from_crs(CRS.from_proj4(_LOCAL_CRS), CRS.from_epsg(4326),
                                           always_xy=True)
        self.extra_roads: list[_Road] = []
        self.households: list[_Target] = []
        self.units: list[_Target] = []
        self.fixed: dict[str, _Arr] = {}
        self._lanes_named: list[str] = []

    # -- layout -----------------------------------------------------------------------

    def layout(self) -> None:
        rng = self.rng
        self.outline = _outline(rng)
        self.roads, self.seat = _template_roads(rng, self.outline)
        s316 = self.roads["S316"].line
        d_seat = s316.project(Point(self.seat))
        west = np.asarray(s316.interpolate(d_seat - 900).coords[0])
        east = np.asarray(s316.interpolate(d_seat + 900).coords[0])
        self.seat_u = _unit(east - west)
        villages = _villages(rng, self.people, self.roads, self.seat, self.seat_u,
                             self.outline)
        self.places = _communities(self.seat, self.seat_u) + villages
        n_weak = int(rng.integers(2, 4))
        weak = rng.choice(len(villages), size=n_weak, replace=False)
        for i in sorted(int(w) for w in weak):
            villages[i].tag = _WEAK_VILLAGE
        self.grids = _grids(rng, self.outline, self.places, self.seat, self.seat_u)
        self.grid_workers = [(self.people.person(), self.people.mobile())
                             for _ in self.grids.rings]
        with_fair = [i for i, p in enumerate(self.places) if p.name.endswith("集村")]
        self.market_village = with_fair[0] if with_fair else max(
            (i for i, p in enumerate(self.places) if p.kind == "village"),
            key=lambda i: self.places[i].size)
        resettle = self.places[2].centre
        self.displaced_village = min(
            (i for i, p in enumerate(self.places) if p.kind == "village"),
            key=lambda i: float(np.hypot(*(self.places[i].centre - resettle))))

    def seat_xy(self, x: Any, y: Any) -> NDArray[np.float64]:
        return _at(self.seat, self.seat_u, x, y)

    def take(self, cand: _Arr, n: int, place: int | None = None, margin: float = 3.0,
             ordered: bool = False) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Up to ``n`` candidates that lie clearly in one grid (of ``place`` if given).

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

    # -- villages -----------------------------------------------------------------------

    def village(self, p_i: int) -> None:
        rng, p = self.rng, self.places[p_i]
        lanes = p.lanes
        pos = (np.arange(lanes) - (lanes - 1) / 2.0) * _LANE_SPACING
        reach = 0.5 * _LANE_SPACING * lanes
        hi = reach * rng.uniform(0.75, 1.05, lanes)
        lo = reach * rng.uniform(0.75, 1.05, lanes)
        cand, meta = [], []
        for i in range(lanes):
            name = f"{p.name}{_cn_number(i + 1)}巷"
            self.extra_roads.append(_Road(_at(p.centre, p.u, [pos[i], pos[i]], [-lo[i], hi[i]]),
                                          name, "residential"))
            for side in (-1, 1):
                for sgn, lim in ((1, hi[i]), (-1, lo[i])):
                    j = 0
                    while 14 + _HOUSE_SPACING * j <= lim - 6:
                        t = sgn * (14 + _HOUSE_SPACING * j)
                        cand.append((pos[i] + side * 7.0, t))
                        meta.append((i, t))
                        j += 1
        # two back streets parallel to the road, between the rows of houses
        back = 21.5 + _HOUSE_SPACING * round(reach / 30.0)
        for sgn, word in ((1, "后街"), (-1, "前街")):
            self.extra_roads.append(_Road(_at(p.centre, p.u, [pos[0], pos[-1]],
                                              [sgn * back, sgn * back]), p.name + word,
                                          "residential"))
        st = np.asarray(cand)
        st = st + rng.uniform(-1.5, 1.5, st.shape)
        xy = _at(p.centre, p.u, st[:, 0], st[:, 1])
        chosen, grids = self.take(xy, p.size, p_i)
        order = sorted(range(len(chosen)), key=lambda k: (meta[int(chosen[k])][0],
                                                          meta[int(chosen[k])][1]))
        n = len(order)
        n_groups = max(2, round(n / 90))
        per = math.ceil(n / n_groups)
        for rank, k in enumerate(order):
            c = int(chosen[k])
            group, num = divmod(rank, per)
            self.households.append(_Target(
                xy=xy[c], name=self.people.person(p.surname, p.share), kind=_K_FARMER,
                address=f"{TOWNSHIP}{p.name}{group + 1}组{num + 1}号", phone="", tags=[],
                place=p_i, grid=int(grids[k]), sort=(p_i, rank)))
        # village committee (base of village cadres), a few lane ends lead to tracks
        p.office = _at(p.centre, p.u, pos[lanes // 2 - 1] + 18.0, -30.0)[0]
        for _ in range(int(rng.integers(0, 2)) + (1 if p.size > 600 else 0)):
            i = int(rng.integers(lanes))
            sgn = 1 if rng.random() < 0.5 else -1
            start = hi[i] if sgn > 0 else lo[i]
            length = float(rng.uniform(300, 600))
            a = _at(p.centre, p.u, pos[i], sgn * start)[0]
            b = _at(p.centre, p.u, pos[i], sgn * (start + length))[0]
            if self.outline.buffer(-50).contains(Point(b)):
                self.extra_roads.append(_Road(np.asarray([a, b]), None, "track"))
        self._village_units(p_i, pos, hi, lo)

    def _village_units(self, p_i: int, pos: _Arr, hi: _Arr, lo: _Arr) -> None:
        rng, p = self.rng, self.places[p_i]
        lanes = p.lanes
        mids = pos[:-1] + _LANE_SPACING / 2
        inner = np.argsort(np.abs(mids), kind="stable")
        spots = _at(p.centre, p.u, mids[inner].repeat(2), np.tile([25.0, -25.0], len(inner)))
        chosen, grids = self.take(spots, 3, p_i)
        labels = [(f"{p.name}卫生室", _K_VILLAGE_CLINIC)]
        n_shops = 1 + int(rng.random() < 0.4)
        shop_names = ("便民超市", "小卖部", "日用百货", "农资店", "超市")
        for _ in range(n_shops):
            owner = self.people.person(p.surname, p.share)
            shop = shop_names[int(rng.integers(len(shop_names)))]
            labels.append((f"{p.name}{owner[0]}记{shop}" if rng.random() < 0.5
                           else f"{owner}{shop}", _K_SHOP))
        for (label, kind), c, g in zip(labels, chosen, grids, strict=False):
            phone = self.people.mobile() if rng.random() < 0.85 else ""
            self.units.append(_Target(spots[int(c)], label, kind, f"{TOWNSHIP}{p.name}", phone,
                                      [], p_i, int(g)))
        # a school in the bigger villages, kindergartens in a few
        edge = 0.5 * _LANE_SPACING * lanes + 60.0
        extra: list[tuple[str, str]] = []
        if p.size >= 550:
            extra.append((f"{p.name}小学", _K_SCHOOL))
        elif p.size >= 350 and rng.random() < 0.35:
            extra.append((f"{p.name}幼儿园", _K_SCHOOL))
        if p_i == self.market_village:
            extra.append((f"{p.name}集市", _K_MARKET))
        n_ent = int(rng.integers(0, 3))
        for _ in range(n_ent):
            extra.append((self.enterprise_name(village=p), _K_ENTERPRISE))
        if not extra:
            return
        s_vals = np.array([edge, -edge, edge + 60, -edge - 60, edge + 120, -edge - 120])
        spots = _at(p.centre, p.u, np.repeat(s_vals, 2), np.tile([70.0, -70.0], len(s_vals)))
        chosen, grids = self.take(spots, len(extra), p_i)
        for (label, kind), c, g in zip(extra, chosen, grids, strict=False):
            phone = self.people.landline() if rng.random() < 0.5 else self.people.mobile()
            direction = "村北" if float(np.dot(spots[int(c)] - p.centre, [0, 1])) > 0 else "村南"
            self.units.append(_Target(spots[int(c)], label, kind,
                                      f"{TOWNSHIP}{p.name}{direction}", phone, [], p_i,
                                      int(g), sort=(0.2,)))

    # -- the seat -----------------------------------------------------------------------

    def seat_layout(self) -> None:
        """Streets, compounds and fixed institutions of the town seat (镇驻地)."""
        x031 = self.roads["X031"].line
        self.seat_streets = _seat_lines(self.seat, self.seat_u, x031)
        self.extra_roads.extend(self.seat_streets)
        self.x031 = x031
        # an industrial park road across S316
        s316 = self.roads["S316"].line
        d_seat = s316.project(Point(self.seat))
        d_park_road = d_seat + 1800.0
        base = np.asarray(s316.interpolate(d_park_road).coords[0])
        u = _direction_at(s316, d_park_road)
        self.park_road = _Road(_at(base, u, [0.0, 0.0], [-600.0, 600.0]), "工业园路", "tertiary")
        self.extra_roads.append(self.park_road)

    def community(self, p_i: int, blocks: list[tuple[str, tuple[float, float, float, float]]],
                  floors: tuple[int, ...], bungalow_share: float) -> None:
        """Bungalow lanes (巷) and apartment compounds (楼) of one community.

        ``blocks`` are (kind, (x0, x1, y0, y1)) in the seat frame. About ``bungalow_share``
        of the households live in bungalows spread over the bungalow blocks; the rest in
        apartment buildings that fill the apartment blocks compound by compound, all the
        flats of one building sharing the building's point.
        """
        rng, p = self.rng, self.places[p_i]
        fixed = np.asarray(list(self.fixed.values())) if self.fixed else np.zeros((0, 2))

        def clear(xy: _Arr) -> bool:
            return len(fixed) == 0 or bool(np.min(np.hypot(*(fixed - xy).T)) > 45.0)

        bungalows: list[tuple[_Arr, int, int]] = []  # xy, lane, number
        buildings: list[tuple[_Arr, int, tuple[int, int, int]]] = []  # xy, lane, fill order
        lanes: list[tuple[float, float, float, str | None]] = []
        for b_i, (kind, (x0, x1, y0, y1)) in enumerate(blocks):
            if kind == "bungalows":
                y = y0 + 60.0
                while y < y1 - 30.0:
                    name = self._bungalow_lane_names[len(self._lanes_named)
                                                     % len(self._bungalow_lane_names)]
                    self._lanes_named.append(name)
                    lanes.append((x0, x1, y, name))
                    num = 0
                    for x in np.arange(x0 + 12.0, x1 - 11.0, 14.0):
                        for dy in (-7.0, 7.0):
                            num += 1
                            xy = self.seat_xy(x, y + dy)[0]
                            if clear(xy):
                                bungalows.append((xy, len(lanes) - 1, num))
                    y += 55.0
            else:
                y = y0 + 45.0
                row = 0
                while y < y1 - 40.0:
                    lanes.append((x0, x1, y, None))
                    for dy in (-20.0, 20.0):
                        for k, x in enumerate(np.arange(x0 + 40.0, x1 - 39.0, 55.0)):
                            xy = self.seat_xy(x, y + dy)[0]
                            if clear(xy):
                                buildings.append((xy, len(lanes) - 1, (row, b_i, k)))
                        row += 1
                    y += 75.0
        used_lanes: set[int] = set()
        n_bung = 0
        if bungalows:
            b_xy = np.asarray([b[0] for b in bungalows])
            chosen, grids = self.take(b_xy, int(round(p.size * bungalow_share)), p_i)
            for c, g in sorted(zip(chosen.tolist(), grids.tolist(), strict=True)):
                xy, lane, num = bungalows[c]
                used_lanes.add(lane)
                self.households.append(_Target(
                    xy=xy, name=self.people.person(), kind=_K_RESIDENT,
                    address=f"{TOWNSHIP}{p.name}{lanes[lane][3]}{num}号", phone="", tags=[],
                    place=p_i, grid=int(g), sort=(p_i, 0, c)))
                n_bung += 1
        total = n_bung
        if buildings:
            # each apartment block holds one compound, filled row by row to its share
            buildings.sort(key=lambda b: (b[2][1], b[2][0], b[2][2]))
            a_xy = np.asarray([b[0] for b in buildings])
            chosen, grids = self.take(a_xy, len(buildings), p_i, margin=5.0, ordered=True)
            n_blocks = len({b[2][1] for b in buildings})
            quota = (p.size - n_bung) / max(n_blocks, 1)
            in_block: dict[int, int] = {}
            b_no = 0
            for c, g in zip(chosen.tolist(), grids.tolist(), strict=True):
                block = buildings[c][2][1]
                if total >= p.size or in_block.get(block, 0) >= quota:
                    continue
                b_no += 1
                used_lanes.add(buildings[c][1])
                units = int(rng.integers(2, 4))
                fl = int(floors[int(rng.integers(len(floors)))])
                for unit in range(1, units + 1):
                    for floor in range(1, fl + 1):
                        for flat in (1, 2):
                            if rng.random() < 0.08:  # not on the community's list
                                continue
                            total += 1
                            in_block[block] = in_block.get(block, 0) + 1
                            self.households.append(_Target(
                                xy=buildings[c][0], name=self.people.person(),
                                kind=_K_RESIDENT,
                                address=f"{TOWNSHIP}{p.name}{b_no}号楼{unit}单元{floor}{flat:02d}",
                                phone="", tags=[], place=p_i, grid=int(g),
                                sort=(p_i, 1, b_no, unit, floor, flat)))
        for i in sorted(used_lanes):
            x0, x1, y, lane_name = lanes[i]
            self.extra_roads.append(_lane_across_block(self.seat, self.seat_u, x0, x1, y,
                                                       self.x031, lane_name))

    _bungalow_lane_names: Final = ("东风巷", "和平巷", "胜利巷", "光明巷", "团结巷", "红旗巷",
                                   "向阳巷", "前进巷", "新风巷", "民主巷", "建新巷", "友谊巷",
                                   "幸福巷", "育英巷", "兴华巷", "振兴巷", "长青巷", "丰收巷",
                                   "富民巷", "安康巷", "永安巷", "太平巷", "仁和巷", "德胜巷")

    # -- units --------------------------------------------------------------------------

    _PREFIXES: Final = tuple(
        "宏达 鑫源 顺发 永兴 红星 惠民 金鑫 宏运 福源 兴隆 利民 万家 鸿福 乐购 美佳 新世纪 百姓 "
        "康宁 华泰 恒丰 瑞丰 金诚 德润 天成 昌盛 鲁北 富强 兴旺 振兴 东方 广源 博远 信达 旭日 "
        "汇丰 嘉禾 鼎盛 安泰 明珠 金穗 丰源 润泽 正阳 同兴 圣源 泰和 隆昌 晨光".split())
    _PRODUCTS: Final = tuple(
        "机械 纺织 食品 面粉 家具 木业 塑料 橡胶 建材 彩钢 农机 饲料 纸箱 包装 五金 汽配 电器 "
        "玻璃 钢构 服装 轴承 棉业 铸造 商砼 管业 化纤 粮油 制衣 印刷 保温材料".split())
    _VILLAGE_FIRMS: Final = ("养殖场", "面粉厂", "家具厂", "养鸡场", "蔬菜种植专业合作社",
                             "农机专业合作社", "木材加工厂", "预制件厂")

    def enterprise_name(self, village: _Place | None = None) -> str:
        rng = self.rng
        for _ in range(100):
            pre = self._PREFIXES[int(rng.integers(len(self._PREFIXES)))]
            if village is not None:
                firm = self._VILLAGE_FIRMS[int(rng.integers(len(self._VILLAGE_FIRMS)))]
                name = f"{TOWNSHIP}{village.name.removesuffix('村')}{pre}{firm}" \
                    if rng.random() < 0.3 else f"{TOWNSHIP}{pre}{firm}"
            else:
                prod = self._PRODUCTS[int(rng.integers(len(self._PRODUCTS)))]
                if rng.random() < 0.5:
                    name = f"{TOWNSHIP}{pre}{prod}厂"
                else:
                    name = f"山东{pre}{prod}有限公司"
            if name not in self._names:
                self._names.add(name)
                return name
        raise RuntimeError("ran out of enterprise names")  # pragma: no cover

    _names: set[str]

    def seat_units(self) -> None:
        """Institutions, schools, health centre, markets, shops and enterprises."""
        rng = self.rng
        self._names = {t.name for t in self.units}
        fixed = [
            ("示范镇人民政府", _K_ORGAN, (-175.0, 45.0), "省道S316"),
            ("示范镇派出所", _K_ORGAN, (-290.0, 45.0), "省道S316"),
            ("示范镇农贸市场", _K_MARKET, (175.0, 70.0), "省道S316"),
            ("示范镇大集", _K_MARKET, (-325.0, -125.0), "商贸街"),
            ("示范镇中心小学", _K_SCHOOL, (175.0, 530.0), "幸福街"),
            ("示范镇中学", _K_SCHOOL, (525.0, -470.0), "新华街"),
            ("示范镇中心幼儿园", _K_SCHOOL, (-525.0, -880.0), "育才路"),
            ("示范镇卫生院", _K_HEALTH_CENTRE, (-525.0, -300.0), "建设街"),
            ("示范镇敬老院", _K_PUBLIC, (525.0, -990.0), "民安街"),
        ]
        for name, kind, (x, y), street in fixed:
            xy = self.seat_xy(x, y)[0]
            g = int(self.grids.locate(xy[None, :])[0])
            if g < 0:  # pragma: no cover - fixed spots lie inside blocks
                raise RuntimeError(f"{name} is not clearly inside one grid")
            self.fixed[name] = xy
            self.units.append(_Target(xy, name, kind, f"{TOWNSHIP}{street}"
                                      f"{int(rng.integers(1, 120))}号", self.people.landline(),
                                      [], -1, g))
        self._names.update(n for n, *_ in fixed)

    def seat_more_units(self) -> None:
        """Shops, clinics, offices along the seat's streets; the industrial park."""
        rng = self.rng
        s316 = self.roads["S316"].line
        d_seat = s316.project(Point(self.seat))
        streets: list[tuple[LineString, float, float, str]] = [
            (s316, d_seat - 900, d_seat + 900, "人民路")]  # S316's name in the seat
        d_x = self.x031.project(Point(self.seat))
        streets.append((self.x031, d_x - 1050, d_x + 600, "中心街"))
        for r in self.seat_streets:
            if r.name in ("文化街", "建设街"):
                streets.append((r.line, 0.0, r.line.length, str(r.name)))
        all_roads = shapely.union_all([r.line for r in self.roads.values()]
                                      + [r.line for r in self.extra_roads])
        fixed = np.asarray(list(self.fixed.values()))
        pools: list[tuple[_Arr, list[str]]] = []
        for line, d0, d1, name in streets:
            xy, side, along = _frontage(line, d0, d1, 14.0, 16.0)
            clear = ~shapely.dwithin(all_roads, shapely.points(xy), 10.0)
            clear &= np.min(np.hypot(xy[:, None, 0] - fixed[None, :, 0],
                                     xy[:, None, 1] - fixed[None, :, 1]), axis=1) > 40.0
            nums = [f"{TOWNSHIP}{name}{int((a - d0) / 14) * 2 + (1 if s > 0 else 2)}号"
                    for a, s in zip(along, side, strict=True)]
            pools.append((xy[clear], [n for n, c in zip(nums, clear, strict=True) if c]))
        # institutions in the offices of the seat's main streets
        offices = [
            ("示范镇司法所", _K_ORGAN), ("示范镇人民法庭", _K_ORGAN),
            ("国家税务总局示范税务分局", _K_ORGAN), ("示范镇市场监督管理所", _K_ORGAN),
            ("示范镇自然资源所", _K_ORGAN), ("示范镇财政所", _K_ORGAN),
            ("示范镇综合行政执法中队", _K_ORGAN),
            ("示范镇农业综合服务中心", _K_PUBLIC), ("示范镇文化站", _K_PUBLIC),
            ("示范镇便民服务中心", _K_PUBLIC), ("示范镇水利站", _K_PUBLIC),
            ("示范镇畜牧兽医站", _K_PUBLIC), ("示范镇中心学校", _K_PUBLIC),
            ("示范镇退役军人服务站", _K_PUBLIC), ("示范镇社会治安综合治理中心", _K_PUBLIC),
            ("示范镇林业站", _K_PUBLIC), ("示范镇供销社", _K_PUBLIC),
        ]
        clinics = [(f"{self.people.person()}诊所", _K_CLINIC) for _ in range(4)]
        clinics += [("示范镇中医诊所", _K_CLINIC), ("示范镇口腔诊所", _K_CLINIC)]
        n_units_so_far = len(self.units)
        shop_kinds = (
            "超市 五金店 饭店 面馆 理发店 服装店 手机店 药店 农资店 烟酒店 粮油店 家电城 建材店 "
            "汽修店 快递驿站 水果店 早餐店 烧饼铺 电动车行 眼镜店 母婴店 照相馆 书店 蛋糕店 "
            "布艺店 床上用品店 鞋店 茶叶店 渔具店 酒店").split()
        # enterprises of the industrial park and along S316 first: they fix the total
        park = self.park_enterprises()
        n_shops = max(0, 400 - n_units_so_far - len(park) - len(offices) - len(clinics))
        w = np.array([0.5, 0.25, 0.125, 0.125])
        per_street = np.floor(w * n_shops).astype(int)
        per_street[0] += n_shops - int(per_street.sum())
        self.offices_at: dict[str, _Arr] = {}
        placed: list[_Arr] = []
        for (xy, addrs), n in zip(pools, per_street.tolist(), strict=True):
            chosen, grids = self.take(xy, n + 12)
            take = 0
            for c, g in zip(chosen.tolist(), grids.tolist(), strict=True):
                if take >= n:
                    break
                if placed and np.min(np.hypot(*(np.asarray(placed) - xy[c]).T)) < 6.0:
                    continue
                placed.append(xy[c])
                take += 1
                for _ in range(30):
                    pre = self._PREFIXES[int(rng.integers(len(self._PREFIXES)))]
                    kind_word = shop_kinds[int(rng.integers(len(shop_kinds)))]
                    name = f"{pre}{kind_word}" if rng.random() < 0.6 else \
                        f"{self.people.surname()}记{kind_word}"
                    if name not in self._names:
                        break
                else:
                    name = f"{name}分店"
                self._names.add(name)
                draw = rng.random()
                phone = self.people.mobile() if draw < 0.8 else (
                    self.people.landline() if draw < 0.9 else "")
                self.units.append(_Target(xy[c], name, _K_SHOP, addrs[c], phone, [], -1, g))
        # offices and clinics on the side streets (建设街, 文化街 pools), then the rest
        side_xy = np.vstack([pools[2][0], pools[3][0], pools[1][0]])
        side_addr = pools[2][1] + pools[3][1] + pools[1][1]
        chosen, grids = self.take(side_xy, len(side_xy))
        k = 0
        for (name, kind) in offices + clinics:
            while k < len(chosen):
                c, g = int(chosen[k]), int(grids[k])
                k += 1
                if np.min(np.hypot(*(np.asarray(placed) - side_xy[c]).T)) >= 12.0:
                    break
            else:  # pragma: no cover
                raise RuntimeError("no room for the seat's offices")
            placed.append(side_xy[c])
            phone = self.people.landline() if kind != _K_CLINIC else self.people.mobile()
            self.units.append(_Target(side_xy[c], name, kind, side_addr[c], phone, [], -1, g))
            self.offices_at[name] = side_xy[c]
        self.units.extend(park)

    def park_enterprises(self) -> list[_Target]:
        """Enterprises of the industrial park, of the seat, along S316 and in the fields."""
        rng = self.rng
        s316 = self.roads["S316"].line
        d_seat = s316.project(Point(self.seat))
        out: list[_Target] = []

        def add(xy: _Arr, g: int, address: str, weight: float) -> None:
            """Add an enterprise; ``weight`` is its chance of being 列统企业 (relative)."""
            name = self.enterprise_name()
            phone = self.people.landline() if rng.random() < 0.55 else self.people.mobile()
            out.append(_Target(xy, name, _K_ENTERPRISE, address, phone, [], -1, g,
                               sort=(weight,)))

        # park: both sides of S316 and of 工业园路
        xy1, _s, _a = _frontage(s316, d_seat + _PARK[0], d_seat + _PARK[1], 70.0, 60.0)
        park_line = self.park_road.line
        xy2, _s, _a = _frontage(park_line, 0.0, park_line.length, 70.0, 45.0)
        xy = np.vstack([xy1, xy2])
        addr = [f"{TOWNSHIP}工业园区{i + 1}号" for i in range(len(xy))]
        near_road = shapely.dwithin(shapely.union_all([s316, park_line]), shapely.points(xy),
                                    30.0)
        clear = ~near_road
        chosen, grids = self.take(xy[clear], 80)
        keep = np.flatnonzero(clear)
        for c, g in zip(chosen.tolist(), grids.tolist(), strict=True):
            add(xy[keep[c]], g, addr[keep[c]], 0.32)
        # the seat: along 工业路
        gy = next(r for r in self.seat_streets if r.name == "工业路").line
        xy, side, along = _frontage(gy, 30.0, gy.length - 30.0, 60.0, 40.0)
        chosen, grids = self.take(xy, 14)
        for c, g in zip(chosen.tolist(), grids.tolist(), strict=True):
            add(xy[c], g, f"{TOWNSHIP}工业路{int(along[c] / 14) * 2 + (1 if side[c] > 0 else 2)}号",
                0.25)
        # along S316 outside the seat and the park, away from villages
        xy, side, along = _frontage(s316, 100.0, s316.length - 100.0, 110.0, 45.0)
        centres = np.asarray([p.centre for p in self.places])
        far = np.min(np.hypot(xy[:, None, 0] - centres[None, :, 0],
                              xy[:, None, 1] - centres[None, :, 1]), axis=1) > 500.0
        off = np.abs(along - d_seat)
        far &= (off > 1000.0) & ~((along - d_seat > _PARK[0] - 100) &
                                 (along - d_seat < _PARK[1] + 100))
        chosen, grids = self.take(xy[far], 12)
        keep = np.flatnonzero(far)
        for c, g in zip(chosen.tolist(), grids.tolist(), strict=True):
            km = int(along[keep[c]] // 1000)
            add(xy[keep[c]], g, f"{TOWNSHIP}省道S316 K{km + 31}+{int(along[keep[c]] % 1000):03d}",
                0.2)
        # a few factories in the fields, reached by a track
        majors = shapely.union_all([r.line for r in self.roads.values()])
        inner = self.outline.buffer(-300.0)
        n_field = 6
        found = 0
        for _ in range(4000):
            if found >= n_field:
                break
            pt = np.array([rng.uniform(-_HALF_W, _HALF_W), rng.uniform(-_HALF_H, _HALF_H)])
            if not inner.contains(Point(pt)):
                continue
            dist_c = np.hypot(*(centres - pt).T)
            if float(np.min(dist_c)) < 800.0:
                continue
            if float(np.hypot(*(pt - self.seat))) < 1600.0:
                continue
            d_road = majors.distance(Point(pt))
            if not 200.0 < d_road < 650.0:
                continue
            if any(float(np.hypot(*(t.xy - pt))) < 900.0 for t in out[-found:] if found):
                continue
            g = int(self.grids.locate(pt[None, :], 10.0)[0])
            if g < 0:
                continue
            near_line = min(self.roads.values(), key=lambda r: r.line.distance(Point(pt)))
            end = _snap_to(near_line.line, pt)
            self.extra_roads.append(_Road(np.asarray([pt, end]), None, "track"))
            village = self.places[int(np.argmin(dist_c))]
            vec = pt - village.centre
            word = ("东" if vec[0] > 0 else "西") if abs(vec[0]) > abs(vec[1]) else \
                ("北" if vec[1] > 0 else "南")
            dist = int(round(float(np.hypot(*vec)) / 100.0) * 100)
            add(pt, g, f"{TOWNSHIP}{village.name}{word}{dist}米", 0.3)
            found += 1
        return out

    # -- tags and phones ----------------------------------------------------------------

    def tag_units(self) -> None:
        """Mark a quarter of the enterprises 列统企业, companies and the park's more often."""
        ents = [t for t in self.units if t.kind == _K_ENTERPRISE]
        w = np.array([float(t.sort[0]) * (1.4 if t.name.endswith("公司") else 0.6)
                      for t in ents])
        k = int(round(0.25 * len(ents)))
        for i in sorted(self.rng.choice(len(ents), size=k, replace=False,
                                        p=w / w.sum()).tolist()):
            ents[i].tags = [_TAG["listed_enterprise"]]

    def tag_households(self) -> None:
        rng = self.rng
        n = len(self.households)
        place = np.asarray([h.place for h in self.households])
        kinds = [self.places[int(i)].kind for i in place]
        is_comm = np.asarray([k == "community" for k in kinds])
        weak = np.asarray([self.places[int(i)].tag == _WEAK_VILLAGE for i in place])
        apartment = np.asarray(["号楼" in h.address for h in self.households])
        p = {
            "petitioner": np.full(n, 0.003),
            "hardship": np.where(weak, 0.06, 0.028),
            "displaced": np.where(place == 2, 0.40,
                                  np.where(place == self.displaced_village, 0.10, 0.0)),
            # about 2 % in all, 60 % of them in the weak villages
            "poor_registered": np.where(
                weak, min(0.25, 0.012 * n / max(int(weak.sum()), 1)),
                np.where(is_comm, 0.004, 0.008 * n / max(int((~weak & ~is_comm).sum()), 1))),
            "old_party_member": np.where(is_comm, 0.035, 0.042),
            "old_cadre": np.where(is_comm, 0.006, 0.002),
            "old_model_worker": np.full(n, 0.0012),
        }
        draws = rng.random((n, len(p) + 2))
        flags = {code: draws[:, i] < prob for i, (code, prob) in enumerate(p.items())}
        vacant = draws[:, len(p)] < np.where(apartment, 0.055, 0.035)
        mobile = ~vacant & (draws[:, len(p) + 1] < np.where(is_comm, 0.035, 0.012))
        flags["vacant"] = vacant
        flags["mobile"] = mobile
        phone_draw = rng.random(n)
        for i, h in enumerate(self.households):
            h.tags = [_TAG[c] for c in TARGET_TAGS if c in flags and bool(flags[c][i])]
            empty = 0.45 if vacant[i] else 0.07
            h.phone = "" if phone_draw[i] < empty else self.people.mobile()

    # -- cadres -------------------------------------------------------------------------

    def cadres(self) -> list[dict[str, Any]]:
        """Draw the cadres: county leaders, township cadres, village cadres, grid workers."""
        rng, people = self.rng, self.people
        gov = self.fixed["示范镇人民政府"]
        rows: list[dict[str, Any]] = []

        def add(rank: str, unit: str, base: _Arr, hours: int, days: int,
                name: str | None = None, phone: str | None = None) -> None:
            rows.append({"rank": rank, "unit": unit, "base": np.asarray(base, dtype=float),
                         "hours": hours, "days": days, "name": name or people.person(),
                         "phone": phone or people.mobile()})

        county = ["县人大常委会", "县委组织部", "县人民政府", "县人民政府", "县政协", "县纪委监委",
                  "县委宣传部", "县委政法委"]
        for i, unit in enumerate(county):
            add(_RANK["division"] if i == 0 else _RANK["deputy_division"], unit, gov, 2,
                10 if rng.random() < 0.3 else 8)
        town = [("示范镇党委", "section"), ("示范镇人民政府", "section"),
                ("示范镇人大主席团", "section")]
        town += [("示范镇党委", "deputy_section")] * 4 + [("示范镇人民政府", "deputy_section")] * 4
        town += [("示范镇人民武装部", "deputy_section")]
        bureaus = ("县农业农村局", "县民政局", "县住房和城乡建设局", "县卫生健康局",
                   "县教育和体育局")
        town += [(u, "section" if rng.random() < 0.4 else "deputy_section") for u in bureaus]
        town += [("示范镇派出所", "deputy_section"), ("示范镇卫生院", "deputy_section"),
                 ("示范镇中心学校", "deputy_section")]
        for unit, rank in town:
            base = self.fixed.get(unit, self.offices_at.get(unit, gov))
            add(_RANK[rank], unit, base, 3 if rng.random() < 0.85 else 2, 10)
        offices = ["示范镇党政办公室", "示范镇经济发展办公室", "示范镇社会事务办公室",
                   "示范镇综合治理办公室", "示范镇财政所", "示范镇农业综合服务中心", "示范镇文化站",
                   "示范镇便民服务中心", "示范镇派出所", "示范镇司法所", "示范镇市场监督管理所",
                   "示范镇自然资源所", "示范镇中心学校", "示范镇卫生院", "县民政局", "县农业农村局",
                   "县住房和城乡建设局", "县人力资源和社会保障局"]
        weights = np.array([8, 6, 6, 6, 5, 6, 3, 4, 6, 3, 3, 3, 4, 4, 2, 2, 2, 2], dtype=float)
        picks = rng.choice(len(offices), size=72, p=weights / weights.sum())
        for i in sorted(picks.tolist()):
            unit = offices[i]
            base = self.fixed.get(unit, self.offices_at.get(unit, gov))
            r = rng.random()
            add(_RANK["clerk"], unit, base, 3 if r < 0.8 else 4, 8 if rng.random() < 0.15 else 10)
        # village and community cadres: every place one, the bigger ones two
        places = list(range(len(self.places)))
        second = set(sorted(places, key=lambda i: -self.places[i].size)[: 35 - len(places)])
        for i in places:
            p = self.places[i]
            office = p.office if p.office is not None else p.centre
            unit = f"{p.name}{'居委会' if p.kind == 'community' else '村委会'}"
            for _ in range(2 if i in second else 1):
                home = office + rng.uniform(-120.0, 120.0, 2)
                add(_RANK["village_cadre"], unit, home, 3 if rng.random() < 0.6 else 4,
                    20 if rng.random() < 0.5 else 10,
                    name=people.person(p.surname, p.share) if p.surname else None)
        # grid workers: the ones of 15 grids, based at home in their grid
        gws = sorted(rng.choice(len(self.grids.rings), size=15, replace=False).tolist())
        by_grid: dict[int, list[_Target]] = {}
        for h in self.households:
            by_grid.setdefault(h.grid, []).append(h)
        for g in gws:
            name, phone = self.grid_workers[g]
            homes = by_grid.get(g) or []
            home = homes[int(rng.integers(len(homes)))].xy if homes else \
                np.asarray(self.grids.polys[g].representative_point().coords[0])
            add(_RANK["grid_worker"], "示范镇社会治安综合治理中心", home, 4, 20, name=name,
                phone=phone)
        # balance: the roster covers a 10-day push only just (5–9 % spare)
        workload = len(self.households) * HOUSEHOLD_MINUTES + len(self.units) * UNIT_MINUTES
        clerks = [r for r in rows if r["rank"] == _RANK["clerk"]]

        def capacity() -> int:
            return sum(r["hours"] * min(r["days"], PUSH_DAYS) * 60 for r in rows)

        for _ in range(500):
            ratio = capacity() / workload
            if 1.05 <= ratio <= 1.09:
                break
            c = clerks[int(rng.integers(len(clerks)))]
            if ratio < 1.05 and c["hours"] < 4:
                c["hours"] += 1
            elif ratio > 1.09 and c["hours"] > 2:
                c["hours"] -= 1
        self.workload = workload
        self.capacity = capacity()
        return rows

    # -- output -------------------------------------------------------------------------

    def to_lonlat(self, xy: _Arr) -> tuple[_Arr, _Arr]:
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        lon, lat = self.to_wgs.transform(xy[:, 0], xy[:, 1])
        return np.asarray(lon), np.asarray(lat)


def _ring_json(lon: _Arr, lat: _Arr) -> str:
    return "[" + ",".join(f"[{x:.7f},{y:.7f}]" for x, y in zip(lon, lat, strict=True)) + "]"


def _feature(props: dict[str, Any], geom: str) -> str:
    return ('{"type":"Feature","properties":' + json.dumps(props, ensure_ascii=False)
            + ',"geometry":' + geom + "}")


def _write_collection(path: Path, name: str, features: list[str]) -> None:
    text = ('{"type":"FeatureCollection","name":' + json.dumps(name, ensure_ascii=False)
            + ',"features":[\n' + ",\n".join(features) + "\n]}\n")
    path.write_bytes(text.encode("utf-8"))


def _csv_bytes(header: list[str], rows: list[list[str]], encoding: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def _xlsx_bytes(sheet: str, header: list[str], rows: list[list[Any]],
                widths: list[int]) -> bytes:
    """Write an xlsx workbook with fixed timestamps: equal content gives equal bytes."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for r in rows:
        ws.append(r)
    for i, wdt in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = wdt
    ws.freeze_panes = "A2"
    wb.properties.creator = f"{TOWNSHIP}党政办公室"
    wb.properties.lastModifiedBy = f"{TOWNSHIP}党政办公室"
    wb.properties.created = _FIXED_TIME
    raw = io.BytesIO()
    wb.save(raw)
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:modified|created)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + stamp + rb"\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            dst.writestr(zi, body)
    return out.getvalue()


_TARGET_HEADER: Final = ["编号", "姓名", "类型", "地址", "电话", "经度", "纬度", "标签", "网格"]
_CADRE_HEADER: Final = ["编号", "姓名", "级别", "单位", "电话", "基地经度", "基地纬度", "每日小时",
                        "可用天数"]


def generate_demo(out_dir: Path, *, seed: int = DEFAULT_SEED) -> DemoFiles:
    """Write the demo township's input files into ``out_dir``.

    Parameters
    ----------
    out_dir
        Directory to write into (created if missing). Existing files of the same names are
        overwritten.
    seed
        Seed of the random generator. The same seed gives the same bytes in every file.

    Returns
    -------
    DemoFiles
        The paths written and a dict of counts.

    Notes
    -----
    Coordinates: grids, roads and cadre bases are WGS-84 degrees; household and unit
    points are GCJ-02 degrees (as picked on an Amap web map). See the ``README.md``
    written beside the files for the deliberate defects of the grid file.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    b = _Builder(seed)
    b.layout()
    b.seat_layout()
    b.seat_units()
    # communities (blocks in the seat frame; bisectors of the grid seeds are the streets)
    b.community(0, [("bungalows", (-700.0, -350.0, 0.0, 290.0)),
                    ("bungalows", (-350.0, 0.0, 0.0, 290.0)),
                    ("bungalows", (-700.0, -350.0, 290.0, 600.0)),
                    ("apartments", (-350.0, 0.0, 290.0, 600.0))],
                floors=(5, 6), bungalow_share=0.55)
    b.community(1, [("apartments", (350.0, 700.0, 0.0, 290.0)),
                    ("apartments", (0.0, 350.0, 0.0, 290.0)),
                    ("bungalows", (0.0, 350.0, 290.0, 600.0)),
                    ("bungalows", (350.0, 700.0, 290.0, 600.0))],
                floors=(5, 6, 6), bungalow_share=0.4)
    b.community(2, [("apartments", (-350.0, 0.0, -700.0, -250.0)),
                    ("apartments", (0.0, 350.0, -700.0, -250.0)),
                    ("apartments", (0.0, 350.0, -1050.0, -700.0)),
                    ("apartments", (-350.0, 0.0, -1050.0, -700.0)),
                    ("bungalows", (-700.0, -350.0, -700.0, -250.0)),
                    ("bungalows", (-700.0, -350.0, -1050.0, -700.0)),
                    ("bungalows", (350.0, 700.0, -1050.0, -700.0))],
                floors=(6, 6, 11), bungalow_share=0.25)
    for p_i, p in enumerate(b.places):
        if p.kind == "village":
            b.village(p_i)
    b.seat_more_units()
    b.tag_units()
    b.tag_households()
    cadres = b.cadres()
    counts = _write_all(b, out_dir, cadres)
    return DemoFiles(out_dir=out_dir, grids=out_dir / "grids.geojson",
                     households=out_dir / "households.csv", units=out_dir / "units.xlsx",
                     cadres=out_dir / "cadres.csv", roads=out_dir / "roads.geojson",
                     readme=out_dir / "README.md", counts=counts)


def _grid_code(b: _Builder, g: int) -> str:
    return f"G{b.grids.place[g] + 1:02d}-{b.grids.number[g]}"


def _write_all(b: _Builder, out_dir: Path, cadres: list[dict[str, Any]]) -> dict[str, int]:
    grids = b.grids
    # grids.geojson
    feats = []
    for g, ring in enumerate(grids.rings):
        p = b.places[grids.place[g]]
        closed = np.vstack([ring, ring[:1]])
        lon, lat = b.to_lonlat(closed)
        props = {"编号": _grid_code(b, g), "名称": f"{p.name}第{grids.number[g]}网格",
                 "村": p.name, "乡镇": TOWNSHIP, "村标签": p.tag,
                 "网格员": b.grid_workers[g][0], "网格员电话": b.grid_workers[g][1]}
        feats.append(_feature(props, '{"type":"Polygon","coordinates":['
                              + _ring_json(lon, lat) + "]}"))
    order = sorted(range(len(feats)), key=lambda g: (grids.place[g], grids.number[g]))
    _write_collection(out_dir / "grids.geojson", f"{TOWNSHIP}网格", [feats[g] for g in order])

    # households.csv (GBK, GCJ-02)
    hh = sorted(b.households, key=lambda h: h.sort)
    xy = np.asarray([h.xy for h in hh])
    lon, lat = b.to_lonlat(xy)
    glon, glat = wgs84_to_gcj02(lon, lat)
    rows = []
    for i, h in enumerate(hh):
        rows.append([f"H{i + 1:06d}", h.name, h.kind, h.address, h.phone, f"{glon[i]:.6f}",
                     f"{glat[i]:.6f}", "、".join(h.tags), _grid_code(b, h.grid)])
    (out_dir / "households.csv").write_bytes(_csv_bytes(_TARGET_HEADER, rows, "gbk"))

    # units.xlsx (GCJ-02)
    kind_order = [_K_ORGAN, _K_PUBLIC, _K_SCHOOL, _K_HEALTH_CENTRE, _K_CLINIC,
                  _K_VILLAGE_CLINIC, _K_MARKET, _K_ENTERPRISE, _K_SHOP]
    units = sorted(b.units, key=lambda t: (kind_order.index(t.kind), t.grid, t.name))
    uxy = np.asarray([t.xy for t in units])
    lon, lat = b.to_lonlat(uxy)
    glon, glat = wgs84_to_gcj02(lon, lat)
    urows: list[list[Any]] = []
    for i, t in enumerate(units):
        urows.append([f"U{i + 1:04d}", t.name, t.kind, t.address, t.phone,
                      round(float(glon[i]), 6), round(float(glat[i]), 6), "、".join(t.tags),
                      _grid_code(b, t.grid)])
    (out_dir / "units.xlsx").write_bytes(
        _xlsx_bytes("走访对象", _TARGET_HEADER, urows, [8, 34, 10, 36, 15, 13, 12, 12, 9]))

    # cadres.csv (UTF-8 with BOM, WGS-84 bases)
    bxy = np.asarray([c["base"] for c in cadres])
    lon, lat = b.to_lonlat(bxy)
    crow = []
    for i, c in enumerate(cadres):
        crow.append([f"C{i + 1:03d}", c["name"], c["rank"], c["unit"], c["phone"],
                     f"{lon[i]:.6f}", f"{lat[i]:.6f}", str(c["hours"]), str(c["days"])])
    (out_dir / "cadres.csv").write_bytes(_csv_bytes(_CADRE_HEADER, crow, "utf-8-sig"))

    # roads.geojson
    roads = _node(list(b.roads.values()) + b.extra_roads)
    feats = []
    ends: list[tuple[str, str]] = []
    for r in roads:
        lon, lat = b.to_lonlat(r.coords)
        feats.append(_feature({"名称": r.name, "highway": r.highway},
                              '{"type":"LineString","coordinates":' + _ring_json(lon, lat) + "}"))
        ends.append((f"{lon[0]:.7f},{lat[0]:.7f}", f"{lon[-1]:.7f},{lat[-1]:.7f}"))
    if _components(ends) != 1:  # pragma: no cover
        raise RuntimeError("the road network is not connected")
    _write_collection(out_dir / "roads.geojson", f"{TOWNSHIP}道路", feats)

    counts = _counts(b, hh, units, cadres, len(roads))
    (out_dir / "README.md").write_bytes(_readme(b, counts).encode("utf-8"))
    return counts


def _components(ends: list[tuple[str, str]]) -> int:
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


def _counts(b: _Builder, hh: list[_Target], units: list[_Target],
            cadres: list[dict[str, Any]], n_roads: int) -> dict[str, int]:
    c: dict[str, int] = {
        "grids": len(b.grids.rings),
        "villages": sum(p.kind == "village" for p in b.places),
        "communities": sum(p.kind == "community" for p in b.places),
        "households": len(hh),
        "household_points": len({(round(float(h.xy[0]), 3), round(float(h.xy[1]), 3))
                                 for h in hh}),
        "units": len(units),
    }
    groups = {"enterprises": (_K_ENTERPRISE,), "shops": (_K_SHOP,), "schools": (_K_SCHOOL,),
              "health": (_K_HEALTH_CENTRE, _K_CLINIC, _K_VILLAGE_CLINIC),
              "markets": (_K_MARKET,), "institutions": (_K_ORGAN, _K_PUBLIC)}
    for key, kinds in groups.items():
        c[key] = sum(t.kind in kinds for t in units)
    c["cadres"] = len(cadres)
    for code, (_lvl, names) in RANKS.items():
        n = sum(r["rank"] == names[0] for r in cadres)
        if n:
            c[f"cadres_{code}"] = n
    c["road_features"] = n_roads
    for code, label in _TAG.items():
        c[f"tag_{code}"] = sum(label in t.tags for t in list(hh) + list(units))
    c["workload_minutes"] = int(b.workload)
    c["capacity_minutes"] = int(b.capacity)
    c["capacity_minutes_all_days"] = int(sum(r["hours"] * r["days"] * 60 for r in cadres))
    return c


def _readme(b: _Builder, c: dict[str, int]) -> str:
    g = b.grids
    gap_a, gap_b = (_grid_code(b, i) for i in g.gap_pair)
    ov_a, ov_b = (_grid_code(b, i) for i in g.overlap_pair)
    bad = _grid_code(b, g.invalid)

    def where(poly: Any) -> str:
        lon, lat = b.to_lonlat(np.asarray(poly.centroid.coords))
        return f"{lon[0]:.5f}, {lat[0]:.5f}"

    pts = c["household_points"]
    parts = sorted(p.area for p in shapely.get_parts(g.polys[g.invalid]))
    lobe = parts[0] if len(parts) > 1 else 0.0
    weak = "、".join(p.name for p in b.places if p.tag == _WEAK_VILLAGE)
    villages = ", ".join(f"{p.name} {sum(h.place == i for h in b.households)}"
                         for i, p in enumerate(b.places))
    return f"""# {TOWNSHIP} — demo input files (seed {b.seed})

A fictional rural township of the North China plain around 116.6° E, 37.4° N, about
12 km × 9 km: a town seat (镇驻地) with {c['communities']} urban communities and
{c['villages']} villages strung along a provincial road (省道S316), county roads
(县道X031, X035, X038) and township roads (乡道Y107, Y109). Names and phone numbers are
invented.

Generated by `zoufang.demo.generate.generate_demo(out_dir, seed={b.seed})` (the `zoufang demo`
command); the same seed gives the same bytes in every file.

## Files

| file | content | encoding | coordinates |
| --- | --- | --- | --- |
| `grids.geojson` | {c['grids']} grids (网格) | UTF-8 | WGS-84 |
| `households.csv` | {c['households']} households ({pts} points) | GBK, CRLF | **GCJ-02** |
| `units.xlsx` | {c['units']} units (sheet 走访对象) | xlsx | **GCJ-02** |
| `cadres.csv` | {c['cadres']} visiting cadres (走访干部) | UTF-8 with BOM, CRLF | WGS-84 |
| `roads.geojson` | {c['road_features']} road segments with 名称 and highway | UTF-8 | WGS-84 |

- `grids.geojson` properties: 编号, 名称, 村, 乡镇, 村标签, 网格员, 网格员电话.
- `households.csv` and `units.xlsx` have the columns 编号, 姓名, 类型, 地址, 电话, 经度, 纬度,
  标签, 网格. In `units.xlsx` 姓名 holds the unit's name. 标签 joins several tags with "、".
  网格 is the 编号 of the grid holding the true point.
- Household and unit points are **GCJ-02**, as if picked on an Amap web map: convert them
  to WGS-84 before comparing them with the grids. Apartment households share the point of
  their building.
- `cadres.csv` has 编号, 姓名, 级别, 单位, 电话, 基地经度, 基地纬度 (WGS-84), 每日小时,
  可用天数. Bases are the town government or the cadre's office; village cadres and grid
  workers start from home in their village.
- `roads.geojson` holds LineStrings with 名称 (empty for tracks and compound lanes) and
  highway (primary, secondary, tertiary, residential, track). Lines are split at every
  junction, so they meet at shared end vertices and the network is connected.

## Deliberate defects of `grids.geojson`

Real grid files are imperfect; this one has exactly three defects:

1. a sliver **gap** of {g.gap.area:.0f} m² between grids {gap_a} and {gap_b}, in open
   fields near {where(g.gap)} (lon, lat), with no target in it;
2. an **overlap** of {g.overlap.area:.0f} m² between grids {ov_a} and {ov_b}, in open
   fields near {where(g.overlap)}, with no target in it;
3. grid {bad} is **invalid**: its ring crosses itself in a 12 m bow-tie on the township
   boundary near {where(Point(g.bowtie))}. `shapely.make_valid` repairs it into a
   MultiPolygon (the grid and a {lobe:.0f} m² lobe outside the township); the repaired grid
   holds all its targets.

Apart from these, the grids tile the township: neighbours share their edges vertex for
vertex, and every target lies at least 3 m inside its grid.

## Villages, tags and ranks

- Households per village or community: {villages}.
- 经济薄弱村: {weak}. 有征收安置任务的社区: 安居社区.
- Household tags: 信访户 {c['tag_petitioner']}, 困难户 {c['tag_hardship']}, 征迁户
  {c['tag_displaced']} (安居社区 and the village next to it), 建档立卡户
  {c['tag_poor_registered']} (concentrated in the 经济薄弱村), 老党员
  {c['tag_old_party_member']}, 老干部 {c['tag_old_cadre']}, 老模范
  {c['tag_old_model_worker']}, 空关户 {c['tag_vacant']}, 流动户 {c['tag_mobile']}.
- Units: {c['enterprises']} enterprises ({c['tag_listed_enterprise']} 列统企业), {c['shops']}
  shops, {c['schools']} schools, {c['health']} health centre and clinics, {c['markets']}
  markets, {c['institutions']} institutions.
- Cadres: {c.get('cadres_division', 0)} 正处级, {c.get('cadres_deputy_division', 0)} 副处级,
  {c.get('cadres_section', 0)} 正科级, {c.get('cadres_deputy_section', 0)} 副科级,
  {c.get('cadres_clerk', 0)} 科员, {c.get('cadres_village_cadre', 0)} 村干部,
  {c.get('cadres_grid_worker', 0)} 网格员 (the grid workers named in the grid file).

## Workload and capacity

At {HOUSEHOLD_MINUTES} min per household and {UNIT_MINUTES} min per unit the workload is
{c['workload_minutes']} min ({c['workload_minutes'] / 60:.0f} h). The cadres' 每日小时 ×
min(可用天数, {PUSH_DAYS}) give {c['capacity_minutes']} min
({c['capacity_minutes'] / 60:.0f} h) in a {PUSH_DAYS}-day push: enough only just, before
travel time ({c['capacity_minutes_all_days'] / 60:.0f} h over all their available days).
"""
