"""Vehicle routing with time windows over plain data (路线规划求解核心).

The router behind the daily routes of visiting cadres: one :class:`Vehicle` is one
cadre-day (走访干部的一天), leaving its base and coming back within its visiting window;
nodes are targets (走访对象) with service minutes and one or several time windows
(households in the evening and at weekends, enterprises in office hours). Nodes that the
days cannot hold are dropped and listed with the reason. Everything is plain integers in
a unit the caller chooses (seconds, minutes, Solomon's tenths).

Modules
-------
:mod:`~zoufang.planner.routing.problem`
    :class:`Vehicle` and :class:`RoutingProblem`, which check themselves (the
    conventions on windows, depots and reported times are in its module docstring).
:mod:`~zoufang.planner.routing.result`
    :class:`RoutingResult`, :class:`Route`, :class:`StopTiming`, :class:`Dropped`.
:mod:`~zoufang.planner.routing.search`
    :func:`solve` with OR-Tools, :class:`SearchConfig`, the tuned operators and the
    two-worker :data:`DEFAULT_PORTFOLIO` (tuning notes in its module docstring).
:mod:`~zoufang.planner.routing.check`
    The independent checker (:func:`check_result`, :func:`check_sequences`): it
    recomputes every time and distance from the matrices and shares no code with the
    router.
:mod:`~zoufang.planner.routing.solomon`
    Solomon's VRPTW benchmark instances read into a :class:`RoutingProblem`.
``_validate``, ``_screen``, ``_raw``
    Private parts: input checks, the screening of nodes no vehicle can serve alone, and
    the raw search outcome turned into a timed result.
"""

from zoufang.planner.routing.check import (
    RouteCheckReport,
    Violation,
    check_result,
    check_sequences,
)
from zoufang.planner.routing.problem import RoutingProblem, TimeWindow, Vehicle
from zoufang.planner.routing.result import (
    DROP_REASONS,
    Dropped,
    DropReason,
    Route,
    RoutingResult,
    StopTiming,
)
from zoufang.planner.routing.search import (
    DEFAULT_PORTFOLIO,
    LNS_OPERATORS,
    OPTIONAL_NODE_OPERATORS,
    PREVIOUS_PORTFOLIO,
    SOFT_PORTFOLIO,
    TUNED_OPERATORS,
    SearchConfig,
    solve,
)
from zoufang.planner.routing.solomon import (
    BestKnown,
    SolomonInstance,
    read_bks,
    read_solomon,
    solomon_class,
    to_problem,
    unrounded_distance,
)

__all__ = [
    "DEFAULT_PORTFOLIO",
    "DROP_REASONS",
    "LNS_OPERATORS",
    "OPTIONAL_NODE_OPERATORS",
    "PREVIOUS_PORTFOLIO",
    "TUNED_OPERATORS",
    "BestKnown",
    "DropReason",
    "Dropped",
    "Route",
    "RouteCheckReport",
    "RoutingProblem",
    "RoutingResult",
    "SOFT_PORTFOLIO",
    "SearchConfig",
    "SolomonInstance",
    "StopTiming",
    "TimeWindow",
    "Vehicle",
    "Violation",
    "check_result",
    "check_sequences",
    "read_bks",
    "read_solomon",
    "solomon_class",
    "solve",
    "to_problem",
    "unrounded_distance",
]
