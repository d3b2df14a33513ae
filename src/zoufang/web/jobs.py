"""Background planning jobs: cut visit areas and pair them with cadres, plan routes.

A planner starts a job; one worker thread runs
:func:`zoufang.campaign.areas.plan_campaign` (which reads the township from the
store, solves, checks the plan with the independent checker and stores it as the
campaign's current plan). The page polls the job for its stage and progress: the stages
come from the service; within the solve, progress is the elapsed share of the time limit
(the solver reports nothing finer).

Route-planning jobs run :func:`zoufang.campaign.routes.plan_routes` the same way (a
phase, one cadre or all; the cadres solved in spawned processes); their progress is the
share of cadres solved.

Plans, locks and the arrangement table live in the store (:mod:`zoufang.campaign.areas`);
so do the jobs' state (:class:`~zoufang.campaign.store.jobs.PlanningJob`, written at
every stage): a job runs in the process that started it, and every server process shows
its progress. A server process that stops mid-job leaves its job ``running``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from zoufang.campaign import areas as areas_service
from zoufang.campaign.store import AreaTarget, PlanningJob, Township, VisitArea

__all__ = ["Job", "PlanView", "Planning"]

_log = logging.getLogger(__name__)

#: A job no process of this app is running is taken as abandoned (its server stopped)
#: once it has run ORPHAN_FACTOR times its search budget plus ORPHAN_GRACE_S seconds.
ORPHAN_FACTOR = 3.0
ORPHAN_GRACE_S = 600.0

_STAGE_PROGRESS = {"queued": 0.0, "loading": 0.05, "building": 0.12, "solving": 0.2,
                   "checking": 0.9, "storing": 0.95, "done": 1.0}


@dataclass
class PlanView:
    """The township's current stored plan, with what the maps need.

    ``result`` is :class:`~zoufang.campaign.areas.AreaPlanResult`;
    ``target_cadre`` maps target id -> cadre 编号, ``grid_cadres`` grid code -> cadres,
    ``grid_load_h`` grid code -> hours of work (an area's load shared evenly by its grids),
    ``cadre_index`` cadre 编号 -> area number (for colours).
    """

    result: Any
    target_cadre: dict[int, str]
    grid_cadres: dict[str, list[str]]
    grid_load_h: dict[str, float]
    cadre_index: dict[str, int]

    def public(self) -> dict[str, Any]:
        """JSON form (the stored plan as the CLI shows it)."""
        return dict(self.result.to_dict())


@dataclass
class Job:
    """One planning job and its progress."""

    id: str
    township_id: int
    started_by: str
    time_limit_s: float
    seed: int
    status: str = "queued"
    stage: str = "queued"
    started_at: float = field(default_factory=time.time)
    solve_started: float | None = None
    finished_at: float | None = None
    plan_id: int | None = None
    error: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    kind: str = "areas"
    phase: str | None = None
    cadre: str | None = None
    cadres_total: int = 0
    cadres_done: int = 0
    as_of: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (progress refreshed while solving)."""
        p = _STAGE_PROGRESS.get(self.stage, 0.0)
        if self.kind == "routes" and self.stage == "solving":
            p = 0.2 + 0.7 * (self.cadres_done / max(self.cadres_total, 1))
        elif self.stage == "solving" and self.solve_started is not None:
            share = min((time.time() - self.solve_started) / max(self.time_limit_s, 1e-9), 1.0)
            p = 0.2 + 0.7 * share
        if self.status == "failed":
            p = 1.0
        return {"id": self.id, "status": self.status, "stage": self.stage,
                "progress": round(p, 3), "error": self.error, "errors": self.errors,
                "time_limit_s": self.time_limit_s, "started_by": self.started_by,
                "plan_id": self.plan_id, "kind": self.kind, "phase": self.phase,
                "cadre": self.cadre, "cadres_total": self.cadres_total,
                "cadres_done": self.cadres_done, "stage_label": _stage_label(self.stage),
                "elapsed_s": round((self.finished_at or time.time()) - self.started_at, 1)}


def _stage_label(stage: str) -> str:
    """Return the stage in the viewer's language (the code itself when unknown)."""
    from zoufang.web.i18n import LABELS, t
    key = "stage_" + stage
    return str(t(key)) if key in LABELS else stage


#: The job's attributes kept in the store (every column of the row but its id).
_ROW_FIELDS = ("township_id", "kind", "status", "stage", "started_by", "time_limit_s",
               "seed", "phase", "cadre", "as_of", "started_at", "solve_started",
               "finished_at", "cadres_total", "cadres_done", "plan_id", "error", "errors")


def _from_row(row: PlanningJob) -> Job:
    job = Job(row.id, row.township_id, row.started_by, row.time_limit_s, row.seed)
    for name in _ROW_FIELDS:
        setattr(job, name, getattr(row, name))
    job.errors = list(row.errors or [])
    return job


class Planning:
    """Planning jobs of one app, and reading/locking the stored plans."""

    def __init__(self, store: Any, *, max_jobs: int = 200) -> None:
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zoufang-plan")
        self._lock = threading.Lock()
        self.jobs: dict[str, Job] = {}
        self._max_jobs = max_jobs
        self._route_workers = 1

    def _township_name(self, township_id: int) -> str:
        with self.store.session() as s:
            t = s.get(Township, township_id)
            if t is None:
                raise LookupError(f"no township #{township_id}")
            return t.name

    def start(self, township_id: int, *, user: str, time_limit_s: float = 30.0,
              seed: int = 0) -> Job:
        """Queue a planning job for the township; returns at once.

        The views hold ``time_limit_s`` to the app's ``PLAN_TIME_LIMIT_MAX_S``
        (:func:`zoufang.web.context.plan_job_options`).
        """
        if not time_limit_s >= 1:
            raise ValueError("Expected time_limit_s >= 1.")
        job = Job(uuid.uuid4().hex[:12], township_id, user, float(time_limit_s), int(seed))
        self._queue(job, self._run)
        return job

    def _queue(self, job: Job, run: Any) -> None:
        with self._lock:
            if len(self.jobs) >= self._max_jobs:
                for old in sorted(self.jobs.values(), key=lambda j: j.started_at)[:50]:
                    if old.status in ("done", "failed"):
                        self.jobs.pop(old.id, None)
            self.jobs[job.id] = job
        self._save(job)
        self._pool.submit(run, job)

    def start_routes(self, township_id: int, *, user: str, phase: str = "visit",
                     cadre: str | None = None, time_limit_s: float = 2.0,
                     as_of: dt.datetime | None = None, workers: int = 1) -> Job:
        """Queue a route-planning job (a phase, one cadre or all); returns at once.

        The job runs :func:`zoufang.campaign.routes.plan_routes` (its cadres solved in
        spawned processes) from ``as_of`` (local time; default now); progress is the
        share of cadres solved.
        """
        from zoufang.campaign.routes import PHASES
        if phase not in PHASES:
            raise ValueError(f"phase {phase!r}: expected one of {', '.join(PHASES)}")
        if not 0 < time_limit_s <= 3600:
            raise ValueError("Expected 0 < time_limit_s <= 3600.")
        job = Job(uuid.uuid4().hex[:12], township_id, user, float(time_limit_s), 0,
                  kind="routes", phase=phase, cadre=cadre or None, as_of=as_of)
        self._route_workers = workers
        self._queue(job, self._run_routes)
        return job

    def _stored(self, job: Job) -> Job:
        """Return a stored job; one left running by a server that stopped is failed now.

        A job this process runs is alive. Another one still queued or running long after
        its search budget (:data:`ORPHAN_FACTOR` times it, plus :data:`ORPHAN_GRACE_S`;
        a route job's budget is its time limit per cadre times its cadres) was left by a
        server that stopped or was killed: it is marked failed, saying so, so that its
        page does not show "running" for ever.
        """
        if job.status in ("queued", "running") and job.id not in self.jobs:
            budget = job.time_limit_s * (max(job.cadres_total, 1) if job.kind == "routes"
                                         else 1)
            if time.time() - job.started_at > ORPHAN_FACTOR * budget + ORPHAN_GRACE_S:
                from zoufang.web.i18n import LABELS

                job.status, job.stage = "failed", "failed"
                job.error = LABELS["job_abandoned"][0]
                job.finished_at = time.time()
                self._save(job)
        return job

    def get(self, job_id: str) -> Job | None:
        """Return the job ``job_id`` as stored (None when unknown), from any process."""
        if not job_id or len(job_id) > 32:
            return None
        with self.store.session() as s:
            row = s.get(PlanningJob, job_id)
            stored = _from_row(row) if row is not None else None
        if stored is not None:  # outside the read: marking it failed writes
            return self._stored(stored)
        return self.jobs.get(job_id)

    def latest_job(self, township_id: int, kind: str = "areas") -> Job | None:
        """Return the township's most recent job of ``kind`` (None before any)."""
        with self.store.session() as s:
            row = s.scalars(select(PlanningJob).where(
                PlanningJob.township_id == township_id, PlanningJob.kind == kind)
                .order_by(PlanningJob.started_at.desc()).limit(1)).first()
            stored = _from_row(row) if row is not None else None
        if stored is not None:
            return self._stored(stored)
        mine = [j for j in self.jobs.values()
                if j.township_id == township_id and j.kind == kind]
        return max(mine, key=lambda j: j.started_at) if mine else None

    def _save(self, job: Job) -> None:
        """Write the job's state to the store (every server process reads it there).

        A failed write (the store busy) is logged and skipped: the next one catches up.
        """
        try:
            with self.store.session() as s:
                row = s.get(PlanningJob, job.id)
                if row is None:
                    row = PlanningJob(id=job.id)
                    s.add(row)
                for name in _ROW_FIELDS:
                    setattr(row, name, getattr(job, name))
        except Exception:  # noqa: BLE001 - progress is best effort; the plan is not
            _log.warning("planning job %s: progress not stored", job.id, exc_info=True)

    def latest(self, township_id: int) -> PlanView | None:
        """Return the township's current stored plan (None when not planned yet)."""
        if township_id is None or township_id < 0:
            return None
        try:
            name = self._township_name(township_id)
            result = areas_service.current_plan(self.store, township=name)
        except (LookupError, ValueError):  # no township, no campaign, no plan yet
            return None
        with self.store.session() as s:
            areas = s.scalars(select(VisitArea).where(VisitArea.plan_id == result.plan_id)
                              .order_by(VisitArea.number)).all()
            by_area = {a.id: a.cadre_ext_id for a in areas}
            target_cadre = {tid: by_area[aid] for tid, aid in s.execute(
                select(AreaTarget.target_id, AreaTarget.area_id)
                .where(AreaTarget.area_id.in_(list(by_area)))).all()}
            grid_cadres: dict[str, list[str]] = defaultdict(list)
            grid_load: dict[str, float] = defaultdict(float)
            for a in areas:
                grids = list(a.grids or [])
                for g in grids:
                    if a.cadre_ext_id not in grid_cadres[g]:
                        grid_cadres[g].append(a.cadre_ext_id)
                    grid_load[g] += (a.service_min + a.travel_min) / 60.0 / max(len(grids), 1)
            index = {a.cadre_ext_id: a.number for a in areas}
        return PlanView(result, target_cadre, dict(grid_cadres), dict(grid_load), index)

    def set_lock(self, township_id: int, cadre_id: str, locked: bool, *,
                 user: str | None = None) -> list[str]:
        """Lock (or unlock) the pair of cadre ``cadre_id`` in the current plan.

        Returns the cadres whose pairs are locked.

        Raises
        ------
        LookupError
            No plan yet, or the cadre has no area in it.
        """
        name = self._township_name(township_id)
        try:
            if locked:
                areas_service.lock(self.store, cadre=cadre_id, township=name, actor=user)
            else:
                areas_service.unlock(self.store, cadre=cadre_id, township=name)
        except areas_service.NoPlanError as exc:
            raise LookupError(exc.summary if hasattr(exc, "summary") else str(exc)) from None
        view = self.latest(township_id)
        return sorted(a["cadre_id"] for a in view.result.areas if a["locked"]) if view else []

    def shutdown(self) -> None:
        """Stop the worker (running jobs finish first)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ the job

    def _stage(self, job: Job, stage: str) -> None:
        job.stage = stage
        if stage == "solving":
            job.solve_started = time.time()
        self._save(job)

    def _run(self, job: Job) -> None:
        job.status = "running"
        self._save(job)
        try:
            res = areas_service.plan_campaign(
                self.store, township=self._township_name(job.township_id),
                time_limit_s=job.time_limit_s, seed=job.seed, actor=job.started_by,
                on_stage=lambda st: self._stage(job, st), propose=True)
            job.plan_id = res.plan_id
            job.status, job.stage = "done", "done"
        except Exception as exc:  # any failure is shown in the page, never raised
            _failed(job, exc)
        finally:
            job.finished_at = time.time()
            self._save(job)

    def _run_routes(self, job: Job) -> None:
        from zoufang.campaign import routes as routes_service
        job.status, job.stage = "running", "loading"
        try:
            name = self._township_name(job.township_id)
            _settings, todo = routes_service.cadre_jobs(
                self.store, township=name, phase=job.phase or "visit", cadre=job.cadre,
                as_of=job.as_of)
            job.cadres_total = len(todo)
            self._stage(job, "solving")

            def done(_cadre: str, _sched: Any) -> None:
                job.cadres_done += 1
                if job.cadres_done >= job.cadres_total:
                    job.stage = "storing"
                self._save(job)

            res = routes_service.plan_routes(
                self.store, township=name, phase=job.phase or "visit", cadre=job.cadre,
                time_limit_s=job.time_limit_s, actor=job.started_by, as_of=job.as_of,
                workers=self._route_workers, on_done=done)
            job.plan_id = res.plan_id
            job.status, job.stage = "done", "done"
        except Exception as exc:  # any failure is shown in the page, never raised
            _failed(job, exc)
        finally:
            job.finished_at = time.time()
            self._save(job)


def _failed(job: Job, exc: Exception) -> None:
    """Mark ``job`` failed with the error's summary and its first 200 problems."""
    job.status, job.stage = "failed", "failed"
    job.error = getattr(exc, "summary", None) or f"{type(exc).__name__}: {exc}"
    job.errors = [p.to_dict() for p in getattr(exc, "problems", [])][:200]
