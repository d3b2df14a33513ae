"""Benchmark: visit areas (走访区域) on the demo township, against baselines, checked.

Run ``python benchmarks/bench_areas.py`` (a few minutes on 2 cores). It generates the
demo township with :func:`zoufang.demo.generate.generate_demo` into a temporary directory,
reads the files directly (households GBK/GCJ-02, units xlsx/GCJ-02, grids and cadres
WGS-84), builds the plain problem with :mod:`zoufang.planner.areas.adapter`, and compares,
on the same data in the same run:

- ours: :func:`zoufang.planner.areas.plan_areas`;
- k-means + greedy: scikit-learn k-means (one cluster per cadre, weighted by workload),
  clusters paired with cadres by commute, then each target in turn (nearest first) to the
  nearest cluster whose cadre still has capacity share left;
- spopt (PySAL) Region-KMeans, WardSpatial and SKATER with as many regions as cadres, on
  micro-units (k-means clusters of targets inside each grid; spopt does not scale to
  12,000 points on 2 cores), regions paired with cadres by commute; a method that needs
  more than ``--spopt-timeout`` seconds is reported as not finished.

Every plan is judged by :func:`zoufang.planner.areas.check.check_area_plan`. Then the
re-plan scenario: 3 cadres leave, 300 households are added, 10 cadres are locked on their
areas. Then a shortfall (capacities cut) and the infeasible inputs. The figures go to the
``areas`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import write_section  # noqa: E402

from zoufang.gis.crs import gcj02_to_wgs84  # noqa: E402
from zoufang.planner.areas import (  # noqa: E402
    AreaCheck,
    AreaInputError,
    AreaProblem,
    CadreSpec,
    Lock,
    Targets,
    check_area_plan,
    plan_areas,
    plan_from_labels,
)
from zoufang.planner.areas.adapter import build_area_problem, travel_minutes  # noqa: E402

TOL = 0.10  # the bar: every load within +-10 % of its capacity share


# --------------------------------------------------------------------------------------
# data


def load_demo(out_dir: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Generate the demo township and read its files as three WGS-84 GeoDataFrames."""
    from zoufang.demo.generate import generate_demo

    files = generate_demo(out_dir)
    grids = gpd.read_file(files.grids)
    hh = pd.read_csv(files.households, encoding="gbk", dtype=str)
    units = pd.read_excel(files.units, dtype=str)
    tg = pd.concat([hh, units], ignore_index=True)
    lon, lat = gcj02_to_wgs84(tg["经度"].astype(float), tg["纬度"].astype(float))
    try:
        from zoufang.gis.gridmap import map_points_to_grids

        gm = map_points_to_grids(lon, lat, grids, id_column="编号")
        grid_id = np.where(gm.grid_index >= 0, gm.grid_id, tg["网格"].to_numpy())
    except ImportError:  # older tree: the file's own grid column
        grid_id = tg["网格"].to_numpy()
    targets = gpd.GeoDataFrame(
        {"id": tg["编号"], "kind": tg["类型"], "tags": tg["标签"].fillna(""), "grid": grid_id},
        geometry=gpd.points_from_xy(lon, lat), crs=4326)
    cad = pd.read_csv(files.cadres, encoding="utf-8-sig", dtype={"编号": str})
    cadres = gpd.GeoDataFrame(
        {"cadre_id": cad["编号"], "rank": cad["级别"], "hours": cad["每日小时"],
         "days": cad["可用天数"]},
        geometry=gpd.points_from_xy(cad["基地经度"], cad["基地纬度"]), crs=4326)
    grids = grids.rename(columns={"编号": "grid_id", "村": "village", "村标签": "village_tags"})
    return targets, grids, cadres


def build(targets: gpd.GeoDataFrame, grids: gpd.GeoDataFrame,
          cadres: gpd.GeoDataFrame) -> AreaProblem:
    """Build the plain problem (capacity = 每日小时 x 60 x 可用天数)."""
    return build_area_problem(targets, grids, cadres, target_id_col="id", hours_col="hours",
                              days_col="days")


# --------------------------------------------------------------------------------------
# baselines


def _pair_by_commute(problem: AreaProblem, labels: np.ndarray) -> np.ndarray:
    """Relabel clusters 0..K-1 as cadre indices, minimising total commute."""
    t = problem.targets
    k = len(problem.cadres)
    cnt = np.maximum(np.bincount(labels, minlength=k), 1)
    cx = np.bincount(labels, weights=t.x, minlength=k) / cnt
    cy = np.bincount(labels, weights=t.y, minlength=k) / cnt
    bx = np.array([c.base_x for c in problem.cadres])
    by = np.array([c.base_y for c in problem.cadres])
    d = np.hypot(cx[:, None] - bx[None, :], cy[:, None] - by[None, :])
    rows, cols = linear_sum_assignment(d)
    to_cadre = np.empty(k, dtype=np.int64)
    to_cadre[rows] = cols
    return to_cadre[labels]


def kmeans_greedy(problem: AreaProblem, seed: int = 0) -> np.ndarray:
    """k-means centres, paired with cadres by commute, then capacity-greedy filling."""
    from sklearn.cluster import KMeans

    t = problem.targets
    k = len(problem.cadres)
    xy = np.column_stack([t.x, t.y])
    w = t.workload_min
    km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(xy, sample_weight=w)
    centres = km.cluster_centers_
    lab = _pair_by_commute(problem, km.labels_)
    # centre of each cadre's cluster
    cc = np.zeros((k, 2))
    for c in range(k):
        m = lab == c
        cc[c] = xy[m].mean(axis=0) if m.any() else centres[c % len(centres)]
    cap = np.array([c.capacity_min for c in problem.cadres])
    left = cap * w.sum() / cap.sum()
    d = np.hypot(xy[:, None, 0] - cc[None, :, 0], xy[:, None, 1] - cc[None, :, 1])
    order = np.argsort(d.min(axis=1), kind="stable")
    out = np.empty(len(w), dtype=np.int64)
    pref = np.argsort(d, axis=1)
    for i in order:
        for c in pref[i]:
            if left[c] >= w[i] or c == pref[i][-1]:
                out[i] = c
                left[c] -= w[i]
                break
    return out


def micro_units(problem: AreaProblem, n_units: int, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray, dict[int, list[int]]]:
    """k-means clusters of targets inside each grid; their centroids and adjacency."""
    import shapely
    from sklearn.cluster import KMeans

    t = problem.targets
    w = t.workload_min
    gl = np.bincount(t.grid, weights=w, minlength=len(problem.grids))
    unit = np.empty(len(w), dtype=np.int64)
    nxt = 0
    for g in np.flatnonzero(gl > 0):
        m = np.flatnonzero(t.grid == g)
        xy = np.column_stack([t.x[m], t.y[m]])
        k = int(max(1, min(len(np.unique(xy, axis=0)), round(n_units * gl[g] / gl.sum()))))
        lab = KMeans(n_clusters=k, n_init=1, random_state=seed).fit_predict(xy) if k > 1 \
            else np.zeros(len(m), dtype=np.int64)
        unit[m] = nxt + lab
        nxt += k
    cnt = np.bincount(unit, minlength=nxt)
    cxy = np.column_stack([np.bincount(unit, weights=t.x) / cnt,
                           np.bincount(unit, weights=t.y) / cnt])
    ugrid = np.zeros(nxt, dtype=np.int64)
    ugrid[unit] = t.grid
    adj = [set(g.neighbours) for g in problem.grids]
    edges = shapely.get_coordinates(shapely.delaunay_triangles(
        shapely.multipoints(cxy), only_edges=True)).reshape(-1, 2, 2)
    look = {tuple(p): i for i, p in enumerate(cxy.tolist())}
    nb: dict[int, list[int]] = {i: [] for i in range(nxt)}
    for a, b in edges.tolist():
        i, j = look[tuple(a)], look[tuple(b)]
        if ugrid[i] == ugrid[j] or ugrid[j] in adj[ugrid[i]]:
            nb[i].append(j)
            nb[j].append(i)
    return unit, cxy, nb


def spopt_regions(problem: AreaProblem, method: str, n_units: int, seed: int = 0
                  ) -> np.ndarray:
    """Region-KMeans, WardSpatial or SKATER over micro-units, as many regions as cadres."""
    import libpysal
    from spopt.region import RegionKMeansHeuristic, Skater, WardSpatial

    k = len(problem.cadres)
    unit, cxy, nb = micro_units(problem, n_units, seed)
    load = np.bincount(unit, weights=problem.targets.workload_min)
    gdf = gpd.GeoDataFrame({"x": cxy[:, 0], "y": cxy[:, 1], "load": load},
                           geometry=gpd.points_from_xy(cxy[:, 0], cxy[:, 1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.W(nb, silence_warnings=True)
        if method == "rkm":
            model = RegionKMeansHeuristic(cxy, k, w, seed=seed)
        elif method == "ward":
            model = WardSpatial(gdf, w, ["x", "y"], n_clusters=k)
        else:
            model = Skater(gdf, w, ["x", "y"], n_clusters=k, floor=1, trace=False)
        model.solve()
    lab = np.asarray(model.labels_, dtype=np.int64)
    _, lab = np.unique(lab, return_inverse=True)
    return _pair_by_commute(problem, lab.ravel()[unit])


def _child(queue: object, problem: AreaProblem, method: str, n_units: int) -> None:
    queue.put(spopt_regions(problem, method, n_units))  # type: ignore[attr-defined]


def spopt_with_timeout(problem: AreaProblem, method: str, n_units: int, timeout_s: float
                       ) -> np.ndarray | None:
    """Run :func:`spopt_regions` in a child process; None if it needs over ``timeout_s``."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # a fork would inherit BLAS/OpenMP threads and hang
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, problem, method, n_units))
    proc.start()
    try:
        return queue.get(timeout=timeout_s)
    except Exception:  # queue.Empty: too slow
        return None
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join()


# --------------------------------------------------------------------------------------
# scenarios


def replan_problem(problem: AreaProblem, previous: list[str], seed: int = 1
                   ) -> tuple[AreaProblem, list[str]]:
    """3 cadres leave, 300 households join near existing ones, 10 cadres are locked."""
    rng = np.random.default_rng(seed)
    cad = problem.cadres
    plain = [i for i, c in enumerate(cad) if c.rank_level == 1]
    gone = {cad[i].id for i in rng.choice(plain, 3, replace=False)}
    keep = tuple(c for c in cad if c.id not in gone)
    t = problem.targets
    hh = np.flatnonzero(t.service_min == 20.0)
    parent = rng.choice(hh, 300, replace=False)
    x = np.concatenate([t.x, t.x[parent] + rng.normal(scale=20.0, size=300)])
    y = np.concatenate([t.y, t.y[parent] + rng.normal(scale=20.0, size=300)])
    grid = np.concatenate([t.grid, t.grid[parent]])
    service = np.concatenate([t.service_min, np.full(300, 20.0)])
    rules = np.concatenate([t.rules, np.zeros(300, dtype=np.uint8)])
    travel = travel_minutes(x, y, grid)
    locked = [c.id for c in keep if c.rank_level == 1][:10]
    new = AreaProblem(Targets(x, y, grid, service, travel, rules), problem.grids, keep,
                      tuple(Lock(c) for c in locked),
                      tuple(previous) + (None,) * 300, problem.village_visit_min)
    return new, sorted(gone)


def infeasible_messages(problem: AreaProblem) -> list[tuple[str, str]]:
    """Return the message each infeasible input ends with (never a traceback)."""
    out = []
    cases = {}
    cad = list(problem.cadres)
    few = [replace(c, rank_level=min(c.rank_level, 1)) for c in cad]
    few[0] = replace(cad[0], rank_level=4, capacity_min=60.0)
    cases["more must-go targets than eligible capacity"] = lambda: plan_areas(
        replace(problem, cadres=tuple(few)), time_limit_s=20)
    cases["a cadre with zero hours"] = lambda: CadreSpec("Z1", 0.0, 0.0, 0.0, 1)
    cases["no cadres"] = lambda: replace(problem, cadres=())
    for name, fn in cases.items():
        try:
            fn()
            out.append((name, "NOT REFUSED"))
        except AreaInputError as exc:
            out.append((name, str(exc).replace("\n", " ")))
    return out


# --------------------------------------------------------------------------------------
# report


def _row(name: str, secs: float, chk: AreaCheck) -> str:
    mg = ", ".join(f"{ok}/{n}" for n, ok in chk.mustgo.values())
    return (f"| {name} | {secs:.1f} | {chk.covered_pct:.1f} | {chk.balance_max:.1%} | "
            f"{chk.balance_mean:.1%} | {chk.within_tolerance_pct:.0f} | "
            f"{chk.contiguous_pct:.0f} | {chk.split_grids} ({chk.must_split_grids}) | "
            f"{chk.commute_mean_m:.0f} / {chk.commute_max_m:.0f} | {mg} | "
            f"{len(chk.violations)} |")


def main(argv: list[str] | None = None) -> int:
    """Run every method and scenario, print the report and write BENCHMARKS.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0, help="planner budget, s")
    ap.add_argument("--no-spopt", action="store_true", help="skip the spopt baselines")
    ap.add_argument("--rkm-units", type=int, default=800)
    ap.add_argument("--ward-units", type=int, default=3000)
    ap.add_argument("--skater-units", type=int, default=450)
    ap.add_argument("--spopt-timeout", type=float, default=180.0,
                    help="give up on one spopt method after this many seconds")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        targets, grids, cadres = load_demo(Path(tmp))
        problem = build(targets, grids, cadres)
        t_build = time.perf_counter() - t0
    t = problem.targets
    cap = sum(c.capacity_min for c in problem.cadres)
    print(f"demo: {len(t)} targets, {len(problem.grids)} grids, {len(problem.cadres)} cadres; "
          f"workload {t.workload_min.sum() / 60:.0f} h (travel {t.travel_min.sum() / 60:.0f} h)"
          f", capacity {cap / 60:.0f} h; read+build {t_build:.1f} s", flush=True)

    rows = []
    t0 = time.perf_counter()
    plan = plan_areas(problem, time_limit_s=args.time_limit, seed=0)
    t_ours = time.perf_counter() - t0
    chk = check_area_plan(problem, plan, tolerance=TOL)
    print(plan.summary(), "\nviolations:", chk.violations, flush=True)
    rows.append(_row("**zoufang plan_areas**", t_ours, chk))

    t0 = time.perf_counter()
    lab = kmeans_greedy(problem)
    t_km = time.perf_counter() - t0
    chk_km = check_area_plan(problem, plan_from_labels(problem, lab), tolerance=TOL)
    rows.append(_row("k-means + greedy capacity", t_km, chk_km))
    print(rows[-1], flush=True)
    spopt_note = ""
    if not args.no_spopt:
        for method, n_units, label in (("rkm", args.rkm_units, "spopt Region-KMeans"),
                                       ("ward", args.ward_units, "spopt WardSpatial"),
                                       ("skater", args.skater_units, "spopt SKATER")):
            t0 = time.perf_counter()
            lab = spopt_with_timeout(problem, method, n_units, args.spopt_timeout)
            secs = time.perf_counter() - t0
            if lab is None:
                print(f"{label} did not finish in {args.spopt_timeout:.0f} s", flush=True)
                rows.append(f"| {label} ({n_units} micro-units) | > {args.spopt_timeout:.0f} "
                            "| did not finish | | | | | | | | |")
                continue
            c = check_area_plan(problem, plan_from_labels(problem, lab), tolerance=TOL)
            rows.append(_row(f"{label} ({n_units} micro-units)", secs, c))
            print(rows[-1], flush=True)
        spopt_note = (" spopt runs on micro-units (k-means clusters of targets inside each "
                      "grid, so a micro-unit never crosses a grid border; neighbours from the "
                      "Delaunay triangulation of their centres within a grid or across "
                      "adjacent grids) because its heuristics do not finish on 12,000 points "
                      "on 2 cores; it regionalises on the centres' coordinates and has no "
                      "workload constraint. Time includes building the micro-units.")

    # re-plan
    p2, gone = replan_problem(problem, plan.target_cadres())
    t0 = time.perf_counter()
    plan2 = plan_areas(p2, time_limit_s=args.time_limit, seed=0)
    t_re = time.perf_counter() - t0
    chk2 = check_area_plan(p2, plan2, tolerance=TOL)
    print(plan2.summary(), "\nviolations:", chk2.violations, flush=True)

    # shortfall: everybody's days cut to 60 %
    short = replace(problem, cadres=tuple(replace(c, capacity_min=c.capacity_min * 0.6)
                                          for c in problem.cadres))
    plan_s = plan_areas(short, time_limit_s=args.time_limit, seed=0)
    chk_s = check_area_plan(short, plan_s, tolerance=TOL)
    infeasible = infeasible_messages(problem)

    bars = [
        ("solve <= 60 s", t_ours <= 60.0, f"{t_ours:.1f} s"),
        ("100 % of targets covered", chk.covered_pct == 100.0, f"{chk.covered_pct:.1f} %"),
        ("100 % of areas contiguous", chk.contiguous_pct == 100.0, f"{chk.contiguous_pct:.0f} %"),
        ("every load within +-10 % of its share (aim +-5 %)", chk.balance_max <= 0.10,
         f"max {chk.balance_max:.1%}"),
        ("100 % of must-go targets by eligible ranks",
         all(ok == n for n, ok in chk.mustgo.values()),
         ", ".join(f"{r} {ok}/{n}" for r, (n, ok) in chk.mustgo.items())),
        ("re-plan keeps >= 90 % of other targets with their cadre",
         (chk2.kept_pct or 0) >= 90.0, f"{chk2.kept_pct:.1f} %"),
        ("re-plan keeps 100 % of locked pairs", chk2.locked_kept_pct == 100.0,
         f"{chk2.locked_kept_pct:.0f} %"),
        ("checker finds no violation (plan, re-plan)", chk.ok and chk2.ok,
         f"{len(chk.violations)}, {len(chk2.violations)}"),
        ("infeasible inputs end in a clear message",
         all(m != "NOT REFUSED" for _, m in infeasible), f"{len(infeasible)} cases"),
    ]
    w_h = t.workload_min.sum() / 60
    md = [
        "## Visit areas (走访区域划分)",
        "",
        "Command: `python benchmarks/bench_areas.py` (demo township from "
        "`zoufang.demo.generate.generate_demo`, default seed; every plan checked by "
        "`zoufang.planner.areas.check.check_area_plan`).",
        "",
        f"Instance: {len(t)} targets in {len(problem.grids)} grids, {len(problem.cadres)} "
        f"cadres; workload {w_h:.0f} h (of which travel estimate "
        f"{t.travel_min.sum() / 60:.0f} h), capacity {cap / 60:.0f} h "
        "(每日小时 × 60 × 可用天数).",
        "",
        "| method | time s | covered % | balance max | balance mean | within ±10 % | "
        "contiguous % | split grids (must split) | commute mean / max m | "
        "must-go covered (weak village, poor, listed, resettlement) | violations |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "Balance is |work / capacity share − 1| with work = area workload + the cadre's "
        "must-go visits and share = capacity × total work / total capacity. Contiguity: the "
        "grids of an area are connected by grid adjacency, and its part of each split grid "
        "is connected in the Delaunay triangulation of that grid's targets. Baselines get "
        "the same must-go layer (CP-SAT) so only the partition differs." + spopt_note,
        "",
        f"Re-plan (cadres {', '.join(gone)} leave, 300 households join, 10 cadres locked on "
        f"their areas): {t_re:.1f} s; kept with their cadre {chk2.kept_pct:.1f} % of the "
        f"other targets; locked pairs kept {chk2.locked_kept_pct:.0f} %; balance max "
        f"{chk2.balance_max:.1%} (mean {chk2.balance_mean:.1%}); contiguous "
        f"{chk2.contiguous_pct:.0f} %; violations {len(chk2.violations)}.",
        "",
        f"Shortfall (every capacity cut to 60 %): feasible = {plan_s.is_feasible()}; "
        f"{plan_s.shortfall}; checker violations {len(chk_s.violations)}.",
        "",
        "Infeasible inputs:",
        "",
        *[f"- {name}: `{msg[:300]}`" for name, msg in infeasible],
        "",
        "Bars:",
        "",
        *[f"- {'PASS' if ok else 'FAIL'} — {name}: {val}" for name, ok, val in bars],
    ]
    text = "\n".join(md)
    print(text)
    if not args.no_write:
        write_section("areas", text)
    return 0 if all(ok for _, ok, _ in bars) else 1


if __name__ == "__main__":
    raise SystemExit(main())
