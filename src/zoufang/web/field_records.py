"""The field app's record path: visits with any number of issues, flags, and the sync.

The reads of the field pages live here too (the views build no SQL): the households of
the area with their status, the day's progress, the cadre's name and area, the issues
of the neighbours, the target of a record form, the stops of the next route days.

One visit recorded by a field cadre — from the record form (``/field/record/<id>``) or
from the phone's outbox (``POST /api/v1/me/sync``) — goes through :func:`record_one`:

- the target must be one the cadre may visit (:func:`zoufang.web.forms.record_field_visit`,
  which asks :func:`zoufang.web.scope.visit_grant`); anything else is refused, nothing
  stored;
- the issues raised in the visit (any number, each with category, responsibility, text)
  land in the same transaction: all of them and the visit, or nothing;
- integrity at the moment of recording (:func:`gps_warnings`): an in-home visit whose GPS
  point is farther than the township's integrity distance (``gps_far_m``, 300 m) from the
  target, or that has no GPS point at all, is stored *and* flagged
  (:class:`~zoufang.campaign.store.IntegrityFlag` ``gps_far`` / ``gps_missing``). The
  form shows the same warning before saving; a flag never refuses a visit.

The sync takes a batch ``{"visits": [...]}``; every visit and every issue carries the id
the phone made for it (``client_id``, 8–64 characters of ``A-Z a-z 0-9 _ -``). The store
keeps that id under a unique index, so however often the same batch is resent, each
record lands exactly once: a visit whose id is already stored for this cadre answers
``duplicate`` with the stored ids, one stored for another cadre (or for another target)
``conflict``. Each result has ``client_id``, ``result`` (created, duplicate, refused,
conflict) and ``ok``/``status`` (201, 200, 400/403, 409); a refused or conflicting one is
in the one error shape (``ok`` false, ``error`` in Chinese, ``errors``, ``status``).
Each visit is one transaction of its own; the answer lists one result per visit, in the
order sent.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zoufang._errors import Problem, ValidationError
from zoufang.campaign import issues as ledger_mod
from zoufang.campaign import route_exports as rx
from zoufang.campaign.store import (
    AreaPlan,
    Cadre,
    IntegrityFlag,
    Issue,
    Target,
    Visit,
    VisitArea,
    local_now,
)
from zoufang.campaign.store.lookup import newest_campaign_id
from zoufang.campaign.visits import SETTLED_OUTCOMES
from zoufang.web import forms
from zoufang.web import queries as q
from zoufang.web.context import store
from zoufang.web.errors import Forbidden, error_body
from zoufang.web.i18n import t
from zoufang.web.scope import area_target_ids, visit_grant
from zoufang.web.security import Viewer

__all__ = ["MAX_BATCH", "MAX_ISSUES", "ahead_targets", "area_rows", "cadre_header",
           "chinese_problems", "day_progress", "gps_warnings", "neighbour_issues",
           "record_one", "record_target", "sync_batch"]

#: Visits one sync request may carry, and issues one visit may carry.
MAX_BATCH: Final = 500
MAX_ISSUES: Final = 20
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

#: The fields of a visit as the cadre sees them on the form.
FIELD_CN: Final[dict[str, str]] = {
    "target": "走访对象", "cadre": "走访干部", "at": "走访时间", "mode": "走访方式",
    "outcome": "走访结果", "channel": "走访渠道", "four_ones": "四个一", "gps": "定位",
    "notes": "备注", "category": "问题类别", "responsibility": "责任归属",
    "urgency": "紧急程度", "text": "问题内容", "visit": "走访", "client_id": "记录编号",
}
#: English problem texts of the ledger (substring) -> what to fix, in Chinese.
_FIX_CN: Final[tuple[tuple[str, str], ...]] = (
    ("in the future", "时间晚于现在，请改为实际走访的时间"),
    ("before 20", "时间过早，请检查日期"),
    ("not a date and time", "不是有效的日期时间，请按 年-月-日 时:分 填写"),
    ("time is missing", "未填写，请填写走访时间"),
    ("four ones are done only", "只有结果为“已走访”时才能勾选四个一，请取消勾选或改选结果"),
    ("only be raised in a visit with outcome", "只有结果为“已走访”的走访才能登记问题，"
     "请改选结果或删去问题"),
    ("outside China", "定位不在中国境内，请重新定位"),
    ("half a GPS point", "定位不完整，请重新定位"),
    ("not a number", "定位不是数字，请重新定位"),
    ("missing", "未填写，请填写"),
    ("empty", "未填写，请填写"),
    ("expected to be one of", "选项无效，请从列表中选择"),
    ("expected one of", "未选择或选项无效，请从列表中选择"),
    ("unknown", "选项无效，请从列表中选择"),
    ("too long", "内容过长，请删减"),
)


def chinese_problems(exc: ValidationError) -> list[dict[str, str]]:
    """Return the problems of ``exc`` as ``{"field", "label", "message"}`` in Chinese.

    ``message`` names the field and what to fix; where no Chinese text is known for the
    problem, the ledger's own (English) text follows in brackets.
    """
    out = []
    for p in exc.problems:
        label = FIELD_CN.get(p.field or "", p.field or "记录")
        fix = next((cn for key, cn in _FIX_CN if key in p.message), None)
        text = f"{label}：{fix}" if fix else f"{label}有误，请检查后修改（{p.message}）"
        out.append({"field": p.field or "", "label": label, "message": text})
    return out


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine, WGS-84 mean radius)."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def gps_warnings(session: Session, target: Target, lon: float | None, lat: float | None,
                 mode: str) -> list[dict[str, Any]]:
    """Return the integrity warnings of an in-home visit of ``target`` at ``(lon, lat)``.

    ``gps_far`` when the point is farther than the township's ``gps_far_m`` from the
    target (a target with no point is not checked), ``gps_missing`` when there is no
    point. Phone and WeChat visits are not checked. Each warning: ``code``, ``value``
    (metres), ``threshold``, ``message`` (English, stored) and ``message_cn`` (shown).
    """
    if mode != "in_home":
        return []
    limit = float(ledger_mod.get_config(session, target.township_id).gps_far_m)
    if lon is None or lat is None:
        return [{"code": "gps_missing", "value": None, "threshold": limit,
                 "message": "in-home visit recorded without a GPS point",
                 "message_cn": "未取得定位：入户走访没有定位，保存后将标记核查"}]
    if target.lon is None or target.lat is None:
        return []
    d = _distance_m(lon, lat, target.lon, target.lat)
    if d <= limit:
        return []
    return [{"code": "gps_far", "value": round(d, 1), "threshold": limit,
             "message": f"GPS point {d:,.0f} m from the target (more than {limit:,.0f} m)",
             "message_cn": f"定位距走访对象 {d:,.0f} 米（超过 {limit:,.0f} 米），保存后将标记核查"}]


def _float(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _issue_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the issues of a visit: ``issues`` (a list), else the form's one issue."""
    rows = data.get("issues")
    if rows is None:
        rows = [{"category": data.get("category"), "responsibility": data.get("responsibility"),
                 "urgency": data.get("urgency"), "text": data.get("text")}]
    if not isinstance(rows, list):
        raise ValidationError("visit refused, nothing recorded", [Problem(
            "visit", None, "issues", "issues is not a list")])
    if len(rows) > MAX_ISSUES:
        raise ValidationError("visit refused, nothing recorded", [Problem(
            "visit", None, "issues", f"more than {MAX_ISSUES} issues in one visit; "
            "record the rest in another visit")])
    out = []
    for i, r in enumerate(rows, 1):
        if not isinstance(r, dict):
            raise ValidationError("visit refused, nothing recorded", [Problem(
                "visit", i, "issues", "an issue is not an object")])
        text = str(r.get("text") or "").strip()
        if not text and not r.get("category"):
            continue  # an empty row of the form
        out.append({"category": str(r.get("category") or ""),
                    "responsibility": str(r.get("responsibility") or "township"),
                    "urgency": str(r.get("urgency") or "normal"), "text": text,
                    "client_id": r.get("client_id")})
    return out


def record_one(session: Session, v: Viewer, data: dict[str, Any],
               client_id: str | None = None) -> dict[str, Any]:
    """Record one visit of the cadre ``v`` with its issues and flags; return what landed.

    ``data`` holds the visit's fields as :func:`zoufang.web.forms.record_field_visit`
    takes them (``target`` 编号, ``mode``, ``outcome``, ``at``, the four ones, ``notes``,
    ``lon``/``lat``) and ``issues``: a list of ``{category, responsibility, urgency,
    text, client_id}`` (or the form's one ``category``/``text``). Raises as
    ``record_field_visit`` does; an issue's error rolls the visit back too.
    """
    issues = _issue_rows(data)
    visit_fields = {k: val for k, val in data.items()
                    if k not in ("issues", "category", "responsibility", "urgency", "text",
                                 "client_id")}
    out = forms.record_field_visit(session, v, visit_fields)
    visit = session.get(Visit, out["visit_id"])
    assert visit is not None
    visit.client_id = client_id
    ids = []
    for row in issues:
        issue = ledger_mod.record_issue(
            session, visit_id=visit.id, category=row["category"],
            responsibility=row["responsibility"], urgency=row["urgency"], text=row["text"],
            actor=v.name, channel=visit.channel)
        issue.client_id = row["client_id"]
        ids.append({"client_id": row["client_id"], "issue_id": issue.id})
    target = session.get(Target, visit.target_id)
    assert target is not None
    lon, lat = _float(visit_fields.get("lon")), _float(visit_fields.get("lat"))
    warnings = gps_warnings(session, target, lon, lat, visit.mode)
    for w in warnings:
        session.add(IntegrityFlag(township_id=visit.township_id, code=w["code"],
                                  visit_id=visit.id, cadre_id=visit.cadre_id, at=visit.at,
                                  value=w["value"], threshold=w["threshold"],
                                  message=w["message"]))
    session.flush()
    return {**out, "issues": ids, "issue_id": ids[0]["issue_id"] if ids else None,
            "flags": [{"code": w["code"], "message": w["message_cn"]} for w in warnings]}


# ----------------------------------------------------------------------------- sync

def _bad_id(value: Any) -> bool:
    return not (isinstance(value, str) and _CLIENT_ID.match(value))


def _stored(session: Session, v: Viewer, item: dict[str, Any]) -> dict[str, Any] | None:
    """Return the result of a visit whose client id is already stored, else None."""
    cid = item["client_id"]
    visit = session.scalar(select(Visit).where(Visit.client_id == cid))
    if visit is None:
        return None
    ext = session.scalar(select(Target.ext_id).where(Target.id == visit.target_id))
    if visit.cadre_id != v.cadre_id or ext != str(item.get("target") or "").strip():
        return {"client_id": cid, "result": "conflict", **error_body(
            409, "记录编号冲突：此编号已用于另一条走访记录，本条未保存；"
                 "请在手机上重新登记这条走访")}
    stored = dict(session.execute(select(Issue.client_id, Issue.id).where(
        Issue.visit_id == visit.id, Issue.client_id.is_not(None))).all())
    return {"client_id": cid, "result": "duplicate", "ok": True, "status": 200,
            "visit_id": visit.id, "target": ext,
            "issues": [{"client_id": r.get("client_id"),
                        "issue_id": stored.get(r.get("client_id"))}
                       for r in item.get("issues") or [] if isinstance(r, dict)]}


def _sync_one(v: Viewer, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        return {"client_id": None, "result": "refused",
                **error_body(400, "记录格式有误：每条走访应是一个对象，本条未保存")}
    cid = item.get("client_id")
    if _bad_id(cid):
        return {"client_id": cid if isinstance(cid, str) else None, "result": "refused",
                **error_body(
                    400, "记录编号缺失或无效：应为 8–64 位字母、数字、_ 或 -，本条未保存")}
    rows = item.get("issues") or []
    if not isinstance(rows, list) or any(
            not isinstance(r, dict) or _bad_id(r.get("client_id")) for r in rows):
        return {"client_id": cid, "result": "refused", **error_body(
            400, "问题记录编号缺失或无效：每个问题应有 8–64 位的记录编号，本条未保存")}
    st = store()
    with st.session() as s:
        done = _stored(s, v, item)
    if done is not None:
        return done
    try:
        with st.session() as s:
            out = record_one(s, v, item, client_id=cid)
    except IntegrityError:  # the same batch sent twice at once: the other one stored it
        with st.session() as s:
            done = _stored(s, v, item)
        if done is not None:
            return done
        return {"client_id": cid, "result": "conflict", **error_body(
            409, "记录编号冲突：此条的某个问题编号已用于另一条记录，本条未保存；"
                 "请在手机上重新登记这条走访")}
    except Forbidden as exc:
        return {"client_id": cid, "result": "refused",
                **error_body(403, str(exc))}
    except ValidationError as exc:
        probs = chinese_problems(exc)
        return {"client_id": cid, "result": "refused",
                **error_body(400, "登记未成功：" + "；".join(p["message"] for p in probs),
                             [p.to_dict() for p in exc.problems])}
    return {"client_id": cid, "result": "created", "ok": True, "status": 201,
            "visit_id": out["visit_id"], "target": out["target"], "at": out["at"],
            "issues": out["issues"], "flags": out["flags"]}


def sync_batch(v: Viewer, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Store a batch of the phone's visits (each once); return one result per visit."""
    if v.role != "cadre" or v.cadre_id is None:
        raise Forbidden("只有关联了干部记录的走访干部才能同步走访记录")
    items = payload.get("visits")
    if not isinstance(items, list):
        raise ValueError("同步内容有误：应为 {\"visits\": [...]}，未保存任何记录")
    if len(items) > MAX_BATCH:
        raise ValueError(f"一次同步最多 {MAX_BATCH} 条走访，本次 {len(items)} 条；"
                         "请分批同步，未保存任何记录")
    with store().session() as s:
        cadre = s.get(Cadre, v.cadre_id)
        if cadre is None:
            raise Forbidden("您的干部记录不存在，无法同步")
    return [_sync_one(v, item) for item in items]


# ----------------------------------------------------------------------------- reads

def area_rows(session: Session, v: Viewer, ids: set[int]) -> list[dict[str, Any]]:
    """Return the households of the area (:func:`zoufang.web.queries.my_area`) with status.

    ``status`` is ``visited`` (a settled visit), ``not_home`` (last tried, nobody at
    home: to retry) or ``due``; with ``status_label``, ``lon``/``lat`` (WGS-84) and
    ``search`` (number, name, address and phone in lower case, for the page's search).
    """
    if not ids:
        return []
    rows = q.my_area(session, v, ids)
    last = dict(session.execute(select(Visit.target_id, Visit.outcome).where(
        Visit.target_id.in_(ids)).order_by(Visit.at, Visit.id)).all())
    pts = {tid: (lon, lat) for tid, lon, lat in session.execute(
        select(Target.id, Target.lon, Target.lat).where(Target.id.in_(ids)))}
    names = {"visited": t("field.visited"), "not_home": t("field.not_home"),
             "due": t("field.due")}
    for r in rows:
        r["status"] = ("visited" if r["visited"] else
                       "not_home" if last.get(r["id"]) == "not_home" else "due")
        r["status_label"] = names[r["status"]]
        r["lon"], r["lat"] = pts.get(r["id"], (None, None))
        r["search"] = " ".join(str(x) for x in (r["ext_id"], r["name"], r["address"],
                                                 r["phone"]) if x).lower()
    return rows


def day_progress(session: Session, v: Viewer, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Return the area's progress (visited, due, not at home) and the cadre's day today."""
    start = dt.datetime.combine(local_now().date(), dt.time())
    outcomes = list(session.scalars(select(Visit.outcome).where(
        Visit.cadre_id == v.cadre_id, Visit.at >= start,
        Visit.at < start + dt.timedelta(days=1))))
    return {"total": len(rows), "visited": sum(1 for r in rows if r["visited"]),
            "due": sum(1 for r in rows if not r["visited"]),
            "not_home": sum(1 for r in rows if r["status"] == "not_home"),
            "today_visited": sum(1 for o in outcomes if o in SETTLED_OUTCOMES),
            "today_not_home": sum(1 for o in outcomes if o == "not_home")}


def cadre_header(session: Session, v: Viewer) -> dict[str, Any]:
    """Return the cadre's own name, 编号 and area name (the newest campaign's current plan)."""
    cadre = session.get(Cadre, v.cadre_id) if v.cadre_id is not None else None
    area = None
    camp = newest_campaign_id(session, v.township_id) if v.township_id else None
    if cadre is not None and camp is not None:
        area = session.scalar(
            select(VisitArea.name).join(AreaPlan, AreaPlan.id == VisitArea.plan_id)
            .where(VisitArea.campaign_id == camp, AreaPlan.status == "current",
                   VisitArea.cadre_id == cadre.id).limit(1))
    return {"name": cadre.name if cadre else v.name,
            "ext_id": cadre.ext_id if cadre else None, "area": area}


def neighbour_issues(session: Session, v: Viewer, target_id: int) -> list[dict[str, Any]]:
    """Return the issues raised by the other households of the target's grid in the area.

    Only of households of the cadre's own area, and only the category, the text, the
    status, the date and the door number (编号): never a name. Newest first, at most 10.
    """
    tgt = session.get(Target, target_id)
    area = area_target_ids(session, v)
    if tgt is None or tgt.grid_id is None or not area:
        return []
    cfg = ledger_mod.get_config(session, tgt.township_id)
    return [{"target": ext, "category": ledger_mod.category_label(i.category, cfg),
             "text": i.text, "status": ledger_mod.status_label(i.status),
             "raised_at": i.raised_at.strftime("%Y-%m-%d")}
            for i, ext in session.execute(
                select(Issue, Target.ext_id).join(Target, Target.id == Issue.target_id)
                .where(Target.grid_id == tgt.grid_id, Target.id != tgt.id,
                       Target.id.in_(area))
                .order_by(Issue.raised_at.desc()).limit(10))]


def record_target(session: Session, v: Viewer, target_id: int) -> dict[str, Any]:
    """Return the target of a record form and the integrity distance of its township.

    Raises
    ------
    Forbidden
        The cadre may not record a visit to it (:func:`zoufang.web.scope.visit_grant`);
        the same message whether the target exists or not.
    """
    tgt = session.get(Target, target_id)
    if visit_grant(session, v, tgt) is None or tgt is None:
        planned = area_target_ids(session, v) is not None
        raise Forbidden(t("visit_not_in_area" if planned else "visit_no_area"))
    return {"id": tgt.id, "ext_id": tgt.ext_id, "name": tgt.name, "address": tgt.address,
            "lon": tgt.lon, "lat": tgt.lat,
            "gps_far_m": ledger_mod.get_config(session, tgt.township_id).gps_far_m}


def ahead_targets(session: Session, v: Viewer, cr: rx.CadreRoute, view: rx.DayView,
                  days: int) -> tuple[list[dt.date], list[int]]:
    """Return the next ``days`` route days after ``view``'s and the targets of all of them.

    The targets are those of ``view``'s stops, then of each next day's, in order.
    """
    ahead = [d for d in cr.days if d > view.day][:days]
    targets = [st.target_id for st in view.stops]
    for d in ahead if v.cadre_id is not None else []:
        assert v.cadre_id is not None
        targets += [st.target_id for st in rx.load_day(session, cr.plan.id, v.cadre_id,
                                                        d).stops]
    return ahead, targets
