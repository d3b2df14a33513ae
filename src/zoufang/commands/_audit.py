"""The CLI's lines in the audit log (审计日志): exports and reads of personal data.

The web app audits its own exports and reads (:func:`zoufang.web.security.audit`). A
command that writes a file of the ledger, of routes or of the arrangement table, or that
prints residents' names and phones in clear in bulk, writes one
:class:`~zoufang.campaign.store.AuditEntry` with user name ``cli`` (as ``zoufang user``
does): the action, the command, the township and the rows, never the data itself.
Exports are audited whether masked or not (``personal`` says which, as on the web);
masked reads are not audited.
"""

from __future__ import annotations

from typing import Any

from zoufang.campaign.store import AuditEntry, Store

__all__ = ["cli_audit"]


def cli_audit(store: Store, action: str, command: str, *, township_id: int | None,
              personal: bool, **detail: Any) -> None:
    """Append one line to the audit log for a command (its own transaction).

    Parameters
    ----------
    action
        ``export`` (a file), ``route_export`` (route days) or ``read`` (printed).
    command
        The command as typed, without its options' values, e.g. ``plan publish``.
    township_id
        The township whose data was exported or read.
    personal
        True when residents' or cadres' names and phones left in clear.
    **detail
        What was exported or read: table, format, rows, plan, cadre, day (codes and
        counts only, never personal data).
    """
    with store.session() as s:
        s.add(AuditEntry(user_name="cli", action=action, township_id=township_id,
                         personal=personal, detail={"command": command, **detail}))
