"""Build the demo township end to end through the ordinary importers.

The files come from :func:`zoufang.demodata.generate_demo` (deterministic for a seed) and
are imported exactly as a planner's files would be: grids first, then households and
units (GCJ-02, as picked on a Chinese web map), then cadres; then a campaign with the
default phases is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .db import open_store
from .importer import ImportReport, import_cadres, import_grids, import_targets
from .phases import create_campaign
from .summary import TownshipSummary, summarise

__all__ = ["DemoResult", "DEMO_CAMPAIGN", "build_demo"]

DEMO_CAMPAIGN = "2022年大走访"


@dataclass
class DemoResult:
    """The import reports and the township summary of a demo build."""

    reports: list[ImportReport]
    summary: TownshipSummary


def build_demo(out_dir: Path, *, db_url: str, seed: int = 20220301) -> DemoResult:
    """Generate the demo files into ``out_dir`` and import them into the store ``db_url``."""
    from ..demodata import generate_demo

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
            from sqlalchemy import select

            from .models import Township

            town = s.scalars(select(Township).where(Township.name == reports[0].township)
                             ).one()
            create_campaign(s, town.id, DEMO_CAMPAIGN, year=2022)
            summary = summarise(s, town)
    finally:
        store.dispose()
    return DemoResult(reports, summary)
