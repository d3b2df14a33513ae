"""Log-in, roles, CSRF, session expiry and the audit log.

- Passwords are checked against salted hashes (:mod:`werkzeug.security`); a failed
  log-in takes as long whether or not the user exists, and is written to the audit log.
- Sessions are signed cookies (HttpOnly, SameSite=Lax) that expire
  ``SESSION_MAX_AGE_S`` seconds after log-in (default 8 h) or after ``SESSION_IDLE_S``
  seconds without a request (default 30 min), whichever comes first.
- Every POST/PUT/PATCH/DELETE must carry the session's CSRF token: the form field
  ``csrf_token`` or the header ``X-CSRF-Token``; without it the request is refused (400)
  before any view runs.
- :func:`roles_required` guards a view: anonymous users are sent to the log-in page
  (401 JSON under ``/api/``), users of another role get 403.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from zoufang.campaign.store import ROLES, AuditEntry, User

__all__ = ["Viewer", "audit", "authenticate", "csrf_token", "current_viewer",
           "hash_password", "init_security", "log_in", "log_out", "roles_required"]

F = TypeVar("F", bound=Callable[..., Any])
#: werkzeug's hashing method for new passwords (salted scrypt).
DEFAULT_PASSWORD_METHOD = "scrypt"
#: The method in use (tests lower the cost; nothing else should change it).
PASSWORD_METHOD = DEFAULT_PASSWORD_METHOD
_DUMMY_HASH = generate_password_hash("not a password: equalises the time of failed log-ins")


@dataclass(frozen=True)
class Viewer:
    """The logged-in user as the views see it: role and data scope."""

    id: int
    name: str
    role: str
    township_id: int | None
    cadre_id: int | None
    personal_data: bool

    @property
    def role_label(self) -> str:
        """Chinese label of the role."""
        return ROLES.get(self.role, (self.role,))[0]


def hash_password(password: str) -> str:
    """Return a salted hash of ``password`` (:data:`PASSWORD_METHOD`, scrypt by default)."""
    if len(password) < 8:
        raise ValueError("Expected a password of at least 8 characters.")
    return generate_password_hash(password, method=PASSWORD_METHOD)


def authenticate(session_db: Any, name: str, password: str) -> User | None:
    """Return the active user ``name`` if ``password`` matches its hash, else None."""
    user = session_db.scalar(select(User).where(User.name == name))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def audit(action: str, *, personal: bool = False, township_id: int | None = None,
          detail: dict[str, Any] | None = None, user_name: str | None = None) -> None:
    """Append one line to the audit log (its own transaction)."""
    viewer = current_viewer()
    store = current_app.extensions["zoufang_store"]
    with store.session() as s:
        s.add(AuditEntry(user_id=viewer.id if viewer else None,
                         user_name=user_name or (viewer.name if viewer else None),
                         action=action, township_id=township_id, personal=personal,
                         detail=detail or {}, ip=request.remote_addr))


def csrf_token() -> str:
    """Return the session's CSRF token (created on first use)."""
    tok = session.get("csrf")
    if not tok:
        tok = secrets.token_urlsafe(32)
        session["csrf"] = tok
    return str(tok)


def current_viewer() -> Viewer | None:
    """Return the logged-in user of this request, or None."""
    return cast(Viewer | None, g.get("viewer"))


def log_in(user: User) -> None:
    """Start a fresh session for ``user`` (a new CSRF token; the language is kept)."""
    lang = session.get("lang")
    session.clear()
    now = time.time()
    session.permanent = True
    session["uid"] = user.id
    session["login_at"] = now
    session["seen_at"] = now
    session["csrf"] = secrets.token_urlsafe(32)
    if lang:
        session["lang"] = lang


def log_out() -> None:
    """End the session (the language is kept)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _is_api() -> bool:
    return request.path.startswith("/api/")


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow the view to users of ``roles`` only (401/redirect when anonymous, else 403)."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"roles {unknown} are not known; expected a subset of {list(ROLES)}")

    def deco(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            viewer = current_viewer()
            if viewer is None:
                if _is_api():
                    abort(401)
                if g.get("session_expired"):
                    from zoufang.web.i18n import t

                    flash(t("session_expired"), "warning")
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if viewer.role not in roles:
                abort(403)
            return fn(*args, **kwargs)

        wrapper.roles = roles  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return deco


def _load_viewer() -> None:
    g.viewer = None
    g.session_expired = False
    uid = session.get("uid")
    if uid is None:
        return
    now = time.time()
    cfg = current_app.config
    login_at = float(session.get("login_at", 0))
    seen_at = float(session.get("seen_at", 0))
    if now - login_at > cfg["SESSION_MAX_AGE_S"] or now - seen_at > cfg["SESSION_IDLE_S"]:
        log_out()
        g.session_expired = True
        return
    store = current_app.extensions["zoufang_store"]
    with store.session() as s:
        user = s.get(User, int(uid))
        if user is None or not user.active:
            log_out()
            return
        g.viewer = Viewer(user.id, user.name, user.role, user.township_id, user.cadre_id,
                          bool(user.personal_data))
    if now - seen_at > 15:  # refresh the idle clock without rewriting every response
        session["seen_at"] = now


def _check_csrf() -> None:
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        g.csrf_failed = True
        abort(400, description="CSRF token missing or wrong: reload the page and try again")


def init_security(app: Flask) -> None:
    """Install session loading, CSRF checks and the template helpers on ``app``."""

    @app.before_request
    def _before() -> None:
        _load_viewer()
        if request.endpoint != "static":
            _check_csrf()

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {"csrf_token": csrf_token, "viewer": current_viewer()}
