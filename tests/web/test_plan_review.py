"""A re-plan of the areas is reviewed before it becomes current (issue 13).

On the routed world (a solver's current plan and routes), on SQLite and PostgreSQL: a
re-plan stored as a proposal leaves the current plan and the present assignment
untouched; the plan page lists what changes; discarding it deletes it and changes
nothing; accepting it makes it current (the old one superseded, the assignment
rewritten, the routes page then says its routes are stale); a proposal made before a
lock is refused with a Chinese reason. Every decision is audited.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from zoufang.campaign import areas as areas_service
from zoufang.campaign.store import AreaPlan, AreaTarget, AuditEntry, VisitArea

from .conftest import Web

TOWN = "测试镇"


def _state(web: Web) -> tuple[int, list[tuple[int, str]]]:
    """The current plan's id and the present assignment (target id, cadre 编号)."""
    with web.app.extensions["zoufang_store"].session() as s:
        cur = s.scalar(select(AreaPlan.id).where(AreaPlan.status == "current"))
        rows = s.execute(select(AreaTarget.target_id, VisitArea.cadre_ext_id)
                         .join(VisitArea, VisitArea.id == AreaTarget.area_id)
                         .order_by(AreaTarget.target_id)).all()
    assert cur is not None
    return cur, [(int(t), str(c)) for t, c in rows]


def _propose(web: Web, seed: int) -> int:
    res = areas_service.plan_campaign(web.app.extensions["zoufang_store"], time_limit_s=2,
                                      seed=seed, actor="planner", propose=True,
                                      township=TOWN)
    assert res.status == "proposed"
    return res.plan_id


def _flash(html: str) -> str:
    return " ".join(re.findall(r'<div class="flash (?:ok|error)">(.*?)</div>', html, re.S))


def test_discarded_replan_leaves_the_current_plan_untouched(route_web: Web) -> None:
    """Propose, review on the page, discard: the current plan and assignment unchanged."""
    web = route_web
    before = _state(web)
    pid = _propose(web, seed=11)
    assert _state(web) == before
    planner, tok = web.client("planner")
    html = planner.get("/planner/plan").get_data(as_text=True)
    assert f'data-proposed="{pid}"' in html and "待审核的重新规划" in html
    assert f"当前方案 #{before[0]}" in html
    cadre1, _ = web.client("cadre1")
    assert cadre1.get("/field/").status_code == 200  # cadres still see the current plan
    r = planner.post(f"/planner/plan/{pid}/discard", data={"csrf_token": tok},
                     follow_redirects=True)
    assert f"已放弃方案 #{pid}" in _flash(r.get_data(as_text=True))
    assert _state(web) == before
    with web.app.extensions["zoufang_store"].session() as s:
        assert s.get(AreaPlan, pid) is None
        assert not s.scalars(select(VisitArea).where(VisitArea.plan_id == pid)).all()
        a = s.scalars(select(AuditEntry).where(AuditEntry.action == "plan_discard")).one()
        assert a.user_name == "planner" and a.detail == {"plan": pid}
    assert 'id="plan-review"' not in planner.get("/planner/plan").get_data(as_text=True)


def test_accepted_replan_becomes_current(route_web: Web) -> None:
    """Accept: the proposal is current, the old plan superseded, the routes stale."""
    web = route_web
    old, _ = _state(web)
    pid = _propose(web, seed=12)
    planner, tok = web.client("planner")
    r = planner.post(f"/planner/plan/{pid}/accept", data={"csrf_token": tok},
                     follow_redirects=True)
    assert f"已采用方案 #{pid}" in _flash(r.get_data(as_text=True))
    cur, assignment = _state(web)
    assert cur == pid and assignment
    with web.app.extensions["zoufang_store"].session() as s:
        assert s.get(AreaPlan, old).status == "superseded"  # type: ignore[union-attr]
        area_plans = set(s.scalars(select(VisitArea.plan_id).join(
            AreaTarget, AreaTarget.area_id == VisitArea.id)))
        assert area_plans == {pid}
        assert "proposal" not in (s.get(AreaPlan, pid).figures or {})  # type: ignore[union-attr]
    assert 'id="routes-stale"' in planner.get("/planner/routes").get_data(as_text=True)
    r = planner.post(f"/planner/plan/{pid}/accept", data={"csrf_token": tok},
                     follow_redirects=True)  # twice: nothing left to accept
    assert "没有待审核的方案" in _flash(r.get_data(as_text=True))


def test_proposal_made_before_a_lock_cannot_be_accepted(route_web: Web) -> None:
    """A pair locked after the proposal: accepting is refused, in Chinese; nothing moves."""
    web = route_web
    pid = _propose(web, seed=13)
    st = web.app.extensions["zoufang_store"]
    cur = areas_service.current_plan(st, township=TOWN)
    areas_service.lock(st, cadre=cur.areas[0]["cadre_id"], township=TOWN)
    before = _state(web)
    planner, tok = web.client("planner")
    r = planner.post(f"/planner/plan/{pid}/accept", data={"csrf_token": tok},
                     follow_redirects=True)
    assert "不能采用：请重新规划" in _flash(r.get_data(as_text=True))
    assert _state(web) == before


def test_arrangement_for_public_posting_is_masked(route_web: Web) -> None:
    """安排表 公示版: cadres' phones masked, audited as no personal data.

    The planner's copy keeps the phones and is audited as personal; the page and the API
    both offer the public one.
    """
    from zoufang.campaign.store import Cadre

    web = route_web
    with web.app.extensions["zoufang_store"].session() as s:
        for i, c in enumerate(s.scalars(select(Cadre).order_by(Cadre.id))):
            c.phone = f"1390000{i:04d}"
        phones = [p for p in s.scalars(select(Cadre.phone)) if p]
    planner, _ = web.client("planner")
    assert "download-arrangement-public" in planner.get("/planner/plan").get_data(as_text=True)
    full = planner.get("/planner/arrangement.csv").get_data().decode("utf-8-sig")
    public = planner.get("/planner/arrangement.csv?masked=1")
    text = public.get_data().decode("utf-8-sig")
    assert "公示版" in public.headers["Content-Disposition"] or "%E5%85%AC%E7%A4%BA" in \
        public.headers["Content-Disposition"]
    assert any(p in full for p in phones) and not any(p in text for p in phones)
    assert "****" in text
    api = planner.get("/api/v1/township/arrangement.csv?masked=1").get_data().decode("utf-8-sig")
    assert not any(p in api for p in phones)
    with web.app.extensions["zoufang_store"].session() as s:
        rows = [(a.personal, a.detail.get("masked")) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id))]
    assert rows[-3:] == [(True, False), (False, True), (False, True)]
