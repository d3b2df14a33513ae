"""The zoufang command line: import with --json, the error shape, report, problems."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select

from zoufang.cli import main

from ..campaign.imports.test_importer import ROWS, write_csv


def test_import_and_report_json(grids_file: Path, tmp_path: Path) -> None:
    """Importing grids and targets by CLI, then `report --json`, gives the counts."""
    db = f"sqlite:///{tmp_path / 'z.sqlite'}"
    runner = CliRunner()
    r = runner.invoke(main, ["import", "grids", str(grids_file), "--db", db, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["inserted"] == 4
    t = write_csv(tmp_path / "t.csv", ROWS, encoding="gbk")
    r = runner.invoke(main, ["import", "targets", str(t), "--db", db])
    assert r.exit_code == 0, r.output
    assert "encoding gbk" in r.output and "5 new" in r.output
    r = runner.invoke(main, ["report", "--db", db, "--json"])
    out = json.loads(r.output)
    assert out["ok"] and out["targets"] == 5 and out["by_kind"] == {"household": 4,
                                                                    "enterprise": 1}
    assert out["targets_by_grid"] == {"G1": 2, "G2": 1, "G3": 1, "G4": 1}


def test_import_error_shape_and_exit_code(grids_file: Path, tmp_path: Path) -> None:
    """A refused import exits 1 with {"ok": false, "error", "errors": [...], "status"}."""
    db = f"sqlite:///{tmp_path / 'z.sqlite'}"
    runner = CliRunner()
    runner.invoke(main, ["import", "grids", str(grids_file), "--db", db])
    bad = write_csv(tmp_path / "bad.csv", [ROWS[0][:5] + ["37.405", "116.605", "", ""]])
    r = runner.invoke(main, ["import", "targets", str(bad), "--db", db, "--json"])
    assert r.exit_code == 1
    out = json.loads(r.output)
    assert set(out) == {"ok", "error", "errors", "status"} and out["ok"] is False
    (e,) = out["errors"]
    assert (e["source"], e["row"], e["field"], e["code"]) == ("bad.csv", 2, "经度/纬度",
                                                              "lonlat_swapped")
    r = runner.invoke(main, ["import", "targets", str(bad), "--db", db])
    assert r.exit_code == 1 and "bad.csv, row 2, field '经度/纬度'" in r.output


def test_problems_lists_placement(grids_file: Path, tmp_path: Path) -> None:
    """`zoufang problems` lists a target outside every grid with its reason."""
    db = f"sqlite:///{tmp_path / 'z.sqlite'}"
    runner = CliRunner()
    runner.invoke(main, ["import", "grids", str(grids_file), "--db", db])
    far = write_csv(tmp_path / "t.csv", [["F1", "", "住户", "", "", "116.59", "37.405", "", ""]])
    runner.invoke(main, ["import", "targets", str(far), "--db", db])
    r = runner.invoke(main, ["problems", "--db", db, "--scope", "placement"])
    assert r.exit_code == 0
    assert re.search(r"target F1 lies 88\d m outside every grid", r.output), r.output


def test_report_on_empty_store(tmp_path: Path) -> None:
    """`report` on an empty store says what to do instead of failing."""
    r = CliRunner().invoke(main, ["report", "--db", f"sqlite:///{tmp_path / 'e.sqlite'}"])
    assert r.exit_code == 1 and "import grids, targets and cadres first" in r.output


def test_import_office_workbook_then_targets_list_and_show(grids_file: Path,
                                                           tmp_path: Path) -> None:
    """A 花名册 imports by CLI; `targets list/show` show what was stored, free tags too."""
    from ..campaign.imports.test_office_files import huamingce

    db = f"sqlite:///{tmp_path / 'z.sqlite'}"
    runner = CliRunner()
    assert runner.invoke(main, ["import", "grids", str(grids_file), "--db", db]).exit_code == 0
    r = runner.invoke(main, ["import", "targets", str(huamingce(tmp_path / "花名册.xlsx")),
                             "--db", db])
    assert r.exit_code == 0, r.output
    assert "4 new" in r.output and "CRS gcj02" in r.output
    assert "header read from row 3–4" in r.output and "id=户编号" in r.output
    assert "kept as free tags" in r.output and "残疾人家庭" in r.output
    r = runner.invoke(main, ["targets", "list", "--db", db, "--tag", "残疾人家庭", "--json"])
    out = json.loads(r.output)
    assert out["total"] == 1 and out["targets"][0]["id"] == "000123"
    assert out["targets"][0]["phone"] == "138****5678"
    assert out["targets"][0]["tag_labels"] == ["困难户", "残疾人家庭"]
    r = runner.invoke(main, ["targets", "list", "--db", db, "--tag", "低保户", "--json"])
    assert json.loads(r.output)["total"] == 3
    r = runner.invoke(main, ["targets", "list", "--db", db, "--grid", "G3", "--json"])
    assert [t["id"] for t in json.loads(r.output)["targets"]] == ["000007"]
    r = runner.invoke(main, ["targets", "list", "--db", db, "--q", "东风社区"])
    assert r.exit_code == 0 and "2 targets" in r.output and "000123" in r.output
    r = runner.invoke(main, ["targets", "show", "000123", "--db", db, "--json", "--unmask"])
    t = json.loads(r.output)["target"]
    assert (t["phone"], t["name"], t["free_tags"], t["grid"]) == (
        "13812345678", "张三", ["残疾人家庭"], "G1")
    from zoufang.campaign.store import AuditEntry, open_store

    store = open_store(db)
    with store.session() as s:  # the phone in clear is audited (issue 17 item 7)
        rows = s.scalars(select(AuditEntry)).all()
        assert [(a.action, a.personal, a.detail["command"]) for a in rows] == [
            ("read", True, "targets show --unmask")]
    store.dispose()
    r = runner.invoke(main, ["targets", "show", "nope", "--db", db, "--json"])
    assert r.exit_code == 1 and "no target 'nope'" in json.loads(r.output)["error"]


def test_import_columns_option_and_vocab_ranks(grids_file: Path, tmp_path: Path,
                                               monkeypatch: Any) -> None:
    """--columns fixes a file the names do not; `vocab ranks --add` extends the ranks."""
    db = f"sqlite:///{tmp_path / 'z.sqlite'}"
    monkeypatch.setenv("ZOUFANG_VOCAB", str(tmp_path / "vocab.json"))
    runner = CliRunner()
    runner.invoke(main, ["import", "grids", str(grids_file), "--db", db])
    c = write_csv(tmp_path / "c.csv", [["C1", "某", "首席专家", "3", "10"]],
                  head=["人员代号", "姓名", "职级", "每日小时", "可用天数"])
    r = runner.invoke(main, ["import", "cadres", str(c), "--db", db])
    assert r.exit_code == 1 and "--columns id=人员代号" in r.output
    r = runner.invoke(main, ["import", "cadres", str(c), "--db", db,
                             "--columns", "id=人员代号"])
    assert r.exit_code == 1 and "zoufang vocab ranks --add 首席专家=" in r.output
    r = runner.invoke(main, ["vocab", "ranks", "--add", "首席专家=正科级", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["added"] == [{"name": "首席专家", "rank": "section",
                                              "label": "正科级"}]
    r = runner.invoke(main, ["import", "cadres", str(c), "--db", db,
                             "--columns", "id=人员代号"])
    assert r.exit_code == 0, r.output
    assert "首席专家 → 正科级" in r.output
    r = runner.invoke(main, ["vocab", "ranks", "--add", "某=大官"])
    assert r.exit_code == 1 and "is no rank" in r.output
    r = runner.invoke(main, ["vocab", "ranks"])
    assert "四级调研员" in r.output and "首席专家" in r.output
