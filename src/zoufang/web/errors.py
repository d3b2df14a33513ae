"""The errors views raise, and the one JSON error shape every API endpoint answers with.

:class:`Forbidden` and :class:`NotFound` subclass the built-ins (``PermissionError``,
``LookupError``) so that code catching those keeps working; the app turns them into
403 and 404 pages or JSON bodies (:mod:`zoufang.web.app`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoufang._errors import Problem

__all__ = ["Forbidden", "NotFound", "cap_problems", "error_body", "localised", "problem_list"]


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


def localised(p: Problem | dict[str, Any]) -> dict[str, Any]:
    """Return the problem as a dict whose ``message`` is in the viewer's language.

    The Chinese sentence comes from :mod:`zoufang.messages`; the English message the
    code wrote stays in ``detail`` when it differs, for the operator reading a report.
    """
    from zoufang.messages import problem_text
    from zoufang.web.i18n import current_lang

    d = p.to_dict() if isinstance(p, Problem) else dict(p)
    text = problem_text(d, current_lang())
    if text != d.get("message"):
        d["detail"], d["message"] = d.get("message"), text
    return d


def cap_problems(problems: Sequence[Problem], limit: int | None
                 ) -> tuple[list[dict[str, Any]], int]:
    """Return the first ``limit`` problems as dicts and how many were left out.

    Each dict is :func:`localised`. ``limit`` ``None`` keeps them all. An import may find
    a problem in every row of a big file: a reply lists the first ones and counts the rest.
    """
    shown = list(problems) if limit is None else list(problems[:max(int(limit), 0)])
    return [localised(p) for p in shown], len(problems) - len(shown)


def problem_list(problems: Sequence[Problem], limit: int | None) -> list[dict[str, Any]]:
    """Return the first ``limit`` problems as dicts, then one entry counting the rest.

    The last entry (code ``more_problems``, ``count`` the number left out) is there
    only when problems were left out, so that the reply keeps the one error shape.
    """
    from zoufang.web.i18n import t

    shown, more = cap_problems(problems, limit)
    if more:
        rest = problems[len(shown):]
        shown.append({"source": rest[0].source, "row": None, "field": None,
                      "message": t("more_problems", n=more),
                      "severity": "error" if any(p.severity == "error" for p in rest)
                      else "warning", "code": "more_problems", "value": str(more),
                      "count": more})
    return shown
