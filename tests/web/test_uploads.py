"""Uploads are bounded: size, expanded size, rows, cell length; error replies are capped.

A hostile or mistaken upload is refused quickly, whole, naming where and what, in the
one JSON error shape (or a page in Chinese saying what to do), and nothing is stored;
the CLI (``zoufang import``), which has no such limits, still imports a big file.
"""

from __future__ import annotations

import io
import resource
import time
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from zoufang.campaign.imports.importer import import_file
from zoufang.campaign.store import Target

from ..gis.test_readers import bomb_xlsx
from .conftest import Web

URL = "/api/v1/township/imports/targets"
SHAPE = {"ok", "error", "errors", "status"}


def _targets(web: Web) -> int:
    with web.app.extensions["zoufang_store"].session() as s:
        return int(s.scalar(select(func.count()).select_from(Target)) or 0)


def _post(web: Web, data: bytes, name: str, *, page: bool = False) -> tuple[int, object]:
    """Upload ``data`` as ``name`` through the API (JSON) or the import page (HTML).

    The multipart body is encoded in memory (the test client's own encoder leaves a
    temporary file open for big uploads).
    """
    c, tok = web.client("planner")
    fields: dict[str, object] = {"file": FileStorage(io.BytesIO(data), filename=name)}
    if page:
        fields.update(csrf_token=tok, kind="targets")
    boundary, body = encode_multipart(fields)
    kind = f"multipart/form-data; boundary={boundary}"
    if page:
        r = c.post("/planner/import", data=body, content_type=kind)
        return r.status_code, r.get_data(as_text=True)
    r = c.post(URL, headers={"X-CSRF-Token": tok}, data=body, content_type=kind)
    return r.status_code, r.get_json()


def _csv(n: int, *, lon: str | None = None, phone: str = "13800000000") -> bytes:
    rows = "".join(f"N{i},新户{i},household,{phone},{lon or f'{116.601 + i % 9 * 0.002:.3f}'},"
                   "37.405\n" for i in range(1, n + 1))
    return ("编号,姓名,类型,电话,经度,纬度\n" + rows).encode("utf-8")


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """An .xlsx of about 1.6 MB whose sheet expands to about 400 MB (2.2 M rows)."""
    path = bomb_xlsx(tmp_path_factory.mktemp("bomb") / "住户.xlsx", 2_200_000)
    return path.read_bytes()


def test_expanding_xlsx_refused_within_seconds_without_memory(web: Web, bomb: bytes) -> None:
    """A 1.6 MB workbook that expands to 400 MB is refused in seconds, memory flat.

    The zip's directory is read, no row is: the answer is the error shape with the
    expanded size, the page-ready Chinese message, and nothing is stored.
    """
    before = _targets(web)
    assert len(bomb) < 3 * 2**20
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        status, body = _post(web, bomb, "住户.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - t0
    rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    assert isinstance(body, dict) and set(body) == SHAPE
    assert (status, body["ok"], body["status"]) == (400, False, 400), body
    assert "解压后超过 100 MB" in body["error"] and "zoufang import targets" in body["error"]
    assert body["errors"][0]["code"] == "zip_expanded"
    assert int(body["errors"][0]["value"]) > 300 * 2**20
    assert elapsed < 10, elapsed
    assert peak < 40 * 2**20, peak
    assert rss_growth_mb < 300, rss_growth_mb
    assert _targets(web) == before


def test_too_many_rows_refused_with_the_cli_hint(web: Web, tmp_path: Path) -> None:
    """A CSV over the web's row limit is refused at the first row beyond it, whole.

    The message names the limit and the CLI command to use, on the page and in JSON;
    the CLI's importer then imports the same file (it has no row limit).
    """
    web.app.config["UPLOAD_MAX_ROWS"] = 100
    before = _targets(web)
    data = _csv(150)
    status, body = _post(web, data, "新户.csv")
    assert isinstance(body, dict) and set(body) == SHAPE and status == 400
    assert "100 行" in body["error"]
    assert "zoufang import targets 新户.csv" in body["error"]
    assert body["errors"][0]["row"] == 102
    assert body["errors"][0]["code"] == "too_many_rows"
    status, html = _post(web, data, "新户.csv", page=True)
    assert status == 200 and "命令行导入" in str(html)
    assert "zoufang import targets 新户.csv" in str(html)
    assert _targets(web) == before
    path = tmp_path / "新户.csv"
    path.write_bytes(data)
    # what `zoufang import targets 新户.csv` runs: the importer with no limits
    report = import_file(web.world.store, "targets", path, township="测试镇")
    assert report.inserted == 150
    assert _targets(web) == before + 150


def test_one_huge_csv_field_refused_quickly(web: Web) -> None:
    """A CSV with one 50 MB cell is refused in seconds, naming the row and the limit."""
    web.app.config["MAX_CONTENT_LENGTH"] = 80 * 2**20
    before = _targets(web)
    data = _csv(2) + b"N3," + b"x" * (50 * 2**20) + b",household,,116.605,37.405\n"
    t0 = time.monotonic()
    status, body = _post(web, data, "新户.csv")
    assert time.monotonic() - t0 < 15
    assert isinstance(body, dict) and set(body) == SHAPE
    assert status == 400, body
    assert "第 4 行" in body["error"] and "10000 个字符" in body["error"]
    assert body["errors"][0]["code"] == "field_too_long" and body["errors"][0]["row"] == 4
    assert _targets(web) == before


def test_upload_over_max_content_length_is_413_in_the_error_shape(web: Web) -> None:
    """An upload over MAX_CONTENT_LENGTH gets 413: the JSON shape, or a page in Chinese."""
    web.app.config["MAX_CONTENT_LENGTH"] = 2**20
    before = _targets(web)
    data = _csv(2) + b"#" * (2 * 2**20)
    status, body = _post(web, data, "新户.csv")
    assert isinstance(body, dict) and set(body) == SHAPE
    assert (status, body["ok"], body["status"]) == (413, False, 413)
    assert "上传的文件超过 1 MB" in body["error"]
    assert body["errors"][0]["code"] == "too_large" and body["errors"][0]["field"] == "file"
    status, html = _post(web, data, "新户.csv", page=True)
    assert status == 413
    assert "上传的文件超过 1 MB" in str(html) and "zoufang import" in str(html)
    assert _targets(web) == before


def test_an_error_reply_with_many_problems_is_capped(web: Web) -> None:
    """A file with 300 bad rows answers the first 50 problems and counts the rest.

    The same on the import page; a successful import's warnings are capped too, with
    their total.
    """
    before = _targets(web)
    status, body = _post(web, _csv(300, lon="abc"), "坏.csv")
    assert isinstance(body, dict) and set(body) == SHAPE and status == 400
    assert "300 of 300 rows invalid" in body["error"]
    assert len(body["errors"]) == 51
    rows = [e["row"] for e in body["errors"][:50]]
    assert rows[0] == 2 and rows == sorted(rows)  # the first ones, in file order
    more = body["errors"][-1]
    assert more["code"] == "more_problems" and more["count"] >= 250
    assert f"另有 {more['count']} 个问题未列出" == more["message"]
    status, html = _post(web, _csv(300, lon="abc"), "坏.csv", page=True)
    assert status == 200 and str(html).count('<td class="text">') == 50
    assert f"另有 {more['count']} 个问题未列出" in str(html)
    assert _targets(web) == before
    status, body = _post(web, _csv(120, phone="12"), "新户.csv")
    assert status == 200 and isinstance(body, dict), body
    report = body["report"]
    assert len(report["problems"]) == 50 and report["problems_total"] == 120
    assert report["inserted"] == 120
