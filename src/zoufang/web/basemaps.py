"""Basemaps (底图): where tiles come from, and in which datum their pixels are.

Stored coordinates are WGS-84. A basemap drawn in GCJ-02 (Amap/Tencent, 高德/腾讯) needs
every point and polygon shifted to GCJ-02 before display, or everything lands hundreds of
metres off; WGS-84 / CGCS2000 basemaps (OpenStreetMap, Tianditu 天地图, most intranet
tile servers) need no shift. :func:`to_display` does the shift when, and only when, the
basemap asks for it.

Configuration (Flask config or environment, see :func:`basemap_from_config`):

``BASEMAP``
    ``blank`` (default: plain tiles served by the app itself, so a deployment that names
    no tile server sends no browser to the internet), ``osm`` (OpenStreetMap's public
    server), ``tianditu`` (needs ``TIANDITU_KEY``), ``amap`` (GCJ-02) or ``custom``.
``TILE_URL``, ``TILE_CRS``, ``TILE_ATTRIBUTION``, ``TILE_SUBDOMAINS``
    A custom tile server (an intranet one): a Leaflet URL template such as
    ``http://tiles.gov.local/{z}/{x}/{y}.png`` and its datum (``wgs84`` or ``gcj02``).
    Setting ``TILE_URL`` implies ``BASEMAP=custom``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from zoufang.gis.crs import wgs84_to_gcj02

__all__ = ["BASEMAPS", "Basemap", "basemap_from_config", "shift_geometry", "to_display"]

DATUMS: Final = ("wgs84", "gcj02")


@dataclass(frozen=True)
class Basemap:
    """A tile source: Leaflet URL template, attribution, datum of its pixels."""

    key: str
    label: str
    url: str
    attribution: str
    crs: str = "wgs84"
    subdomains: str = "abc"
    max_zoom: int = 18
    overlay_url: str | None = None

    def __post_init__(self) -> None:
        if self.crs not in DATUMS:
            raise ValueError(f'`crs` was "{self.crs}" but is expected to be in {list(DATUMS)}')
        if "{x}" not in self.url or "{y}" not in self.url or "{z}" not in self.url:
            raise ValueError(f"tile URL {self.url!r} must contain {{x}}, {{y}} and {{z}}")

    @property
    def is_local(self) -> bool:
        """True when the tiles come from this app (a path, no host)."""
        return self.url.startswith("/")

    def origins(self) -> list[str]:
        """Origins the browser loads tiles from (for the Content-Security-Policy)."""
        out = []
        for url in (self.url, self.overlay_url):
            if not url or url.startswith("/"):
                continue
            parts = urlsplit(url.replace("{s}", "s"))
            host = parts.netloc
            if "{s}" in url.split("//", 1)[-1].split("/", 1)[0]:
                host = "*." + host.split(".", 1)[1] if "." in host else host
            out.append(f"{parts.scheme}://{host}")
        return out


BASEMAPS: Final[dict[str, Basemap]] = {
    "osm": Basemap("osm", "OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                   '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
                   " contributors", "wgs84", "", 19),
    "tianditu": Basemap(
        "tianditu", "天地图 Tianditu",
        "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
        "&TILECOL={x}&tk={key}", "&copy; 天地图 Tianditu", "wgs84", "01234567", 18,
        "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
        "&TILECOL={x}&tk={key}"),
    "amap": Basemap(
        "amap", "高德 Amap (GCJ-02)",
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}", "&copy; 高德地图 Amap", "gcj02", "1234", 18),
    "blank": Basemap("blank", "空白底图 blank (offline)", "/tiles/blank/{z}/{x}/{y}.png",
                     "zoufang", "wgs84", "", 19),
}


def basemap_from_config(config: Mapping[str, Any]) -> Basemap:
    """Return the basemap chosen by the app's config (see the module docstring).

    Raises
    ------
    ValueError
        Unknown ``BASEMAP``, Tianditu without a key, or a custom one without a URL.
    """
    key = (config.get("BASEMAP") or "blank").lower()
    url = config.get("TILE_URL")
    if url:
        key = "custom"
    if key == "custom":
        if not url:
            raise ValueError("BASEMAP is custom but TILE_URL is not set")
        return Basemap("custom", config.get("TILE_LABEL") or "底图 basemap", url,
                       config.get("TILE_ATTRIBUTION") or "", (config.get("TILE_CRS") or
                                                              "wgs84").lower(),
                       config.get("TILE_SUBDOMAINS") or "abc",
                       int(config.get("TILE_MAX_ZOOM") or 18))
    if key not in BASEMAPS:
        raise ValueError(f'BASEMAP was "{key}" but is expected to be in '
                         f"{[*BASEMAPS, 'custom']}")
    base = BASEMAPS[key]
    if key == "tianditu":
        tk = config.get("TIANDITU_KEY")
        if not tk:
            raise ValueError("BASEMAP is tianditu but TIANDITU_KEY is not set")
        return Basemap(base.key, base.label, base.url.replace("{key}", tk), base.attribution,
                       base.crs, base.subdomains, base.max_zoom,
                       (base.overlay_url or "").replace("{key}", tk) or None)
    return base


def to_display(lon: ArrayLike, lat: ArrayLike, basemap: Basemap
               ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WGS-84 degrees → the basemap's datum (GCJ-02 only for a GCJ-02 basemap)."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    if basemap.crs == "gcj02":
        return wgs84_to_gcj02(lon_a, lat_a)
    return lon_a, lat_a


def shift_geometry(geom: Any, basemap: Basemap) -> Any:
    """Return a shapely geometry in WGS-84 shifted to the basemap's datum."""
    if basemap.crs != "gcj02" or geom is None:
        return geom

    def _f(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, _f)
