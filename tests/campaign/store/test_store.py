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
from zoufang.campaign.store.db import _alembic_config, include_in_comparison
from zoufang.campaign.store.geometry import compare_geometry_type


def test_migrations_match_models(store: Store) -> None:
    """After `upgrade head` the database has exactly the schema the models declare."""
    assert current_revision(store.engine) is not None
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": compare_geometry_type,
                                                     "include_object": include_in_comparison})
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


def test_target_points_are_postgis_points_with_gist_indexes(store: Store) -> None:
    """On PostgreSQL a target's point follows its lon/lat, and spatial queries use GiST."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostGIS columns exist only on PostgreSQL")
    from zoufang.campaign.store import Target

    with store.session() as s:
        t = Township(name="测试镇")
        s.add(t)
        s.flush()
        s.add_all([Target(township_id=t.id, ext_id="A", name="甲", kind="household",
                          lon=116.6, lat=37.4),
                   Target(township_id=t.id, ext_id="B", name="乙", kind="household")])
    with store.engine.begin() as c:
        rows = dict(c.execute(text("SELECT ext_id, ST_AsText(geom) FROM targets")).all())
        assert rows == {"A": "POINT(116.6 37.4)", "B": None}
        c.execute(text("UPDATE targets SET lon = 116.7 WHERE ext_id = 'A'"))
        near = c.execute(text(
            "SELECT ext_id FROM targets WHERE ST_DWithin(geom::geography, "
            "ST_SetSRID(ST_MakePoint(116.7, 37.4), 4326)::geography, 10)")).scalars().all()
        assert near == ["A"]
        indexes = dict(c.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
            "('ix_targets_geom', 'ix_grids_geom')")).all())
    assert set(indexes) == {"ix_targets_geom", "ix_grids_geom"}
    assert all("USING gist" in d for d in indexes.values())


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
