"""Inputs and outputs of the visit-area planner, as plain data (metres, minutes).

Inputs: :class:`Targets` (parallel arrays), :class:`GridSpec` (a grid cell and its
neighbours), :class:`CadreSpec` (a visitor, its capacity and base), :class:`Lock` and the
whole :class:`AreaProblem`; each checks itself on construction and raises
:class:`AreaInputError` listing every problem found. Outputs: :class:`AreaSolution`, made
of :class:`PlannedArea` (one per visitor), :class:`MustGoCoverage` with its
:class:`MustGoVisit`, a :class:`Shortfall` of :class:`GridRisk` and :class:`Churn`.
Coordinates are metres in the problem's projected (metric) CRS; workloads, capacities and
loads are minutes. The must-go rules (四个必到) and their ranks are here too, with
:func:`rule_bits` to pack per-target rule flags.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zoufang._errors import Problem, ValidationError, problem
from zoufang.vocab import TARGET_TAGS, VILLAGE_TAGS, rank_level

__all__ = [
    "MUSTGO_RULES",
    "RULE_MIN_LEVEL",
    "TARGET_RULES",
    "VILLAGE_RULES",
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
    "rule_bits",
]

#: Must-go rules (四个必到), in report order.
MUSTGO_RULES: Final = ("weak_village", "poor_registered", "listed_enterprise",
                       "resettlement_community")
#: Rules carried by single targets (a bit each in :attr:`Targets.rules`).
TARGET_RULES: Final = ("listed_enterprise", "poor_registered")
#: Rules carried by villages (tags of :class:`GridSpec`); one visit per village.
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


# --------------------------------------------------------------------------------------
# inputs


def _frozen_array(values: ArrayLike, dtype: type[np.generic]) -> NDArray[Any]:
    """Return a read-only copy of ``values`` as an array of ``dtype``."""
    arr: NDArray[Any] = np.array(values, dtype=dtype, copy=True)
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
                problems.append(problem("targets", f"Expected {name} to have one value per "
                                        f"target ({n}), got shape {arr.shape}.", name))
        if not problems:
            for name in ("x", "y", "service_min", "travel_min"):
                bad = np.flatnonzero(~np.isfinite(getattr(self, name)))
                if len(bad):
                    problems.append(problem("targets", f"Expected finite {name}; "
                                            f"{len(bad)} targets are not, first index {bad[0]}.",
                                            name))
            for name in ("service_min", "travel_min"):
                bad = np.flatnonzero(getattr(self, name) < 0)
                if len(bad):
                    problems.append(problem("targets", f"Expected {name} >= 0; {len(bad)} "
                                            f"targets are negative, first index {bad[0]}.", name))
            if (self.grid < 0).any():
                problems.append(problem("targets", "Expected grid >= 0 (every target in a grid); "
                                        f"{int((self.grid < 0).sum())} targets have none.", "grid"))
        if self.ids is not None:
            set_(self, "ids", tuple(str(i) for i in self.ids))
            if len(self.ids) != n:
                problems.append(problem("targets", f"Expected {n} ids, got {len(self.ids)}.",
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
        carries: NDArray[np.bool_] = (self.rules >> TARGET_RULES.index(rule)) & 1 == 1
        return carries


@dataclass(frozen=True)
class GridSpec:
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
            raise AreaInputError(f"grid {self.id!r} refused", [problem(
                f"grid {self.id}", f"Expected village tags in {sorted(VILLAGE_TAGS)}.",
                "tags", sorted(unknown))])


@dataclass(frozen=True)
class CadreSpec:
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
            problems.append(problem(src, "Expected capacity_min >= 0 minutes.", "capacity_min",
                                    self.capacity_min))
        elif cap == 0:
            problems.append(problem(src, "has zero hours in the visit phase (capacity 0 min): "
                                    "give it hours and days, or leave it out of the plan.",
                                    "capacity_min", 0))
        if not (math.isfinite(float(self.base_x)) and math.isfinite(float(self.base_y))):
            problems.append(problem(src, "Expected a finite base point (metres).", "base"))
        if int(self.rank_level) < 0:
            problems.append(problem(src, "Expected rank_level >= 0.", "rank_level",
                                    self.rank_level))
        if self.mustgo_quota is not None and int(self.mustgo_quota) < 0:
            problems.append(problem(src, "Expected mustgo_quota >= 0 or None.", "mustgo_quota",
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
    grids: tuple[GridSpec, ...]
    cadres: tuple[CadreSpec, ...]
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
            problems.append(problem("cadres", "No visiting cadres: a plan needs at least one "
                                    "cadre (or team) with hours in the visit phase."))
        if n == 0:
            problems.append(problem("targets", "No targets to visit."))
        elif 0 < k and n < k:
            problems.append(problem("targets", f"{n} targets for {k} cadres: every cadre needs "
                                    "an area of at least one target; plan fewer cadres."))
        ids = [c.id for c in self.cadres]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            problems.append(problem("cadres", "Expected unique cadre ids.", "id", dup[:10]))
        if n and ng and int(self.targets.grid.max()) >= ng:
            problems.append(problem("targets", f"Expected grid indices < {ng} (the number of "
                                    "grids).", "grid", int(self.targets.grid.max())))
        for gi, g in enumerate(self.grids):
            bad = [j for j in g.neighbours if not 0 <= j < ng or j == gi]
            if bad:
                problems.append(problem(f"grid {g.id!r}", f"Expected neighbour indices in "
                                        f"[0, {ng}) other than itself.", "neighbours", bad))
        idset = set(ids)
        seen: dict[int, str] = {}
        for lk in self.locks:
            if lk.cadre_id not in idset:
                problems.append(problem("locks", "Locked cadre is not among the cadres.",
                                        "cadre_id", lk.cadre_id))
            if lk.targets is None:
                if self.previous is None:
                    problems.append(problem("locks", f"Lock of {lk.cadre_id!r} keeps its previous "
                                            "area, but no previous plan was given."))
                continue
            for t in lk.targets:
                if not 0 <= t < n:
                    problems.append(problem("locks", f"Locked target index out of range "
                                            f"[0, {n}).", "targets", t))
                elif seen.setdefault(t, lk.cadre_id) != lk.cadre_id:
                    problems.append(problem("locks", f"Target {t} is locked to two cadres "
                                            f"({seen[t]!r} and {lk.cadre_id!r})."))
        if self.previous is not None:
            set_(self, "previous", tuple(None if p is None else str(p) for p in self.previous))
            if len(self.previous) != n:
                problems.append(problem("previous", f"Expected one previous cadre (or None) per "
                                        f"target ({n}), got {len(self.previous)}."))
        if not (math.isfinite(self.village_visit_min) and self.village_visit_min >= 0):
            problems.append(problem("problem", "Expected village_visit_min >= 0.",
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
class PlannedArea:
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
        """CadreSpec-hours missing in the phase."""
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
class AreaSolution:
    """The result of :func:`plan_areas`: areas, pairs, must-go visits, shortfall.

    ``target_area[i]`` is the area of target ``i``; area ``k`` belongs to
    ``problem.cadres[k]`` (``areas[k].cadre_id``).
    """

    target_area: NDArray[np.int64]
    areas: tuple[PlannedArea, ...]
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

    def area_of(self, cadre_id: str) -> PlannedArea:
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
