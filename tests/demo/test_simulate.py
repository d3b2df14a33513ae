"""The simulated campaign: deterministic, realistic in shape, and lifecycle-valid."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from zoufang.campaign.integrity import run_checks
from zoufang.campaign.issues import TRANSITIONS
from zoufang.campaign.measures import compute_measures
from zoufang.campaign.store import Cadre, Issue, IssueEvent, Target, Visit
from zoufang.demo.simulate import simulate_campaign

from ..campaign.ledger_world import World


def _grow(w: World, n_targets: int = 160, n_cadres: int = 6) -> None:
    """Add households spread over the four grids and cadres, for a small campaign."""
    with w.store.session() as s:
        grid_ids = sorted(w.grids.values())
        for k in range(n_targets):
            g = grid_ids[k % 4]
            s.add(Target(township_id=w.township_id, ext_id=f"S{k:04d}", name=f"户{k}",
                         kind="household", phone=f"1380000{k:04d}",
                         lon=116.6 + 0.01 * ((g - grid_ids[0]) % 2) + 0.0005 * (k % 17),
                         lat=37.4 + 0.01 * ((g - grid_ids[0]) // 2) + 0.0005 * (k % 13),
                         grid_id=g, placement="inside", tags=["vacant"] if k % 40 == 0 else []))
        for k in range(n_cadres):
            s.add(Cadre(township_id=w.township_id, ext_id=f"D{k}", name=f"干部{k}",
                        rank="clerk", hours_per_day=4, days_available=20, base_lon=116.61,
                        base_lat=37.41))


def _snapshot(w: World) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with w.store.session() as s:
        v = [tuple(r) for r in s.execute(select(
            Visit.target_id, Visit.cadre_id, Visit.at, Visit.mode, Visit.outcome, Visit.lon)
            .order_by(Visit.id))]
        e = [tuple(r) for r in s.execute(select(
            IssueEvent.issue_id, IssueEvent.seq, IssueEvent.action, IssueEvent.at,
            IssueEvent.deadline).order_by(IssueEvent.id))]
    return v, e


@pytest.mark.slow
def test_simulation_realistic_and_valid(territory: World) -> None:
    """A simulated small campaign looks realistic and every history step in it is valid.

    Most targets are visited, not-at-home visits repeated, issues are in every state of a
    campaign in its resolve phase (closed, in progress, overdue), every history step is allowed
    by the transition table, and the box-ticker is caught.
    """
    _grow(territory)
    r = simulate_campaign(territory.store, territory.township_id, territory.campaign_id, 3)
    assert r.visits > 168 and r.issues > 5 and r.box_ticker is not None
    with territory.store.session() as s:
        m = compute_measures(s, territory.township_id, as_of=r.until,
                             levels=("township",))["township"].iloc[0]
        assert 0.9 < m["visit_rate"] <= 1.0 and m["not_home"] > 0
        assert m["resolved"] > 0 and m["issues"] > m["resolved"]
        by_status = dict(s.execute(select(Issue.status, func.count()).group_by(
            Issue.status)).all())
        assert by_status.get("closed", 0) > 0 and set(by_status) - {"closed"}
        for iid, in s.execute(select(Issue.id)):
            steps = s.scalars(select(IssueEvent).where(IssueEvent.issue_id == iid)
                              .order_by(IssueEvent.seq)).all()
            assert [e.seq for e in steps] == list(range(1, len(steps) + 1))
            assert steps[0].action == "record" and steps[0].to_status == "recorded"
            for a, b in zip(steps, steps[1:], strict=False):
                assert b.at >= a.at and b.from_status == a.to_status
                t = TRANSITIONS[b.action] if b.action in TRANSITIONS else None
                assert t is not None and a.to_status in t.sources, (b.action, a.to_status)
            assert steps[-1].at <= r.until
        far = {f.cadre_id for f in run_checks(s, territory.township_id)
               if f.code == "gps_far"}
        ticker = s.scalar(select(Cadre.id).where(Cadre.ext_id == r.box_ticker))
    assert far == {ticker}  # recorded from the office; the others are within ~15 m
    with pytest.raises(ValueError, match="already has visits"):
        simulate_campaign(territory.store, territory.township_id, territory.campaign_id, 3)


def test_simulation_is_deterministic(territory: World, tmp_path_factory: object) -> None:
    """The simulation is deterministic: the same store and seed give the same rows.

    The visits and history are the same, row for row; another seed gives others.
    """
    _grow(territory, n_targets=60, n_cadres=4)
    simulate_campaign(territory.store, territory.township_id, territory.campaign_id, 11,
                      until=dt.datetime(2022, 4, 30))
    first = _snapshot(territory)
    with territory.store.session() as s:  # wipe the simulated rows, keep the territory
        for model in (IssueEvent, Issue, Visit):
            s.execute(model.__table__.delete())
    simulate_campaign(territory.store, territory.township_id, territory.campaign_id, 11,
                      until=dt.datetime(2022, 4, 30))
    second = _snapshot(territory)
    assert [v[1:] for v in first[0]] == [v[1:] for v in second[0]]
    assert [e[1:] for e in first[1]] == [e[1:] for e in second[1]]
    assert len(first[0]) > 60
