"""Benchmark: all measures for 1,000,000 visits and 100,000 issues, on SQLite and PostgreSQL.

Generates one synthetic township (not timed): ``--targets`` targets (default 300,000) in
500 grids of 50 villages, 3,000 cadres, ``--visits`` visits (default 1,000,000) over the
31 days of March 2022 (a quarter of first attempts not at home, a few refused or vacant,
one target in a hundred never reached) and ``--issues`` issues (default 100,000) with a
realistic spread of statuses and their history steps (about 4 per issue). Rows are bulk
inserted (SQLite ``executemany`` in one transaction; PostgreSQL ``COPY``), then ``ANALYZE``.

Times :func:`zoufang.campaign.measures.compute_measures` for all four levels (township,
village, grid, cadre) over the whole range — the bar is <= 5 s on each backend — and, for
information, the same with ``as_of`` (overdue replayed from the history) and the
township-only weekly summary. Best and median of ``--repeat`` runs, each on a fresh
connection.

Run::

    python benchmarks/bench_measures.py [--visits 1000000 --issues 100000 --repeat 3]

PostgreSQL: ``$ZOUFANG_BENCH_PG_URL``, else the server of ``$ZOUFANG_TEST_PG_URL`` with
database ``zoufang_bench``, else ``postgresql+psycopg://postgres@127.0.0.1:5432/zoufang_bench``
(created with PostGIS when missing; its tables are replaced). ``--no-pg`` skips it. It
rewrites the ``measures`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402

from zoufang.campaign.measures import compute_measures, weekly_summary  # noqa: E402
from zoufang.campaign.store import open_store  # noqa: E402

T0 = dt.datetime(2022, 3, 1)
STATUSES = ("recorded", "assessed", "handed_over", "in_progress", "reported", "closed")


def pg_url() -> str:
    """The PostgreSQL URL to benchmark on (see the module docstring)."""
    if os.environ.get("ZOUFANG_BENCH_PG_URL"):
        return os.environ["ZOUFANG_BENCH_PG_URL"]
    base = os.environ.get("ZOUFANG_TEST_PG_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/zoufang_test")
    return make_url(base).set(database="zoufang_bench").render_as_string(hide_password=False)


def prepare_pg(url: str) -> None:
    """Create the database with PostGIS if missing, and drop its tables."""
    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        if not c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                        {"d": u.database}):
            c.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()
    eng = create_engine(u, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        tables = c.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                "AND tablename <> 'spatial_ref_sys'")).all()
        if tables:
            c.execute(text("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
    eng.dispose()


# ----------------------------------------------------------------------------- data

def make_data(n_targets: int, n_visits: int, n_issues: int, seed: int
              ) -> dict[str, pd.DataFrame]:
    """The synthetic township's tables as frames (ids from 1), deterministic for a seed."""
    rng = np.random.default_rng(seed)
    n_grids, n_villages, n_cadres = 500, 50, 3000
    villages = pd.DataFrame({"id": np.arange(1, n_villages + 1), "township_id": 1,
                             "name": [f"村{i}" for i in range(n_villages)]})
    gi = np.arange(n_grids)
    grids = pd.DataFrame({
        "id": gi + 1, "township_id": 1, "village_id": gi // (n_grids // n_villages) + 1,
        "ext_id": [f"G{i:04d}" for i in gi], "area_m2": 1e6,
        "lon": 116.0 + (gi % 25) * 0.01, "lat": 37.0 + (gi // 25) * 0.01})
    ti = np.arange(n_targets)
    tg = rng.integers(0, n_grids, n_targets)
    targets = pd.DataFrame({
        "id": ti + 1, "township_id": 1, "ext_id": [f"H{i:07d}" for i in ti],
        "kind": "household", "grid_id": tg + 1,
        "lon": grids["lon"].to_numpy()[tg] + rng.random(n_targets) * 0.01,
        "lat": grids["lat"].to_numpy()[tg] + rng.random(n_targets) * 0.01})
    cadres = pd.DataFrame({"id": np.arange(1, n_cadres + 1), "township_id": 1,
                           "ext_id": [f"C{i:05d}" for i in range(n_cadres)],
                           "name": [f"干部{i}" for i in range(n_cadres)]})
    # each cadre has a contiguous run of targets (sorted by grid), like a visit area
    order = np.argsort(tg, kind="stable")
    owner = np.empty(n_targets, np.int64)
    owner[order] = np.arange(n_targets) * n_cadres // n_targets + 1
    # visits: every reached target once at least, not-at-home repeats, the rest random
    vt = rng.integers(0, n_targets, n_visits)
    vt[: n_targets] = np.arange(n_targets)
    p = rng.random(n_visits)
    outcome = np.where(p < 0.25, "not_home", np.where(p < 0.26, "refused",
                       np.where(p < 0.275, "vacant", "visited")))
    mode = np.where(rng.random(n_visits) < 0.9, "in_home", "phone")
    at = T0 + pd.to_timedelta(rng.integers(0, 31 * 24 * 60, n_visits), unit="min")
    visits = pd.DataFrame({"id": np.arange(1, n_visits + 1), "township_id": 1,
                           "target_id": vt + 1, "cadre_id": owner[vt], "at": at,
                           "mode": mode, "outcome": outcome})
    # issues raised in completed visits
    done = np.flatnonzero(outcome == "visited")
    iv = rng.choice(done, size=n_issues, replace=False)
    status = rng.choice(STATUSES, size=n_issues, p=[0.05, 0.05, 0.1, 0.2, 0.1, 0.5])
    raised = visits["at"].to_numpy()[iv]
    deadline = (pd.to_datetime(raised) + pd.to_timedelta(rng.integers(10, 60, n_issues),
                                                         unit="D")).normalize()
    closed = status == "closed"
    kind = np.where(closed & (rng.random(n_issues) < 0.05), "unsolvable",
                    np.where(closed, "satisfied", None))
    step = pd.to_timedelta(rng.integers(1, 20, n_issues), unit="D")
    responded = np.isin(status, ("reported", "closed"))
    issues = pd.DataFrame({
        "id": np.arange(1, n_issues + 1), "township_id": 1, "target_id": vt[iv] + 1,
        "visit_id": iv + 1, "owner_cadre_id": owner[vt[iv]],
        "category": rng.choice(["living_environment", "medical_care", "other"], n_issues),
        "responsibility": "township", "status": status, "raised_at": raised,
        "deadline": np.where(np.isin(status, ("recorded", "assessed")), pd.NaT, deadline),
        "responded_at": np.where(responded, pd.to_datetime(raised) + step, pd.NaT),
        "rated_at": np.where(closed & (kind == "satisfied"),
                             pd.to_datetime(raised) + 2 * step, pd.NaT),
        "closed_at": np.where(closed, pd.to_datetime(raised) + 2 * step, pd.NaT),
        "close_kind": kind})
    # history: record + one step per status reached (hand_over carries the deadline)
    reach = np.searchsorted(np.array(STATUSES), status) if False else \
        np.array([STATUSES.index(s) for s in status])
    rows = []
    for k in range(6):
        sel = np.flatnonzero(reach >= k)
        rows.append(pd.DataFrame({
            "issue_id": sel + 1, "seq": k + 1,
            "action": ["record", "assess", "hand_over", "start", "report",
                       "rate_satisfied"][k],
            "from_status": None if k == 0 else STATUSES[k - 1], "to_status": STATUSES[k],
            "at": pd.to_datetime(raised[sel]) + k * step[sel] / 3,
            "deadline": deadline[sel] if k == 2 else pd.NaT}))
    events = pd.concat(rows, ignore_index=True)
    events.insert(0, "id", np.arange(1, len(events) + 1))
    return dict(villages=villages, grids=grids, targets=targets, cadres=cadres,
                visits=visits, issues=issues, events=events)


def _tables(d: dict[str, pd.DataFrame]) -> list[tuple[str, pd.DataFrame]]:
    """Frames with every NOT NULL column of the real tables filled, in insert order."""
    box = shapely.to_wkb(shapely.MultiPolygon([shapely.box(116, 37, 116.01, 37.01)]))
    g = d["grids"]
    v, i, e = d["visits"], d["issues"], d["events"]
    n_v = len(v)
    return [
        ("townships", pd.DataFrame({"id": [1], "name": ["基准镇"], "created_at": [T0]})),
        ("villages", d["villages"].assign(is_community=False, tags="[]")),
        ("grids", g[["id", "township_id", "village_id", "ext_id", "area_m2"]].assign(
            geom=[box] * len(g), repaired=False, extra="{}", updated_at=T0)),
        ("targets", d["targets"].assign(source_crs="wgs84", tags="[]", placement="inside",
                                        extra="{}", version=1, created_at=T0,
                                        updated_at=T0)),
        ("cadres", d["cadres"].assign(rank="clerk", hours_per_day=4.0, days_available=20,
                                      active=True, extra="{}", version=1, updated_at=T0)),
        ("visits", v.assign(channel="visit", card=True, survey=True, leaflet=True,
                            solved=False, source="bench", recorded_at=v["at"])
         .iloc[:n_v]),
        ("issues", i.assign(channel="visit", scope="public", urgency="normal", text="问题",
                            supervised=False, source="bench", version=1,
                            updated_at=i["raised_at"])),
        ("issue_events", e.assign(actor="bench", data="{}")),
    ]


def load_sqlite(url: str, d: dict[str, pd.DataFrame]) -> None:
    """Bulk insert with executemany in one transaction (SQLAlchemy's text formats)."""
    import sqlite3

    con = sqlite3.connect(url.split("///", 1)[1])
    con.execute("PRAGMA journal_mode=WAL")
    for name, df in _tables(d):
        df = df.copy()
        for c in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[c]):
                df[c] = df[c].dt.strftime("%Y-%m-%d %H:%M:%S.%f").where(df[c].notna(), None)
            elif df[c].dtype == bool:
                df[c] = df[c].astype(int)
        if name in ("issues", "issue_events"):
            df["deadline"] = pd.to_datetime(df["deadline"]).dt.strftime("%Y-%m-%d").where(
                df["deadline"].notna(), None)
        cols = ", ".join(f'"{c}"' for c in df.columns)
        marks = ", ".join("?" for _ in df.columns)
        df = df.astype(object).where(df.notna(), None)
        con.executemany(f'INSERT INTO "{name}" ({cols}) VALUES ({marks})',
                        df.itertuples(index=False, name=None))
    con.commit()
    con.execute("ANALYZE")
    con.close()


def load_pg(url: str, d: dict[str, pd.DataFrame]) -> None:
    """Bulk insert with COPY, then reset sequences and ANALYZE."""
    import psycopg

    u = make_url(url)
    conninfo = f"host={u.host} port={u.port or 5432} dbname={u.database} user={u.username}" \
        + (f" password={u.password}" if u.password else "")
    with psycopg.connect(conninfo) as con:
        with con.cursor() as cur:
            for name, df in _tables(d):
                df = df.copy()
                if "geom" in df.columns:
                    df["geom"] = [shapely.to_wkb(shapely.set_srid(shapely.from_wkb(b), 4326),
                                                 hex=True, include_srid=True)
                                  for b in df["geom"]]
                if name in ("issues", "issue_events"):
                    df["deadline"] = pd.to_datetime(df["deadline"]).dt.strftime("%Y-%m-%d")
                buf = io.StringIO()
                df.to_csv(buf, sep="\t", header=False, index=False, na_rep="\\N")
                cols = ", ".join(f'"{c}"' for c in df.columns)
                with cur.copy(f'COPY "{name}" ({cols}) FROM STDIN') as cp:
                    cp.write(buf.getvalue())
                if "id" in df.columns:
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                f"{int(df['id'].max())})")
        con.commit()
        con.autocommit = True
        con.execute("ANALYZE")


# ----------------------------------------------------------------------------- timing

def time_it(store: Any, fn: Any, repeat: int) -> tuple[float, float, Any]:
    """Time ``repeat`` calls of ``fn(conn)``: best and median seconds, and the last result.

    Each call gets a fresh connection (the pool is disposed first).
    """
    times, out = [], None
    for _ in range(repeat):
        store.engine.dispose()
        with store.engine.connect() as conn:
            t = time.perf_counter()
            out = fn(conn)
            times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), out


def run(url: str, d: dict[str, pd.DataFrame], repeat: int, label: str
        ) -> list[dict[str, Any]]:
    """Load the data into the store at ``url`` and time the measures there."""
    store = open_store(url)
    t = time.perf_counter()
    (load_sqlite if url.startswith("sqlite") else load_pg)(url, d)
    load_s = time.perf_counter() - t
    print(f"{label}: loaded in {load_s:.1f} s", flush=True)
    rows = []
    asof = dt.datetime(2022, 4, 20)
    for what, fn in (
        ("all measures, 4 levels", lambda c: compute_measures(c, 1)),
        ("all measures, 4 levels, as_of (history replayed)",
         lambda c: compute_measures(c, 1, as_of=asof)),
        ("weekly summary (5 weeks, township)",
         lambda c: weekly_summary(c, 1, start=dt.date(2022, 3, 1),
                                  end=dt.date(2022, 3, 31))),
    ):
        best, med, out = time_it(store, fn, repeat)
        rows.append(dict(backend=label, what=what, best=best, median=med))
        print(f"{label}: {what}: best {best:.2f} s, median {med:.2f} s", flush=True)
        if what == "all measures, 4 levels":
            town = out["township"].iloc[0]
            rows[-1]["check"] = (f"{int(town['visits']):,} visits, {int(town['issues']):,} "
                                 f"issues, 走访率 {town['visit_rate']:.1%}, "
                                 f"{len(out['grid'])} grids, {len(out['cadre'])} cadres")
            assert int(town["visits"]) == len(d["visits"])
            assert int(town["issues"]) == len(d["issues"])
    store.dispose()
    return rows


def main() -> None:
    """Parse options, run on each backend, write the section."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=int, default=300_000)
    ap.add_argument("--visits", type=int, default=1_000_000)
    ap.add_argument("--issues", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="Do not touch BENCHMARKS.md.")
    args = ap.parse_args()
    t = time.perf_counter()
    d = make_data(args.targets, args.visits, args.issues, args.seed)
    print(f"generated {len(d['visits']):,} visits, {len(d['issues']):,} issues, "
          f"{len(d['events']):,} history steps in {time.perf_counter() - t:.1f} s", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += run(f"sqlite:///{tmp}/bench.sqlite", d, args.repeat, "SQLite")
    if not args.no_pg:
        url = pg_url()
        prepare_pg(url)
        rows += run(url, d, args.repeat, "PostgreSQL")
    bar = 5.0
    ok = all(r["best"] <= bar for r in rows if r["what"] == "all measures, 4 levels")
    lines = [
        "## Measures (走访率, 入户率, 回应率, 解决率, 满意度, 逾期) — `bench_measures.py`",
        "",
        f"`python benchmarks/bench_measures.py --visits {args.visits} --issues {args.issues} "
        f"--targets {args.targets} --repeat {args.repeat}`: one township, "
        f"{args.targets:,} targets in 500 grids of 50 villages, 3,000 cadres, "
        f"{len(d['visits']):,} visits, {len(d['issues']):,} issues, "
        f"{len(d['events']):,} history steps. Bulk loaded and ANALYZEd (not timed); each run "
        "on a fresh connection. Bar: all measures at all four levels in <= 5 s on each "
        f"backend — **{'met' if ok else 'NOT met'}**.",
        "",
        "| backend | computation | best (s) | median (s) |",
        "| --- | --- | ---: | ---: |",
        *(f"| {r['backend']} | {r['what']} | {r['best']:.2f} | {r['median']:.2f} |"
          for r in rows),
        "",
        *(f"- {r['backend']}: {r['check']}" for r in rows if "check" in r),
        f"- Load average at the end of the run (other jobs share the machine): "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}.",
    ]
    text_md = "\n".join(lines)
    print(text_md)
    if not args.no_write:
        write_section("measures", text_md)


if __name__ == "__main__":
    main()
