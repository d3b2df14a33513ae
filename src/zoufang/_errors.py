"""Error types shared by all packages.

Validation gathers every problem first and then raises one error listing them all.
The error classes subclass built-ins (``ValueError``) so callers that catch those keep
working.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from typing import Any, Literal

__all__ = ["Problem", "ValidationError", "format_problems", "problem"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows.

    Parameters
    ----------
    source
        File name (or other source label) the problem was found in.
    row
        Row number as the user sees it: the line number in a CSV file (header = 1),
        the row number in an Excel sheet, the 1-based feature number in a vector file.
        ``None`` for problems of the whole file.
    field
        The column or property as the user wrote it (e.g. ``"经度"``), or ``None``.
    message
        What is wrong and what was expected.
    severity
        ``"error"`` refuses the row; ``"warning"`` keeps it and reports it.
    code
        A short machine-readable code, e.g. ``"lonlat_swapped"``.
    value
        The offending value as text, when there is one.
    params
        The details a reader's sentence needs (e.g. ``{"cells": 3, "width": 8}``), and
        ``variant`` when one code has several sentences: :func:`zoufang.messages.
        problem_text` fills the code's Chinese sentence with them.
    """

    source: str
    row: int | None
    field: str | None
    message: str
    severity: Severity = "error"
    code: str = "invalid"
    value: str | None = None
    params: Mapping[str, Any] | None = dataclass_field(default=None, compare=False, hash=False)

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field {self.field!r}"
        val = f" (got {self.value!r})" if self.value is not None else ""
        return f"{where}: {self.message}{val}"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        out = asdict(self)
        out["params"] = dict(self.params) if self.params else None
        return out


def problem(source: str, message: str, field: str | None = None, value: object = None, *,
            row: int | None = None, code: str = "invalid",
            params: Mapping[str, Any] | None = None) -> Problem:
    """Build an error :class:`Problem` of a whole input (no row unless given).

    ``value`` is shown as text (``None`` stays absent), so callers may pass numbers.
    """
    return Problem(source=source, row=row, field=field, message=message, code=code,
                   value=None if value is None else str(value), params=params)


def format_problems(problems: Iterable[Problem], *, limit: int = 50) -> str:
    """Render problems one per line, at most ``limit`` lines plus a count of the rest."""
    items = list(problems)
    lines = [f"  - {p}" for p in items[:limit]]
    if len(items) > limit:
        lines.append(f"  ... and {len(items) - limit} more")
    return "\n".join(lines)


class ValidationError(ValueError):
    """Input was refused; ``problems`` lists every reason found, not only the first."""

    def __init__(self, summary: str, problems: Iterable[Problem] = ()) -> None:
        self.summary = summary
        self.problems: list[Problem] = list(problems)
        text = summary
        if self.problems:
            text += "\n" + format_problems(self.problems)
        super().__init__(text)
