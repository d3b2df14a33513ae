"""``zoufang user``: create and manage the web app's users.

``zoufang user add NAME --role planner|cadre|leader|admin [--township T] [--cadre ID]
[--grant-personal] [--password-stdin]``. Passwords are read from standard input
(``--password-stdin``, first line) or asked twice at the prompt, never taken from the
command line, and stored only as salted hashes. They must pass the password policy of
:mod:`zoufang.web.passwords` (at least 10 characters, not the user name nor containing
it, not a common password). ``passwd`` and ``disable`` end every session of the user.
Every change is written to the audit log.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy import select

from zoufang.commands._common import DB_OPTION

__all__ = ["add_user", "user_group"]


def add_user(session: Any, name: str, role: str, password: str, *, township: str | None = None,
             cadre: str | None = None, personal_data: bool = False,
             notes: list[str] | None = None) -> Any:
    """Create a user (see the module docstring for the rules).

    A cadre user needs ``cadre`` (the cadre's 编号) and, when several townships have a
    cadre of that number, ``township``. Planners and leaders need ``township``; a
    township named that does not exist yet is created empty (its first import fills it).

    Raises
    ------
    ValueError
        Unknown role, a name already taken, a password that breaks the policy, a
        missing township or cadre.
    """
    from zoufang.campaign.store import ROLES, AuditEntry, Cadre, Township, User
    from zoufang.web.passwords import password_problems
    from zoufang.web.security import hash_password

    problems: list[str] = []
    name = name.strip()
    if role not in ROLES:
        problems.append(f'role was "{role}" but is expected to be in {list(ROLES)}')
    if not name or len(name) > 100:
        problems.append("Expected a user name of 1 to 100 characters.")
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        problems.append(f"user {name!r} exists already")
    problems.extend(password_problems(password, name))
    town_id = cadre_id = None
    if role in ("planner", "leader") and not township:
        problems.append(f"a {role} needs --township")
    if role == "cadre" and not cadre:
        problems.append("a cadre needs --cadre (the cadre's 编号 in the imported cadres file)")
    if role == "admin" and (township or cadre):
        problems.append("an admin has no township or cadre")
    if personal_data and role != "leader":
        problems.append("--grant-personal is for leaders (planners see their township's "
                        "personal data, cadres their own area's)")
    if problems:
        raise ValueError("; ".join(problems))
    note = None
    if township:
        town = session.scalar(select(Township).where(Township.name == township))
        if town is None:
            town = Township(name=township)
            session.add(town)
            session.flush()
            note = f"township {township!r} did not exist: created empty"
        town_id = town.id
    if role == "cadre":
        q = select(Cadre).where(Cadre.ext_id == cadre)
        if town_id is not None:
            q = q.where(Cadre.township_id == town_id)
        found = session.scalars(q).all()
        if not found:
            raise ValueError(f"no cadre {cadre!r}" + (f" in {township}" if township else "")
                             + "; import the cadres first")
        if len(found) > 1:
            raise ValueError(f"cadre {cadre!r} exists in several townships; add --township")
        cadre_id, town_id = found[0].id, found[0].township_id
    user = User(name=name, password_hash=hash_password(password, name), role=role,
                township_id=town_id, cadre_id=cadre_id, personal_data=personal_data,
                active=True)
    session.add(user)
    session.flush()
    session.add(AuditEntry(user_name="cli", action="user_add", township_id=town_id,
                           detail={"user": name, "role": role, "cadre": cadre,
                                   "personal_data": personal_data}))
    if note and notes is not None:
        notes.append(note)
    return user


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
    from zoufang.campaign.store import open_store

    password = _read_password(password_stdin)
    store = open_store(db_url)
    try:
        notes: list[str] = []
        with store.session() as s:
            add_user(s, name, role, password, township=township, cadre=cadre,
                     personal_data=grant_personal, notes=notes)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
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
    from zoufang.campaign.store import AuditEntry, User, open_store
    from zoufang.campaign.store.users import end_sessions
    from zoufang.web.security import hash_password

    password = _read_password(password_stdin)
    store = open_store(db_url)
    try:
        with store.session() as s:
            u = s.scalar(select(User).where(User.name == name))
            if u is None:
                raise ValueError(f"no user {name!r}")
            u.password_hash = hash_password(password, u.name)
            end_sessions(s, u.id)
            s.add(AuditEntry(user_name="cli", action="user_passwd",
                             detail={"user": name}))
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    finally:
        store.dispose()
    click.echo(f"password of {name} changed")

@user_group.command("disable")
@click.argument("name")
@DB_OPTION
def user_disable(name: str, db_url: str | None) -> None:
    """Disable a user (all of its sessions end at their next request)."""
    from zoufang.campaign.store import AuditEntry, User, open_store
    from zoufang.campaign.store.users import end_sessions

    store = open_store(db_url)
    try:
        with store.session() as s:
            u = s.scalar(select(User).where(User.name == name))
            if u is None:
                click.echo(f"error: no user {name!r}", err=True)
                sys.exit(1)
            u.active = False
            end_sessions(s, u.id)
            s.add(AuditEntry(user_name="cli", action="user_disable", detail={"user": name}))
    finally:
        store.dispose()
    click.echo(f"user {name} disabled")
