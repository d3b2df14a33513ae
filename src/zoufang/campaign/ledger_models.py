"""The ledger's tables: visits (走访记录), issues (问题台账) and what hangs off them.

- :class:`Visit` — one visit of a cadre to a target: when, how, outcome, the "four ones"
  (四个一), notes, the phone's GPS point.
- :class:`Issue` — an issue (问题/诉求) raised in a visit, by a service contact or through
  the hotline; its present state. Every change is appended to :class:`IssueEvent`, which
  is never updated (a database trigger refuses it), so history is never overwritten.
  ``version`` is SQLAlchemy's ``version_id_col``: two cadres changing one issue at once
  cannot overwrite each other (the second gets
  :class:`~zoufang.campaign.ledger.IssueConflict`).
- :class:`IssueCase` — several issues of one kind raised in one place, linked as one case.
- :class:`IntegrityFlag` — a visit record that looks wrong (不走过场): GPS far from the
  target, impossible speed, too many visits per hour, too uniform outcomes, failed spot
  check. Flags never delete anything.
- :class:`SpotCheck` — a visit drawn for phone verification (电话随机访问抽查) and its result.
- :class:`LedgerSettings` — a township's thresholds and extra issue categories.

Times of the domain (``Visit.at``, ``Issue.raised_at``, events) are naive local wall-clock
times of China (UTC+8, no daylight saving), identical on SQLite and PostgreSQL.
Coordinates are WGS-84 degrees.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base

__all__ = [
    "CHINA_TZ", "IntegrityFlag", "Issue", "IssueCase", "IssueEvent", "LedgerSettings",
    "SpotCheck", "Visit", "local_now",
]

#: China Standard Time (no daylight saving since 1991).
CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")


def local_now() -> dt.datetime:
    """The present wall-clock time in China, naive (as stored), to the second."""
    return dt.datetime.now(CHINA_TZ).replace(tzinfo=None, microsecond=0)


class Visit(Base):
    """走访记录: one visit (attempt) of a cadre to a target.

    ``mode`` is in_home (入户), phone (电话) or wechat (微信); ``outcome`` is visited
    (已走访), not_home (不在家: the target stays due), refused (拒访) or vacant (空关/搬迁).
    ``card``, ``survey``, ``leaflet``, ``solved`` are the four ones (四个一: contact card
    left, survey filled, leaflet given, one problem solved on the spot). ``channel`` is
    ``visit`` (包村/包居联户走访) or ``service_contact`` (干部联系服务对象).
    """

    __tablename__ = "visits"
    __table_args__ = (
        # covering the measures' scan (township, time range -> cadre, target, outcome,
        # mode), so a date range is read from the index alone
        Index("ix_visits_township_at", "township_id", "at", "cadre_id", "target_id",
              "outcome", "mode"),
        Index("ix_visits_cadre_at", "cadre_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"),
                                           index=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(DateTime())
    mode: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(20), default="visit")
    card: Mapped[bool] = mapped_column(Boolean, default=False)
    survey: Mapped[bool] = mapped_column(Boolean, default=False)
    leaflet: Mapped[bool] = mapped_column(Boolean, default=False)
    solved: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20), default="app")
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(), default=local_now)


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


class IntegrityFlag(Base):
    """A visit record flagged by an integrity check (痕迹化管理), with the reason.

    ``code`` is gps_far, speed, rate, no_issue, uniform_outcome or spot_check;
    ``value`` the measured quantity and ``threshold`` the limit it broke (units in the
    message). Re-running the checks replaces the township's flags of those checks;
    spot-check flags stay.
    """

    __tablename__ = "integrity_flags"
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"),
                                             index=True)
    code: Mapped[str] = mapped_column(String(20), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"),
                                                 index=True)
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id", ondelete="CASCADE"),
                                                 index=True)
    at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    found_at: Mapped[dt.datetime] = mapped_column(DateTime(), default=local_now)


class SpotCheck(Base):
    """A visit drawn for phone verification (电话随机访问抽查) and the check's result.

    ``sample`` names the draw (e.g. ``2022-03-seed7``); ``stratum`` is ``grid/cadre``.
    ``result`` is confirmed (属实), not_confirmed (不属实) or unreachable (无法联系);
    empty until the call is made.
    """

    __tablename__ = "spot_checks"
    __table_args__ = (UniqueConstraint("sample", "visit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"),
                                             index=True)
    sample: Mapped[str] = mapped_column(String(60))
    seed: Mapped[int] = mapped_column(Integer)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"),
                                          index=True)
    stratum: Mapped[str] = mapped_column(String(100))
    drawn_at: Mapped[dt.datetime] = mapped_column(DateTime(), default=local_now)
    result: Mapped[str | None] = mapped_column(String(20))
    checked_by: Mapped[str | None] = mapped_column(String(100))
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    note: Mapped[str | None] = mapped_column(Text)


class LedgerSettings(Base):
    """A township's ledger settings (thresholds, extra categories) as JSON; see
    :class:`zoufang.campaign.ledger.LedgerConfig` for the keys and defaults.
    """

    __tablename__ = "ledger_settings"
    township_id: Mapped[int] = mapped_column(
        ForeignKey("townships.id", ondelete="CASCADE"), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
