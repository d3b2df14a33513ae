"""The planner's routes page: route planning as a background job, and staleness.

On the routed world of ``tests/campaign/route_world.py`` (areas and the visit-phase
routes planned from 2022-03-01), on SQLite and PostgreSQL: the page says when the route
plan is stale (targets, areas or route settings changed after it), a route-planning job
started from the page finishes, its stored plan becomes current (what the cadre sees),
and bad options are refused in Chinese with nothing stored.
"""

from __future__ import annotations

import time

from sqlalchemy import func, select

from zoufang.campaign.areas import plan_campaign
from zoufang.campaign.routes import save_settings
from zoufang.campaign.store import RoutePlan, Target

from .conftest import Web, login, make_app


def _current(web: Web) -> RoutePlan:
    with web.world.store.session() as s:
        plan = s.scalar(select(RoutePlan).where(RoutePlan.status == "current",
                                                RoutePlan.phase_kind == "visit"))
        assert plan is not None
        s.expunge(plan)
        return plan


def _wait(c, job_id: str, timeout_s: float = 180.0) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while True:
        body = c.get(f"/api/v1/jobs/{job_id}").get_json()
        assert body["ok"], body
        if body["job"]["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body["job"]
        time.sleep(0.3)


def test_routes_page_says_when_stale(route_web: Web) -> None:
    """The page names each reason the route plan is stale, in Chinese.

    Fresh plan: no notice; then a target edited, the settings saved, the areas re-planned
    after the route plan: each reason shown, with the re-plan form.
    """
    c, _ = route_web.client("planner")
    html = c.get("/planner/routes").get_data(as_text=True)
    assert 'id="plan-routes-form"' in html and 'id="routes-stale"' not in html
    assert "zoufang plan" not in html  # no CLI command on the web
    store = route_web.world.store
    with store.session() as s:
        t = s.scalar(select(Target).where(Target.ext_id == "T7"))
        assert t is not None
        t.address = (t.address or "") + "（更正）"
    html = c.get("/planner/routes").get_data(as_text=True)
    assert 'id="routes-stale"' in html and "走访对象在路线规划之后有变动" in html
    assert "走访区域在路线规划之后重新规划过" not in html
    save_settings(store, {"service_min": {"household": 25}}, township="测试镇")
    plan_campaign(store, township="测试镇", time_limit_s=1)
    html = c.get("/planner/routes").get_data(as_text=True)
    assert "路线设置在路线规划之后有修改" in html
    assert "走访区域在路线规划之后重新规划过" in html
    assert "重新规划路线" in html


def test_route_job_from_the_web_becomes_current(route_web: Web) -> None:
    """One cadre re-planned from the page: progress in Chinese, a new current plan.

    The job's progress is polled from a second app on the same store (another server
    process): it sees the job the first one runs.
    """
    old = _current(route_web)
    c, tok = route_web.client("planner")
    r = c.post("/planner/routes/plan", data={
        "csrf_token": tok, "phase": "visit", "cadre": "C1", "time_limit_s": "1",
        "as_of": "2022-03-01"})
    assert r.status_code == 302
    job_id = r.headers["Location"].split("job=")[1]
    html = c.get(f"/planner/routes?job={job_id}").get_data(as_text=True)
    assert 'id="job-progress"' in html and "<progress" in html
    other = make_app(route_web.world.store.url)  # another server process, its own memory
    try:
        c2 = other.test_client()
        login(c2, "planner")
        job = _wait(c2, job_id)
        html2 = c2.get("/planner/routes").get_data(as_text=True)
        assert f"{job_id}" in html2 and 'id="job-progress"' in html2
    finally:
        other.extensions["zoufang_planning"].shutdown()
        other.extensions["zoufang_store"].dispose()
    assert job["status"] == "done", job
    assert job["kind"] == "routes" and job["stage_label"] == "完成"
    assert job["cadres_total"] == job["cadres_done"] >= 1 and job["progress"] == 1.0
    new = _current(route_web)
    assert new.id == job["plan_id"] and new.id != old.id and new.created_by == "planner"
    html = c.get(f"/planner/routes?job={job_id}").get_data(as_text=True)
    assert f"#{new.id}" in html and 'id="routes-stale"' not in html
    cadre, _ = route_web.client("cadre1")
    page = cadre.get("/field/route?day=2022-03-01").get_data(as_text=True)
    assert cadre.get("/field/route").status_code == 200 and page


def test_bad_route_options_are_refused(route_web: Web) -> None:
    """A bad phase, time or date: a Chinese message naming what to fix; nothing stored."""
    c, tok = route_web.client("planner")
    with route_web.world.store.session() as s:
        before = s.scalar(select(func.count(RoutePlan.id)))
    for form in ({"phase": "nope"}, {"time_limit_s": "0"}, {"time_limit_s": "abc"},
                 {"as_of": "2022-13-45"}):
        r = c.post("/planner/routes/plan", data={"csrf_token": tok, **form},
                   follow_redirects=True)
        assert r.status_code == 200
        html = r.get_data(as_text=True)
        assert "路线规划参数有误" in html and "Traceback" not in html
    with route_web.world.store.session() as s:
        assert s.scalar(select(func.count(RoutePlan.id))) == before
