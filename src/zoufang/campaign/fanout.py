"""Plan many townships at once on Dask: ``zoufang plan areas|routes --township all``.

:func:`plan_townships` runs one task per township on a ``dask.distributed`` cluster —
a :class:`distributed.LocalCluster` of processes on this machine (``dask="local"``) or an
existing scheduler (``dask="tcp://HOST:8786"``) — or one after the other in this process
(``dask=None``, the baseline). Each task opens the shared store itself and calls the
ordinary per-township function (:func:`zoufang.campaign.areas.plan_campaign` or
:func:`zoufang.campaign.routes.plan_routes`), which reads the township and stores its plan
in its own transaction. A task that fails is reported with its township and the error;
the plans the other tasks stored are kept. On SQLite the workers' writes are serialised
by the file lock (the store retries on busy); PostgreSQL takes them side by side.

Route planning solves each township's cadres in a process pool of its own; Dask worker
processes are daemonic by default and may not start children, so the LocalCluster here
is started with ``distributed.worker.daemon`` off, and workers of an existing cluster
must be started the same way (``DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker …``).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

__all__ = ["FanoutResult", "TownshipOutcome", "plan_one", "plan_townships",
           "resolve_townships"]

KINDS = ("areas", "routes")


@dataclass
class TownshipOutcome:
    """What became of one township's task."""

    township: str
    ok: bool
    feasible: bool | None = None
    plan_id: int | None = None
    error: str | None = None
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the fields of the ``--json`` output)."""
        return {"township": self.township, "ok": self.ok, "feasible": self.feasible,
                "plan_id": self.plan_id, "error": self.error, "seconds": self.seconds}


@dataclass
class FanoutResult:
    """The outcome of every township, in the order asked, and how it ran."""

    kind: str
    engine: str
    dashboard: str | None
    seconds: float
    townships: list[TownshipOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every township's task succeeded."""
        return all(t.ok for t in self.townships)

    def to_dict(self) -> dict[str, Any]:
        """``{"ok", "townships": [...], ...}`` for ``--json``."""
        return {"ok": self.ok, "kind": self.kind, "engine": self.engine,
                "dashboard": self.dashboard, "seconds": round(self.seconds, 2),
                "townships": [t.to_dict() for t in self.townships]}

    def summary(self) -> str:
        """One line per township and a total."""
        lines = [f"{self.kind} of {len(self.townships)} townships on {self.engine} in "
                 f"{self.seconds:.1f} s" + (f" (dashboard {self.dashboard})"
                                            if self.dashboard else "")]
        for t in self.townships:
            if t.ok:
                lines.append(f"  {t.township}: plan #{t.plan_id}, "
                             + ("feasible" if t.feasible else "NOT feasible")
                             + (f" ({t.seconds:.1f} s)" if t.seconds is not None else ""))
            else:
                lines.append(f"  {t.township}: FAILED: {t.error}")
        failed = sum(not t.ok for t in self.townships)
        if failed:
            lines.append(f"{failed} township(s) failed; the others' plans are stored")
        return "\n".join(lines)


def resolve_townships(db_url: str, township: str | None) -> list[str]:
    """Return the townships to plan: all of the store's (``None``/``"all"``) or a list.

    ``township`` may be ``"all"`` or names separated by commas.

    Raises
    ------
    ValueError
        Naming the unknown townships and those the store holds.
    """
    from zoufang.campaign.store import Township, open_store

    store = open_store(db_url)
    try:
        with store.session() as s:
            names = list(s.scalars(select(Township.name).order_by(Township.id)))
    finally:
        store.dispose()
    if township in (None, "", "all"):
        if not names:
            raise ValueError("the store holds no township; import grids first")
        return names
    asked = [t.strip() for t in str(township).split(",") if t.strip()]
    unknown = [t for t in asked if t not in names]
    if unknown:
        raise ValueError(f"no township {', '.join(unknown)} in the store (it has "
                         f"{', '.join(names) or 'none'})")
    return asked


def plan_one(db_url: str, kind: str, township: str, options: dict[str, Any]
             ) -> dict[str, Any]:
    """Plan one township (the task run on a worker); raise on failure.

    ``options`` are keyword arguments of the per-township function (``campaign``,
    ``time_limit_s``, ``seed``, ``phase``, ``as_of``, ``roads``, ``workers``, ...).
    """
    from zoufang.campaign.store import open_store

    started = time.monotonic()
    store = open_store(db_url)
    try:
        if kind == "areas":
            from zoufang.campaign.areas import plan_campaign

            res: Any = plan_campaign(store, township=township, **options)
            feasible = bool(res.feasible) and res.ok
        else:
            from zoufang.campaign.routes import plan_routes

            res = plan_routes(store, township=township, **options)
            feasible = res.ok
    finally:
        store.dispose()
    return {"township": township, "plan_id": res.plan_id, "feasible": feasible,
            "seconds": round(time.monotonic() - started, 2)}


def _error(exc: BaseException) -> str:
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def plan_townships(db_url: str, kind: str, townships: Sequence[str], *,
                   dask: str | None = "local", n_workers: int = 2,
                   options: dict[str, Any] | None = None,
                   task: Callable[..., dict[str, Any]] = plan_one,
                   on_done: Callable[[TownshipOutcome, int, int], None] | None = None,
                   on_dashboard: Callable[[str | None], None] | None = None,
                   dashboard: bool | None = None) -> FanoutResult:
    """Plan every township of ``townships``: one task each, on Dask or one by one.

    Parameters
    ----------
    db_url
        The shared store (a PostgreSQL URL, or a SQLite file every worker can open).
    kind
        ``areas`` or ``routes``.
    dask
        ``"local"`` (a LocalCluster of ``n_workers`` processes, one thread each), a
        scheduler address ``tcp://HOST:8786``, or ``None`` to run in this process.
    options
        Keyword arguments of the per-township function, the same for every township.
    task
        The task run per township (default :func:`plan_one`; must be importable by the
        workers).
    on_done
        Called with each outcome, the number done and the total, as tasks finish.
    on_dashboard
        Called once with the Dask dashboard's address (None without one).
    dashboard
        Serve the LocalCluster's dashboard on port 8787 (default: when bokeh, which
        it needs, is installed).
    """
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    opts = dict(options or {})
    if dashboard is None:
        import importlib.util

        dashboard = importlib.util.find_spec("bokeh") is not None
    started = time.monotonic()
    outcomes: dict[str, TownshipOutcome] = {}
    total = len(townships)

    def record(o: TownshipOutcome) -> None:
        outcomes[o.township] = o
        if on_done is not None:
            on_done(o, len(outcomes), total)

    def from_result(t: str, r: dict[str, Any]) -> TownshipOutcome:
        return TownshipOutcome(t, True, bool(r["feasible"]), int(r["plan_id"]), None,
                               r.get("seconds"))

    link: str | None = None
    if dask is None:
        engine = "sequential"
        if on_dashboard is not None:
            on_dashboard(None)
        for t in townships:
            try:
                record(from_result(t, task(db_url, kind, t, opts)))
            except Exception as exc:  # noqa: BLE001 - kept with its township
                record(TownshipOutcome(t, False, error=_error(exc)))
    else:
        import dask as dask_mod
        from distributed import Client, LocalCluster, as_completed

        cluster = None
        with dask_mod.config.set({"distributed.worker.daemon": False}):
            if dask == "local":
                cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                       processes=True,
                                       dashboard_address=":8787" if dashboard else None)
                client = Client(cluster)
                engine = f"LocalCluster ({n_workers} worker processes)"
            else:
                client = Client(dask)
                engine = f"Dask cluster {dask}"
            try:
                link = client.dashboard_link if dashboard or dask != "local" else None
                if on_dashboard is not None:
                    on_dashboard(link)
                futures = {client.submit(task, db_url, kind, t, opts, key=f"plan-{kind}-{i}",
                                         pure=False): t for i, t in enumerate(townships)}
                for fut in as_completed(futures):
                    t = futures[fut]
                    try:
                        record(from_result(t, fut.result()))
                    except Exception as exc:  # noqa: BLE001 - kept with its township
                        record(TownshipOutcome(t, False, error=_error(exc)))
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    return FanoutResult(kind, engine, link, time.monotonic() - started,
                        [outcomes[t] for t in townships])

