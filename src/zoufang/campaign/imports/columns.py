"""Which columns each import reads, under which Chinese or English headers.

Headers are matched case-insensitively, ignoring spaces, underscores and anything in
brackets (``经度（GCJ-02）`` matches ``经度``). Columns that match nothing are kept in the
row's ``extra`` so that nothing of the user's file is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zoufang._errors import Problem

__all__ = ["CADRE_COLUMNS", "Column", "GRID_COLUMNS", "TARGET_COLUMNS", "match_columns"]


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
    Column("id", ("编号", "id", "对象编号", "户号", "代码", "code"), required=True),
    Column("name", ("姓名", "名称", "name", "户主", "户主姓名", "单位名称", "企业名称")),
    Column("kind", ("类型", "kind", "type", "类别", "对象类型")),
    Column("address", ("地址", "address", "住址", "家庭住址", "详细地址")),
    Column("phone", ("电话", "phone", "联系电话", "手机", "手机号", "tel", "mobile")),
    Column("lon", ("经度", "lon", "lng", "longitude", "x")),
    Column("lat", ("纬度", "lat", "latitude", "y")),
    Column("tags", ("标签", "tags", "重点类别", "户类别")),
    Column("grid", ("网格", "grid", "网格编号", "所属网格")),
)

GRID_COLUMNS: tuple[Column, ...] = (
    Column("id", ("编号", "id", "网格编号", "code"), required=True),
    Column("name", ("名称", "name", "网格名称")),
    Column("village", ("村", "village", "村居", "社区", "村社区", "所属村")),
    Column("township", ("乡镇", "township", "镇", "街道", "乡镇街道")),
    Column("village_tags", ("村标签", "village_tags", "村类别")),
    Column("grid_worker", ("网格员", "grid_worker")),
    Column("grid_worker_phone", ("网格员电话", "grid_worker_phone")),
)

CADRE_COLUMNS: tuple[Column, ...] = (
    Column("id", ("编号", "id", "工号", "code"), required=True),
    Column("name", ("姓名", "name"), required=True),
    Column("rank", ("级别", "rank", "职级"), required=True),
    Column("unit", ("单位", "unit", "工作单位", "所在单位")),
    Column("phone", ("电话", "phone", "联系电话", "手机")),
    Column("lon", ("基地经度", "base_lon", "经度", "lon", "lng")),
    Column("lat", ("基地纬度", "base_lat", "纬度", "lat")),
    Column("hours_per_day", ("每日小时", "hours_per_day", "每天小时", "每日可用小时"),
           required=True),
    Column("days_available", ("可用天数", "days_available", "天数"), required=True),
)

_BRACKETS = re.compile(r"[（(\[【].*?[)）\]】]")


def _norm(header: str) -> str:
    h = _BRACKETS.sub("", header)
    return re.sub(r"[\s_\-]+", "", h).lower()


def match_columns(
    headers: list[str], spec: tuple[Column, ...], source: str, *,
    provided: frozenset[str] = frozenset(),
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

    Returns
    -------
    (mapping, unused, problems)
        ``mapping`` key -> header; ``unused`` headers matching nothing; ``problems`` the
        file-level errors (missing required columns, two headers for one column).
    """
    mapping: dict[str, str] = {}
    problems: list[Problem] = []
    used: set[str] = set()
    for col in spec:
        # Prefer an exact alias order: the first alias that matches wins.
        for alias in col.aliases:
            hits = [h for h in headers if _norm(h) == _norm(alias) and h not in used]
            if hits:
                mapping[col.key] = hits[0]
                used.add(hits[0])
                break
    for col in spec:
        if col.required and col.key not in mapping and col.key not in provided:
            problems.append(Problem(
                source, 1, None,
                f"required column {col.label} is missing; expected a header named one of "
                f"{', '.join(col.aliases)}; the file has {', '.join(headers) or 'no headers'}",
                code="missing_column",
            ))
    unused = [h for h in headers if h not in used]
    return mapping, unused, problems
