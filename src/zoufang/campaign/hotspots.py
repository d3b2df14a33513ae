"""Hotspots (回头看): the same issue raised by several neighbours, shown before a visit.

Issues of one category are grouped when they are near each other — ``by="distance"``:
a chain of issues each within ``distance_m`` (default 200 m, the township's
``hotspot_m``) of the next (single linkage, in the township's UTM zone, between the
raising targets' points) — or in one grid (``by="grid"``). A group is a hotspot when
at least ``min_targets`` (default 3) different targets raised its issues. Hotline issues
with no target, and targets with no point (for ``distance``) or no grid (for ``grid``),
take no part.

:func:`lookback` is what a cadre sees before visiting a target: what the target raised
before and every hotspot it is part of or is within ``distance_m`` of.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from sqlalchemy import select
from sqlalchemy.orm import Session

from zoufang.campaign.issues import OPEN_STATUSES, category_label, get_config, status_label
from zoufang.campaign.store import Grid, Issue, Target
from zoufang.gis.crs import metric_crs_for

__all__ = ["Hotspot", "find_hotspots", "lookback"]


@dataclass
class Hotspot:
    """A group of issues of one category raised by several targets in one place."""

    key: str
    category: str
    label: str
    by: str
    issue_ids: list[int]
    target_ids: list[int]
    open_issues: int
    lon: float | None
    lat: float | None
    radius_m: float | None
    grids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


def _issues(session: Session, township_id: int, campaign_id: int | None) -> pd.DataFrame:
    q = (select(Issue.id, Issue.category, Issue.status, Issue.target_id, Target.lon,
                Target.lat, Target.grid_id, Grid.ext_id)
         .join(Target, Target.id == Issue.target_id)
         .outerjoin(Grid, Grid.id == Target.grid_id)
         .where(Issue.township_id == township_id))
    if campaign_id is not None:
        q = q.where(Issue.campaign_id == campaign_id)
    return pd.DataFrame(session.execute(q.order_by(Issue.id)).all(),
                        columns=["id", "category", "status", "target_id", "lon", "lat",
                                 "grid_id", "grid"])


def _components(n: int, pairs: np.ndarray) -> np.ndarray:
    parent = np.arange(n)

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in pairs.T:
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(i) for i in range(n)])


def find_hotspots(session: Session, township_id: int, *, by: str = "distance",
                  distance_m: float | None = None, min_targets: int | None = None,
                  open_only: bool = False, campaign_id: int | None = None) -> list[Hotspot]:
    """Group issues into hotspots (see the module docstring); largest first.

    Parameters
    ----------
    by
        ``"distance"`` or ``"grid"``.
    distance_m, min_targets
        Default: the township's ``hotspot_m`` (200 m) and ``hotspot_min_targets`` (3).
    open_only
        Only issues not yet closed.
    """
    if by not in ("distance", "grid"):
        raise ValueError(f'`by` was "{by}" but is expected to be in ["distance", "grid"]')
    cfg = get_config(session, township_id)
    dist = float(distance_m if distance_m is not None else cfg.hotspot_m)
    need = int(min_targets if min_targets is not None else cfg.hotspot_min_targets)
    df = _issues(session, township_id, campaign_id)
    if open_only:
        df = df[df["status"].isin(OPEN_STATUSES)]
    if by == "distance":
        df = df.dropna(subset=["lon", "lat"]).reset_index(drop=True)
    else:
        df = df.dropna(subset=["grid_id"]).reset_index(drop=True)
    if df.empty:
        return []
    tr = Transformer.from_crs(4326, metric_crs_for(df["lon"].dropna(), df["lat"].dropna())
                              if df["lon"].notna().any() else 32650, always_xy=True)
    x, y = tr.transform(df["lon"].astype("float64").to_numpy(),
                        df["lat"].astype("float64").to_numpy())
    df["x"], df["y"] = x, y
    out: list[Hotspot] = []
    for cat, part in df.groupby("category", sort=True):
        part = part.reset_index(drop=True)
        if by == "distance":
            pts = shapely.points(part["x"].to_numpy(), part["y"].to_numpy())
            pairs = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=dist)
            labels = _components(len(part), pairs)
        else:
            labels = part["grid_id"].astype("int64").to_numpy()
        for _lab, grp in part.groupby(labels, sort=True):
            targets = sorted(set(grp["target_id"].astype(int)))
            if len(targets) < need:
                continue
            cx, cy = float(grp["x"].mean()), float(grp["y"].mean())
            clon, clat = (tr.transform(cx, cy, direction="INVERSE")
                          if np.isfinite(cx) else (None, None))
            radius = (float(np.hypot(grp["x"] - cx, grp["y"] - cy).max())
                      if np.isfinite(cx) else None)
            ids = sorted(int(i) for i in grp["id"])
            out.append(Hotspot(
                key=f"{cat}-{ids[0]}", category=str(cat), label=category_label(str(cat), cfg),
                by=by, issue_ids=ids, target_ids=targets,
                open_issues=int(grp["status"].isin(OPEN_STATUSES).sum()),
                lon=None if clon is None else round(float(clon), 6),
                lat=None if clat is None else round(float(clat), 6),
                radius_m=None if radius is None else round(radius, 1),
                grids=sorted({str(g) for g in grp["grid"].dropna()})))
    out.sort(key=lambda h: (-len(h.target_ids), h.key))
    return out


def lookback(session: Session, township_id: int, target_id: int, *,
             hotspots: list[Hotspot] | None = None) -> dict[str, Any]:
    """Return what to know before visiting ``target_id`` (回头看).

    That is the target's own issues and the hotspots it belongs to or is within the
    hotspot distance of (their issues by category).
    """
    cfg = get_config(session, township_id)
    tgt = session.get(Target, target_id)
    if tgt is None or tgt.township_id != township_id:
        raise ValueError(f"no target #{target_id} in the township")
    own = [dict(id=i.id, category=i.category, label=category_label(i.category, cfg),
                status=i.status, status_label=status_label(i.status), text=i.text,
                raised_at=i.raised_at, deadline=i.deadline)
           for i in session.scalars(select(Issue).where(Issue.target_id == target_id)
                                    .order_by(Issue.raised_at))]
    spots = hotspots if hotspots is not None else find_hotspots(session, township_id)
    near = []
    if tgt.lon is not None and tgt.lat is not None:
        tr = Transformer.from_crs(4326, metric_crs_for([tgt.lon], [tgt.lat]), always_xy=True)
        tx, ty = tr.transform(tgt.lon, tgt.lat)
        for h in spots:
            if target_id in h.target_ids:
                near.append(h)
            elif h.lon is not None and h.lat is not None and h.radius_m is not None:
                hx, hy = tr.transform(h.lon, h.lat)
                if np.hypot(tx - hx, ty - hy) <= h.radius_m + cfg.hotspot_m:
                    near.append(h)
    else:
        near = [h for h in spots if target_id in h.target_ids]
    return {"target": tgt.ext_id, "issues": own, "hotspots": [h.to_dict() for h in near]}
