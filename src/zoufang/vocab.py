"""The campaign's vocabulary: kinds of target, tags, cadre ranks, with their Chinese names.

Imports accept either the English code or any of the Chinese names listed here; the store
keeps the English code and the UI shows the first Chinese name.

Cadre lists written since the 2019 civil-service reform give ranks as 一级…四级调研员,
一级…四级主任科员, 一级/二级科员, or only a position (镇长, 副镇长, 社区书记): both are read
onto the rank ladder the must-go rules use (:data:`RANK_NAMES`; 四级调研员 counts as
副处级, 副镇长 as 副科级, 社区两委 as 村/社区干部). A deployment adds its own names in a
vocabulary file (:func:`vocab_file`, JSON ``{"ranks": {"名称": "级别"}}``), e.g. with
``zoufang vocab ranks --add 名称=级别``. Tags nobody listed are kept as free tags (the
written text) next to the known codes.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
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
    "RANK_NAMES",
    "RankReading",
    "add_rank",
    "deployment_ranks",
    "parse_kind",
    "parse_rank",
    "parse_tags",
    "rank_level",
    "rank_table",
    "read_rank",
    "read_tags",
    "vocab_file",
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
    "in_overlap": ("位于网格重叠处", "in an overlap of grids"),
    "unplaced": ("未落格", "not placed"),
    "unknown_grid": ("所填网格不存在", "names no known grid"),
    "grid_mismatch": ("所填网格与坐标不符", "declared grid differs from its point"),
    "placed_by_grid": ("按所填网格落格，待在地图上标点", "placed by its grid only; to pin"),
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
    "petitioner": ("信访户", "上访户", "信访对象"),
    "hardship": ("困难户", "困难家庭", "低保户", "低保家庭", "低保", "特困户", "特困人员",
                 "特困供养户", "五保户", "五保", "低收入户", "低边户"),
    "displaced": ("征迁户", "拆迁户", "征收户", "拆迁安置户"),
    "poor_registered": ("建档立卡户", "建档立卡贫困户", "贫困户", "脱贫户"),
    "old_party_member": ("老党员",),
    "old_cadre": ("老干部", "离退休干部", "退休干部"),
    "old_model_worker": ("老模范", "劳模", "劳动模范"),
    "listed_enterprise": ("列统企业", "规上企业", "规模以上企业"),
    "vacant": ("空关户", "空挂户"),
    "mobile": ("流动户", "流动人口户"),
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


#: Ranks of the 2019 civil-service reform (职务与职级并行) and positions as cadre lists
#: write them: name -> rank code. Positions count at the rank they are held at.
RANK_NAMES: Final[dict[str, str]] = {
    **dict.fromkeys(("一级巡视员", "二级巡视员", "巡视员", "副巡视员"), "bureau"),
    **dict.fromkeys(("一级调研员", "二级调研员", "调研员", "县委书记", "区委书记", "县长",
                     "区长"), "division"),
    **dict.fromkeys(("三级调研员", "四级调研员", "副调研员", "副县长", "副区长", "县委副书记",
                     "区委副书记", "县委常委", "区委常委"), "deputy_division"),
    **dict.fromkeys(("一级主任科员", "二级主任科员", "主任科员", "镇长", "乡长",
                     "镇党委书记", "乡党委书记", "党委书记", "街道党工委书记", "党工委书记",
                     "街道办事处主任", "街道办主任", "人大主席", "镇人大主席", "局长"),
                    "section"),
    **dict.fromkeys(("三级主任科员", "四级主任科员", "副主任科员", "副镇长", "副乡长",
                     "镇党委副书记", "乡党委副书记", "党委副书记", "街道党工委副书记",
                     "党工委副书记", "街道办事处副主任", "街道办副主任", "党委委员",
                     "党工委委员", "镇党委委员", "纪委书记", "纪工委书记", "武装部长",
                     "组织委员", "宣传委员", "统战委员", "政法委员", "人大副主席", "副局长"),
                    "deputy_section"),
    **dict.fromkeys(("一级科员", "二级科员", "试用期公务员", "事业编制人员", "站长", "所长"),
                    "clerk"),
    **dict.fromkeys(("社区两委", "社区\"两委\"", "社区“两委”", "村“两委”", "两委委员",
                     "两委成员", "社区书记", "社区党委书记", "社区党总支书记", "社区党支部书记",
                     "社区主任", "社区居委会主任", "居委会主任", "居委会委员", "社区委员",
                     "村书记", "村支书", "村党支部书记", "村党委书记", "村党总支书记", "村主任",
                     "村委会主任", "村委委员", "村会计", "村监委会主任", "社区工作者"),
                    "village_cadre"),
    **dict.fromkeys(("网格长", "专职网格员", "兼职网格员"), "grid_worker"),
}

#: Environment variable naming the deployment's vocabulary file.
VOCAB_FILE_ENV: Final = "ZOUFANG_VOCAB"


def vocab_file() -> Path:
    """Return the deployment's vocabulary file: ``$ZOUFANG_VOCAB`` or ``./zoufang-vocab.json``."""
    return Path(os.environ.get(VOCAB_FILE_ENV) or "zoufang-vocab.json")


def deployment_ranks(path: Path | None = None) -> dict[str, str]:
    """Rank names the deployment added (name -> rank code); none when there is no file.

    Raises
    ------
    ValueError
        The file is not valid JSON, or names a rank that maps to nothing.
    """
    path = path or vocab_file()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable vocabulary file ({exc}); expected JSON "
                         '{"ranks": {"名称": "级别"}}') from None
    ranks = data.get("ranks", {}) if isinstance(data, dict) else None
    if not isinstance(ranks, dict):
        raise ValueError(f'{path}: "ranks" must map names to ranks, e.g. '
                         '{"ranks": {"处长": "正处级"}}')
    out: dict[str, str] = {}
    for name, level in ranks.items():
        code = _RANK_LOOKUP.get(str(level).strip().lower() if str(level).isascii()
                                else str(level).strip()) or RANK_NAMES.get(str(level).strip())
        if code is None:
            raise ValueError(f"{path}: rank {name!r} maps to {level!r}, which is no rank; "
                             f"expected one of {_ladder()}")
        out[str(name).strip()] = code
    return out


def add_rank(name: str, level: str, path: Path | None = None) -> tuple[str, str]:
    """Add ``name`` = ``level`` to the deployment's vocabulary file; return (name, code).

    ``level`` is a rank of the ladder (副处级, deputy_division) or any name already known
    (四级调研员).

    Raises
    ------
    ValueError
        ``level`` is no rank, or ``name`` is empty.
    """
    path = path or vocab_file()
    name = name.strip()
    if not name:
        raise ValueError("the rank's name is empty; expected 名称=级别, e.g. 处长=正处级")
    reading = read_rank(level, path=path)
    if reading is None:
        raise ValueError(f"{level!r} is no rank; expected one of {_ladder()}")
    data: dict[str, object] = {}
    if path.exists():
        loaded = json.loads(path.read_text(encoding="utf-8") or "{}")
        data = loaded if isinstance(loaded, dict) else {}
    ranks = data.get("ranks")
    ranks = dict(ranks) if isinstance(ranks, dict) else {}
    ranks[name] = RANKS[reading.code][1][0]
    data["ranks"] = ranks
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return name, reading.code


def rank_table(path: Path | None = None) -> list[tuple[str, str, str]]:
    """Every rank name known: (name, code, where from: ladder, 2019/position, deployment)."""
    out = [(n, code, "ladder") for code, (_, names) in RANKS.items() for n in names]
    out += [(n, code, "2019/position") for n, code in RANK_NAMES.items()]
    out += [(n, code, "deployment") for n, code in deployment_ranks(path).items()]
    return out


@dataclass(frozen=True)
class RankReading:
    """How a written rank was read: the rank code and the name(s) that gave it."""

    written: str
    code: str
    via: str

    @property
    def label(self) -> str:
        """The rank of the ladder read, in Chinese (副处级)."""
        return RANKS[self.code][1][0]


def _ladder() -> str:
    return ", ".join(f"{v[1][0]} ({k})" for k, v in RANKS.items())


_RANK_SPLIT: Final = re.compile(r"[、，,;；/\s（）()【】\[\]]+")


def read_rank(text: str, *, path: Path | None = None,
              extra: dict[str, str] | None = None) -> RankReading | None:
    """Read a written rank or position onto the ladder; None when nothing matches.

    Looks up the whole text, then each piece of "副镇长（四级主任科员）" or "党委委员、副镇长"
    (the highest rank wins), then a piece's longest known ending ("城管局副局长" → 副局长).
    ``extra`` (name -> code) are the deployment's names; default read from
    :func:`deployment_ranks`.
    """
    names = {**RANK_NAMES, **(deployment_ranks(path) if extra is None else extra)}

    def one(piece: str) -> tuple[str, str] | None:
        key = piece.lower() if piece.isascii() else piece
        if key in _RANK_LOOKUP:
            return _RANK_LOOKUP[key], piece
        if piece in names:
            return names[piece], piece
        return None

    written = text.strip()
    plain = written.replace(" ", "").replace("　", "")
    hit = one(written) or one(plain)
    if hit is not None:
        return RankReading(written, hit[0], hit[1])
    found = [h for p in _RANK_SPLIT.split(plain) if p and (h := one(p)) is not None]
    if not found:
        every = sorted({*names, *(n for _, ns in RANKS.values() for n in ns)}, key=len,
                       reverse=True)
        for p in _RANK_SPLIT.split(plain):
            tail = next((n for n in every if len(n) >= 2 and p.endswith(n)), None)
            if tail is not None:
                h = one(tail)
                if h is not None:
                    found.append(h)
    if not found:
        return None
    code, via = max(found, key=lambda h: RANKS[h[0]][0])
    return RankReading(written, code, via)


def _lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, names in table.items():
        out[code] = code
        out[code.replace("_", " ")] = code
        for n in names:
            out[n] = code
    return out


_LOOKUPS: dict[int, tuple[dict[str, tuple[str, ...]], dict[str, str]]] = {}


def _lookup_of(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """:func:`_lookup` of ``table``, built once per table (an import asks it per row)."""
    hit = _LOOKUPS.get(id(table))
    if hit is None or hit[0] is not table:
        hit = _LOOKUPS[id(table)] = (table, _lookup(table))
    return hit[1]


_KIND_LOOKUP: Final = _lookup(KINDS)
_ALL_TAGS: Final = {**TARGET_TAGS, **VILLAGE_TAGS}
_TAG_LOOKUP: Final = _lookup(_ALL_TAGS)
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
    """Return the rank code for a code, a rank of the ladder, a 2019 rank or a position.

    Raises
    ------
    ValueError
        Naming the accepted values and how to add the name.
    """
    reading = read_rank(text)
    if reading is None:
        raise ValueError(
            f"unknown rank; expected one of {_ladder()}, a rank of 2019 (一级…四级调研员, "
            "一级…四级主任科员, 一级/二级科员) or a position (镇长, 副镇长, 社区书记, 社区两委 …)")
    return reading.code


def rank_level(code: str) -> int:
    """Return the numeric level of a rank code (higher = more senior)."""
    return RANKS[code][0]


_TAG_SEPARATORS: Final = (";", "；", "、", ",", "，", "|")


def read_tags(text: str | None, *, allowed: dict[str, tuple[str, ...]] | None = None
              ) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Like :func:`parse_tags`, also returning the synonyms read: (written, code) pairs.

    A synonym is a piece written otherwise than its tag's label (低保户 for 困难户).
    """
    codes, unknown = parse_tags(text, allowed=allowed)
    synonyms: list[tuple[str, str]] = []
    if text is not None and codes:
        table = allowed if allowed is not None else _ALL_TAGS
        lookup = _lookup_of(table)
        s = str(text)
        for sep in _TAG_SEPARATORS[1:]:
            s = s.replace(sep, ";")
        for piece in s.split(";"):
            p = piece.strip()
            code = lookup.get(p.lower() if p.isascii() else p)
            if code is not None and p != table[code][0] and p != code:
                synonyms.append((p, code))
    return codes, unknown, synonyms


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
    lookup = _lookup_of(allowed) if allowed is not None else _TAG_LOOKUP
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
