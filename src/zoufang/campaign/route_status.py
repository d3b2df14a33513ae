"""Whether a campaign's current route plan is stale (路线是否过时).

A route plan is stale when something it was planned from changed after it was stored:
the visit areas were re-planned (a newer current area plan), targets were added or
changed, or the route settings were edited. The planner's routes page shows the reasons
and offers a re-plan.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zoufang.campaign.store import Campaign, Target
from zoufang.campaign.store.areas import AreaPlan
from zoufang.campaign.store.routes import RoutePlan, RouteSettings

__all__ = ["STALE_REASONS", "stale_reasons"]

#: The reasons, in the order shown: ``areas``, ``targets``, ``settings``.
STALE_REASONS = ("areas", "targets", "settings")


def _naive(when: dt.datetime | None) -> dt.datetime | None:
    """As naive UTC (creation times are stored in UTC; SQLite returns them naive)."""
    if when is not None and when.tzinfo is not None:
        return when.astimezone(dt.UTC).replace(tzinfo=None)
    return when


def _after(when: dt.datetime | None, plan_at: dt.datetime | None) -> bool:
    a, b = _naive(when), _naive(plan_at)
    return a is not None and b is not None and a > b


def stale_reasons(session: Session, plan: RoutePlan) -> list[str]:
    """Return why route plan ``plan`` is stale (empty when it is up to date).

    Reasons are codes of :data:`STALE_REASONS`.
    """
    out: list[str] = []
    area_at = session.scalar(select(func.max(AreaPlan.created_at)).where(
        AreaPlan.campaign_id == plan.campaign_id, AreaPlan.status == "current"))
    if _after(area_at, plan.created_at):
        out.append("areas")
    camp = session.get(Campaign, plan.campaign_id)
    if camp is not None:
        target_at = session.scalar(select(func.max(Target.updated_at)).where(
            Target.township_id == camp.township_id))
        if _after(target_at, plan.created_at):
            out.append("targets")
    settings_at = session.scalar(select(RouteSettings.updated_at).where(
        RouteSettings.campaign_id == plan.campaign_id))
    if _after(settings_at, plan.created_at):
        out.append("settings")
    return out
