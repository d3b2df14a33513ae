"""An issue action refused on the issue page says in Chinese why and what to do.

The lifecycle's problems carry codes and details (zoufang.messages): a step not allowed
from the issue's status names the status and the allowed steps; a missing field names
it in Chinese; nothing is saved. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from zoufang.campaign.store import Issue

from .conftest import Web


def _flash(html: str) -> str:
    return " ".join(re.findall(r'<div class="flash error">(.*?)</div>', html, re.S))


def test_refused_action_on_the_issue_page_speaks_chinese(web: Web) -> None:
    """A closed issue cannot be handed over; a deadline in the past is refused."""
    w = web.world
    planner, tok = web.client("planner")
    with web.app.extensions["zoufang_store"].session() as s:
        closed = s.get(Issue, w.issues["I1"])
        assert closed is not None
        version = closed.version
    r = planner.post(f"/issues/{w.issues['I1']}/action", data={
        "csrf_token": tok, "action": "hand_over", "unit": "城管局"}, follow_redirects=True)
    text = _flash(r.get_data(as_text=True))
    assert text.startswith("未保存：问题当前为“") and "不能“" in text, text
    assert "refused" not in text and "hand_over" not in text
    r = planner.post(f"/issues/{w.issues['I2']}/action", data={
        "csrf_token": tok, "action": "hand_over", "deadline": "2000-01-01"},
        follow_redirects=True)
    text = _flash(r.get_data(as_text=True))
    assert "未保存：" in text and "办理期限 2000-01-01 早于今天" in text, text
    with web.app.extensions["zoufang_store"].session() as s:
        assert s.scalar(select(Issue.version).where(Issue.id == w.issues["I1"])) == version
