"""Log-in with hashed passwords, CSRF on every form, sessions that expire.

Also the log-in throttle (per account and per address), the password policy, sessions
ended by log-out and ``user passwd``, the audit log and the ``zoufang user`` command.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from zoufang.campaign.store import AuditEntry, User
from zoufang.cli import main

from .conftest import PASSWORD, Web, csrf_of, login, make_app


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
                      (["x3", "--role", "admin"], "at least 10")):
        r = run(main, ["user", "add", *args, "--password-stdin", "--db", db], input="short\n"
                if msg == "at least 10" else "long-enough-pw\n")
        assert r.exit_code == 1 and msg in r.output, (args, r.output)
    assert any(a.action == "user_add" and a.detail.get("user") == "新干部"
               for a in _audit(sqlite_web))
    r = run(main, ["user", "list", "--db", db])
    assert "新干部\tcadre" in r.output and not re.search(r"scrypt|pbkdf2", r.output)


# --------------------------------------------------------------------------- throttle

LOCKED = "登录失败次数过多"


def _try(c: FlaskClient, tok: str, name: str, password: str, addr: str = "127.0.0.1",
         **kw: Any) -> TestResponse:
    """POST one log-in from client address ``addr``."""
    return c.post("/login", data={"username": name, "password": password, "csrf_token": tok},
                  environ_base={"REMOTE_ADDR": addr}, **kw)


def _user(web: Web, name: str) -> User:
    with web.app.extensions["zoufang_store"].session() as s:
        u = s.scalar(select(User).where(User.name == name))
        assert u is not None
        return u


@contextmanager
def _app(web: Web, **config: Any) -> Iterator[Flask]:
    """A second app on the web fixture's store, with ``config``; closed afterwards."""
    app = make_app(web.world.store.url, **config)
    try:
        yield app
    finally:
        app.extensions["zoufang_planning"].shutdown()
        app.extensions["zoufang_store"].dispose()


def test_lockout_refuses_the_right_password(web: Web) -> None:
    """25 wrong passwords lock the account: the right one is then refused (429), audited.

    Every attempt comes from another address, so the account lockout and not the
    per-address limit refuses them; the page says why and what to do (in Chinese), the
    API answers 429 in the one error shape; the state is in the database. Once the
    lockout is over (``locked_until`` moved to the past) the right password logs in.
    """
    c, tok = web.client()
    codes = [_try(c, tok, "leader", f"wrong-password-{i}", f"10.0.{i}.1").status_code
             for i in range(25)]
    assert codes[:4] == [401] * 4 and set(codes[4:]) == {429}, codes
    r = _try(c, tok, "leader", PASSWORD, "10.1.0.1")
    page = r.get_data(as_text=True)
    assert r.status_code == 429 and LOCKED in page and "分钟后再试" in page, page[:500]
    assert "联系管理员" in page and int(r.headers["Retry-After"]) > 800
    assert c.get("/api/v1/me").status_code == 401
    r = _try(c, tok, "leader", PASSWORD, "10.1.0.2", headers={"Accept": "application/json"})
    body = r.get_json()
    assert r.status_code == 429 and body["ok"] is False and body["status"] == 429
    assert LOCKED in body["error"] and body["errors"] == []
    u = _user(web, "leader")
    locked_until = u.locked_until.replace(tzinfo=u.locked_until.tzinfo or dt.UTC)
    assert locked_until > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=14)
    actions = [a.action for a in _audit(web) if a.user_name == "leader"]
    assert actions.count("login_failed") == 5 and actions.count("login_locked") == 22
    assert "login" not in actions
    with web.app.extensions["zoufang_store"].session() as s:  # the lockout is over
        s.execute(update(User).where(User.name == "leader").values(
            locked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert _try(c, tok, "leader", PASSWORD, "10.1.0.3").status_code == 302
    assert c.get("/api/v1/me").get_json()["user"]["name"] == "leader"
    assert (_user(web, "leader").failed_logins, _user(web, "leader").locked_until) == (0, None)


def test_lockout_expires_and_failures_age_out(web: Web) -> None:
    """The lockout lasts LOGIN_LOCKOUT_S; failures older than the window do not add up.

    With 3 failures allowed in a 1 s window and a 1 s lockout: 2 + 2 failures a window
    apart lock nothing, 3 in a row do, the right password is refused until the second
    has passed and then logs in.
    """
    with _app(web, LOGIN_MAX_FAILURES=3, LOGIN_FAILURE_WINDOW_S=1, LOGIN_LOCKOUT_S=1) as app:
        c = app.test_client()
        tok = csrf_of(c)
        assert [_try(c, tok, "planner", "wrong-password").status_code
                for _ in range(2)] == [401, 401]
        time.sleep(1.1)
        assert [_try(c, tok, "planner", "wrong-password").status_code
                for _ in range(2)] == [401, 401]
        assert _try(c, tok, "planner", PASSWORD).status_code == 302
        c = app.test_client()
        tok = csrf_of(c)
        assert [_try(c, tok, "planner", "wrong-password").status_code
                for _ in range(3)] == [401, 401, 429]
        assert _try(c, tok, "planner", PASSWORD).status_code == 429
        time.sleep(1.1)
        assert _try(c, tok, "planner", PASSWORD).status_code == 302


def test_unknown_name_is_refused_like_an_account(web: Web) -> None:
    """A name that is no account is refused, and locked, exactly like a real account.

    Same status codes, same messages: the lockout does not tell that an account exists.
    """
    answers = {}
    for name in ("cadre3", "nobody-here"):
        c, tok = web.client()
        answers[name] = [(r.status_code, re.findall(r'<div class="flash[^>]*>[^<]*</div>',
                                                     r.get_data(as_text=True)))
                         for r in (_try(c, tok, name, "wrong-password", f"10.2.{i}.1")
                                   for i in range(7))]
    assert answers["cadre3"] == answers["nobody-here"]
    assert [code for code, _ in answers["nobody-here"]] == [401] * 4 + [429] * 3
    assert LOCKED in answers["nobody-here"][-1][1][0]
    actions = [a.action for a in _audit(web) if a.user_name == "nobody-here"]
    assert actions == ["login_failed"] * 5 + ["login_locked"] * 2


def test_address_limit(web: Web) -> None:
    """One address gets 429 after 20 refused log-ins a minute; successes do not count.

    The page says so in Chinese, the API answers the one error shape, and the limit
    holds for the right password too; another address is not affected.
    """
    for _ in range(25):  # successful log-ins from one address (an office) are not limited
        c, tok = web.client()
        assert _try(c, tok, "planner", PASSWORD, "10.3.0.1").status_code == 302
    c, tok = web.client()
    codes = [_try(c, tok, f"name-{i}", "wrong-password", "10.3.0.1").status_code
             for i in range(20)]
    assert codes == [401] * 20
    r = _try(c, tok, "name-x", "wrong-password", "10.3.0.1")
    assert r.status_code == 429 and "登录尝试过于频繁" in r.get_data(as_text=True)
    assert 0 < int(r.headers["Retry-After"]) <= 60
    r = _try(c, tok, "planner", PASSWORD, "10.3.0.1", headers={"Accept": "application/json"})
    assert r.status_code == 429
    assert r.get_json() == {"ok": False, "error": r.get_json()["error"], "errors": [],
                            "status": 429}
    assert "too many" in r.get_json()["error"].lower() or "频繁" in r.get_json()["error"]
    assert _try(c, tok, "planner", PASSWORD, "10.3.0.2").status_code == 302


# --------------------------------------------------------------------------- sessions


def _replay(web: Web, cookie: str) -> FlaskClient:
    """A new client that sends a copy of a session cookie."""
    c = web.app.test_client()
    c.set_cookie("zoufang_session", cookie)
    return c


def _cookie(c: FlaskClient) -> str:
    got = c.get_cookie("zoufang_session")
    assert got is not None
    return got.value


def test_cookie_replayed_after_logout_is_refused(web: Web) -> None:
    """Log-out ends every session of the user: a copied cookie is refused (401 / log-in page).

    The user's session on another device ends too; logging in again works.
    """
    c, tok = web.client("leader")
    other, _ = web.client("leader")
    captured = _cookie(c)
    assert _replay(web, captured).get("/api/v1/me").status_code == 200
    assert c.post("/logout", data={"csrf_token": tok}).status_code == 302
    thief = _replay(web, captured)
    r = thief.get("/api/v1/me")
    assert r.status_code == 401
    assert r.get_json() == {"ok": False, "error": r.get_json()["error"], "errors": [],
                            "status": 401}
    r = _replay(web, captured).get("/leader/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert other.get("/api/v1/me").status_code == 401
    c2, _ = web.client("leader")
    assert c2.get("/api/v1/me").status_code == 200


def test_passwd_and_disable_end_sessions(web: Web) -> None:
    """`zoufang user passwd` and `user disable` end the user's sessions, copies included."""
    db = web.app.config["DB_URL"]
    run = CliRunner().invoke
    c, _ = web.client("planner")
    captured = _cookie(c)
    r = run(main, ["user", "passwd", "planner", "--password-stdin", "--db", db],
            input="another-password-2\n")
    assert r.exit_code == 0, r.output
    assert c.get("/api/v1/me").status_code == 401
    assert _replay(web, captured).get("/api/v1/me").status_code == 401
    c2 = web.app.test_client()
    tok = csrf_of(c2)
    assert _try(c2, tok, "planner", PASSWORD).status_code == 401
    login(c2, "planner", "another-password-2")
    assert c2.get("/api/v1/me").status_code == 200
    r = run(main, ["user", "disable", "planner", "--db", db])
    assert r.exit_code == 0, r.output
    assert c2.get("/api/v1/me").status_code == 401
    assert _user(web, "planner").session_gen == 2


# --------------------------------------------------------------------------- policy


def test_password_policy(sqlite_web: Web) -> None:
    """`user add` and `user passwd` refuse short, common and name-like passwords.

    The error names the rule; `password` and `12345678` are refused by length and by the
    common list alike; nothing is created or changed.
    """
    db = sqlite_web.app.config["DB_URL"]
    run = CliRunner().invoke
    cases = {"password": "at least 10", "12345678": "at least 10",
             "1234567890": "common passwords", "qwertyuiop": "common passwords",
             "WoAiNi1314": "common passwords", "zhangwei-2024": "user name",
             "ZHANGWEI": "at least 10", "my-zhangwei-pw": "user name"}
    for pw, rule in cases.items():
        r = run(main, ["user", "add", "zhangwei", "--role", "admin", "--password-stdin",
                       "--db", db], input=pw + "\n")
        assert r.exit_code == 1 and rule in r.output, (pw, r.output)
        assert pw == "password" or pw not in r.output  # the password is not echoed
        pw = pw.replace("zhangwei", "Admin")
        r = run(main, ["user", "passwd", "admin", "--password-stdin", "--db", db],
                input=pw + "\n")
        assert r.exit_code == 1 and rule in r.output, (pw, r.output)
    r = run(main, ["user", "passwd", "admin", "--password-stdin", "--db", db],
            input="12345678\n")
    assert "at least 10" in r.output and "common passwords" in r.output
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        assert s.scalar(select(User.id).where(User.name == "zhangwei")) is None
    from zoufang.commands.demo import DEMO_PASSWORD
    from zoufang.passwords import MIN_PASSWORD_LENGTH, password_problems

    assert MIN_PASSWORD_LENGTH == 10
    for pw in ("password", "12345678"):  # refused by the list even without the length rule
        assert any("common" in p for p in password_problems(pw, min_length=1))
    assert password_problems("admin", "admin", min_length=1) != []
    for name in ("planner", "leader", "cadre", "admin"):  # the demo's users still work
        assert password_problems(DEMO_PASSWORD, name) == []
    assert password_problems(PASSWORD, "leader_pd") == []
