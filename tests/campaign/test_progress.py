"""Progress against the plan (挂图作战), by hand, on the visit-area tests' township.

SQLite and PostgreSQL/PostGIS. The township of ``test_areas.py`` (145 targets, six
cadres), its areas planned; the push runs 1-10 March 2024. With no route plan the plan is
the straight line from 0 to every target over the ten days, so on day 5 it stands at
half of each area. Cadre C1 visits its whole area over days 1-4 (a quarter a day) and C2
nothing: as of the evening of day 5, C1 is ahead (100 % on day 4, no warning) and C2 is
red (0 of half its area, no pace, no projected day); the township counts C1's targets.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from zoufang.campaign.areas import plan_campaign
from zoufang.campaign.progress import progress
from zoufang.campaign.routes import plan_routes
from zoufang.campaign.store import Store, Target, Township
from zoufang.campaign.store.areas import AreaTarget, VisitArea
from zoufang.campaign.store.lookup import newest_campaign_id
from zoufang.campaign.visits import record_visit
from zoufang.cli import main

from .test_areas import build_town

START = dt.date(2024, 3, 1)
AS_OF = dt.datetime(2024, 3, 5, 21, 0)


def _area(store: Store, cadre: str) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(select(Target.ext_id)
                                .join(AreaTarget, AreaTarget.target_id == Target.id)
                                .join(VisitArea, VisitArea.id == AreaTarget.area_id)
                                .where(VisitArea.cadre_ext_id == cadre)))


def _setup(store: Store, tmp: Path) -> tuple[int, list[str], list[str]]:
    build_town(store, tmp)
    plan_campaign(store, time_limit_s=3, seed=0)
    c1, c2 = _area(store, "C1"), _area(store, "C2")
    with store.session() as s:
        town = s.scalars(select(Township)).one()
        cid = newest_campaign_id(s, town.id)
        for i, ext in enumerate(c1):   # a quarter of the area on each of days 1-4
            day = START + dt.timedelta(days=i * 4 // len(c1))
            record_visit(s, township_id=town.id, target=ext, cadre="C1",
                         at=dt.datetime.combine(day, dt.time(19, 0)), mode="in_home",
                         outcome="visited", campaign_id=cid)
        s.commit()
        return town.id, c1, c2


def test_progress_by_hand_against_the_linear_plan(store: Store, tmp_path: Path) -> None:
    """C1 ahead and done on day 4, C2 red at day 5, the township's curve counts C1's."""
    tid, c1, c2 = _setup(store, tmp_path)
    with store.session() as s:
        p = progress(s, tid, phase="push", as_of=AS_OF)
    assert (p.start, p.end, p.plan, len(p.days)) == (START, dt.date(2024, 3, 10), "linear", 10)
    by = {g.key: g for g in p.cadres}
    g1, g2 = by["C1"], by["C2"]
    assert g1.targets == len(c1) and g2.targets == len(c2)
    assert g1.planned_to_date == round(len(c1) * 5 / 10)
    assert g1.visited == [sum(1 for i in range(len(c1)) if i * 4 // len(c1) <= d)
                          for d in range(5)]
    assert g1.visited_to_date == len(c1) and g1.warning is None
    assert g1.projected_day == dt.date(2024, 3, 4) and g1.reachable_share == 1.0
    assert g2.visited_to_date == 0 and g2.planned_to_date == round(len(c2) * 5 / 10)
    assert g2.warning == "red" and g2.projected_day is None and g2.pace == 0.0
    assert p.ranked("cadre")[0].warning == "red"
    assert p.township.targets == 145 and p.township.visited_to_date == len(c1)
    assert sum(v.targets for v in p.villages) == 145
    assert sum(v.visited_to_date for v in p.villages) == len(c1)
    # before the fourth day nobody is warned: too early to judge
    with store.session() as s:
        early = progress(s, tid, phase="push", as_of=dt.datetime(2024, 3, 3, 21, 0))
    assert all(g.warning is None for g in early.cadres)


def test_progress_against_the_route_plan_and_on_the_cli(store: Store, tmp_path: Path) -> None:
    """With routes, the plan's curve is the routes' days; the CLI prints the same figures."""
    tid, c1, _c2 = _setup(store, tmp_path)
    res = plan_routes(store, phase="push", as_of=dt.datetime(2024, 3, 1), time_limit_s=1.0,
                      workers=2)
    with store.session() as s:
        p = progress(s, tid, phase="push", as_of=AS_OF)
    assert p.plan == "routes" and p.route_plan_id == res.plan_id
    t = p.township
    assert t.planned == sorted(t.planned) and t.planned[-1] == res.n_routed
    assert sum(g.planned[-1] for g in p.cadres) == res.n_routed
    out = CliRunner().invoke(main, ["report", "progress", "--phase", "push", "--as-of",
                                    "2024-03-05 21:00", "--db", store.url, "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["township"]["visited_to_date"] == len(c1)
    assert body["cadres"][0]["warning"] == "red" and body["plan"] == "routes"
    out = CliRunner().invoke(main, ["report", "progress", "--phase", "zzz", "--db",
                                    store.url])
    assert out.exit_code != 0 and "Traceback" not in out.output
