"""Reads that hand out names and phones in clear, in bulk, are audited (issue 17, item 7).

Each such JSON read or page writes exactly one audit line (action ``read``, personal)
naming the endpoint, the township and the rows it returned, and none of the data; a
masked read (a leader without personal data) or a read without personal data writes
none.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from zoufang.campaign.store import AuditEntry
from zoufang.web.jobs import Job

from .areas import store_areas
from .conftest import Web

#: Personal data of the world that an audit line must never hold.
PERSONAL = ("张三", "13812341234", "李四", "王五", "13900001111", "赵六", "13700002222",
            "钱七", "孙八", "宏达机械厂", "0534-1234567", "周九", "测试村", "刘一", "陈二",
            "杨三", "吴十", "13800008888")


def _last_id(web: Web) -> int:
    with web.app.extensions["zoufang_store"].session() as s:
        return int(s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
                   or 0)


def _new_lines(web: Web, since: int) -> list[dict[str, Any]]:
    with web.app.extensions["zoufang_store"].session() as s:
        return [dict(action=a.action, user=a.user_name, personal=a.personal,
                     township_id=a.township_id, detail=a.detail)
                for a in s.scalars(select(AuditEntry).where(AuditEntry.id > since)
                                   .order_by(AuditEntry.id))]


def _rows(body: dict[str, Any], url: str) -> int:
    """The number of rows with personal data in clear that ``url`` answered."""
    if "/unvisited" in url:
        return len(body["targets"])
    if "issues" in url:
        return sum(1 for i in body["issues"] if i["personal"])
    if "measures" in url:
        return len(body["measures"]["rows"])
    if "/me/area" in url:
        return len(body["targets"])
    if "/me/route" in url:
        return len(body["stops"]) + len(body["left_out"])
    return len(body["plan"]["areas"])


AUDITED = [
    ("planner", "/api/v1/township/unvisited"),
    ("planner", "/api/v1/township/unvisited?grid=G1"),
    ("planner", "/api/v1/township/issues"),
    ("planner", "/api/v1/township/issues?all=1"),
    ("planner", "/api/v1/township/measures?level=grid&key=G1"),
    ("planner", "/api/v1/township/plan"),
    ("leader_pd", "/api/v1/township/unvisited"),
    ("leader_pd", "/api/v1/township/issues?all=1"),
    ("leader_pd", "/api/v1/township/measures?level=grid&key=G2"),
    ("cadre1", "/api/v1/me/area"),
    ("cadre1", "/api/v1/me/issues"),
    ("cadre1", "/api/v1/township/issues?all=1"),
]
NOT_AUDITED = [
    ("leader", "/api/v1/township/unvisited"),
    ("leader", "/api/v1/township/issues?all=1"),
    ("leader", "/api/v1/township/measures?level=grid&key=G1"),
    ("leader_pd", "/api/v1/township/measures"),
    ("planner", "/api/v1/township/measures?level=village&key={village}"),
    ("planner", "/api/v1/township/summary"),
    ("planner", "/api/v1/township/unvisited?grid=NOGRID"),
    ("cadre3", "/api/v1/me/area"),
    ("cadre3", "/api/v1/me/issues"),
]


def test_bulk_reads_in_clear_write_one_audit_line(web: Web) -> None:
    """Each bulk JSON read with names in clear writes one line; masked reads write none.

    The line says ``read``, personal, the user, the township, the endpoint and the
    rows answered, and holds no name, phone or address. Leaders without personal data,
    counts and a cadre without an area write nothing.
    """
    w = web.world
    store_areas(web.app.extensions["zoufang_store"], w)
    clients = {role: web.client(role)[0] for role in
               ("planner", "leader", "leader_pd", "cadre1", "cadre3")}
    for role, url in AUDITED:
        since = _last_id(web)
        r = clients[role].get(url)
        assert r.status_code == 200, (url, r.get_json())
        lines = _new_lines(web, since)
        assert len(lines) == 1, (role, url, lines)
        line = lines[0]
        assert (line["action"], line["user"], line["personal"], line["township_id"]) == (
            "read", role, True, w.township_id), (role, url)
        assert line["detail"]["endpoint"] == url.split("?")[0]
        assert line["detail"]["rows"] == _rows(r.get_json(), url) > 0, (role, url)
        text = json.dumps(line, ensure_ascii=False)
        assert not [x for x in PERSONAL if x in text], (url, text)
    for role, url in NOT_AUDITED:
        since = _last_id(web)
        r = clients[role].get(url.format(village=w.villages["甲村"]))
        assert r.status_code == 200, (url, r.get_json())
        assert _new_lines(web, since) == [], (role, url)


def test_field_pages_and_finished_jobs_are_audited(web: Web) -> None:
    """The field home page and a finished planning job's plan are audited once each.

    cadre1's home page lists its area with contacts: one line with the rows shown;
    cadre3's (no area, no issue) none. A planner polling a finished job gets the plan's
    areas with the cadres' phones: one line; a job still running: none.
    """
    w = web.world
    store_areas(web.app.extensions["zoufang_store"], w)
    cadre, _ = web.client("cadre1")
    since = _last_id(web)
    assert cadre.get("/field/").status_code == 200
    lines = _new_lines(web, since)
    assert [(x["action"], x["personal"], x["detail"]["endpoint"]) for x in lines] == [
        ("read", True, "/field/")]
    assert lines[0]["detail"]["rows"] == 4 + 3  # T1 T2 T3 T6, and its issues I1 I2 I3
    c3, _ = web.client("cadre3")
    since = _last_id(web)
    assert c3.get("/field/").status_code == 200 and _new_lines(web, since) == []

    planning = web.app.extensions["zoufang_planning"]
    planning.jobs["done1"] = Job("done1", w.township_id, "planner", 1.0, 0, status="done")
    planning.jobs["run1"] = Job("run1", w.township_id, "planner", 1.0, 0, status="solving")
    planner, _ = web.client("planner")
    since = _last_id(web)
    assert planner.get("/api/v1/jobs/run1").status_code == 200
    assert _new_lines(web, since) == []
    body = planner.get("/api/v1/jobs/done1").get_json()
    lines = _new_lines(web, since)
    assert len(body["plan"]["areas"]) == 2
    assert [(x["action"], x["personal"], x["detail"]["rows"]) for x in lines] == [
        ("read", True, 2)]


def test_route_reads_are_audited(route_web: Web) -> None:
    """A cadre's route (JSON and page) is audited once per read, with the rows shown."""
    c, _ = route_web.client("cadre1")
    since = _last_id(route_web)
    body = c.get("/api/v1/me/route").get_json()
    assert body["planned"] is True
    lines = _new_lines(route_web, since)
    assert len(lines) == 1 and lines[0]["personal"] is True
    assert lines[0]["detail"]["rows"] == _rows(body, "/api/v1/me/route") > 0
    assert lines[0]["detail"]["day"] == body["day"]
    since = _last_id(route_web)
    assert c.get("/field/route").status_code == 200
    lines = _new_lines(route_web, since)
    assert [(x["action"], x["detail"]["endpoint"]) for x in lines] == [("read", "/field/route")]
    text = json.dumps(lines, ensure_ascii=False)
    assert not [x for x in PERSONAL if x in text]


def test_leader_pages_in_clear_are_audited(web: Web) -> None:
    """The leader's pages audit the names they show in clear, and only those.

    The grid level of the drill-down, the unvisited list of the coverage page and the
    open-issue list each write one line for a planner (who sees personal data); the same
    pages for a leader without personal data write none.
    """
    planner, _ = web.client("planner")
    leader, _ = web.client("leader")
    for url in ("/leader/?level=grid&key=G1", "/leader/coverage", "/leader/issues"):
        since = _last_id(web)
        assert planner.get(url).status_code == 200
        lines = _new_lines(web, since)
        assert [(x["action"], x["personal"]) for x in lines] == [("read", True)], url
        assert lines[0]["detail"]["rows"] > 0
        assert not any(p in json.dumps(lines, ensure_ascii=False) for p in PERSONAL)
        since = _last_id(web)
        assert leader.get(url).status_code == 200
        assert _new_lines(web, since) == [], url
