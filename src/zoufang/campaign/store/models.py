"""The campaign store's tables (SQLAlchemy 2 declarative models).

Territory: :class:`Township` (乡镇) → :class:`Village` (村/社区) → :class:`Grid` (网格);
:class:`Target` (走访对象: households, enterprises, …) and :class:`Cadre` (走访人员) belong
to a township; :class:`Campaign` (一轮走访) has :class:`Phase` rows (走访排查, 问题分类,
集中办结, 回访反馈). Every import is an :class:`ImportRun`; every problem found in the data
(bad rows kept with a warning, targets outside grids, grid overlaps and gaps) is a
:class:`DataProblem` the planner sees. Areas, routes, visits and issues are added by later
migrations on top of these.

Coordinates are WGS-84 degrees. Target and cadre points are stored as lon/lat floats;
polygons as :class:`~zoufang.campaign.store.geometry.Geometry` (PostGIS geometry on PostgreSQL).
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
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zoufang.campaign.store.base import Base, _now
from zoufang.campaign.store.geometry import Geometry

__all__ = [
    "Cadre", "Campaign", "DataProblem", "Grid", "ImportRun", "Phase", "Target",
    "Township", "Village",
]

class Township(Base):
    """乡镇: the territory one planner plans; every other row belongs to one."""

    __tablename__ = "townships"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    villages: Mapped[list[Village]] = relationship(back_populates="township")


class Village(Base):
    """村 (village) or 社区 (urban community); ``tags`` e.g. ``["weak_village"]``."""

    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("township_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"),
                                             index=True)
    name: Mapped[str] = mapped_column(String(100))
    is_community: Mapped[bool] = mapped_column(Boolean, default=False)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)

    township: Mapped[Township] = relationship(back_populates="villages")


class Grid(Base):
    """网格: a social-governance grid cell with its grid worker; polygon in WGS-84."""

    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("township_id", "ext_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"),
                                             index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    ext_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    geom: Mapped[Any] = mapped_column(Geometry("MultiPolygon"))
    area_m2: Mapped[float] = mapped_column(Float)
    grid_worker: Mapped[str | None] = mapped_column(String(100))
    grid_worker_phone: Mapped[str | None] = mapped_column(String(40))
    repaired: Mapped[bool] = mapped_column(Boolean, default=False)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now,
                                                    onupdate=_now)

    village: Mapped[Village | None] = relationship()


class Target(Base):
    """走访对象: a household, enterprise, shop, school, hospital, market or institution.

    ``placement`` says how the target got its grid: ``inside``, ``overlap`` (inside two
    grids: a grid defect, resolved to the smallest grid id), ``snapped`` (outside every
    grid but within the tolerance of the nearest; ``snap_m`` metres away), ``outside``
    (no grid: a coverage gap), ``declared`` (no coordinates; placed by its 网格 column)
    or ``unplaced`` (neither).
    """

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("township_id", "ext_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"),
                                             index=True)
    ext_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    source_crs: Mapped[str] = mapped_column(String(40), default="wgs84")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    declared_grid: Mapped[str | None] = mapped_column(String(64))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="SET NULL"),
                                                index=True)
    placement: Mapped[str] = mapped_column(String(20), default="unplaced")
    snap_m: Mapped[float | None] = mapped_column(Float)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now,
                                                    onupdate=_now)

    grid: Mapped[Grid | None] = relationship()
    __mapper_args__ = {"version_id_col": version}


class Cadre(Base):
    """走访人员: a visiting cadre with rank, unit, base point and time available.

    ``hours_per_day`` × ``days_available`` is the cadre's capacity in the visit phase.
    """

    __tablename__ = "cadres"
    __table_args__ = (UniqueConstraint("township_id", "ext_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"),
                                             index=True)
    ext_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    rank: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    base_lon: Mapped[float | None] = mapped_column(Float)
    base_lat: Mapped[float | None] = mapped_column(Float)
    hours_per_day: Mapped[float] = mapped_column(Float)
    days_available: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now,
                                                    onupdate=_now)
    __mapper_args__ = {"version_id_col": version}


class Campaign(Base):
    """一轮走访: one campaign round in a township, with its phases."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("township_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"),
                                             index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    phases: Mapped[list[Phase]] = relationship(back_populates="campaign",
                                               order_by="Phase.start",
                                               cascade="all, delete-orphan")


class Phase(Base):
    """A phase of a campaign; dates inclusive.

    ``kind`` is visit (走访排查), push (集中走访, inside visit), classify (问题分类),
    resolve (集中办结) or revisit (回访反馈).
    """

    __tablename__ = "phases"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)

    campaign: Mapped[Campaign] = relationship(back_populates="phases")


class ImportRun(Base):
    """One import of one file: what came in, how it was read, what it changed."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str | None] = mapped_column(String(40))
    crs: Mapped[str | None] = mapped_column(String(80))
    rows: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now,
                                            server_default=func.now())


class DataProblem(Base):
    """A problem found in the data and kept for the planner to see.

    ``scope`` is the check that found it: ``targets``, ``grids``, ``cadres`` (row
    warnings of an import), ``placement`` (targets outside or snapped, declared grid
    disagreeing with the point) or ``topology`` (grid overlaps, gaps, repairs). Each
    re-run of a check replaces its scope's rows.
    """

    __tablename__ = "data_problems"
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"),
                                             index=True)
    scope: Mapped[str] = mapped_column(String(20), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(300))
    row: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(100))
    ref: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    area_m2: Mapped[float | None] = mapped_column(Float)
