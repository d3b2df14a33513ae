"""The Flask application: pages and JSON API for planners, field cadres and leaders.

Only the application factory and a status page exist so far; the role pages, maps and
API arrive with the web issue.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template

__all__ = ["create_app"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then the instance config (``config.py``), then ``test_config``.

    ``DB_URL`` selects the store (default ``$ZOUFANG_DB`` or ``./zoufang.sqlite``).
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DB_URL=None, JSON_AS_ASCII=False)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)

    from ..campaign.db import open_store

    store = open_store(app.config["DB_URL"])
    app.extensions["zoufang_store"] = store

    def _summaries() -> list[Any]:
        from sqlalchemy import select

        from ..campaign.models import Township
        from ..campaign.summary import summarise

        with store.session() as s:
            return [summarise(s, t) for t in s.scalars(select(Township).order_by(Township.id))]

    @app.get("/")
    def index() -> str:
        return render_template("index.html", summaries=_summaries())

    @app.get("/api/v1/status")
    def status() -> Any:
        return jsonify({"ok": True, "townships": [s.to_dict() for s in _summaries()]})

    return app
