"""Opening the campaign store: engine, sessions and schema migrations (Alembic).

The store is a SQLite file by default (nothing to install) or PostgreSQL with PostGIS,
chosen by URL: ``sqlite:///path/to/zoufang.sqlite`` or
``postgresql+psycopg://user@host/db``. :func:`open_store` brings the schema to the newest
migration before returning, so every command works on a fresh or an old file.

SQLite and concurrent writers
-----------------------------
A SQLite file has one writer at a time. The store runs it in WAL mode (readers never
wait for the writer) with a busy timeout, and takes the write lock the moment a
transaction first writes (``BEGIN IMMEDIATE``, emitted by the driver before the first
INSERT/UPDATE/DELETE; reads before it run outside any transaction, so no transaction
ever has to upgrade a stale read snapshot to a write, which SQLite refuses at once
without waiting). A writer that finds the lock taken waits up to ``busy_timeout_s``;
when that passes (a long import holds the lock), the statement — which wrote nothing,
since the lock is taken before anything is written — is tried again after a jittered,
growing pause, ``write_attempts`` times in all. When the lock still cannot be had, the
store raises :class:`StoreBusy` and the session rolls back: nothing is half-stored, and
the caller may try again later (the web app answers 503 with ``Retry-After``).
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session, sessionmaker

from zoufang._errors import Problem, ValidationError

__all__ = ["BUSY_TIMEOUT_S", "DEFAULT_DB_URL", "POSTGIS_ONLY", "WRITE_ATTEMPTS", "Store",
           "StoreBusy", "include_in_comparison", "migrate", "open_store", "resolve_db_url"]

DEFAULT_DB_URL = "sqlite:///zoufang.sqlite"
#: Schema objects only PostgreSQL has (migration 0011), not in the models: the targets'
#: point generated from lon/lat and the GiST indexes. Model comparisons leave them out.
POSTGIS_ONLY: frozenset[str] = frozenset({"geom@targets", "ix_targets_geom", "ix_grids_geom"})


def include_in_comparison(obj: Any, name: str | None, type_: str, reflected: bool,
                          compare_to: Any) -> bool:
    """Alembic ``include_object`` hook: leave :data:`POSTGIS_ONLY` out of comparisons."""
    if type_ == "column":
        table = getattr(getattr(obj, "table", None), "name", "")
        return f"{name}@{table}" not in POSTGIS_ONLY
    return not (type_ == "index" and name in POSTGIS_ONLY)
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"

#: SQLite: how long one statement waits for a lock (seconds) before it fails or is retried.
BUSY_TIMEOUT_S = 5.0
#: SQLite: how many times a statement that found the write lock taken is tried in all.
WRITE_ATTEMPTS = 4
#: First pause between two attempts (seconds); it doubles, up to :data:`_BACKOFF_MAX_S`.
_BACKOFF_S = 0.1
_BACKOFF_MAX_S = 2.0
_LOCK_MESSAGES = ("database is locked", "database table is locked", "database is busy")


class StoreBusy(ValidationError):
    """The SQLite file stayed locked by another writer: nothing was written; try again.

    Raised instead of SQLite's "database is locked" once every attempt has waited its
    busy timeout. A :class:`~zoufang._errors.ValidationError` so that the CLI reports it
    like any refusal; the web app answers it with 503 and ``Retry-After``.
    """

    def __init__(self, waited_s: float | None = None) -> None:
        super().__init__(
            "系统繁忙，请稍后重试 / the store is busy: another write (such as a long "
            "import) holds the SQLite lock; nothing was written, try again shortly",
            [Problem("store", None, None, "the SQLite write lock could not be had"
                     + (f" within {waited_s:.0f} s" if waited_s is not None else ""),
                     code="busy")])
        self.waited_s = waited_s


def _is_lock_error(exc: BaseException | None) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and any(
        m in str(exc).lower() for m in _LOCK_MESSAGES)


def resolve_db_url(url: str | None = None) -> str:
    """Return ``url``, else ``$ZOUFANG_DB``, else :data:`DEFAULT_DB_URL` (a file in cwd).

    A bare path (``demo.sqlite``) is taken as a SQLite file.
    """
    url = url or os.environ.get("ZOUFANG_DB") or DEFAULT_DB_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _sqlite_connect(busy_timeout_s: float) -> Callable[[Any, Any], None]:
    """Return the hook that sets up every new SQLite connection."""

    def hook(dbapi_conn: Any, _record: Any) -> None:
        # The driver begins a transaction right before the first write of a session
        # (reads before it run in autocommit), and begins it IMMEDIATE: the write lock is
        # taken then, waiting up to the busy timeout, never by upgrading a read snapshot.
        dbapi_conn.isolation_level = "IMMEDIATE"
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")  # first: WAL waits
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    return hook


def _retry_locked(attempts: int) -> Callable[[Any, Callable[[], object]], bool]:
    """Return a runner trying a statement again while the write lock is taken.

    Only a statement outside any transaction is tried again: one whose implicit ``BEGIN
    IMMEDIATE`` found the lock taken (nothing written), or a read. Inside a transaction,
    a lock error ends it (the session rolls back; :func:`_busy_error` makes it
    :class:`StoreBusy`).
    """

    def run(cursor: Any, call: Callable[[], object]) -> bool:
        pause = _BACKOFF_S
        for attempt in range(1, attempts + 1):
            try:
                call()
                return True
            except sqlite3.OperationalError as exc:
                if (attempt == attempts or not _is_lock_error(exc)
                        or cursor.connection.in_transaction):
                    raise
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 2, _BACKOFF_MAX_S)
        return True  # pragma: no cover - the loop returns or raises

    return run


def _install_sqlite_retries(engine: Engine, attempts: int, busy_timeout_s: float) -> None:
    run = _retry_locked(max(1, int(attempts)))

    def do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        return run(cursor, lambda: cursor.execute(statement, parameters))

    def do_executemany(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        return run(cursor, lambda: cursor.executemany(statement, parameters))

    def do_execute_no_params(cursor: Any, statement: str, context: Any) -> bool:
        return run(cursor, lambda: cursor.execute(statement))

    event.listen(engine, "do_execute", do_execute)
    event.listen(engine, "do_executemany", do_executemany)
    event.listen(engine, "do_execute_no_params", do_execute_no_params)
    waited = attempts * busy_timeout_s

    def busy_error(ctx: ExceptionContext) -> None:
        if _is_lock_error(ctx.original_exception):
            raise StoreBusy(waited) from ctx.sqlalchemy_exception

    event.listen(engine, "handle_error", busy_error)


def make_engine(url: str, *, busy_timeout_s: float | None = None,
                write_attempts: int | None = None) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, a busy timeout and write retries.

    Parameters
    ----------
    busy_timeout_s
        SQLite: seconds a statement waits for a lock (default :data:`BUSY_TIMEOUT_S`).
    write_attempts
        SQLite: tries of a statement that found the write lock taken, each waiting
        ``busy_timeout_s`` (default :data:`WRITE_ATTEMPTS`); then :class:`StoreBusy`.
    """
    url = resolve_db_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        timeout = BUSY_TIMEOUT_S if busy_timeout_s is None else float(busy_timeout_s)
        attempts = WRITE_ATTEMPTS if write_attempts is None else int(write_attempts)
        engine = create_engine(url, connect_args={"timeout": timeout,
                                                  "isolation_level": "IMMEDIATE"})
        event.listen(engine, "connect", _sqlite_connect(timeout))
        _install_sqlite_retries(engine, attempts, timeout)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    from zoufang.campaign.validate import install  # NUL and lengths, as PostgreSQL checks

    install(engine)
    return engine


def _alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (default the newest)."""
    from alembic import command

    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    command.upgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """Return the schema's current Alembic revision, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@dataclass
class Store:
    """An open campaign store: its URL, engine and session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Open a session in one transaction: committed on success, rolled back on error."""
        with self.sessions() as s, s.begin():
            yield s

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_store(url: str | None = None, *, upgrade: bool = True,
               busy_timeout_s: float | None = None,
               write_attempts: int | None = None) -> Store:
    """Open (and by default migrate) the store at ``url`` (see :func:`resolve_db_url`).

    ``busy_timeout_s`` and ``write_attempts`` bound how long a SQLite write waits for
    another writer (see :func:`make_engine` and the module docstring).
    """
    url = resolve_db_url(url)
    engine = make_engine(url, busy_timeout_s=busy_timeout_s, write_attempts=write_attempts)
    if upgrade:
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
    return Store(url, engine, sessionmaker(engine, expire_on_commit=False))
