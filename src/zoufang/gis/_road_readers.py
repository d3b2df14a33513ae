"""Readers of road files: OpenStreetMap, GeoJSON, GeoPackage and Shapefile lines.

Each reader returns the lines as ``(k, 2)`` arrays of WGS-84 longitude/latitude degrees,
their tags (OSM tags, or a feature's properties written as tags) and, per line, where it
came from (row and field) for error messages; every problem raises a
:class:`~zoufang._errors.ValidationError` that names the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from zoufang._errors import Problem, ValidationError
from zoufang.gis._metric import F64, I64
from zoufang.gis.crs import CHINA_BOUNDS, in_china, normalise_crs, to_wgs84

__all__ = [
    "Where",
    "raise_on_bad_coordinates",
    "read_geojson",
    "read_ogr",
    "read_osm",
    "tag_text",
    "tags_from_props",
]

#: (row, field) of a line, for Problems.
Where = tuple[int | None, str | None]


def tag_text(v: Any) -> str:
    """Write a property value as OSM writes tags: True -> "yes", 1.0 -> "1"."""
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, np.integer):
        return str(int(v))
    return str(v)


def tags_from_props(props: Mapping[str, Any]) -> dict[str, str]:
    """Text tags from feature properties (empty and NaN values left out)."""
    out: dict[str, str] = {}
    for k, v in props.items():
        if v is None or isinstance(v, dict | list) or (isinstance(v, float) and v != v):
            continue
        text = tag_text(v).strip()
        if text:
            out[str(k)] = text
    return out


def read_osm(path: Path, name: str) -> tuple[list[F64], list[I64], list[dict[str, str]],
                                             list[Where]]:
    """Ways with a highway tag, split where a node has no location."""
    import osmium

    lines: list[F64] = []
    keys: list[I64] = []
    tags: list[dict[str, str]] = []
    where: list[Where] = []
    ways = 0
    try:
        fp = (osmium.FileProcessor(str(path)).with_locations()
              .with_filter(osmium.filter.KeyFilter("highway")))
        for obj in fp:
            if not isinstance(obj, osmium.osm.Way):
                continue
            ways += 1
            t = {tag.k: tag.v for tag in obj.tags}
            ids: list[int] = []
            coords: list[tuple[float, float]] = []
            for nd in [*obj.nodes, None]:
                if nd is not None and nd.location.valid():
                    ids.append(nd.ref)
                    coords.append((nd.location.lon, nd.location.lat))
                    continue
                if len(ids) >= 2:  # a node without location (or the end) closes a piece
                    lines.append(np.array(coords, dtype=np.float64))
                    keys.append(np.array(ids, dtype=np.int64))
                    tags.append(t)
                    where.append((None, f"way {obj.id}"))
                ids, coords = [], []
    except (RuntimeError, ValueError, OSError) as exc:
        raise ValidationError(f"{name}: cannot read the OpenStreetMap file", [Problem(
            name, None, None, f"not a readable OSM XML/PBF file: {exc}",
            code="unreadable")]) from None
    if not lines:
        what = ("its highway ways have no node coordinates" if ways
                else "no ways with a highway tag")
        raise ValidationError(f"{name}: no roads in the OpenStreetMap file", [Problem(
            name, None, "highway", what, code="no_roads")])
    return lines, keys, tags, where


def read_geojson(path: Path, name: str) -> tuple[list[F64], list[dict[str, str]],
                                                 list[Where]]:
    """LineString/MultiLineString features of a GeoJSON file, in WGS-84."""
    def fail(message: str, code: str = "malformed_geojson",
             row: int | None = None) -> ValidationError:
        return ValidationError(f"{name}: cannot read the GeoJSON file",
                               [Problem(name, row, None, message, code=code)])

    try:
        doc = json.loads(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise fail(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") \
            from None
    if not isinstance(doc, dict) or not isinstance(doc.get("type"), str):
        raise fail("expected a GeoJSON object with a 'type' (a FeatureCollection of lines)")
    kind = doc["type"]
    if kind == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise fail("a FeatureCollection needs a 'features' list")
    elif kind == "Feature":
        feats = [doc]
    elif kind in ("LineString", "MultiLineString", "GeometryCollection", "Point",
                  "MultiPoint", "Polygon", "MultiPolygon"):
        feats = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        raise fail(f"unknown GeoJSON type {kind!r}; expected a FeatureCollection of lines")

    lines: list[F64] = []
    tags: list[dict[str, str]] = []
    rows: list[Where] = []
    problems: list[Problem] = []
    others: dict[str, int] = {}
    for k, feat in enumerate(feats, start=1):
        if not isinstance(feat, dict):
            problems.append(Problem(name, k, None, "a feature must be a JSON object",
                                    code="malformed_geojson"))
            continue
        geom = feat.get("geometry")
        if geom is None:
            others["no geometry"] = others.get("no geometry", 0) + 1
            continue
        gtype = geom.get("type") if isinstance(geom, dict) else None
        if gtype not in ("LineString", "MultiLineString"):
            label = str(gtype) if gtype is not None else "malformed geometry"
            others[label] = others.get(label, 0) + 1
            continue
        coords = geom.get("coordinates")
        parts = [coords] if gtype == "LineString" else coords
        props = feat.get("properties")
        t = tags_from_props(props if isinstance(props, dict) else {})
        if not isinstance(parts, list):
            problems.append(Problem(name, k, "coordinates", f"{gtype} without a coordinates "
                                    "list", code="malformed_geojson"))
            continue
        for part in parts:
            try:
                a = np.asarray(part, dtype=np.float64)
                ok = a.ndim == 2 and a.shape[0] >= 2 and a.shape[1] >= 2
            except (TypeError, ValueError):
                ok = False
            if not ok:
                problems.append(Problem(name, k, "coordinates",
                                        "a line needs at least two [lon, lat] positions",
                                        code="malformed_geojson", value=str(part)[:60]))
                continue
            lines.append(a[:, :2].copy())
            tags.append(t)
            rows.append((k, "coordinates"))
    if problems:
        raise ValidationError(f"{name}: cannot read the GeoJSON file", problems)
    if not lines:
        found = ", ".join(f"{v} {k}" for k, v in sorted(others.items())) or "no features"
        raise ValidationError(f"{name}: no roads in the GeoJSON file", [Problem(
            name, None, "geometry",
            f"no LineString or MultiLineString features (found {found})", code="no_lines")])
    crs = _geojson_crs(doc)
    if crs is not None:
        try:
            kind_crs = normalise_crs(crs)
        except ValueError as exc:
            raise fail(f"the file's crs member is not understood: {exc}", code="crs") \
                from None
        if kind_crs not in ("wgs84", "cgcs2000"):
            lines = [np.column_stack(to_wgs84(c[:, 0], c[:, 1], kind_crs)) for c in lines]
    return lines, tags, rows


def _geojson_crs(doc: Mapping[str, Any]) -> str | None:
    """Return the CRS named by a legacy (2008) GeoJSON ``crs`` member, or None."""
    crs = doc.get("crs")
    if not isinstance(crs, dict):
        return None
    props = crs.get("properties")
    name = props.get("name") if isinstance(props, dict) else None
    if not isinstance(name, str):
        return None
    if name.upper().endswith("CRS84"):
        return "wgs84"
    return name


def read_ogr(path: Path, name: str) -> tuple[list[F64], list[dict[str, str]],
                                             list[Where]]:
    """Read the first line layer of a GeoPackage or Shapefile, in WGS-84."""
    import geopandas as gpd
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
        line_layers = [str(lyr) for lyr, gt in layers if gt and "LINESTRING" in str(gt).upper()]
        if not line_layers:
            found = ", ".join(f"{lyr} ({gt})" for lyr, gt in layers) or "none"
            raise ValidationError(f"{name}: no roads in the file", [Problem(
                name, None, "geometry", f"no layer of lines (layers: {found})",
                code="no_lines")])
        gdf = gpd.read_file(path, layer=line_layers[0], engine="pyogrio")
    except ValidationError:
        raise
    except Exception as exc:  # pyogrio raises DataSourceError and friends, GDAL many more
        raise ValidationError(f"{name}: cannot read the file", [Problem(
            name, None, None, f"not a readable GeoPackage/Shapefile: {exc}",
            code="unreadable")]) from None
    if gdf.crs is not None and gdf.crs.to_epsg() not in (4326, 4490):
        gdf = gdf.to_crs(4326)
    lines: list[F64] = []
    tags: list[dict[str, str]] = []
    rows: list[Where] = []
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    records = gdf[cols].to_dict("records")
    for k, (geom, rec) in enumerate(zip(gdf.geometry, records, strict=True), start=1):
        if geom is None or geom.is_empty:
            continue
        t = tags_from_props(rec)
        for part in shapely.get_parts(geom):
            if part.geom_type != "LineString":
                continue
            lines.append(shapely.get_coordinates(part).astype(np.float64))
            tags.append(t)
            rows.append((k, "geometry"))
    if not lines:
        raise ValidationError(f"{name}: no roads in the file", [Problem(
            name, None, "geometry", "no LineString features with coordinates",
            code="no_lines")])
    return lines, tags, rows


def raise_on_bad_coordinates(lines: Sequence[F64], where: Sequence[Where],
                             name: str) -> None:
    """Refuse lines that are not finite lon/lat degrees inside China, naming each.

    ``where`` gives, per line, the Problem's row (1-based feature) and field (the OSM
    way, or the geometry column).
    """
    problems: list[Problem] = []
    x0, y0, x1, y1 = CHINA_BOUNDS
    for c, (row, fld) in zip(lines, where, strict=True):
        lon, lat = c[:, 0], c[:, 1]
        if not np.isfinite(c).all():
            problems.append(Problem(name, row, fld,
                                    "coordinates must be finite numbers", code="not_finite"))
            continue
        at = f"({float(lon[0]):.6g}, {float(lat[0]):.6g})"
        if bool(in_china(lat, lon).all()):
            problems.append(Problem(
                name, row, fld,
                "vertices outside China: longitude and latitude look swapped "
                "(expected lon, lat order)", code="lonlat_swapped", value=at))
            continue
        if (np.abs(lon) > 180).any() or (np.abs(lat) > 90).any():
            problems.append(Problem(
                name, row, fld,
                "coordinates are not longitude/latitude degrees (they look like projected "
                "metres); give WGS-84 lon/lat or declare the file's CRS",
                code="not_degrees", value=at))
            continue
        inside = in_china(lon, lat)
        if not inside.all():
            problems.append(Problem(
                name, row, fld,
                f"{int((~inside).sum())} vertices outside China (lon {x0}–{x1}, "
                f"lat {y0}–{y1})", code="outside_china", value=at))
    if problems:
        raise ValidationError(f"{name}: road coordinates are not WGS-84 lon/lat in China",
                              problems)
