"""Log-in, roles, CSRF, session expiry and the audit log.

- Passwords are checked against salted hashes (:mod:`werkzeug.security`); a failed
  log-in takes as long whether or not the user exists, and is written to the audit log.
  New passwords must pass :mod:`zoufang.passwords` (:func:`hash_password`).
- Log-in throttle (:func:`attempt_login`): ``LOGIN_MAX_FAILURES`` (5) failed log-ins of
  one account within ``LOGIN_FAILURE_WINDOW_S`` (15 min) lock it for ``LOGIN_LOCKOUT_S``
  (15 min). While locked every log-in of it is refused, the right password too, and the
  lockout is not cut short by one. The state is in the ``users`` table, so every server
  process sees it. A name that is no account gets the same answers: its failures are
  counted in the rate-limit storage (``RATELIMIT_STORAGE_URI``), so a lockout does not
  tell that an account exists. Per client address, :mod:`zoufang.web.views.auth` limits
  refused log-ins with Flask-Limiter (``LOGIN_RATE_LIMIT``, 20 per minute).
- Sessions are signed cookies (HttpOnly, SameSite=Lax) that expire
  ``SESSION_MAX_AGE_S`` seconds after log-in (default 8 h) or after ``SESSION_IDLE_S``
  seconds without a request (default 30 min), whichever comes first. A cookie carries
  its user's session generation (``users.session_gen``) of log-in time and is void once
  the generation moves on: log-out, a password change and disabling a user end every
  session of that user (:func:`zoufang.campaign.store.users.end_sessions`).
- Every POST/PUT/PATCH/DELETE must carry the session's CSRF token: the form field
  ``csrf_token`` or the header ``X-CSRF-Token``; without it the request is refused (400)
  before any view runs.
- :func:`roles_required` guards a view: anonymous users are sent to the log-in page
  (401 JSON under ``/api/``), users of another role get 403.
"""

from __future__ import annotations

import datetime as dt
import hmac
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from sqlalchemy import case, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from zoufang.campaign.store import ROLES, AuditEntry, User
from zoufang.passwords import DEFAULT_PASSWORD_METHOD, hash_password

__all__ = ["DEFAULT_PASSWORD_METHOD", "LoginAttempt", "Viewer", "attempt_login", "audit",
           "csrf_token",
           "current_viewer", "hash_password", "init_security", "log_in", "log_out",
           "roles_required"]

F = TypeVar("F", bound=Callable[..., Any])
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


@dataclass(frozen=True)
class LoginAttempt:
    """What one log-in attempt came to (:func:`attempt_login`).

    ``user`` is set only on success. ``locked_s`` > 0 means refused because the name is
    locked, for that many more seconds (``locked_now``: this attempt's failure locked it).
    ``failures`` counts the name's failures in the current window, this one included.
    """

    user: User | None
    locked_s: int = 0
    locked_now: bool = False
    failures: int = 0


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """Return ``value`` as an aware UTC time (SQLite gives back naive UTC times)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _seconds_until(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def attempt_login(name: str, password: str) -> LoginAttempt:
    """Check a log-in of ``name`` against the lockout and the password; record the outcome.

    Every attempt checks one password hash (a dummy one for unknown names), so the time
    does not tell whether the account exists. A success resets the account's failures
    and sets ``last_login_at``; it cannot end a lockout: a locked account is refused
    whatever the password. The updates are single SQL statements guarded by the lockout,
    so concurrent attempts in several server processes count exactly. See the module
    docstring for the configuration keys.
    """
    cfg = current_app.config
    store = current_app.extensions["zoufang_store"]
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name)) if name else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return _phantom_attempt(name)
    ok = check_password_hash(user.password_hash, password) and bool(user.active)
    now = dt.datetime.now(dt.UTC)
    users = User.__table__
    unlocked = or_(users.c.locked_until.is_(None), users.c.locked_until <= now)
    mine = users.c.id == user.id
    with store.session() as s:
        if ok:
            done = s.execute(update(users).where(mine, unlocked).values(
                failed_logins=0, failed_since=None, locked_until=None, last_login_at=now))
            if done.rowcount:
                return LoginAttempt(user)
        else:
            fresh = or_(users.c.failed_since.is_(None),
                        users.c.failed_since < now - dt.timedelta(
                            seconds=int(cfg["LOGIN_FAILURE_WINDOW_S"])))
            done = s.execute(update(users).where(mine, unlocked).values(
                failed_logins=case((fresh, 1), else_=users.c.failed_logins + 1),
                failed_since=case((fresh, now), else_=users.c.failed_since)))
            if done.rowcount:
                failures = int(s.scalar(select(users.c.failed_logins).where(mine)) or 0)
                if failures < int(cfg["LOGIN_MAX_FAILURES"]):
                    return LoginAttempt(None, failures=failures)
                lockout_s = int(cfg["LOGIN_LOCKOUT_S"])
                s.execute(update(users).where(mine).values(
                    failed_logins=0, failed_since=None,
                    locked_until=now + dt.timedelta(seconds=lockout_s)))
                return LoginAttempt(None, lockout_s, True, failures)
        until = _utc(s.scalar(select(users.c.locked_until).where(mine)))
    return LoginAttempt(None, _seconds_until(until, now) if until else 1)


def _phantom_attempt(name: str) -> LoginAttempt:
    """Refuse a name that is no account the way a real one is refused (lockout included).

    Its failures are counted in the rate-limit storage of the app, keyed by the name.
    """
    from limits import RateLimitItemPerSecond

    ext = current_app.extensions.get("zoufang_login_limiter")
    if ext is None or not ext.enabled:
        return LoginAttempt(None, failures=1)
    cfg = current_app.config
    rl = ext.limiter
    key = name[:100]
    lockout_s = int(cfg["LOGIN_LOCKOUT_S"])
    fails = RateLimitItemPerSecond(int(cfg["LOGIN_MAX_FAILURES"]),
                                   int(cfg["LOGIN_FAILURE_WINDOW_S"]), namespace="zf-login")
    lock = RateLimitItemPerSecond(1, lockout_s, namespace="zf-lock")
    if not rl.test(lock, key):
        reset_at = rl.get_window_stats(lock, key)[0]
        return LoginAttempt(None, max(1, math.ceil(reset_at - time.time())))
    rl.hit(fails, key)
    if rl.test(fails, key):
        return LoginAttempt(None, failures=fails.amount - rl.get_window_stats(fails, key)[1])
    rl.clear(fails, key)
    rl.hit(lock, key)
    return LoginAttempt(None, lockout_s, True, fails.amount)


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
    """Start a fresh session for ``user`` (a new CSRF token; the language is kept).

    The session holds the user's session generation: it is void once that moves on.
    """
    lang = session.get("lang")
    session.clear()
    now = time.time()
    session.permanent = True
    session["uid"] = user.id
    session["gen"] = int(user.session_gen or 0)
    session["login_at"] = now
    session["seen_at"] = now
    session["csrf"] = secrets.token_urlsafe(32)
    if lang:
        session["lang"] = lang


def log_out() -> None:
    """End this session in this browser (the language is kept).

    It does not end the user's other sessions: the log-out view also calls
    :func:`zoufang.campaign.store.users.end_sessions`.
    """
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
        if session.get("gen") != user.session_gen:  # ended by log-out, passwd or disable
            log_out()
            g.session_expired = True
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
