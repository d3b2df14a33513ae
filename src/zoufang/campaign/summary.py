"""The township summary printed after an import and by ``zoufang report``.

Counts by kind, by grid and by placement; targets outside every grid; grid defects and
every other data problem kept in the store. Nothing personal is printed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zoufang import vocab
from zoufang.campaign.store import Cadre, Campaign, DataProblem, Grid, Target, Township

__all__ = ["TownshipSummary", "format_summary", "list_problems", "summarise"]


@dataclass
class TownshipSummary:
    """Counts describing one township's data."""

    township: str
    targets: int
    by_kind: dict[str, int]
    by_tag: dict[str, int]
    by_placement: dict[str, int]
    grids: int
    targets_by_grid: dict[str, int]
    cadres: int
    cadres_by_rank: dict[str, int]
    cadre_hours: float
    campaigns: list[str]
    problems_by_code: dict[str, int]
    outside: list[dict[str, Any]] = field(default_factory=list)
    topology: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return dict(self.__dict__)


def summarise(session: Session, township: Township, *, list_limit: int = 20
              ) -> TownshipSummary:
    """Compute the summary of ``township`` from the store."""
    tid = township.id
    by_kind = dict(session.execute(select(Target.kind, func.count()).where(
        Target.township_id == tid).group_by(Target.kind)).all())
    by_placement = dict(session.execute(select(Target.placement, func.count()).where(
        Target.township_id == tid).group_by(Target.placement)).all())
    tags: Counter[str] = Counter()
    for (t,) in session.execute(select(Target.tags).where(Target.township_id == tid)):
        tags.update(t or [])
    per_grid = dict(session.execute(
        select(Grid.ext_id, func.count(Target.id)).select_from(Grid)
        .outerjoin(Target, Target.grid_id == Grid.id)
        .where(Grid.township_id == tid).group_by(Grid.ext_id).order_by(Grid.ext_id)
    ).all())
    ranks = dict(session.execute(select(Cadre.rank, func.count()).where(
        Cadre.township_id == tid, Cadre.active.is_(True)).group_by(Cadre.rank)).all())
    hours = session.scalar(select(func.sum(Cadre.hours_per_day * Cadre.days_available)).where(
        Cadre.township_id == tid, Cadre.active.is_(True))) or 0.0
    problems = dict(session.execute(select(DataProblem.code, func.count()).where(
        DataProblem.township_id == tid).group_by(DataProblem.code)).all())
    outside = [dict(target=r.ref, distance_note=r.message, lon=r.lon, lat=r.lat)
               for r in session.scalars(select(DataProblem).where(
                   DataProblem.township_id == tid, DataProblem.code == "outside_grids")
                   .order_by(DataProblem.ref).limit(list_limit))]
    topo = [dict(code=r.code, message=r.message, lon=r.lon, lat=r.lat, area_m2=r.area_m2)
            for r in session.scalars(select(DataProblem).where(
                DataProblem.township_id == tid, DataProblem.scope == "topology")
                .order_by(DataProblem.id))]
    campaigns = list(session.scalars(select(Campaign.name).where(Campaign.township_id == tid)))
    return TownshipSummary(
        township=township.name, targets=sum(by_kind.values()), by_kind=by_kind,
        by_tag=dict(tags.most_common()), by_placement=by_placement, grids=len(per_grid),
        targets_by_grid=per_grid, cadres=sum(ranks.values()), cadres_by_rank=ranks,
        cadre_hours=float(hours), campaigns=campaigns, problems_by_code=problems,
        outside=outside, topology=topo)


def format_summary(s: TownshipSummary) -> str:
    """Render the summary as plain text for the terminal."""
    out = [f"{s.township}: {s.targets} targets, {s.grids} grids, {s.cadres} cadres "
           f"({s.cadre_hours:.0f} cadre-hours available)"]
    if s.by_kind:
        out.append("  by kind: " + ", ".join(
            f"{vocab.KINDS.get(k, (k,))[0]} {k} {n}" for k, n in sorted(s.by_kind.items())))
    if s.by_tag:
        names = {**vocab.TARGET_TAGS}
        out.append("  by tag: " + ", ".join(f"{names.get(k, (k,))[0]} {n}"
                                            for k, n in s.by_tag.items()))
    if s.by_placement:
        out.append("  placement: " + ", ".join(
            f"{vocab.PLACEMENTS.get(k, (k, k))[1]} {n}" for k, n in sorted(s.by_placement.items())))
    if s.targets_by_grid:
        counts = list(s.targets_by_grid.values())
        empty = [g for g, n in s.targets_by_grid.items() if n == 0]
        out.append(f"  by grid: min {min(counts)}, median {sorted(counts)[len(counts) // 2]},"
                   f" max {max(counts)} targets" + (f"; empty grids: {', '.join(empty)}"
                                                     if empty else ""))
        out.append("    " + ", ".join(f"{g} {n}" for g, n in s.targets_by_grid.items()))
    if s.cadres_by_rank:
        out.append("  cadres by rank: " + ", ".join(
            f"{vocab.RANKS[r][1][0]} {n}" for r, n in sorted(
                s.cadres_by_rank.items(), key=lambda kv: -vocab.RANKS[kv[0]][0])))
    n_out = s.by_placement.get("outside", 0)
    out.append(f"  outside every grid: {n_out}" + ("" if not s.outside else ""))
    for o in s.outside:
        out.append(f"    - {o['target']} at ({o['lon']:.6f}, {o['lat']:.6f})")
    if n_out > len(s.outside):
        out.append(f"    ... and {n_out - len(s.outside)} more")
    if s.topology:
        out.append("  grid defects:")
        for t in s.topology:
            at = f" at ({t['lon']:.6f}, {t['lat']:.6f})" if t["lon"] is not None else ""
            out.append(f"    - {t['message']}{at}")
    if s.problems_by_code:
        out.append("  data problems: " + ", ".join(
            f"{k} {n}" for k, n in sorted(s.problems_by_code.items())))
    else:
        out.append("  data problems: none")
    if s.campaigns:
        out.append("  campaigns: " + ", ".join(s.campaigns))
    return "\n".join(out)


def list_problems(session: Session, township_id: int, *, scope: str | None = None,
                  limit: int = 200) -> list[dict[str, Any]]:
    """Return the township's kept data problems (bad rows, placement, grid defects).

    ``scope`` is ``targets``, ``grids``, ``cadres``, ``placement`` or ``topology``;
    coordinates are WGS-84 degrees, ``area_m2`` square metres.
    """
    q = select(DataProblem).where(DataProblem.township_id == township_id)
    if scope:
        q = q.where(DataProblem.scope == scope)
    rows = session.scalars(q.order_by(DataProblem.scope, DataProblem.id).limit(limit)).all()
    return [dict(scope=r.scope, severity=r.severity, code=r.code, source=r.source, row=r.row,
                 field=r.field, ref=r.ref, message=r.message, lon=r.lon, lat=r.lat,
                 area_m2=r.area_m2) for r in rows]
