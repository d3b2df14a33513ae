"""A hand-made visit-area plan of the web tests' township, stored without the solver.

:data:`AREAS` pairs the cadres of ``tests/campaign/ledger_world.py`` with grids::

    C1 刘一  G1, G2   T1 T2 T3 T6   (cadre1: owns I1, I2 of T1 and I3 of T3)
    C2 陈二  G3, G4   T4 T5 E1      (E1 is C2's service contact; I5 of T4 is a hotline issue)
    C3 杨三  no area                (cadre3 sees "not planned yet")

X1 has no grid and is in no area. The plan is the campaign's current plan, so
:func:`zoufang.web.scope.area_target_ids` and every page see it at once.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select

from zoufang.campaign.store import AreaPlan, AreaTarget, Cadre, Store, Target, VisitArea

from ..campaign.ledger_world import TARGETS, World

#: Cadre 编号 -> the grids of its area.
AREAS: Mapping[str, tuple[str, ...]] = {"C1": ("G1", "G2"), "C2": ("G3", "G4")}


def area_targets(areas: Mapping[str, tuple[str, ...]] = AREAS) -> dict[str, set[str]]:
    """Return cadre 编号 -> the 编号 of the world's targets in its area."""
    return {c: {ext for ext, row in TARGETS.items() if row[2] in grids}
            for c, grids in areas.items()}


def store_areas(store: Store, world: World,
                areas: Mapping[str, tuple[str, ...]] = AREAS) -> dict[str, set[str]]:
    """Store ``areas`` as the campaign's current plan; return :func:`area_targets`."""
    members = area_targets(areas)
    with store.session() as s:
        old = s.scalar(select(AreaPlan).where(AreaPlan.campaign_id == world.campaign_id,
                                              AreaPlan.status == "current"))
        if old is not None:
            old.status = "superseded"
            s.execute(delete(AreaTarget).where(AreaTarget.campaign_id == world.campaign_id))
            s.flush()
        plan = AreaPlan(campaign_id=world.campaign_id, status="current", kind="plan",
                        created_by="test", phase_kind="visit", phase_days=20, seed=0,
                        time_limit_s=0.0, solve_s=0.0,
                        n_targets=sum(len(m) for m in members.values()),
                        n_areas=len(areas), feasible=True, workload_min=0.0,
                        capacity_min=0.0)
        s.add(plan)
        s.flush()
        for number, (cadre, grids) in enumerate(areas.items(), 1):
            c = s.get(Cadre, world.cadres[cadre])
            assert c is not None
            area = VisitArea(campaign_id=world.campaign_id, plan_id=plan.id, number=number,
                             name=f"区域{number}", cadre_id=c.id, cadre_ext_id=c.ext_id,
                             cadre_name=c.name, n_targets=len(members[cadre]), counts={},
                             service_min=60.0, travel_min=10.0, mustgo_min=0.0,
                             capacity_min=4800.0, share_min=70.0, commute_m=None,
                             contiguous=True, grids=list(grids), split_grids=[],
                             villages=[])
            s.add(area)
            s.flush()
            ids = s.scalars(select(Target.id).where(
                Target.township_id == world.township_id,
                Target.ext_id.in_(sorted(members[cadre])))).all()
            s.add_all(AreaTarget(campaign_id=world.campaign_id, area_id=area.id,
                                 target_id=t, since_plan_id=plan.id) for t in ids)
    return members
