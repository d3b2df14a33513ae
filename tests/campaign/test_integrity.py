"""Visit integrity flags, phone spot checks and hotspots on hand-built cases.

Distances at 37.4° N: 0.001° of longitude ≈ 88.4 m, 0.001° of latitude ≈ 111.0 m.
T1 (116.603, 37.403) → T4 (116.605, 37.415) ≈ 1,344 m.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from zoufang._errors import ValidationError
from zoufang.campaign.hotspots import find_hotspots, lookback
from zoufang.campaign.integrity import (
    draw_spot_checks,
    list_flags,
    record_spot_check,
    run_checks,
)
from zoufang.campaign.issues import record_issue
from zoufang.campaign.store import IntegrityFlag, Target, Visit

from .ledger_world import TARGETS, World

D = dt.datetime


def _visits(w: World, rows: list[tuple[str, str, D, str, str, float | None, float | None]]
            ) -> list[int]:
    """Add visits (target, cadre, at, mode, outcome, gps lon, gps lat) as stored rows."""
    out = []
    with w.store.session() as s:
        for t, c, at, mode, outcome, lon, lat in rows:
            v = Visit(township_id=w.township_id, target_id=w.targets[t], cadre_id=w.cadres[c],
                      at=at, mode=mode, outcome=outcome, lon=lon, lat=lat)
            s.add(v)
            s.flush()
            out.append(v.id)
    return out


def _flags(w: World) -> list[dict[str, object]]:
    with w.store.session() as s:
        run_checks(s, w.township_id)
    with w.store.session() as s:
        return list_flags(s, w.township_id)


def test_gps_far_from_target(territory: World) -> None:
    """An in-home visit ≈ 442 m from its target is flagged; one 9 m off or by phone is not.

    The far visit is 0.005° east of T1 (≈ 442 m); a phone visit's GPS point says nothing about
    the visit.
    """
    lon, lat = TARGETS["T1"][3], TARGETS["T1"][4]
    far, near, phone = _visits(territory, [
        ("T1", "C3", D(2022, 3, 1, 10), "in_home", "visited", lon + 0.005, lat),
        ("T1", "C3", D(2022, 3, 2, 10), "in_home", "visited", lon + 0.0001, lat),
        ("T1", "C3", D(2022, 3, 3, 10), "phone", "visited", lon + 0.05, lat)])
    flags = [f for f in _flags(territory) if f["code"] == "gps_far"]
    assert [f["visit_id"] for f in flags] == [far]
    assert flags[0]["value"] == pytest.approx(442, abs=2)
    assert flags[0]["target"] == "T1" and flags[0]["cadre"] == "C3"
    assert "more than 300 m" in str(flags[0]["message"])


def test_impossible_speed(territory: World) -> None:
    """A move between two visits at an impossible speed is flagged on the later visit.

    T1 at 10:00 then T4 (≈ 1,344 m away) at 10:01 is ≈ 81 km/h: flagged on the T4 visit;
    T4 → T5 (88 m) is under the minimum move; T5 → T1 in two hours is slow enough.
    """
    _a, b, _c, _d = _visits(territory, [
        ("T1", "C3", D(2022, 3, 1, 10, 0), "in_home", "visited", None, None),
        ("T4", "C3", D(2022, 3, 1, 10, 1), "in_home", "visited", None, None),
        ("T5", "C3", D(2022, 3, 1, 10, 2), "in_home", "visited", None, None),
        ("T1", "C3", D(2022, 3, 1, 12, 2), "in_home", "visited", None, None)])
    flags = [f for f in _flags(territory) if f["code"] == "speed"]
    assert [f["visit_id"] for f in flags] == [b]
    assert flags[0]["value"] == pytest.approx(80.6, abs=1.0)


@pytest.mark.parametrize("n,expected", [(6, 0), (7, 1)])
def test_too_many_visits_per_hour(territory: World, n: int, expected: int) -> None:
    """Too many in-home visits in an hour are flagged: 6 in an hour pass, 7 are flagged once.

    The visits are every 8 minutes between T1 and T2 (88 m); there is one flag per burst.
    """
    rows = [("T1" if k % 2 else "T2", "C3", D(2022, 3, 1, 19) + dt.timedelta(minutes=8 * k),
             "in_home", "visited", None, None) for k in range(n)]
    ids = _visits(territory, rows)
    flags = [f for f in _flags(territory) if f["code"] == "rate"]
    assert len(flags) == expected
    if expected:
        assert flags[0]["visit_id"] == ids[0] and flags[0]["value"] == 7
        assert "7 in-home visits" in str(flags[0]["message"])
    assert not [f for f in _flags(territory) if f["code"] == "speed"]


def _thirty(w: World, days: int = 5, not_home: int = 0) -> list[int]:
    rows = []
    for d in range(days):
        for k in range(6):
            outcome = "not_home" if len(rows) < not_home else "visited"
            rows.append(("T1" if k % 2 else "T2", "C3",
                         D(2022, 3, 1 + d, 18) + dt.timedelta(minutes=15 * k), "in_home",
                         outcome, None, None))
    return _visits(w, rows)


def test_uniform_outcomes_flagged(territory: World) -> None:
    """30 visits on 5 days, all "visited" and not one issue: both uniformity flags."""
    _thirty(territory)
    codes = sorted(f["code"] for f in _flags(territory))
    assert codes == ["no_issue", "uniform_outcome"]


def test_one_issue_clears_no_issue_flag(territory: World) -> None:
    """One issue in those 30 visits and the no-issue flag goes (all-visited stays)."""
    ids = _thirty(territory)
    with territory.store.session() as s:
        record_issue(s, visit_id=ids[3], category="其他", responsibility="镇村", text="x",
                     actor="杨三")
    assert sorted(f["code"] for f in _flags(territory)) == ["uniform_outcome"]


@pytest.mark.parametrize("days,not_home", [(4, 0), (5, 1)])
def test_realistic_pattern_not_flagged(territory: World, days: int, not_home: int) -> None:
    """Four days of visits, or one resident not at home (29 visited), flag nothing."""
    _thirty(territory, days=days, not_home=not_home)
    assert _flags(territory) == []


def test_rerun_replaces_flags_and_keeps_visits(territory: World) -> None:
    """Running the checks twice keeps one set of flags; no visit is deleted or changed."""
    _thirty(territory)
    _flags(territory)
    _flags(territory)
    with territory.store.session() as s:
        assert s.scalar(select(func.count()).select_from(IntegrityFlag)) == 2
        assert s.scalar(select(func.count()).select_from(Visit)) == 30


# ------------------------------------------------------------------ spot checks

def test_spot_sample_stratified_and_reproducible(world: World) -> None:
    """The spot-check sample draws one visit per grid × cadre stratum, the same for the same seed.

    It draws from completed visits of targets with a phone, by grid × cadre: G1/C1 (T1), G1/C2
    (T1 in April), G2/C1 (T3, T6), G4/C2 (E1). One per stratum gives 4; the same seed draws the
    same visits; a stored sample is returned as stored; a March range drops G1/C2.
    """
    with world.store.session() as s:
        a = draw_spot_checks(s, world.township_id, seed=7, sample="a")
        b = draw_spot_checks(s, world.township_id, seed=7, sample="b")
        assert sorted(c.stratum for c in a) == ["G1/C1", "G1/C2", "G2/C1", "G4/C2"]
        assert [c.visit_id for c in a] == [c.visit_id for c in b]
        assert [c.id for c in draw_spot_checks(s, world.township_id, seed=99, sample="a")
                ] == [c.id for c in a]
        assert len(draw_spot_checks(s, world.township_id, seed=7, share=1.0, sample="all")
                   ) == 5
        march = draw_spot_checks(s, world.township_id, seed=7, start=dt.date(2022, 3, 1),
                                 end=dt.date(2022, 3, 31))
        assert sorted(c.stratum for c in march) == ["G1/C1", "G2/C1", "G4/C2"]
        assert march[0].sample == "seed7-2022-03-01-2022-03-31"
        picks = {draw_spot_checks(s, world.township_id, seed=k, sample=f"s{k}")[2].visit_id
                 for k in range(12)}
    assert picks == {world.visits["T3"], world.visits["T6"]}  # G2/C1 draws either


def test_spot_result_recorded_once(world: World) -> None:
    """A spot-check result is recorded once and never overwritten; a denied visit is flagged.

    A denied visit becomes a spot_check flag; an unknown result names the accepted ones.
    """
    with world.store.session() as s:
        checks = draw_spot_checks(s, world.township_id, seed=1)
        c = record_spot_check(s, checks[0].id, "不属实", checked_by="督导组", note="说没人来过")
        assert (c.result, c.checked_by) == ("not_confirmed", "督导组")
        with pytest.raises(ValidationError, match="never overwritten"):
            record_spot_check(s, checks[0].id, "属实", checked_by="督导组")
        with pytest.raises(ValidationError, match="confirmed"):
            record_spot_check(s, checks[1].id, "maybe", checked_by="督导组")
        flags = list_flags(s, world.township_id, code="spot_check")
    assert len(flags) == 1 and flags[0]["visit_id"] == checks[0].visit_id
    assert "说没人来过" in str(flags[0]["message"])
    with world.store.session() as s:  # re-running the checks keeps spot-check flags
        run_checks(s, world.township_id)
        assert len(list_flags(s, world.township_id, code="spot_check")) == 1


# ------------------------------------------------------------------ hotspots

@pytest.fixture
def hot(world: World) -> World:
    """The world plus T7 ≈ 71 m from T1, and 居住环境 issues at T2 and T7 (T1 has I1)."""
    with world.store.session() as s:
        t1 = s.get(Target, world.targets["T1"])
        t7 = Target(township_id=world.township_id, ext_id="T7", name="吴十", kind="household",
                    lon=116.6035, lat=37.4035, grid_id=t1.grid_id, placement="inside")
        s.add(t7)
        s.flush()
        world.targets["T7"] = t7.id
        for t in ("T2", "T7"):
            world.issues[f"L{t}"] = record_issue(
                s, target_id=world.targets[t], category="居住环境", responsibility="镇村",
                text="路灯不亮", actor="热线", channel="hotline", at=D(2022, 3, 8)).id
    return world


def test_hotspot_by_distance(hot: World) -> None:
    """Issues of one category from targets within 200 m of each other form one hotspot.

    I1 (T1, closed), T2 and T7 raised 居住环境 within 200 m of each other: one hotspot of 3
    targets; I2 (基本医疗, T1) is not in it; 4 targets needed → none; open only → 2 targets →
    none.
    """
    with hot.store.session() as s:
        (h,) = find_hotspots(s, hot.township_id)
        assert h.issue_ids == sorted([hot.issues["I1"], hot.issues["LT2"], hot.issues["LT7"]])
        assert (h.label, h.open_issues, h.grids) == ("居住环境", 2, ["G1"])
        assert h.radius_m is not None and h.radius_m < 100
        assert find_hotspots(s, hot.township_id, min_targets=4) == []
        assert find_hotspots(s, hot.township_id, open_only=True) == []
        assert len(find_hotspots(s, hot.township_id, distance_m=50)) == 0


def test_hotspot_by_grid_and_lookback(hot: World) -> None:
    """Hotspots also form by grid, and a target's look-back shows the issues and hotspots nearby.

    By grid the same three form G1's hotspot; T2's look-back shows its own issue and the
    hotspot, T4's (1.3 km away) shows neither.
    """
    with hot.store.session() as s:
        (h,) = find_hotspots(s, hot.township_id, by="grid")
        assert len(h.target_ids) == 3 and h.by == "grid"
        back = lookback(s, hot.township_id, hot.targets["T2"])
        assert [i["text"] for i in back["issues"]] == ["路灯不亮"]
        assert [x["key"] for x in back["hotspots"]] == [f"living_environment-{hot.issues['I1']}"]
        far = lookback(s, hot.township_id, hot.targets["T4"])
        assert far["hotspots"] == [] and [i["category"] for i in far["issues"]] == [
            "public_security"]
        with pytest.raises(ValueError, match="expected to be in"):
            find_hotspots(s, hot.township_id, by="village")
