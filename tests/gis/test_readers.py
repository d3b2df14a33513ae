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
