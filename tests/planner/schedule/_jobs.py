"""Small hand-built jobs for the schedule tests (straight-line travel).

Cadre C1 has its base at 116.6 E, 37.4 N; the default days are Friday 2024-03-01 to
Monday 2024-03-04 (a workday, a weekend, a workday). Targets are households at offsets in
degrees from the base (0.001 degree is about 90 m east, 110 m north).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from zoufang.gis.travel import StraightLine
from zoufang.planner.schedule import CadreJob, CadreSchedule, ScheduleSettings, StopTarget
from zoufang.planner.schedule.check import check_schedule

__all__ = ["DAYS4", "FRI", "LAT0", "LON0", "SETTINGS", "TRAVEL", "checked", "household", "job",
           "lattice"]

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


SETTINGS = ScheduleSettings()


def checked(j: CadreJob, sched: CadreSchedule, settings: ScheduleSettings = SETTINGS) -> None:
    """Assert the independent checker passes."""
    rep = check_schedule(j, settings, sched, TRAVEL)
    assert rep.ok, rep.summary()
