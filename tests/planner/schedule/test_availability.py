"""The availability model on hand-made cases whose answer is worked out by hand.

Default rules: households 18:00–21:00 on workdays, cadres out 15:00–21:00 on workdays,
20 minutes a household visit; so a workday holds 180 usable minutes = 9 visits for a
cadre with 3 hours (and 6 for one with 2 hours), whatever its hours beyond that.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from zoufang.planner.availability import cadre_capacity, day_budgets, phase_days
from zoufang.planner.schedule import ScheduleSettings

MON = dt.date(2024, 3, 4)
WEEK = phase_days(MON, MON + dt.timedelta(days=4))            # Mon..Fri, 5 workdays
EVENING_ONLY = dataclasses.replace(ScheduleSettings(), windows={
    **ScheduleSettings().windows, "household": {"workday": ["18:00-21:00"], "weekend": []}})


def test_households_only_in_the_evening_with_a_holiday() -> None:
    """5 workdays, Wednesday a holiday: 4 evenings × 9 visits = 36 of 40; 1 extra workday."""
    rules = dataclasses.replace(EVENING_ONLY, holidays=("2024-03-06",))
    cap = cadre_capacity({"household": 40}, WEEK, rules, hours_per_day=8.0)
    assert cap.reachable == {"household": 36}          # 8 h a day do not buy more evening
    assert cap.left_out == {"days_full": 4}
    assert (cap.extra_days, cap.extra_day_type) == (1, "workday")


def test_two_cadres_by_their_hours_and_a_tiaoxiu_saturday() -> None:
    """A cadre of 2 h: 6 visits an evening; Saturday made a workday (调休) adds one."""
    sat = dt.date(2024, 3, 9)
    rules = dataclasses.replace(EVENING_ONLY, workdays=(sat.isoformat(),))
    days = [*WEEK, sat]
    a = cadre_capacity({"household": 60}, days, rules, hours_per_day=3.0)
    b = cadre_capacity({"household": 60}, days, rules, hours_per_day=2.0)
    assert a.total_reachable == 6 * 9 and b.total_reachable == 6 * 6
    assert b.left_out == {"days_full": 24} and b.extra_days == 4   # 24 visits / 6 a day


def test_no_window_and_travel() -> None:
    """An enterprise on weekend days only has no window; travel 10 min makes 6 visits/day."""
    sat, sun = dt.date(2024, 3, 9), dt.date(2024, 3, 10)
    cap = cadre_capacity({"enterprise": 3}, [sat, sun], ScheduleSettings(), 8.0)
    assert cap.reachable == {} and cap.left_out == {"no_window": 3}
    one = cadre_capacity({"household": 20}, [MON], EVENING_ONLY, 3.0, travel_min=10.0)
    assert one.total_reachable == 6                    # 180 // (20 + 10)
    (b,) = day_budgets([MON], EVENING_ONLY, 3.0, ["household", "enterprise"])
    # enterprise 14:00-17:30 ∩ cadre 15:00-21:00 = 150 min; 09:00-12:00 none
    assert b.usable_min == {"household": 180.0, "enterprise": 150.0}


def test_usable_minutes_is_the_area_capacity() -> None:
    """8 h × 5 days = 2,400 min by the old rule; households only in the evening: 5 × 180."""
    from zoufang.planner.availability import usable_minutes
    assert usable_minutes(WEEK, EVENING_ONLY, 8.0, ["household"]) == 900.0
    rules = dataclasses.replace(EVENING_ONLY, holidays=("2024-03-06",))
    assert usable_minutes(WEEK, rules, 8.0, ["household"]) == 720.0
    assert usable_minutes(WEEK, rules, 2.0, ["household"]) == 480.0   # 4 × 120


def test_a_cadres_window_is_the_union_of_the_kinds_windows() -> None:
    """A workday holds the union of the kinds' windows within the cadre's window.

    Households 18:00-21:00 ∪ enterprises 15:00-17:30 (their 14:00-17:30 within the
    cadre's 15:00-21:00) = 330 min, within the 360-min window and 8 h; the largest kind
    alone (180) would undercount; with 3 h the day is capped at 180.
    """
    from zoufang.planner.availability import day_usable_minutes, usable_minutes
    kinds = ["household", "enterprise"]
    assert day_usable_minutes(MON, EVENING_ONLY, 8.0, kinds) == 330.0
    assert day_usable_minutes(MON, EVENING_ONLY, 3.0, kinds) == 180.0
    assert usable_minutes(WEEK, EVENING_ONLY, 8.0, kinds) == 5 * 330.0
    # overlapping windows count once: shops 09:00-21:00 cover the households' evening
    assert day_usable_minutes(MON, ScheduleSettings(), 8.0, ["household", "shop"]) == 360.0


def test_best_days_of_a_cadre_with_fewer_days_than_the_phase() -> None:
    """A cadre with fewer days than the phase counts its best days.

    Default rules, a cadre of 3 h with 2 days in Mon 4 - Sun 10 March 2024: its best
    days are the weekend: 6 h out (the settings' weekend hours) in one stretch, which
    covers at most 240 min of the households' 09:00-12:00 and 14:00-18:00 within the
    cadres' 09:00-18:00 (12:00-18:00, or 09:00-15:00), against 180 min on a workday
    evening: 480 min in all.
    """
    from zoufang.planner.availability import best_days, usable_minutes
    week = phase_days(MON, MON + dt.timedelta(days=6))
    kinds = ["household"]
    assert best_days(week, ScheduleSettings(), 3.0, kinds, 2) == [dt.date(2024, 3, 9),
                                                                  dt.date(2024, 3, 10)]
    assert usable_minutes(week, ScheduleSettings(), 3.0, kinds, max_days=2) == 480.0
    assert best_days(week, ScheduleSettings(), 3.0, kinds, 9) == week
    # without the weekend override every day holds 3 h: the earliest two
    plain = dataclasses.replace(ScheduleSettings(), cadre_hours={"workday": None,
                                                                 "weekend": None})
    assert best_days(week, plain, 3.0, kinds, 2) == [MON, MON + dt.timedelta(days=1)]


def test_a_days_way_out_and_back_costs_every_day_out() -> None:
    """180 evening minutes less a 30-min way out and back: 150 // 20 = 7 visits, not 9."""
    cap = cadre_capacity({"household": 20}, [MON], EVENING_ONLY, 3.0, day_overhead_min=30.0)
    assert cap.total_reachable == 7 and cap.left_out == {"days_full": 13}
    assert cap.extra_days == 2                          # 13 × 20 = 260 min / 150 a day
