"""Visit integrity (不走过场, 痕迹化管理): flags on records that look wrong, and spot checks.

Spot checks (电话随机访问抽查) call back a random sample of visits by phone.

:func:`run_checks` looks at every visit of a township against its target and the cadre's
other records, with the thresholds of :class:`~zoufang.campaign.issues.LedgerConfig`:

``gps_far``
    An in-home visit whose GPS point is farther than ``gps_far_m`` (300 m) from the target.
``speed``
    Two consecutive in-home visits of one cadre farther apart than ``min_move_m``
    (200 m) and reached faster than ``max_speed_kmh`` (40 km/h), or in the same minute.
    Positions are the GPS point, else the target's point. Flagged on the later visit.
``rate``
    More than ``max_visits_per_hour`` (6) in-home visits of one cadre within 60 minutes
    (any window, start inclusive, end exclusive). One flag per burst of overlapping
    windows, on its first visit.
``no_issue``
    A cadre with at least ``uniform_min_visits`` (30) visits with outcome visited, on at
    least ``uniform_min_days`` (5) days, and not one issue raised in them.
``uniform_outcome``
    A cadre with at least ``uniform_min_visits`` in-home visits on at least
    ``uniform_min_days`` days, every one with outcome visited (nobody ever out, nobody
    refused): real not-at-home rates are 15–25 %.

Distances are computed in the UTM zone of the township (metres). Flags are listed for
the township with the reason; nothing is deleted or changed in the visits. Re-running
the checks replaces the flags of these checks; spot-check flags stay.

:func:`draw_spot_checks` draws visits for phone verification, stratified by grid and
cadre, reproducibly for a seed; :func:`record_spot_check` records the call's result (a
visit the resident denies becomes a ``spot_check`` flag).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Final

import numpy as np
import pandas as pd
from pyproj import Transformer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from zoufang._errors import Problem, ValidationError
from zoufang.campaign.issues import LedgerConfig, get_config, parse_choice
from zoufang.campaign.store import (
    Cadre,
    Grid,
    IntegrityFlag,
    Issue,
    SpotCheck,
    Target,
    Visit,
    local_now,
)
from zoufang.gis.crs import metric_crs_for

__all__ = ["CHECKS", "SPOT_RESULTS", "draw_spot_checks", "evidence_cn", "list_flags",
           "list_spot_checks", "record_spot_check", "run_checks"]

#: The checks run by :func:`run_checks`: code -> Chinese label.
CHECKS: Final[dict[str, str]] = {
    "gps_far": "定位远离走访对象", "speed": "移动速度不可能", "rate": "每小时走访过多",
    "no_issue": "长期全部无问题", "uniform_outcome": "走访结果过于一致",
}
SPOT_RESULTS: Final[dict[str, tuple[str, ...]]] = {
    "confirmed": ("属实", "确认"),
    "not_confirmed": ("不属实", "未走访"),
    "unreachable": ("无法联系", "联系不上"),
}
_LABELS: Final = {**CHECKS, "spot_check": "电话抽查不属实"}


def _visits_frame(session: Session, township_id: int, campaign_id: int | None
                  ) -> pd.DataFrame:
    q = (select(Visit.id, Visit.cadre_id, Visit.target_id, Visit.at, Visit.mode,
                Visit.outcome, Visit.lon, Visit.lat, Target.lon, Target.lat)
         .join(Target, Target.id == Visit.target_id)
         .where(Visit.township_id == township_id))
    if campaign_id is not None:
        q = q.where(Visit.campaign_id == campaign_id)
    df = pd.DataFrame(session.execute(q).all(),
                      columns=["id", "cadre_id", "target_id", "at", "mode", "outcome",
                               "gps_lon", "gps_lat", "t_lon", "t_lat"])
    return df.sort_values(["cadre_id", "at", "id"]).reset_index(drop=True)


def _project(df: pd.DataFrame) -> pd.DataFrame:
    lon = pd.concat([df["gps_lon"], df["t_lon"]]).astype("float64").to_numpy()
    lat = pd.concat([df["gps_lat"], df["t_lat"]]).astype("float64").to_numpy()
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        for c in ("gx", "gy", "tx", "ty"):
            df[c] = np.nan
        return df
    tr = Transformer.from_crs(4326, metric_crs_for(lon[ok], lat[ok]), always_xy=True)
    for (x, y), (a, b) in ((("gx", "gy"), ("gps_lon", "gps_lat")),
                           (("tx", "ty"), ("t_lon", "t_lat"))):
        xs, ys = tr.transform(df[a].astype("float64").to_numpy(),
                              df[b].astype("float64").to_numpy())
        df[x], df[y] = xs, ys
    return df


def _flag(township_id: int, code: str, *, visit_id: int | None, cadre_id: int | None,
          at: dt.datetime | None, value: float | None, threshold: float | None,
          message: str, now: dt.datetime) -> IntegrityFlag:
    return IntegrityFlag(township_id=township_id, code=code, visit_id=visit_id,
                         cadre_id=cadre_id, at=at, value=value, threshold=threshold,
                         message=message, found_at=now)


def run_checks(session: Session, township_id: int, *, campaign_id: int | None = None,
               config: LedgerConfig | None = None) -> list[IntegrityFlag]:
    """Run every check of :data:`CHECKS` over the township's visits; store and return flags.

    Parameters
    ----------
    campaign_id
        Only the visits of this campaign (default: all).
    config
        Thresholds (default: the township's settings).
    """
    cfg = config or get_config(session, township_id)
    now = local_now()
    df = _project(_visits_frame(session, township_id, campaign_id))
    flags: list[IntegrityFlag] = []
    names = dict(session.execute(select(Cadre.id, Cadre.name)
                                 .where(Cadre.township_id == township_id)).all())
    home = df[df["mode"] == "in_home"]

    # gps_far
    d = np.hypot(home["gx"] - home["tx"], home["gy"] - home["ty"])
    for r, dist in zip(home[d > cfg.gps_far_m].itertuples(), d[d > cfg.gps_far_m],
                       strict=True):
        flags.append(_flag(township_id, "gps_far", visit_id=int(r.id),
                           cadre_id=int(r.cadre_id), at=r.at, value=round(float(dist), 1),
                           threshold=cfg.gps_far_m, now=now,
                           message=f"GPS point {dist:,.0f} m from the target "
                                   f"(more than {cfg.gps_far_m:,.0f} m)"))

    # speed, rate: per cadre, in-home visits in time order
    hx = home["gx"].fillna(home["tx"]).to_numpy()
    hy = home["gy"].fillna(home["ty"]).to_numpy()
    cad = home["cadre_id"].to_numpy()
    at = home["at"].to_numpy(dtype="datetime64[s]")
    ids = home["id"].to_numpy()
    same = np.r_[False, cad[1:] == cad[:-1]]
    step = np.hypot(np.diff(hx, prepend=np.nan), np.diff(hy, prepend=np.nan))
    secs = np.diff(at, prepend=at[:1]).astype("timedelta64[s]").astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        kmh = np.where(secs > 0, step / secs * 3.6, np.inf)
    fast = same & np.isfinite(step) & (step > cfg.min_move_m) & (kmh > cfg.max_speed_kmh)
    for i in np.flatnonzero(fast):
        minutes = secs[i] / 60
        msg = (f"{step[i]:,.0f} m from the previous visit in {minutes:.0f} min "
               f"({kmh[i]:,.0f} km/h, more than {cfg.max_speed_kmh:g} km/h)"
               if secs[i] > 0 else
               f"{step[i]:,.0f} m from the previous visit in the same minute")
        flags.append(_flag(township_id, "speed", visit_id=int(ids[i]), cadre_id=int(cad[i]),
                           at=home["at"].iloc[i], now=now,
                           value=None if not np.isfinite(kmh[i]) else round(float(kmh[i]), 1),
                           threshold=cfg.max_speed_kmh, message=msg))
    hour = np.timedelta64(3600, "s")
    for c in np.unique(cad):
        sel = np.flatnonzero(cad == c)
        t = at[sel]
        counts = np.searchsorted(t, t + hour, side="left") - np.arange(len(t))
        over = np.flatnonzero(counts > cfg.max_visits_per_hour)
        i = 0
        while i < len(over):
            first = over[i]
            last_end = first + counts[first] - 1
            peak = counts[first]
            while i + 1 < len(over) and over[i + 1] <= last_end:
                i += 1
                last_end = max(last_end, over[i] + counts[over[i]] - 1)
                peak = max(peak, counts[over[i]])
            i += 1
            n = last_end - first + 1
            t0 = home["at"].iloc[sel[first]]
            t1 = home["at"].iloc[sel[last_end]]
            flags.append(_flag(
                township_id, "rate", visit_id=int(ids[sel[first]]), cadre_id=int(c), at=t0,
                value=float(peak), threshold=float(cfg.max_visits_per_hour), now=now,
                message=f"{n} in-home visits from {t0:%Y-%m-%d %H:%M} to {t1:%H:%M}, "
                        f"{peak} within 60 minutes (more than {cfg.max_visits_per_hour})"))

    # no_issue, uniform_outcome: per cadre over the whole period
    issue_visits = set(session.scalars(select(Issue.visit_id).where(
        Issue.township_id == township_id, Issue.visit_id.is_not(None))))
    df["day"] = df["at"].map(lambda x: x.date())
    for c, g in df.groupby("cadre_id"):
        done = g[g["outcome"] == "visited"]
        if len(done) >= cfg.uniform_min_visits and \
                done["day"].nunique() >= cfg.uniform_min_days and \
                not set(done["id"]).intersection(issue_visits):
            flags.append(_flag(
                township_id, "no_issue", visit_id=None, cadre_id=int(c), at=done["at"].max(),
                value=float(len(done)), threshold=float(cfg.uniform_min_visits), now=now,
                message=f"{names.get(c, c)}: {len(done)} visits on {done['day'].nunique()} "
                        f"days, not one issue raised ({done['day'].min()} to "
                        f"{done['day'].max()})"))
        gh = g[g["mode"] == "in_home"]
        if len(gh) >= cfg.uniform_min_visits and gh["day"].nunique() >= cfg.uniform_min_days \
                and (gh["outcome"] == "visited").all():
            flags.append(_flag(
                township_id, "uniform_outcome", visit_id=None, cadre_id=int(c),
                at=gh["at"].max(), value=float(len(gh)), threshold=float(cfg.uniform_min_visits),
                now=now, message=f"{names.get(c, c)}: all {len(gh)} in-home visits on "
                f"{gh['day'].nunique()} days found the resident at home; nobody ever out "
                "or refusing"))

    session.execute(delete(IntegrityFlag).where(IntegrityFlag.township_id == township_id,
                                                IntegrityFlag.code.in_(CHECKS)))
    session.add_all(flags)
    session.flush()
    return flags


def list_flags(session: Session, township_id: int, *, code: str | None = None
               ) -> list[dict[str, object]]:
    """Return the township's flags with the reason, cadre and target, oldest visit first."""
    q = (select(IntegrityFlag, Cadre.ext_id, Cadre.name, Target.ext_id)
         .outerjoin(Cadre, Cadre.id == IntegrityFlag.cadre_id)
         .outerjoin(Visit, Visit.id == IntegrityFlag.visit_id)
         .outerjoin(Target, Target.id == Visit.target_id)
         .where(IntegrityFlag.township_id == township_id))
    if code:
        q = q.where(IntegrityFlag.code == code)
    out = []
    for f, c_ext, c_name, t_ext in session.execute(q.order_by(IntegrityFlag.at,
                                                              IntegrityFlag.id)):
        out.append(dict(id=f.id, code=f.code, label=_LABELS.get(f.code, f.code),
                        evidence=evidence_cn(f.code, f.value, f.threshold),
                        visit_id=f.visit_id, target=t_ext, cadre=c_ext, cadre_name=c_name,
                        at=f.at, value=f.value, threshold=f.threshold, message=f.message))
    return out


def _n(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}" if float(x).is_integer() or x >= 100 \
        else f"{x:,.1f}"


def evidence_cn(code: str, value: float | None, threshold: float | None) -> str:
    """Return a flag's evidence in Chinese, from its code, measured value and threshold.

    The stored ``message`` is the log's (English) text; pages show this one.
    """
    v, th = _n(value), _n(threshold)
    if code == "gps_far":
        return f"走访定位距走访对象 {v} 米（超过 {th} 米）"
    if code == "speed":
        return (f"与上一次入户走访的移动折合时速 {v} 公里（超过 {th} 公里/小时）"
                if value is not None else "与上一次入户走访相距较远却在同一分钟内")
    if code == "rate":
        return f"60 分钟内入户走访 {v} 次（超过 {th} 次）"
    if code == "no_issue":
        return f"{v} 次走访未反映任何问题（满 {th} 次即核查）"
    if code == "uniform_outcome":
        return f"全部 {v} 次入户走访均见到本人，无一次不在家或拒访（满 {th} 次即核查）"
    if code == "spot_check":
        return "电话抽查：群众反映走访未按记录进行"
    return _LABELS.get(code, code)


# ---------------------------------------------------------------------- spot checks

def list_spot_checks(session: Session, township_id: int, *, sample: str | None = None
                     ) -> tuple[list[str], list[dict[str, object]]]:
    """Return the township's sample names (newest first) and the checks of ``sample``.

    ``sample`` defaults to the newest. Each check: id, stratum, the visit (id, time,
    target id and 编号, phone, cadre) and the result (``result_label`` in Chinese).
    """
    names = [r[0] for r in session.execute(
        select(SpotCheck.sample).where(SpotCheck.township_id == township_id)
        .group_by(SpotCheck.sample).order_by(func.max(SpotCheck.id).desc()))]
    if not names:
        return [], []
    name = sample if sample in names else names[0]
    q = (select(SpotCheck, Visit.at, Target.id, Target.ext_id, Target.name, Target.phone,
                Cadre.ext_id, Cadre.name)
         .join(Visit, Visit.id == SpotCheck.visit_id)
         .join(Target, Target.id == Visit.target_id)
         .outerjoin(Cadre, Cadre.id == Visit.cadre_id)
         .where(SpotCheck.township_id == township_id, SpotCheck.sample == name)
         .order_by(SpotCheck.id))
    out = []
    for c, at, tid, t_ext, t_name, phone, c_ext, c_name in session.execute(q):
        out.append(dict(id=c.id, sample=c.sample, stratum=c.stratum, visit_id=c.visit_id,
                        at=at, target_id=tid, target=t_ext, target_name=t_name, phone=phone,
                        cadre=c_ext, cadre_name=c_name, result=c.result,
                        result_label=SPOT_RESULTS[c.result][0] if c.result in SPOT_RESULTS
                        else None, checked_by=c.checked_by, checked_at=c.checked_at,
                        note=c.note))
    return names, out


def draw_spot_checks(session: Session, township_id: int, *, seed: int, per_stratum: int = 1,
                     share: float = 0.0, sample: str | None = None,
                     start: dt.date | None = None, end: dt.date | None = None
                     ) -> list[SpotCheck]:
    """Draw visits for phone verification, stratified by grid and cadre; reproducible.

    The population is the visits with outcome visited (in ``[start, end]`` if given)
    whose target has a phone number. Each stratum (the target's grid × the cadre) gets
    ``max(per_stratum, ceil(share × its size))`` visits, or all of them if fewer, drawn
    by one generator seeded with ``seed`` walking the strata in order of grid and cadre
    id, visits in id order. The same store, seed and range give the same sample;
    drawing a sample name again returns the stored draw.
    """
    if per_stratum < 0 or not 0 <= share <= 1:
        raise ValueError("Expected per_stratum >= 0 and 0 <= share <= 1.")
    name = sample or f"seed{seed}" + (f"-{start}" if start else "") + (f"-{end}" if end else "")
    existing = list(session.scalars(select(SpotCheck).where(
        SpotCheck.township_id == township_id, SpotCheck.sample == name).order_by(SpotCheck.id)))
    if existing:
        return existing
    q = (select(Visit.id, Target.grid_id, Visit.cadre_id, Grid.ext_id, Cadre.ext_id)
         .join(Target, Target.id == Visit.target_id)
         .outerjoin(Grid, Grid.id == Target.grid_id)
         .join(Cadre, Cadre.id == Visit.cadre_id)
         .where(Visit.township_id == township_id, Visit.outcome == "visited",
                Target.phone.is_not(None), Target.phone != ""))
    if start:
        q = q.where(Visit.at >= dt.datetime.combine(start, dt.time()))
    if end:
        q = q.where(Visit.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    df = pd.DataFrame(session.execute(q).all(),
                      columns=["id", "grid_id", "cadre_id", "grid", "cadre"])
    rng = np.random.default_rng(seed)
    now = local_now()
    rows: list[SpotCheck] = []
    if df.empty:
        return rows
    df["grid_id"] = df["grid_id"].fillna(-1).astype("int64")
    for (_g, _c), part in df.sort_values(["grid_id", "cadre_id", "id"]).groupby(
            ["grid_id", "cadre_id"], sort=True):
        n = min(len(part), max(per_stratum, math.ceil(share * len(part))))
        picked = np.sort(rng.choice(len(part), size=n, replace=False))
        for i in picked:
            r = part.iloc[int(i)]
            rows.append(SpotCheck(township_id=township_id, sample=name, seed=seed,
                                  visit_id=int(r["id"]), drawn_at=now,
                                  stratum=f"{r['grid'] or '-'}/{r['cadre']}"))
    session.add_all(rows)
    session.flush()
    return rows


def record_spot_check(session: Session, check_id: int, result: str, *, checked_by: str,
                      note: str | None = None, at: dt.datetime | None = None) -> SpotCheck:
    """Record the result of a spot-check call.

    The result is confirmed (属实), not_confirmed (不属实) or unreachable (无法联系). A
    result is never overwritten; not_confirmed adds a flag.
    """
    chk = session.get(SpotCheck, check_id)
    where = f"spot check #{check_id}"
    if chk is None:
        raise ValidationError(f"no {where}", [])
    problems = []
    try:
        code = parse_choice(result, SPOT_RESULTS, "result")
    except ValueError as exc:
        problems.append(Problem(where, None, "result", str(exc)))
    if chk.result is not None:
        problems.append(Problem(where, None, "result", f"already recorded as {chk.result!r} "
                                f"by {chk.checked_by} at {chk.checked_at}; results are "
                                "never overwritten"))
    if not (checked_by or "").strip():
        problems.append(Problem(where, None, "checked_by", "who made the call is missing"))
    if problems:
        raise ValidationError(f"{where}: result refused", problems)
    when = at or local_now()
    chk.result, chk.checked_by, chk.checked_at, chk.note = code, checked_by, when, note
    if code == "not_confirmed":
        v = session.get(Visit, chk.visit_id)
        session.add(_flag(chk.township_id, "spot_check", visit_id=chk.visit_id,
                          cadre_id=v.cadre_id if v else None, at=v.at if v else None,
                          value=None, threshold=None, now=when,
                          message=f"phone spot check ({chk.sample}): the resident says the "
                                  f"visit did not happen as recorded"
                                  + (f" — {note}" if note else "")))
    session.flush()
    return chk
