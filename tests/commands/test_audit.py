"""The CLI's exports and reads of personal data write the audit log (issue 17, item 7).

On the routed world (``tests/campaign/route_world.py``: C1's area and routes): each
export — ``plan route-export``, ``plan publish``, ``ledger export`` — writes exactly one
line with user ``cli``, the command, the township and the rows, ``personal`` when names
and phones are in clear; ``plan route-show --reveal``, ``plan show --area`` and
``ledger spot-draw`` (unmasked) write one ``read`` line each; their masked forms and
commands that print no personal data write none. No line holds a name or phone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select

from zoufang.campaign.store import AuditEntry
from zoufang.cli import main

from ..campaign.ledger_world import World

#: Personal data of the routed world that an audit line must never hold.
PERSONAL = ("张三", "13812341234", "王五", "13900001111", "赵六", "13700002222", "吴十",
            "13800008888", "宏达机械厂", "测试村", "<script>")


def _run(w: World, *args: str) -> dict[str, Any]:
    r = CliRunner().invoke(main, [*args, "--db", w.store.url, "--json"])
    assert r.exit_code == 0, r.output
    return dict(json.loads(r.output))


def _lines(w: World, since: int) -> list[AuditEntry]:
    with w.store.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.id > since)
                              .order_by(AuditEntry.id)))


def _last(w: World) -> int:
    with w.store.session() as s:
        return int(s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
                   or 0)


def _one(w: World, since: int, action: str, command: str, personal: bool) -> dict[str, Any]:
    lines = _lines(w, since)
    assert len(lines) == 1, [(x.action, x.detail) for x in lines]
    a = lines[0]
    assert (a.user_name, a.action, a.personal, a.township_id) == ("cli", action, personal,
                                                                  w.township_id)
    assert a.detail["command"] == command
    text = json.dumps(a.detail, ensure_ascii=False)
    assert not [x for x in PERSONAL if x in text], text
    return dict(a.detail)


def test_cli_exports_write_one_audit_line_each(routed: World, tmp_path: Path) -> None:
    """Route exports, the 安排表 and the ledger export are audited, masked or not.

    ``--reveal`` / unmasked: personal; masked: one line that says so. The line counts
    the rows (stops routed, table rows, rows per ledger table).
    """
    w = routed
    since = _last(w)
    out = _run(w, "plan", "route-export", "--cadre", "C1", "--format", "gpx", "--out",
               str(tmp_path / "r"), "--reveal")
    d = _one(w, since, "route_export", "plan route-export", True)
    assert d["cadre"] == "C1" and d["files"] == len(out["files"]) and d["rows"] >= 7
    since = _last(w)
    _run(w, "plan", "route-export", "--cadre", "C1", "--format", "all", "--out",
         str(tmp_path / "m"))
    assert _one(w, since, "route_export", "plan route-export", False)["formats"] == [
        "geojson", "gpx", "html"]

    since = _last(w)
    out = _run(w, "plan", "publish", "--out", str(tmp_path / "a.xlsx"))
    d = _one(w, since, "export", "plan publish", True)
    assert (d["table"], d["format"], d["rows"], d["masked"]) == ("安排表", "xlsx",
                                                                out["rows"], False)
    since = _last(w)
    _run(w, "plan", "publish", "--out", str(tmp_path / "a.csv"), "--masked")
    assert _one(w, since, "export", "plan publish", False)["masked"] is True

    since = _last(w)
    out = _run(w, "ledger", "export", "--out", str(tmp_path / "l.xlsx"))
    d = _one(w, since, "export", "ledger export", True)
    assert d["rows"] == out["rows"] and d["format"] == "xlsx" and d["masked"] is False
    since = _last(w)
    _run(w, "ledger", "export", "--out", str(tmp_path / "csv"), "--mask")
    assert _one(w, since, "export", "ledger export", False)["masked"] is True


def test_cli_reads_in_clear_are_audited_masked_reads_not(routed: World) -> None:
    """Printing residents' names in clear writes one ``read`` line; masked output none.

    ``route-show --cadre C1 --reveal``, ``plan show --area 1`` and an unmasked
    ``ledger spot-draw`` each write one; ``route-show`` masked or without a cadre,
    ``plan show`` without an area and ``spot-draw --mask`` write none.
    """
    w = routed
    since = _last(w)
    out = _run(w, "plan", "route-show", "--cadre", "C1", "--reveal")
    d = _one(w, since, "read", "plan route-show --reveal", True)
    assert d["rows"] == sum(len(x["stops"]) for x in out["days"]) + len(out["left_out"])
    assert d["days"] == [x["day"] for x in out["days"]]
    since = _last(w)
    out = _run(w, "plan", "show", "--area", "1")
    d = _one(w, since, "read", "plan show --area", True)
    assert d["rows"] == len(out["area_targets"]) > 0 and d["area"] == 1
    since = _last(w)
    out = _run(w, "ledger", "spot-draw", "--seed", "7", "--per-stratum", "1")
    d = _one(w, since, "read", "ledger spot-draw", True)
    assert d["rows"] == out["count"] > 0
    since = _last(w)
    _run(w, "plan", "route-show", "--cadre", "C1")
    _run(w, "plan", "route-show")
    _run(w, "plan", "show")
    _run(w, "ledger", "spot-draw", "--seed", "8", "--per-stratum", "1", "--mask")
    _run(w, "ledger", "measures")
    assert _lines(w, since) == []
