"""Solomon VRPTW benchmark: the project's router against PyVRP and the best-known solutions.

Run::

    python benchmarks/bench_solomon.py [--time-limit 10] [--instances all|C101,R101]
                                       [--workers 2] [--objective distmin|hier]
                                       [--repeats 3] [--seed 0] [--also previous]
                                       [--no-pyvrp] [--no-write] [--json out.json]

For every instance all solvers get the same wall-clock limit on the same machine, one
after the other (never at the same time): our router with ``--workers`` processes, then
PyVRP with as many independent seeds in as many processes, the best kept — so both use
the same number of cores. Every solution is verified by
``zoufang.planner.routing.check`` (an independent checker); a gap is reported only for a
solution the checker accepts.

``--repeats R`` runs the whole benchmark R times with the same settings and seed (the
repeats interleaved instance by instance, so that machine load falls on all of them
alike) and reports the mean gap of each repeat and their spread (largest minus smallest
mean): at short limits the result depends on how much CPU time the search gets.
``--also previous`` runs another portfolio of ours side by side in the same run (names
in :data:`ALSO`), to compare a change against what it replaces.

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
    PREVIOUS_PORTFOLIO,
    SOFT_PORTFOLIO,
    RoutingProblem,
    SearchConfig,
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

#: Portfolios of ours that ``--also`` can run beside the default one.
ALSO: dict[str, tuple[SearchConfig, ...]] = {
    "previous": PREVIOUS_PORTFOLIO,  # before issue 15: no LNS operators
    "soft": SOFT_PORTFOLIO,  # the default's searches, mandatory nodes as penalties in both
}


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


def run_ours(name: str, objective: str, time_limit: float, workers: int, *, seed: int = 0,
             configs: tuple[SearchConfig, ...] = DEFAULT_PORTFOLIO) -> Outcome:
    """Our router (``zoufang.planner.routing.solve``), verified by the checker."""
    inst, problem = _problem(name, objective)
    started = time.monotonic()
    result = solve(problem, time_limit_s=time_limit, workers=workers, seed=seed,
                   configs=configs, vehicle_count_first=(objective == "hier"))
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


def run_pyvrp(name: str, objective: str, time_limit: float, seeds: int,
              first_seed: int = 0) -> Outcome:
    """PyVRP with ``seeds`` independent runs in parallel processes; best feasible kept."""
    started = time.monotonic()
    jobs = [(name, objective, time_limit, first_seed + s) for s in range(seeds)]
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


def _spread(xs: list[float]) -> float | None:
    return max(xs) - min(xs) if xs else None


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print a table; write the BENCHMARKS.md section."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    ap.add_argument("--instances", default="all", help="'all' or a comma list (C101,R101)")
    ap.add_argument("--workers", type=int, default=2, help="processes for each solver")
    ap.add_argument("--objective", choices=("distmin", "hier"), default="distmin")
    ap.add_argument("--repeats", type=int, default=1, help="runs of the whole benchmark")
    ap.add_argument("--seed", type=int, default=0, help="seed of every run (ours and PyVRP)")
    ap.add_argument("--also", default="", help=f"other portfolios of ours: {','.join(ALSO)}")
    ap.add_argument("--no-pyvrp", action="store_true", help="skip PyVRP")
    ap.add_argument("--no-write", action="store_true", help="do not write BENCHMARKS.md")
    ap.add_argument("--json", type=Path, help="also dump per-instance figures here")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")

    bks = read_bks(SOLOMON_DIR / "bks.csv")
    names = (sorted(bks, key=lambda n: (CLASSES.index(solomon_class(n)), n))
             if args.instances == "all" else [s.strip() for s in args.instances.split(",")])
    unknown = [n for n in names if n not in bks]
    if unknown:
        ap.error(f"unknown instances {unknown}; expected names from bks.csv")
    also = [a.strip() for a in args.also.split(",") if a.strip()]
    if any(a not in ALSO for a in also):
        ap.error(f"--also: expected names from {sorted(ALSO)}")
    with_pyvrp = not args.no_pyvrp
    if with_pyvrp:
        try:
            import pyvrp  # noqa: F401
        except ImportError:
            print("PyVRP is not installed (pip install pyvrp); running without it.")
            with_pyvrp = False

    hier = args.objective == "hier"
    # Solver label -> how to run it; "ours" first, PyVRP last.
    solvers: dict[str, object] = {"ours": DEFAULT_PORTFOLIO}
    solvers.update({f"ours-{a}": ALSO[a] for a in also})
    if with_pyvrp:
        solvers["PyVRP"] = None
    labels = list(solvers)
    load_before = os.getloadavg()
    started = time.monotonic()
    # outcomes[label][instance] = one Outcome per repeat
    outcomes: dict[str, dict[str, list[Outcome]]] = {k: {} for k in labels}
    gaps: dict[str, dict[str, list[float | None]]] = {k: {} for k in labels}
    refs = {}
    for name in names:
        ref = bks[name]
        ref_dist = ref.hier_distance if hier else ref.distmin_distance
        refs[name] = (ref_dist, ref.hier_vehicles if hier else ref.distmin_vehicles)
        for rep in range(args.repeats):
            line = [f"{name:6} #{rep} BKS {ref_dist:7.1f} |"]
            for label, configs in solvers.items():
                if configs is None:
                    out = run_pyvrp(name, args.objective, args.time_limit, args.workers,
                                    args.seed)
                else:
                    out = run_ours(name, args.objective, args.time_limit, args.workers,
                                   seed=args.seed, configs=configs)  # type: ignore[arg-type]
                gap = _gap(out.distance, ref_dist) if out.valid else None
                outcomes[label].setdefault(name, []).append(out)
                gaps[label].setdefault(name, []).append(gap)
                line.append(f"{label} {_fmt(out.distance, '7.1f')} {_fmt(gap, '5.2f')}% "
                            f"{out.vehicles or 0:2d}v {'ok' if out.valid else 'INVALID'} "
                            f"{out.seconds:.1f}s {out.note} |")
                for v in out.violations:
                    line.append(f"\n    {label}: {v}")
            print(" ".join(line), flush=True)
    elapsed = time.monotonic() - started
    load_after = os.getloadavg()

    # ---------------------------------------------------------------- aggregate
    def rep_means(label: str, sel: list[str]) -> list[float]:
        """Mean gap of each repeat over the instances ``sel`` (valid solutions only)."""
        means = []
        for rep in range(args.repeats):
            xs = [g for n in sel if (g := gaps[label][n][rep]) is not None]
            if xs:
                means.append(statistics.fmean(xs))
        return means

    def mean_gap(label: str, sel: list[str]) -> float | None:
        return _mean(rep_means(label, sel))

    def mean_veh(label: str, sel: list[str]) -> float | None:
        return _mean([o.vehicles for n in sel for o in outcomes[label][n]
                      if o.valid and o.vehicles is not None])

    def valid(label: str) -> int:
        return sum(o.valid for n in names for o in outcomes[label][n])

    runs = len(names) * args.repeats
    summary = {}
    for label in labels:
        means = rep_means(label, names)
        summary[label] = {"mean_gap": _mean(means), "repeat_gaps": means,
                          "spread": _spread(means), "vehicles": mean_veh(label, names),
                          "valid": valid(label), "runs": runs}
    class_lines = []
    for cls in CLASSES:
        sel = [n for n in names if solomon_class(n) == cls]
        if not sel:
            continue
        cells = [_fmt(mean_gap(k, sel)) for k in labels]
        cells += [_fmt(mean_veh(k, sel), ".1f") for k in labels]
        bks_veh = _mean([float(refs[n][1]) for n in sel])
        class_lines.append(f"| {cls} | {len(sel)} | " + " | ".join(cells)
                           + f" | {_fmt(bks_veh, '.1f')} |")
    print()
    for label in labels:
        sm = summary[label]
        print(f"{label:16} mean gap {_fmt(sm['mean_gap'])} % over {args.repeats} repeat(s) "
              f"[{', '.join(_fmt(x) for x in sm['repeat_gaps'])}], spread "
              f"{_fmt(sm['spread'])} points, vehicles {_fmt(sm['vehicles'], '.2f')}, "
              f"valid {sm['valid']}/{runs}")
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
           + (f" --repeats {args.repeats}" if args.repeats > 1 else "")
           + (f" --seed {args.seed}" if args.seed else "")
           + (f" --also {','.join(also)}" if also else "")
           + (" --no-pyvrp" if not with_pyvrp else ""))

    def cfgs(configs: tuple[SearchConfig, ...]) -> str:
        return ", ".join(c.label for c in configs[: args.workers])

    ours_desc = "; ".join(f"`{k}` = {cfgs(v)}" for k, v in solvers.items()  # type: ignore[arg-type]
                          if v is not None)
    head_cells = " | ".join(f"{k} gap %" for k in labels) + " | " + " | ".join(
        f"{k} veh" for k in labels)
    sum_lines = [
        f"| {k} | {_fmt(sm['mean_gap'])} | {', '.join(_fmt(x) for x in sm['repeat_gaps'])} | "
        f"{_fmt(sm['spread'])} | {_fmt(sm['vehicles'], '.2f')} | {sm['valid']}/{runs} |"
        for k, sm in summary.items()]

    def inst_cell(label: str, n: str) -> str:
        gs = [g for g in gaps[label][n] if g is not None]
        bad = len(gaps[label][n]) - len(gs)
        text = _fmt(_mean(gs))
        if len(gs) > 1:
            text += f" ({min(gs):.2f}–{max(gs):.2f})"
        return text + (f" ✗{bad}" if bad else "")

    rep_word = f", {args.repeats} repeats" if args.repeats > 1 else ""
    md = [
        f"## Solomon VRPTW, {len(names)} instances, {args.time_limit:g} s per instance{rep_word}",
        "",
        f"Command: `{cmd}` ({elapsed / 60:.1f} min).",
        "",
        f"Convention: {convention}. All solvers get the same integer matrices and the same "
        f"wall-clock limit per instance, run one after the other on the same machine. Ours: "
        f"OR-Tools routing, {args.workers} process(es) with different configurations "
        f"({ours_desc}), best kept. "
        + (f"PyVRP {_pyvrp_version()}: {args.workers} independent seed(s) in "
           f"{args.workers} process(es), best kept — the same number of cores. "
           if with_pyvrp else "")
        + f"Every solution is verified by `zoufang.planner.routing.check`; a gap is counted "
        f"only for a solution the checker accepts. Each of the {args.repeats} repeat(s) "
        f"runs every instance with seed {args.seed}; the spread is the largest minus the "
        "smallest of the repeats' mean gaps.",
        "",
        f"Load average (1/5/15 min) before {load_before[0]:.1f}/{load_before[1]:.1f}/"
        f"{load_before[2]:.1f}, after {load_after[0]:.1f}/{load_after[1]:.1f}/"
        f"{load_after[2]:.1f}: other jobs shared the 2 cores at times, which costs every "
        "solver search time.",
        "",
        "| solver | mean gap % | per repeat | spread (points) | vehicles | checker-valid |",
        "| --- | --- | --- | --- | --- | --- |",
        *sum_lines,
        "",
        f"| class | n | {head_cells} | BKS veh |",
        "| --- | --- | " + " | ".join("---" for _ in range(2 * len(labels))) + " | --- |",
        *class_lines,
        "",
        "<details><summary>Per instance (mean gap % over the repeats, range)</summary>",
        "",
        "| instance | BKS | " + " | ".join(labels) + " | BKS veh |",
        "| --- | --- | " + " | ".join("---" for _ in labels) + " | --- |",
        *[f"| {n} | {refs[n][0]:.1f} | " + " | ".join(inst_cell(k, n) for k in labels)
          + f" | {refs[n][1]} |" for n in names],
        "",
        "</details>",
    ]
    if args.json:
        dump = {"summary": summary, "instances": {
            n: {"bks_distance": refs[n][0], "bks_vehicles": refs[n][1], **{
                k: [{"distance": o.distance, "vehicles": o.vehicles, "valid": o.valid,
                     "gap": g, "seconds": o.seconds, "config": o.note,
                     "violations": o.violations}
                    for o, g in zip(outcomes[k][n], gaps[k][n], strict=True)]
                for k in labels}} for n in names}}
        args.json.write_text(json.dumps(dump, indent=1, ensure_ascii=False), encoding="utf-8")
    if not args.no_write:
        section = "solomon" if args.time_limit == 10 else f"solomon-{args.time_limit:g}s"
        section += "-hier" if hier else ""
        write_section(section, "\n".join(md))
        print(f"wrote section {section!r} of BENCHMARKS.md")
    return 0 if summary["ours"]["valid"] == runs else 1


def _pyvrp_version() -> str:
    try:
        from importlib.metadata import version

        return version("pyvrp")
    except Exception:  # noqa: BLE001 - only a label
        return "(version unknown)"


if __name__ == "__main__":
    raise SystemExit(main())
