"""A cadre records and reads only its own area: no side door through visits or issues.

Tried as a hostile cadre would (issue 17, item 1): cadre1 (C1, area G1+G2 of
``tests/web/areas.py``) sends a visit, with an issue, for every target of another
cadre's area, for a target in no area, for another township's target and for numbers
that exist nowhere, on the API and on the field page, then tries to read each target
every way there is. Every attempt is refused the same way, nothing is stored, and no
answer carries a name, phone or address of those targets. Owning an issue opens the
issue, never its target; service contacts and revisits of its issues are the only
visits a cadre records outside its area; before its area is planned a cadre records
only those, and is told why.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from zoufang.campaign.store import Issue, Visit
from zoufang.campaign.visits import record_visit

from .areas import area_targets, store_areas
from .conftest import Web

#: What cadre1 must never see: the names, phones and addresses of the targets outside
#: its area (T4, T5, E1 of C2's area; X1 in no area; O1 of another township), and the
#: text of the issues of C2's area.
OTHERS_SECRETS = ("赵六", "13700002222", "测试村T4号", "钱七", "测试村T5号", "宏达机械厂",
                  "0534-1234567", "测试村E1号", "周九", "测试村X1号", "外镇人", "13500000000",
                  "夜间噪音", "厂区道路审批")
#: Numbers (编号) that are no target of the township at all.
NOWHERE = ("T999", "H001024", "NOPE", "1", "0", "O1", "T4 ", "t4")
VISIT = {"mode": "in_home", "outcome": "visited", "at": "2022-03-08 19:00", "card": True,
         "category": "居住环境", "text": "楼道灯坏了", "notes": "已看过",
         "lon": "116.605", "lat": "37.415"}


def _counts(web: Web) -> tuple[int, int]:
    with web.app.extensions["zoufang_store"].session() as s:
        return (int(s.scalar(select(func.count()).select_from(Visit)) or 0),
                int(s.scalar(select(func.count()).select_from(Issue)) or 0))


def _leaks(body: str) -> list[str]:
    return [x for x in OTHERS_SECRETS if x in body]


def _post_visit(client: Any, tok: str, target: str) -> Any:
    return client.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok},
                       json={**VISIT, "target": target})


def test_cadre_records_and_reads_nothing_outside_its_area(web: Web) -> None:
    """Every visit cadre1 sends for a target outside its area is refused; it reads nothing.

    For each target of C2's area, X1 (no area), another township's O1 and numbers that
    exist nowhere: the API answers 403 in the one error shape with the same body for
    all of them (existing or not), the field page the same Chinese message; nothing is
    stored and the measures do not move. Afterwards the target API and page refuse
    every one of those targets (and ids that exist nowhere) alike, and no list, search
    or page cadre1 can open shows a name, phone or address of them.
    """
    w = web.world
    store_areas(web.app.extensions["zoufang_store"], w)
    others = sorted(area_targets()["C2"] | {"X1"})
    planner, _ = web.client("planner")
    before_measures = planner.get("/api/v1/township/measures").get_json()["measures"]
    before = _counts(web)
    cadre, tok = web.client("cadre1")
    bodies = []
    for ref in [*others, *NOWHERE]:
        r = _post_visit(cadre, tok, ref)
        assert r.status_code == 403, (ref, r.get_json())
        body = r.get_json()
        assert set(body) == {"ok", "error", "errors", "status"} and body["status"] == 403
        assert "未登记" in body["error"] and not _leaks(r.get_data(as_text=True)), ref
        bodies.append(body)
        page = cadre.post("/field/visit", data={**VISIT, "card": "1", "target": ref,
                                                "csrf_token": tok}, follow_redirects=True)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "该编号不在您的走访区域内" in html, ref
        assert "走访已登记" not in html and not _leaks(html), ref
    assert all(b == bodies[0] for b in bodies)  # existing or not: one answer
    assert _counts(web) == before
    assert planner.get("/api/v1/township/measures").get_json()["measures"] == before_measures

    ids = [w.targets[x] for x in others] + [web.extra["other_target"], 999_999, 0]
    for tid in ids:
        for url in (f"/api/v1/targets/{tid}", f"/targets/{tid}"):
            r = cadre.get(url)
            assert r.status_code == 403, (url, r.status_code)
            assert not _leaks(r.get_data(as_text=True)), url
    lists = ["/api/v1/me/area", "/api/v1/me/issues", "/api/v1/me/visits", "/api/v1/me/route",
             "/api/v1/township/issues", "/api/v1/township/issues?all=1",
             "/api/v1/township/hotspots", "/field/", "/field/route",
             f"/issues/{w.issues['I4']}", f"/issues/{w.issues['I5']}",
             f"/api/v1/issues/{w.issues['I4']}", f"/api/v1/issues/{w.issues['I5']}"]
    for url in lists:
        r = cadre.get(url)
        assert r.status_code in (200, 403), (url, r.status_code)
        assert not _leaks(r.get_data(as_text=True)), (url, _leaks(r.get_data(as_text=True)))
    mine = {t["ext_id"] for t in cadre.get("/api/v1/me/area").get_json()["targets"]}
    assert mine == area_targets()["C1"]


def test_owning_an_issue_opens_the_issue_not_its_target(web: Web) -> None:
    """An issue cadre1 owns outside its area shows the issue, never the target's contacts.

    I5 (hotline, T4 in C2's area) is handed to C1: cadre1 opens I5 with its text but
    the reporter's name and phone masked and no address, and may record a revisit
    (回访) of T4; afterwards T4's API and page still refuse it and no list shows T4's
    name or phone. Without any plan, owning I1 and I2 does not open T1 either.
    """
    w = web.world
    st = web.app.extensions["zoufang_store"]
    cadre, tok = web.client("cadre1")
    for url in (f"/api/v1/targets/{w.targets['T1']}", f"/targets/{w.targets['T1']}"):
        assert cadre.get(url).status_code == 403  # no area yet: owning I1, I2 opens nothing
    i1 = cadre.get(f"/api/v1/issues/{w.issues['I1']}").get_json()["item"]
    assert (i1["target_name"], i1["phone"], i1["address"]) == ("张*", "138****1234", None)
    store_areas(st, w)
    with st.session() as s:
        s.get(Issue, w.issues["I5"]).owner_cadre_id = w.cadres["C1"]
    item = cadre.get(f"/api/v1/issues/{w.issues['I5']}").get_json()["item"]
    assert item["text"] == "夜间噪音" and item["personal"] is False
    assert (item["target_name"], item["phone"], item["address"]) == ("赵*", "137****2222",
                                                                     None)
    r = _post_visit(cadre, tok, "T4")
    assert r.status_code == 201, r.get_json()
    out = r.get_json()["visit"]
    assert out["target"] == "T4" and not _leaks(r.get_data(as_text=True))
    with st.session() as s:
        v = s.get(Visit, out["visit_id"])
        assert (v.cadre_id, v.channel) == (w.cadres["C1"], "visit")
    for url in (f"/api/v1/targets/{w.targets['T4']}", f"/targets/{w.targets['T4']}"):
        r = cadre.get(url)
        assert r.status_code == 403 and not _leaks(r.get_data(as_text=True))
    for url in ("/api/v1/me/issues", "/api/v1/township/issues?all=1", "/field/",
                f"/issues/{out['issue_id']}", f"/issues/{w.issues['I5']}"):
        body = cadre.get(url).get_data(as_text=True)
        assert not [x for x in ("赵六", "13700002222", "测试村T4号") if x in body], url
    assert _post_visit(cadre, tok, "T5").status_code == 403  # no issue of its there


def test_service_contacts_are_recorded_with_their_channel(web: Web) -> None:
    """A cadre records visits to its own service contacts outside its area, as such.

    The office gives C1 the enterprise E1 (C2's area) as a service contact (a visit of
    channel service_contact, as ``zoufang visit add --channel service_contact`` does):
    cadre1's visit to E1 is stored with that channel, and the issue raised in it too;
    E1's page stays closed to cadre1. C2's other targets stay refused, and cadre3, whose
    contact E1 is not, is refused with the "not planned yet" message.
    """
    w = web.world
    st = web.app.extensions["zoufang_store"]
    store_areas(st, w)
    with st.session() as s:
        record_visit(s, township_id=w.township_id, target="E1", cadre="C1",
                     at="2022-03-04 10:00", mode="in_home", outcome="visited",
                     channel="service_contact", campaign_id=w.campaign_id)
    cadre, tok = web.client("cadre1")
    r = _post_visit(cadre, tok, "E1")
    assert r.status_code == 201, r.get_json()
    out = r.get_json()["visit"]
    with st.session() as s:
        assert s.get(Visit, out["visit_id"]).channel == "service_contact"
        assert s.get(Issue, out["issue_id"]).channel == "service_contact"
    r = cadre.get(f"/api/v1/targets/{w.targets['E1']}")
    assert r.status_code == 403 and "宏达机械厂" not in r.get_data(as_text=True)
    for ref in ("T4", "T5"):
        assert _post_visit(cadre, tok, ref).status_code == 403
    c3, tok3 = web.client("cadre3")
    r = _post_visit(c3, tok3, "E1")
    assert r.status_code == 403 and "尚未分配走访区域" in r.get_json()["error"]


def test_no_area_planned_yet_records_only_revisits_and_says_so(web: Web) -> None:
    """Before any plan a cadre records only revisits of its issues and its contacts.

    cadre1 (no plan yet) is refused T2, a household it tried before, with a message
    that its visit area is not planned yet, on the API and on the field page, and
    nothing is stored; the field page says what it can record. A revisit of T1, whose
    issues I1 and I2 it owns, is recorded.
    """
    cadre, tok = web.client("cadre1")
    before = _counts(web)
    r = _post_visit(cadre, tok, "T2")
    assert r.status_code == 403 and "尚未分配走访区域" in r.get_json()["error"]
    page = cadre.post("/field/visit", data={**VISIT, "card": "1", "target": "T2",
                                            "csrf_token": tok}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "尚未分配走访区域" in html and "走访已登记" not in html
    assert "只能登记您的服务对象和您负责问题的回访" in html
    assert _counts(web) == before
    r = _post_visit(cadre, tok, "T1")
    assert r.status_code == 201, r.get_json()
    assert _counts(web) == (before[0] + 1, before[1] + 1)
