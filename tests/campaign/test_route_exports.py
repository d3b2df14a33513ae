"""Exports of a cadre-day: GeoJSON, GPX, the printable stop list, and their refusals.

On the routed world of ``route_world.py`` (real solve, SQLite and PostgreSQL): cadre C1
has several route days; T7 (named ``<script>…``) and T8 share one stop; T8 called the
hotline before the route days (``<img onerror>``); E1 is left out (no window).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import select

from zoufang.campaign import route_exports as rx
from zoufang.campaign.store import Issue, RouteDay, RouteStop

from .ledger_world import World
from .route_world import IMG_TEXT, SCRIPT_NAME, plan_id

NS = {"g": rx.GPX_NS}


def _day_of(w: World, target: str) -> dt.date:
    """The route day on which ``target`` is visited."""
    with w.store.session() as s:
        day = s.scalar(select(RouteDay.day).join(RouteStop, RouteStop.day_id == RouteDay.id)
                       .where(RouteStop.target_id == w.targets[target]))
    assert day is not None, f"{target} is not routed"
    return day


def _view(w: World, target: str = "T7", *, reveal: bool = False) -> rx.DayView:
    with w.store.session() as s:
        return rx.load_day(s, plan_id(w.store), "C1", _day_of(w, target), reveal=reveal)


def test_day_view_shares_a_stop_and_lists_earlier_issues(routed: World) -> None:
    """Targets at one point share a stop, which lists their issues raised before.

    T7 and T8 (one point) are one stop with unit orders 0 and 1; the stop carries T8's
    hotline issue of 2022-02-20; issues raised after the departure (I6, April) never show.
    """
    v = _view(routed, reveal=True)
    shared = [g for g in v.groups() if {s.ext_id for s in g} == {"T7", "T8"}]
    assert len(shared) == 1
    (g,) = shared
    assert [s.unit_order for s in g] == [0, 1] and len({s.stop for s in g}) == 1
    assert len(v.stops) == v.n_stops + 1
    notes = v.issues[g[0].stop]
    assert [(n.target_ext_id, n.text, n.category_label, n.status) for n in notes] == [
        ("T8", IMG_TEXT, "其他", "recorded")]
    with routed.store.session() as s:
        i6 = s.get(Issue, routed.issues["I6"])
        assert i6 is not None
        for d in rx.cadre_days(s, plan_id(routed.store), "C1"):
            day = rx.load_day(s, plan_id(routed.store), "C1", d)
            shown = {n.id for ns in day.issues.values() for n in ns}
            assert routed.issues["I6"] not in shown
            assert all(n.raised_at < day.depart_at for ns in day.issues.values() for n in ns)


def test_geojson_is_a_feature_collection(routed: World) -> None:
    """The GeoJSON is a FeatureCollection of the route, the base and the targets.

    One route LineString from the base back to the base (straight lines: no road
    network), a base Point and a Point per target with its stop, unit, times, purpose and
    masked name/phone; reveal gives them in clear.
    """
    v = _view(routed)
    fc = json.loads(json.dumps(rx.to_geojson(v)))
    assert fc["type"] == "FeatureCollection" and "datum" not in fc
    kinds = [f["properties"]["feature"] for f in fc["features"]]
    assert kinds == ["route", "base"] + ["stop"] * len(v.stops)
    route = fc["features"][0]
    assert route["geometry"]["type"] == "LineString"
    coords = route["geometry"]["coordinates"]
    assert coords[0] == coords[-1] == [116.61, 37.41]  # C1's base
    assert len(coords) == v.n_stops + 2 and not route["properties"]["follows_roads"]
    props = route["properties"]
    assert props["cadre"] == "C1" and props["day"] == v.day.isoformat()
    assert props["distance_m"] > 0 and props["duration_s"] > 0 and props["mode"] == "walk"
    assert {"depart", "return"} <= set(props)
    stops = {f["properties"]["target"]: f for f in fc["features"][2:]}
    t8 = stops["T8"]
    assert t8["geometry"] == {"type": "Point", "coordinates": [116.617, 37.417]}
    p = t8["properties"]
    assert p["stop"] == stops["T7"]["properties"]["stop"]
    assert (p["name"], p["phone"], p["kind"], p["purpose"], p["purpose_label"],
            p["priority"]) == ("吴*", "138****8888", "household", "visit", "入户", False)
    assert p["address"] == "测试村8号"
    assert dt.datetime.fromisoformat(p["start"]) < dt.datetime.fromisoformat(p["end"])
    clear = rx.to_geojson(_view(routed, reveal=True))
    named = {f["properties"].get("name") for f in clear["features"]}
    assert {"吴十", SCRIPT_NAME} <= named


def test_gpx_parses_with_a_route_and_a_track(routed: World) -> None:
    """The GPX parses, with a waypoint and a route point per stop and a track.

    GPX 1.1 in its namespace: metadata, a wpt per stop, one rte with an rtept per stop
    ("第N站 address"), one trk with a trkpt per point of the line; names masked.
    """
    v = _view(routed)
    text = rx.to_gpx(v)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text)
    assert root.tag == f"{{{rx.GPX_NS}}}gpx" and root.get("version") == "1.1"
    order = [c.tag.split("}")[1] for c in root]
    assert order == ["metadata"] + ["wpt"] * v.n_stops + ["rte", "trk"]
    rtepts = root.findall("g:rte/g:rtept", NS)
    assert len(rtepts) == v.n_stops
    assert len(root.findall("g:trk/g:trkseg/g:trkpt", NS)) == len(v.route_line())
    names = [p.findtext("g:name", namespaces=NS) for p in rtepts]
    first = v.groups()[0][0]
    assert names[0] == f"第{first.stop}站 {first.address}"
    shared = next(p for p in rtepts if "T8" in (p.findtext("g:desc", namespaces=NS) or ""))
    assert (float(shared.get("lon")), float(shared.get("lat"))) == (116.617, 37.417)
    assert "吴*" in shared.findtext("g:desc", namespaces=NS)
    assert "吴十" not in text and "13800008888" not in text
    assert "alert" not in text  # T7's name is masked to its first character
    revealed = rx.to_gpx(_view(routed, reveal=True))
    ET.fromstring(revealed)  # a name with < > & still makes valid XML
    assert "&lt;script&gt;" in revealed and "<script>" not in revealed


def test_gpx_track_follows_a_stored_road_line() -> None:
    """With a road line stored, the track has its points; without, straight segments."""
    stop = rx.StopView(1, 0, 1, "T1", "household", "居民家庭", None, None, "某村1号", "visit",
                       "入户", True, dt.datetime(2022, 3, 1, 18), dt.datetime(2022, 3, 1, 18),
                       dt.datetime(2022, 3, 1, 18, 20), 116.603, 37.403)
    v = rx.DayView(1, "c", "visit", "走访", "C9", "某", dt.date(2022, 3, 1),
                   dt.datetime(2022, 3, 1, 17, 50), dt.datetime(2022, 3, 1, 18, 30), 900.0,
                   2400, "walk", (116.6, 37.4), (), (stop,))
    assert v.route_line() == [(116.6, 37.4), (116.603, 37.403), (116.6, 37.4)]
    road = dataclasses.replace(v, line=((116.6, 37.4), (116.601, 37.402), (116.603, 37.403),
                                        (116.6, 37.4)), travel="roads:roads.geojson")
    root = ET.fromstring(rx.to_gpx(road))
    assert len(root.findall(".//g:trkpt", NS)) == 4
    assert rx.to_geojson(road)["features"][0]["properties"]["follows_roads"] is True
    assert "★" in rx.to_html(road)


def test_stop_list_html_escapes_and_masks(routed: World) -> None:
    """The printable stop list escapes every value and masks personal data.

    A name holding <script>, an address with <b>, an issue text with <img onerror> are
    text; names and phones are masked unless revealed; the shared stop shows its earlier
    issue; the page prints on A4 and loads nothing external.
    """
    html = rx.to_html(_view(routed, reveal=True))
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "测试村&lt;b&gt;7&lt;/b&gt;号" in html
    assert "T8: 其他 · &lt;img src=x onerror=alert(1)&gt; · 采集录入" in " ".join(html.split())
    assert "吴十" in html and "13800008888" in html
    assert "@page { size: A4" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html
    masked = rx.to_html(_view(routed))
    assert "吴十" not in masked and "13800008888" not in masked and "138****8888" in masked
    assert "姓名、电话已隐藏" in masked and "姓名、电话已隐藏" not in html


def test_stop_list_coordinates_in_gcj02_for_chinese_apps(routed: World) -> None:
    """The stop list can give coordinates in GCJ-02 for Chinese map apps.

    datum=gcj02 shows the stops shifted by a few hundred metres (Amap/Tencent); GeoJSON
    refuses BD-09 and marks a GCJ-02 collection as such.
    """
    v = _view(routed)
    assert "116.617000,<br>\n37.417000" in rx.to_html(v)
    gcj = rx.to_html(v, datum="gcj02")
    assert "116.617000" not in gcj and "GCJ-02" in gcj
    (x, y), = rx.to_datum([(116.617, 37.417)], "gcj02")
    assert f"{x:.6f},<br>\n{y:.6f}" in gcj and 0.001 < abs(x - 116.617) < 0.01
    assert rx.to_geojson(v, datum="gcj02")["datum"] == "gcj02"
    with pytest.raises(ValueError, match="datum"):
        rx.to_geojson(v, datum="bd09")


def test_unknown_cadre_day_or_phase_is_refused_naming_what_exists(routed: World) -> None:
    """Unknown cadres, days and phases are refused, naming what exists.

    An unknown cadre names the plan's cadres; an unknown day names the cadre's days; a
    phase with no plan names the phases that have one. All are ValueErrors.
    """
    pid = plan_id(routed.store)
    with routed.store.session() as s:
        days = rx.cadre_days(s, pid, "C1")
        assert len(days) >= 2 and days == sorted(days)
        with pytest.raises(rx.RouteExportError, match="C9") as e:
            rx.load_day(s, pid, "C9", days[0])
        assert isinstance(e.value, ValueError) and "C1" in str(e.value)
        with pytest.raises(ValueError, match="no route on 2022-03-31") as e2:
            rx.load_day(s, pid, "C1", dt.date(2022, 3, 31))
        assert days[0].isoformat() in str(e2.value)
        with pytest.raises(rx.RouteExportError, match="revisit") as e3:
            rx.find_plan(s, routed.campaign_id, "revisit")
        assert "visit" in e3.value.problems[0].message
        assert rx.find_plan(s, routed.campaign_id, "visit").id == pid
        assert [x["target"] for x in rx.left_out(s, pid, "C1")] == ["E1"]
        assert rx.left_out(s, pid, "C1")[0]["name"] == "宏****"  # 宏达机械厂


def test_export_days_writes_one_file_per_day_and_format(routed: World, tmp_path: Path
                                                        ) -> None:
    """export_days writes one file per day and format, or nothing on bad options.

    All formats of all days: three files a day named CADRE_DAY.ext; a bad format or
    datum writes nothing.
    """
    pid = plan_id(routed.store)
    with routed.store.session() as s:
        days = rx.cadre_days(s, pid, routed.cadres["C1"])  # by cadres.id too
        paths = rx.export_days(s, pid, "C1", tmp_path / "out")
        assert [p.name for p in paths] == [f"C1_{d.isoformat()}{ext}" for d in days
                                           for ext in (".geojson", ".gpx", ".html")]
        one = rx.export_days(s, pid, "C1", tmp_path / "one", formats=["gpx"], day=days[-1])
        assert [p.name for p in one] == [f"C1_{days[-1].isoformat()}.gpx"]
        ET.parse(one[0])
        with pytest.raises(rx.RouteExportError) as e:
            rx.export_days(s, pid, "C1", tmp_path / "bad", formats=["pdf"], datum="utm")
        assert {p.field for p in e.value.problems} == {"format", "datum"}
    assert not (tmp_path / "bad").exists()
    assert rx.export_name("a/b c", dt.date(2022, 3, 1), "gpx") == "a_b_c_2022-03-01.gpx"


def test_cadre_route_chooses_the_day(routed: World) -> None:
    """The route page's day: today, else the next route day, else the first.

    Today when the cadre has stops then; else its next day; else its first; an asked
    day without stops is flagged.
    """
    with routed.store.session() as s:
        cid = routed.cadres["C1"]
        days = rx.cadre_days(s, plan_id(routed.store), "C1")
        cr = rx.cadre_route(s, routed.campaign_id, cid, today=days[1])
        assert cr is not None and (cr.day, cr.previous) == (days[1], days[0])
        assert cr.next == (days[2] if len(days) > 2 else None)
        assert rx.cadre_route(s, routed.campaign_id, cid,
                              today=dt.date(2022, 2, 1)).day == days[0]  # type: ignore[union-attr]
        late = rx.cadre_route(s, routed.campaign_id, cid, today=dt.date(2030, 1, 1))
        assert late is not None and late.day == days[0] and late.previous is None
        asked = rx.cadre_route(s, routed.campaign_id, cid, day=dt.date(2022, 3, 31),
                               today=days[-1])
        assert asked is not None and asked.asked_missing and asked.day == days[-1]
        other = rx.cadre_route(s, routed.campaign_id, routed.cadres["C3"])
        assert other is not None and other.days == [] and other.day is None
        assert rx.cadre_route(s, routed.campaign_id, cid, phase="revisit") is None
