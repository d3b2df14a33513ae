"""Administrator pages (管理员): users and the audit log. No campaign data.

``/admin/`` lists the users with their actions (reset the password, disable or enable,
grant or withdraw a leader's personal data), a form to create one, and the audit log
with filters by user and action and paging. Every change goes through
:mod:`zoufang.campaign.accounts` (the rules the CLI follows too) and is audited under
the administrator's name; a refusal keeps what was typed (never a password) and says in
Chinese what to change.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from zoufang._errors import Problem
from zoufang.campaign import accounts
from zoufang.campaign.store import User
from zoufang.web import queries as q
from zoufang.web.context import store, viewer
from zoufang.web.errors import NotFound, localised
from zoufang.web.i18n import t
from zoufang.web.security import roles_required

__all__ = ["bp"]

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: Audit entries on one page of the log.
PAGE: int = 200


@bp.before_request
@roles_required("admin")
def _guard() -> None:
    """Admin pages are for admins only."""


def _audit_rows(entries: list[Any], towns: dict[int, str]) -> list[dict[str, Any]]:
    """Return the audit entries as the page shows them: action and detail in words."""
    def value(key: str, v: Any) -> str:
        if isinstance(v, bool):
            return t("yes") if v else t("no")
        if key == "role" and isinstance(v, str):
            return t("role_" + v)
        if key in ("category", "responsibility", "urgency") and isinstance(v, str):
            return _ledger_label(key, v)
        return "" if v is None else str(v)

    rows = []
    for a in entries:
        detail = a.detail if isinstance(a.detail, dict) else {}
        rows.append({"at": a.at, "who": a.user_name or "", "action": t("audit." + a.action),
                     "township": towns.get(a.township_id or -1, ""), "personal": a.personal,
                     "ip": a.ip or "",
                     "detail": [(_key(k), value(k, v)) for k, v in detail.items()
                                if v is not None and v != ""]})
    return rows


def _ledger_label(key: str, code: str) -> str:
    """Return the Chinese name of an issue's category, responsibility or urgency code."""
    from zoufang.campaign import issues as ledger

    table = {"category": ledger.CATEGORIES, "responsibility": ledger.RESPONSIBILITIES,
             "urgency": ledger.URGENCIES}[key]
    names = table.get(code)
    if names is None:
        return code
    return str(names[0] if isinstance(names, tuple | list) else names)


def _key(key: str) -> str:
    """Return the words of an audit detail's key (one the catalogue lacks: 其他)."""
    label = t("audit_key." + key)
    return t("audit_key.other") if label == "audit_key." + key else label


def _page(errors: list[dict[str, Any]] | None = None, typed: dict[str, Any] | None = None,
          status: int = 200) -> Any:
    from zoufang.passwords import MIN_PASSWORD_LENGTH

    args = request.args
    before = args.get("before", "")
    with store().session() as s:
        data = q.admin_overview(s, limit=PAGE, user=args.get("user") or None,
                                action=args.get("action") or None,
                                before=int(before) if before.isdigit() and
                                len(before) < 12 else None)
        towns = [n for _, n in sorted(data["towns"].items())]
        rows = _audit_rows(data["entries"], data["towns"])
    return render_template("admin/home.html", users=data["users"], rows=rows,
                           older=data["older"], actions=data["actions"], towns=towns,
                           errors=errors or [], typed=typed or {},
                           min_password=MIN_PASSWORD_LENGTH, me=viewer().name), status


@bp.get("/")
def home() -> Any:
    """Show the users with their actions, the form to add one, the audit log."""
    return _page()


@bp.post("/users")
def add_user() -> Any:
    """Create a user from the page's form."""
    f = request.form
    typed = {k: f.get(k, "") for k in ("name", "role", "township", "cadre")}
    typed["personal_data"] = f.get("personal_data") == "1"
    password = f.get("password", "")
    if password != f.get("password2", ""):
        problem = Problem("user", None, "password2", "the passwords differ",
                          code="passwords_differ")
        return _page([localised(problem)], typed, 400)
    try:
        with store().session() as s:
            accounts.add_user(s, typed["name"], typed["role"], password,
                              township=typed["township"] or None,
                              cadre=typed["cadre"] or None,
                              personal_data=typed["personal_data"], actor=viewer().name)
    except accounts.AccountRefused as exc:
        return _page([localised(p) for p in exc.problems], typed, 400)
    flash(t("admin.done_add", name=typed["name"].strip()), "ok")
    return redirect(url_for("admin.home"))


def _name(user_id: int) -> str:
    with store().session() as s:
        u = s.get(User, user_id)
        if u is None:
            raise NotFound(t("not_found"))
        return u.name


def _apply(user_id: int, change: Any, done: str) -> Any:
    name = _name(user_id)
    try:
        with store().session() as s:
            change(s, name)
        flash(t(done, name=name), "ok")
    except accounts.AccountRefused as exc:
        flash(t("not_saved") + "；".join(localised(p)["message"] for p in exc.problems),
              "error")
    return redirect(url_for("admin.home"))


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int) -> Any:
    """Set a new password for the user; all its sessions end."""
    f = request.form
    if f.get("password", "") != f.get("password2", ""):
        flash(t("not_saved") + localised(Problem(
            "user", None, "password2", "the passwords differ",
            code="passwords_differ"))["message"], "error")
        return redirect(url_for("admin.home"))
    return _apply(user_id, lambda s, n: accounts.set_password(
        s, n, f.get("password", ""), actor=viewer().name), "admin.done_passwd")


def _switch() -> bool | None:
    """Return the form's ``value``: 1 on, 0 off, None for anything else (refused)."""
    return {"1": True, "0": False}.get(request.form.get("value", ""))


def _bad_switch() -> Any:
    flash(t("not_saved") + t("admin.bad_value"), "error")
    return redirect(url_for("admin.home"))


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int) -> Any:
    """Disable (``value`` 0) or enable (1) the user."""
    on = _switch()
    if on is None:
        return _bad_switch()
    return _apply(user_id, lambda s, n: accounts.set_active(s, n, on, actor=viewer().name),
                  "admin.done_enable" if on else "admin.done_disable")


@bp.post("/users/<int:user_id>/personal")
def set_personal(user_id: int) -> Any:
    """Grant (``value`` 1) or withdraw (0) a leader's access to personal data."""
    on = _switch()
    if on is None:
        return _bad_switch()
    return _apply(user_id, lambda s, n: accounts.set_personal(s, n, on, actor=viewer().name),
                  "admin.done_grant")
