"""Text typed by users is escaped everywhere it is shown: pages, lists and map popups.

Popups are built in the browser from the API's JSON with DOM text nodes (see
tests/web/test_browser.py for the real browser); here: every server-rendered page shows
the text escaped, and the map description embedded in a page is JSON that cannot close
its ``<script>`` element.
"""

from __future__ import annotations

from sqlalchemy import select

from zoufang.campaign.store import Target
from zoufang.web.maps import Layer, safe_json

from .areas import store_areas
from .conftest import Web

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_issue_text_and_names_are_escaped_in_every_page(web: Web) -> None:
    """An issue text and a resident's name with markup appear as text (&lt;script&gt;).

    In the field page, the leader's issue list, the issue page and the target page.
    """
    w = web.world
    store_areas(web.app.extensions["zoufang_store"], w)  # T2 is in cadre1's area
    with web.app.extensions["zoufang_store"].session() as s:
        s.get(Target, w.targets["T2"]).name = EVIL
    cadre, tok = web.client("cadre1")
    r = cadre.post("/field/visit", data={"csrf_token": tok, "target": "T2", "mode": "in_home",
                                         "outcome": "visited", "at": "2022-03-08T19:00",
                                         "category": "other", "text": EVIL, "notes": EVIL})
    assert r.status_code == 302
    pages = [cadre.get("/field/")]
    issue_id = max(i["id"] for i in cadre.get("/api/v1/me/issues").get_json()["issues"])
    pages.append(cadre.get(f"/issues/{issue_id}"))
    pages.append(cadre.get(f"/targets/{w.targets['T2']}"))
    planner, _ = web.client("planner")
    pages += [planner.get("/leader/issues"), planner.get("/leader/?level=grid&key=G1"),
              planner.get(f"/targets/{w.targets['T2']}")]
    for r in pages:
        html = r.get_data(as_text=True)
        assert r.status_code == 200
        assert "<script>alert" not in html and "<img src=x" not in html, r.request.path
        assert "&lt;script&gt;alert(" in html, r.request.path
    api = planner.get(f"/api/v1/issues/{issue_id}").get_json()["item"]
    assert api["text"] == EVIL  # the API returns the text as typed; pages escape it


def test_map_config_cannot_close_its_script_element() -> None:
    """The JSON embedded in a map's script has no ``<``, ``>`` or ``&`` characters.

    So no label can end the script element.
    """
    text = safe_json(Layer("x", EVIL, "points", data={"type": "FeatureCollection",
                                                      "features": []}).to_dict())
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\\u003cscript\\u003e" in text


def test_popup_script_uses_text_nodes_only() -> None:
    """zoufang-map.js never turns data into HTML: no innerHTML, no HTML strings in popups."""
    from pathlib import Path

    import zoufang.web

    js = (Path(zoufang.web.__file__).parent / "static/js/zoufang-map.js").read_text("utf-8")
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js
    assert "textContent" in js


def test_target_name_in_issue_list_escaped_for_leader(sqlite_web: Web) -> None:
    """The list under the issues map escapes (and masks) names for a leader."""
    c, _ = sqlite_web.client("leader")
    html = c.get("/leader/issues").get_data(as_text=True)
    with sqlite_web.app.extensions["zoufang_store"].session() as s:
        names = list(s.scalars(select(Target.name)))
    assert not any(n and n in html for n in names if n and len(n) > 1)
