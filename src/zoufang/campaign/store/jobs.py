"""Background planning jobs (规划任务) of the web app, kept in the store.

:class:`PlanningJob` — one job planning a township's visit areas (``kind`` ``areas``) or
its routes (``routes``): who started it, its stage and status, what it stored. The job
runs in one server process; keeping its state here lets every server process show its
progress (migration ``0010``). Rows are small and few (one per planning run).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zoufang.campaign.store.base import Base

__all__ = ["JOB_KINDS", "PlanningJob"]

#: What a job plans.
JOB_KINDS = ("areas", "routes")


class PlanningJob(Base):
    """One planning job and its progress (times are epoch seconds)."""

    __tablename__ = "planning_jobs"
    __table_args__ = (Index("ix_planning_jobs_township_kind", "township_id", "kind",
                            "started_at"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12), default="areas")
    status: Mapped[str] = mapped_column(String(12), default="queued")
    stage: Mapped[str] = mapped_column(String(20), default="queued")
    started_by: Mapped[str] = mapped_column(String(100))
    time_limit_s: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    phase: Mapped[str | None] = mapped_column(String(20))
    cadre: Mapped[str | None] = mapped_column(String(100))
    as_of: Mapped[dt.datetime | None] = mapped_column(DateTime())
    started_at: Mapped[float] = mapped_column(Float)
    solve_started: Mapped[float | None] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float)
    cadres_total: Mapped[int] = mapped_column(Integer, default=0)
    cadres_done: Mapped[int] = mapped_column(Integer, default=0)
    plan_id: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
