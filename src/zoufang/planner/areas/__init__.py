"""Visit areas (走访区域): one area per visiting cadre, paired one to one.

The territory's targets are cut into exactly as many visit areas as there are visitors
(cadres, or teams entered as one visitor), and each area is paired with one visitor
(走访人员与走访区域一一对应). Areas are built from whole grids (网格) where a grid fits one
visitor's capacity share; larger grids are split into parts of nearby targets. Every area
is one connected piece, its workload is balanced against its visitor's capacity share, and
its visitor's base is near it. Re-planning starts from the previous plan: locked pairs
never change and the other pairs change as little as possible (一访到底).

On top of full coverage the must-go layer (四个必到) gives every must-go target a visitor
of the required rank (listed enterprises, economically weak villages and resettlement
communities: deputy-division 副处级 or above; registered poor households: any cadre of
the organs, clerk 科员 or above), spread over eligible cadres near their base.

Everything here is plain data: coordinates are metres in a projected (metric) CRS,
workloads and capacities are minutes.

Modules
-------
:mod:`~zoufang.planner.areas.model`
    Inputs (:class:`Targets`, :class:`GridSpec`, :class:`CadreSpec`, :class:`Lock`,
    :class:`AreaProblem`), results (:class:`AreaSolution`, :class:`PlannedArea`, must-go
    coverage, shortfall, churn), the errors and the must-go rules (:func:`rule_bits`).
:mod:`~zoufang.planner.areas.solve`
    :func:`plan_areas` (the method, step by step, is in its module docstring) and
    :func:`plan_from_labels`.
:mod:`~zoufang.planner.areas.check`
    :func:`check_area_plan`, the independent checker: it recomputes coverage,
    contiguity, must-go ranks and balance from the rules, not from the planner's code.
:mod:`~zoufang.planner.areas.adapter`
    GeoDataFrames (targets, grids, cadres) to an :class:`AreaProblem`; the only module
    here that needs geopandas, so it is not imported by this package: import
    :func:`~zoufang.planner.areas.adapter.build_area_problem` from it.
``_mustgo``, ``_graph``, ``_state``, ``_construct``
    The planner's private parts: the must-go assignment (CP-SAT), the site graph, the
    partition state with its moves and balancing, and the construction steps.
"""

from zoufang.planner.areas.check import AreaCheck, check_area_plan
from zoufang.planner.areas.model import (
    MUSTGO_RULES,
    RULE_MIN_LEVEL,
    TARGET_RULES,
    VILLAGE_RULES,
    AreaInputError,
    AreaProblem,
    AreaSolution,
    CadreSpec,
    Churn,
    GridRisk,
    GridSpec,
    InfeasibleAreasError,
    Lock,
    MustGoCoverage,
    MustGoVisit,
    PlannedArea,
    Shortfall,
    Targets,
    rule_bits,
)
from zoufang.planner.areas.solve import plan_areas, plan_from_labels

__all__ = [
    "MUSTGO_RULES",
    "RULE_MIN_LEVEL",
    "TARGET_RULES",
    "VILLAGE_RULES",
    "AreaCheck",
    "AreaInputError",
    "AreaProblem",
    "AreaSolution",
    "CadreSpec",
    "Churn",
    "GridRisk",
    "GridSpec",
    "InfeasibleAreasError",
    "Lock",
    "MustGoCoverage",
    "MustGoVisit",
    "PlannedArea",
    "Shortfall",
    "Targets",
    "check_area_plan",
    "plan_areas",
    "plan_from_labels",
    "rule_bits",
]
