"""What the pages and the API do (:mod:`zoufang.web.forms`), called without a request.

Refusals run on the shared read-only world (nothing is written when an action is
refused); actions that write get a fresh copy of the world on each backend.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from zoufang._errors import ValidationError
from zoufang.campaign.store import Issue, Visit
from zoufang.web import forms
from zoufang.web import queries as q
from zoufang.web.errors import Forbidden, NotFound
from zoufang.web.security import Viewer

from .areas import store_areas
from .conftest import Web


def _viewer(web: Web, role: str, *, cadre: str | None = None,
            personal: bool = False) -> Viewer:
    """A viewer of the world's township with ``role`` (and cadre ``cadre``)."""
    w = web.world
    return Viewer(0, role, role, w.township_id, w.cadres[cadre] if cadre else None, personal)


def _count(web: Web, model: type) -> int:
    with web.app.extensions["zoufang_store"].session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_import_upload_refuses_unknown_kind_and_file_type(sqlite_web: Web) -> None:
    """An upload of an unknown kind or file type is refused, naming what is accepted.

    The path in the file name is dropped; a Shapefile is sent to the CLI.
    """
    store = sqlite_web.app.extensions["zoufang_store"]
    planner = _viewer(sqlite_web, "planner")
    with pytest.raises(ValidationError) as err:
        forms.import_upload(store, planner, "测试镇", "houses", "a.csv", b"x")
    assert "targets" in err.value.problems[0].message
    with pytest.raises(ValidationError) as err:
        forms.import_upload(store, planner, "测试镇", "targets", "..\\\\evil.exe", b"x")
    assert err.value.summary == "evil.exe: file type not accepted"
    assert ".gpkg" in err.value.problems[0].message
    assert "Shapefile" in err.value.problems[0].message


def test_record_field_visit_refusals_record_nothing(sqlite_web: Web) -> None:
    """Refused visits record nothing.

    Only a linked cadre records visits; a form without a target number and with a GPS
    point that is not a number lists both problems; an unknown target is refused like
    any target outside the cadre's area (here: no area planned yet, which it says).
    """
    visits = _count(sqlite_web, Visit)
    store = sqlite_web.app.extensions["zoufang_store"]
    with store.session() as s:
        with pytest.raises(Forbidden):
            forms.record_field_visit(s, _viewer(sqlite_web, "planner"), {"target": "T2"})
        with pytest.raises(Forbidden):
            forms.record_field_visit(s, _viewer(sqlite_web, "cadre"), {"target": "T2"})
    with store.session() as s:
        with pytest.raises(ValidationError) as err:
            forms.record_field_visit(s, _viewer(sqlite_web, "cadre", cadre="C1"),
                                     {"target": " ", "lon": "east", "lat": "37.4"})
    assert [p.field for p in err.value.problems] == ["gps", "target"]
    for ref in ("T99", "T2"):
        with store.session() as s:
            with pytest.raises(Forbidden, match="尚未分配走访区域") as refused:
                forms.record_field_visit(s, _viewer(sqlite_web, "cadre", cadre="C1"),
                                         {"target": ref, "mode": "in_home",
                                          "outcome": "visited"})
        assert ref not in str(refused.value)
    assert _count(sqlite_web, Visit) == visits


def test_record_field_visit_with_an_issue(web: Web) -> None:
    """A cadre's visit with an issue, in its area, lands in the newest campaign.

    The answer names the target by number only, and the issue is owned by the cadre
    (谁走访谁处理).
    """
    c1 = _viewer(web, "cadre", cadre="C1")
    store = web.app.extensions["zoufang_store"]
    store_areas(store, web.world)
    with store.session() as s:
        out = forms.record_field_visit(s, c1, {
            "target": "T2", "mode": "in_home", "outcome": "visited",
            "at": "2022-03-07T09:30", "card": "on", "category": "基本医疗",
            "text": "缺药", "lon": "116.604", "lat": "37.403"})
    assert out["target"] == "T2" and out["at"] == "2022-03-07 09:30"
    assert out["outcome"] == "visited" and out["issue_id"] is not None
    with store.session() as s:
        v = s.get(Visit, out["visit_id"])
        issue = s.get(Issue, out["issue_id"])
        assert v is not None and issue is not None
        assert v.campaign_id == web.world.campaign_id and v.cadre_id == web.world.cadres["C1"]
        assert issue.owner_cadre_id == web.world.cadres["C1"]
        latest = q.my_visits(s, c1, limit=1)
    assert latest[0]["target"] == "T2" and latest[0]["outcome"] == "已走访"


def test_issue_actions_follow_the_role(web: Web) -> None:
    """Issue actions follow the role; each answer is the issue as the viewer sees it.

    A leader may supervise an issue but not report it; a cadre may not touch another
    cadre's issue; the owner reports a result.
    """
    i2 = web.world.issues["I2"]
    store = web.app.extensions["zoufang_store"]
    with store.session() as s:
        with pytest.raises(Forbidden, match="may not 'report'"):
            forms.apply_issue_action(s, _viewer(web, "leader"), i2, "report",
                                     {"result": "x"})
        with pytest.raises(Forbidden, match="not yours"):
            forms.apply_issue_action(s, _viewer(web, "cadre", cadre="C3"), i2, "report",
                                     {"result": "x"})
        with pytest.raises(NotFound):
            forms.apply_issue_action(s, _viewer(web, "admin"), i2, "note", {"reason": "x"})
    with store.session() as s:
        item = forms.apply_issue_action(s, _viewer(web, "leader"), i2, "supervise",
                                        {"reason": "督办"})
    assert item["supervised"] is True
    with store.session() as s:
        item = forms.apply_issue_action(s, _viewer(web, "cadre", cadre="C1"), i2, "report",
                                        {"result": "药已补齐", "version": str(item["version"])})
    assert item["result"] == "药已补齐" and item["history"][-1]["action"] == "report"


def test_exports(sqlite_web: Web) -> None:
    """The ledger export is one .xlsx named for the township, masked for a leader.

    The arrangement table refuses an unknown format and needs a plan first.
    """
    store = sqlite_web.app.extensions["zoufang_store"]
    planning = sqlite_web.app.extensions["zoufang_planning"]
    with store.session() as s:
        data, name, personal, rows = forms.export_ledger(s, _viewer(sqlite_web, "leader"))
    assert data[:2] == b"PK" and name.startswith("测试镇-走访台账-") and name.endswith(".xlsx")
    assert personal is False and rows and all(n >= 0 for n in rows.values())
    planner = _viewer(sqlite_web, "planner")
    with pytest.raises(ValueError, match="expected to be in"):
        forms.export_arrangement(store, planning, planner, "pdf")
    with pytest.raises(NotFound, match="no plan yet"):
        forms.export_arrangement(store, planning, planner, "csv")
