"""The tables of the issue ledger (问题台账).

- :class:`Issue` — an issue (问题/诉求) raised in a visit, by a service contact or through
  the hotline; its present state. Every change is appended to :class:`IssueEvent`, which
  is never updated (a database trigger refuses it), so history is never overwritten.
  ``version`` is SQLAlchemy's ``version_id_col``: two people changing one issue at once
  cannot overwrite each other (the second gets
  :class:`~zoufang.campaign.issues.IssueConflict`).
- :class:`IssueCase` — several issues of one kind raised in one place, linked as one case.
- :class:`LedgerSettings` — a township's thresholds and extra issue categories.

Times (``Issue.raised_at``, events) are naive local wall-clock times of China (UTC+8).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zoufang.campaign.store.base import Base, local_now

__all__ = ["Issue", "IssueCase", "IssueEvent", "LedgerSettings"]


class IssueCase(Base):
    """A case (合并案件): issues of one category raised by several residents in one place."""

    __tablename__ = "issue_cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"),
                                             index=True)
    category: Mapped[str] = mapped_column(String(30))
    title: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(), default=local_now)


class Issue(Base):
    """问题: an issue and its present state in the lifecycle (see :mod:`.ledger`).

    ``owner_cadre_id`` is the cadre of the visit that recorded it (谁走访谁处理) and never
    changes. ``responded_at`` is when the resident first got an answer (result reported,
    solved on the spot, or the explanation of why it cannot be solved); ``rated_at`` when
    it was first rated; ``closed_at`` with ``close_kind`` ``satisfied`` (resident
    satisfied) or ``unsolvable`` (closed with an explanation). ``channel`` is ``visit``,
    ``service_contact`` or ``hotline`` (89000 民生热线); ``scope`` ``public`` (公共方面) or
    ``sector`` (行业领域). Hotline issues may have no target: ``reporter_name`` and
    ``reporter_phone`` say who called.
    """

    __tablename__ = "issues"
    __table_args__ = (
        Index("ix_issues_township_raised", "township_id", "raised_at"),
        # the phone's id of an issue raised in the field app: a resent one lands once
        Index("ux_issues_client_id", "client_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True)
    target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"),
                                                  index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"),
                                                 index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("issue_cases.id", ondelete="SET NULL"), index=True)
    owner_cadre_id: Mapped[int | None] = mapped_column(
        ForeignKey("cadres.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="visit")
    scope: Mapped[str] = mapped_column(String(10), default="public")
    category: Mapped[str] = mapped_column(String(30))
    responsibility: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    text: Mapped[str] = mapped_column(Text)
    reporter_name: Mapped[str | None] = mapped_column(String(100))
    reporter_phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime())
    unit: Mapped[str | None] = mapped_column(String(200))
    handler: Mapped[str | None] = mapped_column(String(100))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    handed_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[str | None] = mapped_column(String(20))
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    rated_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    close_kind: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20), default="app")
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(), default=local_now)
    client_id: Mapped[str | None] = mapped_column(String(64))

    events: Mapped[list[IssueEvent]] = relationship(
        back_populates="issue", order_by="IssueEvent.seq")
    __mapper_args__ = {"version_id_col": version}


class IssueEvent(Base):
    """One step of an issue's history: who did what, when, why. Append-only.

    ``seq`` numbers the steps of one issue from 1 (unique with the issue, so two writers
    cannot both append step n). ``deadline`` is set by hand-overs; ``data`` keeps the
    other fields the step set (unit, handler, result, rating, explanation, ...).
    """

    __tablename__ = "issue_events"
    __table_args__ = (UniqueConstraint("issue_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    issue: Mapped[Issue] = relationship(back_populates="events")


class LedgerSettings(Base):
    """A township's ledger settings (thresholds, extra categories) as JSON.

    See :class:`zoufang.campaign.issues.LedgerConfig` for the keys and defaults.
    """

    __tablename__ = "ledger_settings"
    township_id: Mapped[int] = mapped_column(
        ForeignKey("townships.id", ondelete="CASCADE"), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
