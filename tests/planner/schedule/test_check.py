"""Tests of the independent schedule checker: it catches every kind of tampering.

A real schedule of eight households is planned and checked (no violation), then each
stop or day is changed by hand in one way and the checker must name that rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from zoufang.planner.schedule import CadreSchedule, ScheduledStop, plan_cadre
from zoufang.planner.schedule.check import check_schedule

from ._jobs import FRI, SETTINGS, TRAVEL, checked, household, job, lattice


def test_checker_catches_tampering() -> None:
    """Each hand-made fault of a valid schedule is caught under its own violation code."""
    j = job(lattice(8))
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    checked(j, sched)
    d0 = sched.days[0]
    s0 = d0.stops[0]

    def with_stops(stops: list[ScheduledStop]) -> CadreSchedule:
        days = [dataclasses.replace(d0, stops=tuple(stops))] + sched.days[1:]
        return dataclasses.replace(sched, days=days)

    def codes(bad: CadreSchedule) -> set[str]:
        return {v.code for v in check_schedule(j, SETTINGS, bad, TRAVEL).violations}

    early = dataclasses.replace(s0, start=s0.start.replace(hour=12),
                                end=s0.start.replace(hour=12, minute=20))
    assert "outside_window" in codes(with_stops([early, *d0.stops[1:]]))
    assert "duplicate" in codes(with_stops([*d0.stops, s0]))
    assert "missing" in codes(with_stops(list(d0.stops[1:])))
    alien = dataclasses.replace(s0, target_id=999)
    assert "not_in_area" in codes(with_stops([alien, *d0.stops[1:]]))
    short = dataclasses.replace(s0, end=s0.start + dt.timedelta(minutes=5))
    assert "service" in codes(with_stops([short, *d0.stops[1:]]))
    moved = dataclasses.replace(s0, lon=s0.lon + 0.05)   # 4 km away, same times
    assert {"early_start", "distance"} & codes(with_stops([moved, *d0.stops[1:]]))
    late = dataclasses.replace(sched, days=[dataclasses.replace(
        d0, back=d0.back.replace(hour=23))] + sched.days[1:])
    assert "late_return" in codes(late)


def test_office_window_just_past_five_opens_no_evening() -> None:
    """An enterprise (09:00–17:30, 40 min) retried after a failed daytime visit.

    Over two workdays only the daytime can take it (17:00 + 40 min > 17:30, and the
    weekend has no office hours), so the builder retries it in the daytime again and the
    checker must not call that ``retry_same_slot``: the evening was never open.
    """
    firm = household(9, 0.001, 0.0, kind="enterprise", purpose="retry",
                     exclude_slots=frozenset({"daytime"}))
    days = (FRI, FRI + dt.timedelta(days=3))          # Friday and Monday
    j = job([firm, *lattice(2)], days)
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    stop = next(s for d in sched.days for s in d.stops if s.target_id == 9)
    assert stop.start.hour < 17
    checked(j, sched)
    # A window that does leave room after 17:00 keeps the rule: evening is open.
    late = dataclasses.replace(SETTINGS, windows={**SETTINGS.windows,
                                                  "enterprise": {"workday": ["14:00-18:30"]}})
    sched2 = plan_cadre(j, late, TRAVEL, time_limit_s=1.0)
    checked(j, sched2, late)
    stop2 = next(s for d in sched2.days for s in d.stops if s.target_id == 9)
    assert stop2.start.hour >= 17
    daytime = dataclasses.replace(stop2, start=stop2.start.replace(hour=15, minute=0),
                                  end=stop2.start.replace(hour=15, minute=40))
    d = next(d for d in sched2.days if stop2 in d.stops)
    bad = dataclasses.replace(sched2, days=[
        dataclasses.replace(x, stops=tuple(daytime if s is stop2 else s for s in x.stops))
        if x is d else x for x in sched2.days])
    assert "retry_same_slot" in {v.code for v in check_schedule(j, late, bad, TRAVEL).violations}
