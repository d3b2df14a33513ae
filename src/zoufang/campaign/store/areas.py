"""The visit-area tables: planning runs, visit areas (走访区域), who visits which target.

- :class:`AreaPlan` — one planning run of a campaign (or a manual re-pairing): seed, time
  limit, solve time, the independent checker's figures, the shortfall, the must-go
  coverage, churn against the plan before it. At most one plan of a campaign is
  ``current``; a re-plan stores a new plan and marks the old one ``superseded`` (a partial
  unique index guarantees one current plan per campaign even under concurrent runs).
- :class:`VisitArea` — one area of one plan and its cadre (走访人员与走访区域一一对应):
  number, load, capacity, travel, commute, grids, split grids, villages, counts by kind,
  and the ``locked`` flag (一访到底: a locked pair never changes in a re-plan). Areas of
  superseded plans stay, so every past arrangement can still be read.
- :class:`AreaTarget` — the campaign's present assignment of each target to an area of
  the current plan; unique per campaign and target, so a target can never be in two
  areas. ``since_plan_id`` is the first plan since which the target has had its present
  cadre without interruption (how long the pair has held).
- :class:`MustGoAssignment` — must-go visits (四个必到) of each plan: rule, target or
  village, cadre.

Cadre and target foreign keys are ``SET NULL``/``CASCADE`` so that deleting a cadre or a
target never breaks history: areas keep the cadre's id and name as they were when planned.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zoufang.campaign.store.base import Base, _now

__all__ = ["PLAN_STATUSES", "AreaPlan", "AreaTarget", "MustGoAssignment", "VisitArea"]

#: Status of a planning run: the one in force, or one a later run replaced.
PLAN_STATUSES = ("current", "superseded")


class AreaPlan(Base):
    """One planning run of a campaign's visit areas (走访区域规划).

    ``kind`` is ``plan`` (a solve) or ``repair`` (a manual re-pairing of a cadre with an
    area, checked like a solve). ``phase_kind`` and ``phase_days`` say which phase's days
    capped the cadres' capacity. ``figures`` holds the independent checker's figures and
    violations; ``shortfall`` is None when the cadres' hours cover the workload, else the
    cadre-hours missing and the grids at risk; ``mustgo`` the coverage per rule; ``churn``
    the pairs kept against ``previous_id``; ``left_out`` the targets outside every grid and
    the cadres that could not take an area, with reasons.
    """

    __tablename__ = "area_plans"
    __table_args__ = (
        Index("uq_area_plans_current", "campaign_id", unique=True,
              sqlite_where=text("status = 'current'"),
              postgresql_where=text("status = 'current'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("area_plans.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="current")
    kind: Mapped[str] = mapped_column(String(12), default="plan")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    created_by: Mapped[str | None] = mapped_column(String(100))
    phase_kind: Mapped[str | None] = mapped_column(String(20))
    phase_days: Mapped[int | None] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    time_limit_s: Mapped[float] = mapped_column(Float)
    solve_s: Mapped[float] = mapped_column(Float)
    n_targets: Mapped[int] = mapped_column(Integer)
    n_areas: Mapped[int] = mapped_column(Integer)
    feasible: Mapped[bool] = mapped_column(Boolean)
    workload_min: Mapped[float] = mapped_column(Float)
    capacity_min: Mapped[float] = mapped_column(Float)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    shortfall: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    mustgo: Mapped[list[Any]] = mapped_column(JSON, default=list)
    churn: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    left_out: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)

    areas: Mapped[list[VisitArea]] = relationship(back_populates="plan",
                                                  order_by="VisitArea.number")


class VisitArea(Base):
    """走访区域: one visit area of one plan, paired with one cadre (its 责任田).

    Minutes: ``service_min`` (visits by per-kind service time), ``travel_min`` (walking
    estimated inside the area), ``mustgo_min`` (the cadre's must-go visits, possibly
    elsewhere), ``capacity_min`` (hours a day x 60 x days in the phase), ``share_min``
    (capacity share of the total workload). ``commute_m``: metres from the cadre's base
    to the mean point of the area's targets (None when the cadre has no base point).
    ``grids``/``split_grids``/``villages`` are grid ids and village names as the users
    know them; ``counts`` the number of targets by kind.
    """

    __tablename__ = "visit_areas"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_visit_areas_plan_number"),
                      UniqueConstraint("plan_id", "cadre_ext_id",
                                       name="uq_visit_areas_plan_cadre"))
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("area_plans.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id", ondelete="SET NULL"),
                                                 index=True)
    cadre_ext_id: Mapped[str] = mapped_column(String(64))
    cadre_name: Mapped[str] = mapped_column(String(100))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    n_targets: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    service_min: Mapped[float] = mapped_column(Float)
    travel_min: Mapped[float] = mapped_column(Float)
    mustgo_min: Mapped[float] = mapped_column(Float)
    capacity_min: Mapped[float] = mapped_column(Float)
    share_min: Mapped[float] = mapped_column(Float)
    commute_m: Mapped[float | None] = mapped_column(Float)
    contiguous: Mapped[bool] = mapped_column(Boolean)
    grids: Mapped[list[str]] = mapped_column(JSON, default=list)
    split_grids: Mapped[list[str]] = mapped_column(JSON, default=list)
    villages: Mapped[list[str]] = mapped_column(JSON, default=list)

    plan: Mapped[AreaPlan] = relationship(back_populates="areas")

    @property
    def load_min(self) -> float:
        """Workload of the area's targets, minutes (service + travel)."""
        return self.service_min + self.travel_min

    @property
    def total_min(self) -> float:
        """Area workload plus the cadre's must-go visits, minutes."""
        return self.load_min + self.mustgo_min


class AreaTarget(Base):
    """The present assignment of one target to an area of the campaign's current plan."""

    __tablename__ = "area_targets"
    __table_args__ = (UniqueConstraint("campaign_id", "target_id",
                                       name="uq_area_targets_campaign_target"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("visit_areas.id", ondelete="CASCADE"),
                                         index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"),
                                           index=True)
    since_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("area_plans.id", ondelete="SET NULL"))


class MustGoAssignment(Base):
    """A must-go visit (四个必到) of one plan: who visits which target or village.

    ``rule`` is weak_village, poor_registered, listed_enterprise or
    resettlement_community; target rules name a ``target_id``, village rules a
    ``village_name`` (and ``village_id`` when the village is in the store).
    """

    __tablename__ = "mustgo_assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("area_plans.id", ondelete="CASCADE"),
                                         index=True)
    rule: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id",
                                                             ondelete="CASCADE"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id",
                                                              ondelete="SET NULL"))
    village_name: Mapped[str | None] = mapped_column(String(100))
    grid_ext_id: Mapped[str | None] = mapped_column(String(64))
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id", ondelete="SET NULL"),
                                                 index=True)
    cadre_ext_id: Mapped[str] = mapped_column(String(64))
    minutes: Mapped[float] = mapped_column(Float)
    distance_m: Mapped[float] = mapped_column(Float)
