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
the end, so distances in the demo's modules are metres. The output is byte-for-byte identical
for a seed: one :class:`numpy.random.Generator` drives every draw in a fixed order, no
set or hash order is relied on, GeoJSON and CSV are written by hand, and the xlsx archive
gets fixed timestamps.

The work is split by concept: :mod:`~zoufang.demo.township` draws the layout
(:mod:`~zoufang.demo.layout`) and the grids (:mod:`~zoufang.demo.grids`);
:mod:`~zoufang.demo.households`, :mod:`~zoufang.demo.units` and
:mod:`~zoufang.demo.cadres` draw the people; :mod:`~zoufang.demo.writers` writes the
files and :mod:`~zoufang.demo.readme` the README. This module calls them in the fixed
order that makes the draws of a seed always the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from zoufang.demo._common import CENTRE, TOWNSHIP
from zoufang.demo.cadres import draw_cadres
from zoufang.demo.households import community_households, tag_households, village_households
from zoufang.demo.township import draw_township
from zoufang.demo.units import seat_more_units, seat_units, tag_units, village_units
from zoufang.demo.writers import write_files

__all__ = ["CENTRE", "DEFAULT_SEED", "TOWNSHIP", "DemoFiles", "generate_demo"]

#: The seed of the published demo (the first day of the 2022 campaign).
DEFAULT_SEED: Final = 20220301


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


def generate_demo(out_dir: Path, *, seed: int = DEFAULT_SEED, name: str = TOWNSHIP,
                  centre: tuple[float, float] = CENTRE) -> DemoFiles:
    """Write the demo township's input files into ``out_dir``.

    Parameters
    ----------
    out_dir
        Directory to write into (created if missing). Existing files of the same names are
        overwritten.
    seed
        Seed of the random generator. The same seed gives the same bytes in every file.
    name, centre
        The township's name and centre (WGS-84 lon, lat); default 示范镇 at
        116.6° E, 37.4° N (see :mod:`zoufang.demo.county` for a county of them).

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
    town = draw_township(seed, name=name, centre=centre)
    seat_units(town)
    for p_i, p in enumerate(town.places):
        if p.kind == "community":
            community_households(town, p_i)
    for p_i, p in enumerate(town.places):
        if p.kind == "village":
            village_units(town, p_i, village_households(town, p_i))
    seat_more_units(town)
    tag_units(town)
    tag_households(town)
    cadres = draw_cadres(town)
    counts = write_files(town, cadres, out_dir)
    return DemoFiles(out_dir=out_dir, grids=out_dir / "grids.geojson",
                     households=out_dir / "households.csv", units=out_dir / "units.xlsx",
                     cadres=out_dir / "cadres.csv", roads=out_dir / "roads.geojson",
                     readme=out_dir / "README.md", counts=counts)
