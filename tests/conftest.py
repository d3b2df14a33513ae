"""Shared fixtures: a real store on SQLite and on PostgreSQL/PostGIS, worlds, small files.

- ``backend`` (``sqlite`` / ``postgres``, see :mod:`tests.backends`), ``db_url`` (an empty
  store's URL on it) and ``store`` (that store, open and migrated);
- ``world``, ``territory`` and ``routed``: fresh copies of the hand-built township of
  ``tests/campaign/ledger_world.py`` (with visits and issues; without; with routes);
- ``grids_file``: the 2 × 2 test grids as GeoJSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from zoufang.campaign.store import Store, open_store

from .backends import BACKENDS, copy_world, empty_url
from .builders import grid_frame
from .campaign.ledger_world import World, build_territory, build_world
from .campaign.route_world import build_route_world


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend of a test: ``sqlite`` or ``postgres``."""
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> str:
    """URL of an empty store: a SQLite file, or this run's PostgreSQL database emptied."""
    return empty_url(backend, tmp_path)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An open, migrated, empty store on each backend."""
    s = open_store(db_url)
    yield s
    s.dispose()


@pytest.fixture
def grids_file(tmp_path: Path) -> Path:
    """The 2 × 2 test grids as GeoJSON (WGS-84)."""
    path = tmp_path / "grids.geojson"
    grid_frame().to_file(path, driver="GeoJSON")
    return path


@pytest.fixture
def world(backend: str, tmp_path_factory: pytest.TempPathFactory,
          tmp_path: Path) -> Iterator[World]:
    """A fresh copy of the hand-built township with its visits and issues."""
    yield from copy_world(backend, "world", build_world, tmp_path_factory, tmp_path)


@pytest.fixture
def territory(backend: str, tmp_path_factory: pytest.TempPathFactory,
              tmp_path: Path) -> Iterator[World]:
    """A fresh copy of the hand-built territory, targets and cadres, without any visit."""
    yield from copy_world(backend, "territory", build_territory, tmp_path_factory, tmp_path)


@pytest.fixture
def routed(backend: str, tmp_path_factory: pytest.TempPathFactory,
           tmp_path: Path) -> Iterator[World]:
    """A fresh copy of the hand-built township, routed (``tests/campaign/route_world.py``)."""
    yield from copy_world(backend, "routes", build_route_world, tmp_path_factory, tmp_path)
