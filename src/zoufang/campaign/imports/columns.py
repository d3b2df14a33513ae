"""Which columns each import reads, under which Chinese or English headers.

Headers are matched case-insensitively, ignoring spaces, underscores and anything in
brackets (``经度（GCJ-02）`` matches ``经度``; the bracket still declares the CRS, see
:func:`header_crs`); a joined two-row header matches by its lower part. The user may
name any column's meaning (``--columns id=grid_id``, or the web's drop-downs). Two
columns of one meaning, or a required one missing, refuse the file with the closest
headers and the fix. Columns that match nothing are kept in the row's ``extra`` so that
nothing of the user's file is lost.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Final

from zoufang._errors import Problem
from zoufang.campaign.imports.tables import norm_header

__all__ = ["CADRE_COLUMNS", "Column", "GRID_COLUMNS", "TARGET_COLUMNS", "header_crs",
           "match_columns", "parse_columns_option"]


@dataclass(frozen=True)
class Column:
    """One logical column: its key, the headers it is known by, and whether it is required."""

    key: str
    aliases: tuple[str, ...]
    required: bool = False

    @property
    def label(self) -> str:
        """The header shown to users: the first (Chinese) alias and the key."""
        return f"{self.aliases[0]}/{self.key}"


TARGET_COLUMNS: tuple[Column, ...] = (
    Column("id", ("编号", "id", "对象编号", "户号", "户编号", "户编码", "编码", "代码", "code",
                  "对象代码", "统一编号", "target_id"), required=True),
    Column("name", ("姓名", "名称", "name", "户主", "户主姓名", "户主名称", "对象名称",
                    "单位名称", "企业名称", "商铺名称", "店名")),
    Column("kind", ("类型", "kind", "type", "类别", "对象类型", "对象类别", "走访对象类型")),
    Column("address", ("地址", "address", "住址", "家庭住址", "详细地址", "现住址", "居住地址",
                       "门牌地址", "所在地址", "经营地址", "单位地址", "门牌号")),
    Column("phone", ("电话", "phone", "联系电话", "联系方式", "手机", "手机号", "手机号码",
                     "联系手机", "联系号码", "电话号码", "户主电话", "固定电话", "tel", "mobile")),
    Column("lon", ("经度", "lon", "lng", "long", "longitude", "x", "东经", "坐标经度")),
    Column("lat", ("纬度", "lat", "latitude", "y", "北纬", "坐标纬度")),
    Column("tags", ("标签", "tags", "重点类别", "户类别", "人员类别", "对象标签", "特殊人群",
                    "重点人群", "户属性", "家庭类别")),
    Column("grid", ("网格", "grid", "网格编号", "网格编码", "网格代码", "所属网格", "所在网格",
                    "网格号", "grid_id")),
)

GRID_COLUMNS: tuple[Column, ...] = (
    Column("id", ("编号", "id", "网格编号", "网格编码", "网格代码", "grid_id", "gridid",
                  "网格id", "编码", "code"), required=True),
    Column("name", ("名称", "name", "网格名称", "grid_name", "网格名")),
    Column("village", ("村", "village", "村居", "社区", "community", "村社区", "所属村",
                       "所属社区", "所属村居", "村（社区）", "村社区名称", "村名", "社区名称",
                       "village_name", "community_name")),
    Column("township", ("乡镇", "township", "镇", "街道", "乡镇街道", "所属乡镇", "所属街道",
                        "town", "street")),
    Column("village_tags", ("村标签", "village_tags", "村类别", "社区类别")),
    Column("grid_worker", ("网格员", "grid_worker", "网格员姓名", "专职网格员")),
    Column("grid_worker_phone", ("网格员电话", "grid_worker_phone", "网格员联系方式",
                                 "网格员手机", "网格员联系电话")),
)

CADRE_COLUMNS: tuple[Column, ...] = (
    Column("id", ("编号", "id", "工号", "干部编号", "人员编号", "code", "cadre_id"),
           required=True),
    Column("name", ("姓名", "name", "干部姓名"), required=True),
    Column("rank", ("级别", "rank", "职级", "现职级", "职务职级", "职级层次"), required=True),
    Column("position", ("职务", "position", "现任职务", "岗位", "现职务", "title")),
    Column("unit", ("单位", "unit", "工作单位", "所在单位", "部门", "所在部门", "科室")),
    Column("phone", ("电话", "phone", "联系电话", "联系方式", "手机", "手机号码")),
    Column("lon", ("基地经度", "base_lon", "驻点经度", "办公经度", "经度", "lon", "lng")),
    Column("lat", ("基地纬度", "base_lat", "驻点纬度", "办公纬度", "纬度", "lat")),
    Column("hours_per_day", ("每日小时", "hours_per_day", "每天小时", "每日可用小时",
                             "每天可用小时"), required=True),
    Column("days_available", ("可用天数", "days_available", "天数", "可走访天数"),
           required=True),
)

def _norm(header: str) -> str:
    return norm_header(header)


#: Words of a header that declare the CRS of its coordinates: pattern -> CRS name.
_CRS_WORDS: Final = ((re.compile(r"高德|腾讯|火星|gcj", re.I), "gcj02"),
                     (re.compile(r"百度|bd-?09", re.I), "bd09"),
                     (re.compile(r"cgcs|国家2000|2000坐标", re.I), "cgcs2000"),
                     (re.compile(r"wgs|gps|天地图", re.I), "wgs84"))


def header_crs(header: str | None) -> str | None:
    """Return the CRS a coordinate header declares (``坐标（高德）/经度`` → ``gcj02``), or None."""
    if not header:
        return None
    for pattern, name in _CRS_WORDS:
        if pattern.search(header):
            return name
    return None


def parse_columns_option(text: str | None) -> dict[str, str]:
    """Parse ``--columns KEY=HEADER[,KEY=HEADER…]`` into key -> header.

    Raises
    ------
    ValueError
        A piece is not ``KEY=HEADER``.
    """
    out: dict[str, str] = {}
    for piece in re.split(r"[,，]", text or ""):
        if not piece.strip():
            continue
        key, sep, header = piece.partition("=")
        if not sep or not key.strip() or not header.strip():
            raise ValueError(f"--columns: {piece.strip()!r} is not KEY=HEADER (e.g. "
                             "id=grid_id,village=community)")
        out[key.strip()] = header.strip()
    return out


def _closest(headers: list[str], col: Column, taken: set[str], n: int = 3) -> list[str]:
    """Return the file's free headers most like the names of ``col``, best first."""
    scored = []
    names = [_norm(a) for a in col.aliases]
    for h in headers:
        if h in taken:
            continue
        nh = _norm(h)
        if not nh:
            continue
        ratio = max(difflib.SequenceMatcher(None, nh, a).ratio() for a in names)
        if any(a and (a in nh or nh in a) for a in names):
            ratio += 0.5
        scored.append((ratio, h))
    scored.sort(key=lambda x: -x[0])
    return [h for r, h in scored[:n] if r >= 0.3] or [h for _, h in scored[:n]]


def match_columns(
    headers: list[str], spec: tuple[Column, ...], source: str, *,
    provided: frozenset[str] = frozenset(), overrides: dict[str, str] | None = None,
    subnames: dict[str, str] | None = None, hints: str = "cli",
    header_row: int | None = None,
) -> tuple[dict[str, str], list[str], list[Problem]]:
    """Match a file's headers to a column spec.

    Parameters
    ----------
    headers
        The file's headers as written.
    spec
        The columns to look for.
    source
        File name for messages.
    provided
        Keys the caller supplies otherwise (e.g. ``lon``/``lat`` from a vector file's
        geometry, ``kind`` from ``--kind``): not required as columns.
    overrides
        key -> header chosen by the user (``--columns``, or the web's drop-downs); they
        win over the names of the spec.
    subnames
        Joined two-row headers -> their lower part (``坐标（高德）/经度`` -> ``经度``),
        matched as well as the whole name.
    hints
        ``"cli"``: messages name the ``--columns`` option that fixes them; ``"web"``: they
        say to choose the column's meaning on the page.
    header_row
        The header's row number, for messages (default 1).

    Returns
    -------
    (mapping, unused, problems)
        ``mapping`` key -> header; ``unused`` headers matching nothing; ``problems`` the
        file-level errors (missing required columns, two headers for one column, a chosen
        header the file lacks).
    """
    mapping: dict[str, str] = {}
    problems: list[Problem] = []
    used: set[str] = set()
    subnames = subnames or {}
    row = header_row or 1
    by_key = {c.key: c for c in spec}
    for key, header in (overrides or {}).items():
        if key not in by_key:
            problems.append(Problem(source, None, None, f"unknown column meaning {key!r} "
                                    f"chosen; expected one of {', '.join(by_key)}",
                                    code="bad_columns_option", value=key))
            continue
        hits = [h for h in headers if h == header] or [
            h for h in headers if _norm(h) == _norm(header)
            or _norm(subnames.get(h, "")) == _norm(header)]
        if not hits:
            near = _closest(headers, Column(key, (header,)), set(), 3)
            problems.append(Problem(source, row, None, f"column {header!r} chosen for "
                                    f"{by_key[key].label} is not in the file; the closest "
                                    f"headers are {', '.join(near) or 'none'}",
                                    code="missing_column", value=header,
                                    params={"variant": "chosen",
                                            "closest": "、".join(near) or "无"}))
            continue
        mapping[key] = hits[0]
        used.add(hits[0])
    for col in spec:
        if col.key in mapping:
            continue
        names = {_norm(a) for a in col.aliases}
        hits = [h for h in headers if h not in used
                and (_norm(h) in names or _norm(subnames.get(h, "\0")) in names)]
        if not hits:
            continue
        if len(hits) > 1:
            fix = (f"keep one of them, or say which to use with --columns {col.key}={hits[0]}"
                   if hints == "cli" else "keep one of them, or choose which column holds "
                   "it (选择该列的含义)")
            problems.append(Problem(source, row, None, f"columns {' and '.join(hits)} all "
                                    f"read as {col.label}; {fix}", code="duplicate_meaning",
                                    value="、".join(hits), params={"label": col.aliases[0]}))
        mapping[col.key] = hits[0]
        used.update(hits)
    for col in spec:
        if col.required and col.key not in mapping and col.key not in provided:
            near = _closest(headers, col, set(mapping.values()))
            if hints == "cli":
                fix = (f"; if it is {near[0]!r}, add --columns {col.key}={near[0]}"
                       if near else "")
            else:
                fix = (f"; if it is {near[0]!r}, choose that column's meaning as "
                       f"{col.aliases[0]} (选择该列的含义)" if near else "")
            problems.append(Problem(
                source, row, None,
                f"required column {col.label} is missing; expected a header named one of "
                f"{', '.join(col.aliases)}; the file has {', '.join(headers) or 'no headers'}"
                + (f"; the closest are {', '.join(near)}" if near else "") + fix,
                code="missing_column",
                params={"label": col.aliases[0], "aliases": "、".join(col.aliases[:6]),
                        "closest": "、".join(near) or "无"},
            ))
    unused = [h for h in headers if h not in used]
    return mapping, unused, problems
