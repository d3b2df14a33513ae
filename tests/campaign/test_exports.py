"""Exports: the 附件 tables with the seed's Chinese headers, masking, .xlsx and CSV files."""

# ruff: noqa: F811  (the ledger_world fixtures are imported by name)
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
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
