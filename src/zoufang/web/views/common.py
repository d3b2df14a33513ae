"""Pages shared by roles: one target (点户知人) and one issue (点人知情) with its actions.

Who may open what is decided by :mod:`zoufang.web.scope` through the queries: a cadre
opens only targets of its own area (an issue it owns shows the issue, its target's name
and phone stay masked outside the area), leaders see masked personal data unless
granted, admins see none.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from zoufang._errors import ValidationError
from zoufang.campaign import issues as ledger_mod
from zoufang.web import forms
from zoufang.web import queries as q
from zoufang.web.context import store, viewer
from zoufang.web.errors import localised
from zoufang.web.i18n import t
from zoufang.web.security import roles_required

__all__ = ["bp"]

bp = Blueprint("common", __name__)


@bp.get("/targets/<int:target_id>")
@roles_required("planner", "leader", "cadre")
def target_page(target_id: int) -> str:
    """Show one target: contacts (as allowed), previous visits, issues, hotspots (回头看)."""
    with store().session() as s:
        item = q.target_detail(s, viewer(), target_id)
    return render_template("target.html", item=item)


@bp.get("/issues/<int:issue_id>")
@roles_required("planner", "leader", "cadre")
def issue_page(issue_id: int) -> str:
    """Show one issue, its history and the actions the viewer may take."""
    with store().session() as s:
        item = q.issue_detail(s, viewer(), issue_id)
    return render_template("issue.html", item=item,
                           ratings={k: v[0] for k, v in ledger_mod.RATINGS.items()})


@bp.post("/issues/<int:issue_id>/action")
@roles_required("planner", "leader", "cadre")
def issue_action(issue_id: int) -> Any:
    """Apply one lifecycle action from the issue page's form."""
    v = viewer()
    form = request.form.to_dict()
    action = form.pop("action", "")
    try:
        with store().session() as s:
            forms.apply_issue_action(s, v, issue_id, action, form)
        flash(ledger_mod.TRANSITIONS[action].label if action in ledger_mod.TRANSITIONS
              else action, "ok")
    except ValidationError as exc:
        flash(t("not_saved") + "；".join(localised(p)["message"] for p in exc.problems)
              if exc.problems else exc.summary, "error")
    except ValueError as exc:  # IssueConflict (someone changed it), or a bad value
        flash(getattr(exc, "summary", str(exc)), "error")
    return redirect(url_for("common.issue_page", issue_id=issue_id))
