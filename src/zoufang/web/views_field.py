"""Field cadre pages (走访干部), phone-sized first: my area, today's route, record a visit,
my issues.

"My area" lists the targets of the cadre's area in the current plan, with contacts;
before the areas are planned it says "not planned yet" and shows no personal data.
Daily routes are not planned yet (the routes issue): "today's route" says so. Visits are
recorded by the target's number (编号).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from .._errors import ValidationError
from ..campaign import ledger as ledger_mod
from ..campaign.ledger_models import local_now
from ..campaign.visits import FOUR_ONES, MODES, OUTCOMES
from . import services as sv
from .i18n import t
from .scope import area_target_ids
from .security import current_viewer, roles_required

__all__ = ["bp"]

bp = Blueprint("field", __name__, url_prefix="/field")


@bp.before_request
@roles_required("cadre")
def _guard() -> None:
    """Every field page is for field cadres only."""


def _store() -> Any:
    return current_app.extensions["zoufang_store"]


def _form_choices(session: Any, township_id: int | None) -> dict[str, Any]:
    cfg = ledger_mod.get_config(session, township_id) if township_id else ledger_mod.LedgerConfig()
    return {"modes": {k: v[0] for k, v in MODES.items()},
            "outcomes": {k: v[0] for k, v in OUTCOMES.items()},
            "four_ones": FOUR_ONES,
            "categories": {k: v[0] for k, v in cfg.categories().items()},
            "responsibilities": {k: v[0] for k, v in ledger_mod.RESPONSIBILITIES.items()},
            "urgencies": {k: v[0] for k, v in ledger_mod.URGENCIES.items()}}


@bp.get("/")
def home() -> str:
    """My area (not planned yet), the visit form, my latest visits and my issues."""
    viewer = current_viewer()
    with _store().session() as s:
        area = area_target_ids(s, viewer)
        area_rows = sv.my_area(s, viewer, area) if area else []
        visits = sv.my_visits(s, viewer, limit=20)
        issues, total = sv.issues_list(s, viewer, open_only=False, mine=True, limit=100)
        choices = _form_choices(s, viewer.township_id)
    return render_template("field/home.html", area=area, area_rows=area_rows,
                           visits=visits, issues=issues,
                           total=total, now=local_now().strftime("%Y-%m-%dT%H:%M"),
                           linked=viewer.cadre_id is not None, **choices)


@bp.get("/route")
def route() -> str:
    """Today's route: not planned yet."""
    return render_template("not_planned.html", heading=t("today_route"), help=t("no_route_help"))


@bp.post("/visit")
def visit() -> Any:
    """Record a visit (and the issue raised in it)."""
    viewer = current_viewer()
    form = request.form.to_dict()
    try:
        with _store().session() as s:
            out = sv.record_field_visit(s, viewer, form)
    except ValidationError as exc:
        flash(t("visit_refused") + ": " + "; ".join(
            [exc.summary, *((p.field + ": " if p.field else "") + p.message
                            for p in exc.problems)]), "error")
        return redirect(url_for("field.home"))
    except sv.Forbidden as exc:
        flash(str(exc), "error")
        return redirect(url_for("field.home"))
    msg = f"{t('visit_recorded')}: {out['target']} · {out['at']}"
    if out["issue_id"]:
        msg += f" · {t('issue_no')} {out['issue_id']}"
    flash(msg, "ok")
    return redirect(url_for("field.home"))
