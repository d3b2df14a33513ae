"""Names and phone numbers of the demo's people, villages and lanes.

The surnames of the North China plain with their weights, given names, the patterns of
village names, Chinese numerals, and :class:`People`, which draws names and unique
synthetic phone numbers from the run's one generator. Every name is invented.
"""

from __future__ import annotations

from typing import Final

import numpy as np

__all__ = ["VILLAGE_PATTERNS", "People", "cn_number"]

#: Surnames of the North China plain with rough weights (per cent of population).
_SURNAMES: Final = (
    ("王", 7.5), ("李", 7.4), ("张", 7.1), ("刘", 5.4), ("杨", 3.0), ("赵", 2.6), ("孙", 2.2),
    ("陈", 1.8), ("马", 1.8), ("高", 1.8), ("郭", 1.5), ("周", 1.0), ("徐", 1.0), ("田", 1.0),
    ("崔", 1.0), ("董", 1.0), ("宋", 1.0), ("魏", 0.9), ("于", 0.9), ("韩", 0.9), ("冯", 0.8),
    ("吴", 0.8), ("朱", 0.8), ("胡", 0.8), ("曹", 0.7), ("吕", 0.6), ("许", 0.6), ("贾", 0.6),
    ("梁", 0.6), ("邢", 0.6), ("齐", 0.5), ("袁", 0.5), ("侯", 0.5), ("姜", 0.5), ("任", 0.5),
    ("杜", 0.5), ("付", 0.5), ("石", 0.5), ("谢", 0.5), ("闫", 0.4), ("庞", 0.4), ("耿", 0.4),
    ("尹", 0.4), ("常", 0.4), ("牛", 0.4), ("史", 0.4), ("范", 0.4), ("孟", 0.4), ("程", 0.4),
    ("卢", 0.3), ("秦", 0.3), ("薛", 0.3), ("苏", 0.3), ("段", 0.3), ("路", 0.3), ("岳", 0.2),
    ("申", 0.2), ("鲁", 0.2), ("温", 0.2), ("潘", 0.2),
)

#: Given names of two characters, and of one.
_GIVEN_2: Final = (
    "建国 建军 建华 建民 国庆 国强 国华 国平 志强 志刚 志明 振华 振国 卫东 卫国 红军 永强 "
    "永刚 永生 春生 长江 长林 长顺 福来 德胜 德明 宝山 宝林 金山 金生 玉林 树林 书田 文华 "
    "文明 庆丰 丰收 学军 跃进 胜利 新民 立新 海涛 海军 明亮 洪涛 俊峰 广才 富贵 守义 守信 "
    "忠义 春来 秋生 满囤 连生 保国 秀英 桂兰 玉兰 淑珍 秀兰 凤英 桂英 玉梅 秀珍 淑芬 丽华 "
    "春梅 冬梅 红梅 桂芝 秀云 玉珍 金凤 翠英 美玲 素芬 桂荣 玉芬 凤兰 秀芳 晓东 晓明 晓燕 "
    "海燕 立伟 文静 亚楠 志勇 建平 国栋 金刚 东升 小平 红霞 丽娟 艳红 玉霞 春燕 新华 振宇 "
    "家乐 子涵 浩然 雨轩 欣怡 梓萱 宇航 俊杰 德才 双喜 来顺 二虎 占奎 庆云 凤岐 宗林 玉祥"
).split()
_GIVEN_1: Final = tuple("磊强伟勇军鹏涛超亮杰静丽娜敏燕艳芳晶浩宇佳慧雪刚斌辉峰波明华平")

#: Patterns of village names; ``{s}`` is the surname of the village's main family.
VILLAGE_PATTERNS: Final = (
    "{s}庄", "{s}家庄", "{s}家屯", "{s}官营", "{s}集", "{s}楼", "{s}洼", "{s}堡", "{s}店",
    "{s}家寨", "前{s}", "后{s}", "大{s}庄", "小{s}庄", "{s}桥", "{s}辛庄", "{s}家口", "{s}营",
    "{s}屯", "{s}坊",
)

_NUMERALS: Final = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    """Return the Chinese numeral of ``n``, 1 to 99 (三, 十二, 二十一)."""
    if n <= 10:
        return _NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else _NUMERALS[tens - 1] + "十"
    return head + (_NUMERALS[ones - 1] if ones else "")


class People:
    """Draws names and phone numbers from one generator.

    Parameters
    ----------
    rng
        The run's generator; every draw advances it.
    """

    _MOBILE_PREFIXES: Final = (
        "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
        "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177",
        "178", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198",
        "199",
    )

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        w = np.array([p for _s, p in _SURNAMES])
        self.surnames = [s for s, _p in _SURNAMES]
        self.weights = w / w.sum()
        self._cum = np.cumsum(self.weights)
        self._phones: set[str] = set()

    def surname(self) -> str:
        """Draw a surname by its weight."""
        i = int(np.searchsorted(self._cum, self.rng.random() * self._cum[-1], side="right"))
        return self.surnames[min(i, len(self.surnames) - 1)]

    def given(self) -> str:
        """Draw a given name (of two characters 82 % of the time)."""
        if self.rng.random() < 0.82:
            return _GIVEN_2[int(self.rng.integers(len(_GIVEN_2)))]
        return _GIVEN_1[int(self.rng.integers(len(_GIVEN_1)))]

    def person(self, dominant: str | None = None, share: float = 0.0) -> str:
        """Draw a name; with probability ``share`` the surname is ``dominant``."""
        if dominant is not None and self.rng.random() < share:
            s = dominant
        else:
            s = self.surname()
        return s + self.given()

    def mobile(self) -> str:
        """Draw a synthetic mobile number 1[3-9]x + 8 digits, unique within the demo."""
        while True:
            p = self._MOBILE_PREFIXES[int(self.rng.integers(len(self._MOBILE_PREFIXES)))]
            num = p + f"{int(self.rng.integers(0, 100_000_000)):08d}"
            if num not in self._phones:
                self._phones.add(num)
                return num

    def landline(self) -> str:
        """Draw a synthetic landline of the (fictional) county, area code 0534."""
        return f"0534-{int(self.rng.integers(5_200_000, 5_999_999))}"
