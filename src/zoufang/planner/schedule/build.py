"""The routing problem of one cadre's days (:func:`build_problem`).

Model
-----
- One vehicle of :mod:`zoufang.planner.routing` per day. Time is counted from midnight
  of the first day of the phase (in :data:`UNIT_S`, minutes, for the router), so a
  target's availability is a union of intervals over the days (every workday evening
  plus weekend days) and the router picks the day.
- A day's vehicle leaves the base no earlier than the cadre's visiting window opens for
  that day type (workday, weekend; 调休 make-up workdays and holidays configurable), is
  back before it closes, and is out at most the day's hours.
- A visit's start must leave room to finish inside the target's window (a household
  home 18:00–21:00 with 20-minute visits can be started until 20:40).
- Targets at the same point (an apartment block, a compound) are one stop: their
  service minutes add up and they are visited in unit order (natural order of the
  address). A very large block is cut into chunks a day can hold; chunks of one point
  visited on the same day are reported as one stop.
- Priority targets (petitioners, hardship and must-go tags) carry a soft deadline at the
  end of the first ``priority_days`` days; every minute later costs as much as 100 m of
  travel, so they come first unless no day can take them.
- Every target is optional with a drop penalty far above any route's length (ten times
  higher for a priority target, so full days leave out others first): a target
  is left out only when it cannot be fitted, with the reason ``no_window`` (its kind is
  never available while the cadre visits), ``unreachable`` (no single day could serve it
  even alone) or ``days_full`` (the days are full). ``extra_days`` estimates the days the
  left-out targets would need at the pace of the routed days.
- Retries (a target found not at home) must be at a different time of day than the
  attempts that failed: the slots ``daytime`` and ``evening`` of workdays and
  ``weekend``; the slots already tried are excluded while another slot is left.

Travel comes from a :class:`zoufang.gis.travel.TravelModel` (road network or straight
line × detour); each leg's duration is rounded up to whole minutes.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from zoufang._util import natural_key
from zoufang.gis.travel import TravelMatrix, TravelModel
from zoufang.planner.routing import RoutingProblem, Vehicle
from zoufang.planner.schedule.model import CadreJob, StopTarget
from zoufang.planner.schedule.settings import (
    DAY_TYPES,
    EVENING_FROM_MIN,
    ScheduleSettings,
    day_type,
)

__all__ = [
    "DAY_S",
    "DROP_PENALTY",
    "PRIORITY_WEIGHT",
    "UNIT_S",
    "BuiltProblem",
    "StopGroup",
    "build_problem",
]

DAY_S = 86_400
#: The router's time unit, seconds. Minutes keep the time domain of a 10-day phase small
#: (14,400 values): OR-Tools stores a window with holes as a bitset over the domain, and
#: in seconds removing the gaps between days alone took seconds per cadre. Travel is
#: rounded up to whole minutes per leg (never optimistic); outputs are in seconds.
UNIT_S = 60
#: Cost of one minute of a priority target's visit after its due time (the objective
#: is metres: a day late weighs like 144 km, so priority wins unless impossible).
PRIORITY_WEIGHT = 100
#: Drop penalty per target, far above any day's route length in metres.
DROP_PENALTY = 10_000_000


@dataclass
class StopGroup:
    """Targets visited as one node of the routing problem (one point, one kind, a chunk).

    Parameters
    ----------
    point
        Where the stop is: the first unit's (lon, lat), WGS-84 degrees.
    members
        The targets, in unit order.
    service_s
        Service of all members together, seconds.
    windows
        Start-of-service intervals over the days, seconds from midnight of the first day.
    priority
        Whether any member is a priority target.
    """

    point: tuple[float, float]
    members: list[StopTarget]
    service_s: int
    windows: list[tuple[int, int]]
    priority: bool


@dataclass
class BuiltProblem:
    """The routing problem of one cadre and what is needed to read its routes back.

    Parameters
    ----------
    problem
        Node 0 is the base, node ``i + 1`` is ``groups[i]``; one vehicle per day; times
        in :data:`UNIT_S` (minutes) from ``day0``, distances metres.
    groups
        The stops.
    day0
        Time origin: midnight of the first day.
    matrix
        Travel matrix over the base and the groups' points (for route lines).
    no_window
        Targets that no day can take at all (their kind is never available then).
    """

    problem: RoutingProblem
    groups: list[StopGroup]
    day0: dt.datetime
    matrix: TravelMatrix
    no_window: list[StopTarget]


def _day_windows(job: CadreJob, settings: ScheduleSettings, hours: dict[str, float]
                 ) -> list[tuple[int, str, int, int, int]]:
    """Per day index: (day offset s, day type, leave earliest s, back latest s, max s)."""
    out = []
    day0 = job.days[0]
    for day in job.days:
        dtype = day_type(day, settings)
        win = settings.cadre_window(dtype)
        if win is None:
            continue
        off = (day - day0).days * DAY_S
        a, b = off + win[0] * 60, off + win[1] * 60
        if job.not_before is not None:
            nb = int((job.not_before - dt.datetime.combine(day0, dt.time())).total_seconds())
            if nb >= b:
                continue
            a = max(a, nb)
        max_s = int(hours[dtype] * 3600)
        out.append((off, dtype, a, b, min(max_s, b - a)))
    return out


def _target_windows(t: StopTarget, service_s: int, settings: ScheduleSettings,
                    days: list[tuple[int, str, int, int, int]]) -> list[tuple[int, int]]:
    """Absolute start-of-service intervals of ``t`` over the cadre's days."""
    out: list[tuple[int, int]] = []
    for off, dtype, a, b, _max in days:
        for wa, wb in settings.kind_windows(t.kind, dtype):
            pieces = [(wa, wb)]
            if dtype == "workday":  # split at the evening boundary for slot exclusion
                pieces = [(x, y) for x, y in ((wa, min(wb, EVENING_FROM_MIN)),
                                              (max(wa, EVENING_FROM_MIN), wb)) if x < y]
            for x, y in pieces:
                slot = "weekend" if dtype == "weekend" else (
                    "evening" if x >= EVENING_FROM_MIN else "daytime")
                if slot in t.exclude_slots:
                    continue
                lo = max(off + x * 60, a)
                hi = min(off + y * 60 - service_s, b - service_s)
                if lo <= hi:
                    out.append((lo, hi))
    out.sort()
    return out


def build_problem(job: CadreJob, settings: ScheduleSettings, travel: TravelModel) -> BuiltProblem:
    """Build the routing problem of one cadre: groups of targets, days as vehicles.

    Parameters
    ----------
    job
        The cadre's base, days and targets (WGS-84 lon/lat degrees).
    settings
        The campaign's rules (windows, service minutes, speeds, priority).
    travel
        Gives the matrix over the base and the stops' points in ``job.mode`` (metres).

    Returns
    -------
    BuiltProblem
        The routing problem (minutes from midnight of the first day, metres) and what
        is needed to read its routes back.

    Raises
    ------
    ValueError
        When the job has no days.
    """
    if not job.days:
        raise ValueError(f"cadre {job.cadre_ext_id}: no days to plan")
    hours = {d: (settings.cadre_hours.get(d) or job.hours_per_day) for d in DAY_TYPES}
    days = _day_windows(job, settings, hours)
    # A chunk of a block takes at most half of the shortest day, leaving room for travel.
    day_len = min((m for *_x, m in days if m > 0), default=0)
    targets = list(job.targets)
    # Group by point (same_point_m), kind, purpose and excluded slots; chunk big groups.
    buckets: dict[tuple[Any, ...], list[StopTarget]] = {}
    lat0 = float(np.mean([t.lat for t in targets])) if targets else job.base[1]
    cell = max(settings.same_point_m, 0.01)
    mx = 111_320.0 * math.cos(math.radians(lat0))
    for t in targets:
        key = (round(t.lon * mx / cell), round(t.lat * 110_540.0 / cell), t.kind, t.purpose,
               t.exclude_slots)
        buckets.setdefault(key, []).append(t)
    groups: list[StopGroup] = []
    no_window: list[StopTarget] = []
    chunk_cap = max(day_len // 2, 1)
    for members in buckets.values():
        members.sort(key=lambda t: (natural_key(t.unit), t.target_id))
        # The stop's place: its first unit's point, shared by every chunk of the block.
        place = (members[0].lon, members[0].lat)
        svc = settings.service_of(members[0].kind) * 60
        per = max(1, chunk_cap // max(svc, 1))
        for c in range(0, len(members), per):
            chunk = members[c:c + per]
            service_s = svc * len(chunk)
            windows = _target_windows(chunk[0], service_s, settings, days)
            if not windows and chunk[0].exclude_slots:
                # A retry with no untried slot left in these days: any slot will do.
                relaxed = replace(chunk[0], exclude_slots=frozenset())
                windows = _target_windows(relaxed, service_s, settings, days)
            if not windows:
                no_window.extend(chunk)
                continue
            groups.append(StopGroup(place, chunk, service_s, windows,
                                    any(t.priority for t in chunk)))
    points = np.asarray([job.base] + [g.point for g in groups], dtype=float)
    matrix = travel.matrix(points, job.mode)
    duration = -(-matrix.duration_s(settings.speed_kmh(job.mode)) // UNIT_S)  # ceil
    distance = np.ceil(matrix.distance_m).astype(np.int64)
    # Chunks of one block share a point: no travel between them (a road matrix would
    # count the walk to the road and back).
    same = (points[:, None, :] == points[None, :, :]).all(axis=-1)
    distance[same] = 0
    duration[same] = 0
    n = len(points)

    def up(x: int) -> int:
        return -(-x // UNIT_S)

    vehicles = [Vehicle(0, 0, up(a), b // UNIT_S, max_duration=mx_s // UNIT_S,
                        name=(job.days[0] + dt.timedelta(seconds=off)).isoformat())
                for off, _t, a, b, mx_s in days] or [Vehicle(0, 0, 0, 0, name="none")]
    due = (settings.priority_days * DAY_S // UNIT_S) if days else 0
    problem = RoutingProblem(
        duration=duration, distance=distance,
        service=[0] + [up(g.service_s) for g in groups],
        time_windows=[[]] + [[(up(a), b // UNIT_S) for a, b in g.windows if up(a) <= b // UNIT_S]
                             for g in groups],
        vehicles=vehicles,
        drop_penalty=[None] + [DROP_PENALTY * len(g.members) * (10 if g.priority else 1)
                               for g in groups],
        priority_weight=[0] + [PRIORITY_WEIGHT if g.priority else 0 for g in groups],
        priority_due=[0] + [due] * len(groups),
        names=["base"] + [g.members[0].label or f"target {g.members[0].target_id}"
                          for g in groups],
        max_active_vehicles=job.max_days,
    )
    assert problem.num_nodes == n
    day0 = dt.datetime.combine(job.days[0], dt.time())
    return BuiltProblem(problem, groups, day0, matrix, no_window)
