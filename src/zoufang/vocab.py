"""The campaign's vocabulary: kinds of target, tags, cadre ranks, with their Chinese names.

Imports accept either the English code or any of the Chinese names listed here; the store
keeps the English code and the UI shows the first Chinese name.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "LEFT_OUT_REASONS",
    "PLACEMENTS",
    "PROBLEM_CODES",
    "TRAVEL_MODES",
    "KINDS",
    "RANKS",
    "TARGET_TAGS",
    "VILLAGE_TAGS",
    "parse_kind",
    "parse_rank",
    "parse_tags",
    "rank_level",
]

#: Where a target was placed (落格): code -> (Chinese, English).
PLACEMENTS: Final[dict[str, tuple[str, str]]] = {
    "inside": ("网格内", "in a grid"),
    "overlap": ("网格重叠处", "in an overlap of grids"),
    "snapped": ("就近归入网格", "snapped to a grid"),
    "outside": ("网格外", "outside every grid"),
    "declared": ("按填报网格", "placed by declared grid (no point)"),
    "unplaced": ("未落格", "not placed"),
}

#: Data problems shown to planners: code -> (Chinese, English).
PROBLEM_CODES: Final[dict[str, tuple[str, str]]] = {
    "outside_grids": ("网格外对象", "targets outside every grid"),
    "overlap": ("网格重叠", "grid overlap"),
    "gap": ("网格缝隙", "gap between grids"),
    "repaired": ("网格图形已修复", "grid shape repaired"),
    "snapped": ("就近归入网格", "snapped to a grid"),
}

#: Why a target got no place in a route plan: code -> (Chinese, English).
LEFT_OUT_REASONS: Final[dict[str, tuple[str, str]]] = {
    "no_window": ("时间窗不符", "no opening window"),
    "unreachable": ("单日无法到达", "unreachable within a day"),
    "days_full": ("天数不足", "days full"),
    "remote": ("改电话/微信", "offered as a phone/WeChat visit"),
    "no_location": ("无坐标", "no location"),
}

#: Travel modes of a cadre (出行方式): code -> Chinese names (the first is the label).
TRAVEL_MODES: Final[dict[str, tuple[str, ...]]] = {
    "walk": ("步行",), "ebike": ("电动车",), "car": ("汽车",),
}

#: Kinds of visit target (走访对象): code -> Chinese names (the first is the label).
KINDS: Final[dict[str, tuple[str, ...]]] = {
    "household": ("居民家庭", "住户", "居民", "农户", "家庭", "户"),
    "enterprise": ("企业", "公司", "工厂"),
    "shop": ("商铺", "店铺", "个体户", "门店"),
    "school": ("学校", "幼儿园"),
    "hospital": ("医院", "卫生院", "卫生室", "诊所"),
    "market": ("市场", "集市", "农贸市场"),
    "institution": ("机关", "事业单位", "机关事业单位", "单位"),
}

#: Tags of a target (DOMAIN.md "Who is visited"): code -> Chinese names.
TARGET_TAGS: Final[dict[str, tuple[str, ...]]] = {
    "petitioner": ("信访户",),
    "hardship": ("困难户", "困难家庭"),
    "displaced": ("征迁户", "拆迁户"),
    "poor_registered": ("建档立卡户", "建档立卡贫困户", "贫困户"),
    "old_party_member": ("老党员",),
    "old_cadre": ("老干部",),
    "old_model_worker": ("老模范", "劳模"),
    "listed_enterprise": ("列统企业",),
    "vacant": ("空关户", "空挂户"),
    "mobile": ("流动户",),
}

#: Tags of a village or community (set on grids through their village).
VILLAGE_TAGS: Final[dict[str, tuple[str, ...]]] = {
    "weak_village": ("经济薄弱村", "薄弱村"),
    "resettlement_community": ("有征收安置任务的社区", "安置社区", "征收安置社区"),
}

#: Cadre ranks, low to high: code -> (level, Chinese names). Level compares ranks
#: ("副处级以上" = level >= RANKS["deputy_division"][0]).
RANKS: Final[dict[str, tuple[int, tuple[str, ...]]]] = {
    "grid_worker": (0, ("网格员",)),
    "village_cadre": (0, ("村干部", "村两委", "村\"两委\"", "村委会成员")),
    "clerk": (1, ("科员", "办事员", "一般干部", "干部", "工作人员")),
    "deputy_section": (2, ("副科级", "副科")),
    "section": (3, ("正科级", "正科", "科级")),
    "deputy_division": (4, ("副处级", "副处", "副县级")),
    "division": (5, ("正处级", "正处", "处级", "县级", "正县级")),
    "bureau": (6, ("副厅级", "正厅级", "厅级", "市级")),
}


def _lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, names in table.items():
        out[code] = code
        out[code.replace("_", " ")] = code
        for n in names:
            out[n] = code
    return out


_KIND_LOOKUP: Final = _lookup(KINDS)
_TAG_LOOKUP: Final = _lookup({**TARGET_TAGS, **VILLAGE_TAGS})
_RANK_LOOKUP: Final = _lookup({k: v[1] for k, v in RANKS.items()})


def parse_kind(text: str) -> str:
    """Return the kind code for an English code or Chinese name.

    Raises
    ------
    ValueError
        Naming the accepted values.
    """
    key = text.strip().lower() if text.isascii() else text.strip()
    try:
        return _KIND_LOOKUP[key]
    except KeyError:
        accepted = ", ".join(f"{k} ({v[0]})" for k, v in KINDS.items())
        raise ValueError(f"unknown kind; expected one of {accepted}") from None


def parse_rank(text: str) -> str:
    """Return the rank code for an English code or Chinese rank name."""
    key = text.strip().lower() if text.isascii() else text.strip()
    try:
        return _RANK_LOOKUP[key]
    except KeyError:
        accepted = ", ".join(f"{k} ({v[1][0]})" for k, v in RANKS.items())
        raise ValueError(f"unknown rank; expected one of {accepted}") from None


def rank_level(code: str) -> int:
    """Return the numeric level of a rank code (higher = more senior)."""
    return RANKS[code][0]


_TAG_SEPARATORS: Final = (";", "；", "、", ",", "，", "|")


def parse_tags(text: str | None, *, allowed: dict[str, tuple[str, ...]] | None = None
               ) -> tuple[list[str], list[str]]:
    """Split a tags cell ("信访户、困难户" or "petitioner;hardship") into codes.

    Returns ``(codes, unknown)``: the recognised codes in order without duplicates, and
    the pieces that matched no tag (for the caller to report).
    """
    if text is None:
        return [], []
    s = str(text)
    for sep in _TAG_SEPARATORS[1:]:
        s = s.replace(sep, ";")
    lookup = _lookup(allowed) if allowed is not None else _TAG_LOOKUP
    codes: list[str] = []
    unknown: list[str] = []
    for piece in s.split(";"):
        p = piece.strip()
        if not p:
            continue
        key = p.lower() if p.isascii() else p
        code = lookup.get(key)
        if code is None:
            unknown.append(p)
        elif code not in codes:
            codes.append(code)
    return codes, unknown
