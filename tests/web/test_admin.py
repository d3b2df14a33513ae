"""The administrator's page: users managed in the browser, with the CLI's rules.

Create a user, reset a password (its sessions end), disable and enable, grant a leader
personal data; refusals say in Chinese what to change, keep what was typed (never the
password) and write nothing; every change is audited under the administrator's name;
the audit log is filtered and paged, its actions and details in words. On SQLite and
PostgreSQL.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from zoufang.campaign.store import AuditEntry, User

from .conftest import PASSWORD, Web, csrf_of

NEW_PASSWORD = "河边的柳树-绿了-2026"


def _can_login(web: Web, name: str, password: str) -> bool:
    """Whether a fresh client logs in as ``name`` with ``password``."""
    c = web.app.test_client()
    r = c.post("/login", data={"username": name, "password": password,
                               "csrf_token": csrf_of(c)})
    return r.status_code == 302 and "/login" not in r.headers.get("Location", "")


def _post(web: Web, path: str, data: dict[str, str]) -> tuple[int, str]:
    admin, tok = web.client("admin")
    r = admin.post(path, data={"csrf_token": tok, **data})
    return r.status_code, r.get_data(as_text=True)


def _user(web: Web, name: str) -> User | None:
    with web.app.extensions["zoufang_store"].session() as s:
        u = s.scalar(select(User).where(User.name == name))
        if u is not None:
            s.expunge(u)
        return u


def _audits(web: Web) -> int:
    """Audit rows of changes to users (log-ins of the test clients left out)."""
    with web.app.extensions["zoufang_store"].session() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.like("user_%"))) or 0)


def test_admin_creates_a_cadre_user_who_can_log_in(web: Web) -> None:
    """The form creates a cadre user tied to its cadre; the audit names the admin."""
    status, html = _post(web, "/admin/users", {
        "name": "新干部", "role": "cadre", "cadre": "C2", "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD})
    assert status == 302, html[:2000]
    u = _user(web, "新干部")
    assert u is not None and u.role == "cadre" and u.cadre_id is not None and u.active
    c, _ = web.client()
    c.post("/login", data={"username": "新干部", "password": NEW_PASSWORD,
                           "csrf_token": csrf_of(c)})
    assert c.get("/field/").status_code == 200
    with web.app.extensions["zoufang_store"].session() as s:
        a = s.scalars(select(AuditEntry).where(AuditEntry.action == "user_add")
                      .order_by(AuditEntry.id.desc())).first()
        assert a is not None and a.user_name == "admin" and a.detail["user"] == "新干部"
        assert NEW_PASSWORD not in str(a.detail)
    admin, _ = web.client("admin")
    page = admin.get("/admin/").get_data(as_text=True)
    table = page[page.index('id="audit-table"'):]
    assert "新建用户" in table and "用户：新干部" in table and "user_add" not in table


def test_refusals_speak_chinese_keep_typed_and_write_nothing(web: Web) -> None:
    """A weak password, an unknown cadre, a taken name, differing passwords: 400, kept."""
    before = _audits(web)
    status, html = _post(web, "/admin/users", {
        "name": "planner", "role": "cadre", "cadre": "NOPE", "password": "12345678",
        "password2": "12345678"})
    assert status == 400
    errors = re.search(r'id="add-user-errors">(.*?)</div>', html, re.S)
    assert errors is not None
    text = errors.group(1)
    assert "用户名“planner”已被使用" in text and "密码至少 10 个字符" in text
    assert "最常见的密码" in text and "expected" not in text.lower()
    assert 'value="NOPE"' in html and "12345678" not in html
    status, html = _post(web, "/admin/users", {
        "name": "新人", "role": "cadre", "cadre": "NOPE", "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD})
    assert status == 400 and "找不到编号为“NOPE”的干部" in html
    status, html = _post(web, "/admin/users", {
        "name": "新人", "role": "leader", "township": "测试镇", "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD + "x"})
    assert status == 400 and "两次输入的密码不一致" in html
    assert _user(web, "新人") is None and _audits(web) == before


def test_reset_password_ends_sessions_and_disable_enable(web: Web) -> None:
    """A reset ends the user's sessions; disabling locks it out; enabling lets it back."""
    planner, _ = web.client("planner")
    assert planner.get("/planner/").status_code == 200
    uid = _user(web, "planner").id  # type: ignore[union-attr]
    status, _ = _post(web, f"/admin/users/{uid}/password",
                      {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert status == 302
    assert planner.get("/planner/").status_code in (302, 401)  # the old session ended
    assert not _can_login(web, "planner", PASSWORD)
    assert _can_login(web, "planner", NEW_PASSWORD)
    c, _ = web.client()
    c.post("/login", data={"username": "planner", "password": NEW_PASSWORD,
                           "csrf_token": csrf_of(c)})
    assert c.get("/planner/").status_code == 200
    status, _ = _post(web, f"/admin/users/{uid}/active", {"value": "0"})
    assert status == 302 and not _user(web, "planner").active  # type: ignore[union-attr]
    assert c.get("/planner/").status_code in (302, 401)
    assert not _can_login(web, "planner", NEW_PASSWORD)
    _post(web, f"/admin/users/{uid}/active", {"value": "1"})
    assert _can_login(web, "planner", NEW_PASSWORD)
    me = _user(web, "admin").id  # type: ignore[union-attr]
    admin, tok = web.client("admin")
    r = admin.post(f"/admin/users/{me}/active", data={"csrf_token": tok, "value": "0"},
                   follow_redirects=True)
    assert "不能停用自己的账号" in r.get_data(as_text=True)
    r = admin.post(f"/admin/users/{uid}/active", data={"csrf_token": tok, "value": "x"},
                   follow_redirects=True)  # a malformed switch changes nothing
    assert "请求有误" in r.get_data(as_text=True)
    assert _user(web, "planner").active  # type: ignore[union-attr]
    assert _user(web, "admin").active  # type: ignore[union-attr]


def test_grant_personal_data_only_to_leaders(web: Web) -> None:
    """A leader is granted personal data (its sessions end); a planner cannot be."""
    leader = _user(web, "leader")
    assert leader is not None and not leader.personal_data
    status, _ = _post(web, f"/admin/users/{leader.id}/personal", {"value": "1"})
    assert status == 302 and _user(web, "leader").personal_data  # type: ignore[union-attr]
    planner = _user(web, "planner")
    admin, tok = web.client("admin")
    r = admin.post(f"/admin/users/{planner.id}/personal",  # type: ignore[union-attr]
                   data={"csrf_token": tok, "value": "1"}, follow_redirects=True)
    assert "只有领导可以授权查看个人信息" in r.get_data(as_text=True)
    assert not _user(web, "planner").personal_data  # type: ignore[union-attr]
    assert admin.post("/admin/users/999999/personal",
                      data={"csrf_token": tok, "value": "1"}).status_code == 404


def test_audit_log_filters_and_pages(web: Web) -> None:
    """Filter by user and action; the older page goes on from the last entry shown."""
    from zoufang.web.views import admin as admin_view

    for i in range(3):
        _post(web, "/admin/users", {"name": f"甲{i}", "role": "leader", "township": "测试镇",
                                    "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    admin, _ = web.client("admin")
    html = admin.get("/admin/?action=user_add&user=admin").get_data(as_text=True)
    table = html[html.index('id="audit-table"'):]
    assert table.count("<tr>") == 1 + 3 and "新建用户" in table
    html = admin.get("/admin/?action=user_add").get_data(as_text=True)  # with the CLI's
    assert html[html.index('id="audit-table"'):].count("<tr>") > 1 + 3
    old, admin_view.PAGE = admin_view.PAGE, 2
    try:
        html = admin.get("/admin/?action=user_add&user=admin").get_data(as_text=True)
        m = re.search(r'id="audit-older" href="([^"]+)"', html)
        assert m is not None
        older = admin.get(m.group(1).replace("&amp;", "&")).get_data(as_text=True)
        assert older[older.index('id="audit-table"'):].count("<tr>") == 1 + 1
    finally:
        admin_view.PAGE = old
    assert admin.get("/admin/?before=abc&action=nope").status_code == 200
    planner, tok = web.client("planner")
    assert planner.post("/admin/users", data={"csrf_token": tok}).status_code == 403


def test_times_are_shown_in_china_time() -> None:
    """A stored UTC time is shown as China's wall clock (+8 h), whatever form it comes in."""
    import datetime as dt

    from zoufang.web.app import local_time

    utc = dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC)
    assert local_time(utc) == "2026-03-02 00:30"
    assert local_time(utc.replace(tzinfo=None), seconds=True) == "2026-03-02 00:30:00"
    assert local_time("2026-03-01T16:30:00+00:00") == "2026-03-02 00:30"
    assert local_time(None) == "" and local_time("not a time") == "not a time"
