"""Who sees what: every role × every page and GET endpoint answers as the rules say.

A refusal never carries data (DESIGN.md "Who sees what").
"""

from __future__ import annotations

import pytest

from zoufang.web.views.api import ROUTES

from .conftest import Web

# Strings of the world that must never appear in a refusal: names, phones, issue text.
SECRETS = ("张三", "13812341234", "赵六", "13700002222", "路灯不亮", "卫生室缺药", "外镇人",
           "刘一", "宏达机械厂")

PLANNER_PAGES = ["/planner/", "/planner/import", "/planner/plan"]
LEADER_PAGES = ["/leader/", "/leader/?level=village&key={village}", "/leader/?level=grid&key=G1",
                "/leader/coverage", "/leader/issues", "/leader/export.xlsx"]
FIELD_PAGES = ["/field/", "/field/route"]
ADMIN_PAGES = ["/admin/"]


def _api_gets() -> list[str]:
    out = []
    for r in ROUTES:
        if "GET" not in r.methods:
            continue
        path = "/api/v1" + r.path
        path = (path.replace("<int:target_id>", "{T1}").replace("<int:issue_id>", "{I1}")
                .replace("<job_id>", "nojob").replace("<fmt>", "csv"))
        out.append(path)
    return out


API_GETS = _api_gets()
PUBLIC_API = {"/api/v1/health", "/api/v1/openapi.json"}


def _expected(role: str) -> dict[str, int]:
    """Expected status of every URL for ``role`` (200 allowed, else the refusal)."""
    urls = (PLANNER_PAGES + LEADER_PAGES + FIELD_PAGES + ADMIN_PAGES
            + ["/targets/{T1}", "/targets/{T4}", "/issues/{I1}", "/issues/{I5}",
               "/targets/{other}"] + API_GETS)
    if role == "anon":
        return {u: (200 if u in PUBLIC_API else 401 if u.startswith("/api/") else 302)
                for u in urls}
    api_roles = {"/api/v1" + r.path.replace("<int:target_id>", "{T1}")
                 .replace("<int:issue_id>", "{I1}").replace("<job_id>", "nojob")
                 .replace("<fmt>", "csv"): r.roles
                 for r in ROUTES if "GET" in r.methods}
    exp: dict[str, int] = {}
    for u in urls:
        if u.startswith("/api/"):
            roles = api_roles[u]
            exp[u] = 200 if roles is None or role.rstrip("13_pd") in roles or (
                role.startswith("leader") and "leader" in roles) or (
                role.startswith("cadre") and "cadre" in roles) else 403
        elif u in PLANNER_PAGES:
            exp[u] = 200 if role == "planner" else 403
        elif u in LEADER_PAGES:
            exp[u] = 200 if role in ("planner", "leader", "leader_pd") else 403
        elif u in FIELD_PAGES:
            exp[u] = 200 if role.startswith("cadre") else 403
        elif u in ADMIN_PAGES:
            exp[u] = 200 if role == "admin" else 403
        elif u.startswith(("/targets/", "/issues/")):
            exp[u] = 403 if role == "admin" else 200
    # per-role exceptions: data scope inside the allowed pages
    for u in ("/targets/{other}",):  # another township: not found (a cadre: not its area)
        exp[u] = 403 if role == "admin" or role.startswith("cadre") else 404
    exp["/api/v1/jobs/nojob"] = 404 if role == "planner" else exp["/api/v1/jobs/nojob"]
    exp["/api/v1/township/arrangement.csv"] = (404 if role == "planner" else
                                              exp["/api/v1/township/arrangement.csv"])
    exp["/api/v1/me/route.gpx"] = 404 if role.startswith("cadre") else exp["/api/v1/me/route.gpx"]
    if role == "cadre1":  # owns I1, I2 (T1) and I3 (T3), not I5 (T4); no area planned
        exp["/targets/{T4}"] = exp["/issues/{I5}"] = 403
        exp["/targets/{T1}"] = exp["/api/v1/targets/{T1}"] = 403  # owning opens the issue only
    if role == "cadre3":  # owns nothing
        for u in ("/targets/{T1}", "/targets/{T4}", "/issues/{I1}", "/issues/{I5}",
                  "/api/v1/targets/{T1}", "/api/v1/issues/{I1}"):
            exp[u] = 403
    return exp


def _fill(url: str, web: Web) -> str:
    w = web.world
    return url.format(T1=w.targets["T1"], T4=w.targets["T4"], I1=w.issues["I1"],
                      I5=w.issues["I5"], other=web.extra["other_target"],
                      village=w.villages["甲村"])


@pytest.mark.parametrize("role", ["anon", "planner", "leader", "leader_pd", "cadre1",
                                  "cadre3", "admin"])
def test_access_matrix(sqlite_web: Web, role: str) -> None:
    """Each role gets exactly its pages and endpoints.

    Every other URL is refused with 401 (API, anonymous), a redirect to log-in (pages,
    anonymous), 403 or 404 — and the refusal carries none of the world's personal data
    or issue text.
    """
    c, _ = sqlite_web.client(None if role == "anon" else role)
    wrong = []
    for url, status in _expected(role).items():
        r = c.get(_fill(url, sqlite_web))
        if r.status_code != status:
            wrong.append(f"{url}: {r.status_code} (expected {status})")
            continue
        if status != 200:
            body = r.get_data(as_text=True)
            leaked = [s for s in SECRETS if s in body]
            assert not leaked, f"{role} {url} refused but shows {leaked}"
            if url.startswith("/api/"):
                assert r.get_json()["ok"] is False
            elif status == 302:
                assert "/login" in r.headers["Location"]
    assert not wrong, "\n".join(wrong)


def test_leader_sees_masked_personal_data_unless_granted(sqlite_web: Web) -> None:
    """A leader's lists and target pages mask names and phones (张*, 138****1234).

    A leader granted personal data and a planner see them.
    """
    t1 = sqlite_web.world.targets["T1"]
    for role, masked in (("leader", True), ("leader_pd", False), ("planner", False)):
        c, _ = sqlite_web.client(role)
        item = c.get(f"/api/v1/targets/{t1}").get_json()["item"]
        assert (item["name"], item["phone"]) == (("张*", "138****1234") if masked
                                                 else ("张三", "13812341234")), role
        grid = c.get("/leader/?level=grid&key=G1").get_data(as_text=True)
        assert ("张三" in grid) is (not masked) and ("张*" in grid) is masked, role
        issues = c.get("/api/v1/township/issues?all=1").get_json()["issues"]
        i5 = next(i for i in issues if i["id"] == sqlite_web.world.issues["I5"])
        assert (i5["target_name"] == "赵*") is masked


def test_cadre_sees_only_its_own_issues_and_no_target_before_its_area(
        sqlite_web: Web) -> None:
    """Cadre C1 lists exactly its issues I1, I2, I3, their targets' contacts masked.

    Its "my area" is not planned yet and shows no target; owning the issues of T1 does
    not open T1 (refused, no name or phone).
    """
    w = sqlite_web.world
    c, _ = sqlite_web.client("cadre1")
    rows = c.get("/api/v1/me/issues").get_json()["issues"]
    assert {i["id"] for i in rows} == {w.issues["I1"], w.issues["I2"], w.issues["I3"]}
    assert {(i["target_name"], i["phone"], i["address"]) for i in rows
            if i["target_ext_id"] == "T1"} == {("张*", "138****1234", None)}
    ids = {i["id"] for i in c.get("/api/v1/township/issues?all=1").get_json()["issues"]}
    assert ids == {w.issues["I1"], w.issues["I2"], w.issues["I3"]}
    r = c.get(f"/api/v1/targets/{w.targets['T1']}")
    assert r.status_code == 403 and "张三" not in r.get_data(as_text=True)
    area = c.get("/api/v1/me/area").get_json()
    assert area == {"ok": True, "planned": False,
                    "message": "尚未分配走访区域 / no visit area assigned yet"}
    home = c.get("/field/").get_data(as_text=True)
    assert "尚未分配走访区域" in home and "赵六" not in home


def test_admin_sees_no_campaign_data(sqlite_web: Web) -> None:
    """An admin's status shows counts of every township but no personal data."""
    c, _ = sqlite_web.client("admin")
    body = c.get("/api/v1/status").get_data(as_text=True)
    assert "测试镇" in body and not any(s in body for s in SECRETS)


def test_disabled_user_loses_its_session(sqlite_web: Web) -> None:
    """Disabling a user ends its sessions at the next request."""
    from sqlalchemy import select

    from zoufang.campaign.store import User

    c, _ = sqlite_web.client("cadre3")
    assert c.get("/api/v1/me").status_code == 200
    store = sqlite_web.app.extensions["zoufang_store"]
    with store.session() as s:
        s.scalar(select(User).where(User.name == "cadre3")).active = False
    try:
        assert c.get("/api/v1/me").status_code == 401
    finally:
        with store.session() as s:
            s.scalar(select(User).where(User.name == "cadre3")).active = True
