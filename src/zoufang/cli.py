"""The ``zoufang`` command line: the groups of :mod:`zoufang.commands`, assembled.

Every command takes ``--db URL`` (default ``$ZOUFANG_DB`` or ``zoufang.sqlite`` in the
current folder) and, where it reports something, ``--json``. Errors exit with status 1
and name the file, row, field and reason; with ``--json`` they are printed as
``{"ok": false, "error": ..., "errors": [...], "status": 1}``
(:mod:`zoufang.commands._common`).

| command | module |
| --- | --- |
| ``import``, ``report``, ``problems``, ``place``, ``db`` | :mod:`zoufang.commands.data` |
| ``plan areas|lock|unlock|show|publish`` | :mod:`zoufang.commands.plan` |
| ``plan routes|route-settings|route-show|route-export`` | :mod:`zoufang.commands.routes` |
| ``visit ...`` | :mod:`zoufang.commands.visit` |
| ``issue ...`` | :mod:`zoufang.commands.issue` |
| ``ledger ...`` (and ``report measures|weekly|export``) | :mod:`zoufang.commands.ledger` |
| ``user ...`` | :mod:`zoufang.commands.users` |
| ``demo``, ``serve`` | :mod:`zoufang.commands.demo` |
| ``targets list|show``, ``vocab ranks|tags`` | :mod:`zoufang.commands.targets` |
"""

from __future__ import annotations

import click

from zoufang.commands import data, demo, issue, ledger, plan, routes, targets, users, visit

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zoufang")
def main() -> None:
    """走访 zoufang: plan and track door-to-door visit campaigns."""


for _cmd in (*data.COMMANDS, plan.plan_group, visit.visit_group, issue.issue_group,
             ledger.ledger_group, users.user_group, *demo.COMMANDS, *targets.COMMANDS):
    main.add_command(_cmd)
for _cmd in routes.COMMANDS:
    plan.plan_group.add_command(_cmd)
for _name in ("measures", "weekly", "export", "progress"):
    data.report_cmd.add_command(ledger.ledger_group.commands[_name])


if __name__ == "__main__":  # pragma: no cover
    main()
