"""A campaign's routing rules (:class:`ScheduleSettings`), day types and time slots.

Times are local; windows are written ``"HH:MM-HH:MM"`` and parsed to minutes of the day.
A day is a ``workday`` or a ``weekend`` (holidays count as weekend, 调休 make-up days as
workdays); a moment falls in the slot ``daytime`` or ``evening`` of a workday, or
``weekend``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from zoufang._errors import Problem, ValidationError, problem
from zoufang.vocab import KINDS, TARGET_TAGS, TRAVEL_MODES

__all__ = [
    "DAY_TYPES",
    "EVENING_FROM_MIN",
    "MODES",
    "SLOTS",
    "ScheduleSettings",
    "Window",
    "day_type",
    "slot_of",
]

DAY_TYPES: Final = ("workday", "weekend")
SLOTS: Final = ("daytime", "evening", "weekend")
#: Travel modes of a cadre (:data:`zoufang.vocab.TRAVEL_MODES`).
MODES: Final = tuple(TRAVEL_MODES)
#: Workday times from this minute of the day on count as the evening slot.
EVENING_FROM_MIN = 17 * 60

Window = tuple[int, int]  # minutes of the day


def _default_windows() -> dict[str, dict[str, list[str]]]:
    household = {"workday": ["18:00-21:00"], "weekend": ["09:00-12:00", "14:00-20:30"]}
    office = {"workday": ["09:00-12:00", "14:00-17:30"], "weekend": []}
    return {
        "household": household,
        "enterprise": office,
        "institution": office,
        "school": {"workday": ["08:30-11:30", "14:30-17:00"], "weekend": []},
        "hospital": {"workday": ["09:00-11:30", "14:30-17:00"], "weekend": ["09:00-11:30"]},
        "shop": {"workday": ["09:00-21:00"], "weekend": ["09:00-21:00"]},
        "market": {"workday": ["07:00-11:00"], "weekend": ["07:00-11:00"]},
    }


@dataclass(frozen=True)
class ScheduleSettings:
    """A campaign's routing rules (all times local; windows as ``"HH:MM-HH:MM"``).

    Parameters
    ----------
    service_min
        Minutes a visit takes, by kind (household 20, enterprise 40, ...).
    windows
        When targets of each kind are usually available, by day type: kind → day type
        → list of windows. A kind with no windows on a day type is not visited then.
    cadre_windows
        The cadres' visiting window by day type (one window a day; empty = no visiting).
    cadre_hours
        Most hours a cadre is out per day type; None = the cadre's own
        ``hours_per_day`` (from the cadre list).
    mode, speeds_kmh
        Default travel mode and the speed of each mode (a cadre's ``extra.travel_mode``
        overrides the mode).
    priority_tags, priority_days
        Targets with any of these tags should be visited in the first days.
    detour
        Straight-line distance factor when no road network is given.
    holidays, workdays
        Dates (ISO) that count as weekend (holidays) or as workdays (调休).
    retry_other_slot, remote_after
        Retry not-at-home targets at another time slot; after ``remote_after`` failed
        attempts at different slots, offer a phone/WeChat visit instead.
    same_point_m
        Targets closer than this are one stop.
    """

    service_min: Mapping[str, int] = field(default_factory=lambda: {
        "household": 20, "enterprise": 40, "institution": 30, "school": 30,
        "hospital": 30, "shop": 15, "market": 30})
    windows: Mapping[str, Mapping[str, Sequence[str]]] = field(
        default_factory=_default_windows)
    cadre_windows: Mapping[str, Sequence[str]] = field(default_factory=lambda: {
        "workday": ["15:00-21:00"], "weekend": ["09:00-18:00"]})
    cadre_hours: Mapping[str, float | None] = field(default_factory=lambda: {
        "workday": None, "weekend": 6.0})
    mode: str = "walk"
    speeds_kmh: Mapping[str, float] = field(default_factory=lambda: {
        "walk": 4.5, "ebike": 15.0, "car": 30.0})
    priority_tags: Sequence[str] = ("petitioner", "hardship", "poor_registered",
                                    "listed_enterprise")
    priority_days: int = 3
    detour: float = 1.3
    holidays: Sequence[str] = ()
    workdays: Sequence[str] = ()
    retry_other_slot: bool = True
    remote_after: int = 3
    same_point_m: float = 3.0

    # -- parsing ------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, source: str = "settings"
                  ) -> ScheduleSettings:
        """Read settings from JSON-like data over the defaults, naming every problem."""
        data = dict(data or {})
        problems: list[Problem] = []
        base = cls()
        known = set(base.__dataclass_fields__)
        for key in sorted(set(data) - known):
            problems.append(Problem(source, None, key, "unknown setting; expected one of "
                                    + ", ".join(sorted(known))))
        kw: dict[str, Any] = {}

        def bad(fld: str, msg: str, value: Any = None) -> None:
            problems.append(problem(source, msg, fld, None if value is None else repr(value)))

        if "service_min" in data:
            sm = dict(base.service_min)
            if not isinstance(data["service_min"], Mapping):
                bad("service_min", "expected an object kind → minutes")
            else:
                for kind, v in data["service_min"].items():
                    if kind not in KINDS:
                        bad(f"service_min.{kind}", f"unknown kind; expected one of "
                            f"{', '.join(KINDS)}")
                    elif not isinstance(v, int | float) or isinstance(v, bool) or not 1 <= v <= 480:
                        bad(f"service_min.{kind}", "expected minutes between 1 and 480", v)
                    else:
                        sm[kind] = int(round(v))
            kw["service_min"] = sm
        if "windows" in data:
            win = {k: dict(v) for k, v in base.windows.items()}
            if not isinstance(data["windows"], Mapping):
                bad("windows", "expected an object kind → day type → windows")
            else:
                for kind, by_day in data["windows"].items():
                    if kind not in KINDS:
                        bad(f"windows.{kind}", f"unknown kind; expected one of {', '.join(KINDS)}")
                        continue
                    if not isinstance(by_day, Mapping):
                        bad(f"windows.{kind}", "expected an object day type → windows")
                        continue
                    for dtp, spans in by_day.items():
                        if dtp not in DAY_TYPES:
                            bad(f"windows.{kind}.{dtp}", "expected day type workday or weekend")
                            continue
                        _parse_windows(spans, f"windows.{kind}.{dtp}", source, problems)
                        win.setdefault(kind, {})[dtp] = list(spans or [])
            kw["windows"] = win
        if "cadre_windows" in data:
            cw = dict(base.cadre_windows)
            if not isinstance(data["cadre_windows"], Mapping):
                bad("cadre_windows", "expected an object day type → windows")
            else:
                for dtp, spans in data["cadre_windows"].items():
                    if dtp not in DAY_TYPES:
                        bad(f"cadre_windows.{dtp}", "expected day type workday or weekend")
                        continue
                    parsed = _parse_windows(spans, f"cadre_windows.{dtp}", source, problems)
                    if len(parsed) > 1:
                        bad(f"cadre_windows.{dtp}", "expected at most one window a day", spans)
                    cw[dtp] = list(spans or [])
            kw["cadre_windows"] = cw
        if "cadre_hours" in data:
            ch = dict(base.cadre_hours)
            src = data["cadre_hours"]
            if not isinstance(src, Mapping):
                bad("cadre_hours", "expected an object day type → hours or null")
            else:
                for dtp, v in src.items():
                    if dtp not in DAY_TYPES:
                        bad(f"cadre_hours.{dtp}", "expected day type workday or weekend")
                    elif v is not None and (not isinstance(v, int | float)
                                            or isinstance(v, bool) or not 0 < v <= 16):
                        bad(f"cadre_hours.{dtp}", "expected hours in (0, 16] or null", v)
                    else:
                        ch[dtp] = None if v is None else float(v)
            kw["cadre_hours"] = ch
        if "mode" in data:
            if data["mode"] not in MODES:
                bad("mode", f"expected one of {', '.join(MODES)}", data["mode"])
            else:
                kw["mode"] = data["mode"]
        if "speeds_kmh" in data:
            sp = dict(base.speeds_kmh)
            if not isinstance(data["speeds_kmh"], Mapping):
                bad("speeds_kmh", "expected an object mode → km/h")
            else:
                for m, v in data["speeds_kmh"].items():
                    if m not in MODES:
                        bad(f"speeds_kmh.{m}", f"expected one of {', '.join(MODES)}")
                    elif not isinstance(v, int | float) or isinstance(v, bool) or not 1 <= v <= 120:
                        bad(f"speeds_kmh.{m}", "expected km/h between 1 and 120", v)
                    else:
                        sp[m] = float(v)
            kw["speeds_kmh"] = sp
        if "priority_tags" in data:
            tags = data["priority_tags"]
            if not isinstance(tags, list | tuple) or any(t not in TARGET_TAGS for t in tags):
                bad("priority_tags", f"expected a list of tags from {', '.join(TARGET_TAGS)}",
                    tags)
            else:
                kw["priority_tags"] = tuple(tags)
        for name, lo, hi in (("priority_days", 1, 60), ("remote_after", 1, 10)):
            if name in data:
                v = data[name]
                if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                    bad(name, f"expected an integer between {lo} and {hi}", v)
                else:
                    kw[name] = v
        for name, low, high in (("detour", 1.0, 3.0), ("same_point_m", 0.0, 100.0)):
            if name in data:
                v = data[name]
                if not isinstance(v, int | float) or isinstance(v, bool) or not low <= v <= high:
                    bad(name, f"expected a number between {low} and {high}", v)
                else:
                    kw[name] = float(v)
        for name in ("holidays", "workdays"):
            if name in data:
                days = data[name]
                ok = isinstance(days, list | tuple)
                if ok:
                    for d in days:
                        try:
                            dt.date.fromisoformat(str(d))
                        except ValueError:
                            ok = False
                if not ok:
                    bad(name, "expected a list of dates YYYY-MM-DD", days)
                else:
                    kw[name] = tuple(str(d) for d in days)
        if "retry_other_slot" in data:
            if not isinstance(data["retry_other_slot"], bool):
                bad("retry_other_slot", "expected true or false", data["retry_other_slot"])
            else:
                kw["retry_other_slot"] = data["retry_other_slot"]
        if problems:
            raise ValidationError(f"Invalid routing settings in {source}.", problems)
        return cls(**{**asdict(base), **kw})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy (what the store keeps)."""
        out = asdict(self)
        for k in ("priority_tags", "holidays", "workdays"):
            out[k] = list(out[k])
        return out

    # -- derived ------------------------------------------------------------------------
    def speed_kmh(self, mode: str) -> float:
        """Speed of ``mode``."""
        return float(self.speeds_kmh[mode])

    def service_of(self, kind: str) -> int:
        """Service minutes of ``kind`` (20 for a kind not listed)."""
        return int(self.service_min.get(kind, 20))

    def kind_windows(self, kind: str, dtype: str) -> list[Window]:
        """Windows of ``kind`` on a day of type ``dtype``, minutes of the day."""
        spans = self.windows.get(kind, self.windows.get("household", {})).get(dtype, [])
        return _parse_windows(spans, "", "", [])

    def cadre_window(self, dtype: str) -> Window | None:
        """Return the cadres' visiting window on a day type, or None (no visiting)."""
        spans = _parse_windows(self.cadre_windows.get(dtype, []), "", "", [])
        return spans[0] if spans else None


_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")


def _parse_windows(spans: Any, fld: str, source: str, problems: list[Problem]) -> list[Window]:
    out: list[Window] = []
    if spans is None:
        return out
    if not isinstance(spans, list | tuple):
        problems.append(Problem(source, None, fld, 'expected a list like ["18:00-21:00"]',
                                value=repr(spans)))
        return out
    for s in spans:
        m = _HHMM.match(str(s))
        if not m:
            problems.append(Problem(source, None, fld, 'expected "HH:MM-HH:MM"', value=repr(s)))
            continue
        h1, m1, h2, m2 = (int(x) for x in m.groups())
        a, b = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or a >= b or b > 24 * 60:
            problems.append(Problem(source, None, fld, "expected a start before the end "
                                    "within one day", value=repr(s)))
            continue
        out.append((a, b))
    out.sort()
    return out


def day_type(day: dt.date, settings: ScheduleSettings) -> str:
    """``workday`` or ``weekend`` (holidays count as weekend, 调休 days as workdays)."""
    iso = day.isoformat()
    if iso in settings.workdays:
        return "workday"
    if iso in settings.holidays or day.weekday() >= 5:
        return "weekend"
    return "workday"


def slot_of(at: dt.datetime, settings: ScheduleSettings) -> str:
    """Time slot of a moment: ``weekend``, or a workday's ``evening`` or ``daytime``."""
    if day_type(at.date(), settings) == "weekend":
        return "weekend"
    return "evening" if at.hour * 60 + at.minute >= EVENING_FROM_MIN else "daytime"
