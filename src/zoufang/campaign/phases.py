"""Campaigns and their phases (DOMAIN.md "Phases of one campaign").

The default timetable is the one of 柴胡店镇 (2022): visit and survey 1–31 March with a
10-day concentrated push at its start, classify 1–15 April, resolve by 31 May, revisit
and feed back by 30 June.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from zoufang.campaign.store import Campaign, Phase

__all__ = ["DEFAULT_PHASES", "create_campaign", "default_phases"]

#: (kind, Chinese name, (month, day) start, (month, day) end), inclusive.
DEFAULT_PHASES: tuple[tuple[str, str, tuple[int, int], tuple[int, int]], ...] = (
    ("visit", "走访排查", (3, 1), (3, 31)),
    ("push", "集中走访", (3, 1), (3, 10)),
    ("classify", "问题分类", (4, 1), (4, 15)),
    ("resolve", "集中办结", (4, 16), (5, 31)),
    ("revisit", "回访反馈", (6, 1), (6, 30)),
)


def default_phases(year: int) -> list[tuple[str, str, dt.date, dt.date]]:
    """Return the default timetable placed in ``year``."""
    return [(k, n, dt.date(year, *s), dt.date(year, *e)) for k, n, s, e in DEFAULT_PHASES]


def create_campaign(session: Session, township_id: int, name: str, *, year: int = 2022
                    ) -> Campaign:
    """Create (or return the existing) campaign ``name`` with the default phases."""
    existing = session.scalar(select(Campaign).where(Campaign.township_id == township_id,
                                                     Campaign.name == name))
    if existing is not None:
        return existing
    c = Campaign(township_id=township_id, name=name)
    c.phases = [Phase(kind=k, name=n, start=s, end=e) for k, n, s, e in default_phases(year)]
    session.add(c)
    session.flush()
    return c
