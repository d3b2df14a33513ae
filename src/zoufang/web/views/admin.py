"""Administrator pages (管理员): users and the audit log. No campaign data."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from zoufang.campaign.store import Cadre, Township
from zoufang.campaign.store import AuditEntry, User
from zoufang.web.security import roles_required

__all__ = ["bp"]

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("admin")
def _guard() -> None:
    """Admin pages are for admins only."""


@bp.get("/")
def home() -> str:
    """Users (create them with ``zoufang user add``) and the latest audit entries."""
    store = current_app.extensions["zoufang_store"]
    with store.session() as s:
        towns = dict(s.execute(select(Township.id, Township.name)).all())
        cadres = dict(s.execute(select(Cadre.id, Cadre.ext_id)).all())
        users = [dict(name=u.name, role=u.role, township=towns.get(u.township_id or -1),
                      cadre=cadres.get(u.cadre_id or -1), personal=u.personal_data,
                      active=u.active, last=u.last_login_at)
                 for u in s.scalars(select(User).order_by(User.role, User.name))]
        entries = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200)))
    return render_template("admin/home.html", users=users, entries=entries, towns=towns)
