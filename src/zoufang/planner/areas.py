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
workloads and capacities are minutes. :mod:`zoufang.planner.area_adapter` turns
GeoDataFrames into an :class:`AreaProblem`; :mod:`zoufang.planner.area_check` checks any
plan independently.

Method (measured in ``benchmarks/bench_areas.py``)
--------------------------------------------------
1. Must-go visits are assigned by CP-SAT (eligible rank, distance from base, per-cadre
   limits); their minutes are taken off each visitor's area budget.
2. Capacity share of visitor *c*: ``capacity_c * total workload / total capacity``.
3. Targets at one spot in one grid form a *site* (an apartment block is cut into chunks
   of at most 2 % of a median share); sites are linked by Delaunay edges inside a grid
   and across the shared border of adjacent grids. Contiguity means: the grids of an
   area are connected through grid adjacency, and its part of a split grid is connected
   in that grid's Delaunay triangulation.
4. Fresh plan: a grid of load q capacity shares gets floor(q) seeds (k-means inside
   the grid), the other seeds are spread by k-means over the remainders; seeds are
   paired with visitors by base distance, and a capacitated transportation problem
   (OR-Tools min-cost flow, a penalty for leaving the seed's grid) assigns whole small
   grids (those that fit the largest budget) and the sites of big grids; a few Lloyd
   steps. Disconnected bits are re-absorbed by neighbouring areas.
5. Balance: a min-cost flow over the area adjacency graph says how many minutes each
   area passes to each neighbour; boundary sites are moved one by one, each move keeping
   both areas connected (articulation test), preferring moves that create no new split.
6. Pairing: an exact assignment (OR-Tools linear-sum assignment) re-pairs areas and
   visitors to shorten commutes among pairs whose load fits; a last balancing pass.
7. Re-plan: sites keep their previous visitor; new targets join the area around them,
   sites of visitors who left go to the least loaded neighbours; an area that a new
   target cut in two takes the new targets between its parts; a locked area keeps all
   its targets and takes only new ones; then the flow moves the fewest minutes
   needed to bring every unlocked area into the (wider) re-plan band, moving first the
   sites whose move costs no churn.
"""

from __future__ import annotations

import heapq
import math
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from ortools.graph.python import linear_sum_assignment, min_cost_flow
from ortools.sat.python import cp_model

from zoufang._errors import Problem, ValidationError
from zoufang.vocab import RANKS, TARGET_TAGS, VILLAGE_TAGS, rank_level

__all__ = [
    "MUSTGO_RULES",
    "RULE_MIN_LEVEL",
    "TARGET_RULES",
    "VILLAGE_RULES",
    "AreaInputError",
    "AreaPlan",
    "AreaProblem",
    "Cadre",
    "Churn",
    "Grid",
    "GridRisk",
    "InfeasibleAreasError",
    "Lock",
    "MustGoCoverage",
    "MustGoVisit",
    "Shortfall",
    "Targets",
    "VisitArea",
    "plan_areas",
    "plan_from_labels",
    "rule_bits",
]

#: Must-go rules (四个必到), in report order.
MUSTGO_RULES: Final = ("weak_village", "poor_registered", "listed_enterprise",
                       "resettlement_community")
#: Rules carried by single targets (a bit each in :attr:`Targets.rules`).
TARGET_RULES: Final = ("listed_enterprise", "poor_registered")
#: Rules carried by villages (tags of :class:`Grid`); one visit per village.
VILLAGE_RULES: Final = ("weak_village", "resettlement_community")
#: Lowest rank level allowed to make the must-go visit of each rule.
RULE_MIN_LEVEL: Final[dict[str, int]] = {
    "weak_village": rank_level("deputy_division"),
    "listed_enterprise": rank_level("deputy_division"),
    "resettlement_community": rank_level("deputy_division"),
    "poor_registered": rank_level("clerk"),
}
_RULE_LABEL: Final = {**{k: v[0] for k, v in TARGET_TAGS.items()},
                      **{k: v[0] for k, v in VILLAGE_TAGS.items()}}
_LEVEL_NAME: Final = {}
for _code, (_lvl, _names) in RANKS.items():
    _LEVEL_NAME.setdefault(_lvl, f"{_code} ({_names[0]})")


def rule_bits(**flags: ArrayLike) -> NDArray[np.uint8]:
    """Pack per-target rule flags into the bit mask of :attr:`Targets.rules`.

    Example: ``rule_bits(listed_enterprise=is_listed, poor_registered=is_poor)``.
    """
    out: NDArray[np.uint8] | None = None
    for rule, arr in flags.items():
        if rule not in TARGET_RULES:
            raise ValueError(f"rule {rule!r} is not a target rule; expected one of {TARGET_RULES}")
        a = np.asarray(arr, dtype=bool)
        bits = (a.astype(np.uint8) << TARGET_RULES.index(rule)).astype(np.uint8)
        out = bits if out is None else (out | bits)
    if out is None:
        raise ValueError("rule_bits() needs at least one flag array")
    return out


# --------------------------------------------------------------------------------------
# errors


class AreaInputError(ValidationError):
    """The area problem was refused; ``problems`` lists every reason found."""


class InfeasibleAreasError(AreaInputError):
    """The input is valid but no plan can satisfy it (e.g. too few eligible cadres)."""


def _err(source: str, message: str, field_: str | None = None, value: object = None) -> Problem:
    return Problem(source=source, row=None, field=field_, message=message,
                   value=None if value is None else str(value))


# --------------------------------------------------------------------------------------
# inputs


def _frozen_array(values: ArrayLike, dtype: type) -> NDArray:
    arr = np.array(values, dtype=dtype, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Targets:
    """Visit targets (走访对象) as parallel arrays, one entry per target.

    Parameters
    ----------
    x, y
        Easting and northing, metres, in the problem's metric CRS.
    grid
        Index of the grid (网格) each target lies in, into :attr:`AreaProblem.grids`.
    service_min
        Minutes of the visit itself (per-kind service time), >= 0.
    travel_min
        Minutes of walking attributed to the target inside its area (>= 0); the workload
        is ``service_min + travel_min``. Zeros when omitted.
    rules
        Bit mask of target must-go rules (bit ``i`` = ``TARGET_RULES[i]``), see
        :func:`rule_bits`. Zeros when omitted.
    ids
        Optional target identifiers, for reports.
    """

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    grid: NDArray[np.int64]
    service_min: NDArray[np.float64]
    travel_min: NDArray[np.float64] | None = None
    rules: NDArray[np.uint8] | None = None
    ids: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        n = len(np.atleast_1d(self.x))
        set_ = object.__setattr__
        set_(self, "x", _frozen_array(self.x, np.float64))
        set_(self, "y", _frozen_array(self.y, np.float64))
        set_(self, "grid", _frozen_array(self.grid, np.int64))
        set_(self, "service_min", _frozen_array(self.service_min, np.float64))
        set_(self, "travel_min", _frozen_array(
            np.zeros(n) if self.travel_min is None else self.travel_min, np.float64))
        set_(self, "rules", _frozen_array(
            np.zeros(n) if self.rules is None else self.rules, np.uint8))
        for name in ("x", "y", "grid", "service_min", "travel_min", "rules"):
            arr = getattr(self, name)
            if arr.ndim != 1 or len(arr) != n:
                problems.append(_err("targets", f"Expected {name} to have one value per "
                                     f"target ({n}), got shape {arr.shape}.", name))
        if not problems:
            for name in ("x", "y", "service_min", "travel_min"):
                bad = np.flatnonzero(~np.isfinite(getattr(self, name)))
                if len(bad):
                    problems.append(_err("targets", f"Expected finite {name}; "
                                         f"{len(bad)} targets are not, first index {bad[0]}.",
                                         name))
            for name in ("service_min", "travel_min"):
                bad = np.flatnonzero(getattr(self, name) < 0)
                if len(bad):
                    problems.append(_err("targets", f"Expected {name} >= 0; {len(bad)} "
                                         f"targets are negative, first index {bad[0]}.", name))
            if (self.grid < 0).any():
                problems.append(_err("targets", "Expected grid >= 0 (every target in a grid); "
                                     f"{int((self.grid < 0).sum())} targets have none.", "grid"))
        if self.ids is not None:
            set_(self, "ids", tuple(str(i) for i in self.ids))
            if len(self.ids) != n:
                problems.append(_err("targets", f"Expected {n} ids, got {len(self.ids)}.",
                                     "ids"))
        if problems:
            raise AreaInputError("targets refused", problems)

    def __len__(self) -> int:
        return len(self.x)

    @property
    def workload_min(self) -> NDArray[np.float64]:
        """Workload of each target, minutes (service + travel)."""
        assert self.travel_min is not None
        return self.service_min + self.travel_min

    def has_rule(self, rule: str) -> NDArray[np.bool_]:
        """Return which targets carry the target must-go ``rule``."""
        assert self.rules is not None
        return (self.rules >> TARGET_RULES.index(rule)) & 1 == 1


@dataclass(frozen=True)
class Grid:
    """One grid cell (网格).

    Parameters
    ----------
    id
        The grid's code as the users know it.
    neighbours
        Indices of the grids sharing a border with this one (the adapter computes them).
    village
        Village (村) or community (社区) the grid belongs to; grids of one village share
        the village's must-go rules.
    tags
        Village tags (``weak_village``, ``resettlement_community``).
    """

    id: str
    neighbours: tuple[int, ...] = ()
    village: str = ""
    tags: frozenset[str] = frozenset()
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "neighbours", tuple(int(i) for i in self.neighbours))
        object.__setattr__(self, "tags", frozenset(self.tags))
        unknown = self.tags - set(VILLAGE_TAGS)
        if unknown:
            raise AreaInputError(f"grid {self.id!r} refused", [_err(
                f"grid {self.id}", f"Expected village tags in {sorted(VILLAGE_TAGS)}.",
                "tags", sorted(unknown))])


@dataclass(frozen=True)
class Cadre:
    """A visitor (走访人员): one cadre, or one team entered as a single visitor.

    Parameters
    ----------
    id
        Unique identifier.
    capacity_min
        Minutes available in the visit phase (hours a day x 60 x days available), > 0.
    base_x, base_y
        The visitor's base (office, village committee), metres in the problem's CRS.
    rank_level
        Numeric rank from :data:`zoufang.vocab.RANKS` (0 grid worker/village cadre,
        1 clerk, ..., 4 deputy-division 副处级, ...).
    mustgo_quota
        At most this many must-go visits in this phase (what is left of a yearly quota);
        ``None`` for no limit.
    """

    id: str
    capacity_min: float
    base_x: float
    base_y: float
    rank_level: int = 1
    name: str = ""
    mustgo_quota: int | None = None

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        src = f"cadre {self.id!r}"
        cap = float(self.capacity_min)
        if not math.isfinite(cap) or cap < 0:
            problems.append(_err(src, "Expected capacity_min >= 0 minutes.", "capacity_min",
                                 self.capacity_min))
        elif cap == 0:
            problems.append(_err(src, "has zero hours in the visit phase (capacity 0 min): "
                                 "give it hours and days, or leave it out of the plan.",
                                 "capacity_min", 0))
        if not (math.isfinite(float(self.base_x)) and math.isfinite(float(self.base_y))):
            problems.append(_err(src, "Expected a finite base point (metres).", "base"))
        if int(self.rank_level) < 0:
            problems.append(_err(src, "Expected rank_level >= 0.", "rank_level",
                                 self.rank_level))
        if self.mustgo_quota is not None and int(self.mustgo_quota) < 0:
            problems.append(_err(src, "Expected mustgo_quota >= 0 or None.", "mustgo_quota",
                                 self.mustgo_quota))
        if problems:
            raise AreaInputError(f"{src} refused", problems)
        object.__setattr__(self, "capacity_min", cap)
        object.__setattr__(self, "rank_level", int(self.rank_level))


@dataclass(frozen=True)
class Lock:
    """A locked pair: the visitor keeps these targets (or its whole previous area).

    Parameters
    ----------
    cadre_id
        The visitor whose pair is locked.
    targets
        Target indices that must stay with the visitor (the rest of its area may change);
        ``None`` locks the visitor's whole previous area, which needs
        :attr:`AreaProblem.previous`: none of its targets leaves, and only targets new
        since the previous plan (``previous[i] is None``) may join it.
    """

    cadre_id: str
    targets: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if self.targets is not None:
            object.__setattr__(self, "targets", frozenset(int(t) for t in self.targets))


@dataclass(frozen=True, eq=False)
class AreaProblem:
    """Everything :func:`plan_areas` needs, as plain data.

    Parameters
    ----------
    targets
        The visit targets.
    grids
        The grid cells; ``targets.grid`` indexes this tuple.
    cadres
        The visitors; the plan has exactly one area per visitor, in this order.
    locks
        Locked pairs (see :class:`Lock`).
    previous
        Previous plan: the visitor id of each target, ``None`` for targets new since then.
        Visitors no longer in ``cadres`` count as having left.
    village_visit_min
        Minutes of one must-go visit to a weak village or resettlement community.
    """

    targets: Targets
    grids: tuple[Grid, ...]
    cadres: tuple[Cadre, ...]
    locks: tuple[Lock, ...] = ()
    previous: tuple[str | None, ...] | None = None
    village_visit_min: float = 60.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "grids", tuple(self.grids))
        set_(self, "cadres", tuple(self.cadres))
        set_(self, "locks", tuple(self.locks))
        problems: list[Problem] = []
        n, ng, k = len(self.targets), len(self.grids), len(self.cadres)
        if k == 0:
            problems.append(_err("cadres", "No visiting cadres: a plan needs at least one "
                                 "cadre (or team) with hours in the visit phase."))
        if n == 0:
            problems.append(_err("targets", "No targets to visit."))
        elif 0 < k and n < k:
            problems.append(_err("targets", f"{n} targets for {k} cadres: every cadre needs "
                                 "an area of at least one target; plan fewer cadres."))
        ids = [c.id for c in self.cadres]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            problems.append(_err("cadres", "Expected unique cadre ids.", "id", dup[:10]))
        if n and ng and int(self.targets.grid.max()) >= ng:
            problems.append(_err("targets", f"Expected grid indices < {ng} (the number of "
                                 "grids).", "grid", int(self.targets.grid.max())))
        for gi, g in enumerate(self.grids):
            bad = [j for j in g.neighbours if not 0 <= j < ng or j == gi]
            if bad:
                problems.append(_err(f"grid {g.id!r}", f"Expected neighbour indices in "
                                     f"[0, {ng}) other than itself.", "neighbours", bad))
        idset = set(ids)
        seen: dict[int, str] = {}
        for lk in self.locks:
            if lk.cadre_id not in idset:
                problems.append(_err("locks", "Locked cadre is not among the cadres.",
                                     "cadre_id", lk.cadre_id))
            if lk.targets is None:
                if self.previous is None:
                    problems.append(_err("locks", f"Lock of {lk.cadre_id!r} keeps its previous "
                                         "area, but no previous plan was given."))
                continue
            for t in lk.targets:
                if not 0 <= t < n:
                    problems.append(_err("locks", f"Locked target index out of range "
                                         f"[0, {n}).", "targets", t))
                elif seen.setdefault(t, lk.cadre_id) != lk.cadre_id:
                    problems.append(_err("locks", f"Target {t} is locked to two cadres "
                                         f"({seen[t]!r} and {lk.cadre_id!r})."))
        if self.previous is not None:
            set_(self, "previous", tuple(None if p is None else str(p) for p in self.previous))
            if len(self.previous) != n:
                problems.append(_err("previous", f"Expected one previous cadre (or None) per "
                                     f"target ({n}), got {len(self.previous)}."))
        if not (math.isfinite(self.village_visit_min) and self.village_visit_min >= 0):
            problems.append(_err("problem", "Expected village_visit_min >= 0.",
                                 "village_visit_min", self.village_visit_min))
        if problems:
            raise AreaInputError("area problem refused", problems)

    @property
    def cadre_index(self) -> dict[str, int]:
        """Map cadre id -> index (= area index)."""
        return {c.id: i for i, c in enumerate(self.cadres)}


# --------------------------------------------------------------------------------------
# results


@dataclass(frozen=True, eq=False)
class VisitArea:
    """One visit area (走访区域, the cadre's 责任田) and its visitor.

    Loads are minutes; ``share_min`` is the visitor's capacity share (capacity x total
    workload / total capacity) and ``balance`` the relative gap to it.
    """

    index: int
    cadre_id: str
    targets: NDArray[np.int64]
    grids: tuple[int, ...]
    split_grids: tuple[int, ...]
    service_min: float
    travel_min: float
    mustgo_min: float
    capacity_min: float
    share_min: float
    commute_m: float
    contiguous: bool
    locked: bool

    @property
    def load_min(self) -> float:
        """Workload of the area's targets, minutes (service + travel)."""
        return self.service_min + self.travel_min

    @property
    def total_min(self) -> float:
        """Area workload plus the visitor's must-go visits elsewhere, minutes."""
        return self.load_min + self.mustgo_min

    @property
    def balance(self) -> float:
        """``total / share - 1``: 0 is a perfect fit to the capacity share."""
        return self.total_min / self.share_min - 1.0 if self.share_min > 0 else math.inf

    @property
    def utilisation(self) -> float:
        """``total / capacity``: above 1 the visitor cannot finish in the phase."""
        return self.total_min / self.capacity_min


@dataclass(frozen=True)
class MustGoVisit:
    """One must-go visit: who visits which target or village."""

    rule: str
    cadre_id: str
    target: int
    village: str
    grid: int
    minutes: float
    distance_m: float


@dataclass(frozen=True)
class MustGoCoverage:
    """Coverage of one must-go rule (四个必到): how many items, covered by whom."""

    rule: str
    min_level: int
    n_items: int
    n_covered: int
    by_cadre: Mapping[str, int]
    visits: tuple[MustGoVisit, ...]

    @property
    def label(self) -> str:
        """Chinese name of the rule."""
        return _RULE_LABEL.get(self.rule, self.rule)


@dataclass(frozen=True)
class GridRisk:
    """A grid whose visits are at risk because its visitors lack hours."""

    grid: int
    grid_id: str
    minutes_at_risk: float
    share_at_risk: float


@dataclass(frozen=True)
class Shortfall:
    """The visitors' hours in the phase cannot cover every target.

    ``minutes_missing`` is the sum over visitors of work beyond their capacity; each
    grid's part of it is its share of its visitors' overload.
    """

    minutes_missing: float
    workload_min: float
    capacity_min: float
    grids_at_risk: tuple[GridRisk, ...]

    @property
    def cadre_hours_missing(self) -> float:
        """Cadre-hours missing in the phase."""
        return self.minutes_missing / 60.0

    def __str__(self) -> str:
        top = ", ".join(f"{g.grid_id} ({g.minutes_at_risk / 60:.1f} h)"
                        for g in self.grids_at_risk[:10])
        more = (f" and {len(self.grids_at_risk) - 10} more"
                if len(self.grids_at_risk) > 10 else "")
        return (f"shortfall: {self.cadre_hours_missing:.1f} cadre-hours missing "
                f"(workload {self.workload_min / 60:.1f} h, capacity "
                f"{self.capacity_min / 60:.1f} h); grids at risk: {top}{more}")


@dataclass(frozen=True)
class Churn:
    """How much a re-plan changed against the previous plan.

    ``eligible`` counts targets whose previous visitor is still in the plan; ``kept`` of
    them still have that visitor. Locked targets are counted separately.
    """

    eligible: int
    kept: int
    locked: int
    locked_kept: int

    @property
    def kept_share(self) -> float:
        """Share of eligible targets that kept their visitor (1.0 when none eligible)."""
        return self.kept / self.eligible if self.eligible else 1.0


@dataclass(frozen=True, eq=False)
class AreaPlan:
    """The result of :func:`plan_areas`: areas, pairs, must-go visits, shortfall.

    ``target_area[i]`` is the area of target ``i``; area ``k`` belongs to
    ``problem.cadres[k]`` (``areas[k].cadre_id``).
    """

    target_area: NDArray[np.int64]
    areas: tuple[VisitArea, ...]
    mustgo: tuple[MustGoCoverage, ...]
    shortfall: Shortfall | None
    churn: Churn | None
    runtime_s: float
    warnings: tuple[str, ...] = ()
    stats: Mapping[str, float] = field(default_factory=dict)

    def is_feasible(self) -> bool:
        """Return True when every target is covered within capacity by contiguous areas."""
        return (self.shortfall is None
                and all(a.contiguous and len(a.targets) > 0 for a in self.areas)
                and all(m.n_covered == m.n_items for m in self.mustgo))

    def cost(self) -> float:
        """Largest ``|balance|`` over the areas (0 is perfect balance)."""
        return max(abs(a.balance) for a in self.areas)

    def target_cadres(self) -> list[str]:
        """Visitor id of each target."""
        ids = [a.cadre_id for a in self.areas]
        return [ids[k] for k in self.target_area]

    def area_of(self, cadre_id: str) -> VisitArea:
        """Return the area of one visitor."""
        for a in self.areas:
            if a.cadre_id == cadre_id:
                return a
        raise KeyError(cadre_id)

    def summary(self) -> str:
        """Describe the plan in a few lines: balance, contiguity, splits, commute, shortfall."""
        bal = np.array([a.balance for a in self.areas])
        com = np.array([a.commute_m for a in self.areas])
        split = sorted({g for a in self.areas for g in a.split_grids})
        lines = [
            f"{len(self.areas)} areas for {len(self.target_area)} targets "
            f"({self.runtime_s:.1f} s)",
            f"balance |load/share - 1|: max {np.abs(bal).max():.1%}, "
            f"mean {np.abs(bal).mean():.1%}",
            f"contiguous areas: {sum(a.contiguous for a in self.areas)}/{len(self.areas)}; "
            f"split grids: {len(split)}",
            f"commute: mean {com.mean():.0f} m, max {com.max():.0f} m",
        ]
        for m in self.mustgo:
            if m.n_items:
                lines.append(f"must-go {m.rule} ({m.label}): {m.n_covered}/{m.n_items} "
                             f"covered by {len(m.by_cadre)} cadres of level >= {m.min_level}")
        if self.churn is not None:
            lines.append(f"kept with previous cadre: {self.churn.kept}/{self.churn.eligible} "
                         f"({self.churn.kept_share:.1%}); locked kept "
                         f"{self.churn.locked_kept}/{self.churn.locked}")
        if self.shortfall is not None:
            lines.append(str(self.shortfall))
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)


# --------------------------------------------------------------------------------------
# must-go layer


@dataclass(frozen=True)
class _Item:
    rule: str
    x: float
    y: float
    minutes: float
    level: int
    target: int
    village: str
    grid: int


def _mustgo_items(problem: AreaProblem, warnings: list[str]) -> list[_Item]:
    t = problem.targets
    items: list[_Item] = []
    for rule in TARGET_RULES:
        for i in np.flatnonzero(t.has_rule(rule)):
            items.append(_Item(rule, float(t.x[i]), float(t.y[i]), float(t.service_min[i]),
                               RULE_MIN_LEVEL[rule], int(i), "", int(t.grid[i])))
    for rule in VILLAGE_RULES:
        villages: dict[str, list[int]] = {}
        for gi, g in enumerate(problem.grids):
            if rule in g.tags:
                villages.setdefault(g.village or g.id, []).append(gi)
        for name, gis in villages.items():
            mask = np.isin(t.grid, gis)
            if not mask.any():
                warnings.append(f"{rule} village {name!r} has no targets; no visit planned")
                continue
            gcount = np.bincount(t.grid[mask], minlength=len(problem.grids))
            items.append(_Item(rule, float(t.x[mask].mean()), float(t.y[mask].mean()),
                               problem.village_visit_min, RULE_MIN_LEVEL[rule], -1, name,
                               int(gcount.argmax())))
    return items


def _check_mustgo_capacity(problem: AreaProblem, items: list[_Item],
                           limit_min: NDArray[np.float64]) -> None:
    """Hall's condition for nested rank eligibility; raise a clear error when it fails."""
    levels = np.array([c.rank_level for c in problem.cadres])
    quota = np.array([math.inf if c.mustgo_quota is None else c.mustgo_quota
                      for c in problem.cadres])
    problems: list[Problem] = []
    for lvl in sorted({it.level for it in items}, reverse=True):
        need = [it for it in items if it.level >= lvl]
        elig = levels >= lvl
        rules = sorted({it.rule for it in need})
        who = _LEVEL_NAME.get(lvl, str(lvl))
        minutes = sum(it.minutes for it in need)
        if not elig.any():
            problems.append(_err("must-go", f"{len(need)} must-go visits ({', '.join(rules)}) "
                                 f"need a cadre of rank >= {who}, but no cadre has that rank."))
        elif minutes > limit_min[elig].sum() + 1e-6:
            problems.append(_err("must-go", f"{len(need)} must-go visits ({', '.join(rules)}) "
                                 f"take {minutes:.0f} min, more than the "
                                 f"{int(elig.sum())} cadres of rank >= {who} can give "
                                 f"({limit_min[elig].sum():.0f} min, the part of their "
                                 "capacity share allowed for must-go visits)."))
        elif len(need) > quota[elig].sum():
            problems.append(_err("must-go", f"{len(need)} must-go visits ({', '.join(rules)}) "
                                 f"but the quotas of the {int(elig.sum())} cadres of rank >= "
                                 f"{who} allow {int(quota[elig].sum())}."))
    if problems:
        raise InfeasibleAreasError("must-go visits (四个必到) cannot be covered", problems)


def _assign_mustgo(problem: AreaProblem, items: list[_Item], limit_min: NDArray[np.float64],
                   *, seed: int, time_limit_s: float) -> list[int]:
    """Return the cadre index of each must-go item (CP-SAT)."""
    if not items:
        return []
    _check_mustgo_capacity(problem, items, limit_min)
    cad = problem.cadres
    bx = np.array([c.base_x for c in cad])
    by = np.array([c.base_y for c in cad])
    levels = np.array([c.rank_level for c in cad])
    ix = np.array([it.x for it in items])
    iy = np.array([it.y for it in items])
    dist = np.hypot(ix[:, None] - bx[None, :], iy[:, None] - by[None, :])
    eligible = levels[None, :] >= np.array([it.level for it in items])[:, None]
    minutes = [max(1, round(it.minutes)) for it in items]

    def solve(nearest: int | None) -> list[int] | None:
        m = cp_model.CpModel()
        x: dict[tuple[int, int], cp_model.IntVar] = {}
        for i in range(len(items)):
            cand = np.flatnonzero(eligible[i])
            if nearest is not None and len(cand) > nearest:
                cand = cand[np.argsort(dist[i, cand], kind="stable")[:nearest]]
            for c in cand:
                x[i, int(c)] = m.new_bool_var(f"x{i}_{c}")
        by_item: dict[int, list[cp_model.IntVar]] = {}
        by_cad: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
        for (i, c), v in x.items():
            by_item.setdefault(i, []).append(v)
            by_cad.setdefault(c, []).append((i, v))
        for i in range(len(items)):
            m.add_exactly_one(by_item.get(i, []))
        n_elig = max(1, int((levels >= min(it.level for it in items)).sum()))
        soft = math.ceil(1.25 * len(items) / n_elig)
        over = []
        for c, lst in by_cad.items():
            m.add(sum(minutes[i] * v for i, v in lst) <= int(limit_min[c]))
            q = cad[c].mustgo_quota
            if q is not None:
                m.add(sum(v for _, v in lst) <= q)
            o = m.new_int_var(0, len(lst), f"over{c}")
            m.add(sum(v for _, v in lst) <= soft + o)
            over.append(o)
        # distance in units of 10 m; one visit above the fair count costs like 5 km
        m.minimize(sum(int(dist[i, c] // 10) * v for (i, c), v in x.items())
                   + 500 * sum(over))
        s = cp_model.CpSolver()
        # one worker and a deterministic budget: the same seed gives the same visits
        s.parameters.max_time_in_seconds = max(1.0, time_limit_s)
        s.parameters.max_deterministic_time = max(1.0, time_limit_s)
        s.parameters.num_workers = 1
        s.parameters.random_seed = seed
        st = s.solve(m)
        if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        out = [-1] * len(items)
        for (i, c), v in x.items():
            if s.value(v):
                out[i] = c
        return out

    res = solve(12) or solve(None)
    if res is None:
        raise InfeasibleAreasError(
            "must-go visits (四个必到) cannot be covered",
            [_err("must-go", f"{len(items)} must-go visits could not be spread over the "
                  "eligible cadres within their quotas and hours; add eligible cadres or "
                  "raise their quotas.")])
    return res


# --------------------------------------------------------------------------------------
# the site graph


def _delaunay_pairs(xy: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index pairs of the Delaunay edges of distinct points ``xy`` (collinear: a path)."""
    n = len(xy)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    if n == 2:
        return np.array([[0, 1]], dtype=np.int64)
    edges = shapely.delaunay_triangles(shapely.multipoints(xy), only_edges=True)
    coords = shapely.get_coordinates(edges)
    lookup = {(float(a), float(b)): i for i, (a, b) in enumerate(xy.tolist())}
    idx = np.array([lookup.get((float(a), float(b)), -1) for a, b in coords.tolist()],
                   dtype=np.int64).reshape(-1, 2)
    idx = idx[(idx >= 0).all(axis=1)]
    present = np.zeros(n, dtype=bool)
    present[idx.ravel()] = True
    extra = []
    for i in np.flatnonzero(~present):  # points GEOS left out: tie to the nearest point
        d = np.hypot(xy[:, 0] - xy[i, 0], xy[:, 1] - xy[i, 1])
        d[i] = np.inf
        extra.append((i, int(d.argmin())))
    if extra:
        idx = np.vstack([idx, np.array(extra, dtype=np.int64)])
    return idx


class _Graph:
    """Sites (targets at one spot, one grid, one lock/previous owner) and their links."""

    def __init__(self, problem: AreaProblem, lock_owner: NDArray[np.int64],
                 prev_owner: NDArray[np.int64], max_site_min: float = math.inf) -> None:
        t = problem.targets
        key = np.column_stack([t.x, t.y, t.grid, lock_owner, prev_owner])
        _, grp = np.unique(key, axis=0, return_inverse=True)
        grp = grp.ravel()
        # an apartment block may hold dozens of households at one point: cut such a spot
        # into chunks of at most max_site_min, so that areas can share a block
        order = np.argsort(grp, kind="stable")
        wt = t.workload_min[order]
        csum = np.cumsum(wt) - wt
        first = np.r_[0, np.flatnonzero(np.diff(grp[order])) + 1]
        start = np.repeat(csum[first], np.diff(np.r_[first, len(order)]))
        chunk = np.zeros(len(grp))
        if math.isfinite(max_site_min) and max_site_min > 0:
            chunk[order] = np.floor((csum - start) / max_site_min)
        uniq, inv = np.unique(np.column_stack([key, chunk]), axis=0, return_inverse=True)
        inv = inv.ravel()
        self.n = len(uniq)
        self.site_of = inv
        self.x = uniq[:, 0].copy()
        self.y = uniq[:, 1].copy()
        self.grid = uniq[:, 2].astype(np.int64)
        self.lock = uniq[:, 3].astype(np.int64)
        self.prev = uniq[:, 4].astype(np.int64)
        self.w = np.bincount(inv, weights=t.workload_min, minlength=self.n)
        self.n_grids = len(problem.grids)
        adj = [set() for _ in range(self.n_grids)]
        for gi, g in enumerate(problem.grids):
            for j in g.neighbours:
                adj[gi].add(j)
                adj[j].add(gi)
        self.grid_adj = adj
        intra: list[list[int]] = [[] for _ in range(self.n)]
        cross: list[list[int]] = [[] for _ in range(self.n)]

        # spots: distinct (x, y) over all sites
        sxy = np.column_stack([self.x, self.y])
        spots, spot_of = np.unique(sxy, axis=0, return_inverse=True)
        spot_of = spot_of.ravel()
        members: dict[int, list[int]] = {}
        for s, p in enumerate(spot_of.tolist()):
            members.setdefault(p, []).append(s)

        def link(u: int, v: int) -> None:
            gu, gv = int(self.grid[u]), int(self.grid[v])
            if gu == gv:
                intra[u].append(v)
                intra[v].append(u)
            elif gv in adj[gu]:
                cross[u].append(v)
                cross[v].append(u)

        for lst in members.values():  # co-located sites
            for a in range(len(lst)):
                for b in range(a + 1, len(lst)):
                    link(lst[a], lst[b])
        # inside each grid: Delaunay of the grid's own spots
        for g in range(self.n_grids):
            sites = np.flatnonzero(self.grid == g)
            if len(sites) < 2:
                continue
            gspots, ginv = np.unique(spot_of[sites], return_inverse=True)
            groups: dict[int, list[int]] = {}
            for s, p in zip(sites.tolist(), ginv.ravel().tolist(), strict=True):
                groups.setdefault(p, []).append(s)
            for p, q in _delaunay_pairs(spots[gspots]).tolist():
                for u in groups[p]:
                    for v in groups[q]:
                        intra[u].append(v)
                        intra[v].append(u)
        # across grid borders: global Delaunay edges between adjacent grids
        linked: set[tuple[int, int]] = set()
        for p, q in _delaunay_pairs(spots).tolist():
            for u in members[p]:
                for v in members[q]:
                    gu, gv = int(self.grid[u]), int(self.grid[v])
                    if gu != gv and gv in adj[gu]:
                        cross[u].append(v)
                        cross[v].append(u)
                        linked.add((min(gu, gv), max(gu, gv)))
        for lst in members.values():
            for a in lst:
                for b in lst:
                    ga, gb = int(self.grid[a]), int(self.grid[b])
                    if ga < gb and gb in adj[ga]:
                        linked.add((ga, gb))
        # adjacent grids with targets but no Delaunay edge between them: nearest pair
        has = np.bincount(self.grid, minlength=self.n_grids) > 0
        for ga in range(self.n_grids):
            for gb in adj[ga]:
                if ga < gb and has[ga] and has[gb] and (ga, gb) not in linked:
                    sa, sb = np.flatnonzero(self.grid == ga), np.flatnonzero(self.grid == gb)
                    best = (math.inf, -1, -1)
                    for chunk in range(0, len(sa), 512):
                        part = sa[chunk:chunk + 512]
                        d = np.hypot(self.x[part, None] - self.x[None, sb],
                                     self.y[part, None] - self.y[None, sb])
                        k = int(d.argmin())
                        if d.flat[k] < best[0]:
                            best = (float(d.flat[k]), int(part[k // len(sb)]),
                                    int(sb[k % len(sb)]))
                    cross[best[1]].append(best[2])
                    cross[best[2]].append(best[1])
        self.intra = [sorted(set(v)) for v in intra]
        self.cross = [sorted(set(v)) for v in cross]
        self.nbrs = [a + b for a, b in zip(self.intra, self.cross, strict=True)]


# --------------------------------------------------------------------------------------
# partition state


class _State:
    """Site -> area assignment with loads and per-grid pieces, kept in Python lists."""

    def __init__(self, g: _Graph, k: int, tau: NDArray[np.float64],
                 frozen: NDArray[np.bool_], movable: NDArray[np.bool_]) -> None:
        self.g = g
        self.k = k
        self.tau = tau.astype(float).copy()
        self.frozen = [bool(f) for f in frozen]
        self.movable = [bool(m) for m in movable]
        self.owner = [-1] * g.n
        self.load = [0.0] * k
        self.members: list[set[int]] = [set() for _ in range(k)]
        self.pieces: list[dict[int, set[int]]] = [{} for _ in range(k)]
        self.w = g.w.tolist()
        self.sg = g.grid.tolist()
        self.prev = g.prev.tolist()
        self.replan = False
        self.moves = 0

    def add(self, s: int, a: int) -> None:
        self.owner[s] = a
        self.load[a] += self.w[s]
        self.members[a].add(s)
        self.pieces[a].setdefault(self.sg[s], set()).add(s)

    def remove(self, s: int) -> int:
        a = self.owner[s]
        self.owner[s] = -1
        self.load[a] -= self.w[s]
        self.members[a].discard(s)
        p = self.pieces[a][self.sg[s]]
        p.discard(s)
        if not p:
            del self.pieces[a][self.sg[s]]
        return a

    def move(self, s: int, b: int) -> None:
        self.remove(s)
        self.add(s, b)
        self.moves += 1

    # -- contiguity -------------------------------------------------------------------
    def _reach_all(self, s: int, a: int, targets: list[int], intra_only: bool) -> bool:
        need = set(targets[1:])
        need.discard(targets[0])
        if not need:
            return True
        owner = self.owner
        seen = {targets[0], s}
        dq = deque([targets[0]])
        adj = self.g.intra if intra_only else self.g.nbrs
        while dq:
            u = dq.popleft()
            for v in adj[u]:
                if v not in seen and owner[v] == a:
                    seen.add(v)
                    if v in need:
                        need.discard(v)
                        if not need:
                            return True
                    dq.append(v)
        return False

    def can_remove(self, s: int) -> bool:
        """Return True if area ``owner[s]`` stays one connected piece without ``s``."""
        a = self.owner[s]
        if len(self.members[a]) <= 1:
            return False
        owner = self.owner
        intra_n = [v for v in self.g.intra[s] if owner[v] == a]
        cross_n = [v for v in self.g.cross[s] if owner[v] == a]
        if len(intra_n) > 1 and not self._reach_all(s, a, intra_n, True):
            return False
        if cross_n or not intra_n:
            alln = intra_n + cross_n
            if len(alln) > 1 and not self._reach_all(s, a, alln, False):
                return False
        return True

    def can_add(self, s: int, b: int, *, growing: bool = False) -> bool:
        """Return True if ``s`` can join area ``b`` keeping it one connected piece.

        A locked (frozen) area takes no site, except new targets while ``growing``.
        """
        if self.frozen[b] and not (growing and self.g.prev[s] == -1):
            return False
        owner = self.owner
        if self.sg[s] in self.pieces[b]:
            return any(owner[v] == b for v in self.g.intra[s])
        if not self.members[b]:
            return True
        return any(owner[v] == b for v in self.g.cross[s])

    def components(self, a: int) -> list[list[int]]:
        """Return the connected components of area ``a`` (heaviest first).

        A piece (the area's sites in one grid) must be connected by intra-grid links;
        pieces are joined by cross-border links.
        """
        owner = self.owner
        comp_of: dict[int, int] = {}
        pieces: list[list[int]] = []
        for _gi, sites in self.pieces[a].items():
            for s0 in sites:
                if s0 in comp_of:
                    continue
                cid = len(pieces)
                comp_of[s0] = cid
                lst = [s0]
                dq = deque([s0])
                while dq:
                    u = dq.popleft()
                    for v in self.g.intra[u]:
                        if owner[v] == a and v not in comp_of:
                            comp_of[v] = cid
                            lst.append(v)
                            dq.append(v)
                pieces.append(lst)
        # keep the heaviest intra-component of each grid; union pieces by cross links
        best_in_grid: dict[int, int] = {}
        for cid, lst in enumerate(pieces):
            gi = self.sg[lst[0]]
            wt = sum(self.w[s] for s in lst)
            if gi not in best_in_grid or wt > sum(self.w[s] for s in pieces[best_in_grid[gi]]):
                best_in_grid[gi] = cid
        keep = set(best_in_grid.values())
        parent = list(range(len(pieces)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for cid in keep:
            for u in pieces[cid]:
                for v in self.g.cross[u]:
                    cv = comp_of.get(v)
                    if cv is not None and cv in keep:
                        parent[find(cid)] = find(cv)
        groups: dict[int, list[int]] = {}
        for cid in keep:
            groups.setdefault(find(cid), []).extend(pieces[cid])
        out = sorted(groups.values(), key=lambda lst: -sum(self.w[s] for s in lst))
        out += [pieces[cid] for cid in range(len(pieces)) if cid not in keep]
        return out

    def repair(self) -> int:
        """Unassign every movable site outside its area's main component; return how many.

        Locked sites stay where they are, also when cut off.
        """
        freed = 0
        for a in range(self.k):
            if not self.members[a]:
                continue
            comps = self.components(a)
            for lst in comps[1:]:
                for s in lst:
                    if self.movable[s]:
                        self.remove(s)
                        freed += 1
        return freed

    def grow(self, *, majority: bool = False, prefer: list[int] | None = None) -> list[int]:
        """Give every unassigned site to a neighbouring area.

        Fresh plans give each site to the least loaded neighbouring area. Re-plans
        (``majority``) first give a site back to ``prefer[s]`` (its previous cadre) when
        possible, then to the area owning most of its neighbours, so that a new target
        goes to the area around it. Returns the sites that could not be placed.
        """
        owner = self.owner
        heap: list[tuple[float, float, int, int]] = []
        nbrs = self.g.nbrs
        prev = self.g.prev.tolist()

        def key(s: int, b: int) -> tuple[float, float]:
            ratio = self.load[b] / self.tau[b]
            if prefer is not None and prefer[s] == b:
                return -2.0, ratio
            if majority and prev[s] == -1:
                nb = nbrs[s]
                return -sum(1 for v in nb if owner[v] == b) / len(nb), ratio
            return 0.0, ratio

        def push(s: int) -> None:
            for b in {owner[v] for v in nbrs[s]}:
                if b >= 0:
                    heapq.heappush(heap, (*key(s, b), s, b))

        for s in range(self.g.n):
            if owner[s] < 0:
                push(s)
        while heap:
            p1, p2, s, b = heapq.heappop(heap)
            if owner[s] >= 0:
                continue
            cur = key(s, b)
            if cur > (p1, p2) and abs(cur[0] - p1) + abs(cur[1] - p2) > 1e-12:
                heapq.heappush(heap, (*cur, s, b))
                continue
            if not self.can_add(s, b, growing=True):
                continue
            self.add(s, b)
            for v in nbrs[s]:
                if owner[v] < 0:
                    push(v)
        return [s for s in range(self.g.n) if owner[s] < 0]

    def reconnect(self) -> int:
        """Rejoin areas that new targets cut apart; return the sites taken.

        New targets change the triangulation: one that lands between two parts of an
        area may have gone to another area, cutting the first. Such an area takes the new
        targets on a cheapest path between its parts (moving a new target costs no
        churn). Locked areas go first, as they cannot be repaired otherwise; parts made
        of new targets only are left to :meth:`repair`.
        """
        taken = 0
        order = sorted(range(self.k), key=lambda a: not self.frozen[a])
        for _pass in range(3):
            changed = False
            for a in order:
                if not self.members[a]:
                    continue
                for _ in range(10):
                    comps = self.components(a)
                    cut = {s for c in comps[1:] for s in c
                           if not self.movable[s] or self.g.prev[s] == a}
                    if not cut:
                        break
                    path = self._link_path(a, set(comps[0]), cut)
                    if not path:
                        break
                    for u in path:
                        if self.owner[u] >= 0:
                            self.remove(u)
                        self.add(u, a)
                        taken += 1
                        changed = True
            if not changed:
                break
        return taken

    def _link_path(self, a: int, main: set[int], others: set[int]) -> list[int]:
        """Cheapest chain of new targets joining ``main`` to ``others`` (Dijkstra).

        Stepping on a site of ``a`` or an unassigned one is free, on a new target of an
        unlocked area costs 1, of a locked area 10 (only a locked ``a`` may do that).
        """
        g = self.g
        dist: dict[int, float] = {s: 0.0 for s in main}
        parent: dict[int, int] = {s: -1 for s in main}
        heap = [(0.0, s) for s in main]
        heapq.heapify(heap)
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist.get(u, math.inf):
                continue
            if u in others:
                out = []
                v = parent[u]
                while v >= 0 and v not in main:
                    if self.owner[v] != a:
                        out.append(v)
                    v = parent[v]
                return out
            for v in g.nbrs[u]:
                b = self.owner[v]
                if b == a or b < 0:
                    step = 0.0
                elif g.prev[v] == -1 and self.movable[v]:
                    if self.frozen[b] and not self.frozen[a]:
                        continue  # an unlocked area never cuts a locked one
                    step = 10.0 if self.frozen[b] else 1.0
                else:
                    continue
                nd = d + step
                if nd < dist.get(v, math.inf):
                    dist[v] = nd
                    parent[v] = u
                    heapq.heappush(heap, (nd, v))
        return []

    def centroids(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        own = np.array(self.owner)
        ok = own >= 0
        cnt = np.bincount(own[ok], minlength=self.k).astype(float)
        cx = np.bincount(own[ok], weights=self.g.x[ok], minlength=self.k)
        cy = np.bincount(own[ok], weights=self.g.y[ok], minlength=self.k)
        cnt[cnt == 0] = 1.0
        return cx / cnt, cy / cnt

    # -- balancing --------------------------------------------------------------------
    def balance(self, band: float, *, deadline: float, max_rounds: int = 80,
                split_cost: int = 4) -> int:
        """Move boundary sites until every unfrozen area is within ``tau*(1 +- band)``.

        Returns the number of rounds run.
        """
        k = self.k
        active = [not f for f in self.frozen]
        rounds = 0
        stall = 0
        best = math.inf
        while rounds < max_rounds and time.perf_counter() < deadline:
            tau = self.tau
            lo = [tau[a] * (1 - band) for a in range(k)]
            hi = [tau[a] * (1 + band) for a in range(k)]
            out = sum(max(0.0, self.load[a] - hi[a]) + max(0.0, lo[a] - self.load[a])
                      for a in range(k) if active[a])
            if out <= 1e-9:
                break
            if out < best - 1e-6:
                best, stall = out, 0
            else:
                stall += 1
                if stall >= 4:
                    break
            rounds += 1
            # boundary sites of a next to b
            owner = self.owner
            pair_sites: dict[tuple[int, int], list[int]] = {}
            pair_load: dict[tuple[int, int], float] = {}
            pair_same: dict[tuple[int, int], bool] = {}
            for s in range(self.g.n):
                a = owner[s]
                if a < 0 or not active[a] or not self.movable[s]:
                    continue
                seen_b: set[int] = set()
                for v in self.g.nbrs[s]:
                    b = owner[v]
                    if b == a or b < 0 or not active[b] or b in seen_b:
                        continue
                    seen_b.add(b)
                    key = (a, b)
                    pair_sites.setdefault(key, []).append(s)
                    pair_load[key] = pair_load.get(key, 0.0) + self.w[s]
                    if self.sg[s] in self.pieces[b]:
                        pair_same[key] = True
            if not pair_sites:
                break
            # route towards an inner band, accept moves that keep the outer one
            inner = 0.5 if stall == 0 else 0.25
            ilo = [tau[a] * (1 - inner * band) for a in range(k)]
            ihi = [tau[a] * (1 + inner * band) for a in range(k)]
            flows = self._flow(pair_load, pair_same, ilo, ihi, active, split_cost)
            if not flows:
                break
            cx, cy = self.centroids()
            moved_any = False
            for (a, b), f in sorted(flows.items(), key=lambda kv: -kv[1]):
                if self._execute(a, b, f, pair_sites[(a, b)], cx, cy, lo[a], hi[b]):
                    moved_any = True
            if not moved_any:
                break
        return rounds

    def _flow(self, pair_load: dict[tuple[int, int], float],
              pair_same: dict[tuple[int, int], bool], lo: list[float], hi: list[float],
              active: list[bool], split_cost: int) -> dict[tuple[int, int], float]:
        k = self.k
        hub = k
        mcf = min_cost_flow.SimpleMinCostFlow()
        tails, heads, caps, costs = [], [], [], []
        keys = list(pair_load)
        for a, b in keys:
            tails.append(a)
            heads.append(b)
            caps.append(max(1, int(pair_load[(a, b)])))
            costs.append(1 if pair_same.get((a, b)) else split_cost)
        n_pair = len(keys)
        supply = [0] * (k + 1)
        for a in range(k):
            if not active[a]:
                continue
            ld = self.load[a]
            clamp = min(max(ld, lo[a]), hi[a])
            supply[a] = int(round(ld - clamp))
            tails += [hub, a]
            heads += [a, hub]
            caps += [max(0, int(clamp - lo[a])), max(0, int(hi[a] - clamp))]
            costs += [0, 0]
        supply[hub] = -sum(supply)
        mcf.add_arcs_with_capacity_and_unit_cost(
            np.array(tails, dtype=np.int64), np.array(heads, dtype=np.int64),
            np.array(caps, dtype=np.int64), np.array(costs, dtype=np.int64))
        mcf.set_nodes_supplies(np.arange(k + 1, dtype=np.int64), np.array(supply, dtype=np.int64))
        st = mcf.solve()
        if st != mcf.OPTIMAL:
            st = mcf.solve_max_flow_with_min_cost()
            if st != mcf.OPTIMAL:
                return {}
        fl = mcf.flows(np.arange(n_pair, dtype=np.int64))
        return {keys[i]: float(fl[i]) for i in range(n_pair) if fl[i] > 0}

    def _execute(self, a: int, b: int, f: float, cand: list[int],
                 cx: NDArray[np.float64], cy: NDArray[np.float64], lo_a: float,
                 hi_b: float) -> bool:
        gx, gy = self.g.x, self.g.y
        owner = self.owner

        prev = self.prev

        def prio(s: int) -> tuple[int, int, float]:
            # re-plan: first sites whose move costs no churn (new, orphaned, going back)
            churn = 1 if self.replan and prev[s] >= 0 and prev[s] != b else 0
            same = 0 if self.sg[s] in self.pieces[b] else 1
            db = math.hypot(gx[s] - cx[b], gy[s] - cy[b])
            da = math.hypot(gx[s] - cx[a], gy[s] - cy[a])
            return churn, same, db - da

        heap = [(*prio(s), s) for s in cand]
        heapq.heapify(heap)
        tried: set[int] = set()
        moved = 0.0
        any_move = False
        while heap and moved < f:
            _churn, _same, _d, s = heapq.heappop(heap)
            if s in tried or owner[s] != a:
                continue
            tried.add(s)
            ws = self.w[s]
            rest = f - moved
            # overshooting the flow is fine while both areas stay inside their band
            if ws > 2.0 * rest and (self.load[b] + ws > hi_b or self.load[a] - ws < lo_a):
                continue
            if not self.can_add(s, b) or not self.can_remove(s):
                continue
            self.move(s, b)
            moved += ws
            any_move = True
            for v in self.g.nbrs[s]:
                if owner[v] == a and self.movable[v] and v not in tried:
                    heapq.heappush(heap, (*prio(v), v))
        return any_move


# --------------------------------------------------------------------------------------
# construction


def _kmeans(xy: NDArray[np.float64], w: NDArray[np.float64], k: int,
            rng: np.random.Generator, iters: int = 20) -> NDArray[np.float64]:
    """Weighted k-means (k-means++ start); returns k centres."""
    n = len(xy)
    if k >= n:
        reps = np.resize(np.arange(n), k)
        return xy[reps] + rng.normal(scale=1e-3, size=(k, 2))
    first = rng.choice(n, p=w / w.sum()) if w.sum() > 0 else rng.integers(n)
    centres = [xy[first]]
    d2 = ((xy - xy[first]) ** 2).sum(axis=1)
    for _ in range(1, k):
        p = d2 * w
        i = rng.choice(n, p=p / p.sum()) if p.sum() > 0 else rng.integers(n)
        centres.append(xy[i])
        d2 = np.minimum(d2, ((xy - xy[i]) ** 2).sum(axis=1))
    c = np.array(centres)
    for _ in range(iters):
        lab = ((xy[:, None, :] - c[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        newc = c.copy()
        for j in range(k):
            m = lab == j
            if m.any() and w[m].sum() > 0:
                newc[j] = (xy[m] * w[m, None]).sum(axis=0) / w[m].sum()
        if np.allclose(newc, c):
            break
        c = newc
    return c


def _transport(g: _Graph, cx: NDArray[np.float64], cy: NDArray[np.float64],
               home: NDArray[np.int64], tau: NDArray[np.float64], lam: float,
               pinned: NDArray[np.int64], unit: NDArray[np.int64],
               nearest: int = 12) -> NDArray[np.int64]:
    """Capacitated assignment of units to centres by min-cost flow; returns site owners.

    ``unit[s]`` groups sites that go together (a whole small grid is one unit); a unit's
    cost to a centre is the distance from its weighted mean point, plus ``lam`` when the
    centre's home grid is another grid. Pinned (locked) sites are units of their own.
    """
    n_u = int(unit.max()) + 1
    k = len(cx)
    uw = np.bincount(unit, weights=g.w, minlength=n_u)
    wsafe = np.where(uw > 0, uw, 1.0)
    ux = np.bincount(unit, weights=g.x * g.w, minlength=n_u) / wsafe
    uy = np.bincount(unit, weights=g.y * g.w, minlength=n_u) / wsafe
    ugrid = np.zeros(n_u, dtype=np.int64)
    ugrid[unit] = g.grid
    upin = np.full(n_u, -1, dtype=np.int64)
    upin[unit] = pinned
    cost = np.hypot(ux[:, None] - cx[None, :], uy[:, None] - cy[None, :])
    cost += lam * (ugrid[:, None] != home[None, :])
    m = min(nearest, k)
    near = np.argpartition(cost, m - 1, axis=1)[:, :m] if m < k else \
        np.tile(np.arange(k), (n_u, 1))
    supply = np.maximum(1, np.round(uw * 10).astype(np.int64))
    free = upin < 0
    rows = np.repeat(np.arange(n_u), m)
    sel = np.repeat(free, m)
    tails = rows[sel]
    heads = (n_u + near.ravel())[sel]
    acost = np.round(cost[rows, near.ravel()]).astype(np.int64)[sel]
    pin = np.flatnonzero(~free)
    tails = np.concatenate([tails, pin])
    heads = np.concatenate([heads, n_u + upin[pin]])
    acost = np.concatenate([acost, np.zeros(len(pin), dtype=np.int64)])
    caps = supply[tails]
    sink = n_u + k
    cap_c = np.ceil(tau * 10 * 1.003).astype(np.int64) + 1
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, acost)
    mcf.add_arcs_with_capacity_and_unit_cost(np.arange(n_u, n_u + k), np.full(k, sink), cap_c,
                                             np.zeros(k, dtype=np.int64))
    sup = np.concatenate([supply, np.zeros(k, dtype=np.int64), [-int(supply.sum())]])
    mcf.set_nodes_supplies(np.arange(n_u + k + 1), sup)
    if mcf.solve() != mcf.OPTIMAL:
        mcf.solve_max_flow_with_min_cost()
    flows = mcf.flows(np.arange(len(tails)))
    owner = np.full(n_u, -1, dtype=np.int64)
    best = np.zeros(n_u)
    for t, h, f in zip(tails.tolist(), heads.tolist(), flows.tolist(), strict=True):
        if f > best[t]:
            best[t] = f
            owner[t] = h - n_u
    lost = owner < 0
    if lost.any():
        owner[lost] = cost[lost].argmin(axis=1)
    return owner[unit]


def _construct(g: _Graph, problem: AreaProblem, tau: NDArray[np.float64],
               pinned: NDArray[np.int64], rng: np.random.Generator,
               deadline: float) -> NDArray[np.int64]:
    """Fresh partition: apportion, seed, pair seeds with cadres, transport + Lloyd."""
    k = len(tau)
    cad = problem.cadres
    gl = np.bincount(g.grid, weights=g.w, minlength=g.n_grids)
    locked = sorted({int(c) for c in pinned if c >= 0})
    free_k = k - len(locked)
    cx = np.zeros(k)
    cy = np.zeros(k)
    home = np.zeros(k, dtype=np.int64)
    for c in locked:
        m = pinned == c
        cx[c], cy[c] = g.x[m].mean(), g.y[m].mean()
        home[c] = np.bincount(g.grid[m], weights=g.w[m], minlength=g.n_grids).argmax()
    seeds_x, seeds_y, seeds_home = [], [], []
    if free_k > 0:
        rest = gl.copy()
        for c in locked:
            rest[home[c]] = max(0.0, rest[home[c]] - tau[c])
        if rest.sum() <= 0:
            rest = gl + 1e-9
        # whole shares first: a grid of load q shares gets floor(q) seeds; the seeds
        # left over go where the remainders are, spread by k-means over that remainder
        q = rest / rest.sum() * free_k
        n_g = np.floor(q).astype(np.int64)
        for gi in np.flatnonzero(n_g):
            m = g.grid == gi
            xy = np.column_stack([g.x[m], g.y[m]])
            cs = _kmeans(xy, g.w[m], int(n_g[gi]), rng)
            seeds_x += cs[:, 0].tolist()
            seeds_y += cs[:, 1].tolist()
            seeds_home += [int(gi)] * len(cs)
        left = free_k - int(n_g.sum())
        if left > 0:
            frac = np.where(q > 0, (q - n_g) / np.maximum(q, 1e-12), 0.0)
            rw = g.w * frac[g.grid]
            ok = rw > 0
            xy = np.column_stack([g.x[ok], g.y[ok]])
            cs = _kmeans(xy, rw[ok], left, rng)
            sites_ok = np.flatnonzero(ok)
            for c in cs:
                j = sites_ok[int(np.argmin((xy[:, 0] - c[0]) ** 2 + (xy[:, 1] - c[1]) ** 2))]
                seeds_x.append(float(c[0]))
                seeds_y.append(float(c[1]))
                seeds_home.append(int(g.grid[j]))
        free_c = [c for c in range(k) if c not in set(locked)]
        bx = np.array([cad[c].base_x for c in free_c])
        by = np.array([cad[c].base_y for c in free_c])
        sx, sy = np.array(seeds_x), np.array(seeds_y)
        d = np.hypot(bx[:, None] - sx[None, :], by[:, None] - sy[None, :])
        lsa = linear_sum_assignment.SimpleLinearSumAssignment()
        rows = np.repeat(np.arange(free_k), free_k)
        cols = np.tile(np.arange(free_k), free_k)
        lsa.add_arcs_with_cost(rows, cols, np.round(d.ravel()).astype(np.int64))
        if lsa.solve() == lsa.OPTIMAL:
            match = [lsa.right_mate(i) for i in range(free_k)]
        else:  # pragma: no cover - a complete bipartite graph always has a matching
            match = list(range(free_k))
        for i, c in enumerate(free_c):
            cx[c], cy[c], home[c] = sx[match[i]], sy[match[i]], seeds_home[match[i]]
    diam = []
    for gi in range(g.n_grids):
        m = g.grid == gi
        if m.sum() > 1:
            diam.append(math.hypot(np.ptp(g.x[m]), np.ptp(g.y[m])))
    lam = 0.5 * float(np.median(diam)) if diam else 0.0
    # a grid that fits the largest budget goes whole; bigger grids go site by site
    small = gl <= tau.max() * (1 + 1e-9)
    unit = np.where(small[g.grid] & (pinned < 0), g.grid, g.n_grids + np.arange(g.n))
    _, unit = np.unique(unit, return_inverse=True)
    unit = unit.ravel()
    owner = _transport(g, cx, cy, home, tau, lam, pinned, unit)
    for _ in range(4):
        if time.perf_counter() > deadline:
            break
        cnt = np.bincount(owner, minlength=k).astype(float)
        nx = np.bincount(owner, weights=g.x * g.w, minlength=k)
        ny = np.bincount(owner, weights=g.y * g.w, minlength=k)
        wsum = np.bincount(owner, weights=g.w, minlength=k)
        ok = (cnt > 0) & (wsum > 0)
        free = np.ones(k, dtype=bool)
        free[locked] = False
        upd = ok & free
        cx[upd] = nx[upd] / wsum[upd]
        cy[upd] = ny[upd] / wsum[upd]
        new = _transport(g, cx, cy, home, tau, lam, pinned, unit)
        if (new == owner).all():
            break
        owner = new
    return owner


def _pair(state: _State, problem: AreaProblem, fixed: NDArray[np.bool_], *,
          tol: float) -> list[int] | None:
    """Re-pair areas and cadres: shortest total commute among pairs whose load fits.

    A pair (area, cadre) is allowed when the area's load is within ``tol`` of the cadre's
    budget (and the current pair always is); locked cadres keep their area. This is a
    pure assignment problem, solved exactly by OR-Tools' linear-sum assignment.
    Returns ``perm`` with ``perm[a]`` = the new cadre of area ``a``, or None.
    """
    k = state.k
    cx, cy = state.centroids()
    bx = np.array([c.base_x for c in problem.cadres])
    by = np.array([c.base_y for c in problem.cadres])
    d = np.hypot(cx[:, None] - bx[None, :], cy[:, None] - by[None, :])
    load = np.array(state.load)
    tau = state.tau
    fit = np.abs(load[:, None] - tau[None, :]) <= tol * tau[None, :]
    fit[fixed, :] = False
    fit[:, fixed] = False
    np.fill_diagonal(fit, True)
    if fit.sum() == k:
        return None
    rows, cols = np.nonzero(fit)
    lsa = linear_sum_assignment.SimpleLinearSumAssignment()
    lsa.add_arcs_with_cost(rows.astype(np.int64), cols.astype(np.int64),
                           np.round(d[rows, cols]).astype(np.int64))
    if lsa.solve() != lsa.OPTIMAL:
        return None
    perm = [int(lsa.right_mate(a)) for a in range(k)]
    cur = float(d[np.arange(k), np.arange(k)].sum())
    return perm if float(d[np.arange(k), perm].sum()) < cur - 1e-6 else None


# --------------------------------------------------------------------------------------
# the solve


def plan_areas(problem: AreaProblem, *, time_limit_s: float = 60.0, seed: int = 0,
               tolerance: float = 0.02, replan_tolerance: float = 0.05,
               mustgo_max_fraction: float = 0.5) -> AreaPlan:
    """Cut the targets into one contiguous visit area per cadre and pair them.

    Parameters
    ----------
    problem
        The plain-data problem (metres, minutes).
    time_limit_s
        Wall-clock budget in seconds; the construction and balancing stop early when it
        runs out (the plan is still complete, only less balanced).
    seed
        Seed of every random choice and of CP-SAT; the same seed gives the same plan.
    tolerance
        Balancing band of a fresh plan: aim at every area within ``share * (1 +- tol)``.
    replan_tolerance
        Band of a re-plan (``problem.previous`` given): areas already inside it are left
        alone, so that as few targets as possible change visitor.
    mustgo_max_fraction
        At most this fraction of a visitor's capacity share goes to must-go visits.

    Returns
    -------
    AreaPlan
        Areas (area ``k`` belongs to ``problem.cadres[k]``), must-go coverage, the
        shortfall when capacity < workload, and churn against the previous plan.

    Raises
    ------
    AreaInputError
        For bad options (a valid :class:`AreaProblem` has been checked already).
    InfeasibleAreasError
        (an ``AreaInputError``) when the must-go visits cannot be covered by cadres of
        the required rank within their hours and quotas; the message names the rule,
        the rank and the minutes missing. A lack of hours for the whole workload is not
        an error: the plan carries a :class:`Shortfall`.
    """
    if not time_limit_s > 0:
        raise AreaInputError("plan_areas refused", [_err("plan_areas", "Expected "
                             "time_limit_s > 0.", "time_limit_s", time_limit_s)])
    if not 0 < tolerance < 1 or not 0 < replan_tolerance < 1:
        raise AreaInputError("plan_areas refused", [_err("plan_areas", "Expected tolerances "
                             "in (0, 1).", "tolerance", (tolerance, replan_tolerance))])
    if not 0 <= mustgo_max_fraction <= 1:
        raise AreaInputError("plan_areas refused", [_err("plan_areas", "Expected "
                             "mustgo_max_fraction in [0, 1].", "mustgo_max_fraction",
                             mustgo_max_fraction)])
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    rng = np.random.default_rng(seed)
    warnings: list[str] = []
    cad = problem.cadres
    k = len(cad)
    tgt = problem.targets
    cidx = problem.cadre_index
    cap = np.array([c.capacity_min for c in cad])
    work = tgt.workload_min

    # must-go layer and capacity shares
    items = _mustgo_items(problem, warnings)
    w_mg = sum(it.minutes for it in items)
    ratio = (float(work.sum()) + w_mg) / float(cap.sum())
    share = cap * ratio
    mg_cadre = _assign_mustgo(problem, items, mustgo_max_fraction * share, seed=seed,
                              time_limit_s=min(10.0, 0.15 * time_limit_s))
    mg_min = np.zeros(k)
    for it, c in zip(items, mg_cadre, strict=True):
        mg_min[c] += it.minutes
    tau = share - mg_min

    # locks and previous plan
    lock_owner = np.full(len(tgt), -1, dtype=np.int64)
    prev_owner = np.full(len(tgt), -1, dtype=np.int64)
    if problem.previous is not None:  # -1: new target, -2: its cadre left
        prev_owner = np.array([cidx.get(p, -2) if p is not None else -1
                               for p in problem.previous], dtype=np.int64)
    frozen = np.zeros(k, dtype=bool)
    for lk in problem.locks:
        c = cidx[lk.cadre_id]
        if lk.targets is None:
            frozen[c] = True
            lock_owner[prev_owner == c] = c
        else:
            lock_owner[np.fromiter(lk.targets, dtype=np.int64)] = c
    for c in np.flatnonzero(frozen):
        if not (prev_owner == c).any():
            raise AreaInputError("locks refused", [_err("locks", "Locked cadre had no area in "
                                 "the previous plan; lock it with target indices instead.",
                                 "cadre_id", cad[c].id)])
    g = _Graph(problem, lock_owner, prev_owner, max_site_min=0.02 * float(np.median(tau)))
    movable = g.lock < 0
    frozen_load = np.bincount(g.lock[g.lock >= 0], weights=g.w[g.lock >= 0], minlength=k)
    # frozen areas keep their load; the rest is shared among the others
    rest = float(g.w.sum()) - float(frozen_load[frozen].sum())
    tau_eff = tau.copy()
    tau_eff[frozen] = np.maximum(frozen_load[frozen], 1e-9)
    if (~frozen).any():
        tau_eff[~frozen] = tau[~frozen] * rest / tau[~frozen].sum()
    state = _State(g, k, np.maximum(tau_eff, 1e-9), frozen, movable)

    stats: dict[str, float] = {}
    if problem.previous is None:
        pinned = np.where(g.lock >= 0, g.lock, -1)
        owner = _construct(g, problem, tau_eff, pinned, rng, t0 + 0.4 * time_limit_s)
        for s, a in enumerate(owner.tolist()):
            state.add(s, a)
        stats["construct_s"] = time.perf_counter() - t0
        freed = state.repair()
        stuck = state.grow()
        stats["repaired_sites"] = freed
        _place_stuck(state, stuck, warnings)
        _seed_empty(state, problem.cadres, warnings)
        state.balance(tolerance, deadline=t0 + 0.7 * time_limit_s)
        perm = _pair(state, problem, frozen | (np.bincount(g.lock[g.lock >= 0],
                     minlength=k) > 0), tol=tolerance * 1.5)
        if perm is not None and perm != list(range(k)):
            _relabel(state, perm)
            stats["repaired_pairs"] = sum(1 for a, c in enumerate(perm) if a != c)
        state.balance(tolerance, deadline=deadline - 0.02 * time_limit_s)
    else:
        state.replan = True
        for s in range(g.n):
            c = int(g.lock[s]) if g.lock[s] >= 0 else int(g.prev[s])
            if c >= 0:
                state.add(s, c)
        _seed_empty(state, problem.cadres, warnings)
        state.grow(majority=True)  # new targets join the area around them
        stats["reconnected_sites"] = state.reconnect()
        freed = state.repair()  # links that new targets cut, bits left by a lock
        stuck = state.grow(majority=True, prefer=g.prev.tolist())
        _place_stuck(state, stuck, warnings)
        stats["repaired_sites"] = freed
        state.balance(replan_tolerance, deadline=deadline - 0.02 * time_limit_s)
    stats["moves"] = state.moves
    return _finish(problem, state, g, items, mg_cadre, mg_min, share, frozen, lock_owner,
                   warnings, stats, t0)


def _relabel(state: _State, perm: list[int]) -> None:
    """Area ``a`` goes to cadre ``perm[a]``."""
    old_members = [set(m) for m in state.members]
    old_pieces = state.pieces
    old_load = list(state.load)
    for a, c in enumerate(perm):
        state.members[c] = old_members[a]
        state.load[c] = old_load[a]
    state.pieces = [old_pieces[0]] * state.k
    for a, c in enumerate(perm):
        state.pieces[c] = old_pieces[a]
    for s, a in enumerate(state.owner):
        if a >= 0:
            state.owner[s] = perm[a]


def _seed_empty(state: _State, cadres: Sequence[Cadre], warnings: list[str]) -> None:
    """Give each empty, unfrozen area one site near its cadre's base (a new cadre)."""
    g = state.g
    for a in range(state.k):
        if state.members[a] or state.frozen[a]:
            continue
        order = np.argsort(np.hypot(g.x - cadres[a].base_x, g.y - cadres[a].base_y),
                           kind="stable")
        placed = False
        for s in order[:2000].tolist():
            b = state.owner[s]
            if not state.movable[s]:
                continue
            if b < 0:
                state.add(s, a)
                placed = True
                break
            if not state.frozen[b] and state.can_remove(s):
                state.move(s, a)
                placed = True
                break
        if not placed:
            warnings.append(f"area {a} could not be seeded")


def _place_stuck(state: _State, stuck: list[int], warnings: list[str]) -> None:
    if not stuck:
        return
    cx, cy = state.centroids()
    ok = [a for a in range(state.k) if not state.frozen[a]] or list(range(state.k))
    for s in stuck:
        d = np.hypot(cx[ok] - state.g.x[s], cy[ok] - state.g.y[s])
        state.add(s, ok[int(d.argmin())])
    warnings.append(f"{len(stuck)} sites could not join a neighbouring area and were given to "
                    "the nearest one (grids without neighbours?)")


def _finish(problem: AreaProblem, state: _State, g: _Graph, items: list[_Item],
            mg_cadre: list[int], mg_min: NDArray[np.float64], share: NDArray[np.float64],
            frozen: NDArray[np.bool_], lock_owner: NDArray[np.int64], warnings: list[str],
            stats: dict[str, float], t0: float) -> AreaPlan:
    cad = problem.cadres
    k = len(cad)
    tgt = problem.targets
    owner = np.array(state.owner, dtype=np.int64)
    target_area = owner[g.site_of]
    target_area.setflags(write=False)
    ng = len(problem.grids)
    pairs = np.unique(np.column_stack([tgt.grid, target_area]), axis=0)
    areas_per_grid = np.bincount(pairs[:, 0], minlength=ng)
    order = np.argsort(target_area, kind="stable")
    bounds = np.searchsorted(target_area[order], np.arange(k + 1))
    svc = np.bincount(target_area, weights=tgt.service_min, minlength=k)
    trv = np.bincount(target_area, weights=tgt.travel_min, minlength=k)
    locked_c = set(np.flatnonzero(frozen).tolist()) | set(lock_owner[lock_owner >= 0].tolist())
    areas = []
    for a in range(k):
        idx = order[bounds[a]:bounds[a + 1]].astype(np.int64)
        idx.setflags(write=False)
        grids = tuple(sorted(set(tgt.grid[idx].tolist())))
        split = tuple(gi for gi in grids if areas_per_grid[gi] > 1)
        if len(idx):
            com = math.hypot(tgt.x[idx].mean() - cad[a].base_x, tgt.y[idx].mean() - cad[a].base_y)
        else:
            com = math.nan
        contiguous = bool(len(idx)) and len(state.components(a)) == 1
        areas.append(VisitArea(a, cad[a].id, idx, grids, split, float(svc[a]), float(trv[a]),
                               float(mg_min[a]), cad[a].capacity_min, float(share[a]), com,
                               contiguous, a in locked_c))
    # must-go coverage
    cover = []
    for rule in MUSTGO_RULES:
        visits = []
        for it, c in zip(items, mg_cadre, strict=True):
            if it.rule == rule and c >= 0:
                visits.append(MustGoVisit(rule, cad[c].id, it.target, it.village, it.grid,
                                          it.minutes, math.hypot(it.x - cad[c].base_x,
                                                                 it.y - cad[c].base_y)))
        by: dict[str, int] = {}
        for v in visits:
            by[v.cadre_id] = by.get(v.cadre_id, 0) + 1
        ok = sum(1 for v, c in zip(visits, [cad[problem.cadre_index[v.cadre_id]]
                                            for v in visits], strict=True)
                 if c.rank_level >= RULE_MIN_LEVEL[rule])
        n_items = sum(1 for it in items if it.rule == rule)
        cover.append(MustGoCoverage(rule, RULE_MIN_LEVEL[rule], n_items, ok, by,
                                    tuple(visits)))
    # shortfall
    cap = np.array([c.capacity_min for c in cad])
    total = svc + trv + mg_min
    over = np.maximum(0.0, total - cap)
    shortfall = None
    if over.sum() > 1e-6 and total.sum() > cap.sum():
        risk = np.zeros(ng)
        for a in np.flatnonzero(over):
            idx = areas[a].targets
            wt = np.bincount(tgt.grid[idx], weights=tgt.workload_min[idx], minlength=ng)
            if wt.sum() > 0:
                risk += over[a] * wt / wt.sum()
        gload = np.bincount(tgt.grid, weights=tgt.workload_min, minlength=ng)
        at_risk = tuple(GridRisk(int(gi), problem.grids[gi].id, float(risk[gi]),
                                 float(risk[gi] / gload[gi]) if gload[gi] else 0.0)
                        for gi in np.argsort(-risk, kind="stable") if risk[gi] > 1e-6)
        shortfall = Shortfall(float(over.sum()), float(total.sum()), float(cap.sum()), at_risk)
    churn = None
    if problem.previous is not None:
        ids = [c.id for c in cad]
        now = [ids[a] for a in target_area]
        idset = set(ids)
        locked_t = lock_owner >= 0
        elig = kept = lk = lk_kept = 0
        for i, p in enumerate(problem.previous):
            if locked_t[i]:
                lk += 1
                lk_kept += now[i] == ids[lock_owner[i]]
            elif p is not None and p in idset:
                elig += 1
                kept += now[i] == p
        churn = Churn(elig, kept, lk, lk_kept)
    bad = [a.cadre_id for a in areas if not a.contiguous]
    if bad:
        warnings.append(f"{len(bad)} areas are not one connected piece: {', '.join(bad[:10])}")
    stats["runtime_s"] = time.perf_counter() - t0
    return AreaPlan(target_area, tuple(areas), tuple(cover), shortfall, churn,
                    stats["runtime_s"], tuple(warnings), stats)


def plan_from_labels(problem: AreaProblem, labels: ArrayLike, *,
                     mustgo: Sequence[tuple[str, str, int, str]] | None = None) -> AreaPlan:
    """Wrap another method's target -> cadre-index labels as an :class:`AreaPlan`.

    Used by the benchmark for baselines so that every plan is reported and checked the
    same way. ``labels[i]`` is the cadre index of target ``i``. Must-go visits are taken
    from ``mustgo`` as ``(rule, cadre_id, target, village)`` tuples, or planned with the
    same CP-SAT layer as :func:`plan_areas` when omitted.
    """
    lab = np.asarray(labels, dtype=np.int64)
    k = len(problem.cadres)
    if lab.shape != (len(problem.targets),) or lab.min() < 0 or lab.max() >= k:
        raise AreaInputError("labels refused", [_err("labels", f"Expected one cadre index in "
                             f"[0, {k}) per target.")])
    t0 = time.perf_counter()
    warnings: list[str] = []
    cap = np.array([c.capacity_min for c in problem.cadres])
    items = _mustgo_items(problem, warnings)
    share = cap * (float(problem.targets.workload_min.sum())
                   + sum(it.minutes for it in items)) / float(cap.sum())
    if mustgo is None:
        mg = _assign_mustgo(problem, items, 0.5 * share, seed=0, time_limit_s=5.0)
    else:
        look = {(r, tgt, v): problem.cadre_index[c] for r, c, tgt, v in mustgo}
        mg = [look.get((it.rule, it.target, it.village), -1) for it in items]
    mg_min = np.zeros(k)
    for it, c in zip(items, mg, strict=True):
        if c >= 0:
            mg_min[c] += it.minutes
    g = _Graph(problem, np.full(len(lab), -1), lab)
    state = _State(g, k, np.maximum(share - mg_min, 1e-9), np.zeros(k, dtype=bool),
                   np.ones(g.n, dtype=bool))
    for s in range(g.n):
        state.add(s, int(g.prev[s]))
    return _finish(problem, state, g, items, mg, mg_min, share, np.zeros(k, dtype=bool),
                   np.full(len(lab), -1), warnings, {}, t0)

