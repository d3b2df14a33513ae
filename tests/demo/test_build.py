"""The demo township built end to end through the importers (what `zoufang demo` does)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from zoufang.cli import main


@pytest.mark.slow
def test_demo_builds_imports_and_reports(tmp_path: Path) -> None:
    """`zoufang demo --no-serve --json` imports every file and finds the planted defects.

    The generator plants exactly one overlap, one gap and one invalid polygon; the
    households are GCJ-02, so all of them landing inside grids also shows the datum
    conversion is applied (read as WGS-84 they would fall ~500 m east).
    """
    out = tmp_path / "demo"
    r = CliRunner().invoke(main, ["demo", "--dir", str(out), "--no-serve", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    s = data["summary"]
    assert 11_000 <= s["by_kind"]["household"] <= 13_000
    assert 300 <= s["targets"] - s["by_kind"]["household"] <= 500
    assert 50 <= s["grids"] <= 70 and 130 <= s["cadres"] <= 170
    assert s["by_placement"].get("inside", 0) >= 0.99 * s["targets"]
    assert s["problems_by_code"].get("overlap") == 1
    assert s["problems_by_code"].get("gap") == 1
    assert s["problems_by_code"].get("repaired") == 1
    assert [i["encoding"] for i in data["imports"]][1] == "gbk"
    assert s["campaigns"] == ["2022年大走访"]
    assert [u["role"] for u in data["users"]] == ["planner", "leader", "cadre", "admin"]
    # every cadre's days of the visit phase (走访排查, the whole of March: `--phase visit`
    # means the same for routes as for the areas, issue 14), over the demo's roads
    routes = data["routes"]
    assert routes["first_day"] == "2022-03-01" and routes["last_day"] == "2022-03-31"
    assert routes["travel"] == "roads:roads.geojson" and len(routes["cadres"]) == s["cadres"]
    assert routes["figures"]["failed"] == 0 and routes["figures"]["violations"] == 0
    assert routes["n_routed"] + routes["n_left_out"] == routes["n_targets"]
    assert routes["n_routed"] >= 0.5 * routes["n_targets"]
    # Running it again re-imports idempotently.
    r2 = CliRunner().invoke(main, ["demo", "--dir", str(out), "--no-serve", "--json"])
    again = json.loads(r2.output)
    assert all(i["inserted"] == 0 and i["updated"] == 0 for i in again["imports"])
    assert again["summary"]["targets"] == s["targets"]
    assert again["routes"]["plan_id"] == routes["plan_id"]   # planned once per store
