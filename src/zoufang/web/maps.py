"""Folium map builders: pure functions that return a :class:`folium.Map`.

Every map is an :class:`OfflineMap`: Leaflet and every plug-in it needs are the copies
vendored under ``static/vendor`` (see its README), never a CDN, so the pages work on a
government intranet with no internet. Only the basemap tiles come from the configured
tile URL (:mod:`zoufang.web.basemaps`).

Big layers are not made of one Python-made marker per target: a map carries a small
JSON description of its layers (:class:`MapLayers`), and ``static/js/zoufang-map.js``
loads each layer's GeoJSON from the app's API (or from the description itself), draws
points with marker clustering or as a heat map, and builds every popup and tooltip with
DOM text nodes, so text typed by users (names, issue text, notes) can never run as
HTML. When all layers are drawn the map's container gets ``data-features`` (the number
of features drawn per layer) and ``data-ready="1"``.

:func:`naive_marker_map` is the baseline the benchmark compares against: one
``folium.Marker`` (with a tooltip: a folium popup would need jQuery) per target.

The colours the maps use live here too: :data:`PALETTE` (categories), :data:`KIND_COLORS`
(kinds of target) and :data:`RATE_CLASSES` (the visit-rate choropleth).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from zoufang import vocab
from zoufang.campaign import route_exports as rx
from zoufang.web.basemaps import Basemap

__all__ = [
    "KIND_COLORS", "PALETTE", "RATE_CLASSES", "STATIC", "Layer", "MapLayers", "OfflineMap",
    "VENDOR", "base_map", "category_colors", "coverage_map", "issues_map", "kinds_legend",
    "map_parts", "naive_marker_map", "planner_map", "rate_color", "rate_legend",
    "route_map", "safe_json", "stop_numbers",
]

#: URL prefix of the app's static files.
STATIC: Final = "/static"
#: Vendored assets: name -> path under static/ (see static/vendor/README.md).
VENDOR: Final[dict[str, str]] = {
    "leaflet_js": "vendor/leaflet-1.9.4/leaflet.js",
    "leaflet_css": "vendor/leaflet-1.9.4/leaflet.css",
    "markercluster_js": "vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
    "markercluster_css": "vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
    "markercluster_default_css": "vendor/leaflet.markercluster-1.5.3/MarkerCluster.Default.css",
    "heat_js": "vendor/leaflet.heat-0.2.0/leaflet-heat.js",
    "zoufang_map_js": "js/zoufang-map.js",
    "zoufang_map_css": "css/map.css",
}


def _url(name: str) -> str:
    return f"{STATIC}/{VENDOR[name]}"


#: Palette for categorical colours (grids by cadre or village, issue categories).
PALETTE: Final = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                  "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
                  "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
                  "#756bb1", "#636363")
#: Colour of each kind of target (:data:`zoufang.vocab.KINDS`) on the planner's map.
KIND_COLORS: Final[dict[str, str]] = {
    "household": "#1f77b4", "enterprise": "#ff7f0e", "shop": "#2ca02c", "school": "#9467bd",
    "hospital": "#d62728", "market": "#8c564b", "institution": "#7f7f7f",
}
#: Choropleth classes of the visit rate (走访率): (lower bound, colour, label).
RATE_CLASSES: Final = ((0.0, "#d7191c", "< 60%"), (0.6, "#fdae61", "60–80%"),
                       (0.8, "#ffffbf", "80–90%"), (0.9, "#a6d96a", "90–99%"),
                       (0.99, "#1a9641", "≥ 99%"))


def rate_color(rate: float | None) -> str:
    """Return the choropleth colour of a visit rate (a share, 0–1; grey when None)."""
    if rate is None:
        return "#cccccc"
    colour = RATE_CLASSES[0][1]
    for lo, c, _ in RATE_CLASSES:
        if rate >= lo:
            colour = c
    return colour


def rate_legend(title: str) -> list[list[str]]:
    """Return the legend of the visit-rate choropleth: ``[colour, "title class"]`` rows."""
    return [[c, f"{title} {lab}"] for _lo, c, lab in RATE_CLASSES]


def kinds_legend() -> list[list[str]]:
    """Return the legend of target kinds: ``[colour, Chinese name]`` rows."""
    return [[c, vocab.KINDS.get(k, (k,))[0]] for k, c in KIND_COLORS.items()]


def category_colors(categories: Sequence[str]) -> dict[str, str]:
    """Return a colour per issue category, in the order given (from :data:`PALETTE`)."""
    return {c: PALETTE[k % len(PALETTE)] for k, c in enumerate(categories)}


def safe_json(obj: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``<``, ``>``, ``&``, ``'``)."""
    return (json.dumps(obj, ensure_ascii=False, default=str, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("'", "\\u0027").replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029"))


class OfflineMap(folium.Map):
    """A :class:`folium.Map` whose Leaflet comes from the app, not from a CDN.

    folium's other defaults (jQuery, Bootstrap, awesome-markers, Font Awesome) are not
    loaded: nothing these maps draw needs them.
    """

    default_js = [("leaflet", _url("leaflet_js"))]
    default_css = [("leaflet_css", _url("leaflet_css"))]


@dataclass
class Layer:
    """One layer of a map, drawn by ``zoufang-map.js``.

    Parameters
    ----------
    id
        Name of the layer (the key in ``data-features``).
    label
        Shown in the layer control (already translated).
    kind
        ``points`` (circle markers), ``polygons``, ``heat`` (a heat map of points).
    url
        Where the GeoJSON comes from (the app's API), or ``data`` inline.
    cluster
        Points: gather them with marker clustering.
    color_by, colors, default_color
        Property whose value picks the colour from ``colors`` (else ``default_color``);
        for polygons a property holding a CSS colour can be named in ``fill_prop``.
    popup_url
        Points: on click, fetch this URL (``{id}`` replaced by the feature's ``id``) and
        show its ``fields`` (list of [key, label]) as a table.
    tooltip
        Properties shown on hover: list of [key, label].
    ring_by, rings
        Points: property whose value draws a thick outline colour (red/yellow warnings).
    """

    id: str
    label: str
    kind: str = "points"
    url: str | None = None
    data: dict[str, Any] | None = None
    cluster: bool = False
    color_by: str | None = None
    colors: dict[str, str] = field(default_factory=dict)
    default_color: str = "#3388ff"
    fill_prop: str | None = None
    radius: float = 5.0
    weight: float = 1.0
    fill_opacity: float = 0.35
    popup_url: str | None = None
    popup_fields: list[list[str]] = field(default_factory=list)
    tooltip: list[list[str]] = field(default_factory=list)
    ring_by: str | None = None
    rings: dict[str, str] = field(default_factory=dict)
    show: bool = True
    fit: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("points", "polygons", "heat"):
            raise ValueError(f'`kind` was "{self.kind}" but is expected to be in '
                             '["points", "polygons", "heat"]')
        if (self.url is None) == (self.data is None):
            raise ValueError("a layer needs exactly one of `url` and `data`")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form for ``zoufang-map.js``."""
        return {k: v for k, v in self.__dict__.items() if v not in (None, [], {})}


class MapLayers(JSCSSMixin, MacroElement):
    """Adds the layers (and the scripts that draw them) to a map."""

    default_js = [("markercluster", _url("markercluster_js")),
                  ("leaflet_heat", _url("heat_js")),
                  ("zoufang_map", _url("zoufang_map_js"))]
    default_css = [("markercluster_css", _url("markercluster_css")),
                   ("markercluster_default_css", _url("markercluster_default_css")),
                   ("zoufang_map_css", _url("zoufang_map_css"))]
    _template = Template("""
        {% macro script(this, kwargs) %}
            zoufangMap.init({{ this._parent.get_name() }}, {{ this.config_json }});
        {% endmacro %}
    """)

    def __init__(self, layers: Sequence[Layer], *, name: str, legend: list[list[str]] | None
                 = None, labels: dict[str, str] | None = None) -> None:
        super().__init__()
        self._name = "MapLayers"
        self.config_json = safe_json({
            "name": name, "layers": [ly.to_dict() for ly in layers],
            "legend": legend or [], "labels": labels or {}})


def base_map(basemap: Basemap, bounds: Sequence[Sequence[float]] | None, *,
             height: str = "70vh") -> OfflineMap:
    """Return the offline map every page starts from, with the basemap's tiles.

    It is fitted to ``bounds`` (``[[south, west], [north, east]]``), else shows China.
    """
    centre = ([(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
              if bounds else [35.0, 105.0])
    m = OfflineMap(location=centre, zoom_start=13 if bounds else 4, tiles=None,
                   height=height, prefer_canvas=True, control_scale=True)
    folium.TileLayer(basemap.url, attr=basemap.attribution, name=basemap.label,
                     subdomains=basemap.subdomains or "abc", max_zoom=basemap.max_zoom,
                     max_native_zoom=min(basemap.max_zoom, 18), control=False).add_to(m)
    if basemap.overlay_url:
        folium.TileLayer(basemap.overlay_url, attr="", name="注记", overlay=True,
                         subdomains=basemap.subdomains or "abc", control=False).add_to(m)
    if bounds:
        m.fit_bounds([list(bounds[0]), list(bounds[1])])
    return m


def planner_map(basemap: Basemap, *, bounds: Sequence[Sequence[float]] | None,
                grids_url: str, targets_url: str, problems_url: str,
                target_popup_url: str, labels: dict[str, str],
                kind_colors: dict[str, str], legend: list[list[str]]) -> OfflineMap:
    """Return the planner's township map: grids, targets, data problems.

    Grids are coloured by assigned cadre (or by village before any plan), every target
    is clustered, targets outside grids and grid defects are drawn on top.

    ``bounds`` is ``[[south, west], [north, east]]`` in the basemap's datum; the URLs
    return GeoJSON already shifted to that datum.
    """
    m = base_map(basemap, bounds)
    layers = [
        Layer("grids", labels["grids"], "polygons", url=grids_url, fill_prop="color",
              weight=1.5, fill_opacity=0.25, fit=True,
              tooltip=[["code", labels["grid"]], ["village", labels["village"]],
                       ["targets", labels["targets"]], ["cadre", labels["cadre"]],
                       ["load_h", labels["load_h"]]]),
        Layer("targets", labels["targets"], "points", url=targets_url, cluster=True,
              color_by="k", colors=kind_colors, radius=4,
              popup_url=target_popup_url,
              popup_fields=[["ext_id", labels["ext_id"]], ["name", labels["name"]],
                            ["kind_label", labels["kind"]], ["address", labels["address"]],
                            ["phone", labels["phone"]], ["grid", labels["grid"]],
                            ["placement", labels["placement"]], ["cadre", labels["cadre"]]]),
        Layer("problems", labels["problems"], "points", url=problems_url, color_by="code",
              colors={"outside_grids": "#d62728", "overlap": "#ff00ff", "gap": "#ff7f0e",
                      "repaired": "#8c564b", "snapped": "#bcbd22"},
              default_color="#d62728", radius=8, weight=3,
              tooltip=[["code_label", labels["problem"]], ["message", labels["message"]]]),
    ]
    MapLayers(layers, name="planner", legend=legend, labels=labels).add_to(m)
    return m


def coverage_map(basemap: Basemap, *, bounds: Sequence[Sequence[float]] | None,
                 coverage_url: str, unvisited_url: str, target_popup_url: str,
                 labels: dict[str, str], legend: list[list[str]]) -> OfflineMap:
    """Return the leader's coverage map: visit-rate choropleth, heat map, clusters.

    Grids are coloured by visit rate (:func:`rate_color`), with a heat map of the
    targets not yet visited and those targets clustered.
    """
    m = base_map(basemap, bounds)
    layers = [
        Layer("coverage", labels["visit_rate"], "polygons", url=coverage_url,
              fill_prop="color", fill_opacity=0.55, weight=1, fit=True,
              tooltip=[["code", labels["grid"]], ["village", labels["village"]],
                       ["visit_rate_pct", labels["visit_rate"]],
                       ["unvisited", labels["unvisited"]]]),
        Layer("heat", labels["heat"], "heat", url=unvisited_url),
        Layer("unvisited", labels["unvisited"], "points", url=unvisited_url, cluster=True,
              default_color="#d62728", radius=4, popup_url=target_popup_url,
              popup_fields=[["ext_id", labels["ext_id"]], ["name", labels["name"]],
                            ["kind_label", labels["kind"]], ["address", labels["address"]],
                            ["phone", labels["phone"]], ["grid", labels["grid"]],
                            ["last_visit", labels["last_visit"]]]),
    ]
    MapLayers(layers, name="coverage", legend=legend, labels=labels).add_to(m)
    return m


def issues_map(basemap: Basemap, *, bounds: Sequence[Sequence[float]] | None,
               grids_url: str | None, issues_url: str, issue_popup_url: str,
               labels: dict[str, str], category_colors: dict[str, str],
               legend: list[list[str]]) -> OfflineMap:
    """Return the open-issues map: a marker per issue, clustered.

    Markers are coloured by category, with a red or yellow ring for warnings (红黄预警).
    """
    m = base_map(basemap, bounds)
    layers = []
    if grids_url:
        layers.append(Layer("grids", labels["grids"], "polygons", url=grids_url,
                            default_color="#555555", fill_opacity=0.05, weight=1, fit=True,
                            tooltip=[["code", labels["grid"]], ["village", labels["village"]]]))
    layers.append(Layer(
        "issues", labels["open_issues"], "points", url=issues_url, cluster=True,
        color_by="cat", colors=category_colors, radius=6, weight=3, ring_by="warn",
        rings={"red": "#ff0000", "yellow": "#ffcc00"}, popup_url=issue_popup_url,
        fit=not grids_url,
        popup_fields=[["id", labels["issue_no"]], ["category_label", labels["category"]],
                      ["status_label", labels["status"]], ["warning_label", labels["warning"]],
                      ["deadline", labels["deadline"]], ["text", labels["issue_text"]],
                      ["target_name", labels["name"]], ["address", labels["address"]],
                      ["unit", labels["unit"]]]))
    MapLayers(layers, name="issues", legend=legend, labels=labels).add_to(m)
    return m


def route_map(basemap: Basemap, view: rx.DayView, labels: dict[str, str]) -> OfflineMap:
    """Return the map of one cadre-day: the route line, the base and the stops.

    The stops are numbered by the page's script (``data-stop-labels`` on the map's
    container counts the numbers drawn, from :func:`stop_numbers`). Coordinates are
    shifted from WGS-84 to the basemap's datum. ``labels`` holds the route page's labels
    (``route``, ``depart``, ``return``, ``base``, ``stops``, ``stop``, ``time``,
    ``purpose``) and ``ext_id``, ``name``, ``address``, ``loading``, ``load_failed``.
    """
    fc = rx.to_geojson(view, datum=basemap.crs)
    by_kind: dict[str, list[dict[str, Any]]] = {"route": [], "base": [], "stop": []}
    for f in fc["features"]:
        by_kind[f["properties"]["feature"]].append(f)
    xs = [c[0] for f in by_kind["route"] for c in f["geometry"]["coordinates"]]
    ys = [c[1] for f in by_kind["route"] for c in f["geometry"]["coordinates"]]
    bounds = [[min(ys), min(xs)], [max(ys), max(xs)]] if xs else None
    m = base_map(basemap, bounds, height="55vh")

    def coll(kind: str) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": by_kind[kind]}

    layers = [
        Layer("route", labels["route"], "polygons", data=coll("route"),
              default_color="#d62728", weight=4, fit=True,
              tooltip=[["depart", labels["depart"]], ["return", labels["return"]]]),
        Layer("base", labels["base"], "points", data=coll("base"),
              default_color="#2ca02c", radius=7, weight=2),
        Layer("stops", labels["stops"], "points", data=coll("stop"),
              default_color="#1f77b4", radius=11, weight=2,
              tooltip=[["stop", labels["stop"]], ["time", labels["time"]],
                       ["target", labels["ext_id"]], ["name", labels["name"]],
                       ["address", labels["address"]], ["purpose_label", labels["purpose"]]]),
    ]
    MapLayers(layers, name="route", labels={"loading": labels["loading"],
                                            "load_failed": labels["load_failed"]}).add_to(m)
    return m


def stop_numbers(view: rx.DayView, basemap: Basemap) -> list[list[float]]:
    """Return ``[stop, lat, lon]`` of each stop in the basemap's datum (degrees, 7 dp).

    The route page draws these numbers on :func:`route_map` (one per stop, a stop
    grouping the targets visited together).
    """
    groups = view.groups()
    pts = rx.to_datum([(g[0].lon, g[0].lat) for g in groups], basemap.crs)
    return [[g[0].stop, round(p[1], 7), round(p[0], 7)] for g, p in zip(groups, pts,
                                                                         strict=True)]


def naive_marker_map(basemap: Basemap, points: Sequence[tuple[float, float, str]], *,
                     bounds: Sequence[Sequence[float]] | None = None) -> OfflineMap:
    """Return the baseline: one ``folium.Marker`` with a tooltip per point (lat, lon, text).

    This is how a map is usually first written with folium; the benchmark measures it
    against the GeoJSON + clustering maps above.
    """
    m = base_map(basemap, bounds)
    for lat, lon, text in points:
        folium.Marker([lat, lon], tooltip=text).add_to(m)
    return m


#: folium's ``<script>L_NO_TOUCH = false; L_DISABLE_3D = false;</script>`` in the header: it
#: sets Leaflet's defaults again, and the CSP allows no inline script without a nonce.
_NO_INLINE_SCRIPT = re.compile(
    r"<script>\s*L_NO_TOUCH = false;\s*L_DISABLE_3D = false;\s*</script>")


def map_parts(m: folium.Map) -> dict[str, str]:
    """Render a map into the parts a page embeds.

    ``header`` (scripts and styles, for ``<head>``), ``html`` (the map's ``<div>``),
    ``script`` (its JavaScript) and ``id`` (the map's JavaScript name).
    """
    fig = m.get_root()
    fig.render()
    return {"header": _NO_INLINE_SCRIPT.sub("", fig.header.render()), "html": fig.html.render(),
            "script": fig.script.render(), "id": m.get_name()}
