"""Benchmark: what the store's write check (``campaign/validate.py``) costs an import.

Every INSERT and UPDATE the store runs is checked for NUL bytes and over-long texts
before it reaches the database (:func:`zoufang.campaign.validate.install`, issue 17
item 8). This measures that check where it weighs most, a bulk import: the same file of
``--rows`` targets (the synthetic file of ``bench_import.py``) imported into a fresh
SQLite store holding the grids, once with the check (as shipped) and once with its
listener removed from the engine, each in a fresh process, alternating, ``--repeats``
times. It reports the median of each and the spread (largest minus smallest), and
rewrites the ``validate`` section of BENCHMARKS.md.

Run::

    python benchmarks/bench_validate.py [--rows 100000 --repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402
from bench_import import write_files  # noqa: E402


def worker(grids: str, target: str, db: str, check: str) -> dict[str, float]:
    """Import ``target`` into a fresh store, with or without the write check."""
    from sqlalchemy import event

    from zoufang.campaign import validate
    from zoufang.campaign.imports.importer import import_grids, import_targets
    from zoufang.campaign.store import open_store

    store = open_store(db)
    if check == "off":
        event.remove(store.engine, "before_execute", validate._before_execute)
    import_grids(store, grids)
    t0 = time.perf_counter()
    report = import_targets(store, target)
    secs = time.perf_counter() - t0
    store.dispose()
    return {"import": secs, "inserted": report.inserted}


def _run(grids: Path, target: Path, db: Path, check: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--worker", str(grids), str(target),
                          f"sqlite:///{db}", check], capture_output=True, text=True,
                         check=False)
    if out.returncode:
        raise SystemExit(f"worker ({check}) failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Parse arguments, measure, write the section."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    times: dict[str, list[float]] = {"on": [], "off": []}
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        folder = Path(tmp)
        grids, csv_path, _xlsx = write_files(folder, args.rows)
        for i in range(args.repeats):
            for check in ("on", "off") if i % 2 == 0 else ("off", "on"):
                db = folder / f"{check}-{i}.sqlite"
                res = _run(grids, csv_path, db, check)
                if res["inserted"] != args.rows:
                    raise SystemExit(f"{check}: {res['inserted']} of {args.rows} stored")
                times[check].append(res["import"])
                print(check, i, f"{res['import']:.2f} s", flush=True)
    on, off = statistics.median(times["on"]), statistics.median(times["off"])
    load = os.getloadavg()[0]
    lines = [
        f"## The store's write check on an import of {args.rows:,} targets "
        "(`bench_validate.py`)", "",
        f"`import_targets` of one CSV of {args.rows:,} targets into a fresh SQLite store "
        "holding 100 grids, with the write check of `campaign/validate.py` (NUL bytes, "
        "lengths of every text of every INSERT and UPDATE) and with its listener removed; "
        f"each run in a fresh process, alternating, {args.repeats} runs each. Load average "
        f"when the run ended: {load:.1f} (other jobs share the machine).", "",
        "| write check | median s | runs s | spread s |", "| --- | ---: | --- | ---: |"]
    for label, key in (("on (as shipped)", "on"), ("off", "off")):
        ts = times[key]
        lines.append(f"| {label} | {statistics.median(ts):.2f} | "
                     + ", ".join(f"{x:.2f}" for x in ts)
                     + f" | {max(ts) - min(ts):.2f} |")
    lines += ["", f"Cost of the check: {on / off:.2f}× the import without it "
              f"({on - off:+.2f} s).", "",
              f"Command: `python benchmarks/bench_validate.py --rows {args.rows} "
              f"--repeats {args.repeats}`"]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("validate", text)


if __name__ == "__main__":
    main()
