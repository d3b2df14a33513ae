"""Benchmark: the forecast ("can this phase reach 100 %?") against the routes on the demo.

Builds the demo township (``zoufang.demo.build.build_demo``: files, import, visit areas)
in a temporary directory, then for the chosen phase (default the push, 集中走访,
2022-03-01 to 03-10):

- times :func:`zoufang.campaign.forecast.forecast_campaign` (the availability model, no
  routes solved) and reads its targets, reachable and left out;
- plans the routes of the same phase with :func:`zoufang.campaign.routes.plan_routes`
  (straight lines × detour, the same travel the forecast assumes; ``--roads`` for the
  demo's road network) and reads what they leave out, and how many cadres got the
  checked greedy schedule as a fallback (``figures["fallback"]``);
- with ``--hogs N``, N busy processes run during the route planning (a loaded machine).

Reported: forecast time, forecast vs routes left out (difference as a share of the
targets; the bar is 3 %), fallbacks and failed cadres.

Run: ``python benchmarks/bench_forecast.py [--phase push] [--time-limit 1] [--hogs 0]``;
writes the ``forecast`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import write_section  # noqa: E402

from zoufang.campaign.forecast import forecast_campaign  # noqa: E402
from zoufang.campaign.routes import plan_routes  # noqa: E402
from zoufang.campaign.store import open_store  # noqa: E402
from zoufang.demo.build import build_demo  # noqa: E402

AS_OF = dt.datetime(2022, 3, 1)


def _hog(seconds: float) -> None:
    """Keep one CPU busy for ``seconds``."""
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:
        x = (x * 31 + 7) % 1_000_003


def main() -> None:
    """Run the benchmark and write its section."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phase", default="push")
    ap.add_argument("--time-limit", type=float, default=1.0, help="seconds per cadre")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--hogs", type=int, default=0, help="busy processes during routing")
    ap.add_argument("--roads", action="store_true", help="route over the demo's roads")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        db_url = f"sqlite:///{tmp}/demo.sqlite"
        build_demo(Path(tmp), db_url=db_url, routes=False)
        build_s = time.perf_counter() - t0
        store = open_store(db_url)
        t0 = time.perf_counter()
        fc = forecast_campaign(store, phase=args.phase, as_of=AS_OF)
        fc_s = time.perf_counter() - t0
        full = forecast_campaign(store, phase="visit", as_of=AS_OF)
        hogs = [mp.Process(target=_hog, args=(3600.0,), daemon=True)
                for _ in range(args.hogs)]
        for h in hogs:
            h.start()
        try:
            t0 = time.perf_counter()
            res = plan_routes(store, phase=args.phase, as_of=AS_OF,
                              time_limit_s=args.time_limit, workers=args.workers,
                              roads=Path(tmp) / "roads.geojson" if args.roads else None)
            routes_s = time.perf_counter() - t0
        finally:
            for h in hogs:
                h.terminate()
        store.dispose()

    diff = fc.left_out - res.n_left_out
    share = 100.0 * abs(diff) / max(1, fc.targets)
    fb = int(res.figures.get("fallback", 0))
    lines = [
        f"Demo township built in {build_s:.0f} s: {len(fc.cadres)} cadres, {fc.targets} "
        f"targets, phase {fc.phase} ({fc.phase_name}) {fc.first_day} to {fc.last_day}, "
        f"default routing settings, travel {res.travel}, `--time-limit {args.time_limit:g}` "
        f"s per cadre, `--workers {args.workers}`, {args.hogs} CPU hog(s) during routing.",
        "",
        "| | forecast (availability model) | plan routes |",
        "|---|---:|---:|",
        f"| time | {fc_s:.2f} s | {routes_s:.0f} s |",
        f"| targets | {fc.targets} | {res.n_targets} |",
        f"| reachable / routed | {fc.reachable} | {res.n_routed} |",
        f"| left out | {fc.left_out} | {res.n_left_out} |",
        f"| left out by reason | {', '.join(f'{k} {v}' for k, v in sorted(fc.reasons.items()))}"
        f" | {', '.join(f'{k} {v}' for k, v in sorted(res.figures.get('reasons', {}).items()))}"
        " |",
        "",
        f"Forecast − routes left out: {diff:+d} targets = {share:.1f} % of the targets (bar: "
        f"≤ 3 %: {'met' if share <= 3.0 else 'MISSED'}). Cadres with the checked greedy "
        f"fallback: {fb} of {len(res.cadres)} ({100.0 * fb / max(1, len(res.cadres)):.1f} %); "
        f"failed: {res.figures.get('failed', 0)}; checker violations: "
        f"{res.figures.get('violations', 0)}. The whole visit phase ({full.first_day} to "
        f"{full.last_day}) forecast: {full.reachable} of {full.targets} reachable, "
        f"{full.left_out} left out, {full.extra_cadre_days} extra cadre-days.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("forecast", "## Forecast vs routes on the demo township "
                      "(`bench_forecast.py`)\n\n" + text)


if __name__ == "__main__":
    main()
