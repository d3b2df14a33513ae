"""``zoufang plan route-show`` and ``zoufang plan route-export`` on the routed world."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from zoufang.cli import main

from ..campaign.ledger_world import World


def _run(w: World, *args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["plan", *args, "--db", w.store.url])
    return r.exit_code, r.output


def test_route_show_every_cadre_and_one(routed: World) -> None:
    """route-show lists every cadre, or one cadre's days, stops and left-outs.

    Without --cadre: the per-cadre table; with it: the days and stops with names masked
    (--reveal shows them) and the left-out target with its reason; --json has it all.
    """
    code, out = _run(routed, "route-show")
    assert code == 0, out
    assert "C1 刘一" in out and "Route plan" in out
    code, out = _run(routed, "route-show", "--cadre", "C1")
    assert code == 0, out
    assert "T8" in out and "吴*" in out and "吴十" not in out and "<script>" not in out
    assert "E1" in out and "时间窗不符" in out and "--reveal" in out
    code, out = _run(routed, "route-show", "--cadre", "C1", "--reveal")
    assert code == 0 and "吴十" in out
    code, out = _run(routed, "route-show", "--cadre", "C1", "--json")
    data = json.loads(out)
    assert data["ok"] and data["cadre"] == "C1" and len(data["days"]) >= 2
    day = data["days"][-1]["day"]
    code, out = _run(routed, "route-show", "--cadre", "C1", "--day", day, "--json")
    data = json.loads(out)
    assert [d["day"] for d in data["days"]] == [day]
    assert data["left_out"][0]["reason"] == "no_window"


def test_route_export_writes_files(routed: World, tmp_path: Path) -> None:
    """--format all writes GeoJSON, GPX and the stop list for every day; --day one."""
    code, out = _run(routed, "route-export", "--cadre", "C1", "--format", "all", "--out",
                     str(tmp_path / "all"), "--json")
    assert code == 0, out
    files = [Path(f) for f in json.loads(out)["files"]]
    assert len(files) % 3 == 0 and len(files) >= 6 and all(f.exists() for f in files)
    gpx = sorted(f for f in files if f.suffix == ".gpx")
    day = gpx[0].stem.split("_", 1)[1]
    assert gpx[0].name == f"C1_{day}.gpx"
    ET.parse(gpx[0])
    assert "吴十" not in "".join(f.read_text(encoding="utf-8") for f in files)
    code, out = _run(routed, "route-export", "--cadre", "C1", "--day", day, "--format",
                     "html", "--out", str(tmp_path / "one"), "--reveal", "--datum", "gcj02")
    assert code == 0, out
    assert out.splitlines()[0] == str(tmp_path / "one" / f"C1_{day}.html")
    assert "1 file(s) written" in out


def test_route_commands_refuse_bad_input(routed: World, tmp_path: Path) -> None:
    """Bad input exits 1 saying what exists.

    Unknown cadre or day, a phase with no plan, a malformed day: exit 1 saying what
    exists (the JSON error shape with --json), nothing written.
    """
    out_dir = tmp_path / "x"
    code, out = _run(routed, "route-export", "--cadre", "C9", "--format", "gpx", "--out",
                     str(out_dir))
    assert code == 1 and "cadre 'C9' has no routes" in out and "C1" in out
    code, out = _run(routed, "route-export", "--cadre", "C1", "--day", "2022-03-31",
                     "--format", "gpx", "--out", str(out_dir), "--json")
    err = json.loads(out)
    assert code == 1 and set(err) == {"ok", "error", "errors", "status"}
    assert err["error"] == "cadre C1 has no route on 2022-03-31"
    assert err["errors"][0]["field"] == "day" and "2022-03-0" in err["errors"][0]["message"]
    code, out = _run(routed, "route-show", "--phase", "revisit")
    assert code == 1 and "no route plan of the 'revisit' phase" in out
    code, out = _run(routed, "route-show", "--cadre", "C1", "--day", "March 1")
    assert code == 1 and "YYYY-MM-DD" in out
    code, out = _run(routed, "route-show", "--day", "2022-03-01")
    assert code == 1 and "--day needs --cadre" in out
    assert not out_dir.exists()
