"""Crawl the Chinese UI as each role in the real headless browser.

From each role's home, follow every same-site link the app draws (breadth first; at most
:data:`PER_PATTERN` pages of each shape of URL, e.g. ``/targets/<n>``, and
:data:`MAX_PAGES` in all), and fail on: an HTTP error for a page the app linked to, a
failed request, a console error, and in the visible text of the Chinese UI a raw code
(a snake_case word) or an untranslated English sentence. The language switch, sign-out and
downloads are not followed as pages (a download is fetched and must answer 200).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from urllib.parse import urldefrag, urlsplit

import pytest

from .conftest import ROLE_USERS, build_route_web_world
from .test_browser import Live, serve_live

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOMES = {"planner": "/planner/", "leader": "/leader/", "cadre1": "/field/", "admin": "/admin/"}
PER_PATTERN = 2
MAX_PAGES = 40
#: Paths not opened as pages: switching language, downloads, service worker, assets.
NOT_PAGES = re.compile(r"^/(lang/|logout|static/|field/sw\.js|tiles/)|"
                       r"\.(gpx|geojson|csv|xlsx|html|json|png|js|css)(\?|$)|"
                       r"/(export|download|files?)(/|\?|$)|[?&](fmt|format)=")
#: A raw code: two or more lower-case words joined by underscores.
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: An English sentence: four or more English words in a row.
ENGLISH = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,'-]+[A-Za-z][a-z]+){3,}\b")
#: Words allowed in the Chinese UI (formats, names, units).
ALLOWED = re.compile(r"GPX|GeoJSON|CSV|Excel|OpenStreetMap|Leaflet|WGS-84|GCJ-02|BD-09|"
                     r"zoufang|uPlot|EPSG|HTML|PDF|API", re.I)


@pytest.fixture(scope="module")
def crawl_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The routed world (areas planned by the solver, routes, issues, users), and chromium."""
    yield from serve_live(tmp_path_factory, "crawl", build_route_web_world)


def _pattern(path: str) -> str:
    """The shape of a URL: numbers and ids replaced, the query's keys kept, not values."""
    parts = urlsplit(path)
    shape = re.sub(r"/\d+", "/<n>", parts.path)
    keys = sorted(k.split("=", 1)[0] for k in parts.query.split("&") if k)
    return shape + ("?" + "&".join(keys) if keys else "")


def _text_problems(text: str) -> list[str]:
    for name in ROLE_USERS:  # the test world's log-in names are data, not codes
        text = re.sub(rf"\b{re.escape(name)}\b", "", text)
    out = []
    for m in SNAKE.finditer(text):
        out.append(f"raw code {m.group(0)!r}")
    for m in ENGLISH.finditer(ALLOWED.sub("", text)):
        out.append(f"English {m.group(0)!r}")
    return out


@pytest.mark.parametrize("role", list(HOMES))
def test_crawl_every_link_as_each_role(crawl_live: Live, role: str) -> None:
    """Every page a role can reach by links: no error, no raw code, no English text."""
    live = crawl_live
    page = live.page()
    live.login(page, role)
    base = live.base
    queue: deque[str] = deque([HOMES[role]])
    seen: set[str] = set(queue)
    per_shape: dict[str, int] = {}
    found: list[str] = []
    opened = 0
    while queue and opened < MAX_PAGES:
        path = queue.popleft()
        resp = page.goto(base + path, wait_until="load")
        opened += 1
        status = resp.status if resp is not None else 0
        if status >= 400:
            found.append(f"{path}: HTTP {status}")
            live.take_problems()
            continue
        page.wait_for_load_state("networkidle")
        found += [f"{path}: {p}" for p in live.take_problems()]
        text = page.inner_text("body")
        found += [f"{path}: {p}" for p in _text_problems(text)]
        hrefs: list[str] = page.eval_on_selector_all(
            "a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            url, _ = urldefrag(href)
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or url[:len(base)] != base:
                continue
            rel = url[len(base):] or "/"
            if rel in seen:
                continue
            seen.add(rel)
            if NOT_PAGES.search(rel):
                if not rel.startswith(("/lang/", "/logout", "/static/", "/tiles/")):
                    r = page.request.get(base + rel)
                    if r.status != 200:
                        found.append(f"{path} → {rel}: download HTTP {r.status}")
                continue
            shape = _pattern(rel)
            if per_shape.get(shape, 0) >= PER_PATTERN:
                continue
            per_shape[shape] = per_shape.get(shape, 0) + 1
            queue.append(rel)
    page.context.close()
    assert opened >= (1 if role == "admin" else 10), f"{role} reached only {opened} pages"
    assert found == [], f"{len(found)} problems on {opened} pages:\n" + "\n".join(
        sorted(set(found))[:120])


def test_text_checks_catch_codes_and_english() -> None:
    """The checks find a raw code and an English sentence, and let formats through."""
    assert _text_problems("状态：days_full") == ["raw code 'days_full'"]
    assert _text_problems("use the skip invalid option") == [
        "English 'use the skip invalid option'"]
    assert _text_problems("下载 GPX · GeoJSON · CSV 文件") == []
    assert _pattern("/targets/12?day=2022-03-01&phase=push") == "/targets/<n>?day&phase"
