"""The field cadre's route page, its downloads and the GPX endpoint, on the routed world.

The world is ``tests/campaign/route_world.py``'s (C1 刘一 routed over several days, T7 and
T8 sharing a stop, E1 left out) with the users of ``conftest.py``: ``cadre1`` is C1,
``cadre3`` C3 (no route). One browser test checks that the map draws the route line and
the numbered stops.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import select

from zoufang.campaign import route_exports as rx
from zoufang.campaign.store import AuditEntry, RouteDay, RouteStop, open_store

from ..campaign.ledger_world import World
from ..campaign.route_world import SCRIPT_NAME
from .conftest import Web, build_route_web_world, make_app

PHONES = ("13800008888", "13955556666")


def _days(w: World) -> tuple[list[dt.date], dt.date]:
    """C1's route days and the day of the shared stop (T7 and T8)."""
    with w.store.session() as s:
        days = list(s.scalars(select(RouteDay.day).where(RouteDay.cadre_ext_id == "C1")
                              .order_by(RouteDay.day)))
        shared = s.scalar(select(RouteDay.day).join(RouteStop, RouteStop.day_id == RouteDay.id)
                          .where(RouteStop.target_id == w.targets["T7"]))
    assert shared is not None and len(days) >= 2
    return days, shared


def test_cadre_sees_its_route_page(route_web: Web, caplog: pytest.LogCaptureFixture) -> None:
    """The cadre sees its own route page with the stops of the day.

    cadre1's route page: the map, the stops of the chosen day with names and phones in
    clear (escaped), earlier issues, day navigation, downloads and the left-out target;
    the default day is its first (today, 2020s, is after the 2022 plan). No log line
    carries a resident's name or phone.
    """
    caplog.set_level(logging.DEBUG)
    days, shared = _days(route_web.world)
    c, _ = route_web.client("cadre1")
    html = c.get("/field/route").get_data(as_text=True)
    assert f"今日路线 · {days[0].isoformat()}" in html
    assert 'id="prev-day"' not in html and f"day={days[1].isoformat()}" in html
    r = c.get(f"/field/route?day={shared.isoformat()}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'class="folium-map"' in html and "leaflet-1.9.4/leaflet.js" in html
    rows = re.findall(r'<tr class="stop-row" data-stop="(\d+)"', html)
    assert len(rows) >= 2 and len(set(rows)) == len(rows) - 1  # T7 and T8 share a stop
    assert "吴十" in html and 'href="tel:13800008888"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and SCRIPT_NAME not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert 'id="left-out"' in html and "E1" in html and "时间窗不符" in html
    for fmt in ("gpx", "geojson", "html"):
        assert f"/field/route.{fmt}?day={shared.isoformat()}" in html
    if shared != days[0]:
        assert 'id="prev-day"' in html
    r = c.get("/field/route?day=2022-03-31")
    assert r.status_code == 200 and 'id="day-missing"' in r.get_data(as_text=True)
    assert c.get("/field/route?day=31.3.2022").status_code == 400
    gj = c.get(f"/field/route.geojson?day={shared.isoformat()}")
    assert gj.status_code == 200 and gj.mimetype == "application/geo+json"
    assert json.loads(gj.data)["features"][0]["geometry"]["type"] == "LineString"
    page = c.get(f"/field/route.html?day={shared.isoformat()}")
    assert page.mimetype == "text/html" and "吴十" in page.get_data(as_text=True)
    assert "inline" in page.headers["Content-Disposition"]
    assert c.get("/field/route.pdf").status_code == 404
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert not any(x in logged for x in ("吴十", "alert(1)", *PHONES))


def test_gpx_endpoint_serves_the_day(route_web: Web) -> None:
    """The GPX endpoint serves the cadre's day as GPX, audited.

    /api/v1/me/route.gpx gives the day's GPX (application/gpx+xml, an rtept per stop)
    and writes the export to the audit log without personal data; /api/v1/me/route the
    same day as JSON.
    """
    days, shared = _days(route_web.world)
    c, _ = route_web.client("cadre1")
    r = c.get(f"/api/v1/me/route.gpx?day={shared.isoformat()}")
    assert r.status_code == 200 and r.mimetype == "application/gpx+xml"
    assert r.headers["Content-Disposition"] == \
        f'attachment; filename="C1_{shared.isoformat()}.gpx"'
    root = ET.fromstring(r.data)
    ns = {"g": rx.GPX_NS}
    with route_web.world.store.session() as s:
        n_stops = s.scalar(select(RouteDay.n_stops).where(RouteDay.day == shared))
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "route_export")))
    assert len(root.findall("g:rte/g:rtept", ns)) == n_stops
    assert "吴十" in r.get_data(as_text=True)  # the cadre's own resident
    assert len(entries) == 1 and entries[0].personal
    assert entries[0].detail["day"] == shared.isoformat()
    assert not any(x in json.dumps(entries[0].detail, ensure_ascii=False)
                   for x in ("吴十", *PHONES))
    assert c.get("/api/v1/me/route.gpx").status_code == 200  # default day
    missing = c.get("/api/v1/me/route.gpx?day=2022-03-31")
    assert missing.status_code == 404 and days[0].isoformat() in missing.get_json()["error"]
    assert c.get("/api/v1/me/route.gpx?day=x").get_json()["status"] == 400
    j = c.get(f"/api/v1/me/route?day={shared.isoformat()}").get_json()
    assert j["planned"] and j["day"] == shared.isoformat()
    assert j["days"] == [d.isoformat() for d in days]
    assert {x["ext_id"] for x in j["stops"]} >= {"T7", "T8"}
    assert [x["target"] for x in j["left_out"]] == ["E1"]


def test_other_users_cannot_fetch_cadre1_route(route_web: Web) -> None:
    """No other user can fetch cadre1's route.

    cadre3 (no route in the plan) sees none of cadre1's stops and gets 404 for every
    download, whatever day it asks; other roles are refused the field route (403).
    """
    _, shared = _days(route_web.world)
    c, _ = route_web.client("cadre3")
    html = c.get(f"/field/route?day={shared.isoformat()}").get_data(as_text=True)
    assert 'id="no-stops"' in html
    assert not any(x in html for x in ("吴十", "T8", "alert(1)", *PHONES))
    for url in (f"/field/route.gpx?day={shared.isoformat()}", "/field/route.geojson",
                f"/api/v1/me/route.gpx?day={shared.isoformat()}"):
        r = c.get(url)
        assert r.status_code == 404 and b"13800008888" not in r.data, url
    assert c.get("/api/v1/me/route").get_json()["stops"] == []
    for name in ("planner", "leader_pd"):
        other, _ = route_web.client(name)
        assert other.get("/field/route").status_code == 403
        assert other.get("/field/route.gpx").status_code == 403
        assert other.get("/api/v1/me/route.gpx").status_code == 403
    anon, _ = route_web.client(None)
    assert anon.get("/api/v1/me/route.gpx").status_code == 401


def test_planner_routes_page_and_downloads(route_web: Web) -> None:
    """The planner lists every cadre's route days and downloads any day with names.

    An unknown cadre or day is refused (400) naming what exists; cadres get 403.
    """
    days, shared = _days(route_web.world)
    c, _ = route_web.client("planner")
    html = c.get("/planner/routes").get_data(as_text=True)
    assert 'id="route-cadres"' in html and "C1 刘一" in html
    assert 'id="left-out-reasons"' in html and "时间窗不符 1" in html   # E1, office hours
    for d in days:
        assert f"/planner/routes/C1/{d.isoformat()}.html" in html
    r = c.get(f"/planner/routes/C1/{shared.isoformat()}.html")
    assert r.status_code == 200 and "吴十" in r.get_data(as_text=True)
    r = c.get(f"/planner/routes/C1/{shared.isoformat()}.gpx")
    assert r.mimetype == "application/gpx+xml"
    bad = c.get(f"/planner/routes/C9/{shared.isoformat()}.gpx")
    assert bad.status_code == 400 and "C9" in bad.get_data(as_text=True)
    assert c.get("/planner/routes/C1/2022-03-31.gpx").status_code == 400
    assert 'id="not-planned"' in c.get("/planner/routes?phase=revisit").get_data(as_text=True)
    cadre, _ = route_web.client("cadre1")
    assert cadre.get("/planner/routes").status_code == 403


def test_no_route_plan_keeps_not_planned(web: Web) -> None:
    """Before any route plan the page still says "not planned yet" and GPX is 404."""
    c, _ = web.client("cadre1")
    assert 'id="not-planned"' in c.get("/field/route").get_data(as_text=True)
    assert c.get("/api/v1/me/route.gpx").status_code == 404
    assert c.get("/field/route.gpx").status_code == 404
    p, _ = web.client("planner")
    assert 'id="not-planned"' in p.get("/planner/routes").get_data(as_text=True)


@pytest.mark.browser
@pytest.mark.slow
def test_route_map_draws_line_and_numbered_stops(tmp_path: Path) -> None:
    """The route map draws the line and the numbered stops in a real browser.

    In headless chromium (every other host blocked) the route page's map draws the
    route line, the base, a marker per target and a number per stop; no console error.
    """
    from .test_browser import CHROMIUM, FLAGS, Live, _browser_or_skip, served

    sync_playwright = _browser_or_skip()
    path = tmp_path / "route.sqlite"
    st = open_store(f"sqlite:///{path}")
    world = build_route_web_world(st)
    _, shared = _days(world)
    st.dispose()
    with served(make_app(f"sqlite:///{path}")) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists()
            else shutil.which("chromium"), headless=True, args=FLAGS)
        try:
            live = Live(url, world, browser)
            page = live.page()
            live.login(page, "cadre1")
            page.goto(live.url(f"/field/route?day={shared.isoformat()}"))
            page.wait_for_selector('.folium-map[data-stop-labels]', timeout=20_000)
            counts = json.loads(page.get_attribute(".folium-map", "data-features"))
            n_rows = page.locator("#route-stops tr.stop-row").count()
            n_stops = len(set(page.locator("#route-stops tr.stop-row").evaluate_all(
                "rows => rows.map(r => r.dataset.stop)")))
            assert counts == {"route": 1, "base": 1, "stops": n_rows}
            assert page.get_attribute(".folium-map", "data-stop-labels") == str(n_stops)
            assert page.locator(".zf-stop-no").count() == n_stops
            n_points = page.evaluate("""() => {
                const g = window.zoufangMaps.route.layers.route;
                return g.getLayers()[0].getLatLngs().length;
            }""")
            assert n_points == n_stops + 2  # base → stops → base (straight lines)
            live.shot(page, "cadre1_route_map")
            assert live.take_problems() == []
            page.context.close()
        finally:
            browser.close()

