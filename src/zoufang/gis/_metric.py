"""Helpers of the travel models: checked lon/lat points and their metric projection.

Points are WGS-84 longitude/latitude degrees; :func:`project` turns them into metres of
a projected CRS (the UTM zone of the data), where :func:`pairwise` measures distances.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer

from zoufang.gis.crs import CHINA_BOUNDS, in_china
from zoufang.vocab import TRAVEL_MODES

__all__ = [
    "F64",
    "I64",
    "check_mode",
    "check_points",
    "epsg_of",
    "pairwise",
    "project",
    "transformers",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def epsg_of(crs: CRS) -> int:
    """Return the EPSG code of ``crs`` (a UTM zone from ``metric_crs_for`` always has one)."""
    code = crs.to_epsg()
    if code is None:
        raise ValueError(f"CRS {crs.name!r} has no EPSG code")
    return code


@lru_cache(maxsize=16)
def transformers(epsg: int) -> tuple[Transformer, Transformer]:
    """WGS-84 → EPSG and back, always lon/lat (x, y) order."""
    fwd = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    inv = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    return fwd, inv


def project(tr: Transformer, lonlat: F64) -> F64:
    """Transform ``(n, 2)`` lon/lat degrees with ``tr``; return ``(n, 2)`` x/y."""
    x, y = tr.transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])


def check_mode(mode: str) -> str:
    """Return ``mode`` if it is a travel mode; ValueError naming the known ones."""
    if mode not in TRAVEL_MODES:
        raise ValueError(f"`mode` was {mode!r} but is expected to be in {list(TRAVEL_MODES)}")
    return mode


def check_points(points: ArrayLike) -> F64:
    """Return points as an ``(n, 2)`` float array; ValueError naming bad indexes."""
    try:
        pts = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"points must be an (n, 2) array of lon/lat numbers: {exc}") from None
    if pts.size == 0:
        return np.zeros((0, 2), dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must be an (n, 2) array of lon/lat degrees, got shape "
                         f"{pts.shape}")
    finite = np.isfinite(pts).all(axis=1)
    bad = np.flatnonzero(~finite)
    if bad.size:
        shown = ", ".join(f"{k} {tuple(pts[k].tolist())}" for k in bad[:10])
        more = f" and {bad.size - 10} more" if bad.size > 10 else ""
        raise ValueError(f"points with NaN or infinite coordinates at index {shown}{more}")
    outside = np.flatnonzero(~in_china(pts[:, 0], pts[:, 1]))
    if outside.size:
        x0, y0, x1, y1 = CHINA_BOUNDS
        shown = ", ".join(f"{k} {tuple(pts[k].tolist())}" for k in outside[:10])
        more = f" and {outside.size - 10} more" if outside.size > 10 else ""
        raise ValueError(
            f"points outside China (lon {x0}–{x1}, lat {y0}–{y1}) at index {shown}{more}; "
            "points must be WGS-84 longitude/latitude degrees")
    return pts


def pairwise(xy: F64) -> F64:
    """Euclidean distances between every pair of ``(n, 2)`` points (same unit)."""
    d = xy[:, None, :] - xy[None, :, :]
    return np.hypot(d[..., 0], d[..., 1])
