"""Daily routes from the store, on SQLite and PostgreSQL/PostGIS.

Plan, check, store, re-plan from the ledger, revisits, one cadre at a time, refusals, a
failing cadre, the CLI.

The township is the visit-area tests' one (3 × 3 grids, 144 households and one listed
enterprise, six cadres) with its areas planned; the campaign's 10-day push runs
2024-03-01 (a Friday) to 2024-03-10.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from zoufang._errors import ValidationError
from zoufang.campaign.areas import plan_campaign
from zoufang.campaign.routes import (
    RoutesInputError,
    load_settings,
    plan_routes,
    save_settings,
    solve_jobs,
)
from zoufang.campaign.store import (
    AreaTarget,
    Cadre,
    Campaign,
    Issue,
    RouteCadre,
    RouteDay,
    RouteLeftOut,
    RoutePlan,
    RouteSettings,
    RouteStop,
    Store,
    Target,
    VisitArea,
)
from zoufang.campaign.visits import record_visit
from zoufang.cli import main
from zoufang.gis.travel import StraightLine
from zoufang.planner.schedule import CadreJob, ScheduleSettings, StopTarget

from .test_areas import build_town

AS_OF = dt.datetime(2024, 3, 1)


@pytest.fixture
def town(store: Store, tmp_path: Path) -> Store:
    """The test township with its visit areas planned."""
    build_town(store, tmp_path)
    plan_campaign(store, time_limit_s=3, seed=0)
    return store


def n_rows(store: Store, model: type) -> int:
    """Rows of ``model``."""
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def area_of(store: Store) -> dict[int, str]:
    """Target id -> the cadre (工号) of its area."""
    with store.session() as s:
        return dict(s.execute(select(AreaTarget.target_id, VisitArea.cadre_ext_id)
                              .join(VisitArea, VisitArea.id == AreaTarget.area_id)).all())


def stops_of(store: Store, plan_id: int) -> list[tuple[str, int, str, dt.datetime]]:
    """(cadre, target, purpose, start) of every stop of a plan."""
    with store.session() as s:
        return [tuple(r) for r in s.execute(  # type: ignore[misc]
            select(RouteDay.cadre_ext_id, RouteStop.target_id, RouteStop.purpose,
                   RouteStop.start_at).join(RouteDay, RouteDay.id == RouteStop.day_id)
            .where(RouteStop.plan_id == plan_id))]


def target_id(store: Store, ext: str) -> int:
    """Store id of target ``ext``."""
    with store.session() as s:
        return int(s.scalar(select(Target.id).where(Target.ext_id == ext)))


def test_plan_stored_checked_and_complete(town: Store) -> None:
    """Plan stored checked and complete."""
    res = plan_routes(town, phase="push", as_of=AS_OF, time_limit_s=1.0, workers=2)
    assert res.ok, res.summary()
    assert res.phase_kind == "push"
    assert (res.first_day, res.last_day) == (dt.date(2024, 3, 1), dt.date(2024, 3, 10))
    assert len(res.cadres) == 6 and all(c["status"] == "ok" for c in res.cadres)
    assert res.n_targets == 145 and res.n_routed + res.n_left_out == 145
    assert res.n_routed >= 140   # 30 h a cadre against about 10 h of visits
    assert res.figures["violations"] == 0 and res.figures["window_violations"] == 0
    owner = area_of(town)
    stops = stops_of(town, res.plan_id)
    assert len({t for _c, t, _p, _s in stops}) == len(stops) == res.n_routed
    assert all(owner[t] == c for c, t, _p, _s in stops)     # each cadre its own area
    with town.session() as s:
        days = s.scalars(select(RouteDay).where(RouteDay.plan_id == res.plan_id)).all()
        assert days and all(d.depart_at < d.return_at and d.n_stops >= 1 for d in days)
        assert all(AS_OF.date() <= d.day <= dt.date(2024, 3, 10) for d in days)
        assert all(len(d.line) >= 2 for d in days)
    assert "Route plan" in res.summary()


def test_rolling_replan_from_the_ledger(town: Store) -> None:
    """Rolling replan from the ledger."""
    first = plan_routes(town, as_of=AS_OF, time_limit_s=1.0)
    owner = area_of(town)
    ids = {ext: target_id(town, ext) for ext in ("H002", "H003", "H004", "H005")}
    with town.session() as s:
        camp = s.scalars(select(Campaign)).one()
        town_id = camp.township_id
        kw = {"township_id": town_id, "campaign_id": camp.id, "mode": "in_home"}
        record_visit(s, target="H002", cadre=owner[ids["H002"]], at="2024-03-01 18:30",
                     outcome="visited", **kw)
        record_visit(s, target="H003", cadre=owner[ids["H003"]], at="2024-03-01 18:40",
                     outcome="not_home", **kw)
        for when in ("2024-03-01 19:00", "2024-03-02 10:00", "2024-03-01 20:00"):
            record_visit(s, target="H004", cadre=owner[ids["H004"]], at=when,
                         outcome="not_home", **kw)
        record_visit(s, target="H005", cadre=owner[ids["H005"]], at="2024-03-01 19:10",
                     outcome="visited", **kw)
        c = s.scalar(select(Cadre).where(Cadre.ext_id == owner[ids["H005"]]))
        s.add(Issue(township_id=town_id, campaign_id=camp.id, target_id=ids["H005"],
                    owner_cadre_id=c.id, category="living", responsibility="township",
                    text="路灯坏了", status="reported", raised_at=dt.datetime(2024, 3, 1, 19, 20)))
        # a visit after the re-plan moment must not count yet
        record_visit(s, target="H006", cadre=owner[target_id(town, "H006")],
                     at="2024-03-09 19:00", outcome="visited", **kw)
        s.commit()
    as_of = dt.datetime(2024, 3, 2, 12, 0)
    res = plan_routes(town, as_of=as_of, time_limit_s=1.0)
    assert res.ok, res.summary()
    with town.session() as s:
        assert s.get(RoutePlan, first.plan_id).status == "superseded"
        assert s.get(RoutePlan, res.plan_id).status == "current"
        left = {lo.target_id: lo for lo in s.scalars(
            select(RouteLeftOut).where(RouteLeftOut.plan_id == res.plan_id))}
    stops = {t: (c, p, at) for c, t, p, at in stops_of(town, res.plan_id)}
    assert ids["H002"] not in stops and ids["H002"] not in left         # settled
    assert stops[ids["H003"]][1] == "retry"
    assert stops[ids["H003"]][2].weekday() >= 5                         # not an evening again
    assert left[ids["H004"]].reason == "remote" and "phone" in left[ids["H004"]].detail
    assert stops[ids["H005"]][1] == "revisit"                          # 回访, its owner
    assert stops[ids["H005"]][0] == owner[ids["H005"]]
    assert target_id(town, "H006") in stops                            # future visit ignored
    assert all(at >= as_of for _c, _p, at in stops.values())


def test_visit_phase_is_the_whole_phase(town: Store) -> None:
    """``--phase visit`` routes the whole 走访排查 phase (1-31 March).

    As the area plan and the forecast count it: no command maps it onto the push (one
    phase vocabulary); the Chinese name is an alias.
    """
    res = plan_routes(town, phase="visit", as_of=AS_OF, time_limit_s=0.5, workers=2)
    assert res.phase_kind == "visit"
    assert (res.first_day, res.last_day) == (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert res.figures["days"] == 31
    alias = plan_routes(town, phase="走访排查", as_of=AS_OF, time_limit_s=0.5, workers=2)
    assert alias.phase_kind == "visit" and alias.last_day == dt.date(2024, 3, 31)


def test_revisit_phase_routes_only_awaiting_rating(town: Store) -> None:
    """Revisit phase routes only awaiting rating."""
    owner = area_of(town)
    tid = target_id(town, "H010")
    with town.session() as s:
        camp = s.scalars(select(Campaign)).one()
        c = s.scalar(select(Cadre).where(Cadre.ext_id == owner[tid]))
        s.add(Issue(township_id=camp.township_id, campaign_id=camp.id, target_id=tid,
                    owner_cadre_id=c.id, category="living", responsibility="township",
                    text="排水沟堵塞", status="reported", raised_at=dt.datetime(2024, 3, 2, 19)))
        s.commit()
    res = plan_routes(town, phase="revisit", as_of=dt.datetime(2024, 6, 1), time_limit_s=0.5)
    assert res.ok, res.summary()
    assert res.phase_kind == "revisit" and res.first_day == dt.date(2024, 6, 1)
    assert [(c, t, p) for c, t, p, _s in stops_of(town, res.plan_id)] == [
        (owner[tid], tid, "revisit")]
    extra = plan_routes(town, phase="revisit", as_of=dt.datetime(2024, 6, 1),
                        time_limit_s=0.5, revisit_targets=["H011"])
    assert {t for _c, t, _p, _s in stops_of(town, extra.plan_id)} == {
        tid, target_id(town, "H011")}
    with pytest.raises(RoutesInputError) as exc:
        plan_routes(town, phase="revisit", as_of=dt.datetime(2024, 6, 1),
                    revisit_targets=["NOPE"])
    assert "NOPE" in str(exc.value.problems)


def test_one_cadre_replan_keeps_the_others(town: Store) -> None:
    """One cadre replan keeps the others."""
    first = plan_routes(town, as_of=AS_OF, time_limit_s=1.0)
    before = stops_of(town, first.plan_id)
    res = plan_routes(town, as_of=AS_OF, cadre="C2", time_limit_s=1.0)
    after = stops_of(town, res.plan_id)
    assert len(res.cadres) == 6 and res.n_targets == first.n_targets
    others = sorted((c, t, p, s) for c, t, p, s in before if c != "C2")
    assert sorted((c, t, p, s) for c, t, p, s in after if c != "C2") == others
    assert {t for c, t, _p, _s in after if c == "C2"} == {
        t for c, t, _p, _s in before if c == "C2"}


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"phase": "holiday"}, "phase"),
    ({"time_limit_s": 0}, "time_limit"),
    ({"workers": 0}, "workers"),
    ({"cadre": "C99"}, "cadre"),
    ({"as_of": dt.datetime(2024, 4, 1)}, "as_of"),    # the visit phase ends on 31 March
])
def test_refusals_name_the_field_and_store_nothing(town: Store, kwargs: dict[str, object],
                                                   field: str) -> None:
    """Refusals name the field and store nothing."""
    plan_routes(town, as_of=AS_OF, time_limit_s=0.5)
    before = (n_rows(town, RoutePlan), n_rows(town, RouteStop))
    with pytest.raises(RoutesInputError) as exc:
        plan_routes(town, **{"as_of": AS_OF, **kwargs})  # type: ignore[arg-type]
    assert field in [p.field for p in exc.value.problems]
    assert (n_rows(town, RoutePlan), n_rows(town, RouteStop)) == before


def test_no_areas_yet(store: Store, tmp_path: Path) -> None:
    """No areas yet."""
    build_town(store, tmp_path)
    with pytest.raises(RoutesInputError, match="no visit areas"):
        plan_routes(store, as_of=AS_OF)


def test_a_failing_cadre_does_not_lose_the_others() -> None:
    """A failing cadre does not lose the others."""
    days = (dt.date(2024, 3, 4),)
    good = CadreJob("C1", (116.6, 37.4), days, (StopTarget(1, "household", 116.601, 37.4),))
    bad = CadreJob("C2", (116.6, 37.4), days, (StopTarget(2, "household", float("nan"),
                                                          37.4),))
    out = solve_jobs([good, bad], ScheduleSettings(), StraightLine(), time_limit_s=0.5,
                     workers=2)
    assert out["C1"][0].status == "ok" and out["C1"][0].routed_ids == [1]
    assert out["C1"][1]["ok"]
    assert out["C2"][0].status == "failed" and "ValueError" in out["C2"][0].message
    assert "no checked greedy schedule either" in out["C2"][0].message


def test_near_zero_time_limit_every_cadre_has_a_checked_schedule(town: Store) -> None:
    """A 1 ms search limit: every cadre still gets a checked schedule.

    The search's or the greedy one (counted as fallbacks); none is failed, the checker
    finds no violation.
    """
    res = plan_routes(town, phase="push", as_of=AS_OF, time_limit_s=0.001, workers=2)
    assert res.figures["failed"] == 0 and all(c["status"] == "ok" for c in res.cadres)
    assert all(c["routed"] > 0 for c in res.cadres)
    assert res.figures["violations"] == 0 and res.figures["window_violations"] == 0
    assert 0 <= res.figures["fallback"] <= len(res.cadres)
    assert "greedy fallback" in res.summary()


def test_a_search_without_route_gets_the_checked_greedy_schedule() -> None:
    """The fallback for a cadre whose search yields no route: its checked greedy schedule.

    C1's two households: the greedy schedule routes both, passes the checker and is
    marked as the fallback. C3's job cannot be built at all (a target without a valid
    point): no checked schedule exists, so that cadre stays failed with the reason.
    """
    from zoufang.campaign.routes import _fallback

    days = (dt.date(2024, 3, 4),)
    job = CadreJob("C1", (116.6, 37.4), days, (StopTarget(1, "household", 116.601, 37.4),
                                                StopTarget(2, "household", 116.602, 37.4)))
    fb = _fallback(job, ScheduleSettings(), StraightLine(), "no solution in the time limit")
    assert fb is not None
    sched, rep = fb
    assert sched.status == "ok" and sorted(sched.routed_ids) == [1, 2] and rep["ok"]
    assert sched.figures["fallback"] == "greedy" and "greedy" in sched.message
    bad = CadreJob("C3", (116.6, 37.4), days, (StopTarget(3, "household", float("nan"),
                                                          37.4),))
    assert _fallback(bad, ScheduleSettings(), StraightLine(), "error") is None


def test_settings_saved_validated_and_used(town: Store) -> None:
    """Settings saved validated and used."""
    save_settings(town, {"mode": "ebike", "cadre_windows": {"workday": ["18:00-21:00"]}})
    with pytest.raises(ValidationError):
        save_settings(town, {"mode": "rocket"})
    with town.session() as s:
        camp = s.scalars(select(Campaign)).one()
        st = load_settings(s, camp.id)
        assert st.mode == "ebike" and st.cadre_windows["workday"] == ["18:00-21:00"]
    res = plan_routes(town, as_of=AS_OF, time_limit_s=0.5)
    assert {c["mode"] for c in res.cadres} == {"ebike"}
    # the listed enterprise keeps office hours: with evening-only workdays it has no window
    assert res.figures["reasons"].get("no_window") == 1


def test_cli_plan_routes_and_settings(town: Store, db_url: str) -> None:
    """Cli plan routes and settings."""
    runner = CliRunner()
    r = runner.invoke(main, ["plan", "route-settings", "--db", db_url, "--set",
                             'service_min={"household": 25}', "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["settings"]["service_min"]["household"] == 25
    r = runner.invoke(main, ["plan", "route-settings", "--db", db_url, "--set",
                             "mode=walking", "--set", 'windows={"household": {"workday": '
                             '["8pm"]}}', "--json"])
    assert r.exit_code == 1
    err = json.loads(r.output)
    assert not err["ok"] and "mode" in r.output
    with town.session() as s:
        row = s.scalars(select(RouteSettings)).one()
        assert row.settings["service_min"]["household"] == 25 and row.settings["mode"] == "walk"
    r = runner.invoke(main, ["plan", "routes", "--db", db_url, "--as-of", "2024-03-01",
                             "--time-limit", "0.5", "--json"])
    assert r.exit_code == 0, r.output
    plan = json.loads(r.output)["plan"]
    assert plan["n_targets"] == 145 and plan["figures"]["violations"] == 0
    r = runner.invoke(main, ["plan", "routes", "--db", db_url, "--as-of", "2024-03-01",
                             "--time-limit", "0.5"])
    assert r.exit_code == 0 and "走访人员" in r.output and "checker: 0 violation" in r.output
    r = runner.invoke(main, ["plan", "routes", "--db", db_url, "--as-of", "March 1st"])
    assert r.exit_code == 1 and "as_of" in r.output
    r = runner.invoke(main, ["plan", "routes", "--db", db_url, "--as-of", "2024-03-01",
                             "--roads", "no-such-roads.geojson", "--json"])
    assert r.exit_code == 1 and "no-such-roads.geojson" in r.output
    assert n_rows(town, RouteCadre) == 12   # two plans of six cadres, nothing of the refused


def test_a_plan_stored_meanwhile_wins_and_nothing_is_lost(town: Store) -> None:
    """Another run storing the phase's first plan while this one solves: refused, kept."""
    with town.session() as s:
        camp_id = s.scalars(select(Campaign.id)).one()
    done: list[str] = []

    def meanwhile(cadre: str, _sched: object) -> None:
        if done:
            return
        done.append(cadre)
        with town.session() as s:
            s.add(RoutePlan(campaign_id=camp_id, status="current", phase_kind="visit",
                            first_day=AS_OF.date(), last_day=AS_OF.date(), as_of=AS_OF,
                            travel="other run", time_limit_s=1, solve_s=1, n_cadres=0,
                            n_failed=0, n_targets=0, n_routed=0, n_left_out=0,
                            distance_m=0.0))
            s.commit()

    with pytest.raises(RoutesInputError, match="not stored"):
        plan_routes(town, as_of=AS_OF, time_limit_s=0.5, on_done=meanwhile)
    with town.session() as s:
        plans = s.scalars(select(RoutePlan)).all()
        assert [(p.travel, p.status) for p in plans] == [("other run", "current")]
    assert n_rows(town, RouteStop) == 0 and n_rows(town, RouteCadre) == 0


def test_a_cadre_rides_its_own_travel_mode(town: Store) -> None:
    """出行方式 from the cadre list overrides the campaign's mode; a bad one is a note."""
    with town.session() as s:
        c2 = s.scalar(select(Cadre).where(Cadre.ext_id == "C2"))
        c2.extra = {**(c2.extra or {}), "出行方式": "电动车"}
        c3 = s.scalar(select(Cadre).where(Cadre.ext_id == "C3"))
        c3.extra = {**(c3.extra or {}), "出行方式": "骑马"}
        s.commit()
    res = plan_routes(town, as_of=AS_OF, time_limit_s=0.5)
    modes = {c["cadre"]: c["mode"] for c in res.cadres}
    assert modes["C2"] == "ebike" and modes["C3"] == "walk" and modes["C1"] == "walk"
    assert any("C3" in w and "骑马" in w for w in res.warnings)
