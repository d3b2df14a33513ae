"""The demo township (示范镇): its input files, a store built from them, a simulated campaign.

- :mod:`~zoufang.demo.generate` writes the files a township's planner would hand over
  (grids, households, units, cadres, roads), byte-for-byte the same for a seed; the
  modules it calls draw the layout (:mod:`~zoufang.demo.layout`,
  :mod:`~zoufang.demo.grids`), the people (:mod:`~zoufang.demo.households`,
  :mod:`~zoufang.demo.units`, :mod:`~zoufang.demo.cadres`) and write the files
  (:mod:`~zoufang.demo.writers`, :mod:`~zoufang.demo.readme`);
- :mod:`~zoufang.demo.build` imports them into a store, plans the visit areas and the
  cadres' routes;
- :mod:`~zoufang.demo.simulate` runs a deterministic campaign of visits and issues on it.
"""
