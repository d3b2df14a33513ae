"""Bad input gets a 4xx in the one JSON error shape, the same on SQLite and PostgreSQL.

Issue 17, item 8: ids beyond what an integer column holds (2^31 on PostgreSQL, 2^63 on
SQLite) in every URL id and ``?limit=``, a visit body with a number or nothing as its
time, a 100,000-deep JSON array. Each answered 500 before.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from zoufang.campaign.store import Visit

from .areas import store_areas
from .conftest import Web

SHAPE = {"ok", "error", "errors", "status"}
HUGE = ("2147483648", "9223372036854775808", "99999999999999999999999")


def _shape(r: Any, *statuses: int) -> dict[str, Any]:
    assert r.status_code in statuses, (r.status_code, r.get_data(as_text=True)[:300])
    body = r.get_json()
    assert set(body) == SHAPE and body["ok"] is False and body["status"] == r.status_code
    return body


def _visits(web: Web) -> int:
    with web.app.extensions["zoufang_store"].session() as s:
        return int(s.scalar(select(func.count()).select_from(Visit)) or 0)


@pytest.mark.parametrize("n", HUGE)
def test_huge_ids_are_404_not_500(web: Web, n: str) -> None:
    """A URL id no integer column holds is no such thing (404), on every id route."""
    planner, tok = web.client("planner")
    for url in (f"/api/v1/targets/{n}", f"/api/v1/issues/{n}"):
        _shape(planner.get(url), 404)
    _shape(planner.post(f"/api/v1/issues/{n}/actions", headers={"X-CSRF-Token": tok},
                        json={"action": "accept", "version": 0}), 404)
    for url in (f"/targets/{n}", f"/issues/{n}"):
        assert planner.get(url).status_code == 404


@pytest.mark.parametrize("n", ("2147483648", "9223372036854775808", "-1", "1e3", "x"))
def test_bad_limits_are_400(web: Web, n: str) -> None:
    """``?limit=`` beyond an integer column, negative or no number: 400 naming limit."""
    planner, _ = web.client("planner")
    admin, _ = web.client("admin")
    for client, url in ((planner, "/api/v1/township/problems"), (admin, "/api/v1/audit")):
        body = _shape(client.get(f"{url}?limit={n}"), 400)
        assert "limit" in body["error"]


@pytest.mark.parametrize("at", (12345, None, True, [], {"y": 2022}, "0001-01-01 00:00"))
def test_visit_time_of_the_wrong_type_is_refused(web: Web, at: Any) -> None:
    """``"at": 12345`` (or a list, a bool, an object) is a 400 naming ``at``, not a 500.

    No ``at`` at all (or null) means now, as the field form documents.
    """
    store_areas(web.app.extensions["zoufang_store"], web.world)
    cadre, tok = web.client("cadre1")
    body = {"target": "T1", "mode": "in_home", "outcome": "visited", "at": at}
    before = _visits(web)
    r = cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok}, json=body)
    if at is None:
        assert r.status_code == 201, r.get_data(as_text=True)[:300]
        assert _visits(web) == before + 1
        return
    err = _shape(r, 400)
    assert any(e.get("field") == "at" for e in err["errors"]), err
    assert _visits(web) == before


def test_visit_before_its_campaign_is_refused(web: Web) -> None:
    """A visit dated before its campaign's first day is a typing error: 400 naming ``at``.

    Issue 17, item 9: a campaign's plausible range, not only a fixed floor; the
    campaign's first day itself is accepted.
    """
    import datetime as dt

    from zoufang.campaign.store.lookup import newest_campaign_id
    from zoufang.campaign.visits import campaign_start

    store = web.app.extensions["zoufang_store"]
    store_areas(store, web.world)
    with store.session() as s:
        first = campaign_start(s, newest_campaign_id(s, web.world.township_id))
    assert first is not None and first < dt.datetime.now()
    cadre, tok = web.client("cadre1")
    before = _visits(web)
    late = (first - dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    r = cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok},
                   json={"target": "T1", "mode": "in_home", "outcome": "visited", "at": late})
    err = _shape(r, 400)
    assert any(e.get("field") == "at" and "campaign" in e["message"] for e in err["errors"])
    assert _visits(web) == before
    r = cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok},
                   json={"target": "T1", "mode": "in_home", "outcome": "visited",
                         "at": first.strftime("%Y-%m-%d %H:%M")})
    assert r.status_code == 201, r.get_data(as_text=True)[:300]


def test_visit_without_at_means_now(web: Web) -> None:
    """A visit body without ``at`` is recorded as of now (201), not a 500."""
    store_areas(web.app.extensions["zoufang_store"], web.world)
    cadre, tok = web.client("cadre1")
    r = cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok},
                   json={"target": "T1", "mode": "in_home", "outcome": "visited"})
    assert r.status_code == 201, r.get_data(as_text=True)[:300]


def test_deep_json_is_400(web: Web) -> None:
    """A 100,000-deep JSON array is a 400 in the one shape on every JSON endpoint."""
    store_areas(web.app.extensions["zoufang_store"], web.world)
    cadre, tok = web.client("cadre1")
    deep = "[" * 100_000 + "]" * 100_000
    for url in ("/api/v1/me/visits", "/api/v1/issues/1/actions"):
        r = cadre.post(url, headers={"X-CSRF-Token": tok}, data=deep,
                       content_type="application/json")
        _shape(r, 400, 404)
        assert r.status_code == 400 or url.endswith("actions")


def _upload(web: Web, data: bytes, name: str, kind: str = "targets") -> Any:
    import io

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    c, tok = web.client("planner")
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name)})
    return c.post(f"/api/v1/township/imports/{kind}", headers={"X-CSRF-Token": tok},
                  data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _targets(web: Web) -> list[tuple[str, str | None]]:
    from zoufang.campaign.store import Target

    with web.app.extensions["zoufang_store"].session() as s:
        return sorted((str(a), b) for a, b in s.execute(select(Target.ext_id, Target.name)))


CSV_HEAD = "编号,姓名,类型,电话,经度,纬度\n"


@pytest.mark.parametrize("name, field", (("新\x00户", "name"), ("新" * 201, "name")))
def test_nul_and_over_length_in_an_upload_are_refused_on_both_stores(
        web: Web, name: str, field: str) -> None:
    """A NUL byte or a name over String(200): 400 naming the field, nothing stored."""
    before = _targets(web)
    data = (CSV_HEAD + f"N1,{name},household,13800000000,116.603,37.405\n").encode()
    body = _shape(_upload(web, data, "t.csv"), 400)
    assert any(e.get("field") == field for e in body["errors"]), body
    assert _targets(web) == before


def test_nul_in_what_is_looked_up_is_400_on_both_stores(web: Web) -> None:
    """A NUL byte in a value only searched for (a target's 编号, a query argument): 400.

    PostgreSQL refuses NUL in a query's parameters as well as in what it stores; the API
    fuzzer found ``{"target": "<NUL>…"}`` answered 500 there (and 403 on SQLite).
    """
    store_areas(web.app.extensions["zoufang_store"], web.world)
    cadre, tok = web.client("cadre1")
    planner, ptok = web.client("planner")
    before = _visits(web)
    err = _shape(cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok},
                            json={"target": "T\x001", "mode": "in_home",
                                  "outcome": "visited"}), 400)
    assert err["errors"][0]["field"] == "target" and "NUL" in err["error"]
    assert _visits(web) == before
    err = _shape(planner.get("/api/v1/township/unvisited?grid=G\x001"), 400)
    assert err["errors"][0]["field"] == "grid"
    r = planner.get("/planner/routes?phase=vis\x00it")
    assert r.status_code == 400 and "NUL" in r.get_data(as_text=True)


def test_a_300_character_file_name_is_not_a_500(web: Web) -> None:
    """The file name is stored as the import's source: a long one is cut, not a 500."""
    data = (CSV_HEAD + "N1,新户,household,13800000000,116.603,37.405\n").encode()
    r = _upload(web, data, "长" * 300 + ".csv")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert ("N1", "新户") in _targets(web)


def test_one_huge_csv_field_is_refused(web: Web) -> None:
    """A CSV with one 20 MB cell (under the request limit) is refused naming the limit."""
    data = (CSV_HEAD + "N1," + "x" * 20_000_000 + ",household,1,116.6,37.4\n").encode()
    r = _upload(web, data, "big.csv")
    _shape(r, 400, 413)
    assert _targets(web) == _targets(web)


@pytest.mark.parametrize("fld, value", (("notes", "看\x00过"), ("notes", "长" * 10_001),
                                        ("text", "灯\x00坏"), ("text", "长" * 10_001)))
def test_nul_and_over_length_in_a_visit_are_refused(web: Web, fld: str, value: str) -> None:
    """A NUL byte or more than TEXT_MAX characters in notes or issue text: 400, no visit."""
    store_areas(web.app.extensions["zoufang_store"], web.world)
    cadre, tok = web.client("cadre1")
    before = _visits(web)
    body = {"target": "T1", "mode": "in_home", "outcome": "visited", fld: value}
    if fld == "text":
        body.update(category="居住环境")
    err = _shape(cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok}, json=body),
                 400)
    assert any(e.get("field") == fld for e in err["errors"]), err
    assert _visits(web) == before


@pytest.mark.parametrize("version", ("abc", -1, 1.5, True, "2147483648"))
def test_issue_action_with_a_bad_version_is_400(web: Web, version: Any) -> None:
    """``"version": "abc"`` or ``-1``: 400 naming version, the issue does not move."""
    leader, tok = web.client("leader")
    url = f"/api/v1/issues/{web.world.issues['I2']}"
    before = leader.get(url).get_json()["item"]
    body = _shape(leader.post(f"{url}/actions", headers={"X-CSRF-Token": tok},
                               json={"action": "supervise", "reason": "拖得太久", "version": version}), 400)
    assert any(e.get("field") == "version" for e in body["errors"]), body
    assert leader.get(url).get_json()["item"] == before


def test_issue_action_with_a_stale_version_is_409(web: Web) -> None:
    """A version other than the issue's: 409 conflict in the one shape."""
    leader, tok = web.client("leader")
    url = f"/api/v1/issues/{web.world.issues['I2']}"
    item = leader.get(url).get_json()["item"]
    _shape(leader.post(f"{url}/actions", headers={"X-CSRF-Token": tok},
                        json={"action": "supervise", "reason": "拖得太久", "version": item["version"] + 7}), 409)


@pytest.mark.parametrize("flag", ("maybe", 2, [], {"a": 1}))
def test_four_ones_must_be_booleans(web: Web, flag: Any) -> None:
    """``"card": "maybe"`` is a 400 naming card, not a silent false."""
    store_areas(web.app.extensions["zoufang_store"], web.world)
    cadre, tok = web.client("cadre1")
    before = _visits(web)
    err = _shape(cadre.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok},
                            json={"target": "T1", "mode": "in_home", "outcome": "visited",
                                  "card": flag}), 400)
    assert any(e.get("field") == "card" for e in err["errors"]), err
    assert _visits(web) == before


def test_unknown_phase_is_400(web: Web) -> None:
    """``?phase=zzz`` on the route endpoints: 400 naming phase, not a 200."""
    cadre, _ = web.client("cadre1")
    for url in ("/api/v1/me/route?phase=zzz", "/api/v1/me/route.gpx?phase=zzz"):
        assert "phase" in _shape(cadre.get(url), 400)["error"]


@pytest.mark.parametrize(("who", "url"), (
    ("cadre1", "/field/route?phase=zzz"), ("cadre1", "/field/route.gpx?phase=zzz"),
    ("planner", "/planner/routes?phase=zzz"), ("cadre1", "/field/route?day=2026-13-45"),
))
def test_bad_page_argument_is_a_chinese_400(web: Web, who: str, url: str) -> None:
    """A page with an unreadable argument: a 400 page in Chinese naming it and the fix."""
    client, _ = web.client(who)
    r = client.get(url)
    assert r.status_code == 400, r.get_data(as_text=True)[:300]
    html = r.get_data(as_text=True)
    arg = url.split("?")[1].split("=")[0]
    assert f"{arg}=“" in html and "请" in html, html[:2000]
    assert "expected" not in html


def test_leader_export_with_a_bad_start_is_refused(web: Web) -> None:
    """``/leader/export.xlsx?start=<invalid>``: a 400 page, not the whole ledger."""
    leader, _ = web.client("leader")
    r = leader.get("/leader/export.xlsx?start=2022-13-45")
    assert r.status_code == 400 and r.mimetype == "text/html"


@pytest.mark.parametrize(("limit", "seed"), (("soon", ""), ("0", ""), ("99999", ""),
                                             ("5", "-1"), ("5", "2147483648"), ("5", "1.5")))
def test_bad_planning_options_are_refused_in_chinese(web: Web, limit: str, seed: str) -> None:
    """The plan form and the API refuse a bad search time or seed with one catalogue message.

    The form flashes it in Chinese (naming the allowed ranges) and queues no job; the API
    answers 400 in the one error shape. Before, the form flashed Python's English
    ``could not convert string to float`` and a seed beyond 2^31 was queued.
    """
    planner, tok = web.client("planner")
    jobs = web.app.extensions["zoufang_planning"]
    before = jobs.latest_job(web.world.township_id)
    r = planner.post("/planner/plan", data={"time_limit_s": limit, "seed": seed,
                                            "csrf_token": tok}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "须为 1 至 3600 秒之间的数字" in html, html[:2000]
    assert "could not convert" not in html
    assert jobs.latest_job(web.world.township_id) is before
    body = {"time_limit_s": float(limit) if limit.replace(".", "").isdigit() else limit,
            "seed": int(float(seed)) if seed.lstrip("-").isdigit() else seed or None}
    err = _shape(planner.post("/api/v1/township/plan-jobs", headers={"X-CSRF-Token": tok},
                              json=body), 400)
    assert "time_limit_s" in err["error"]


@pytest.mark.parametrize("day", ("0001-01-01", "1999-12-31", "9999-12-31"))
def test_implausible_dates_are_refused(web: Web, day: str) -> None:
    """A date before 2000 or years ahead is a typing error: 400 naming it, before any work.

    Issue 17, item 9. The API fuzzer found it: ``/township/export.xlsx?start=0001-01-01``
    with ``end=9999-12-31`` made the weekly summary loop over 520,000 weeks (the test
    ran for many minutes); the leader's pages show the range instead of computing.
    """
    planner, _ = web.client("planner")
    leader, _ = web.client("leader")
    for client, url in ((planner, f"/api/v1/township/measures?start={day}"),
                        (leader, f"/api/v1/township/export.xlsx?end={day}"),
                        (web.client("cadre1")[0], f"/api/v1/me/route?day={day}")):
        body = _shape(client.get(url), 400)
        assert day in body["error"] and "2000-01-01" in body["error"], body
    html = leader.get(f"/leader/?start={day}").get_data(as_text=True)
    assert "日期超出范围" in html and "2000-01-01" in html
