"""Exports of a cadre's daily routes (路线导出): GeoJSON, GPX and a printable stop list.

One export is one cadre-day (干部的一天) of a stored route plan
(:mod:`zoufang.campaign.store.routes`): leave the base, visit the stops in order, come
back.

- :func:`to_geojson` — a GeoJSON FeatureCollection: the route as a LineString (the road
  line stored with the day, or straight segments base → stops → base when the plan had
  no road network), the base as a Point, and a Point per target (stop number, unit order,
  times, purpose, priority, target number, kind, address, name and phone).
- :func:`to_gpx` — GPX 1.1: a ``<wpt>`` and a ``<rtept>`` per stop (name ``第N站 address``,
  description with the times and the targets) and a ``<trk>`` of the road line, for phone
  navigation apps (OsmAnd, Organic Maps, Locus, GPS units).
- :func:`to_html` — a printable stop list (A4, no external assets, every value escaped):
  heading with cadre, day, times and distance; a table of the stops with times, address,
  name, phone, kind, purpose (入户/复访/回访), priority, and the issues the ledger holds
  of the stop's targets raised before the day's departure (category, short text,
  status).

Residents' names and phones are masked (张*, 138****1234, see :mod:`zoufang.privacy`)
unless ``reveal=True``: the cadre visiting them needs them, a copy for anyone else does
not. Nothing here logs.

Coordinates (datums)
--------------------
The store holds WGS-84 longitude/latitude, and so does every export by default. GPX is
WGS-84 by definition, and GeoJSON is too (RFC 7946). Chinese map apps do not use WGS-84:
Amap/高德 and Tencent/腾讯 expect GCJ-02, Baidu/百度 BD-09 — a WGS-84 point typed or
imported into them lands some hundreds of metres off. For the people who copy a stop's
coordinates into such an app, the stop list can show them in GCJ-02 or BD-09
(``datum="gcj02"``/``"bd09"``, converted with :mod:`zoufang.gis.crs`); :func:`to_geojson`
accepts ``datum="gcj02"`` only for drawing on a GCJ-02 basemap (the FeatureCollection
then carries ``"datum": "gcj02"``: it is no longer standard GeoJSON). GPX stays WGS-84.

Times are naive local wall-clock times of China, as in the store.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from zoufang import vocab
from zoufang._errors import Problem, ValidationError
from zoufang.campaign.issues import category_label, get_config, status_label
from zoufang.campaign.routes import current_route_plan
from zoufang.campaign.store import (
    Campaign,
    Issue,
    RouteCadre,
    RouteDay,
    RouteLeftOut,
    RoutePlan,
    RouteStop,
    Target,
)
from zoufang.gis.crs import wgs84_to_bd09, wgs84_to_gcj02
from zoufang.privacy import mask_name, mask_phone

__all__ = [
    "DATUMS", "EXTENSIONS", "FORMATS", "GPX_NS", "MEDIA_TYPES", "PURPOSES", "CadreRoute",
    "DayView", "IssueNote", "RouteExportError", "StopView", "cadre_days", "cadre_route",
    "export_days", "export_name", "find_plan",
    "left_out", "load_day", "plan_days", "render", "to_datum",
    "to_geojson", "to_gpx", "to_html",
]

#: Export formats and their file extensions and media types.
FORMATS: Final = ("geojson", "gpx", "html")
EXTENSIONS: Final[dict[str, str]] = {"geojson": ".geojson", "gpx": ".gpx", "html": ".html"}
MEDIA_TYPES: Final[dict[str, str]] = {"geojson": "application/geo+json",
                                      "gpx": "application/gpx+xml",
                                      "html": "text/html; charset=utf-8"}
#: Datums the stop list can show coordinates in.
DATUMS: Final = ("wgs84", "gcj02", "bd09")
GPX_NS: Final = "http://www.topografix.com/GPX/1/1"
_XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
#: Purpose of a stop: code -> (Chinese, English).
PURPOSES: Final[dict[str, tuple[str, str]]] = {
    "visit": ("入户", "visit"), "retry": ("复访", "retry (not at home before)"),
    "revisit": ("回访", "revisit")}
_WEEKDAYS: Final = "一二三四五六日"
#: Issues shown per stop in the stop list, and the length of their short text.
_MAX_ISSUES: Final = 8
_SHORT: Final = 40


class RouteExportError(ValidationError):
    """The route asked for does not exist (no plan, unknown cadre or day)."""


def _refuse(summary: str, field_: str, message: str, value: Any = None) -> RouteExportError:
    return RouteExportError(summary, [Problem("route", None, field_, message,
                                              value=None if value is None else str(value))])


# --------------------------------------------------------------------------------------
# views of the stored rows


@dataclass(frozen=True)
class IssueNote:
    """An issue of the ledger raised before the route day by a target of a stop."""

    id: int
    target_ext_id: str
    category: str
    category_label: str
    text: str
    status: str
    status_label: str
    raised_at: dt.datetime
    owner_cadre_id: int | None = None


@dataclass(frozen=True)
class StopView:
    """One target on a cadre-day, as exported (personal fields masked unless revealed)."""

    stop: int
    unit_order: int
    target_id: int
    ext_id: str
    kind: str
    kind_label: str
    name: str | None
    phone: str | None
    address: str | None
    purpose: str
    purpose_label: str
    priority: bool
    arrive_at: dt.datetime
    start_at: dt.datetime
    end_at: dt.datetime
    lon: float
    lat: float


@dataclass(frozen=True)
class DayView:
    """One cadre-day of a route plan with its stops and the issues raised before it.

    ``line`` is the stored route line (WGS-84 ``(lon, lat)``: along the roads when the
    plan's ``travel`` was a road network); when it is empty :meth:`route_line` falls back
    to straight segments.
    ``issues`` maps a stop number to the issues of all its targets.
    """

    plan_id: int
    campaign: str
    phase_kind: str
    phase_name: str
    cadre_ext_id: str
    cadre_name: str
    day: dt.date
    depart_at: dt.datetime
    return_at: dt.datetime
    distance_m: float
    duration_s: int
    mode: str
    base: tuple[float, float]
    line: tuple[tuple[float, float], ...]
    stops: tuple[StopView, ...]
    issues: dict[int, list[IssueNote]] = field(default_factory=dict)
    revealed: bool = False
    travel: str = ""

    @property
    def n_stops(self) -> int:
        """Stops (targets at one point count once)."""
        return len({s.stop for s in self.stops})

    @property
    def follows_roads(self) -> bool:
        """Whether the plan's travel model was a road network (its line follows roads)."""
        return self.travel.startswith("roads:")

    def groups(self) -> list[list[StopView]]:
        """Return the stops in order, each the list of its targets in unit order."""
        by: dict[int, list[StopView]] = defaultdict(list)
        for s in self.stops:
            by[s.stop].append(s)
        return [sorted(by[k], key=lambda s: s.unit_order) for k in sorted(by)]

    def route_line(self) -> list[tuple[float, float]]:
        """Return the road line, else straight segments base → stops → base (lon, lat)."""
        if len(self.line) >= 2:
            return list(self.line)
        pts = [self.base] + [(g[0].lon, g[0].lat) for g in self.groups()] + [self.base]
        return pts

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (dates and times as ISO text)."""
        d = asdict(self)
        d["issues"] = {str(k): v for k, v in d["issues"].items()}
        return _iso(d)


def _iso(o: Any) -> Any:
    if isinstance(o, dict):
        return {k: _iso(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_iso(v) for v in o]
    if isinstance(o, dt.date | dt.datetime):
        return o.isoformat()
    return o


# --------------------------------------------------------------------------------------
# finding plans, cadres and days


def find_plan(session: Session, campaign_id: int, phase: str = "visit") -> RoutePlan:
    """Return the campaign's current route plan of ``phase``.

    Raises
    ------
    RouteExportError
        When the phase has no route plan yet (naming the phases that have one).
    """
    plan = current_route_plan(session, campaign_id, phase)
    if plan is not None:
        return plan
    have = sorted(session.scalars(select(RoutePlan.phase_kind).where(
        RoutePlan.campaign_id == campaign_id, RoutePlan.status == "current")))
    camp = session.get(Campaign, campaign_id)
    name = camp.name if camp else f"#{campaign_id}"
    hint = (f"Expected a phase with a route plan: {', '.join(have)}." if have else
            "Run `zoufang plan routes` first.")
    raise _refuse(f"no route plan of the {phase!r} phase of {name!r} yet", "phase", hint,
                  phase)


def _cadre_row(session: Session, plan_id: int, cadre: str | int) -> RouteCadre:
    q = select(RouteCadre).where(RouteCadre.plan_id == plan_id)
    row = session.scalar(q.where(RouteCadre.cadre_id == cadre) if isinstance(cadre, int)
                         else q.where(RouteCadre.cadre_ext_id == str(cadre)))
    if row is None:
        have = list(session.scalars(select(RouteCadre.cadre_ext_id)
                                    .where(RouteCadre.plan_id == plan_id)
                                    .order_by(RouteCadre.cadre_ext_id)))
        shown = ", ".join(have[:30]) + (f" … ({len(have)} in all)" if len(have) > 30 else "")
        raise _refuse(f"cadre {cadre!r} has no routes in route plan #{plan_id}", "cadre",
                      f"Expected a cadre of the plan: {shown or 'none'}.", cadre)
    return row


def cadre_days(session: Session, plan_id: int, cadre: str | int) -> list[dt.date]:
    """Return the days on which ``cadre`` (工号, or ``cadres.id`` as an int) has stops.

    Raises
    ------
    RouteExportError
        When the cadre is not in the plan (naming the plan's cadres).
    """
    rc = _cadre_row(session, plan_id, cadre)
    return list(session.scalars(select(RouteDay.day).where(
        RouteDay.plan_id == plan_id, RouteDay.cadre_ext_id == rc.cadre_ext_id,
        RouteDay.n_targets > 0).order_by(RouteDay.day)))


def _no_days(rc: RouteCadre, plan_id: int) -> RouteExportError:
    why = (f"its planning failed: {rc.message}" if rc.status != "ok"
           else "no target of its area was routed")
    return _refuse(f"cadre {rc.cadre_ext_id} has no route days in plan #{plan_id}",
                   "cadre", f"Nothing to export: {why}.", rc.cadre_ext_id)


def _day_row(session: Session, plan_id: int, cadre: str | int, day: dt.date
             ) -> tuple[RouteCadre, RouteDay]:
    rc = _cadre_row(session, plan_id, cadre)
    row = session.scalar(select(RouteDay).where(RouteDay.plan_id == plan_id,
                                                RouteDay.cadre_ext_id == rc.cadre_ext_id,
                                                RouteDay.day == day))
    if row is None:
        days = cadre_days(session, plan_id, rc.cadre_ext_id)
        if not days:
            raise _no_days(rc, plan_id)
        raise _refuse(f"cadre {rc.cadre_ext_id} has no route on {day}", "day",
                      "Expected one of its days: " + ", ".join(d.isoformat() for d in days)
                      + ".", day)
    return rc, row


def load_day(session: Session, plan_id: int, cadre: str | int, day: dt.date, *,
             reveal: bool = False) -> DayView:
    """Return one cadre-day of plan ``plan_id`` with its stops and earlier issues.

    Parameters
    ----------
    cadre
        The cadre's 工号 (``str``) or ``cadres.id`` (``int``).
    reveal
        Residents' names and phones in clear; masked by default.

    Raises
    ------
    RouteExportError
        Unknown cadre (naming the plan's cadres) or day (naming the cadre's days).
    """
    rc, row = _day_row(session, plan_id, cadre, day)
    plan = session.get(RoutePlan, plan_id)
    assert plan is not None
    camp = session.get(Campaign, plan.campaign_id)
    rows = session.execute(select(RouteStop, Target).join(Target, Target.id ==
                                                          RouteStop.target_id)
                           .where(RouteStop.day_id == row.id)
                           .order_by(RouteStop.stop, RouteStop.unit_order)).all()
    name_f = (lambda x: x) if reveal else mask_name
    phone_f = (lambda x: x) if reveal else mask_phone
    stops = tuple(StopView(
        stop=st.stop, unit_order=st.unit_order, target_id=t.id, ext_id=t.ext_id,
        kind=t.kind, kind_label=vocab.KINDS.get(t.kind, (t.kind,))[0], name=name_f(t.name),
        phone=phone_f(t.phone), address=t.address, purpose=st.purpose,
        purpose_label=PURPOSES.get(st.purpose, (st.purpose,))[0], priority=bool(st.priority),
        arrive_at=st.arrive_at, start_at=st.start_at, end_at=st.end_at,
        lon=float(st.lon), lat=float(st.lat)) for st, t in rows)
    issues = _issues_before(session, stops, row.depart_at,
                            camp.township_id if camp else None)
    return DayView(
        plan_id=plan.id, campaign=camp.name if camp else "", phase_kind=plan.phase_kind,
        phase_name=str(plan.figures.get("phase_name") or plan.phase_kind),
        cadre_ext_id=rc.cadre_ext_id, cadre_name=rc.cadre_name, day=row.day,
        depart_at=row.depart_at, return_at=row.return_at, distance_m=float(row.distance_m),
        duration_s=int(row.duration_s), mode=row.mode,
        base=(float(row.base_lon), float(row.base_lat)),
        line=tuple((float(p[0]), float(p[1])) for p in (row.line or [])), stops=stops,
        issues=issues, revealed=reveal, travel=plan.travel)


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= _SHORT else text[:_SHORT - 1] + "…"


def _issues_before(session: Session, stops: Sequence[StopView], before: dt.datetime,
                   township_id: int | None) -> dict[int, list[IssueNote]]:
    """Issues of each stop's targets raised before ``before``: open first, then newest."""
    stop_of = {s.target_id: s.stop for s in stops}
    ext_of = {s.target_id: s.ext_id for s in stops}
    if not stop_of:
        return {}
    cfg = get_config(session, township_id) if township_id is not None else None
    out: dict[int, list[IssueNote]] = defaultdict(list)
    for i in session.scalars(select(Issue).where(Issue.target_id.in_(list(stop_of)),
                                                 Issue.raised_at < before)
                             .order_by(Issue.raised_at.desc(), Issue.id.desc())):
        assert i.target_id is not None
        out[stop_of[i.target_id]].append(IssueNote(
            id=i.id, target_ext_id=ext_of[i.target_id], category=i.category,
            category_label=category_label(i.category, cfg), text=_short(i.text),
            status=i.status, status_label=status_label(i.status), raised_at=i.raised_at,
            owner_cadre_id=i.owner_cadre_id))
    return {k: sorted(v, key=lambda n: n.status == "closed")[:_MAX_ISSUES]
            for k, v in out.items()}


def left_out(session: Session, plan_id: int, cadre: str | int, *, reveal: bool = False
             ) -> list[dict[str, Any]]:
    """Return the cadre's targets the plan does not route, with the reason."""
    rc = _cadre_row(session, plan_id, cadre)
    name_f = (lambda x: x) if reveal else mask_name
    rows = session.execute(select(RouteLeftOut, Target).join(Target, Target.id ==
                                                             RouteLeftOut.target_id)
                           .where(RouteLeftOut.plan_id == plan_id,
                                  RouteLeftOut.cadre_ext_id == rc.cadre_ext_id)
                           .order_by(RouteLeftOut.reason, Target.ext_id)).all()
    return [{"target": t.ext_id, "name": name_f(t.name), "address": t.address,
             "kind": t.kind, "purpose": lo.purpose, "reason": lo.reason,
             "reason_label": vocab.LEFT_OUT_REASONS.get(lo.reason, (lo.reason,))[0],
             "detail": lo.detail}
            for lo, t in rows]


@dataclass(frozen=True)
class CadreRoute:
    """What a field cadre's route page shows: the plan, its days, the chosen one."""

    plan: RoutePlan
    days: list[dt.date]
    day: dt.date | None
    previous: dt.date | None
    next: dt.date | None
    asked_missing: bool = False
    in_plan: bool = False


def cadre_route(session: Session, campaign_id: int, cadre_id: int, *,
                day: dt.date | None = None, phase: str | None = None,
                today: dt.date | None = None) -> CadreRoute | None:
    """Return the cadre's current route plan of the campaign and the day to show.

    Among the campaign's current route plans (one per phase; only ``phase`` when given)
    those in which the cadre has stops come first, then one whose days contain
    ``today``, then the newest. The day is ``day`` when the cadre has stops on it, else
    ``today`` when it has, else its next day with stops after today, else its first.
    None when the campaign has no current route plan at all (or none of ``phase``).
    """
    today = today or dt.date.today()
    q = select(RoutePlan).where(RoutePlan.campaign_id == campaign_id,
                                RoutePlan.status == "current")
    if phase is not None:
        q = q.where(RoutePlan.phase_kind == phase)
    plans = list(session.scalars(q.order_by(RoutePlan.id.desc())))
    if not plans:
        return None
    days_of: dict[int, list[dt.date]] = {}
    for p in plans:
        days_of[p.id] = list(session.scalars(select(RouteDay.day).where(
            RouteDay.plan_id == p.id, RouteDay.cadre_id == cadre_id,
            RouteDay.n_targets > 0).order_by(RouteDay.day)))
    plan = sorted(plans, key=lambda p: (not days_of[p.id],
                                        not p.first_day <= today <= p.last_day,
                                        -p.id))[0]
    days = days_of[plan.id]
    chosen: dt.date | None
    if day is not None and day in days:
        chosen = day
    elif today in days:
        chosen = today
    else:
        chosen = next((d for d in days if d > today), days[0] if days else None)
    i = days.index(chosen) if chosen is not None else -1
    in_plan = session.scalar(select(RouteCadre.id).where(RouteCadre.plan_id == plan.id,
                                                         RouteCadre.cadre_id == cadre_id))
    return CadreRoute(plan, days, chosen, days[i - 1] if i > 0 else None,
                      days[i + 1] if 0 <= i < len(days) - 1 else None,
                      asked_missing=day is not None and day not in days,
                      in_plan=in_plan is not None)


def plan_days(session: Session, plan_id: int) -> dict[str, list[dt.date]]:
    """Return the route days of every cadre of a plan: 工号 → days with stops."""
    out: dict[str, list[dt.date]] = {}
    for ext, day in session.execute(select(RouteDay.cadre_ext_id, RouteDay.day)
                                    .where(RouteDay.plan_id == plan_id,
                                           RouteDay.n_targets > 0)
                                    .order_by(RouteDay.cadre_ext_id, RouteDay.day)):
        out.setdefault(ext, []).append(day)
    return out


# --------------------------------------------------------------------------------------
# GeoJSON


def to_datum(points: Sequence[tuple[float, float]], datum: str
             ) -> list[tuple[float, float]]:
    """Return WGS-84 ``(lon, lat)`` points in ``datum`` (``wgs84``, ``gcj02``, ``bd09``)."""
    if datum not in DATUMS:
        raise ValueError(f'`datum` was "{datum}" but is expected to be in {list(DATUMS)}')
    if datum == "wgs84" or not points:
        return [(float(x), float(y)) for x, y in points]
    arr = np.asarray(points, dtype=np.float64)
    fn = wgs84_to_gcj02 if datum == "gcj02" else wgs84_to_bd09
    x, y = fn(arr[:, 0], arr[:, 1])
    return list(zip(x.tolist(), y.tolist(), strict=True))


def _r7(p: tuple[float, float]) -> list[float]:
    return [round(p[0], 7), round(p[1], 7)]


def _hm(t: dt.datetime) -> str:
    return t.strftime("%H:%M")


def to_geojson(view: DayView, *, datum: str = "wgs84") -> dict[str, Any]:
    """Return the cadre-day as a GeoJSON FeatureCollection (WGS-84 lon/lat).

    Features: the route LineString (``feature: "route"``), the base Point (``"base"``),
    and a Point per target (``"stop"``, several per stop when targets share a point).
    ``datum="gcj02"`` shifts every coordinate for a GCJ-02 basemap and adds the foreign
    member ``"datum"`` (no longer RFC 7946 GeoJSON); ``bd09`` is refused here.
    """
    if datum not in ("wgs84", "gcj02"):
        raise ValueError(f'`datum` was "{datum}" but is expected to be in ["wgs84", "gcj02"]')
    line = to_datum(view.route_line(), datum)
    base = to_datum([view.base], datum)[0]
    pts = to_datum([(s.lon, s.lat) for s in view.stops], datum)
    feats: list[dict[str, Any]] = [
        {"type": "Feature", "geometry": {"type": "LineString",
                                         "coordinates": [_r7(p) for p in line]},
         "properties": {"feature": "route", "cadre": view.cadre_ext_id,
                        "cadre_name": view.cadre_name, "day": view.day.isoformat(),
                        "depart": view.depart_at.isoformat(),
                        "return": view.return_at.isoformat(),
                        "distance_m": round(view.distance_m, 1),
                        "duration_s": view.duration_s, "mode": view.mode,
                        "follows_roads": view.follows_roads, "plan_id": view.plan_id,
                        "phase": view.phase_kind, "n_stops": view.n_stops,
                        "n_targets": len(view.stops)}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": _r7(base)},
         "properties": {"feature": "base", "cadre": view.cadre_ext_id,
                        "depart": view.depart_at.isoformat(),
                        "return": view.return_at.isoformat()}},
    ]
    for s, p in zip(view.stops, pts, strict=True):
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": _r7(p)},
                      "properties": {
                          "feature": "stop", "id": s.target_id, "stop": s.stop,
                          "unit_order": s.unit_order, "arrive": s.arrive_at.isoformat(),
                          "start": s.start_at.isoformat(), "end": s.end_at.isoformat(),
                          "time": f"{_hm(s.start_at)}–{_hm(s.end_at)}",
                          "purpose": s.purpose, "purpose_label": s.purpose_label,
                          "priority": s.priority, "target": s.ext_id, "kind": s.kind,
                          "kind_label": s.kind_label, "address": s.address, "name": s.name,
                          "phone": s.phone}})
    fc: dict[str, Any] = {"type": "FeatureCollection", "features": feats}
    if datum != "wgs84":
        fc["datum"] = datum
    return fc


# --------------------------------------------------------------------------------------
# GPX


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    e = ET.SubElement(parent, tag, attrib)
    if text is not None:
        e.text = text
    return e


def _ll(lon: float, lat: float) -> dict[str, str]:
    return {"lat": f"{lat:.7f}", "lon": f"{lon:.7f}"}


def _target_line(s: StopView) -> str:
    who = " ".join(x for x in (s.ext_id, s.name or "", s.kind_label) if x)
    extra = " ★重点" if s.priority else ""
    return f"{who} {_hm(s.start_at)}–{_hm(s.end_at)} {s.purpose_label}{extra}"


def to_gpx(view: DayView) -> str:
    """Return the cadre-day as GPX 1.1 (WGS-84).

    A waypoint and a route point per stop, and a track of the road line (straight
    segments when the plan had no road network).
    """
    # Plain tag names with the namespace declared on the root: ElementTree would
    # otherwise write ns0: prefixes (or refuse the unqualified attributes).
    root = ET.Element("gpx", {
        "version": "1.1", "creator": "zoufang", "xmlns": GPX_NS, "xmlns:xsi": _XSI,
        "xsi:schemaLocation": f"{GPX_NS} {GPX_NS}/gpx.xsd"})
    title = f"{view.cadre_ext_id} {view.cadre_name} {view.day.isoformat()}"
    summary = (f"{view.phase_name} · 出发 {_hm(view.depart_at)} 返回 {_hm(view.return_at)} · "
               f"{view.distance_m / 1000:.1f} km · {view.n_stops} 站 {len(view.stops)} 户")
    meta = _sub(root, "metadata")
    _sub(meta, "name", title)
    _sub(meta, "desc", summary)
    groups = view.groups()

    def fill(el: ET.Element, n: int, g: list[StopView]) -> None:
        first = g[0]
        _sub(el, "name", f"第{n}站 {first.address or first.ext_id}")
        _sub(el, "desc", f"到达 {_hm(first.arrive_at)} 离开 {_hm(g[-1].end_at)}; "
             + "; ".join(_target_line(s) for s in g))
        _sub(el, "type", ",".join(sorted({s.purpose for s in g})))

    for g in groups:
        fill(_sub(root, "wpt", **_ll(g[0].lon, g[0].lat)), g[0].stop, g)
    rte = _sub(root, "rte")
    _sub(rte, "name", title)
    _sub(rte, "desc", summary)
    for g in groups:
        fill(_sub(rte, "rtept", **_ll(g[0].lon, g[0].lat)), g[0].stop, g)
    trk = _sub(root, "trk")
    _sub(trk, "name", title)
    _sub(trk, "type", view.mode)
    seg = _sub(trk, "trkseg")
    for lon, lat in view.route_line():
        _sub(seg, "trkpt", **_ll(lon, lat))
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


# --------------------------------------------------------------------------------------
# printable stop list

_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
_HTML = _ENV.from_string("""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>走访路线 {{ v.cadre_ext_id }} {{ v.cadre_name }} {{ v.day.isoformat() }}</title>
<style>
@page { size: A4 portrait; margin: 12mm 10mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
  "PingFang SC", "WenQuanYi Micro Hei", sans-serif; font-size: 9.5pt; color: #000;
  margin: 0 auto; max-width: 190mm; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
p.meta { margin: 0 0 1mm; }
table { width: 100%; border-collapse: collapse; margin-top: 3mm; }
th, td { border: 0.3mm solid #444; padding: 0.8mm 1mm; vertical-align: top; text-align: left; }
th { background: #eee; font-weight: bold; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
td.no { text-align: center; font-weight: bold; }
td.time, td.phone, td.nw { white-space: nowrap; }
td.addr { min-width: 26mm; }
td.issues-cell { min-width: 38mm; }
td.coord { white-space: nowrap; font-size: 8pt; }
.prio { font-weight: bold; }
.issues { font-size: 8.5pt; margin: 0; padding-left: 3.5mm; }
.muted { color: #555; font-size: 8.5pt; }
td.note { width: 14mm; }
@media print { a { color: #000; text-decoration: none; } }
</style>
</head>
<body>
<h1>走访路线 · {{ v.cadre_ext_id }} {{ v.cadre_name }} · {{ v.day.isoformat() }}
（周{{ weekday }}）</h1>
<p class="meta">{{ v.campaign }} · {{ v.phase_name }} · 出发 {{ hm(v.depart_at) }}
· 返回 {{ hm(v.return_at) }} · 用时 {{ duration }}
· 距离 {{ '%.1f'|format(v.distance_m / 1000) }} km · {{ mode }}
{{- '' if v.follows_roads else '（直线估算）' }}</p>
<p class="meta">{{ v.n_stops }} 个走访点，{{ v.stops|length }} 户/家 · 出发点 {{ base }}
{%- if not v.revealed %} · 姓名、电话已隐藏{% endif %}</p>
<table id="stops">
<thead><tr><th>站</th><th>时间</th><th>地址</th><th>编号</th><th>姓名/名称</th><th>电话</th>
<th>类型</th><th>目的</th><th>重点</th><th>此前反映的问题</th>
<th>坐标 ({{ datum_label }})</th><th>走访情况</th></tr></thead>
<tbody>
{% for g in groups %}
{% for s in g %}
<tr class="stop-row" data-stop="{{ s.stop }}">
{% if loop.first %}
<td class="no" rowspan="{{ g|length }}">{{ s.stop }}</td>
{% endif %}
<td class="time">{{ hm(s.start_at) }}–{{ hm(s.end_at) }}
{%- if s.arrive_at != s.start_at %}<br><span class="muted">到 {{ hm(s.arrive_at) }}</span>
{%- endif %}</td>
<td class="addr">{{ s.address or '' }}</td>
<td class="nw">{{ s.ext_id }}</td>
<td class="name nw">{{ s.name or '' }}</td>
<td class="phone">{{ s.phone or '' }}</td>
<td>{{ s.kind_label }}</td>
<td class="nw">{{ s.purpose_label }}</td>
<td>{% if s.priority %}<span class="prio">★</span>{% endif %}</td>
{% if loop.first %}
{% set notes = v.issues.get(s.stop, []) %}
<td class="issues-cell" rowspan="{{ g|length }}">
{% if notes %}
<ul class="issues">
{% for n in notes %}
<li>{% if g|length > 1 %}{{ n.target_ext_id }}: {% endif %}{{ n.category_label }}
· {{ n.text }} · {{ n.status_label }}
<span class="muted">{{ n.raised_at.strftime('%Y-%m-%d') }}</span></li>
{% endfor %}
</ul>
{% else %}
<span class="muted">无</span>
{% endif %}
</td>
<td class="coord" rowspan="{{ g|length }}">{{ coords[s.stop][0] }},<br>
{{ coords[s.stop][1] }}</td>
{% endif %}
<td class="note"></td>
</tr>
{% endfor %}
{% endfor %}
</tbody>
</table>
<p class="muted">路线计划 #{{ v.plan_id }}（{{ v.phase_kind }}）· 时间为当地时间
· 目的：入户=首次走访，复访=此前不在家，回访=问题办理结果回访 · ★=重点对象
· 坐标 {{ datum_note }}</p>
</body>
</html>
""")

_DATUM_NOTES: Final[dict[str, tuple[str, str]]] = {
    "wgs84": ("WGS-84", "WGS-84（GPS、GPX 所用；高德/腾讯地图用 GCJ-02，百度地图用 BD-09）"),
    "gcj02": ("GCJ-02", "GCJ-02（高德/腾讯地图所用，非 GPS 坐标）"),
    "bd09": ("BD-09", "BD-09（百度地图所用，非 GPS 坐标）"),
}


def to_html(view: DayView, *, datum: str = "wgs84") -> str:
    """Return the printable stop list of the cadre-day (A4, self-contained, escaped).

    ``datum`` (``wgs84``, ``gcj02``, ``bd09``) is the datum of the coordinates column,
    for people who type them into Amap/Tencent (GCJ-02) or Baidu (BD-09).
    """
    groups = view.groups()
    pts = to_datum([(g[0].lon, g[0].lat) for g in groups], datum)
    coords = {g[0].stop: (f"{p[0]:.6f}", f"{p[1]:.6f}")
              for g, p in zip(groups, pts, strict=True)}
    bx, by = to_datum([view.base], datum)[0]
    hours, rest = divmod(view.duration_s // 60, 60)
    label, note = _DATUM_NOTES[datum]
    return _HTML.render(v=view, groups=groups, hm=_hm, coords=coords,
                        base=f"{bx:.6f}, {by:.6f}", weekday=_WEEKDAYS[view.day.weekday()],
                        duration=f"{hours}:{rest:02d}",
                        mode=vocab.TRAVEL_MODES.get(view.mode, (view.mode,))[0],
                        datum_label=label, datum_note=note)


# --------------------------------------------------------------------------------------
# by ids, and files


def render(view: DayView, fmt: str, *, datum: str = "wgs84") -> str:
    """Return the cadre-day in ``fmt`` (``geojson``, ``gpx`` or ``html``) as text."""
    import json

    if fmt == "geojson":
        return json.dumps(to_geojson(view), ensure_ascii=False, indent=1)
    if fmt == "gpx":
        return to_gpx(view)
    if fmt == "html":
        return to_html(view, datum=datum)
    raise ValueError(f'`fmt` was "{fmt}" but is expected to be in {list(FORMATS)}')


_UNSAFE = re.compile(r"[^\w.-]+")


def export_name(cadre_ext_id: str, day: dt.date, fmt: str) -> str:
    """File name of an export: ``C011_2022-03-01.gpx`` (unsafe characters → ``_``)."""
    return f"{_UNSAFE.sub('_', cadre_ext_id).strip('._') or 'cadre'}_{day.isoformat()}" \
        + EXTENSIONS[fmt]


def export_days(session: Session, plan_id: int, cadre: str | int, out_dir: str | Path, *,
                formats: Iterable[str] = FORMATS, day: dt.date | None = None,
                reveal: bool = False, datum: str = "wgs84") -> list[Path]:
    """Write one file per day and format (all the cadre's days, or ``day``) to ``out_dir``.

    Returns the paths written, day by day. Every argument is checked before anything is
    written.

    Raises
    ------
    RouteExportError
        Unknown format, datum, cadre or day, or a cadre with no route days.
    """
    fmts = list(dict.fromkeys(formats))
    problems = [Problem("options", None, "format", f"Expected one of {', '.join(FORMATS)}.",
                        value=f) for f in fmts if f not in FORMATS]
    if not fmts:
        problems.append(Problem("options", None, "format", "Expected at least one format."))
    if datum not in DATUMS:
        problems.append(Problem("options", None, "datum",
                                f"Expected one of {', '.join(DATUMS)}.", value=datum))
    if problems:
        raise RouteExportError("nothing exported", problems)
    if day is not None:
        days = [day]
        _day_row(session, plan_id, cadre, day)
    else:
        days = cadre_days(session, plan_id, cadre)
        if not days:
            raise _no_days(_cadre_row(session, plan_id, cadre), plan_id)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for d in days:
        view = load_day(session, plan_id, cadre, d, reveal=reveal)
        for fmt in fmts:
            path = out / export_name(view.cadre_ext_id, d, fmt)
            path.write_text(render(view, fmt, datum=datum), encoding="utf-8")
            written.append(path)
    return written
