"""Solomon VRPTW benchmark: the project's router against PyVRP and the best-known solutions.

Run::

    python benchmarks/bench_solomon.py [--time-limit 10] [--instances all|C101,R101]
                                       [--workers 2] [--objective distmin|hier]
                                       [--no-pyvrp] [--no-write] [--json out.json]

For every instance both solvers get the same wall-clock limit on the same machine, one
after the other (never at the same time): our router with ``--workers`` processes, then
PyVRP with as many independent seeds in as many processes, the best kept — so both use
the same number of cores. Every solution of both is verified by
``zoufang.planner.routing.check`` (an independent checker); a gap is reported only for a
solution the checker accepts.

Objectives (compare like with like, see the README beside ``bks.csv``):

``distmin`` (default)
    Distance only, any number of vehicles; arcs Euclidean truncated to one decimal
    (integers in tenths), travel time = truncated distance. Gap to ``distmin_distance``.
``hier``
    Fewest vehicles first, then distance; integers at 1/1000 (distance rounded, time
    rounded up), final distance recomputed unrounded. Gap to ``hier_distance``, and
    vehicles against ``hier_vehicles``.

The instance files and ``bks.csv`` are read from ``shared/benchmarks/solomon`` beside the
repository (``<repo>/../shared``), or from the directory ``$ZOUFANG_SOLOMON_DIR`` names.

Writes section ``solomon`` of BENCHMARKS.md (unless ``--no-write``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from zoufang.planner.routing import (
    DEFAULT_PORTFOLIO,
    RoutingProblem,
    check_result,
    check_sequences,
    read_bks,
    read_solomon,
    solomon_class,
    solve,
    to_problem,
    unrounded_distance,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402

#: The Solomon files and ``bks.csv``: ``shared/benchmarks/solomon`` beside the repository
#: (``<repo>/../shared``), unless ``$ZOUFANG_SOLOMON_DIR`` names another directory.
DEFAULT_SOLOMON_DIR = Path(__file__).resolve().parents[1].parent / "shared/benchmarks/solomon"
SOLOMON_DIR = Path(os.environ.get("ZOUFANG_SOLOMON_DIR", DEFAULT_SOLOMON_DIR))
CLASSES = ("C1", "C2", "R1", "R2", "RC1", "RC2")


@dataclass
class Outcome:
    """One solver's outcome on one instance."""

    distance: float | None = None  # Solomon units (after the convention's scaling)
    vehicles: int | None = None
    valid: bool = False
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""


def _scale(objective: str) -> int:
    return 10 if objective == "distmin" else 1000


def _problem(name: str, objective: str) -> tuple[object, RoutingProblem]:
    inst = read_solomon(SOLOMON_DIR / f"{name}.txt")
    if objective == "distmin":
        return inst, to_problem(inst, rounding="trunc1")
    return inst, to_problem(inst, rounding="scaled", scale=_scale(objective))


def run_ours(name: str, objective: str, time_limit: float, workers: int) -> Outcome:
    """Our router (``zoufang.planner.routing.solve``), verified by the checker."""
    inst, problem = _problem(name, objective)
    started = time.monotonic()
    result = solve(problem, time_limit_s=time_limit, workers=workers, seed=0,
                   vehicle_count_first=(objective == "hier"))
    seconds = time.monotonic() - started
    report = check_result(problem, result)
    out = Outcome(vehicles=result.vehicles_used, valid=report.ok and result.is_feasible(),
                  violations=[str(v) for v in report.violations[:5]], seconds=seconds,
                  note=result.config)
    if objective == "distmin":
        out.distance = report.distance / 10
    else:
        out.distance = unrounded_distance(inst, [r.nodes for r in result.routes if r.nodes])
    return out


def _pyvrp_once(args: tuple[str, str, float, int]) -> tuple[list[list[int]], float, bool]:
    """One PyVRP run in its own process: build the same integer model, solve, return routes."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    name, objective, time_limit, seed = args
    started = time.monotonic()
    inst, problem = _problem(name, objective)
    model = Model()
    locs = [model.add_location(x, y) for x, y in zip(inst.x, inst.y, strict=True)]
    veh = problem.vehicles[0]
    model.add_depot(locs[0], tw_early=veh.earliest, tw_late=veh.latest)
    hier_cost = 0
    cost = problem.cost_matrix
    if objective == "hier":
        hier_cost = int(cost.max()) * 2 * problem.num_nodes + 1
    model.add_vehicle_type(num_available=problem.num_vehicles, capacity=veh.capacity,
                           tw_early=veh.earliest, tw_late=veh.latest, fixed_cost=hier_cost)
    for i in range(1, problem.num_nodes):
        ((early, late),) = problem.time_windows[i]
        model.add_client(locs[i], delivery=problem.demand[i], service_duration=problem.service[i],
                         tw_early=early, tw_late=late)
    for i, frm in enumerate(locs):
        for j, to in enumerate(locs):
            model.add_edge(frm, to, distance=int(cost[i, j]), duration=int(problem.duration[i, j]))
    remaining = time_limit - (time.monotonic() - started) - 0.05
    result = model.solve(stop=MaxRuntime(max(remaining, 0.1)), seed=seed, display=False)
    # Client activities carry the client's index among clients; node = index + 1 depot.
    routes = [[int(a.idx) + 1 for a in route.schedule() if a.is_client()]
              for route in result.best.routes()]
    return routes, float(result.best.distance()), bool(result.best.is_feasible())


def run_pyvrp(name: str, objective: str, time_limit: float, seeds: int) -> Outcome:
    """PyVRP with ``seeds`` independent runs in parallel processes; best feasible kept."""
    started = time.monotonic()
    jobs = [(name, objective, time_limit, s) for s in range(seeds)]
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ctx.Pool(seeds) as pool:
        runs = pool.map(_pyvrp_once, jobs)
    seconds = time.monotonic() - started
    inst, problem = _problem(name, objective)
    best: Outcome | None = None
    for routes, _dist, _feasible in runs:
        report = check_sequences(problem, routes)
        out = Outcome(vehicles=report.vehicles_used, valid=report.ok,
                      violations=[str(v) for v in report.violations[:5]], seconds=seconds)
        if objective == "distmin":
            out.distance = report.distance / 10
        else:
            out.distance = unrounded_distance(inst, routes)
        key = (not out.valid, out.vehicles if objective == "hier" else 0, out.distance)
        if best is None or key < (not best.valid, best.vehicles if objective == "hier" else 0,
                                  best.distance):
            best = out
    assert best is not None
    return best


def _gap(value: float | None, ref: float) -> float | None:
    return None if value is None else 100.0 * (value - ref) / ref


def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "—" if x is None else format(x, spec)


def _mean(xs: list[float]) -> float | None:
    return statistics.fmean(xs) if xs else None


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print a table; write the BENCHMARKS.md section."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    ap.add_argument("--instances", default="all", help="'all' or a comma list (C101,R101)")
    ap.add_argument("--workers", type=int, default=2, help="processes for each solver")
    ap.add_argument("--objective", choices=("distmin", "hier"), default="distmin")
    ap.add_argument("--no-pyvrp", action="store_true", help="skip PyVRP")
    ap.add_argument("--no-write", action="store_true", help="do not write BENCHMARKS.md")
    ap.add_argument("--json", type=Path, help="also dump per-instance figures here")
    args = ap.parse_args(argv)

    bks = read_bks(SOLOMON_DIR / "bks.csv")
    names = (sorted(bks, key=lambda n: (CLASSES.index(solomon_class(n)), n))
             if args.instances == "all" else [s.strip() for s in args.instances.split(",")])
    unknown = [n for n in names if n not in bks]
    if unknown:
        ap.error(f"unknown instances {unknown}; expected names from bks.csv")
    with_pyvrp = not args.no_pyvrp
    if with_pyvrp:
        try:
            import pyvrp  # noqa: F401
        except ImportError:
            print("PyVRP is not installed (pip install pyvrp); running without it.")
            with_pyvrp = False

    hier = args.objective == "hier"
    load_before = os.getloadavg()
    started = time.monotonic()
    rows: list[dict] = []
    print(f"{'inst':6} {'BKS':>8} | {'ours':>8} {'gap%':>6} {'veh':>3} ok | "
          f"{'PyVRP':>8} {'gap%':>6} {'veh':>3} ok", flush=True)
    for name in names:
        ref = bks[name]
        ref_dist = ref.hier_distance if hier else ref.distmin_distance
        ref_veh = ref.hier_vehicles if hier else ref.distmin_vehicles
        ours = run_ours(name, args.objective, args.time_limit, args.workers)
        peer = (run_pyvrp(name, args.objective, args.time_limit, args.workers)
                if with_pyvrp else Outcome(note="not run"))
        row = {
            "instance": name, "class": solomon_class(name), "bks_distance": ref_dist,
            "bks_vehicles": ref_veh,
            "ours_distance": ours.distance, "ours_vehicles": ours.vehicles,
            "ours_valid": ours.valid, "ours_gap": _gap(ours.distance, ref_dist) if ours.valid
            else None, "ours_seconds": ours.seconds, "ours_config": ours.note,
            "ours_violations": ours.violations,
            "pyvrp_distance": peer.distance, "pyvrp_vehicles": peer.vehicles,
            "pyvrp_valid": peer.valid, "pyvrp_gap": _gap(peer.distance, ref_dist) if peer.valid
            else None, "pyvrp_seconds": peer.seconds, "pyvrp_violations": peer.violations,
        }
        rows.append(row)
        print(f"{name:6} {ref_dist:8.1f} | {_fmt(ours.distance, '8.1f')} "
              f"{_fmt(row['ours_gap'], '6.2f')} {ours.vehicles or 0:3d} "
              f"{'✓' if ours.valid else '✗'}  | {_fmt(peer.distance, '8.1f')} "
              f"{_fmt(row['pyvrp_gap'], '6.2f')} {peer.vehicles or 0:3d} "
              f"{'✓' if peer.valid else '✗'}  [{ours.seconds:.1f}s/{peer.seconds:.1f}s "
              f"{ours.note}]", flush=True)
        for v in ours.violations:
            print(f"    ours: {v}", flush=True)
        for v in peer.violations:
            print(f"    PyVRP: {v}", flush=True)
    elapsed = time.monotonic() - started
    load_after = os.getloadavg()

    # ---------------------------------------------------------------- aggregate
    def agg(sel: list[dict], key: str) -> float | None:
        return _mean([r[key] for r in sel if r[key] is not None])

    class_lines = []
    for cls in CLASSES:
        sel = [r for r in rows if r["class"] == cls]
        if not sel:
            continue
        class_lines.append(
            f"| {cls} | {len(sel)} | {_fmt(agg(sel, 'ours_gap'))} | "
            f"{_fmt(agg(sel, 'pyvrp_gap'))} | {_fmt(agg(sel, 'ours_vehicles'), '.1f')} | "
            f"{_fmt(agg(sel, 'pyvrp_vehicles'), '.1f')} | "
            f"{_fmt(agg(sel, 'bks_vehicles'), '.1f')} |")
    ours_valid = sum(r["ours_valid"] for r in rows)
    peer_valid = sum(r["pyvrp_valid"] for r in rows)
    mean_ours, mean_peer = agg(rows, "ours_gap"), agg(rows, "pyvrp_gap")
    print()
    print(f"mean gap: ours {_fmt(mean_ours)} %  PyVRP {_fmt(mean_peer)} %  "
          f"(valid: ours {ours_valid}/{len(rows)}, PyVRP {peer_valid}/{len(rows)})")
    for line in class_lines:
        print(line)

    convention = (
        "distance only (any number of vehicles up to the file's), Euclidean arcs truncated "
        "to one decimal (integers in tenths), travel time = truncated distance; gap to "
        "`distmin_distance_trunc1` of bks.csv (LKH-3 tours)" if not hier else
        "vehicles first, then distance; integers at 1/1000 (distance rounded, travel time "
        "rounded up), distance reported unrounded; gap to `hier_distance` of bks.csv")
    cmd = ("python benchmarks/bench_solomon.py --time-limit "
           f"{args.time_limit:g} --instances {args.instances} --workers {args.workers}"
           + (f" --objective {args.objective}" if hier else "")
           + (" --no-pyvrp" if not with_pyvrp else ""))
    cfgs = ", ".join(c.label for c in DEFAULT_PORTFOLIO[: args.workers])
    md = [
        f"## Solomon VRPTW, {len(rows)} instances, {args.time_limit:g} s per instance",
        "",
        f"Command: `{cmd}` ({elapsed / 60:.1f} min).",
        "",
        f"Convention: {convention}. Both solvers get the same integer matrices and the same "
        f"wall-clock limit per instance, run one after the other on the same machine. Ours: "
        f"OR-Tools routing, {args.workers} process(es) with different configurations "
        f"({cfgs}), best kept. PyVRP {_pyvrp_version()}: {args.workers} independent seed(s) "
        f"in {args.workers} process(es), best kept — the same number of cores. Every "
        "solution of both solvers is verified by `zoufang.planner.routing.check`; a gap is "
        "counted only for a solution the checker accepts.",
        "",
        f"Load average (1/5/15 min) before {load_before[0]:.1f}/{load_before[1]:.1f}/"
        f"{load_before[2]:.1f}, after {load_after[0]:.1f}/{load_after[1]:.1f}/"
        f"{load_after[2]:.1f}: other jobs shared the 2 cores at times, which costs both "
        "solvers search time.",
        "",
        f"**Mean gap to best known: ours {_fmt(mean_ours)} %, PyVRP {_fmt(mean_peer)} %** "
        f"(checker-valid solutions: ours {ours_valid}/{len(rows)}, PyVRP "
        f"{peer_valid}/{len(rows)}).",
        "",
        "| class | n | ours gap % | PyVRP gap % | ours vehicles | PyVRP vehicles "
        "| BKS vehicles |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *class_lines,
        "",
        "<details><summary>Per instance</summary>",
        "",
        "| instance | BKS | ours | gap % | veh | PyVRP | gap % | veh | BKS veh |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *[
            f"| {r['instance']} | {r['bks_distance']:.1f} | {_fmt(r['ours_distance'], '.1f')}"
            f"{'' if r['ours_valid'] else ' ✗'} | {_fmt(r['ours_gap'])} | "
            f"{r['ours_vehicles'] or '—'} | {_fmt(r['pyvrp_distance'], '.1f')}"
            f"{'' if r['pyvrp_valid'] or not with_pyvrp else ' ✗'} | {_fmt(r['pyvrp_gap'])}"
            f" | {r['pyvrp_vehicles'] or '—'} | {r['bks_vehicles']} |"
            for r in rows
        ],
        "",
        "</details>",
    ]
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    if not args.no_write:
        section = "solomon" if not hier else "solomon-hier"
        write_section(section, "\n".join(md))
        print(f"wrote section {section!r} of BENCHMARKS.md")
    return 0 if ours_valid == len(rows) else 1


def _pyvrp_version() -> str:
    try:
        from importlib.metadata import version

        return version("pyvrp")
    except Exception:  # noqa: BLE001 - only a label
        return "(version unknown)"


if __name__ == "__main__":
    raise SystemExit(main())
