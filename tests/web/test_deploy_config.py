"""Deployment settings (issue 17, item 10).

HTTPS cookies and HSTS, the proxy's client address, a CSP without ``'unsafe-inline'``
scripts, and no outside basemap by default.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from zoufang.campaign.store import AuditEntry
from zoufang.web import create_app

from .conftest import Web, csrf_of, make_app

_INLINE = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.S)


def _script_src(csp: str) -> str:
    return next(part for part in csp.split(";") if part.strip().startswith("script-src"))


def test_csp_allows_no_inline_script_but_the_pages_own(sqlite_web: Web) -> None:
    """Every inline ``<script>`` of a map page carries the nonce its CSP header allows.

    The header never says ``'unsafe-inline'`` for scripts, so a script that an attacker
    got into the page (a stored name, an upload) would not run; two requests get two nonces.
    """
    c, _ = sqlite_web.client("planner")
    seen = set()
    for url in ("/planner/", "/planner/", "/leader/issues"):
        if url.startswith("/leader"):
            c, _ = sqlite_web.client("leader")
        r = c.get(url)
        assert r.status_code == 200, url
        html = r.get_data(as_text=True)
        script_src = _script_src(r.headers["Content-Security-Policy"])
        assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
        inline = _INLINE.findall(html)
        assert inline, f"{url}: the page has no inline script to check (no map?)"
        nonce = re.search(r"'nonce-([^']+)'", script_src)
        assert nonce, script_src
        for attrs in inline:
            assert f'nonce="{nonce.group(1)}"' in attrs, (url, attrs)
        seen.add(nonce.group(1))
    assert len(seen) == 3


def test_pages_without_inline_script_allow_no_nonce(tmp_path: Path) -> None:
    """The log-in page has no inline script, so its CSP names no nonce at all."""
    r = make_app(f"sqlite:///{tmp_path / 'e.sqlite'}").test_client().get("/login")
    assert "<script>" not in r.get_data(as_text=True)
    assert _script_src(r.headers["Content-Security-Policy"]).strip() == "script-src 'self'"


def test_https_setting_makes_cookies_secure_and_sends_hsts(tmp_path: Path) -> None:
    """``HTTPS`` on: ``Secure`` session cookie and HSTS; off (the default): neither."""
    plain = make_app(f"sqlite:///{tmp_path / 'a.sqlite'}").test_client()
    r = plain.get("/login")
    assert "Strict-Transport-Security" not in r.headers
    assert "Secure" not in r.headers.get("Set-Cookie", "")

    app = make_app(f"sqlite:///{tmp_path / 'b.sqlite'}", HTTPS=True, HSTS_MAX_AGE_S=600)
    r = app.test_client().get("/login", base_url="https://zoufang.example")
    assert r.headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains"
    cookie = r.headers["Set-Cookie"]
    assert "zoufang_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie


def test_https_from_the_environment(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``ZOUFANG_HTTPS=on`` turns the HTTPS setting on (cookies, link scheme)."""
    monkeypatch.setenv("ZOUFANG_DB", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("ZOUFANG_HTTPS", "on")
    monkeypatch.setenv("ZOUFANG_SECRET_KEY", "k")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    app.extensions["zoufang_store"].dispose()


def test_client_address_comes_from_the_proxy_only_when_trusted(web: Web) -> None:
    """Behind a trusted proxy the audit log has the client's address, not the proxy's.

    With ``TRUSTED_PROXIES=1`` it comes from ``X-Forwarded-For``; with the default 0 the
    header is ignored (a client could forge it).
    """
    url = web.world.store.url
    for proxies, expected in ((0, "10.0.0.1"), (1, "203.0.113.7")):
        app = make_app(url, TRUSTED_PROXIES=proxies)
        try:
            c = app.test_client()
            tok = csrf_of(c)
            r = c.post("/login", data={"username": "planner", "password": "wrong-password",
                                       "csrf_token": tok},
                       headers={"X-Forwarded-For": "203.0.113.7"},
                       environ_base={"REMOTE_ADDR": "10.0.0.1"})
            assert r.status_code in (200, 401), r.status_code
            with web.world.store.session() as s:
                last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
                assert last is not None and last.ip == expected, (proxies, last and last.ip)
        finally:
            app.extensions["zoufang_planning"].shutdown()
            app.extensions["zoufang_store"].dispose()


def test_default_basemap_is_served_by_the_app(tmp_path: Path) -> None:
    """A deployment that names no basemap sends no browser to an outside tile server."""
    app = create_app({"DB_URL": f"sqlite:///{tmp_path / 'd.sqlite'}", "TESTING": True,
                      "SECRET_KEY": "k"})
    basemap = app.extensions["zoufang_basemap"]
    assert basemap.key == "blank" and basemap.is_local and basemap.origins() == []
    csp = app.test_client().get("/login").headers["Content-Security-Policy"]
    assert "http" not in csp
    app.extensions["zoufang_store"].dispose()
