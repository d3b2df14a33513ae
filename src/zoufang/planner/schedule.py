"""Multi-day visit schedules of one cadre (走访日程).

The targets of the cadre's area spread over the days of a phase, each day an ordered
route from the cadre's base and back.

Plain data in, plain data out (no database): :class:`CadreJob` says who, from where,
which days and which targets; :class:`RouteSettings` the campaign's rules;
:func:`plan_cadre` returns a :class:`CadreSchedule` of :class:`DayRoute` and the
targets left out with the reason and the extra days they would need.

Model
-----
- One vehicle of :mod:`zoufang.planner.vrptw` per day. Time is in seconds from midnight
  of the first day of the phase, so a target's availability is a union of intervals
  over the days (every workday evening plus weekend days) and the router picks the day.
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

Travel comes from a :class:`zoufang.gis.roads.TravelModel` (road network or straight
line × detour); durations are rounded up to whole seconds.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from zoufang._errors import Problem, ValidationError
from zoufang.vocab import KINDS, TARGET_TAGS

from zoufang.planner.vrptw import RoutingProblem, RoutingResult, SearchConfig, Vehicle, solve

__all__ = [
    "DAY_TYPES",
    "MODES",
    "SLOTS",
    "CadreJob",
    "CadreSchedule",
    "DayRoute",
    "LeftOut",
    "RouteSettings",
    "ScheduledStop",
    "StopTarget",
    "build_problem",
    "day_type",
    "nearest_neighbour",
    "plan_cadre",
    "slot_of",
]

DAY_TYPES = ("workday", "weekend")
SLOTS = ("daytime", "evening", "weekend")
MODES = ("walk", "ebike", "car")
#: Workday times from this minute of the day on count as the evening slot.
EVENING_FROM_MIN = 17 * 60
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

Window = tuple[int, int]  # minutes of the day


def _default_windows() -> dict[str, dict[str, list[str]]]:
    household = {"workday": ["18:00-21:00"], "weekend": ["09:00-12:00", "14:00-20:30"]}
    office = {"workday": ["09:00-12:00", "14:00-17:30"], "weekend": []}
    return {
        "household": household,
        "enterprise": office,
        "institution": office,
        "school": {"workday": ["08:30-11:30", "14:30-17:00"], "weekend": []},
        "hospital": {"workday": ["09:00-11:30", "14:30-17:00"], "weekend": ["09:00-11:30"]},
        "shop": {"workday": ["09:00-21:00"], "weekend": ["09:00-21:00"]},
        "market": {"workday": ["07:00-11:00"], "weekend": ["07:00-11:00"]},
    }


@dataclass(frozen=True)
class RouteSettings:
    """A campaign's routing rules (all times local; windows as ``"HH:MM-HH:MM"``).

    Parameters
    ----------
    service_min
        Minutes a visit takes, by kind (household 20, enterprise 40, ...).
    windows
        When targets of each kind are usually available, by day type: kind → day type
        → list of windows. A kind with no windows on a day type is not visited then.
    cadre_windows
        The cadres' visiting window by day type (one window a day; empty = no visiting).
    cadre_hours
        Most hours a cadre is out per day type; None = the cadre's own
        ``hours_per_day`` (from the cadre list).
    mode, speeds_kmh
        Default travel mode and the speed of each mode (a cadre's ``extra.travel_mode``
        overrides the mode).
    priority_tags, priority_days
        Targets with any of these tags should be visited in the first days.
    detour
        Straight-line distance factor when no road network is given.
    holidays, workdays
        Dates (ISO) that count as weekend (holidays) or as workdays (调休).
    retry_other_slot, remote_after
        Retry not-at-home targets at another time slot; after ``remote_after`` failed
        attempts at different slots, offer a phone/WeChat visit instead.
    same_point_m
        Targets closer than this are one stop.
    """

    service_min: Mapping[str, int] = field(default_factory=lambda: {
        "household": 20, "enterprise": 40, "institution": 30, "school": 30,
        "hospital": 30, "shop": 15, "market": 30})
    windows: Mapping[str, Mapping[str, Sequence[str]]] = field(
        default_factory=_default_windows)
    cadre_windows: Mapping[str, Sequence[str]] = field(default_factory=lambda: {
        "workday": ["15:00-21:00"], "weekend": ["09:00-18:00"]})
    cadre_hours: Mapping[str, float | None] = field(default_factory=lambda: {
        "workday": None, "weekend": 6.0})
    mode: str = "walk"
    speeds_kmh: Mapping[str, float] = field(default_factory=lambda: {
        "walk": 4.5, "ebike": 15.0, "car": 30.0})
    priority_tags: Sequence[str] = ("petitioner", "hardship", "poor_registered",
                                    "listed_enterprise")
    priority_days: int = 3
    detour: float = 1.3
    holidays: Sequence[str] = ()
    workdays: Sequence[str] = ()
    retry_other_slot: bool = True
    remote_after: int = 3
    same_point_m: float = 3.0

    # -- parsing ------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, source: str = "settings"
                  ) -> RouteSettings:
        """Read settings from JSON-like data over the defaults, naming every problem."""
        data = dict(data or {})
        problems: list[Problem] = []
        base = cls()
        known = set(base.__dataclass_fields__)
        for key in sorted(set(data) - known):
            problems.append(Problem(source, None, key, "unknown setting; expected one of "
                                    + ", ".join(sorted(known))))
        kw: dict[str, Any] = {}

        def bad(fld: str, msg: str, value: Any = None) -> None:
            problems.append(Problem(source, None, fld, msg,
                                    value=None if value is None else repr(value)))

        if "service_min" in data:
            sm = dict(base.service_min)
            if not isinstance(data["service_min"], Mapping):
                bad("service_min", "expected an object kind → minutes")
            else:
                for kind, v in data["service_min"].items():
                    if kind not in KINDS:
                        bad(f"service_min.{kind}", f"unknown kind; expected one of "
                            f"{', '.join(KINDS)}")
                    elif not isinstance(v, int | float) or isinstance(v, bool) or not 1 <= v <= 480:
                        bad(f"service_min.{kind}", "expected minutes between 1 and 480", v)
                    else:
                        sm[kind] = int(round(v))
            kw["service_min"] = sm
        if "windows" in data:
            win = {k: dict(v) for k, v in base.windows.items()}
            if not isinstance(data["windows"], Mapping):
                bad("windows", "expected an object kind → day type → windows")
            else:
                for kind, by_day in data["windows"].items():
                    if kind not in KINDS:
                        bad(f"windows.{kind}", f"unknown kind; expected one of {', '.join(KINDS)}")
                        continue
                    if not isinstance(by_day, Mapping):
                        bad(f"windows.{kind}", "expected an object day type → windows")
                        continue
                    for dtp, spans in by_day.items():
                        if dtp not in DAY_TYPES:
                            bad(f"windows.{kind}.{dtp}", "expected day type workday or weekend")
                            continue
                        _parse_windows(spans, f"windows.{kind}.{dtp}", source, problems)
                        win.setdefault(kind, {})[dtp] = list(spans or [])
            kw["windows"] = win
        if "cadre_windows" in data:
            cw = dict(base.cadre_windows)
            if not isinstance(data["cadre_windows"], Mapping):
                bad("cadre_windows", "expected an object day type → windows")
            else:
                for dtp, spans in data["cadre_windows"].items():
                    if dtp not in DAY_TYPES:
                        bad(f"cadre_windows.{dtp}", "expected day type workday or weekend")
                        continue
                    parsed = _parse_windows(spans, f"cadre_windows.{dtp}", source, problems)
                    if len(parsed) > 1:
                        bad(f"cadre_windows.{dtp}", "expected at most one window a day", spans)
                    cw[dtp] = list(spans or [])
            kw["cadre_windows"] = cw
        if "cadre_hours" in data:
            ch = dict(base.cadre_hours)
            src = data["cadre_hours"]
            if not isinstance(src, Mapping):
                bad("cadre_hours", "expected an object day type → hours or null")
            else:
                for dtp, v in src.items():
                    if dtp not in DAY_TYPES:
                        bad(f"cadre_hours.{dtp}", "expected day type workday or weekend")
                    elif v is not None and (not isinstance(v, int | float)
                                            or isinstance(v, bool) or not 0 < v <= 16):
                        bad(f"cadre_hours.{dtp}", "expected hours in (0, 16] or null", v)
                    else:
                        ch[dtp] = None if v is None else float(v)
            kw["cadre_hours"] = ch
        if "mode" in data:
            if data["mode"] not in MODES:
                bad("mode", f"expected one of {', '.join(MODES)}", data["mode"])
            else:
                kw["mode"] = data["mode"]
        if "speeds_kmh" in data:
            sp = dict(base.speeds_kmh)
            if not isinstance(data["speeds_kmh"], Mapping):
                bad("speeds_kmh", "expected an object mode → km/h")
            else:
                for m, v in data["speeds_kmh"].items():
                    if m not in MODES:
                        bad(f"speeds_kmh.{m}", f"expected one of {', '.join(MODES)}")
                    elif not isinstance(v, int | float) or isinstance(v, bool) or not 1 <= v <= 120:
                        bad(f"speeds_kmh.{m}", "expected km/h between 1 and 120", v)
                    else:
                        sp[m] = float(v)
            kw["speeds_kmh"] = sp
        if "priority_tags" in data:
            tags = data["priority_tags"]
            if not isinstance(tags, list | tuple) or any(t not in TARGET_TAGS for t in tags):
                bad("priority_tags", f"expected a list of tags from {', '.join(TARGET_TAGS)}",
                    tags)
            else:
                kw["priority_tags"] = tuple(tags)
        for name, lo, hi in (("priority_days", 1, 60), ("remote_after", 1, 10)):
            if name in data:
                v = data[name]
                if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                    bad(name, f"expected an integer between {lo} and {hi}", v)
                else:
                    kw[name] = v
        for name, lo, hi in (("detour", 1.0, 3.0), ("same_point_m", 0.0, 100.0)):
            if name in data:
                v = data[name]
                if not isinstance(v, int | float) or isinstance(v, bool) or not lo <= v <= hi:
                    bad(name, f"expected a number between {lo} and {hi}", v)
                else:
                    kw[name] = float(v)
        for name in ("holidays", "workdays"):
            if name in data:
                days = data[name]
                ok = isinstance(days, list | tuple)
                if ok:
                    for d in days:
                        try:
                            dt.date.fromisoformat(str(d))
                        except ValueError:
                            ok = False
                if not ok:
                    bad(name, "expected a list of dates YYYY-MM-DD", days)
                else:
                    kw[name] = tuple(str(d) for d in days)
        if "retry_other_slot" in data:
            if not isinstance(data["retry_other_slot"], bool):
                bad("retry_other_slot", "expected true or false", data["retry_other_slot"])
            else:
                kw["retry_other_slot"] = data["retry_other_slot"]
        if problems:
            raise ValidationError(f"Invalid routing settings in {source}.", problems)
        return cls(**{**asdict(base), **kw})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy (what the store keeps)."""
        out = asdict(self)
        for k in ("priority_tags", "holidays", "workdays"):
            out[k] = list(out[k])
        return out

    # -- derived ------------------------------------------------------------------------
    def speed_kmh(self, mode: str) -> float:
        """Speed of ``mode``."""
        return float(self.speeds_kmh[mode])

    def service_of(self, kind: str) -> int:
        """Service minutes of ``kind`` (20 for a kind not listed)."""
        return int(self.service_min.get(kind, 20))

    def kind_windows(self, kind: str, dtype: str) -> list[Window]:
        """Windows of ``kind`` on a day of type ``dtype``, minutes of the day."""
        spans = self.windows.get(kind, self.windows.get("household", {})).get(dtype, [])
        return _parse_windows(spans, "", "", [])

    def cadre_window(self, dtype: str) -> Window | None:
        """Return the cadres' visiting window on a day type, or None (no visiting)."""
        spans = _parse_windows(self.cadre_windows.get(dtype, []), "", "", [])
        return spans[0] if spans else None


_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")


def _parse_windows(spans: Any, fld: str, source: str, problems: list[Problem]) -> list[Window]:
    out: list[Window] = []
    if spans is None:
        return out
    if not isinstance(spans, list | tuple):
        problems.append(Problem(source, None, fld, 'expected a list like ["18:00-21:00"]',
                                value=repr(spans)))
        return out
    for s in spans:
        m = _HHMM.match(str(s))
        if not m:
            problems.append(Problem(source, None, fld, 'expected "HH:MM-HH:MM"', value=repr(s)))
            continue
        h1, m1, h2, m2 = (int(x) for x in m.groups())
        a, b = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or a >= b or b > 24 * 60:
            problems.append(Problem(source, None, fld, "expected a start before the end "
                                    "within one day", value=repr(s)))
            continue
        out.append((a, b))
    out.sort()
    return out


def day_type(day: dt.date, settings: RouteSettings) -> str:
    """``workday`` or ``weekend`` (holidays count as weekend, 调休 days as workdays)."""
    iso = day.isoformat()
    if iso in settings.workdays:
        return "workday"
    if iso in settings.holidays or day.weekday() >= 5:
        return "weekend"
    return "workday"


def slot_of(at: dt.datetime, settings: RouteSettings) -> str:
    """Time slot of a moment: ``weekend``, or a workday's ``evening`` or ``daytime``."""
    if day_type(at.date(), settings) == "weekend":
        return "weekend"
    return "evening" if at.hour * 60 + at.minute >= EVENING_FROM_MIN else "daytime"


# ---------------------------------------------------------------------------------------
# Inputs and outputs
# ---------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------
# Building the routing problem
# ---------------------------------------------------------------------------------------
def _natural(s: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s)]


@dataclass
class _Group:
    point: tuple[float, float]
    members: list[StopTarget]
    service_s: int
    windows: list[tuple[int, int]]  # absolute seconds, start-of-service intervals
    priority: bool


@dataclass
class _Built:
    problem: RoutingProblem
    groups: list[_Group]            # node i + 1
    day0: dt.datetime               # time origin (midnight of the first day)
    matrix: Any                     # TravelMatrix over [base] + group points
    no_window: list[StopTarget]     # targets no day can take at all


def _day_windows(job: CadreJob, settings: RouteSettings, hours: dict[str, float]
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


def _target_windows(t: StopTarget, service_s: int, settings: RouteSettings,
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


def build_problem(job: CadreJob, settings: RouteSettings, travel: Any) -> _Built:
    """Build the routing problem of one cadre: groups of targets, days as vehicles."""
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
    groups: list[_Group] = []
    no_window: list[StopTarget] = []
    chunk_cap = max(day_len // 2, 1)
    for members in buckets.values():
        members.sort(key=lambda t: (_natural(t.unit), t.target_id))
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
            groups.append(_Group(place, chunk, service_s, windows,
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
    return _Built(problem, groups, day0, matrix, no_window)


# ---------------------------------------------------------------------------------------
# Solving and reading the result
# ---------------------------------------------------------------------------------------
#: One search for a cadre: savings start, guided local search (the tuned default).
CADRE_CONFIG = SearchConfig(label="gls-psav1.0")

_REASONS = {
    "no_window": "its kind is never available while the cadre visits (time windows)",
    "unreachable": "no single day can serve it, even alone (too far or too long)",
    "not_fitted": "the phase's days are full",
    "no_vehicle": "no day of the cadre can take it",
    "capacity": "no day of the cadre can take it",
}


def _reason_code(r: str) -> str:
    return {"not_fitted": "days_full", "no_vehicle": "unreachable",
            "capacity": "unreachable"}.get(r, r)


def _schedule_from(job: CadreJob, built: _Built, routes: Sequence[tuple[int, list[int], int]],
                   dropped: Sequence[tuple[int, str]], solve_s: float, status: str = "ok",
                   message: str = "", with_lines: bool = True) -> CadreSchedule:
    problem, groups, day0 = built.problem, built.groups, built.day0
    dur, dist = problem.duration, problem.distance
    days: list[DayRoute] = []

    def at(s: int) -> dt.datetime:
        return day0 + dt.timedelta(seconds=int(s) * UNIT_S)

    for k, seq, leave in routes:
        if not seq:
            continue
        v = problem.vehicles[k]
        t, prev, meters = leave, 0, 0
        timeline: list[tuple[int, int, int, int]] = []  # node, arrive, start, end
        for node in seq:
            arrive = t + int(dur[prev, node])
            start = next((max(a, arrive) for a, b in problem.time_windows[node] if arrive <= b),
                         arrive)
            end = start + problem.service[node]
            timeline.append((node, arrive, start, end))
            meters += int(dist[prev, node])
            t, prev = end, node
        meters += int(dist[prev, 0])
        back = t + int(dur[prev, 0])
        first_node, _arr, first_start, _e = timeline[0]
        depart = max(leave, first_start - int(dur[0, first_node]), v.earliest)
        if depart != leave:
            timeline[0] = (first_node, depart + int(dur[0, first_node]), first_start,
                           timeline[0][3])
        stops: list[ScheduledStop] = []
        stop_no, last_point = 0, None
        for node, arrive, start, _end in timeline:
            g = groups[node - 1]
            if g.point != last_point:
                stop_no += 1
                unit_base = 0
            else:
                unit_base = max(s.unit_order for s in stops if s.stop == stop_no) + 1
            last_point = g.point
            svc = problem.service[node] // len(g.members)
            for u, m in enumerate(g.members):
                s0 = start + u * svc
                stops.append(ScheduledStop(stop_no, unit_base + u, m.target_id, m.purpose,
                                           m.priority, at(arrive if u == 0 else s0), at(s0),
                                           at(s0 + svc), g.point[0], g.point[1]))
        line: list[tuple[float, float]] = []
        if with_lines:
            path = [0] + list(seq) + [0]
            pts = built.matrix.points
            for i, j in zip(path, path[1:], strict=False):
                if i == j or tuple(pts[i]) == tuple(pts[j]):
                    continue
                seg = built.matrix.line(i, j)
                line.extend(seg if not line else seg[1:])
        days.append(DayRoute(at(v.earliest).date(), at(depart), at(back), float(meters),
                             tuple(stops), tuple(line)))
    left: list[LeftOut] = [LeftOut(t.target_id, t.purpose, "no_window", _REASONS["no_window"])
                           for t in built.no_window]
    days_full_s = 0
    for node, reason in dropped:
        g = groups[node - 1]
        code = _reason_code(reason)
        if code == "days_full":
            days_full_s += g.service_s
        for m in g.members:
            left.append(LeftOut(m.target_id, m.purpose, code, _REASONS.get(reason, reason)))
    extra = 0
    if days_full_s:
        # Pace of the routed days: working seconds per day and the travel share.
        used = [d for d in days if d.stops]
        worked = sum(d.duration_s for d in used)
        served = sum((s.end - s.start).total_seconds() for d in used for s in d.stops)
        travel_share = (worked - served) / worked if worked else 0.3
        per_day = (worked / len(used)) if used else max(
            (v.max_duration or (v.latest - v.earliest)) for v in problem.vehicles) * UNIT_S
        need = days_full_s / max(1e-9, 1.0 - min(travel_share, 0.8))
        extra = int(math.ceil(need / max(per_day, 1)))
    left.sort(key=lambda x: x.target_id)
    return CadreSchedule(job.cadre_ext_id, job.mode, days, left, extra, solve_s, status,
                         message, built.matrix.source)


def plan_cadre(job: CadreJob, settings: RouteSettings, travel: Any, *,
               time_limit_s: float = 2.0, with_lines: bool = True,
               config: SearchConfig = CADRE_CONFIG) -> CadreSchedule:
    """Plan one cadre's days with OR-Tools (one process; run cadres in parallel)."""
    started = time.monotonic()
    built = build_problem(job, settings, travel)
    if not built.groups:
        return _schedule_from(job, built, [], [], time.monotonic() - started)
    # Start from the greedy schedule: OR-Tools' own first solutions often leave every
    # target out on this model (several windows a target, all targets optional).
    initial = [seq for _k, seq, _l in nearest_neighbour(built.problem)]
    remaining = max(0.2, time_limit_s - (time.monotonic() - started))
    result: RoutingResult = solve(built.problem, time_limit_s=remaining, workers=1,
                                  configs=[config], initial=initial)
    if result.status == "no_solution":
        return _schedule_from(job, built, [], [(g, "not_fitted") for g in
                                               range(1, len(built.groups) + 1)],
                              time.monotonic() - started, "failed", result.message)
    routes = [(r.vehicle, list(r.nodes), r.departure) for r in result.routes]
    dropped = [(d.node, d.reason) for d in result.dropped]
    sched = _schedule_from(job, built, routes, dropped, time.monotonic() - started,
                           with_lines=with_lines)
    sched.figures = {"nodes": built.problem.num_nodes - 1, "days": built.problem.num_vehicles,
                     "config": result.config}
    return sched


# ---------------------------------------------------------------------------------------
# Baseline: nearest neighbour, day by day
# ---------------------------------------------------------------------------------------
def nearest_neighbour(problem: RoutingProblem) -> list[tuple[int, list[int], int]]:
    """Greedy routes: each vehicle in order, always to the nearest node it can still serve.

    Vehicles are used in order, at most ``max_active_vehicles`` of them.
    From the start node at ``earliest``, go to the closest (objective matrix) unrouted
    node whose window can still be met and from which the vehicle can still get back in
    time and within ``max_duration``; stop when none is left. Returns
    ``(vehicle, nodes, leave)`` like the router's raw routes.
    """
    dur, cost = problem.duration, problem.cost_matrix
    left = set(problem.visit_nodes)
    out: list[tuple[int, list[int], int]] = []
    cap = problem.max_active_vehicles
    for k, v in enumerate(problem.vehicles):
        if cap is not None and sum(1 for _k, seq, _l in out if seq) >= cap:
            out.append((k, [], v.earliest))
            continue
        t, prev, seq = v.earliest, v.start_node, []
        first_start: int | None = None
        while left:
            best, best_c = None, None
            for j in left:
                arrive = t + int(dur[prev, j])
                start = next((max(a, arrive) for a, b in problem.time_windows[j] if arrive <= b),
                             None)
                if start is None:
                    continue
                end = start + problem.service[j]
                back = end + int(dur[j, v.end_node])
                if back > v.latest:
                    continue
                leave = (first_start if first_start is not None
                         else start - int(dur[v.start_node, j]))
                if v.max_duration is not None and back - max(leave, v.earliest) > v.max_duration:
                    continue
                c = int(cost[prev, j])
                if best_c is None or c < best_c or (c == best_c and j < best):
                    best, best_c = j, c
            if best is None:
                break
            arrive = t + int(dur[prev, best])
            start = next(max(a, arrive) for a, b in problem.time_windows[best] if arrive <= b)
            if first_start is None:
                first_start = start - int(dur[v.start_node, best])
            seq.append(best)
            left.discard(best)
            t, prev = start + problem.service[best], best
        out.append((k, seq, v.earliest))
    return out


def plan_cadre_baseline(job: CadreJob, settings: RouteSettings, travel: Any,
                        *, with_lines: bool = False) -> CadreSchedule:
    """Plan one cadre with the nearest-neighbour baseline (for benchmarks)."""
    started = time.monotonic()
    built = build_problem(job, settings, travel)
    routes = nearest_neighbour(built.problem) if built.groups else []
    routed = {n for _k, seq, _l in routes for n in seq}
    dropped = [(i, "not_fitted") for i in built.problem.visit_nodes if i not in routed]
    return _schedule_from(job, built, routes, dropped, time.monotonic() - started,
                          with_lines=with_lines)
