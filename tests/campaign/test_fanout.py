"""Many townships at once on a real Dask LocalCluster (two worker processes).

A three-township demo county (:mod:`zoufang.demo.county`, imported through the real
importers) plus one township that cannot be planned (grids and a campaign, no cadres) are
planned with :func:`zoufang.campaign.fanout.plan_townships` on SQLite and PostgreSQL: the
three get stored, checked plans; the fourth task raises and is reported with its
township and the error, and the others' plans stay stored.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from zoufang.campaign.areas import current_plan
from zoufang.campaign.fanout import plan_townships, resolve_townships
from zoufang.campaign.imports.importer import import_grids
from zoufang.campaign.phases import create_campaign
from zoufang.campaign.store import Township, open_store
from zoufang.demo.build import DEMO_CAMPAIGN
from zoufang.demo.county import build_county
from zoufang.demo.generate import DEFAULT_SEED

EMPTY = "测试镇"  # the township of the 2 × 2 test grids: grids, no cadres


@pytest.mark.slow
def test_county_on_local_cluster_keeps_plans_of_others(db_url: str, tmp_path: Path,
                                                       grids_file: Path) -> None:
    """Three townships planned on two worker processes; a failing one keeps the others."""
    towns = [t["township"] for t in build_county(tmp_path / "county", 3, db_url=db_url,
                                                  seed=DEFAULT_SEED, campaign=DEMO_CAMPAIGN)]
    store = open_store(db_url)
    try:
        import_grids(store, grids_file, township=EMPTY)
        with store.session() as s:
            town = s.scalars(select(Township).where(Township.name == EMPTY)).one()
            create_campaign(s, town.id, DEMO_CAMPAIGN, year=2022)
    finally:
        store.dispose()
    names = resolve_townships(db_url, "all")
    assert names == [*towns, EMPTY]
    seen: list[tuple[str, int, int]] = []
    res = plan_townships(db_url, "areas", names, dask="local", n_workers=2,
                         options={"campaign": DEMO_CAMPAIGN, "time_limit_s": 5.0, "seed": 0},
                         on_done=lambda o, n, total: seen.append((o.township, n, total)),
                         dashboard=False)
    assert res.engine.startswith("LocalCluster")
    assert sorted(t for t, _n, _total in seen) == sorted(names)
    assert [n for _t, n, _total in seen] == [1, 2, 3, 4]
    by = {o.township: o for o in res.townships}
    assert not res.ok and not by[EMPTY].ok
    assert by[EMPTY].plan_id is None and "cadre" in (by[EMPTY].error or "").lower()
    store = open_store(db_url)
    try:
        for t in towns:
            # Each township's task ran and stored its plan; the outcome reports the stored
            # plan's feasibility. (A generated township other than the first can still be
            # infeasible for 四个必到 — a known gap of demo/county.py, issue 16 — so
            # feasibility is compared, not required.)
            assert by[t].ok and by[t].error is None
            plan = current_plan(store, township=t, campaign=DEMO_CAMPAIGN)
            assert plan.plan_id == by[t].plan_id and plan.feasible == by[t].feasible
            if plan.feasible:  # a feasible plan passes the independent checker
                assert plan.ok, plan.violations
            assert plan.township == t and plan.n_areas == 150
        # Whether a 5 s search reaches a feasible plan depends on the machine's load (a
        # CI run beside other work once got none for the demo township): the demo's
        # feasibility is test_areas.py's test_demo_township_plan (30 s), not this one's.
        assert {by[t].plan_id for t in towns} == {p for p in (by[t].plan_id for t in towns)}
        assert len({by[t].plan_id for t in towns}) == 3
    finally:
        store.dispose()
    d = res.to_dict()
    assert d["ok"] is False and [x["township"] for x in d["townships"]] == names
    assert set(d["townships"][0]) >= {"township", "ok", "feasible", "plan_id", "error"}
