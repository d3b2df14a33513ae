"""Tests of the demo's names and phone numbers (zoufang.demo.names)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from zoufang.demo.names import People, cn_number


@pytest.mark.parametrize(("n", "text"), [
    (1, "一"), (3, "三"), (10, "十"), (12, "十二"), (20, "二十"), (21, "二十一"), (99, "九十九"),
])
def test_cn_number(n: int, text: str) -> None:
    """Chinese numerals as in lane names (三巷, 十二巷, 二十一巷)."""
    assert cn_number(n) == text


def test_people_are_deterministic_and_phones_unique() -> None:
    """One seed gives the same names; mobiles are 11 digits 1[3-9]x and never repeat."""
    a, b = People(np.random.default_rng(1)), People(np.random.default_rng(1))
    assert [a.person() for _ in range(50)] == [b.person() for _ in range(50)]
    phones = [a.mobile() for _ in range(2000)]
    assert len(set(phones)) == len(phones)
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
    assert re.fullmatch(r"0534-\d{7}", a.landline())


def test_person_takes_the_dominant_surname_at_its_share() -> None:
    """With share 1 every name has the village's surname; with share 0 it is drawn."""
    people = People(np.random.default_rng(2))
    assert all(people.person("邢", 1.0).startswith("邢") for _ in range(20))
    assert len({people.person("邢", 0.0)[0] for _ in range(200)}) > 5
