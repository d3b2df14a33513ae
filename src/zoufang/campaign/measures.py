"""Measures leaders look at (走访率, 入户率, 问题回应率, 问题解决率, 满意度, 逾期).

They are computed per township, village, grid and cadre — and per any other grouping of
targets (e.g. visit areas).

Exact definitions, for a date range ``[start, end]`` (inclusive local dates; open ends
mean "from the first" / "to the last") and a moment ``as_of`` (default now):

Visits and targets
    - **targets** (走访对象数): targets of the township in the group (by the target's
      grid; targets in no grid form the group with an empty key). For a cadre: the targets
      assigned to that cadre when an assignment is given (``cadre_targets``, e.g. from the
      visit areas), else empty (no denominator) — ``attempted`` is then the number of
      distinct targets the cadre made any visit to.
    - **visited** (已走访): targets with at least one visit in the range whose outcome is
      settled — visited, refused or vacant. A target whose only visits were "not at home"
      is not visited. For a cadre: visits made by that cadre.
    - **visit_rate** (走访率) = visited / targets.
    - **in_home** (入户): visited targets with at least one visit in the range made in home
      (mode in_home) with outcome visited. **in_home_rate** (入户率) = in_home / visited.
    - **visits** (走访次数): visit records in the range, all outcomes; **not_home**
      (不在家次数): those with outcome not_home.

Issues (those raised in the range, by ``raised_at``; grouped by the raising target's
grid, and for a cadre by the issue's owner 谁走访谁处理)
    - **issues** (问题数): issues raised in the range (at township level including hotline
      issues with no target).
    - **responded** (已回应): issues whose resident got an answer by ``as_of``
      (``responded_at`` <= as_of: result reported, solved on the spot, or closed as
      unsolvable with an explanation). **response_rate** (问题回应率) = responded / issues.
    - **resolved** (已解决): issues closed with a satisfied rating by ``as_of``
      (close_kind "satisfied"; closing as unsolvable is not resolving).
      **resolution_rate** (问题解决率) = resolved / issues.
    - **rated** (已评价): issues rated at least once by ``as_of``; **satisfied** (满意): rated
      issues whose latest rating by ``as_of`` is "satisfied" — since only a satisfied
      rating closes an issue, these are exactly the resolved ones.
      **satisfaction** (满意度) = satisfied / rated.
    - **overdue** (逾期): issues whose deadline is running (status handed_over or
      in_progress) and past: deadline < the date of ``as_of``. With ``as_of`` omitted the
      present status is used; with ``as_of`` given the status and deadline as of then are
      replayed from the issue history.

A rate whose denominator is 0 is empty (NaN), never 0 or 100 %.

All counts are computed set-wise in the database (one grouped query over visits, one over
issues) and combined in pandas; no row-by-row Python loop runs over visits.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Connection, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from zoufang.campaign.issues import RUNNING_STATUSES
from zoufang.campaign.store import (
    Cadre,
    Grid,
    Issue,
    IssueEvent,
    Target,
    Township,
    Village,
    Visit,
    local_now,
)
from zoufang.campaign.visits import SETTLED_OUTCOMES
from zoufang.privacy import mask_name

__all__ = ["COLUMNS_CN", "ISSUE_MEASURES", "LEVELS", "LEVELS_CN", "compute_measures",
           "issue_ids", "measures_to_chinese", "weekly_summary"]

#: The levels computed by default.
LEVELS: Final = ("township", "village", "grid", "cadre")

#: Measure columns -> Chinese headers (exports, pages).
COLUMNS_CN: Final[dict[str, str]] = {
    "targets": "走访对象数", "attempted": "走访过对象数", "visited": "已走访对象数",
    "visit_rate": "走访率", "in_home": "入户对象数", "in_home_rate": "入户率",
    "visits": "走访次数", "not_home": "不在家次数", "issues": "问题数", "responded": "已回应",
    "response_rate": "问题回应率", "resolved": "已解决", "resolution_rate": "问题解决率",
    "rated": "已评价", "satisfied": "满意", "satisfaction": "满意度", "overdue": "逾期数",
}
#: Level codes -> the Chinese words of the exports' 层级 column and the pages.
LEVELS_CN: Final[dict[str, str]] = {"township": "乡镇", "village": "村/社区", "grid": "网格",
                                    "cadre": "干部", "area": "走访区域"}
_KEY_CN: Final = {"level": "层级", "key": "编号", "name": "名称", "village": "所属村"}
_VISIT_COUNTS: Final = ("visits", "not_home")
_ISSUE_COUNTS: Final = ("issues", "responded", "resolved", "rated", "satisfied", "overdue")


def _bounds(start: dt.date | None, end: dt.date | None
            ) -> tuple[dt.datetime | None, dt.datetime | None]:
    lo = dt.datetime.combine(start, dt.time()) if start else None
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time()) if end else None
    return lo, hi


def _in_range(col: Any, lo: dt.datetime | None, hi: dt.datetime | None) -> list[Any]:
    out = []
    if lo is not None:
        out.append(col >= lo)
    if hi is not None:
        out.append(col < hi)
    return out


_PAIR_SHIFT: Final = 40  # cadre id above bit 40, target id in bits 3..39, code in bits 0..2


def _visit_aggregates(conn: Connection, township_id: int, lo: dt.datetime | None,
                      hi: dt.datetime | None) -> pd.DataFrame:
    """Per (cadre, target): the visit counts and the settled / in-home flags.

    The database returns one 64-bit integer per visit packing cadre id, target id and a
    code (bit 1 settled, bit 2 in home and visited, bit 4 not at home); numpy does the
    grouping. Reading one integer column is the cheapest transfer on both backends, and
    SQLite's GROUP BY (a temporary B-tree over a million rows) is several times slower
    than reading the rows. Ids must stay below 2**37 (targets) and 2**23 (cadres).
    """
    code = (case((Visit.outcome.in_(SETTLED_OUTCOMES), 1), else_=0)
            + case((and_(Visit.outcome == "visited", Visit.mode == "in_home"), 2), else_=0)
            + case((Visit.outcome == "not_home", 4), else_=0))
    packed = (cast(Visit.cadre_id, BigInteger) * literal(1 << _PAIR_SHIFT, BigInteger)
              + cast(Visit.target_id, BigInteger) * literal(8, BigInteger) + code)
    rows = _raw_rows(conn, select(packed).where(Visit.township_id == township_id,
                                                *_in_range(Visit.at, lo, hi)))
    cols = ["cadre_id", "target_id", "visits", "not_home", "settled", "in_home"]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in cols})
    arr = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    pairs, inv = np.unique(arr >> 3, return_inverse=True)
    c = arr & 7
    n = len(pairs)
    return pd.DataFrame({
        "cadre_id": pairs >> (_PAIR_SHIFT - 3),
        "target_id": pairs & ((1 << (_PAIR_SHIFT - 3)) - 1),
        "visits": np.bincount(inv, minlength=n),
        "not_home": np.bincount(inv, weights=(c >> 2) & 1, minlength=n).astype(np.int64),
        "settled": (np.bincount(inv, weights=c & 1, minlength=n) > 0).astype(np.int64),
        "in_home": (np.bincount(inv, weights=(c >> 1) & 1, minlength=n) > 0).astype(np.int64),
    })


def _raw_rows(conn: Connection, q: Any) -> list[tuple[Any, ...]]:
    """Run ``q`` and return the DBAPI cursor's plain tuples.

    This skips SQLAlchemy's result processing: building frames from ``Row`` objects (and
    parsing SQLite's datetime text one value at a time) costs more than the query itself
    at a million rows. Date-times come back as text on SQLite and as datetimes on
    PostgreSQL: use :func:`_times`.
    """
    res = conn.execute(q)
    try:
        if getattr(res, "cursor", None) is not None:
            return list(res.cursor.fetchall())
        return [tuple(r) for r in res]
    finally:
        res.close()


def _int_frame(conn: Connection, q: Any, cols: list[str]) -> pd.DataFrame:
    """Run ``q`` (integer columns only) and return an int64 frame."""
    rows = _raw_rows(conn, q)
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in cols})
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64,
                       count=len(rows) * len(cols))
    return pd.DataFrame(flat.reshape(len(rows), len(cols)), columns=cols)


def _frame(conn: Connection, q: Any, cols: list[str], times: Sequence[str] = ()
           ) -> pd.DataFrame:
    """Run ``q`` and return a frame; ``times`` columns become datetime64 (NaT for null)."""
    df = pd.DataFrame(_raw_rows(conn, q), columns=cols)
    for c in times:
        df[c] = _times(df[c])
    return df


def _times(s: pd.Series) -> pd.Series:
    if s.empty:
        return pd.Series(pd.to_datetime(s), index=s.index)
    return pd.to_datetime(s, format="ISO8601") if s.map(type).eq(str).any() \
        else pd.to_datetime(s)


def _overdue_as_of(conn: Connection, township_id: int, lo: dt.datetime | None,
                   hi: dt.datetime | None, as_of: dt.datetime) -> set[int]:
    """Return the issues (raised in the range) whose deadline was running and past at ``as_of``.

    They are replayed from the history: the status of the last step at or before ``as_of`` and
    the deadline of the last step that set one.
    """
    q = (select(IssueEvent.issue_id, IssueEvent.to_status, IssueEvent.deadline)
         .join(Issue, Issue.id == IssueEvent.issue_id)
         .where(Issue.township_id == township_id, *_in_range(Issue.raised_at, lo, hi),
                IssueEvent.at <= as_of)
         .order_by(IssueEvent.issue_id, IssueEvent.seq))
    ev = _frame(conn, q, ["issue_id", "status", "deadline"], times=("deadline",))
    return set(_late(ev, pd.Timestamp(as_of.date())))


def _late(ev: pd.DataFrame, day: pd.Timestamp) -> list[int]:
    """Return the issues whose last status runs a deadline (the last one set) before ``day``.

    ``ev`` holds the history steps, ordered by issue and step, cut at the moment looked at.
    """
    if ev.empty:
        return []
    deadline = ev.groupby("issue_id")["deadline"].ffill()
    last = ~ev["issue_id"].duplicated(keep="last")
    late = last & ev["status"].isin(RUNNING_STATUSES) & (deadline < day)
    return [int(i) for i in ev.loc[late, "issue_id"]]


def _issue_aggregates(conn: Connection, township_id: int, lo: dt.datetime | None,
                      hi: dt.datetime | None, as_of: dt.datetime | None) -> pd.DataFrame:
    """One grouped query: per (target, owner) the issue counts of each measure."""
    t = as_of or dt.datetime.max.replace(microsecond=0)
    today = (as_of or local_now()).date()

    def flag(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    target = func.coalesce(Issue.target_id, literal(-1))
    owner = func.coalesce(Issue.owner_cadre_id, literal(-1))
    overdue = (flag(and_(Issue.status.in_(RUNNING_STATUSES), Issue.deadline < today))
               if as_of is None else literal(0))
    q = (select(target.label("target_id"), owner.label("cadre_id"),
                func.count().label("issues"),
                flag(Issue.responded_at <= t).label("responded"),
                flag(and_(Issue.close_kind == "satisfied", Issue.closed_at <= t)
                     ).label("resolved"),
                flag(Issue.rated_at <= t).label("rated"),
                overdue.label("overdue"))
         .where(Issue.township_id == township_id, *_in_range(Issue.raised_at, lo, hi))
         .group_by(target, owner))
    df = _int_frame(conn, q, ["target_id", "cadre_id", "issues", "responded", "resolved",
                              "rated", "overdue"])
    df["satisfied"] = df["resolved"]
    if as_of is not None and len(df):
        late = _overdue_as_of(conn, township_id, lo, hi, as_of)
        if late:
            q2 = (select(func.coalesce(Issue.target_id, literal(-1)),
                         func.coalesce(Issue.owner_cadre_id, literal(-1)), Issue.id)
                  .where(Issue.id.in_(late)))
            od = pd.DataFrame(conn.execute(q2).all(), columns=["target_id", "cadre_id", "id"])
            n = od.groupby(["target_id", "cadre_id"]).size().rename("n")
            df = df.join(n, on=["target_id", "cadre_id"])
            df["overdue"] = df["n"].fillna(0).astype("int64")
            df = df.drop(columns="n")
    for c in ("target_id", "cadre_id"):
        df[c] = df[c].replace(-1, np.nan) if len(df) else df[c]
    return df


def _rates(df: pd.DataFrame) -> pd.DataFrame:
    def ratio(a: str, b: str) -> pd.Series:
        den = df[b].astype("float64")
        return (df[a] / den.where(den > 0)).astype("float64")

    df["visit_rate"] = ratio("visited", "targets")
    df["in_home_rate"] = ratio("in_home", "visited")
    df["response_rate"] = ratio("responded", "issues")
    df["resolution_rate"] = ratio("resolved", "issues")
    df["satisfaction"] = ratio("satisfied", "rated")
    return df


_ORDER: Final = ["level", "key", "name", "village", "targets", "attempted", "visited",
                 "visit_rate", "in_home", "in_home_rate", "visits", "not_home", "issues",
                 "responded", "response_rate", "resolved", "resolution_rate", "rated",
                 "satisfied", "satisfaction", "overdue"]


def _by_target_key(level: str, key: pd.Series, per_target: pd.DataFrame,
                   issues: pd.DataFrame) -> pd.DataFrame:
    """Aggregate per-target rows by ``key`` (target_id -> group key)."""
    t = per_target.assign(k=key.reindex(per_target.index).to_numpy())
    g = t.groupby("k", dropna=False)
    out = pd.DataFrame({
        "targets": g.size(), "visited": g["settled"].sum(), "in_home": g["in_home"].sum(),
        "visits": g["visits"].sum(), "not_home": g["not_home"].sum()})
    iss = issues.dropna(subset=["target_id"])
    iss = iss.assign(k=iss["target_id"].astype("int64").map(key))
    ig = iss.groupby("k", dropna=False)[list(_ISSUE_COUNTS)].sum()
    out = out.join(ig, how="outer").fillna(0)
    out.index.name = "key"
    out = out.reset_index()
    out.insert(0, "level", level)
    return out


def compute_measures(
    conn_or_session: Connection | Session, township_id: int, *,
    start: dt.date | None = None, end: dt.date | None = None,
    as_of: dt.datetime | None = None, levels: Sequence[str] = LEVELS,
    groupings: Mapping[str, pd.Series] | None = None,
    cadre_targets: pd.Series | None = None, mask: bool = False,
) -> dict[str, pd.DataFrame]:
    """Compute the measures (see the module docstring for the exact definitions).

    Parameters
    ----------
    conn_or_session
        A connection or session on the store.
    township_id
        The township.
    start, end
        Inclusive local dates of the range (visits by time, issues by raised_at).
    as_of
        The moment the ledger is looked at (local time); default now, present status.
    levels
        Which of township, village, grid, cadre to compute.
    groupings
        More levels: name -> Series mapping target id -> group key (e.g.
        ``{"area": target_to_area}`` once visit areas exist). Targets missing from the
        Series form the group with an empty key.
    cadre_targets
        Series target id -> assigned cadre id: gives cadres their targets denominator.
    mask
        Mask cadres' names (张*) for leaders' copies.

    Returns
    -------
    dict
        level -> DataFrame with columns level, key, name, village and the measures.
    """
    unknown = sorted(set(levels) - set(LEVELS))
    if unknown:
        raise ValueError(f"levels {unknown} are not known; expected a subset of {LEVELS} "
                         "(other groupings go in `groupings`)")
    conn = (conn_or_session.connection() if isinstance(conn_or_session, Session)
            else conn_or_session)
    lo, hi = _bounds(start, end)
    targets = _int_frame(conn, select(Target.id, func.coalesce(Target.grid_id, -1),
                                      func.coalesce(Grid.village_id, -1))
                         .outerjoin(Grid, Grid.id == Target.grid_id)
                         .where(Target.township_id == township_id),
                         ["id", "grid_id", "village_id"]).set_index("id")
    targets = targets.replace(-1, np.nan)
    va = _visit_aggregates(conn, township_id, lo, hi)
    iss = _issue_aggregates(conn, township_id, lo, hi, as_of)
    per_target = va.groupby("target_id").agg(
        visits=("visits", "sum"), not_home=("not_home", "sum"), settled=("settled", "max"),
        in_home=("in_home", "max"))
    per_target = per_target.reindex(targets.index, fill_value=0)
    out: dict[str, pd.DataFrame] = {}

    if "township" in levels:
        name = conn.scalar(select(Township.name).where(Township.id == township_id))
        row = {"level": "township", "key": township_id, "name": name,
               "targets": len(targets), "visited": int(per_target["settled"].sum()),
               "in_home": int(per_target["in_home"].sum()),
               "visits": int(va["visits"].sum()), "not_home": int(va["not_home"].sum()),
               **{c: int(iss[c].sum()) for c in _ISSUE_COUNTS}}
        out["township"] = pd.DataFrame([row])
    if "grid" in levels:
        df = _by_target_key("grid", targets["grid_id"], per_target, iss)
        lab = pd.DataFrame(conn.execute(
            select(Grid.id, Grid.ext_id, Grid.name, Village.name)
            .outerjoin(Village, Village.id == Grid.village_id)
            .where(Grid.township_id == township_id)).all(),
            columns=["key", "code", "gname", "village"]).set_index("key")
        df = df.join(lab, on="key")
        df["name"] = df["code"]
        df = df.drop(columns=["code", "gname"])
        out["grid"] = df
    if "village" in levels:
        df = _by_target_key("village", targets["village_id"], per_target, iss)
        lab = dict(conn.execute(select(Village.id, Village.name)
                                .where(Village.township_id == township_id)).all())
        df["name"] = df["key"].map(lab)
        out["village"] = df
    for gname, series in (groupings or {}).items():
        key = series.reindex(targets.index)
        df = _by_target_key(gname, key, per_target, iss)
        df["name"] = df["key"]
        out[gname] = df
    if "cadre" in levels:
        g = va.groupby("cadre_id")
        df = pd.DataFrame({"attempted": g.size(), "visited": g["settled"].sum(),
                           "in_home": g["in_home"].sum(), "visits": g["visits"].sum(),
                           "not_home": g["not_home"].sum()})
        ig = iss.dropna(subset=["cadre_id"]).groupby("cadre_id")[list(_ISSUE_COUNTS)].sum()
        df = df.join(ig, how="outer").fillna(0)
        cad = pd.DataFrame(conn.execute(
            select(Cadre.id, Cadre.ext_id, Cadre.name)
            .where(Cadre.township_id == township_id)).all(),
            columns=["key", "code", "name"]).set_index("key")
        df = df.reindex(df.index.union(cad.index), fill_value=0)
        df.index.name = "key"
        df = df.reset_index()
        df.insert(0, "level", "cadre")
        if cadre_targets is not None:
            assigned = cadre_targets.reindex(targets.index).value_counts()
            df["targets"] = df["key"].map(assigned).fillna(0)
        else:
            df["targets"] = np.nan
        df = df.join(cad, on="key")
        if mask:
            df["name"] = df["name"].map(mask_name)
        df = df.drop(columns=["code"])
        out["cadre"] = df
    for lvl, df in out.items():
        for c in _ORDER:
            if c not in df.columns:
                df[c] = np.nan if c in ("village", "attempted", "name") else 0
        df = _rates(df)
        ints = [c for c in ("attempted", "visited", "in_home", *_VISIT_COUNTS,
                            *_ISSUE_COUNTS) if not df[c].isna().any()]
        df[ints] = df[ints].astype("int64")
        if not df["targets"].isna().any():
            df["targets"] = df["targets"].astype("int64")
        df["key"] = _clean_keys(df["key"])
        out[lvl] = df[_ORDER].sort_values("key", na_position="last", key=_sort_key
                                          ).reset_index(drop=True)
    return out


def _clean_keys(keys: pd.Series) -> pd.Series:
    """Return the group keys as ids (int) or strings, None for the empty group.

    Grouping with ``dropna=False`` over a column holding NaN (targets in no grid) turns
    integer ids into floats (5 becomes 5.0, which then lands in URLs as ``key=5.0``). The
    keys go out as an object column: ints stay ints, strings strings, NaN None.
    """
    def one(v: Any) -> Any:
        if v is None or (isinstance(v, (float, np.floating)) and np.isnan(v)):
            return None
        if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
            return int(v)
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return int(v)
        return v
    return pd.Series([one(v) for v in keys], index=keys.index, dtype=object)


def _sort_key(s: pd.Series) -> pd.Series:
    return s.map(lambda v: (1, "") if v is None or (isinstance(v, float) and np.isnan(v))
                 else (0, f"{v:>20}" if isinstance(v, (int, np.integer, float)) else str(v)))


#: The issue counts :func:`issue_ids` can list.
ISSUE_MEASURES: Final = ("issues", "responded", "resolved", "rated", "overdue")


def issue_ids(conn_or_session: Connection | Session, township_id: int, measure: str, *,
              start: dt.date | None = None, end: dt.date | None = None,
              as_of: dt.datetime | None = None) -> set[int]:
    """Return the ids of the issues counted by the issue measure ``measure``.

    The same definitions as :func:`compute_measures` (the module docstring): issues
    raised in ``[start, end]``, answered / resolved / rated by ``as_of``, overdue as of
    ``as_of`` (replayed from the history) or now. A page's count (逾期 3) opens the list
    of exactly these issues.
    """
    if measure not in ISSUE_MEASURES:
        raise ValueError(f'`measure` was "{measure}" but is expected to be in '
                         f"{list(ISSUE_MEASURES)}")
    conn = (conn_or_session.connection() if isinstance(conn_or_session, Session)
            else conn_or_session)
    lo, hi = _bounds(start, end)
    if measure == "overdue" and as_of is not None:
        return _overdue_as_of(conn, township_id, lo, hi, as_of)
    t = as_of or dt.datetime.max.replace(microsecond=0)
    cond: list[Any] = []
    if measure == "responded":
        cond = [Issue.responded_at <= t]
    elif measure == "resolved":
        cond = [Issue.close_kind == "satisfied", Issue.closed_at <= t]
    elif measure == "rated":
        cond = [Issue.rated_at <= t]
    elif measure == "overdue":
        cond = [Issue.status.in_(RUNNING_STATUSES), Issue.deadline < local_now().date()]
    return {int(r[0]) for r in conn.execute(select(Issue.id).where(
        Issue.township_id == township_id, *_in_range(Issue.raised_at, lo, hi), *cond))}


def measures_to_chinese(df: pd.DataFrame) -> pd.DataFrame:
    """Rename a measures frame's columns to the Chinese headers; rates as percentages."""
    out = df.copy()
    out["level"] = out["level"].map(lambda v: LEVELS_CN.get(v, v))
    for c in ("visit_rate", "in_home_rate", "response_rate", "resolution_rate",
              "satisfaction"):
        out[c] = (out[c] * 100).round(1)
    return out.rename(columns={**_KEY_CN, **{k: v + ("(%)" if k.endswith(("rate", "tion"))
                                                     else "")
                                             for k, v in COLUMNS_CN.items()}})


def weekly_summary(conn_or_session: Connection | Session, township_id: int, *,
                   start: dt.date, end: dt.date) -> pd.DataFrame:
    """Return the weekly summary (每周汇总): one row per week (Monday–Sunday) from ``start``.

    Each row gives the week's own visits, visited targets and new issues, and the
    township's measures cumulated from ``start`` to the week's last day as of the end of
    that day — the same definitions as :func:`compute_measures` with ``as_of`` (a test
    checks they agree), computed from one read of the visits, issues and history.
    Columns have Chinese headers.
    """
    conn = (conn_or_session.connection() if isinstance(conn_or_session, Session)
            else conn_or_session)
    lo, hi = _bounds(start, end)
    n_targets = conn.scalar(select(func.count()).select_from(Target).where(
        Target.township_id == township_id)) or 0
    code = (case((Visit.outcome.in_(SETTLED_OUTCOMES), 1), else_=0)
            + case((and_(Visit.outcome == "visited", Visit.mode == "in_home"), 2), else_=0))
    v = _frame(conn, select(Visit.target_id, Visit.at, code).where(
        Visit.township_id == township_id, *_in_range(Visit.at, lo, hi)),
        ["target_id", "at", "code"], times=("at",))
    settled_first = v[(v["code"] & 1) == 1].groupby("target_id")["at"].min()
    home_first = v[(v["code"] & 2) == 2].groupby("target_id")["at"].min()
    iss = _frame(conn, select(
        Issue.id, Issue.raised_at, Issue.responded_at, Issue.rated_at, Issue.closed_at,
        Issue.close_kind).where(Issue.township_id == township_id,
                                *_in_range(Issue.raised_at, lo, hi)),
        ["id", "raised_at", "responded_at", "rated_at", "closed_at", "close_kind"],
        times=("raised_at", "responded_at", "rated_at", "closed_at"))
    resolved_at = iss["closed_at"].where(iss["close_kind"] == "satisfied")
    ev = _frame(conn, select(IssueEvent.issue_id, IssueEvent.at, IssueEvent.to_status,
                             IssueEvent.deadline)
                .join(Issue, Issue.id == IssueEvent.issue_id)
                .where(Issue.township_id == township_id, *_in_range(Issue.raised_at, lo, hi))
                .order_by(IssueEvent.issue_id, IssueEvent.seq),
                ["issue_id", "at", "status", "deadline"], times=("at", "deadline"))

    rows: list[dict[str, Any]] = []
    week_start = start - dt.timedelta(days=start.weekday())
    while week_start <= end:
        w_end = min(week_start + dt.timedelta(days=6), end)
        w_lo = max(week_start, start)
        t0 = pd.Timestamp(w_lo)
        t1 = pd.Timestamp(w_end + dt.timedelta(days=1))
        in_week = v[(v["at"] >= t0) & (v["at"] < t1)]
        visited = int((settled_first < t1).sum())
        in_home = int((home_first < t1).sum())
        upto = iss[iss["raised_at"] < t1]
        n_issues = len(upto)
        responded = int((upto["responded_at"] < t1).sum())
        resolved = int((resolved_at[upto.index] < t1).sum())
        rated = int((upto["rated_at"] < t1).sum())
        overdue = len(_late(ev[ev["at"] <= t1].reset_index(drop=True), t1.normalize()))
        iso = w_end.isocalendar()
        rows.append({
            "周次": f"{iso[0]}-W{iso[1]:02d}", "起": w_lo.isoformat(), "止": w_end.isoformat(),
            "本周走访次数": len(in_week),
            "本周走访对象数": int(in_week.loc[(in_week["code"] & 1) == 1, "target_id"].nunique()),
            "本周新增问题": int(((iss["raised_at"] >= t0) & (iss["raised_at"] < t1)).sum()),
            "累计走访率(%)": _pct(visited / n_targets if n_targets else np.nan),
            "累计入户率(%)": _pct(in_home / visited if visited else np.nan),
            "累计问题数": n_issues,
            "问题回应率(%)": _pct(responded / n_issues if n_issues else np.nan),
            "问题解决率(%)": _pct(resolved / n_issues if n_issues else np.nan),
            "满意度(%)": _pct(resolved / rated if rated else np.nan),
            "逾期数": overdue,
        })
        week_start += dt.timedelta(days=7)
    return pd.DataFrame(rows)


def _pct(x: float) -> float | None:
    return None if pd.isna(x) else round(float(x) * 100, 1)
