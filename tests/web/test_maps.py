"""Map builders are pure functions: no CDN anywhere, every asset vendored.

Points are shifted to GCJ-02 only for a GCJ-02 basemap.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import zoufang.web
from zoufang.campaign import route_exports as rx
from zoufang.gis.crs import wgs84_to_gcj02
from zoufang.web import maps
from zoufang.web.basemaps import BASEMAPS, Basemap, basemap_from_config, to_display

from .conftest import Web

STATIC = Path(zoufang.web.__file__).parent / "static"
BOUNDS = [[37.40, 116.60], [37.42, 116.62]]


def _all_maps(basemap: Basemap) -> list[str]:
    lab = {k: k for k in ("grids", "grid", "village", "targets", "cadre", "load_h", "ext_id",
                          "name", "kind", "address", "phone", "placement", "problems",
                          "problem", "message", "visit_rate", "unvisited", "heat",
                          "last_visit", "open_issues", "issue_no", "category", "status",
                          "warning", "deadline", "issue_text", "unit")}
    ms = [maps.planner_map(basemap, bounds=BOUNDS, grids_url="/g", targets_url="/t",
                           problems_url="/p", target_popup_url="/t/{id}", labels=lab,
                           kind_colors={}, legend=[]),
          maps.coverage_map(basemap, bounds=BOUNDS, coverage_url="/c", unvisited_url="/u",
                            target_popup_url="/t/{id}", labels=lab, legend=[]),
          maps.issues_map(basemap, bounds=BOUNDS, grids_url="/g", issues_url="/i",
                          issue_popup_url="/i/{id}", labels=lab, category_colors={},
                          legend=[]),
          maps.naive_marker_map(basemap, [(37.41, 116.61, "<b>x</b>")], bounds=BOUNDS)]
    return [m.get_root().render() for m in ms]


@pytest.mark.parametrize("key", ["blank", "osm"])
def test_maps_load_nothing_from_a_cdn(key: str) -> None:
    """Rendered maps reference scripts and stylesheets of the app only.

    The only outside URL is the basemap's tile template (and its attribution link).
    """
    basemap = BASEMAPS[key]
    for html in _all_maps(basemap):
        srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
        assert srcs and all(s.startswith("/static/") for s in srcs), srcs
        for s in srcs:
            assert (STATIC / s.removeprefix("/static/")).is_file(), s
        outside = set(re.findall(r"https?://[^\\\"'\s<>]+", html))
        allowed = {basemap.url} | set(re.findall(r'href=\\?"(https?://[^"\\]+)', html))
        assert outside <= allowed, outside - allowed
        assert "cdn" not in html.lower() and "jquery" not in html.lower()


def test_vendor_files_are_minified_and_documented() -> None:
    """Every vendored file is listed in static/vendor/README.md with its licence.

    No source maps are referenced (they would be requests that fail offline).
    """
    readme = (STATIC / "vendor/README.md").read_text("utf-8")
    for f in (STATIC / "vendor").rglob("*"):
        if f.is_file() and f.name != "README.md":
            if f.suffix in (".js", ".css"):
                assert "sourceMappingURL" not in f.read_text("utf-8"), f
            assert f.parent.name in readme, f
    for name in ("leaflet", "leaflet.markercluster", "leaflet.heat", "BSD-2-Clause", "MIT"):
        assert name in readme
    total = sum(f.stat().st_size for f in (STATIC / "vendor").rglob("*") if f.is_file())
    assert total < 300_000


def test_gcj02_shift_only_for_gcj02_basemaps() -> None:
    """Points are shifted to GCJ-02 for Amap, and left in WGS-84 for OSM and Tianditu."""
    lon, lat = np.array([116.61]), np.array([37.41])
    x, y = to_display(lon, lat, BASEMAPS["osm"])
    assert (x[0], y[0]) == (116.61, 37.41)
    gx, gy = to_display(lon, lat, BASEMAPS["amap"])
    ex, ey = wgs84_to_gcj02(lon, lat)
    assert (gx[0], gy[0]) == (ex[0], ey[0]) and abs(gx[0] - 116.61) > 1e-3
    assert basemap_from_config({"BASEMAP": "tianditu", "TIANDITU_KEY": "k"}).crs == "wgs84"


def test_grids_geojson_shifted_with_the_basemap(sqlite_web: Web) -> None:
    """The grids' GeoJSON for a GCJ-02 basemap is the WGS-84 one shifted.

    The shift is ~100s of metres near 116.6°E 37.4°N.
    """
    from zoufang.web import queries as q

    store = sqlite_web.app.extensions["zoufang_store"]
    tid = sqlite_web.world.township_id
    with store.session() as s:
        a = q.grids_geojson(s, tid, BASEMAPS["osm"])["features"][0]["geometry"]
        b = q.grids_geojson(s, tid, BASEMAPS["amap"])["features"][0]["geometry"]
    pa = np.array(a["coordinates"][0][0][0])
    pb = np.array(b["coordinates"][0][0][0])
    ex = np.array(wgs84_to_gcj02(pa[0], pa[1])).ravel()
    assert np.allclose(pb, ex, atol=2e-6) and np.abs(pb - pa).max() > 1e-3


def test_basemap_config_errors() -> None:
    """Unknown basemaps, Tianditu without a key and tile URLs without x/y/z are refused.

    A custom intranet server is taken as given; CSP origins cover subdomains.
    """
    with pytest.raises(ValueError, match="expected to be in"):
        basemap_from_config({"BASEMAP": "google"})
    with pytest.raises(ValueError, match="TIANDITU_KEY"):
        basemap_from_config({"BASEMAP": "tianditu"})
    with pytest.raises(ValueError, match=r"\{x\}"):
        basemap_from_config({"TILE_URL": "http://tiles.local/a.png"})
    b = basemap_from_config({"TILE_URL": "http://tiles.gov.local/{z}/{x}/{y}.png",
                             "TILE_CRS": "gcj02"})
    assert b.key == "custom" and b.crs == "gcj02" and b.origins() == ["http://tiles.gov.local"]
    assert BASEMAPS["amap"].origins() == ["https://*.is.autonavi.com"]
    assert BASEMAPS["blank"].origins() == []


def test_planner_map_page_embeds_a_folium_map(sqlite_web: Web) -> None:
    """The planner page embeds the folium map (header, div, script).

    Its layers point at the API.
    """
    c, _ = sqlite_web.client("planner")
    html = c.get("/planner/").get_data(as_text=True)
    assert 'class="folium-map"' in html and "zoufangMap.init(" in html
    assert "/api/v1/township/targets.geojson" in html
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html


def _day_view() -> rx.DayView:
    """Return a hand-made cadre-day: a base and two stops, WGS-84.

    Base at 116.600°E 37.400°N, stop 1 one household (T1), stop 2 two households at one
    point (T6 first, then T3); no stored line, so the route is straight segments.
    """
    t0 = dt.datetime(2022, 3, 1, 9, 0)

    def stop(n: int, order: int, tid: int, lon: float, lat: float) -> rx.StopView:
        return rx.StopView(stop=n, unit_order=order, target_id=tid, ext_id=f"T{tid}",
                           kind="household", kind_label="居民家庭", name=f"户{tid}",
                           phone=None, address=f"{tid}号", purpose="visit",
                           purpose_label="走访", priority=False, arrive_at=t0,
                           start_at=t0, end_at=t0 + dt.timedelta(minutes=20),
                           lon=lon, lat=lat)

    return rx.DayView(
        plan_id=1, campaign="春季走访", phase_kind="visit", phase_name="走访排查",
        cadre_ext_id="C1", cadre_name="刘一", day=t0.date(), depart_at=t0,
        return_at=t0 + dt.timedelta(hours=2), distance_m=1500.0, duration_s=7200,
        mode="walk", base=(116.600, 37.400), line=(),
        stops=(stop(1, 0, 1, 116.603, 37.403),
               stop(2, 1, 3, 116.615, 37.405), stop(2, 0, 6, 116.615, 37.405)))


def _layers(m: Any) -> dict[str, Any]:
    """The layers of a rendered map's ``zoufangMap.init`` description, by id."""
    html = m.get_root().render()
    found = re.search(r"zoufangMap\.init\([^,]+, (\{.*?\})\);", html)
    assert found, "no layer description in the map"
    return {ly["id"]: ly for ly in json.loads(found.group(1))["layers"]}


ROUTE_LABELS = {k: k.upper() for k in ("route", "depart", "return", "base", "stops", "stop",
                                       "time", "purpose", "ext_id", "name", "address",
                                       "loading", "load_failed")}


def test_route_map_is_built_without_a_request() -> None:
    """The route map is a pure function of the day, the basemap and the labels.

    One route line base → stop 1 → stop 2 → base, the base, a point per target,
    labelled as given, fitted to the route.
    """
    m = maps.route_map(BASEMAPS["blank"], _day_view(), ROUTE_LABELS)
    assert isinstance(m, maps.OfflineMap)
    layers = _layers(m)
    assert list(layers) == ["route", "base", "stops"]
    line = layers["route"]["data"]["features"][0]["geometry"]["coordinates"]
    assert line == [[116.6, 37.4], [116.603, 37.403], [116.615, 37.405], [116.6, 37.4]]
    assert len(layers["base"]["data"]["features"]) == 1
    assert [f["properties"]["target"] for f in layers["stops"]["data"]["features"]] == [
        "T1", "T3", "T6"]
    assert layers["route"]["label"] == "ROUTE" and layers["stops"]["tooltip"][2] == [
        "target", "EXT_ID"]
    html = m.get_root().render()
    assert "fitBounds" in html and "[37.4, 116.6]" in html and "[37.405, 116.615]" in html


def test_route_map_and_stop_numbers_follow_the_basemap_datum() -> None:
    """On a GCJ-02 basemap the route and the stop numbers are shifted, else left alone.

    The shift is gis.crs's; one number per stop, in stop order.
    """
    view = _day_view()
    assert maps.stop_numbers(view, BASEMAPS["osm"]) == [[1, 37.403, 116.603],
                                                        [2, 37.405, 116.615]]
    shifted = maps.stop_numbers(view, BASEMAPS["amap"])
    ex, ey = wgs84_to_gcj02(np.array([116.603, 116.615]), np.array([37.403, 37.405]))
    assert [n[0] for n in shifted] == [1, 2]
    assert np.allclose([n[2] for n in shifted], ex, atol=1e-7)
    assert np.allclose([n[1] for n in shifted], ey, atol=1e-7)
    base = _layers(maps.route_map(BASEMAPS["amap"], view, ROUTE_LABELS))["base"]
    bx, by = wgs84_to_gcj02(np.array([116.6]), np.array([37.4]))
    assert np.allclose(base["data"]["features"][0]["geometry"]["coordinates"],
                       [bx[0], by[0]], atol=1e-7)


@pytest.mark.parametrize(("rate", "colour"), [
    (None, "#cccccc"), (0.0, "#d7191c"), (0.59, "#d7191c"), (0.6, "#fdae61"),
    (0.85, "#ffffbf"), (0.9, "#a6d96a"), (0.989, "#a6d96a"), (0.99, "#1a9641"),
    (1.0, "#1a9641")])
def test_rate_color_classes(rate: float | None, colour: str) -> None:
    """The visit-rate choropleth has five classes, and grey without a rate.

    < 60 % red, then orange, yellow, light and dark green from 60, 80, 90 and 99 %.
    """
    assert maps.rate_color(rate) == colour


def test_legends_and_category_colours() -> None:
    """The legends name kinds from zoufang.vocab and rate classes with the given title.

    Categories beyond the palette's length reuse its colours in order.
    """
    assert maps.kinds_legend()[0] == ["#1f77b4", "居民家庭"]
    assert [name for _c, name in maps.kinds_legend()][-1] == "机关"
    assert maps.rate_legend("走访率")[0] == ["#d7191c", "走访率 < 60%"]
    cats = [f"c{i}" for i in range(len(maps.PALETTE) + 2)]
    colours = maps.category_colors(cats)
    assert list(colours) == cats and colours["c0"] == colours[f"c{len(maps.PALETTE)}"]
    assert len(set(colours.values())) == len(maps.PALETTE)
