"""The issue lifecycle: every rule of the transition table, history, owner, warnings, cases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from zoufang._errors import ValidationError
from zoufang.campaign.issues import (
    TRANSITIONS,
    IssueConflict,
    TransitionRefused,
    allowed_actions,
    link_case,
    move_issue,
    record_issue,
    set_config,
    warning_level,
)
from zoufang.campaign.store import Issue, IssueEvent

from .ledger_world import World

D = dt.datetime


def _issue(w: World, key: str = "I1") -> Issue:
    with w.store.session() as s:
        return s.get(Issue, w.issues[key])


def _fresh(w: World, **kw: object) -> int:
    """A new issue raised in T1's completed visit, status recorded."""
    with w.store.session() as s:
        return record_issue(s, visit_id=w.visits["T1b"], category="居住环境",
                            responsibility="township", text="新问题", actor="刘一",
                            **kw).id  # type: ignore[arg-type]


def _move(w: World, iid: int, action: str, at: D, **kw: object) -> Issue:
    with w.store.session() as s:
        return move_issue(s, iid, action, actor=str(kw.pop("actor", "甲")), at=at, **kw)


def test_full_path_keeps_who_when_why(world: World) -> None:
    """An issue's full path to closed keeps who, when and what was set, step by step.

    I1 went recorded → assessed → handed_over → in_progress → reported → closed, and the
    history has each step with actor, time and the fields it set, in order.
    """
    i = _issue(world)
    assert (i.status, i.close_kind, i.rating, i.version) == ("closed", "satisfied",
                                                              "satisfied", 6)
    assert (i.unit, i.handler, i.deadline) == ("镇村建办", "王科长", dt.date(2022, 3, 20))
    assert i.responded_at == D(2022, 3, 15, 9) and i.closed_at == D(2022, 3, 16, 9)
    with world.store.session() as s:
        ev = s.scalars(select(IssueEvent).where(IssueEvent.issue_id == i.id)
                       .order_by(IssueEvent.seq)).all()
        steps = [(e.seq, e.action, e.from_status, e.to_status) for e in ev]
        assert steps == [(1, "record", None, "recorded"), (2, "assess", "recorded", "assessed"),
                         (3, "hand_over", "assessed", "handed_over"),
                         (4, "start", "handed_over", "in_progress"),
                         (5, "report", "in_progress", "reported"),
                         (6, "rate_satisfied", "reported", "closed")]
        assert ev[0].actor == "刘一" and ev[1].actor == "镇组织人事办"
        assert ev[2].deadline == dt.date(2022, 3, 20)
        assert ev[2].data == {"unit": "镇村建办", "handler": "王科长", "deadline": "2022-03-20"}
        assert ev[3].at == D(2022, 3, 4, 9)


@pytest.mark.parametrize("status_path,action,kw", [
    ([], "report", {"result": "x"}),                   # recorded: not handed over yet
    ([], "rate", {"rating": "satisfied"}),             # recorded: nothing to rate
    ([], "start", {}),
    (["assess"], "start", {}),                         # assessed: must be handed over first
    (["assess", "hand_over"], "report", {"result": "x"}),  # handed_over: must start first
    (["assess", "hand_over", "start"], "rate", {"rating": "satisfied"}),  # not reported yet
])
def test_invalid_transitions_refused(world: World, status_path: list[str], action: str,
                                     kw: dict[str, str]) -> None:
    """An action not allowed from the issue's status is refused, and nothing changes.

    The refusal names the actions that are allowed.
    """
    iid = _fresh(world)
    t = D(2022, 3, 20, 9)
    for a in status_path:
        extra = dict(unit="u", handler="h", deadline="2022-04-30") if a == "hand_over" else {}
        _move(world, iid, a, t, **extra)
    before = _issue(world, "I1") and _status(world, iid)
    with pytest.raises(TransitionRefused) as e:
        _move(world, iid, action, t, **kw)
    msg = str(e.value)
    assert "is not allowed when the issue is" in msg and "allowed actions are" in msg
    assert _status(world, iid) == before


def _status(w: World, iid: int) -> tuple[str, int]:
    with w.store.session() as s:
        i = s.get(Issue, iid)
        n = len(s.scalars(select(IssueEvent.id).where(IssueEvent.issue_id == iid)).all())
        return i.status, i.version * 100 + n


def test_closed_issue_takes_no_action_but_note(world: World) -> None:
    """A closed issue (销号) cannot be reopened, re-rated or supervised; only notes."""
    assert allowed_actions("closed") == ["note"]
    for action, kw in (("rate", {"rating": "not_satisfied", "reason": "x"}),
                       ("supervise", {"reason": "x"}), ("start", {})):
        with pytest.raises(TransitionRefused, match="none|note"):
            _move(world, world.issues["I1"], action, D(2022, 3, 17), **kw)
    i = _move(world, world.issues["I1"], "note", D(2022, 3, 17), reason="回访时群众致谢")
    assert i.status == "closed"


def test_hand_over_needs_unit_person_deadline(world: World) -> None:
    """hand_over needs a unit, a handler and a deadline that is not before the hand-over day.

    Without unit, handler and deadline it is refused listing all three; a deadline before the
    hand-over day is refused too.
    """
    iid = _fresh(world)
    _move(world, iid, "assess", D(2022, 3, 3, 9))
    with pytest.raises(TransitionRefused) as e:
        _move(world, iid, "hand_over", D(2022, 3, 3, 10))
    assert sorted(p.field for p in e.value.problems) == ["deadline", "handler", "unit"]
    with pytest.raises(TransitionRefused, match="before 2022-03-03"):
        _move(world, iid, "hand_over", D(2022, 3, 3, 10), unit="u", handler="h",
              deadline="2022-03-01")
    with pytest.raises(TransitionRefused, match="YYYY-MM-DD"):
        _move(world, iid, "hand_over", D(2022, 3, 3, 10), unit="u", handler="h",
              deadline="next friday")


def test_only_satisfied_closes_not_satisfied_sends_back(world: World) -> None:
    """Only a satisfied rating closes an issue; a not-satisfied rating sends it back.

    I3 was rated not satisfied: back in progress with a new deadline, still open; a second
    report and a satisfied rating close it, and the first rating stays in history.
    """
    i3 = _issue(world, "I3")
    assert (i3.status, i3.rating, i3.closed_at, i3.deadline) == (
        "in_progress", "not_satisfied", None, dt.date(2022, 3, 31))
    _move(world, i3.id, "report", D(2022, 3, 20), result="再次调解")
    i = _move(world, i3.id, "rate", D(2022, 3, 21), rating="满意")
    assert (i.status, i.close_kind, i.rated_at) == ("closed", "satisfied", D(2022, 3, 5, 9))
    with world.store.session() as s:
        acts = s.scalars(select(IssueEvent.action).where(IssueEvent.issue_id == i3.id)
                         .order_by(IssueEvent.seq)).all()
    assert acts == ["record", "solve_on_spot", "rate_not_satisfied", "report",
                    "rate_satisfied"]


def test_not_satisfied_needs_a_reason(world: World) -> None:
    """Sending an issue back requires why the resident is not satisfied."""
    iid = _fresh(world)
    _move(world, iid, "solve_on_spot", D(2022, 3, 2, 20), result="已答复")
    with pytest.raises(TransitionRefused, match="needs reason"):
        _move(world, iid, "rate", D(2022, 3, 3), rating="not_satisfied")


def test_unsolvable_closes_only_with_explanation(world: World) -> None:
    """close_unsolvable closes an issue only with an explanation, which counts as the response.

    Without an explanation it is refused; with one the issue is closed as unsolvable (not
    resolved, not rated).
    """
    iid = _fresh(world)
    _move(world, iid, "assess", D(2022, 3, 3, 9))
    with pytest.raises(TransitionRefused, match="needs explanation"):
        _move(world, iid, "close_unsolvable", D(2022, 3, 4), explanation="  ")
    i = _move(world, iid, "close_unsolvable", D(2022, 3, 4), explanation="政策不允许，已解释")
    assert (i.status, i.close_kind, i.rating, i.responded_at) == (
        "closed", "unsolvable", None, D(2022, 3, 4))
    assert _issue(world, "I4").explanation == "规划不允许，已当面解释"


def test_unsolvable_not_from_recorded(world: World) -> None:
    """An issue must be assessed before it can be declared unsolvable."""
    assert "close_unsolvable" not in allowed_actions("recorded")
    with pytest.raises(TransitionRefused):
        _move(world, _fresh(world), "close_unsolvable", D(2022, 3, 4), explanation="x")


def test_owner_is_the_first_visitor_and_never_changes(world: World) -> None:
    """The owner is the cadre of the visit that recorded the issue, and it never changes.

    This is 谁走访谁处理: handing over does not change the owner and no action accepts one.
    """
    assert _issue(world, "I1").owner_cadre_id == world.cadres["C1"]
    assert _issue(world, "I4").owner_cadre_id == world.cadres["C2"]
    assert _issue(world, "I5").owner_cadre_id is None  # hotline: nobody visited
    with pytest.raises(TransitionRefused, match="owner never changes"):
        _move(world, world.issues["I2"], "note", D(2022, 3, 5), reason="x",
              owner_cadre_id=world.cadres["C3"])


def test_issue_only_in_a_completed_visit(world: World) -> None:
    """An issue cannot be raised in a not-at-home visit; every bad field is listed at once."""
    with world.store.session() as s, pytest.raises(ValidationError) as e:
        record_issue(s, visit_id=world.visits["T2a"], category="卫生", responsibility="镇",
                     text=" ", urgency="x", actor="刘一")
    fields = sorted(p.field for p in e.value.problems)
    assert fields == ["category", "responsibility", "text", "urgency", "visit"]
    assert "expected to be one of" in str(e.value)


def test_urban_categories_configurable(world: World) -> None:
    """Urban categories can be turned off per township, and extra categories can be added.

    Urban variants (物业) are accepted by default and refused once a township turns them off.
    """
    assert _fresh(world, ) and _issue(world, "I1")
    with world.store.session() as s:
        i = record_issue(s, visit_id=world.visits["T1b"], category="物业",
                         responsibility="township", text="物业费", actor="刘一")
        assert i.category == "property_management"
        set_config(s, world.township_id, urban_categories=False,
                   extra_categories={"rural_roads": "农村道路"})
        with pytest.raises(ValidationError, match="category was '物业'"):
            record_issue(s, visit_id=world.visits["T1b"], category="物业",
                         responsibility="township", text="物业费", actor="刘一")
        assert record_issue(s, visit_id=world.visits["T1b"], category="农村道路",
                            responsibility="township", text="路", actor="刘一"
                            ).category == "rural_roads"


def test_supervise_is_a_flag_with_reason(world: World) -> None:
    """挂牌督办 marks an open issue without changing its status; it needs a reason."""
    with pytest.raises(TransitionRefused, match="needs reason"):
        _move(world, world.issues["I2"], "supervise", D(2022, 3, 26))
    i = _move(world, world.issues["I2"], "supervise", D(2022, 3, 26), reason="逾期",
              actor="书记")
    assert (i.status, i.supervised) == ("in_progress", True)
    i = _move(world, world.issues["I2"], "unsupervise", D(2022, 3, 27))
    assert i.supervised is False


def test_step_cannot_predate_last_step(world: World) -> None:
    """History is in time order: a step dated before the issue's last step is refused."""
    with pytest.raises(TransitionRefused, match="before the issue's last step"):
        _move(world, world.issues["I2"], "supervise", D(2022, 3, 1), reason="x")


def test_history_rows_cannot_be_updated(world: World) -> None:
    """The database itself refuses to change an issue_events row (append-only trigger)."""
    with pytest.raises(DBAPIError, match="append-only"):
        with world.store.session() as s:
            s.execute(update(IssueEvent).where(IssueEvent.issue_id == world.issues["I1"])
                      .values(actor="someone else"))
    with world.store.engine.connect() as c:
        actors = c.execute(text("SELECT DISTINCT actor FROM issue_events")).scalars().all()
    assert "someone else" not in actors


def test_stale_version_is_a_conflict(world: World) -> None:
    """Moving with the version one read earlier fails once someone else moved the issue."""
    iid = world.issues["I2"]
    v = _issue(world, "I2").version
    _move(world, iid, "supervise", D(2022, 3, 26), reason="逾期")
    with pytest.raises(IssueConflict, match="changed by someone else"):
        with world.store.session() as s:
            move_issue(s, iid, "unsupervise", actor="乙", at=D(2022, 3, 27),
                       expected_version=v)
    assert _issue(world, "I2").supervised is True


def test_case_links_same_category(world: World) -> None:
    """Issues of one category are linked into one case; another category is refused.

    Each linked issue gets a link step; linking into the existing case joins it.
    """
    a, b = _fresh(world), _fresh(world)
    with world.store.session() as s:
        case = link_case(s, [a, b], actor="镇组织人事办", title="T1路灯", at=D(2022, 3, 20))
        cid = case.id
    assert _issue_by_id(world, a).case_id == cid == _issue_by_id(world, b).case_id
    with world.store.session() as s, pytest.raises(ValidationError, match="different"):
        link_case(s, [a, world.issues["I2"]], actor="x")
    with world.store.session() as s:
        assert link_case(s, [a, world.issues["I1"]], actor="x", at=D(2022, 3, 21)).id == cid
        acts = s.scalars(select(IssueEvent.action).where(IssueEvent.issue_id == a)).all()
    assert acts.count("link_case") == 1
    assert _issue(world, "I1").case_id == cid


def _issue_by_id(w: World, iid: int) -> Issue:
    with w.store.session() as s:
        return s.get(Issue, iid)


@pytest.mark.parametrize("status,deadline,today,expected", [
    ("in_progress", dt.date(2022, 3, 10), dt.date(2022, 3, 11), "red"),
    ("in_progress", dt.date(2022, 3, 10), dt.date(2022, 3, 10), "yellow"),
    ("handed_over", dt.date(2022, 3, 10), dt.date(2022, 3, 7), "yellow"),
    ("handed_over", dt.date(2022, 3, 10), dt.date(2022, 3, 6), None),
    ("reported", dt.date(2022, 3, 10), dt.date(2022, 3, 20), None),   # result given
    ("closed", dt.date(2022, 3, 10), dt.date(2022, 3, 20), None),
    ("in_progress", None, dt.date(2022, 3, 20), None),
])
def test_warning_levels(status: str, deadline: dt.date | None, today: dt.date,
                        expected: str | None) -> None:
    """Red past the deadline, yellow within 3 days (inclusive), only while it runs."""
    assert warning_level(status, deadline, today) == expected


def test_warning_days_configurable() -> None:
    """yellow_days moves the yellow threshold."""
    assert warning_level("in_progress", dt.date(2022, 3, 10), dt.date(2022, 3, 5),
                         yellow_days=5) == "yellow"
    assert warning_level("in_progress", dt.date(2022, 3, 10), dt.date(2022, 3, 5)) is None


def test_transition_table_is_consistent() -> None:
    """The transition table is consistent: known statuses, a way forward, two ways to close.

    Every target status exists, every status but closed has a way forward, and only the
    satisfied rating and close_unsolvable lead to closed.
    """
    from zoufang.campaign.issues import STATUSES

    for t in TRANSITIONS.values():
        assert t.sources <= set(STATUSES) and (t.target is None or t.target in STATUSES)
    for s in STATUSES:
        if s != "closed":
            assert any(t.target not in (None, s) for t in TRANSITIONS.values()
                       if s in t.sources), s
    assert {a for a, t in TRANSITIONS.items() if t.target == "closed"} == {
        "rate_satisfied", "close_unsolvable"}
