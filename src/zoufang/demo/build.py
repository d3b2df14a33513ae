"""Build the demo township end to end through the ordinary importers.

The files come from :func:`zoufang.demo.generate.generate_demo` (deterministic for a seed) and
are imported exactly as a planner's files would be: grids first, then households and
units (GCJ-02, as picked on a Chinese web map), then cadres; then a campaign with the
default phases is created, its visit areas are planned, and a deterministic campaign of
visits and issues (each cadre in its own area) is simulated into it, once per store
(:func:`zoufang.demo.simulate.simulate_campaign`); last, every cadre's daily routes of
the 10-day push are planned over the demo's roads (once per store).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from zoufang.campaign.areas import plan_campaign
from zoufang.campaign.imports.importer import (
    ImportReport,
    import_cadres,
    import_grids,
    import_targets,
)
from zoufang.campaign.phases import create_campaign
from zoufang.campaign.routes import RoutePlanResult, current_route_plan, plan_result, plan_routes
from zoufang.campaign.store import Township, Visit, open_store
from zoufang.campaign.summary import TownshipSummary, summarise
from zoufang.demo.simulate import simulate_campaign

__all__ = ["DemoResult", "DEMO_CAMPAIGN", "build_demo"]

DEMO_CAMPAIGN = "2022年大走访"


@dataclass
class DemoResult:
    """The import reports and the township summary of a demo build."""

    reports: list[ImportReport]
    summary: TownshipSummary
    routes: RoutePlanResult | None = None


def build_demo(out_dir: Path, *, db_url: str, seed: int = 20220301, routes: bool = True,
               route_time_limit_s: float = 0.5) -> DemoResult:
    """Generate the demo files into ``out_dir`` and import them into the store ``db_url``.

    Once per store: plan the visit areas, simulate the campaign's visits and issues, and
    (with ``routes``) plan every cadre's daily routes of the 10-day push over the demo's
    roads from its first day, so the cadre's route page has something to show.
    """
    from zoufang.demo.generate import generate_demo

    files = generate_demo(Path(out_dir), seed=seed)
    store = open_store(db_url)
    try:
        reports = [
            import_grids(store, files.grids),
            import_targets(store, files.households, crs="gcj02"),
            import_targets(store, files.units, crs="gcj02"),
            import_cadres(store, files.cadres),
        ]
        with store.session() as s:
            town = s.scalars(select(Township).where(Township.name == reports[0].township)
                             ).one()
            campaign = create_campaign(s, town.id, DEMO_CAMPAIGN, year=2022)
            town_id, campaign_id = town.id, campaign.id
            simulated = s.scalar(select(Visit.id).where(Visit.campaign_id == campaign_id)
                                 .limit(1)) is not None
        if not simulated:
            # Plan the visit areas first so that each simulated cadre visits its own area.
            plan_campaign(store, township=reports[0].township, campaign=DEMO_CAMPAIGN,
                          time_limit_s=30, seed=0)
            simulate_campaign(store, town_id, campaign_id, seed)
        if routes:
            with store.session() as s:
                routed = current_route_plan(s, campaign_id) is not None
            if not routed:
                plan_routes(store, township=reports[0].township, campaign=DEMO_CAMPAIGN,
                            as_of=dt.datetime(2022, 3, 1), roads=files.roads,
                            time_limit_s=route_time_limit_s, actor="demo")
        route_result = None
        with store.session() as s:
            plan = current_route_plan(s, campaign_id)
            if plan is not None:
                route_result = plan_result(s, plan)
        with store.session() as s:
            summary = summarise(s, s.get_one(Township, town_id))
    finally:
        store.dispose()
    return DemoResult(reports, summary, route_result)
