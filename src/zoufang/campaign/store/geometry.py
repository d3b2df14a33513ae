"""A geometry column type that works on SQLite and on PostgreSQL/PostGIS through one model.

On PostgreSQL the column is a real PostGIS ``geometry(<type>, 4326)`` (so spatial indexes
and ST_ functions work there); values travel as hex EWKB, which PostGIS parses and
returns natively, so no ST_ function is needed in bind or result expressions. On SQLite
(nothing to install) the column is a BLOB of WKB. Stored geometry is always WGS-84.
"""

from __future__ import annotations

from typing import Any

import shapely
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.engine import Dialect
from sqlalchemy.types import LargeBinary, TypeDecorator, UserDefinedType

__all__ = ["Geometry", "compare_geometry_type"]

SRID = 4326


class _PostGISGeometry(UserDefinedType):  # type: ignore[type-arg]
    cache_ok = True

    def __init__(self, geometry_type: str = "Geometry", srid: int | str = SRID) -> None:
        self.geometry_type = geometry_type
        self.srid = int(srid)

    def get_col_spec(self, **_kw: Any) -> str:
        return f"geometry({self.geometry_type},{self.srid})"


# Let PostgreSQL reflection (Alembic's comparisons) recognise PostGIS columns.
ischema_names["geometry"] = _PostGISGeometry


def compare_geometry_type(
    _context: Any, _inspected_column: Any, _metadata_column: Any,
    inspected_type: Any, metadata_type: Any,
) -> bool | None:
    """Alembic ``compare_type`` hook: a reflected PostGIS or BLOB column equals Geometry."""
    if isinstance(metadata_type, Geometry):
        if isinstance(inspected_type, _PostGISGeometry):
            return inspected_type.geometry_type.lower() != metadata_type.geometry_type.lower()
        return not isinstance(inspected_type, LargeBinary)
    return None


class Geometry(TypeDecorator):  # type: ignore[type-arg]
    """Shapely geometry in WGS-84; ``geometry_type`` e.g. ``"MultiPolygon"`` or ``"Point"``."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, geometry_type: str = "Geometry") -> None:
        super().__init__()
        self.geometry_type = geometry_type

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        """Use PostGIS geometry on PostgreSQL, a BLOB elsewhere."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_PostGISGeometry(self.geometry_type))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Encode a shapely geometry as hex EWKB (PostgreSQL) or WKB bytes."""
        if value is None:
            return None
        if not isinstance(value, shapely.Geometry):
            raise TypeError(f"expected a shapely geometry, got {type(value).__name__}")
        if dialect.name == "postgresql":
            return shapely.to_wkb(shapely.set_srid(value, SRID), hex=True, include_srid=True)
        return shapely.to_wkb(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Decode WKB/EWKB into a shapely geometry without SRID."""
        if value is None:
            return None
        if isinstance(value, memoryview):
            value = bytes(value)
        geom = shapely.from_wkb(value)
        return shapely.set_srid(geom, 0) if shapely.get_srid(geom) else geom

    def __repr__(self) -> str:
        return f"Geometry({self.geometry_type!r})"
