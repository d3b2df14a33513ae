"""Log-in, log-out and the language switch."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from zoufang.web.i18n import LANGS, t
from zoufang.web.security import audit, authenticate, current_viewer, log_in, log_out

__all__ = ["bp"]

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after log-in (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Show the log-in form; on success, go to the role's home page (or ``next``)."""
    if request.method == "GET":
        if g.get("session_expired"):
            flash(t("session_expired"), "warning")
        if current_viewer() is not None:
            return redirect(url_for("index"))
        return render_template("login.html", next=_safe_next(request.args.get("next")))
    name = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    store = current_app.extensions["zoufang_store"]
    with store.session() as s:
        user = authenticate(s, name, password)
        if user is not None:
            user.last_login_at = dt.datetime.now(dt.UTC)
            uid, role, town = user.id, user.role, user.township_id
    if user is None:
        audit("login_failed", user_name=name[:100] or None)
        flash(t("login_failed"), "error")
        return render_template("login.html", next=_safe_next(request.form.get("next")),
                               username=name), 401
    log_in(user)
    g.viewer = None
    audit("login", user_name=name, township_id=town, detail={"role": role, "user_id": uid})
    return redirect(_safe_next(request.form.get("next")) or url_for("index"))


@bp.post("/logout")
def logout() -> Any:
    """End the session."""
    log_out()
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def lang(code: str) -> Any:
    """Switch the UI language (zh or en) and go back."""
    if code in LANGS:
        session["lang"] = code
    back = _safe_next(request.args.get("next"))
    return redirect(back or url_for("index"))
