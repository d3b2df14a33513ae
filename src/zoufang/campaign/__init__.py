"""The campaign layer: the store, imports, plans, visits, issues, measures and exports.

- :mod:`.store` — every table, the database, migrations and lookups;
- :mod:`.imports` — files as offices send them → targets, grids, cadres (and paper
  records of visits and issues), placed in their grids;
- :mod:`.areas` and :mod:`.arrangement` — visit areas paired with cadres, the 安排表;
- :mod:`.routes` and :mod:`.route_exports` — daily routes, GeoJSON/GPX/printable lists;
- :mod:`.visits` and :mod:`.issues` — visit records and the issue lifecycle;
- :mod:`.measures`, :mod:`.integrity`, :mod:`.hotspots`, :mod:`.exports`,
  :mod:`.summary` — what leaders and planners read.
"""
