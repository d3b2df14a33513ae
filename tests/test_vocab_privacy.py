"""Vocabulary parsing (kinds, tags, ranks) and personal-data masking."""

from __future__ import annotations

import pytest

from zoufang import vocab
from zoufang.privacy import mask_name, mask_phone


@pytest.mark.parametrize("text,code", [("农户", "household"), ("Enterprise", "enterprise"),
                                       ("卫生院", "hospital"), ("机关", "institution")])
def test_kinds(text: str, code: str) -> None:
    """Chinese and English kind names map to codes."""
    assert vocab.parse_kind(text) == code


def test_tags_split_on_all_separators() -> None:
    """Tags split on ; ； 、 , and duplicates collapse; unknown ones are returned."""
    codes, unknown = vocab.parse_tags("信访户；困难户、信访户,老党员;VIP")
    assert codes == ["petitioner", "hardship", "old_party_member"] and unknown == ["VIP"]


def test_rank_levels_order() -> None:
    """副处级 is above 正科级, which is above 科员; village cadres are lowest."""
    lv = [vocab.rank_level(vocab.parse_rank(r)) for r in ("副处级", "正科级", "科员", "村干部")]
    assert lv == sorted(lv, reverse=True) and lv[0] > lv[1] > lv[2] > lv[3]


@pytest.mark.parametrize("phone,masked", [("13812341234", "138****1234"),
                                          ("0534-1234567", "053****4567"), ("12345", "***45"),
                                          (None, None)])
def test_mask_phone(phone: str | None, masked: str | None) -> None:
    """Phones keep the first 3 and last 4 digits."""
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("name,masked", [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "*")])
def test_mask_name(name: str, masked: str) -> None:
    """Names keep their first character."""
    assert mask_name(name) == masked
