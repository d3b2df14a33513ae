"""The column meanings a planner chose for a township's imports, remembered per file kind.

:class:`ImportMapping` — for one township and one kind of import (``targets``, ``grids``,
``cadres``): the meaning chosen for each column (key -> header as written, e.g.
``{"id": "户编码", "tags": "人员类别"}``) and the header row, so that next month's file
of the same office imports in one click (migration ``0008``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zoufang.campaign.store.base import Base

__all__ = ["ImportMapping"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ImportMapping(Base):
    """The last column meanings used for one township's imports of one kind."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("township_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(20))
    columns: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    header_row: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now,
                                                    onupdate=_now)
    updated_by: Mapped[str | None] = mapped_column(String(100))
