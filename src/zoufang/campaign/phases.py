"""Campaigns, their phases (DOMAIN.md "Phases of one campaign"), one phase vocabulary.

The default timetable is the one of 柴胡店镇 (2022): visit and survey 1–31 March with a
10-day concentrated push at its start, classify 1–15 April, resolve by 31 May, revisit
and feed back by 30 June.

The phases a plan is made for (``--phase`` of ``plan areas``, ``plan routes``,
``plan forecast``, the planner's pages) mean the same everywhere (:data:`PLAN_PHASES`):

- ``visit`` — the whole 走访排查 phase (1–31 March by default), the one whose end is the
  deadline of 走访率 100 %;
- ``push`` — the concentrated push 集中走访 inside it (1–10 March by default);
- ``revisit`` — 回访反馈, the revisits of issues reported back to the resident.

No command maps one onto another: ``--phase visit`` routes, plans areas for and
forecasts the whole visit phase. :func:`plan_phase_kind` also takes the Chinese names
(走访排查, 集中走访, 回访) as aliases.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from zoufang._errors import problem
from zoufang.campaign.store import Campaign, Phase
from zoufang.campaign.store.lookup import LookupRefused, phase_of

__all__ = ["DEFAULT_PHASES", "PHASE_ALIASES", "PLAN_PHASES", "create_campaign",
           "default_phases", "plan_phase", "plan_phase_kind"]

#: The phases a plan (areas, routes, forecast) is made for: kind -> (中文, English).
PLAN_PHASES: dict[str, tuple[str, str]] = {
    "visit": ("走访排查", "the whole visit-and-survey phase"),
    "push": ("集中走访", "the concentrated push inside the visit phase"),
    "revisit": ("回访", "the revisits of issues reported back to the resident"),
}
#: Other spellings of the plan phases.
PHASE_ALIASES: dict[str, str] = {"走访排查": "visit", "集中走访": "push", "回访": "revisit",
                                 "回访反馈": "revisit"}

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


def plan_phase_kind(kind: str) -> str:
    """Return the phase kind of ``kind`` (a kind of :data:`PLAN_PHASES` or an alias).

    Raises
    ------
    LookupRefused
        (a ``ValueError``) naming the phases a plan can be made for.
    """
    k = PHASE_ALIASES.get(str(kind).strip(), str(kind).strip())
    if k not in PLAN_PHASES:
        have = ", ".join(f"{p} ({n})" for p, (n, _e) in PLAN_PHASES.items())
        raise LookupRefused(f"no {kind!r} phase to plan for", [problem(
            "phase", f"Expected one of {have}.", "phase", kind)])
    return k


def plan_phase(camp: Campaign, kind: str) -> Phase:
    """Return the campaign's phase ``kind`` (after :func:`plan_phase_kind`)."""
    k = PHASE_ALIASES.get(str(kind).strip(), str(kind).strip())
    return phase_of(camp, k)
