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


def test_progress_page_draws_its_charts(leader_live: Live) -> None:
    """挂图作战: the township's and every village's curves drawn by uPlot, figures by hand.

    As of 5 March 2022, five of the world's eight targets have a settled visit (T1, T3
    and E1 visited, T4 refused, T5 vacant; T2 only not at home). With no route plan the
    push's plan is a straight line: 8 x 5/10 = 4 by day 5. The last three days (3-5
    March) added T4, T5 and E1: 1 a day, so the 3 left take until 8 March.
    """
    live = leader_live
    page = live.page()
    live.login(page, "leader")
    page.goto(live.url("/leader/progress?phase=push&as_of=2022-03-05"))
    page.wait_for_selector("#progress-charts[data-ready='1']", timeout=10_000)
    n_villages = page.locator(".chart-grid .chart-card").count()
    assert n_villages >= 2
    assert page.get_attribute("#progress-charts", "data-charts") == str(1 + n_villages)
    assert page.locator("#progress-charts .uplot").count() == 1 + n_villages
    kpis = page.inner_text("#progress-kpis").split("\n")
    assert kpis[0::2] == ["5 / 8", "4", "1.0", "2022-03-08", "100 %"], kpis
    assert "尚无路线" in page.inner_text("#progress-basis")
    live.shot(page, "leader_progress")
    page.goto(live.url("/leader/progress?phase=zzz"))
    assert "phase=“zzz”" in page.content()
    assert [p for p in live.take_problems() if "400" not in p] == []
    page.context.close()
