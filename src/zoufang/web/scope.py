"""Who sees what (data scope), decided in one place.

- **planner**: everything of its township, personal data included.
- **leader**: measures, maps and lists of its township; residents' names and phones
  masked unless the user is granted ``personal_data``.
- **cadre**: personal data only for the targets of its own visit area and of the issues
  it owns (谁走访谁处理). The area is the cadre's area in the current plan of the
  township's newest campaign (:mod:`zoufang.campaign.areas`); before any plan
  :func:`area_target_ids` returns None and the field pages say "not planned yet".
- **admin**: users and the audit log; no campaign data.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from zoufang.campaign.store import Issue
from zoufang.campaign.store import Campaign, Target
from zoufang.privacy import mask_name, mask_phone
from zoufang.web.security import Viewer

__all__ = ["area_target_ids", "can_see_target", "mask_target_fields", "sees_personal"]


def area_target_ids(session: Session, viewer: Viewer) -> set[int] | None:
    """Target ids of the cadre's own visit area in the current plan of its township's
    newest campaign, or None while no area is planned for it."""
    if viewer.cadre_id is None or viewer.township_id is None:
        return None
    try:
        from zoufang.campaign.areas import cadre_target_ids
    except ImportError:  # pragma: no cover - before the areas issue landed
        return None
    camp = session.scalar(select(Campaign.id).where(Campaign.township_id == viewer.township_id)
                          .order_by(Campaign.id.desc()).limit(1))
    if camp is None:
        return None
    return cadre_target_ids(session, camp, viewer.cadre_id)


def _owns_issue_of(session: Session, viewer: Viewer, target_id: int) -> bool:
    if viewer.cadre_id is None:
        return False
    return bool(session.scalar(select(exists().where(
        Issue.target_id == target_id, Issue.owner_cadre_id == viewer.cadre_id))))


def can_see_target(session: Session, viewer: Viewer, target: Target) -> bool:
    """May ``viewer`` open ``target`` at all (masked or not)?"""
    if viewer.role == "admin" or target.township_id != viewer.township_id:
        return False
    if viewer.role in ("planner", "leader"):
        return True
    area = area_target_ids(session, viewer)
    return (area is not None and target.id in area) or _owns_issue_of(session, viewer,
                                                                       target.id)


def sees_personal(session: Session, viewer: Viewer, target: Target | None = None) -> bool:
    """Does ``viewer`` see residents' names and phones (of ``target``, or in general)?"""
    if viewer.role == "planner":
        return target is None or target.township_id == viewer.township_id
    if viewer.role == "leader":
        return viewer.personal_data
    if viewer.role == "cadre" and target is not None:
        return can_see_target(session, viewer, target)
    return False


def mask_target_fields(name: str | None, phone: str | None, personal: bool
                       ) -> tuple[str | None, str | None]:
    """``(name, phone)`` as the viewer may see them."""
    return (name, phone) if personal else (mask_name(name), mask_phone(phone))
