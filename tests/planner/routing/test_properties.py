"""Property tests of the router on small random instances (Hypothesis).

An instance has one depot and two to eight nodes at random integer points (travel time =
rounded Euclidean distance), each with zero to two time windows, a service time and, for
some, a drop penalty (optional nodes); one to three vehicles with random windows and
perhaps a duration limit. Whatever the draw, every visit node must be routed exactly once
or listed as dropped with a reason, and the independent checker
(:mod:`zoufang.planner.routing.check`) must accept the routes: only mandatory nodes that
could not be served may break a rule, and then the result says it is infeasible.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoufang.planner.routing import (
    DROP_REASONS,
    RoutingProblem,
    Vehicle,
    check_result,
    solve,
)


@st.composite
def problems(draw: st.DrawFn) -> RoutingProblem:
    """A random small VRPTW with optional nodes and several windows per node."""
    n = draw(st.integers(2, 8)) + 1
    coord = st.integers(0, 60)
    pts = np.array([[draw(coord), draw(coord)] for _ in range(n)])
    dur = np.rint(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)))
    windows: list[list[tuple[int, int]]] = [[(0, 400)]]
    for _ in range(1, n):
        spans = []
        for _ in range(draw(st.integers(0, 2))):
            a = draw(st.integers(0, 300))
            spans.append((a, a + draw(st.integers(0, 100))))
        windows.append(spans)
    vehicles = [Vehicle(0, 0, draw(st.integers(0, 50)), draw(st.integers(200, 400)),
                        max_duration=draw(st.one_of(st.none(), st.integers(50, 300))))
                for _ in range(draw(st.integers(1, 3)))]
    penalty = [None] + [draw(st.one_of(st.none(), st.integers(1, 1000))) for _ in range(n - 1)]
    return RoutingProblem(duration=dur.astype(np.int64),
                          service=[0] + [draw(st.integers(0, 30)) for _ in range(n - 1)],
                          time_windows=windows, vehicles=vehicles, drop_penalty=penalty)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(0, 5))
def test_every_node_routed_once_or_dropped_with_a_reason(problem: RoutingProblem,
                                                         seed: int) -> None:
    """Routed once or dropped with a reason; the checker finds nothing else wrong."""
    result = solve(problem, time_limit_s=0.2, seed=seed)
    routed = [v.node for r in result.routes for v in r.visits]
    dropped = [d.node for d in result.dropped]
    assert sorted(routed + dropped) == list(problem.visit_nodes)
    assert all(d.reason in DROP_REASONS for d in result.dropped)
    assert all(d.mandatory == problem.is_mandatory(d.node) for d in result.dropped)
    if result.status == "no_solution":
        return
    report = check_result(problem, result)
    assert report.codes() <= {"mandatory_dropped"}, report.summary()
    assert result.is_feasible() == (not any(d.mandatory for d in result.dropped))
