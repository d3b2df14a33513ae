"""The import wizard of /planner/import: preview, choose meanings, check, import, remember.

Through the app (test client) on SQLite and PostgreSQL: a 花名册 workbook as offices
send it is previewed with its two-row header found and each column's meaning; a column
no name gives is refused with a message for the web (no CLI option), fixed by choosing
its meaning; "check" lists every problem by row and column and gives the rejected rows
as CSV without writing anything; the import stores the rows and remembers the meanings,
so that next month's file of the same shape is previewed with them already chosen. The
browser test drives the same in headless chromium.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from zoufang.campaign.store import ImportMapping, Target

from ..campaign.imports.test_office_files import huamingce
from .conftest import Web, build_web_world
from .test_browser import Live, serve_live

ODD_HEAD = "对象标识,户主姓名,对象类型,联系方式,经度,纬度\n"


def _odd_csv(rows: list[str]) -> bytes:
    return (ODD_HEAD + "".join(r + "\n" for r in rows)).encode("utf-8")


def _post(web: Web, url: str, data: bytes, name: str, **fields: str) -> tuple[int, object]:
    c, tok = web.client("planner")
    body_fields: dict[str, object] = {"file": FileStorage(io.BytesIO(data), filename=name),
                                      "csrf_token": tok, "kind": "targets", **fields}
    boundary, body = encode_multipart(body_fields)
    r = c.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    if r.is_json:
        return r.status_code, r.get_json()
    return r.status_code, r.get_data(as_text=True)


def _count(web: Web, *where: object) -> int:
    with web.app.extensions["zoufang_store"].session() as s:
        return int(s.scalar(select(func.count()).select_from(Target).where(*where)) or 0)


def test_preview_finds_two_row_header_and_meanings(web: Web, tmp_path: Path) -> None:
    """The preview shows the header row found, each column's meaning and the first rows."""
    data = huamingce(tmp_path / "花名册.xlsx").read_bytes()
    before = _count(web)
    status, body = _post(web, "/planner/import/preview", data, "花名册.xlsx")
    assert status == 200 and isinstance(body, dict) and body["ok"], body
    p = body["preview"]
    assert (p["header_row"], p["header_rows"], p["total_rows"]) == (3, 2, 4)
    meaning = {c["header"]: c["meaning"] for c in p["columns"]}
    assert meaning == {"序号": "", "户编号": "id", "户主姓名": "name", "对象类型": "kind",
                       "家庭住址": "address", "联系方式": "phone", "坐标（高德）/经度": "lon",
                       "坐标（高德）/纬度": "lat", "人员类别": "tags", "所在网格": "grid"}
    assert p["rows"][0][1] == "000123" and p["row_numbers"] == [5, 6, 8, 9]
    assert p["problems"] == []
    assert _count(web) == before  # nothing written by a preview
    assert "id" in {m["key"] for m in p["meanings"]}


def test_missing_meaning_fixed_by_choosing_it(web: Web) -> None:
    """A column no name gives: refused with a web message, fixed by choosing its meaning."""
    data = _odd_csv(["W1,张三,居民家庭,13812341234,116.605,37.405"])
    status, body = _post(web, "/planner/import/preview", data, "新户.csv")
    assert status == 200 and isinstance(body, dict)
    (problem,) = body["preview"]["problems"]
    assert problem["code"] == "missing_column" and "对象标识" in problem["message"]
    assert "--" not in problem["message"]
    cols = json.dumps({**body["preview"]["mapping"], "id": "对象标识"}, ensure_ascii=False)
    status, body = _post(web, "/planner/import/preview", data, "新户.csv", columns=cols)
    assert isinstance(body, dict) and body["preview"]["problems"] == []
    assert {c["header"]: c["meaning"] for c in body["preview"]["columns"]}["对象标识"] == "id"


def test_check_lists_problems_and_rejects_writing_nothing(web: Web) -> None:
    """Check: every problem by row and column, the rejected rows as CSV; nothing stored."""
    before = _count(web)
    data = _odd_csv(["W1,张三,居民家庭,13812341234,116.605,37.405",
                     "W2,李四,居民家庭,,abc,37.405", "W3,王五,别墅,,116.605,37.405"])
    cols = json.dumps({"id": "对象标识"}, ensure_ascii=False)
    status, body = _post(web, "/planner/import/validate", data, "新户.csv", columns=cols)
    assert status == 200 and isinstance(body, dict) and body["ok"], body
    r = body["report"]
    errors = [p for p in r["problems"] if p["severity"] == "error"]
    assert {(p["row"], p["field"]) for p in errors} == {(3, "经度"), (4, "对象类型")}
    by_row = {p["row"]: p["message"] for p in errors}
    assert by_row[3].startswith("“经度”应为十进制度数") and "“abc”" in by_row[3]
    assert by_row[4].startswith("未知的类型“别墅”") and "居民家庭" in by_row[4]
    assert all("expected" in p["detail"] for p in errors)  # the English stays as detail
    assert r["rejected"] == 2
    rejects = list(csv.reader(io.StringIO(r["rejected_rows"])))
    assert [row[0] for row in rejects[1:]] == ["3", "4"]
    assert rejects[1][1] == "W2" and "经度: “经度”应为十进制度数" in rejects[1][-1]
    assert _count(web) == before


def test_import_remembers_meanings_for_next_file(web: Web) -> None:
    """The import stores the rows with the meanings chosen; the next preview reuses them."""
    data = _odd_csv(["W1,张三,居民家庭,13812341234,116.605,37.405",
                     "W2,李四,居民家庭,,116.615,37.405"])
    cols = json.dumps({"id": "对象标识", "name": "户主姓名", "kind": "对象类型",
                       "phone": "联系方式", "lon": "经度", "lat": "纬度"}, ensure_ascii=False)
    status, html = _post(web, "/planner/import", data, "新户.csv", columns=cols)
    assert status == 200 and "import-report" in str(html), str(html)[:2000]
    assert _count(web, Target.ext_id.in_(["W1", "W2"])) == 2
    with web.app.extensions["zoufang_store"].session() as s:
        m = s.scalars(select(ImportMapping)).one()
        assert (m.kind, m.columns["id"]) == ("targets", "对象标识")
        t = s.scalars(select(Target).where(Target.ext_id == "W1")).one()
        assert (t.name, t.phone) == ("张三", "13812341234")
    nxt = _odd_csv(["W3,王五,居民家庭,,116.605,37.415"])
    status, body = _post(web, "/planner/import/preview", nxt, "新户-2月.csv")
    assert isinstance(body, dict) and body["preview"]["remembered"] is True
    assert body["preview"]["problems"] == []
    assert body["preview"]["mapping"]["id"] == "对象标识"


def test_refused_preview_is_the_error_shape(web: Web) -> None:
    """A file of a type not accepted: the one JSON error shape, in Chinese, status 400."""
    status, body = _post(web, "/planner/import/preview", b"x", "t.dbf")
    assert status == 400 and isinstance(body, dict)
    assert set(body) == {"ok", "error", "errors", "status"} and not body["ok"]
    assert "文件类型不支持" in body["errors"][0]["message"]


# ------------------------------------------------------------------ browser

@pytest.fixture(scope="module")
def wizard_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The ledger world with users on SQLite, served on a free port, and chromium."""
    yield from serve_live(tmp_path_factory, "import-wizard", build_web_world)


@pytest.mark.browser
@pytest.mark.slow
def test_wizard_in_the_browser(wizard_live: Live, tmp_path: Path) -> None:
    """Upload, fix a column's meaning from its drop-down, check, download rejects, import."""
    live = wizard_live
    path = tmp_path / "新户.csv"
    path.write_bytes(_odd_csv(["W1,张三,居民家庭,13812341234,116.605,37.405",
                               "W2,李四,居民家庭,,abc,37.405"]))
    page = live.page()
    live.login(page, "planner")
    page.goto(live.url("/planner/import"))
    page.set_input_files("#file", str(path))
    page.wait_for_selector("#import-preview-table")
    assert "对象标识" in page.inner_text("#import-file-problems")
    with page.expect_response(lambda r: r.url.endswith("/planner/import/preview")) as resp:
        page.select_option('select.meaning[data-header="对象标识"]', "id")
    assert resp.value.json()["preview"]["problems"] == []
    page.wait_for_selector("#import-file-problems", state="detached")
    page.click("#import-check")
    page.wait_for_selector("#import-check-summary")
    shown = page.inner_text("#import-check-problems")
    assert "3" in shown and "应为十进制度数" in shown and "expected" not in shown
    with page.expect_download() as dl:
        page.click("#import-rejects")
    rejects = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert "W2" in rejects and "W1" not in rejects
    # the corrected file: the meaning chosen for 对象标识 is kept for it
    fixed = tmp_path / "新户-改.csv"
    fixed.write_bytes(_odd_csv(["W1,张三,居民家庭,13812341234,116.605,37.405"]))
    with page.expect_response(lambda r: r.url.endswith("/planner/import/preview")) as resp:
        page.set_input_files("#file", str(fixed))
    assert resp.value.json()["preview"]["problems"] == []
    page.wait_for_selector("#import-preview-table")
    assert page.input_value('select.meaning[data-header="对象标识"]') == "id"
    with page.expect_navigation(wait_until="load"):
        page.click("#import-form button[type=submit]")
    assert page.locator("#import-report").count() == 1, page.content()[:3000]
    with live.world.store.session() as s:
        t = s.scalars(select(Target).where(Target.ext_id == "W1")).one()
        assert (t.name, t.phone) == ("张三", "13812341234")
    live.shot(page, "planner-import-wizard")
    assert live.take_problems() == []


def _gcj_csv(n: int = 30) -> bytes:
    """``n`` households of G1, their points written as GCJ-02 (as 高德 gives them)."""
    import numpy as np

    from zoufang.gis.crs import wgs84_to_gcj02

    lon = 116.6015 + 0.004 * (np.arange(n) % 5) / 4
    lat = 37.4015 + 0.007 * (np.arange(n) // 5) / 6
    glon, glat = wgs84_to_gcj02(lon, lat)
    lines = ["编号,姓名,类型,经度,纬度,所在网格"]
    lines += [f"K{i:03d},住户{i},居民家庭,{glon[i]:.6f},{glat[i]:.6f},G1" for i in range(n)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_check_tells_the_crs_from_the_grids(web: Web) -> None:
    """GCJ-02 points checked as WGS-84: refused with the page's CRS choice named, in Chinese.

    The check (a dry run) scores the points against their grids under each datum, as the
    import does; it sends the first points for the map. Read as GCJ-02 the same file has
    no such problem; "keep the CRS chosen" turns the refusal into a warning.
    """
    before = _count(web)
    status, body = _post(web, "/planner/import/validate", _gcj_csv(), "高德.csv",
                         columns="")
    assert status == 200 and isinstance(body, dict), body
    probs = [p for p in body["report"]["problems"] if p.get("code") == "datum_mismatch"]
    assert len(probs) == 1 and probs[0]["severity"] == "error", body["report"]["problems"]
    assert "请在“坐标系”中选择 GCJ02" in probs[0]["message"], probs[0]["message"]
    assert "--crs" not in probs[0]["message"]
    pts = body["report"]["sample_points"]
    assert len(pts) == 30 and pts[0][0] == "K000"
    status, body = _post(web, "/planner/import/validate", _gcj_csv(), "高德.csv",
                         columns="", crs="gcj02")
    assert not [p for p in body["report"]["problems"] if p.get("code") == "datum_mismatch"]
    lat, lon = body["report"]["sample_points"][0][1:]
    assert abs(lon - 116.6015) < 1e-5 and abs(lat - 37.4015) < 1e-5  # back to WGS-84
    status, body = _post(web, "/planner/import/validate", _gcj_csv(), "高德.csv",
                         columns="", accept_crs="1")
    probs = [p for p in body["report"]["problems"] if p.get("code") == "datum_mismatch"]
    assert [p["severity"] for p in probs] == ["warning"]
    assert _count(web) == before


@pytest.mark.browser
@pytest.mark.slow
def test_wizard_maps_the_points_against_the_grids(wizard_live: Live, tmp_path: Path) -> None:
    """The check draws the first points over the grids; the CRS hint names the choice."""
    live = wizard_live
    path = tmp_path / "高德.csv"
    path.write_bytes(_gcj_csv())
    page = live.page()
    live.login(page, "planner")
    page.goto(live.url("/planner/import"))
    page.set_input_files("#file", str(path))
    page.wait_for_selector("#import-preview-table")
    page.click("#import-check")
    page.wait_for_selector("#import-points-map[data-ready='1']")
    assert page.get_attribute("#import-points-map", "data-grids") == "4"
    assert page.locator("#import-points-map path.leaflet-interactive").count() == 30
    assert "GCJ02" in page.inner_text("#import-check-problems")
    page.select_option("#crs", "gcj02")
    page.click("#import-check")
    page.wait_for_selector("#import-points-map[data-ready='1']")
    assert "GCJ02" not in (page.inner_text("#import-check-result") or "")
    live.shot(page, "planner-import-points-map")
    assert live.take_problems() == []
