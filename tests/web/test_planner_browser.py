"""The planner's route-planning job in a real headless browser (chromium, Playwright).

On the routed world (``tests/campaign/route_world.py``) on SQLite: the planner starts a
route plan of one cadre from the routes page; the progress bar is polled by the static
script (no inline script), the page reloads when the job is done and shows the new plan;
no console error, no failed request.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from zoufang.campaign.store import RoutePlan

from .conftest import build_route_web_world
from .test_browser import Live, serve_live

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def routed_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The routed world with users on SQLite, served on a free port, and chromium."""
    yield from serve_live(tmp_path_factory, "planner-browser", build_route_web_world)


def test_route_job_progress_bar_finishes(routed_live: Live) -> None:
    """Start a route plan of C1 from the page; the bar finishes and the new plan shows."""
    live = routed_live
    with live.world.store.session() as s:
        old = s.scalar(select(RoutePlan.id).where(RoutePlan.status == "current"))
    page = live.page()
    live.login(page, "planner")
    page.goto(live.url("/planner/routes"))
    page.select_option("#plan-routes-form select[name=cadre]", "C1")
    page.fill("#plan-routes-form input[name=as_of]", "2022-03-01")
    page.fill("#plan-routes-form input[name=time_limit_s]", "1")
    with page.expect_navigation(wait_until="load"):
        page.click("#plan-routes-form button[type=submit]")
    assert page.locator("#job-progress progress").count() == 1
    page.wait_for_selector('#job-progress[data-status="done"]', timeout=180_000)
    with live.world.store.session() as s:
        new = s.scalar(select(RoutePlan.id).where(RoutePlan.status == "current"))
    assert new is not None and new != old
    assert page.locator("#job-progress progress").get_attribute("value") == "1.0"
    assert "完成" in page.inner_text("#job-progress .stage")
    assert f"#{new}" in page.inner_text("#route-plan")
    live.shot(page, "planner-route-job")
    assert live.take_problems() == []
