"""Finding the township, campaign and phase a command or page is about.

Every command, page and service resolves "which township, which campaign, which phase"
through these functions, so that the defaults and the messages are the same everywhere:

- a township is named, or the only one of the store;
- a campaign is named (by name or id), or the township's newest;
- a phase is the campaign's phase of a kind (``visit`` 走访排查, ``push`` 集中走访,
  ``classify``, ``resolve``, ``revisit`` 回访反馈).

Each failure raises :class:`LookupRefused` (a :class:`~zoufang._errors.ValidationError`,
hence a ``ValueError``) that says what the store has and what to do.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from zoufang._errors import ValidationError, problem
from zoufang.campaign.store.models import Campaign, Phase, Township

__all__ = [
    "LookupRefused",
    "campaign_id_or_none",
    "campaign_of",
    "newest_campaign_id",
    "phase_of",
    "resolve_campaign",
    "township_of",
]


class LookupRefused(ValidationError):
    """The township, campaign or phase asked for is not in the store (or is ambiguous)."""


def _refuse(summary: str, field: str, value: object = None, *, source: str) -> LookupRefused:
    return LookupRefused(summary, [problem(source, summary, field, value)])


def township_of(session: Session, name: str | None = None, *, source: str = "options"
                ) -> Township:
    """Return the township ``name``, or the store's only township.

    Raises
    ------
    LookupRefused
        When ``name`` is unknown, the store is empty, or it holds several townships and
        none was named; the message lists the townships there are.
    """
    towns = session.scalars(select(Township).order_by(Township.id)).all()
    if name is not None:
        for t in towns:
            if t.name == name:
                return t
        raise _refuse(f"no township {name!r}; the store has "
                      f"{', '.join(t.name for t in towns) or 'none'}", "township", name,
                      source=source)
    if len(towns) == 1:
        return towns[0]
    if not towns:
        raise _refuse("the store is empty: import grids, targets and cadres first "
                      "(or run `zoufang demo`)", "township", source=source)
    raise _refuse(f"several townships ({', '.join(t.name for t in towns)}); "
                  "choose one with --township", "township", source=source)


def campaign_of(session: Session, town: Township, name: str | None = None, *,
                source: str = "options") -> Campaign:
    """Return the campaign ``name`` (its name or its id) of ``town``, or its newest.

    Raises
    ------
    LookupRefused
        When ``name`` is unknown (listing the township's campaigns), or the township has
        no campaign yet (saying how to create one).
    """
    camps = session.scalars(select(Campaign).where(Campaign.township_id == town.id)
                            .order_by(Campaign.id)).all()
    if name is not None:
        for c in camps:
            if c.name == name or str(c.id) == name:
                return c
        raise _refuse(f"no campaign {name!r} in {town.name}; the township has "
                      f"{', '.join(c.name for c in camps) or 'none'}", "campaign", name,
                      source=source)
    if not camps:
        raise _refuse(f"{town.name} has no campaign yet: create one with "
                      "`zoufang plan areas --campaign NAME --create-campaign`", "campaign",
                      source=source)
    return camps[-1]


def campaign_id_or_none(session: Session, town: Township, name: str | None = None, *,
                        source: str = "options") -> int | None:
    """Return the id of the campaign ``name`` of ``town`` (or of its newest), if any.

    Unlike :func:`campaign_of`, a township with no campaign yet gives ``None`` when no
    campaign is named: visits and issues may be recorded before any campaign exists.
    A named campaign that does not exist is refused as by :func:`campaign_of`.
    """
    if name is None and newest_campaign_id(session, town.id) is None:
        return None
    return int(campaign_of(session, town, name, source=source).id)


def resolve_campaign(session: Session, *, township: str | None = None,
                     campaign: str | None = None) -> Campaign:
    """Return the campaign named ``campaign`` of the township named ``township``.

    ``township`` defaults to the store's only township, ``campaign`` to the township's
    newest campaign; see :func:`township_of` and :func:`campaign_of` for the errors.
    """
    return campaign_of(session, township_of(session, township), campaign)


def newest_campaign_id(session: Session, township_id: int) -> int | None:
    """Return the id of the township's newest campaign (the one pages show), if any."""
    return session.scalar(select(Campaign.id).where(Campaign.township_id == township_id)
                          .order_by(Campaign.id.desc()).limit(1))


def phase_of(camp: Campaign, kind: str, *, source: str = "campaign") -> Phase:
    """Return the campaign's phase of ``kind`` (``visit``, ``push``, ``revisit`` …).

    Raises
    ------
    LookupRefused
        When the campaign has no phase of that kind, naming the phases it has.
    """
    for ph in camp.phases:
        if ph.kind == kind:
            return ph
    have = ", ".join(f"{p.kind} ({p.name})" for p in camp.phases) or "none"
    raise LookupRefused(f"campaign {camp.name!r} has no {kind!r} phase", [problem(
        source, f"Expected a phase of kind {kind!r}; the campaign's phases are {have}.",
        "phase", kind)])
