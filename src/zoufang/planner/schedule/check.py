"""Independent checker of a cadre's multi-day schedule (走访日程校验).

It did not make the schedule: it reads the job (the cadre's area targets, days, base),
the settings and the schedule's plain fields (days, stops with times, targets left
out), asks the travel model for a fresh matrix over the points it sees, and recomputes
every arrival, window and distance itself. Tests and the route benchmark call it on
every schedule, ours and the nearest-neighbour baseline's.

Violation codes
---------------
``not_in_area``     a routed target is not one of the cadre's targets
``duplicate``       a target routed twice, or routed and left out
``missing``         a target neither routed nor left out
``bad_day``         a route on a day that is not one of the job's days
``too_many_days``   more days with visits than the cadre's days available
``early_departure`` leaves before the cadre's window (or the re-plan moment)
``late_return``     back after the cadre's window closes
``too_long``        out longer than the day's hours
``early_start``     a visit starts before the cadre can have got there (travel recomputed)
``outside_window``  a visit not inside a window of its kind on that day type
                    (it must start and end inside the window)
``retry_same_slot`` a retry at a slot that already failed while another slot was open
``service``         a visit shorter than its kind's service minutes
``distance``        the day's reported distance differs from the recomputed one
``stop_spread``     a target reported at a stop farther than ``same_point_m`` from
                    where it is (a stop is one place: no travel inside it)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zoufang.gis.travel import TravelModel

__all__ = ["ScheduleCheck", "ScheduleViolation", "check_schedule"]

_TOL_S = 1
_TOL_M = 2.0


@dataclass(frozen=True)
class ScheduleViolation:
    """One broken rule (see the module docstring for codes)."""

    code: str
    message: str
    day: dt.date | None = None
    target_id: int | None = None

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass
class ScheduleCheck:
    """What :func:`check_schedule` found."""

    violations: list[ScheduleViolation] = field(default_factory=list)
    routed: int = 0
    left_out: int = 0
    distance_m: float = 0.0
    window_violations: int = 0

    @property
    def ok(self) -> bool:
        """No rule broken."""
        return not self.violations

    def summary(self, limit: int = 10) -> str:
        """Return a few lines for people."""
        if self.ok:
            return (f"ok: {self.routed} routed, {self.left_out} left out, "
                    f"{self.distance_m / 1000:.1f} km")
        lines = [f"{len(self.violations)} violation(s):"]
        lines += [f"  {v}" for v in self.violations[:limit]]
        return "\n".join(lines)


def _weekend(day: dt.date, settings: Any) -> bool:
    iso = day.isoformat()
    if iso in settings.workdays:
        return False
    return iso in settings.holidays or day.weekday() >= 5


def _span(text: str) -> tuple[int, int]:
    """``"HH:MM-HH:MM"`` as minutes of the day."""
    a, b = text.replace("–", "-").split("-")
    return (int(a.split(":")[0]) * 60 + int(a.split(":")[1]),
            int(b.split(":")[0]) * 60 + int(b.split(":")[1]))


def _minutes(t: dt.datetime, day: dt.date) -> float:
    return (t - dt.datetime.combine(day, dt.time())).total_seconds() / 60.0


def check_schedule(job: Any, settings: Any, schedule: Any, travel: TravelModel) -> ScheduleCheck:
    """Check ``schedule`` (a :class:`~zoufang.planner.schedule.CadreSchedule`) for ``job``.

    Parameters
    ----------
    job
        The :class:`~zoufang.planner.schedule.CadreJob` the schedule was made for.
    settings
        The :class:`~zoufang.planner.schedule.ScheduleSettings` it was made with.
    schedule
        Anything with ``mode``, ``days`` (each with ``day``, ``depart``, ``back``,
        ``distance_m`` and ``stops`` of ``target_id``, ``stop``, ``lon``, ``lat``,
        ``start``, ``end``) and ``left_out`` (items with ``target_id``).
    travel
        A travel model; the checker asks it for a fresh matrix (metres) over the base
        and every stop's point, and recomputes every leg at the mode's speed.

    Returns
    -------
    ScheduleCheck
        Every violation (codes in the module docstring) and the routed, left-out and
        distance figures.
    """
    rep = ScheduleCheck()
    out = rep.violations
    targets = {t.target_id: t for t in job.targets}
    seen: set[int] = set()
    days_ok = set(job.days)
    speed = settings.speeds_kmh[schedule.mode] / 3.6  # m/s

    # One matrix over the base and every distinct stop point.
    pts: list[tuple[float, float]] = [tuple(job.base)]
    index: dict[tuple[float, float], int] = {pts[0]: 0}
    for d in schedule.days:
        for s in d.stops:
            p = (s.lon, s.lat)
            if p not in index:
                index[p] = len(pts)
                pts.append(p)
    mat = travel.matrix(np.asarray(pts, dtype=float), schedule.mode)
    dist = np.asarray(mat.distance_m, dtype=float)

    for d in schedule.days:
        if d.day not in days_ok:
            out.append(ScheduleViolation("bad_day", f"route on {d.day}, not a day of the job",
                                         d.day))
        weekend = _weekend(d.day, settings)
        dtype = "weekend" if weekend else "workday"
        spans = settings.cadre_windows.get(dtype) or []
        if not spans:
            out.append(ScheduleViolation("bad_day", f"{d.day} is a {dtype} without visiting",
                                         d.day))
            continue
        ca, cb = _span(spans[0])
        if _minutes(d.depart, d.day) < ca - 1e-9 or (
                job.not_before is not None and d.depart < job.not_before):
            out.append(ScheduleViolation("early_departure",
                                         f"{d.day}: leaves at {d.depart:%H:%M}", d.day))
        if _minutes(d.back, d.day) > cb + 1e-9:
            out.append(ScheduleViolation("late_return", f"{d.day}: back at {d.back:%H:%M}, "
                                         f"window ends {cb // 60:02d}:{cb % 60:02d}", d.day))
        hours = settings.cadre_hours.get(dtype) or job.hours_per_day
        if (d.back - d.depart).total_seconds() > hours * 3600 + _TOL_S:
            out.append(ScheduleViolation("too_long", f"{d.day}: out "
                                         f"{(d.back - d.depart).total_seconds() / 3600:.2f} h "
                                         f"> {hours} h", d.day))
        t, prev, meters = d.depart, 0, 0.0
        for s in d.stops:
            if s.target_id not in targets:
                out.append(ScheduleViolation("not_in_area", f"target {s.target_id} is not the "
                                             "cadre's", d.day, s.target_id))
            if s.target_id in seen:
                out.append(ScheduleViolation("duplicate", f"target {s.target_id} routed twice",
                                             d.day, s.target_id))
            seen.add(s.target_id)
            here = index[(s.lon, s.lat)]
            leg = dist[prev, here]
            own = targets.get(s.target_id)
            if own is not None:
                # A stop is one place (a block): each unit must really lie there.
                apart = float(np.hypot((s.lon - own.lon) * 111_320 * np.cos(np.radians(own.lat)),
                                       (s.lat - own.lat) * 110_540))
                if apart > settings.same_point_m + 0.5:
                    out.append(ScheduleViolation("stop_spread", f"target {s.target_id} is "
                                                 f"{apart:.0f} m from its stop {s.stop}",
                                                 d.day, s.target_id))
            meters += leg
            earliest = t + dt.timedelta(seconds=float(np.ceil(leg / speed)) - _TOL_S)
            if s.start < earliest:
                out.append(ScheduleViolation("early_start", f"target {s.target_id} starts "
                                             f"{s.start:%H:%M:%S}, cannot be there before "
                                             f"{earliest:%H:%M:%S}", d.day, s.target_id))
            tgt = targets.get(s.target_id)
            if tgt is not None:
                need = settings.service_min.get(tgt.kind, 20) * 60
                if (s.end - s.start).total_seconds() < need - _TOL_S:
                    out.append(ScheduleViolation("service", f"target {s.target_id} served "
                                                 f"{(s.end - s.start).total_seconds():.0f} s "
                                                 f"< {need} s", d.day, s.target_id))
                kinds = settings.windows.get(tgt.kind) or settings.windows.get("household", {})
                st, en = _minutes(s.start, d.day), _minutes(s.end, d.day)
                inside = False
                for span in kinds.get(dtype, []):
                    wa, wb = _span(span)
                    if wa - 1e-9 <= st and en <= wb + 1e-9:
                        inside = True
                if not inside:
                    rep.window_violations += 1
                    out.append(ScheduleViolation("outside_window", f"target {s.target_id} "
                                                 f"({tgt.kind}) visited {s.start:%a %H:%M}–"
                                                 f"{s.end:%H:%M}, outside its windows",
                                                 d.day, s.target_id))
                if tgt.exclude_slots:
                    slot = "weekend" if weekend else (
                        "evening" if s.start.hour >= 17 else "daytime")
                    open_slots = _open_slots(tgt.kind, job.days, settings,
                                             getattr(job, "not_before", None))
                    if slot in tgt.exclude_slots and open_slots - set(tgt.exclude_slots):
                        out.append(ScheduleViolation("retry_same_slot", f"target "
                                                     f"{s.target_id} retried at {slot} again",
                                                     d.day, s.target_id))
            t, prev = s.end, here
        meters += dist[prev, 0]
        back = t + dt.timedelta(seconds=float(np.ceil(dist[prev, 0] / speed)) - _TOL_S)
        if d.back < back:
            out.append(ScheduleViolation("late_return", f"{d.day}: reported back "
                                         f"{d.back:%H:%M:%S} before it can be "
                                         f"({back:%H:%M:%S})", d.day))
        if abs(meters - d.distance_m) > _TOL_M * (len(d.stops) + 1):
            out.append(ScheduleViolation("distance", f"{d.day}: reported {d.distance_m:.0f} m, "
                                         f"recomputed {meters:.0f} m", d.day))
        rep.distance_m += meters
        rep.routed += len(d.stops)
    worked = sum(1 for d in schedule.days if d.stops)
    if getattr(job, "max_days", None) is not None and worked > job.max_days:
        out.append(ScheduleViolation("too_many_days", f"{worked} days of visits > the "
                                     f"cadre's {job.max_days} days available"))
    for lo in schedule.left_out:
        if lo.target_id in seen:
            out.append(ScheduleViolation("duplicate", f"target {lo.target_id} routed and left "
                                         "out", None, lo.target_id))
        seen.add(lo.target_id)
        rep.left_out += 1
    for tid in sorted(set(targets) - seen):
        out.append(ScheduleViolation("missing", f"target {tid} neither routed nor left out",
                                     None, tid))
    return rep


def _open_slots(kind: str, days: Sequence[dt.date], settings: Any,
                not_before: dt.datetime | None = None) -> set[str]:
    """Slots in which a visit of ``kind`` can really take place over ``days``.

    A slot is open when some start of service fits in it: inside one of the kind's
    windows, inside the cadre's window of that day type (and after ``not_before``), with
    the whole service time before the window ends. A workday window is split at 17:00
    like the builder does, so an office window running to 17:30 with a 40-minute
    service does not open the evening.
    """
    svc = float((getattr(settings, "service_min", {}) or {}).get(kind, 20))
    slots: set[str] = set()
    for day in days:
        weekend = _weekend(day, settings)
        dtype = "weekend" if weekend else "workday"
        cadre = settings.cadre_windows.get(dtype) or []
        if not cadre:
            continue
        ca, cb = _span(cadre[0])
        if not_before is not None:
            if not_before.date() > day:
                continue
            if not_before.date() == day:
                ca = max(ca, not_before.hour * 60 + not_before.minute)
        spans = (settings.windows.get(kind) or {}).get(dtype, [])
        for span in spans:
            a, b = _span(span)
            a, b = max(a, ca), min(b, cb)
            if weekend:
                pieces = [("weekend", a, b)]
            else:
                pieces = [("daytime", a, min(b, 17 * 60)), ("evening", max(a, 17 * 60), b)]
            for name, x, y in pieces:
                if x + svc <= y + 1e-9:
                    slots.add(name)
    return slots
