"""The field pages without a browser: home, a stop's card, the record form, the offline parts.

On the web world with the hand-made areas of ``tests/web/areas.py`` (cadre1 = C1 刘一,
area G1+G2: T1 T2 T3 T6) and on the routed world for the route page. The record form
posted without the script (the server path) keeps everything typed on an error and says
in Chinese what to fix; any number of issues land with the visit; a far GPS point is
stored and flagged; another cadre's household is refused without a word about it.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from zoufang.campaign.store import IntegrityFlag, Issue, Visit

from .areas import store_areas
from .conftest import Web


def _counts(web: Web) -> tuple[int, int, int]:
    with web.app.extensions["zoufang_store"].session() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(m)) or 0)  # type: ignore[return-value]
                     for m in (Visit, Issue, IntegrityFlag))


def test_home_shows_name_progress_cards(web: Web) -> None:
    """The cadre's real name and area, progress, one card per household with tel: links."""
    store_areas(web.app.extensions["zoufang_store"], web.world)
    cadre, _ = web.client("cadre1")
    html = cadre.get("/field/").get_data(as_text=True)
    assert '<span class="who">刘一</span>' in html and "区域1" in html
    cards = re.findall(r'<article class="hh-card status-(\w+)" data-search="([^"]*)"', html)
    assert len(cards) == 4  # T1 T2 T3 T6
    assert {s for s, _ in cards} <= {"visited", "not_home", "due"}
    assert any("t1" in q and "张三" in q and "13812341234" in q for _, q in cards)
    assert 'href="tel:13812341234"' in html and 'id="p-visited"' in html
    assert 'data-ready' not in html or 'folium-map' in html
    assert "赵六" not in html  # T4 is C2's
    assert 'rel="manifest"' in html and "js/field.js" in html and "idb-8.0.4/umd.js" in html
    assert "<script>" not in html.replace('<script src="', "")  # no inline script of ours


def test_stop_card_and_record_form(web: Web) -> None:
    """A stop's card shows the household, its issues and visits; the form is prefilled."""
    store_areas(web.app.extensions["zoufang_store"], web.world)
    w = web.world
    cadre, _ = web.client("cadre1")
    card = cadre.get(f"/field/stop/{w.targets['T1']}")
    assert card.status_code == 200
    html = card.get_data(as_text=True)
    assert "张三" in html and 'id="record-visit"' in html and 'id="issues-here"' in html
    assert 'id="issues-near"' in html and 'id="earlier-visits"' in html
    form = cadre.get(f"/field/record/{w.targets['T1']}").get_data(as_text=True)
    assert 'name="target" value="T1"' in form and "刘一" in form
    assert re.search(r'name="at" id="at" value="\d{4}-\d\d-\d\dT\d\d:\d\d"', form)
    for code, label in (("visited", "已走访"), ("not_home", "不在家"), ("refused", "拒访"),
                        ("vacant", "空关")):
        assert f'id="outcome-{code}"' in form and f"<span>{label}</span>" in form
    assert 'data-gps-far-m="300.0"' in form or 'data-gps-far-m="300"' in form
    for ref in (w.targets["T4"], w.targets["X1"], 999_999):
        for url in (f"/field/stop/{ref}", f"/field/record/{ref}"):
            r = cadre.get(url)
            assert r.status_code == 403, url
            assert "赵六" not in r.get_data(as_text=True) and "周九" not in r.get_data(
                as_text=True)


def test_record_form_without_script(web: Web) -> None:
    """The server path: an error keeps what was typed; two issues land; far GPS flagged."""
    store_areas(web.app.extensions["zoufang_store"], web.world)
    w = web.world
    cadre, tok = web.client("cadre1")
    url = f"/field/record/{w.targets['T2']}"
    before = _counts(web)
    base = {"csrf_token": tok, "mode": "in_home", "at": "2022-03-08T19:00",
            "notes": "老人独居，下次白天来", "issue_category": ["living_environment", ""],
            "issue_responsibility": ["township", "township"],
            "issue_urgency": ["normal", "normal"], "issue_text": ["楼道灯坏了", "路面积水"]}
    r = cadre.post(url, data=base)  # no outcome
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "请先选择走访结果" in html
    assert "老人独居，下次白天来" in html and "楼道灯坏了" in html and "路面积水" in html
    r = cadre.post(url, data={**base, "outcome": "visited"})  # 2nd issue has no category
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "问题类别" in html and "老人独居，下次白天来" in html
    r = cadre.post(url, data={**base, "outcome": "not_home", "card": "1",
                              "issue_category": ["living_environment", "other"]})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "四个一" in html and 'id="one-card" checked' in html
    assert _counts(web) == before
    r = cadre.post(url, data={**base, "outcome": "visited", "card": "1",
                              "issue_category": ["living_environment", "other"],
                              "lon": "116.774", "lat": "37.403",  # ~15 km east of T2
                              "next": "/field/"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/field/")
    assert _counts(web) == (before[0] + 1, before[1] + 2, before[2] + 1)
    page = cadre.get("/field/").get_data(as_text=True)
    assert "走访已登记: T2" in page and "已标记核查" in page and "超过 300 米" in page
    r = cadre.post(url, data={**base, "outcome": "visited", "issue_text": ["", ""],
                              "issue_category": ["", ""], "next": "https://evil.example/"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/field/route")
    with web.app.extensions["zoufang_store"].session() as s:
        codes = [f.code for f in s.scalars(select(IntegrityFlag).order_by(IntegrityFlag.id))]
    assert codes[-2:] == ["gps_far", "gps_missing"]
    before = _counts(web)
    r = cadre.post(f"/field/record/{w.targets['T4']}", data={**base, "outcome": "visited"})
    assert r.status_code == 403 and "赵六" not in r.get_data(as_text=True)
    assert _counts(web) == before


def test_offline_parts_are_served(sqlite_web: Web) -> None:
    """The worker, the manifest (Chinese name, icons) and the vendored libraries are served."""
    c = sqlite_web.app.test_client()  # anonymous: the browser fetches these itself
    sw = c.get("/field/sw.js")
    assert sw.status_code == 200 and sw.mimetype == "text/javascript"
    text = sw.get_data(as_text=True)
    assert "workbox-7.4.1/workbox-sw.js" in text and "googleapis" not in text.replace(
        "storage.googleapis", "")
    man = c.get("/field/manifest.webmanifest")
    assert man.status_code == 200 and man.mimetype == "application/manifest+json"
    body = json.loads(man.get_data(as_text=True))
    assert body["short_name"] == "走访助手" and body["lang"] == "zh-CN"
    for icon in body["icons"]:
        with c.get(icon["src"]) as r:
            assert r.status_code == 200 and r.data, icon
    for f in ("workbox-7.4.1/workbox-sw.js", "workbox-7.4.1/workbox-core.prod.js",
              "workbox-7.4.1/workbox-routing.prod.js", "workbox-7.4.1/workbox-strategies.prod.js",
              "workbox-7.4.1/workbox-expiration.prod.js", "workbox-7.4.1/LICENSE",
              "idb-8.0.4/umd.js", "idb-8.0.4/LICENSE"):
        with c.get(f"/static/vendor/{f}") as r:
            assert r.status_code == 200 and b"sourceMappingURL" not in r.data, f
    assert c.get("/field/").status_code == 302  # the pages themselves are not public


def test_route_page_cards_and_prefetch(route_web: Web) -> None:
    """Numbered stop cards with 登记走访, the next days to keep, no inline script of ours."""
    cadre, _ = route_web.client("cadre1")
    html = cadre.get("/field/route?day=2022-03-01").get_data(as_text=True)
    cards = re.findall(r'<li class="stop-card" id="stop-(\d+)"', html)
    assert cards and cards == sorted(cards, key=int)
    assert html.count('class="button rec"') >= len(cards)
    m = re.search(r'data-prefetch="([^"]*)"', html)
    assert m
    urls = json.loads(m.group(1).replace("&#34;", '"').replace("&quot;", '"'))
    assert any(u.startswith("/field/route?day=2022-03-0") for u in urls)
    assert any(u.startswith("/field/record/") for u in urls)
    assert "js/field-route.js" in html and "zf-stop-no" not in html.split("<main>")[1]
    home = cadre.get("/field/route").get_data(as_text=True)
    assert 'id="not-today"' in home  # today (2020s) has no route: the next day with one
