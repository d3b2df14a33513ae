"""The web app's users: create one, reset a password, disable or enable, grant personal data.

The one place these rules live, for the CLI (``zoufang user …``) and the administrator's
page (``/admin/``):

- a user name of 1 to 100 characters, unique; a role of :data:`~zoufang.campaign.store.
  ROLES`; planners and leaders belong to a township (created empty when it does not exist
  yet), a cadre user to an imported cadre (its 编号), an admin to neither;
- the password policy of :mod:`zoufang.passwords`; only a salted hash is stored;
- only leaders may be granted personal data (planners see their township's, cadres their
  own area's);
- a new password, disabling and a change of the grant end every session of the user;
- an administrator cannot disable itself (the last way in would go with it);
- every change is one row of the audit log, naming who made it (``actor``: ``cli`` or the
  administrator's user name) and never a password.

A refusal is an :class:`AccountRefused` listing every problem (codes with Chinese
sentences in :mod:`zoufang.messages`); nothing is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zoufang._errors import Problem, ValidationError
from zoufang.campaign.store import ROLES, AuditEntry, Cadre, Township, User
from zoufang.campaign.store.users import end_sessions

__all__ = ["AccountRefused", "add_user", "set_active", "set_password", "set_personal"]


class AccountRefused(ValidationError):
    """A change of users refused; ``problems`` say why, nothing was written."""


def _refuse(summary: str, problems: list[Problem]) -> AccountRefused:
    return AccountRefused("; ".join([summary, *(p.message for p in problems)]), problems)


def _p(field: str, code: str, message: str, value: Any = None, **params: Any) -> Problem:
    return Problem("user", None, field, message, code=code,
                   value=None if value is None else str(value), params=params or None)


def _password(password: str, name: str) -> list[Problem]:
    from zoufang.passwords import MIN_PASSWORD_LENGTH, password_issues

    return [_p("password", code, message, min=MIN_PASSWORD_LENGTH)
            for code, message in password_issues(password, name)]


def add_user(session: Session, name: str, role: str, password: str, *,
             township: str | None = None, cadre: str | None = None,
             personal_data: bool = False, notes: list[str] | None = None,
             actor: str = "cli") -> User:
    """Create a user (the rules are the module's).

    A cadre user needs ``cadre`` (the cadre's 编号) and, when several townships have a
    cadre of that number, ``township``. ``notes`` receives what was done besides (a
    township created empty).

    Raises
    ------
    AccountRefused
        Every rule the request breaks.
    """
    from zoufang.passwords import hash_password

    problems: list[Problem] = []
    name = (name or "").strip()
    township = (township or "").strip() or None
    cadre = (cadre or "").strip() or None
    if role not in ROLES:
        problems.append(_p("role", "bad_role", f'role was "{role}" but is expected to be in '
                           f"{list(ROLES)}", role))
    if not name or len(name) > 100:
        problems.append(_p("name", "bad_user_name",
                           "Expected a user name of 1 to 100 characters."))
    elif session.scalar(select(User.id).where(User.name == name)) is not None:
        problems.append(_p("name", "user_exists", f"user {name!r} exists already", name))
    problems.extend(_password(password, name))
    if role in ("planner", "leader") and not township:
        problems.append(_p("township", "needs_township", f"a {role} needs --township"))
    if role == "cadre" and not cadre:
        problems.append(_p("cadre", "needs_cadre",
                           "a cadre needs --cadre (the cadre's 编号 in the imported cadres "
                           "file)"))
    if role == "admin" and (township or cadre):
        problems.append(_p("role", "admin_scope", "an admin has no township or cadre"))
    if personal_data and role != "leader":
        problems.append(_p("personal_data", "personal_leaders_only",
                           "--grant-personal is for leaders (planners see their township's "
                           "personal data, cadres their own area's)"))
    town: Township | None = None
    if township and not problems:
        town = session.scalar(select(Township).where(Township.name == township))
    found: list[Cadre] = []
    if role == "cadre" and cadre and not problems:
        q = select(Cadre).where(Cadre.ext_id == cadre)
        if township:
            q = q.where(Cadre.township_id == (town.id if town else -1))
        found = list(session.scalars(q))
        if not found:
            problems.append(_p("cadre", "no_cadre", f"no cadre {cadre!r}"
                               + (f" in {township}" if township else "")
                               + "; import the cadres first", cadre))
        elif len(found) > 1:
            problems.append(_p("cadre", "cadre_ambiguous", f"cadre {cadre!r} exists in "
                               "several townships; add --township", cadre))
    if problems:
        raise _refuse(f"user {name!r} not created", problems)
    if township and town is None:
        town = Township(name=township)
        session.add(town)
        session.flush()
        if notes is not None:
            notes.append(f"township {township!r} did not exist: created empty")
    town_id = town.id if town else None
    cadre_id = None
    if found:
        cadre_id, town_id = found[0].id, found[0].township_id
    user = User(name=name, password_hash=hash_password(password, name), role=role,
                township_id=town_id, cadre_id=cadre_id, personal_data=personal_data,
                active=True)
    session.add(user)
    session.flush()
    session.add(AuditEntry(user_name=actor, action="user_add", township_id=town_id,
                           detail={"user": name, "role": role, "cadre": cadre,
                                   "personal_data": personal_data}))
    return user


def _user(session: Session, name: str) -> User:
    u = session.scalar(select(User).where(User.name == name))
    if u is None:
        raise _refuse(f"no user {name!r}", [_p("name", "no_user", f"no user {name!r}", name)])
    return u


def set_password(session: Session, name: str, password: str, *, actor: str = "cli") -> User:
    """Set user ``name``'s password (it must pass the policy); end all its sessions.

    Raises
    ------
    AccountRefused
        No such user, or the password breaks the policy.
    """
    from zoufang.passwords import hash_password

    u = _user(session, name)
    problems = _password(password, u.name)
    if problems:
        raise _refuse(f"password of {name!r} not changed", problems)
    u.password_hash = hash_password(password, u.name)
    end_sessions(session, u.id)
    session.add(AuditEntry(user_name=actor, action="user_passwd", township_id=u.township_id,
                           detail={"user": u.name}))
    return u


def set_active(session: Session, name: str, active: bool, *, actor: str = "cli") -> User:
    """Disable (ending all its sessions) or enable user ``name``.

    Raises
    ------
    AccountRefused
        No such user, or an administrator disabling itself.
    """
    u = _user(session, name)
    if not active and u.name == actor:
        raise _refuse(f"user {name!r} not disabled", [_p(
            "name", "disable_self", "an administrator cannot disable itself", name)])
    u.active = active
    if not active:
        end_sessions(session, u.id)
    session.add(AuditEntry(user_name=actor, action="user_disable" if not active
                           else "user_enable", township_id=u.township_id,
                           detail={"user": u.name}))
    return u


def set_personal(session: Session, name: str, granted: bool, *, actor: str = "cli") -> User:
    """Grant or withdraw a leader's access to residents' personal data; end its sessions.

    Raises
    ------
    AccountRefused
        No such user, or not a leader.
    """
    u = _user(session, name)
    if u.role != "leader":
        raise _refuse(f"personal data of {name!r} not changed", [_p(
            "personal_data", "personal_leaders_only", "only leaders are granted personal "
            "data (planners see their township's, cadres their own area's)", name)])
    u.personal_data = granted
    end_sessions(session, u.id)
    session.add(AuditEntry(user_name=actor, action="user_grant" if granted
                           else "user_revoke", township_id=u.township_id,
                           detail={"user": u.name, "personal_data": granted}))
    return u
