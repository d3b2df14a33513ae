"""Recording visits, what stays due, and the bulk import of paper-collected visits/issues."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from zoufang._errors import ValidationError
from zoufang.campaign.imports.importer import ImportRefused
from zoufang.campaign.imports.records import import_issues, import_visits
from zoufang.campaign.store import Issue, IssueEvent, Visit
from zoufang.campaign.visits import due_targets, record_visit

from .ledger_world import World

D = dt.datetime


def test_record_visit_fields(territory: World) -> None:
    """A recorded visit keeps all its fields; Chinese names of mode and outcome are accepted.

    The fields are mode, outcome, the four ones, notes and the GPS point.
    """
    with territory.store.session() as s:
        v = record_visit(s, township_id=territory.township_id, target="T1", cadre="C1",
                         at="2022-03-02 19:00", mode="入户", outcome="已走访",
                         four_ones={"card": True, "survey": True, "leaflet": True},
                         notes="老人独居", lon=116.6031, lat=37.4031)
        assert (v.mode, v.outcome, v.card, v.survey, v.leaflet, v.solved) == (
            "in_home", "visited", True, True, True, False)
        assert (v.at, v.lon, v.notes, v.target_id) == (D(2022, 3, 2, 19), 116.6031, "老人独居",
                                                       territory.targets["T1"])


def test_record_visit_lists_every_problem(territory: World) -> None:
    """Every problem of a visit is listed at once, and nothing is written.

    Unknown target and cadre, bad mode and outcome, half a GPS point: all are listed.
    """
    with territory.store.session() as s, pytest.raises(ValidationError) as e:
        record_visit(s, township_id=territory.township_id, target="NOPE", cadre="C9",
                     at="2022-03-02 19:00", mode="飞鸽", outcome="maybe", lon=116.6)
    assert sorted(p.field for p in e.value.problems) == ["cadre", "gps", "mode", "outcome",
                                                         "target"]
    with territory.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == 0


def test_four_ones_only_when_visited(territory: World) -> None:
    """Nobody home means no survey filled: four ones on a not-home visit are refused."""
    with territory.store.session() as s, pytest.raises(ValidationError, match="four ones"):
        record_visit(s, township_id=territory.township_id, target="T1", cadre="C1",
                     at="2022-03-02 19:00", mode="in_home", outcome="not_home",
                     four_ones={"survey": True})


def test_future_visit_refused(territory: World) -> None:
    """A visit cannot be recorded in the future."""
    with territory.store.session() as s, pytest.raises(ValidationError, match="future"):
        record_visit(s, township_id=territory.township_id, target="T1", cadre="C1",
                     at=D.now() + dt.timedelta(days=2), mode="phone", outcome="visited")


def test_not_home_leaves_target_due(world: World) -> None:
    """A target only found not at home stays due; refused and vacant targets are settled.

    T2 was only found not at home and X1 never visited: both are due; refused (T4) and vacant
    (T5) are settled. Another not-home visit to T2 keeps it due; a visit settles it.
    """
    with world.store.session() as s:
        assert [t.ext_id for t in due_targets(s, world.township_id)] == ["T2", "X1"]
        record_visit(s, township_id=world.township_id, target="T2", cadre="C1",
                     at=D(2022, 3, 8, 19), mode="in_home", outcome="不在家")
        assert [t.ext_id for t in due_targets(s, world.township_id)] == ["T2", "X1"]
        record_visit(s, township_id=world.township_id, target="T2", cadre="C1",
                     at=D(2022, 3, 9, 19), mode="wechat", outcome="visited")
        assert [t.ext_id for t in due_targets(s, world.township_id)] == ["X1"]


# ------------------------------------------------------------------ bulk import

VISIT_HEAD = ["对象编号", "干部编号", "走访时间", "方式", "结果", "联系卡", "调查卷", "宣传纸",
              "解决一件事", "备注", "经度", "纬度"]
VISIT_ROWS = [
    ["T1", "C1", "2022/3/2 19:00", "入户", "已走访", "是", "是", "是", "否", "", "116.603", "37.403"],
    ["T2", "C1", "2022-03-02 19:20", "入户", "不在家", "", "", "", "", "敲门无人", "", ""],
    ["T3", "C2", "2022-03-03 10:00", "电话", "已走访", "√", "", "1", "0", "", "", ""],
]


def _csv(path: Path, head: list[str], rows: list[list[str]], encoding: str = "gbk") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(head)
        w.writerows(rows)
    return path


def test_import_visits_gbk_csv_idempotent(territory: World, tmp_path: Path) -> None:
    """A GBK CSV of paper visits lands whole; importing it again adds nothing."""
    f = _csv(tmp_path / "visits.csv", VISIT_HEAD, VISIT_ROWS)
    r = import_visits(territory.store, f, campaign_id=territory.campaign_id)
    assert (r.rows, r.inserted, r.unchanged, r.encoding) == (3, 3, 0, "gbk")
    r = import_visits(territory.store, f)
    assert (r.inserted, r.unchanged) == (0, 3)
    with territory.store.session() as s:
        rows = s.execute(select(Visit.outcome, Visit.mode, Visit.card, Visit.leaflet,
                                Visit.lon, Visit.source).order_by(Visit.at)).all()
    assert [tuple(x) for x in rows] == [
        ("visited", "in_home", True, True, 116.603, "import"),
        ("not_home", "in_home", False, False, None, "import"),
        ("visited", "phone", True, True, None, "import")]


def test_import_visits_refused_whole(territory: World, tmp_path: Path) -> None:
    """Bad rows refuse the file naming row and column; nothing is written."""
    rows = [VISIT_ROWS[0], ["T9", "C1", "2022-03-02", "入户", "已走访", "是", "", "", "", "", "", ""],
            ["T2", "C1", "昨天", "入户", "不在家", "是", "", "", "", "", "116.6", ""]]
    f = _csv(tmp_path / "bad.csv", VISIT_HEAD, rows)
    with pytest.raises(ImportRefused) as e:
        import_visits(territory.store, f)
    got = {(p.row, p.field) for p in e.value.problems}
    assert (3, "对象编号") in got and (4, "走访时间") in got and (4, "四个一") not in got
    assert any(p.row == 4 and "four ones" in p.message for p in e.value.problems)
    assert any(p.row == 4 and "half a GPS point" in p.message for p in e.value.problems)
    assert "bad.csv" in str(e.value)
    with territory.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == 0


def test_import_issues_xlsx(territory: World, tmp_path: Path) -> None:
    """Issues imported from Excel are linked to their visit and start their history as recorded.

    Each is linked to the visit of that target by that cadre that day, and starts its history
    as recorded with the visitor as owner; hotline rows need no visit; re-import adds nothing.
    """
    import_visits(territory.store, _csv(tmp_path / "v.csv", VISIT_HEAD, VISIT_ROWS))
    wb = Workbook()
    ws = wb.active
    ws.append(["对象编号", "干部编号", "走访日期", "问题类型", "责任类别", "问题内容", "紧急程度",
               "来源", "反映人", "反映人电话"])
    ws.append(["T1", "C1", "2022-03-02", "居住环境", "镇村解决", "路灯不亮", "紧急", None, None,
               None])
    ws.append([None, None, None, "社会治安", "市直部门", "夜间噪音", None, "热线", "路人甲",
               "13800001111"])
    path = tmp_path / "issues.xlsx"
    wb.save(path)
    r = import_issues(territory.store, path, actor="录入员")
    assert (r.inserted, r.unchanged) == (2, 0)
    assert import_issues(territory.store, path).unchanged == 2
    with territory.store.session() as s:
        i1, i2 = s.scalars(select(Issue).order_by(Issue.id)).all()
        assert (i1.category, i1.urgency, i1.owner_cadre_id, i1.status) == (
            "living_environment", "urgent", territory.cadres["C1"], "recorded")
        assert (i2.channel, i2.visit_id, i2.reporter_name) == ("hotline", None, "路人甲")
        assert s.scalar(select(IssueEvent.actor).where(IssueEvent.issue_id == i1.id)) == "录入员"


def test_import_issue_without_matching_visit(territory: World, tmp_path: Path) -> None:
    """An issue naming a visit that does not exist (T2 was not at home) is refused."""
    import_visits(territory.store, _csv(tmp_path / "v.csv", VISIT_HEAD, VISIT_ROWS))
    f = _csv(tmp_path / "i.csv", ["对象编号", "干部编号", "走访日期", "问题类型", "责任类别", "问题内容"],
             [["T2", "C1", "2022-03-02", "其他", "镇村", "x"]], encoding="utf-8")
    with pytest.raises(ImportRefused, match="import the visits first") as e:
        import_issues(territory.store, f)
    assert e.value.problems[0].row == 2 and e.value.problems[0].field == "走访日期"
