"""What every table of the store shares: the declarative base and the clock.

- :class:`Base` — SQLAlchemy's declarative base with a naming convention, so that
  constraint names are stable for Alembic on SQLite and PostgreSQL alike.
- :func:`local_now` — the wall-clock time of China (UTC+8), naive, as the domain's times
  (visits, issues, events) are stored; :func:`_now` — an aware UTC time for audit columns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, MetaData
from sqlalchemy.orm import DeclarativeBase

__all__ = ["CHINA_TZ", "NAMING", "Base", "local_now"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention (stable constraint names for Alembic)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: China Standard Time (no daylight saving since 1991).
CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")


def local_now() -> dt.datetime:
    """Return the present wall-clock time in China, naive (as stored), to the second."""
    return dt.datetime.now(CHINA_TZ).replace(tzinfo=None, microsecond=0)
