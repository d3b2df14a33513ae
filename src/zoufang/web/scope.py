"""Who sees what (data scope), decided in one place.

- **planner**: everything of its township, personal data included.
- **leader**: measures, maps and lists of its township; residents' names and phones
  masked unless the user is granted ``personal_data``.
- **cadre**: residents' personal data (name, phone, address, visits) only for the
  targets of its own visit area. The area is the cadre's area in the current plan of the
  township's newest campaign (:mod:`zoufang.campaign.areas`); before any plan
  :func:`area_target_ids` returns None, the field pages say "not planned yet" and the
  cadre sees no resident at all. A cadre opens the issues it owns (谁走访谁处理), but
  owning an issue never opens its target: the issue's page and lists show the issue,
  and the target's name, phone and address only when the target is in the area
  (:func:`sees_issue_personal`).
- **admin**: users and the audit log; no campaign data.

What a cadre may record (:func:`visit_grant`): a visit to a target of its own area, to
one of its service contacts (干部联系服务对象: a target with a visit of channel
``service_contact`` by this cadre, which only the planner's records create — an import or
``zoufang visit add --channel service_contact``; the field app records a
``service_contact`` visit only to a target that already is one), or a revisit (回访) of a
target of an issue it owns. Anything else is refused the same way whether the target
exists or not. With no area planned yet a cadre may record only its service contacts
and its issues' revisits: refusing is safer than letting it pick any resident of the
township, and the refusal says that the area is not planned yet.

Reads that hand names and phones in clear out in bulk are audited here too
(:func:`audit_read`), and which issue actions each role may take (:data:`ROLE_ACTIONS`).
"""

from __future__ import annotations

from typing import Any, Final

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import Session

from zoufang.campaign import issues as ledger_mod
from zoufang.campaign.areas import cadre_target_ids
from zoufang.campaign.store import Issue, Target, Visit
from zoufang.campaign.store.lookup import newest_campaign_id
from zoufang.privacy import mask_name, mask_phone
from zoufang.web.security import Viewer, audit, current_viewer

__all__ = ["ROLE_ACTIONS", "area_target_ids", "audit_read", "can_see_target",
           "mask_target_fields", "sees_issue_personal", "sees_personal",
           "service_contact_ids", "visit_grant"]

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


def service_contact_ids(session: Session, viewer: Viewer) -> set[int]:
    """Return the ids of the cadre's service contacts (干部联系服务对象) in its township.

    A service contact is a target with a visit of channel ``service_contact`` by this
    cadre; empty for a viewer that is not a cadre.
    """
    if viewer.cadre_id is None or viewer.township_id is None:
        return set()
    return set(session.scalars(select(Visit.target_id).where(
        Visit.township_id == viewer.township_id, Visit.cadre_id == viewer.cadre_id,
        Visit.channel == "service_contact")))


def _owns_issue_of(session: Session, viewer: Viewer, target_id: int) -> bool:
    if viewer.cadre_id is None:
        return False
    return session.scalar(select(Issue.id).where(
        Issue.target_id == target_id, Issue.owner_cadre_id == viewer.cadre_id).limit(1)
    ) is not None


def visit_grant(session: Session, viewer: Viewer, target: Target | None) -> str | None:
    """Tell why the cadre ``viewer`` may record a visit to ``target``, or None if it may not.

    Returns ``"area"`` (a target of its own area), ``"service_contact"`` (one of its
    service contacts, outside its area) or ``"issue"`` (a revisit of a target of an
    issue it owns). None for a missing target, another township's, and any viewer but a
    linked cadre.
    """
    if (target is None or viewer.role != "cadre" or viewer.cadre_id is None
            or target.township_id != viewer.township_id):
        return None
    area = area_target_ids(session, viewer)
    if area is not None and target.id in area:
        return "area"
    if target.id in service_contact_ids(session, viewer):
        return "service_contact"
    if _owns_issue_of(session, viewer, target.id):
        return "issue"
    return None


def can_see_target(session: Session, viewer: Viewer, target: Target) -> bool:
    """Tell whether ``viewer`` may open ``target`` at all (masked or not).

    A cadre opens only the targets of its own area: neither an issue it owns nor a
    visit it recorded opens a target.
    """
    if viewer.role == "admin" or target.township_id != viewer.township_id:
        return False
    if viewer.role in ("planner", "leader"):
        return True
    area = area_target_ids(session, viewer)
    return area is not None and target.id in area


def sees_personal(session: Session, viewer: Viewer, target: Target | None = None) -> bool:
    """Tell whether ``viewer`` sees residents' names and phones (of ``target``, or at all)."""
    if viewer.role == "planner":
        return target is None or target.township_id == viewer.township_id
    if viewer.role == "leader":
        return viewer.personal_data
    if viewer.role == "cadre" and target is not None:
        return can_see_target(session, viewer, target)
    return False


def sees_issue_personal(viewer: Viewer, issue: Issue, area: set[int] | None) -> bool:
    """Tell whether ``viewer`` sees the name and phone shown with ``issue``.

    Planners do, leaders when granted personal data; a cadre only for an issue it owns
    whose target is in its area (``area``, :func:`area_target_ids`), or which has no
    target (the reporter's contact belongs to the issue itself).
    """
    if viewer.role == "planner":
        return True
    if viewer.role == "leader":
        return viewer.personal_data
    if viewer.role != "cadre" or viewer.cadre_id is None \
            or issue.owner_cadre_id != viewer.cadre_id:
        return False
    return issue.target_id is None or (area is not None and issue.target_id in area)


def mask_target_fields(name: str | None, phone: str | None, personal: bool
                       ) -> tuple[str | None, str | None]:
    """Return ``(name, phone)`` as the viewer may see them (masked unless ``personal``)."""
    return (name, phone) if personal else (mask_name(name), mask_phone(phone))


def audit_read(rows: int, **detail: Any) -> None:
    """Audit a read of this request that returned ``rows`` rows of personal data in clear.

    One line (action ``read``, ``personal`` true) names the endpoint (the request's
    path), the viewer and its township and the rows; ``detail`` adds what was asked
    (codes, days and flags only: callers never pass personal data). No rows, no line.
    """
    if rows <= 0:
        return
    viewer = current_viewer()
    audit("read", personal=True, township_id=viewer.township_id if viewer else None,
          detail={"endpoint": request.path, "rows": int(rows), **detail})
