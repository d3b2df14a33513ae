"""The store on both backends: migrations match the models and go both ways; geometry."""

from __future__ import annotations

import pytest
import shapely
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from zoufang.campaign.store import (
    AuditEntry,
    Base,
    Grid,
    Store,
    Township,
    User,
    current_revision,
    open_store,
)
from zoufang.campaign.store.db import _alembic_config
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


def test_migration_0006_downgrades_and_upgrades(store: Store) -> None:
    """0006 adds the log-in throttle and session columns to users; downgrade drops them.

    Users and the audit log's link to them survive the round trip (a table copy on
    SQLite would have set ``audit_log.user_id`` to NULL); the new columns come back with
    their defaults.
    """
    new = {"failed_logins", "failed_since", "locked_until", "session_gen"}

    def columns() -> set[str]:
        return {c["name"] for c in inspect(store.engine).get_columns("users")}

    head = current_revision(store.engine)
    assert head is not None and head >= "0006" and new <= columns()
    with store.session() as s:
        u = User(name="甲", password_hash="x", role="admin", failed_logins=3, session_gen=7)
        s.add(u)
        s.flush()
        s.add(AuditEntry(user_id=u.id, user_name="甲", action="login"))
    cfg = _alembic_config(store.engine)
    command.downgrade(cfg, "0005")
    assert current_revision(store.engine) == "0005" and not new & columns()
    with store.engine.connect() as c:
        assert c.execute(text("SELECT name FROM users")).scalars().all() == ["甲"]
        assert c.execute(text("SELECT user_id FROM audit_log")).scalar() is not None
    command.upgrade(cfg, "head")
    assert current_revision(store.engine) == head and new <= columns()
    with store.session() as s:
        back = s.scalars(select(User)).one()
        assert (back.name, back.failed_logins, back.session_gen, back.locked_until,
                back.failed_since) == ("甲", 0, 0, None, None)
        assert s.scalar(select(AuditEntry.user_id)) == back.id
