"""Review of a re-plan of the visit areas: what changes, then accept or discard it.

A re-plan started from the web (:func:`zoufang.campaign.areas.plan_campaign` with
``propose``) does not become current at once: it is stored as the campaign's one
``proposed`` plan, next to the current one, which stays what cadres, routes and measures
see. The planner reads :func:`review` — the figures of both plans and every cadre whose
area changes (targets before and after, how many move in and out) — and then:

- :func:`accept` makes it current in one transaction: the current plan becomes
  ``superseded``, the present assignment (``area_targets``) is rewritten from the
  proposal, and a target that stays with its cadre keeps the plan it has been with that
  cadre since (一访到底). Refused when the current plan changed since the proposal was
  made (another plan, a lock): re-plan then.
- :func:`discard` deletes the proposal; the current plan is untouched.

Both are audited by the caller (the web writes who did it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from zoufang import _errors
from zoufang.campaign.store import AreaPlan, AreaTarget, MustGoAssignment, Store, VisitArea

__all__ = ["ChangedPair", "Review", "accept", "discard", "drop_proposals", "review"]


@dataclass(frozen=True)
class ChangedPair:
    """One cadre whose area a proposal changes."""

    cadre_id: str
    cadre: str
    before: int
    after: int
    moved_in: int
    moved_out: int
    area_before: int | None
    area_after: int | None


@dataclass
class Review:
    """A proposal against the current plan."""

    proposed_id: int
    current_id: int
    created_by: str | None
    stale: bool  # the current plan changed since the proposal was made
    kept: int
    moved: int
    new: int
    feasible: bool
    workload_h: float
    capacity_h: float
    current_workload_h: float
    changed: list[ChangedPair] = field(default_factory=list)


def drop_proposals(session: Session, campaign_id: int) -> None:
    """Delete every proposed plan of the campaign (with its areas and must-go visits)."""
    ids = list(session.scalars(select(AreaPlan.id).where(
        AreaPlan.campaign_id == campaign_id, AreaPlan.status == "proposed")))
    if not ids:
        return
    session.execute(delete(MustGoAssignment).where(MustGoAssignment.plan_id.in_(ids)))
    session.execute(delete(VisitArea).where(VisitArea.plan_id.in_(ids)))
    session.execute(delete(AreaPlan).where(AreaPlan.id.in_(ids)))


def _refused(why: str, code: str) -> _errors.ValidationError:
    return _errors.ValidationError(why, [_errors.Problem("plan", None, None, why, code=code)])


def _rows(session: Session, campaign_id: int, plan_id: int | None
          ) -> tuple[AreaPlan, AreaPlan]:
    prop = session.scalar(select(AreaPlan).where(AreaPlan.campaign_id == campaign_id,
                                                 AreaPlan.status == "proposed"))
    if prop is None or (plan_id is not None and prop.id != plan_id):
        raise _refused("no such proposed plan (it was accepted or discarded meanwhile)",
                       "no_proposal")
    cur = session.scalar(select(AreaPlan).where(AreaPlan.campaign_id == campaign_id,
                                                AreaPlan.status == "current"))
    if cur is None:
        raise _refused("the campaign has no current plan to compare with", "no_proposal")
    return prop, cur


def _pairs(prop: AreaPlan) -> list[tuple[int, int]]:
    return [(int(t), int(a)) for t, a in (prop.figures or {}).get("proposal", [])]


def review(session: Session, campaign_id: int) -> Review | None:
    """Return the campaign's proposal against its current plan (None when there is none)."""
    try:
        prop, cur = _rows(session, campaign_id, None)
    except _errors.ValidationError:
        return None
    new_areas = {a.id: a for a in session.scalars(select(VisitArea).where(
        VisitArea.plan_id == prop.id))}
    old_areas = {a.id: a for a in session.scalars(select(VisitArea).where(
        VisitArea.plan_id == cur.id))}
    before = {t: old_areas[a].cadre_ext_id for t, a in session.execute(
        select(AreaTarget.target_id, AreaTarget.area_id)
        .where(AreaTarget.campaign_id == campaign_id)).all() if a in old_areas}
    after = {t: new_areas[a].cadre_ext_id for t, a in _pairs(prop) if a in new_areas}
    moved_in: Counter[str] = Counter()
    moved_out: Counter[str] = Counter()
    kept = moved = new = 0
    for t, c in after.items():
        old = before.get(t)
        if old is None:
            new += 1
            moved_in[c] += 1
        elif old == c:
            kept += 1
        else:
            moved += 1
            moved_in[c] += 1
            moved_out[old] += 1
    for t, old in before.items():
        if t not in after:
            moved_out[old] += 1
    n_before = Counter(before.values())
    n_after = Counter(after.values())
    names = {a.cadre_ext_id: a.cadre_name for a in [*old_areas.values(), *new_areas.values()]}
    num_before = {a.cadre_ext_id: a.number for a in old_areas.values()}
    num_after = {a.cadre_ext_id: a.number for a in new_areas.values()}
    changed = [ChangedPair(c, names.get(c, ""), n_before[c], n_after[c], moved_in[c],
                           moved_out[c], num_before.get(c), num_after.get(c))
               for c in sorted(set(names))
               if moved_in[c] or moved_out[c] or num_before.get(c) != num_after.get(c)]
    return Review(prop.id, cur.id, prop.created_by, prop.previous_id != cur.id, kept, moved,
                  new, bool(prop.feasible), round(prop.workload_min / 60, 1),
                  round(prop.capacity_min / 60, 1), round(cur.workload_min / 60, 1), changed)


def accept(store: Store, campaign_id: int, plan_id: int) -> int:
    """Make proposal ``plan_id`` the campaign's current plan; return its id.

    Raises
    ------
    zoufang._errors.ValidationError
        No such proposal, or the current plan changed since it was made.
    """
    with store.session() as s:
        prop, cur = _rows(s, campaign_id, plan_id)
        if prop.previous_id != cur.id:
            raise _refused("the current plan changed since this proposal was made; "
                           "plan again", "proposal_stale")
        locked_now = set(s.scalars(select(VisitArea.cadre_ext_id).where(
            VisitArea.plan_id == cur.id, VisitArea.locked)))
        new_areas = {a.id: a for a in s.scalars(select(VisitArea).where(
            VisitArea.plan_id == prop.id))}
        if locked_now - {a.cadre_ext_id for a in new_areas.values() if a.locked}:
            raise _refused("pairs were locked after this proposal was made; plan again",
                           "proposal_stale")
        old_areas = {a.id: a.cadre_ext_id for a in s.scalars(select(VisitArea).where(
            VisitArea.plan_id == cur.id))}
        since = {t: (old_areas.get(a), p) for t, a, p in s.execute(
            select(AreaTarget.target_id, AreaTarget.area_id, AreaTarget.since_plan_id)
            .where(AreaTarget.campaign_id == campaign_id)).all()}
        n = s.execute(update(AreaPlan).where(AreaPlan.id == cur.id,
                                             AreaPlan.status == "current")
                      .values(status="superseded")).rowcount  # type: ignore[attr-defined]
        if n != 1:
            raise _refused("the current plan changed meanwhile; plan again", "proposal_stale")
        s.execute(delete(AreaTarget).where(AreaTarget.campaign_id == campaign_id))
        s.flush()
        recs: list[dict[str, Any]] = []
        for t, a in _pairs(prop):
            cadre = new_areas[a].cadre_ext_id
            old_cadre, old_since = since.get(t, (None, None))
            recs.append({"campaign_id": campaign_id, "area_id": a, "target_id": t,
                         "since_plan_id": old_since if old_cadre == cadre and old_since
                         else prop.id})
        if recs:
            s.execute(insert(AreaTarget), recs)
        figures = dict(prop.figures or {})
        figures.pop("proposal", None)
        prop.figures = figures
        prop.status = "current"
        return prop.id


def discard(store: Store, campaign_id: int, plan_id: int) -> None:
    """Delete proposal ``plan_id``; the current plan stays as it is.

    Raises
    ------
    zoufang._errors.ValidationError
        No such proposal.
    """
    with store.session() as s:
        _rows(s, campaign_id, plan_id)
        drop_proposals(s, campaign_id)
