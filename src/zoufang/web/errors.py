"""The errors views raise, and the one JSON error shape every API endpoint answers with.

:class:`Forbidden` and :class:`NotFound` subclass the built-ins (``PermissionError``,
``LookupError``) so that code catching those keeps working; the app turns them into
403 and 404 pages or JSON bodies (:mod:`zoufang.web.app`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Forbidden", "NotFound", "error_body"]


class Forbidden(PermissionError):
    """The viewer may not see or do this."""


class NotFound(LookupError):
    """No such thing in the viewer's township."""


def error_body(status: int, error: str, errors: list[dict[str, Any]] | None = None
               ) -> dict[str, Any]:
    """Return the one JSON error shape of every API endpoint.

    ``{"ok": false, "error": ..., "errors": [...], "status": N}``.
    """
    return {"ok": False, "error": error, "errors": errors or [], "status": status}
