"""The arrangement table (安排表): who visits which area, published as .xlsx or CSV.

One row per visit area of the campaign's current plan, in area order, with the headers
of :data:`ARRANGEMENT_HEADERS`: the cadre (走访人员) with unit, rank and phone; the area
(走访区域) with its grids (网格) and villages (村(社区)); how many households (户数),
enterprises (企业数) and other units (商铺、学校、医院、市场、机关) it holds; the must-go
targets and villages given to the cadre (必到对象, 四个必到); the workload and the time
available, in hours; the cadre's id and remarks (locked pair, hours over capacity).

The .xlsx has the title in row 1 and the headers in row 2 (as the ledger's exports), and
a second sheet 说明 with the plan's figures, must-go coverage and shortfall. The CSV has
the headers in row 1 and is UTF-8 with BOM, so Excel opens it with the Chinese intact.
Text that a spreadsheet would read as a formula (a cadre's or area's name starting with
``=``, ``+``, ``-``, ``@``, tab or CR) is written as text: a quote-prefixed string cell in
the .xlsx, ``'`` in front in the CSV (:mod:`zoufang.sheets`).

``masked=True`` is the copy for public posting (公示): cadres' phones become
``138****1234`` and the names of residents among the must-go targets (e.g. registered
poor households, 建档立卡户) are masked (张*); enterprises and villages keep their names.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from zoufang.campaign.areas import AreaPlanResult, current_plan
from zoufang.campaign.phases import DEFAULT_PHASES
from zoufang.campaign.store import Grid, MustGoAssignment, Store, Target
from zoufang.privacy import mask_name, mask_phone
from zoufang.sheets import csv_row, neutralise_workbook

__all__ = ["ARRANGEMENT_HEADERS", "Arrangement", "arrangement", "write_arrangement"]

#: Column headers of the arrangement table, in order.
ARRANGEMENT_HEADERS: Final = (
    "序号", "走访人员", "单位", "级别", "联系电话", "走访区域", "网格", "村(社区)", "户数",
    "企业数", "其他单位数", "必到对象", "工作量(小时)", "可用时间(小时)", "人员编号", "备注",
)

_RULE_ORDER: Final = ("weak_village", "resettlement_community", "listed_enterprise",
                      "poor_registered")
_RULE_LABEL: Final = {"weak_village": "经济薄弱村", "resettlement_community": "安置社区",
                      "listed_enterprise": "列统企业", "poor_registered": "建档立卡户"}
_PERSONS: Final = frozenset({"household"})
_PHASE_NAMES: Final = {k: n for k, n, _s, _e in DEFAULT_PHASES}


@dataclass
class Arrangement:
    """The arrangement table of one plan: rows (dicts keyed by the headers) and the plan."""

    plan: AreaPlanResult
    rows: list[dict[str, Any]]
    masked: bool
    notes: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        """Title line of the table."""
        return (f"{self.plan.campaign} 走访人员与走访区域安排表（{self.plan.township}，"
                f"方案#{self.plan.plan_id}，{self.plan.created_at[:10]}）")


def _mustgo_text(session: Session, plan_id: int, *, masked: bool) -> dict[str, str]:
    """Must-go targets/villages of each cadre (by cadre id), as one cell of text."""
    rows = session.execute(
        select(MustGoAssignment.cadre_ext_id, MustGoAssignment.rule,
               MustGoAssignment.village_name, Target.ext_id, Target.name, Target.kind,
               Grid.ext_id)
        .outerjoin(Target, Target.id == MustGoAssignment.target_id)
        .outerjoin(Grid, Grid.id == Target.grid_id)
        .where(MustGoAssignment.plan_id == plan_id)
        .order_by(MustGoAssignment.cadre_ext_id, MustGoAssignment.id)).all()
    per: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for cadre, rule, village, ext, name, kind, grid in rows:
        if village:
            item = village
        else:
            shown = name or ext or "?"
            if masked and kind in _PERSONS:
                shown = mask_name(shown) or "?"
            item = f"{shown}({grid})" if grid else shown
        per[cadre][rule].append(item)
    out = {}
    for cadre, by_rule in per.items():
        parts = [f"{_RULE_LABEL.get(r, r)}：{'、'.join(by_rule[r])}"
                 for r in (*_RULE_ORDER, *sorted(set(by_rule) - set(_RULE_ORDER)))
                 if r in by_rule]
        out[cadre] = "；".join(parts)
    return out


def arrangement(store: Store, *, township: str | None = None, campaign: str | None = None,
                masked: bool = False) -> Arrangement:
    """Build the arrangement table of the campaign's current plan.

    Raises
    ------
    NoPlanError
        When the campaign has no plan yet.
    """
    plan = current_plan(store, township=township, campaign=campaign)
    with store.session() as s:  # a plan's must-go rows never change: no race
        mg = _mustgo_text(s, plan.plan_id, masked=masked)
    rows = []
    for i, a in enumerate(plan.areas, start=1):
        c = a["counts"]
        other = sum(v for k, v in c.items() if k not in ("household", "enterprise"))
        remarks = []
        if a["locked"]:
            remarks.append("已锁定")
        if a["over_h"] > 0.05:
            remarks.append(f"超出可用时间{a['over_h']:.1f}小时")
        if not a["contiguous"]:
            remarks.append("区域不连通")
        phone = a["phone"]
        rows.append({
            "序号": i, "走访人员": a["cadre"], "单位": a["unit"] or "",
            "级别": a["rank_label"], "联系电话": (mask_phone(phone) if masked else phone) or "",
            "走访区域": a["name"], "网格": "、".join(a["grids"]),
            "村(社区)": "、".join(a["villages"]), "户数": c.get("household", 0),
            "企业数": c.get("enterprise", 0), "其他单位数": other,
            "必到对象": mg.get(a["cadre_id"], ""), "工作量(小时)": round(a["total_h"], 1),
            "可用时间(小时)": round(a["capacity_h"], 1), "人员编号": a["cadre_id"],
            "备注": "；".join(remarks),
        })
    notes: list[tuple[str, Any]] = [
        ("乡镇", plan.township), ("走访活动", plan.campaign), ("方案编号", plan.plan_id),
        ("生成时间", plan.created_at),
        ("阶段", f"{_PHASE_NAMES.get(plan.phase_kind or '', plan.phase_kind)}"
                 f"（可用天数上限{plan.phase_days}天）"),
        ("走访对象", plan.n_targets), ("走访人员/区域", plan.n_areas),
        ("总工作量(小时)", round(plan.workload_h, 1)),
        ("总可用时间(小时)", round(plan.capacity_h, 1)),
        ("工作量说明", "按对象类型计的走访时间＋区域内步行估计＋必到走访"),
    ]
    for m in plan.mustgo:
        if m["n_items"]:
            notes.append((f"必到：{m['label']}", f"{m['n_covered']}/{m['n_items']}"))
    if plan.shortfall:
        sf = plan.shortfall
        notes.append(("缺口(人·小时)", sf["cadre_hours_missing"]))
        notes.append(("风险网格", "、".join(f"{g['grid']}({g['hours']:.1f}小时)"
                                         for g in sf["grids_at_risk"])))
    lo = plan.left_out.get("targets")
    if lo:
        notes.append(("未入网格的对象(未分配)", lo["count"]))
    if plan.violations:
        notes.append(("检查未通过", "；".join(plan.violations)))
    else:
        notes.append(("检查", "通过"))
    return Arrangement(plan, rows, masked, notes)


def _write_xlsx(arr: Arrangement, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "安排表"
    ws.append([arr.title])
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    ws.append(list(ARRANGEMENT_HEADERS))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r in arr.rows:
        ws.append([r[h] for h in ARRANGEMENT_HEADERS])
    widths = {"序号": 6, "走访人员": 10, "单位": 18, "级别": 8, "联系电话": 14,
              "走访区域": 9, "网格": 22, "村(社区)": 18, "户数": 7, "企业数": 7,
              "其他单位数": 9, "必到对象": 50, "工作量(小时)": 11, "可用时间(小时)": 12,
              "人员编号": 10, "备注": 20}
    for i, h in enumerate(ARRANGEMENT_HEADERS, start=1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = widths[h]
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = wrap
    ws.freeze_panes = "C3"
    info = wb.create_sheet("说明")
    info.append(["项目", "内容"])
    for k, v in arr.notes:
        info.append([k, v])
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 80
    neutralise_workbook(wb)
    wb.save(path)


def _write_csv(arr: Arrangement, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(csv_row(ARRANGEMENT_HEADERS))
        for r in arr.rows:
            w.writerow(csv_row(r[h] for h in ARRANGEMENT_HEADERS))


def write_arrangement(store: Store, path: str | Path, *, township: str | None = None,
                      campaign: str | None = None, masked: bool = False) -> Arrangement:
    """Write the arrangement table to ``path`` (.xlsx or .csv, by its suffix).

    Raises
    ------
    ValueError
        When the suffix is neither ``.xlsx`` nor ``.csv``.
    NoPlanError
        When the campaign has no plan yet.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"the output file was {path.name!r} but is expected to end in "
                         ".xlsx or .csv")
    arr = arrangement(store, township=township, campaign=campaign, masked=masked)
    path.parent.mkdir(parents=True, exist_ok=True)
    (_write_xlsx if suffix == ".xlsx" else _write_csv)(arr, path)
    return arr
