"""Multi-day schedules of one cadre.

Settings, windows by kind and day type, same-point stops, priority, left-out reasons,
retries at another slot, the checker, the baseline.

Small hand-built jobs near 116.6 E, 37.4 N with straight-line travel (the road network is
tested on its own and once here on Guixi's real streets). Real OR-Tools solves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from zoufang._errors import ValidationError
from zoufang.gis.roads import RoadNetwork, StraightLine
from zoufang.planner.schedule import (
    CadreJob,
    RouteSettings,
    StopTarget,
    build_problem,
    day_type,
    plan_cadre,
    plan_cadre_baseline,
    slot_of,
)
from zoufang.planner.schedule_check import check_schedule

LON0, LAT0 = 116.60, 37.40
TRAVEL = StraightLine(detour=1.3)
# 2024-03-01 is a Friday: Fri (workday), Sat, Sun (weekend), Mon (workday).
FRI = dt.date(2024, 3, 1)
DAYS4 = tuple(FRI + dt.timedelta(days=i) for i in range(4))


def household(i: int, dx: float, dy: float, **kw: object) -> StopTarget:
    """A target of ``kind`` (default household) at an offset from the base."""
    return StopTarget(target_id=i, kind=kw.pop("kind", "household"),  # type: ignore[arg-type]
                      lon=LON0 + dx, lat=LAT0 + dy, unit=str(kw.pop("unit", f"{i}号")),
                      label=f"H{i}", **kw)  # type: ignore[arg-type]


def job(targets: list[StopTarget], days: tuple[dt.date, ...] = DAYS4, hours: float = 3.0,
        **kw: object) -> CadreJob:
    """Cadre C1 at the base over ``days``."""
    return CadreJob("C1", (LON0, LAT0), days, tuple(targets), hours_per_day=hours,
                    **kw)  # type: ignore[arg-type]


def lattice(n: int, step: float = 0.001, start: int = 1) -> list[StopTarget]:
    """``n`` households on a square lattice from the base."""
    side = int(np.ceil(np.sqrt(n)))
    return [household(start + k, (k % side) * step, (k // side) * step) for k in range(n)]


SETTINGS = RouteSettings()


def checked(j: CadreJob, sched: object, settings: RouteSettings = SETTINGS) -> None:
    """Assert the independent checker passes."""
    rep = check_schedule(j, settings, sched, TRAVEL)
    assert rep.ok, rep.summary()


# ------------------------------------------------------------------ settings


def test_settings_defaults_round_trip() -> None:
    """Settings defaults round trip."""
    s = RouteSettings.from_dict({})
    assert s == RouteSettings()
    assert RouteSettings.from_dict(s.to_dict()) == s
    assert s.service_of("household") == 20 and s.service_of("enterprise") == 40
    assert s.kind_windows("household", "workday") == [(18 * 60, 21 * 60)]
    assert s.kind_windows("enterprise", "weekend") == []
    assert s.cadre_window("weekend") == (9 * 60, 18 * 60)


def test_settings_merge_over_defaults() -> None:
    """Settings merge over defaults."""
    s = RouteSettings.from_dict({"service_min": {"household": 30}, "mode": "ebike",
                                 "windows": {"shop": {"weekend": []}},
                                 "holidays": ["2024-04-04"], "workdays": ["2024-04-07"]})
    assert s.service_of("household") == 30 and s.service_of("enterprise") == 40
    assert s.mode == "ebike"
    assert s.kind_windows("shop", "weekend") == [] and s.kind_windows("shop", "workday")
    assert day_type(dt.date(2024, 4, 4), s) == "weekend"   # 清明 holiday, a Thursday
    assert day_type(dt.date(2024, 4, 7), s) == "workday"   # 调休 Sunday
    assert day_type(dt.date(2024, 4, 6), s) == "weekend"


@pytest.mark.parametrize(("data", "field"), [
    ({"colour": "red"}, "colour"),
    ({"windows": {"household": {"workday": ["25:00-26:00"]}}}, "windows.household.workday"),
    ({"windows": {"household": {"workday": ["21:00-18:00"]}}}, "windows.household.workday"),
    ({"windows": {"alien": {"workday": ["09:00-10:00"]}}}, "windows.alien"),
    ({"windows": {"household": {"monday": ["09:00-10:00"]}}}, "windows.household.monday"),
    ({"service_min": {"household": 0}}, "service_min.household"),
    ({"mode": "horse"}, "mode"),
    ({"cadre_windows": {"workday": ["09:00-12:00", "14:00-17:00"]}}, "cadre_windows.workday"),
    ({"cadre_hours": {"weekend": 30}}, "cadre_hours.weekend"),
    ({"priority_tags": ["vip"]}, "priority_tags"),
    ({"holidays": ["2024-13-01"]}, "holidays"),
    ({"speeds_kmh": {"walk": 0}}, "speeds_kmh.walk"),
])
def test_bad_settings_name_the_field(data: dict[str, object], field: str) -> None:
    """Bad settings name the field."""
    with pytest.raises(ValidationError) as exc:
        RouteSettings.from_dict(data, source="settings.json")
    fields = [p.field for p in exc.value.problems]
    assert field in fields, fields
    assert all(p.source == "settings.json" for p in exc.value.problems)


def test_slots() -> None:
    """Slots."""
    assert slot_of(dt.datetime(2024, 3, 1, 19, 0), SETTINGS) == "evening"
    assert slot_of(dt.datetime(2024, 3, 1, 10, 0), SETTINGS) == "daytime"
    assert slot_of(dt.datetime(2024, 3, 2, 19, 0), SETTINGS) == "weekend"


# ------------------------------------------------------------------ planning


def test_windows_by_kind_and_day_type() -> None:
    """Windows by kind and day type."""
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
    """Same point is one stop in unit order."""
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
    """Priority targets come first."""
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
    """Left out reasons and extra days."""
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
    """Far target unreachable."""
    far = household(50, 0.5, 0.5)  # about 70 km away, walking
    j = job(lattice(3) + [far], (dt.date(2024, 3, 4),))
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    checked(j, sched)
    assert {x.target_id: x.reason for x in sched.left_out} == {50: "unreachable"}


def test_retry_goes_to_another_slot() -> None:
    """Retry goes to another slot."""
    retry = household(7, 0.001, 0.0, purpose="retry", exclude_slots=frozenset({"evening"}))
    j = job(lattice(4) + [retry])
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    checked(j, sched)
    stop = next(s for d in sched.days for s in d.stops if s.target_id == 7)
    assert stop.purpose == "retry"
    assert stop.start.weekday() >= 5   # households: not evening → a weekend


def test_replan_mid_day_starts_no_earlier() -> None:
    """Replan mid day starts no earlier."""
    not_before = dt.datetime(2024, 3, 1, 19, 30)
    j = job(lattice(6), not_before=not_before)
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    checked(j, sched)
    assert all(d.depart >= not_before for d in sched.days)


def test_or_tools_never_worse_than_its_greedy_start() -> None:
    """Or tools never worse than its greedy start."""
    j = job(lattice(30, step=0.0015))
    ours = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=2.0)
    base = plan_cadre_baseline(j, SETTINGS, TRAVEL)
    checked(j, ours)
    checked(j, base)
    assert len(ours.routed_ids) >= len(base.routed_ids)
    if len(ours.routed_ids) == len(base.routed_ids):
        assert ours.distance_m <= base.distance_m + 1


def test_empty_job_and_no_days() -> None:
    """Empty job and no days."""
    sched = plan_cadre(job([]), SETTINGS, TRAVEL, time_limit_s=0.5)
    assert sched.days == [] and sched.left_out == [] and sched.status == "ok"
    with pytest.raises(ValueError, match="no days"):
        build_problem(job(lattice(2), days=()), SETTINGS, TRAVEL)


# ------------------------------------------------------------------ the checker


def test_checker_catches_tampering() -> None:
    """Checker catches tampering."""
    j = job(lattice(8))
    sched = plan_cadre(j, SETTINGS, TRAVEL, time_limit_s=1.0)
    checked(j, sched)
    d0 = sched.days[0]
    s0 = d0.stops[0]

    def with_stops(stops: list[object], left: list[object] | None = None) -> object:
        days = [dataclasses.replace(d0, stops=tuple(stops))] + sched.days[1:]
        return dataclasses.replace(sched, days=days,
                                   left_out=sched.left_out if left is None else left)

    def codes(bad: object) -> set[str]:
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


# ------------------------------------------------------------------ on real roads


GUIXI = Path(__file__).parents[1] / "data" / "guixi.osm"


def test_on_guixi_streets_line_follows_roads() -> None:
    """On guixi streets line follows roads."""
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
