"""Cells of the spreadsheets the project writes, safe from formula (CSV) injection.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by Excel, LibreOffice and other spreadsheets as the start of a formula: a resident's
name ``=HYPERLINK("http://…"&A1,"点击查看")`` from an upload, or issue text typed by a
cadre, would run in the reader's spreadsheet (OWASP, "CSV Injection"). Every .xlsx and
.csv the project writes (the ledger's exports, the arrangement table 安排表, the rejects
file of an import) passes its cells through this module:

- CSV: such a text gets a single quote in front (``'=HYPERLINK(…)``), the usual OWASP
  neutralisation; a spreadsheet shows the quote and the original characters after it
  and evaluates nothing.
- .xlsx: such a text is stored as a string cell, never as a formula (no ``<f>`` element),
  with Excel's quote prefix (the ``quotePrefix`` style): Excel shows the original
  characters as text, with the ``'`` in front only in the formula bar, and editing the
  cell does not turn it into a formula. The value read back is the original text.

Only text is neutralised: numbers (``-3``, ``2.5``), dates and empty cells are written as
they are. Text that merely looks like a number or a phone (``"-3"``, ``"+86 138…"``) is
text and is neutralised too, as OWASP advises: in a CSV it then reads ``'+86 138…``. The
project writes no formulas of its own.

Reading goes the other way (:func:`cell_text`): a cell of a workbook an office sends is
turned into the text its writer sees — an id or a phone stored as an Excel number comes
back as its digits (``13812345678``, never ``1.3812345678E+10`` or ``13812345678.0``),
and the leading zeros a number format such as ``000000`` shows (户编号 ``000123``) are
put back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl import Workbook

__all__ = ["FORMULA_TRIGGERS", "cell_text", "csv_cell", "csv_frame", "csv_row",
           "is_formula_like", "neutralise_workbook"]

#: First characters that make a spreadsheet read a text cell as a formula (OWASP).
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    """Return whether ``value`` is text a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_cell(value: Any) -> Any:
    """Return ``value`` for a CSV cell: formula-like text gets a ``'`` in front."""
    return "'" + value if is_formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """Return the cells of one CSV row, each through :func:`csv_cell`."""
    return [csv_cell(v) for v in values]


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` for ``to_csv``: its text cells and headers neutralised.

    Columns of numbers or dates are kept as they are (and keep their dtype).
    """
    from pandas.api.types import is_object_dtype, is_string_dtype

    out = df.rename(columns=csv_cell)
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if is_object_dtype(col.dtype) or is_string_dtype(col.dtype):
            out.isetitem(i, col.map(csv_cell))
    return out


def neutralise_workbook(wb: Workbook) -> int:
    """Store every formula-like text cell of ``wb`` as a quote-prefixed string cell.

    Call it on a filled workbook before saving. Returns the number of cells changed.
    """
    n = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if is_formula_like(cell.value):
                    cell.data_type = "s"  # openpyxl made "=…" a formula ("f")
                    cell.quotePrefix = True
                    n += 1
    return n


#: A number format that shows a whole number padded with zeros, with optional quoted
#: literal text around it: ``000000``, ``"H"0000``, ``0000"号"``.
_ZERO_FORMAT: Final = re.compile(r'^(?:"([^"]*)")?(0+)(?:"([^"]*)")?$')


def cell_text(value: Any, number_format: str | None = None) -> str | None:
    """Return a spreadsheet cell's value as the text its writer sees, or ``None`` if empty.

    Whole numbers come back as their digits (an 11-digit phone stored as a float is
    ``"13812345678"``); a zero-padding number format (``000000``) puts the leading
    zeros back (``123`` → ``"000123"``); dates come back in ISO form; text is stripped.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if value.is_integer() and abs(value) < 1e21:
            value = int(value)
        else:
            return repr(value)
    if isinstance(value, int):
        text = str(value)
        if number_format and number_format != "General" and value >= 0:
            m = _ZERO_FORMAT.match(number_format.split(";", 1)[0].strip())
            if m:
                text = (m.group(1) or "") + text.zfill(len(m.group(2))) + (m.group(3) or "")
        return text
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    s = str(value).strip()
    return s or None
