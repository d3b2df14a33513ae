"""The application factory, the public endpoints and what every response carries."""

from __future__ import annotations

import gzip
from pathlib import Path

from zoufang.campaign.imports.importer import import_grids
from zoufang.campaign.store import open_store
from zoufang.web import create_app

from .conftest import Web, login, make_app


def test_index_sends_anonymous_users_to_login(tmp_path: Path) -> None:
    """`/` redirects to the log-in page; the log-in page is Chinese by default."""
    client = make_app(f"sqlite:///{tmp_path / 'e.sqlite'}").test_client()
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    html = client.get("/login").get_data(as_text=True)
    assert "登录" in html and 'lang="zh-CN"' in html


def test_language_switch_to_english(tmp_path: Path) -> None:
    """/lang/en switches the labels to English for the session."""
    client = make_app(f"sqlite:///{tmp_path / 'e.sqlite'}").test_client()
    client.get("/lang/en")
    html = client.get("/login").get_data(as_text=True)
    assert "Log in" in html and 'lang="en"' in html


def test_health_is_public_and_status_is_not(grids_file: Path, tmp_path: Path) -> None:
    """/api/v1/health answers anyone; /api/v1/status needs a log-in and shows counts."""
    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    import_grids(open_store(db), grids_file)
    app = make_app(db)
    client = app.test_client()
    assert client.get("/api/v1/health").get_json()["ok"] is True
    r = client.get("/api/v1/status")
    assert r.status_code == 401 and r.get_json()["ok"] is False
    from zoufang.campaign.accounts import add_user

    with app.extensions["zoufang_store"].session() as s:
        add_user(s, "p", "planner", "password-1", township="测试镇")
    login(client, "p", "password-1")
    data = client.get("/api/v1/status").get_json()
    assert data["ok"] and data["townships"][0]["grids"] == 4


def test_empty_store_planner_page(tmp_path: Path) -> None:
    """A planner of an empty township sees how to get data in, not an error."""
    app = make_app(f"sqlite:///{tmp_path / 'e.sqlite'}")
    from zoufang.campaign.accounts import add_user

    with app.extensions["zoufang_store"].session() as s:
        add_user(s, "p", "planner", "password-1", township="空镇")
    client = app.test_client()
    login(client, "p", "password-1")
    for url in ("/planner/", "/planner/plan", "/leader/", "/leader/coverage", "/leader/issues"):
        r = client.get(url)
        assert r.status_code == 200, url
    html = client.get("/planner/").get_data(as_text=True)
    assert "导入网格、走访对象和走访人员" in html and 'href="/planner/import"' in html
    assert "zoufang" not in html[html.index('id="empty-store"'):][:300]  # no CLI command


def test_security_headers_and_gzip(sqlite_web: Web) -> None:
    """Pages carry a CSP that allows scripts only from the app, and no caching of data.

    Large responses are gzip-compressed when the browser accepts it.
    """
    c, _ = sqlite_web.client("planner")
    r = c.get("/planner/")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    assert "cdn" not in csp and r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Cache-Control"] == "no-store"
    r = c.get("/static/vendor/leaflet-1.9.4/leaflet.js", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(r.data).startswith(b"/*")
    assert "max-age" in r.headers["Cache-Control"]


def test_blank_basemap_tile_is_a_png(tmp_path: Path) -> None:
    """The offline "blank" basemap serves a PNG for any tile."""
    client = make_app(f"sqlite:///{tmp_path / 'e.sqlite'}").test_client()
    r = client.get("/tiles/blank/13/6750/3120.png")
    assert r.status_code == 200 and r.data.startswith(b"\x89PNG")


def test_instance_config_and_env(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Without a test config the factory reads ZOUFANG_* environment variables."""
    monkeypatch.setenv("ZOUFANG_DB", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("ZOUFANG_BASEMAP", "amap")
    monkeypatch.setenv("ZOUFANG_SESSION_IDLE_S", "60")
    app = create_app()
    assert app.config["SESSION_IDLE_S"] == 60
    assert app.extensions["zoufang_basemap"].crs == "gcj02"
    assert (tmp_path / "env.sqlite").exists()


def test_a_kept_page_does_not_take_the_flash(web: Web) -> None:
    """A page the service worker keeps (X-Zoufang-Keep) neither shows nor consumes flashes."""
    cadre, tok = web.client("cadre1")
    with cadre.session_transaction() as sess:
        sess["_flashes"] = [("ok", "已保存 测试")]
    kept = cadre.get("/field/", headers={"X-Zoufang-Keep": "1"}).get_data(as_text=True)
    assert "已保存 测试" not in kept
    assert "已保存 测试" in cadre.get("/field/").get_data(as_text=True)
    assert "已保存 测试" not in cadre.get("/field/").get_data(as_text=True)
