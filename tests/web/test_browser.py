"""End to end in a real headless browser (Debian's chromium, driven by Playwright).

The app runs on waitress (the server ``zoufang demo serve`` uses) in a thread on a free
localhost port; the browser may reach nothing else:
Chrome's host resolver maps every other host to nothing and every request to another
host is aborted and recorded. Every page of every role must load with no failed request,
no request to another host and no console error. Screenshots go to
``tests/_artifacts/web/`` (git-ignored) for people to look at.

Skipped when chromium or Playwright is missing, except under ``CI=true`` where that is a
failure (``.ci/run`` installs them).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from zoufang.campaign.store import open_store

from ..campaign.ledger_world import World
from .areas import store_areas
from .conftest import PASSWORD, build_web_world, make_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # each test takes 5-16 s

CHROMIUM = os.environ.get("ZOUFANG_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts" / "web"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]

ROLE_PAGES = {
    "planner": ["/planner/", "/planner/import", "/planner/plan", "/leader/", "/leader/coverage",
                "/leader/issues", "/targets/{T1}", "/issues/{I1}"],
    "leader": ["/leader/", "/leader/?level=village&key={village}", "/leader/?level=grid&key=G1",
               "/leader/coverage", "/leader/issues", "/targets/{T1}", "/issues/{I2}"],
    "cadre1": ["/field/", "/field/route", "/issues/{I1}", "/targets/{T1}"],
    "admin": ["/admin/"],
}
MAP_PAGES = {"/planner/": "planner", "/leader/coverage": "coverage", "/leader/issues": "issues"}


def _browser_or_skip() -> Any:
    problem = None
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        problem = f"chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed (pip install playwright)"
        sync_playwright = None  # type: ignore[assignment]
    if problem:
        if IN_CI:
            pytest.fail(problem + " (CI=true: browser tests must run)")
        pytest.skip(problem)
    return sync_playwright


@dataclass
class Live:
    """The app served on localhost, the world's ids, and the browser."""

    base: str
    world: World
    browser: Any
    problems: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        """Return the server's URL of ``path``, its {T1}, {I1}, {I2}, {village} filled."""
        w = self.world
        return self.base + path.format(T1=w.targets["T1"], I1=w.issues["I1"],
                                       I2=w.issues["I2"], village=w.villages["甲村"])

    def page(self) -> Any:
        """A fresh context (no cookies) and page, watched for anything going wrong."""
        ctx = self.browser.new_context(viewport={"width": 1200, "height": 900},
                                       locale="zh-CN")
        ctx.route("**/*", self._route)
        page = ctx.new_page()
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", self._failed)
        page.on("response", lambda r: self.problems.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 else None)
        return page

    def _failed(self, request: Any) -> None:
        # ERR_ABORTED is the browser cancelling a request itself: Leaflet drops the tiles
        # of a zoom level it leaves, and a navigation cancels what the page it leaves was
        # still loading (a map's GeoJSON). Those are not failures; a refused or broken
        # request fails otherwise (and an HTTP error is caught by the response handler;
        # a request to another host by the router).
        if "ERR_ABORTED" in str(request.failure):
            return
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _route(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.problems.append(f"blocked request to another host: {route.request.url}")
            route.abort()

    def login(self, page: Any, name: str) -> None:
        """Log ``page`` in as ``name`` through the log-in form."""
        page.goto(self.url("/login"))
        page.fill("#username", name)
        page.fill("#password", PASSWORD)
        with page.expect_navigation(wait_until="load"):
            page.click("#login-button")

    def shot(self, page: Any, name: str) -> None:
        """Save a full-page screenshot of ``page`` as an artifact ``name``.png."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def take_problems(self) -> list[str]:
        """Return the problems seen since the last call, and forget them."""
        out, self.problems[:] = list(self.problems), []
        return out


def serve_live(tmp_path_factory: pytest.TempPathFactory, name: str,
               build: Callable[[Any], Any]) -> Iterator[Live]:
    """Build a world with ``build(store)`` on SQLite, serve it on a free port, open chromium.

    The one set-up of every browser test module: ``yield from serve_live(...)`` in a
    module-scoped fixture.
    """
    sync_playwright = _browser_or_skip()
    path = tmp_path_factory.mktemp(name) / "b.sqlite"
    st = open_store(f"sqlite:///{path}")
    world = build(st)
    st.dispose()
    with served(make_app(f"sqlite:///{path}")) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists()
                                     else shutil.which("chromium"), headless=True, args=FLAGS)
        try:
            yield Live(url, world, browser)
        finally:
            browser.close()


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve ``app`` with waitress on a free localhost port; yield its base URL.

    Waitress, not werkzeug's development server: the latter skips closing a response's
    file when the browser drops the connection while it drains the request (a
    ResourceWarning, an error under ``filterwarnings = error``), and waitress is what
    ``zoufang demo serve`` runs. On leaving, the server, the planning pool and the store
    are shut down.
    """
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=6)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(5)
        app.extensions["zoufang_planning"].shutdown()
        app.extensions["zoufang_store"].dispose()


def _world_with_areas(st: Any) -> Any:
    world = build_web_world(st)
    store_areas(st, world)  # cadre1 records and opens the targets of its area (G1, G2)
    return world


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The world with users on SQLite, served on a free port, and a headless chromium."""
    yield from serve_live(tmp_path_factory, "browser", _world_with_areas)


def _map_counts(page: Any) -> dict[str, int]:
    page.wait_for_selector('.folium-map[data-ready="1"]', timeout=20_000)
    import json

    return json.loads(page.get_attribute(".folium-map", "data-features"))


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_every_page_offline(live: Live, role: str) -> None:
    """Log in as each role and open each of its pages with every other host blocked.

    Nothing fails, nothing asks for another host, no console error; maps finish drawing.
    """
    page = live.page()
    live.login(page, role)
    assert "/login" not in page.url
    for path in ROLE_PAGES[role]:
        page.goto(live.url(path), wait_until="load")
        if path in MAP_PAGES:
            counts = _map_counts(page)
            assert counts and all(v >= 0 for v in counts.values())
            page.wait_for_load_state("networkidle")
            assert page.locator(".leaflet-tile-loaded").count() > 0  # the offline basemap
        name = f"{role}{live.url(path)[len(live.base):].replace('/', '_')}"
        live.shot(page, name.replace("?", "_").replace("&", "_").replace("=", "-").rstrip("_"))
        assert live.take_problems() == [], path
    page.context.close()


def test_maps_draw_the_expected_number_of_features(live: Live) -> None:
    """Each map draws as many features as the store holds, counted in the browser.

    The planner map draws every grid and every located target; the coverage map every
    grid and the unvisited targets; the issues map the open issues with a place.
    """
    from zoufang.web import queries as q
    from zoufang.web.basemaps import BASEMAPS
    from zoufang.web.security import Viewer

    st = open_store(live.world.store.url)
    tid = live.world.township_id
    leader = Viewer(0, "t", "leader", tid, None, False)
    with st.session() as s:
        n_targets = len(q.targets_geojson(s, tid, BASEMAPS["blank"])["features"])
        n_unvisited = len(q.unvisited_geojson(s, tid, BASEMAPS["blank"])["features"])
        n_issues = len(q.issues_geojson(s, leader, BASEMAPS["blank"])["features"])
    st.dispose()
    assert n_targets == 7  # X1 has no point
    page = live.page()
    live.login(page, "planner")
    page.goto(live.url("/planner/"))
    assert _map_counts(page) == {"grids": 4, "targets": n_targets, "problems": 0}
    page.goto(live.url("/leader/coverage"))
    assert _map_counts(page) == {"coverage": 4, "heat": n_unvisited, "unvisited": n_unvisited}
    page.goto(live.url("/leader/issues"))
    assert _map_counts(page) == {"grids": 4, "issues": n_issues}
    assert n_issues == 4  # I2, I3, I5, I6 are open and located (I1, I4 closed)
    assert page.locator("#issues-table tr").count() == 1 + 4  # I5 hotline has a target too
    assert live.take_problems() == []
    page.context.close()


def test_visit_recorded_on_field_page_shows_in_leader_measures(live: Live) -> None:
    """A cadre records a visit on the field page; the leader's measures count it.

    The field page is on a phone-sized screen; the measures count it at the next load.
    """
    leader = live.page()
    live.login(leader, "leader")
    leader.goto(live.url("/leader/"))
    visits_before = int(leader.inner_text("#kpi-visits"))
    rate_before = leader.inner_text("#kpi-visit-rate")

    ctx = live.browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                   has_touch=True, locale="zh-CN")
    ctx.route("**/*", live._route)
    field = ctx.new_page()
    field.on("console", lambda m: live.problems.append(f"console: {m.text}")
             if m.type == "error" else None)
    live.login(field, "cadre1")
    assert "T2" in field.inner_text("#my-area")
    field.fill("#target", "T2")
    field.select_option("#mode", "in_home")
    field.select_option("#outcome", "visited")
    field.fill("#at", "2022-03-09T19:30")
    field.check("input[name=card]")
    live.shot(field, "cadre_field_form_phone")
    with field.expect_navigation(wait_until="load"):
        field.click("#save-visit")
    assert "走访已登记: T2" in field.inner_text(".flash.ok")
    assert "T2" in field.inner_text("#my-visits")
    live.shot(field, "cadre_field_recorded_phone")

    leader.reload()
    assert int(leader.inner_text("#kpi-visits")) == visits_before + 1
    assert leader.inner_text("#kpi-visit-rate") != rate_before
    live.shot(leader, "leader_measures_after_visit")
    assert live.take_problems() == []
    ctx.close()
    leader.context.close()


def test_issue_text_with_script_is_shown_as_text(live: Live) -> None:
    """An issue whose text holds <script> and an <img onerror> is shown as text.

    In the list, the issue page and the map popup; nothing runs.
    """
    evil = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
    cadre = live.page()
    live.login(cadre, "cadre1")
    cadre.fill("#target", "T6")
    cadre.select_option("#outcome", "visited")
    cadre.fill("#at", "2022-03-10T19:30")
    cadre.select_option("#category", "living_environment")
    cadre.fill("#text", evil)
    with cadre.expect_navigation(wait_until="load"):
        cadre.click("#save-visit")
    flash = cadre.inner_text(".flash.ok")
    issue_id = int(flash.rsplit(" ", 1)[1])
    assert evil in cadre.inner_text("#my-issues")
    assert cadre.evaluate("window.__xss") is None

    page = live.page()
    live.login(page, "planner")
    page.goto(live.url("/leader/issues"))
    _map_counts(page)
    assert evil in page.inner_text("#issues-table")
    opened = page.evaluate("""(id) => new Promise((resolve) => {
        const group = window.zoufangMaps.issues.layers.issues;
        const m = group.getLayers().find((x) => x.featureId === id);
        if (!m) { resolve(false); return; }
        group.zoomToShowLayer(m, () => { m.openPopup(); resolve(true); });
    })""", issue_id)
    assert opened
    page.wait_for_function("""(t) => {
        const p = document.querySelector('.zf-popup');
        return p && p.textContent.includes(t);
    }""", arg="window.__xss=1", timeout=10_000)
    assert page.locator(".zf-popup img").count() == 0
    assert page.locator(".zf-popup script").count() == 0
    live.shot(page, "planner_issue_popup_script_as_text")
    page.goto(live.url(f"/issues/{issue_id}"))
    assert page.inner_text("#issue-text") == evil
    assert page.evaluate("window.__xss") is None
    assert live.take_problems() == []
    page.context.close()
    cadre.context.close()


def test_english_switch_and_forbidden_page(live: Live) -> None:
    """The language switch turns the UI English; a planner page refuses a leader.

    The leader gets the 403 page, not data.
    """
    page = live.page()
    live.login(page, "leader")
    with page.expect_navigation(wait_until="load"):
        page.click("#lang-switch")
    assert "Measures" in page.inner_text("header")
    resp = page.goto(live.url("/planner/"))
    assert resp.status == 403 and "Forbidden" in page.inner_text("main")
    live.take_problems()  # the 403 itself is the expected "failure"
    page.context.close()
