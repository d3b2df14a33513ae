"""The zoufang command line: import with --json, the error shape, report, problems."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

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
