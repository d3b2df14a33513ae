"""The password policy (密码规则) of every path that sets a password.

A password is refused when it is

- shorter than :data:`MIN_PASSWORD_LENGTH` characters (10);
- the user name, or contains it (case-insensitive; names of fewer than
  :data:`MIN_NAME_IN_PASSWORD` characters are only refused as the whole password);
- one of the common passwords (case-insensitive): the 30,000 most frequent passwords of
  the frequency lists shipped by the ``zxcvbn`` package (offline, MIT licence; drawn from
  published password leaks), plus :data:`CHINESE_COMMON`: pinyin and digit patterns
  frequent in Chinese password leaks (the CSDN leak of 2011; Li, Han and Xu, "A
  Large-Scale Empirical Analysis of Chinese Web Passwords", USENIX Security 2014) and a
  few administrator defaults.

Every path that sets a password — ``zoufang user add`` / ``passwd`` and the
administrator's page, both through :mod:`zoufang.campaign.accounts` — checks it through
:func:`hash_password`, which also makes the salted hash that is stored.
"""

from __future__ import annotations

import functools
from typing import Final

__all__ = ["CHINESE_COMMON", "DEFAULT_PASSWORD_METHOD", "MIN_NAME_IN_PASSWORD",
           "MIN_PASSWORD_LENGTH", "PASSWORD_METHOD", "check_password", "hash_password",
           "is_common", "password_issues", "password_problems"]

#: werkzeug's hashing method for new passwords (salted scrypt).
DEFAULT_PASSWORD_METHOD: Final = "scrypt"
#: The method in use (tests lower the cost; nothing else should change it).
PASSWORD_METHOD = DEFAULT_PASSWORD_METHOD

#: The shortest password accepted, in characters.
MIN_PASSWORD_LENGTH: Final = 10
#: A user name of at least this many characters may not appear inside the password.
MIN_NAME_IN_PASSWORD: Final = 3

#: Passwords frequent in Chinese leaks (and admin defaults) that zxcvbn's list may lack.
CHINESE_COMMON: Final = (
    "woaini1314", "woaini520", "woaini123", "woaini521", "5201314520", "52013145201314",
    "1314520520", "a5201314", "iloveyou1314", "aini1314", "woaiwojia", "woaimama",
    "wang123456", "zhang123456", "li123456", "liu123456", "chen123456", "qq123456789",
    "qq5201314", "abc123456789", "a1234567890", "aa123456789", "123456789abc",
    "1234567890abc", "147258369", "1472583690", "7894561230", "123698745", "1234567899",
    "11223344556677", "1357924680", "0123456789", "9876543210", "1qaz2wsx3edc",
    "1qaz2wsx3edc4rfv", "qazwsxedc123", "asdfghjkl123", "zxcvbnm123", "a1b2c3d4e5",
    "dearbook", "xiazhili", "31415926", "3.1415926", "zhongguo", "zhongguo123",
    "beijing2008", "woshishui", "nihao123456", "admin123456", "administrator",
    "root123456", "test123456", "password1234", "p@ssw0rd123", "passw0rd123",
)


@functools.cache
def _common() -> frozenset[str]:
    """Return the common passwords, case-folded (loaded once, on first use)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.casefold() for p in (*FREQUENCY_LISTS["passwords"], *CHINESE_COMMON))


def is_common(password: str) -> bool:
    """Return whether ``password`` is on the common-password list (case-insensitive)."""
    return password.casefold() in _common()


def password_issues(password: str, user_name: str | None = None, *,
                    min_length: int = MIN_PASSWORD_LENGTH) -> list[tuple[str, str]]:
    """Return the rules ``password`` breaks for ``user_name`` as (code, English message).

    Codes: ``password_short``, ``password_has_name``, ``password_common`` (their Chinese
    sentences are in :mod:`zoufang.messages`). The password itself is never repeated.
    """
    problems: list[tuple[str, str]] = []
    if len(password) < min_length:
        problems.append(("password_short", f"Expected a password of at least {min_length} "
                         f"characters (got {len(password)})."))
    name = (user_name or "").strip().casefold()
    folded = password.casefold()
    if name and (folded == name or (len(name) >= MIN_NAME_IN_PASSWORD and name in folded)):
        problems.append(("password_has_name", "Expected a password that is not the user "
                         "name and does not contain it."))
    if is_common(password):
        problems.append(("password_common", "Expected a password that is not on the list of "
                         "common passwords (it is one of the most used); choose a longer, "
                         "unusual phrase."))
    return problems


def password_problems(password: str, user_name: str | None = None, *,
                      min_length: int = MIN_PASSWORD_LENGTH) -> list[str]:
    """Return what is wrong with ``password`` for user ``user_name`` (empty when it passes).

    Each problem names the rule it breaks; the password itself is never repeated.
    """
    return [m for _, m in password_issues(password, user_name, min_length=min_length)]


def check_password(password: str, user_name: str | None = None) -> None:
    """Check ``password`` against the policy.

    Raises
    ------
    ValueError
        The password breaks a rule; the message names every rule it breaks.
    """
    problems = password_problems(password, user_name)
    if problems:
        raise ValueError(" ".join(problems))


def hash_password(password: str, user_name: str | None = None) -> str:
    """Return a salted hash of ``password`` (:data:`PASSWORD_METHOD`, scrypt by default).

    Raises
    ------
    ValueError
        The password breaks the policy for ``user_name``.
    """
    from werkzeug.security import generate_password_hash

    check_password(password, user_name)
    return generate_password_hash(password, method=PASSWORD_METHOD)
