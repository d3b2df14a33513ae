"""The web app's tables: users (用户) and the audit log (审计日志).

- :class:`User` — someone who logs in: a ``role`` (planner 规划员, cadre 走访干部, leader
  领导, admin 管理员), the township whose data the user sees (planners and leaders), the
  cadre row a cadre user is (``cadre_id``), and ``personal_data``: whether a leader is
  granted unmasked names and phone numbers. Passwords are stored only as salted hashes
  (:func:`werkzeug.security.generate_password_hash`). The log-in throttle keeps its state
  here, so that every server process sees it: ``failed_logins`` failures since
  ``failed_since``, and ``locked_until`` while the account is locked. ``session_gen`` is
  the session generation: a session cookie carries the value of its log-in, and
  :func:`end_sessions` (log-out, password change, disable) makes every older cookie void.
- :class:`AuditEntry` — one line of the audit log, never updated: every export of
  personal data, every log-in (and failed log-in) and every change to users.

They are store schema (migrations ``0003`` and ``0006``) like every other table;
passwords are hashed by :mod:`zoufang.web.security`, which is the only code that checks
them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from zoufang.campaign.store.base import Base, _now

__all__ = ["ROLES", "AuditEntry", "User", "end_sessions"]

#: Roles: code -> (Chinese label, English label).
ROLES: Final[dict[str, tuple[str, str]]] = {
    "planner": ("规划员", "planner"),
    "cadre": ("走访干部", "field cadre"),
    "leader": ("领导", "leader"),
    "admin": ("管理员", "administrator"),
}



class User(Base):
    """用户: one person who logs in to the web app.

    ``township_id`` is required for planners, leaders and cadres (a cadre's is its
    cadre row's township); ``cadre_id`` only for cadres. ``personal_data`` grants a leader
    unmasked names and phones (planners see their township's, cadres only their own area's
    personal data; admins none).
    """

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    township_id: Mapped[int | None] = mapped_column(
        ForeignKey("townships.id", ondelete="CASCADE"), index=True)
    cadre_id: Mapped[int | None] = mapped_column(
        ForeignKey("cadres.id", ondelete="SET NULL"), index=True)
    personal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    session_gen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AuditEntry(Base):
    """One line of the audit log (审计日志): who did what, when, from where.

    ``action`` is e.g. ``export`` (with ``detail`` naming the table, the rows and whether
    personal data was masked), ``login``, ``login_failed``, ``login_locked`` (refused
    while the account is locked), ``user_add``, ``user_passwd``, ``user_disable``.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    user_name: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    township_id: Mapped[int | None] = mapped_column(Integer)
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))


def end_sessions(session: Session, user_id: int) -> None:
    """End every session of user ``user_id`` on every device (bump its ``session_gen``).

    The increment is done by the database, so two concurrent calls both count.
    """
    session.execute(update(User).where(User.id == user_id)
                    .values(session_gen=User.session_gen + 1))
