"""Reading tables: encodings, delimiters, Excel cells, malformed rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoufang._errors import ValidationError
from zoufang.gis.readers import decode_text, read_table


def test_gbk_not_mistaken_for_utf8() -> None:
    """GBK bytes of Chinese text are detected as GBK."""
    text, enc = decode_text("编号,姓名\n1,张三\n".encode("gbk"), "x.csv")
    assert (enc, text.splitlines()[1]) == ("gbk", "1,张三")


def test_semicolon_and_tab_delimiters(tmp_path: Path) -> None:
    """Semicolon- and tab-separated files are sniffed."""
    for sep in (";", "\t"):
        p = tmp_path / "t.csv"
        p.write_text(f"编号{sep}姓名\n1{sep}张三\n", encoding="utf-8")
        t = read_table(p)
        assert t.rows == [{"编号": "1", "姓名": "张三"}]


def test_blank_rows_skipped_and_numbered(tmp_path: Path) -> None:
    """Blank lines are skipped but row numbers stay those of the file."""
    p = tmp_path / "t.csv"
    p.write_text("编号,姓名\n1,甲\n,\n2,乙\n", encoding="utf-8")
    t = read_table(p)
    assert t.row_numbers == [2, 4]


def test_too_many_cells_refused(tmp_path: Path) -> None:
    """A row with more cells than headers is named by its line."""
    p = tmp_path / "t.csv"
    p.write_text("编号,姓名\n1,甲,多余\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"t.csv, row 2: row has 3 cells but the header has 2"):
        read_table(p)


def test_duplicate_headers_refused(tmp_path: Path) -> None:
    """Two columns with the same header are refused (which one would be meant?)."""
    p = tmp_path / "t.csv"
    p.write_text("编号,编号\n1,2\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="header '编号' appears twice"):
        read_table(p)


def test_missing_file(tmp_path: Path) -> None:
    """A missing file says so with its path."""
    with pytest.raises(ValidationError, match="nope.csv: file not found"):
        read_table(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- limits

def bomb_xlsx(path: Path, rows: int) -> Path:
    """Write a workbook of ``rows`` identical rows: a few MB that expand a hundredfold.

    The sheet is streamed into the zip (no ``r`` attributes, so every row is the same
    bytes and deflate packs them about 250 to 1), never held in memory.
    """
    import io
    import re
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["编号", "姓名", "类型", "经度", "纬度"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    header = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>'
                     for h in ("编号", "姓名", "类型", "经度", "纬度"))
    row = ('<row><c t="inlineStr"><is><t>H1</t></is></c><c t="inlineStr"><is><t>张三</t>'
           '</is></c><c t="inlineStr"><is><t>居民家庭</t></is></c><c><v>116.605</v></c>'
           '<c><v>37.405</v></c></row>').encode() * 4096
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, src.read(info))
                continue
            xml = src.read(info).decode()
            head, tail = xml.split("<sheetData>")[0], xml.split("</sheetData>")[1]
            head = re.sub(r"<dimension[^>]*/>", "", head)  # or read-only stops at row 1
            with out.open(info.filename, "w", force_zip64=True) as f:
                f.write(f"{head}<sheetData><row>{header}</row>".encode())
                for _ in range(rows // 4096):
                    f.write(row)
                f.write(f"</sheetData>{tail}".encode())
    return path


def test_rows_beyond_the_limit_stop_a_csv_and_a_sheet(tmp_path: Path) -> None:
    """Rows are counted while reading: the first row past the limit stops it, named.

    Blank rows do not count; the CLI's reader (no limits) still reads the whole file.
    """
    from openpyxl import Workbook

    from zoufang.gis.readers import LimitExceeded, ReadLimits

    p = tmp_path / "t.csv"
    p.write_text("编号,姓名\n" + "\n" * 50 + "".join(f"{i},某{i}\n" for i in range(1, 1001)),
                 encoding="utf-8")
    with pytest.raises(LimitExceeded) as err:
        read_table(p, limits=ReadLimits(max_rows=100))
    assert err.value.limit == "rows" and err.value.allowed == 100
    assert err.value.problems[0].row == 1 + 50 + 101
    assert err.value.problems[0].code == "too_many_rows"
    assert len(read_table(p).rows) == 1000

    x = tmp_path / "t.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["编号", "姓名"])
    for i in range(1, 31):
        ws.append([i, f"某{i}"])
    wb.save(x)
    with pytest.raises(LimitExceeded, match="more than 10 rows") as err:
        read_table(x, limits=ReadLimits(max_rows=10))
    assert err.value.problems[0].row == 12
    assert len(read_table(x, limits=ReadLimits(max_rows=30)).rows) == 30


def test_one_huge_csv_field_refused_quickly_without_reading_it(tmp_path: Path) -> None:
    """A CSV with one 50 MB field is refused in well under a second, reading little of it.

    With a cell limit the line is refused once it is longer than its cells could hold;
    without one (the CLI) the csv module's own field limit refuses it as a
    ValidationError naming the row, never a bare ``_csv.Error``.
    """
    import time
    import tracemalloc

    from zoufang.gis.readers import LimitExceeded, ReadLimits

    p = tmp_path / "huge.csv"
    with p.open("w", encoding="utf-8") as f:
        f.write("编号,姓名,地址\n1,张三,正常\n2,李四,")
        for _ in range(50):
            f.write("x" * (1 << 20))
        f.write("\n3,王五,正常\n")
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(LimitExceeded) as err:
            read_table(p, limits=ReadLimits(max_field_chars=10_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - t0 < 5
    assert peak < 5 * 2**20, peak
    assert err.value.limit == "field" and err.value.problems[0].row == 3
    assert "longer than 10000 characters" in str(err.value)
    with pytest.raises(ValidationError, match=r"huge.csv: row 3 has a cell longer than"):
        read_table(p)


def test_an_expanding_workbook_is_refused_from_its_zip_directory(tmp_path: Path) -> None:
    """A workbook that expands past the limit, or compresses like a zip bomb, is refused.

    The check reads the zip's directory only: no row is parsed, so it takes no time and
    no memory, whatever the expanded size.
    """
    import time
    import tracemalloc

    from zoufang.gis.readers import LimitExceeded, ReadLimits, check_zip

    bomb = bomb_xlsx(tmp_path / "bomb.xlsx", 400_000)  # ~75 MB of XML in ~0.3 MB
    assert bomb.stat().st_size < 2 * 2**20
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(LimitExceeded) as big:
            read_table(bomb, limits=ReadLimits(max_expanded_bytes=50 * 2**20))
        with pytest.raises(LimitExceeded) as ratio:
            read_table(bomb, limits=ReadLimits(max_zip_ratio=100))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - t0 < 2 and peak < 2 * 2**20, peak
    assert big.value.limit == "expanded" and big.value.problems[0].code == "zip_expanded"
    assert int(big.value.problems[0].value or 0) > 50 * 2**20
    assert ratio.value.limit == "ratio"
    assert ratio.value.problems[0].field == "xl/worksheets/sheet1.xml"
    assert float(ratio.value.problems[0].value or 0) > 100
    with pytest.raises(LimitExceeded, match="holds 9 files, more than 5"):
        check_zip(bomb, ReadLimits(max_zip_members=5))
    check_zip(bomb, ReadLimits(max_expanded_bytes=200 * 2**20, max_zip_ratio=1000,
                               max_zip_members=50))
    # a real workbook passes every check
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["编号", "姓名"])
    for i in range(5000):
        ws.append([f"H{i:05d}", f"住户{i}"])
    wb.save(tmp_path / "real.xlsx")
    t = read_table(tmp_path / "real.xlsx", limits=ReadLimits(
        max_expanded_bytes=50 * 2**20, max_zip_ratio=100, max_zip_members=100))
    assert len(t.rows) == 5000


def test_columns_time_and_vector_features_are_limited(tmp_path: Path) -> None:
    """Too many columns, an exhausted time budget and too many features are refused.

    A GeoJSON layer's feature count is read before any feature is; a GBK file whose
    first Chinese character comes late is still read as GBK under limits.
    """
    import json

    from zoufang.gis.readers import LimitExceeded, ReadLimits, read_vector

    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(300)) + "\n" + "1," * 299 + "1\n",
                    encoding="utf-8")
    with pytest.raises(LimitExceeded, match="300 columns, more than 200") as err:
        read_table(wide, limits=ReadLimits(max_columns=200))
    assert err.value.limit == "columns"

    late = tmp_path / "late.csv"
    late.write_bytes(("id,name\n" + "".join(f"{i},a\n" for i in range(3000))
                      + "3000,张三\n").encode("gbk"))
    t = read_table(late, limits=ReadLimits(max_rows=5000, max_field_chars=100))
    assert (t.encoding, t.rows[-1], t.row_numbers[-1]) == (
        "gbk", {"id": "3000", "name": "张三"}, 3002)
    with pytest.raises(LimitExceeded, match="took longer than 0 s") as err:
        read_table(late, limits=ReadLimits.within(0))
    assert err.value.limit == "time"

    gj = tmp_path / "points.geojson"
    gj.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"编号": f"P{i}"},
         "geometry": {"type": "Point", "coordinates": [116.6, 37.4]}} for i in range(20)]}),
        encoding="utf-8")
    with pytest.raises(LimitExceeded, match="20 features; at most 5") as err:
        read_vector(gj, limits=ReadLimits(max_rows=5))
    assert err.value.limit == "rows"
    assert len(read_vector(gj, limits=ReadLimits(max_rows=20)).rows) == 20
