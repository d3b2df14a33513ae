"""The leader's maps in a real headless chromium: tooltips that read across, not down.

Uses the app and browser of :mod:`tests.web.test_browser` (its helpers, not its fixture).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .conftest import build_web_world
from .test_browser import Live, _map_counts, serve_live

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def leader_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The web world on SQLite, served on a free port, and a headless chromium."""
    yield from serve_live(tmp_path_factory, "leader_browser", build_web_world)


def test_grid_tooltip_reads_on_one_line_per_field(leader_live: Live) -> None:
    """A grid's tooltip on the coverage map is wider than tall: "G1", not "G / 1".

    It once printed one character per line (a zero-width pane, pre-wrap + break-word).
    """
    live = leader_live
    page = live.page()
    live.login(page, "leader")
    page.goto(live.url("/leader/coverage"))
    _map_counts(page)
    page.evaluate("""() => {
        const g = window.zoufangMaps.coverage.layers.coverage;
        const lyr = g.getLayers()[0];
        lyr.openTooltip(lyr.getBounds().getCenter());
    }""")
    page.wait_for_selector(".leaflet-tooltip .zf-tooltip", timeout=5_000)
    box = page.locator(".leaflet-tooltip").bounding_box()
    rows = page.locator(".leaflet-tooltip tr").count()
    assert box and rows >= 3
    line = page.evaluate("""() => {
        const td = document.querySelector('.leaflet-tooltip td');
        return [td.getBoundingClientRect().height,
                parseFloat(getComputedStyle(td).lineHeight) || 16];
    }""")
    assert line[0] < 2 * line[1], line  # the grid's code sits on one line
    assert box["width"] > 80, box
    live.shot(page, "leader_coverage_tooltip")
    assert live.take_problems() == []
    page.context.close()
