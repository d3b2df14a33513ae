"""Exports of the ledger (.xlsx and CSV) with the Chinese headers of the seed tables.

The five tables of the Haiyang notice (附件1–5, DOMAIN.md "Reports"), the township plan's
full issue list (问题清单) and list of residents with no problem (没有问题群众清单), the
weekly summary of measures (每周汇总) and the measures per level:

=========  =====================================================  ==============================
key        table                                                  rows
=========  =====================================================  ==============================
附件1      走访村民(居民)情况统计表                                 households visited (settled
                                                                  outcome) in the range, one
                                                                  row each, by a 走访 visit
附件2      村民(居民)反映的问题分类统计表(公共方面)                 issues of 走访 visits, public
附件3      干部联系服务对象情况统计表                               targets visited as service
                                                                  contacts (干部联系服务对象)
附件4-行业 干部联系服务对象反映的问题分类统计表(行业领域)            their sector issues
附件4-公共 干部联系服务对象反映的问题分类统计表(公共方面)            their public issues
附件5      89000民生热线、网上民声交办问题统计表                    hotline issues
问题清单   问题清单                                                every issue raised in the range
无问题清单 没有问题群众清单                                        targets visited (outcome
                                                                  visited) who raised no issue
每周汇总   每周汇总                                                weekly_summary
走访指标-* 走访指标（按乡镇/村/网格/干部）                            compute_measures
=========  =====================================================  ==============================

With ``mask=True`` residents' names and phone numbers are masked (张*, 138****1234), and
so are cadres' names — for copies that go to leaders.

Text that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or CR: a name ``=HYPERLINK(…)`` from an upload, an issue's text) is written as text,
masked or not: a quote-prefixed string cell in the .xlsx, ``'`` in front in the CSV
(:mod:`zoufang.sheets`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Final

import pandas as pd
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from zoufang.campaign.issues import (
    RESPONSIBILITIES,
    SCOPES,
    URGENCIES,
    category_label,
    get_config,
    status_label,
    warning_level,
)
from zoufang.campaign.measures import compute_measures, measures_to_chinese, weekly_summary
from zoufang.campaign.store import Cadre, Grid, Issue, Target, Village, Visit, local_now
from zoufang.campaign.visits import MODES, OUTCOMES, SETTLED_OUTCOMES
from zoufang.privacy import mask_name, mask_phone
from zoufang.sheets import csv_frame, neutralise_workbook

__all__ = ["TITLES", "export_tables", "write_csv", "write_xlsx"]

#: Table key -> full title (CSV file name, first row of the sheet).
TITLES: Final[dict[str, str]] = {
    "附件1": "走访村民(居民)情况统计表",
    "附件2": "村民(居民)反映的问题分类统计表(公共方面)",
    "附件3": "干部联系服务对象情况统计表",
    "附件4-行业": "干部联系服务对象反映的问题分类统计表(行业领域)",
    "附件4-公共": "干部联系服务对象反映的问题分类统计表(公共方面)",
    "附件5": "89000民生热线、网上民声交办问题统计表",
    "问题清单": "问题清单",
    "无问题清单": "没有问题群众清单",
    "每周汇总": "每周汇总",
}
_RESIDENT: Final = ["村(居)民住址", "村(居)民姓名", "联系电话", "备注"]
_RESIDENT_ISSUE: Final = ["村(居)民姓名", "村(居)民住址", "联系电话", "问题类型", "问题内容",
                          "备注"]
_CONTACT: Final = ["服务对象姓名", "工作单位(住址)", "联系电话", "备注"]
_CONTACT_ISSUE: Final = ["服务对象姓名", "工作单位(住址)", "联系电话", "问题类型", "问题内容",
                         "备注"]
_HOTLINE: Final = ["反映人姓名", "联系电话", "问题内容", "办理情况", "责任单位", "备注"]


def _range(col: Any, start: dt.date | None, end: dt.date | None) -> list[Any]:
    out = []
    if start:
        out.append(col >= dt.datetime.combine(start, dt.time()))
    if end:
        out.append(col < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    return out


def export_tables(session: Session, township_id: int, *, start: dt.date | None = None,
                  end: dt.date | None = None, mask: bool = False,
                  as_of: dt.datetime | None = None, measures: bool = True
                  ) -> dict[str, pd.DataFrame]:
    """Build every table (see the module docstring) as DataFrames with Chinese headers.

    ``start``/``end`` (inclusive local dates) select visits by time and issues by
    raised_at; ``as_of`` (default now) is the day warnings are computed for.
    """
    cfg = get_config(session, township_id)
    name_f = mask_name if mask else (lambda x: x)
    phone_f = mask_phone if mask else (lambda x: x)
    today = (as_of or local_now()).date()
    tables: dict[str, pd.DataFrame] = {}

    # --- visited targets: last settled visit per target, by channel
    def visited(channel: str, kinds: tuple[str, ...] | None) -> list[Any]:
        last = (select(Visit.target_id, func.max(Visit.at).label("at"))
                .where(Visit.township_id == township_id, Visit.channel == channel,
                       Visit.outcome.in_(SETTLED_OUTCOMES), *_range(Visit.at, start, end))
                .group_by(Visit.target_id).subquery())
        q = (select(Target, Visit, Cadre.name)
             .join(last, last.c.target_id == Target.id)
             .join(Visit, and_(Visit.target_id == Target.id, Visit.at == last.c.at,
                               Visit.channel == channel))
             .join(Cadre, Cadre.id == Visit.cadre_id)
             .order_by(Target.ext_id, Visit.id))
        if kinds:
            q = q.where(Target.kind.in_(kinds))
        seen: set[int] = set()
        rows = []
        for t, v, cname in session.execute(q):
            if t.id not in seen:
                seen.add(t.id)
                rows.append((t, v, cname))
        return rows

    def visit_note(v: Visit, cname: str) -> str:
        parts = [f"{v.at:%Y-%m-%d}", MODES[v.mode][0] if v.mode != "in_home" else "入户"]
        if v.outcome != "visited":
            parts.append(OUTCOMES[v.outcome][0])
        parts.append(f"走访人:{name_f(cname)}")
        return "；".join(parts)

    tables["附件1"] = pd.DataFrame(
        [[t.address, name_f(t.name), phone_f(t.phone), visit_note(v, c)]
         for t, v, c in visited("visit", ("household",))], columns=_RESIDENT)
    tables["附件3"] = pd.DataFrame(
        [[name_f(t.name), t.address, phone_f(t.phone), f"联系干部:{name_f(c)}"]
         for t, v, c in visited("service_contact", None)], columns=_CONTACT)

    # --- issues
    owner = aliased(Cadre)
    q = (select(Issue, Target, Grid.ext_id, Village.name, owner.name)
         .outerjoin(Target, Target.id == Issue.target_id)
         .outerjoin(Grid, Grid.id == Target.grid_id)
         .outerjoin(Village, Village.id == Grid.village_id)
         .outerjoin(owner, owner.id == Issue.owner_cadre_id)
         .where(Issue.township_id == township_id, *_range(Issue.raised_at, start, end))
         .order_by(Issue.raised_at, Issue.id))
    rows = session.execute(q).all()

    def who(i: Issue, t: Target | None) -> tuple[Any, Any, Any]:
        name = i.reporter_name or (t.name if t else None)
        phone = i.reporter_phone or (t.phone if t else None)
        return name_f(name), (t.address if t else None), phone_f(phone)

    def note(i: Issue) -> str:
        parts = [f"编号{i.id}", status_label(i.status)]
        if i.unit:
            parts.append(f"责任单位:{i.unit}")
        return "；".join(parts)

    def issue_table(channel: str, scope: str, cols: list[str]) -> pd.DataFrame:
        out = []
        for i, t, _g, _v, _o in rows:
            if i.channel == channel and i.scope == scope:
                n, a, p = who(i, t)
                out.append([n, a, p, category_label(i.category, cfg), i.text, note(i)])
        return pd.DataFrame(out, columns=cols)

    tables["附件2"] = issue_table("visit", "public", _RESIDENT_ISSUE)
    tables["附件4-行业"] = issue_table("service_contact", "sector", _CONTACT_ISSUE)
    tables["附件4-公共"] = issue_table("service_contact", "public", _CONTACT_ISSUE)
    hot = []
    for i, t, _g, _v, _o in rows:
        if i.channel == "hotline":
            n, _a, p = who(i, t)
            state = status_label(i.status) + (f"（{i.result}）" if i.result else "")
            hot.append([n, p, i.text, state, i.unit, f"编号{i.id}"])
    tables["附件5"] = pd.DataFrame(hot, columns=_HOTLINE)
    full = []
    for i, t, g, vname, oname in rows:
        n, a, p = who(i, t)
        warn = warning_level(i.status, i.deadline, today, yellow_days=cfg.yellow_days)
        full.append({
            "编号": i.id, "村(社区)": vname, "网格": g, "对象编号": t.ext_id if t else None,
            "姓名": n, "地址": a, "联系电话": p, "来源": {"visit": "入户走访",
                                                   "service_contact": "干部联系服务对象",
                                                   "hotline": "民生热线"}[i.channel],
            "领域": SCOPES[i.scope][0], "问题类型": category_label(i.category, cfg),
            "责任类别": RESPONSIBILITIES[i.responsibility][0],
            "紧急程度": URGENCIES[i.urgency][0], "问题内容": i.text,
            "状态": status_label(i.status), "走访干部(责任人)": name_f(oname),
            "责任单位": i.unit, "承办人": name_f(i.handler) if i.handler else None,
            "办理期限": i.deadline, "预警": {"red": "红色预警", "yellow": "黄色预警"}.get(
                warn or "", ""), "挂牌督办": "是" if i.supervised else "",
            "回访评价": {"satisfied": "满意", "not_satisfied": "不满意"}.get(i.rating or "", ""),
            "登记时间": i.raised_at, "销号时间": i.closed_at,
            "销号方式": {"satisfied": "群众满意", "unsolvable": "无法解决已解释"}.get(
                i.close_kind or "", ""), "办理结果": i.result, "解释说明": i.explanation,
            "案件": i.case_id,
        })
    tables["问题清单"] = pd.DataFrame(full, columns=list(full[0]) if full else [
        "编号", "村(社区)", "网格", "对象编号", "姓名", "地址", "联系电话", "问题类型", "问题内容",
        "状态"])

    # --- visited, no issue
    no_issue = (select(Target, Grid.ext_id, Village.name, Visit.at, Cadre.name)
                .join(Visit, Visit.target_id == Target.id)
                .join(Cadre, Cadre.id == Visit.cadre_id)
                .outerjoin(Grid, Grid.id == Target.grid_id)
                .outerjoin(Village, Village.id == Grid.village_id)
                .where(Target.township_id == township_id, Visit.outcome == "visited",
                       *_range(Visit.at, start, end),
                       ~exists(select(Issue.id).where(Issue.target_id == Target.id,
                                                      *_range(Issue.raised_at, start, end))))
                .order_by(Target.ext_id, Visit.at.desc()))
    seen: set[int] = set()
    ni = []
    for t, g, vname, at, cname in session.execute(no_issue):
        if t.id in seen:
            continue
        seen.add(t.id)
        ni.append([vname, g, t.ext_id, name_f(t.name), t.address, phone_f(t.phone),
                   name_f(cname), at])
    tables["无问题清单"] = pd.DataFrame(ni, columns=["村(社区)", "网格", "对象编号", "姓名", "地址",
                                                "联系电话", "走访干部", "走访时间"])
    if measures:
        s0 = start or session.scalar(select(func.min(Visit.at)).where(
            Visit.township_id == township_id))
        s1 = end or session.scalar(select(func.max(Visit.at)).where(
            Visit.township_id == township_id))
        if s0 is not None and s1 is not None:
            s0 = s0.date() if isinstance(s0, dt.datetime) else s0
            s1 = s1.date() if isinstance(s1, dt.datetime) else s1
            tables["每周汇总"] = weekly_summary(session, township_id, start=s0, end=s1)
        m = compute_measures(session, township_id, start=start, end=end, as_of=as_of,
                             mask=mask)
        cn = {"township": "乡镇", "village": "村", "grid": "网格", "cadre": "干部"}
        for lvl, df in m.items():
            tables[f"走访指标-{cn.get(lvl, lvl)}"] = measures_to_chinese(df)
    return tables


def _title(key: str) -> str:
    if key.startswith("走访指标-"):
        return f"走访指标（按{key.split('-', 1)[1]}）"
    return TITLES.get(key, key)


def write_xlsx(tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write the tables to one workbook, a sheet per table (named by its key).

    Each sheet has the table's full title in the first row and the headers in the second.
    Text that would read as a formula is stored as text (:mod:`zoufang.sheets`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for key, df in tables.items():
            sheet = key[:31]
            df.to_excel(xw, sheet_name=sheet, index=False, startrow=1)
            ws = xw.sheets[sheet]
            ws.cell(row=1, column=1, value=_title(key))
            for i, col in enumerate(df.columns, start=1):
                ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = max(
                    10, min(40, 2 * len(str(col)) + 2))
        neutralise_workbook(xw.book)
    return path


def write_csv(tables: dict[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """Write each table to ``folder/<key>_<title>.csv`` in UTF-8 with BOM (opens in Excel).

    Text that would read as a formula gets a ``'`` in front (:mod:`zoufang.sheets`);
    lines end in CRLF and a field holding a line break is quoted.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for key, df in tables.items():
        title = _title(key)
        name = key if title == key else f"{key}_{title}"
        p = folder / (name.replace("/", "_") + ".csv")
        # CRLF line ends, as csv.writer: a field holding a CR or LF is then quoted too,
        # so an embedded CR cannot start a row (and a formula) of its own.
        csv_frame(df).to_csv(p, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        out.append(p)
    return out
