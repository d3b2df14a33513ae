"""The web app's factory and status page (the role pages come with the web issue)."""

from __future__ import annotations

from pathlib import Path

from zoufang.campaign.db import open_store
from zoufang.campaign.importer import import_grids
from zoufang.web import create_app


def test_status_page_and_api(grids_file: Path, tmp_path: Path) -> None:
    """The index shows the township's counts; /api/v1/status returns them as JSON."""
    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    import_grids(open_store(db), grids_file)
    client = create_app({"DB_URL": db, "TESTING": True}).test_client()
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "测试镇" in html and "<td>4</td>" in html
    data = client.get("/api/v1/status").get_json()
    assert data["ok"] and data["townships"][0]["grids"] == 4


def test_empty_store_page(tmp_path: Path) -> None:
    """An empty store shows how to get data in, not an error."""
    client = create_app({"DB_URL": f"sqlite:///{tmp_path / 'e.sqlite'}"}).test_client()
    assert "zoufang demo" in client.get("/").get_data(as_text=True)
