"""The visiting cadres (走访干部): county leaders, township cadres, village cadres, grid workers.

Each cadre has a rank (级别), a unit, a base (the office or, for village cadres and grid
workers, home), hours a day and days available. The clerks' hours are then balanced so
that the roster covers the workload of a 10-day push only just (5–9 % spare), before
travel time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from zoufang.demo._common import HOUSEHOLD_MINUTES, PUSH_DAYS, RANK, UNIT_MINUTES, Arr
from zoufang.demo.township import Target, Township

__all__ = ["Cadre", "capacity_minutes", "draw_cadres", "workload_minutes"]


@dataclass
class Cadre:
    """One row of ``cadres.csv`` before writing; ``base`` in metres of the local frame."""

    rank: str
    unit: str
    base: NDArray[np.float64]
    hours: int
    days: int
    name: str
    phone: str


def workload_minutes(n_households: int, n_units: int) -> int:
    """Return the visiting minutes of a campaign: 20 per household, 40 per unit."""
    return n_households * HOUSEHOLD_MINUTES + n_units * UNIT_MINUTES


def capacity_minutes(cadres: list[Cadre], days: int = PUSH_DAYS) -> int:
    """Return the cadres' minutes within a push of ``days`` days (每日小时 × 可用天数)."""
    return sum(c.hours * min(c.days, days) * 60 for c in cadres)


def draw_cadres(town: Township) -> list[Cadre]:
    """Draw the cadres: county leaders, township cadres, village cadres, grid workers.

    Parameters
    ----------
    town
        The township with all its targets drawn: the bases are its offices, villages and
        grids, and the workload its households and units.

    Returns
    -------
    list of Cadre
        The roster in the order of ``cadres.csv``.
    """
    rng, people = town.rng, town.people
    gov = town.fixed["示范镇人民政府"]
    rows: list[Cadre] = []

    def add(rank: str, unit: str, base: Arr, hours: int, days: int,
            name: str | None = None, phone: str | None = None) -> None:
        rows.append(Cadre(rank=rank, unit=unit, base=np.asarray(base, dtype=float),
                          hours=hours, days=days, name=name or people.person(),
                          phone=phone or people.mobile()))

    county = ["县人大常委会", "县委组织部", "县人民政府", "县人民政府", "县政协", "县纪委监委",
              "县委宣传部", "县委政法委"]
    for i, unit in enumerate(county):
        add(RANK["division"] if i == 0 else RANK["deputy_division"], unit, gov, 2,
            10 if rng.random() < 0.3 else 8)
    posts = [("示范镇党委", "section"), ("示范镇人民政府", "section"),
             ("示范镇人大主席团", "section")]
    posts += [("示范镇党委", "deputy_section")] * 4 + [("示范镇人民政府", "deputy_section")] * 4
    posts += [("示范镇人民武装部", "deputy_section")]
    bureaus = ("县农业农村局", "县民政局", "县住房和城乡建设局", "县卫生健康局",
               "县教育和体育局")
    posts += [(u, "section" if rng.random() < 0.4 else "deputy_section") for u in bureaus]
    posts += [("示范镇派出所", "deputy_section"), ("示范镇卫生院", "deputy_section"),
              ("示范镇中心学校", "deputy_section")]
    for unit, rank in posts:
        base = town.fixed.get(unit, town.offices_at.get(unit, gov))
        add(RANK[rank], unit, base, 3 if rng.random() < 0.85 else 2, 10)
    offices = ["示范镇党政办公室", "示范镇经济发展办公室", "示范镇社会事务办公室",
               "示范镇综合治理办公室", "示范镇财政所", "示范镇农业综合服务中心", "示范镇文化站",
               "示范镇便民服务中心", "示范镇派出所", "示范镇司法所", "示范镇市场监督管理所",
               "示范镇自然资源所", "示范镇中心学校", "示范镇卫生院", "县民政局", "县农业农村局",
               "县住房和城乡建设局", "县人力资源和社会保障局"]
    weights = np.array([8, 6, 6, 6, 5, 6, 3, 4, 6, 3, 3, 3, 4, 4, 2, 2, 2, 2], dtype=float)
    picks = rng.choice(len(offices), size=72, p=weights / weights.sum())
    for i in sorted(picks.tolist()):
        unit = offices[i]
        base = town.fixed.get(unit, town.offices_at.get(unit, gov))
        r = rng.random()
        add(RANK["clerk"], unit, base, 3 if r < 0.8 else 4, 8 if rng.random() < 0.15 else 10)
    # village and community cadres: every place one, the bigger ones two
    places = list(range(len(town.places)))
    second = set(sorted(places, key=lambda i: -town.places[i].size)[: 35 - len(places)])
    for i in places:
        p = town.places[i]
        office = p.office if p.office is not None else p.centre
        unit = f"{p.name}{'居委会' if p.kind == 'community' else '村委会'}"
        for _ in range(2 if i in second else 1):
            home = office + rng.uniform(-120.0, 120.0, 2)
            add(RANK["village_cadre"], unit, home, 3 if rng.random() < 0.6 else 4,
                20 if rng.random() < 0.5 else 10,
                name=people.person(p.surname, p.share) if p.surname else None)
    # grid workers: the ones of 15 grids, based at home in their grid
    gws = sorted(rng.choice(len(town.grids.rings), size=15, replace=False).tolist())
    by_grid: dict[int, list[Target]] = {}
    for h in town.households:
        by_grid.setdefault(h.grid, []).append(h)
    for g in gws:
        name, phone = town.grid_workers[g]
        homes = by_grid.get(g) or []
        home = homes[int(rng.integers(len(homes)))].xy if homes else \
            np.asarray(town.grids.polys[g].representative_point().coords[0])
        add(RANK["grid_worker"], "示范镇社会治安综合治理中心", home, 4, 20, name=name,
            phone=phone)
    # balance: the roster covers a 10-day push only just (5–9 % spare)
    workload = workload_minutes(len(town.households), len(town.units))
    clerks = [r for r in rows if r.rank == RANK["clerk"]]
    for _ in range(500):
        ratio = capacity_minutes(rows) / workload
        if 1.05 <= ratio <= 1.09:
            break
        c = clerks[int(rng.integers(len(clerks)))]
        if ratio < 1.05 and c.hours < 4:
            c.hours += 1
        elif ratio > 1.09 and c.hours > 2:
            c.hours -= 1
    return rows
