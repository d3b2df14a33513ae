"""Every measure definition on the hand-built world (ledger_world.py), answers by hand."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from zoufang.campaign.measures import compute_measures, weekly_summary

from .ledger_world import World

MARCH = dict(start=dt.date(2022, 3, 1), end=dt.date(2022, 3, 31))
D = dt.datetime


def _row(df: pd.DataFrame, key: object) -> dict[str, object]:
    if key is None:
        hit = df[df["key"].isna()]
    else:
        hit = df[df["key"] == key]
    assert len(hit) == 1, (key, df[["key"]])
    return hit.iloc[0].to_dict()


def _check(row: dict[str, object], **expected: float | None) -> None:
    for k, v in expected.items():
        got = row[k]
        if v is None:
            assert got is None or (isinstance(got, float) and math.isnan(got)), (k, got)
        else:
            assert got == pytest.approx(v), (k, got, v)


def test_township_measures_march(world: World) -> None:
    """Township measures for March count targets, visits, issues, answers, ratings and overdue.

    8 targets, 6 visited (T2 only not home, X1 never), 3 of them in home; 5 issues, 3 answered
    (I1 reported, I3 on the spot, I4 explained), 1 resolved, 2 rated of which 1 satisfied, I2
    and I3 running past their deadline.
    """
    with world.store.session() as s:
        m = compute_measures(s, world.township_id, **MARCH)
    _check(_row(m["township"], world.township_id), targets=8, visited=6, visit_rate=0.75,
           in_home=3, in_home_rate=0.5, visits=8, not_home=2, issues=5, responded=3,
           response_rate=0.6, resolved=1, resolution_rate=0.2, rated=2, satisfied=1,
           satisfaction=0.5, overdue=2)


def test_village_and_grid_measures(world: World) -> None:
    """甲村 (G1+G2) and 乙村 (G3+G4) by the targets' grids; X1 (no grid) is its own group."""
    with world.store.session() as s:
        m = compute_measures(s, world.township_id, **MARCH)
    v = m["village"]
    _check(_row(v, world.villages["甲村"]), targets=4, visited=3, visit_rate=0.75, in_home=2,
           in_home_rate=2 / 3, visits=5, not_home=2, issues=3, responded=2, resolved=1,
           rated=2, satisfied=1, satisfaction=0.5, overdue=2)
    _check(_row(v, world.villages["乙村"]), targets=3, visited=3, visit_rate=1.0, in_home=1,
           visits=3, not_home=0, issues=2, responded=1, response_rate=0.5, resolved=0,
           rated=0, satisfaction=None, overdue=0)
    _check(_row(v, None), targets=1, visited=0, visit_rate=0.0, in_home_rate=None, issues=0,
           response_rate=None)
    g = m["grid"]
    _check(_row(g, world.grids["G1"]), targets=2, visited=1, visit_rate=0.5, in_home=1,
           visits=3, not_home=2, issues=2, responded=1, resolved=1, rated=1, satisfied=1,
           overdue=1)
    _check(_row(g, world.grids["G2"]), targets=2, visited=2, in_home=1, visits=2, issues=1,
           responded=1, resolved=0, rated=1, satisfied=0, satisfaction=0.0, overdue=1)
    _check(_row(g, world.grids["G3"]), targets=2, visited=2, in_home=0, in_home_rate=0.0,
           issues=1, responded=0, response_rate=0.0)
    _check(_row(g, world.grids["G4"]), targets=1, visited=1, in_home=1, issues=1,
           responded=1, resolved=0, rated=0, satisfaction=None)
    assert set(g["name"].dropna()) == {"G1", "G2", "G3", "G4"}
    assert set(g["village"].dropna()) == {"甲村", "乙村"}


def test_cadre_measures(world: World) -> None:
    """Cadre measures count the visits each cadre made and the issues each owns.

    There is no denominator without an assignment, and the assigned targets with one; C3 made
    no visit and still has a row.
    """
    with world.store.session() as s:
        m = compute_measures(s, world.township_id, **MARCH)
        c = m["cadre"]
        _check(_row(c, world.cadres["C1"]), targets=None, attempted=4, visited=3,
               visit_rate=None, in_home=2, in_home_rate=2 / 3, visits=5, not_home=2, issues=3,
               responded=2, resolved=1, rated=2, satisfied=1, overdue=2)
        _check(_row(c, world.cadres["C2"]), attempted=3, visited=3, in_home=1, visits=3,
               issues=1, responded=1, resolved=0)
        _check(_row(c, world.cadres["C3"]), attempted=0, visited=0, visits=0, issues=0,
               in_home_rate=None, response_rate=None)
        t = world.targets
        assign = pd.Series({t["T1"]: world.cadres["C1"], t["T2"]: world.cadres["C1"],
                            t["T3"]: world.cadres["C1"], t["T6"]: world.cadres["C1"],
                            t["T4"]: world.cadres["C2"], t["T5"]: world.cadres["C2"],
                            t["E1"]: world.cadres["C2"], t["X1"]: world.cadres["C3"]})
        c = compute_measures(s, world.township_id, levels=("cadre",), cadre_targets=assign,
                             mask=True, **MARCH)["cadre"]
    _check(_row(c, world.cadres["C1"]), targets=4, visit_rate=0.75)
    _check(_row(c, world.cadres["C3"]), targets=1, visited=0, visit_rate=0.0)
    assert _row(c, world.cadres["C1"])["name"] == "刘*"


def test_extra_grouping_for_areas(world: World) -> None:
    """An extra target → key grouping (visit areas, issue #3) gives a level of its own.

    Targets not in the mapping form the empty-key group.
    """
    t = world.targets
    areas = pd.Series({t["T1"]: "A", t["T2"]: "A", t["T3"]: "B"})
    with world.store.session() as s:
        m = compute_measures(s, world.township_id, levels=("township",),
                             groupings={"area": areas}, **MARCH)
    a = m["area"]
    _check(_row(a, "A"), targets=2, visited=1, visit_rate=0.5, issues=2, overdue=1)
    _check(_row(a, "B"), targets=1, visited=1, issues=1)
    _check(_row(a, None), targets=5, visited=4, issues=2)


@pytest.mark.parametrize("as_of,responded,resolved,rated,satisfaction,overdue", [
    (D(2022, 3, 4, 23), 1, 0, 0, None, 0),     # only I3 answered on the spot; none rated
    (D(2022, 3, 20, 12), 3, 1, 2, 0.5, 0),     # no deadline past yet
    (D(2022, 3, 26, 9), 3, 1, 2, 0.5, 1),      # I2's deadline (03-25) has passed
    (D(2022, 4, 5), 3, 1, 2, 0.5, 2),          # and I3's (03-31)
])
def test_as_of_replays_history(world: World, as_of: D, responded: int, resolved: int,
                               rated: int, satisfaction: float | None, overdue: int) -> None:
    """Measures as of a past moment count only what had happened by then.

    Overdue is replayed from the history (status and deadline as of then).
    """
    with world.store.session() as s:
        m = compute_measures(s, world.township_id, levels=("township",), as_of=as_of,
                             **MARCH)
    _check(_row(m["township"], world.township_id), responded=responded, resolved=resolved,
           rated=rated, satisfaction=satisfaction, overdue=overdue, issues=5)


def test_present_equals_replay_at_now(world: World) -> None:
    """Without as_of the present status is used; it agrees with the replay as of now."""
    with world.store.session() as s:
        now = compute_measures(s, world.township_id)["township"]
        replay = compute_measures(s, world.township_id, as_of=D.now())["township"]
    pd.testing.assert_frame_equal(now, replay)
    _check(_row(now, world.township_id), visits=9, issues=6, visited=6)


def test_weekly_summary(world: World) -> None:
    """The weekly summary has Monday–Sunday weeks with cumulative rates as of each week's end.

    Weeks run from 1 March 2022 (a Tuesday): all visits are in the first week; overdue appears
    once deadlines pass.
    """
    with world.store.session() as s:
        w = weekly_summary(s, world.township_id, **MARCH)
    assert list(w["周次"]) == ["2022-W09", "2022-W10", "2022-W11", "2022-W12", "2022-W13"]
    assert (w.loc[0, "起"], w.loc[0, "止"], w.loc[4, "止"]) == ("2022-03-01", "2022-03-06",
                                                             "2022-03-31")
    assert list(w["本周走访次数"]) == [8, 0, 0, 0, 0]
    assert list(w["本周新增问题"]) == [5, 0, 0, 0, 0]
    assert list(w["累计走访率(%)"]) == [75.0] * 5
    assert list(w["问题回应率(%)"]) == [20.0, 40.0, 60.0, 60.0, 60.0]
    assert list(w["满意度(%)"]) == [0.0, 0.0, 50.0, 50.0, 50.0]
    assert list(w["逾期数"]) == [0, 0, 0, 1, 2]


def test_unknown_level_refused(world: World) -> None:
    """A level that is not known says which are."""
    with world.store.session() as s, pytest.raises(ValueError, match="groupings"):
        compute_measures(s, world.township_id, levels=("area",))


def test_weekly_summary_agrees_with_measures(world: World) -> None:
    """Each week's cumulative figures equal compute_measures up to that week's end.

    That is compute_measures over start..week end as of the end of that day (one definition,
    two computations).
    """
    with world.store.session() as s:
        w = weekly_summary(s, world.township_id, **MARCH)
        for _, row in w.iterrows():
            end = dt.date.fromisoformat(row["止"])
            m = compute_measures(s, world.township_id, start=MARCH["start"], end=end,
                                 as_of=D.combine(end + dt.timedelta(days=1), dt.time()),
                                 levels=("township",))["township"].iloc[0]
            assert row["累计问题数"] == m["issues"] and row["逾期数"] == m["overdue"]
            for col, key in (("累计走访率(%)", "visit_rate"), ("累计入户率(%)", "in_home_rate"),
                             ("问题回应率(%)", "response_rate"), ("满意度(%)", "satisfaction"),
                             ("问题解决率(%)", "resolution_rate")):
                assert row[col] == pytest.approx(round(m[key] * 100, 1), nan_ok=True), col
