"""What the pages and the API read (:mod:`zoufang.web.queries`), called without a request.

On the hand-built ledger township of ``conftest.py``: every expected value is read off the
world's docstring (``tests/campaign/ledger_world.py``) or the vocabulary tables.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from zoufang.campaign.store import DataProblem, Township
from zoufang.web import queries as q
from zoufang.web.basemaps import BASEMAPS
from zoufang.web.errors import Forbidden, NotFound
from zoufang.web.maps import PALETTE
from zoufang.web.security import Viewer

from .conftest import Web


def _viewer(web: Web, role: str, *, cadre: str | None = None, personal: bool = False,
            township: bool = True) -> Viewer:
    """A viewer of the world's township (or of none) with ``role``."""
    w = web.world
    return Viewer(0, role, role, w.township_id if township else None,
                  w.cadres[cadre] if cadre else None, personal)


def test_target_labels_come_from_the_vocabulary(sqlite_web: Web) -> None:
    """A target's kind and placement are shown with the names of zoufang.vocab.

    T1 is a household inside grid G1 (网格内); X1 has no grid and no point (未落格).
    """
    planner = _viewer(sqlite_web, "planner")
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        t1 = q.target_detail(s, planner, sqlite_web.world.targets["T1"])
        x1 = q.target_detail(s, planner, sqlite_web.world.targets["X1"])
    assert (t1["kind_label"], t1["placement"], t1["grid"]) == ("居民家庭", "网格内", "G1")
    assert (x1["placement"], x1["grid"]) == ("未落格", None)
    assert t1["name"] == "张三" and t1["phone"] == "13812341234"


def test_target_detail_is_scoped(sqlite_web: Web) -> None:
    """A target is opened only as the viewer's scope allows.

    Another township's target is not found; a cadre without it in its area is refused,
    also when it owns the target's issues (C1: I1 and I2 of T1; no area planned); a
    leader without personal data sees the name masked.
    """
    w = sqlite_web.world
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        with pytest.raises(NotFound):
            q.target_detail(s, _viewer(sqlite_web, "planner"), sqlite_web.extra["other_target"])
        with pytest.raises(Forbidden):
            q.target_detail(s, _viewer(sqlite_web, "cadre", cadre="C3"), w.targets["T2"])
        masked = q.target_detail(s, _viewer(sqlite_web, "leader"), w.targets["T1"])
        with pytest.raises(Forbidden):
            q.target_detail(s, _viewer(sqlite_web, "cadre", cadre="C1"), w.targets["T1"])
    assert masked["name"] == "张*" and masked["phone"] == "138****1234"


def test_problem_labels_come_from_the_vocabulary(web: Web) -> None:
    """A data problem's code is named from zoufang.vocab.PROBLEM_CODES.

    An unknown code is shown as itself; the names are in the list and in the GeoJSON
    points (located topology problems only).
    """
    tid = web.world.township_id
    store = web.app.extensions["zoufang_store"]
    with store.session() as s:
        s.add_all([
            DataProblem(township_id=tid, scope="topology", severity="warning", code="gap",
                        message="gap between G1 and G2", lon=116.61, lat=37.405),
            DataProblem(township_id=tid, scope="targets", severity="error", code="weird",
                        message="a row", source="t.csv", row=3, field="lon")])
    with store.session() as s:
        rows = q.problems_list(s, tid)
        fc = q.problems_geojson(s, tid, BASEMAPS["osm"])
    assert {(r["code"], r["code_label"]) for r in rows} == {("gap", "网格缝隙"),
                                                           ("weird", "weird")}
    assert [f["properties"]["code_label"] for f in fc["features"]] == ["网格缝隙"]
    assert fc["features"][0]["geometry"]["coordinates"] == [116.61, 37.405]


def test_township_summaries_follow_the_role(sqlite_web: Web) -> None:
    """An admin sees both townships' counts, a planner its own, a user without one none."""
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        every = q.township_summaries(s, _viewer(sqlite_web, "admin", township=False))
        own = q.township_summaries(s, _viewer(sqlite_web, "planner"))
        none = q.township_summaries(s, _viewer(sqlite_web, "planner", township=False))
        names = set(s.scalars(select(Township.name)))
    assert len(every) == len(names) == 2 and len(own) == 1 and none == []
    assert own[0]["targets"] == 8  # T1-T6, E1, X1


def test_require_township_and_township_name(sqlite_web: Web) -> None:
    """A user without a township gets NotFound; with one, its id and name."""
    with pytest.raises(NotFound, match="no township"):
        q.require_township(_viewer(sqlite_web, "leader", township=False))
    planner = _viewer(sqlite_web, "planner")
    assert q.require_township(planner) == sqlite_web.world.township_id
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        assert q.township_name(s, planner) == "测试镇"


def test_issue_category_legend(sqlite_web: Web) -> None:
    """Every category of the township's settings gets its own colour, in order.

    The legend names every category the form offers (the urban ones too), then the red
    and yellow warning rings.
    """
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        colors, legend = q.issue_category_legend(s, sqlite_web.world.township_id)
    assert len(colors) == 11 and len(set(colors.values())) == 11
    assert colors["living_environment"] == PALETTE[0] and "cadre_conduct" in colors
    names = [name for _c, name in legend]
    assert names[:7] == ["居住环境", "社会治安", "基本医疗", "文体生活", "基础教育",
                         "社会帮扶", "其他"]
    assert len(names) == 11 + 2 and names[-2:] == ["红色预警", "黄色预警"]
    assert legend[0][0] == colors["living_environment"]


def test_issue_lists_name_warnings_in_chinese(sqlite_web: Web) -> None:
    """Issues list red warnings first, then yellow, named in Chinese.

    On 2022-03-28 I2 (in progress, deadline 03-25) is red and I3 (deadline 03-31, three
    days away) yellow; I5 (recorded, no deadline) has none. A cadre lists only its own
    issues (C1: I1, I2, I3).
    """
    w = sqlite_web.world
    day = dt.date(2022, 3, 28)
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        rows, total = q.issues_list(s, _viewer(sqlite_web, "planner"), open_only=False,
                                    today=day)
        mine, n_mine = q.issues_list(s, _viewer(sqlite_web, "cadre", cadre="C1"),
                                     open_only=False, today=day)
    assert total == 6 and len(rows) == 6
    by_id = {r["id"]: (r["warning"], r["warning_label"]) for r in rows}
    assert by_id[w.issues["I2"]] == ("red", "红色预警")
    assert by_id[w.issues["I3"]] == ("yellow", "黄色预警")
    assert by_id[w.issues["I5"]] == (None, "")
    assert [r["id"] for r in rows[:2]] == [w.issues["I2"], w.issues["I3"]]
    assert n_mine == 3 and {r["id"] for r in mine} == {w.issues[k] for k in ("I1", "I2", "I3")}


def test_get_issue_scope(sqlite_web: Web) -> None:
    """An admin never finds an issue; a cadre that does not own it is refused."""
    i1 = sqlite_web.world.issues["I1"]
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        with pytest.raises(NotFound):
            q.get_issue(s, _viewer(sqlite_web, "admin"), i1)
        with pytest.raises(Forbidden):
            q.get_issue(s, _viewer(sqlite_web, "cadre", cadre="C3"), i1)
        assert q.get_issue(s, _viewer(sqlite_web, "cadre", cadre="C1"), i1).id == i1
        detail = q.issue_detail(s, _viewer(sqlite_web, "leader"), i1)
    assert {a["code"] for a in detail["actions"]} <= {"supervise", "unsupervise", "note"}


def test_visit_form_choices(sqlite_web: Web) -> None:
    """The visit form offers its choices by their Chinese names.

    Modes, outcomes, four ones and the township's categories; without a township, the
    default settings' categories.
    """
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        town = q.visit_form_choices(s, sqlite_web.world.township_id)
        default = q.visit_form_choices(s, None)
    assert town["modes"] == {"in_home": "入户", "phone": "电话", "wechat": "微信"}
    assert town["outcomes"]["vacant"] == "空关/搬迁"
    assert town["four_ones"]["solved"] == "解决一件事"
    assert town["categories"]["medical_care"] == "基本医疗"
    assert default["categories"] == town["categories"]
    assert town["urgencies"] == {"normal": "一般", "urgent": "紧急"}


def test_routes_before_any_route_plan(sqlite_web: Web) -> None:
    """Before routes are planned: no cadre day, no overview; a planner is not a cadre."""
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        assert q.cadre_day(s, _viewer(sqlite_web, "cadre", cadre="C1")) is None
        assert q.cadre_day(s, _viewer(sqlite_web, "planner")) is None
        assert q.route_plan_overview(s, sqlite_web.world.township_id, "visit") == (None, {})
        assert q.route_plan_overview(s, None, "visit") == (None, {})
        with pytest.raises(NotFound, match="no campaign"):
            q.route_day(s, None, "visit", "C1", dt.date(2022, 3, 1))


def test_admin_reads(sqlite_web: Web) -> None:
    """Users are listed without password hashes; audit entries come newest first.

    The admin overview orders users by role then name and names their township and cadre.
    """
    sqlite_web.client("admin")  # a log-in writes audit entries
    sqlite_web.client("planner")
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        users = q.users_list(s)
        over = q.admin_overview(s, limit=5)
        entries = q.audit_entries(s, limit=3)
    assert [u["name"] for u in users] == sorted(u["name"] for u in users)
    assert all("password_hash" not in u and "password" not in u for u in users)
    roles = [(u["role"], u["name"]) for u in over["users"]]
    assert roles == sorted(roles)
    cadre1 = next(u for u in over["users"] if u["name"] == "cadre1")
    assert (cadre1["township"], cadre1["cadre"]) == ("测试镇", "C1")
    assert set(over["towns"].values()) == {"测试镇", "他镇"}
    assert 2 <= len(over["entries"]) <= 5
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True) and entries[0]["action"] == "login"
