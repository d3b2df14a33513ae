"""Visit areas of a campaign (走访区域): plan them from the store, store them, lock pairs.

This module wires the pure planner (:mod:`zoufang.planner.areas`) to the campaign store:

1. :func:`plan_campaign` reads the campaign's township — targets placed in grids, grids
   with their villages' tags, visiting cadres — into GeoDataFrames, builds the plain
   problem (:func:`~zoufang.planner.areas.adapter.build_area_problem`) with the current
   plan as the previous one and its locked pairs as locks, solves it
   (:func:`~zoufang.planner.areas.plan_areas`), checks the result with the independent
   checker (:func:`~zoufang.planner.areas.check.check_area_plan`) and stores it in one
   transaction: a new :class:`~zoufang.campaign.store.AreaPlan` becomes ``current``, the old one
   ``superseded`` (its areas stay as they were). Bad or infeasible input raises a
   :class:`~zoufang.planner.areas.AreaInputError` (a ``ValueError`` listing every
   problem) and stores nothing.
2. :func:`lock` / :func:`unlock` mark a pair of the current plan; a locked pair never
   changes in a re-plan (一访到底: locked targets stay, only new targets may join).
   ``lock`` with both a cadre and an area number that are not paired re-pairs them first
   (the two cadres swap areas, checked and stored as a new plan of kind ``repair``).
3. :func:`current_plan` reads the current plan back as an :class:`AreaPlanResult`.

Capacity (可用时间) of a cadre is what it can actually spend visiting in the phase, by
the availability model (:mod:`zoufang.planner.availability`) and the campaign's routing
settings (:func:`zoufang.campaign.routes.load_settings`), the same rules the route
planner works with: on each day of the phase, the minutes in which any kind of target
of the township can be visited — the union of the kinds' windows of that day type
(holidays count as weekend days, 调休 days as workdays) within the cadres' daily window —
capped by the cadre's hours of that day type (the settings' ``cadre_hours`` override the
cadre's own hours, as for routes: 6 h at weekends by default). Not ``hours x days``: a
cadre out 8 h on a workday has 3 evening hours for households.

``days_available`` (the cadres file's 可用天数) reads as "this many days of the phase, any
of them": the route planner lets such a cadre visit on any day of the phase, at most that
many (``CadreJob.max_days``), so its capacity counts its best ``days_available`` days
(most usable minutes first, earlier first among equals;
:func:`~zoufang.planner.availability.best_days`). All the phase's days when it has no
more days than that. Service minutes, walking speed and the detour factor also come from
the routing settings. The plan's ``capacity`` says all this in figures.

The phase is the campaign's ``visit`` phase (走访排查, 1–31 March in the default
timetable) unless another kind is asked for — ``push`` (集中走访, the 10-day push) plans
the concentrated round only (:mod:`zoufang.campaign.phases`: one vocabulary).

Who takes part:

- targets placed in a grid; a target with no coordinates but a declared grid is put at a
  point inside its grid (its travel estimate is then 0). Targets in no grid cannot be
  planned: they are counted in ``left_out`` and named in a warning (fix the grids, or
  ``zoufang problems --scope placement``);
- active cadres with time in the phase. Inactive cadres and cadres with zero hours are
  listed in ``left_out``: their previous area is shared out by the re-plan. A cadre
  without a base point is paired as if based at the centre of the targets; its commute
  is unknown (None).

Re-planning: the previous plan is the current one. Targets keep their cadre where they
can; new targets join the area around them; targets of cadres who left go to
neighbouring areas; locked pairs are kept exactly (checked before storing).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from zoufang import _errors, vocab
from zoufang._errors import Problem, ValidationError
from zoufang._util import natural_key
from zoufang.campaign.phases import plan_phase
from zoufang.campaign.routes import load_settings
from zoufang.campaign.store import (
    AreaPlan,
    AreaTarget,
    Cadre,
    Campaign,
    Grid,
    MustGoAssignment,
    Phase,
    Store,
    Target,
    Township,
    Village,
    VisitArea,
)
from zoufang.campaign.store.lookup import LookupRefused, resolve_campaign
from zoufang.planner.areas import (
    AreaCheck,
    AreaInputError,
    AreaProblem,
    AreaSolution,
    Lock,
    check_area_plan,
    plan_areas,
    plan_from_labels,
)
from zoufang.planner.areas.adapter import build_area_problem
from zoufang.planner.availability import best_days, day_usable_minutes, phase_days
from zoufang.planner.schedule import ScheduleSettings, day_type

__all__ = [
    "DEFAULT_PHASE",
    "AreaPlanResult",
    "NoPlanError",
    "PlanConflict",
    "PlanRejected",
    "cadre_target_ids",
    "current_plan",
    "lock",
    "plan_campaign",
    "unlock",
]

#: Phase whose days cap the cadres' capacity unless another is asked for.
DEFAULT_PHASE = "visit"

_RULE_LABELS = {**{k: v[0] for k, v in vocab.TARGET_TAGS.items()},
                **{k: v[0] for k, v in vocab.VILLAGE_TAGS.items()}}


class NoPlanError(ValidationError):
    """The campaign has no current plan (or the cadre/area asked for is not in it)."""


class PlanConflict(ValidationError):
    """The current plan or its locks changed while this run was solving; nothing stored."""


class PlanRejected(ValidationError):
    """The planner's result broke a hard rule (coverage, one-to-one, locks); not stored."""



# --------------------------------------------------------------------------------------
# campaign, phase


def _phase(camp: Campaign, phase_kind: str) -> Phase:
    try:
        return plan_phase(camp, phase_kind)
    except LookupRefused as exc:
        raise AreaInputError(exc.summary, exc.problems) from None


# --------------------------------------------------------------------------------------
# reading the store


@dataclass
class _Inputs:
    """What one planning run read from the store."""

    campaign_id: int
    campaign: str
    township_id: int
    township: str
    phase_kind: str
    phase_name: str
    phase_days: int
    target_ids: list[int]
    target_ext: list[str]
    target_kind: list[str]
    grid_ext: list[str]
    grid_village: dict[str, str]
    village_ids: dict[str, int]
    cadre_rows: list[Cadre]
    cadre_days: list[float]
    capacity_min: list[float]
    capacity: dict[str, Any]
    settings: ScheduleSettings
    cadre_nobase: set[str]
    targets: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    cadres: gpd.GeoDataFrame
    left_out: dict[str, Any]
    warnings: list[str]
    current_plan_id: int | None
    current_numbers: dict[str, int]
    current_locked: set[str]
    previous: list[str | None] | None
    locks: list[str]


def _load(session: Session, camp: Campaign, phase_kind: str) -> _Inputs:
    """Read the campaign's township into frames (WGS-84) and the current plan's state."""
    tid = camp.township_id
    town = session.get(Township, tid)
    assert town is not None
    phase = _phase(camp, phase_kind)
    phase_kind, phase_name = phase.kind, phase.name
    days_of_phase = phase_days(phase.start, phase.end)
    n_phase_days = len(days_of_phase)
    settings = load_settings(session, camp.id)
    warnings: list[str] = []
    left_out: dict[str, Any] = {}

    grows = session.execute(
        select(Grid.id, Grid.ext_id, Grid.geom, Village.id, Village.name, Village.tags)
        .outerjoin(Village, Village.id == Grid.village_id)
        .where(Grid.township_id == tid).order_by(Grid.ext_id)).all()
    grid_by_id = {r[0]: r for r in grows}
    village_ids = {r[4]: r[3] for r in grows if r[4]}
    grids = gpd.GeoDataFrame(
        {"grid_id": [r[1] for r in grows], "village": [r[4] or "" for r in grows],
         "village_tags": [";".join(r[5] or []) for r in grows]},
        geometry=[r[2] for r in grows], crs=4326)

    trows = session.execute(
        select(Target.id, Target.ext_id, Target.kind, Target.tags, Target.lon, Target.lat,
               Target.grid_id, Target.placement)
        .where(Target.township_id == tid).order_by(Target.id)).all()
    keep = [r for r in trows if r[6] is not None and r[6] in grid_by_id]
    out = [r for r in trows if r[6] is None or r[6] not in grid_by_id]
    if out:
        by = Counter(r[7] for r in out)
        left_out["targets"] = {"count": len(out), "by_placement": dict(by),
                               "first": [r[1] for r in out[:20]]}
        warnings.append(f"{len(out)} targets are in no grid and are NOT in any area "
                        f"({', '.join(f'{k} {v}' for k, v in sorted(by.items()))}; first: "
                        f"{', '.join(r[1] for r in out[:5])}): fix the grids or the points "
                        "(zoufang problems --scope placement), then re-plan")
    xs, ys, nopoint = [], [], 0
    rep: dict[int, Any] = {}
    for r in keep:
        if r[4] is None or r[5] is None:
            nopoint += 1
            gid = r[6]
            assert gid is not None  # kept targets are in a grid
            if gid not in rep:
                rep[gid] = shapely.point_on_surface(grid_by_id[gid][2])
            p = rep[gid]
            xs.append(p.x)
            ys.append(p.y)
        else:
            xs.append(r[4])
            ys.append(r[5])
    if nopoint:
        warnings.append(f"{nopoint} targets have no coordinates and were placed at a point "
                        "inside their declared grid (no travel estimated for them)")
    targets = gpd.GeoDataFrame(
        {"id": [str(r[0]) for r in keep], "kind": [r[2] for r in keep],
         "tags": [";".join(r[3] or []) for r in keep],
         "grid": [grid_by_id[r[6]][1] for r in keep]},
        geometry=gpd.points_from_xy(xs, ys), crs=4326)

    crows = session.scalars(select(Cadre).where(Cadre.township_id == tid)
                            .order_by(Cadre.ext_id)).all()
    if not crows:
        raise AreaInputError("no visiting cadres", [_errors.problem(
            "cadres", "No visiting cadres in the township: import the cadres (走访人员) "
            "first; a plan needs at least one cadre (or team) with hours in the phase.")])
    inactive = [c for c in crows if not c.active]
    kinds = sorted(set(targets["kind"])) if len(targets) else []
    cap_of: dict[str, float] = {}
    days_of: dict[str, list[dt.date]] = {}
    for c in crows:
        if not c.active or not ((c.hours_per_day or 0) > 0 and (c.days_available or 0) > 0):
            continue
        chosen = best_days(days_of_phase, settings, float(c.hours_per_day), kinds,
                           int(c.days_available))
        days_of[c.ext_id] = chosen
        cap_of[c.ext_id] = sum(day_usable_minutes(d, settings, float(c.hours_per_day), kinds)
                               for d in chosen)
    zero = [c for c in crows if c.active and cap_of.get(c.ext_id, 0.0) <= 0]
    planned = [c for c in crows if c.active and c not in zero]
    if inactive:
        left_out["cadres_inactive"] = [c.ext_id for c in inactive]
    if zero:
        left_out["cadres_zero_hours"] = [c.ext_id for c in zero]
        warnings.append(f"{len(zero)} cadres have zero hours in the {phase_kind} phase and "
                        f"get no area: {', '.join(f'{c.ext_id} {c.name}' for c in zero[:10])}"
                        + (" ..." if len(zero) > 10 else "") + " (no hours or days, or no "
                        "target window within the cadres' daily window on the phase's days)")
    if not planned:
        raise AreaInputError("no cadre can take a visit area", [_errors.problem(
            "cadres", f"No visiting cadre has hours in the {phase_kind} phase "
            f"({phase_name}, {n_phase_days} days): {len(zero)} active cadres have zero "
            f"hours a day or zero days, or no minute in which a target can be visited "
            f"(the route settings' windows), {len(inactive)} are inactive. Give the cadres "
            "hours (每日小时) and days (可用天数) and import them again, or widen the "
            "windows (zoufang plan route-settings).")])
    nobase = {c.ext_id for c in planned if c.base_lon is None or c.base_lat is None}
    if nobase:
        cx = float(np.mean(xs)) if xs else 0.0
        cy = float(np.mean(ys)) if ys else 0.0
        warnings.append(f"{len(nobase)} cadres have no base point; paired as if based at "
                        f"the centre of the targets (commute unknown): "
                        f"{', '.join(sorted(nobase)[:10])}")
    else:
        cx = cy = 0.0
    days = [float(len(days_of[c.ext_id])) for c in planned]
    capacity_min = [float(cap_of[c.ext_id]) for c in planned]
    capacity = _capacity_figures(settings, days_of_phase, kinds, phase_kind, phase_name,
                                 planned, days_of, cap_of)
    cadres = gpd.GeoDataFrame(
        {"cadre_id": [c.ext_id for c in planned], "rank": [c.rank for c in planned],
         "hours_per_day": [float(c.hours_per_day) for c in planned], "days": days},
        geometry=gpd.points_from_xy(
            [cx if c.ext_id in nobase else c.base_lon for c in planned],
            [cy if c.ext_id in nobase else c.base_lat for c in planned]), crs=4326)

    # the current plan: previous assignment, numbers, locks
    cur = session.scalar(select(AreaPlan).where(AreaPlan.campaign_id == camp.id,
                                                AreaPlan.status == "current"))
    previous = None
    numbers: dict[str, int] = {}
    locked: set[str] = set()
    locks: list[str] = []
    if cur is not None:
        arows = session.execute(select(VisitArea.cadre_ext_id, VisitArea.number,
                                       VisitArea.locked)
                                .where(VisitArea.plan_id == cur.id)).all()
        numbers = {r[0]: r[1] for r in arows}
        if cur.phase_kind and cur.phase_kind != phase_kind:
            warnings.append(f"the current plan took the cadres' days from the "
                            f"{cur.phase_kind} phase, this one from the {phase_kind} phase: "
                            "capacities differ, so more pairs change than in a plain re-plan")
        locked = {r[0] for r in arows if r[2]}
        assign = dict(session.execute(
            select(AreaTarget.target_id, VisitArea.cadre_ext_id)
            .join(VisitArea, VisitArea.id == AreaTarget.area_id)
            .where(AreaTarget.campaign_id == camp.id)).all())
        previous = [assign.get(r[0]) for r in keep]
        planned_ids = {c.ext_id for c in planned}
        had = {p for p in previous if p is not None}
        for cid in sorted(locked):
            if cid not in planned_ids:
                warnings.append(f"the locked pair of cadre {cid} is dropped: the cadre is "
                                "no longer active or has no hours in the phase; its area is "
                                "shared out")
            elif cid not in had:
                warnings.append(f"the locked pair of cadre {cid} is dropped: none of its "
                                "targets is left")
            else:
                locks.append(cid)
    return _Inputs(
        campaign_id=camp.id, campaign=camp.name, township_id=tid, township=town.name,
        phase_kind=phase_kind, phase_name=phase_name, phase_days=n_phase_days,
        target_ids=[r[0] for r in keep], target_ext=[r[1] for r in keep],
        target_kind=[r[2] for r in keep], grid_ext=[r[1] for r in grows],
        grid_village={r[1]: r[4] or "" for r in grows}, village_ids=village_ids,
        cadre_rows=list(planned), cadre_days=days, capacity_min=capacity_min,
        capacity=capacity, settings=settings, cadre_nobase=nobase,
        targets=targets, grids=grids, cadres=cadres, left_out=left_out, warnings=warnings,
        current_plan_id=None if cur is None else cur.id, current_numbers=numbers,
        current_locked=locked, previous=previous, locks=locks)


def _build(inp: _Inputs) -> AreaProblem:
    if not len(inp.targets):
        raise AreaInputError("no targets to plan", [_errors.problem(
            "targets", "No target of the township lies in a grid: import the grids and "
            "targets (走访对象) first." + (f" {inp.left_out['targets']['count']} targets "
                                          "are in no grid." if "targets" in inp.left_out
                                          else ""))])
    st = inp.settings
    return build_area_problem(inp.targets, inp.grids, inp.cadres, target_id_col="id",
                              locks=[Lock(c) for c in inp.locks], previous=inp.previous,
                              capacity_min=inp.capacity_min,
                              service_minutes={k: float(v) for k, v in st.service_min.items()},
                              speed_m_per_min=st.speed_kmh(st.mode) * 1000.0 / 60.0,
                              detour=st.detour)


def _capacity_figures(settings: ScheduleSettings, days: Sequence[dt.date], kinds: list[str],
                      phase_kind: str, phase_name: str, planned: Sequence[Cadre],
                      days_of: dict[str, list[dt.date]], cap_of: dict[str, float]
                      ) -> dict[str, Any]:
    """How the cadres' capacity was counted, in figures (stored with the plan)."""
    types = Counter(day_type(d, settings) for d in days)
    hol = sorted(d.isoformat() for d in days if d.isoformat() in set(settings.holidays))
    make_up = sorted(d.isoformat() for d in days if d.isoformat() in set(settings.workdays))
    per_day: dict[str, dict[str, float]] = {}
    for c in planned:
        for d in days_of[c.ext_id]:
            dtp = day_type(d, settings)
            key = f"{float(c.hours_per_day):g}"
            per_day.setdefault(key, {}).setdefault(
                dtp, round(day_usable_minutes(d, settings, float(c.hours_per_day), kinds)
                           / 60.0, 2))
    return {
        "model": "availability",
        "phase": phase_kind, "phase_name": phase_name,
        "first_day": days[0].isoformat() if days else None,
        "last_day": days[-1].isoformat() if days else None,
        "days": len(days), "workdays": types.get("workday", 0),
        "weekend_days": types.get("weekend", 0), "holidays": hol, "make_up_workdays": make_up,
        "kinds": kinds,
        "windows": {k: {dtp: list(settings.windows.get(k, {}).get(dtp, []))
                        for dtp in ("workday", "weekend")} for k in kinds},
        "cadre_windows": {dtp: list(settings.cadre_windows.get(dtp, []))
                          for dtp in ("workday", "weekend")},
        "cadre_hours": dict(settings.cadre_hours),
        "service_min": {k: settings.service_of(k) for k in kinds},
        "travel": {"mode": settings.mode, "speed_kmh": settings.speed_kmh(settings.mode),
                   "detour": settings.detour},
        "usable_h_per_day": per_day,
        "cadres": {c.ext_id: {"days_available": int(c.days_available or 0),
                              "days_counted": len(days_of[c.ext_id]),
                              "hours_per_day": float(c.hours_per_day),
                              "usable_h": round(cap_of[c.ext_id] / 60.0, 2),
                              "hours_x_days_h": round(float(c.hours_per_day)
                                                      * len(days_of[c.ext_id]), 2)}
                   for c in planned},
        "rule": "capacity = per day of the phase, the minutes in which a target of the "
                "township's kinds can be visited (the union of the kinds' windows of that "
                "day type within the cadres' daily window), capped by the cadre's hours of "
                "that day type; over the cadre's best days_available days of the phase",
    }


# --------------------------------------------------------------------------------------
# result


@dataclass
class AreaPlanResult:
    """A stored plan as commands and pages show it.

    Hours are cadre-hours; ``areas`` are dicts (one per area, by number) with the cadre,
    its unit, rank and phone, the area's targets by kind, grids, split grids, villages,
    workload (service, travel, must-go), capacity, capacity share, balance, commute and
    the lock. ``figures`` are the independent checker's figures; ``violations`` the rules
    it found broken (empty for a sound plan); ``shortfall`` None or the cadre-hours
    missing with the grids at risk; ``mustgo`` the coverage of each must-go rule;
    ``capacity`` how the cadres' capacity was counted (the availability model: the
    phase's days by type, holidays and 调休, windows, hours, service minutes, travel, and
    per cadre its days counted and usable hours against hours × days; ``{"model":
    "hours_x_days"}`` for a plan stored before); ``forecast`` None, or the forecast of the
    phase when asked for (:func:`zoufang.campaign.forecast.forecast_campaign`).
    """

    plan_id: int
    campaign: str
    township: str
    kind: str
    status: str
    created_at: str
    phase_kind: str | None
    phase_days: int | None
    seed: int
    time_limit_s: float
    solve_s: float
    feasible: bool
    n_targets: int
    n_areas: int
    workload_h: float
    capacity_h: float
    figures: dict[str, Any]
    violations: list[str]
    shortfall: dict[str, Any] | None
    mustgo: list[dict[str, Any]]
    churn: dict[str, Any] | None
    left_out: dict[str, Any]
    warnings: list[str]
    areas: list[dict[str, Any]] = field(default_factory=list)
    previous_id: int | None = None
    capacity: dict[str, Any] = field(default_factory=dict)
    forecast: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True when the checker found no broken rule."""
        return not self.violations

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return dict(self.__dict__)

    def summary(self, *, areas: bool = True) -> str:
        """Describe the plan: one line per area, the checker's figures, must-go, shortfall."""
        ph = f", {self.phase_kind} phase capped at {self.phase_days} days" \
            if self.phase_kind else ""
        lines = [f"plan #{self.plan_id} ({self.kind}, {self.status}) of {self.campaign} "
                 f"({self.township}){ph}: {self.n_areas} areas for {self.n_targets} targets; "
                 f"workload {self.workload_h:.1f} h, capacity {self.capacity_h:.1f} h; "
                 f"solved in {self.solve_s:.1f} s (limit {self.time_limit_s:g} s, seed "
                 f"{self.seed})"]
        cap = self.capacity or {}
        if cap.get("model") == "availability":
            hxd = sum(c["hours_x_days_h"] for c in cap.get("cadres", {}).values())
            extra = (f", {len(cap['holidays'])} holidays" if cap.get("holidays") else "") + \
                (f", {len(cap['make_up_workdays'])} 调休 workdays"
                 if cap.get("make_up_workdays") else "")
            lines.append(
                f"capacity = usable visiting time: {cap['phase_name']} {cap['first_day']}–"
                f"{cap['last_day']} ({cap['workdays']} workdays, {cap['weekend_days']} "
                f"weekend days{extra}); per day the target windows within the cadres' "
                f"window, capped by the hours of the day type; each cadre's best "
                f"days_available days; {self.capacity_h:.1f} h usable of {hxd:.1f} h "
                "of hours × days")
        if areas and self.areas:
            lines.append(f"{'区':>4} {'cadre':<22} {'rank':<6} {'tgts':>5} {'load h':>7} "
                         f"{'cap h':>6} {'bal':>7} {'commute':>8}  grids")
            for a in self.areas:
                com = "-" if a["commute_m"] is None else f"{a['commute_m'] / 1000:.1f} km"
                grids = ",".join(g + ("*" if g in a["split_grids"] else "")
                                 for g in a["grids"])
                flags = (" locked" if a["locked"] else "") + \
                    (f" OVER {a['over_h']:.1f} h" if a["over_h"] > 0.05 else "") + \
                    ("" if a["contiguous"] else " NOT-CONTIGUOUS")
                who = f"{a['cadre_id']} {a['cadre']}"[:22]
                lines.append(f"{a['number']:>4} {who:<22} {a['rank_label']:<6} "
                             f"{a['targets']:>5} {a['total_h']:>7.1f} {a['capacity_h']:>6.1f} "
                             f"{a['balance_pct']:>+6.1f}% {com:>8}  {grids}{flags}")
            lines.append("  (* = grid split between areas; load = area + must-go visits)")
        f = self.figures
        if f:
            kept = "" if f.get("kept_pct") is None else f", kept with previous cadre " \
                f"{f['kept_pct']:.1f} %"
            lk = "" if f.get("locked_kept_pct") is None else \
                f", locked kept {f['locked_kept_pct']:.1f} %"
            lines.append(
                f"checker: covered {_pc(f['covered_pct'])}, balance |load/share - 1| max "
                f"{_pc(f['balance_max'], 100)} mean {_pc(f['balance_mean'], 100)}, "
                f"contiguous {_pc(f['contiguous_pct'])}, split grids {f['split_grids']} "
                f"(at least {f['must_split_grids']} must split), commute mean "
                f"{_km(f['commute_mean_m'])} max {_km(f['commute_max_m'])}{kept}{lk}")
        for m in self.mustgo:
            if m["n_items"]:
                lines.append(f"must-go {m['label']} ({m['rule']}): {m['n_covered']}/"
                             f"{m['n_items']} covered by {m['n_cadres']} cadres of rank "
                             f"level >= {m['min_level']}")
        if self.shortfall:
            s = self.shortfall
            risk = ", ".join(f"{g['grid']} ({g['hours']:.1f} h)" for g in s["grids_at_risk"][:10])
            more = len(s["grids_at_risk"]) - 10
            lines.append(f"SHORTFALL: {s['cadre_hours_missing']:.1f} cadre-hours missing "
                         f"(workload {s['workload_h']:.1f} h > capacity {s['capacity_h']:.1f} "
                         f"h); grids at risk: {risk}" + (f" and {more} more" if more > 0
                                                         else ""))
        lo = self.left_out
        if lo.get("targets"):
            lines.append(f"left out: {lo['targets']['count']} targets in no grid")
        if lo.get("cadres_zero_hours"):
            lines.append(f"left out: {len(lo['cadres_zero_hours'])} cadres with zero hours: "
                         + ", ".join(lo["cadres_zero_hours"][:10]))
        if lo.get("cadres_inactive"):
            lines.append(f"left out: {len(lo['cadres_inactive'])} inactive cadres")
        lines.extend(f"warning: {w}" for w in self.warnings)
        lines.extend(f"VIOLATION: {v}" for v in self.violations)
        return "\n".join(lines)


def _pc(v: float | None, scale: float = 1.0) -> str:
    return "-" if v is None else f"{v * scale:.1f} %"


def _km(m: float | None) -> str:
    return "-" if m is None or (isinstance(m, float) and math.isnan(m)) else \
        f"{m / 1000:.1f} km"


def _num(v: Any) -> Any:
    """Plain JSON numbers (numpy scalars, NaN → None), floats rounded to 4 places."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return None if not math.isfinite(v) else round(v, 4)
    return v


def _iso(t: dt.datetime | None) -> str:
    """ISO time in UTC; SQLite gives naive datetimes back (stored as UTC)."""
    if t is None:
        return ""
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).isoformat(timespec="seconds")


def _area_dict(a: VisitArea, cadre: Cadre | None) -> dict[str, Any]:
    rank = cadre.rank if cadre is not None else None
    over = max(0.0, a.total_min - a.capacity_min) / 60.0
    return {
        "number": a.number, "name": a.name, "cadre_id": a.cadre_ext_id,
        "cadre": a.cadre_name, "unit": cadre.unit if cadre is not None else None,
        "rank": rank, "rank_label": vocab.RANKS[rank][1][0] if rank in vocab.RANKS else "",
        "phone": cadre.phone if cadre is not None else None, "locked": bool(a.locked),
        "targets": a.n_targets, "counts": dict(a.counts), "grids": list(a.grids),
        "split_grids": list(a.split_grids), "villages": list(a.villages),
        "service_h": round(a.service_min / 60, 2), "travel_h": round(a.travel_min / 60, 2),
        "mustgo_h": round(a.mustgo_min / 60, 2), "load_h": round(a.load_min / 60, 2),
        "total_h": round(a.total_min / 60, 2), "capacity_h": round(a.capacity_min / 60, 2),
        "share_h": round(a.share_min / 60, 2),
        "balance_pct": round((a.total_min / a.share_min - 1) * 100, 1) if a.share_min else None,
        "utilisation_pct": round(a.total_min / a.capacity_min * 100, 1),
        "over_h": round(over, 2),
        "commute_m": None if a.commute_m is None else round(a.commute_m),
        "contiguous": bool(a.contiguous),
    }


def _result(session: Session, row: AreaPlan, camp: Campaign) -> AreaPlanResult:
    town = session.get(Township, camp.township_id)
    areas = session.scalars(select(VisitArea).where(VisitArea.plan_id == row.id)
                            .order_by(VisitArea.number)).all()
    ids = [a.cadre_id for a in areas if a.cadre_id is not None]
    cadres = {c.id: c for c in session.scalars(select(Cadre).where(Cadre.id.in_(ids)))}
    figures = dict(row.figures or {})
    figures.pop("proposal", None)  # a proposed plan's assignment, for its review only
    violations = list(figures.pop("violations", []))
    capacity = dict(figures.pop("capacity", None) or {"model": "hours_x_days"})
    return AreaPlanResult(
        plan_id=row.id, campaign=camp.name, township=town.name if town else "",
        kind=row.kind, status=row.status,
        created_at=_iso(row.created_at),
        phase_kind=row.phase_kind, phase_days=row.phase_days, seed=row.seed,
        time_limit_s=row.time_limit_s, solve_s=round(row.solve_s, 2), feasible=row.feasible,
        n_targets=row.n_targets, n_areas=row.n_areas,
        workload_h=round(row.workload_min / 60, 2), capacity_h=round(row.capacity_min / 60, 2),
        figures=figures, violations=violations, shortfall=row.shortfall,
        mustgo=list(row.mustgo or []), churn=row.churn, left_out=dict(row.left_out or {}),
        warnings=list(row.warnings or []), capacity=capacity,
        areas=[_area_dict(a, None if a.cadre_id is None else cadres.get(a.cadre_id))
               for a in areas],
        previous_id=row.previous_id)


def current_plan(store: Store, *, township: str | None = None, campaign: str | None = None
                 ) -> AreaPlanResult:
    """Return the campaign's current plan.

    Raises
    ------
    NoPlanError
        When the campaign has not been planned yet.
    """
    with store.session() as s:
        camp = resolve_campaign(s, township=township, campaign=campaign)
        row = _current_row(s, camp)
        return _result(s, row, camp)


def _current_row(session: Session, camp: Campaign) -> AreaPlan:
    row = session.scalar(select(AreaPlan).where(AreaPlan.campaign_id == camp.id,
                                                AreaPlan.status == "current"))
    if row is None:
        raise NoPlanError(f"campaign {camp.name!r} has no visit areas yet", [_errors.problem(
            "plan", "No current plan: run `zoufang plan areas` first.")])
    return row


def cadre_target_ids(session: Session, campaign_id: int, cadre_id: int) -> set[int] | None:
    """Target ids (``targets.id``) of the cadre's area in the campaign's current plan.

    None when the campaign has no current plan or the cadre has no area in it (for the
    web's data scope: a cadre sees its own area's residents).
    """
    area = session.scalar(select(VisitArea.id).join(AreaPlan,
                                                    AreaPlan.id == VisitArea.plan_id)
                          .where(AreaPlan.campaign_id == campaign_id,
                                 AreaPlan.status == "current",
                                 VisitArea.cadre_id == cadre_id))
    if area is None:
        return None
    return set(session.scalars(select(AreaTarget.target_id)
                               .where(AreaTarget.area_id == area)).all())


# --------------------------------------------------------------------------------------
# storing



def _numbers(inp: _Inputs, problem: AreaProblem, plan: AreaSolution) -> list[int]:
    """Area numbers: a cadre keeps its previous number; others are numbered in grid order."""
    k = len(plan.areas)
    out = [0] * k
    used: set[int] = set()
    for a, area in enumerate(plan.areas):
        n = inp.current_numbers.get(area.cadre_id)
        if n is not None and n not in used:
            out[a] = n
            used.add(n)
    rest = [a for a in range(k) if out[a] == 0]
    t = problem.targets

    def key(a: int) -> tuple[Any, ...]:
        idx = plan.areas[a].targets
        first = min((problem.grids[g].id for g in plan.areas[a].grids), key=natural_key,
                    default="")
        cy = float(t.y[idx].mean()) if len(idx) else 0.0
        cx = float(t.x[idx].mean()) if len(idx) else 0.0
        return (natural_key(first), -cy, cx)

    free = (n for n in range(1, k + len(used) + 1) if n not in used)
    for a in sorted(rest, key=key):
        out[a] = next(free)
    return out


def _hard_rules(problem: AreaProblem, plan: AreaSolution, chk: AreaCheck) -> None:
    """Refuse a plan that breaks coverage, one-to-one or a lock (a planner bug)."""
    errs: list[Problem] = []
    ids = [c.id for c in problem.cadres]
    if [a.cadre_id for a in plan.areas] != ids:
        errs.append(_errors.problem("plan", "Expected exactly one area per planned cadre."))
    if any(len(a.targets) == 0 for a in plan.areas):
        errs.append(_errors.problem("plan", "Expected no empty area."))
    if len(plan.target_area) != len(problem.targets) or chk.covered_pct < 100.0:
        errs.append(_errors.problem("plan", "Expected every target in exactly one area.",
                             value=f"{chk.covered_pct:.2f} %"))
    if chk.locked_kept_pct is not None and chk.locked_kept_pct < 100.0:
        errs.append(_errors.problem("plan", "Expected every locked pair kept.",
                             value=f"{chk.locked_kept_pct:.2f} %"))
    lock_viol = [v for v in chk.violations if "locked" in v]
    errs.extend(_errors.problem("plan", v) for v in lock_viol)
    if errs:
        raise PlanRejected("the plan broke a hard rule and was not stored", errs)


def _store(store: Store, inp: _Inputs, problem: AreaProblem, plan: AreaSolution,
           chk: AreaCheck, *, kind: str, seed: int, time_limit_s: float,
           locked: set[str], actor: str | None, extra_warnings: Sequence[str] = (),
           propose: bool = False) -> AreaPlanResult:
    """Store the plan in one transaction; the current plan becomes superseded.

    With ``propose`` (and a current plan to compare with) the plan is stored as the
    campaign's one ``proposed`` plan instead, for review
    (:mod:`zoufang.campaign.area_review`): its areas and must-go visits are stored, its
    target assignment is kept in the row (``figures["proposal"]``), and the current plan
    and the present assignment (``area_targets``) stay untouched.
    """
    _hard_rules(problem, plan, chk)
    t = problem.targets
    k = len(plan.areas)
    numbers = _numbers(inp, problem, plan)
    grid_ids = [g.id for g in problem.grids]
    kinds = np.asarray(inp.target_kind)
    cadre_by_ext = {c.ext_id: c for c in inp.cadre_rows}
    total = np.array([a.total_min for a in plan.areas])
    cap = np.array([a.capacity_min for a in plan.areas])
    figures = {k_: _num(v) for k_, v in chk.as_row().items()}
    figures["mustgo"] = {r: list(v) for r, v in chk.mustgo.items()}
    figures["violations"] = list(chk.violations)
    figures["capacity"] = inp.capacity
    shortfall = None
    if plan.shortfall is not None:
        sf = plan.shortfall
        shortfall = {
            "cadre_hours_missing": round(sf.cadre_hours_missing, 2),
            "minutes_missing": round(sf.minutes_missing, 1),
            "workload_h": round(sf.workload_min / 60, 2),
            "capacity_h": round(sf.capacity_min / 60, 2),
            "cadres_over": [plan.areas[a].cadre_id for a in np.flatnonzero(total > cap + 1e-6)],
            "grids_at_risk": [{"grid": g.grid_id, "hours": round(g.minutes_at_risk / 60, 2),
                               "share_pct": round(g.share_at_risk * 100, 1)}
                              for g in sf.grids_at_risk]}
    mustgo = [{"rule": m.rule, "label": m.label, "min_level": m.min_level,
               "n_items": m.n_items, "n_covered": m.n_covered, "n_cadres": len(m.by_cadre)}
              for m in plan.mustgo]
    churn = None
    if plan.churn is not None:
        c = plan.churn
        prev = inp.previous or []
        churn = {"eligible": c.eligible, "kept": c.kept, "moved": c.eligible - c.kept,
                 "kept_pct": round(100 * c.kept_share, 2), "locked": c.locked,
                 "locked_kept": c.locked_kept,
                 "new_targets": sum(1 for p in prev if p is None),
                 "from_departed_cadres": sum(1 for p in prev
                                             if p is not None and p not in cadre_by_ext)}
    warnings = [*inp.warnings, *extra_warnings, *plan.warnings]
    now = dt.datetime.now(dt.UTC)
    prev_cadre = inp.previous
    propose = propose and inp.current_plan_id is not None
    try:
        with store.session() as s:
            if propose:
                if s.scalar(select(AreaPlan.id).where(
                        AreaPlan.id == inp.current_plan_id,
                        AreaPlan.status == "current")) is None:
                    raise _conflict("another plan was stored while this one was solving")
                from zoufang.campaign.area_review import drop_proposals

                drop_proposals(s, inp.campaign_id)
                since_prev = {}
            # take the current plan's row first (a write): a concurrent run or lock waits
            elif inp.current_plan_id is not None:
                n = _rowcount(s.execute(update(AreaPlan).where(
                    AreaPlan.id == inp.current_plan_id,
                    AreaPlan.status == "current").values(status="superseded")))
                if n != 1:
                    raise _conflict("another plan was stored while this one was solving")
                now_locked = set(s.scalars(select(VisitArea.cadre_ext_id).where(
                    VisitArea.plan_id == inp.current_plan_id, VisitArea.locked)).all())
                if now_locked != inp.current_locked:
                    raise _conflict("pairs were locked or unlocked while this plan was "
                                    "solving")
                since_prev = dict(s.execute(
                    select(AreaTarget.target_id, AreaTarget.since_plan_id)
                    .where(AreaTarget.campaign_id == inp.campaign_id)).all())
            else:
                if s.scalar(select(AreaPlan.id).where(
                        AreaPlan.campaign_id == inp.campaign_id,
                        AreaPlan.status == "current")) is not None:
                    raise _conflict("another plan was stored while this one was solving")
                since_prev = {}
            row = AreaPlan(
                campaign_id=inp.campaign_id, previous_id=inp.current_plan_id,
                status="proposed" if propose else "current", kind=kind, created_at=now,
                created_by=actor,
                phase_kind=inp.phase_kind, phase_days=inp.phase_days, seed=seed,
                time_limit_s=float(time_limit_s), solve_s=float(plan.runtime_s),
                n_targets=len(t), n_areas=k, feasible=bool(plan.is_feasible() and chk.ok),
                workload_min=float(total.sum()), capacity_min=float(cap.sum()),
                figures=figures, shortfall=shortfall, mustgo=mustgo, churn=churn,
                left_out=inp.left_out, warnings=warnings)
            s.add(row)
            s.flush()
            area_rows = []
            for a, area in enumerate(plan.areas):
                cad = cadre_by_ext[area.cadre_id]
                idx = area.targets
                grids = [grid_ids[g] for g in sorted(area.grids,
                                                     key=lambda g: natural_key(grid_ids[g]))]
                villages = list(dict.fromkeys(inp.grid_village[g] for g in grids
                                              if inp.grid_village.get(g)))
                counts = dict(Counter(kinds[idx].tolist()))
                area_rows.append(VisitArea(
                    campaign_id=inp.campaign_id, plan_id=row.id, number=numbers[a],
                    name=f"第{numbers[a]}区", cadre_id=cad.id, cadre_ext_id=cad.ext_id,
                    cadre_name=cad.name, locked=area.cadre_id in locked,
                    locked_at=now if area.cadre_id in locked else None,
                    n_targets=int(len(idx)), counts=counts,
                    service_min=float(area.service_min), travel_min=float(area.travel_min),
                    mustgo_min=float(area.mustgo_min), capacity_min=float(area.capacity_min),
                    share_min=float(area.share_min),
                    commute_m=None if area.cadre_id in inp.cadre_nobase
                    or not math.isfinite(area.commute_m) else float(area.commute_m),
                    contiguous=bool(area.contiguous), grids=grids,
                    split_grids=[grid_ids[g] for g in area.split_grids], villages=villages))
            s.add_all(area_rows)
            s.flush()
            area_id = [r.id for r in area_rows]
            if propose:
                row.figures = {**figures, "proposal": [
                    [inp.target_ids[i], area_id[a]]
                    for i, a in enumerate(plan.target_area.tolist())]}
            else:
                s.execute(delete(AreaTarget).where(AreaTarget.campaign_id == inp.campaign_id))
            recs = [] if propose else [
                {"campaign_id": inp.campaign_id, "area_id": area_id[a],
                 "target_id": inp.target_ids[i],
                 "since_plan_id": since_prev.get(inp.target_ids[i], row.id)
                 if prev_cadre is not None and prev_cadre[i] == plan.areas[a].cadre_id
                 else row.id}
                for i, a in enumerate(plan.target_area.tolist())]
            if recs:
                s.execute(insert(AreaTarget), recs)
            mg = []
            for cov in plan.mustgo:
                for v in cov.visits:
                    cad = cadre_by_ext[v.cadre_id]
                    vname = v.village or None
                    mg.append({"campaign_id": inp.campaign_id, "plan_id": row.id,
                               "rule": v.rule,
                               "target_id": inp.target_ids[v.target] if v.target >= 0 else None,
                               "village_id": inp.village_ids.get(vname) if vname else None,
                               "village_name": vname,
                               "grid_ext_id": grid_ids[v.grid] if v.grid >= 0 else None,
                               "cadre_id": cad.id, "cadre_ext_id": cad.ext_id,
                               "minutes": float(v.minutes), "distance_m": float(v.distance_m)})
            if mg:
                s.execute(insert(MustGoAssignment), mg)
            camp = s.get(Campaign, inp.campaign_id)
            assert camp is not None
            return _result(s, row, camp)
    except (IntegrityError, OperationalError) as exc:
        raise _conflict(f"the store refused the plan ({type(exc).__name__}: "
                        f"{str(exc.orig).splitlines()[0] if exc.orig else exc})") from exc


def _rowcount(result: Any) -> int:
    """Rows an UPDATE matched (a ``CursorResult``'s ``rowcount``)."""
    return int(result.rowcount)


def _conflict(why: str) -> PlanConflict:
    return PlanConflict(f"plan not stored: {why}", [_errors.problem(
        "plan", f"{why}; nothing was stored. Run the command again.")])


# --------------------------------------------------------------------------------------
# planning


def plan_campaign(store: Store, *, township: str | None = None, campaign: str | None = None,
                  time_limit_s: float = 60.0, seed: int = 0, phase: str = DEFAULT_PHASE,
                  actor: str | None = None,
                  on_stage: Callable[[str], None] | None = None,
                  propose: bool = False) -> AreaPlanResult:
    """Plan (or re-plan) the campaign's visit areas and store the plan as the current one.

    Parameters
    ----------
    store
        The open campaign store.
    township, campaign
        Which campaign (see :func:`resolve_campaign`).
    time_limit_s
        Wall-clock budget of the solve, seconds (> 0).
    seed
        Seed of the solve; the same data and seed give the same plan.
    phase
        Kind of the campaign phase whose length caps the cadres' days (``visit`` by
        default; ``push`` for the concentrated round).
    actor
        Who asked for the plan (stored with it).
    on_stage
        Called with ``"loading"``, ``"building"``, ``"solving"``, ``"checking"``,
        ``"storing"`` as the run goes (for progress in a page).
    propose
        Store a re-plan as the campaign's proposed plan, for review (accepted or
        discarded with :mod:`zoufang.campaign.area_review`); the current plan stays
        current meanwhile. A first plan is always stored as the current one.

    Returns
    -------
    AreaPlanResult
        The stored plan with the checker's figures. A lack of hours is not an error:
        the plan carries a ``shortfall`` (cadre-hours missing, grids at risk).

    Raises
    ------
    AreaInputError
        (a ``ValueError``) listing every problem of the input: no cadres, no cadre with
        hours, no targets in grids, bad rows; :class:`~zoufang.planner.areas.InfeasibleAreasError`
        when the must-go visits cannot be covered by cadres of the required rank.
        Nothing is stored.
    PlanConflict
        When another run stored a plan, or pairs were locked, while this one solved.
    """
    if not (isinstance(time_limit_s, int | float) and time_limit_s > 0):
        raise AreaInputError("plan refused", [_errors.problem(
            "options", "Expected time_limit_s > 0 seconds.", "time_limit_s", time_limit_s)])
    stage = on_stage or (lambda _s: None)
    stage("loading")
    with store.session() as s:
        camp = resolve_campaign(s, township=township, campaign=campaign)
        inp = _load(s, camp, phase)
    stage("building")
    problem = _build(inp)
    stage("solving")
    plan = plan_areas(problem, time_limit_s=float(time_limit_s), seed=int(seed))
    stage("checking")
    chk = check_area_plan(problem, plan)  # type: ignore[arg-type]  # read-only protocol
    stage("storing")
    return _store(store, inp, problem, plan, chk, kind="plan", seed=int(seed),
                  time_limit_s=float(time_limit_s), locked=set(inp.locks), actor=actor,
                  propose=propose)


# --------------------------------------------------------------------------------------
# locks


def _touch_current(session: Session, camp: Campaign) -> AreaPlan:
    """Return the current plan, write-locking its row (concurrent re-plans wait)."""
    for _ in range(2):
        row = _current_row(session, camp)
        n = _rowcount(session.execute(update(AreaPlan).where(
            AreaPlan.id == row.id, AreaPlan.status == "current")
            .values(status="current")))
        if n == 1:
            return row
        session.expire_all()
    raise _conflict("the current plan changed while locking")


def _find_area(session: Session, row: AreaPlan, cadre: str | None, area: int | None
               ) -> tuple[VisitArea | None, VisitArea | None]:
    areas = session.scalars(select(VisitArea).where(VisitArea.plan_id == row.id)).all()
    by_cadre = {a.cadre_ext_id: a for a in areas}
    by_number = {a.number: a for a in areas}
    a_c = a_n = None
    if cadre is not None:
        a_c = by_cadre.get(cadre)
        if a_c is None:
            raise NoPlanError(f"cadre {cadre!r} has no area in plan #{row.id}", [_errors.problem(
                "cadre", "The cadre has no area in the current plan (unknown id, inactive, "
                "no hours, or added since): re-plan first.", "cadre_id", cadre)])
    if area is not None:
        a_n = by_number.get(area)
        if a_n is None:
            raise NoPlanError(f"no area {area} in plan #{row.id}", [_errors.problem(
                "area", f"Expected an area number among {sorted(by_number)[:5]}..."
                f"{max(by_number) if by_number else ''}.", "area", area)])
    return a_c, a_n


def lock(store: Store, *, cadre: str | None = None, area: int | None = None,
         township: str | None = None, campaign: str | None = None,
         time_limit_s: float = 30.0, actor: str | None = None) -> dict[str, Any]:
    """Lock a pair of the current plan: by cadre id (编号), by area number, or both.

    With both, and the cadre not yet paired with that area, the cadre is first re-paired
    with it: the two cadres swap areas, the result is checked and stored as a new plan of
    kind ``repair`` (must-go visits unchanged), and the pair is locked in it. A locked
    pair keeps all its targets in every re-plan (only new targets may join it).

    Returns
    -------
    dict
        The locked area (as in :attr:`AreaPlanResult.areas`) and ``plan_id``, and
        ``repaired`` (True when a swap made a new plan).

    Raises
    ------
    NoPlanError
        No current plan, or the cadre/area is not in it.
    ValueError
        When neither cadre nor area is given, or a swap would move a locked pair.
    """
    if cadre is None and area is None:
        raise ValueError("give a cadre id, an area number, or both")
    with store.session() as s:
        camp = resolve_campaign(s, township=township, campaign=campaign)
        row = _touch_current(s, camp)
        a_c, a_n = _find_area(s, row, cadre, area)
        if a_c is None or a_n is None or a_c.id == a_n.id:
            target = a_c or a_n
            assert target is not None
            if not target.locked:
                target.locked = True
                target.locked_at = dt.datetime.now(dt.UTC)
            s.flush()
            cad = s.get(Cadre, target.cadre_id) if target.cadre_id is not None else None
            return {**_area_dict(target, cad), "plan_id": row.id, "repaired": False}
        for a in (a_c, a_n):
            if a.locked:
                raise ValueError(f"area {a.number} is locked to cadre {a.cadre_ext_id}: "
                                 f"unlock it first (zoufang plan unlock {a.cadre_ext_id})")
        camp_id = str(camp.id)
    assert cadre is not None and area is not None
    res = _repair(store, township=township, campaign=camp_id, cadre=cadre, area=area,
                  actor=actor)
    mine = next(x for x in res.areas if x["cadre_id"] == cadre)
    return {**mine, "plan_id": res.plan_id, "repaired": True}


def unlock(store: Store, *, cadre: str | None = None, area: int | None = None,
           township: str | None = None, campaign: str | None = None) -> dict[str, Any]:
    """Unlock the pair of a cadre (or of an area number) in the current plan."""
    if cadre is None and area is None:
        raise ValueError("give a cadre id or an area number")
    with store.session() as s:
        camp = resolve_campaign(s, township=township, campaign=campaign)
        row = _touch_current(s, camp)
        a_c, a_n = _find_area(s, row, cadre, area)
        if a_c is not None and a_n is not None and a_c.id != a_n.id:
            raise ValueError(f"cadre {cadre} is paired with area {a_c.number}, not {area}")
        target = a_c or a_n
        assert target is not None
        target.locked = False
        target.locked_at = None
        s.flush()
        cad = s.get(Cadre, target.cadre_id) if target.cadre_id is not None else None
        return {**_area_dict(target, cad), "plan_id": row.id}


def _repair(store: Store, *, township: str | None, campaign: str, cadre: str, area: int,
            actor: str | None) -> AreaPlanResult:
    """Swap the areas of ``cadre`` and of area ``area``'s cadre; store as a new plan."""
    with store.session() as s:
        camp = resolve_campaign(s, township=township, campaign=campaign)
        cur = _current_row(s, camp)
        inp = _load(s, camp, cur.phase_kind or DEFAULT_PHASE)
        other = s.scalar(select(VisitArea.cadre_ext_id).where(
            VisitArea.plan_id == cur.id, VisitArea.number == area))
        mg = s.execute(select(MustGoAssignment.rule, MustGoAssignment.cadre_ext_id,
                              MustGoAssignment.target_id, MustGoAssignment.village_name)
                       .where(MustGoAssignment.plan_id == cur.id)).all()
    prev = inp.previous or []
    now_cadres = [c.ext_id for c in inp.cadre_rows]
    problems = []
    if any(p is None for p in prev):
        problems.append(_errors.problem(
            "targets", f"{sum(p is None for p in prev)} targets are new since the current plan."))
    if set(p for p in prev if p is not None) != set(now_cadres) or \
            set(inp.current_numbers) != set(now_cadres):
        problems.append(_errors.problem("cadres", "The cadres taking part changed since the "
                                 "current plan."))
    if problems:
        raise AreaInputError("re-pairing needs an up-to-date plan: run `zoufang plan areas` "
                             "first, then lock the pair", problems)
    assert other is not None
    swap = {cadre: other, other: cadre}
    labels_ext = [swap.get(p, p) for p in prev if p is not None]  # none is None: checked
    inp.locks = [c for c in inp.locks if c not in swap]
    problem = _build(inp)
    idx = {c: i for i, c in enumerate(now_cadres)}
    labels = np.array([idx[c] for c in labels_ext], dtype=np.int64)
    tpos = {t: i for i, t in enumerate(inp.target_ids)}
    mustgo = [(r, c, tpos.get(t, -1) if t is not None else -1, v or "")
              for r, c, t, v in mg if c in idx]
    plan = plan_from_labels(problem, labels, mustgo=mustgo)
    chk = check_area_plan(problem, plan)  # type: ignore[arg-type]  # read-only protocol
    # each cadre takes the number of the area it takes over
    inp.current_numbers = {swap.get(c, c): n for c, n in inp.current_numbers.items()}
    locked = set(inp.locks) | {cadre}
    return _store(store, inp, problem, plan, chk, kind="repair", seed=cur.seed,
                  time_limit_s=0.0, locked=locked, actor=actor,
                  extra_warnings=[f"cadre {cadre} re-paired with area {area} "
                                  f"(swapped with cadre {other})"])


def area_groupings(session: Session, campaign_id: int | None
                   ) -> tuple[dict[str, pd.Series], pd.Series] | None:
    """Target groupings of the campaign's current plan, for the measures.

    Returns ``({"area": target id -> area name}, target id -> cadre id)``, or None when
    there is no campaign or no current plan (measures then have no area level).
    """
    if campaign_id is None:
        return None
    rows = session.execute(
        select(AreaTarget.target_id, VisitArea.name, VisitArea.cadre_id)
        .join(VisitArea, VisitArea.id == AreaTarget.area_id)
        .join(AreaPlan, AreaPlan.id == VisitArea.plan_id)
        .where(AreaTarget.campaign_id == campaign_id, AreaPlan.status == "current")
    ).all()
    if not rows:
        return None
    index = [r.target_id for r in rows]
    return ({"area": pd.Series([r.name for r in rows], index=index)},
            pd.Series([r.cadre_id for r in rows], index=index))
