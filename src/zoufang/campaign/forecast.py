"""Can this phase reach 100 %? The forecast of a campaign's phase (走访率预测).

:func:`forecast_campaign` answers it with the availability model
(:mod:`zoufang.planner.availability`) — the same rules the route planner works with — for
the campaign's current visit areas, without solving routes:

- the phase's days from ``as_of`` on (``visit`` = the whole 走访排查 phase, ``push`` = the
  concentrated push, ``revisit`` = 回访; :mod:`zoufang.campaign.phases`), holidays and 调休
  from the campaign's routing settings;
- per cadre, the targets of its area still to visit (targets settled before ``as_of``
  drop out, as in ``plan routes``; in the revisit phase, the issues awaiting the
  resident's rating that the cadre owns), by kind;
- targets without coordinates are left out as ``no_location``, targets found not at home
  ``remote_after`` times as ``remote`` (offer a phone/WeChat visit), as the route planner
  does;
- the cadre's days: its best ``days_available`` days of the phase (less the days gone,
  as the route planner's ``max_days``); on each, the target windows by kind within the
  cadres' daily window, capped by the hours of the day type;
- each visit costs its service minutes plus the walk to the next target (half the way to
  the two nearest other targets of the area × detour, at the cadre's travel speed); each
  day out costs the way from the base to the area and back (twice the mean distance from
  the base to the area's targets × detour);
- the visits are filled in day by day, scarcest kind first
  (:func:`~zoufang.planner.availability.cadre_capacity`); what does not fit is left out as
  ``no_window`` (the kind is never available on the cadre's days) or ``days_full``.

The result says, per cadre (= per area), per village (a cadre's reachable visits shared
among its villages in proportion to its targets there) and for the township: targets,
reachable, left out and why, the extra cadre-days needed (of the most useful day type),
and what would close the gap. It is an estimate of what ``plan routes`` then routes: the
routes are solved with the real travel and the time windows of each stop.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from zoufang import _errors
from zoufang._errors import ValidationError
from zoufang.campaign.phases import PHASE_ALIASES, PLAN_PHASES, plan_phase
from zoufang.campaign.routes import _cadre_mode, _days_left, load_settings
from zoufang.campaign.store import (
    AreaPlan,
    AreaTarget,
    Cadre,
    Campaign,
    Grid,
    Issue,
    Store,
    Target,
    Village,
    Visit,
    VisitArea,
)
from zoufang.campaign.store.lookup import LookupRefused, resolve_campaign
from zoufang.campaign.visits import SETTLED_OUTCOMES
from zoufang.planner.availability import (
    best_days,
    cadre_capacity,
    day_usable_minutes,
    phase_days,
)
from zoufang.planner.schedule import ScheduleSettings

__all__ = ["Forecast", "ForecastInputError", "forecast_campaign", "forecast_of"]

_EARTH_M_PER_DEG = 111_320.0


class ForecastInputError(ValidationError):
    """The forecast cannot be made (no such phase, no visit areas); names what to do."""


@dataclass
class Forecast:
    """The forecast of one phase (see the module docstring); ``to_dict`` for JSON."""

    phase: str
    phase_name: str
    first_day: str | None
    last_day: str | None
    days: int
    as_of: str
    targets: int
    reachable: int
    left_out: int
    reasons: dict[str, int]
    reachable_pct: float
    can_reach_100: bool
    extra_cadre_days: int
    cadres: list[dict[str, Any]] = field(default_factory=list)
    villages: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    model: str = "availability"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)

    def summary(self) -> str:
        """Return a few lines for people."""
        why = ", ".join(f"{k} {v}" for k, v in sorted(self.reasons.items())) or "none"
        verdict = "YES" if self.can_reach_100 else "NO"
        lines = [
            f"forecast of the {self.phase_name} ({self.phase}) {self.first_day}–"
            f"{self.last_day}, {self.days} days from {self.as_of}: can it reach 100 %? "
            f"{verdict}",
            f"  targets {self.targets}: reachable {self.reachable} "
            f"({self.reachable_pct:.1f} %), left out {self.left_out} ({why}); extra "
            f"cadre-days needed {self.extra_cadre_days}",
        ]
        short = [c for c in self.cadres if c["left_out"]]
        for c in sorted(short, key=lambda c: -c["left_out"])[:15]:
            lines.append(f"  {c['cadre']} {c['name']} (区{c['area']}): {c['reachable']}/"
                         f"{c['targets']} reachable, left out {c['left_out']} "
                         f"({', '.join(f'{k} {v}' for k, v in sorted(c['reasons'].items()))})"
                         + (f", +{c['extra_days']} {c['extra_day_type']} days"
                            if c["extra_days"] else ""))
        if len(short) > 15:
            lines.append(f"  … and {len(short) - 15} more cadres short")
        lines += [f"  to close the gap: {s}" for s in self.suggestions]
        lines += [f"  note: {w}" for w in self.warnings]
        return "\n".join(lines)


def _metres(lon: np.ndarray, lat: np.ndarray, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    k = math.cos(math.radians(lat0))
    return lon * _EARTH_M_PER_DEG * k, lat * _EARTH_M_PER_DEG


def _travel_estimates(pts: Sequence[tuple[float, float]], base: tuple[float, float] | None,
                      settings: ScheduleSettings, mode: str) -> tuple[float, np.ndarray]:
    """Minutes of walking per visit; minutes base → target → base, nearest first."""
    if not pts:
        return 0.0, np.zeros(0)
    lon = np.array([p[0] for p in pts], dtype=float)
    lat = np.array([p[1] for p in pts], dtype=float)
    lat0 = float(lat.mean())
    x, y = _metres(lon, lat, lat0)
    speed = settings.speed_kmh(mode) * 1000.0 / 60.0
    if speed <= 0:
        return math.inf, np.full(len(pts), math.inf)
    per = 0.0
    if len(pts) >= 2:
        near = []
        for start in range(0, len(x), 1024):
            sl = slice(start, min(start + 1024, len(x)))
            d = np.hypot(x[sl, None] - x[None, :], y[sl, None] - y[None, :])
            d[np.arange(d.shape[0]), np.arange(sl.start, sl.stop)] = np.inf
            m = min(2, len(x) - 1)
            part = np.partition(d, m - 1, axis=1)[:, :m]
            part = np.where(part < settings.same_point_m, 0.0, part)  # one stop
            near.append(part.mean(axis=1) if m == 2 else part[:, 0] / 2)
        per = float(np.concatenate(near).mean()) * settings.detour / speed
    commute = np.zeros(len(x))
    if base is not None:
        bx, by = _metres(np.array([base[0]]), np.array([base[1]]), lat0)
        commute = np.sort(2.0 * np.hypot(x - bx[0], y - by[0]) * settings.detour / speed)
    return per, commute


def _phase_kind(kind: str) -> str:
    k = PHASE_ALIASES.get(kind, kind)
    if k not in PLAN_PHASES:
        raise ForecastInputError("forecast not made", [_errors.problem(
            "options", f"Expected a phase among {', '.join(PLAN_PHASES)}.", "phase", kind)])
    return k


def forecast_campaign(store: Store, *, township: str | None = None,
                      campaign: str | None = None, phase: str = "visit",
                      as_of: dt.datetime | None = None) -> Forecast:
    """Forecast the phase ``phase`` of the campaign from its current visit areas.

    Parameters
    ----------
    phase
        ``visit`` (the whole 走访排查 phase), ``push`` (集中走访) or ``revisit`` (回访).
    as_of
        Forecast from this local moment (visits recorded before it count; days before
        it are gone). Default: the phase's first day.

    Raises
    ------
    ForecastInputError
        No such phase, no current area plan, or ``as_of`` after the phase.
    """
    kind = _phase_kind(phase)
    with store.session() as s:
        camp = resolve_campaign(s, township=township, campaign=campaign)
        return forecast_of(s, camp, kind, as_of)


def forecast_of(s: Session, camp: Campaign, kind: str, as_of: dt.datetime | None) -> Forecast:
    """Return the forecast of campaign ``camp``'s phase ``kind`` in an open session.

    As :func:`forecast_campaign` (which finds the campaign), for a caller that has it.
    """
    try:
        ph = plan_phase(camp, kind)
    except LookupRefused as exc:
        raise ForecastInputError(exc.summary, exc.problems) from None
    settings = load_settings(s, camp.id)
    all_days = phase_days(ph.start, ph.end)
    if as_of is None:
        as_of = dt.datetime.combine(ph.start, dt.time())
    if as_of.date() > ph.end:
        raise ForecastInputError("forecast not made", [_errors.problem(
            "options", f"--as-of {as_of:%Y-%m-%d %H:%M} is after the phase's last day "
            f"{ph.end}: nothing is left to forecast.", "as_of", as_of)])
    days = [d for d in all_days if d >= as_of.date()]
    plan = s.scalar(select(AreaPlan).where(AreaPlan.campaign_id == camp.id,
                                           AreaPlan.status == "current"))
    if plan is None:
        raise ForecastInputError(f"campaign {camp.name!r} has no visit areas yet", [
            _errors.problem("plan", "No current area plan: run `zoufang plan areas` first "
                            "(the forecast counts each cadre's own area).")])
    areas = list(s.scalars(select(VisitArea).where(VisitArea.plan_id == plan.id)
                           .order_by(VisitArea.cadre_ext_id)))
    members: dict[int, list[int]] = defaultdict(list)
    for area_id, tid in s.execute(select(AreaTarget.area_id, AreaTarget.target_id).where(
            AreaTarget.area_id.in_([a.id for a in areas]))):
        members[area_id].append(tid)
    cadres = {c.id: c for c in s.scalars(select(Cadre).where(
        Cadre.id.in_([a.cadre_id for a in areas if a.cadre_id is not None])))}
    settled: set[int] = set()
    failed: Counter[int] = Counter()
    for tid, outcome in s.execute(select(Visit.target_id, Visit.outcome).where(
            Visit.campaign_id == camp.id, Visit.at < as_of)):
        if outcome in SETTLED_OUTCOMES:
            settled.add(tid)
        elif outcome == "not_home":
            failed[tid] += 1
    revisits: dict[int, set[int]] = defaultdict(set)
    for issue_tid, owner in s.execute(select(Issue.target_id, Issue.owner_cadre_id).where(
            Issue.campaign_id == camp.id, Issue.status == "reported",
            Issue.rating.is_(None), Issue.target_id.is_not(None))):
        if owner is not None and issue_tid is not None:
            revisits[owner].add(issue_tid)
    need = {t for a in areas for t in members[a.id]} | {t for v in revisits.values()
                                                       for t in v}
    trows = {r[0]: r for r in s.execute(
        select(Target.id, Target.kind, Target.lon, Target.lat, Village.name)
        .outerjoin(Grid, Grid.id == Target.grid_id)
        .outerjoin(Village, Village.id == Grid.village_id)
        .where(Target.id.in_(need)))}

    warnings: list[str] = []
    out_cadres: list[dict[str, Any]] = []
    reasons: Counter[str] = Counter()
    by_village: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    n_targets = n_reached = 0
    extra_days = 0
    for a in areas:
        c = cadres.get(a.cadre_id) if a.cadre_id is not None else None
        if c is None or not c.active:
            warnings.append(f"area {a.number} ({a.name}): its cadre {a.cadre_ext_id} is gone "
                            "or inactive, so its targets are not forecast (as `plan routes` "
                            "does not route them); re-pair the area first")
            continue
        if kind == "revisit":
            wanted = sorted(revisits.get(c.id, set()))
        else:
            wanted = [t for t in sorted(members[a.id]) if t not in settled]
            wanted += [t for t in sorted(revisits.get(c.id, set()))
                       if t in settled and t not in set(wanted)]
        why: Counter[str] = Counter()
        demand: Counter[str] = Counter()
        pts: list[tuple[float, float]] = []
        vil: Counter[str] = Counter()
        for tid in wanted:
            r = trows.get(tid)
            if r is None:
                continue
            vil[r[4] or ""] += 1
            if r[2] is None or r[3] is None:
                why["no_location"] += 1
                continue
            if kind != "revisit" and failed.get(tid, 0) >= settings.remote_after:
                why["remote"] += 1
                continue
            demand[r[1]] += 1
            pts.append((float(r[2]), float(r[3])))
        base = (float(c.base_lon), float(c.base_lat)) if (
            c.base_lon is not None and c.base_lat is not None) else None
        mode = _cadre_mode(c, settings, warnings)
        per_visit, ways = _travel_estimates(pts, base, settings, mode)
        hours = float(c.hours_per_day or 3.0)
        max_days = _days_left(c, all_days, days)
        chosen = best_days(days, settings, hours, list(demand), max_days)
        # The way out and back each day: to the targets the cadre can reach, nearest
        # first (a cadre short of days visits the near part of its area); a fixed point
        # of reachable -> mean way to that many nearest targets, a few rounds.
        n_reach = len(ways)
        commute = float(ways.mean()) if len(ways) else 0.0
        for _round in range(4):
            cap = cadre_capacity(dict(demand), chosen, settings, hours,
                                 travel_min=per_visit, day_overhead_min=commute)
            if cap.total_reachable == n_reach or not len(ways):
                break
            n_reach = cap.total_reachable
            commute = float(ways[:max(1, n_reach)].mean())
        why.update(cap.left_out)
        total = len([t for t in wanted if t in trows])
        reach = cap.total_reachable
        n_targets += total
        n_reached += reach
        reasons.update(why)
        extra_days += cap.extra_days
        for v, n in vil.items():
            share = n / total if total else 0.0
            row = by_village[v]
            row[0] += n
            row[1] += reach * share
            row[2] += (total - reach) * share
        out_cadres.append({
            "cadre": c.ext_id, "name": c.name, "area": a.number, "area_name": a.name,
            "villages": list(a.villages or []), "targets": total, "reachable": reach,
            "left_out": total - reach, "reasons": dict(why),
            "days_counted": len(chosen), "days_available": int(c.days_available or 0),
            "hours_per_day": hours, "mode": mode,
            "usable_h": round(sum(day_usable_minutes(d, settings, hours, list(demand))
                                  for d in chosen) / 60.0, 2),
            "visit_h": round(cap.minutes_used / 60.0, 2),
            "travel_min_per_visit": round(per_visit, 2),
            "commute_min_per_day": round(commute, 1),
            "extra_days": cap.extra_days, "extra_day_type": cap.extra_day_type,
            "days_left_in_phase": len(days),
        })
    left = n_targets - n_reached
    villages = [{"village": v or "(no village)", "targets": int(r[0]),
                 "reachable": int(round(r[1])), "left_out": int(r[0]) - int(round(r[1]))}
                for v, r in sorted(by_village.items())]
    suggestions = _suggestions(out_cadres, reasons, days, settings)
    return Forecast(
        phase=kind, phase_name=ph.name,
        first_day=days[0].isoformat() if days else None,
        last_day=days[-1].isoformat() if days else None, days=len(days),
        as_of=as_of.isoformat(timespec="minutes"), targets=n_targets, reachable=n_reached,
        left_out=left, reasons=dict(reasons),
        reachable_pct=round(100.0 * n_reached / n_targets, 1) if n_targets else 100.0,
        can_reach_100=left == 0, extra_cadre_days=extra_days, cadres=out_cadres,
        villages=villages, suggestions=suggestions, warnings=warnings)


def _suggestions(cadres: list[dict[str, Any]], reasons: Counter[str], days: list[dt.date],
                 settings: ScheduleSettings) -> list[str]:
    """Say what would close the gap, in plain words."""
    out: list[str] = []
    full = [c for c in cadres if c["reasons"].get("days_full")]
    if full:
        need = sum(c["extra_days"] for c in full)
        types = Counter(c["extra_day_type"] for c in full if c["extra_day_type"])
        kind = types.most_common(1)[0][0] if types else "workday"
        out.append(f"{len(full)} cadres run out of days: {need} more cadre-days, best "
                   f"{'weekend days' if kind == 'weekend' else 'workdays'} (longer phase, "
                   "more days available, or weekend days)")
        beyond = [c for c in full if c["extra_days"] > max(0, c["days_left_in_phase"]
                                                          - c["days_counted"])]
        if beyond:
            out.append(f"{len(beyond)} areas need more days than the phase has left for "
                       f"their cadre: give them a second cadre (e.g. "
                       f"{', '.join('区' + str(c['area']) for c in beyond[:5])})")
    if reasons.get("no_window"):
        out.append(f"{reasons['no_window']} targets have no window on the cadres' days: "
                   "widen the windows or the cadres' daily window in the route settings "
                   "(zoufang plan route-settings)")
    if reasons.get("remote"):
        out.append(f"{reasons['remote']} targets were not at home {settings.remote_after} "
                   "times: visit them by phone/WeChat")
    if reasons.get("no_location"):
        out.append(f"{reasons['no_location']} targets have no coordinates: fix their points "
                   "(zoufang problems --scope placement)")
    return out
