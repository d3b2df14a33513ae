"""SQLite's one writer: a write waits out another, is retried, or is refused whole (503).

While a long write transaction holds a real SQLite file's lock (an import of a big file
does), other writes wait up to the busy timeout and are tried again with growing pauses;
when the lock still cannot be had they raise :class:`StoreBusy` — the web app answers
503 with ``Retry-After`` and "系统繁忙，请稍后重试" — and nothing of them is stored, so
that trying again later stores each exactly once. Never a 500, never half a visit.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from zoufang.campaign.store import Issue, Township, Visit, open_store
from zoufang.campaign.store.db import StoreBusy

from ...backends import copy_world
from ...web.conftest import build_web_world, login, make_app

SHAPE = {"ok", "error", "errors", "status"}


def _hold_lock(path: str, seconds: float, ready: threading.Event) -> threading.Thread:
    """Start a thread holding the SQLite file's write lock for ``seconds`` (then commit)."""

    def hold() -> None:
        con = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("UPDATE townships SET name = name")
            ready.set()
            time.sleep(seconds)
            con.execute("COMMIT")
        finally:
            con.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert ready.wait(10), "the lock holder did not start"
    return thread


def _file(url: str) -> str:
    return url.split("///", 1)[1]


def test_a_write_waits_out_a_long_transaction(tmp_path: Path) -> None:
    """A write finding the lock taken past its busy timeout is tried again, and lands."""
    url = f"sqlite:///{tmp_path / 'z.sqlite'}"
    store = open_store(url, busy_timeout_s=0.5, write_attempts=8)
    try:
        with store.session() as s:
            s.add(Township(name="甲镇"))
        holder = _hold_lock(_file(url), 2.0, threading.Event())
        t0 = time.monotonic()
        with store.session() as s:
            s.add(Township(name="乙镇"))
        waited = time.monotonic() - t0
        holder.join()
        assert 1.5 < waited < 8, waited
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(Township)) == 2
    finally:
        store.dispose()


def test_a_write_that_cannot_get_the_lock_is_refused_whole(tmp_path: Path) -> None:
    """Past every attempt the write raises StoreBusy, stores nothing, and works later."""
    url = f"sqlite:///{tmp_path / 'z.sqlite'}"
    store = open_store(url, busy_timeout_s=0.2, write_attempts=2)
    try:
        holder = _hold_lock(_file(url), 3.0, threading.Event())
        t0 = time.monotonic()
        with pytest.raises(StoreBusy) as err, store.session() as s:
            s.add(Township(name="甲镇"))
            s.flush()
            s.add(Township(name="乙镇"))  # never reached: the first write found no lock
        assert time.monotonic() - t0 < 2.5
        assert "系统繁忙" in err.value.summary and err.value.problems[0].code == "busy"
        holder.join()
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(Township)) == 0
            s.add(Township(name="甲镇"))
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(Township)) == 1
    finally:
        store.dispose()


@pytest.fixture
def busy_app(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[Flask]:
    """The web world on a SQLite file, with short lock waits (1 s, 2 attempts)."""
    worlds = copy_world("sqlite", "web", build_web_world, tmp_path_factory, tmp_path)
    world = next(worlds)
    app = make_app(world.store.url, DB_BUSY_TIMEOUT_S=1.0, DB_WRITE_ATTEMPTS=2,
                   BUSY_RETRY_AFTER_S=3)
    try:
        yield app
    finally:
        app.extensions["zoufang_planning"].shutdown()
        app.extensions["zoufang_store"].dispose()
        worlds.close()


def test_visits_during_a_long_write_are_stored_or_refused_503_never_500(
        busy_app: Flask) -> None:
    """Cadres record visits while an 11 s write transaction holds the file's lock.

    Every answer is 201 or 503 (the error shape, Retry-After, "系统繁忙，请稍后重试");
    each refused visit, sent again once the lock is free, is stored — and every visit is
    stored exactly once, with its issue (nothing half-stored).
    """
    store = busy_app.extensions["zoufang_store"]
    clients = []
    for _ in range(4):  # log in first: a log-in writes too
        c = busy_app.test_client()
        clients.append((c, login(c, "cadre1")))
    answers: list[tuple[str, int, dict[str, Any], str | None]] = []
    done = threading.Event()

    def post(i: int, note: str) -> tuple[int, dict[str, Any], str | None]:
        c, tok = clients[i]
        r = c.post("/api/v1/me/visits", headers={"X-CSRF-Token": tok}, json={
            "target": "T1", "mode": "in_home", "outcome": "visited", "notes": note,
            "category": "living_environment", "text": f"路灯不亮 {note}"})
        return r.status_code, r.get_json(), r.headers.get("Retry-After")

    def cadre(i: int) -> None:
        k = 0
        while not done.is_set():
            note = f"lock-{i}-{k}"
            answers.append((note, *post(i, note)))
            k += 1

    holder = _hold_lock(_file(store.url), 11.0, threading.Event())
    threads = [threading.Thread(target=cadre, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    holder.join()
    done.set()
    for th in threads:
        th.join(60)
    statuses = [a[1] for a in answers]
    assert set(statuses) <= {201, 503}, [a for a in answers if a[1] not in (201, 503)]
    refused = [a for a in answers if a[1] == 503]
    assert refused, "the 11 s lock outlasted the 1 s × 2 waits: some visits are refused"
    for _, _, body, retry_after in refused:
        assert set(body) == SHAPE and body["ok"] is False and body["status"] == 503
        assert body["error"] == "系统繁忙，请稍后重试" and retry_after == "3"
    for note, _, _, _ in refused:  # the phone's outbox sends them again later
        status, body, _ = post(0, note)
        assert status == 201, body
    notes = [a[0] for a in answers]
    with store.session() as s:
        stored = dict(s.execute(select(Visit.notes, func.count()).where(
            Visit.notes.like("lock-%")).group_by(Visit.notes)).all())
        issues = s.scalar(select(func.count()).select_from(Issue).join(
            Visit, Issue.visit_id == Visit.id).where(Visit.notes.like("lock-%")))
    assert stored == dict.fromkeys(notes, 1)
    assert issues == len(notes)
