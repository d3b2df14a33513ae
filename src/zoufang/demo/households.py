"""Households (居民家庭/农户): the houses of the villages and the flats of the communities.

A village is a row of lanes (巷) across its road with houses on both sides, two back
streets and, at a few lane ends, tracks into the fields; its households are numbered by
group (组). A community has bungalow lanes and apartment compounds whose flats share their
building's point. :func:`tag_households` then draws the tags (信访户, 困难户, ...) and the
phones. Every draw uses the township's generator, in the order of the calls.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from shapely.geometry import Point

from zoufang.demo._common import K_FARMER, K_RESIDENT, TAG, WEAK_VILLAGE, Arr
from zoufang.demo._geometry import at
from zoufang.demo.layout import HOUSE_SPACING, LANE_SPACING, lane_across_block
from zoufang.demo.names import cn_number
from zoufang.demo.roads import Road
from zoufang.demo.township import Target, Township
from zoufang.vocab import TARGET_TAGS

__all__ = ["community_households", "tag_households", "village_households"]

_Block = tuple[str, tuple[float, float, float, float]]

#: Blocks of each community in the seat frame, (kind, (x0, x1, y0, y1)) metres; the
#: bisectors of the grid seeds are the streets. Then the floors an apartment building may
#: have, and the share of households in bungalows.
_COMMUNITY_BLOCKS: Final[dict[str, tuple[list[_Block], tuple[int, ...], float]]] = {
    "镇中社区": (
        [("bungalows", (-700.0, -350.0, 0.0, 290.0)),
         ("bungalows", (-350.0, 0.0, 0.0, 290.0)),
         ("bungalows", (-700.0, -350.0, 290.0, 600.0)),
         ("apartments", (-350.0, 0.0, 290.0, 600.0))],
        (5, 6), 0.55),
    "幸福社区": (
        [("apartments", (350.0, 700.0, 0.0, 290.0)),
         ("apartments", (0.0, 350.0, 0.0, 290.0)),
         ("bungalows", (0.0, 350.0, 290.0, 600.0)),
         ("bungalows", (350.0, 700.0, 290.0, 600.0))],
        (5, 6, 6), 0.4),
    "安居社区": (
        [("apartments", (-350.0, 0.0, -700.0, -250.0)),
         ("apartments", (0.0, 350.0, -700.0, -250.0)),
         ("apartments", (0.0, 350.0, -1050.0, -700.0)),
         ("apartments", (-350.0, 0.0, -1050.0, -700.0)),
         ("bungalows", (-700.0, -350.0, -700.0, -250.0)),
         ("bungalows", (-700.0, -350.0, -1050.0, -700.0)),
         ("bungalows", (350.0, 700.0, -1050.0, -700.0))],
        (6, 6, 11), 0.25),
}

#: Names of the bungalow lanes of the communities, used in turn.
_BUNGALOW_LANE_NAMES: Final = (
    "东风巷", "和平巷", "胜利巷", "光明巷", "团结巷", "红旗巷", "向阳巷", "前进巷", "新风巷",
    "民主巷", "建新巷", "友谊巷", "幸福巷", "育英巷", "兴华巷", "振兴巷", "长青巷", "丰收巷",
    "富民巷", "安康巷", "永安巷", "太平巷", "仁和巷", "德胜巷",
)


def village_households(town: Township, p_i: int) -> Arr:
    """Draw the lanes, households, committee and tracks of village ``p_i``.

    Parameters
    ----------
    town
        The township; its ``households`` and ``extra_roads`` grow, the place gets its
        ``office`` (the village committee, base of the village cadres).
    p_i
        Index of the village in ``town.places``.

    Returns
    -------
    numpy.ndarray
        Offsets of the lanes along the road (metres): the frame
        :func:`zoufang.demo.units.village_units` places the village's units in.
    """
    rng, p = town.rng, town.places[p_i]
    lanes = p.lanes
    pos = (np.arange(lanes) - (lanes - 1) / 2.0) * LANE_SPACING
    reach = 0.5 * LANE_SPACING * lanes
    hi = reach * rng.uniform(0.75, 1.05, lanes)
    lo = reach * rng.uniform(0.75, 1.05, lanes)
    cand, meta = [], []
    for i in range(lanes):
        name = f"{p.name}{cn_number(i + 1)}巷"
        town.extra_roads.append(Road(at(p.centre, p.u, [pos[i], pos[i]], [-lo[i], hi[i]]),
                                     name, "residential"))
        for side in (-1, 1):
            for sgn, lim in ((1, hi[i]), (-1, lo[i])):
                j = 0
                while 14 + HOUSE_SPACING * j <= lim - 6:
                    t = sgn * (14 + HOUSE_SPACING * j)
                    cand.append((pos[i] + side * 7.0, t))
                    meta.append((i, t))
                    j += 1
    # two back streets parallel to the road, between the rows of houses
    back = 21.5 + HOUSE_SPACING * round(reach / 30.0)
    for sgn, word in ((1, "后街"), (-1, "前街")):
        town.extra_roads.append(Road(at(p.centre, p.u, [pos[0], pos[-1]],
                                        [sgn * back, sgn * back]), p.name + word,
                                     "residential"))
    st = np.asarray(cand)
    st = st + rng.uniform(-1.5, 1.5, st.shape)
    xy = at(p.centre, p.u, st[:, 0], st[:, 1])
    chosen, grids = town.take(xy, p.size, p_i)
    order = sorted(range(len(chosen)), key=lambda k: (meta[int(chosen[k])][0],
                                                      meta[int(chosen[k])][1]))
    n = len(order)
    n_groups = max(2, round(n / 90))
    per = math.ceil(n / n_groups)
    for rank, k in enumerate(order):
        c = int(chosen[k])
        group, num = divmod(rank, per)
        town.households.append(Target(
            xy=xy[c], name=town.people.person(p.surname, p.share), kind=K_FARMER,
            address=f"{town.name}{p.name}{group + 1}组{num + 1}号", phone="", tags=[],
            place=p_i, grid=int(grids[k]), sort=(p_i, rank)))
    # village committee (base of village cadres), a few lane ends lead to tracks
    p.office = at(p.centre, p.u, pos[lanes // 2 - 1] + 18.0, -30.0)[0]
    for _ in range(int(rng.integers(0, 2)) + (1 if p.size > 600 else 0)):
        i = int(rng.integers(lanes))
        sgn = 1 if rng.random() < 0.5 else -1
        start = hi[i] if sgn > 0 else lo[i]
        length = float(rng.uniform(300, 600))
        a = at(p.centre, p.u, pos[i], sgn * start)[0]
        b = at(p.centre, p.u, pos[i], sgn * (start + length))[0]
        if town.outline.buffer(-50).contains(Point(b)):
            town.extra_roads.append(Road(np.asarray([a, b]), None, "track"))
    return pos


def community_households(town: Township, p_i: int) -> None:
    """Draw the bungalow lanes (巷) and apartment compounds (楼) of community ``p_i``.

    About a share of the households live in bungalows spread over the community's
    bungalow blocks; the rest in apartment buildings that fill the apartment blocks
    compound by compound, all the flats of one building sharing the building's point.
    Lanes with households become roads.

    Parameters
    ----------
    town
        The township; its ``households`` and ``extra_roads`` grow.
    p_i
        Index of the community in ``town.places``.
    """
    rng, p = town.rng, town.places[p_i]
    blocks, floors, bungalow_share = _COMMUNITY_BLOCKS[p.name]
    fixed = np.asarray(list(town.fixed.values())) if town.fixed else np.zeros((0, 2))

    def clear(xy: Arr) -> bool:
        return len(fixed) == 0 or bool(np.min(np.hypot(*(fixed - xy).T)) > 45.0)

    bungalows: list[tuple[Arr, int, int]] = []  # xy, lane, number
    buildings: list[tuple[Arr, int, tuple[int, int, int]]] = []  # xy, lane, fill order
    lanes: list[tuple[float, float, float, str | None]] = []
    for b_i, (kind, (x0, x1, y0, y1)) in enumerate(blocks):
        if kind == "bungalows":
            y = y0 + 60.0
            while y < y1 - 30.0:
                name = _BUNGALOW_LANE_NAMES[len(town.lanes_named)
                                            % len(_BUNGALOW_LANE_NAMES)]
                town.lanes_named.append(name)
                lanes.append((x0, x1, y, name))
                num = 0
                for x in np.arange(x0 + 12.0, x1 - 11.0, 14.0):
                    for dy in (-7.0, 7.0):
                        num += 1
                        xy = town.seat_xy(x, y + dy)[0]
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
                        xy = town.seat_xy(x, y + dy)[0]
                        if clear(xy):
                            buildings.append((xy, len(lanes) - 1, (row, b_i, k)))
                    row += 1
                y += 75.0
    used_lanes: set[int] = set()
    n_bung = 0
    if bungalows:
        b_xy = np.asarray([b[0] for b in bungalows])
        chosen, grids = town.take(b_xy, int(round(p.size * bungalow_share)), p_i)
        for c, g in sorted(zip(chosen.tolist(), grids.tolist(), strict=True)):
            xy, lane, num = bungalows[c]
            used_lanes.add(lane)
            town.households.append(Target(
                xy=xy, name=town.people.person(), kind=K_RESIDENT,
                address=f"{town.name}{p.name}{lanes[lane][3]}{num}号", phone="", tags=[],
                place=p_i, grid=int(g), sort=(p_i, 0, c)))
            n_bung += 1
    total = n_bung
    if buildings:
        # each apartment block holds one compound, filled row by row to its share
        buildings.sort(key=lambda b: (b[2][1], b[2][0], b[2][2]))
        a_xy = np.asarray([b[0] for b in buildings])
        chosen, grids = town.take(a_xy, len(buildings), p_i, margin=5.0, ordered=True)
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
                        town.households.append(Target(
                            xy=buildings[c][0], name=town.people.person(),
                            kind=K_RESIDENT,
                            address=f"{town.name}{p.name}{b_no}号楼{unit}单元{floor}{flat:02d}",
                            phone="", tags=[], place=p_i, grid=int(g),
                            sort=(p_i, 1, b_no, unit, floor, flat)))
    for i in sorted(used_lanes):
        x0, x1, y, lane_name = lanes[i]
        town.extra_roads.append(lane_across_block(town.seat, town.seat_u, x0, x1, y,
                                                  town.x031, lane_name))


def tag_households(town: Township) -> None:
    """Draw every household's tags and phone (vacant households often have none)."""
    rng = town.rng
    n = len(town.households)
    place = np.asarray([h.place for h in town.households])
    kinds = [town.places[int(i)].kind for i in place]
    is_comm = np.asarray([k == "community" for k in kinds])
    weak = np.asarray([town.places[int(i)].tag == WEAK_VILLAGE for i in place])
    apartment = np.asarray(["号楼" in h.address for h in town.households])
    p = {
        "petitioner": np.full(n, 0.003),
        "hardship": np.where(weak, 0.06, 0.028),
        "displaced": np.where(place == 2, 0.40,
                              np.where(place == town.displaced_village, 0.10, 0.0)),
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
    for i, h in enumerate(town.households):
        h.tags = [TAG[c] for c in TARGET_TAGS if c in flags and bool(flags[c][i])]
        empty = 0.45 if vacant[i] else 0.07
        h.phone = "" if phone_draw[i] < empty else town.people.mobile()
