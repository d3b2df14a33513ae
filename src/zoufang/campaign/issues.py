"""The issue ledger (问题台账): recording issues and moving them through their lifecycle.

The lifecycle is the explicit table :data:`TRANSITIONS` (DOMAIN.md "Issues and the
ledger")::

    recorded 采集录入 ──assess──▶ assessed 分析研判 ──hand_over──▶ handed_over 交办承办
        │                            │                               │ start
        └──solve_on_spot 即知即办──▶ reported ◀──report 结果反馈── in_progress 办理中
                                     │        ◀─rate_not_satisfied──┘ (sent back)
                                     └──rate_satisfied──▶ closed 销号

- Only a satisfied rating closes an issue ("群众满意了问题才算解决"); ``rate_not_satisfied``
  sends it back to ``in_progress`` (optionally with a new deadline).
- ``close_unsolvable`` closes an issue that cannot be solved, and only with the
  explanation given to the resident recorded.
- ``hand_over`` needs the responsible unit, person and deadline; it may be repeated to
  hand the issue to another unit.
- ``supervise``/``unsupervise`` (挂牌督办) and ``note`` change no state.
- The owner (``owner_cadre_id``) is the cadre of the visit that recorded the issue
  (谁走访谁处理); no action changes it.

Every action appends one :class:`~zoufang.campaign.store.IssueEvent` (who, when, why, what) and
bumps the issue's ``version``. Two people moving one issue at once: the second flush
finds the version changed and :class:`IssueConflict` is raised; nothing is lost and the
caller reloads. Invalid actions raise :class:`TransitionRefused` naming what is allowed.

Warnings (红黄预警) are computed, not stored: see :func:`warning_level`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Final

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from zoufang._errors import Problem, ValidationError
from zoufang.campaign.store import (
    Issue,
    IssueCase,
    IssueEvent,
    LedgerSettings,
    Target,
    Visit,
    local_now,
)

__all__ = [
    "CATEGORIES", "CHANNELS", "OPEN_STATUSES", "RATINGS", "RESPONSIBILITIES", "SCOPES",
    "STATUSES", "TRANSITIONS", "URBAN_CATEGORIES", "URGENCIES", "IssueConflict",
    "LedgerConfig", "Transition", "TransitionRefused", "allowed_actions", "get_config",
    "link_case", "move_issue", "parse_choice", "record_issue", "set_config",
    "warning_level",
]

#: The 7 categories (7个小类) of DOMAIN.md: code -> Chinese names (the first is the label).
CATEGORIES: Final[dict[str, tuple[str, ...]]] = {
    "living_environment": ("居住环境", "环境"),
    "public_security": ("社会治安", "治安"),
    "medical_care": ("基本医疗", "医疗"),
    "culture_sport": ("文体生活", "文化生活", "文体活动", "文体"),
    "education": ("基础教育", "教育"),
    "social_assistance": ("社会帮扶", "帮扶"),
    "other": ("其他",),
}
#: Urban variants (城市社区, Haiyang notice 附件2 note), on unless a township turns them off.
URBAN_CATEGORIES: Final[dict[str, tuple[str, ...]]] = {
    "urban_construction": ("城建",),
    "environmental_protection": ("环保",),
    "property_management": ("物业",),
    "cadre_conduct": ("干部作风", "作风"),
}
#: Responsibility (三大类): who can solve it.
RESPONSIBILITIES: Final[dict[str, tuple[str, ...]]] = {
    "township": ("镇村解决", "镇和村解决的问题", "镇村", "镇和村"),
    "joint": ("镇和市直部门联动解决", "镇和市直部门联动解决问题", "联动", "镇市联动"),
    "city": ("市直部门单独解决", "市直部门单独解决问题", "市直部门", "市直"),
}
URGENCIES: Final[dict[str, tuple[str, ...]]] = {
    "normal": ("一般", "普通"),
    "urgent": ("紧急", "急"),
}
RATINGS: Final[dict[str, tuple[str, ...]]] = {
    "satisfied": ("满意",),
    "not_satisfied": ("不满意",),
}
CHANNELS: Final[dict[str, tuple[str, ...]]] = {
    "visit": ("入户走访", "走访"),
    "service_contact": ("干部联系服务对象", "服务对象"),
    "hotline": ("89000民生热线", "热线", "网上民声"),
}
SCOPES: Final[dict[str, tuple[str, ...]]] = {
    "public": ("公共方面", "公共"),
    "sector": ("行业领域", "行业"),
}
#: Statuses of the lifecycle: code -> Chinese label.
STATUSES: Final[dict[str, str]] = {
    "recorded": "采集录入",
    "assessed": "分析研判",
    "handed_over": "交办承办",
    "in_progress": "办理中（会办协商、督办落实）",
    "reported": "结果反馈",
    "closed": "已销号",
}
OPEN_STATUSES: Final = frozenset(STATUSES) - {"closed"}
#: Statuses in which a deadline runs (warnings, overdue).
RUNNING_STATUSES: Final = frozenset({"handed_over", "in_progress"})


@dataclass(frozen=True)
class Transition:
    """One row of the lifecycle table.

    ``target`` None means the action keeps the status (a flag or a note). ``requires``
    are the fields that must be given; ``accepts`` those that may be.
    """

    action: str
    label: str
    sources: frozenset[str]
    target: str | None
    requires: tuple[str, ...] = ()
    accepts: tuple[str, ...] = ()


def _t(action: str, label: str, sources: Iterable[str], target: str | None,
       requires: tuple[str, ...] = (), accepts: tuple[str, ...] = ()) -> Transition:
    return Transition(action, label, frozenset(sources), target, requires, accepts)


#: The lifecycle: action -> transition.
TRANSITIONS: Final[dict[str, Transition]] = {t.action: t for t in (
    _t("assess", "分析研判", {"recorded"}, "assessed",
       accepts=("category", "responsibility", "urgency")),
    _t("hand_over", "交办承办", {"assessed", "handed_over", "in_progress"}, "handed_over",
       requires=("unit", "handler", "deadline")),
    _t("start", "开始办理（会办协商）", {"handed_over"}, "in_progress"),
    _t("report", "结果反馈", {"in_progress"}, "reported", requires=("result",)),
    _t("solve_on_spot", "即知即办", {"recorded", "assessed"}, "reported",
       requires=("result",)),
    _t("rate_satisfied", "回访评价：满意（销号）", {"reported"}, "closed"),
    _t("rate_not_satisfied", "回访评价：不满意（退回重办）", {"reported"}, "in_progress",
       requires=("reason",), accepts=("deadline",)),
    _t("close_unsolvable", "无法解决，向群众解释说明后销号",
       {"assessed", "handed_over", "in_progress", "reported"}, "closed",
       requires=("explanation",)),
    _t("supervise", "挂牌督办", OPEN_STATUSES, None, requires=("reason",)),
    _t("unsupervise", "撤销督办", OPEN_STATUSES, None),
    _t("note", "备注", STATUSES, None, requires=("reason",)),
)}

_FIELDS: Final = ("unit", "handler", "deadline", "result", "explanation", "category",
                  "responsibility", "urgency", "reason")


class TransitionRefused(ValidationError):
    """The action is not allowed on the issue as it is (or lacks a field); nothing saved."""


class IssueConflict(ValueError):
    """Someone else changed the issue since it was read; nothing was saved.

    Reload the issue and apply the change again if it still makes sense.
    """

    def __init__(self, issue_id: int, detail: str) -> None:
        self.issue_id = issue_id
        self.summary = (f"issue #{issue_id} was changed by someone else since you read it "
                        f"({detail}); nothing was saved — reload it and try again")
        self.problems: list[Problem] = []
        super().__init__(self.summary)


# ------------------------------------------------------------------------ config

@dataclass
class LedgerConfig:
    """A township's ledger settings (stored in ``ledger_settings``), with the defaults.

    Attributes
    ----------
    yellow_days
        Yellow warning when a running issue's deadline is at most this many days away.
    gps_far_m
        Integrity: an in-home visit whose GPS point is farther than this from the target
        (metres) is flagged.
    max_speed_kmh
        Integrity: moving faster than this between consecutive visits is impossible.
    min_move_m
        Integrity: moves shorter than this (metres) are never flagged for speed (GPS noise).
    max_visits_per_hour
        Integrity: more in-home visits than this within any 60 minutes is flagged.
    uniform_min_visits, uniform_min_days
        Integrity: a cadre with at least this many completed visits over at least this
        many days and not one issue, or not one visit other than "visited", is flagged.
    hotspot_m, hotspot_min_targets
        Hotspots: issues of one category within this distance (metres), raised by at
        least this many targets, form a group.
    urban_categories
        Accept the urban variants (城建, 环保, 物业, 干部作风) as categories.
    extra_categories
        More categories: code -> Chinese label.
    """

    yellow_days: int = 3
    gps_far_m: float = 300.0
    max_speed_kmh: float = 40.0
    min_move_m: float = 200.0
    max_visits_per_hour: int = 6
    uniform_min_visits: int = 30
    uniform_min_days: int = 5
    hotspot_m: float = 200.0
    hotspot_min_targets: int = 3
    urban_categories: bool = True
    extra_categories: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        bad = [f"Expected {name} > 0." for name in (
            "gps_far_m", "max_speed_kmh", "max_visits_per_hour", "uniform_min_visits",
            "uniform_min_days", "hotspot_m", "hotspot_min_targets") if getattr(self, name) <= 0]
        if self.yellow_days < 0:
            bad.append("Expected yellow_days >= 0.")
        if self.min_move_m < 0:
            bad.append("Expected min_move_m >= 0.")
        if bad:
            raise ValueError(" ".join(bad))

    def categories(self) -> dict[str, tuple[str, ...]]:
        """Return the accepted categories: code -> Chinese names."""
        out = dict(CATEGORIES)
        if self.urban_categories:
            out.update(URBAN_CATEGORIES)
        out.update({k: (v,) for k, v in self.extra_categories.items()})
        return out


def get_config(session: Session, township_id: int) -> LedgerConfig:
    """Return the township's settings, defaults for what it did not set (cached per session)."""
    cache = session.info.setdefault("zoufang_ledger_config", {})
    if township_id not in cache:
        row = session.get(LedgerSettings, township_id)
        known = {f.name for f in fields(LedgerConfig)}
        cache[township_id] = LedgerConfig(**{k: v for k, v in (row.settings if row else {})
                                             .items() if k in known})
    return cache[township_id]


def set_config(session: Session, township_id: int, **changes: Any) -> LedgerConfig:
    """Change some settings of a township; unknown keys are refused."""
    known = {f.name for f in fields(LedgerConfig)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise ValueError(f"unknown ledger setting(s) {', '.join(unknown)}; expected one of "
                         f"{', '.join(sorted(known))}")
    cfg = asdict(get_config(session, township_id))
    cfg.update(changes)
    new = LedgerConfig(**cfg)
    row = session.get(LedgerSettings, township_id)
    if row is None:
        session.add(LedgerSettings(township_id=township_id, settings=asdict(new)))
    else:
        row.settings = asdict(new)
    session.flush()
    session.info.setdefault("zoufang_ledger_config", {})[township_id] = new
    return new


# ------------------------------------------------------------------------ parsing

def parse_choice(text: str | None, table: Mapping[str, tuple[str, ...]], what: str) -> str:
    """Return the code for an English code or a Chinese name of ``table``.

    Raises
    ------
    ValueError
        Naming what was given and the accepted values.
    """
    if text is None or not str(text).strip():
        raise ValueError(f"{what} is missing; expected one of "
                         + ", ".join(f"{k} ({v[0]})" for k, v in table.items()))
    s = str(text).strip()
    key = s.lower().replace(" ", "_").replace("-", "_") if s.isascii() else s
    for code, names in table.items():
        if key == code or s in names:
            return code
    raise ValueError(f"{what} was {s!r} but is expected to be one of "
                     + ", ".join(f"{k} ({v[0]})" for k, v in table.items()))


def _label(table: Mapping[str, tuple[str, ...]], code: str | None) -> str:
    return table[code][0] if code in table else (code or "")


# ------------------------------------------------------------------------ warnings

def warning_level(status: str, deadline: dt.date | None, today: dt.date, *,
                  yellow_days: int = 3) -> str | None:
    """Return the red/yellow warning (红黄预警) of an issue on ``today``.

    Only issues whose deadline is running (``handed_over`` or ``in_progress``) are warned:
    ``"red"`` when the deadline is past (deadline < today), ``"yellow"`` when it is at
    most ``yellow_days`` days away (today <= deadline <= today + yellow_days), else None.
    """
    if status not in RUNNING_STATUSES or deadline is None:
        return None
    if deadline < today:
        return "red"
    if (deadline - today).days <= yellow_days:
        return "yellow"
    return None


# ------------------------------------------------------------------------ record

def _append_event(session: Session, issue: Issue, *, seq: int, action: str,
                  from_status: str | None, actor: str, at: dt.datetime,
                  reason: str | None, deadline: dt.date | None = None,
                  data: dict[str, Any] | None = None) -> IssueEvent:
    ev = IssueEvent(issue_id=issue.id, seq=seq, action=action, from_status=from_status,
                    to_status=issue.status, actor=actor, at=at, reason=reason,
                    deadline=deadline, data=data or {})
    session.add(ev)
    return ev


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    s = str(text).strip()
    return s or None


def record_issue(
    session: Session, *, visit_id: int | None = None, target_id: int | None = None,
    township_id: int | None = None, category: str, responsibility: str, text: str,
    urgency: str = "normal", actor: str, at: dt.datetime | None = None,
    channel: str = "visit", scope: str = "public", reporter_name: str | None = None,
    reporter_phone: str | None = None, owner_cadre_id: int | None = None,
    source: str = "app", campaign_id: int | None = None, import_run_id: int | None = None,
) -> Issue:
    """Record an issue (采集录入) and its first history step.

    Raised in a visit (``visit_id``: the target, township, campaign and owner come from the
    visit, which must have outcome "visited"), or without one (hotline issues,
    ``township_id`` and optionally ``target_id``, ``reporter_*``, ``owner_cadre_id``).
    ``category``, ``responsibility``, ``urgency``, ``channel`` and ``scope`` accept the
    codes or Chinese names. ``at`` (local time) defaults to the visit's time, else now.

    Raises
    ------
    ValidationError
        Listing every problem found.
    """
    problems: list[Problem] = []
    src = "issue"

    def bad(fld: str, msg: str, value: Any = None) -> None:
        problems.append(Problem(src, None, fld, msg,
                                value=None if value is None else str(value)))

    visit = None
    if visit_id is not None:
        visit = session.get(Visit, visit_id)
        if visit is None:
            bad("visit", f"no visit #{visit_id}")
        else:
            if visit.outcome != "visited":
                bad("visit", f"visit #{visit_id} has outcome {visit.outcome!r}; issues can "
                    "only be raised in a visit with outcome 'visited'")
            if target_id is not None and target_id != visit.target_id:
                bad("target", f"visit #{visit_id} is of target #{visit.target_id}, not "
                    f"#{target_id}")
            township_id, target_id = visit.township_id, visit.target_id
            campaign_id = campaign_id or visit.campaign_id
            owner_cadre_id = visit.cadre_id
    elif target_id is not None:
        tgt = session.get(Target, target_id)
        if tgt is None:
            bad("target", f"no target #{target_id}")
        else:
            township_id = township_id or tgt.township_id
    if township_id is None and not problems:
        bad("township", "an issue needs a visit, a target or a township")
    cfg = get_config(session, township_id) if township_id is not None else LedgerConfig()
    parsed: dict[str, str] = {}
    for name, value, table in (("category", category, cfg.categories()),
                               ("responsibility", responsibility, RESPONSIBILITIES),
                               ("urgency", urgency, URGENCIES), ("channel", channel, CHANNELS),
                               ("scope", scope, SCOPES)):
        try:
            parsed[name] = parse_choice(value, table, name)
        except ValueError as exc:
            bad(name, str(exc))
    if not _clean(text):
        bad("text", "the issue's text is empty; say what the resident raised")
    if not _clean(actor):
        bad("actor", "who records the issue is missing")
    if problems:
        raise ValidationError("issue refused, nothing recorded", problems)
    when = at or (visit.at if visit is not None else local_now())
    issue = Issue(
        township_id=township_id, campaign_id=campaign_id, target_id=target_id,
        visit_id=visit_id, owner_cadre_id=owner_cadre_id, text=_clean(text),
        reporter_name=_clean(reporter_name), reporter_phone=_clean(reporter_phone),
        status="recorded", raised_at=when, source=source, updated_at=when,
        import_run_id=import_run_id, **parsed)
    session.add(issue)
    session.flush()
    _append_event(session, issue, seq=1, action="record", from_status=None,
                  actor=actor.strip(), at=when, reason=None,
                  data={"category": issue.category, "responsibility": issue.responsibility,
                        "urgency": issue.urgency})
    session.flush()
    return issue


# ------------------------------------------------------------------------ move

def allowed_actions(status: str) -> list[str]:
    """Return the actions the lifecycle allows from ``status``, in table order."""
    return [a for a, t in TRANSITIONS.items() if status in t.sources]


def _resolve_action(action: str, rating: str | None) -> str:
    if action in ("rate", "回访评价"):
        if rating is None:
            raise TransitionRefused("rating missing", [Problem(
                "issue", None, "rating",
                "action 'rate' needs a rating: satisfied (满意) or not_satisfied (不满意)",
                code="rating_missing")])
        return "rate_" + parse_choice(rating, RATINGS, "rating")
    for code, t in TRANSITIONS.items():
        if action == t.label:
            return code
    return action


def move_issue(
    session: Session, issue_id: int, action: str, *, actor: str,
    reason: str | None = None, at: dt.datetime | None = None,
    expected_version: int | None = None, rating: str | None = None,
    **values: Any,
) -> Issue:
    """Apply one lifecycle action to an issue and append it to the history.

    Parameters
    ----------
    session
        An open session; the caller commits (a conflict surfaces here at flush).
    issue_id
        The issue.
    action
        A key of :data:`TRANSITIONS`, or ``"rate"`` with ``rating`` satisfied /
        not_satisfied.
    actor
        Who does it (kept in the history).
    reason
        Why (kept in the history; required by some actions).
    at
        When (local time; default now). Must not be before the issue's last step.
    expected_version
        The ``version`` the caller read; a different stored version is a conflict.
    **values
        The action's fields: ``unit``, ``handler``, ``deadline`` (date or ISO text),
        ``result``, ``explanation``, ``category``, ``responsibility``, ``urgency``.

    Raises
    ------
    TransitionRefused
        The action is unknown, not allowed from the issue's status, or lacks a field.
    IssueConflict
        The issue was changed by someone else since it was read.
    """
    issue = session.get(Issue, issue_id)
    if issue is None:
        raise TransitionRefused(f"no issue #{issue_id}", [])
    if expected_version is not None and issue.version != expected_version:
        raise IssueConflict(issue_id, f"you read version {expected_version}, it is now "
                                      f"version {issue.version}")
    code = _resolve_action(action, rating)
    status = issue.status
    where = f"issue #{issue_id}"
    t = TRANSITIONS.get(code)
    if t is None:
        raise TransitionRefused(f"{where}: unknown action {action!r}", [Problem(
            where, None, "action", f"unknown action {action!r}; expected one of "
            + ", ".join(["rate", *TRANSITIONS]), code="unknown_action", value=action)])
    if status not in t.sources:
        allowed = allowed_actions(status)
        raise TransitionRefused(f"{where}: {code} refused", [Problem(
            where, None, "action",
            f"'{code}' ({t.label}) is not allowed when the issue is {status} "
            f"({STATUSES[status]}); it is allowed from "
            f"{', '.join(sorted(t.sources))}; from {status} the allowed actions are "
            f"{', '.join(allowed) if allowed else 'none (the issue is closed)'}",
            code="action_not_allowed", params={
                "label": t.label, "status": STATUSES[status],
                "allowed": "、".join(TRANSITIONS[a].label for a in allowed) or "无（已办结）"})])
    unknown = sorted(set(values) - set(_FIELDS))
    given = {k: v for k, v in values.items() if v is not None and str(v).strip() != ""}
    if reason is not None and str(reason).strip():
        given["reason"] = str(reason).strip()
    problems: list[Problem] = [
        Problem(where, None, k, f"unknown field {k!r}; expected one of {', '.join(_FIELDS)}"
                + (" (the owner never changes: 谁走访谁处理)" if "owner" in k else ""),
                code="unknown_field")
        for k in unknown]
    for req in t.requires:
        if req not in given:
            problems.append(Problem(where, None, req, f"'{code}' ({t.label}) needs {req}",
                                    code="needs_field", params={"label": t.label}))
    extra = sorted(set(given) - set(t.requires) - set(t.accepts) - {"reason"})
    problems.extend(Problem(where, None, k, f"'{code}' does not take {k}",
                            code="field_not_taken", params={"label": t.label})
                    for k in extra)
    if not _clean(actor):
        problems.append(Problem(where, None, "actor", "who does it is missing",
                                code="actor_missing"))
    when = at or local_now()
    last = issue.updated_at  # the time of the issue's last step
    if last is not None and when < last:
        problems.append(Problem(where, None, "at", f"{when:%Y-%m-%d %H:%M} is before the "
                                f"issue's last step ({last:%Y-%m-%d %H:%M})",
                                code="before_last_step", value=f"{when:%Y-%m-%d %H:%M}",
                                params={"last": f"{last:%Y-%m-%d %H:%M}"}))
    deadline = None
    if "deadline" in given:
        try:
            deadline = (given["deadline"] if isinstance(given["deadline"], dt.date)
                        else dt.date.fromisoformat(str(given["deadline"]).strip()))
            if isinstance(deadline, dt.datetime):
                deadline = deadline.date()
            given["deadline"] = deadline
            if deadline < when.date():
                problems.append(Problem(where, None, "deadline",
                                        f"deadline {deadline} is before {when.date()}",
                                        code="deadline_past", value=str(deadline),
                                        params={"today": str(when.date())}))
        except ValueError:
            problems.append(Problem(where, None, "deadline", "not a date; expected YYYY-MM-DD",
                                    value=str(given["deadline"]), code="deadline_not_date"))
    cfg = get_config(session, issue.township_id)
    for name, table in (("category", cfg.categories()), ("responsibility", RESPONSIBILITIES),
                        ("urgency", URGENCIES)):
        if name in given:
            try:
                given[name] = parse_choice(given[name], table, name)
            except ValueError as exc:
                problems.append(Problem(where, None, name, str(exc), code="bad_choice",
                                        value=str(given[name])))
    if problems:
        raise TransitionRefused(f"{where}: {code} refused, nothing saved", problems)

    data = {k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in given.items() if k != "reason"}
    if t.target is not None:
        issue.status = t.target
    if code == "assess":
        for name in ("category", "responsibility", "urgency"):
            if name in given:
                setattr(issue, name, given[name])
    elif code == "hand_over":
        issue.unit, issue.handler, issue.deadline = given["unit"], given["handler"], deadline
        issue.handed_at = issue.handed_at or when
    elif code in ("report", "solve_on_spot"):
        issue.result = given["result"]
        issue.responded_at = issue.responded_at or when
    elif code == "rate_satisfied":
        issue.rating, issue.rated_at = "satisfied", issue.rated_at or when
        issue.closed_at, issue.close_kind = when, "satisfied"
        issue.supervised = False
    elif code == "rate_not_satisfied":
        issue.rating, issue.rated_at = "not_satisfied", issue.rated_at or when
        if deadline is not None:
            issue.deadline = deadline
    elif code == "close_unsolvable":
        issue.explanation = given["explanation"]
        issue.responded_at = issue.responded_at or when
        issue.closed_at, issue.close_kind = when, "unsolvable"
        issue.supervised = False
    elif code == "supervise":
        issue.supervised = True
    elif code == "unsupervise":
        issue.supervised = False
    issue.updated_at = when
    flag_modified(issue, "updated_at")  # always an UPDATE: the version moves on every step
    _append_event(session, issue, seq=_next_seq(issue), action=code, from_status=status,
                  actor=actor.strip(), at=when, reason=given.get("reason"),
                  deadline=deadline, data=data)
    _flush(session, issue_id)
    return issue


def _next_seq(issue: Issue) -> int:
    """Return the next step's number.

    Steps and versions advance together (record = step 1 at
    version 1; every later step is one UPDATE, i.e. one version), so two writers who read
    the same version also compete for the same (issue, seq) — the unique constraint is a
    second lock behind the version check.
    """
    return issue.version + 1


def _flush(session: Session, issue_id: int) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise IssueConflict(issue_id, "its version changed while you were saving") from exc
    except IntegrityError as exc:
        if "issue_events" in str(exc) or "seq" in str(exc):
            raise IssueConflict(issue_id, "another step was appended at the same time"
                                ) from exc
        raise


def link_case(session: Session, issue_ids: list[int], *, actor: str,
              title: str | None = None, at: dt.datetime | None = None) -> IssueCase:
    """Link issues raised by several residents in one place into one case (合并案件).

    All issues must be of one township and one category. If some already belong to one
    case the others join it; issues of two different cases are refused. Each issue gets
    a ``link_case`` step in its history.
    """
    issues = [session.get(Issue, i) for i in issue_ids]
    missing = [i for i, x in zip(issue_ids, issues, strict=True) if x is None]
    where = "case"
    if missing:
        raise ValidationError("case refused", [Problem(where, None, "issues",
                              f"no issue #{', #'.join(map(str, missing))}")])
    found = [x for x in issues if x is not None]
    problems: list[Problem] = []
    if len(found) < 2:
        problems.append(Problem(where, None, "issues", "a case links at least 2 issues"))
    if len({x.township_id for x in found}) > 1:
        problems.append(Problem(where, None, "issues", "the issues are of different townships"))
    cats = sorted({x.category for x in found})
    if len(cats) > 1:
        problems.append(Problem(where, None, "category",
                                f"the issues have different categories ({', '.join(cats)}); "
                                "a case links issues of one category"))
    cases = sorted({x.case_id for x in found if x.case_id is not None})
    if len(cases) > 1:
        problems.append(Problem(where, None, "case", "the issues already belong to cases "
                                + ", ".join(f"#{c}" for c in cases)))
    if problems:
        raise ValidationError("case refused, nothing linked", problems)
    when = at or local_now()
    case = session.get(IssueCase, cases[0]) if cases else None
    if case is None:
        case = IssueCase(township_id=found[0].township_id, category=cats[0], title=title,
                         created_by=actor, created_at=when)
        session.add(case)
        session.flush()
    for x in found:
        if x.case_id == case.id:
            continue
        x.case_id = case.id
        step_at = max(when, x.updated_at)
        seq = _next_seq(x)
        x.updated_at = step_at
        flag_modified(x, "updated_at")
        _append_event(session, x, seq=seq, action="link_case", from_status=x.status,
                      actor=actor, at=step_at, reason=title,
                      data={"case_id": case.id})
        _flush(session, x.id)
    return case


def status_label(code: str) -> str:
    """Return the Chinese label of a status."""
    return STATUSES.get(code, code)


def category_label(code: str, cfg: LedgerConfig | None = None) -> str:
    """Return the Chinese label of a category."""
    return _label((cfg or LedgerConfig()).categories(), code)
