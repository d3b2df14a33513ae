"""Map builders are pure functions: no CDN anywhere, every asset vendored, GCJ-02 shift
only for a GCJ-02 basemap.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import zoufang.web
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
    """Rendered maps reference scripts and stylesheets of the app only; the only outside
    URL is the basemap's tile template (and its attribution link).
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
    """Every vendored file is listed in static/vendor/README.md with its licence; no
    source maps are referenced (they would be requests that fail offline).
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
    """The grids' GeoJSON from a GCJ-02 basemap's app is the WGS-84 one shifted (~100s
    of metres near 116.6°E 37.4°N).
    """
    from zoufang.web import services as sv

    store = sqlite_web.app.extensions["zoufang_store"]
    tid = sqlite_web.world.township_id
    with store.session() as s:
        a = sv.grids_geojson(s, tid, BASEMAPS["osm"])["features"][0]["geometry"]
        b = sv.grids_geojson(s, tid, BASEMAPS["amap"])["features"][0]["geometry"]
    pa = np.array(a["coordinates"][0][0][0])
    pb = np.array(b["coordinates"][0][0][0])
    ex = np.array(wgs84_to_gcj02(pa[0], pa[1])).ravel()
    assert np.allclose(pb, ex, atol=2e-6) and np.abs(pb - pa).max() > 1e-3


def test_basemap_config_errors() -> None:
    """Unknown basemaps, Tianditu without a key and tile URLs without x/y/z are refused;
    a custom intranet server is taken as given; CSP origins cover subdomains.
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
    """The planner page embeds the folium map (header, div, script) and its layers point
    at the API.
    """
    c, _ = sqlite_web.client("planner")
    html = c.get("/planner/").get_data(as_text=True)
    assert 'class="folium-map"' in html and "zoufangMap.init(" in html
    assert "/api/v1/township/targets.geojson" in html
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html
