"""The phone's outbox sync (``POST /api/v1/me/sync``), on SQLite and PostgreSQL.

cadre1 (C1, area G1+G2: T1 T2 T3 T6 of ``tests/web/areas.py``) sends a batch of three
visits with the ids its phone made, one with two issues. The batch lands once however
often it is resent; a visit for another cadre's household is refused in the one error
shape and stored nowhere; a GPS point 15 km from the household and a missing one are
stored and flagged; an id reused for another record is a conflict.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from zoufang.campaign.store import IntegrityFlag, Issue, Visit

from .areas import store_areas
from .conftest import Web


def _cid() -> str:
    return uuid.uuid4().hex


def batch() -> dict[str, Any]:
    """Three visits of cadre1's area; the second raises two issues."""
    return {"visits": [
        {"client_id": _cid(), "target": "T1", "at": "2022-03-08 19:00", "mode": "in_home",
         "outcome": "visited", "card": True, "lon": 116.6031, "lat": 37.4031},
        {"client_id": _cid(), "target": "T2", "at": "2022-03-08 19:20", "mode": "in_home",
         "outcome": "visited", "survey": True, "notes": "老人独居", "lon": 116.604,
         "lat": 37.403, "issues": [
             {"client_id": _cid(), "category": "living_environment",
              "responsibility": "township", "text": "楼道灯坏了"},
             {"client_id": _cid(), "category": "居住环境", "responsibility": "joint",
              "text": "路面积水"}]},
        {"client_id": _cid(), "target": "T3", "at": "2022-03-08 19:40", "mode": "in_home",
         "outcome": "not_home", "lon": 116.615, "lat": 37.405},
    ]}


def _counts(web: Web) -> tuple[int, int]:
    with web.app.extensions["zoufang_store"].session() as s:
        return (int(s.scalar(select(func.count()).select_from(Visit)) or 0),
                int(s.scalar(select(func.count()).select_from(Issue)) or 0))


def _sync(client: Any, tok: str, body: Any) -> Any:
    return client.post("/api/v1/me/sync", headers={"X-CSRF-Token": tok}, json=body)


def test_sync_stores_each_record_once(web: Web) -> None:
    """The batch lands once: resent twice, still three visits and two issues more."""
    store_areas(web.app.extensions["zoufang_store"], web.world)
    cadre, tok = web.client("cadre1")
    before = _counts(web)
    body = batch()
    r = _sync(cadre, tok, body)
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert out["ok"] and out["counts"] == {"created": 3, "duplicate": 0, "refused": 0,
                                           "conflict": 0}
    assert [x["client_id"] for x in out["results"]] == [v["client_id"] for v in body["visits"]]
    assert _counts(web) == (before[0] + 3, before[1] + 2)
    first = {x["client_id"]: (x["visit_id"], [i["issue_id"] for i in x["issues"]])
             for x in out["results"]}
    for _ in range(2):
        again = _sync(cadre, tok, body).get_json()
        assert again["counts"]["duplicate"] == 3 and again["counts"]["created"] == 0
        assert {x["client_id"]: (x["visit_id"], [i["issue_id"] for i in x["issues"]])
                for x in again["results"]} == first
    assert _counts(web) == (before[0] + 3, before[1] + 2)
    with web.app.extensions["zoufang_store"].session() as s:
        stored = {v.client_id: v for v in s.scalars(select(Visit).where(
            Visit.client_id.in_(list(first))))}
        assert {v.outcome for v in stored.values()} == {"visited", "not_home"}
        texts = set(s.scalars(select(Issue.text).where(Issue.client_id.is_not(None))))
    assert texts == {"楼道灯坏了", "路面积水"}


def test_sync_refuses_another_cadres_household(web: Web) -> None:
    """T4 is C2's: refused per item in the error shape (403); the rest of the batch lands."""
    store_areas(web.app.extensions["zoufang_store"], web.world)
    cadre, tok = web.client("cadre1")
    before = _counts(web)
    body = batch()
    body["visits"][0]["target"] = "T4"
    out = _sync(cadre, tok, body).get_json()
    bad = out["results"][0]
    assert bad["result"] == "refused" and bad["status"] == 403 and not bad["ok"]
    assert {"ok", "error", "errors", "status"} <= set(bad) and "未登记" in bad["error"]
    assert "赵六" not in str(out)
    assert out["counts"]["created"] == 2
    assert _counts(web) == (before[0] + 2, before[1] + 2)


def test_sync_flags_far_and_missing_gps(web: Web) -> None:
    """A point 15 km from T1 and a visit with no point are stored, each with its flag."""
    store_areas(web.app.extensions["zoufang_store"], web.world)
    cadre, tok = web.client("cadre1")
    far = {"client_id": _cid(), "target": "T1", "at": "2022-03-09 19:00", "mode": "in_home",
           "outcome": "visited", "lon": 116.603 + 0.17, "lat": 37.403}  # ~15 km east
    bare = {"client_id": _cid(), "target": "T6", "at": "2022-03-09 19:30",
            "mode": "in_home", "outcome": "visited"}
    phone = {"client_id": _cid(), "target": "T2", "at": "2022-03-09 19:40",
             "mode": "phone", "outcome": "visited"}
    out = _sync(cadre, tok, {"visits": [far, bare, phone]}).get_json()
    assert [x["result"] for x in out["results"]] == ["created"] * 3
    f0, f1, f2 = (x["flags"] for x in out["results"])
    assert [f["code"] for f in f0] == ["gps_far"] and "超过 300 米" in f0[0]["message"]
    assert [f["code"] for f in f1] == ["gps_missing"] and f2 == []
    with web.app.extensions["zoufang_store"].session() as s:
        flags = {(f.code, f.visit_id): f.value for f in s.scalars(select(IntegrityFlag))}
    far_id = out["results"][0]["visit_id"]
    assert 14_000 < (flags[("gps_far", far_id)] or 0) < 16_000
    assert ("gps_missing", out["results"][1]["visit_id"]) in flags


def test_sync_reports_bad_items_and_conflicts(web: Web) -> None:
    """Bad ids, a reused id, a refused four-ones, not a list: each said in Chinese."""
    store_areas(web.app.extensions["zoufang_store"], web.world)
    cadre, tok = web.client("cadre1")
    ok = batch()["visits"][0]
    assert _sync(cadre, tok, {"visits": [ok]}).get_json()["counts"]["created"] == 1
    before = _counts(web)
    reused = {**ok, "target": "T2"}
    no_id = {**ok, "client_id": "x"}
    wrong = {**ok, "client_id": _cid(), "outcome": "not_home"}  # card in a not-home visit
    out = _sync(cadre, tok, {"visits": [reused, no_id, wrong, 7]}).get_json()
    assert [x["result"] for x in out["results"]] == ["conflict", "refused", "refused",
                                                      "refused"]
    assert "冲突" in out["results"][0]["error"] and "记录编号" in out["results"][1]["error"]
    assert "四个一" in out["results"][2]["error"]
    assert _counts(web) == before
    r = _sync(cadre, tok, {"visits": "nope"})
    assert r.status_code == 400 and r.get_json()["ok"] is False
    planner, ptok = web.client("planner")
    assert _sync(planner, ptok, batch()).status_code == 403
    assert _counts(web) == before


def test_sync_is_in_the_openapi_document(web: Web) -> None:
    """The endpoint is described, for cadres, with its CSRF header."""
    doc = web.app.test_client().get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/me/sync"]["post"]
    assert op["x-roles"] == ["cadre"] and "client_id" in op["summary"]
    body = op["requestBody"]["content"]["application/json"]["schema"]
    item = body["properties"]["visits"]["items"]
    assert item["required"] == ["client_id", "target"]
    assert "client_id" in item["properties"]["issues"]["items"]["required"]
