"""Log-in, log-out and the language switch.

Log-in answers a page, or JSON in the one error shape when the client sends JSON or
prefers it (``Accept: application/json``): 401 for a wrong name or password, 429 while
the account is locked (:func:`zoufang.web.security.attempt_login`) or when the client
address made too many refused log-ins. The address limit is Flask-Limiter's
(:func:`init_login_limits`): ``LOGIN_RATE_LIMIT`` (default ``20 per minute``) counts only
refused log-ins, so an office of cadres behind one address still logs in; its storage is
``RATELIMIT_STORAGE_URI`` (``memory://``: per server process; ``redis://…`` to share it).
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter, RequestLimit
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

from zoufang.campaign.store.users import end_sessions
from zoufang.web.errors import error_body
from zoufang.web.i18n import LANGS, t
from zoufang.web.security import attempt_login, audit, current_viewer, log_in, log_out

__all__ = ["bp", "init_login_limits"]

log = logging.getLogger("zoufang.web")

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after log-in (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _wants_json() -> bool:
    """Whether the log-in client is a program: it sent JSON or prefers JSON to HTML."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.is_json or best == "application/json"


def _refused(status: int, message: str, name: str, retry_s: int | None = None) -> Response:
    """Answer a refused log-in: the form again with ``message``, or the JSON error shape."""
    if _wants_json():
        resp = jsonify(error_body(status, message))
        resp.status_code = status
    else:
        flash(message, "error")
        resp = current_app.make_response(
            (render_template("login.html", next=_safe_next(request.form.get("next")),
                             username=name), status))
    if retry_s:
        resp.headers["Retry-After"] = str(retry_s)
    return resp


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Show the log-in form; on success, go to the role's home page (or ``next``).

    Refused log-ins are audited: ``login_failed`` (wrong name or password) and
    ``login_locked`` (refused while the name is locked, whatever the password).
    """
    if request.method == "GET":
        if g.get("session_expired"):
            flash(t("session_expired"), "warning")
        if current_viewer() is not None:
            return redirect(url_for("index"))
        return render_template("login.html", next=_safe_next(request.args.get("next")))
    body = request.get_json(silent=True) if request.is_json else None
    form = body if isinstance(body, dict) else request.form
    name = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    attempt = attempt_login(name, password)
    user = attempt.user
    if user is None:
        g.login_refused = True  # counted by the per-address limit
        audit_name = name[:100] or None
        if attempt.locked_s and not attempt.locked_now:
            audit("login_locked", user_name=audit_name,
                  detail={"locked_for_s": attempt.locked_s})
        else:
            detail: dict[str, Any] = {"failures": attempt.failures}
            if attempt.locked_now:
                detail["locked_for_s"] = attempt.locked_s
            audit("login_failed", user_name=audit_name, detail=detail)
        if attempt.locked_s:
            return _refused(429, t("login_locked", m=_minutes(attempt.locked_s)), name,
                            attempt.locked_s)
        return _refused(401, t("login_failed"), name)
    log_in(user)
    g.viewer = None
    audit("login", user_name=name, township_id=user.township_id,
          detail={"role": user.role, "user_id": user.id})
    target = _safe_next(form.get("next") if isinstance(form.get("next"), str) else None)
    if _wants_json():
        return jsonify({"ok": True, "next": target or url_for("index")})
    return redirect(target or url_for("index"))


@bp.post("/logout")
def logout() -> Any:
    """Log out: end every session of this user, on every device, not only this one.

    The user's session generation moves on, so a copy of any of its session cookies
    (another browser, a phone, a captured cookie) is refused from now on.
    """
    viewer = current_viewer()
    if viewer is not None:
        with current_app.extensions["zoufang_store"].session() as s:
            end_sessions(s, viewer.id)
    log_out()
    return redirect(url_for("auth.login"))


def _limited(limit: RequestLimit) -> Response:
    """Answer a log-in refused by the per-address limit (page or JSON, 429)."""
    log.warning("log-in rate limit %s exceeded by %s", limit.limit, get_remote_address())
    name = str(request.form.get("username") or "").strip()
    return _refused(429, t("login_rate_limited", m=_minutes(limit.reset_at - time.time())),
                    name)


def init_login_limits(app: Flask) -> Limiter:
    """Limit refused log-ins per client address on ``app`` (call after registering ``bp``).

    A client over ``LOGIN_RATE_LIMIT`` gets 429 (a page, or the one JSON error shape) with
    ``Retry-After`` until its window ends, whatever it sends.
    """
    limiter = Limiter(get_remote_address, app=app, headers_enabled=True,
                      storage_uri=app.config["RATELIMIT_STORAGE_URI"], key_prefix="zoufang")
    app.extensions["zoufang_login_limiter"] = limiter
    if not limiter.enabled:
        return limiter
    limit = limiter.limit(app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
                          deduct_when=lambda _resp: bool(g.get("login_refused")),
                          on_breach=_limited)
    app.view_functions["auth.login"] = limit(app.view_functions["auth.login"])
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    return limiter


def _rate_limited(exc: RateLimitExceeded) -> Any:
    """Send the answer :func:`_limited` built (Flask-Limiter embeds it in the exception)."""
    return exc.get_response()


@bp.get("/lang/<code>")
def lang(code: str) -> Any:
    """Switch the UI language (zh or en) and go back."""
    if code in LANGS:
        session["lang"] = code
    back = _safe_next(request.args.get("next"))
    return redirect(back or url_for("index"))
