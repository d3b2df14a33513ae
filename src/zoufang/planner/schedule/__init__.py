"""Multi-day visit schedules of one cadre (走访日程).

The targets of the cadre's area spread over the days of a phase, each day an ordered
route from the cadre's base and back. Plain data in, plain data out (no database):
:class:`CadreJob` says who, from where, which days and which targets;
:class:`ScheduleSettings` the campaign's rules; :func:`plan_cadre` returns a
:class:`CadreSchedule` of :class:`DayRoute` and the targets left out with the reason and
the extra days they would need. Travel comes from a
:class:`~zoufang.gis.travel.TravelModel` (road network or straight line × detour).

Modules
-------
:mod:`~zoufang.planner.schedule.settings`
    :class:`ScheduleSettings` (service minutes, windows by kind and day type, the cadres'
    hours, speeds, priority, holidays), :func:`day_type` and :func:`slot_of`.
:mod:`~zoufang.planner.schedule.model`
    The job and the schedule: :class:`CadreJob`, :class:`StopTarget`,
    :class:`CadreSchedule`, :class:`DayRoute`, :class:`ScheduledStop`, :class:`LeftOut`.
:mod:`~zoufang.planner.schedule.build`
    :func:`build_problem`: the days as vehicles of a
    :class:`~zoufang.planner.routing.RoutingProblem` (the model is in its docstring).
:mod:`~zoufang.planner.schedule.solve`
    :func:`plan_cadre` with OR-Tools.
:mod:`~zoufang.planner.schedule.baseline`
    :func:`nearest_neighbour` and :func:`plan_cadre_baseline`, for benchmarks and as the
    search's first solution.
:mod:`~zoufang.planner.schedule.check`
    :func:`check_schedule`, the independent checker: it recomputes every leg from a fresh
    travel matrix and shares no code with the planner.
``_assemble``
    Routes read back into a :class:`CadreSchedule`.
"""

from zoufang.planner.schedule.baseline import nearest_neighbour, plan_cadre_baseline
from zoufang.planner.schedule.build import BuiltProblem, build_problem
from zoufang.planner.schedule.check import ScheduleCheck, ScheduleViolation, check_schedule
from zoufang.planner.schedule.model import (
    CadreJob,
    CadreSchedule,
    DayRoute,
    LeftOut,
    ScheduledStop,
    StopTarget,
)
from zoufang.planner.schedule.settings import (
    DAY_TYPES,
    MODES,
    SLOTS,
    ScheduleSettings,
    day_type,
    slot_of,
)
from zoufang.planner.schedule.solve import CADRE_CONFIG, plan_cadre

__all__ = [
    "CADRE_CONFIG",
    "DAY_TYPES",
    "MODES",
    "SLOTS",
    "BuiltProblem",
    "CadreJob",
    "CadreSchedule",
    "DayRoute",
    "LeftOut",
    "ScheduleCheck",
    "ScheduleSettings",
    "ScheduleViolation",
    "ScheduledStop",
    "StopTarget",
    "build_problem",
    "check_schedule",
    "day_type",
    "nearest_neighbour",
    "plan_cadre",
    "plan_cadre_baseline",
    "slot_of",
]
