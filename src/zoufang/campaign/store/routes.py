"""The daily-route tables: route plans, cadre-days, stops, targets left out.

- :class:`RouteSettings` — a campaign's routing settings (time windows by kind and day
  type, service minutes, the cadres' visiting windows, travel mode, priority tags, road
  network), as the JSON that :class:`zoufang.planner.schedule.ScheduleSettings` reads.
- :class:`RoutePlan` — one routing run of a campaign's phase: from which moment
  (``as_of``: days before it are history, visits recorded before it are taken into
  account), with which settings and travel model, and the independent checker's figures.
  At most one plan per campaign and phase is ``current``; a re-plan (rolling, each day)
  marks the one before ``superseded`` and keeps it.
- :class:`RouteCadre` — one cadre's outcome in a plan: solved or failed (with the error;
  other cadres' routes are kept), distance, targets routed, left out, offered as
  phone/WeChat visits, and the extra days the left-out targets would need.
- :class:`RouteDay` — one cadre-day (干部的一天): leave the base, visit, come back; the
  route line follows the roads when a road network was used.
- :class:`RouteStop` — one target on a cadre-day. Targets at the same point (an
  apartment block, a compound) share the stop number ``stop``; ``unit_order`` orders
  them inside it. ``purpose`` is ``visit``, ``retry`` (found not at home before) or
  ``revisit`` (回访 of a resolved issue). Unique per plan and target: no target twice.
- :class:`RouteLeftOut` — a target of the cadre's area not routed in the plan, with the
  reason (``no_window``, ``unreachable``, ``days_full``, ``remote`` = offered as a
  phone/WeChat visit after failed attempts, ``no_location``).

Times are naive local wall-clock times of China, as in the ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zoufang.campaign.store.base import Base, _now

__all__ = ["RouteCadre", "RouteDay", "RouteLeftOut", "RoutePlan", "RouteSettings",
           "RouteStop"]


class RouteSettings(Base):
    """A campaign's routing settings (one row per campaign)."""

    __tablename__ = "route_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             unique=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_by: Mapped[str | None] = mapped_column(String(100))


class RoutePlan(Base):
    """One routing run of a campaign's phase (路线规划)."""

    __tablename__ = "route_plans"
    __table_args__ = (
        Index("uq_route_plans_current", "campaign_id", "phase_kind", unique=True,
              sqlite_where=text("status = 'current'"),
              postgresql_where=text("status = 'current'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("route_plans.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="current")
    phase_kind: Mapped[str] = mapped_column(String(20))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    as_of: Mapped[dt.datetime] = mapped_column(DateTime())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    created_by: Mapped[str | None] = mapped_column(String(100))
    travel: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    time_limit_s: Mapped[float] = mapped_column(Float)
    solve_s: Mapped[float] = mapped_column(Float)
    n_cadres: Mapped[int] = mapped_column(Integer)
    n_failed: Mapped[int] = mapped_column(Integer)
    n_targets: Mapped[int] = mapped_column(Integer)
    n_routed: Mapped[int] = mapped_column(Integer)
    n_left_out: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[float] = mapped_column(Float)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)

    cadres: Mapped[list[RouteCadre]] = relationship(back_populates="plan",
                                                    order_by="RouteCadre.cadre_ext_id")


class RouteCadre(Base):
    """One cadre's outcome in a route plan."""

    __tablename__ = "route_cadres"
    __table_args__ = (UniqueConstraint("plan_id", "cadre_ext_id",
                                       name="uq_route_cadres_plan_cadre"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plans.id", ondelete="CASCADE"),
                                         index=True)
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id", ondelete="SET NULL"),
                                                 index=True)
    cadre_ext_id: Mapped[str] = mapped_column(String(64))
    cadre_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12))
    message: Mapped[str | None] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(10))
    solve_s: Mapped[float] = mapped_column(Float, default=0.0)
    n_targets: Mapped[int] = mapped_column(Integer, default=0)
    n_routed: Mapped[int] = mapped_column(Integer, default=0)
    n_left_out: Mapped[int] = mapped_column(Integer, default=0)
    n_remote: Mapped[int] = mapped_column(Integer, default=0)
    n_days: Mapped[int] = mapped_column(Integer, default=0)
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    extra_days: Mapped[float] = mapped_column(Float, default=0.0)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    plan: Mapped[RoutePlan] = relationship(back_populates="cadres")


class RouteDay(Base):
    """One cadre-day of a route plan: leave the base, visit in order, come back."""

    __tablename__ = "route_days"
    __table_args__ = (UniqueConstraint("plan_id", "cadre_ext_id", "day",
                                       name="uq_route_days_plan_cadre_day"),
                      Index("ix_route_days_cadre_day", "cadre_id", "day"))
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plans.id", ondelete="CASCADE"),
                                         index=True)
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id", ondelete="SET NULL"))
    cadre_ext_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[dt.date] = mapped_column(Date)
    depart_at: Mapped[dt.datetime] = mapped_column(DateTime())
    return_at: Mapped[dt.datetime] = mapped_column(DateTime())
    distance_m: Mapped[float] = mapped_column(Float)
    duration_s: Mapped[int] = mapped_column(Integer)
    n_stops: Mapped[int] = mapped_column(Integer)
    n_targets: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(10))
    base_lon: Mapped[float] = mapped_column(Float)
    base_lat: Mapped[float] = mapped_column(Float)
    line: Mapped[list[Any]] = mapped_column(JSON, default=list)

    stops: Mapped[list[RouteStop]] = relationship(
        back_populates="day_row", order_by="(RouteStop.stop, RouteStop.unit_order)",
        cascade="all, delete-orphan")


class RouteStop(Base):
    """One target on a cadre-day, in visiting order."""

    __tablename__ = "route_stops"
    __table_args__ = (UniqueConstraint("plan_id", "target_id",
                                       name="uq_route_stops_plan_target"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plans.id", ondelete="CASCADE"))
    day_id: Mapped[int] = mapped_column(ForeignKey("route_days.id", ondelete="CASCADE"),
                                        index=True)
    stop: Mapped[int] = mapped_column(Integer)
    unit_order: Mapped[int] = mapped_column(Integer, default=0)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"),
                                           index=True)
    purpose: Mapped[str] = mapped_column(String(10), default="visit")
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    arrive_at: Mapped[dt.datetime] = mapped_column(DateTime())
    start_at: Mapped[dt.datetime] = mapped_column(DateTime())
    end_at: Mapped[dt.datetime] = mapped_column(DateTime())
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)

    day_row: Mapped[RouteDay] = relationship(back_populates="stops")


class RouteLeftOut(Base):
    """A target of a cadre's area that a route plan does not route, and why."""

    __tablename__ = "route_left_out"
    __table_args__ = (UniqueConstraint("plan_id", "target_id",
                                       name="uq_route_left_out_plan_target"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plans.id", ondelete="CASCADE"),
                                         index=True)
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id", ondelete="SET NULL"))
    cadre_ext_id: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(10), default="visit")
    reason: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
