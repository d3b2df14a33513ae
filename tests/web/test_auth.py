"""Log-in with hashed passwords, CSRF on every form, sessions that expire.

Also the audit log and the ``zoufang user`` command.
"""

from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import select

from zoufang.campaign.store import AuditEntry, User
from zoufang.cli import main

from .conftest import PASSWORD, Web, csrf_of, login


def _audit(web: Web) -> list[AuditEntry]:
    with web.app.extensions["zoufang_store"].session() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_passwords_are_hashed(sqlite_web: Web) -> None:
    """No password is stored as given; the hash is salted (two users, two hashes)."""
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        hashes = list(s.scalars(select(User.password_hash)))
    assert all(PASSWORD not in h and h.startswith(("scrypt:", "pbkdf2:")) for h in hashes)
    assert len(set(hashes)) == len(hashes)
    from zoufang.web import security

    assert security.DEFAULT_PASSWORD_METHOD == "scrypt"
    assert security._DUMMY_HASH.startswith("scrypt:")


def test_failed_login_is_refused_and_audited(sqlite_web: Web) -> None:
    """A wrong password gets 401 and the form again; the attempt is in the audit log."""
    c = sqlite_web.app.test_client()
    tok = csrf_of(c)
    r = c.post("/login", data={"username": "planner", "password": "wrong-password",
                               "csrf_token": tok})
    assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)
    assert c.get("/api/v1/me").status_code == 401
    last = _audit(sqlite_web)[-1]
    assert (last.action, last.user_name) == ("login_failed", "planner")


def test_csrf_refused_without_token(sqlite_web: Web) -> None:
    """Log-in, log-out, every form and every API write are refused (400) without a token.

    The token is the session's; nothing happens when it is missing.
    """
    c = sqlite_web.app.test_client()
    csrf_of(c)
    r = c.post("/login", data={"username": "planner", "password": PASSWORD})
    assert r.status_code == 400 and "表单已失效" in r.get_data(as_text=True)
    tok = login(c, "planner")
    for url in ("/logout", "/planner/plan", "/planner/import", "/planner/locks/C1",
                "/issues/1/action"):
        r = c.post(url, data={"csrf_token": "forged"})
        assert r.status_code == 400, url
    r = c.post("/api/v1/township/plan-jobs", json={})
    assert r.status_code == 400 and r.get_json()["status"] == 400
    assert c.get("/api/v1/me").status_code == 200  # still logged in: logout was refused
    assert c.post("/logout", data={"csrf_token": tok}).status_code == 302
    assert c.get("/api/v1/me").status_code == 401


def test_session_expires_when_idle_and_at_max_age(sqlite_web: Web) -> None:
    """A session ends after SESSION_IDLE_S idle, and SESSION_MAX_AGE_S after log-in.

    It ends at the maximum age however busy; the next page asks to log in again.
    """
    cfg = sqlite_web.app.config
    for key, field_ in (("SESSION_IDLE_S", "seen_at"), ("SESSION_MAX_AGE_S", "login_at")):
        c, _ = sqlite_web.client("leader")
        assert c.get("/api/v1/me").status_code == 200
        with c.session_transaction() as sess:
            sess[field_] = sess[field_] - cfg[key] - 1
        r = c.get("/leader/")
        assert r.status_code == 302 and "/login" in r.headers["Location"], key
        assert "会话已过期" in c.get(r.headers["Location"]).get_data(as_text=True)
        assert c.get("/api/v1/me").status_code == 401


def test_session_cookie_flags(sqlite_web: Web) -> None:
    """The session cookie is HttpOnly and SameSite=Lax."""
    c = sqlite_web.app.test_client()
    tok = csrf_of(c)
    r = c.post("/login", data={"username": "leader", "password": PASSWORD, "csrf_token": tok})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_redirect_stays_on_site(sqlite_web: Web) -> None:
    """``next`` after log-in is followed only to a path of this site (no open redirect)."""
    c = sqlite_web.app.test_client()
    tok = csrf_of(c)
    r = c.post("/login", data={"username": "leader", "password": PASSWORD,
                               "csrf_token": tok, "next": "https://evil.example/"})
    assert r.headers["Location"] == "/"
    c2 = sqlite_web.app.test_client()
    r = c2.get("/leader/coverage")
    assert r.status_code == 302 and "next=/leader/coverage" in r.headers["Location"]


def test_user_add_command(sqlite_web: Web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`zoufang user add` creates users with hashed passwords read from stdin.

    It links a cadre by its 编号, refuses bad input, and audits the change.
    """
    db = sqlite_web.app.config["DB_URL"]
    run = CliRunner().invoke
    r = run(main, ["user", "add", "新干部", "--role", "cadre", "--cadre", "C2",
                   "--township", "测试镇", "--password-stdin", "--db", db],
            input="long-enough-pw\n")
    assert r.exit_code == 0, r.output
    c = sqlite_web.app.test_client()
    login(c, "新干部", "long-enough-pw")
    assert c.get("/api/v1/me").get_json()["user"]["cadre_id"] == sqlite_web.world.cadres["C2"]
    for args, msg in ((["x1", "--role", "cadre", "--cadre", "C99"], "no cadre"),
                      (["x2", "--role", "leader"], "needs --township"),
                      (["新干部", "--role", "admin"], "exists already"),
                      (["x3", "--role", "admin"], "at least 8")):
        r = run(main, ["user", "add", *args, "--password-stdin", "--db", db], input="short\n"
                if msg == "at least 8" else "long-enough-pw\n")
        assert r.exit_code == 1 and msg in r.output, (args, r.output)
    assert any(a.action == "user_add" and a.detail.get("user") == "新干部"
               for a in _audit(sqlite_web))
    r = run(main, ["user", "list", "--db", db])
    assert "新干部\tcadre" in r.output and not re.search(r"scrypt|pbkdf2", r.output)
