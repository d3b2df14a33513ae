"""The ledger's commands: visit add, issue add|move|list|show, ledger measures|export|..."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from zoufang.cli import main

from ..campaign.ledger_world import World


def _run(w: World, *args: str, code: int = 0) -> Any:
    r = CliRunner().invoke(main, [*args, "--db", w.store.url, "--json"])
    assert r.exit_code == code, r.output
    return json.loads(r.output)


def test_visit_and_issue_lifecycle_by_cli(world: World) -> None:
    """Record a visit and an issue, hand it over and start it; every answer is JSON."""
    v = _run(world, "visit", "add", "--target", "T2", "--cadre", "C1", "--at",
             "2022-03-08 19:00", "--outcome", "已走访", "--card", "--survey")
    assert v["ok"] and v["visit"]["outcome"] == "visited"
    assert [i["text"] for i in v["lookback"]["issues"]] == []
    i = _run(world, "issue", "add", "--visit", str(v["visit"]["id"]), "--category", "居住环境",
             "--responsibility", "镇村解决", "--text", "门前积水", "--actor", "刘一")["issue"]
    assert (i["status"], i["version"], i["owner_cadre_id"]) == ("recorded", 1,
                                                                world.cadres["C1"])
    iid = str(i["id"])
    _run(world, "issue", "move", iid, "assess", "--actor", "办公室", "--at", "2022-03-09 09:00")
    m = _run(world, "issue", "move", iid, "hand_over", "--actor", "办公室", "--unit", "村建办",
             "--handler", "王科长", "--deadline", "2022-03-20", "--at", "2022-03-09 10:00")
    assert (m["issue"]["status"], m["issue"]["version"]) == ("handed_over", 3)
    show = _run(world, "issue", "show", iid)
    assert [h["action"] for h in show["history"]] == ["record", "assess", "hand_over"]
    assert show["issue"]["allowed_actions"] == ["hand_over", "start", "close_unsolvable",
                                                "supervise", "unsupervise", "note"]


def test_refusals_have_the_error_shape(world: World) -> None:
    """An invalid transition and a stale version exit 1 with {ok, error, errors, status}."""
    out = _run(world, "issue", "move", str(world.issues["I1"]), "start", "--actor", "x",
               code=1)
    assert set(out) == {"ok", "error", "errors", "status"} and out["ok"] is False
    assert "not allowed when the issue is closed" in out["errors"][0]["message"]
    out = _run(world, "issue", "move", str(world.issues["I2"]), "note", "--actor", "x",
               "--reason", "r", "--version", "1", code=1)
    assert "changed by someone else" in out["error"]


def test_issue_list_warnings(world: World) -> None:
    """On 26 March I2 (deadline 25 March) is red, I3 (31 March) not yet yellow; masked."""
    out = _run(world, "issue", "list", "--warning", "any", "--as-of", "2022-03-26", "--mask")
    assert [(i["id"], i["warning"]) for i in out["issues"]] == [(world.issues["I2"], "red")]
    assert out["issues"][0]["handler"] == "李**"
    out = _run(world, "issue", "list", "--warning", "yellow", "--as-of", "2022-03-28")
    assert [i["id"] for i in out["issues"]] == [world.issues["I3"]]


def test_measures_export_checks_by_cli(world: World, tmp_path: Path) -> None:
    """Ledger measures / export / check / hotspots / spot-draw / spot-record answer."""
    m = _run(world, "ledger", "measures", "--start", "2022-03-01", "--end", "2022-03-31",
             "--level", "township", "--level", "cadre", "--mask")["measures"]
    assert set(m) == {"township", "cadre"} and m["township"][0]["visit_rate"] == 0.75
    assert {c["name"] for c in m["cadre"]} == {"刘*", "陈*", "杨*"}
    e = _run(world, "ledger", "export", "--out", str(tmp_path / "t.xlsx"), "--mask")
    assert Path(e["files"][0]).exists() and e["rows"]["附件1"] == 5
    e = _run(world, "ledger", "export", "--out", str(tmp_path / "csv"), "--start",
             "2022-03-01", "--end", "2022-03-31")
    assert len(e["files"]) >= 9 and e["rows"]["附件1"] == 5
    assert _run(world, "ledger", "check")["count"] == 0
    assert _run(world, "ledger", "hotspots", "--min-targets", "1")["count"] >= 1
    d = _run(world, "ledger", "spot-draw", "--seed", "3", "--mask")
    assert d["count"] == 4 and all("*" in c["phone"] for c in d["checks"])
    r = _run(world, "ledger", "spot-record", str(d["checks"][0]["id"]), "属实", "--by", "督导组")
    assert r["check"]["result"] == "confirmed"
    w = _run(world, "ledger", "weekly", "--start", "2022-03-01", "--end", "2022-03-31")
    assert [x["逾期数"] for x in w["weeks"]][-1] >= 2
    c = _run(world, "ledger", "config", "--set", "yellow_days=5")
    assert c["settings"]["yellow_days"] == 5
