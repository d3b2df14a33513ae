"""The JSON API: one error shape, an OpenAPI document, the operations the pages do.

The OpenAPI document lists every route; the operations run on both backends.
"""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from zoufang.campaign.store import AuditEntry, Visit
from zoufang.web.views.api import ROUTES

from .areas import store_areas
from .conftest import Web

ERROR_KEYS = {"ok", "error", "errors", "status"}


def _is_error_shape(body: Any, status: int) -> bool:
    return (isinstance(body, dict) and set(body) == ERROR_KEYS and body["ok"] is False
            and isinstance(body["error"], str) and body["error"]
            and isinstance(body["errors"], list) and body["status"] == status)


def _concrete(path: str, web: Web) -> str:
    w = web.world
    return ("/api/v1" + path).replace("<int:target_id>", str(w.targets["T1"])).replace(
        "<int:issue_id>", str(w.issues["I1"])).replace("<job_id>", "nojob").replace(
        "<kind>", "targets").replace("<cadre_id>", "C1").replace("<fmt>", "csv")


def test_error_shape_across_all_endpoints(sqlite_web: Web) -> None:
    """Every endpoint and method, refused for any reason, answers the one error shape.

    Anonymous (401), wrong role (403), no CSRF token (400), unknown id (404), wrong
    method (405): {"ok": false, "error", "errors", "status"} with the HTTP status in it.
    """
    anon, _ = sqlite_web.client(None)
    admin, admin_tok = sqlite_web.client("admin")
    planner, ptok = sqlite_web.client("planner")
    checked = 0
    for r in ROUTES:
        url = _concrete(r.path, sqlite_web)
        for m in r.methods:
            if r.roles is not None:
                resp = anon.open(url, method=m, headers={"X-CSRF-Token": "x"}
                                 if m != "GET" else {})
                expect = 400 if m != "GET" else 401  # no session: CSRF fails first
                assert resp.status_code == expect, (m, url)
                assert _is_error_shape(resp.get_json(), expect), (m, url)
                if "admin" not in r.roles:
                    resp = admin.open(url, method=m, headers={"X-CSRF-Token": admin_tok})
                    assert resp.status_code == 403, (m, url)
                    assert _is_error_shape(resp.get_json(), 403), (m, url)
            if m != "GET":
                resp = planner.open(url, method=m)
                assert resp.status_code == 400 and _is_error_shape(resp.get_json(), 400)
            checked += 1
    assert checked >= 30
    for url, status in (("/api/v1/targets/999999", 404), ("/api/v1/issues/999999", 404),
                        ("/api/v1/jobs/nojob", 404), ("/api/v1/nothing", 404),
                        ("/api/v1/township/measures?level=street", 400),
                        ("/api/v1/township/measures?start=March", 400),
                        ("/api/v1/township/problems?limit=-1", 400)):
        resp = planner.get(url)
        assert resp.status_code == status and _is_error_shape(resp.get_json(), status), url
    resp = planner.delete("/api/v1/me", headers={"X-CSRF-Token": ptok})
    assert resp.status_code == 405 and _is_error_shape(resp.get_json(), 405)
    resp = planner.post("/api/v1/township/plan-jobs", json={"time_limit_s": "soon"},
                        headers={"X-CSRF-Token": ptok})
    assert resp.status_code == 400 and _is_error_shape(resp.get_json(), 400)


def test_openapi_lists_every_route(sqlite_web: Web) -> None:
    """/api/v1/openapi.json describes exactly the URL map's routes and methods under /api/v1."""
    import re

    doc = sqlite_web.app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(p, m.upper()) for p, ops in doc["paths"].items() for m in ops}
    actual = set()
    for rule in sqlite_web.app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[a-z]+:)?([A-Za-z_]+)>", r"{\1}", rule.rule)
            for m in rule.methods - {"HEAD", "OPTIONS"}:
                actual.add((path, m))
    assert documented == actual
    for p, ops in doc["paths"].items():
        for m, op in ops.items():
            assert op["summary"] and "default" in op["responses"], (p, m)
            if m in ("post", "put", "delete"):
                assert any(x["name"] == "X-CSRF-Token" for x in op["parameters"])


def test_record_visit_and_issue_through_the_api(web: Web) -> None:
    """A cadre records a visit with an issue in its area; the leader's measures count it.

    The cadre owns the issue; an unknown target is refused (403) and an error (unknown
    category) records nothing.
    """
    w = web.world
    store_areas(web.app.extensions["zoufang_store"], w)
    leader, _ = web.client("leader")
    before = leader.get("/api/v1/township/measures").get_json()["measures"]["township"]
    cadre, tok = web.client("cadre1")
    r = cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok}, json={
        "target": "T2", "mode": "in_home", "outcome": "visited", "at": "2022-03-08 19:00",
        "card": True, "category": "居住环境", "text": "下水道堵了"})
    assert r.status_code == 201, r.get_json()
    out = r.get_json()["visit"]
    assert out["target"] == "T2" and out["issue_id"]
    after = leader.get("/api/v1/township/measures").get_json()["measures"]["township"]
    assert after["visits"] == before["visits"] + 1
    assert after["visited"] == before["visited"] + 1  # T2 was only "not home" before
    assert after["issues"] == before["issues"] + 1
    mine = {i["id"] for i in cadre.get("/api/v1/me/issues").get_json()["issues"]}
    assert out["issue_id"] in mine
    r = cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok}, json={
        "target": "NOPE", "mode": "in_home", "outcome": "visited"})
    assert r.status_code == 403 and _is_error_shape(r.get_json(), 403)
    r = cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok}, json={
        "target": "T2", "mode": "in_home", "outcome": "visited", "category": "天气",
        "text": "x"})
    assert r.status_code == 400
    with web.app.extensions["zoufang_store"].session() as s:
        n = s.scalar(select(func.count()).select_from(Visit).where(
            Visit.target_id == w.targets["T2"]))
    assert n == 2  # the first attempt and the one recorded above; the refused one rolled back


def test_api_visit_takes_many_issues_and_flags_gps(web: Web) -> None:
    """POST /me/visits: any number of issues in one transaction, and the GPS flags stored.

    As the record form and the phone's sync do: a point 15 km from the household is
    stored and flagged gps_far; an in-home visit with no point is flagged gps_missing;
    one bad issue of three refuses the visit and all three.
    """
    from zoufang.campaign.store import IntegrityFlag, Issue, Target

    w = web.world
    store_areas(web.app.extensions["zoufang_store"], w)
    cadre, tok = web.client("cadre1")
    with web.app.extensions["zoufang_store"].session() as s:
        t = s.get(Target, w.targets["T2"])
        assert t is not None and t.lon is not None and t.lat is not None
        lon, lat = t.lon, t.lat

    def counts() -> tuple[int, int, int]:
        with web.app.extensions["zoufang_store"].session() as s:
            return tuple(int(s.scalar(select(func.count()).select_from(m)) or 0)  # type: ignore[return-value]
                         for m in (Visit, Issue, IntegrityFlag))

    before = counts()
    r = cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok}, json={
        "target": "T2", "mode": "in_home", "outcome": "visited", "at": "2022-03-08 19:30",
        "lon": lon + 0.17, "lat": lat, "issues": [
            {"category": "居住环境", "text": "下水道堵了"},
            {"category": "living_environment", "text": "路灯不亮", "client_id": "x" * 9}]})
    assert r.status_code == 201, r.get_json()
    out = r.get_json()["visit"]
    assert len(out["issues"]) == 2 and all(i["issue_id"] for i in out["issues"])
    assert [f["code"] for f in out["flags"]] == ["gps_far"] and "米" in out["flags"][0]["message"]
    assert counts() == (before[0] + 1, before[1] + 2, before[2] + 1)
    r = cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok}, json={
        "target": "T2", "mode": "in_home", "outcome": "visited", "at": "2022-03-08 19:40"})
    assert r.status_code == 201 and [f["code"] for f in r.get_json()["visit"]["flags"]] == [
        "gps_missing"]
    before = counts()
    r = cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok}, json={
        "target": "T2", "mode": "in_home", "outcome": "visited", "at": "2022-03-08 19:50",
        "lon": lon, "lat": lat, "issues": [
            {"category": "居住环境", "text": "a"}, {"category": "天气", "text": "b"},
            {"category": "居住环境", "text": "c"}]})
    assert r.status_code == 400 and _is_error_shape(r.get_json(), 400)
    assert counts() == before


def test_issue_actions_by_role(web: Web) -> None:
    """A leader may supervise (挂牌督办) but not report; the owner cadre reports.

    A stale version is a conflict (409).
    """
    w = web.world
    i2 = w.issues["I2"]  # in progress, owned by C1
    leader, ltok = web.client("leader")
    r = leader.post(f"/api/v1/issues/{i2}/actions", headers={"X-CSRF-Token": ltok},
                    json={"action": "report", "result": "done"})
    assert r.status_code == 403
    r = leader.post(f"/api/v1/issues/{i2}/actions", headers={"X-CSRF-Token": ltok},
                    json={"action": "supervise", "reason": "拖得太久"})
    assert r.status_code == 200 and r.get_json()["item"]["supervised"] is True
    version = r.get_json()["item"]["version"]
    cadre, ctok = web.client("cadre1")
    r = cadre.post(f"/api/v1/issues/{i2}/actions", headers={"X-CSRF-Token": ctok},
                   json={"action": "report", "result": "药已补齐", "version": version - 1})
    assert r.status_code == 409 and r.get_json()["ok"] is False
    r = cadre.post(f"/api/v1/issues/{i2}/actions", headers={"X-CSRF-Token": ctok},
                   json={"action": "report", "result": "药已补齐", "version": version})
    assert r.status_code == 200 and r.get_json()["item"]["status"] == "reported"
    r = cadre.post(f"/api/v1/issues/{i2}/actions", headers={"X-CSRF-Token": ctok},
                   json={"action": "start"})
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "action"


def test_import_upload_refuses_a_bad_file_whole(web: Web) -> None:
    """An uploaded file with a bad row is refused whole; a good one is imported.

    The refusal is the CLI's report (file, row, field, reason).
    """
    planner, tok = web.client("planner")
    bad = "编号,姓名,类型,经度,纬度\nN1,新户,household,116.605,37.405\nN2,坏户,household,abc,37.4\n"
    r = planner.post("/api/v1/township/imports/targets", headers={"X-CSRF-Token": tok},
                     data={"file": (io.BytesIO(bad.encode("utf-8")), "新户.csv")},
                     content_type="multipart/form-data")
    body = r.get_json()
    assert r.status_code == 400 and body["errors"]
    assert body["errors"][0]["source"] == "新户.csv" and body["errors"][0]["row"] == 3
    good = bad.splitlines()[0] + "\n" + bad.splitlines()[1] + "\n"
    r = planner.post("/api/v1/township/imports/targets", headers={"X-CSRF-Token": tok},
                     data={"file": (io.BytesIO(good.encode("utf-8")), "新户.csv")},
                     content_type="multipart/form-data")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["report"]["inserted"] == 1
    r = planner.post("/api/v1/township/imports/targets", headers={"X-CSRF-Token": tok},
                     data={"file": (io.BytesIO(b"x"), "evil.exe")},
                     content_type="multipart/form-data")
    assert r.status_code == 400


@pytest.mark.slow
def test_planning_job_locks_arrangement_and_my_area(web: Web) -> None:
    """A planning job runs in the background, reports progress and stores a plan.

    The plan has one area per cadre and the checker's figures; the map colours grids by
    cadre; pairs lock and unlock; the arrangement table downloads (audited); and a
    cadre's "my area" now lists its targets with their contacts.
    """
    planner, tok = web.client("planner")
    r = planner.post("/api/v1/township/plan-jobs", headers={"X-CSRF-Token": tok},
                     json={"time_limit_s": 2})
    assert r.status_code == 202
    job_id = r.get_json()["job"]["id"]
    deadline = time.time() + 90
    while time.time() < deadline:
        body = planner.get(f"/api/v1/jobs/{job_id}").get_json()
        assert 0.0 <= body["job"]["progress"] <= 1.0
        if body["job"]["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert body["job"]["status"] == "done", body["job"]
    plan = body["plan"]
    assert plan["n_areas"] == 3 and len(plan["areas"]) == 3
    assert sum(a["targets"] for a in plan["areas"]) == 7  # X1 is in no grid
    assert planner.get("/api/v1/township/plan").get_json()["planned"] is True
    grids = planner.get("/api/v1/township/grids.geojson").get_json()
    assert all(f["properties"].get("cadre") for f in grids["features"])
    r = planner.put("/api/v1/township/locks/C1", headers={"X-CSRF-Token": tok})
    assert r.status_code == 200 and r.get_json()["locks"] == ["C1"]
    r = planner.put("/api/v1/township/locks/NOBODY", headers={"X-CSRF-Token": tok})
    assert r.status_code == 404 and _is_error_shape(r.get_json(), 404)
    page = planner.get("/planner/plan").get_data(as_text=True)
    assert "🔒" in page and "areas-table" in page
    # issue 14: capacity in usable visiting time, and the forecast of the plan's phase
    assert 'id="capacity-model"' in page and 'id="forecast"' in page
    r = planner.delete("/api/v1/township/locks/C1", headers={"X-CSRF-Token": tok})
    assert r.get_json()["locks"] == []
    for fmt, magic in (("csv", "走访人员"), ("xlsx", "PK")):
        r = planner.get(f"/api/v1/township/arrangement.{fmt}")
        assert r.status_code == 200
        assert (magic in r.get_data(as_text=True)) if fmt == "csv" else r.data[:2] == b"PK"
    with web.app.extensions["zoufang_store"].session() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last.action == "export" and last.detail["table"] == "安排表"
    cadre, _ = web.client("cadre1")
    area = cadre.get("/api/v1/me/area").get_json()
    assert area["planned"] is True and area["targets"]
    mine = {t["ext_id"]: t for t in area["targets"]}
    ext = next(iter(mine))
    assert mine[ext]["name"] and cadre.get(f"/targets/{mine[ext]['id']}").status_code == 200
    home = cadre.get("/field/").get_data(as_text=True)
    assert 'id="my-area"' in home and "尚未分配走访区域" not in home
    others = set(web.world.targets) - set(mine)  # C1's own issues open no target
    for ext in others:
        assert cadre.get(f"/api/v1/targets/{web.world.targets[ext]}").status_code == 403


def test_export_is_audited_and_masked_for_leaders(sqlite_web: Web) -> None:
    """The ledger export is an .xlsx; a leader's copy is masked.

    Each export is audited with whether personal data left.
    """
    import openpyxl

    for role, personal in (("leader", False), ("planner", True)):
        c, _ = sqlite_web.client(role)
        r = c.get("/api/v1/township/export.xlsx")
        assert r.status_code == 200 and r.data[:2] == b"PK"
        wb = openpyxl.load_workbook(io.BytesIO(r.data))
        cells = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row}
        assert ("张三" in cells) is personal and ("张*" in cells) is not personal
        with sqlite_web.app.extensions["zoufang_store"].session() as s:
            last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (last.action, last.user_name, last.personal) == ("export", role, personal)


def test_target_search_as_the_cli(web: Web) -> None:
    """``/township/targets`` finds targets by text and grid, phones masked, paged.

    The planner's way to check what was stored without SQL (issue 11), the same search
    as ``zoufang targets list``; leaders and cadres are refused (a search by phone would
    be a side door to who owns a number).
    """
    planner, _ = web.client("planner")
    body = planner.get("/api/v1/township/targets?q=张三").get_json()
    assert body["total"] == 1 and body["targets"][0]["id"] == "T1"
    assert body["targets"][0]["phone"] == "138****1234"
    body = planner.get("/api/v1/township/targets?grid=G1&limit=1").get_json()
    assert body["total"] >= 2 and len(body["targets"]) == 1
    nxt = planner.get("/api/v1/township/targets?grid=G1&limit=1&offset=1").get_json()
    assert nxt["targets"][0]["id"] != body["targets"][0]["id"]
    r = planner.get("/api/v1/township/targets?offset=x")
    assert r.status_code == 400 and "offset" in r.get_json()["error"]
    for who in ("leader", "cadre1"):
        assert web.client(who)[0].get("/api/v1/township/targets?q=138").status_code == 403


def test_a_job_left_running_by_a_stopped_server_is_failed(web: Web) -> None:
    """A job row still "running" long after its budget, run by no live process: failed.

    Before, a server stopped mid-plan left the job "running" on its page for ever. A job
    within its budget is left alone (another server process may be running it).
    """
    import time as _time

    from zoufang.campaign.store import PlanningJob

    store = web.app.extensions["zoufang_store"]
    now = _time.time()
    with store.session() as s:
        for jid, age in (("deadjob0001", 7200.0), ("livejob0001", 10.0)):
            s.add(PlanningJob(id=jid, township_id=web.world.township_id, kind="areas",
                              status="running", stage="solving", started_by="planner",
                              time_limit_s=30.0, seed=0, started_at=now - age,
                              solve_started=now - age))
    planner, _ = web.client("planner")
    dead = planner.get("/api/v1/jobs/deadjob0001").get_json()["job"]
    assert dead["status"] == "failed" and "作业中断" in dead["error"], dead
    live = planner.get("/api/v1/jobs/livejob0001").get_json()["job"]
    assert live["status"] == "running"
    with store.session() as s:  # stored, so every page and process sees it
        assert s.get(PlanningJob, "deadjob0001").status == "failed"
