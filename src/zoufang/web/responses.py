"""Downloads the views answer with: files named for the user's browser, route days.

Every download of campaign data goes through here so that the file names, media types
and the audit line of a route export are the same on every page and API endpoint.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

from flask import Response

from zoufang.campaign import route_exports as rx
from zoufang.web.context import store
from zoufang.web.errors import NotFound
from zoufang.web.queries import cadre_day
from zoufang.web.security import Viewer, audit

__all__ = ["XLSX", "day_file_response", "download", "route_file_response"]

#: Media type of an Excel workbook.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(data: bytes, name: str, mimetype: str) -> Response:
    """Return ``data`` as an attachment named ``name`` (UTF-8 name, ASCII fallback)."""
    resp = Response(data, mimetype=mimetype)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    resp.headers["Content-Disposition"] = (f"attachment; filename=\"{ascii_name}\"; "
                                           f"filename*=UTF-8''{quote(name)}")
    return resp


def day_file_response(view: rx.DayView, fmt: str, *, township_id: int | None,
                      attachment: bool = True) -> Response:
    """Return one cadre-day as a download (``gpx``, ``geojson`` or ``html``), audited.

    The audit line holds no personal data: the format, day, plan and cadre only.
    """
    body = rx.render(view, fmt)
    audit("route_export", personal=view.revealed, township_id=township_id,
          detail={"format": fmt, "day": view.day.isoformat(), "plan_id": view.plan_id,
                  "cadre": view.cadre_ext_id, "stops": len(view.stops)})
    resp = Response(body, mimetype=rx.MEDIA_TYPES[fmt].split(";")[0])
    if fmt == "html":
        resp.charset = "utf-8"
    name = rx.export_name(view.cadre_ext_id, view.day, fmt)
    how = "attachment" if attachment else "inline"
    resp.headers["Content-Disposition"] = f'{how}; filename="{name}"'
    return resp


def route_file_response(viewer: Viewer, fmt: str, day: dt.date | None,
                        phase: str | None = None, *, attachment: bool = True) -> Response:
    """Return the viewer's own route day as a GPX, GeoJSON or stop-list download (audited).

    Raises
    ------
    NotFound
        ``fmt`` is unknown, the viewer has no route yet, or none on ``day``.
    """
    if fmt not in rx.FORMATS:
        raise NotFound(f"no such format {fmt!r}; expected one of {', '.join(rx.FORMATS)}")
    with store().session() as s:
        found = cadre_day(s, viewer, day, phase)
        if found is None or found[1] is None:
            raise NotFound("your route is not planned yet (尚未规划路线)")
        cr, view = found
        if day is not None and cr.asked_missing:
            raise NotFound(f"you have no route on {day.isoformat()}; your days: "
                           + ", ".join(d.isoformat() for d in cr.days))
    return day_file_response(view, fmt, township_id=viewer.township_id,
                             attachment=attachment)
