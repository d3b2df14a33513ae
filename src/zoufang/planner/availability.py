"""One model of a cadre's usable time: how many visits fit in a phase, and why not more.

The area planner, the route planner and the forecast should all ask this module the
same question: over a cadre's days, which minutes can it actually spend visiting targets
of each kind? The answer comes from the campaign's routing rules
(:class:`~zoufang.planner.schedule.ScheduleSettings`) — the targets' windows by kind and
day type, the cadres' daily window, the hours a cadre is out per day type, holidays and
调休 days, service minutes — and a travel allowance per visit (straight line × detour at
the travel mode's speed, or a figure measured on the roads).

A day's usable minutes for a kind are the overlap of the kind's windows with the cadre's
window (a piece counts only if one whole service fits in it) within the best single
stretch of the cadre's hours of that day type (a day out is one stretch from leaving the
base to coming back, waiting between windows included, as the route planner's
``max_duration``). A cadre's capacity over a mix of kinds is filled greedily, day by
day, scarcest kind first, every visit consuming its service plus travel from both the
kind's minutes and the day's budget — the same order of magnitude a route solver reaches,
without solving routes: it is an upper bound the routes approach, not a promise.

All times are minutes of the local day; nothing here reads a store or a file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from zoufang.planner.schedule.settings import ScheduleSettings, day_type

__all__ = ["CadreCapacity", "DayBudget", "best_days", "cadre_capacity", "day_budgets",
           "day_usable_minutes", "phase_days", "travel_minutes_per_visit", "usable_minutes"]


def phase_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every date from ``start`` to ``end`` inclusive (empty when ``end < start``)."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo < hi else None


def _covered(spans: Sequence[tuple[int, int]], lo: float, hi: float) -> float:
    """Minutes of ``[lo, hi]`` covered by the union of ``spans``."""
    clipped = [(max(float(a), lo), min(float(b), hi)) for a, b in spans]
    return float(_union_length([(a, b) for a, b in clipped if a < b]))


def _best_span(spans: Sequence[tuple[int, int]], win: tuple[int, int], length: float) -> float:
    """Return the most minutes of ``spans`` one stretch of ``length`` minutes in ``win`` covers.

    A cadre's day out is one stretch from leaving the base to coming back, at most its
    hours long (the route planner's ``max_duration`` counts the waiting too): with 6 h
    at a weekend, households at home 09:00-12:00 and 14:00-18:00 give 240 minutes, not
    420. The best stretch starts at a span's start or ends at a span's end (or at the
    window's edges).
    """
    if not spans:
        return 0.0
    lo_w, hi_w = float(win[0]), float(win[1])
    if length >= hi_w - lo_w:
        return _covered(spans, lo_w, hi_w)
    starts = {lo_w, hi_w - length}
    for a, b in spans:
        starts.add(float(a))
        starts.add(float(b) - length)
    best = 0.0
    for st in starts:
        st = min(max(st, lo_w), hi_w - length)
        best = max(best, _covered(spans, st, st + length))
    return best


@dataclass(frozen=True)
class DayBudget:
    """One day of a cadre: its type, minutes it can be out, usable minutes per kind.

    Attributes
    ----------
    day, dtype
        The date and its type (``workday`` or ``weekend``; holidays count as weekend,
        调休 days as workdays).
    budget_min
        Minutes the cadre can spend out this day: its window capped by its hours.
    usable_min
        Per kind, minutes in which visits of that kind can take place (each window ∩
        the cadre's window that holds at least one whole service) within the best one
        stretch of ``budget_min`` minutes (a day out is one stretch, waiting included);
        0 when the kind is never available that day.
    """

    day: dt.date
    dtype: str
    budget_min: float
    usable_min: Mapping[str, float]


def day_budgets(days: Iterable[dt.date], settings: ScheduleSettings, hours_per_day: float,
                kinds: Iterable[str]) -> list[DayBudget]:
    """Return the :class:`DayBudget` of each day for a cadre with ``hours_per_day``.

    ``settings.cadre_hours`` overrides the cadre's own hours per day type when set (as
    the route builder does).
    """
    kinds = list(kinds)
    out = []
    for day in days:
        dtype = day_type(day, settings)
        win = settings.cadre_window(dtype)
        hours = settings.cadre_hours.get(dtype) or hours_per_day
        if win is None or hours <= 0:
            out.append(DayBudget(day, dtype, 0.0, {k: 0.0 for k in kinds}))
            continue
        budget = float(min(win[1] - win[0], hours * 60.0))
        usable: dict[str, float] = {}
        for k in kinds:
            svc = settings.service_of(k)
            pieces = [ov for w in settings.kind_windows(k, dtype)
                      if (ov := _overlap(w, win)) is not None and ov[1] - ov[0] >= svc]
            usable[k] = min(_best_span(pieces, win, budget), budget)
        out.append(DayBudget(day, dtype, budget, usable))
    return out


def travel_minutes_per_visit(spacing_m: float, settings: ScheduleSettings,
                             mode: str | None = None) -> float:
    """Minutes of travel per visit for targets ``spacing_m`` apart (straight line × detour)."""
    speed = settings.speed_kmh(mode or settings.mode) * 1000.0 / 60.0   # m per minute
    return spacing_m * settings.detour / speed if speed > 0 else math.inf


@dataclass
class CadreCapacity:
    """What a cadre can visit over its days, by kind, and what is left out and why.

    Attributes
    ----------
    reachable
        Visits per kind that fit.
    left_out
        Per reason (``no_window``: the kind is never available on these days;
        ``days_full``: windows exist but the minutes run out), the number of targets.
    minutes_used, minutes_budget
        Minutes of visits (service + travel) placed, and the days' total budget.
    extra_days
        Extra days of the most useful type (the one with most minutes for the kinds
        left out by ``days_full``) that would take them all; 0 when nothing is left.
    """

    reachable: dict[str, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)
    minutes_used: float = 0.0
    minutes_budget: float = 0.0
    extra_days: int = 0
    extra_day_type: str | None = None

    @property
    def total_reachable(self) -> int:
        """All visits that fit."""
        return sum(self.reachable.values())

    @property
    def total_left_out(self) -> int:
        """All targets left out."""
        return sum(self.left_out.values())


def cadre_capacity(demand: Mapping[str, int], days: Sequence[dt.date],
                   settings: ScheduleSettings, hours_per_day: float,
                   travel_min: float | Mapping[str, float] = 0.0,
                   day_overhead_min: float = 0.0) -> CadreCapacity:
    """Fill a cadre's days with its ``demand`` (targets per kind), scarcest kind first.

    Parameters
    ----------
    demand
        Targets of each kind the cadre has to visit.
    days
        The cadre's days in the phase (after its own days off).
    settings
        The campaign's routing rules.
    hours_per_day
        The cadre's own hours per day (``settings.cadre_hours`` overrides per day type).
    travel_min
        Minutes of travel per visit, one figure or one per kind.
    day_overhead_min
        Minutes each day out costs before any visit (the way from the base to the area
        and back): taken from the day's budget and from every kind's usable minutes
        (the cadre must be back within its window), on the days the cadre goes out.

    Returns
    -------
    CadreCapacity
        Reachable visits per kind, left out per reason, and the extra days needed.
    """
    kinds = [k for k, n in demand.items() if n > 0]
    budgets = day_budgets(days, settings, hours_per_day, kinds)

    def cost(k: str) -> float:
        tr = travel_min.get(k, 0.0) if isinstance(travel_min, Mapping) else travel_min
        return settings.service_of(k) + float(tr)

    res = CadreCapacity(minutes_budget=sum(b.budget_min for b in budgets))
    left = {k: int(demand[k]) for k in kinds}
    open_min = {k: sum(b.usable_min[k] for b in budgets) for k in kinds}
    order = sorted(kinds, key=lambda k: (open_min[k], k))
    over = max(0.0, float(day_overhead_min))
    for b in budgets:
        day_left = b.budget_min - over
        for k in order:
            if left[k] <= 0 or b.usable_min[k] <= 0:
                continue
            c = cost(k)
            room = min(b.usable_min[k] - over, day_left)
            fit = int(max(0.0, room) // c) if c > 0 else left[k]
            n = min(fit, left[k])
            if n <= 0:
                continue
            left[k] -= n
            res.reachable[k] = res.reachable.get(k, 0) + n
            day_left -= n * c
            res.minutes_used += n * c
    need_min = 0.0
    for k in kinds:
        if left[k] <= 0:
            continue
        reason = "no_window" if open_min[k] <= 0 else "days_full"
        res.left_out[reason] = res.left_out.get(reason, 0) + left[k]
        if reason == "days_full":
            need_min += left[k] * cost(k)
    if need_min > 0:
        # The day type that holds the most minutes of the kinds left out.
        best: tuple[float, str] | None = None
        for dtype, sample in (("workday", dt.date(2024, 3, 4)), ("weekend", dt.date(2024, 3, 2))):
            plain = dataclasses.replace(settings, holidays=(), workdays=())
            (b,) = day_budgets([sample], plain, hours_per_day, kinds)
            per_day = min(b.budget_min,
                          sum(b.usable_min[k] for k in kinds if left[k] > 0)) - over
            if per_day > 0 and (best is None or per_day > best[0]):
                best = (per_day, dtype)
        if best is not None:
            res.extra_days = math.ceil(need_min / best[0] - 1e-9)
            res.extra_day_type = best[1]
    return res


def _union_length(spans: Iterable[tuple[float, float]]) -> float:
    """Minutes covered by the union of ``spans`` (overlaps counted once)."""
    total: float = 0
    end: float | None = None
    lo: float = 0
    for a, b in sorted(spans):
        if end is None or a > end:
            if end is not None:
                total += end - lo
            lo, end = a, b
        else:
            end = max(end, b)
    if end is not None:
        total += end - lo
    return total


def day_usable_minutes(day: dt.date, settings: ScheduleSettings, hours_per_day: float,
                       kinds: Iterable[str]) -> float:
    """Minutes of ``day`` in which a cadre can visit a target of any of ``kinds``.

    The union, over the kinds, of each kind's windows of the day's type ∩ the cadre's
    window (a piece counts only if one whole visit of that kind fits in it), within the
    best single stretch of the day's budget (the cadre's hours of that day type, at most
    its window; ``settings.cadre_hours`` overrides the cadre's own hours, as the route
    builder does): a day out is one stretch, waiting between windows included.
    """
    dtype = day_type(day, settings)
    win = settings.cadre_window(dtype)
    hours = settings.cadre_hours.get(dtype) or hours_per_day
    if win is None or hours <= 0:
        return 0.0
    budget = float(min(win[1] - win[0], hours * 60.0))
    pieces = []
    for k in kinds:
        svc = settings.service_of(k)
        for w in settings.kind_windows(k, dtype):
            ov = _overlap(w, win)
            if ov is not None and ov[1] - ov[0] >= svc:
                pieces.append(ov)
    return min(budget, _best_span(pieces, win, budget))


def best_days(days: Sequence[dt.date], settings: ScheduleSettings, hours_per_day: float,
              kinds: Iterable[str], max_days: int | None = None) -> list[dt.date]:
    """Return the days a cadre with ``max_days`` of the phase's ``days`` would work.

    The route planner lets such a cadre visit on any of the phase's days, at most
    ``max_days`` of them (``CadreJob.max_days``), and its search keeps the days that hold
    the most visits; so the availability model counts the cadre's best ``max_days`` days
    — most usable minutes first, the earlier day first among equals — returned in date
    order. All days when ``max_days`` is None or covers the phase.
    """
    kinds = list(kinds)
    if max_days is None or max_days >= len(days):
        return list(days)
    ranked = sorted(days, key=lambda d: (-day_usable_minutes(d, settings, hours_per_day,
                                                             kinds), d))
    return sorted(ranked[:max(0, max_days)])


def usable_minutes(days: Sequence[dt.date], settings: ScheduleSettings, hours_per_day: float,
                   kinds: Iterable[str], max_days: int | None = None) -> float:
    """Minutes a cadre can really spend visiting targets of ``kinds`` over ``days``.

    Per day, :func:`day_usable_minutes`: the union of the kinds' windows within the
    cadre's window, capped by the day's budget. This is the area planner's capacity
    under the availability model, in place of ``hours x 60 x days`` (the area is not
    known before it is planned, so every kind of the township counts). With
    ``max_days`` (a cadre available fewer days than the phase has) only its best
    ``max_days`` days count (:func:`best_days`).
    """
    kinds = list(kinds)
    chosen = best_days(days, settings, hours_per_day, kinds, max_days)
    return float(sum(day_usable_minutes(d, settings, hours_per_day, kinds) for d in chosen))
