"""``zoufang user``: create and manage the web app's users.

``zoufang user add NAME --role planner|cadre|leader|admin [--township T] [--cadre ID]
[--grant-personal] [--password-stdin]``. Passwords are read from standard input
(``--password-stdin``, first line) or asked twice at the prompt, never taken from the
command line, and stored only as salted hashes. They must pass the password policy of
:mod:`zoufang.passwords` (at least 10 characters, not the user name nor containing
it, not a common password). ``passwd`` and ``disable`` end every session of the user.
Every change is written to the audit log. The rules are those of
:mod:`zoufang.campaign.accounts`, which the administrator's web page uses too.
"""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from zoufang.commands._common import DB_OPTION

__all__ = ["user_group"]


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(click.prompt("password", hide_input=True, confirmation_prompt=True))


@click.group("user")
def user_group() -> None:
    """Manage the web app's users (log-in names, roles, data scope)."""

@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True,
              type=click.Choice(["planner", "cadre", "leader", "admin"]))
@click.option("--township", default=None, help="Township name (planner, leader).")
@click.option("--cadre", "cadre", default=None, help="Cadre 编号 (a cadre user).")
@click.option("--grant-personal", is_flag=True,
              help="Leader: see residents' names and phones unmasked.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
@DB_OPTION
def user_add(name: str, role: str, township: str | None, cadre: str | None,
             grant_personal: bool, password_stdin: bool, db_url: str | None) -> None:
    """Create a user NAME with a role and data scope."""
    from zoufang.campaign.accounts import AccountRefused, add_user
    from zoufang.campaign.store import open_store

    password = _read_password(password_stdin)
    store = open_store(db_url)
    try:
        notes: list[str] = []
        with store.session() as s:
            add_user(s, name, role, password, township=township, cadre=cadre,
                     personal_data=grant_personal, notes=notes)
    except AccountRefused as exc:
        click.echo(f"error: {exc.summary}", err=True)
        sys.exit(1)
    finally:
        store.dispose()
    for note in notes:
        click.echo(f"note: {note}")
    click.echo(f"user {name} ({role}) created")

@user_group.command("list")
@DB_OPTION
def user_list(db_url: str | None) -> None:
    """List users (no password hashes)."""
    from zoufang.campaign.store import User, open_store

    store = open_store(db_url)
    try:
        with store.session() as s:
            for u in s.scalars(select(User).order_by(User.name)):
                click.echo(f"{u.name}\t{u.role}\ttownship={u.township_id}"
                           f"\tcadre={u.cadre_id}\tpersonal={u.personal_data}"
                           f"\tactive={u.active}")
    finally:
        store.dispose()

@user_group.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True)
@DB_OPTION
def user_passwd(name: str, password_stdin: bool, db_url: str | None) -> None:
    """Set a user's password (it must pass the policy) and end all of the user's sessions."""
    from zoufang.campaign.accounts import AccountRefused, set_password
    from zoufang.campaign.store import open_store

    password = _read_password(password_stdin)
    store = open_store(db_url)
    try:
        with store.session() as s:
            set_password(s, name, password)
    except AccountRefused as exc:
        click.echo(f"error: {exc.summary}", err=True)
        sys.exit(1)
    finally:
        store.dispose()
    click.echo(f"password of {name} changed")

@user_group.command("disable")
@click.argument("name")
@DB_OPTION
def user_disable(name: str, db_url: str | None) -> None:
    """Disable a user (all of its sessions end at their next request)."""
    from zoufang.campaign.accounts import AccountRefused, set_active
    from zoufang.campaign.store import open_store

    store = open_store(db_url)
    try:
        with store.session() as s:
            set_active(s, name, False)
    except AccountRefused as exc:
        click.echo(f"error: {exc.summary}", err=True)
        sys.exit(1)
    finally:
        store.dispose()
    click.echo(f"user {name} disabled")
