"""Recording visits (走访记录) and asking which targets are still due.

A visit is one attempt: ``mode`` in_home (入户) / phone (电话) / wechat (微信), and
``outcome`` visited (已走访) / not_home (不在家) / refused (拒访) / vacant (空关/搬迁).
A target counts as visited once it has a visit with a *settled* outcome (visited,
refused or vacant: someone went and the household needs no second attempt); a not-home
visit leaves it unvisited and due again (:func:`due_targets`).

The four ones (四个一: ``card`` contact card, ``survey`` survey, ``leaflet`` leaflet,
``solved`` one problem solved on the spot) can only be done in a visit with outcome
"visited". Times are local wall-clock times (UTC+8); the GPS point is WGS-84 degrees.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Final

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from zoufang._errors import Problem, ValidationError
from zoufang.campaign.issues import CHANNELS, parse_choice
from zoufang.campaign.store import Cadre, Phase, Target, Visit, local_now
from zoufang.campaign.validate import EARLIEST

__all__ = ["FOUR_ONES", "MODES", "OUTCOMES", "SETTLED_OUTCOMES", "due_targets",
           "find_cadre", "find_target", "parse_local_time", "record_visit"]

MODES: Final[dict[str, tuple[str, ...]]] = {
    "in_home": ("入户", "入户走访", "上门", "面访", "home"),
    "phone": ("电话", "电话走访"),
    "wechat": ("微信", "微信走访"),
}
OUTCOMES: Final[dict[str, tuple[str, ...]]] = {
    "visited": ("已走访", "走访", "已访", "见面"),
    "not_home": ("不在家", "未见面", "无人"),
    "refused": ("拒访", "拒绝"),
    "vacant": ("空关/搬迁", "空关", "搬迁", "空置", "空关户"),
}
#: Outcomes after which the target needs no further attempt (counted as visited).
SETTLED_OUTCOMES: Final = ("visited", "refused", "vacant")
#: The four ones (四个一): field -> Chinese label.
FOUR_ONES: Final[dict[str, str]] = {
    "card": "留联系卡", "survey": "填调查卷", "leaflet": "发宣传纸", "solved": "解决一件事",
}


def find_target(session: Session, township_id: int, ref: str | int) -> Target | None:
    """Return the target with external id (编号) ``ref``, else with database id ``ref``."""
    t = session.scalar(select(Target).where(Target.township_id == township_id,
                                            Target.ext_id == str(ref)))
    if t is None and str(ref).isdigit():
        t = session.get(Target, int(ref))
        if t is not None and t.township_id != township_id:
            t = None
    return t


def find_cadre(session: Session, township_id: int, ref: str | int) -> Cadre | None:
    """Return the cadre with external id (工号/编号) ``ref``, else with database id ``ref``."""
    c = session.scalar(select(Cadre).where(Cadre.township_id == township_id,
                                           Cadre.ext_id == str(ref)))
    if c is None and str(ref).isdigit():
        c = session.get(Cadre, int(ref))
        if c is not None and c.township_id != township_id:
            c = None
    return c


_WHEN = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[\sT]+(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?"
                   r"(?:\.\d+)?\s*[分秒]?)?\s*$")


def parse_local_time(text: str | None) -> dt.datetime | None:
    """Parse a local date-time as people write it; None if it is not one.

    Accepted: ``2022-03-02 19:00``, ``2022/3/2 19:00``, ``2022年3月2日 19:00``, or a date
    alone (midnight).
    """
    m = _WHEN.match(text or "")
    if not m:
        return None
    y, mo, d, h, mi, sec = (int(g) if g else 0 for g in m.groups())
    try:
        return dt.datetime(y, mo, d, h, mi, sec)
    except ValueError:
        return None


def campaign_start(session: Session, campaign_id: int | None) -> dt.datetime | None:
    """Return the first day (00:00) of the campaign's phases, or None without one."""
    if campaign_id is None:
        return None
    first = session.scalar(select(func.min(Phase.start)).where(Phase.campaign_id == campaign_id))
    return None if first is None else dt.datetime.combine(first, dt.time())


def check_visit(
    *, source: str, row: int | None, mode: Any, outcome: Any, at: Any,
    lon: Any = None, lat: Any = None, four_ones: dict[str, bool] | None = None,
    channel: Any = "visit", now: dt.datetime | None = None,
    earliest: dt.datetime | None = None,
) -> tuple[dict[str, Any], list[Problem]]:
    """Validate a visit's fields; return the parsed values and every problem found.

    A visit's time lies between ``earliest`` (its campaign's first day, see
    :func:`campaign_start`; :data:`~zoufang.campaign.validate.EARLIEST` when it has no
    campaign) and ``now`` plus five minutes of clock drift.
    """
    problems: list[Problem] = []
    out: dict[str, Any] = {}

    def bad(fld: str, msg: str, value: Any = None) -> None:
        problems.append(Problem(source, row, fld, msg,
                                value=None if value is None else str(value)))

    for name, value, table in (("mode", mode, MODES), ("outcome", outcome, OUTCOMES),
                               ("channel", channel, CHANNELS)):
        try:
            out[name] = parse_choice(value, table, name)
        except ValueError as exc:
            bad(name, str(exc))
    when = at
    if isinstance(at, str):
        when = parse_local_time(at)
        if when is None:
            bad("at", "not a date and time; expected YYYY-MM-DD HH:MM", at)
    if isinstance(when, dt.datetime):
        if when.tzinfo is not None:
            when = when.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
        if when > (now or local_now()) + dt.timedelta(minutes=5):
            bad("at", "the visit's time is in the future", when.isoformat(sep=" "))
        elif when < max(EARLIEST, earliest or EARLIEST):
            first = max(EARLIEST, earliest or EARLIEST)
            bad("at", f"the visit's time is before {first:%Y-%m-%d}, the first day "
                + ("of its campaign" if earliest else "a visit can have") + "; check the date",
                when.isoformat(sep=" "))
        out["at"] = when
    elif at is None:
        bad("at", "the visit's time is missing")
    else:  # a number, a bool, a list: no time (JSON "at": 12345)
        bad("at", f"not a date and time but a {type(at).__name__}; expected a text "
            "YYYY-MM-DD HH:MM", repr(at)[:40])
    ones = four_ones or {}
    unknown = sorted(set(ones) - set(FOUR_ONES))
    if unknown:
        bad("four_ones", f"unknown item(s) {', '.join(unknown)}; expected "
            + ", ".join(f"{k} ({v})" for k, v in FOUR_ONES.items()))
    for k in FOUR_ONES:
        out[k] = bool(ones.get(k, False))
    if out.get("outcome") not in (None, "visited") and any(out[k] for k in FOUR_ONES):
        bad("four_ones", f"the four ones are done only in a visit with outcome 'visited', "
            f"not {out['outcome']!r}")
    if (lon is None) != (lat is None):
        bad("gps", "half a GPS point: give both lon and lat, or neither")
    elif lon is not None:
        try:
            flon, flat = float(lon), float(lat)
        except (TypeError, ValueError):
            bad("gps", "the GPS point is not a number", f"{lon},{lat}")
        else:
            if not (73 <= flon <= 136 and 3 <= flat <= 54):
                bad("gps", "the GPS point is outside China (expected WGS-84 lon 73–136, "
                    "lat 3–54)", f"{flon},{flat}")
            out["lon"], out["lat"] = flon, flat
    return out, problems


def record_visit(
    session: Session, *, township_id: int, target: str | int, cadre: str | int,
    at: dt.datetime | str, mode: str, outcome: str, four_ones: dict[str, bool] | None = None,
    notes: str | None = None, lon: float | None = None, lat: float | None = None,
    campaign_id: int | None = None, channel: str = "visit", recorded_by: str | None = None,
    source: str = "app",
) -> Visit:
    """Record one visit of ``cadre`` to ``target`` (ids as in the imported files).

    Parameters
    ----------
    at
        Local time of the visit (UTC+8); an aware datetime is converted.
    mode, outcome
        Codes or Chinese names (see :data:`MODES`, :data:`OUTCOMES`).
    four_ones
        Which of card, survey, leaflet, solved were done.
    lon, lat
        The phone's GPS point, WGS-84 degrees, if it gave one.

    Raises
    ------
    ValidationError
        Listing every problem (unknown target or cadre, bad mode/outcome, time in the
        future, four ones in a visit that did not happen, bad GPS point).
    """
    parsed, problems = check_visit(source="visit", row=None, mode=mode, outcome=outcome,
                                   at=at, lon=lon, lat=lat, four_ones=four_ones,
                                   channel=channel,
                                   earliest=campaign_start(session, campaign_id))
    tgt = find_target(session, township_id, target)
    if tgt is None:
        problems.append(Problem("visit", None, "target", f"no target {target!r} in the "
                                "township"))
    cad = find_cadre(session, township_id, cadre)
    if cad is None:
        problems.append(Problem("visit", None, "cadre", f"no cadre {cadre!r} in the township"))
    if problems:
        raise ValidationError("visit refused, nothing recorded", problems)
    assert tgt is not None and cad is not None
    v = Visit(township_id=township_id, campaign_id=campaign_id, target_id=tgt.id,
              cadre_id=cad.id, notes=(notes or "").strip() or None, source=source,
              recorded_by=recorded_by or cad.name, **parsed)
    session.add(v)
    session.flush()
    return v


def due_targets(session: Session, township_id: int, *, since: dt.datetime | None = None
                ) -> list[Target]:
    """Targets not yet visited (no visit with a settled outcome since ``since``).

    A target whose only visits were "not at home" is due again.
    """
    settled = select(Visit.id).where(Visit.target_id == Target.id,
                                     Visit.outcome.in_(SETTLED_OUTCOMES))
    if since is not None:
        settled = settled.where(Visit.at >= since)
    return list(session.scalars(select(Target).where(
        Target.township_id == township_id, ~exists(settled)).order_by(Target.ext_id)))
