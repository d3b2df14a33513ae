"""Pages shared by roles: one target (点户知人) and one issue (点人知情) with its actions.

Who may open what is decided by :mod:`zoufang.web.scope` through the services: a cadre
opens only targets of its own area or issues, leaders see masked personal data unless
granted, admins see none.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from zoufang._errors import ValidationError
from zoufang.campaign import issues as ledger_mod
from zoufang.web import services as sv
from zoufang.web.security import current_viewer, roles_required

__all__ = ["bp"]

bp = Blueprint("common", __name__)


def _store() -> Any:
    return current_app.extensions["zoufang_store"]


@bp.get("/targets/<int:target_id>")
@roles_required("planner", "leader", "cadre")
def target_page(target_id: int) -> str:
    """One target: contacts (as allowed), previous visits, issues, hotspots (回头看)."""
    viewer = current_viewer()
    with _store().session() as s:
        item = sv.target_detail(s, viewer, target_id)
    return render_template("target.html", item=item)


@bp.get("/issues/<int:issue_id>")
@roles_required("planner", "leader", "cadre")
def issue_page(issue_id: int) -> str:
    """One issue, its history and the actions the viewer may take."""
    viewer = current_viewer()
    with _store().session() as s:
        item = sv.issue_detail(s, viewer, issue_id)
    return render_template("issue.html", item=item,
                           ratings={k: v[0] for k, v in ledger_mod.RATINGS.items()})


@bp.post("/issues/<int:issue_id>/action")
@roles_required("planner", "leader", "cadre")
def issue_action(issue_id: int) -> Any:
    """Apply one lifecycle action from the issue page's form."""
    viewer = current_viewer()
    form = request.form.to_dict()
    action = form.pop("action", "")
    try:
        with _store().session() as s:
            sv.apply_issue_action(s, viewer, issue_id, action, form)
        flash(ledger_mod.TRANSITIONS[action].label if action in ledger_mod.TRANSITIONS
              else action, "ok")
    except ValidationError as exc:
        flash("; ".join([exc.summary, *(p.message for p in exc.problems)]), "error")
    except ValueError as exc:  # IssueConflict
        flash(getattr(exc, "summary", str(exc)), "error")
    return redirect(url_for("common.issue_page", issue_id=issue_id))
