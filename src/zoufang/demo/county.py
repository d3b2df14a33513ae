"""A demo county (示范县): several different townships, generated and built in one store.

:func:`county_townships` chooses, for ``n`` townships, a name, a seed and a centre each:
township ``i`` is drawn with seed ``seed + i`` (so its outline, villages, their names and
sizes, households, units and cadres differ) around its own centre, the centres lying on
a grid about 15 km × 12 km apart, so the townships are different places side by side.
The first township is the demo township itself (示范镇, the demo's seed and centre).

:func:`generate_county` writes each township's files into ``out_dir/<name>/`` with
:func:`zoufang.demo.generate.generate_demo`; :func:`build_county` imports them into one
store through the ordinary importers (grids, households, units, cadres, each with its
township named) and creates the campaign of every township — planning is left to
``zoufang plan areas --township all`` (:mod:`zoufang.campaign.fanout`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from zoufang.demo._common import CENTRE, TOWNSHIP

__all__ = ["COUNTY", "CountyTownship", "build_county", "county_townships",
           "generate_county"]

#: Name of the fictional county.
COUNTY: Final = "示范县"

#: Names of the county's townships after the first (示范镇), in order.
_NAMES: Final = (
    "柳河镇", "石桥镇", "杏园乡", "王庄镇", "高集乡", "东湖街道", "河口镇", "马营乡",
    "青山镇", "双庙乡", "孙店镇", "李楼乡", "沙河镇", "花园街道", "白马镇", "大营乡",
    "龙泉镇", "新庄乡", "黄集镇", "张寨乡", "刘桥镇", "北关街道", "南湖镇", "梁山乡",
)
#: Spacing of the township centres, degrees (about 15 km east-west, 12 km north-south).
_DLON: Final = 0.17
_DLAT: Final = 0.11


@dataclass(frozen=True)
class CountyTownship:
    """One township of the demo county: its name, seed and centre (lon, lat)."""

    name: str
    seed: int
    centre: tuple[float, float]


def county_townships(n: int, seed: int) -> list[CountyTownship]:
    """Return the ``n`` townships of the county for ``seed`` (the first is 示范镇).

    Raises
    ------
    ValueError
        If ``n`` is not between 1 and the number of names there are.
    """
    if not 1 <= n <= len(_NAMES) + 1:
        raise ValueError(f"--townships: expected 1 to {len(_NAMES) + 1}, got {n}")
    cols = math.ceil(math.sqrt(n))
    out = []
    for i in range(n):
        row, col = divmod(i, cols)
        centre = CENTRE if i == 0 else (round(CENTRE[0] + col * _DLON, 4),
                                        round(CENTRE[1] - row * _DLAT, 4))
        out.append(CountyTownship(TOWNSHIP if i == 0 else _NAMES[i - 1], seed + i, centre))
    return out


def generate_county(out_dir: Path, n: int, *, seed: int) -> dict[str, object]:
    """Write the files of ``n`` townships into ``out_dir/<name>/``; return them by name."""
    from zoufang.demo.generate import generate_demo

    files: dict[str, object] = {}
    for t in county_townships(n, seed):
        files[t.name] = generate_demo(Path(out_dir) / t.name, seed=t.seed, name=t.name,
                                      centre=t.centre)
    return files


def build_county(out_dir: Path, n: int, *, db_url: str, seed: int,
                 campaign: str) -> list[dict[str, object]]:
    """Generate the county and import every township into the store ``db_url``.

    Each township gets the campaign ``campaign`` with the default phases (once). Returns
    one dict per township: its name and the import reports (as dicts).
    """
    from sqlalchemy import select

    from zoufang.campaign.imports.importer import import_cadres, import_grids, import_targets
    from zoufang.campaign.phases import create_campaign
    from zoufang.campaign.store import Township, open_store
    from zoufang.demo.generate import DemoFiles

    files = generate_county(out_dir, n, seed=seed)
    store = open_store(db_url)
    out: list[dict[str, object]] = []
    try:
        for name, f in files.items():
            assert isinstance(f, DemoFiles)
            reports = [import_grids(store, f.grids, township=name),
                       import_targets(store, f.households, crs="gcj02", township=name),
                       import_targets(store, f.units, crs="gcj02", township=name),
                       import_cadres(store, f.cadres, township=name)]
            with store.session() as s:
                town = s.scalars(select(Township).where(Township.name == name)).one()
                create_campaign(s, town.id, campaign, year=2022)  # once: it is kept
            out.append({"township": name, "imports": [r.to_dict() for r in reports]})
    finally:
        store.dispose()
    return out
