"""Daily routes of a campaign (每日走访路线).

Read the store, plan every cadre, check, store.

:func:`plan_routes` reads the campaign's current visit areas (a cadre keeps its own area
throughout), what the ledger recorded before ``as_of`` (settled visits drop out, targets
found not at home are retried at another time of day, after ``remote_after`` failed
attempts they are offered as a phone/WeChat visit, issues reported back to the resident
and awaiting the rating become revisits of the cadre who owns them), plans each cadre in
a process pool (:func:`zoufang.planner.schedule.plan_cadre`), checks every schedule with
the independent checker, and stores the plan as the current one of the phase (the one
before is kept as ``superseded``). When the search gives a cadre no route (an
error, a crash, nothing found within the time limit under load) the cadre gets its checked
greedy schedule instead, counted in the plan's ``figures["fallback"]``; a cadre is stored
as failed, with the reason, only when no checked schedule exists. The others' routes are
kept.

:func:`load_settings`/:func:`save_settings` keep the campaign's routing settings.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zoufang import _errors
from zoufang._errors import Problem, ValidationError
from zoufang._util import mp_context
from zoufang.campaign.phases import PHASE_ALIASES, PLAN_PHASES, plan_phase
from zoufang.campaign.store import (
    AreaPlan,
    AreaTarget,
    Cadre,
    Campaign,
    Issue,
    Phase,
    RouteCadre,
    RouteDay,
    RouteLeftOut,
    RoutePlan,
    RouteSettings,
    RouteStop,
    Store,
    Target,
    Visit,
    VisitArea,
    local_now,
)
from zoufang.campaign.store.lookup import LookupRefused, resolve_campaign
from zoufang.campaign.visits import SETTLED_OUTCOMES
from zoufang.gis.travel import TravelModel
from zoufang.planner.schedule import (
    CadreJob,
    CadreSchedule,
    ScheduleSettings,
    StopTarget,
    check_schedule,
    plan_cadre,
    plan_cadre_baseline,
    slot_of,
)

__all__ = ["PHASES", "RoutePlanResult", "RoutesInputError", "cadre_jobs", "load_settings",
           "plan_routes", "save_settings", "solve_jobs", "travel_model"]

#: Phases that can be routed (:data:`zoufang.campaign.phases.PLAN_PHASES`, one vocabulary
#: for every command): the whole visit phase (走访排查), the concentrated push inside it
#: (集中走访), and the revisit phase (回访).
PHASES = tuple(PLAN_PHASES)


class RoutesInputError(ValidationError):
    """The routing request or the store's data cannot be routed; nothing stored."""



# --------------------------------------------------------------------------------------
# settings


def load_settings(session: Session, campaign_id: int) -> ScheduleSettings:
    """Return the campaign's routing settings (defaults when none were saved)."""
    row = session.scalar(select(RouteSettings)
                         .where(RouteSettings.campaign_id == campaign_id))
    return ScheduleSettings.from_dict(row.settings if row else {}, source="stored settings")


def save_settings(store: Store, data: dict[str, Any], *, township: str | None = None,
                  campaign: str | None = None, actor: str | None = None,
                  source: str = "settings") -> ScheduleSettings:
    """Validate ``data`` over the campaign's present settings and store the result.

    Raises :class:`~zoufang._errors.ValidationError` naming every bad field; the stored
    settings are then unchanged.
    """
    with store.session() as s:
        camp = resolve_campaign(s, township=township, campaign=campaign)
        row = s.scalar(select(RouteSettings)
                       .where(RouteSettings.campaign_id == camp.id))
        merged = {**(row.settings if row else {}), **data}
        settings = ScheduleSettings.from_dict(merged, source=source)
        if row is None:
            row = RouteSettings(campaign_id=camp.id)
            s.add(row)
        row.settings = settings.to_dict()
        row.updated_by = actor
        row.updated_at = dt.datetime.now(dt.UTC)
        s.commit()
    return settings


def travel_model(roads: str | Path | None, settings: ScheduleSettings) -> TravelModel:
    """Return a road network read from ``roads``, else straight lines × the detour."""
    from zoufang.gis.roads import RoadNetwork
    from zoufang.gis.travel import StraightLine

    if roads:
        return RoadNetwork.from_file(roads)
    return StraightLine(detour=settings.detour)


# --------------------------------------------------------------------------------------
# reading the store


@dataclass
class _Read:
    campaign: Campaign
    phase_kind: str
    phase_name: str
    days: list[dt.date]
    as_of: dt.datetime
    jobs: list[CadreJob]
    cadre_rows: dict[str, tuple[int, str]]
    # cadre -> (target, purpose, reason, detail)
    left_out: dict[str, list[tuple[int, str, str, str]]]
    n_targets: int
    warnings: list[str]
    previous_id: int | None


def _phase(camp: Campaign, kind: str) -> Phase:
    # One phase vocabulary (campaign/phases.py): ``visit`` is the whole 走访排查 phase here
    # as in the area plan and the forecast; ``push`` the concentrated push inside it.
    try:
        return plan_phase(camp, kind)
    except LookupRefused as exc:
        raise RoutesInputError(exc.summary, exc.problems) from None


def _areas(session: Session, camp: Campaign) -> list[VisitArea]:
    plan = session.scalar(select(AreaPlan).where(AreaPlan.campaign_id == camp.id,
                                                 AreaPlan.status == "current"))
    if plan is None:
        raise RoutesInputError(f"campaign {camp.name!r} has no visit areas yet", [_errors.problem(
            "plan", "No current area plan: run `zoufang plan areas` first (every cadre "
            "routes the targets of its own area).")])
    return list(plan.areas)


def _read(session: Session, camp: Campaign, phase_kind: str, as_of: dt.datetime | None,
          cadre: str | None, settings: ScheduleSettings,
          revisit_ids: Sequence[str] | None) -> _Read:
    phase = _phase(camp, phase_kind)
    warnings: list[str] = []
    all_days = [phase.start + dt.timedelta(days=i) for i in range((phase.end - phase.start).days
                                                                  + 1)]
    if as_of is None:
        now = local_now()
        if phase.start <= now.date() <= phase.end:
            as_of = now
        else:
            as_of = dt.datetime.combine(phase.start, dt.time())
            warnings.append(f"today is outside the {phase.name} ({phase.start}–{phase.end}): "
                            f"planning the whole phase from {phase.start} (use --as-of to "
                            "re-plan from a given moment)")
    if as_of.date() > phase.end:
        raise RoutesInputError("nothing to plan", [_errors.problem(
            "options", f"--as-of {as_of:%Y-%m-%d %H:%M} is after the phase's last day "
            f"{phase.end}.", "as_of", as_of)])
    days = [d for d in all_days if d >= as_of.date()]

    areas = _areas(session, camp)
    if cadre is not None:
        areas = [a for a in areas if a.cadre_ext_id == cadre or str(a.cadre_id) == cadre]
        if not areas:
            raise RoutesInputError(f"cadre {cadre!r} has no visit area", [_errors.problem(
                "options", "Expected a cadre id (工号) paired with a visit area in the "
                "current plan.", "cadre", cadre)])
    area_ids = [a.id for a in areas]
    members: dict[int, list[int]] = defaultdict(list)
    for area_id, target_id in session.execute(select(AreaTarget.area_id, AreaTarget.target_id)
                                              .where(AreaTarget.area_id.in_(area_ids))):
        members[area_id].append(target_id)
    cadres = {c.id: c for c in session.scalars(select(Cadre).where(
        Cadre.id.in_([a.cadre_id for a in areas if a.cadre_id is not None])))}

    # What the ledger recorded before as_of.
    settled: set[int] = set()
    failed: dict[int, list[dt.datetime]] = defaultdict(list)
    for tid, at, outcome in session.execute(
            select(Visit.target_id, Visit.at, Visit.outcome)
            .where(Visit.campaign_id == camp.id, Visit.at < as_of)):
        if outcome in SETTLED_OUTCOMES:
            settled.add(tid)
        elif outcome == "not_home":
            failed[tid].append(at)
    revisits: dict[int, set[int]] = defaultdict(set)  # cadre id -> target ids
    for tid, owner in session.execute(
            select(Issue.target_id, Issue.owner_cadre_id)
            .where(Issue.campaign_id == camp.id, Issue.status == "reported",
                   Issue.rating.is_(None), Issue.target_id.is_not(None))):
        if owner is not None:
            revisits[owner].add(tid)
    chosen: set[int] | None = None
    if revisit_ids:
        found = dict(session.execute(select(Target.ext_id, Target.id).where(
            Target.township_id == camp.township_id, Target.ext_id.in_(list(revisit_ids)))).all())
        missing = [x for x in revisit_ids if x not in found]
        if missing:
            raise RoutesInputError("unknown targets", [_errors.problem(
                "targets", "No such target id in the township.", "target", m)
                for m in missing[:20]])
        chosen = set(found.values())

    need_ids = {t for a in areas for t in members[a.id]} | {t for ts in revisits.values()
                                                            for t in ts}
    trows = {t.id: t for t in session.scalars(select(Target).where(Target.id.in_(need_ids)))}
    prio = set(settings.priority_tags)
    jobs: list[CadreJob] = []
    cadre_rows: dict[str, tuple[int, str]] = {}
    left_out: dict[str, list[tuple[int, str, str, str]]] = defaultdict(list)
    n_targets = 0
    for a in sorted(areas, key=lambda a: a.cadre_ext_id):
        c = cadres.get(a.cadre_id) if a.cadre_id is not None else None
        if c is None or not c.active:
            warnings.append(f"area {a.number} ({a.name}): its cadre {a.cadre_ext_id} is gone "
                            "or inactive; re-pair the area first")
            continue
        cadre_rows[c.ext_id] = (c.id, c.name)
        stops: list[StopTarget] = []
        own = set(members[a.id])
        if phase_kind == "revisit":
            wanted = [(t, "revisit") for t in sorted(revisits.get(c.id, set()))]
            if chosen is not None:
                wanted += [(t, "revisit") for t in sorted(chosen & own)
                           if t not in revisits.get(c.id, set())]
        else:
            wanted = [(t, "visit") for t in sorted(own) if t not in settled]
            done = {t for t, _p in wanted}
            wanted += [(t, "revisit") for t in sorted(revisits.get(c.id, set()))
                       if t not in done and t in settled]
        for tid, purpose in wanted:
            t = trows.get(tid)
            if t is None:
                continue
            n_targets += 1
            if t.lon is None or t.lat is None:
                left_out[c.ext_id].append((tid, purpose, "no_location",
                                           "the target has no coordinates"))
                continue
            tries = sorted(failed.get(tid, [])) if purpose == "visit" else []
            if tries and len(tries) >= settings.remote_after:
                left_out[c.ext_id].append((tid, purpose, "remote", (
                    f"not at home {len(tries)} times "
                    f"({', '.join(f'{x:%m-%d %H:%M}' for x in tries[-3:])}): offer a "
                    "phone/WeChat visit")))
                continue
            excluded = frozenset(slot_of(x, settings) for x in tries) if (
                tries and settings.retry_other_slot) else frozenset()
            stops.append(StopTarget(
                target_id=tid, kind=t.kind, lon=float(t.lon), lat=float(t.lat),
                priority=bool(prio & set(t.tags or [])),
                purpose="retry" if tries else purpose, exclude_slots=excluded,
                unit=t.address or t.ext_id, label=t.ext_id))
        if c.base_lon is not None and c.base_lat is not None:
            base = (float(c.base_lon), float(c.base_lat))
        elif stops:
            base = (sum(s.lon for s in stops) / len(stops), sum(s.lat for s in stops) / len(stops))
            warnings.append(f"cadre {c.ext_id} has no base point: routes start at the middle "
                            "of the area")
        else:
            continue
        mode = _cadre_mode(c, settings, warnings)
        jobs.append(CadreJob(c.ext_id, base, tuple(days), tuple(stops),
                             hours_per_day=float(c.hours_per_day or 3.0), mode=mode,
                             not_before=as_of, name=c.name,
                             max_days=_days_left(c, all_days, days)))
    prev = session.scalar(select(RoutePlan.id).where(RoutePlan.campaign_id == camp.id,
                                                     RoutePlan.phase_kind == phase_kind,
                                                     RoutePlan.status == "current"))
    return _Read(camp, phase_kind, phase.name, days, as_of, jobs, cadre_rows, left_out,
                 n_targets, warnings, prev)


def cadre_jobs(store: Store, *, township: str | None = None, campaign: str | None = None,
               phase: str = "visit", as_of: dt.datetime | None = None,
               cadre: str | None = None) -> tuple[ScheduleSettings, list[CadreJob]]:
    """Return the settings and the per-cadre jobs :func:`plan_routes` would solve.

    For benchmarks and baselines that plan the same jobs another way.
    """
    with store.session() as s:
        camp = resolve_campaign(s, township=township, campaign=campaign)
        settings = load_settings(s, camp.id)
        rd = _read(s, camp, phase, as_of, cadre, settings, None)
    return settings, rd.jobs


#: A cadre's own travel mode, from an extra column of the cadre list (出行方式 or
#: travel_mode), in Chinese or English.
MODE_NAMES = {"walk": "walk", "步行": "walk", "ebike": "ebike", "电动车": "ebike",
              "电瓶车": "ebike", "e-bike": "ebike", "car": "car", "汽车": "car", "开车": "car",
              "驾车": "car"}


def _cadre_mode(c: Cadre, settings: ScheduleSettings, warnings: list[str]) -> str:
    """Return the cadre's travel mode: its own from the cadre list, else the setting."""
    extra = c.extra or {}
    raw = extra.get("travel_mode") or extra.get("出行方式")
    if raw is None or not str(raw).strip():
        return settings.mode
    mode = MODE_NAMES.get(str(raw).strip().lower())
    if mode is None:
        warnings.append(f"cadre {c.ext_id}: unknown travel mode {str(raw)!r} (expected "
                        f"步行/电动车/汽车 or walk/ebike/car), using {settings.mode}")
        return settings.mode
    return mode


def _days_left(c: Cadre, all_days: list[dt.date], days: list[dt.date]) -> int | None:
    """Days the cadre may still visit: its days available, less the phase's days gone.

    A cadre available fewer days than the phase has works at most that many; in a re-plan
    the days already past are assumed worked (None when there is no cap).
    """
    avail = int(c.days_available or 0)
    if avail <= 0 or avail >= len(all_days):
        return None
    return max(0, avail - (len(all_days) - len(days)))


# --------------------------------------------------------------------------------------
# solving in parallel

_WORKER: dict[str, Any] = {}


def _init_worker(settings: ScheduleSettings, travel: TravelModel) -> None:
    _WORKER["settings"] = settings
    _WORKER["travel"] = travel


def _report(rep: Any) -> dict[str, Any]:
    return {"ok": rep.ok, "violations": [str(v) for v in rep.violations[:20]],
            "n_violations": len(rep.violations), "window_violations": rep.window_violations,
            "checked_distance_m": round(rep.distance_m, 1)}


def _routed(sched: CadreSchedule) -> int:
    return sum(len(d.stops) for d in sched.days)


def _fallback(job: CadreJob, settings: ScheduleSettings, travel: TravelModel, why: str
              ) -> tuple[CadreSchedule, dict[str, Any]] | None:
    """Return the cadre's checked greedy schedule, when the search gave it nothing usable.

    The nearest-neighbour schedule (:func:`~zoufang.planner.schedule.plan_cadre_baseline`,
    the search's own starting point) checked by the independent checker; None when it
    cannot be built or the checker finds a violation (the cadre then stays failed).
    """
    try:
        sched = plan_cadre_baseline(job, settings, travel, with_lines=True)
        rep = check_schedule(job, settings, sched, travel)
    except Exception:  # noqa: BLE001 - the caller keeps the cadre failed with its reason
        return None
    if not rep.ok:
        return None
    sched.status = "ok"
    sched.message = f"search gave no route ({why}); checked greedy schedule kept"
    sched.figures = {**sched.figures, "config": "greedy", "fallback": "greedy"}
    return sched, _report(rep)


def _solve_one(job: CadreJob, time_limit_s: float) -> tuple[CadreSchedule, dict[str, Any]]:
    """Plan and check one cadre; never a cadre without a route when a checked one exists.

    When the search raises, fails, or returns no route at all for a cadre with targets,
    the checked greedy schedule is kept instead (``figures["fallback"] = "greedy"``);
    "failed" stays for a cadre that truly cannot be scheduled, with the reason.
    """
    settings, travel = _WORKER["settings"], _WORKER["travel"]
    why = ""
    sched: CadreSchedule | None = None
    try:
        sched = plan_cadre(job, settings, travel, time_limit_s=time_limit_s)
    except Exception as exc:  # noqa: BLE001 - the greedy schedule or the reason is kept
        why = traceback.format_exception_only(type(exc), exc)[-1].strip()
    if sched is not None and sched.status != "ok":
        why = sched.message or sched.status
    elif sched is not None and sched.figures.get("config") == "greedy":
        sched.figures = {**sched.figures, "fallback": "greedy"}   # the search's own
    elif sched is not None and job.targets and _routed(sched) == 0:
        why = "the search routed none of the cadre's targets"
    if why:
        fb = _fallback(job, settings, travel, why)
        if fb is not None and (sched is None or sched.status != "ok"
                               or _routed(fb[0]) > _routed(sched)):
            return fb
        if sched is None:
            return _failed(job, f"{why}; no checked greedy schedule either")
    assert sched is not None
    return sched, _report(check_schedule(job, settings, sched, travel))


def _failed(job: CadreJob, message: str) -> tuple[CadreSchedule, dict[str, Any]]:
    return (CadreSchedule(job.cadre_ext_id, job.mode, [], [], 0, 0.0, "failed", message),
            {"ok": False, "violations": [], "n_violations": 0, "window_violations": 0})



def solve_jobs(jobs: Sequence[CadreJob], settings: ScheduleSettings, travel: TravelModel, *,
               time_limit_s: float, workers: int,
               on_done: Callable[[str, CadreSchedule], None] | None = None,
               ) -> dict[str, tuple[CadreSchedule, dict[str, Any]]]:
    """Plan and check every job, ``workers`` at a time; a failure stays with its cadre.

    A crashed worker process (not only an exception) breaks the pool: the jobs it took
    with it are run again each in a pool of its own, so only the crashing cadre fails.
    """
    out: dict[str, tuple[CadreSchedule, dict[str, Any]]] = {}
    pending = list(jobs)
    isolate = False
    while pending:
        batch = pending if not isolate else pending[:1]
        rest = [] if not isolate else pending[1:]
        broken: list[CadreJob] = []
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(batch))),
                                 mp_context=mp_context(), initializer=_init_worker,
                                 initargs=(settings, travel)) as pool:
            futures = {pool.submit(_solve_one, j, time_limit_s): j for j in batch}
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    out[job.cadre_ext_id] = fut.result()
                except BrokenProcessPool:
                    broken.append(job)
                    continue
                except Exception as exc:  # noqa: BLE001 - kept with the cadre, never lost
                    tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
                    out[job.cadre_ext_id] = _fallback(job, settings, travel, tb) or \
                        _failed(job, f"{tb}; no checked greedy schedule either")
                if on_done is not None:
                    on_done(job.cadre_ext_id, out[job.cadre_ext_id][0])
        if isolate and broken:
            for job in broken:
                fb = _fallback(job, settings, travel, "the planning process crashed")
                out[job.cadre_ext_id] = fb or _failed(
                    job, "the planning process crashed; no checked greedy schedule either")
                if on_done is not None:
                    on_done(job.cadre_ext_id, out[job.cadre_ext_id][0])
            broken = []
        pending = broken + rest
        isolate = isolate or bool(broken)
    return out


# --------------------------------------------------------------------------------------
# result


@dataclass
class RoutePlanResult:
    """A stored route plan, as the CLI and the web show it."""

    plan_id: int
    campaign: str
    phase_kind: str
    phase_name: str
    first_day: dt.date
    last_day: dt.date
    as_of: dt.datetime
    travel: str
    solve_s: float
    cadres: list[dict[str, Any]]
    n_targets: int
    n_routed: int
    n_left_out: int
    distance_m: float
    figures: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every cadre solved and every schedule passed the checker."""
        return not self.figures.get("failed") and not self.figures.get("violations")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        from dataclasses import asdict

        d = asdict(self)
        for k in ("first_day", "last_day", "as_of"):
            d[k] = d[k].isoformat()
        return d

    def summary(self) -> str:
        """Return a few lines for people."""
        reasons = ", ".join(f"{k} {v}" for k, v in
                            sorted(self.figures.get("reasons", {}).items()))
        lines = [
            f"Route plan {self.plan_id} of {self.campaign}, {self.phase_name} "
            f"{self.first_day}–{self.last_day} (from {self.as_of:%Y-%m-%d %H:%M}), "
            f"travel {self.travel}",
            f"  cadres {len(self.cadres)} (failed {self.figures.get('failed', 0)}, "
            f"greedy fallback {self.figures.get('fallback', 0)}), targets "
            f"{self.n_targets}: routed {self.n_routed}, left out {self.n_left_out} "
            f"({reasons or 'none'}), distance {self.distance_m / 1000:.1f} km, solved in "
            f"{self.solve_s:.1f} s",
            f"  checker: {self.figures.get('violations', 0)} violation(s), "
            f"{self.figures.get('window_violations', 0)} outside time windows",
        ]
        extra = [c for c in self.cadres if c["extra_days"]]
        if extra:
            lines.append(f"  {len(extra)} cadre(s) need extra days: " + ", ".join(
                f"{c['cadre']} +{c['extra_days']}" for c in extra[:10])
                + (" …" if len(extra) > 10 else ""))
        for c in self.cadres:
            if c["status"] != "ok":
                lines.append(f"  FAILED {c['cadre']}: {c['message']}")
        lines += [f"  note: {w}" for w in self.warnings]
        return "\n".join(lines)


def _cadre_dict(rc: RouteCadre) -> dict[str, Any]:
    return {"cadre": rc.cadre_ext_id, "name": rc.cadre_name, "status": rc.status,
            "message": rc.message, "mode": rc.mode, "days": rc.n_days,
            "targets": rc.n_targets, "routed": rc.n_routed, "left_out": rc.n_left_out,
            "remote": rc.n_remote, "distance_m": round(rc.distance_m, 1),
            "extra_days": rc.extra_days, "solve_s": round(rc.solve_s, 2)}


def plan_result(session: Session, plan: RoutePlan) -> RoutePlanResult:
    """Return the result view of a stored plan."""
    camp = session.get(Campaign, plan.campaign_id)
    assert camp is not None
    cadres = list(session.scalars(select(RouteCadre).where(RouteCadre.plan_id == plan.id)
                                  .order_by(RouteCadre.cadre_ext_id)))
    return RoutePlanResult(plan.id, camp.name, plan.phase_kind,
                           plan.figures.get("phase_name", plan.phase_kind), plan.first_day,
                           plan.last_day, plan.as_of, plan.travel, plan.solve_s,
                           [_cadre_dict(c) for c in cadres], plan.n_targets, plan.n_routed,
                           plan.n_left_out, plan.distance_m, plan.figures, plan.warnings)


def current_route_plan(session: Session, campaign_id: int, phase_kind: str = "visit"
                       ) -> RoutePlan | None:
    """Return the campaign's current route plan of a phase, if any."""
    return session.scalar(select(RoutePlan).where(RoutePlan.campaign_id == campaign_id,
                                                  RoutePlan.phase_kind == phase_kind,
                                                  RoutePlan.status == "current"))


# --------------------------------------------------------------------------------------
# storing


def _store(store: Store, rd: _Read, settings: ScheduleSettings, travel: TravelModel,
           results: dict[str, tuple[CadreSchedule, dict[str, Any]]], time_limit_s: float,
           solve_s: float, actor: str | None, only_cadre: str | None) -> int:
    reasons: dict[str, int] = defaultdict(int)
    with store.session() as s:
        prev = (s.get(RoutePlan, rd.previous_id) if rd.previous_id is not None else None)
        if prev is not None:
            # Another run may have replaced it meanwhile: the update must still match.
            res = s.execute(update(RoutePlan).where(RoutePlan.id == prev.id,
                                                    RoutePlan.status == "current")
                            .values(status="superseded"))
            if int(res.rowcount) != 1:  # type: ignore[attr-defined]
                raise RoutesInputError("route plan not stored", [_errors.problem(
                    "plan", "Another route plan was stored while this one was solving; "
                    "nothing was stored. Run the command again.")])
            s.flush()
        plan = RoutePlan(campaign_id=rd.campaign.id, previous_id=rd.previous_id,
                         status="current", phase_kind=rd.phase_kind,
                         first_day=rd.days[0] if rd.days else rd.as_of.date(),
                         last_day=rd.days[-1] if rd.days else rd.as_of.date(), as_of=rd.as_of,
                         created_by=actor, travel=getattr(travel, "source", str(travel)),
                         settings=settings.to_dict(), time_limit_s=time_limit_s,
                         solve_s=solve_s, n_cadres=0, n_failed=0, n_targets=rd.n_targets,
                         n_routed=0, n_left_out=0, distance_m=0.0, figures={},
                         warnings=list(rd.warnings))
        s.add(plan)
        s.flush()
        n_routed = n_left = n_failed = n_viol = n_win = n_fallback = 0
        dist = 0.0
        for ext, (cid, cname) in sorted(rd.cadre_rows.items()):
            sched, rep = results.get(ext, (None, {}))
            pre = rd.left_out.get(ext, [])
            if sched is None:
                continue
            routed = sum(len(d.stops) for d in sched.days)
            lo = len(sched.left_out) + len(pre)
            rc = RouteCadre(plan_id=plan.id, cadre_id=cid, cadre_ext_id=ext, cadre_name=cname,
                            status=sched.status, message=sched.message or None,
                            mode=sched.mode, solve_s=sched.solve_s,
                            n_targets=routed + lo, n_routed=routed, n_left_out=lo,
                            n_remote=sum(1 for p in pre if p[2] == "remote"),
                            n_days=sum(1 for d in sched.days if d.stops),
                            distance_m=sched.distance_m, extra_days=float(sched.extra_days),
                            figures={**rep, **sched.figures})
            s.add(rc)
            n_failed += sched.status != "ok"
            n_fallback += sched.figures.get("fallback") == "greedy"
            n_viol += int(rep.get("n_violations", 0))
            n_win += int(rep.get("window_violations", 0))
            for d in sched.days:
                day = RouteDay(plan_id=plan.id, cadre_id=cid, cadre_ext_id=ext, day=d.day,
                               depart_at=d.depart, return_at=d.back, distance_m=d.distance_m,
                               duration_s=d.duration_s, n_stops=d.n_stops,
                               n_targets=len(d.stops), mode=sched.mode,
                               base_lon=_job_base(rd, ext)[0], base_lat=_job_base(rd, ext)[1],
                               line=[[round(x, 7), round(y, 7)] for x, y in d.line])
                s.add(day)
                s.flush()
                s.add_all([RouteStop(plan_id=plan.id, day_id=day.id, stop=st.stop,
                                     unit_order=st.unit_order, target_id=st.target_id,
                                     purpose=st.purpose, priority=st.priority,
                                     arrive_at=st.arrive, start_at=st.start, end_at=st.end,
                                     lon=st.lon, lat=st.lat) for st in d.stops])
            for tid, purpose, reason, detail in pre:
                reasons[reason] += 1
                s.add(RouteLeftOut(plan_id=plan.id, cadre_id=cid, cadre_ext_id=ext,
                                   target_id=tid, purpose=purpose, reason=reason,
                                   detail=detail))
            for x in sched.left_out:
                reasons[x.reason] += 1
                s.add(RouteLeftOut(plan_id=plan.id, cadre_id=cid, cadre_ext_id=ext,
                                   target_id=x.target_id, purpose=x.purpose, reason=x.reason,
                                   detail=x.detail))
            n_routed += routed
            n_left += lo
            dist += sched.distance_m
        if only_cadre is not None and prev is not None:
            _copy_others(s, prev.id, plan.id, set(rd.cadre_rows))
            s.flush()
            others = list(s.scalars(select(RouteCadre).where(
                RouteCadre.plan_id == plan.id, RouteCadre.cadre_ext_id.not_in(
                    list(rd.cadre_rows)))))
            n_routed += sum(c.n_routed for c in others)
            n_left += sum(c.n_left_out for c in others)
            dist += sum(c.distance_m for c in others)
            n_failed += sum(c.status != "ok" for c in others)
            n_fallback += sum((c.figures or {}).get("fallback") == "greedy" for c in others)
            plan.n_targets += sum(c.n_targets for c in others)
        plan.n_cadres = len(s.scalars(select(RouteCadre.id)
                                      .where(RouteCadre.plan_id == plan.id)).all())
        plan.n_routed, plan.n_left_out, plan.distance_m = n_routed, n_left, dist
        plan.n_failed = n_failed
        plan.figures = {"phase_name": rd.phase_name, "failed": n_failed,
                        "fallback": n_fallback,
                        "violations": n_viol, "window_violations": n_win,
                        "reasons": dict(reasons), "days": len(rd.days),
                        "only_cadre": only_cadre}
        s.commit()
        return plan.id


def _job_base(rd: _Read, ext: str) -> tuple[float, float]:
    for j in rd.jobs:
        if j.cadre_ext_id == ext:
            return j.base
    return (0.0, 0.0)


def _copy_others(s: Session, old: int, new: int, skip: set[str]) -> None:
    """Copy the routes of the cadres not re-planned from plan ``old`` into ``new``."""
    def clone(row: Any, **kw: Any) -> Any:
        cols = {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key != "id"}
        return type(row)(**{**cols, **kw})

    for rc in s.scalars(select(RouteCadre).where(RouteCadre.plan_id == old,
                                                 RouteCadre.cadre_ext_id.not_in(list(skip)))):
        s.add(clone(rc, plan_id=new))
    for lo in s.scalars(select(RouteLeftOut).where(RouteLeftOut.plan_id == old,
                                                   RouteLeftOut.cadre_ext_id.not_in(
                                                       list(skip)))):
        s.add(clone(lo, plan_id=new))
    for day in s.scalars(select(RouteDay).where(RouteDay.plan_id == old,
                                                RouteDay.cadre_ext_id.not_in(list(skip)))):
        nd = clone(day, plan_id=new)
        s.add(nd)
        s.flush()
        for st in day.stops:
            s.add(clone(st, plan_id=new, day_id=nd.id))


# --------------------------------------------------------------------------------------
# entry point


def plan_routes(store: Store, *, township: str | None = None, campaign: str | None = None,
                phase: str = "visit", cadre: str | None = None, time_limit_s: float = 2.0,
                as_of: dt.datetime | None = None, workers: int = 2,
                roads: str | Path | None = None, actor: str | None = None,
                revisit_targets: Sequence[str] | None = None,
                on_done: Callable[[str, CadreSchedule], None] | None = None,
                ) -> RoutePlanResult:
    """Plan, check and store the daily routes of a campaign's phase.

    Parameters
    ----------
    phase
        ``visit`` (the whole 走访排查 phase), ``push`` (the concentrated push 集中走访 inside
        it) or ``revisit`` (回访); the Chinese names are aliases
        (:mod:`zoufang.campaign.phases`).
    cadre
        Re-plan only this cadre (id/工号); the others' routes are copied from the
        current plan.
    time_limit_s
        Search time per cadre, seconds.
    as_of
        Plan from this local moment: days before it are history and visits recorded
        before it count (rolling re-planning). Default: now inside the phase, else the
        phase's first day.
    workers
        Cadres solved at once (processes).
    roads
        A road network file (GeoJSON lines, .osm, .osm.pbf, GeoPackage, Shapefile); without
        it, straight-line distance × the settings' detour factor.
    revisit_targets
        For the revisit phase: target ids to revisit besides those the ledger has waiting
        for a rating.

    Raises
    ------
    RoutesInputError
        Naming what is wrong (no such phase, no visit areas, bad options); nothing stored.
    """
    problems: list[Problem] = []
    phase = PHASE_ALIASES.get(phase, phase)
    if phase not in PHASES:
        problems.append(_errors.problem("options", f"Expected one of {', '.join(PHASES)}.", "phase",
                                 phase))
    if not (isinstance(time_limit_s, int | float) and 0 < time_limit_s <= 3600):
        problems.append(_errors.problem("options", "Expected seconds in (0, 3600].", "time_limit",
                                 time_limit_s))
    if not (isinstance(workers, int) and 1 <= workers <= 64):
        problems.append(_errors.problem("options", "Expected 1 to 64 processes.", "workers",
                                        workers))
    if problems:
        raise RoutesInputError("routes not planned", problems)
    started = time.monotonic()
    with store.session() as s:
        camp = resolve_campaign(s, township=township, campaign=campaign)
        settings = load_settings(s, camp.id)
        rd = _read(s, camp, phase, as_of, cadre, settings, revisit_targets)
        s.expunge_all()
    travel = travel_model(roads, settings)
    results = solve_jobs(rd.jobs, settings, travel, time_limit_s=float(time_limit_s),
                         workers=workers, on_done=on_done)
    try:
        plan_id = _store(store, rd, settings, travel, results, float(time_limit_s),
                         time.monotonic() - started, actor, cadre)
    except IntegrityError:
        # Two first plans of a phase at once: the partial unique index keeps one current.
        raise RoutesInputError("route plan not stored", [_errors.problem(
            "plan", "Another route plan of this phase was stored while this one was "
            "solving; nothing was stored. Run the command again.")]) from None
    with store.session() as s:
        plan = s.get(RoutePlan, plan_id)
        assert plan is not None
        return plan_result(s, plan)

