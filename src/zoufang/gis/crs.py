"""Coordinate systems used in China, and the metric projection used for distances.

Points picked on Amap/Tencent web maps are in GCJ-02 (the "Mars" datum, an obfuscated
shift of WGS-84); points picked on Baidu maps are in BD-09 (a further shift of GCJ-02).
GPS, OpenStreetMap and Tianditu (天地图) use WGS-84 or CGCS2000 (EPSG:4490), which agree
to centimetres. Mixing them moves points by 100–700 m, so every file is converted to
WGS-84 on import and distances are computed in a metric projection (UTM) chosen for the
data, never in degrees.

The forward transforms are the published closed-form ones. Their inverses have no closed
form; :func:`gcj02_to_wgs84` and :func:`bd09_to_wgs84` iterate the forward transform
until the round trip agrees to better than 1 cm (the one-step inverse is off by metres).
All functions are vectorised over numpy arrays; longitudes and latitudes are degrees.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS

__all__ = [
    "CHINA_BOUNDS",
    "CHINA_CRS_NAMES",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "metric_crs_for",
    "normalise_crs",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: Longitude and latitude arrays (degrees), as the transforms return them.
_LonLat = tuple[NDArray[np.float64], NDArray[np.float64]]

#: Krasovsky 1940 ellipsoid, as used by the GCJ-02 algorithm.
_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323
_X_PI: Final = math.pi * 3000.0 / 180.0

#: Bounding box of China's territory (lon_min, lat_min, lon_max, lat_max), degrees.
CHINA_BOUNDS: Final = (73.4, 3.8, 135.1, 53.6)

#: The CRS names accepted besides EPSG codes, mapped to their canonical name.
CHINA_CRS_NAMES: Final = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "epsg:4326": "wgs84",
    "4326": "wgs84",
    "gps": "wgs84",
    "cgcs2000": "cgcs2000",
    "epsg:4490": "cgcs2000",
    "4490": "cgcs2000",
    "tianditu": "cgcs2000",
    "天地图": "cgcs2000",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj": "gcj02",
    "amap": "gcj02",
    "gaode": "gcj02",
    "高德": "gcj02",
    "tencent": "gcj02",
    "腾讯": "gcj02",
    "火星坐标": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "baidu": "bd09",
    "百度": "bd09",
}


def _arr(a: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(a, dtype=np.float64)


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Return True where (lon, lat) in degrees lies inside :data:`CHINA_BOUNDS`."""
    lon, lat = _arr(lon), _arr(lat)
    x0, y0, x1, y1 = CHINA_BOUNDS
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def _delta(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> _LonLat:
    """GCJ-02 offset (dlon, dlat) in degrees at WGS-84 (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    sq = np.sqrt(np.abs(x))
    s6x = np.sin(6.0 * x * math.pi)
    s2x = np.sin(2.0 * x * math.pi)
    common = (20.0 * s6x + 20.0 * s2x) * 2.0 / 3.0
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq
        + common
        + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq
        + common
        + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> _LonLat:
    """Shift WGS-84 degrees to GCJ-02. Points outside China are returned unchanged."""
    lon, lat = _arr(lon), _arr(lat)
    dlon, dlat = _delta(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = 1e-9, max_iter: int = 30
) -> _LonLat:
    """Invert :func:`wgs84_to_gcj02` by fixed-point iteration.

    Converges to ``tol_deg`` (1e-9 degrees ≈ 0.1 mm) in a handful of iterations; the
    round trip WGS-84 → GCJ-02 → WGS-84 is then far below 1 m anywhere in China.
    """
    glon, glat = _arr(lon), _arr(lat)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon = wlon - elon
        wlat = wlat - elat
        if np.all(np.abs(elon) < tol_deg) and np.all(np.abs(elat) < tol_deg):
            break
    return wlon, wlat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> _LonLat:
    """Shift GCJ-02 degrees to Baidu's BD-09."""
    x, y = _arr(lon), _arr(lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(
    lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = 1e-10, max_iter: int = 30
) -> _LonLat:
    """Invert :func:`gcj02_to_bd09` by fixed-point iteration (the closed form is approximate)."""
    blon, blat = _arr(lon), _arr(lat)
    # closed-form approximation as the starting point
    x, y = blon - 0.0065, blat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(max_iter):
        flon, flat = gcj02_to_bd09(glon, glat)
        elon, elat = flon - blon, flat - blat
        glon, glat = glon - elon, glat - elat
        if np.all(np.abs(elon) < tol_deg) and np.all(np.abs(elat) < tol_deg):
            break
    return glon, glat


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> _LonLat:
    """Shift WGS-84 degrees to BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> _LonLat:
    """Convert BD-09 degrees to WGS-84 (iterated inverses, sub-centimetre round trip)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def normalise_crs(crs: str | int | CRS | None) -> str | CRS:
    """Return ``"wgs84"``, ``"cgcs2000"``, ``"gcj02"``, ``"bd09"`` or a pyproj CRS.

    ``None`` means WGS-84. Names are case-insensitive and may be Chinese (高德, 百度, 天地图);
    anything else must be an EPSG code or a string pyproj understands.

    Raises
    ------
    ValueError
        If the CRS is not recognised; the message lists the accepted names.
    """
    if crs is None:
        return "wgs84"
    if isinstance(crs, CRS):
        return _geographic_alias(crs)
    key = str(crs).strip().lower()
    if key in CHINA_CRS_NAMES:
        return CHINA_CRS_NAMES[key]
    try:
        parsed = CRS.from_user_input(int(key) if key.isdigit() else str(crs).strip())
    except Exception as exc:  # pyproj raises CRSError, a subclass of Exception
        names = ", ".join(sorted({"wgs84", "cgcs2000", "gcj02", "bd09"}))
        raise ValueError(
            f"CRS {crs!r} is not known: expected one of {names} or an EPSG code such as 4326 "
            f"or 'EPSG:4547' ({exc})"
        ) from None
    return _geographic_alias(parsed)


def _geographic_alias(crs: CRS) -> str | CRS:
    epsg = crs.to_epsg()
    if epsg == 4326:
        return "wgs84"
    if epsg == 4490:
        return "cgcs2000"
    return crs


def to_wgs84(
    x: ArrayLike, y: ArrayLike, crs: str | int | CRS | None
) -> _LonLat:
    """Convert coordinates in ``crs`` to WGS-84 longitude/latitude degrees.

    ``x``/``y`` are longitude/latitude for geographic systems, easting/northing (in the
    CRS's unit) for projected ones. CGCS2000 is taken as equal to WGS-84 (they differ by
    centimetres, below what the campaign's data resolves).
    """
    kind = normalise_crs(crs)
    x, y = _arr(x), _arr(y)
    if kind in ("wgs84", "cgcs2000"):
        return x.copy(), y.copy()
    if kind == "gcj02":
        return gcj02_to_wgs84(x, y)
    if kind == "bd09":
        return bd09_to_wgs84(x, y)
    assert isinstance(kind, CRS)
    from pyproj import Transformer

    tr = Transformer.from_crs(kind, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(x, y)
    return _arr(lon), _arr(lat)


def metric_crs_for(lon: ArrayLike, lat: ArrayLike) -> CRS:
    """Choose a metric CRS (WGS-84 / UTM zone) for data around the given points.

    The zone is the one of the median longitude, so a township never straddles a choice.
    Distances in metres within a township are then accurate to well under 0.1 %.
    """
    lon, lat = _arr(lon), _arr(lat)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        raise ValueError("cannot choose a metric CRS: no finite coordinates given")
    mlon = float(np.median(lon[ok]))
    mlat = float(np.median(lat[ok]))
    zone = int(math.floor((mlon + 180.0) / 6.0)) % 60 + 1
    epsg = (32600 if mlat >= 0 else 32700) + zone
    return CRS.from_epsg(epsg)
