"""The demo county: different townships side by side, the first one the demo itself."""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from shapely.geometry import shape

from zoufang.demo.county import county_townships, generate_county
from zoufang.demo.generate import DEFAULT_SEED, generate_demo


def _union(path: Path) -> shapely.Geometry:
    feats = json.loads(path.read_text("utf-8"))["features"]
    return shapely.union_all([shape(f["geometry"]).buffer(0) for f in feats])


def test_county_townships_differ(tmp_path: Path) -> None:
    """Names, seeds, places, shapes, villages and sizes all differ; no two overlap."""
    files = generate_county(tmp_path, 3, seed=DEFAULT_SEED)
    spec = county_townships(3, DEFAULT_SEED)
    assert [t.name for t in spec] == list(files) and len(set(files)) == 3
    assert len({t.centre for t in spec}) == 3 and len({t.seed for t in spec}) == 3
    areas = {n: _union(f.grids) for n, f in files.items()}  # type: ignore[attr-defined]
    names = list(areas)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert areas[a].intersection(areas[b]).area < 1e-9  # side by side
            assert abs(areas[a].area - areas[b].area) > 1e-6  # different shapes
    villages = {n: {f["properties"]["村"] for f in json.loads(
        p.grids.read_text("utf-8"))["features"]} for n, p in files.items()}  # type: ignore[attr-defined]
    assert villages[names[0]] != villages[names[1]] != villages[names[2]]
    for n, f in files.items():
        props = json.loads(f.grids.read_text("utf-8"))["features"][0]["properties"]  # type: ignore[attr-defined]
        assert props["乡镇"] == n
        assert n in f.households.read_bytes().decode("gbk")  # type: ignore[attr-defined]
    counts = [f.counts["households"] for f in files.values()]  # type: ignore[attr-defined]
    assert len(set(counts)) == 3


def test_first_township_is_the_demo(tmp_path: Path) -> None:
    """Township 1 of the county is byte for byte the one-township demo."""
    county = generate_county(tmp_path / "c", 1, seed=DEFAULT_SEED)["示范镇"]
    demo = generate_demo(tmp_path / "d")
    for a, b in zip(county.paths(), demo.paths(), strict=True):  # type: ignore[attr-defined]
        assert a.read_bytes() == b.read_bytes()
