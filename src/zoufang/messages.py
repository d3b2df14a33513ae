"""What the readers and importers' problems say to a person, in Chinese, by code.

A :class:`~zoufang._errors.Problem` carries an English ``message`` written for the log and
the CLI, a machine ``code`` and the details in ``field``, ``value`` and ``params``. The
web shows :func:`problem_text` instead: the Chinese sentence of the code, filled with those
details, saying what is wrong and what to do *on the page* (never a CLI option). This is
the one catalogue of those sentences. They name the wizard's controls by their labels in
:mod:`zoufang.web.i18n` (含义, 表头行, 坐标系, 没有类型列时，全部为), where the UI labels
are; the names of domain codes are in :mod:`zoufang.vocab`.

A template is looked up as ``code:variant`` (``params["variant"]``) and then ``code``.
Placeholders are ``{field}`` (the column as the file names it), ``{value}``, ``{row}``
and the problem's ``params``. A message already written in Chinese (the web's own checks
write some) is kept. A code with no template, or a template whose placeholder the problem
does not fill, falls back to the English message, so a new code never breaks a page;
``tests/test_messages.py`` checks that every code the importers raise has one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["FIELD_NAMES", "NOTE_MESSAGES", "PASSTHROUGH", "PROBLEM_MESSAGES", "note_text",
           "problem_text"]

_SPLIT_HINT: Final = "请按村/社区拆分成几个文件，分批导入"
_RETYPE: Final = ("请在 Excel 中把该列设为“文本”格式，重新输入完整数字后保存（或直接上传 .xlsx "
                  "原文件）")

#: code (or code:variant) -> Chinese sentence. Placeholders: field, value, row, params.
PROBLEM_MESSAGES: Final[dict[str, str]] = {
    # -- reading the file (gis.readers, campaign.imports.tables)
    "missing": "找不到该文件，请重新上传。",
    "format": "无法读取该文件：应为 .xlsx、.csv（网格图层另可为 GeoJSON、GeoPackage 或 "
              "Shapefile 压缩包），且文件未损坏。请确认扩展名与内容一致后重新上传。",
    "empty": "文件（或工作表）是空的，没有可导入的行。请检查是否选错了文件或工作表。",
    "sheet": "工作簿中没有名为“{value}”的工作表，请确认工作表名称。",
    "encoding": "无法识别文件的文字编码（应为 UTF-8 或 GBK/GB18030）。请在 Excel 中“另存为”"
                "“CSV UTF-8”后重新上传。",
    "malformed": "第 {row} 行不是有效的 CSV（引号或分隔符不成对）。请用 Excel 打开后另存为 "
                 "CSV，或直接上传 .xlsx。",
    "duplicate_header": "表头“{field}”出现了两次（第 {first} 列和第 {second} 列）。请给其中"
                        "一列改名后重新上传。",
    "no_header": "找不到表头行：前几行里没有一行写着所需的列名（如 编号、姓名、经度）。请在"
                 "“表头行”中填写列名所在的行号。",
    "no_header:given": "第 {row} 行是空行或超出了文件末尾，不是表头。请在“表头行”中填写"
                       "列名所在的行号。",
    "field_count": "该行有 {cells} 个字段，而表头（第 {header_row} 行）有 {width} 列：文件在"
                   "此处被截断或损坏。请核对该行（每列一个字段，空值也要保留分隔符）；整份文件"
                   "未导入。",
    "extra_cells": "该行有 {cells} 个单元格，而表头只有 {width} 列：多出的内容没有列名。请"
                   "删去多余的单元格或补上表头。",
    # -- limits (gis.readers.ReadLimits)
    "too_slow": "文件在 {allowed} 秒内未能读完，已拒收。" + _SPLIT_HINT + "。",
    "too_many_rows": "数据超过 {max} 行的上限，已拒收。" + _SPLIT_HINT + "。",
    "too_many_columns": "表头有 {value} 列，超过 {max} 列的上限。请删去与走访无关的列后重新"
                        "上传。",
    "field_too_long": "单元格超过 {allowed} 个字符的上限。每个单元格应为简短文字，请检查该列"
                      "是否粘贴了大段内容。",
    "zip_members": "压缩包内有 {value} 个文件，超过 {max} 个的上限，已拒收。",
    "zip_expanded": "压缩包解压后共 {value} 字节，超过 {max} 字节的上限，已拒收。",
    "zip_ratio": "压缩比 {value}:1 异常（疑似压缩炸弹），已拒收。请另存为普通 .xlsx 或 .csv "
                 "后重新上传。",
    # -- columns (campaign.imports.columns)
    "bad_columns_option": "未知的列含义“{value}”，请在下拉框中重新选择。",
    "missing_column": "缺少必需的列“{label}”（表头应为 {aliases} 之一）。文件中最接近的列："
                      "{closest}。请在“含义”中为该列选择“{label}”。",
    "missing_column:chosen": "所选的列“{value}”不在文件中（最接近的列：{closest}）。请在"
                             "“含义”中重新选择。",
    "missing_column:kind": "没有“类型”列。请在“含义”中选出类型列，或在“没有类型列时，全部为”中"
                           "为所有行选一个类型。",
    "missing_column:lonlat": "没有“经度”“纬度”两列：走访对象需要坐标才能落入网格。请在“列"
                             "含义”中选出经度列和纬度列。",
    "duplicate_meaning": "“{value}”几列都被识别为“{label}”。请在“含义”中只给其中一列选"
                         "“{label}”，其余改为“（不导入，保留在附加信息）”。",
    "crs_conflict": "经度、纬度两列的表头写明了不同的坐标系（{systems}）。请在“坐标系”中选定"
                    "一种。",
    # -- rows (campaign.imports.importer)
    "missing_id": "编号为空：每一行都需要编号。请补上编号。",
    "duplicate_id": "编号“{value}”在文件中重复（第 {first} 行已使用）：同一文件内编号必须唯一。",
    "shortened_number": "“{field}”中的数字被表格软件截成了科学计数法（{value}），后几位已丢失。"
                        + _RETYPE + "。",
    "bad_phone": "“{value}”不像电话号码（应为 11 位手机号或带区号的固话），已按原样保存，请"
                 "核对。",
    "missing_kind": "类型为空。请填写 居民家庭、企业、商铺 等，或在“没有类型列时，全部为”中为所有行"
                    "选一个类型。",
    "bad_kind": "未知的类型“{value}”。可用的类型：{accepted}。",
    "not_a_number": "“{field}”应为十进制度数（如 116.397）或度分秒（如 117°07′12.3″），这里"
                    "是“{value}”。",
    "out_of_range": "“{field}”应为 {lo} 到 {hi} 之间的{number}，这里是“{value}”。",
    "out_of_range:lonlat": "（{value}）不是以度为单位的经纬度。若文件使用投影坐标，请在“坐标"
                           "系”中选择它的 EPSG 编号。",
    "zero_point": "坐标为 (0, 0)：这是占位值，不是实际位置。请填写该对象的真实经纬度。",
    "lonlat_swapped": "经度和纬度填反了（{value}）：我国经度在 73–135 之间、纬度在 4–54 之间。"
                      "请把经度放在“经度”列、纬度放在“纬度”列。",
    "outside_china": "该点（{value}）换算为 WGS-84 后在我国境外。请核对数字，以及“坐标系”是否"
                     "选对。",
    "half_point": "只填了经度或纬度中的一个。请两个都填，或都留空。",
    "geometry_type": "几何类型应为{expected}，这里是 {got}。",
    "no_point": "没有坐标也没有网格：该对象暂时无法落格。导入后请在地图上标点或补填所属网格。",
    "no_point:cadre": "没有驻点坐标：无法计算往返路程。请补填驻点经度、纬度。",
    "free_tags": "以下标签不在词表中，已作为自由标签保存（可显示和筛选，不参与必访规则）："
                 "{listed}。",
    "township": "未指定乡镇：数据库中有多个乡镇。请在页面上方选择要导入的乡镇。",
    "township:several": "文件中有多个乡镇的网格（{value}）。请按乡镇拆分文件，逐个导入。",
    "township:other": "该网格属于“{value}”，不是正在导入的乡镇“{township}”。",
    "missing_value": "“{field}”为空，这一列必须填写。",
    "bad_rank": "未知的职级“{value}”。应为职级序列（科员、副科级、正科级…）、2019 年后的职级"
                "（一级至四级主任科员、调研员，一级、二级科员）或职务（镇长、副镇长、社区书记、"
                "社区两委…）。请联系管理员在“职级对照表”中添加它。",
    "vocab": "职级对照表（词表文件）无法读取，本次未导入。请联系管理员检查职级对照表。",
    "bad_argument": "导入参数有误（{field}：{value}），请刷新页面后重试；如仍出错请联系管理员。",
    "no_capacity": "该干部本阶段没有可用时间（每日 0 小时或 0 天），已保存，但无法分配走访区域。",
    # -- grids (campaign.imports.importer, gis.topology)
    "empty_geometry": "该网格没有图形。网格应为面（Polygon 或 MultiPolygon）。",
    "not_polygon": "网格图形应为面（Polygon 或 MultiPolygon），这里是 {value}。",
    "collapsed": "网格图形无效（{reason}），修复后面积为零。请在 GIS 软件中重画该网格。",
    "repaired": "网格图形无效（{reason}），已自动修复：面积由 {before} m² 变为 {after} m²，"
                "请核对。",
    "overlap": "网格“{a}”与“{b}”重叠 {area} m²：每一处只应属于一个网格。",
    "gap": "网格 {grids} 之间有 {area} m² 的缝隙，没有网格覆盖。",
    "outside_china:grid": "该网格换算为 WGS-84 后（部分）在我国境外。请核对“坐标系”是否选对。",
    "bad_tag": "未知的村/社区标签“{value}”。可用的标签：{accepted}。",
    # -- users (campaign.accounts, the administrator's page)
    "bad_role": "角色“{value}”无效：请在“角色”中选择 规划员、走访干部、领导 或 管理员。",
    "bad_user_name": "用户名应为 1 到 100 个字符。",
    "user_exists": "用户名“{value}”已被使用，请换一个。",
    "needs_township": "规划员和领导须属于一个乡镇：请在“乡镇”中选择或填写。",
    "needs_cadre": "走访干部账号须对应一名已导入的干部：请在“走访干部”中填写其编号。",
    "admin_scope": "管理员不属于任何乡镇或干部：请清空“乡镇”和“走访干部”。",
    "personal_leaders_only": "只有领导可以授权查看个人信息（规划员可看本乡镇的，走访干部可看"
                             "本人责任田的）。",
    "no_cadre": "找不到编号为“{value}”的干部：请先在“导入数据”中导入干部名单，或核对编号。",
    "cadre_ambiguous": "编号“{value}”的干部在多个乡镇都有：请同时选择乡镇。",
    "no_user": "找不到用户“{value}”。",
    "disable_self": "不能停用自己的账号（否则将无人能登录管理）。",
    "password_short": "密码至少 {min} 个字符。",
    "password_has_name": "密码不能是用户名，也不能包含用户名。",
    "password_common": "这是最常见的密码之一，请换一个更长、不常见的句子。",
    "passwords_differ": "两次输入的密码不一致，请重新输入。",
    # -- the review of a re-plan (campaign.area_review)
    "no_proposal": "没有待审核的方案（可能已被采用或放弃），请刷新页面。",
    "proposal_stale": "当前方案在此方案生成之后已有变化（新的方案或锁定），不能采用：请重新规划。",
    # -- an issue's lifecycle (campaign.issues.move_issue)
    "rating_missing": "请选择回访评价：满意 或 不满意。",
    "unknown_action": "未知的操作“{value}”，请从页面列出的操作中选择。",
    "action_not_allowed": "问题当前为“{status}”，不能“{label}”；现在可以：{allowed}。请刷新页面后"
                          "从列出的操作中选择。",
    "needs_field": "“{label}”需要填写“{field_name}”。",
    "field_not_taken": "“{label}”不填写“{field_name}”，请清空它。",
    "unknown_field": "未知的字段“{field}”。",
    "actor_missing": "未记录操作人，请重新登录后再试。",
    "before_last_step": "时间 {value} 早于该问题的上一步（{last}），请改为之后的时间。",
    "deadline_past": "办理期限 {value} 早于今天（{today}），请选今天或之后的日期。",
    "deadline_not_date": "办理期限“{value}”不是日期，请按 年-月-日 填写。",
    "bad_choice": "“{field_name}”的选项“{value}”无效，请从列表中选择。",
}

#: The Chinese names of the fields problems name (``{field_name}`` in a sentence).
FIELD_NAMES: Final[dict[str, str]] = {
    "unit": "承办单位", "handler": "承办人", "deadline": "办理期限", "result": "办理结果",
    "explanation": "解释说明", "category": "问题类别", "responsibility": "责任归属",
    "urgency": "紧急程度", "reason": "理由", "rating": "回访评价", "action": "操作",
    "at": "时间", "actor": "操作人", "target": "走访对象", "cadre": "走访干部",
    "mode": "走访方式", "outcome": "走访结果", "notes": "备注", "text": "问题内容",
}

#: Codes whose ``message`` is already written for the page's reader (the datum verdict,
#: which the importer words in Chinese when it is asked for web hints).
PASSTHROUGH: Final = frozenset({"datum_mismatch"})


def _is_chinese(text: str) -> bool:
    """Whether ``text`` was written in Chinese already (it starts with a CJK character)."""
    return bool(text) and "\u4e00" <= text[0] <= "\u9fff"


def problem_text(p: Mapping[str, Any], lang: str = "zh") -> str:
    """Return what the problem ``p`` (a :meth:`Problem.to_dict`) says to a person in ``lang``.

    English is the problem's own message. Chinese is its code's sentence, filled with its
    field, value, row and params; the English message when there is none.
    """
    message = str(p.get("message") or "")
    code = p.get("code") or ""
    if lang != "zh" or code in PASSTHROUGH or _is_chinese(message):
        return message
    params = dict(p.get("params") or {})
    variant = params.get("variant")
    template = (PROBLEM_MESSAGES.get(f"{code}:{variant}") if variant else None) \
        or PROBLEM_MESSAGES.get(code)
    if template is None:
        return message
    fld = p.get("field") or ""
    values = {"field": fld, "field_name": FIELD_NAMES.get(fld, fld),
              "value": p.get("value") or "",
              "row": p.get("row") if p.get("row") is not None else "", **params}
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return message


#: An import report's notes (how the file was read) and a plan's warnings and suggestions,
#: by the English the importer and the planners write (the CLI prints that English):
#: pattern -> Chinese sentence, with the pattern's groups as ``{1}``, ``{2}`` …
NOTE_MESSAGES: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern), zh) for pattern, zh in (
        (r"^header read from row (\d+)$", "表头在第 {1} 行"),
        (r"^header read from row (\d+)–(\d+)$", "表头在第 {1}–{2} 行（两行表头已合并）"),
        (r"^rows (\d+)–(\d+) above the header not read$",
         "表头上方第 {1}–{2} 行（标题、填报单位等）未读入"),
        (r"^row (\d+) above the header not read$", "表头上方第 {1} 行（标题等）未读入"),
        (r"^signature footer \(row (\d+)\) not read$", "第 {1} 行的落款（填表人、审核人）未读入"),
        (r"^signature footer \(row (\d+)–(\d+)\) not read$",
         "第 {1}–{2} 行的落款（填表人、审核人）未读入"),
        (r"^CRS (\S+) read from the header (.+)$", "坐标系按表头“{2}”读作 {1}"),
        (r"^CRS (\S+) as given, although the header (.+) says (\S+)$",
         "坐标系按所选的 {1}，虽然表头“{2}”写的是 {3}"),
        (r"^ranks read as: (.+)$", "职级读作：{1}"),
        (r"^(.+) read as: (.+)$", "“{1}”按词表读作：{2}"),
        (r"^columns not used: (.+)$", "未使用的列：{1}"),
        # an area plan's warnings (campaign.areas, planner.areas)
        (r"^(\d+) targets are in no grid and are NOT in any area \(.*; first: (.*)\): "
         r"fix the grids or the points .*$",
         "{1} 个走访对象不在任何网格内，没有分入走访区域（如 {2}）：请在“规划”首页的数据问题中"
         "修正网格或坐标，然后重新规划。"),
        (r"^(\d+) targets have no coordinates and were placed at a point inside their "
         r"declared grid .*$", "{1} 个走访对象没有坐标，按其所填网格内的一点计算（不估算路程）。"),
        (r"^(\d+) cadres have zero hours in the \S+ phase and get no area: (.*?)(?: \.\.\.)? "
         r"\(no hours or days.*$", "{1} 名干部本阶段没有可用时间，未分配走访区域：{2}（没有每日小时"
         "或可用天数，或阶段内没有可走访的时间窗）。"),
        (r"^(\d+) cadres have no base point; paired as if based at the centre of the targets "
         r"\(commute unknown\): (.*)$", "{1} 名干部没有驻点坐标，按走访对象的中心配对（往返距离"
         "未知）：{2}。"),
        (r"^the current plan took the cadres' days from the \S+ phase, this one from the \S+ "
         r"phase: .*$", "当前方案按另一阶段的天数计算干部时间，本次按所选阶段：可用时间不同，调整的"
         "配对会比平常多。"),
        (r"^the locked pair of cadre (\S+) is dropped: the cadre is no longer active.*$",
         "干部 {1} 的锁定配对已解除：该干部已停用或本阶段没有可用时间，其区域已分给他人。"),
        (r"^the locked pair of cadre (\S+) is dropped: none of its targets is left$",
         "干部 {1} 的锁定配对已解除：其走访对象已都不在了。"),
        (r"^area (\d+) could not be seeded$", "第 {1} 区无法确定起点。"),
        (r"^(\d+) sites could not join a neighbouring area and were given to the nearest one.*$",
         "{1} 处地点无法并入相邻区域，已分给最近的区域（网格之间不相邻？）。"),
        (r"^\S+ village '(.*)' has no targets; no visit planned$",
         "必到村“{1}”没有走访对象，未安排必到走访。"),
        (r"^(\d+) areas are not one connected piece: (.*)$", "{1} 个区域不连片：{2}。"),
        # why a target got no place in a route (planner.schedule, campaign.routes)
        (r"^its kind is never available while the cadre visits.*$",
         "这类对象可走访的时间与干部的走访时段不重合（时间窗）"),
        (r"^no single day can serve it, even alone.*$",
         "即使单独安排，一天内也去不了（太远或用时太长）"),
        (r"^the phase's days are full$", "本阶段的天数已排满"),
        (r"^no day of the cadre can take it$", "干部没有哪一天能安排它"),
        (r"^the target has no coordinates$", "该对象没有坐标"),
        (r"^not at home (\d+) times \((.*)\): offer a phone/WeChat visit$",
         "已 {1} 次不在家（{2}）：请改用电话或微信走访"),
        (r"^cadre (\S+) has no base point: routes start at the middle of the area$",
         "干部 {1} 没有驻点坐标：路线从区域中心出发"),
        # the forecast's warnings and suggestions (campaign.forecast)
        (r"^area (\d+) \((.*)\): its cadre (\S+) is gone or inactive.*$",
         "第 {1} 区（{2}）的干部 {3} 已不在或已停用，未预测其走访对象：请先为该区重新配对。"),
        (r"^(\d+) cadres run out of days: (\d+) more cadre-days, best weekend days .*$",
         "{1} 名干部天数不够：还需 {2} 个干部日，最好安排在周末（延长阶段、增加可用天数"
         "或周末走访）。"),
        (r"^(\d+) cadres run out of days: (\d+) more cadre-days, best workdays .*$",
         "{1} 名干部天数不够：还需 {2} 个干部日，最好安排在工作日（延长阶段或增加可用天数）。"),
        (r"^(\d+) areas need more days than the phase has left for their cadre: give them a "
         r"second cadre \(e\.g\. (.*)\)$",
         "{1} 个区域所需天数超过本阶段剩余天数：请为其增派一名干部（如 {2}）。"),
        (r"^(\d+) targets have no window on the cadres' days: .*$",
         "{1} 个走访对象在干部可走访的日子里没有时间窗：请放宽路线设置中的时间窗或干部每日时段。"),
        (r"^(\d+) targets were not at home (\d+) times: .*$",
         "{1} 个走访对象已 {2} 次不在家：请改用电话或微信走访。"),
        (r"^(\d+) targets have no coordinates: .*$",
         "{1} 个走访对象没有坐标：请在“规划”首页的数据问题中修正其坐标。"),
    ))


def note_text(note: str, lang: str = "zh") -> str:
    """Return an import report's ``note`` in ``lang`` (itself when no pattern knows it)."""
    if lang != "zh":
        return note
    for pattern, zh in NOTE_MESSAGES:
        m = pattern.match(note)
        if m:
            return re.sub(r" \((\d+) rows\)", r"（\1 行）", zh.format(None, *m.groups()))
    return note
