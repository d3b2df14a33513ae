"""Tests of the routing settings: parsing over the defaults, day types and slots.

Every bad setting must be named by its field; 2024-04-04 (清明, a Thursday) is made a
holiday and 2024-04-07 (a Sunday) a 调休 workday by hand.
"""

from __future__ import annotations

import datetime as dt

import pytest

from zoufang._errors import ValidationError
from zoufang.planner.schedule import ScheduleSettings, day_type, slot_of

from ._jobs import SETTINGS


def test_settings_defaults_round_trip() -> None:
    """Empty settings are the defaults, and to_dict/from_dict gives them back unchanged."""
    s = ScheduleSettings.from_dict({})
    assert s == ScheduleSettings()
    assert ScheduleSettings.from_dict(s.to_dict()) == s
    assert s.service_of("household") == 20 and s.service_of("enterprise") == 40
    assert s.kind_windows("household", "workday") == [(18 * 60, 21 * 60)]
    assert s.kind_windows("enterprise", "weekend") == []
    assert s.cadre_window("weekend") == (9 * 60, 18 * 60)


def test_settings_merge_over_defaults() -> None:
    """Given settings replace their defaults only; holidays and 调休 days change day types."""
    s = ScheduleSettings.from_dict({"service_min": {"household": 30}, "mode": "ebike",
                                    "windows": {"shop": {"weekend": []}},
                                    "holidays": ["2024-04-04"], "workdays": ["2024-04-07"]})
    assert s.service_of("household") == 30 and s.service_of("enterprise") == 40
    assert s.mode == "ebike"
    assert s.kind_windows("shop", "weekend") == [] and s.kind_windows("shop", "workday")
    assert day_type(dt.date(2024, 4, 4), s) == "weekend"   # 清明 holiday, a Thursday
    assert day_type(dt.date(2024, 4, 7), s) == "workday"   # 调休 Sunday
    assert day_type(dt.date(2024, 4, 6), s) == "weekend"


@pytest.mark.parametrize(("data", "field"), [
    ({"colour": "red"}, "colour"),
    ({"windows": {"household": {"workday": ["25:00-26:00"]}}}, "windows.household.workday"),
    ({"windows": {"household": {"workday": ["21:00-18:00"]}}}, "windows.household.workday"),
    ({"windows": {"alien": {"workday": ["09:00-10:00"]}}}, "windows.alien"),
    ({"windows": {"household": {"monday": ["09:00-10:00"]}}}, "windows.household.monday"),
    ({"service_min": {"household": 0}}, "service_min.household"),
    ({"mode": "horse"}, "mode"),
    ({"cadre_windows": {"workday": ["09:00-12:00", "14:00-17:00"]}}, "cadre_windows.workday"),
    ({"cadre_hours": {"weekend": 30}}, "cadre_hours.weekend"),
    ({"priority_tags": ["vip"]}, "priority_tags"),
    ({"holidays": ["2024-13-01"]}, "holidays"),
    ({"speeds_kmh": {"walk": 0}}, "speeds_kmh.walk"),
])
def test_bad_settings_name_the_field(data: dict[str, object], field: str) -> None:
    """Each bad setting is refused naming its field (dotted path) and the source."""
    with pytest.raises(ValidationError) as exc:
        ScheduleSettings.from_dict(data, source="settings.json")
    fields = [p.field for p in exc.value.problems]
    assert field in fields, fields
    assert all(p.source == "settings.json" for p in exc.value.problems)


def test_slots() -> None:
    """A workday moment is daytime or evening (from 17:00); a Saturday is weekend."""
    assert slot_of(dt.datetime(2024, 3, 1, 19, 0), SETTINGS) == "evening"
    assert slot_of(dt.datetime(2024, 3, 1, 10, 0), SETTINGS) == "daytime"
    assert slot_of(dt.datetime(2024, 3, 2, 19, 0), SETTINGS) == "weekend"
