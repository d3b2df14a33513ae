"""UI labels in Chinese (default) and English, switchable per session.

Labels use the words of DOMAIN.md. :func:`t` looks a key up in the session's language;
an unknown key is shown as itself, so a missing label never breaks a page. This is the
one catalogue of UI labels; the names of domain codes (kinds, placements, problems,
outcomes) are in :mod:`zoufang.vocab` and the campaign modules that own them.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from flask import has_request_context, session

__all__ = ["LANGS", "LABELS", "current_lang", "labels", "section", "t"]

LANGS: Final = ("zh", "en")

#: key -> (Chinese, English)
LABELS: Final[dict[str, tuple[str, str]]] = {
    "app": ("走访 zoufang", "zoufang"),
    "login": ("登录", "Log in"), "logout": ("退出", "Log out"),
    "username": ("用户名", "User name"), "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误", "Wrong user name or password"),
    "login_locked": ("登录失败次数过多，账号已暂时锁定，请 {m} 分钟后再试；"
                     "如忘记密码，请联系管理员重置。",
                     "Too many failed log-ins: the account is locked for now. Try again in "
                     "{m} min; if you forgot the password, ask an administrator to reset it."),
    "login_rate_limited": ("本机登录尝试过于频繁，请 {m} 分钟后再试。",
                           "Too many log-in attempts from this address; try again in "
                           "{m} min."),
    "session_expired": ("会话已过期，请重新登录", "Your session expired; please log in again"),
    "please_login": ("请先登录", "Please log in"),
    "forbidden": ("无权访问", "Forbidden"), "not_found": ("未找到", "Not found"),
    "error": ("出错了", "Something went wrong"),
    "csrf_failed": ("表单已失效，请刷新页面后重试",
                    "The form expired; reload the page and try again"),
    "lang_switch": ("English", "中文"),
    "role_planner": ("规划员", "Planner"), "role_cadre": ("走访干部", "Field cadre"),
    "role_leader": ("领导", "Leader"), "role_admin": ("管理员", "Administrator"),
    "not_planned": ("尚未规划", "Not planned yet"),
    "no_area": ("尚未分配走访区域", "No visit area assigned yet (not planned yet)"),
    "no_area_help": ("走访区域规划完成后，这里会显示您的责任田和走访对象的联系方式。"
                     "在此之前只能登记您的服务对象和您负责问题的回访。",
                     "Once visit areas are planned this page shows your area and your "
                     "targets' contacts. Until then you can record only visits to your "
                     "service contacts and revisits of your issues."),
    "visit_not_in_area": ("未登记：该编号不在您的走访区域内，也不是您的服务对象或您负责问题的"
                          "回访对象",
                          "Not recorded: this number is not in your visit area, nor one of "
                          "your service contacts or of your issues' targets"),
    "visit_no_area": ("未登记：尚未分配走访区域，规划完成前只能登记您的服务对象和您负责问题的回访",
                      "Not recorded: no visit area assigned yet (not planned yet); until "
                      "then you can record only your service contacts and revisits of "
                      "your issues"),
    "no_route": ("尚未规划今日路线", "Today's route is not planned yet"),
    "no_route_help": ("路线规划功能上线后，这里会按顺序显示今日的走访点、预计时间"
                      "和导航用的 GPX 文件。",
                      "When routes are planned this page lists today's stops in order with "
                      "expected times, and a GPX file for navigation apps."),
    "areas_not_stored": ("走访区域尚未保存到数据库：规划结果只保存在本服务进程中，"
                         "重启后需重新规划。",
                         "Visit areas are not stored in the database yet: a plan lives in "
                         "this server process only and is lost on restart."),
    "township": ("乡镇", "Township"), "village": ("村/社区", "Village"), "grid": ("网格", "Grid"),
    "grids": ("网格", "Grids"), "targets": ("走访对象", "Targets"),
    "target": ("走访对象", "Target"),
    "cadre": ("走访干部", "Cadre"), "cadres": ("走访人员", "Cadres"),
    "ext_id": ("编号", "No."), "name": ("姓名/名称", "Name"), "kind": ("类型", "Kind"),
    "address": ("地址", "Address"), "phone": ("电话", "Phone"), "tags": ("标签", "Tags"),
    "placement": ("落格", "Placement"), "problems": ("数据问题", "Data problems"),
    "problem": ("问题", "Problem"), "message": ("说明", "Message"),
    "outside": ("网格外对象", "Targets outside every grid"),
    "defects": ("网格缺陷", "Grid defects"),
    "summary": ("概况", "Summary"), "map": ("地图", "Map"),
    "planner_home": ("规划", "Planning"), "import": ("导入数据", "Import files"),
    "daily_routes": ("每日路线", "Daily routes"),
    "import_help": ("与命令行相同的导入：任何一行有错则整份文件不导入，并列出所有问题。",
                    "The same import as the CLI: a file with any invalid row is refused "
                    "whole, listing every problem."),
    "file": ("文件", "File"), "file_kind": ("数据类型", "Data"),
    "crs": ("坐标系", "Coordinates"), "skip_invalid": ("跳过无效行", "Skip invalid rows"),
    "upload": ("上传", "Upload"), "import_ok": ("导入完成", "Imported"),
    "import_refused": ("导入被拒绝，未写入任何数据", "Import refused; nothing was written"),
    # the import wizard (:mod:`zoufang.web.import_wizard`, templates/planner/import.html)
    "import_preview": ("预览：前几行及每列的含义",
                       "Preview: the first rows and each column's meaning"),
    "import_meaning": ("含义", "Meaning"), "import_not_used": ("（不导入，保留在附加信息）",
                                                           "(not used; kept as extra)"),
    "import_header_row": ("表头行", "Header row"),
    "import_rows_total": ("数据行数", "Data rows"),
    "import_check": ("检查（不写入）", "Check (writes nothing)"),
    "import_checked_ok": ("检查通过：可以导入", "Checked: ready to import"),
    "import_checked_bad": ("检查发现问题（按行列出）", "Problems found (by row)"),
    "import_rejects_csv": ("下载问题行 CSV", "Download the rejected rows (CSV)"),
    "import_remembered": ("已套用本乡镇上次导入同类文件时选择的列含义",
                          "The column meanings chosen last time for this kind of file are applied"),
    "import_problems_file": ("文件问题", "Problems of the file"),
    "import_default_kind": ("没有类型列时，全部为", "Without a kind column, every row is"),
    "import_accept_crs": ("保留所选坐标系（已确认原坐标系无误）",
                          "Keep the CRS chosen (I checked it)"),
    "import_points_map": ("前 {n} 个点落在哪里（与网格对照，检查坐标系）",
                          "Where the first {n} points fall against the grids (check the CRS)"),
    "import_counts": ("共 {rows} 行：新增 {inserted}，更新 {updated}，未变 {unchanged}",
                      "{rows} rows: {inserted} new, {updated} updated, {unchanged} unchanged"),
    "import_rejected_n": ("，跳过无效行 {n}", ", {n} rejected"),
    "import_rejected_rows": ("跳过的无效行", "Rejected rows"),
    "row": ("行", "Row"), "column": ("列", "Column"),
    "problem_value": ("原值", "Value"),
    # upload limits (:func:`zoufang.web.forms.import_upload`) and a busy store
    "upload_too_large": ("上传的文件超过 {mb} MB 的上限，未导入任何数据。请拆分成几个较小的文件"
                         "分别上传，或在服务器上用命令行导入：zoufang import 类型 文件名",
                         "The upload is over the {mb} MB limit; nothing was imported. Split "
                         "the file into smaller ones, or import it on the server with the "
                         "CLI: zoufang import KIND FILE"),
    "upload_too_many_rows": ("文件超过网页导入的上限 {n} 行，未导入任何数据。请在服务器上用"
                             "命令行导入（不限行数）：zoufang import {kind} {file}",
                             "The file has more than {n} rows, the web import's limit; "
                             "nothing was imported. Import it on the server with the CLI "
                             "(no row limit): zoufang import {kind} {file}"),
    "upload_too_many_columns": ("文件表头超过 {n} 列，未导入任何数据。请删去无关的列后重新上传",
                                "The file's header has more than {n} columns; nothing was "
                                "imported. Delete the columns not needed and upload again"),
    "upload_field_too_long": ("第 {row} 行有单元格超过 {n} 个字符，未导入任何数据。请检查这一行"
                              "（常见原因：引号未闭合或分隔符不对）后重新上传",
                              "Row {row} has a cell longer than {n} characters; nothing was "
                              "imported. Check that row (often an unclosed quote or a wrong "
                              "delimiter) and upload again"),
    "upload_expanded": ("文件解压后超过 {mb} MB 的上限，未导入任何数据。请另存为 CSV 或拆分后"
                        "上传，或在服务器上用命令行导入：zoufang import {kind} {file}",
                        "The file expands to more than {mb} MB; nothing was imported. Save "
                        "it as CSV or split it, or import it on the server with the CLI: "
                        "zoufang import {kind} {file}"),
    "upload_zip_ratio": ("文件的压缩比异常（{ratio} 比 1，疑似“压缩炸弹”），已拒绝，未导入任何"
                         "数据。请用 Excel 打开后另存为新文件再上传",
                         "The file is compressed {ratio} to 1, the ratio of a zip bomb; it "
                         "was refused and nothing was imported. Open it in Excel, save it "
                         "as a new file and upload that"),
    "upload_zip_members": ("压缩包内的文件超过 {n} 个，已拒绝，未导入任何数据",
                           "The zip holds more than {n} files; refused, nothing was "
                           "imported"),
    "upload_too_slow": ("读取文件超过 {s} 秒的时限，未导入任何数据。请在服务器上用命令行导入："
                        "zoufang import {kind} {file}",
                        "Reading the file took longer than {s} s, the limit; nothing was "
                        "imported. Import it on the server with the CLI: zoufang import "
                        "{kind} {file}"),
    "more_problems": ("另有 {n} 个问题未列出", "{n} more problems not listed"),
    "busy": ("系统繁忙，请稍后重试", "The system is busy; please try again shortly"),
    "plan": ("走访区域规划", "Visit-area planning"), "start_plan": ("开始规划", "Start planning"),
    "time_limit": ("时间上限（秒）", "Time limit (s)"), "job": ("任务", "Job"),
    "progress": ("进度", "Progress"), "running": ("运行中", "running"),
    "queued": ("排队中", "queued"), "done": ("完成", "done"), "failed": ("失败", "failed"),
    "checker": ("独立校验", "Checker figures"), "violations": ("违反规则", "Violations"),
    "areas": ("走访区域", "Visit areas"), "load_h": ("工作量（小时）", "Workload (h)"),
    "capacity_h": ("可用时间（小时）", "Capacity (h)"), "balance": ("均衡偏差", "Balance"),
    "utilisation": ("负荷率", "Utilisation"), "commute_m": ("通勤（米）", "Commute (m)"),
    "contiguous": ("连片", "Contiguous"), "locked": ("锁定", "Locked"),
    "lock": ("锁定", "Lock"), "unlock": ("解锁", "Unlock"),
    "arrangement": ("安排表", "Arrangement table"), "download": ("下载", "Download"),
    "no_plan": ("尚无规划结果", "No plan yet"),
    "field_home": ("我的走访", "My visits"), "my_area": ("我的走访区域", "My area"),
    "today_route": ("今日路线", "Today's route"), "gpx": ("导航文件 GPX", "GPX for navigation"),
    "record_visit": ("登记走访", "Record a visit"), "target_no": ("走访对象编号", "Target number"),
    "mode": ("方式", "Mode"), "outcome": ("结果", "Outcome"), "at": ("时间", "Time"),
    "four_ones": ("四个一", "Four ones"), "notes": ("备注", "Notes"),
    "issue_raised": ("群众反映的问题（如有）", "Issue raised (if any)"),
    "category": ("问题类型", "Category"), "responsibility": ("责任类别", "Responsibility"),
    "urgency": ("紧急程度", "Urgency"), "issue_text": ("问题内容", "Issue"),
    "save": ("保存", "Save"), "visit_recorded": ("走访已登记", "Visit recorded"),
    "visit_refused": ("登记未成功", "Visit not recorded"),
    "my_issues": ("我负责的问题", "My issues"), "issue": ("问题", "Issue"),
    "issue_no": ("问题编号", "Issue no."), "status": ("状态", "Status"),
    "deadline": ("办理期限", "Deadline"), "warning": ("预警", "Warning"),
    "unit": ("责任单位", "Responsible unit"), "history": ("办理过程", "History"),
    "action": ("操作", "Action"), "reason": ("说明", "Reason"), "result": ("办理结果", "Result"),
    "explanation": ("解释说明", "Explanation"), "handler": ("承办人", "Handler"),
    "rating": ("评价", "Rating"), "apply": ("提交", "Apply"),
    "previous_visits": ("以往走访", "Previous visits"), "hotspots": ("问题热点", "Hotspots"),
    "lookback": ("回头看", "Look back"),
    "leader_home": ("走访指标", "Measures"), "coverage": ("走访覆盖", "Coverage"),
    "progress.title": ("挂图作战", "Progress against the plan"),
    "progress.planned": ("计划累计", "Planned (cumulative)"),
    "progress.visited": ("已走访累计", "Visited (cumulative)"),
    "progress.targets": ("对象数", "targets"), "progress.day": ("日期", "Day"),
    "progress.visited_of": ("已走访 / 对象", "visited / targets"),
    "progress.visited_to_date": ("已走访", "Visited"),
    "progress.planned_to_date": ("按计划应走访", "Planned to date"),
    "progress.behind": ("落后", "Behind"),
    "progress.pace": ("近 3 日每日走访", "Per day, last 3 days"),
    "progress.projected": ("预计完成日", "Projected 100 %"),
    "progress.reachable": ("按此进度截止时可达", "Reachable by the deadline"),
    "progress.township": ("全镇", "Township"),
    "progress.by_village": ("各村（社区）", "By village"),
    "progress.ranked_cadre": ("走访干部（落后的在前）", "Cadres (furthest behind first)"),
    "progress.ranked_village": ("村（社区）（落后的在前）", "Villages (furthest behind first)"),
    "progress.warn_red": ("严重滞后", "far behind"),
    "progress.warn_yellow": ("滞后", "behind"),
    "progress.plan_routes": ("计划：每日走访路线", "plan: the daily routes"),
    "progress.plan_linear": ("计划：尚无路线，按阶段天数均匀推进", "plan: no routes yet, even "
                             "over the phase's days"),
    "progress.none": ("无法显示进度：{why}", "No progress to show: {why}"),
    "open_issues": ("未办结问题", "Open issues"), "exports": ("导出", "Exports"),
    "visit_rate": ("走访率", "Visit rate"), "in_home_rate": ("入户率", "In-home rate"),
    "response_rate": ("问题回应率", "Response rate"),
    "resolution_rate": ("问题解决率", "Resolution rate"),
    "satisfaction": ("满意度", "Satisfaction"), "overdue": ("逾期", "Overdue"),
    "visited": ("已走访", "Visited"), "issues": ("问题数", "Issues"),
    "unvisited": ("未走访对象", "Unvisited targets"),
    "heat": ("未走访热力图", "Unvisited heat map"),
    "last_visit": ("最近走访", "Last visit"), "drill": ("下钻", "Drill down"),
    "back_up": ("返回上一级", "Up one level"),
    "masked_note": ("个人信息已脱敏（如需查看请由管理员授权）。",
                    "Personal data is masked (an administrator can grant access)."),
    "export_ledger": ("导出台账（Excel）", "Export the ledger (Excel)"),
    "export_note": ("每次导出个人信息都会记入审计日志。",
                    "Every export of personal data is written to the audit log."),
    "admin_home": ("用户与审计", "Users and audit"), "users": ("用户", "Users"),
    "audit": ("审计日志", "Audit log"), "role": ("角色", "Role"),
    "personal_data": ("可查看个人信息", "Sees personal data"),
    "active": ("启用", "Active"), "when": ("时间", "When"), "who": ("用户", "Who"),
    "detail": ("详情", "Detail"), "yes": ("是", "yes"), "no": ("否", "no"),
    # the administrator's page (views/admin.py, templates/admin/home.html)
    "admin.add_user": ("新建用户", "New user"), "admin.create": ("创建", "Create"),
    "admin.password_again": ("再次输入密码", "Password again"),
    "admin.password_rules": ("密码至少 {n} 个字符，不能包含用户名，不能是常见密码；只保存加密后的"
                             "摘要。", "At least {n} characters, not containing the user name, "
                             "not a common password; only a salted hash is stored."),
    "admin.cadre_id": ("走访干部编号", "Cadre No."),
    "admin.cadre_help": ("走访干部账号填其在干部名单中的编号", "For a cadre: its No. in the "
                         "cadres file"),
    "admin.township_help": ("规划员、领导填所属乡镇（不存在则新建空乡镇）", "Planners and "
                            "leaders: their township (created empty if new)"),
    "admin.grant": ("允许查看个人信息（仅领导）", "May see personal data (leaders only)"),
    "admin.actions": ("操作", "Actions"), "admin.reset": ("重置密码", "Reset password"),
    "admin.disable": ("停用", "Disable"), "admin.enable": ("启用", "Enable"),
    "admin.grant_on": ("授权个人信息", "Grant personal data"),
    "admin.grant_off": ("撤销个人信息授权", "Withdraw personal data"),
    "admin.disable_confirm": ("停用后该用户的所有登录立即失效，确定停用？", "Disabling ends "
                              "every session of this user at once. Disable?"),
    "admin.done_add": ("已创建用户 {name}", "User {name} created"),
    "admin.done_passwd": ("已重置 {name} 的密码，其所有登录已失效", "Password of {name} reset; "
                          "all its sessions ended"),
    "admin.done_disable": ("已停用 {name}，其所有登录已失效", "{name} disabled; all its "
                           "sessions ended"),
    "admin.done_enable": ("已启用 {name}", "{name} enabled"),
    "admin.done_grant": ("已更改 {name} 的个人信息授权，其所有登录已失效", "Personal data of "
                         "{name} changed; all its sessions ended"),
    "not_saved": ("未保存：", "Not saved: "),
    "arrangement_public": ("公示版安排表（电话和住户姓名已脱敏）",
                           "Arrangement for public posting (phones and household names "
                           "masked)"),
    "shortfall.text": ("可用时间不足：还缺 {h} 个干部小时（工作量 {w} 小时，可用 {c} 小时）。",
                       "Not enough time: {h} cadre-hours missing (work {w} h, available "
                       "{c} h)."),
    "shortfall.cadres": ("超负荷的干部", "Cadres over capacity"),
    "shortfall.grids": ("有风险的网格", "Grids at risk"),
    # the review of a re-plan (campaign/area_review.py, planner/plan.html)
    "review.title": ("待审核的重新规划 #{id}", "Re-plan #{id} to review"),
    "review.help": ("采用之前，干部、路线和各项指标仍按当前方案 #{cur}。", "Until it is "
                    "accepted, cadres, routes and measures follow the current plan #{cur}."),
    "review.kept": ("不变", "kept"), "review.moved": ("换人", "moved"),
    "review.new": ("新增", "new"), "review.feasible": ("可行", "feasible"),
    "review.load_now": ("当前工作量（小时）", "current load (h)"),
    "review.changed": ("区域有变化的干部", "Cadres whose area changes"),
    "review.none_changed": ("没有干部的区域发生变化。", "No cadre's area changes."),
    "review.before": ("原对象数", "before"), "review.after": ("新对象数", "after"),
    "review.moved_in": ("调入", "in"), "review.moved_out": ("调出", "out"),
    "review.area": ("区号（原→新）", "area (old→new)"),
    "review.accept": ("采用此方案", "Accept this plan"),
    "review.discard": ("放弃", "Discard"),
    "review.discard_confirm": ("放弃后此方案将被删除，当前方案不变。确定放弃？",
                               "The proposal is deleted; the current plan stays. Discard?"),
    "review.stale": ("当前方案在此方案生成之后已有变化，不能采用：请重新规划。", "The current "
                     "plan changed since this proposal was made: plan again."),
    "review.accepted": ("已采用方案 #{id}：干部的区域和路线从现在起按此方案（路线需重新规划）。",
                        "Plan #{id} accepted: areas follow it from now (plan the routes "
                        "again)."),
    "review.discarded": ("已放弃方案 #{id}，当前方案不变。", "Plan #{id} discarded; the "
                         "current plan stays."),
    "audit.plan_accept": ("采用区域方案", "area plan accepted"),
    "audit.plan_discard": ("放弃区域方案", "area plan discarded"),
    "audit_key.plan": ("方案号", "plan no."),
    # the area plan's checker figures (planner/areas/check.py AreaCheck.as_row)
    "figure.n_targets": ("走访对象数", "targets"), "figure.n_areas": ("走访区域数", "areas"),
    "figure.covered_pct": ("覆盖率 %", "covered %"),
    "figure.balance_max": ("最大负荷偏差 %", "largest load deviation %"),
    "figure.balance_mean": ("平均负荷偏差 %", "mean load deviation %"),
    "figure.within_tolerance_pct": ("负荷在容差内的区域 %", "areas within tolerance %"),
    "figure.utilisation_max": ("最高时间利用率 %", "highest utilisation %"),
    "figure.contiguous_pct": ("连片区域 %", "contiguous areas %"),
    "figure.split_grids": ("被拆分的网格", "grids split"),
    "figure.must_split_grids": ("必须拆分的网格", "grids that must be split"),
    "figure.commute_mean_m": ("平均往返距离（米）", "mean commute (m)"),
    "figure.commute_max_m": ("最长往返距离（米）", "longest commute (m)"),
    "figure.kept_pct": ("保持不变的对象 %", "targets kept %"),
    "figure.locked_kept_pct": ("锁定对象保持 %", "locked targets kept %"),
    "figure.violations": ("违反硬性规则", "hard-rule violations"),
    "figure.mustgo_weak_village": ("必到：经济薄弱村（已覆盖/应覆盖）",
                                   "must-go: weak villages (covered/due)"),
    "figure.mustgo_poor_registered": ("必到：建档立卡户（已覆盖/应覆盖）",
                                      "must-go: registered poor (covered/due)"),
    "figure.mustgo_listed_enterprise": ("必到：列统企业（已覆盖/应覆盖）",
                                        "must-go: listed enterprises (covered/due)"),
    "figure.mustgo_resettlement_community": ("必到：安置小区（已覆盖/应覆盖）",
                                             "must-go: resettlement communities (covered/due)"),
    "admin.bad_value": ("请求有误（应为启用或停用），请刷新页面后重试。",
                        "Bad request (expected on or off); reload the page and try again."),
    "admin.never": ("从未登录", "never"), "admin.last_login": ("最近登录", "Last log-in"),
    "admin.filter_user": ("按用户筛选", "Filter by user"),
    "admin.filter_action": ("按操作筛选", "Filter by action"),
    "admin.filter": ("筛选", "Filter"), "admin.older": ("更早的记录 →", "Older →"),
    "audit.login": ("登录", "log-in"), "audit.login_failed": ("登录失败", "failed log-in"),
    "audit.login_locked": ("账号暂时锁定", "account locked"),
    "audit.read": ("查看个人信息", "read of personal data"),
    "audit.export": ("导出", "export"), "audit.route_export": ("导出路线", "route export"),
    "audit.spot_check_draw": ("抽取电话核查样本", "spot-check sample drawn"),
    "audit.integrity_checks": ("查看核查标记", "integrity flags read"),
    "audit.record": ("录入", "record"), "audit.link_case": ("合并问题", "issues linked"),
    "audit.user_add": ("新建用户", "user created"),
    "audit.user_passwd": ("重置密码", "password reset"),
    "audit.user_disable": ("停用用户", "user disabled"),
    "audit.user_enable": ("启用用户", "user enabled"),
    "audit.user_grant": ("授权查看个人信息", "personal data granted"),
    "audit.user_revoke": ("撤销个人信息授权", "personal data withdrawn"),
    "audit_key.user": ("用户", "user"), "audit_key.role": ("角色", "role"),
    "audit_key.cadre": ("干部", "cadre"), "audit_key.personal_data": ("个人信息", "personal"),
    "audit_key.endpoint": ("地址", "address"), "audit_key.rows": ("行数", "rows"),
    "audit_key.table": ("表", "table"), "audit_key.format": ("格式", "format"),
    "audit_key.masked": ("脱敏", "masked"), "audit_key.visits": ("走访数", "visits"),
    "audit_key.user_id": ("用户号", "user no."), "audit_key.seed": ("随机种子", "seed"),
    "audit_key.per_stratum": ("每层抽样数", "per stratum"),
    "audit_key.locked_for_s": ("锁定秒数", "locked for s"),
    "audit_key.flags": ("标记数", "flags"), "audit_key.command": ("命令", "command"),
    "audit_key.day": ("日期", "day"), "audit_key.kind": ("类型", "kind"),
    "audit_key.file": ("文件", "file"), "audit_key.phase": ("阶段", "phase"),
    "audit_key.target_id": ("走访对象号", "target no."), "audit_key.target": ("走访对象", "target"),
    "audit_key.case_id": ("合并到", "linked to"), "audit_key.category": ("类别", "category"),
    "audit_key.responsibility": ("责任", "responsibility"),
    "audit_key.urgency": ("紧急程度", "urgency"), "audit_key.area": ("区域", "area"),
    "audit_key.checks": ("核查数", "checks"), "audit_key.count": ("数量", "count"),
    "audit_key.days": ("天数", "days"), "audit_key.start": ("起", "from"),
    "audit_key.end": ("止", "to"), "audit_key.files": ("文件", "files"),
    "audit_key.formats": ("格式", "formats"), "audit_key.plan_id": ("方案号", "plan no."),
    "audit_key.sample": ("样本", "sample"), "audit_key.tags": ("标签", "tags"),
    "audit_key.township_id": ("乡镇号", "township no."),
    "audit_key.other": ("其他", "other"),
    "none": ("无", "none"), "loading": ("加载中…", "Loading…"),
    "load_failed": ("加载失败", "Load failed"), "details": ("详情", "Details"),
    "empty_store": ("尚无数据：规划员在“导入数据”中导入网格、走访对象和走访人员后，这里就会显示。",
                    "No data yet: it shows here once a planner imports the grids, targets "
                    "and cadres (Import files)."),
    "measures_pending": ("走访台账尚无记录，指标待走访开始后显示。",
                         "No visits recorded yet; measures appear once visiting starts."),
    "red": ("红色预警", "red warning"), "yellow": ("黄色预警", "yellow warning"),
    "count": ("数量", "Count"), "all": ("全部", "All"), "list": ("列表", "List"),
    "first_n": ("仅显示前 {n} 条", "Showing the first {n}"),
    "status_page": ("状态", "Status"),
    # the leader's pages (views/leader.py): dates, drill-down, ranking, lists, integrity
    "date_start": ("开始日期", "Start date"), "date_end": ("结束日期", "End date"),
    "date_as_of": ("截至日期", "As of"),
    "date_reversed": ("结束日期（{end}）早于开始日期（{start}），请把结束日期改到开始日期之后，"
                      "或留空表示至今。",
                      "The end date ({end}) is before the start date ({start}); set an end "
                      "date after the start, or leave it empty for up to now."),
    "date_bad": ("日期格式不对：{field}“{value}”应写成 年-月-日（如 2022-03-01），请重新选择。",
                 "The {field} \"{value}\" is not a date; write it as YYYY-MM-DD (e.g. "
                 "2022-03-01)."),
    "date_out_of_range": ("日期超出范围：{field}“{value}”应在 {first} 至 {last} 之间，请重新选择。",
                          "The {field} \"{value}\" is outside {first} to {last}; choose "
                          "another date."),
    "as_of_note": ("数据截至 {when}", "Figures as of {when}"),
    "as_of_now": ("当前", "now"),
    "visits": ("走访次数", "Visits"), "by_village": ("按村/社区", "By village"),
    "by_grid": ("按网格", "By grid"), "by_area": ("按走访区域", "By visit area"),
    "by_cadre": ("按干部", "By cadre"), "ranking": ("进度排名", "Progress ranking"),
    "rank": ("名次", "Rank"), "sort_by": ("排序", "Sort by"),
    "high_first": ("从高到低", "highest first"), "low_first": ("从低到高", "lowest first"),
    "no_areas_yet": ("尚未规划走访区域，规划后按区域和干部的指标才有走访对象数。",
                     "No visit areas planned yet; per area and per cadre figures get their "
                     "targets once areas are planned."),
    "list_targets": ("走访对象清单", "Targets"), "list_issues": ("问题清单", "Issues"),
    "m_targets": ("全部对象", "all targets"), "m_visited": ("已走访", "visited"),
    "m_unvisited": ("未走访", "not visited"), "m_in_home": ("入户", "in home"),
    "m_issues": ("全部问题", "all issues"), "m_responded": ("已回应", "answered"),
    "m_resolved": ("已解决", "resolved"), "m_rated": ("已评价", "rated"),
    "m_overdue": ("逾期", "overdue"),
    "filter_village": ("村/社区", "Village"), "filter_grid": ("网格", "Grid"),
    "filter_area": ("走访区域", "Visit area"), "filter_cadre": ("干部", "Cadre"),
    "filter_measure": ("口径", "Measure"), "filters": ("筛选", "Filters"),
    "page_n": ("第 {page} / {pages} 页，共 {total} 条", "Page {page} of {pages}, {total} rows"),
    "prev_page": ("上一页", "Previous"), "next_page": ("下一页", "Next"),
    "print": ("打印", "Print"), "open_list": ("查看清单", "Open the list"),
    "integrity": ("走访核查", "Integrity"), "flags": ("疑点记录", "Flags"),
    "flags_by_cadre": ("按干部的疑点", "Flags by cadre"), "evidence": ("依据", "Evidence"),
    "check": ("核查项", "Check"), "value": ("实测值", "Measured"),
    "threshold": ("阈值", "Threshold"), "visit_no": ("走访记录", "Visit"),
    "run_checks": ("重新核查全部走访", "Run the checks again"),
    "checks_done": ("核查完成：{n} 条疑点", "Checks done: {n} flags"),
    "spot_checks": ("电话抽查", "Phone spot checks"),
    "draw_sample": ("抽取样本", "Draw a sample"), "seed": ("随机种子", "Seed"),
    "per_stratum": ("每层抽取（网格×干部）", "Per stratum (grid × cadre)"),
    "sample": ("样本", "Sample"), "sample_drawn": ("已抽取 {n} 条走访", "{n} visits drawn"),
    "record_result": ("登记结果", "Record the result"),
    "checked_by": ("核查人", "Checked by"), "result_saved": ("抽查结果已登记", "Result saved"),
    "not_checked": ("待核查", "not checked"), "stratum": ("分层", "Stratum"),
    "no_flags": ("没有疑点记录。", "No flags."),
    "side_figures": ("指标", "Figures"),
    "draw_bad": ("抽样参数不对：随机种子须为非负整数，每层抽取 1–50 条，请修改后重新抽取。",
                 "Sample settings refused: the seed must be a whole number ≥ 0 and the "
                 "number per stratum 1–50."),
    "result_exists": ("这条抽查已有结果，结果不能修改。",
                      "This check already has a result; results are never overwritten."),
    "result_missing": ("请选择抽查结果（属实、不属实或无法联系）后再登记。",
                       "Choose the result (confirmed, not confirmed or unreachable) first."),
    "n_flags": ("疑点 {n} 条", "{n} flags"),
    # the field cadre's phone app (templates/field/, static/js/field*.js)
    "field.progress": ("进度", "Progress"), "field.visited": ("已走访", "Visited"),
    "field.due": ("待走访", "Due"), "field.not_home": ("不在家待再访", "Not at home, retry"),
    "field.today": ("今日", "Today"), "field.of": ("户中已访", "visited of"),
    "field.search": ("搜索姓名、地址或门牌号", "Search name, address or door number"),
    "field.no_match": ("没有符合的走访对象", "No target matches"),
    "field.last_visit": ("上次走访", "Last visit"), "field.never": ("未走访", "Not yet visited"),
    "field.open_card": ("查看", "Open"), "field.record": ("登记走访", "Record a visit"),
    "field.by_number": ("按编号登记（不在路线上的对象）", "Record by number (not on the route)"),
    "field.area_map": ("我的走访区域地图", "Map of my area"),
    "field.stop_cards": ("今日走访点", "Today's stops"),
    "field.no_route_today": ("今天没有走访路线，下面是下一个有路线的日子：{day}",
                             "No route today; this is the next day with one: {day}"),
    "field.expected": ("预计", "Expected"), "field.table": ("表格视图", "Table view"),
    "field.who": ("住户", "Who lives there"), "field.raised_here": ("本户反映过的问题",
                                                                  "Raised by this household"),
    "field.raised_near": ("邻近住户反映过的问题", "Raised by the neighbours"),
    "field.earlier_visits": ("以往走访", "Earlier visits"),
    "field.back_route": ("返回路线", "Back to the route"),
    "field.back_home": ("返回我的走访", "Back to my visits"),
    "field.cadre": ("走访干部", "Cadre"), "field.target": ("走访对象", "Target"),
    "field.gps": ("定位", "GPS"), "field.gps_wait": ("正在定位…", "Getting the GPS point…"),
    "field.gps_ok": ("已定位，距走访对象 {m} 米", "GPS point taken, {m} m from the target"),
    "field.gps_none": ("未取得定位：入户走访没有定位，保存后将标记核查",
                       "No GPS point: the in-home visit will be flagged for checking"),
    "field.gps_far": ("定位距走访对象 {m} 米（超过 {limit} 米），保存后将标记核查",
                      "GPS point {m} m from the target (more than {limit} m): the visit "
                      "will be flagged for checking"),
    "field.gps_no_target": ("已定位（{lon}, {lat}）；该走访对象暂无坐标，无法核对距离",
                            "GPS point taken ({lon}, {lat}); the target has no position, so "
                            "the distance cannot be checked"),
    "field.gps_retry": ("重新定位", "Get GPS again"),
    "field.add_issue": ("＋ 添加问题", "+ Add an issue"),
    "field.remove_issue": ("删除此问题", "Remove this issue"),
    "field.issues": ("群众反映的问题", "Issues raised"),
    "field.pick_outcome": ("请先选择走访结果（已走访 / 不在家 / 拒访 / 空关）",
                           "Choose the outcome first (visited / not at home / refused / "
                           "vacant)"),
    "field.fix": ("请按提示修改后再保存，已填写的内容都保留着：",
                  "Fix the following and save again; everything you typed is kept:"),
    "field.saved": ("已保存", "Saved"),
    "field.queued": ("无网络，已存入手机待同步", "No network: kept on the phone, waiting to sync"),
    "field.pending": ("{n} 条待同步", "{n} waiting to sync"),
    "field.sync_now": ("立即同步", "Sync now"),
    "field.sync_failed": ("{n} 条未能保存，请查看", "{n} could not be saved; have a look"),
    "field.remove_failed": ("删除此条", "Remove it"),
    "field.remove_failed_confirm": ("这条记录未能保存，删除后将从手机上清除。请先按原因在登记页重新"
                                    "登记（如需要）。确定删除吗？",
                                    "This record could not be saved; removing it deletes it "
                                    "from the phone. Record it again on the form first if "
                                    "needed. Remove it?"),
    "field.logout_pending": ("还有 {n} 条走访记录未同步，退出后将从手机上删除、无法再同步。"
                             "确定退出吗？",
                             "{n} visits are not synced yet; logging out deletes them from "
                             "this phone. Log out anyway?"),
    "field.offline": ("当前无网络，显示的是手机上保存的内容", "Offline: showing what the phone "
                      "keeps"),
    "field.app_name": ("走访助手", "zoufang field"),
    "field.visit_flagged": ("已标记核查", "Flagged for checking"),
    # the field cadre's route page (:func:`section` "route.")
    "route.route": ("路线", "Route"), "route.stops": ("走访点", "Stops"),
    "route.base": ("出发点", "Base"), "route.stop": ("站", "Stop"),
    "route.time": ("时间", "Time"), "route.arrive": ("到达", "Arrive"),
    "route.purpose": ("目的", "Purpose"), "route.priority": ("重点", "Priority"),
    "route.earlier_issues": ("此前反映的问题", "Raised before"),
    "route.depart": ("出发", "Leave"), "route.return": ("返回", "Back"),
    "route.distance": ("距离", "Distance"), "route.duration": ("用时", "Time out"),
    "route.prev_day": ("前一天", "Previous day"), "route.next_day": ("后一天", "Next day"),
    "route.days": ("全部走访日", "All route days"), "route.downloads": ("下载", "Downloads"),
    "route.stop_list": ("打印走访清单", "Printable stop list"),
    "route.geojson": ("GeoJSON 地图数据", "GeoJSON map data"),
    "route.gpx_note": ("GPX 为 WGS-84（GPS）坐标，可导入 OsmAnd、奥维等导航软件；高德/百度地图"
                       "使用 GCJ-02/BD-09 坐标。",
                       "GPX is WGS-84 (GPS); import it into OsmAnd, Organic Maps or Locus. "
                       "Amap/Baidu use GCJ-02/BD-09."),
    "route.no_stops": ("当前路线规划中没有您的走访点。",
                       "The current route plan has no stops for you."),
    "route.day_missing": ("所选日期没有您的路线，已显示",
                          "You have no route on the chosen day; showing"),
    "route.left_out": ("未排入路线的对象", "Targets not routed"),
    "route.reason": ("原因", "Reason"), "route.plan_no": ("路线规划", "Route plan"),
    "route.straight": ("直线估算", "straight-line estimate"),
    # planner: route-planning jobs and staleness (issue 13)
    "stage_queued": ("排队中", "queued"), "stage_loading": ("读取数据", "loading"),
    "stage_building": ("建立模型", "building"), "stage_solving": ("求解中", "solving"),
    "stage_checking": ("独立校验", "checking"), "stage_storing": ("保存结果", "storing"),
    "stage_done": ("完成", "done"), "stage_failed": ("失败", "failed"),
    "job_abandoned": ("作业中断：运行它的服务器已停止或重启，规划结果未保存。请重新开始规划。",
                      "Job interrupted: the server running it stopped or restarted; nothing "
                      "was stored. Start the planning again."),
    "phase_visit": ("走访排查（全阶段）", "visit phase (走访排查, all of it)"),
    "phase_push": ("集中走访", "concentrated push (集中走访)"),
    "phase_revisit": ("回访", "revisit phase (回访)"),
    "routes.plan": ("规划路线", "Plan routes"), "routes.all_cadres": ("全部干部", "all cadres"),
    "routes.time_per_cadre": ("每名干部求解时间（秒）", "Search time per cadre (s)"),
    "routes.stale": ("路线已过时", "Routes are out of date"),
    "routes.stale_areas": ("走访区域在路线规划之后重新规划过",
                           "the visit areas were re-planned after the route plan"),
    "routes.stale_targets": ("走访对象在路线规划之后有变动",
                             "targets changed after the route plan"),
    "routes.stale_settings": ("路线设置在路线规划之后有修改",
                              "the route settings changed after the route plan"),
    "routes.replan": ("重新规划路线", "Re-plan routes"),
    "routes.cadres_done": ("已完成干部", "cadres done"), "routes.phase": ("阶段", "Phase"),
    "routes.as_of": ("从此日起规划（空：现在）", "Plan from (empty: now)"),
    "routes.bad_options": ("路线规划参数有误：阶段须为走访排查、集中走访或回访，"
                           "求解时间须在 0–3600 秒之间，日期格式为 年-月-日，请修改后重试",
                           "Bad route-planning options: the phase must be visit, push or "
                           "revisit, the search time between 0 and 3600 s and the date a "
                           "day; correct them and try again"),
    # issue 14: the capacity model and the forecast on the planner's page
    "capacity.title": ("可用时间怎么算", "How capacity is counted"),
    "capacity.text": ("{phase}（{first}至{last}，工作日{workdays}天、"
                      "休息日{weekend}天）：每天可走访的时间 = "
                      "各类对象在家/在岗时段与干部外出时段的重合部分，"
                      "不超过当天类型的外出小时数；每名干部按其可用天数"
                      "取最有利的日子。共可用 {usable} 小时"
                      "（按“小时×天数”为 {hxd} 小时）。",
                      "{phase} ({first} to {last}, {workdays} workdays, {weekend} weekend "
                      "days): each day, the time in which targets are at home or open within "
                      "the cadres' window, capped by the hours of that day type; each cadre "
                      "over its best days available. {usable} h usable in all ({hxd} h by "
                      "hours × days)."),
    "forecast.title": ("能否走访率100%？预测", "Can the phase reach 100 %? Forecast"),
    "forecast.yes": ("能", "yes"), "forecast.no": ("不能", "no"),
    "forecast.reachable": ("可走访", "reachable"), "forecast.left_out": ("走访不到", "left out"),
    "forecast.extra_days": ("还需人·天", "extra cadre-days"),
    "forecast.reasons": ("原因", "reasons"), "forecast.close_gap": ("怎么补", "to close the gap"),
    "forecast.unavailable": ("无法预测：{why}", "No forecast: {why}"),
    "bad_arg.day": ("地址中的 {name}=“{value}” 不是日期：请按 年-月-日 填写，如 2026-03-01，"
                    "或从页面上的日期框选择。",
                    "{name} was {value!r}; expected a date YYYY-MM-DD (e.g. 2026-03-01)."),
    "nul_byte": ("{field} 中含有不可见的空字符（NUL），无法保存或查询：请删除后重试"
                 "（常见于从其他系统复制的文字）。",
                 "{field} holds a NUL byte, which cannot be stored or searched for; remove "
                 "it and try again."),
    "bad_arg.day_range": ("地址中的 {name}=“{value}” 超出可用的日期范围：请填写 {first} 至 {last} "
                          "之间的日期。",
                          "{name} was {value!r}; expected a date from {first} to {last}."),
    "bad_arg.plan_options": ("规划参数有误（{value}）：求解时间（time_limit_s）须为 1 至 {most} "
                             "秒之间的数字，随机种子（seed）须为 0 至 {seed_max} 之间的整数"
                             "（不填即为 0），请修改后重试。",
                             "Bad planning options ({value}): time_limit_s must be a number "
                             "from 1 to {most} seconds and seed a whole number from 0 to "
                             "{seed_max} (empty: 0)."),
    "bad_arg.phase": ("地址中的 {name}=“{value}” 不是可选的阶段：请从页面上的阶段列表中选择"
                      "（{expected}）。",
                      "{name} was {value!r}; expected one of {expected}."),
}


def current_lang() -> str:
    """Return the session's language (``zh`` unless switched)."""
    if has_request_context():
        lang = session.get("lang")
        if lang in LANGS:
            return str(lang)
    return "zh"


def t(key: str, **fmt: object) -> str:
    """Return the label ``key`` in the session's language (the key itself when unknown)."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    text = pair[0] if current_lang() == "zh" else pair[1]
    return text.format(**fmt) if fmt else text


def format_local(when: dt.datetime | None, *, seconds: bool = False) -> str:
    """Return a stored time (naive, China time) as the township's local time, to the minute.

    Stored times are China wall-clock time (:func:`zoufang.campaign.store.local_now`);
    aware ones are converted to the app's ``TIMEZONE`` (default Asia/Shanghai).
    ``seconds`` adds the seconds.
    """
    if when is None:
        return ""
    if when.tzinfo is not None:
        from zoneinfo import ZoneInfo

        from flask import current_app, has_app_context
        tz = current_app.config.get("TIMEZONE", "Asia/Shanghai") if has_app_context() \
            else "Asia/Shanghai"
        when = when.astimezone(ZoneInfo(tz))
    return when.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def labels(*keys: str) -> dict[str, str]:
    """Return several labels as a dict (for the map scripts)."""
    return {k: t(k) for k in keys}


def section(prefix: str) -> dict[str, str]:
    """Return every label whose key starts with ``prefix``, keyed without it.

    ``section("route.")`` gives the route page's labels as ``{"stop": "站", ...}``.
    """
    return {k.removeprefix(prefix): t(k) for k in LABELS if k.startswith(prefix)}
