"""Concurrent updates of one issue: one wins, the other gets a clear conflict, nothing is lost.

Two cadres update one issue at once, with real threads, each with its own session and
connection, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from sqlalchemy import select

from zoufang.campaign.issues import IssueConflict, move_issue
from zoufang.campaign.store import Issue, IssueEvent

from .ledger_world import World

D = dt.datetime


def _race(w: World, iid: int, moves: dict[str, tuple[str, dict[str, Any]]]
          ) -> dict[str, Any]:
    """Each worker reads the issue, waits until all have read it, then moves it."""
    barrier = threading.Barrier(len(moves))
    out: dict[str, Any] = {}

    def work(name: str, action: str, kw: dict[str, Any]) -> None:
        try:
            with w.store.session() as s:
                read = s.get(Issue, iid)
                assert read is not None and read.version >= 1
                barrier.wait(timeout=20)
                move_issue(s, iid, action, actor=name, at=D(2022, 3, 26, 9), **kw)
            out[name] = "ok"
        except IssueConflict as exc:
            out[name] = exc
        except Exception as exc:  # anything else is a failure of the test
            out[name] = exc

    threads = [threading.Thread(target=work, args=(n, a, kw)) for n, (a, kw) in moves.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return out


def _history(w: World, iid: int) -> list[tuple[int, str, str]]:
    with w.store.session() as s:
        return [tuple(r) for r in s.execute(  # type: ignore[misc]
            select(IssueEvent.seq, IssueEvent.action, IssueEvent.actor)
            .where(IssueEvent.issue_id == iid).order_by(IssueEvent.seq))]


def test_simultaneous_moves_one_conflict(world: World) -> None:
    """Two simultaneous moves on one issue: exactly one succeeds, the other gets IssueConflict.

    甲 reports a result while 乙 puts the issue under supervision; the IssueConflict says nothing
    was saved. After reloading 乙's change goes through, and the history holds both steps,
    numbered without gaps.
    """
    iid = world.issues["I2"]  # in_progress, version 4
    before = _history(world, iid)
    out = _race(world, iid, {"甲": ("report", {"result": "已补齐药品"}),
                             "乙": ("supervise", {"reason": "群众多次反映"})})
    oks = [n for n, r in out.items() if r == "ok"]
    lost = [n for n, r in out.items() if isinstance(r, IssueConflict)]
    assert len(oks) == 1 and len(lost) == 1, out
    assert "changed by someone else" in str(out[lost[0]])
    assert "nothing was saved" in str(out[lost[0]])
    hist = _history(world, iid)
    assert hist[:-1] == before and len(hist) == len(before) + 1 and hist[-1][2] == oks[0]
    # the loser reloads and tries again: allowed if still sensible
    loser = lost[0]
    action, kw = {"甲": ("report", {"result": "已补齐药品"}),
                  "乙": ("supervise", {"reason": "群众多次反映"})}[loser]
    with world.store.session() as s:
        move_issue(s, iid, action, actor=loser, at=D(2022, 3, 26, 10), **kw)
    hist = _history(world, iid)
    assert [h[0] for h in hist] == list(range(1, len(before) + 3))
    with world.store.session() as s:
        i = s.get(Issue, iid)
        assert (i.status, i.supervised, i.version) == ("reported", True, 6)


def test_many_writers_lose_nothing(world: World) -> None:
    """Four cadres adding notes to one issue at once, retrying on conflict, lose no note.

    Each adds three notes: all twelve notes are in the history, once each, and the version
    counted every step.
    """
    iid = world.issues["I2"]
    start = len(_history(world, iid))
    errors: list[Exception] = []
    conflicts = []

    def work(name: str) -> None:
        for k in range(3):
            for _attempt in range(50):
                try:
                    with world.store.session() as s:
                        move_issue(s, iid, "note", actor=name, reason=f"{name}-{k}",
                                   at=D(2022, 3, 26, 9))
                    break
                except IssueConflict:
                    conflicts.append(name)
                except Exception as exc:  # pragma: no cover - reported below
                    errors.append(exc)
                    return

    threads = [threading.Thread(target=work, args=(f"干部{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    with world.store.session() as s:
        notes = s.scalars(select(IssueEvent.reason).where(
            IssueEvent.issue_id == iid, IssueEvent.action == "note")).all()
        version = s.get(Issue, iid).version
    assert sorted(notes) == sorted(f"干部{i}-{k}" for i in range(4) for k in range(3))
    assert len(_history(world, iid)) == start + 12 and version == 4 + 12
