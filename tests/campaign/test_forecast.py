"""The forecast ("can this phase reach 100 %?") on the visit-area tests' township.

SQLite and PostgreSQL/PostGIS. The township of ``test_areas.py`` (145 targets: 144
households, one listed enterprise), with only two of its six cadres active, 3 h a day for
10 days, and households at home only in the evening on workdays (18:00-21:00, none at
weekends). The push runs 1-10 March 2024 (Friday to Sunday): 6 workdays, 4 weekend days;
with 8 March a holiday, 5 workdays.

By hand: a workday evening holds at most 180 min / 20 min = 9 household visits, with no
travel at all; two cadres over 5 evenings reach at most 2 x 5 x 9 = 90 of the 145
targets (the enterprise's 40 min in office hours count against the same 3 h), so at
least 55 targets are left out, all for lack of days (days_full); weekend days hold no
window for anyone.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from zoufang.campaign.areas import plan_campaign
from zoufang.campaign.forecast import ForecastInputError, forecast_campaign
from zoufang.campaign.routes import plan_routes, save_settings
from zoufang.campaign.store import Cadre, Store
from zoufang.cli import main

from .test_areas import build_town

AS_OF = dt.datetime(2024, 3, 1)
EVENINGS = {"windows": {"household": {"workday": ["18:00-21:00"], "weekend": []}}}


def two_cadres(store: Store, tmp: Path, **settings: object) -> None:
    """The township with cadres C1 and C2 only, evening households, areas planned."""
    build_town(store, tmp)
    with store.session() as s:
        s.execute(update(Cadre).where(Cadre.ext_id.not_in(["C1", "C2"])).values(active=False))
        s.commit()
    save_settings(store, {**EVENINGS, **settings})
    plan_campaign(store, time_limit_s=3, seed=0)


def test_forecast_by_hand_households_in_the_evening_and_a_holiday(store: Store,
                                                                  tmp_path: Path) -> None:
    """Two cadres, evening households, a holiday: at least 55 left out, for lack of days."""
    two_cadres(store, tmp_path, holidays=["2024-03-08"])
    fc = forecast_campaign(store, phase="push")
    assert fc.phase == "push" and (fc.first_day, fc.last_day) == ("2024-03-01", "2024-03-10")
    assert fc.targets == 145 and fc.reachable + fc.left_out == 145
    assert fc.reachable <= 90 and fc.left_out >= 55    # any visit takes 20 min or more
    assert set(fc.reasons) == {"days_full"} and not fc.can_reach_100
    assert fc.extra_cadre_days > 0 and fc.suggestions
    for c in fc.cadres:
        assert c["days_counted"] == 10 and c["usable_h"] == 15.0   # 5 evenings of 3 h
        assert c["travel_min_per_visit"] > 0 and c["extra_day_type"] == "workday"
    assert sum(v["targets"] for v in fc.villages) == 145
    assert {v["village"] for v in fc.villages} == {"甲村", "乙村", "丙村"}
    # all six cadres, the whole visit phase (21 workdays): 100 % is within reach
    with store.session() as s:
        s.execute(update(Cadre).values(active=True))
        s.commit()
    plan_campaign(store, time_limit_s=3, seed=0)
    full = forecast_campaign(store, phase="visit")
    assert full.days == 31 and full.left_out == 0 and full.can_reach_100
    assert "YES" in full.summary()


def test_forecast_left_out_agrees_with_plan_routes(store: Store, tmp_path: Path) -> None:
    """The forecast's left-out count is within 3 % of the targets of what routes leave out."""
    two_cadres(store, tmp_path)
    fc = forecast_campaign(store, phase="push", as_of=AS_OF)
    res = plan_routes(store, phase="push", as_of=AS_OF, time_limit_s=2.0, workers=2)
    assert res.n_targets == fc.targets == 145
    assert fc.left_out > 30 and res.n_left_out > 30          # the question is a real one
    assert abs(fc.left_out - res.n_left_out) <= 0.03 * fc.targets, (fc.summary(),
                                                                    res.summary())


def test_forecast_refusals(store: Store, tmp_path: Path) -> None:
    """No areas, an unknown phase, as-of after the phase: refused with the field named."""
    build_town(store, tmp_path)
    with pytest.raises(ForecastInputError, match="no visit areas"):
        forecast_campaign(store)
    plan_campaign(store, time_limit_s=3)
    with pytest.raises(ForecastInputError) as err:
        forecast_campaign(store, phase="harvest")
    assert err.value.problems[0].field == "phase"
    with pytest.raises(ForecastInputError) as err:
        forecast_campaign(store, phase="push", as_of=dt.datetime(2024, 3, 11))
    assert err.value.problems[0].field == "as_of"


def test_cli_forecast_and_plan_areas_json(store: Store, db_url: str, tmp_path: Path) -> None:
    """`plan forecast --json` and `plan areas --json` carry the same forecast."""
    build_town(store, tmp_path)
    runner = CliRunner()
    out = runner.invoke(main, ["plan", "areas", "--db", db_url, "--time-limit", "3",
                               "--json"])
    assert out.exit_code == 0, out.output
    areas = json.loads(out.output)
    fc = areas["forecast"]
    assert fc["phase"] == "visit" and fc["targets"] == 145
    assert {"reachable", "left_out", "reasons", "cadres", "villages"} <= set(fc)
    assert areas["capacity"]["model"] == "availability"
    out = runner.invoke(main, ["plan", "forecast", "--db", db_url, "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["left_out"] == fc["left_out"]
    out = runner.invoke(main, ["plan", "forecast", "--db", db_url, "--phase", "push"])
    assert out.exit_code == 0 and "can it reach 100 %?" in out.output
    out = runner.invoke(main, ["plan", "forecast", "--db", db_url, "--phase", "harvest",
                               "--json"])
    assert out.exit_code == 1 and json.loads(out.output)["ok"] is False
