"""Fixtures of the web tests: the hand-built ledger township with one user per role.

The township is ``tests/campaign/ledger_world.py``'s (4 grids, 8 targets, 3 cadres,
9 visits, 6 issues, every value known by hand). Users, all with password
:data:`PASSWORD`:

===========  ========  =================================================================
name         role      scope
===========  ========  =================================================================
planner      planner   测试镇, personal data of the township
leader       leader    测试镇, names and phones masked
leader_pd    leader    测试镇, granted personal data
cadre1       cadre     cadre C1 刘一: owns issues I1 (T1), I2 (T1), I3 (T3)
cadre3       cadre     cadre C3 杨三: owns no issue, made no visit
admin        admin     users and audit log only
other        planner   another township 他镇 (one target, O1) — must never see 测试镇
===========  ========  =================================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from zoufang import passwords
from zoufang.campaign.accounts import add_user
from zoufang.campaign.store import Store, Target, Township
from zoufang.web import create_app

from ..backends import copy_world
from ..campaign.ledger_world import World, build_world
from ..campaign.route_world import build_route_world

# Hashing every test user's password with scrypt would cost ~0.2 s per user and log-in;
# the tests hash with a cheap method (test_auth checks that the app's default is scrypt).
passwords.PASSWORD_METHOD = "pbkdf2:sha256:1000"

PASSWORD = "test-password-1"


ROLE_USERS = ("planner", "leader", "leader_pd", "cadre1", "cadre3", "admin")


def add_users(store: Store, world: World) -> dict[str, int]:
    """Create the users of the module docstring; returns the other township's target id."""
    del world
    with store.session() as s:
        add_user(s, "planner", "planner", PASSWORD, township="测试镇")
        add_user(s, "leader", "leader", PASSWORD, township="测试镇")
        add_user(s, "leader_pd", "leader", PASSWORD, township="测试镇", personal_data=True)
        add_user(s, "cadre1", "cadre", PASSWORD, cadre="C1", township="测试镇")
        add_user(s, "cadre3", "cadre", PASSWORD, cadre="C3", township="测试镇")
        add_user(s, "admin", "admin", PASSWORD)
        add_user(s, "other", "planner", PASSWORD, township="他镇")
        town = s.scalar(select(Township).where(Township.name == "他镇"))
        assert town is not None
        t = Target(township_id=town.id, ext_id="O1", name="外镇人", kind="household",
                   phone="13500000000", lon=116.7, lat=37.5, placement="unplaced")
        s.add(t)
        s.flush()
        return {"other_target": t.id}


def make_app(db_url: str, **config: Any) -> Flask:
    """The app on ``db_url`` for tests (offline blank basemap, fast planning)."""
    return create_app({"DB_URL": db_url, "TESTING": True, "SECRET_KEY": "test-secret",
                       "BASEMAP": "blank", "PLAN_TIME_LIMIT_S": 2, **config})


def csrf_of(client: FlaskClient) -> str:
    """The session's CSRF token, read from a page the way a browser gets it."""
    html = client.get("/login").get_data(as_text=True)
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def login(client: FlaskClient, name: str, password: str = PASSWORD) -> str:
    """Log ``client`` in as ``name``; returns the session's CSRF token."""
    tok = csrf_of(client)
    r = client.post("/login", data={"username": name, "password": password,
                                    "csrf_token": tok})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m
    return m.group(1)


class Web:
    """An app on a fresh copy of the world, with its ids."""

    def __init__(self, app: Flask, world: World, extra: dict[str, int]) -> None:
        self.app = app
        self.world = world
        self.extra = extra

    def client(self, name: str | None = None) -> tuple[FlaskClient, str]:
        """A test client, logged in as ``name`` (anonymous when None), and its token."""
        c = self.app.test_client()
        tok = login(c, name) if name else csrf_of(c)
        return c, tok


def build_web_world(store: Store) -> World:
    """The ledger world plus the users (built once per backend, then copied per test)."""
    w = build_world(store)
    add_users(store, w)
    return w


def _extra(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {"other_target": s.scalar(select(Target.id).where(Target.ext_id == "O1"))}


def serve(worlds: Iterator[World], *,
          extra: Callable[[Store], dict[str, int]] | None = None) -> Iterator[Web]:
    """Serve the world that ``worlds`` (a :func:`tests.backends.copy_world`) yields; clean up."""
    world = next(worlds)
    app = make_app(world.store.url)
    try:
        yield Web(app, world, extra(world.store) if extra else {})
    finally:
        app.extensions["zoufang_planning"].shutdown()
        app.extensions["zoufang_store"].dispose()
        worlds.close()


@pytest.fixture
def web(backend: str, tmp_path_factory: pytest.TempPathFactory,
        tmp_path: Path) -> Iterator[Web]:
    """A fresh copy of the world with users on each backend, and an app on it."""
    yield from serve(copy_world(backend, "web", build_web_world, tmp_path_factory, tmp_path),
                     extra=_extra)


@pytest.fixture(scope="module")
def sqlite_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    """A copy of the world on SQLite shared by a module's read-only tests."""
    yield from serve(copy_world("sqlite", "web", build_web_world, tmp_path_factory,
                                tmp_path_factory.mktemp("web")), extra=_extra)


def build_route_web_world(store: Store) -> World:
    """The routed world plus the web users (routes first: one township when planning)."""
    w = build_route_world(store)
    add_users(store, w)
    return w


@pytest.fixture
def route_web(backend: str, tmp_path_factory: pytest.TempPathFactory,
              tmp_path: Path) -> Iterator[Web]:
    """A fresh copy of the routed world with users on each backend, and an app on it."""
    yield from serve(copy_world(backend, "route_web", build_route_web_world, tmp_path_factory,
                                tmp_path))
