"""Benchmark: the field cadre's phone pages, today's against the desktop pages before them.

Both apps are built from the demo township (``zoufang demo --no-serve``, the same seed)
in their own folder and served with waitress in their own process: "before" is the
package at ``--baseline`` (default ``f735578``, the commit before the phone app), extracted
with ``git archive``; "after" is the package at ``--after`` (default the working tree).
Debian's chromium (Playwright) opens each as the demo's cadre on a 390×844 touch phone:

- **taps to a saved visit** — from the route page of the first route day to a visit of
  its first stop stored in the database. Today: 登记走访 on the stop's card, the outcome,
  保存. Before: the nav link to the home page, the swipes to its visit form (the form's
  bottom over the viewport's height), a tap in the 编号 field, the 编号 typed, the
  outcome's drop-down and its option, 保存. Each path is driven in the browser and the
  stored visit checked.
- **route page on slow 3G** — a cold load (new context, no cache, no service worker) of
  the route page under Chrome DevTools' "Slow 3G" profile through CDP (2,000 ms latency,
  50 KiB/s down, 50 KiB/s up): bytes over the network until the load event and until the
  network is idle, the time to the first stop on screen and to the load event. Median of
  ``--repeats`` (before and after alternating), with the range.
- **sync of 200 queued visits** — today only (the pages before had no outbox): 200
  visits put in the phone's outbox (IndexedDB), then ``zoufangField.sync()`` until the
  outbox is empty, with no throttling and with slow 3G; the 200 visits are checked in the
  database.

It rewrites the ``field`` section of BENCHMARKS.md.

Run::

    python benchmarks/bench_field.py [--repeats 3 --baseline f735578 --after REF]
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402
from bench_import import _baseline  # noqa: E402

CHROMIUM = os.environ.get("ZOUFANG_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "zoufang-demo"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "permissions": ["geolocation"]}
#: Chrome DevTools' "Slow 3G" preset (the figures DevTools itself uses).
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50 * 1024,
           "uploadThroughput": 50 * 1024}


@dataclass
class App:
    """One built and served demo app."""

    label: str
    src: Path
    db: Path
    url: str
    proc: subprocess.Popen[bytes]
    logs: list[str] = field(default_factory=list)

    def sql(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        """Run ``query`` on the app's SQLite store."""
        con = sqlite3.connect(self.db)
        try:
            return list(con.execute(query, args).fetchall())
        finally:
            con.close()


#: The ``zoufang`` command of the package on PYTHONPATH (its console script's entry).
_CLI = [sys.executable, "-c", "import sys; from zoufang.cli import main; sys.exit(main())"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _build_and_serve(label: str, src: Path, folder: Path) -> App:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = folder / label
    t0 = time.perf_counter()
    subprocess.run([*_CLI, "demo", "--no-serve", "--dir", str(out)],
                   env=env, check=True, capture_output=True)
    print(f"{label}: demo built in {time.perf_counter() - t0:.0f} s", flush=True)
    db = out / "zoufang.sqlite"
    port = _free_port()
    proc = subprocess.Popen([*_CLI, "serve", "--port", str(port),
                             "--db", f"sqlite:///{db}"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return App(label, src, db, url, proc)


def _first_day(app: App) -> tuple[str, str]:
    """The demo cadre's first route day and the 编号 of its first stop."""
    cadre = app.sql("SELECT c.ext_id FROM users u JOIN cadres c ON c.id = u.cadre_id "
                    "WHERE u.name = 'cadre'")[0][0]
    day, ext = app.sql(
        "SELECT d.day, t.ext_id FROM route_days d JOIN route_stops s ON s.day_id = d.id "
        "JOIN targets t ON t.id = s.target_id JOIN route_plans p ON p.id = s.plan_id "
        "WHERE d.cadre_ext_id = ? AND p.status = 'current' "
        "ORDER BY d.day, s.stop, s.unit_order LIMIT 1", cadre)[0]
    return str(day), str(ext)


def _context(browser: Any, app: App, lonlat: tuple[float, float] | None = None) -> Any:
    ctx = browser.new_context(geolocation={"longitude": lonlat[0], "latitude": lonlat[1]}
                              if lonlat else None, **PHONE)
    page = ctx.new_page()
    page.goto(f"{app.url}/login")
    page.fill("#username", "cadre")
    page.fill("#password", PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.click("#login-button")
    return ctx, page


def _visits(app: App) -> int:
    return int(app.sql("SELECT count(*) FROM visits")[0][0])


def taps_after(browser: Any, app: App) -> dict[str, Any]:
    """Route page → 登记走访 → outcome → 保存, in the browser; the visit checked stored."""
    day, ext = _first_day(app)
    lon, lat = app.sql("SELECT lon, lat FROM targets WHERE ext_id = ?", ext)[0]
    ctx, page = _context(browser, app, (lon, lat))
    page.goto(f"{app.url}/field/route?day={day}")
    before = _visits(app)
    taps = 0
    page.locator(".stop-target", has=page.locator(f"text={ext}")).first.locator(
        "a.rec").tap()
    taps += 1
    page.wait_for_selector("#record-form")
    page.wait_for_selector('#gps-status:not([data-state="wait"])', timeout=20_000)
    page.locator("label:has(#outcome-visited) span").tap()
    taps += 1
    with page.expect_navigation(wait_until="load"):
        page.tap("#save")
        taps += 1
    stored = _visits(app) - before
    ctx.close()
    return {"taps": taps, "swipes": 0, "typed": 0, "stored": stored}


def taps_before(browser: Any, app: App) -> dict[str, Any]:
    """Route page → home → swipe to the form → type the 编号 → outcome → 保存."""
    day, ext = _first_day(app)
    ctx, page = _context(browser, app)
    page.goto(f"{app.url}/field/route?day={day}")
    before = _visits(app)
    taps = 0
    with page.expect_navigation(wait_until="load"):
        page.locator("nav a[href$='/field/']").first.tap()
        taps += 1
    bottom = page.evaluate("() => document.getElementById('visit-form')"
                           ".getBoundingClientRect().bottom + window.scrollY")
    height = PHONE["viewport"]["height"]  # type: ignore[index]
    swipes = max(0, -(-int(bottom - height) // int(height * 0.8)))  # 80 % of a screen each
    page.locator("#target").scroll_into_view_if_needed()
    page.locator("#target").tap()
    taps += 1
    page.locator("#target").type(ext)
    page.select_option("#outcome", "visited")
    taps += 2  # the drop-down, then its option
    with page.expect_navigation(wait_until="load"):
        page.locator("#save-visit").tap()
        taps += 1
    stored = _visits(app) - before
    ctx.close()
    return {"taps": taps, "swipes": swipes, "typed": len(ext), "stored": stored,
            "page_px": int(bottom)}


def route_load(browser: Any, app: App, first_stop: str) -> dict[str, float]:
    """A cold load of the route page on slow 3G: bytes and times."""
    day, _ = _first_day(app)
    ctx, page = _context(browser, app)
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    got: dict[str, float] = {}
    state = {"bytes": 0.0}

    def finished(ev: dict[str, Any]) -> None:
        state["bytes"] += float(ev.get("encodedDataLength") or 0)

    cdp.on("Network.loadingFinished", finished)
    t0 = time.perf_counter()
    page.goto(f"{app.url}/field/route?day={day}", wait_until="commit", timeout=300_000)
    page.wait_for_selector(first_stop, state="visible", timeout=300_000)
    got["first_stop_s"] = time.perf_counter() - t0
    page.wait_for_load_state("load", timeout=300_000)
    got["load_s"] = time.perf_counter() - t0
    got["load_kib"] = state["bytes"] / 1024
    page.wait_for_load_state("networkidle", timeout=300_000)
    got["idle_s"] = time.perf_counter() - t0
    got["idle_kib"] = state["bytes"] / 1024
    ctx.close()
    return got


def sync_200(browser: Any, app: App, throttle: bool) -> dict[str, float]:
    """200 visits in the outbox, then sync() until it is empty; stored once each."""
    ctx, page = _context(browser, app)
    page.goto(f"{app.url}/field/")
    page.wait_for_function("() => window.zoufangField && window.idb", timeout=60_000)
    targets = [r[0] for r in app.sql(
        "SELECT t.ext_id FROM targets t JOIN area_targets a ON a.target_id = t.id "
        "JOIN visit_areas v ON v.id = a.area_id JOIN users u ON u.cadre_id = v.cadre_id "
        "WHERE u.name = 'cadre' ORDER BY t.ext_id")]
    first = app.sql("SELECT first_day FROM route_plans WHERE status = 'current' "
                    "ORDER BY id LIMIT 1")[0][0]
    stamp = f"{time.time_ns():x}"[-10:]
    n = page.evaluate("""([targets, day, stamp]) => window.idb.openDB('zoufang-field', 1, {
          upgrade: d => d.createObjectStore('outbox', {keyPath: 'client_id'})})
        .then(d => { const tx = d.transaction('outbox', 'readwrite');
          for (let i = 0; i < 200; i++) {
            const cid = 'bench' + stamp + String(i).padStart(4, '0');
            const mm = String(i % 60).padStart(2, '0'), hh = String(8 + Math.floor(i / 60));
            tx.store.put({client_id: cid, state: 'pending', saved_at: new Date().toISOString(),
              item: {client_id: cid, target: targets[i % targets.length],
                     at: day + ' ' + hh.padStart(2, '0') + ':' + mm, mode: 'phone',
                     outcome: 'visited', issues: []}});
          }
          return tx.done.then(() => d.count('outbox')); })""", [targets, first, stamp])
    assert n >= 200, n
    if throttle:
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    before = _visits(app)
    t0 = time.perf_counter()
    page.evaluate("() => window.zoufangField.sync()")
    left = page.evaluate("() => window.zoufangField.all().then(xs => xs.length)")
    elapsed = time.perf_counter() - t0
    stored = _visits(app) - before
    ctx.close()
    return {"s": elapsed, "left": float(left), "stored": float(stored)}


def _med(xs: list[float]) -> str:
    return f"{statistics.median(xs):.1f}"


def _rng(xs: list[float]) -> str:
    return f"{min(xs):.1f}–{max(xs):.1f}"


def main() -> None:
    """Parse arguments, measure, write the section."""
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", default="f735578")
    ap.add_argument("--after", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-field-") as tmp:
        folder = Path(tmp)
        base = _baseline(args.baseline, folder)
        after_src = _baseline(args.after, folder, "after") if args.after else ROOT / "src"
        apps = {"before": _build_and_serve("before", base, folder),
                "after": _build_and_serve("after", after_src, folder)}
        stop_of = {"before": "#route-stops tr.stop-row", "after": "#stop-cards .stop-card"}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
                taps = {"before": taps_before(browser, apps["before"]),
                        "after": taps_after(browser, apps["after"])}
                print("taps", taps, flush=True)
                loads: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
                for k in range(args.repeats):
                    for label in ("before", "after") if k % 2 == 0 else ("after", "before"):
                        loads[label].append(route_load(browser, apps[label], stop_of[label]))
                        print("load", label, k, loads[label][-1], flush=True)
                syncs: dict[str, list[dict[str, float]]] = {"fast": [], "slow 3G": []}
                for _k in range(args.repeats):
                    for name, throttle in (("fast", False), ("slow 3G", True)):
                        syncs[name].append(sync_200(browser, apps["after"], throttle))
                        print("sync", name, syncs[name][-1], flush=True)
                browser.close()
        finally:
            for app in apps.values():
                app.proc.terminate()
                app.proc.wait(10)
    load = os.getloadavg()[0]
    tb, ta = taps["before"], taps["after"]
    lines = [
        "## The field cadre's phone pages (`bench_field.py`)", "",
        "The demo township built and served twice: before = the package at "
        f"`{args.baseline}` (the desktop pages before the phone app), after = "
        + (f"`{args.after}`" if args.after else "the working tree")
        + ". Debian's chromium as the demo's cadre on a 390×844 touch phone. Load average "
        f"when the run ended: {load:.1f} (other jobs share the machine).", "",
        "**From the route page to a saved visit** (driven in the browser; the visit checked "
        "in the database):", "",
        "| pages | taps | swipes | characters typed | visit stored |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| before | {tb['taps']} | {tb['swipes']} (form bottom at {tb['page_px']} px) | "
        f"{tb['typed']} | {tb['stored']} |",
        f"| after | {ta['taps']} (登记走访, outcome, 保存) | {ta['swipes']} | {ta['typed']} | "
        f"{ta['stored']} |", "",
        f"**Route page, cold, on slow 3G** (CDP: {SLOW_3G['latency']} ms latency, "
        f"{SLOW_3G['downloadThroughput'] // 1024} KiB/s down); median of {args.repeats} "
        "loads (before and after alternating), range after it:", "",
        "| pages | KiB to load | KiB to network idle | first stop on screen s | load event s "
        "| network idle s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for label in ("before", "after"):
        ls = loads[label]

        def col(key: str, ls: list[dict[str, float]] = ls) -> str:
            xs = [x[key] for x in ls]
            return f"{_med(xs)} ({_rng(xs)})"

        lines.append(f"| {label} | {col('load_kib')} | {col('idle_kib')} | "
                     f"{col('first_stop_s')} | {col('load_s')} | {col('idle_s')} |")
    lines += ["", "**Sync of 200 queued visits** (after only: the pages before had no "
              "outbox); median of the runs, range after it:", "",
              "| network | s | visits stored | left in the outbox |",
              "| --- | ---: | ---: | ---: |"]
    for name, rs in syncs.items():
        xs = [r["s"] for r in rs]
        lines.append(f"| {name} | {_med(xs)} ({_rng(xs)}) | "
                     f"{', '.join(str(int(r['stored'])) for r in rs)} | "
                     f"{', '.join(str(int(r['left'])) for r in rs)} |")
    lines += ["", f"Command: `python benchmarks/bench_field.py --repeats {args.repeats} "
              f"--baseline {args.baseline}" + (f" --after {args.after}" if args.after else "")
              + "`"]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("field", text)


if __name__ == "__main__":
    main()
