"""Who sees what (data scope), decided in one place.

- **planner**: everything of its township, personal data included.
- **leader**: measures, maps and lists of its township; residents' names and phones
  masked unless the user is granted ``personal_data``.
- **cadre**: personal data only for the targets of its own visit area and of the issues
  it owns (谁走访谁处理). The area is the cadre's area in the current plan of the
  township's newest campaign (:mod:`zoufang.campaign.areas`); before any plan
  :func:`area_target_ids` returns None and the field pages say "not planned yet".
- **admin**: users and the audit log; no campaign data.

Which issue actions each role may take is here too (:data:`ROLE_ACTIONS`).
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from zoufang.campaign import issues as ledger_mod
from zoufang.campaign.areas import cadre_target_ids
from zoufang.campaign.store import Issue, Target
from zoufang.campaign.store.lookup import newest_campaign_id
from zoufang.privacy import mask_name, mask_phone
from zoufang.web.security import Viewer

__all__ = ["ROLE_ACTIONS", "area_target_ids", "can_see_target", "mask_target_fields",
           "sees_personal"]

#: Issue actions each role may take (cadres only on their own issues).
ROLE_ACTIONS: Final[dict[str, frozenset[str]]] = {
    "planner": frozenset(ledger_mod.TRANSITIONS) | {"rate"},
    "cadre": frozenset(ledger_mod.TRANSITIONS) - {"supervise", "unsupervise"} | {"rate"},
    "leader": frozenset({"supervise", "unsupervise", "note"}),
}


def area_target_ids(session: Session, viewer: Viewer) -> set[int] | None:
    """Return the target ids of the cadre's own visit area.

    The area is the cadre's in the current plan of its township's newest campaign; None
    while no area is planned for it (or the viewer is not a cadre).
    """
    if viewer.cadre_id is None or viewer.township_id is None:
        return None
    camp = newest_campaign_id(session, viewer.township_id)
    if camp is None:
        return None
    return cadre_target_ids(session, camp, viewer.cadre_id)


def _owns_issue_of(session: Session, viewer: Viewer, target_id: int) -> bool:
    if viewer.cadre_id is None:
        return False
    return bool(session.scalar(select(exists().where(
        Issue.target_id == target_id, Issue.owner_cadre_id == viewer.cadre_id))))


def can_see_target(session: Session, viewer: Viewer, target: Target) -> bool:
    """Tell whether ``viewer`` may open ``target`` at all (masked or not)."""
    if viewer.role == "admin" or target.township_id != viewer.township_id:
        return False
    if viewer.role in ("planner", "leader"):
        return True
    area = area_target_ids(session, viewer)
    return (area is not None and target.id in area) or _owns_issue_of(session, viewer,
                                                                       target.id)


def sees_personal(session: Session, viewer: Viewer, target: Target | None = None) -> bool:
    """Tell whether ``viewer`` sees residents' names and phones (of ``target``, or at all)."""
    if viewer.role == "planner":
        return target is None or target.township_id == viewer.township_id
    if viewer.role == "leader":
        return viewer.personal_data
    if viewer.role == "cadre" and target is not None:
        return can_see_target(session, viewer, target)
    return False


def mask_target_fields(name: str | None, phone: str | None, personal: bool
                       ) -> tuple[str | None, str | None]:
    """Return ``(name, phone)`` as the viewer may see them (masked unless ``personal``)."""
    return (name, phone) if personal else (mask_name(name), mask_phone(phone))
