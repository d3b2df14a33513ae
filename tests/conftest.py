"""Shared fixtures: a real store on SQLite and on PostgreSQL/PostGIS, and small files.

``store`` is parametrised over both backends. The PostgreSQL one uses the server of
``$ZOUFANG_TEST_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/zoufang_test``)
and a database of its own, ``zoufang_test_<pid>``, created with PostGIS at the start of
the run and dropped at its end, so that parallel runs never see each other's tables. When the server cannot
be reached the PostgreSQL cases are skipped on a developer's machine but FAIL under CI
(``CI=true``), so a CI run can never pass without having tested PostgreSQL.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from zoufang.campaign.store import Store, open_store

from .builders import grid_frame

PG_URL = os.environ.get("ZOUFANG_TEST_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/zoufang_test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _run_db_url() -> str:
    """This test run's own database: ``<name>_<pid>``, so parallel runs never collide."""
    url = make_url(PG_URL)
    return url.set(database=f"{url.database}_{os.getpid()}").render_as_string(
        hide_password=False)


def _prepare_pg() -> str | None:
    """Create this run's database with PostGIS; return None if it works, else why."""
    url = make_url(_run_db_url())
    try:
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{url.database}"'))
            c.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
        eng = create_engine(url, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        eng.dispose()
    except Exception as exc:  # any connection or extension failure
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    atexit.register(_drop_run_db)
    return None


def _drop_run_db() -> None:
    url = make_url(_run_db_url())
    try:
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()
    except Exception:  # the server went away: nothing left to clean
        pass


_PG_PROBLEM: str | None = "not checked"


def _pg_problem() -> str | None:
    global _PG_PROBLEM
    if _PG_PROBLEM == "not checked":
        _PG_PROBLEM = _prepare_pg()
    return _PG_PROBLEM


def _reset_pg() -> None:
    eng = create_engine(_run_db_url(), isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        tables = c.scalars(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT IN ('spatial_ref_sys')")).all()
        if tables:
            c.execute(text("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty store: a SQLite file, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'zoufang.sqlite'}"
        return
    problem = _pg_problem()
    if problem is not None:
        msg = f"PostgreSQL/PostGIS not reachable at {PG_URL}: {problem}"
        if IN_CI:
            pytest.fail(msg + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(msg)
    _reset_pg()
    yield _run_db_url()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An open, migrated, empty store on each backend."""
    s = open_store(db_url)
    yield s
    s.dispose()


@pytest.fixture
def grids_file(tmp_path: Path) -> Path:
    """The 2 × 2 test grids as GeoJSON (WGS-84)."""
    path = tmp_path / "grids.geojson"
    grid_frame().to_file(path, driver="GeoJSON")
    return path
