"""Tests of the demo township generator (zoufang.demo.generate): the files it writes.

The demo is generated once per module (a few seconds) into a temporary directory and
read back the way the importer reads a planner's files: GeoJSON through geopandas, the
households CSV as GBK, the units workbook through pandas/openpyxl, the cadres CSV as
UTF-8 with BOM.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from zoufang.demo.generate import DEFAULT_SEED, DemoFiles, generate_demo
from zoufang.gis.crs import gcj02_to_wgs84, metric_crs_for
from zoufang.vocab import RANKS, TARGET_TAGS, parse_kind, parse_rank, parse_tags, rank_level

HEADER = ["编号", "姓名", "类型", "地址", "电话", "经度", "纬度", "标签", "网格"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    """Generate the demo township of the default seed, once for the module."""
    return generate_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def grids(demo: DemoFiles) -> gpd.GeoDataFrame:
    """grids.geojson as read by geopandas, with the invalid polygon repaired."""
    gdf = gpd.read_file(demo.grids)
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    return gdf


@pytest.fixture(scope="module")
def households(demo: DemoFiles) -> pd.DataFrame:
    """households.csv read as GBK, every column as text."""
    return pd.read_csv(demo.households, encoding="gbk", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def units(demo: DemoFiles) -> pd.DataFrame:
    """units.xlsx, sheet 走访对象, every column as text."""
    return pd.read_excel(demo.units, sheet_name="走访对象", dtype=str).fillna("")


@pytest.fixture(scope="module")
def cadres(demo: DemoFiles) -> pd.DataFrame:
    """cadres.csv read as UTF-8 with BOM."""
    return pd.read_csv(demo.cadres, encoding="utf-8-sig", dtype={"电话": str})


def _true_points(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_wgs84(df["经度"].astype(float).to_numpy(),
                          df["纬度"].astype(float).to_numpy())


def test_same_seed_same_bytes_other_seed_other_bytes(demo: DemoFiles,
                                                     tmp_path: Path) -> None:
    """Two runs with one seed write identical bytes; another seed writes other data."""
    again = generate_demo(tmp_path / "again", seed=DEFAULT_SEED)
    for a, b in zip(demo.paths(), again.paths(), strict=True):
        assert a.name == b.name
        assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between two runs"
    assert again.counts == demo.counts
    generate_demo(tmp_path / "other", seed=7)
    for name in ("grids.geojson", "households.csv", "units.xlsx", "cadres.csv",
                 "roads.geojson"):
        assert (tmp_path / "other" / name).read_bytes() != (demo.out_dir / name).read_bytes()


def test_counts_are_in_the_stated_ranges(demo: DemoFiles, grids: gpd.GeoDataFrame,
                                         households: pd.DataFrame, units: pd.DataFrame,
                                         cadres: pd.DataFrame) -> None:
    """About 60 grids, 20 villages, 12,000 households, 400 units, 150 cadres."""
    c = demo.counts
    assert 50 <= len(grids) <= 70 and c["grids"] == len(grids)
    villages = grids.loc[grids["村"].str.endswith("村"), "村"].unique()
    communities = grids.loc[grids["村"].str.endswith("社区"), "村"].unique()
    assert 18 <= len(villages) <= 22 and 2 <= len(communities) <= 4
    assert 11_000 <= len(households) <= 13_000 and c["households"] == len(households)
    assert 350 <= len(units) <= 450 and c["units"] == len(units)
    assert 140 <= len(cadres) <= 160
    # village sizes vary from 200 to 1,200 households; 1 to 5 grids each
    village_of = dict(zip(grids["编号"], grids["村"], strict=True))
    size = households["网格"].map(village_of).value_counts()
    v_sizes = size[size.index.str.endswith("村")]
    assert v_sizes.min() >= 195 and v_sizes.max() <= 1200
    assert v_sizes.max() - v_sizes.min() >= 500
    per_village = grids.groupby("村").size()
    assert per_village.min() >= 1 and per_village.max() <= 5
    assert (per_village[communities] >= 2).all()
    # several households share the point of an apartment building
    points = households.groupby(["经度", "纬度"]).size()
    assert points.max() >= 10 and len(points) < len(households)
    # units by kind
    kinds = units["类型"].map(parse_kind).value_counts()
    assert 100 <= kinds["enterprise"] <= 160
    assert 150 <= kinds["shop"] <= 250
    assert kinds["school"] >= 5 and kinds["hospital"] >= 10
    assert kinds["market"] >= 2 and kinds["institution"] >= 10
    # ranks
    level = cadres["级别"].map(lambda r: rank_level(parse_rank(r)))
    assert 6 <= int((level >= RANKS["deputy_division"][0]).sum()) <= 10
    assert 15 <= int(level.isin([2, 3]).sum()) <= 25
    codes = cadres["级别"].map(parse_rank).value_counts()
    assert 60 <= codes["clerk"] <= 80
    assert 30 <= codes["village_cadre"] <= 40
    assert 12 <= codes["grid_worker"] <= 18


def test_tags_come_at_plausible_rates(grids: gpd.GeoDataFrame, households: pd.DataFrame,
                                      units: pd.DataFrame) -> None:
    """Tag rates as stated, 建档立卡户 concentrated in the 经济薄弱村, 征迁户 near 安居社区."""
    n = len(households)
    tags = households["标签"].map(lambda t: parse_tags(t, allowed=TARGET_TAGS))
    assert all(not unknown for _codes, unknown in tags)
    counts = Counter(code for codes, _u in tags for code in codes)
    rate = {k: v / n for k, v in counts.items()}
    assert 0.001 <= rate["petitioner"] <= 0.006
    assert 0.02 <= rate["hardship"] <= 0.045
    assert 0.01 <= rate["poor_registered"] <= 0.03
    assert 0.03 <= rate["old_party_member"] <= 0.05
    assert 0.03 <= rate["vacant"] <= 0.05
    assert 0.01 <= rate["mobile"] <= 0.03
    assert 0 < rate["old_cadre"] < 0.01 and 0 < rate["old_model_worker"] < 0.005
    assert not any("空关户" in t and "流动户" in t for t in households["标签"])
    # weak villages: 2-3 of them, and they hold most registered-poor households
    weak = grids.loc[grids["村标签"] == "经济薄弱村", "村"].unique()
    assert 2 <= len(weak) <= 3
    village_of = dict(zip(grids["编号"], grids["村"], strict=True))
    village = households["网格"].map(village_of)
    poor = tags.map(lambda t: "poor_registered" in t[0])
    in_weak = village.isin(weak)
    assert poor[in_weak].mean() > 4 * poor[~in_weak].mean()
    # one resettlement community, where the displaced households are
    resettle = grids.loc[grids["村标签"] == "有征收安置任务的社区", "村"].unique()
    assert len(resettle) == 1
    displaced = tags.map(lambda t: "displaced" in t[0])
    assert displaced[village == resettle[0]].mean() > 0.2
    assert displaced[village == resettle[0]].sum() > 0.6 * displaced.sum()
    # listed enterprises: about a quarter
    ent = units[units["类型"].map(parse_kind) == "enterprise"]
    listed = ent["标签"].str.contains("列统企业").mean()
    assert 0.15 <= listed <= 0.35


def test_households_csv_is_gbk_with_the_expected_columns(demo: DemoFiles,
                                                         households: pd.DataFrame) -> None:
    """households.csv decodes as GBK and not as UTF-8; 编号 H000001…, mobiles 1[3-9]x."""
    raw = demo.households.read_bytes()
    raw.decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.startswith("编号,姓名".encode("gbk"))
    assert list(households.columns) == HEADER
    assert households["编号"].iloc[0] == "H000001" and households["编号"].is_unique
    phones = households["电话"]
    assert phones.str.fullmatch(r"(1[3-9]\d{9})?").all()
    assert 0.03 < (phones == "").mean() < 0.2
    assert phones[phones != ""].is_unique
    assert set(households["类型"].map(parse_kind)) == {"household"}
    assert households["经度"].str.fullmatch(r"116\.\d{6}").all()
    assert households["纬度"].str.fullmatch(r"37\.\d{6}").all()
    assert households["地址"].str.startswith("示范镇").all()
    assert households["地址"].str.fullmatch(r"示范镇.+社区\d+号楼\d单元\d{3,4}").any()
    assert households["地址"].str.fullmatch(r"示范镇.+村\d+组\d+号").any()


def test_units_cadres_and_readme_files(demo: DemoFiles, units: pd.DataFrame,
                                       cadres: pd.DataFrame) -> None:
    """units.xlsx sheet 走访对象 with the household columns; cadres.csv UTF-8 with BOM."""
    assert list(units.columns) == HEADER
    assert units["编号"].is_unique and units["姓名"].is_unique
    assert units["姓名"].str.len().min() >= 3
    raw = demo.cadres.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(cadres.columns) == ["编号", "姓名", "级别", "单位", "电话", "基地经度",
                                    "基地纬度", "每日小时", "可用天数"]
    assert set(cadres["每日小时"]) <= {2, 3, 4} and (cadres["每日小时"] == 3).mean() > 0.5
    assert set(cadres["可用天数"]) <= {8, 10, 20} and (cadres["可用天数"] == 10).mean() > 0.5
    # grid workers in the roster are the ones named in the grid file
    gdf = gpd.read_file(demo.grids)
    workers = set(zip(gdf["网格员"], gdf["网格员电话"], strict=True))
    gw = cadres[cadres["级别"] == "网格员"]
    assert all((n, p) in workers for n, p in zip(gw["姓名"], gw["电话"], strict=True))
    # the roster covers the 10-day push only just
    work = demo.counts["households"] * 20 + demo.counts["units"] * 40
    cap = (cadres["每日小时"] * cadres["可用天数"].clip(upper=10) * 60).sum()
    assert work < cap < 1.15 * work
    text = demo.readme.read_text(encoding="utf-8")
    for word in ("GCJ-02", "WGS-84", str(DEFAULT_SEED), "gap", "overlap", "invalid"):
        assert word in text


def test_every_target_lies_in_the_grid_named_in_its_row(grids: gpd.GeoDataFrame,
                                                        households: pd.DataFrame,
                                                        units: pd.DataFrame) -> None:
    """The true (WGS-84) point of every household and unit is inside its 网格 grid.

    The raw GCJ-02 coordinates, taken as WGS-84, are hundreds of metres off: the file
    is really GCJ-02.
    """
    geom = dict(zip(grids["编号"], grids.geometry, strict=True))
    for df in (households, units):
        lon, lat = _true_points(df)
        assert set(df["网格"]) <= set(geom)
        for code, idx in df.groupby("网格").indices.items():
            inside = shapely.contains_xy(geom[code], lon[idx], lat[idx])
            assert inside.all(), f"{(~inside).sum()} targets outside grid {code}"
    lon, lat = _true_points(households)
    dx = (households["经度"].astype(float) - lon) * 88_500
    dy = (households["纬度"].astype(float) - lat) * 111_000
    assert (np.hypot(dx, dy) > 100).all()


def test_grids_have_exactly_one_gap_one_overlap_one_invalid(demo: DemoFiles,
                                                            grids: gpd.GeoDataFrame) -> None:
    """One invalid polygon; one overlap and one gap larger than 100 m²; nothing else."""
    raw = gpd.read_file(demo.grids)
    assert (~raw.geometry.is_valid).sum() == 1
    assert grids.geometry.is_valid.all()
    metric = grids.to_crs(metric_crs_for(*grids.union_all().centroid.coords[0]))
    geoms = list(metric.geometry)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    areas = sorted((shapely.intersection(geoms[i], geoms[j]).area
                    for i, j in zip(left, right, strict=True) if i < j), reverse=True)
    assert areas[0] > 1000 and areas[1] < 1.0, areas[:3]
    union = shapely.union_all(geoms)
    holes = sorted((shapely.Polygon(r).area for part in shapely.get_parts(union)
                    for r in part.interiors), reverse=True)
    assert len(holes) >= 1 and 100 < holes[0] < 2000
    assert sum(holes[1:]) < 1.0, holes[:3]
    # 12 km × 9 km or so
    x0, y0, x1, y1 = union.bounds
    assert 11_000 < x1 - x0 < 13_500 and 8_000 < y1 - y0 < 10_500
    assert grids["乡镇"].eq("示范镇").all() and grids["编号"].is_unique


def test_road_network_is_connected_at_end_vertices(demo: DemoFiles) -> None:
    """Every road feature reaches every other through shared end vertices."""
    data = json.loads(demo.roads.read_text(encoding="utf-8"))
    feats = data["features"]
    assert {f["properties"]["highway"] for f in feats} == {
        "primary", "secondary", "tertiary", "residential", "track"}
    parent: dict[tuple[float, float], tuple[float, float]] = {}

    def find(a: tuple[float, float]) -> tuple[float, float]:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for f in feats:
        assert f["geometry"]["type"] == "LineString"
        coords = f["geometry"]["coordinates"]
        a, b = tuple(coords[0]), tuple(coords[-1])
        parent[find(a)] = find(b)
    roots = {find(p) for p in list(parent)}
    assert len(roots) == 1
    names = Counter(f["properties"]["名称"] for f in feats)
    assert names["省道S316"] > 0 and names["县道X031"] > 0
