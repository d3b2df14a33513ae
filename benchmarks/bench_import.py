"""Benchmark: importing 100,000 targets from CSV and from .xlsx, before and after a change.

Writes one synthetic file pair (not timed): ``--rows`` targets (default 100,000) spread
over 100 grids of 1 km² near 116.6° E 37.4° N, with ids, names, kinds, addresses, 11-digit
phones, points (WGS-84) and tags, as a UTF-8 CSV and as an .xlsx (numbers stored as
numbers). Each measurement runs in a fresh process on a fresh SQLite store holding the
grids: :func:`zoufang.campaign.imports.importer.import_targets` end to end (read, check,
write, place every target), and the reading alone.

"before" is the package as committed at ``--baseline`` (default ``HEAD``), extracted with
``git archive`` into a temporary folder (the checkout is left alone); "after" is the
working tree. It rewrites the ``import`` section of BENCHMARKS.md.

Run::

    python benchmarks/bench_import.py [--rows 100000 --baseline HEAD --repeats 3 --after REF]

With ``--repeats N`` each figure is the median of N runs, before and after alternating
(so that a burst of load on the shared machine hits both), with the range of the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402

HEAD = ["编号", "姓名", "类型", "地址", "电话", "经度", "纬度", "标签", "网格"]
KINDS = ["居民家庭", "居民家庭", "居民家庭", "企业", "商铺"]
TAGS = ["", "", "", "困难户", "信访户、老党员", "建档立卡户"]


def _grids(path: Path) -> None:
    import geopandas as gpd
    import shapely

    boxes = [(116.6 + 0.01 * i, 37.4 + 0.01 * j) for i in range(10) for j in range(10)]
    gpd.GeoDataFrame({"编号": [f"G{k:03d}" for k in range(100)]},
                     geometry=[shapely.box(x, y, x + 0.01, y + 0.01) for x, y in boxes],
                     crs="EPSG:4326").to_file(path, driver="GeoJSON")


def _rows(n: int) -> list[list[object]]:
    import numpy as np

    rng = np.random.default_rng(7)
    lon = 116.6 + rng.random(n) * 0.1
    lat = 37.4 + rng.random(n) * 0.1
    return [[f"H{i:06d}", f"住户{i}", KINDS[i % 5], f"测试村{i % 97}组{i}号",
             13800000000 + i, round(float(lon[i]), 6), round(float(lat[i]), 6),
             TAGS[i % 6], ""] for i in range(n)]


def write_files(folder: Path, n: int) -> tuple[Path, Path, Path]:
    """The grids, the CSV and the .xlsx of ``n`` targets."""
    import csv

    from openpyxl import Workbook

    grids = folder / "grids.geojson"
    _grids(grids)
    rows = _rows(n)
    csv_path = folder / "targets.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEAD)
        w.writerows(rows)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("走访对象")
    ws.append(HEAD)
    for r in rows:
        ws.append(r)
    xlsx_path = folder / "targets.xlsx"
    wb.save(xlsx_path)
    return grids, csv_path, xlsx_path


def worker(grids: str, target: str, db: str) -> dict[str, float]:
    """Time reading and importing ``target`` into a fresh store (run in its own process)."""
    from zoufang.campaign.imports.importer import import_grids, import_targets
    from zoufang.campaign.store import open_store

    try:  # the shared reading layer (after), or the plain reader (before)
        from zoufang.campaign.imports.columns import TARGET_COLUMNS
        from zoufang.campaign.imports.tables import iter_names, read_import_table

        def read(p: str) -> object:
            return read_import_table(p, names=list(iter_names(TARGET_COLUMNS)))
    except ImportError:
        from zoufang.gis.readers import read_any as read  # type: ignore[assignment]

    t0 = time.perf_counter()
    read(target)
    t_read = time.perf_counter() - t0
    store = open_store(db)
    import_grids(store, grids)
    t0 = time.perf_counter()
    report = import_targets(store, target)
    t_import = time.perf_counter() - t0
    store.dispose()
    return {"read": t_read, "import": t_import, "inserted": report.inserted}


def _baseline(ref: str, into: Path, name: str = "base") -> Path:
    archive = into / f"{name}.tar"
    subprocess.run(["git", "archive", "--format=tar", "-o", str(archive), ref, "src"],
                   cwd=ROOT, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / name, filter="data")
    return into / name / "src"


def _run(src: Path, grids: Path, target: Path, db: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, __file__, "--worker", str(grids), str(target),
                          f"sqlite:///{db}"], env=env, capture_output=True, text=True,
                         check=False)
    if out.returncode:
        raise SystemExit(f"worker on {src} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Parse arguments, measure, write the section."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--baseline", default="HEAD")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--after", default=None,
                    help="a commit to measure as 'after' instead of the working tree (so "
                    "the checkout may change while the benchmark runs)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        grids, csv_path, xlsx_path = write_files(folder, args.rows)
        base = _baseline(args.baseline, folder)
        after = _baseline(args.after, folder, "after") if args.after else ROOT / "src"
        runs: dict[tuple[str, str], list[dict[str, float]]] = {}
        for k in range(args.repeats):
            for fmt, path in (("CSV", csv_path), (".xlsx", xlsx_path)):
                order = (("before", base), ("after", after))
                for label, src in order if k % 2 == 0 else order[::-1]:
                    db = folder / f"{label}-{fmt.strip('.')}-{k}.sqlite"
                    runs.setdefault((fmt, label), []).append(_run(src, grids, path, db))
                    print(fmt, label, k, runs[(fmt, label)][-1], flush=True)
                    db.unlink()
    load = os.getloadavg()[0]
    lines = [
        "## Importing 100,000 targets (`bench_import.py`)" if args.rows == 100_000 else
        f"## Importing {args.rows:,} targets (`bench_import.py`)", "",
        f"{args.rows:,} targets (id, name, kind, address, phone, point, tags) into a fresh "
        "SQLite store holding 100 grids; each figure the median of "
        + (f"{args.repeats} runs (before and after alternating)" if args.repeats > 1
           else "one run") + ", each in a fresh process. \"read\" is "
        "the file read into rows of text; \"import\" is `import_targets` end to end (read, "
        "check, write, place every target). before = the package at "
        f"`{args.baseline}` (`git archive`), after = "
        + (f"`{args.after}`" if args.after else "the working tree") + ". Load average when the "
        f"run ended: {load:.1f} (other jobs share the machine).", "",
        "| file | read before s | read after s | import before s | import after s | ratio "
        "(median) | ratio range |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for fmt in ("CSV", ".xlsx"):
        b, a = runs[(fmt, "before")], runs[(fmt, "after")]

        def med(rs: list[dict[str, float]], key: str) -> float:
            return statistics.median(r[key] for r in rs)

        ratios = [ra["import"] / rb["import"] for rb, ra in zip(b, a, strict=True)]
        lines.append(f"| {fmt} | {med(b, 'read'):.2f} | {med(a, 'read'):.2f} | "
                     f"{med(b, 'import'):.2f} | {med(a, 'import'):.2f} | "
                     f"{med(a, 'import') / med(b, 'import'):.2f}× | "
                     f"{min(ratios):.2f}–{max(ratios):.2f}× |")
    lines += ["", f"Command: `python benchmarks/bench_import.py --rows {args.rows} "
              f"--baseline {args.baseline} --repeats {args.repeats}"
              + (f" --after {args.after}" if args.after else "") + "`"]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("import", text)


if __name__ == "__main__":
    main()
