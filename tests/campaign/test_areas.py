"""Visit areas from the store: plan, store, re-plan with locks, shortfall, refusals, 安排表, CLI.

The township is built inline and imported through the ordinary importers, on SQLite and
on PostgreSQL/PostGIS:

- ``town``: 3 x 3 square grids of 0.01 deg (about 885 m x 1,110 m) near 116.6 E, 37.4 N,
  three villages of three grids each (乙村, the middle row, is an economically weak
  village, 经济薄弱村); 16 households on a 4 x 4 lattice per grid (144), one of them a
  registered poor household (建档立卡户) in G1; one listed enterprise (列统企业) in G5;
  six cadres (one deputy-division 副处级, who must make the weak-village and
  listed-enterprise visits), 3 h a day for 10 days against a workload of about 60 h: no
  shortfall. Capacity is usable visiting time under the default routing settings (the
  availability model): 40 h each, see ``test_plan_stored_one_to_one``.
- the same with 1 h x 2 days per cadre and no weekend override of the hours (2 h each,
  12 h in all): a shortfall of about 50 h.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
import shapely
from click.testing import CliRunner
from sqlalchemy import delete, func, select, update

from zoufang.campaign.areas import (
    NoPlanError,
    cadre_target_ids,
    current_plan,
    lock,
    plan_campaign,
    unlock,
)
from zoufang.campaign.arrangement import ARRANGEMENT_HEADERS, write_arrangement
from zoufang.campaign.imports.importer import import_cadres, import_grids, import_targets
from zoufang.campaign.phases import create_campaign
from zoufang.campaign.routes import save_settings
from zoufang.campaign.store import (
    AreaPlan,
    AreaTarget,
    Cadre,
    Campaign,
    MustGoAssignment,
    Store,
    Target,
    Township,
    VisitArea,
)
from zoufang.cli import main
from zoufang.planner.areas import AreaInputError, InfeasibleAreasError

from .imports.test_importer import CADRE_HEAD, HEAD, write_csv

LON0, LAT0, STEP = 116.60, 37.40, 0.01
CAMPAIGN = "2024年大走访"


def grid_file(path: Path, *, weak: bool = True) -> Path:
    """3 x 3 grids G1..G9 (row by row from the south-west), villages 甲村/乙村/丙村 by row."""
    ids, villages, tags, geoms = [], [], [], []
    for r in range(3):
        for c in range(3):
            ids.append(f"G{r * 3 + c + 1}")
            villages.append("甲村乙村丙村"[2 * r:2 * r + 2])
            tags.append("经济薄弱村" if (weak and r == 1) else "")
            geoms.append(shapely.box(LON0 + c * STEP, LAT0 + r * STEP,
                                     LON0 + (c + 1) * STEP, LAT0 + (r + 1) * STEP))
    gpd.GeoDataFrame({"编号": ids, "名称": [f"{i}网格" for i in ids], "村": villages,
                      "乡镇": ["测试镇"] * 9, "村标签": tags},
                     geometry=geoms, crs="EPSG:4326").to_file(path, driver="GeoJSON")
    return path


def household_rows(prefix: str = "H", offset: float = 0.0, per_side: int = 4,
                   grids: range = range(9)) -> list[list[str]]:
    """A per_side x per_side lattice of households in each grid (G1's first is poor)."""
    rows = []
    d = STEP / per_side
    for g in grids:
        r, c = divmod(g, 3)
        for i in range(per_side):
            for j in range(per_side):
                n = len(rows) + 1
                lon = LON0 + c * STEP + d / 2 + i * d + offset
                lat = LAT0 + r * STEP + d / 2 + j * d + offset
                tag = "建档立卡户" if (prefix == "H" and n == 1) else ""
                rows.append([f"{prefix}{n:03d}", f"户主{n}", "居民家庭", f"测试村{n}号",
                             "", f"{lon:.6f}", f"{lat:.6f}", tag, ""])
    return rows


def cadre_rows(hours: str = "3", days: str = "10", *, senior: bool = True,
               n: int = 6) -> list[list[str]]:
    """``n`` cadres with bases spread over the grids; C1 is deputy-division if ``senior``."""
    rows = []
    for k in range(n):
        r, c = divmod(k, 3)
        rank = "副处级" if (k == 0 and senior) else ("正科级" if k == 1 else "科员")
        rows.append([f"C{k + 1}", f"干部{k + 1}", rank, "测试镇政府", f"1380000{k + 1:04d}",
                     f"{LON0 + (c + 0.5) * STEP:.4f}", f"{LAT0 + (r + 1) * STEP:.4f}",
                     hours, days])
    return rows


def build_town(store: Store, tmp: Path, *, hours: str = "3", days: str = "10",
               senior: bool = True, cadres: bool = True, weak: bool = True) -> None:
    """Import the test township and create the campaign (see the module docstring)."""
    import_grids(store, grid_file(tmp / "grids.geojson", weak=weak))
    rows = household_rows()
    rows.append(["E001", "宏达机械厂", "企业", "工业园1号", "", f"{LON0 + 1.5 * STEP:.6f}",
                 f"{LAT0 + 1.45 * STEP:.6f}", "列统企业", ""])
    import_targets(store, write_csv(tmp / "targets.csv", rows, head=HEAD))
    if cadres:
        import_cadres(store, write_csv(tmp / "cadres.csv",
                                       cadre_rows(hours, days, senior=senior),
                                       head=CADRE_HEAD))
    with store.session() as s:
        town = s.scalars(select(Township)).one()
        create_campaign(s, town.id, CAMPAIGN, year=2024)


def counts(store: Store) -> dict[str, int]:
    """Rows of the area tables."""
    with store.session() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
                for m in (AreaPlan, VisitArea, AreaTarget, MustGoAssignment)}


def assignment(store: Store) -> dict[str, str]:
    """Target id (编号) -> cadre id (编号) of the campaign's present assignment."""
    with store.session() as s:
        return dict(s.execute(select(Target.ext_id, VisitArea.cadre_ext_id)
                              .join(AreaTarget, AreaTarget.target_id == Target.id)
                              .join(VisitArea, VisitArea.id == AreaTarget.area_id)).all())


@pytest.fixture
def town(store: Store, tmp_path: Path) -> Store:
    """The store with the test township (enough hours) and its campaign."""
    build_town(store, tmp_path)
    return store


# ------------------------------------------------------------------ plan and store


def test_plan_stored_one_to_one(town: Store) -> None:
    """One area per cadre, every target in exactly one area, figures and must-go stored."""
    res = plan_campaign(town, time_limit_s=10, seed=0)
    assert res.status == "current" and res.kind == "plan"
    assert res.n_areas == 6 and res.n_targets == 145
    assert sorted(a["cadre_id"] for a in res.areas) == [f"C{i}" for i in range(1, 7)]
    assert sorted(a["number"] for a in res.areas) == [1, 2, 3, 4, 5, 6]
    assert sum(a["targets"] for a in res.areas) == 145
    assert all(a["targets"] > 0 and a["contiguous"] for a in res.areas)
    assert res.ok, res.violations
    assert res.figures["covered_pct"] == 100.0
    assert res.figures["balance_max"] <= 0.10
    assert res.shortfall is None and res.feasible
    # capacity, by the availability model and the default routing settings, over the
    # visit phase 1-31 March 2024 (21 workdays, 10 weekend days):
    # - a workday: households 18:00-21:00 ∪ the enterprise 15:00-17:30 (its 14:00-17:30
    #   within the cadres' 15:00-21:00) = 330 min, capped at the cadre's 3 h = 180 min;
    # - a weekend day: households 09:00-12:00 + 14:00-18:00 within the cadres' 09:00-18:00;
    #   the cadre is out 6 h (the settings' weekend hours override its own 3 h, as for
    #   routes) in one stretch, waiting included: 12:00-18:00 (or 09:00-15:00) covers
    #   240 min of the windows;
    # - 10 days available = the cadre's best 10 days of the phase = the 10 weekend days:
    #   10 x 4 h = 40 h each (hours x days would say 30 h).
    assert all(a["capacity_h"] == 40.0 for a in res.areas)
    assert res.capacity_h == 240.0 and 50 < res.workload_h < 75
    cap = res.capacity
    assert cap["model"] == "availability" and cap["phase"] == "visit"
    assert (cap["days"], cap["workdays"], cap["weekend_days"]) == (31, 21, 10)
    assert cap["usable_h_per_day"] == {"3": {"weekend": 4.0}}
    assert cap["cadres"]["C1"] == {"days_available": 10, "days_counted": 10,
                                   "hours_per_day": 3.0, "usable_h": 40.0,
                                   "hours_x_days_h": 30.0}
    assert "usable visiting time" in res.summary()
    mg = {m["rule"]: (m["n_items"], m["n_covered"]) for m in res.mustgo}
    assert mg["weak_village"] == (1, 1) and mg["listed_enterprise"] == (1, 1)
    assert mg["poor_registered"] == (1, 1)
    c = counts(town)
    assert c == {"area_plans": 1, "visit_areas": 6, "area_targets": 145,
                 "mustgo_assignments": 3}
    with town.session() as s:
        senior = set(s.scalars(select(MustGoAssignment.cadre_ext_id).where(
            MustGoAssignment.rule.in_(["weak_village", "listed_enterprise"]))).all())
        cid = s.scalar(select(Cadre.id).where(Cadre.ext_id == "C1"))
        camp = s.scalar(select(Campaign.id))
        mine = cadre_target_ids(s, camp, cid)
    assert senior == {"C1"}  # the only deputy-division cadre
    got = assignment(town)
    assert len(got) == 145 and set(got.values()) == {f"C{i}" for i in range(1, 7)}
    assert mine is not None and len(mine) == res.areas[[a["cadre_id"] for a in
                                                        res.areas].index("C1")]["targets"]
    # the area's grids and villages are named as the users know them
    a = res.areas[0]
    assert set(a["grids"]) <= {f"G{i}" for i in range(1, 10)}
    assert set(a["villages"]) <= {"甲村", "乙村", "丙村"}
    assert current_plan(town).to_dict() == res.to_dict()


def test_same_seed_same_plan(town: Store) -> None:
    """Planning twice from scratch with one seed pairs every target with the same cadre."""
    plan_campaign(town, time_limit_s=10, seed=3)
    first = assignment(town)
    with town.session() as s:  # forget the plan so the second run is a fresh one too
        s.execute(delete(AreaTarget))
        s.execute(delete(MustGoAssignment))
        s.execute(delete(VisitArea))
        s.execute(delete(AreaPlan))
    plan_campaign(town, time_limit_s=10, seed=3)
    assert assignment(town) == first


def test_replan_keeps_locked_pairs_and_most_others(town: Store, tmp_path: Path) -> None:
    """C2 locked, C4 deactivated, C5 deleted, 9 households added: locked kept 100 %.

    The old plan stays (superseded) with its areas; the new plan absorbs the new
    households, gives C4's and C5's targets to others, and keeps the other pairs.
    """
    first = plan_campaign(town, time_limit_s=10)
    before = assignment(town)
    locked = lock(town, cadre="C2")
    assert locked["locked"] and locked["cadre_id"] == "C2" and not locked["repaired"]
    by_area = lock(town, area=next(a["number"] for a in first.areas if a["cadre_id"] == "C3"))
    assert by_area["cadre_id"] == "C3"
    with town.session() as s:
        s.execute(update(Cadre).where(Cadre.ext_id == "C4").values(active=False))
        s.execute(delete(Cadre).where(Cadre.ext_id == "C5"))
    new = household_rows("N", offset=0.0004, per_side=1)  # one new household per grid
    import_targets(town, write_csv(tmp_path / "new.csv", new, head=HEAD))

    res = plan_campaign(town, time_limit_s=10)
    after = assignment(town)
    assert res.n_areas == 4 and res.n_targets == 154
    assert sorted(a["cadre_id"] for a in res.areas) == ["C1", "C2", "C3", "C6"]
    for cid in ("C2", "C3"):
        old = {t for t, c in before.items() if c == cid}
        assert old and all(after[t] == cid for t in old)  # locked: all kept
        assert {a["cadre_id"]: a["locked"] for a in res.areas}[cid]
        assert {t for t, c in after.items() if c == cid} - old <= {r[0] for r in new}
    assert res.figures["locked_kept_pct"] == 100.0
    assert res.figures["kept_pct"] >= 80.0
    assert res.churn is not None and res.churn["from_departed_cadres"] > 0
    assert res.churn["new_targets"] == 9
    assert all(r[0] in after for r in new)
    assert res.left_out["cadres_inactive"] == ["C4"]
    assert res.previous_id == first.plan_id
    # history: the first plan is superseded, its areas kept (C5's row too, cadre id NULL)
    with town.session() as s:
        statuses = dict(s.execute(select(AreaPlan.id, AreaPlan.status)).all())
        old_areas = s.execute(select(VisitArea.cadre_ext_id, VisitArea.cadre_id).where(
            VisitArea.plan_id == first.plan_id)).all()
    assert statuses == {first.plan_id: "superseded", res.plan_id: "current"}
    assert len(old_areas) == 6 and dict(old_areas)["C5"] is None
    # a cadre keeps its area number across re-plans
    num = {a["cadre_id"]: a["number"] for a in first.areas}
    assert all(a["number"] == num[a["cadre_id"]] for a in res.areas)
    # unlock: the pair may change again
    assert not unlock(town, cadre="C3")["locked"]
    assert [a["cadre_id"] for a in current_plan(town).areas if a["locked"]] == ["C2"]


def test_lock_with_area_re_pairs(town: Store) -> None:
    """`lock C6 --area N` of another cadre's area swaps the two cadres' areas and locks."""
    first = plan_campaign(town, time_limit_s=10)
    before = assignment(town)
    other = next(a for a in first.areas if a["cadre_id"] == "C1")
    r = lock(town, cadre="C6", area=other["number"])
    assert r["repaired"] and r["locked"] and r["number"] == other["number"]
    res = current_plan(town)
    assert res.kind == "repair" and res.previous_id == first.plan_id
    after = assignment(town)
    swap = {"C6": "C1", "C1": "C6"}
    assert after == {t: swap.get(c, c) for t, c in before.items()}
    # the must-go visits stay with the cadre they were given to
    with town.session() as s:
        mg = set(s.scalars(select(MustGoAssignment.cadre_ext_id).where(
            MustGoAssignment.plan_id == res.plan_id,
            MustGoAssignment.rule == "listed_enterprise")).all())
    assert mg == {"C1"}


# ------------------------------------------------------------------ shortfall, refusals


def test_shortfall_reported_and_stored(store: Store, tmp_path: Path) -> None:
    """1 h x 2 days per cadre cannot cover ~60 h of work: the plan says how much is missing.

    Without the weekend override of the hours every day holds the cadre's 1 h (windows
    of 180 min or more on every day), so its best 2 days are 2 h: 12 h in all.
    """
    build_town(store, tmp_path, hours="1", days="2")
    save_settings(store, {"cadre_hours": {"weekend": None}})
    res = plan_campaign(store, time_limit_s=10)
    sf = res.shortfall
    assert sf is not None and not res.feasible
    assert sf["capacity_h"] == 12.0
    assert sf["cadre_hours_missing"] == pytest.approx(sf["workload_h"] - 12.0, rel=1e-3)
    assert sf["cadre_hours_missing"] > 40
    assert {g["grid"] for g in sf["grids_at_risk"]} == {f"G{i}" for i in range(1, 10)}
    assert "SHORTFALL" in res.summary() and "cadre-hours missing" in res.summary()
    with store.session() as s:
        stored = s.scalar(select(AreaPlan.shortfall))
    assert stored["cadre_hours_missing"] == sf["cadre_hours_missing"]
    assert counts(store)["area_targets"] == 145  # still a complete plan


def test_push_phase_caps_days(town: Store) -> None:
    """--phase push caps the cadres' 10 days at the push's days; a 4-day push shortens.

    1-4 March 2024 is Friday to Monday: two workdays of 3 h (180 min of windows or more
    within the cadres' 15:00-21:00) and two weekend days of 4 h (see the first test):
    14 h each.
    """
    with town.session() as s:
        camp = s.scalars(select(Campaign)).one()
        push = next(p for p in camp.phases if p.kind == "push")
        push.end = push.start.replace(day=push.start.day + 3)  # 4 days
    res = plan_campaign(town, time_limit_s=10, phase="push")
    assert res.phase_kind == "push" and res.phase_days == 4
    assert all(a["capacity_h"] == 14.0 for a in res.areas)
    assert plan_campaign(town, time_limit_s=10, phase="集中走访").phase_kind == "push"
    with pytest.raises(AreaInputError) as err:
        plan_campaign(town, time_limit_s=10, phase="harvest")
    assert "no 'harvest' phase" in str(err.value)


def test_capacity_households_in_the_evening_a_holiday_and_tiaoxiu(town: Store) -> None:
    """Households only in the evening, a holiday and a 调休 Saturday, worked out by hand.

    The push, 1-10 March 2024: Friday 1, Monday 4 to Thursday 7, and Saturday 9 (调休) are
    workdays (6); Saturday 2, Sunday 3, Friday 8 (a holiday) and Sunday 10 are weekend
    days (4). Households 18:00-21:00 on workdays only, the enterprise in office hours on
    workdays only: a workday holds 18:00-21:00 ∪ 15:00-17:30 = 330 min within the cadres'
    15:00-21:00, capped at 3 h = 180 min; a weekend day holds no target window at all.
    Each cadre (10 days available, so all 10 days): 6 x 3 h = 18 h, not 3 h x 10 = 30 h.
    """
    save_settings(town, {"windows": {"household": {"workday": ["18:00-21:00"],
                                                   "weekend": []}},
                         "holidays": ["2024-03-08"], "workdays": ["2024-03-09"]})
    res = plan_campaign(town, time_limit_s=10, phase="push")
    assert all(a["capacity_h"] == 18.0 for a in res.areas)
    cap = res.capacity
    assert (cap["workdays"], cap["weekend_days"]) == (6, 4)
    assert cap["holidays"] == ["2024-03-08"] and cap["make_up_workdays"] == ["2024-03-09"]
    assert cap["cadres"]["C2"]["usable_h"] == 18.0
    assert cap["cadres"]["C2"]["hours_x_days_h"] == 30.0
    assert res.shortfall is None            # ~60 h of work against 108 h


@pytest.mark.parametrize("case,words", [
    ("no_cadres", "No visiting cadres"),
    ("zero_hours", "No visiting cadre has hours"),
    ("mustgo", "no cadre has that rank"),
])
def test_infeasible_input_stores_nothing(store: Store, tmp_path: Path, case: str,
                                         words: str) -> None:
    """No cadres, zero hours for all, must-go without an eligible rank: a message, no rows."""
    build_town(store, tmp_path, cadres=case != "no_cadres",
               hours="0" if case == "zero_hours" else "3", senior=case != "mustgo")
    err_type = InfeasibleAreasError if case == "mustgo" else AreaInputError
    with pytest.raises(err_type) as err:
        plan_campaign(store, time_limit_s=5)
    assert isinstance(err.value, ValueError)
    assert words in str(err.value)
    assert counts(store) == {"area_plans": 0, "visit_areas": 0, "area_targets": 0,
                             "mustgo_assignments": 0}


def test_infeasible_replan_keeps_current_plan(town: Store) -> None:
    """A refused re-plan (the only deputy-division cadre left) leaves the current plan as is."""
    first = plan_campaign(town, time_limit_s=10)
    before = counts(town)
    with town.session() as s:
        s.execute(update(Cadre).where(Cadre.ext_id == "C1").values(active=False))
    with pytest.raises(InfeasibleAreasError) as err:
        plan_campaign(town, time_limit_s=5)
    assert "deputy_division" in str(err.value)
    assert counts(town) == before and current_plan(town).plan_id == first.plan_id


def test_zero_hour_cadre_left_out_with_warning(town: Store, tmp_path: Path) -> None:
    """One cadre with zero hours gets no area and is named; the others share the work."""
    rows = cadre_rows()
    rows[5][7] = "0"
    import_cadres(town, write_csv(tmp_path / "cadres.csv", rows, head=CADRE_HEAD))
    res = plan_campaign(town, time_limit_s=10)
    assert res.n_areas == 5 and res.left_out["cadres_zero_hours"] == ["C6"]
    assert any("zero hours" in w and "C6" in w for w in res.warnings)


def test_targets_outside_grids_reported_declared_planned(town: Store, tmp_path: Path) -> None:
    """A target outside every grid is left out and named; one with only a 网格 is planned."""
    rows = [["X001", "远户", "居民家庭", "", "", f"{LON0 - 0.005:.6f}", f"{LAT0 + 0.005:.6f}",
             "", ""],
            ["D001", "无坐标户", "居民家庭", "", "", "", "", "", "G9"]]
    import_targets(town, write_csv(tmp_path / "odd.csv", rows, head=HEAD))
    with town.session() as s:
        placement = dict(s.execute(select(Target.ext_id, Target.placement).where(
            Target.ext_id.in_(["X001", "D001"]))).all())
    assert placement == {"X001": "outside", "D001": "declared"}
    res = plan_campaign(town, time_limit_s=10)
    assert res.n_targets == 146 and res.left_out["targets"]["first"] == ["X001"]
    assert any("in no grid" in w and "X001" in w for w in res.warnings)
    assert "left out: 1 targets in no grid" in res.summary()
    got = assignment(town)
    assert "D001" in got and "X001" not in got


def test_no_plan_yet(town: Store) -> None:
    """Show, lock and publish before any plan say so (NoPlanError, a ValueError)."""
    for call in (lambda: current_plan(town), lambda: lock(town, cadre="C1"),
                 lambda: write_arrangement(town, "x.csv")):
        with pytest.raises(NoPlanError) as err:
            call()
        assert isinstance(err.value, ValueError) and "plan areas" in str(err.value)


# ------------------------------------------------------------------ arrangement table


def test_arrangement_xlsx_and_csv(town: Store, tmp_path: Path) -> None:
    """The 安排表: Chinese headers, one row per area, counts add up, phones masked if asked."""
    res = plan_campaign(town, time_limit_s=10)
    arr = write_arrangement(town, tmp_path / "安排表.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "安排表.xlsx")
    ws = wb["安排表"]
    assert "走访人员与走访区域安排表" in ws.cell(row=1, column=1).value
    head = [c.value for c in ws[2]]
    assert head == list(ARRANGEMENT_HEADERS)
    assert head[:10] == ["序号", "走访人员", "单位", "级别", "联系电话", "走访区域", "网格",
                         "村(社区)", "户数", "企业数"]
    rows = [dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=3, values_only=True)]
    assert len(rows) == 6 == len(arr.rows)
    assert sum(r["户数"] for r in rows) == 144 and sum(r["企业数"] for r in rows) == 1
    assert [r["序号"] for r in rows] == [1, 2, 3, 4, 5, 6]
    senior = next(r for r in rows if r["人员编号"] == "C1")
    assert senior["级别"] == "副处级" and senior["联系电话"] == "13800000001"
    assert "经济薄弱村：乙村" in senior["必到对象"] and "列统企业：宏达机械厂" in senior["必到对象"]
    assert all(r["可用时间(小时)"] == 40.0 for r in rows)  # usable time: see the first test
    assert sum(r["工作量(小时)"] for r in rows) == pytest.approx(res.workload_h, abs=0.5)
    notes = dict(wb["说明"].iter_rows(min_row=2, values_only=True))
    assert notes["方案编号"] == res.plan_id and notes["检查"] == "通过"

    write_arrangement(town, tmp_path / "公示.csv", masked=True)
    raw = (tmp_path / "公示.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel opens it
    with (tmp_path / "公示.csv").open(encoding="utf-8-sig", newline="") as f:
        got = list(csv.reader(f))
    assert got[0] == list(ARRANGEMENT_HEADERS) and len(got) == 7
    phones = [r[4] for r in got[1:]]
    assert all(p.startswith("138") and "****" in p for p in phones)
    poor = next(r for r in got[1:] if "建档立卡户" in r[11])
    assert "户主1" not in poor[11] and "户*" in poor[11]  # residents' names masked
    with pytest.raises(ValueError, match=r"\.xlsx or \.csv"):
        write_arrangement(town, tmp_path / "x.txt")


# ------------------------------------------------------------------ CLI


def test_cli_plan_json_shape(town: Store) -> None:
    """`plan areas/lock/show/publish --json` print {"ok": true, ...}; errors the error shape."""
    db = town.url
    runner = CliRunner()
    r = runner.invoke(main, ["plan", "areas", "--db", db, "--time-limit", "10", "--seed", "1",
                             "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["ok"] is True and out["n_areas"] == 6 and len(out["areas"]) == 6
    assert {"figures", "violations", "shortfall", "mustgo", "churn", "left_out",
            "warnings", "plan_id"} <= set(out)
    assert {"number", "cadre_id", "cadre", "unit", "rank_label", "phone", "targets",
            "grids", "villages", "load_h", "total_h", "capacity_h", "commute_m",
            "locked"} <= set(out["areas"][0])
    assert out["figures"]["covered_pct"] == 100.0

    r = runner.invoke(main, ["plan", "lock", "C2", "--db", db, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["locked"]["cadre_id"] == "C2"
    r = runner.invoke(main, ["plan", "show", "--db", db, "--area", "1"])
    assert r.exit_code == 0 and "第1区" in r.output
    r = runner.invoke(main, ["plan", "areas", "--db", db, "--time-limit", "10"])
    assert r.exit_code == 0 and "locked kept 100.0 %" in r.output and "[锁定]" in r.output

    r = runner.invoke(main, ["plan", "lock", "C99", "--db", db, "--json"])
    assert r.exit_code == 1
    err = json.loads(r.output)
    assert set(err) == {"ok", "error", "errors", "status"} and err["ok"] is False
    assert err["status"] == 1 and err["errors"][0]["value"] == "C99"
    r = runner.invoke(main, ["plan", "publish", "--out", "x.pdf", "--db", db, "--json"])
    assert r.exit_code == 1 and json.loads(r.output)["ok"] is False


def test_cli_refusal_is_a_message_not_a_traceback(store: Store, tmp_path: Path) -> None:
    """Planning a township without cadres exits 1 with the message, in text and in JSON."""
    build_town(store, tmp_path, cadres=False)
    runner = CliRunner()
    r = runner.invoke(main, ["plan", "areas", "--db", store.url])
    assert r.exit_code == 1 and "No visiting cadres" in r.output
    assert "Traceback" not in r.output
    r = runner.invoke(main, ["plan", "areas", "--db", store.url, "--json"])
    out = json.loads(r.output)
    assert out["ok"] is False and "No visiting cadres" in out["errors"][0]["message"]
    assert counts(store)["area_plans"] == 0


def test_cli_create_campaign(store: Store, tmp_path: Path) -> None:
    """`--campaign NAME --create-campaign` creates the campaign with the default phases."""
    import_grids(store, grid_file(tmp_path / "g.geojson", weak=False))
    import_targets(store, write_csv(tmp_path / "t.csv", household_rows(), head=HEAD))
    import_cadres(store, write_csv(tmp_path / "c.csv", cadre_rows(n=3), head=CADRE_HEAD))
    runner = CliRunner()
    r = runner.invoke(main, ["plan", "areas", "--db", store.url, "--json"])
    assert r.exit_code == 1 and "no campaign" in json.loads(r.output)["error"]
    r = runner.invoke(main, ["plan", "areas", "--db", store.url, "--campaign", "春季走访",
                             "--create-campaign", "--year", "2025", "--time-limit", "5",
                             "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["campaign"] == "春季走访"


# ------------------------------------------------------------------ the demo township


@pytest.mark.slow
def test_demo_township_plan(tmp_path: Path) -> None:
    """The demo (12,700 targets, 150 cadres): a sound plan, then a re-plan with a lock.

    SQLite only; building the demo and the two solves take about 40 s. How fast the
    solve is, is measured by ``benchmarks/bench_areas.py``, not asserted here.
    """
    from zoufang.campaign.store import open_store
    from zoufang.demo.build import build_demo

    db = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    build_demo(tmp_path / "demo", db_url=db, routes=False)
    store = open_store(db)
    try:
        res = plan_campaign(store, time_limit_s=30)
        assert res.n_areas == 150 and res.ok, res.violations
        assert res.figures["covered_pct"] == 100.0 and res.figures["contiguous_pct"] == 100.0
        assert res.figures["balance_max"] <= 0.05
        assert all(m["n_covered"] == m["n_items"] for m in res.mustgo)
        lock(store, cadre=res.areas[0]["cadre_id"])
        with store.session() as s:
            s.execute(update(Cadre).where(Cadre.ext_id == res.areas[1]["cadre_id"])
                      .values(active=False))
        again = plan_campaign(store, time_limit_s=30)
        assert again.n_areas == 149 and again.ok, again.violations
        assert again.figures["locked_kept_pct"] == 100.0
        assert again.figures["kept_pct"] >= 95.0
    finally:
        store.dispose()
