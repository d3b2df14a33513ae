"""Progress against the plan (挂图作战): visited so far against the plan's day-by-day curve.

For a phase of a campaign (``visit`` 走访排查, ``push`` 集中走访, ``revisit`` 回访) and a
moment ``as_of`` (default now), per cadre (its visit area), village and the township:

- **targets**: the targets of the group (a cadre's: those of its area in the current area
  plan; a village's: those of its grids);
- **planned** (the curve): how many of them the plan has visited by the end of each day
  of the phase. With a current route plan of the phase, a target counts from the first
  day a route visits it (targets the routes leave out never count, so the curve may end
  short of 100 %, as the plan does). Without one, the plan is a straight line from 0 on
  the eve of the phase's first day to all targets on its last day;
- **visited** (the curve to ``as_of``): targets with a settled visit (visited, refused,
  vacant: as 走访率 counts them, :mod:`zoufang.campaign.measures`) from the phase's first
  day, by the end of each day;
- **pace**: targets newly visited per day over the last :data:`PACE_DAYS` days to
  ``as_of`` (fewer at the phase's start); **projected_day**: the day 100 % is reached at
  that pace (None at no pace); **reachable_share**: the share visited by the phase's last
  day at that pace;
- **warning**: after the first :data:`EARLY_DAYS` days of the phase, ``red`` when the
  group is below :data:`RED_RATIO` of the plan to date, or its projected day falls after
  the phase's end; ``yellow`` below :data:`YELLOW_RATIO`; else none. An early warning,
  so that an area falling behind is seen while there is time to catch up.

The figures are computed from three set-wise queries (targets with their village and
area, first planned day per target, first settled visit per target); the curves are
counted with numpy.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zoufang._errors import problem
from zoufang.campaign.phases import PLAN_PHASES, plan_phase
from zoufang.campaign.store import Campaign, Grid, Target, Village, Visit, local_now
from zoufang.campaign.store.areas import AreaPlan, AreaTarget, VisitArea
from zoufang.campaign.store.lookup import LookupRefused
from zoufang.campaign.store.routes import RouteDay, RoutePlan, RouteStop
from zoufang.campaign.visits import SETTLED_OUTCOMES

__all__ = ["EARLY_DAYS", "PACE_DAYS", "RED_RATIO", "YELLOW_RATIO", "Group", "Progress",
           "progress"]

#: Days over which the pace is measured.
PACE_DAYS: Final = 3
#: Days of the phase before a group can be warned about (too little to judge before).
EARLY_DAYS: Final = 3
#: Below this share of the plan to date a group is red, below YELLOW_RATIO yellow.
RED_RATIO: Final = 0.7
YELLOW_RATIO: Final = 0.9


@dataclass
class Group:
    """The progress of one cadre's area, village or the township."""

    level: str
    key: str
    name: str
    targets: int
    planned: list[int]
    visited: list[int]
    planned_to_date: int = 0
    visited_to_date: int = 0
    pace: float = 0.0
    projected_day: dt.date | None = None
    reachable_share: float | None = None
    warning: str | None = None

    @property
    def ratio(self) -> float | None:
        """Visited to date against planned to date (None before anything is planned)."""
        return self.visited_to_date / self.planned_to_date if self.planned_to_date else None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (dates as ISO text)."""
        return {"level": self.level, "key": self.key, "name": self.name,
                "targets": self.targets, "planned_to_date": self.planned_to_date,
                "visited_to_date": self.visited_to_date,
                "behind": max(0, self.planned_to_date - self.visited_to_date),
                "ratio": None if self.ratio is None else round(self.ratio, 4),
                "pace_per_day": round(self.pace, 2),
                "projected_day": self.projected_day.isoformat() if self.projected_day else None,
                "reachable_share": (None if self.reachable_share is None
                                    else round(self.reachable_share, 4)),
                "warning": self.warning, "planned": self.planned, "visited": self.visited}


@dataclass
class Progress:
    """Progress of a phase: its days, the plan it is measured against, every group."""

    campaign: str
    phase: str
    phase_name: str
    start: dt.date
    end: dt.date
    as_of: dt.datetime
    plan: str  # "routes" (the current route plan's days) or "linear"
    route_plan_id: int | None
    days: list[dt.date]
    township: Group
    villages: list[Group] = field(default_factory=list)
    cadres: list[Group] = field(default_factory=list)

    def ranked(self, level: str) -> list[Group]:
        """Return the groups of ``level`` (``cadre`` or ``village``), furthest behind first."""
        groups = self.cadres if level == "cadre" else self.villages
        order = {"red": 0, "yellow": 1, None: 2}
        return sorted(groups, key=lambda g: (order[g.warning],
                                             g.ratio if g.ratio is not None else 9.0, g.key))

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"campaign": self.campaign, "phase": self.phase, "phase_name": self.phase_name,
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "as_of": self.as_of.isoformat(sep=" ", timespec="minutes"),
                "plan": self.plan, "route_plan_id": self.route_plan_id,
                "days": [d.isoformat() for d in self.days],
                "township": self.township.to_dict(),
                "villages": [g.to_dict() for g in self.ranked("village")],
                "cadres": [g.to_dict() for g in self.ranked("cadre")]}

    def summary(self) -> str:
        """Text for the CLI: the township, then the cadres and villages behind first."""
        t = self.township
        lines = [f"{self.campaign} · {self.phase_name} {self.start}–{self.end} · as of "
                 f"{self.as_of:%Y-%m-%d %H:%M} · plan: "
                 + ("the route plan's days" if self.plan == "routes" else "linear"),
                 _line(t)]
        for level, title in (("cadre", "cadres"), ("village", "villages")):
            groups = self.ranked(level)
            if groups:
                lines.append(f"{title} (furthest behind first):")
                lines += ["  " + _line(g) for g in groups]
        return "\n".join(lines)


def _line(g: Group) -> str:
    share = f"{100 * g.visited_to_date / g.targets:.0f} %" if g.targets else "-"
    plan = f"{g.planned_to_date}"
    proj = g.projected_day.isoformat() if g.projected_day else "-"
    warn = {"red": " [red]", "yellow": " [yellow]"}.get(g.warning or "", "")
    return (f"{g.name}: {g.visited_to_date}/{g.targets} visited ({share}), plan to date "
            f"{plan}, pace {g.pace:.1f}/day, 100 % on {proj}{warn}")


def progress(session: Session, township_id: int, *, campaign_id: int | None = None,
             phase: str = "visit", as_of: dt.datetime | None = None) -> Progress:
    """Return the progress of the township's campaign in ``phase`` as of ``as_of``.

    Raises
    ------
    LookupRefused
        No campaign, an unknown phase, or a campaign without that phase.
    """
    if phase not in PLAN_PHASES:
        raise LookupRefused(f"phase {phase!r} has no plan", [problem(
            "options", f"expected one of {', '.join(PLAN_PHASES)}", "phase", phase)])
    if campaign_id is None:
        campaign_id = session.scalar(select(Campaign.id).where(
            Campaign.township_id == township_id).order_by(Campaign.id.desc()).limit(1))
    camp = session.get(Campaign, campaign_id) if campaign_id is not None else None
    if camp is None or camp.township_id != township_id:
        raise LookupRefused("no campaign", [problem(
            "options", "the township has no campaign yet; create one first", "campaign")])
    ph = plan_phase(camp, phase)
    when = as_of or local_now()
    days = [ph.start + dt.timedelta(days=i) for i in range((ph.end - ph.start).days + 1)]

    rows = session.execute(
        select(Target.id, Village.id, Village.name)
        .outerjoin(Grid, Grid.id == Target.grid_id)
        .outerjoin(Village, Village.id == Grid.village_id)
        .where(Target.township_id == township_id).order_by(Target.id)).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    index = {int(t): i for i, t in enumerate(ids)}
    n = len(ids)

    area_plan = session.scalar(select(AreaPlan.id).where(AreaPlan.campaign_id == camp.id,
                                                         AreaPlan.status == "current"))
    areas: dict[str, tuple[str, list[int]]] = {}
    if area_plan is not None:
        for ext, name, tid in session.execute(
                select(VisitArea.cadre_ext_id, VisitArea.cadre_name, AreaTarget.target_id)
                .join(AreaTarget, AreaTarget.area_id == VisitArea.id)
                .where(VisitArea.plan_id == area_plan)):
            if int(tid) in index:
                areas.setdefault(ext, (name, []))[1].append(index[int(tid)])

    route = session.scalar(select(RoutePlan.id).where(RoutePlan.campaign_id == camp.id,
                                                      RoutePlan.phase_kind == phase,
                                                      RoutePlan.status == "current"))
    never = len(days)  # "not in the plan's days"
    planned_at = np.full(n, never, dtype=np.int64)
    if route is not None:
        for tid, first in session.execute(
                select(RouteStop.target_id, func.min(RouteDay.day))
                .join(RouteDay, RouteDay.id == RouteStop.day_id)
                .where(RouteStop.plan_id == route, RouteStop.purpose == "visit")
                .group_by(RouteStop.target_id)):
            i = index.get(int(tid))
            if i is not None and first is not None:
                planned_at[i] = min(max((first - ph.start).days, 0), never)

    lo = dt.datetime.combine(ph.start, dt.time())
    visited_at = np.full(n, never + 1, dtype=np.int64)
    for tid, first in session.execute(
            select(Visit.target_id, func.min(Visit.at))
            .where(Visit.township_id == township_id, Visit.outcome.in_(SETTLED_OUTCOMES),
                   Visit.at >= lo, Visit.at <= when)
            .group_by(Visit.target_id)):
        i = index.get(int(tid))
        if i is not None and first is not None:
            visited_at[i] = min((first.date() - ph.start).days, never)

    today = (when.date() - ph.start).days  # index of as_of's day (may be < 0 or > last)

    def group(level: str, key: str, name: str, members: np.ndarray) -> Group:
        return _group(level, key, name, members, planned_at, visited_at, days, today,
                      linear=route is None)

    everyone = np.arange(n)
    town = group("township", "", "全镇", everyone)
    villages = {}
    for i, r in enumerate(rows):
        villages.setdefault((r[1], r[2] or "（未落格）"), []).append(i)
    vgroups = [group("village", str(vid or ""), vname, np.array(members, dtype=np.int64))
               for (vid, vname), members in sorted(villages.items(), key=lambda kv: kv[0][1])]
    cgroups = [group("cadre", ext, name, np.array(members, dtype=np.int64))
               for ext, (name, members) in sorted(areas.items())]
    return Progress(campaign=camp.name, phase=phase, phase_name=PLAN_PHASES[phase][0],
                    start=ph.start, end=ph.end, as_of=when,
                    plan="linear" if route is None else "routes", route_plan_id=route,
                    days=days, township=town, villages=vgroups, cadres=cgroups)


def _group(level: str, key: str, name: str, members: np.ndarray, planned_at: np.ndarray,
           visited_at: np.ndarray, days: list[dt.date], today: int, *, linear: bool) -> Group:
    n_days = len(days)
    k = len(members)
    if linear:
        planned = [round(k * (d + 1) / n_days) for d in range(n_days)]
    else:
        counts = np.bincount(planned_at[members], minlength=n_days + 1)[:n_days]
        planned = np.cumsum(counts).astype(int).tolist()
    vcounts = np.bincount(np.minimum(visited_at[members], n_days), minlength=n_days + 1)
    cum = np.cumsum(vcounts[:n_days]).astype(int)
    last = min(today, n_days - 1)
    visited = cum[:last + 1].tolist() if last >= 0 else []
    g = Group(level, key, name, k, planned, visited)
    if last < 0 or k == 0:
        return g
    g.planned_to_date = planned[last]
    g.visited_to_date = int(cum[last])
    span = min(PACE_DAYS, last + 1)
    before = int(cum[last - span]) if last - span >= 0 else 0
    g.pace = (g.visited_to_date - before) / span
    left = k - g.visited_to_date
    end_day = days[-1]
    if left <= 0:
        g.projected_day = days[int(np.searchsorted(cum, k))]
        g.reachable_share = 1.0
    elif g.pace > 0:
        g.projected_day = days[last] + dt.timedelta(days=math.ceil(left / g.pace))
        g.reachable_share = min(1.0, (g.visited_to_date + g.pace * (n_days - 1 - last)) / k)
    else:
        g.reachable_share = g.visited_to_date / k
    if last + 1 > EARLY_DAYS and g.planned_to_date > 0 and left > 0:
        ratio = g.visited_to_date / g.planned_to_date
        late = g.projected_day is None or g.projected_day > end_day
        if ratio < RED_RATIO or (late and ratio < 1.0):
            g.warning = "red"
        elif ratio < YELLOW_RATIO:
            g.warning = "yellow"
    return g
