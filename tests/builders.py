"""Small input files built in code, with expected values known by hand."""

from __future__ import annotations

import geopandas as gpd
import shapely

# 2 × 2 grids of 0.01° near lon 116.6, lat 37.4 (about 885 m × 1,110 m each):
#   G3 | G4        lat 37.41–37.42
#   G1 | G2        lat 37.40–37.41
#  116.60–116.61 | 116.61–116.62
GRID_BOXES = {
    "G1": (116.60, 37.40, 116.61, 37.41),
    "G2": (116.61, 37.40, 116.62, 37.41),
    "G3": (116.60, 37.41, 116.61, 37.42),
    "G4": (116.61, 37.41, 116.62, 37.42),
}


def grid_frame(boxes: dict[str, tuple[float, float, float, float]] | None = None
               ) -> gpd.GeoDataFrame:
    """The 2 × 2 test grids with Chinese properties, as a planner's file would have them."""
    boxes = boxes or GRID_BOXES
    return gpd.GeoDataFrame(
        {"编号": list(boxes), "名称": [f"测试村第{i}网格" for i in range(1, len(boxes) + 1)],
         "村": ["测试村"] * len(boxes), "乡镇": ["测试镇"] * len(boxes),
         "村标签": ["经济薄弱村"] + [""] * (len(boxes) - 1)},
        geometry=[shapely.box(*b) for b in boxes.values()], crs="EPSG:4326")


