"""What every view reads from the app and the request.

The app's store, basemap and planning jobs (set up by :func:`zoufang.web.app.create_app`
in ``app.extensions``), the logged-in viewer, date arguments, and the URL templates
map popups fetch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, request, url_for

from zoufang.web.security import Viewer, current_viewer

__all__ = ["basemap", "date_arg", "parse_day", "planning", "popup_url", "store", "viewer"]


def store() -> Any:
    """Return the app's campaign store (:class:`~zoufang.campaign.store.Store`)."""
    return current_app.extensions["zoufang_store"]


def basemap() -> Any:
    """Return the app's basemap (:class:`~zoufang.web.basemaps.Basemap`)."""
    return current_app.extensions["zoufang_basemap"]


def planning() -> Any:
    """Return the app's planning jobs (:class:`~zoufang.web.jobs.Planning`)."""
    return current_app.extensions["zoufang_planning"]


def viewer() -> Viewer:
    """Return the logged-in viewer (the view is guarded by a role: there is one)."""
    v = current_viewer()
    assert v is not None
    return v


def parse_day(value: str | None, name: str = "day") -> dt.date | None:
    """Return the date ``value`` (``YYYY-MM-DD``), None when empty.

    Raises
    ------
    ValueError
        Naming the argument ``name`` and what was expected.
    """
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} was {value!r}; expected a date YYYY-MM-DD") from None


def date_arg(name: str) -> dt.date | None:
    """Return the query argument ``name`` as a date (see :func:`parse_day`)."""
    return parse_day(request.args.get(name), name)


def popup_url(endpoint: str, **kw: Any) -> str:
    """Return the URL of ``endpoint`` with its last segment as ``{id}``, for map popups.

    ``popup_url("api.target", target_id=0)`` gives ``/api/v1/targets/{id}``.
    """
    return url_for(endpoint, **kw).rsplit("/", 1)[0] + "/{id}"
