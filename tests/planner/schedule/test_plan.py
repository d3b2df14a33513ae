"""Multi-day schedules of one cadre: plan_cadre and the nearest-neighbour baseline.

Windows by kind and day type, same-point stops, priority, left-out reasons, retries at
another slot, days available, the baseline. Small hand-built jobs near 116.6 E, 37.4 N
with straight-line travel (``_jobs.py``; the road network is tested on its own and once
here on Guixi's real streets). Real OR-Tools solves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from zoufang.gis.roads import RoadNetwork
from zoufang.planner.schedule import (
    CadreJob,
    StopTarget,
    build_problem,
    plan_cadre,
    plan_cadre_baseline,
)
from zoufang.planner.schedule.check import check_schedule

from ._jobs import DAYS4, SETTINGS, TRAVEL, checked, household, job, lattice


def test_windows_by_kind_and_day_type() -> None:
    """Households are visited on workday evenings or weekends, enterprises in office hours."""
    targets = lattice(12) + [household(100, 0.002, 0.0005, kind="enterprise"),
                             household(101, 0.0005, 0.002, kind="enterprise")]
    j = job(targets)
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    checked(j, sched)
    assert sorted(sched.routed_ids) == sorted(t.target_id for t in targets)
    for d in sched.days:
        for s in d.stops:
            if s.target_id >= 100:   # enterprises: workday office hours
                assert d.day.weekday() < 5
                assert dt.time(9) <= s.start.time() and s.end.time() <= dt.time(17, 30)
            elif d.day.weekday() < 5:  # households on workdays: evenings
                assert s.start.time() >= dt.time(18) and s.end.time() <= dt.time(21)
        assert d.depart <= d.stops[0].arrive <= d.stops[0].start
        assert d.duration_s <= 3 * 3600 or d.day.weekday() >= 5
        starts = [s.start for s in d.stops]
        assert starts == sorted(starts)


def test_same_point_is_one_stop_in_unit_order() -> None:
    """Five flats of one block are one stop, visited back to back in natural unit order."""
    block = [household(i, 0.001, 0.001, unit=f"3栋1单元{u}室")
             for i, u in zip(range(1, 6), (201, 1001, 102, 301, 2001), strict=True)]
    j = job(block + lattice(3, start=10))
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    checked(j, sched)
    stops = [s for d in sched.days for s in d.stops if s.target_id < 10]
    assert len({(s.start.date(), s.stop) for s in stops}) == 1
    # natural order of the unit: 102, 201, 301, 1001, 2001
    assert [s.target_id for s in sorted(stops, key=lambda s: s.unit_order)] == [3, 1, 4, 2, 5]
    ends = sorted(stops, key=lambda s: s.unit_order)
    for a, b in zip(ends, ends[1:], strict=False):
        assert a.end == b.start   # one after the other, no travel inside the block


def test_priority_targets_come_first() -> None:
    """With the days full, the far priority targets are still visited in the first days."""
    # 40 households, 5 evenings of 3 h: the days are full, so order matters.
    days = tuple(dt.date(2024, 3, 4) + dt.timedelta(days=i) for i in range(5))  # Mon–Fri
    targets = lattice(40)
    far = {35, 36, 37, 38, 39, 40}
    targets = [dataclasses.replace(t, priority=t.target_id in far) for t in targets]
    j = job(targets, days)
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=2.0)
    checked(j, sched)
    when = {s.target_id: s.start.date() for d in sched.days for s in d.stops}
    assert far <= set(when)
    last_priority_day = days[SETTINGS.priority_days - 1]
    assert all(when[t] <= last_priority_day for t in far), {t: when[t] for t in far}


def test_left_out_reasons_and_extra_days() -> None:
    """A market (mornings only) is no_window, the overflow days_full, with extra days."""
    days = (dt.date(2024, 3, 4),)  # one Monday evening: 3 h = 9 visits at most
    targets = lattice(20) + [household(100, 0.0, 0.001, kind="market")]  # markets: mornings
    j = job(targets, days)
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    checked(j, sched)
    reasons = {x.target_id: x.reason for x in sched.left_out}
    assert reasons[100] == "no_window"
    full = [t for t, r in reasons.items() if r == "days_full"]
    assert len(full) + len(sched.routed_ids) == 20 and len(full) >= 11
    assert sched.extra_days >= 2   # 11+ visits of 20 min at ~8 a day


def test_far_target_unreachable() -> None:
    """A target 70 km away on foot is left out as unreachable, the others routed."""
    far = household(50, 0.5, 0.5)  # about 70 km away, walking
    j = job(lattice(3) + [far], (dt.date(2024, 3, 4),))
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    checked(j, sched)
    assert {x.target_id: x.reason for x in sched.left_out} == {50: "unreachable"}


def test_retry_goes_to_another_slot() -> None:
    """A household not at home in the evening is retried at the weekend instead."""
    retry = household(7, 0.001, 0.0, purpose="retry", exclude_slots=frozenset({"evening"}))
    j = job(lattice(4) + [retry])
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    checked(j, sched)
    stop = next(s for d in sched.days for s in d.stops if s.target_id == 7)
    assert stop.purpose == "retry"
    assert stop.start.weekday() >= 5   # households: not evening → a weekend


def test_replan_mid_day_starts_no_earlier() -> None:
    """A re-plan at 19:30 on Friday routes nothing before that moment."""
    not_before = dt.datetime(2024, 3, 1, 19, 30)
    j = job(lattice(6), not_before=not_before)
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    checked(j, sched)
    assert all(d.depart >= not_before for d in sched.days)


def test_or_tools_never_worse_than_its_greedy_start() -> None:
    """OR-Tools routes at least as many targets as its greedy start, and no farther."""
    j = job(lattice(30, step=0.0015))
    ours = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=2.0)
    base = plan_cadre_baseline(j, SETTINGS, TRAVEL)
    checked(j, ours)
    checked(j, base)
    assert len(ours.routed_ids) >= len(base.routed_ids)
    if len(ours.routed_ids) == len(base.routed_ids):
        assert ours.distance_m <= base.distance_m + 1


def test_empty_job_and_no_days() -> None:
    """No targets give an empty schedule; no days are refused with a message."""
    sched = plan_cadre(job([]), SETTINGS, TRAVEL, time_limit_s=0.5)
    assert sched.days == [] and sched.left_out == [] and sched.status == "ok"
    with pytest.raises(ValueError, match="no days"):
        build_problem(job(lattice(2), days=()), SETTINGS, TRAVEL)


GUIXI = Path(__file__).parents[2] / "data" / "guixi.osm"


def test_on_guixi_streets_line_follows_roads() -> None:
    """On Guixi's streets every day is checked, its line follows the roads and a block is split."""
    net = RoadNetwork.from_file(GUIXI)
    rng = np.random.default_rng(3)
    base = (117.2190, 28.3000)
    pts = base + rng.normal(0, 0.004, size=(15, 2))
    targets = [StopTarget(i + 1, "household", float(x), float(y), unit=f"{i}号")
               for i, (x, y) in enumerate(pts)]
    # a block of 10 households at one point off the road: cut into chunks a day can hold,
    # with no travel between the chunks
    bx, by = float(pts[3, 0]) + 0.0003, float(pts[3, 1])
    block = [StopTarget(100 + k, "household", bx, by, unit=f"{k + 1}室")
             for k in range(10)]
    j = CadreJob("C1", base, DAYS4, tuple(targets + block), hours_per_day=3.0)
    sched = plan_cadre(j, SETTINGS, net, time_limit_s=1.0)
    rep = check_schedule(j, SETTINGS, sched, net)
    assert rep.ok, rep.summary()
    assert set(range(100, 110)) <= set(sched.routed_ids)
    assert sched.travel_source.startswith("roads:")
    straight = plan_cadre(dataclasses.replace(j, targets=tuple(targets)), SETTINGS, TRAVEL,
                          time_limit_s=1.0)
    assert len(straight.routed_ids) == 15 and len(sched.routed_ids) >= 20
    for d in sched.days:
        assert len(d.line) > 2 * d.n_stops    # follows the streets' vertices
        assert d.line[0] == pytest.approx(base) and d.line[-1] == pytest.approx(base)
        xy = np.asarray(d.line)
        lat = np.radians(xy[:, 1].mean())
        seg = np.hypot(np.diff(xy[:, 0]) * 111_320 * np.cos(lat), np.diff(xy[:, 1]) * 110_540)
        assert seg.sum() == pytest.approx(d.distance_m, rel=0.03)


def test_days_available_caps_days_worked() -> None:
    """A cadre available 2 of the 4 days visits on at most 2; the router picks which."""
    j = job(lattice(30), max_days=2)
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    checked(j, sched)
    assert len([d for d in sched.days if d.stops]) == 2
    assert sched.left_out and {x.reason for x in sched.left_out} == {"days_full"}
    base = plan_cadre_baseline(j, SETTINGS, TRAVEL)
    checked(j, base)
    assert len(sched.routed_ids) >= len(base.routed_ids)
    free = plan_cadre(dataclasses.replace(j, max_days=None), SETTINGS, TRAVEL,
                      time_limit_s=1.0)
    rep = check_schedule(j, SETTINGS, free, TRAVEL)
    assert "too_many_days" in {v.code for v in rep.violations}


def test_search_out_of_time_keeps_the_greedy_schedule() -> None:
    """A search left no time to find anything keeps the checked greedy schedule.

    1,500 households and 0.2 s: building the OR-Tools model alone takes longer, which is
    what a loaded machine does to a normal cadre (it was stored as failed, routing nobody).
    """
    j = job(lattice(1500, step=0.0003), hours=8)
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=0.2)
    assert sched.status == "ok" and sched.figures["config"] == "greedy"
    assert "greedy schedule kept" in sched.message
    assert sum(len(d.stops) for d in sched.days) > 0
    checked(j, sched)
