"""Benchmark: page weight and load time of the planner's township map, in headless chromium.

The demo township (示范镇, ~12,700 targets in 58 grids) is built into
``benchmarks/_work/web-demo`` and served by the app (waitress-like threads, werkzeug's
server on localhost). Two pages are loaded in Debian's chromium, with every other host
blocked, ``--repeat`` times each in a fresh browser context (cold cache), alternating:

- **zoufang**: ``/planner/`` — a folium map whose grids and targets come from the API as
  GeoJSON, drawn with marker clustering (``zoufang-map.js``);
- **naive baseline**: the same map written the usual way — one ``folium.Marker`` per
  target (with a tooltip; folium's popups would need jQuery), embedded in the HTML —
  with the same vendored Leaflet (so it loads offline too; only the way the points are
  made differs).

Measured per load: bytes transferred and decoded (HTML, scripts, styles, API data; tiles
of the offline basemap excluded and counted apart), time from navigation start until
every target is on the map (zoufang: the map's ``data-ready``; baseline: the ``load``
event, its markers being made by the page's inline script), the time to zoom in one
level and draw, the page's DOM size and JS heap. Also timed once: building the page in
Python (the baseline's folium rendering vs. the zoufang page and its GeoJSON).

Run::

    python benchmarks/bench_web.py [--repeat 3]

and it rewrites the ``web`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402

from zoufang.campaign.store import open_store  # noqa: E402

WORK = Path(__file__).resolve().parent / "_work" / "web-demo"
CHROMIUM = os.environ.get("ZOUFANG_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
PASSWORD = "timing-run-password-1"  # the password policy refuses one containing "bench"


def build_store() -> str:
    """The demo township in a SQLite store under benchmarks/_work (rebuilt if absent)."""
    from sqlalchemy import select

    from zoufang import passwords
    from zoufang.campaign.accounts import add_user
    from zoufang.campaign.store import User
    from zoufang.demo.build import build_demo

    db = WORK / "zoufang.sqlite"
    url = f"sqlite:///{db}"
    if not db.exists():
        shutil.rmtree(WORK, ignore_errors=True)
        build_demo(WORK, db_url=url)
    st = open_store(url)
    with st.session() as s:
        if s.scalar(select(User.id).where(User.name == "bench")) \
                is None:
            passwords.PASSWORD_METHOD = "pbkdf2:sha256:1000"
            add_user(s, "bench", "planner", PASSWORD, township="示范镇")
    st.dispose()
    return url


def naive_html(url: str) -> tuple[str, float, int]:
    """Build the baseline page (one folium.Marker per target).

    Returns the page, its build time (s) and the number of markers.
    """
    from sqlalchemy import select

    from zoufang.campaign.store import Target
    from zoufang.web.basemaps import BASEMAPS
    from zoufang.web.maps import naive_marker_map

    st = open_store(url)
    with st.session() as s:
        pts = [(lat, lon, f"{ext} {kind}") for ext, kind, lon, lat in s.execute(
            select(Target.ext_id, Target.kind, Target.lon, Target.lat)
            .where(Target.lon.is_not(None)))]
    st.dispose()
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    t0 = time.perf_counter()
    m = naive_marker_map(BASEMAPS["blank"], pts,
                         bounds=[[min(lats), min(lons)], [max(lats), max(lons)]])
    html = m.get_root().render()
    return html, time.perf_counter() - t0, len(pts)


class Recorder:
    """Bytes of every response of one page load, and requests to other hosts."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, int, int]] = []
        self.finished: list[Any] = []
        self.blocked: list[str] = []
        self.failed_urls: list[str] = []
        self.last = time.monotonic()

    def seen(self) -> None:
        """A request started or ended now."""
        self.last = time.monotonic()

    def quiet(self, page: Any, seconds: float = 1.0, limit: float = 300.0) -> None:
        """Wait until no request started or ended for ``seconds``.

        (Playwright's "networkidle" never comes for the baseline page: its 12,700 marker
        images, served from the memory cache, seem to be counted as requests in flight.)
        """
        t0 = time.monotonic()
        while time.monotonic() - self.last < seconds and time.monotonic() - t0 < limit:
            page.wait_for_timeout(200)

    def failed(self, request: Any) -> None:
        """A failed request: to another host (blocked by the resolver rules) or not."""
        if urlsplit(request.url).hostname not in ("127.0.0.1", "localhost"):
            self.blocked.append(request.url)
        elif "/tiles/" not in request.url and "favicon" not in request.url:
            # (Leaflet cancels tiles of zoom levels it leaves; a navigation, the icon)
            self.failed_urls.append(request.url)

    def measure(self) -> None:
        """Sizes of the finished requests (asked after the load: never inside an event)."""
        for req in self.finished:
            try:
                resp = req.response()
                body = len(resp.body()) if resp is not None else 0
                sent = int(req.sizes()["responseBodySize"])
            except Exception:  # a response whose body went away (an aborted tile)
                continue
            self.rows.append((req.url, sent, body))


def load(browser: Any, base: str, path: str, *, ours: bool) -> dict[str, float]:
    """Load ``path`` once in a fresh context; return its figures."""
    rec = Recorder()
    # No request interception here: Playwright turns the browser cache off when it routes
    # requests, which would make the baseline re-request its marker icon 25,000 times.
    # Other hosts are blocked by the resolver rules (FLAGS) and recorded as failures.
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(300_000)
    page.on("request", lambda r: rec.seen())
    page.on("requestfinished", lambda r: (rec.finished.append(r), rec.seen()))
    page.on("requestfailed", lambda r: (rec.failed(r), rec.seen()))
    page.goto(base + "/login?next=/api/v1/me")  # no map behind the log-in
    page.fill("#username", "bench")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("#login-button")
    rec.finished.clear()
    page.goto(base + path, wait_until="load", timeout=300_000)
    if ours:
        page.wait_for_selector('.folium-map[data-ready="1"]', timeout=300_000)
        ready = page.evaluate("performance.now()")
        counts = json.loads(page.get_attribute(".folium-map", "data-features"))
        n = counts["targets"]
    else:
        ready = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        n = page.evaluate("document.querySelectorAll('.leaflet-marker-icon').length")
    rec.quiet(page)
    zoom_ms = page.evaluate("""() => new Promise((resolve) => {
        const el = document.querySelector('.folium-map');
        const map = window[el.id];
        const t0 = performance.now();
        map.once('zoomend', () => requestAnimationFrame(() => requestAnimationFrame(
            () => resolve(performance.now() - t0))));
        map.setZoom(map.getZoom() + 1, {animate: false});
    })""")
    dom = page.evaluate("document.getElementsByTagName('*').length")
    heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
    rec.quiet(page)
    rec.measure()
    tiles = [r for r in rec.rows if "/tiles/" in r[0]]
    rest = [r for r in rec.rows if "/tiles/" not in r[0]]
    out = {"ready_ms": float(ready), "zoom_ms": float(zoom_ms), "dom": float(dom),
           "heap_mb": heap / 2**20, "sent_kb": sum(r[1] for r in rest) / 1024,
           "decoded_kb": sum(r[2] for r in rest) / 1024, "requests": float(len(rest)),
           "tiles_kb": sum(r[1] for r in tiles) / 1024, "markers": float(n),
           "html_kb": next((r[2] for r in rest if urlsplit(r[0]).path == path), 0) / 1024}
    if rec.blocked or rec.failed_urls:
        raise RuntimeError(f"{path}: blocked {rec.blocked[:3]}, failed {rec.failed_urls[:3]}")
    ctx.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the ``web`` section of BENCHMARKS.md."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from zoufang.web import create_app

    url = build_store()
    html, naive_build_s, n_markers = naive_html(url)
    app = create_app({"DB_URL": url, "SECRET_KEY": "bench", "BASEMAP": "blank"})
    app.add_url_rule("/bench/naive", "bench_naive", lambda: html)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    client = app.test_client()
    # Python side: the zoufang page and its two GeoJSON responses, timed in-process.
    import re

    tok = re.search(r'name="csrf_token" value="([^"]+)"',
                    client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": tok})
    t0 = time.perf_counter()
    for p in ("/planner/", "/api/v1/township/grids.geojson",
              "/api/v1/township/targets.geojson", "/api/v1/township/problems.geojson"):
        assert client.get(p).status_code == 200, p
    ours_build_s = time.perf_counter() - t0

    results: dict[str, list[dict[str, float]]] = {"ours": [], "naive": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        load(browser, base, "/planner/", ours=True)  # warm the server's caches once
        for _ in range(args.repeat):
            results["ours"].append(load(browser, base, "/planner/", ours=True))
            results["naive"].append(load(browser, base, "/bench/naive", ours=False))
            for k in results:
                if results[k][-1]["markers"] != n_markers:
                    raise RuntimeError(f"{k}: {results[k][-1]['markers']:.0f} targets on "
                                       f"the map, expected {n_markers}")
        browser.close()
    server.shutdown()

    def med(k: str, key: str) -> float:
        return statistics.median(r[key] for r in results[k])

    def best(k: str, key: str) -> float:
        return min(r[key] for r in results[k])

    rows = []
    for k, label in (("ours", "**zoufang** `/planner/` (GeoJSON from the API + clustering)"),
                     ("naive", "naive: one `folium.Marker` (+ tooltip) per target in the HTML")):
        rows.append(
            f"| {label} | {med(k, 'html_kb'):,.0f} | {med(k, 'sent_kb'):,.0f} | "
            f"{med(k, 'decoded_kb'):,.0f} | {med(k, 'requests'):.0f} | "
            f"{best(k, 'ready_ms') / 1000:.2f} | {med(k, 'ready_ms') / 1000:.2f} | "
            f"{med(k, 'zoom_ms'):,.0f} | {med(k, 'dom'):,.0f} | {med(k, 'heap_mb'):.0f} |")
    ratio = med("naive", "ready_ms") / med("ours", "ready_ms")
    text = "\n".join([
        "## Planner map of a whole township (`web`)",
        "",
        f"The demo township 示范镇: {n_markers:,} targets with a point in 58 grids, served by "
        "the app on localhost and loaded in headless Debian chromium (software rendering, "
        "1280 × 900) with every other host blocked, each page in a fresh context (cold "
        f"cache), {args.repeat} loads each, alternating; medians unless said. Weight = "
        "HTML + scripts + styles + API data, as sent (gzip) and decoded; the offline "
        "basemap's tiles are excluded (both pages load the same ones). Ready = from "
        "navigation start until every target is on the map. Zoom = one zoom level in, "
        "until drawn. Heap = used JS heap after load.",
        "",
        "| page | HTML KiB | sent KiB | decoded KiB | requests | ready best s | "
        "ready s | zoom ms | DOM nodes | JS heap MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        f"zoufang's map is ready {ratio:.1f}× sooner than the naive page. Building the "
        f"page in Python: zoufang page + its GeoJSON responses {ours_build_s:.2f} s; the "
        f"naive folium page {naive_build_s:.2f} s (rendering {n_markers:,} markers).",
        "",
        "Command: `python benchmarks/bench_web.py --repeat "
        f"{args.repeat}` (needs Debian's chromium and the `playwright` package).",
    ])
    write_section("web", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
