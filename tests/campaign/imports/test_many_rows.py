"""A targets file with more rows than SQLite's bound-variable limit (32,766) imports.

Before the fix, ``_record_run`` marked the rows of the file with one
``UPDATE … WHERE ext_id IN (…every id…)`` and the import ended in a traceback
(``sqlite3.OperationalError: too many SQL variables``; on PostgreSQL the driver's 65,535
parameter limit). Debian builds SQLite with a limit of 250,000 variables; the SQLite case
sets each connection's limit back to the upstream default of 32,766 (the limit of most
other builds, and of the machine the issue was found on), so 70,000 rows pass it.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from zoufang.campaign.imports.importer import import_targets
from zoufang.campaign.store import ImportRun, Store, Target

N_ROWS = 70_000  # above SQLite's 32,766 and psycopg's 65,535 bound parameters
SQLITE_DEFAULT_MAX_VARIABLES = 32_766


def _upstream_sqlite_limit(store: Store) -> None:
    """Give every new SQLite connection of ``store`` the upstream variable limit."""
    if store.engine.dialect.name != "sqlite":
        return

    def on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_DEFAULT_MAX_VARIABLES)

    event.listen(store.engine, "connect", on_connect)
    store.engine.dispose()  # pooled connections made before the listener are dropped


@pytest.mark.slow
def test_import_more_rows_than_bound_variables(store: Store, grids_file: Path,
                                               tmp_path: Path) -> None:
    """70,000 rows import, all marked with their import run (no "too many SQL variables")."""
    from zoufang.campaign.imports.importer import import_grids

    _upstream_sqlite_limit(store)
    import_grids(store, grids_file)
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["编号", "姓名", "类型", "经度", "纬度"])
        for i in range(N_ROWS):
            w.writerow([f"H{i:07d}", "户主", "居民家庭", f"{116.601 + (i % 180) * 1e-4:.6f}",
                        f"{37.401 + (i // 180 % 180) * 1e-4:.6f}"])
    rep = import_targets(store, path)
    assert rep.inserted == N_ROWS
    with store.session() as s:
        run_id = s.scalar(select(ImportRun.id).where(ImportRun.kind == "targets"))
        marked = s.scalar(select(func.count()).select_from(Target)
                          .where(Target.import_run_id == run_id))
    assert marked == N_ROWS
    # the same file again: every row unchanged, every row marked by the new run
    rep2 = import_targets(store, path)
    assert (rep2.inserted, rep2.unchanged) == (0, N_ROWS)
