"""The Flask application: pages and JSON API for planners, field cadres and leaders.

The factory lives in :mod:`zoufang.web.app`; it is imported lazily here so that
``zoufang.campaign.store.users`` (the users and audit-log tables) can be imported by the
campaign store without importing Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

__all__ = ["create_app"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app (see :func:`zoufang.web.app.create_app`)."""
    from zoufang.web.app import create_app as _create_app

    return _create_app(test_config)
