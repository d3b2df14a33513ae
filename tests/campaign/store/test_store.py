"""The store on both backends: migrations match the models, geometry round-trips."""

from __future__ import annotations

import pytest
import shapely
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from zoufang.campaign.store import Base, Grid, Store, Township, current_revision, open_store
from zoufang.campaign.store.geometry import compare_geometry_type


def test_migrations_match_models(store: Store) -> None:
    """After `upgrade head` the database has exactly the schema the models declare."""
    assert current_revision(store.engine) is not None
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": compare_geometry_type})
        diffs = compare_metadata(ctx, Base.metadata)
    # PostGIS' own tables are not ours to compare.
    diffs = [d for d in diffs if "spatial_ref_sys" not in str(d)]
    assert diffs == []


def test_geometry_round_trip(store: Store) -> None:
    """A multipolygon stored and read back is the same geometry on each backend."""
    geom = shapely.MultiPolygon([shapely.box(116.6, 37.4, 116.61, 37.41)])
    with store.session() as s:
        t = Township(name="测试镇")
        s.add(t)
        s.flush()
        s.add(Grid(township_id=t.id, ext_id="G1", geom=geom, area_m2=1.0))
    with store.session() as s:
        back = s.scalar(select(Grid.geom))
    assert shapely.equals_exact(back, geom, 1e-12)


def test_postgis_column_is_real_geometry(store: Store) -> None:
    """On PostgreSQL the grid column is a PostGIS geometry in SRID 4326 (ST_ functions work)."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostGIS column types exist only on PostgreSQL")
    with store.session() as s:
        t = Township(name="测试镇")
        s.add(t)
        s.flush()
        s.add(Grid(township_id=t.id, ext_id="G1", area_m2=1.0,
                   geom=shapely.MultiPolygon([shapely.box(116.6, 37.4, 116.61, 37.41)])))
    with store.engine.connect() as c:
        srid, area = c.execute(text(
            "SELECT ST_SRID(geom), ST_Area(geom::geography) FROM grids")).one()
    assert srid == 4326
    assert 95e6 * 1e-2 < area < 1.0e8 * 1e-2  # ~0.98 km² for 0.01° × 0.01° at 37.4°N


def test_open_store_is_idempotent(db_url: str) -> None:
    """Opening an already migrated store twice keeps the schema and data."""
    s1 = open_store(db_url)
    with s1.session() as s:
        s.add(Township(name="甲镇"))
    s1.dispose()
    s2 = open_store(db_url)
    with s2.session() as s:
        assert s.scalars(select(Township.name)).all() == ["甲镇"]
    s2.dispose()
