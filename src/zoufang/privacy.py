"""Masking of residents' personal data (个人信息): names and phone numbers.

Used wherever personal data would reach someone who does not need it: exports and
measures for leaders, error messages, logs (which never receive it unmasked).
"""

from __future__ import annotations

import re

__all__ = ["mask_name", "mask_phone"]

_DIGITS = re.compile(r"\d")


def mask_phone(phone: str | None) -> str | None:
    """Mask a phone number, keeping the first 3 and last 4 digits: ``138****1234``.

    Numbers with fewer than 8 digits keep only their last 2 digits visible.
    """
    if phone is None:
        return None
    digits = "".join(_DIGITS.findall(phone))
    if not digits:
        return "*" * len(phone)
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * (len(digits) - 2) + digits[-2:]


def mask_name(name: str | None) -> str | None:
    """Mask a person's name, keeping its first character.

    ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``.

    Latin names keep their first letter: ``Li Lei`` → ``L*****``.
    """
    if name is None:
        return None
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else name
    return name[0] + "*" * (len(name) - 1)
