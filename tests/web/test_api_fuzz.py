"""The JSON API fuzzed from its own OpenAPI document (issue 17, item 8 and 9).

schemathesis reads ``/api/v1/openapi.json`` from the app and, for every operation, sends
requests made from the document's schemas (paths, query parameters, bodies) and their
edge cases, logged in as a user of a role the operation admits, with the session's CSRF
token, on SQLite and on PostgreSQL. Whatever it sends:

- no answer is a server error (5xx);
- every 4xx is the one JSON error shape, ``{"ok": false, "error", "errors", "status"}``
  with ``status`` equal to the HTTP status.

Bounded: :data:`EXAMPLES` requests per operation (Hypothesis, no deadline), and planning
jobs started by the fuzzer are held to a 1-second limit by ``PLAN_TIME_LIMIT_MAX_S``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from ..backends import copy_world  # noqa: E402
from .conftest import Web, _extra, build_web_world, login, make_app  # noqa: E402

EXAMPLES = 12
#: The user that logs in for an operation admitting these roles (first match wins).
USERS = {"cadre": "cadre1", "planner": "planner", "leader": "leader_pd", "admin": "admin"}


@pytest.fixture
def fuzzed(backend: str, tmp_path_factory: pytest.TempPathFactory,
           tmp_path: Path) -> Iterator[tuple[Any, Web]]:
    """The app on a fresh copy of the web world, and the schema schemathesis read from it."""
    worlds = copy_world(backend, "web", build_web_world, tmp_path_factory, tmp_path)
    world = next(worlds)
    app = make_app(world.store.url, PLAN_TIME_LIMIT_S=1, PLAN_TIME_LIMIT_MAX_S=1,
                   LOGIN_RATE_LIMIT="1000 per minute")
    try:
        yield (schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app),
               Web(app, world, _extra(world.store)))
    finally:
        app.extensions["zoufang_planning"].shutdown()
        app.extensions["zoufang_store"].dispose()
        worlds.close()


schema = schemathesis.pytest.from_fixture("fuzzed_schema")


@pytest.fixture
def fuzzed_schema(fuzzed: tuple[Any, Web]) -> Any:
    """The schema alone (what ``from_fixture`` parametrizes over)."""
    return fuzzed[0]


def _error_shape(response: Any, status: int) -> None:
    kind = response.headers.get("content-type") or [""]
    assert "json" in kind[0], f"{status} answered as {kind}"
    body = json.loads(response.content)
    assert body.get("ok") is False and body.get("status") == status, body
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("errors"), list), body


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_one_error_shape(case: Any, fuzzed: tuple[Any, Web]) -> None:
    """Whatever the document allows (and its edge cases): no 5xx, every 4xx in one shape."""
    web = fuzzed[1]
    roles = case.operation.definition.raw.get("x-roles") or []
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    if roles:
        user = next(USERS[r] for r in USERS if r in roles)
        client = web.app.test_client()
        token = login(client, user)
        cookie = client.get_cookie("zoufang_session")
        assert cookie is not None
        cookies = {"zoufang_session": cookie.value}
        headers = {"X-CSRF-Token": token}
    if case.headers:
        case.headers.update(headers)
    response = case.call(headers=headers, cookies=cookies)
    case.validate_response(response, checks=[not_a_server_error])
    if 400 <= response.status_code < 500:
        _error_shape(response, response.status_code)
