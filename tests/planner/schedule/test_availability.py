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
