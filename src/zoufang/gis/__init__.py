"""Geodata in, clean and projected: readers, CRS, points, grids and travel.

Modules
-------
:mod:`~zoufang.gis.readers`
    CSV/Excel/vector files read into raw tables, with their encodings.
:mod:`~zoufang.gis.crs`
    WGS-84, CGCS2000, GCJ-02 and BD-09, and the metric (UTM) CRS used for distances.
:mod:`~zoufang.gis.points`
    Parsing and checking coordinates of points.
:mod:`~zoufang.gis.gridmap`
    Points placed in grid polygons.
:mod:`~zoufang.gis.topology`
    Repairs, overlaps and gaps of a grid layer.
:mod:`~zoufang.gis.travel`
    The travel interface (:class:`~zoufang.gis.travel.TravelModel`,
    :class:`~zoufang.gis.travel.TravelMatrix`) and the straight-line model.
:mod:`~zoufang.gis.roads`
    The road network model (OpenStreetMap, GeoJSON, GeoPackage, Shapefile).
"""
