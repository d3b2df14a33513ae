"""The field cadre's phone app in a real headless chromium (Playwright), phone-sized.

On the routed world (``tests/campaign/route_world.py``: C1 刘一's area holds every placed
target, its route spreads them over several days of March 2022) on SQLite, in a
390×844 touch viewport with the phone's GPS:

- from the route page a visit is saved in three taps (登记走访, the outcome, 保存);
- offline (``context.set_offline`` and every request of the page and of its service
  worker refused), the route page reloads from the phone and shows its stops; three
  visits are recorded there (one with two issues), the banner says 3 条待同步 and nothing
  reaches the server; back online the outbox is sent, exactly three visits and two issues
  are stored, and the same batch sent again stores nothing more;
- a household of no area of this cadre (X1) is refused, with the reason;
- a GPS point 15 km from the household is shown before saving and stored as a flag.

Screenshots go to ``tests/_artifacts/web/field_*.png``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from zoufang.campaign.store import (
    IntegrityFlag,
    Issue,
    RouteDay,
    RoutePlan,
    RouteStop,
    Target,
    Visit,
)

from .conftest import build_route_web_world
from .test_browser import Live, serve_live

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "permissions": ["geolocation"], "service_workers": "allow"}


@pytest.fixture(scope="module")
def field_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The routed world served on a free port, and chromium (service workers seen)."""
    # Playwright routes a service worker's own requests only with this switch on: the
    # offline test refuses them the way a phone with no network would.
    os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")
    yield from serve_live(tmp_path_factory, "field-browser", build_route_web_world)


class Phone:
    """A phone-sized context logged in as cadre1, which can lose its network."""

    def __init__(self, live: Live, lon: float, lat: float) -> None:
        self.live = live
        self.offline = False
        self.ctx = live.browser.new_context(geolocation={"longitude": lon, "latitude": lat},
                                            **PHONE)
        self.ctx.route("**/*", self._route)
        self.page = self.ctx.new_page()
        self.page.on("console", lambda m: live.problems.append(f"console: {m.text}")
                     if m.type == "error" and not self.offline else None)
        self.page.on("pageerror", lambda e: live.problems.append(f"page error: {e}"))
        self.dialogs: list[str] = []
        self.accept_dialogs = False
        self.page.on("dialog", self._dialog)
        live.login(self.page, "cadre1")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        if self.accept_dialogs:
            dialog.accept()
        else:
            dialog.dismiss()  # "cancel": the cadre stays logged in

    def _route(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if self.offline:
            route.abort("internetdisconnected")
        elif host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.live.problems.append(f"blocked request to another host: {route.request.url}")
            route.abort()

    def set_offline(self, offline: bool) -> None:
        """Lose (or get back) the network: the page's and the service worker's."""
        self.offline = offline
        self.ctx.set_offline(offline)

    def close(self) -> None:
        """Close the context."""
        self.ctx.close()


def _route_days(live: Live) -> list[tuple[dt.date, list[str]]]:
    """C1's route days with the 编号 of their stops, in order."""
    with live.world.store.session() as s:
        rows = s.execute(select(RouteDay.day, Target.ext_id)
                         .join(RouteStop, RouteStop.day_id == RouteDay.id)
                         .join(Target, Target.id == RouteStop.target_id)
                         .join(RoutePlan, RoutePlan.id == RouteStop.plan_id)
                         .where(RouteDay.cadre_ext_id == "C1", RoutePlan.status == "current")
                         .order_by(RouteDay.day, RouteStop.stop, RouteStop.unit_order)).all()
    days: dict[dt.date, list[str]] = {}
    for d, ext in rows:
        days.setdefault(d, []).append(ext)
    return list(days.items())


def _counts(live: Live) -> tuple[int, int, int]:
    with live.world.store.session() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(m)) or 0)  # type: ignore[return-value]
                     for m in (Visit, Issue, IntegrityFlag))


def _point(live: Live, ext: str) -> tuple[float, float]:
    with live.world.store.session() as s:
        t = s.scalar(select(Target).where(Target.ext_id == ext))
        assert t is not None and t.lon is not None and t.lat is not None
        return t.lon, t.lat


def _ready(page: Any) -> None:
    """Wait until the service worker kept what the page asked, then load it through it."""
    page.wait_for_selector("html[data-kept]", state="attached", timeout=30_000)
    page.reload()  # now through the service worker: its scripts and styles are kept too
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    page.wait_for_selector("html[data-kept]", state="attached", timeout=30_000)


def _record(page: Any, ext: str, outcome: str, issues: list[tuple[str, str]] = ()) -> int:
    """From the route page: 登记走访 of ``ext``, the outcome, issues, 保存; returns taps."""
    taps = 0
    page.locator(".stop-target", has=page.locator(f"text={ext}")).locator("a.rec").tap()
    taps += 1
    page.wait_for_selector("#record-form")
    page.wait_for_selector('#gps-status:not([data-state="wait"])', timeout=20_000)
    page.locator(f"label:has(#outcome-{outcome}) span").tap()
    for cat, text in issues:
        page.tap("#add-issue")
        row = page.locator("#issues .issue-row").last
        row.locator("select[name=issue_category]").select_option(cat)
        row.locator("textarea[name=issue_text]").fill(text)
    with page.expect_navigation(wait_until="load"):
        page.tap("#save")
        taps += 1
    return taps


def test_visit_from_the_route_in_three_taps(field_live: Live) -> None:
    """登记走访 on the stop's card, the outcome, 保存: stored with the GPS point, no flag."""
    live = field_live
    day, stops = _route_days(live)[0]
    ext = stops[0]
    lon, lat = _point(live, ext)
    phone = Phone(live, lon + 0.0002, lat)
    page = phone.page
    page.goto(live.url(f"/field/route?day={day.isoformat()}"))
    page.wait_for_selector('.folium-map[data-fitted="stops"]', timeout=20_000)
    assert page.locator("#stop-cards .stop-card").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # one column
    page.locator(".zf-stop-no").first.tap()  # a stop on the map → its card
    assert page.locator(".stop-card.picked").count() == 1
    live.shot(page, "field_route_phone")
    before = _counts(live)
    taps = _record(page, ext, "visited")
    assert taps == 2  # plus the outcome: three taps from the route to a saved visit
    assert "/field/route" in page.url and f"已保存: {ext}" in page.inner_text("#js-flash")
    assert _counts(live) == (before[0] + 1, before[1], before[2])
    with live.world.store.session() as s:
        v = s.scalars(select(Visit).order_by(Visit.id.desc())).first()
        assert v is not None and v.client_id and v.outcome == "visited"
        assert v.lon is not None and abs(v.lon - (lon + 0.0002)) < 1e-5
    live.shot(page, "field_route_saved_phone")
    assert live.take_problems() == []
    phone.close()


def test_offline_visits_sync_exactly_once(field_live: Live) -> None:
    """Offline: stops from the phone, three visits (two issues) wait; online: stored once."""
    live = field_live
    days = _route_days(live)
    first, stops = days[0]
    wanted = [(d, ext) for d, exts in days for ext in exts][:3]
    assert len(wanted) == 3
    phone = Phone(live, *_point(live, wanted[0][1]))
    page = phone.page
    page.goto(live.url(f"/field/route?day={first.isoformat()}"))
    _ready(page)
    n_stops = page.locator("#stop-cards .stop-card").count()
    before = _counts(live)

    phone.set_offline(True)
    page.reload()
    assert page.locator("#stop-cards .stop-card").count() == n_stops == len(set(
        page.locator("#stop-cards .stop-card").evaluate_all("c => c.map(x => x.id)")))
    assert page.is_visible("#offline-note")
    live.shot(page, "field_route_offline_phone")
    issues = [("living_environment", "楼道灯坏了"), ("public_security", "路口缺少路灯")]
    for i, (d, ext) in enumerate(wanted):
        if f"day={d.isoformat()}" not in page.url and d != first:
            page.goto(live.url(f"/field/route?day={d.isoformat()}"))
        _record(page, ext, "visited", issues if i == 1 else [])
        assert "无网络，已存入手机待同步" in page.inner_text("#js-flash")
        assert page.inner_text("#outbox-count") == f"{i + 1} 条待同步"
    assert page.is_visible("#outbox-banner")
    assert _counts(live) == before  # nothing reached the server
    batch = page.evaluate("() => window.zoufangField.all().then(xs => xs.map(x => x.item))")
    assert len(batch) == 3 and sum(len(x["issues"]) for x in batch) == 2
    live.shot(page, "field_outbox_pending_phone")
    page.tap("#logout")  # signing out with a full outbox asks first; cancelled here
    page.wait_for_timeout(500)
    assert phone.dialogs and "3 条走访记录未同步" in phone.dialogs[-1]
    assert "/field/route" in page.url and page.is_visible("#outbox-banner")

    phone.set_offline(False)
    page.wait_for_selector("#outbox-banner", state="hidden", timeout=20_000)
    after = _counts(live)
    assert after[:2] == (before[0] + 3, before[1] + 2)
    again = page.evaluate("""(batch) => fetch('/api/v1/me/sync', {method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token':
                  document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({visits: batch})}).then(r => r.json())""", batch)
    assert again["counts"] == {"created": 0, "duplicate": 3, "refused": 0, "conflict": 0}
    assert _counts(live)[:2] == after[:2]
    with live.world.store.session() as s:
        texts = set(s.scalars(select(Issue.text).where(Issue.client_id.is_not(None))))
    assert {"楼道灯坏了", "路口缺少路灯"} <= texts
    live.shot(page, "field_outbox_synced_phone")
    assert [p for p in live.take_problems() if "internetdisconnected" not in p.lower()
            and "ERR_INTERNET_DISCONNECTED" not in p] == []
    phone.close()


def _phone_on_first_day(live: Live) -> tuple[Phone, dt.date, list[str]]:
    """cadre1's phone at its first stop, on the route page of its first day, kept offline."""
    first, stops = _route_days(live)[0]
    phone = Phone(live, *_point(live, stops[0]))
    phone.page.goto(live.url(f"/field/route?day={first.isoformat()}"))
    _ready(phone.page)
    return phone, first, stops


def test_signing_out_leaves_nothing_on_the_phone(field_live: Live) -> None:
    """Confirmed sign-out with a full outbox deletes it: the next cadre finds none of it.

    Before, the outbox stayed in IndexedDB and was sent under whoever signed in next on
    the phone, and the residents' ids, notes and issue texts stayed on it.
    """
    live = field_live
    phone, first, stops = _phone_on_first_day(live)
    page = phone.page
    phone.set_offline(True)
    page.reload()
    _record(page, stops[0], "not_home")
    assert page.inner_text("#outbox-count") == "1 条待同步"
    phone.set_offline(False)
    page.route("**/api/v1/me/sync", lambda route: route.abort())  # the sync does not get through
    phone.accept_dialogs = True
    with page.expect_navigation(wait_until="load"):
        page.tap("#logout")
    assert "将从手机上删除" in phone.dialogs[-1]
    assert "/login" in page.url
    live.login(page, "cadre1")
    page.goto(live.url("/field/"))
    assert page.evaluate("() => window.zoufangField.all().then(xs => xs.length)") == 0
    phone.close()


_PUT = """([cid, target, at]) => idb.openDB("zoufang-field", 1).then(d => d.put("outbox", {
    client_id: cid, state: "pending", item: {client_id: cid, target: target, at: at,
    mode: "in_home", outcome: "not_home", notes: "", lon: null, lat: null, issues: [],
    card: false, survey: false, leaflet: false, solved: false}}))"""


def test_outbox_sends_what_was_saved_during_a_sync_and_drops_a_refused_one(
        field_live: Live) -> None:
    """A record saved while a sync runs goes out in the next; a refused one can be removed.

    Before, ``sync()`` during a sync returned the running one, whose batch did not hold
    the new record, and the form said "no network" on a phone that was online; a refused
    record stayed in the outbox with no way to clear it.
    """
    live = field_live
    phone, first, stops = _phone_on_first_day(live)
    page = phone.page
    at = f"{first.isoformat()} 19:00"
    before = _counts(live)
    got = page.evaluate("""async ([put, a, b, at]) => {
        const putIt = eval(put);
        await putIt(["race-aaaa", a, at]);
        const one = window.zoufangField.sync();
        await putIt(["race-bbbb", b, at]);
        const two = await window.zoufangField.sync();   // called while `one` runs
        await one;
        return two;
    }""", [_PUT, stops[0], stops[1], at])
    assert got["race-bbbb"]["result"] == "created", got
    assert _counts(live)[0] == before[0] + 2
    page.evaluate("([put, at]) => eval(put)(['nope-nope', 'NO-SUCH', at])", [_PUT, at])
    page.evaluate("() => window.zoufangField.sync()")
    page.wait_for_selector("#outbox-failed:not([hidden]) .remove-failed")
    assert "NO-SUCH" in page.inner_text("#outbox-failed")
    phone.accept_dialogs = True
    page.tap("#outbox-failed .remove-failed")
    page.wait_for_selector("#outbox-failed", state="hidden")
    assert page.evaluate("() => window.zoufangField.all().then(xs => xs.length)") == 0
    assert "删除后将从手机上清除" in phone.dialogs[-1]
    phone.close()


def test_other_households_refused_and_far_gps_flagged(field_live: Live) -> None:
    """X1 (no area of cadre1) is refused with the reason; a point 15 km off is flagged."""
    live = field_live
    day, stops = _route_days(live)[-1]
    ext = stops[-1]
    lon, lat = _point(live, ext)
    phone = Phone(live, lon + 0.17, lat)  # about 15 km east of the household
    page = phone.page
    x1 = live.world.targets["X1"]
    r = page.goto(live.url(f"/field/record/{x1}"))
    assert r is not None and r.status == 403 and "周九" not in page.content()
    live.take_problems()  # the 403 above is the point
    refused = page.evaluate("""() => fetch('/api/v1/me/sync', {method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token':
                  document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({visits: [{client_id: 'x1-refused-0001', target: 'X1',
              at: '2022-03-09 19:00', mode: 'in_home', outcome: 'visited'}]})})
        .then(r => r.json())""")
    res = refused["results"][0]
    assert res["result"] == "refused" and res["status"] == 403 and "未登记" in res["error"]
    page.goto(live.url(f"/field/route?day={day.isoformat()}"))
    before = _counts(live)
    page.locator(".stop-target", has=page.locator(f"text={ext}")).locator("a.rec").tap()
    page.wait_for_selector('#gps-status[data-state="far"]', timeout=20_000)
    warn = page.inner_text("#integrity-warn")
    assert "超过 300 米" in warn and "标记核查" in warn
    live.shot(page, "field_record_far_phone")
    page.locator("label:has(#outcome-visited) span").tap()
    with page.expect_navigation(wait_until="load"):
        page.tap("#save")
    assert "已标记核查" in page.inner_text("#js-flash")
    assert _counts(live) == (before[0] + 1, before[1], before[2] + 1)
    with live.world.store.session() as s:
        f = s.scalars(select(IntegrityFlag).order_by(IntegrityFlag.id.desc())).first()
        assert f is not None and f.code == "gps_far" and 14_000 < (f.value or 0) < 16_000
    assert live.take_problems() == []
    phone.close()


def test_gps_taken_for_a_target_with_no_position(field_live: Live) -> None:
    """A household with no point: the GPS line says the point was taken, no distance."""
    live = field_live
    day, stops = _route_days(live)[0]
    ext = stops[0]
    lon, lat = _point(live, ext)
    with live.world.store.session() as s:
        t = s.scalar(select(Target).where(Target.ext_id == ext))
        assert t is not None
        t.lon = t.lat = None
    phone = Phone(live, lon, lat)
    try:
        page = phone.page
        page.goto(live.url(f"/field/record/{live.world.targets[ext]}"))
        page.wait_for_selector('#gps-status[data-state="ok"]', timeout=20_000)
        text = page.inner_text("#gps-status")
        assert "无法核对距离" in text and f"{lon:.5f}" in text and "正在定位" not in text
        assert page.is_hidden("#integrity-warn")
        assert live.take_problems() == []
    finally:
        phone.close()
        with live.world.store.session() as s:
            t = s.scalar(select(Target).where(Target.ext_id == ext))
            assert t is not None
            t.lon, t.lat = lon, lat


def test_error_keeps_what_was_typed(field_live: Live) -> None:
    """Saving with no outcome, or a four-ones in a not-home visit: told in Chinese, kept."""
    live = field_live
    day, stops = _route_days(live)[0]
    ext = stops[0]
    phone = Phone(live, *_point(live, ext))
    page = phone.page
    page.goto(live.url(f"/field/route?day={day.isoformat()}"))
    page.locator(".stop-target", has=page.locator(f"text={ext}")).locator("a.rec").tap()
    page.wait_for_selector('#gps-status[data-state="ok"]', timeout=20_000)
    page.fill("#notes", "门口有狗，注意")
    page.tap("#add-issue")
    page.locator("#issues .issue-row textarea").fill("下水道堵塞")
    page.tap("#save")
    assert "请先选择走访结果" in page.inner_text("#form-errors")
    page.locator("label:has(#one-card) span").tap()
    page.locator("label:has(#outcome-not_home) span").tap()
    before = _counts(live)
    page.tap("#save")
    page.wait_for_selector("#form-errors li:has-text('四个一')", timeout=10_000)
    assert page.input_value("#notes") == "门口有狗，注意"
    assert page.locator("#issues .issue-row textarea").input_value() == "下水道堵塞"
    assert "/field/record/" in page.url and _counts(live) == before
    assert page.evaluate("() => window.zoufangField.all().then(xs => xs.length)") == 0
    live.shot(page, "field_record_error_phone")
    phone.close()
    live.take_problems()


def test_home_cards_search_and_stop_card(field_live: Live) -> None:
    """Home: the cadre's name, progress, area map, cards; search; a stop's card."""
    live = field_live
    phone = Phone(live, *_point(live, "T1"))
    page = phone.page
    page.goto(live.url("/field/"))
    assert page.inner_text("#me .who") == "刘一"
    assert "/" in page.inner_text("#p-visited")
    page.wait_for_selector('.folium-map[data-ready="1"]', timeout=20_000)
    cards = page.locator("#my-area .hh-card")
    n = cards.count()
    assert n >= 7 and page.locator("#my-area a.tel").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    live.shot(page, "field_home_phone")
    page.fill("#area-search", "测试村T3")
    assert page.locator("#my-area .hh-card:visible").count() == 1
    page.fill("#area-search", "王五")
    assert page.locator("#my-area .hh-card:visible").count() == 1
    page.fill("#area-search", "没有这个人")
    assert page.locator("#my-area .hh-card:visible").count() == 0
    assert page.is_visible("#area-no-match")
    page.fill("#area-search", "")
    assert page.locator("#my-area .hh-card:visible").count() == n
    page.locator("#my-area .hh-card", has=page.locator("text=T1 ·")).locator("a.name").tap()
    page.wait_for_selector("#stop-card")
    assert "张三" in page.inner_text("h1") and page.locator("#record-visit").is_visible()
    assert page.locator("#issues-here li").count() >= 2  # I1 and I2 of T1
    live.shot(page, "field_stop_card_phone")
    assert live.take_problems() == []
    phone.close()
