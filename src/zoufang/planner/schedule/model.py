"""What :func:`~zoufang.planner.schedule.plan_cadre` takes and returns, as plain data.

In: a :class:`CadreJob` (the cadre's base, days and :class:`StopTarget`). Out: a
:class:`CadreSchedule` of :class:`DayRoute` made of :class:`ScheduledStop`, and the
targets :class:`LeftOut` with the reason. Points are WGS-84 longitude/latitude degrees,
times local ``datetime``, distances metres.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CadreJob", "CadreSchedule", "DayRoute", "LeftOut", "ScheduledStop", "StopTarget"]


@dataclass(frozen=True)
class StopTarget:
    """One target to route for a cadre.

    ``purpose``: ``visit``, ``retry`` (not at home before; ``exclude_slots`` are the
    slots already tried) or ``revisit``. ``unit`` orders targets sharing a point.
    """

    target_id: int
    kind: str
    lon: float
    lat: float
    priority: bool = False
    purpose: str = "visit"
    exclude_slots: frozenset[str] = frozenset()
    unit: str = ""
    label: str = ""


@dataclass(frozen=True)
class CadreJob:
    """What to plan for one cadre: base, days, targets.

    ``not_before`` is the moment routing starts (a re-plan in the middle of a day starts
    that day's route no earlier); ``hours_per_day`` the cadre's own daily hours;
    ``max_days`` the most days the cadre visits (its days available), the router choosing
    which.
    """

    cadre_ext_id: str
    base: tuple[float, float]
    days: tuple[dt.date, ...]
    targets: tuple[StopTarget, ...]
    hours_per_day: float = 3.0
    mode: str = "walk"
    not_before: dt.datetime | None = None
    name: str = ""
    max_days: int | None = None


@dataclass(frozen=True)
class ScheduledStop:
    """One target on a day's route.

    ``stop``, ``lon`` and ``lat`` are shared by the units of a block (one place).
    """

    stop: int
    unit_order: int
    target_id: int
    purpose: str
    priority: bool
    arrive: dt.datetime
    start: dt.datetime
    end: dt.datetime
    lon: float
    lat: float


@dataclass(frozen=True)
class DayRoute:
    """One cadre-day: leave the base, visit the stops in order, come back."""

    day: dt.date
    depart: dt.datetime
    back: dt.datetime
    distance_m: float
    stops: tuple[ScheduledStop, ...]
    line: tuple[tuple[float, float], ...] = ()

    @property
    def duration_s(self) -> int:
        """Seconds out."""
        return int((self.back - self.depart).total_seconds())

    @property
    def n_stops(self) -> int:
        """Number of stops (targets at one point count once)."""
        return len({s.stop for s in self.stops})


@dataclass(frozen=True)
class LeftOut:
    """A target not routed, and why."""

    target_id: int
    purpose: str
    reason: str
    detail: str


@dataclass
class CadreSchedule:
    """The plan of one cadre over the phase's days."""

    cadre_ext_id: str
    mode: str
    days: list[DayRoute]
    left_out: list[LeftOut]
    extra_days: int
    solve_s: float
    status: str  # ok | failed
    message: str = ""
    travel_source: str = ""
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def distance_m(self) -> float:
        """Total route length."""
        return sum(d.distance_m for d in self.days)

    @property
    def routed_ids(self) -> list[int]:
        """Targets routed, in visiting order."""
        return [s.target_id for d in self.days for s in d.stops]
