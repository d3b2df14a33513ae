"""zoufang (走访): plan and track door-to-door visit campaigns.

Packages: :mod:`zoufang.gis` (geodata in, clean and projected), :mod:`zoufang.planner`
(optimisation over plain data), :mod:`zoufang.campaign` (the persistent campaign store,
imports, CLI commands) and :mod:`zoufang.web` (Flask pages and API).
"""

__version__ = "0.1.0"
