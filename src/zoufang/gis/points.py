"""Checking and converting point coordinates read from user files.

A point is refused, with the reason, when it is (0, 0) or another placeholder, when its
longitude and latitude look swapped, or when it lies outside China after conversion to
WGS-84. Points with no coordinates at all are allowed through as NaN (the caller decides
what a target without a point means).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pyproj import CRS

from zoufang.gis.crs import CHINA_BOUNDS, in_china, normalise_crs, to_wgs84

__all__ = ["PointIssue", "check_points", "parse_number"]


@dataclass(frozen=True)
class PointIssue:
    """A problem with the point of row ``index`` (0-based position in the input arrays)."""

    index: int
    field: str  # "lon", "lat" or "lonlat"
    code: str
    message: str


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－", "0123456789.-")


def parse_number(text: str | None) -> float | None:
    """Parse a decimal number as users type it ("117.25", "117,25" is refused).

    Returns None for an empty cell; raises ValueError for anything that is not a number.
    Full-width digits and a trailing degree sign are accepted.
    """
    if text is None:
        return None
    s = text.strip().translate(_FULL_WIDTH)
    s = s.rstrip("°").strip()
    if not s:
        return None
    v = float(s)  # raises ValueError with Python's message; caller rewords it
    if not np.isfinite(v):
        raise ValueError(f"not a finite number: {text!r}")
    return v


def check_points(
    x: NDArray[np.float64], y: NDArray[np.float64], crs: str | int | CRS | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], list[PointIssue]]:
    """Check raw coordinates in ``crs`` and convert them to WGS-84.

    Parameters
    ----------
    x, y
        Longitude/latitude in degrees for geographic systems (WGS-84, CGCS2000, GCJ-02,
        BD-09), easting/northing for projected ones. NaN where the row had no point.
    crs
        See :func:`zoufang.gis.crs.normalise_crs`.

    Returns
    -------
    (lon, lat, issues)
        WGS-84 degrees (NaN where missing or refused) and one issue per refused point.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    kind = normalise_crs(crs)
    geographic = not isinstance(kind, CRS) or kind.is_geographic
    issues: list[PointIssue] = []
    bad = np.zeros(len(x), dtype=bool)
    present = np.isfinite(x) & np.isfinite(y)
    x0, y0, x1, y1 = CHINA_BOUNDS
    for i in np.flatnonzero(present):
        xi, yi = float(x[i]), float(y[i])
        if xi == 0.0 and yi == 0.0:
            issues.append(PointIssue(int(i), "lonlat", "zero_point",
                                     "coordinates are (0, 0): a placeholder, not a place; "
                                     "expected the target's real position"))
            bad[i] = True
        elif geographic and (x0 <= yi <= x1) and (y0 <= xi <= y1) and not (
                x0 <= xi <= x1 and y0 <= yi <= y1):
            issues.append(PointIssue(int(i), "lonlat", "lonlat_swapped",
                                     f"longitude {xi} and latitude {yi} look swapped "
                                     "(in China longitude is 73–135 and latitude 4–54); "
                                     "put 经度 (lon) first and 纬度 (lat) second"))
            bad[i] = True
        elif geographic and not (-180 <= xi <= 180 and -90 <= yi <= 90):
            issues.append(PointIssue(int(i), "lonlat", "out_of_range",
                                     f"({xi}, {yi}) is not a longitude/latitude in degrees; "
                                     "if the file is projected, give its EPSG code with --crs"))
            bad[i] = True
    ok = present & ~bad
    lon = np.full(len(x), np.nan)
    lat = np.full(len(x), np.nan)
    if ok.any():
        lo, la = to_wgs84(x[ok], y[ok], kind)
        lon[ok], lat[ok] = lo, la
    inside = in_china(lon, lat)
    for i in np.flatnonzero(ok & ~inside):
        issues.append(PointIssue(int(i), "lonlat", "outside_china",
                                 f"point ({lon[i]:.6f}, {lat[i]:.6f}) in WGS-84 lies outside "
                                 f"China (lon {x0}–{x1}, lat {y0}–{y1}); check the numbers "
                                 "and the --crs"))
        lon[i] = lat[i] = np.nan
    one_missing = np.isfinite(x) ^ np.isfinite(y)
    for i in np.flatnonzero(one_missing):
        field = "lat" if np.isfinite(x[i]) else "lon"
        issues.append(PointIssue(int(i), field, "half_point",
                                 "only one of longitude/latitude is given; expected both "
                                 "or neither"))
    issues.sort(key=lambda p: p.index)
    return lon, lat, issues
