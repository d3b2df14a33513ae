"""Tests of the area planner's geodata adapter: GeoDataFrames to a plain AreaProblem.

``_frames`` builds two 500 m grids in UTM 50N (near 117 E, 36 N), four targets and two
cadres, handed over in WGS-84 as a planner's files would be: the expected metres,
minutes and rule bits are worked out by hand from those numbers.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from zoufang.planner.areas import AreaInputError
from zoufang.planner.areas.adapter import (
    DEFAULT_SERVICE_MINUTES,
    build_area_problem,
    grid_adjacency,
    travel_minutes,
)


def test_grid_adjacency_shared_edge_corner_and_gap() -> None:
    """A shared edge and a 0.5 m gap make neighbours; a shared corner does not."""
    polys = [box(0, 0, 100, 100), box(100, 0, 200, 100), box(200.5, 0, 300, 100),
             box(300, 100, 400, 200)]
    adj = grid_adjacency(polys, tolerance_m=1.0)
    assert adj == [[1], [0, 2], [1], []]


def test_travel_minutes_half_way_to_two_nearest() -> None:
    """Three points 70 m apart in a row: ends walk (70+140)/2, the middle 70 m."""
    x = np.array([0.0, 70.0, 140.0])
    out = travel_minutes(x, np.zeros(3), np.zeros(3, dtype=int), speed_m_per_min=70.0,
                         detour=1.0)
    assert out.tolist() == pytest.approx([1.5, 1.0, 1.5])


def _frames(**cadre_cols: list) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Two 500 m grids (UTM 50N near 117 E, 36 N), four targets, two cadres; WGS-84."""
    x0, y0 = 500_000.0, 4_000_000.0
    grids = gpd.GeoDataFrame(
        {"grid_id": ["A", "B"], "village": ["东村", "西村"], "village_tags": ["经济薄弱村", ""]},
        geometry=[box(x0, y0, x0 + 500, y0 + 500), box(x0 + 500, y0, x0 + 1000, y0 + 500)],
        crs=32650)
    targets = gpd.GeoDataFrame(
        {"kind": ["居民家庭", "企业", "商铺", "household"],
         "tags": ["建档立卡户", "列统企业", "", ""], "grid": ["A", "B", None, "A"]},
        geometry=[Point(x0 + 100, y0 + 100), Point(x0 + 600, y0 + 100),
                  Point(x0 + 900, y0 + 400), Point(x0 + 120, y0 + 130)],
        crs=32650).to_crs(4326)
    cols = {"cadre_id": ["C1", "C2"], "rank": ["副处级", "科员"], "hours_per_day": [8, 4],
            "days": [10, 5]}
    cols.update(cadre_cols)
    cadres = gpd.GeoDataFrame(cols, geometry=[Point(x0, y0), Point(x0 + 1000, y0)],
                              crs=32650).to_crs(4326)
    return targets, grids.to_crs(4326), cadres


def test_build_area_problem_from_geodataframes() -> None:
    """Kinds become service minutes, tags rules, hours x 60 x days capacity, in metres."""
    targets, grids, cadres = _frames()
    p = build_area_problem(targets, grids, cadres)
    t = p.targets
    assert t.service_min.tolist() == [DEFAULT_SERVICE_MINUTES["household"],
                                      DEFAULT_SERVICE_MINUTES["enterprise"],
                                      DEFAULT_SERVICE_MINUTES["shop"], 20.0]
    assert t.grid.tolist() == [0, 1, 1, 0]  # the third by point-in-polygon
    assert t.has_rule("poor_registered").tolist() == [True, False, False, False]
    assert t.has_rule("listed_enterprise").tolist() == [False, True, False, False]
    assert [c.capacity_min for c in p.cadres] == [4800.0, 1200.0]
    assert [c.rank_level for c in p.cadres] == [4, 1]
    assert p.grids[0].neighbours == (1,) and p.grids[0].tags == {"weak_village"}
    d = np.hypot(t.x[1] - t.x[0], t.y[1] - t.y[0])
    assert d == pytest.approx(500.0, abs=0.5)  # metres, not degrees
    assert (t.travel_min > 0).all()


def test_build_area_problem_lists_every_bad_row() -> None:
    """Unknown kind, unknown grid and a cadre with zero hours are all reported at once."""
    targets, grids, cadres = _frames(hours_per_day=[8, 0])
    targets.loc[0, "kind"] = "飞船"
    targets.loc[1, "grid"] = "Z"
    with pytest.raises(AreaInputError) as err:
        build_area_problem(targets, grids, cadres)
    text = str(err.value)
    assert "row 1, field 'kind'" in text
    assert "row 2, field 'grid'" in text and "Unknown grid id" in text
    assert "zero hours" in text and "C2" in text


def test_build_area_problem_refuses_frames_without_crs() -> None:
    """A frame without CRS is an error, not a guess."""
    targets, grids, cadres = _frames()
    targets = targets.set_crs(None, allow_override=True)
    with pytest.raises(AreaInputError, match="Expected a CRS"):
        build_area_problem(targets, grids, cadres)


def test_capacity_from_the_availability_model() -> None:
    """Given usable minutes (households only in the evening), they replace hours x days.

    C1: 8 h x 10 days = 4,800 min by the old rule, but only 10 evenings of 180 min;
    C2: 4 h x 5 days = 1,200 min, 5 evenings of 180 min (its hours do not bind).
    """
    import dataclasses
    import datetime as dt

    from zoufang.planner.availability import phase_days, usable_minutes
    from zoufang.planner.schedule import ScheduleSettings

    rules = dataclasses.replace(ScheduleSettings(), windows={
        **ScheduleSettings().windows, "household": {"workday": ["18:00-21:00"], "weekend": []}})
    mon = dt.date(2024, 3, 4)
    workdays = [d for d in phase_days(mon, mon + dt.timedelta(days=13)) if d.weekday() < 5]
    caps = [usable_minutes(workdays[:10], rules, 8, ["household"]),
            usable_minutes(workdays[:5], rules, 4, ["household"])]
    assert caps == [1800.0, 900.0]
    targets, grids, cadres = _frames()
    p = build_area_problem(targets, grids, cadres, capacity_min=caps)
    assert [c.capacity_min for c in p.cadres] == [1800.0, 900.0]
