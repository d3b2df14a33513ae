"""The application factory.

``create_app(test_config=None)``: defaults, then environment variables (``ZOUFANG_*``),
then the instance config (``instance/config.py``), then ``test_config``.

Configuration keys (environment variable in brackets):

``DB_URL`` [``ZOUFANG_DB``]
    The store (default ``./zoufang.sqlite``).
``SECRET_KEY`` [``ZOUFANG_SECRET_KEY``]
    Signs the session cookies. Without one a random key is made at start (sessions
    then end when the server restarts) and a warning is logged.
``SESSION_MAX_AGE_S`` (8 h), ``SESSION_IDLE_S`` (30 min) [``ZOUFANG_SESSION_MAX_AGE_S``,
``ZOUFANG_SESSION_IDLE_S``]
    A session ends that long after log-in, or after that long without a request.
``HTTPS`` (off) [``ZOUFANG_HTTPS``]
    Set it when users reach the app over HTTPS (directly or through a reverse proxy that
    terminates TLS): session cookies are then ``Secure``, every answer carries
    ``Strict-Transport-Security: max-age=HSTS_MAX_AGE_S`` (one year by default,
    [``ZOUFANG_HSTS_MAX_AGE_S``]) and links are made with ``https``.
    ``SESSION_COOKIE_SECURE`` [``ZOUFANG_COOKIE_SECURE``] alone makes cookies ``Secure``.
``TRUSTED_PROXIES`` (0) [``ZOUFANG_TRUSTED_PROXIES``]
    How many reverse proxies (nginx …) stand in front of the app. With 1 or more, the
    client address (log-in limits per address, the audit log), the scheme and the host
    are taken from that many ``X-Forwarded-For`` / ``-Proto`` / ``-Host`` / ``-Port`` /
    ``-Prefix`` entries (werkzeug's ``ProxyFix``); with 0 those headers are ignored, so a
    client cannot forge its address.
``BASEMAP``, ``TILE_URL``, ``TILE_CRS``, ``TILE_ATTRIBUTION``, ``TILE_SUBDOMAINS``,
``TIANDITU_KEY`` [``ZOUFANG_BASEMAP``, ...]
    The basemap (:mod:`zoufang.web.basemaps`). The default is ``blank``: plain tiles
    served by the app, so no browser fetches anything from outside unless a deployment
    names a tile server (an intranet one, Tianditu, …).

Every page answers with a Content-Security-Policy that allows scripts only from the app
itself and inline scripts only with the request's nonce (``csp_nonce()`` in templates):
no ``'unsafe-inline'`` for scripts, so injected markup cannot run.
``PLAN_TIME_LIMIT_S`` (30), ``PLAN_TIME_LIMIT_MAX_S`` (3600)
[``ZOUFANG_PLAN_TIME_LIMIT_S``, ``ZOUFANG_PLAN_TIME_LIMIT_MAX_S``]
    Default and highest time limit of a planning job started from the web.
``LOGIN_MAX_FAILURES`` (5), ``LOGIN_FAILURE_WINDOW_S`` (15 min), ``LOGIN_LOCKOUT_S`` (15 min)
[``ZOUFANG_LOGIN_MAX_FAILURES``, ...]
    That many failed log-ins of one account within the window lock it for the lockout
    (:mod:`zoufang.web.security`).
``LOGIN_RATE_LIMIT`` (``20 per minute``), ``RATELIMIT_STORAGE_URI`` (``memory://``)
[``ZOUFANG_LOGIN_RATE_LIMIT``, ``ZOUFANG_RATELIMIT_STORAGE_URI``]
    Refused log-ins allowed per client address (Flask-Limiter), and where they are
    counted: ``memory://`` is per server process, ``redis://host:6379`` shares the count.

Uploads (:func:`zoufang.web.forms.import_upload`; the CLI has none of these limits, and a
refusal says to import a bigger file with ``zoufang import KIND FILE``):

``MAX_CONTENT_LENGTH`` (32 MiB) [``ZOUFANG_MAX_CONTENT_LENGTH``]
    Bytes of one request; a bigger upload is answered 413 (the JSON error shape, or a
    page saying what to do) before it is read.
``UPLOAD_MAX_ROWS`` (50,000) [``ZOUFANG_UPLOAD_MAX_ROWS``]
    Data rows (features) of an uploaded file, counted while reading; reading stops at
    the first row beyond.
``UPLOAD_MAX_COLUMNS`` (200) [``ZOUFANG_UPLOAD_MAX_COLUMNS``]
    Columns of its header.
``UPLOAD_MAX_FIELD_CHARS`` (10,000) [``ZOUFANG_UPLOAD_MAX_FIELD_CHARS``]
    Characters of one cell; a CSV line longer than its cells could hold is refused
    before it is split.
``UPLOAD_MAX_EXPANDED_BYTES`` (100 MiB) [``ZOUFANG_UPLOAD_MAX_EXPANDED_BYTES``]
    Zip-based files (.xlsx/.xlsm, zipped Shapefiles): the uncompressed sizes the zip's
    directory declares, summed before anything is expanded.
``UPLOAD_MAX_ZIP_RATIO`` (100) [``ZOUFANG_UPLOAD_MAX_ZIP_RATIO``]
    Zip-based files: the highest compression ratio of a member of 1 MiB or more (a zip
    bomb's is in the hundreds; a real workbook's about 5 to 20).
``UPLOAD_TIME_BUDGET_S`` (60) [``ZOUFANG_UPLOAD_TIME_BUDGET_S``]
    Seconds to read and check an upload before anything is written; past it the upload
    is refused.
``ERROR_MAX_PROBLEMS`` (50) [``ZOUFANG_ERROR_MAX_PROBLEMS``]
    Problems listed in an error reply or on the import page; the rest are counted in
    one last entry (code ``more_problems``).

A limit set to ``None`` in the instance config is not checked.

SQLite writers (:mod:`zoufang.campaign.store.db`):

``DB_BUSY_TIMEOUT_S`` (5) [``ZOUFANG_DB_BUSY_TIMEOUT_S``]
    Seconds a statement waits for another writer's lock.
``DB_WRITE_ATTEMPTS`` (4) [``ZOUFANG_DB_WRITE_ATTEMPTS``]
    Tries of a write that found the lock taken (with growing pauses between them);
    after the last, nothing is written and the request is answered 503.
``BUSY_RETRY_AFTER_S`` (10) [``ZOUFANG_BUSY_RETRY_AFTER_S``]
    The ``Retry-After`` of that 503 ("系统繁忙，请稍后重试").
"""

from __future__ import annotations

import datetime as dt
import gzip
import logging
import os
import secrets
import zlib
from typing import Any

from flask import Flask, Response, g, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.security import safe_join

from zoufang._errors import Problem, ValidationError
from zoufang.campaign.issues import IssueConflict
from zoufang.campaign.store.db import StoreBusy
from zoufang.campaign.validate import MAX_DB_INT
from zoufang.web.basemaps import basemap_from_config
from zoufang.web.errors import Forbidden, NotFound, error_body, problem_list
from zoufang.web.i18n import LANGS, current_lang, t
from zoufang.web.security import current_viewer, init_security

__all__ = ["create_app"]

log = logging.getLogger("zoufang.web")

_ENV_KEYS = {
    "DB_URL": "ZOUFANG_DB", "SECRET_KEY": "ZOUFANG_SECRET_KEY",
    "SESSION_MAX_AGE_S": "ZOUFANG_SESSION_MAX_AGE_S", "SESSION_IDLE_S": "ZOUFANG_SESSION_IDLE_S",
    "SESSION_COOKIE_SECURE": "ZOUFANG_COOKIE_SECURE", "BASEMAP": "ZOUFANG_BASEMAP",
    "TILE_URL": "ZOUFANG_TILE_URL", "TILE_CRS": "ZOUFANG_TILE_CRS",
    "TILE_ATTRIBUTION": "ZOUFANG_TILE_ATTRIBUTION", "TILE_SUBDOMAINS": "ZOUFANG_TILE_SUBDOMAINS",
    "TIANDITU_KEY": "ZOUFANG_TIANDITU_KEY", "PLAN_TIME_LIMIT_S": "ZOUFANG_PLAN_TIME_LIMIT_S",
    "PLAN_TIME_LIMIT_MAX_S": "ZOUFANG_PLAN_TIME_LIMIT_MAX_S", "HTTPS": "ZOUFANG_HTTPS",
    "HSTS_MAX_AGE_S": "ZOUFANG_HSTS_MAX_AGE_S",
    "TRUSTED_PROXIES": "ZOUFANG_TRUSTED_PROXIES",
}
_INT_KEYS: tuple[str, ...] = ("SESSION_MAX_AGE_S", "SESSION_IDLE_S", "PLAN_TIME_LIMIT_S",
                              "PLAN_TIME_LIMIT_MAX_S",
                              "HSTS_MAX_AGE_S", "TRUSTED_PROXIES")
_BOOL_KEYS = ("SESSION_COOKIE_SECURE", "HTTPS")
#: The log-in throttle's keys (:mod:`zoufang.web.security`, :mod:`zoufang.web.views.auth`).
_LOGIN_KEYS = {"LOGIN_MAX_FAILURES": 5, "LOGIN_FAILURE_WINDOW_S": 15 * 60,
               "LOGIN_LOCKOUT_S": 15 * 60, "LOGIN_RATE_LIMIT": "20 per minute",
               "RATELIMIT_STORAGE_URI": "memory://"}
_ENV_KEYS.update({key: f"ZOUFANG_{key}" for key in _LOGIN_KEYS})
_INT_KEYS += ("LOGIN_MAX_FAILURES", "LOGIN_FAILURE_WINDOW_S", "LOGIN_LOCKOUT_S")
#: Upload limits (:func:`zoufang.web.forms.import_upload`) and SQLite write waits.
_UPLOAD_KEYS: dict[str, Any] = {
    "UPLOAD_MAX_ROWS": 50_000, "UPLOAD_MAX_COLUMNS": 200, "UPLOAD_MAX_FIELD_CHARS": 10_000,
    "UPLOAD_MAX_EXPANDED_BYTES": 100 * 1024 * 1024, "UPLOAD_MAX_ZIP_RATIO": 100.0,
    "UPLOAD_TIME_BUDGET_S": 60.0, "ERROR_MAX_PROBLEMS": 50,
    "DB_BUSY_TIMEOUT_S": 5.0, "DB_WRITE_ATTEMPTS": 4, "BUSY_RETRY_AFTER_S": 10,
}
_ENV_KEYS.update({key: f"ZOUFANG_{key}" for key in (*_UPLOAD_KEYS, "MAX_CONTENT_LENGTH")})
_INT_KEYS += ("MAX_CONTENT_LENGTH", "UPLOAD_MAX_ROWS", "UPLOAD_MAX_COLUMNS",
              "UPLOAD_MAX_FIELD_CHARS", "UPLOAD_MAX_EXPANDED_BYTES", "ERROR_MAX_PROBLEMS",
              "DB_WRITE_ATTEMPTS", "BUSY_RETRY_AFTER_S")
_FLOAT_KEYS = ("UPLOAD_MAX_ZIP_RATIO", "UPLOAD_TIME_BUDGET_S", "DB_BUSY_TIMEOUT_S")
_COMPRESSIBLE = ("text/html", "application/json", "application/geo+json", "text/css",
                 "text/javascript", "application/javascript", "text/csv")



class DbIntConverter(IntegerConverter):
    """``<int:...>`` of every route: an id no integer column can hold does not match.

    SQLite's integers end at 2^63 and PostgreSQL's ``integer`` at 2^31; a bigger id in a
    URL is no such thing (404 in the one error shape) on both, never a driver error.
    """

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)


#: A 256 × 256 light grey PNG: the "blank" basemap's every tile.
_BLANK_TILE = None


def _blank_tile() -> bytes:
    global _BLANK_TILE
    if _BLANK_TILE is None:
        import struct

        width = height = 256
        raw = b"".join(b"\x00" + b"\xf2\xf2\xee" * width for _ in range(height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return (struct.pack(">I", len(data)) + kind + data
                    + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

        _BLANK_TILE = (b"\x89PNG\r\n\x1a\n"
                       + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                       + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    return _BLANK_TILE


def _config(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(
        DB_URL=None, SECRET_KEY=None, JSON_AS_ASCII=False,
        SESSION_MAX_AGE_S=8 * 3600, SESSION_IDLE_S=30 * 60,
        SESSION_COOKIE_NAME="zoufang_session", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=None,
        HTTPS=False, HSTS_MAX_AGE_S=365 * 24 * 3600, TRUSTED_PROXIES=0,
        MAX_CONTENT_LENGTH=32 * 1024 * 1024, BASEMAP="blank", TILE_URL=None, TILE_CRS="wgs84",
        TILE_ATTRIBUTION=None, TILE_SUBDOMAINS=None, TIANDITU_KEY=None,
        PLAN_TIME_LIMIT_S=30, PLAN_TIME_LIMIT_MAX_S=3600, GZIP=True,
    )
    app.config.from_mapping(_LOGIN_KEYS)
    app.config.from_mapping(_UPLOAD_KEYS)
    for key, env in _ENV_KEYS.items():
        if os.environ.get(env):
            val: Any = os.environ[env]
            if key in _INT_KEYS:
                val = int(val)
            elif key in _FLOAT_KEYS:
                val = float(val)
            elif key in _BOOL_KEYS:
                val = val.strip().lower() in ("1", "true", "yes", "on")
            app.config[key] = val
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        if not app.config.get("TESTING"):
            log.warning("no SECRET_KEY configured (ZOUFANG_SECRET_KEY): using a random one; "
                        "sessions end when the server restarts")
    app.config["PERMANENT_SESSION_LIFETIME"] = int(app.config["SESSION_MAX_AGE_S"])
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = bool(app.config["HTTPS"])
    if app.config["HTTPS"]:
        app.config["PREFERRED_URL_SCHEME"] = "https"


def local_time(value: object, seconds: bool = False) -> str:
    """Return a stored UTC timestamp as the township's local time, ``YYYY-MM-DD HH:MM``.

    ``value`` is an aware datetime, a naive one (SQLite gives UTC back naive) or an ISO
    text; empty for None. The zone is the app's ``TIMEZONE`` (:func:`format_local`).
    Times the app stores as China's wall-clock time (visits, issues) are shown with
    :func:`format_local` directly.
    """
    from zoufang.web.i18n import format_local

    if value is None or value == "":
        return ""
    t = value
    if isinstance(t, str):
        try:
            t = dt.datetime.fromisoformat(t)
        except ValueError:
            return t
    if not isinstance(t, dt.datetime):
        return str(value)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return format_local(t, seconds=seconds)


def page_flashes() -> list[tuple[str, str]]:
    """Return (and consume) the flash messages for the page being shown.

    A page the phone's service worker fetches only to keep it (``X-Zoufang-Keep``) shows
    none and consumes none: otherwise a prefetch running beside a save would take the
    "saved" message away from the page the cadre sees next (and cache it).
    """
    from flask import get_flashed_messages, request

    if request.headers.get("X-Zoufang-Keep"):
        return []
    return list(get_flashed_messages(with_categories=True))


def _placement_label(code: str) -> str:
    """Return a placement code's name (落格) in the page's language."""
    from zoufang.vocab import PLACEMENTS

    names = PLACEMENTS.get(code)
    return code if names is None else names[0 if current_lang() == "zh" else 1]


def _note(text: object) -> str:
    """Return a note, warning or suggestion in the page's language (the catalogue's)."""
    from zoufang.messages import note_text

    return note_text(str(text), current_lang())


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app (see the module docstring for the configuration)."""
    from zoufang.campaign.store import open_store
    from zoufang.web.jobs import Planning

    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = DbIntConverter  # before any route is added
    _config(app, test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.compact = True  # type: ignore[attr-defined]
    store = open_store(app.config["DB_URL"], busy_timeout_s=app.config["DB_BUSY_TIMEOUT_S"],
                       write_attempts=app.config["DB_WRITE_ATTEMPTS"])
    app.extensions["zoufang_store"] = store
    app.extensions["zoufang_basemap"] = basemap_from_config(app.config)
    app.extensions["zoufang_planning"] = Planning(store)
    proxies = int(app.config["TRUSTED_PROXIES"] or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_port=proxies, x_prefix=proxies)
    init_security(app)

    from zoufang.web.views.admin import bp as admin_bp
    from zoufang.web.views.api import bp as api_bp
    from zoufang.web.views.auth import bp as auth_bp
    from zoufang.web.views.auth import init_login_limits
    from zoufang.web.views.common import bp as common_bp
    from zoufang.web.views.field import bp as field_bp
    from zoufang.web.views.leader import bp as leader_bp
    from zoufang.web.views.planner import bp as planner_bp

    for bp in (auth_bp, planner_bp, field_bp, leader_bp, admin_bp, common_bp, api_bp):
        app.register_blueprint(bp)
    init_login_limits(app)

    app.jinja_env.globals.update(t=t, current_lang=current_lang, LANGS=LANGS)
    app.jinja_env.filters["note"] = _note  # a plan's or import's English note, in words
    app.jinja_env.filters["local_time"] = local_time  # a UTC timestamp in China's time
    app.jinja_env.globals["placement_label"] = _placement_label
    app.jinja_env.globals["page_flashes"] = page_flashes

    @app.get("/")
    def index() -> Any:
        viewer = current_viewer()
        if viewer is None:
            return redirect(url_for("auth.login"))
        home = {"planner": "planner.home", "cadre": "field.home", "leader": "leader.home",
                "admin": "admin.home"}[viewer.role]
        return redirect(url_for(home))

    @app.get("/favicon.ico")
    def favicon() -> Any:
        return app.send_static_file("favicon.svg")

    @app.get("/tiles/blank/<int:z>/<int:x>/<int:y>.png")
    def blank_tile(z: int, x: int, y: int) -> Response:
        resp = Response(_blank_tile(), mimetype="image/png")
        resp.headers["Cache-Control"] = "public, max-age=86400"
        return resp

    _install_errors(app)
    _install_headers(app)
    app.before_request(_refuse_nul_bytes)
    return app


def _nul_field(value: Any, name: str, depth: int = 0) -> str | None:
    """Return the name of the first text of ``value`` holding a NUL byte, else None."""
    if isinstance(value, str):
        return name if "\x00" in value else None
    if depth > 64:  # deeper JSON is refused by its parser's limit or by the view
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            if "\x00" in str(k):
                return name
            found = _nul_field(v, str(k), depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for v in value:
            found = _nul_field(v, name, depth + 1)
            if found:
                return found
    return None


def _refuse_nul_bytes() -> None:
    """Refuse a request with a NUL byte in its path, arguments, form fields or JSON texts.

    PostgreSQL refuses NUL in any text, in a query's parameters too (a driver error, a
    500), while SQLite takes it: refused here, before any view, the same input gets the
    same 400 on both stores. Uploaded files are not read here (the importer checks them).
    """
    found = "path" if "\x00" in request.path else None
    for source in (request.args, request.form):
        for k, v in source.items(multi=True):
            if found is None and ("\x00" in k or "\x00" in v):
                found = k.replace("\x00", "")
    if found is None and request.is_json:
        found = _nul_field(request.get_json(silent=True), "body")
    if found is not None:
        msg = t("nul_byte", field=found[:40])
        raise ValidationError(msg, [Problem("request", None, found[:40], msg, code="nul")])


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _install_errors(app: Flask) -> None:
    def page(status: int, message: str) -> tuple[str, int]:
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        if status == 400 and g.get("csrf_failed"):
            msg = t("csrf_failed")
        elif status == 401:
            msg = t("session_expired") if g.get("session_expired") else t("please_login")
        elif status == 403:
            msg = t("forbidden")
        elif status == 404:
            msg = t("not_found")
        elif status == 413:
            msg = _too_large(app)
        else:
            msg = exc.description or exc.name
        if _wants_json():
            detail: list[dict[str, Any]] = (
                [{"message": exc.description}] if exc.description and status == 400 else [])
            if status == 413:
                detail = [{"source": "upload", "row": None, "field": "file",
                           "message": f"the request has {request.content_length} bytes; "
                           f"at most {app.config['MAX_CONTENT_LENGTH']} are accepted "
                           "(MAX_CONTENT_LENGTH)", "severity": "error", "code": "too_large",
                           "value": str(request.content_length)}]
            resp = jsonify(error_body(status, msg, detail))
            resp.status_code = status
            if status == 405 and exc.get_response().headers.get("Allow"):
                resp.headers["Allow"] = exc.get_response().headers["Allow"]
            return resp
        return page(status, msg)

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden) -> Any:
        if _wants_json():
            return jsonify(error_body(403, str(exc) or t("forbidden"))), 403
        return page(403, t("forbidden"))

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> Any:
        if _wants_json():
            return jsonify(error_body(404, str(exc) or t("not_found"))), 404
        return page(404, t("not_found"))

    @app.errorhandler(StoreBusy)
    def _busy(exc: StoreBusy) -> Any:
        # another writer held the SQLite lock past every retry; nothing was written
        log.warning("store busy on %s %s: %s", request.method, request.path, exc.summary)
        if _wants_json():
            resp = jsonify(error_body(503, t("busy"), [p.to_dict() for p in exc.problems]))
            resp.status_code = 503
        else:
            resp = app.make_response(page(503, t("busy")))
        resp.headers["Retry-After"] = str(int(app.config["BUSY_RETRY_AFTER_S"]))
        return resp

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError) -> Any:
        errors = problem_list(exc.problems, app.config["ERROR_MAX_PROBLEMS"])
        if _wants_json():
            return jsonify(error_body(400, exc.summary, errors)), 400
        return page(400, exc.summary)

    @app.errorhandler(IssueConflict)
    def _conflict(exc: IssueConflict) -> Any:
        # raised by an issue action when someone changed the issue since it was read
        if _wants_json():
            return jsonify(error_body(409, exc.summary)), 409
        return page(409, exc.summary)

    @app.errorhandler(ValueError)
    def _value(exc: ValueError) -> Any:
        msg = getattr(exc, "summary", None) or str(exc)
        if _wants_json():
            return jsonify(error_body(400, msg)), 400
        return page(400, msg)

    @app.errorhandler(RecursionError)
    def _too_deep(exc: RecursionError) -> Any:
        # a JSON body nested deeper than the parser's recursion limit (e.g. 100,000 "[")
        msg = "the request body is nested too deeply to be read"
        if _wants_json():
            return jsonify(error_body(400, msg, [{"source": "request", "row": None,
                                                  "field": "body", "message": msg,
                                                  "severity": "error", "code": "too_deep",
                                                  "value": None}])), 400
        return page(400, msg)

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return _http(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return jsonify(error_body(500, t("error"))), 500
        return page(500, t("error"))


def _too_large(app: Flask) -> str:
    """Say that the upload is over ``MAX_CONTENT_LENGTH`` and what to do instead."""
    limit = app.config.get("MAX_CONTENT_LENGTH") or 0
    return t("upload_too_large", mb=f"{limit / (1024 * 1024):g}")


def csp_nonce() -> str:
    """Return the request's script nonce (made on first use; the CSP header then allows it)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def _install_headers(app: Flask) -> None:
    basemap = app.extensions["zoufang_basemap"]
    img_src = " ".join(["'self'", "data:", "blob:", *basemap.origins()])
    # Inline styles stay allowed (Leaflet and folium position the map with them); scripts
    # come from the app, or inline with this request's nonce.
    csp = ("default-src 'self'; script-src 'self'{nonce}; "
           "style-src 'self' 'unsafe-inline'; "
           f"img-src {img_src}; connect-src 'self'; font-src 'self'; object-src 'none'; "
           "worker-src 'self'; manifest-src 'self'; "
           "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
    hsts = (f"max-age={int(app.config['HSTS_MAX_AGE_S'])}; includeSubDomains"
            if app.config["HTTPS"] else None)
    gz_cache: dict[tuple[str, int], bytes] = {}

    app.jinja_env.globals["csp_nonce"] = csp_nonce  # a global: imported macros see it too

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        nonce = g.get("csp_nonce")
        resp.headers.setdefault("Content-Security-Policy",
                                csp.format(nonce=f" 'nonce-{nonce}'" if nonce else ""))
        if hsts:
            resp.headers.setdefault("Strict-Transport-Security", hsts)
        if request.endpoint == "static":
            resp.headers["Cache-Control"] = "public, max-age=86400"
        elif "Cache-Control" not in resp.headers:
            resp.headers["Cache-Control"] = "no-store"
        if not app.config.get("GZIP") or resp.status_code != 200 or \
                "gzip" not in request.headers.get("Accept-Encoding", "") or \
                resp.mimetype not in _COMPRESSIBLE or "Content-Encoding" in resp.headers:
            return resp
        if request.endpoint == "static":
            key = (request.path, int(resp.content_length or 0))
            if key not in gz_cache:
                path = safe_join(app.static_folder or "", request.view_args["filename"])
                if path is None:
                    return resp
                with open(path, "rb") as f:
                    gz_cache[key] = gzip.compress(f.read(), 6)
            resp.close()  # the file the static view opened
            body = gz_cache[key]
        else:
            data = resp.get_data()
            if len(data) < 1024:
                return resp
            body = gzip.compress(data, 5)
        resp.direct_passthrough = False
        resp.set_data(body)
        resp.headers["Content-Encoding"] = "gzip"
        resp.headers["Vary"] = "Accept-Encoding"
        return resp
