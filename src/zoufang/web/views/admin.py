"""Administrator pages (管理员): users and the audit log. No campaign data."""

from __future__ import annotations

from flask import Blueprint, render_template

from zoufang.web import queries as q
from zoufang.web.context import store
from zoufang.web.security import roles_required

__all__ = ["bp"]

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("admin")
def _guard() -> None:
    """Admin pages are for admins only."""


@bp.get("/")
def home() -> str:
    """Show the users (create them with ``zoufang user add``) and the latest audit entries."""
    with store().session() as s:
        data = q.admin_overview(s, limit=200)
    return render_template("admin/home.html", **data)
