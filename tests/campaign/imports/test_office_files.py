"""Files as township and street offices really send them, on SQLite and PostgreSQL.

Every workbook is built here with openpyxl, as an office's Excel would leave it: a merged
title row, a "填报单位：…" filler row, a two-row header (``坐标（高德）`` merged over
``经度`` / ``纬度``), numbers stored as numbers (phones, ids with a ``000000`` format),
blank rows between blocks, a "填表人：… 审核人：…" footer, degrees-minutes-seconds,
ranks of the 2019 reform and positions, tags nobody listed. Each test checks every
stored value, and that refused files leave the store as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from openpyxl import Workbook
from pyproj import Geod
from sqlalchemy import select

from zoufang._errors import ValidationError
from zoufang.campaign.imports.importer import (
    ImportRefused,
    import_cadres,
    import_grids,
    import_targets,
)
from zoufang.campaign.imports.tables import parse_coordinate, read_import_table
from zoufang.campaign.store import Cadre, DataProblem, Grid, Store, Target, Village
from zoufang.gis.crs import wgs84_to_gcj02
from zoufang.sheets import cell_text

from ...builders import GRID_BOXES, grid_frame
from .test_importer import counts, write_csv

_GEOD = Geod(ellps="WGS84")

# (户编号 as a number, 户主, 类型, 地址, 电话 as a number, WGS-84 point, 人员类别, 网格)
HOUSEHOLDS = [
    (123, "张三", "居民家庭", "东风社区1栋101", 13812345678, (116.6051, 37.4052),
     "低保户、残疾人家庭", "G1"),
    (124, "李四", "居民家庭", "东风社区1栋102", 13912345678.0, (116.6153, 37.4057),
     "特困户", "G2"),
    (7, "王五", "农户", "东风村3组", None, (116.6055, 37.4158), "退役军人；信访户", "G3"),
    (125, "宏达商店", "商铺", "东风路8号", "0534-1234567", (116.6152, 37.4151), "五保户",
     "G4"),
]


def _dms(v: float) -> str:
    """Degrees-minutes-seconds as offices write them (117°07′12.300″)."""
    d = int(v)
    m = int((v - d) * 60)
    s = (v - d - m / 60) * 3600
    return f"{d}°{m:02d}′{s:06.3f}″"


def huamingce(path: Path) -> Path:
    """A 花名册 .xlsx: title, filler, two-row header, numbers, blank rows, DMS, footer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws["A1"] = "东风街道2026年走访对象花名册"
    ws.merge_cells("A1:J1")
    ws["A2"] = "填报单位：东风街道办事处"
    ws["F2"] = "填报日期：2026年1月5日"
    top = ["序号", "户编号", "户主姓名", "对象类型", "家庭住址", "联系方式", "坐标（高德）", None,
           "人员类别", "所在网格"]
    ws.append(top)
    ws.append([None] * 6 + ["经度", "纬度"] + [None, None])
    for col in "ABCDEFIJ":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("G3:H3")
    row = 5
    for i, (hid, name, kind, addr, phone, (lon, lat), tags, grid) in enumerate(HOUSEHOLDS):
        if i == 2:
            row += 1  # a blank row between two blocks
        glon, glat = (float(a[0]) for a in wgs84_to_gcj02([lon], [lat]))
        lon_cell: object = _dms(glon) if i == 1 else glon
        lat_cell: object = _dms(glat) if i == 1 else glat
        cells = [i + 1, hid, name, kind, addr, phone, lon_cell, lat_cell, tags, grid]
        for j, v in enumerate(cells, start=1):
            ws.cell(row=row, column=j, value=v)
        ws.cell(row=row, column=2).number_format = "000000"
        row += 1
    ws.cell(row=row + 1, column=1, value="填表人：赵六")
    ws.cell(row=row + 1, column=5, value="审核人：钱七")
    ws.cell(row=row + 2, column=1, value="联系电话：0534-7654321")
    wb.save(path)
    return path


def ganbu(path: Path, extra: list[list[object]] | None = None) -> Path:
    """A 干部名单 .xlsx with 2019 ranks and positions, ids and phones as numbers."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "东风街道2026年走访干部名单"
    ws.merge_cells("A1:J1")
    ws.append(["工号", "姓名", "职务", "职级", "所在单位", "手机号码", "驻点经度", "驻点纬度",
               "每天可用小时", "可走访天数"])
    rows: list[list[object]] = [
        [12, "周一", "街道党工委书记", "一级主任科员", "街道党工委", 13800000001, 116.605,
         37.405, 3, 10],
        [13, "吴二", "副镇长", None, "镇政府", 13800000002, 116.615, 37.405, 4, 12],
        [14, "郑三", None, "四级调研员", "县发改局", 13800000003.0, 116.605, 37.415, 2, 8],
        [15, "冯四", "社区两委", None, "东风社区", None, 116.615, 37.415, 5, 20],
        [16, "陈五", None, "二级科员", "街道党政办", 13800000005, None, None, 6, 20],
        [17, "褚六", "城管局副局长", "三级主任科员", "县城管局", 13800000006, 116.61, 37.41,
         3, 10],
        *(extra or []),
    ]
    for r in rows:
        ws.append(r)
    for r in range(3, 3 + len(rows)):
        ws.cell(row=r, column=1).number_format = "0000"
    ws.append([])
    ws.append(["制表人：孙七", None, None, None, "审核人：李八"])
    wb.save(path)
    return path


@pytest.fixture
def with_grids(store: Store, grids_file: Path) -> Store:
    """The store with the 2 × 2 test grids imported."""
    import_grids(store, grids_file)
    return store


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(_GEOD.inv(a[0], a[1], b[0], b[1])[2])


# ------------------------------------------------------------------------ cells

def test_cell_text_keeps_ids_and_phones_as_written() -> None:
    """Numbers come back as the digits the writer sees, zeros of the format put back."""
    assert cell_text(13812345678.0) == "13812345678"
    assert cell_text(13812345678) == "13812345678"
    assert cell_text(123, "000000") == "000123"
    assert cell_text(123.0, '"H"0000') == "H0123"
    assert cell_text(123, "General") == "123"
    assert cell_text(116.6051) == "116.6051"
    assert cell_text("  ") is None and cell_text(None) is None


@pytest.mark.parametrize("text,expected", [
    ("117.12", 117.12), ("117°07′12.3″", 117 + 7 / 60 + 12.3 / 3600),
    ("117°7'12.3\"", 117 + 7 / 60 + 12.3 / 3600), ("117度07分12.3秒", 117 + 7 / 60 + 12.3 / 3600),
    ("E117°07′12.3″", 117 + 7 / 60 + 12.3 / 3600), ("39°54.5′N", 39 + 54.5 / 60),
    ("１１７．５", 117.5), (None, None),
])
def test_parse_coordinate(text: str | None, expected: float | None) -> None:
    """Decimal degrees and degrees-minutes-seconds both read."""
    got = parse_coordinate(text)
    assert got == pytest.approx(expected) if expected is not None else got is None


@pytest.mark.parametrize("text", ["abc", "117°70′", "117°07′75″"])
def test_parse_coordinate_refuses(text: str) -> None:
    """Text that is no coordinate is refused."""
    with pytest.raises(ValueError):
        parse_coordinate(text)


def test_reader_finds_two_row_header_and_skips_footer(tmp_path: Path) -> None:
    """The header is found under the title, joined over two rows; the footer is not read."""
    from zoufang.campaign.imports.columns import TARGET_COLUMNS
    from zoufang.campaign.imports.tables import iter_names

    t = read_import_table(huamingce(tmp_path / "花名册.xlsx"),
                          names=list(iter_names(TARGET_COLUMNS)))
    assert t.columns == ["序号", "户编号", "户主姓名", "对象类型", "家庭住址", "联系方式",
                         "坐标（高德）/经度", "坐标（高德）/纬度", "人员类别", "所在网格"]
    assert t.row_numbers == [5, 6, 8, 9]
    assert [r["户编号"] for r in t.rows] == ["000123", "000124", "000007", "000125"]
    assert [r["联系方式"] for r in t.rows] == ["13812345678", "13912345678", None,
                                           "0534-1234567"]
    assert any("footer" in n and "row 11" in n for n in t.notes), t.notes
    assert any("rows 1–2 above the header" in n for n in t.notes), t.notes


# ------------------------------------------------------------------------ targets

def test_huamingce_imports_every_row(with_grids: Store, tmp_path: Path) -> None:
    """A 花名册 imports as it is: ids, phones, tags, and points < 1 m after GCJ-02."""
    path = huamingce(tmp_path / "花名册.xlsx")
    report = import_targets(with_grids, path)
    assert (report.rows, report.inserted, report.crs) == (4, 4, "gcj02")
    assert report.header_row == 3
    assert report.columns["lon"] == "坐标（高德）/经度" and report.columns["id"] == "户编号"
    notes = " | ".join(report.notes)
    assert "header read from row 3–4" in notes and "CRS gcj02 read from the header" in notes
    assert "低保户 → 困难户" in notes and "特困户 → 困难户" in notes and "五保户 → 困难户" in notes
    free = [p for p in report.problems if p.code == "free_tags"]
    assert len(free) == 1 and free[0].severity == "warning"
    assert "残疾人家庭 (row 5)" in free[0].message and "退役军人 (row 8)" in free[0].message
    with with_grids.session() as s:
        got = {t.ext_id: t for t in s.scalars(select(Target))}
        grids = {g.id: g.ext_id for g in s.scalars(select(Grid))}
        assert set(got) == {"000123", "000124", "000007", "000125"}
        expected_tags = {"000123": ["hardship", "残疾人家庭"], "000124": ["hardship"],
                         "000007": ["退役军人", "petitioner"], "000125": ["hardship"]}
        for (hid, name, kind, addr, phone, point, _tags, grid) in HOUSEHOLDS:
            t = got[f"{hid:06d}"]
            assert (t.name, t.address, t.declared_grid) == (name, addr, grid)
            assert t.kind == {"商铺": "shop"}.get(kind, "household")
            want_phone = None if phone is None else (
                str(int(phone)) if not isinstance(phone, str) else phone)
            assert t.phone == want_phone
            assert sorted(t.tags) == sorted(expected_tags[t.ext_id])
            assert t.source_crs == "gcj02"
            assert _metres((t.lon, t.lat), point) < 1.0, (t.ext_id, t.lon, t.lat)
            assert grids[t.grid_id] == grid and t.placement == "inside"
            assert t.extra == {"序号": str(HOUSEHOLDS.index(
                next(h for h in HOUSEHOLDS if h[0] == hid)) + 1)}
        stored = s.scalars(select(DataProblem).where(DataProblem.code == "free_tags")).all()
        assert len(stored) == 1 and stored[0].row is None
    again = import_targets(with_grids, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)


def test_crs_option_wins_over_header(with_grids: Store, tmp_path: Path) -> None:
    """--crs on a 坐标（高德） file is taken as said, and the report says the header differs."""
    report = import_targets(with_grids, huamingce(tmp_path / "花名册.xlsx"), crs="wgs84",
                            accept_crs=True)
    assert report.crs == "wgs84"
    assert any("header 坐标（高德）/经度 says gcj02" in n for n in report.notes), report.notes
    with with_grids.session() as s:
        assert set(s.scalars(select(Target.source_crs))) == {"wgs84"}


def test_baidu_header_declares_bd09(with_grids: Store, tmp_path: Path) -> None:
    """经度(百度) / 纬度(百度) columns are read as BD-09."""
    from zoufang.gis.crs import wgs84_to_bd09

    lon, lat = wgs84_to_bd09([116.6051], [37.4052])
    path = write_csv(tmp_path / "bd.csv", [["H1", "张三", "居民家庭", f"{lon[0]:.7f}",
                                            f"{lat[0]:.7f}"]],
                     head=["编号", "姓名", "类型", "经度(百度)", "纬度(百度)"])
    report = import_targets(with_grids, path)
    assert report.crs == "bd09"
    with with_grids.session() as s:
        t = s.scalars(select(Target)).one()
        assert _metres((t.lon, t.lat), (116.6051, 37.4052)) < 1.0
        assert t.source_crs == "bd09"


def test_short_csv_row_refused_naming_it(with_grids: Store, tmp_path: Path) -> None:
    """A row with fewer fields than the header is a cut file: refused, row named."""
    path = tmp_path / "cut.csv"
    path.write_text("编号,姓名,类型,地址,电话,经度,纬度,标签\n"
                    "B1,张三,居民家庭,一组,13812341234,116.605,37.405,\n"
                    "B2,李娜,居民家庭\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        import_targets(with_grids, path)
    (p,) = err.value.problems
    assert p.row == 3 and p.code == "field_count" and "3 fields" in p.message
    assert "8" in p.message
    assert counts(with_grids)["targets"] == 0
    path.write_text("编号,姓名,类型,经度,纬度\nB1,张三,居民家庭,116.605,37.405,多余\n",
                    encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        import_targets(with_grids, path)
    assert err.value.problems[0].row == 2
    assert counts(with_grids)["targets"] == 0


def test_header_row_option(with_grids: Store, tmp_path: Path) -> None:
    """--header-row N reads the header there; a blank or missing row is refused."""
    path = tmp_path / "t.csv"
    path.write_text("走访对象清单,,,,\n编号,姓名,类型,经度,纬度\n"
                    "H1,张三,居民家庭,116.605,37.405\n", encoding="utf-8")
    assert import_targets(with_grids, path, header_row=2).inserted == 1
    with pytest.raises(ValidationError) as err:
        import_targets(with_grids, path, header_row=9)
    assert "header row 9" in str(err.value)


def test_no_header_found(with_grids: Store, tmp_path: Path) -> None:
    """A file with no row of headers is refused naming the fix."""
    path = tmp_path / "t.csv"
    path.write_text("只有一行说明\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        import_targets(with_grids, path)
    assert "--header-row" in str(err.value) or "required column" in str(err.value)


def test_missing_column_names_closest_and_fix(with_grids: Store, tmp_path: Path) -> None:
    """A missing id names the closest headers and the exact --columns; that fixes it."""
    path = write_csv(tmp_path / "t.csv", [["A-01", "张三", "居民家庭", "116.605", "37.405"]],
                     head=["对象标识", "姓名", "类型", "经度", "纬度"])
    with pytest.raises(ImportRefused) as err:
        import_targets(with_grids, path)
    msg = str(err.value)
    assert "closest are 对象标识" in msg and "--columns id=对象标识" in msg
    with pytest.raises(ImportRefused) as err:
        import_targets(with_grids, path, hints="web")
    assert "--" not in str(err.value.problems[0].message)
    report = import_targets(with_grids, path, columns="id=对象标识")
    assert report.inserted == 1
    with with_grids.session() as s:
        assert s.scalars(select(Target.ext_id)).all() == ["A-01"]


def test_two_columns_one_meaning_refused(with_grids: Store, tmp_path: Path) -> None:
    """联系电话 and 手机 both read as phone: one message naming both and the fix."""
    path = write_csv(tmp_path / "t.csv",
                     [["H1", "张三", "居民家庭", "13812341234", "13912341234", "116.605",
                       "37.405"]],
                     head=["编号", "姓名", "类型", "联系电话", "手机", "经度", "纬度"])
    with pytest.raises(ImportRefused) as err:
        import_targets(with_grids, path)
    (p,) = err.value.problems
    assert p.code == "duplicate_meaning" and "联系电话 and 手机" in p.message
    assert "--columns phone=联系电话" in p.message
    report = import_targets(with_grids, path, columns={"phone": "手机"})
    with with_grids.session() as s:
        t = s.scalars(select(Target)).one()
        assert t.phone == "13912341234" and t.extra == {"联系电话": "13812341234"}
    assert report.columns["phone"] == "手机"


def test_shortened_phone_refused(with_grids: Store, tmp_path: Path) -> None:
    """A phone Excel turned into 1.38123E+10 has lost its digits: refused with the fix."""
    path = write_csv(tmp_path / "t.csv",
                     [["H1", "张三", "居民家庭", "1.38123E+10", "116.605", "37.405"]],
                     head=["编号", "姓名", "类型", "电话", "经度", "纬度"])
    with pytest.raises(ImportRefused) as err:
        import_targets(with_grids, path)
    (p,) = err.value.problems
    assert p.row == 2 and p.field == "电话" and "scientific notation" in p.message
    assert "文本" in p.message


def test_address_only_rows_placed_by_grid(with_grids: Store, tmp_path: Path) -> None:
    """Rows with only an address and 所在网格 are placed by their grid and listed."""
    path = write_csv(tmp_path / "t.csv", [["H1", "张三", "居民家庭", "一组", "", "", "G2"]],
                     head=["编号", "姓名", "类型", "家庭住址", "经度", "纬度", "所在网格"])
    import_targets(with_grids, path)
    with with_grids.session() as s:
        t = s.scalars(select(Target)).one()
        assert (t.placement, t.lon, t.address) == ("declared", None, "一组")
        # listed for the planner to pin on the map (zoufang problems, the problems page)
        p = s.scalars(select(DataProblem).where(DataProblem.ref == "H1")).one()
        assert (p.code, p.severity) == ("placed_by_grid", "warning") and "G2" in p.message


# ------------------------------------------------------------------------ grids

def test_grid_layer_with_grid_id_imports_as_it_is(store: Store, tmp_path: Path) -> None:
    """A grid layer with grid_id, name, community (as grid platforms export) imports."""
    frame = gpd.GeoDataFrame(
        {"grid_id": list(GRID_BOXES), "name": [f"第{i}网格" for i in range(1, 5)],
         "community": ["东风社区", "东风社区", "西湖村", "西湖村"]},
        geometry=[shapely.box(*b) for b in GRID_BOXES.values()], crs="EPSG:4326")
    path = tmp_path / "grids.geojson"
    frame.to_file(path, driver="GeoJSON")
    report = import_grids(store, path)
    assert report.inserted == 4 and report.columns["id"] == "grid_id"
    with store.session() as s:
        grids = {g.ext_id: g for g in s.scalars(select(Grid))}
        villages = {v.id: v for v in s.scalars(select(Village))}
        assert set(grids) == set(GRID_BOXES)
        assert grids["G1"].name == "第1网格"
        assert villages[grids["G1"].village_id].name == "东风社区"
        assert villages[grids["G1"].village_id].is_community
        assert villages[grids["G3"].village_id].name == "西湖村"


def test_grid_columns_option(store: Store, tmp_path: Path) -> None:
    """--columns names a grid's id column no name gives."""
    frame = grid_frame().rename(columns={"编号": "标识码"})
    path = tmp_path / "g.geojson"
    frame.to_file(path, driver="GeoJSON")
    with pytest.raises(ImportRefused) as err:
        import_grids(store, path)
    assert "--columns id=标识码" in str(err.value)
    assert import_grids(store, path, columns="id=标识码").inserted == 4


# ------------------------------------------------------------------------ cadres

EXPECTED_CADRES = {
    "0012": ("周一", "section", "13800000001", (116.605, 37.405), 3.0, 10),
    "0013": ("吴二", "deputy_section", "13800000002", (116.615, 37.405), 4.0, 12),
    "0014": ("郑三", "deputy_division", "13800000003", (116.605, 37.415), 2.0, 8),
    "0015": ("冯四", "village_cadre", None, (116.615, 37.415), 5.0, 20),
    "0016": ("陈五", "clerk", "13800000005", None, 6.0, 20),
    "0017": ("褚六", "deputy_section", "13800000006", (116.61, 37.41), 3.0, 10),
}


def test_ganbu_with_2019_ranks_and_positions(with_grids: Store, tmp_path: Path) -> None:
    """A 干部名单 with 2019 ranks and positions imports with every rank mapped."""
    report = import_cadres(with_grids, ganbu(tmp_path / "干部名单.xlsx"))
    assert report.inserted == 6
    notes = " | ".join(report.notes)
    for pair in ("四级调研员 → 副处级", "副镇长 → 副科级", "社区两委 → 村干部",
                 "街道党工委书记 → 正科级", "二级科员 → 科员", "城管局副局长 → 副科级"):
        assert pair in notes, notes
    with with_grids.session() as s:
        got = {c.ext_id: c for c in s.scalars(select(Cadre))}
        assert set(got) == set(EXPECTED_CADRES)
        for ext_id, (name, rank, phone, base, hours, days) in EXPECTED_CADRES.items():
            c = got[ext_id]
            assert (c.name, c.rank, c.phone) == (name, rank, phone), ext_id
            assert (c.hours_per_day, c.days_available) == (hours, days)
            if base is None:
                assert c.base_lon is None and c.base_lat is None
            else:
                assert (c.base_lon, c.base_lat) == pytest.approx(base)
        assert got["0012"].unit == "街道党工委"
        assert got["0012"].extra == {}


def test_unknown_rank_names_the_fix_and_vocab_extends(with_grids: Store, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A rank that maps to nothing refuses the file naming the fix; adding it fixes it."""
    from zoufang import vocab

    monkeypatch.setenv(vocab.VOCAB_FILE_ENV, str(tmp_path / "vocab.json"))
    path = ganbu(tmp_path / "干部名单.xlsx",
                 [[18, "卫七", None, "首席专家", "县农业局", None, None, None, 2, 5]])
    with pytest.raises(ImportRefused) as err:
        import_cadres(with_grids, path)
    (p,) = err.value.problems
    assert (p.row, p.field, p.value) == (9, "职级", "首席专家")
    assert "zoufang vocab ranks --add 首席专家=" in p.message
    with pytest.raises(ImportRefused) as err:
        import_cadres(with_grids, path, hints="web")
    assert "--" not in err.value.problems[0].message
    assert counts(with_grids)["cadres"] == 0
    assert vocab.add_rank("首席专家", "三级调研员") == ("首席专家", "deputy_division")
    data = json.loads((tmp_path / "vocab.json").read_text(encoding="utf-8"))
    assert data == {"ranks": {"首席专家": "副处级"}}
    report = import_cadres(with_grids, path)
    assert report.inserted == 7 and "首席专家 → 副处级" in " | ".join(report.notes)
    with with_grids.session() as s:
        assert s.scalar(select(Cadre.rank).where(Cadre.ext_id == "0018")) == "deputy_division"
    with pytest.raises(ValueError, match="is no rank"):
        vocab.add_rank("某某", "大官")


def test_rank_readings() -> None:
    """The table maps ranks of 2019 and positions onto the ladder of the must-go rules."""
    from zoufang.vocab import rank_level, read_rank

    cases = {"一级调研员": "division", "四级调研员": "deputy_division",
             "一级主任科员": "section", "四级主任科员": "deputy_section",
             "一级科员": "clerk", "二级科员": "clerk", "镇长": "section",
             "副镇长": "deputy_section", "街道党工委书记": "section",
             "社区书记": "village_cadre", "社区两委": "village_cadre",
             "社区“两委”": "village_cadre", "副镇长（四级调研员）": "deputy_division",
             "党委委员、副镇长": "deputy_section", "东风社区书记": "village_cadre"}
    for text, code in cases.items():
        r = read_rank(text, extra={})
        assert r is not None and r.code == code, (text, r)
    assert rank_level("deputy_division") >= 4  # counts for 四个必到 (副处级以上)
    assert read_rank("处长大人", extra={}) is None
    assert np.isfinite(rank_level("clerk"))
