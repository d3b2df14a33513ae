"""The two store backends of the tests: a SQLite file and a PostgreSQL/PostGIS database.

Every test that needs a store gets it through the fixtures of ``tests/conftest.py``,
which are built on this module:

- :data:`BACKENDS` parametrises ``backend`` over ``sqlite`` and ``postgres`` (marked
  ``postgres``). The PostgreSQL one uses the server of ``$ZOUFANG_TEST_PG_URL`` (default
  ``postgresql+psycopg://postgres@127.0.0.1:5432/zoufang_test``) and a database of its own,
  ``zoufang_test_<pid>``, created with PostGIS at the first use and dropped at the end of
  the run, so that parallel runs never see each other's tables. When the server cannot be
  reached the PostgreSQL cases are skipped on a developer's machine but FAIL under CI
  (``CI=true``), so a CI run can never pass without having tested PostgreSQL.
- :func:`empty_url` gives the URL of an empty store on a backend.
- :func:`copy_world` builds a test world once per backend and run (through the real
  code: imports, plans, the issue lifecycle) and hands every test a fresh copy of it:
  SQLite copies the file; PostgreSQL deletes every row and inserts the saved rows again,
  sequences reset.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from zoufang.campaign.store import Base, Store, open_store

PG_URL = os.environ.get("ZOUFANG_TEST_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/zoufang_test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

#: The parameters of the ``backend`` fixture.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

W = TypeVar("W")


def _run_db_url() -> str:
    """Database of this test run alone: ``<name>_<pid>``, so parallel runs never collide."""
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


def _pg_url() -> str:
    """PostgreSQL database of this run, created on first use; skip or fail if unreachable."""
    global _PG_PROBLEM
    if _PG_PROBLEM == "not checked":
        _PG_PROBLEM = _prepare_pg()
    if _PG_PROBLEM is not None:
        msg = f"PostgreSQL/PostGIS not reachable at {PG_URL}: {_PG_PROBLEM}"
        if IN_CI:
            pytest.fail(msg + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(msg)
    return _run_db_url()


def _drop_all_pg_tables(url: str) -> None:
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        tables = c.scalars(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT IN ('spatial_ref_sys')")).all()
        if tables:
            c.execute(text("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
    eng.dispose()


def empty_url(backend: str, tmp_path: Path) -> str:
    """URL of an empty store: a new SQLite file, or this run's PostgreSQL database emptied."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'zoufang.sqlite'}"
    url = _pg_url()
    _drop_all_pg_tables(url)  # the saved worlds' rows stay valid: copy_world migrates again
    return url


# --------------------------------------------------------------------------- worlds

_SAVED: dict[tuple[str, str], tuple[Any, Any]] = {}


def _pg_tables(conn: Any) -> list[str]:
    return list(conn.scalars(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename NOT IN ('spatial_ref_sys', 'alembic_version')")))


def _pg_restore(st: Store, rows: dict[str, list[dict[str, Any]]]) -> None:
    ours = [t.name for t in Base.metadata.sorted_tables]
    with st.engine.begin() as c:  # DELETE, not TRUNCATE: 100 times faster on tiny tables
        for name in [t for t in _pg_tables(c) if t not in ours] + ours[::-1]:
            c.execute(text(f'DELETE FROM "{name}"'))
        for table in Base.metadata.sorted_tables:
            if rows.get(table.name):
                c.execute(table.insert(), rows[table.name])
            if "id" in table.c and table.c.id.autoincrement is not False:
                n = max((r["id"] for r in rows.get(table.name, [])), default=0)
                c.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                               f"{max(n, 1)}, {'true' if n else 'false'})"))


def _saved(backend: str, name: str, builder: Callable[[Store], W],
           factory: pytest.TempPathFactory) -> tuple[Any, W]:
    key = (backend, name)
    if key not in _SAVED:
        if backend == "sqlite":
            path = factory.mktemp("tpl") / (name + ".sqlite")
            st = open_store(f"sqlite:///{path}")
            w = builder(st)
            st.dispose()
            _SAVED[key] = (path, w)
        else:
            st = open_store(_pg_url())
            _pg_restore(st, {})
            w = builder(st)
            with st.engine.connect() as c:
                rows = {t.name: [dict(r) for r in c.execute(t.select()).mappings()]
                        for t in Base.metadata.sorted_tables}
            st.dispose()
            _SAVED[key] = (rows, w)
    return _SAVED[key]


def copy_world(backend: str, name: str, builder: Callable[[Store], W],
               factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[W]:
    """Yield a fresh copy of the world ``name`` that ``builder`` makes, on ``backend``.

    The world (a dataclass with a ``store`` field and dict fields of ids) is built once
    per backend and run; each call gets its own store holding a copy of its rows, and
    copies of the world's dicts, so a test may change both freely.
    """
    if backend == "sqlite":
        path, w = _saved(backend, name, builder, factory)
        dst = tmp_path / "zoufang.sqlite"
        shutil.copyfile(path, dst)
        st = open_store(f"sqlite:///{dst}")
    else:
        url = _pg_url()
        rows, w = _saved(backend, name, builder, factory)
        st = open_store(url)
        _pg_restore(st, rows)
    copies = {f.name: dict(getattr(w, f.name)) for f in dataclasses.fields(w)  # type: ignore[arg-type]
              if isinstance(getattr(w, f.name), dict)}
    try:
        yield dataclasses.replace(w, store=st, **copies)  # type: ignore[type-var]
    finally:
        st.dispose()
