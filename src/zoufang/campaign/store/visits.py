"""The tables of field work: visits (走访记录) and the checks on them.

- :class:`Visit` — one visit of a cadre to a target: when, how, outcome, the "four ones"
  (四个一), notes, the phone's GPS point.
- :class:`IntegrityFlag` — a visit record that looks wrong (不走过场): GPS far from the
  target, impossible speed, too many visits per hour, too uniform outcomes, failed spot
  check. Flags never delete anything.
- :class:`SpotCheck` — a visit drawn for phone verification (电话随机访问抽查) and its result.

``Visit.at`` is a naive local wall-clock time of China (UTC+8, see
:func:`~zoufang.campaign.store.base.local_now`). Coordinates are WGS-84 degrees.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from zoufang.campaign.store.base import Base, local_now

__all__ = ["IntegrityFlag", "SpotCheck", "Visit"]


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
        # the phone's id of a visit recorded in the field app: a resent one lands once
        Index("ux_visits_client_id", "client_id", unique=True),
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
    client_id: Mapped[str | None] = mapped_column(String(64))


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
