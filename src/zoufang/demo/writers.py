"""The files as a township's offices send them: GeoJSON, GBK CSV, xlsx, UTF-8 CSV with BOM.

:func:`write_files` converts the township's metric points to WGS-84, shifts household and
unit points to GCJ-02 (as picked on an Amap web map), and writes ``grids.geojson``,
``households.csv``, ``units.xlsx``, ``cadres.csv``, ``roads.geojson`` and ``README.md``.
GeoJSON and CSV are written by hand and the xlsx archive gets fixed timestamps, so equal
content gives equal bytes.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any, Final

import numpy as np

from zoufang.demo._common import (
    K_CLINIC,
    K_ENTERPRISE,
    K_HEALTH_CENTRE,
    K_MARKET,
    K_ORGAN,
    K_PUBLIC,
    K_SCHOOL,
    K_SHOP,
    K_VILLAGE_CLINIC,
    TOWNSHIP,
    Arr,
)
from zoufang.demo.cadres import Cadre
from zoufang.demo.readme import count_contents, readme_text
from zoufang.demo.roads import count_components, node
from zoufang.demo.township import Township
from zoufang.gis.crs import wgs84_to_gcj02

__all__ = ["write_files"]

_FIXED_TIME: Final = _dt.datetime(2022, 2, 28, 9, 0, 0)


def _ring_json(lon: Arr, lat: Arr) -> str:
    """Return the coordinates as a GeoJSON array of [lon, lat], 7 decimals (about 1 cm)."""
    return "[" + ",".join(f"[{x:.7f},{y:.7f}]" for x, y in zip(lon, lat, strict=True)) + "]"


def _feature(props: dict[str, Any], geom: str) -> str:
    """Return a GeoJSON Feature of ``props`` and the geometry text ``geom``."""
    return ('{"type":"Feature","properties":' + json.dumps(props, ensure_ascii=False)
            + ',"geometry":' + geom + "}")


def _write_collection(path: Path, name: str, features: list[str]) -> None:
    """Write a FeatureCollection named ``name``, one feature a line, UTF-8."""
    text = ('{"type":"FeatureCollection","name":' + json.dumps(name, ensure_ascii=False)
            + ',"features":[\n' + ",\n".join(features) + "\n]}\n")
    path.write_bytes(text.encode("utf-8"))


def _csv_bytes(header: list[str], rows: list[list[str]], encoding: str) -> bytes:
    """Return a CSV with CRLF line ends, encoded as ``encoding``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def _xlsx_bytes(sheet: str, header: list[str], rows: list[list[Any]],
                widths: list[int], office: str = f"{TOWNSHIP}党政办公室") -> bytes:
    """Return an xlsx workbook with fixed timestamps: equal content gives equal bytes."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for r in rows:
        ws.append(r)
    for i, wdt in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = wdt
    ws.freeze_panes = "A2"
    wb.properties.creator = office
    wb.properties.lastModifiedBy = office
    wb.properties.created = _FIXED_TIME
    raw = io.BytesIO()
    wb.save(raw)
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:modified|created)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + stamp + rb"\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            dst.writestr(zi, body)
    return out.getvalue()


_TARGET_HEADER: Final = ["编号", "姓名", "类型", "地址", "电话", "经度", "纬度", "标签", "网格"]
_CADRE_HEADER: Final = ["编号", "姓名", "级别", "单位", "电话", "基地经度", "基地纬度", "每日小时",
                        "可用天数"]


def write_files(town: Township, cadres: list[Cadre], out_dir: Path) -> dict[str, int]:
    """Write the demo's files into ``out_dir``.

    Parameters
    ----------
    town
        The township with all its targets drawn (metres, local frame).
    cadres
        The roster, in the order of ``cadres.csv``.
    out_dir
        An existing directory; files of the same names are overwritten.

    Returns
    -------
    dict of str to int
        The counts of :func:`zoufang.demo.readme.count_contents`.

    Raises
    ------
    RuntimeError
        If the road network is not connected.
    """
    grids = town.grids
    # grids.geojson
    feats = []
    for g, ring in enumerate(grids.rings):
        p = town.places[grids.place[g]]
        closed = np.vstack([ring, ring[:1]])
        lon, lat = town.to_lonlat(closed)
        props = {"编号": grids.code(g), "名称": f"{p.name}第{grids.number[g]}网格",
                 "村": p.name, "乡镇": town.name, "村标签": p.tag,
                 "网格员": town.grid_workers[g][0], "网格员电话": town.grid_workers[g][1]}
        feats.append(_feature(props, '{"type":"Polygon","coordinates":['
                              + _ring_json(lon, lat) + "]}"))
    order = sorted(range(len(feats)), key=lambda g: (grids.place[g], grids.number[g]))
    _write_collection(out_dir / "grids.geojson", f"{town.name}网格", [feats[g] for g in order])

    # households.csv (GBK, GCJ-02)
    hh = sorted(town.households, key=lambda h: h.sort)
    xy = np.asarray([h.xy for h in hh])
    lon, lat = town.to_lonlat(xy)
    glon, glat = wgs84_to_gcj02(lon, lat)
    rows = []
    for i, h in enumerate(hh):
        rows.append([f"H{i + 1:06d}", h.name, h.kind, h.address, h.phone, f"{glon[i]:.6f}",
                     f"{glat[i]:.6f}", "、".join(h.tags), grids.code(h.grid)])
    (out_dir / "households.csv").write_bytes(_csv_bytes(_TARGET_HEADER, rows, "gbk"))

    # units.xlsx (GCJ-02)
    kind_order = [K_ORGAN, K_PUBLIC, K_SCHOOL, K_HEALTH_CENTRE, K_CLINIC,
                  K_VILLAGE_CLINIC, K_MARKET, K_ENTERPRISE, K_SHOP]
    units = sorted(town.units, key=lambda t: (kind_order.index(t.kind), t.grid, t.name))
    uxy = np.asarray([t.xy for t in units])
    lon, lat = town.to_lonlat(uxy)
    glon, glat = wgs84_to_gcj02(lon, lat)
    urows: list[list[Any]] = []
    for i, t in enumerate(units):
        urows.append([f"U{i + 1:04d}", t.name, t.kind, t.address, t.phone,
                      round(float(glon[i]), 6), round(float(glat[i]), 6), "、".join(t.tags),
                      grids.code(t.grid)])
    (out_dir / "units.xlsx").write_bytes(
        _xlsx_bytes("走访对象", _TARGET_HEADER, urows, [8, 34, 10, 36, 15, 13, 12, 12, 9],
                    f"{town.name}党政办公室"))

    # cadres.csv (UTF-8 with BOM, WGS-84 bases)
    bxy = np.asarray([c.base for c in cadres])
    lon, lat = town.to_lonlat(bxy)
    crow = []
    for i, c in enumerate(cadres):
        crow.append([f"C{i + 1:03d}", c.name, c.rank, c.unit, c.phone,
                     f"{lon[i]:.6f}", f"{lat[i]:.6f}", str(c.hours), str(c.days)])
    (out_dir / "cadres.csv").write_bytes(_csv_bytes(_CADRE_HEADER, crow, "utf-8-sig"))

    # roads.geojson
    roads = node(list(town.roads.values()) + town.extra_roads)
    feats = []
    ends: list[tuple[str, str]] = []
    for r in roads:
        lon, lat = town.to_lonlat(r.coords)
        feats.append(_feature({"名称": r.name, "highway": r.highway},
                              '{"type":"LineString","coordinates":' + _ring_json(lon, lat) + "}"))
        ends.append((f"{lon[0]:.7f},{lat[0]:.7f}", f"{lon[-1]:.7f},{lat[-1]:.7f}"))
    if count_components(ends) != 1:  # pragma: no cover
        raise RuntimeError("the road network is not connected")
    _write_collection(out_dir / "roads.geojson", f"{town.name}道路", feats)

    counts = count_contents(town, hh, units, cadres, len(roads))
    (out_dir / "README.md").write_bytes(readme_text(town, counts).encode("utf-8"))
    return counts
