"""Commands of the visit-area plan: ``zoufang plan areas|lock|unlock|show|publish``.

The daily-route commands of the same group live in :mod:`zoufang.commands.routes`.

Every command takes ``--db URL``,
``--township NAME`` (default: the only one) and ``--campaign NAME`` (default: the
township's newest campaign), and prints JSON with ``--json``; errors exit with status 1
as ``{"ok": false, "error": ..., "errors": [...], "status": 1}``.

- ``plan areas``: cut the territory into one visit area per cadre, pair them, check and
  store the plan (a re-plan keeps locked pairs and changes the others as little as it
  can); prints each area, the checker's figures, must-go coverage and any shortfall.
- ``plan lock [CADRE_ID] [--area N]`` / ``plan unlock``: lock a pair of the current plan
  (with both, re-pair the cadre with area N first).
- ``plan show [--area N]``: the current plan (with ``--area``, that area's targets).
- ``plan publish --out FILE.xlsx|FILE.csv [--masked]``: the arrangement table (安排表).
- ``plan forecast [--phase visit|push|revisit] [--as-of T]``: can the phase reach 100 %?
  Per cadre (area), village and township: targets, reachable, left out and why, the
  extra cadre-days needed, what would close the gap (:mod:`zoufang.campaign.forecast`).
  ``plan areas`` prints the same forecast for its phase (``forecast`` in ``--json``).

``--phase`` means the same in every command (:mod:`zoufang.campaign.phases`): ``visit``
the whole 走访排查 phase, ``push`` the concentrated push 集中走访 inside it, ``revisit``
回访.

``plan publish`` writes one line to the audit log (user ``cli``; ``personal`` unless
``--masked``), and so does ``plan show --area N`` (it prints the area's residents'
names): the command, the township, the plan and the rows, never the names.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from zoufang.commands._audit import cli_audit
from zoufang.commands._common import (
    CAMPAIGN_OPTION,
    DB_OPTION,
    JSON_OPTION,
    TOWNSHIP_OPTION,
    open_cli_store,
    pad,
    parse_datetime,
    rpad,
    run,
)

__all__ = ["DASK_OPTION", "fanout_cmd", "plan_group"]

#: ``--dask local|tcp://HOST:8786`` of ``plan areas|routes`` (with ``--township all``).
DASK_OPTION = click.option(
    "--dask", "dask", default=None, metavar="local|tcp://HOST:8786",
    help="With --township all (or NAME,NAME): plan each township as one task on a Dask "
         "LocalCluster of processes (local, the default for several townships) or an "
         "existing scheduler; 'none' plans them one after the other.")


def fanout_cmd(kind: str, db_url: str | None, township: str | None, dask: str | None,
               as_json: bool, options: dict[str, Any]) -> None:
    """Plan several townships (:mod:`zoufang.campaign.fanout`); exit 1 if any failed."""
    import json
    import sys

    from zoufang.campaign.fanout import plan_townships, resolve_townships
    from zoufang.campaign.store import resolve_db_url
    from zoufang.commands._common import fail, json_default

    url = resolve_db_url(db_url)
    try:
        towns = resolve_townships(url, township)
    except ValueError as exc:
        fail(as_json, exc)
    engine = None if dask == "none" or (dask is None and len(towns) == 1) else (
        dask or "local")

    def done(o: Any, n: int, total: int) -> None:
        state = f"plan #{o.plan_id}" if o.ok else f"FAILED: {o.error}"
        click.echo(f"[{n}/{total}] {o.township}: {state}", err=True)

    def board(link: str | None) -> None:
        if link:
            click.echo(f"Dask dashboard: {link}", err=True)

    click.echo(f"planning {kind} of {len(towns)} townships on "
               f"{engine or 'this process, one after the other'}", err=True)
    res = plan_townships(url, kind, towns, dask=engine,
                         options={k: v for k, v in options.items() if v is not None},
                         on_done=done, on_dashboard=board)
    if as_json:
        click.echo(json.dumps(res.to_dict(), ensure_ascii=False, indent=2,
                              default=json_default))
    else:
        click.echo(res.summary())
    if not res.ok:
        sys.exit(1)

def _areas_text(res: Any) -> str:
    """Render the plan summary with aligned per-area lines (CJK takes two columns)."""
    lines = []
    if res.areas:
        lines.append(" ".join([rpad("区", 3), pad("走访人员", 18), pad("级别", 6),
                               rpad("对象", 5), rpad("工作量h", 7), rpad("可用h", 6),
                               rpad("偏差", 7), rpad("距驻地", 7)]) + "  网格")
        for a in res.areas:
            com = "-" if a["commute_m"] is None else f"{a['commute_m'] / 1000:.1f}km"
            grids = ",".join(g + ("*" if g in a["split_grids"] else "") for g in a["grids"])
            flags = (" [锁定]" if a["locked"] else "") \
                + (f" [超出{a['over_h']:.1f}h]" if a["over_h"] > 0.05 else "") \
                + ("" if a["contiguous"] else " [不连通]")
            bal = "-" if a["balance_pct"] is None else f"{a['balance_pct']:+.1f}%"
            lines.append(f"{a['number']:>3} {pad(a['cadre_id'] + ' ' + a['cadre'], 18)} "
                         f"{pad(a['rank_label'], 6)} {a['targets']:>5} {a['total_h']:>7.1f} "
                         f"{a['capacity_h']:>6.1f} {bal:>7} {com:>7}  {grids}{flags}")
        lines.append("  (* 网格被分到多个区域; 工作量 = 区域内走访+步行+必到走访)")
    return "\n".join([*lines, res.summary(areas=False)])


@click.group("plan")
def plan_group() -> None:
    """Visit areas (走访区域): plan, lock pairs, show, publish the arrangement table."""


@plan_group.command("areas")
@click.option("--time-limit", "time_limit", default=60.0, show_default=True, type=float,
              help="Seconds the solver may use.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seed: the same data and seed give the same plan.")
@click.option("--phase", default="visit", show_default=True,
              help="Phase whose days make the cadres' capacity: visit (the whole 走访排查 "
                   "phase) or push (集中走访, the concentrated push inside it).")
@click.option("--create-campaign", is_flag=True,
              help="Create the campaign --campaign with the default phases if it is new.")
@click.option("--year", default=None, type=int,
              help="With --create-campaign: the year of the phases (default this year).")
@CAMPAIGN_OPTION
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
@DASK_OPTION
def plan_areas_cmd(time_limit: float, seed: int, phase: str, create_campaign: bool,
                   year: int | None, campaign: str | None, township: str | None,
                   db_url: str | None, as_json: bool, dask: str | None = None) -> None:
    """Cut the territory into one visit area per cadre, pair them, check and store the plan.

    A re-plan starts from the current plan: locked pairs never change, the others change
    as little as possible (一访到底). When the cadres' hours cannot cover every target
    the plan is stored with a SHORTFALL (cadre-hours missing, grids at risk). Impossible
    input (no cadres, no hours, must-go visits no cadre of the required rank can make)
    stores nothing and exits 1.
    """
    if township == "all" or "," in (township or "") or dask:  # issue 16: many townships
        fanout_cmd("areas", db_url, township, dask, as_json,
                   {"campaign": campaign, "time_limit_s": time_limit, "seed": seed,
                    "phase": phase})
        return

    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.areas import plan_campaign

        store = open_cli_store(db_url)
        try:
            if create_campaign:
                _create_campaign(store, township, campaign, year)
            res = plan_campaign(store, township=township, campaign=campaign,
                                time_limit_s=time_limit, seed=seed, phase=phase)
            fc = _plan_forecast(store, township, campaign, res.phase_kind or phase)
        finally:
            store.dispose()
        payload = res.to_dict()
        payload["forecast"] = fc.to_dict() if fc is not None else None
        text = _areas_text(res) + ("" if fc is None else "\n" + fc.summary())
        return payload, text

    run(as_json, go)


def _plan_forecast(store: Any, township: str | None, campaign: str | None,
                   phase: str) -> Any:
    """Return the forecast of the plan's phase (None for a phase not forecast)."""
    from zoufang.campaign.forecast import forecast_campaign
    from zoufang.campaign.phases import PLAN_PHASES

    if phase not in PLAN_PHASES:
        return None
    return forecast_campaign(store, township=township, campaign=campaign, phase=phase)


@plan_group.command("forecast")
@click.option("--phase", default="visit", show_default=True,
              help="visit (the whole 走访排查 phase), push (集中走访) or revisit (回访).")
@click.option("--as-of", "as_of", default=None, metavar="'YYYY-MM-DD HH:MM'",
              help="Forecast from this local moment (visits recorded before it count). "
                   "Default: the phase's first day.")
@CAMPAIGN_OPTION
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def plan_forecast_cmd(phase: str, as_of: str | None, campaign: str | None,
                      township: str | None, db_url: str | None, as_json: bool) -> None:
    """Can this phase reach 100 %? The cadres' usable time against their areas' work.

    The same availability model as the area plan and the route planner (target windows
    by kind and day type, the cadres' daily window and hours, holidays and 调休, service
    minutes and travel): per cadre, how many targets of its area it can reach in the
    phase, how many are left out and why, the extra cadre-days needed.
    """
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.forecast import forecast_campaign

        store = open_cli_store(db_url)
        try:
            fc = forecast_campaign(store, township=township, campaign=campaign, phase=phase,
                                   as_of=parse_datetime(as_of, option="as_of"))
        finally:
            store.dispose()
        return fc.to_dict(), fc.summary()

    run(as_json, go)


def _create_campaign(store: Any, township: str | None, campaign: str | None,
                     year: int | None) -> None:
    from zoufang.campaign.areas import resolve_campaign
    from zoufang.campaign.phases import create_campaign
    from zoufang.campaign.store import Campaign

    if not campaign:
        raise ValueError("--create-campaign needs --campaign NAME")
    with store.session() as s:
        try:
            resolve_campaign(s, township=township, campaign=campaign)
            return
        except ValueError:
            pass
        from sqlalchemy import select

        from zoufang.campaign.store import Township

        towns = s.scalars(select(Township).order_by(Township.id)).all()
        town = next((t for t in towns if t.name == township), None) if township else (
            towns[0] if len(towns) == 1 else None)
        if town is None:
            raise ValueError("choose the township with --township (the store has "
                             f"{', '.join(t.name for t in towns) or 'none'})")
        c: Campaign = create_campaign(s, town.id, campaign,
                                      year=year or dt.date.today().year)
        assert c.id is not None


def _lock_text(verb: str, r: dict[str, Any]) -> str:
    return (f"{verb}: {r['name']} ↔ {r['cadre_id']} {r['cadre']} (plan #{r['plan_id']}; "
            f"{r['targets']} targets, {r['total_h']:.1f} h of {r['capacity_h']:.1f} h)")


@plan_group.command("lock")
@click.argument("cadre_id", required=False)
@click.option("--area", type=int, default=None,
              help="Area number; with CADRE_ID, re-pair the cadre with this area first.")
@CAMPAIGN_OPTION
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def plan_lock_cmd(cadre_id: str | None, area: int | None, campaign: str | None,
                  township: str | None, db_url: str | None, as_json: bool) -> None:
    """Lock the pair of a cadre (编号) or of an area: it never changes in a re-plan.

    With both CADRE_ID and --area N, and the cadre not paired with area N, the cadre and
    area N's cadre swap areas first (checked and stored as a new plan), then the pair is
    locked. Re-plan afterwards to rebalance the other areas.
    """
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.areas import current_plan, lock

        store = open_cli_store(db_url)
        try:
            r = lock(store, cadre=cadre_id, area=area, township=township, campaign=campaign)
            text = _lock_text("locked", r)
            payload: dict[str, Any] = {"locked": r, "plan_id": r["plan_id"],
                                       "repaired": r["repaired"]}
            if r["repaired"]:
                res = current_plan(store, township=township, campaign=campaign)
                payload["plan"] = res.to_dict()
                text = "\n".join([f"re-paired: new plan #{res.plan_id}", text,
                                  res.summary(areas=False),
                                  "hint: run `zoufang plan areas` to rebalance the other "
                                  "areas; the locked pair stays as it is"])
        finally:
            store.dispose()
        return payload, text

    run(as_json, go)


@plan_group.command("unlock")
@click.argument("cadre_id", required=False)
@click.option("--area", type=int, default=None, help="Area number.")
@CAMPAIGN_OPTION
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def plan_unlock_cmd(cadre_id: str | None, area: int | None, campaign: str | None,
                    township: str | None, db_url: str | None, as_json: bool) -> None:
    """Unlock the pair of a cadre (or of an area): a re-plan may change it again."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.areas import unlock

        store = open_cli_store(db_url)
        try:
            r = unlock(store, cadre=cadre_id, area=area, township=township,
                       campaign=campaign)
        finally:
            store.dispose()
        return {"unlocked": r, "plan_id": r["plan_id"]}, _lock_text("unlocked", r)

    run(as_json, go)


@plan_group.command("show")
@click.option("--area", type=int, default=None, help="Also list this area's targets.")
@CAMPAIGN_OPTION
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def plan_show_cmd(area: int | None, campaign: str | None, township: str | None,
                  db_url: str | None, as_json: bool) -> None:
    """Show the current plan: each area, the checker's figures, must-go, shortfall."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.areas import current_plan

        store = open_cli_store(db_url)
        try:
            res = current_plan(store, township=township, campaign=campaign)
            payload = res.to_dict()
            text = _areas_text(res)
            if area is not None:
                items = _area_targets(store, res.plan_id, area)
                cli_audit(store, "read", "plan show --area", township_id=_township_id(
                    store, township, campaign), personal=True, plan_id=res.plan_id,
                    area=area, rows=len(items))
                payload["area_targets"] = items
                a = next(x for x in res.areas if x["number"] == area)
                text = "\n".join([
                    f"{a['name']} ↔ {a['cadre_id']} {a['cadre']} ({a['rank_label']}, "
                    f"{a['unit'] or ''}): {a['targets']} targets in "
                    f"{', '.join(a['grids'])}; villages {', '.join(a['villages'])}",
                    *(f"  {t['id']:<12} {pad(t['kind_label'], 8)} {pad(t['name'] or '', 16)}"
                      f" {t['grid']:<8} {t['address'] or ''}" for t in items)])
        finally:
            store.dispose()
        return payload, text

    run(as_json, go)


def _township_id(store: Any, township: str | None, campaign: str | None) -> int:
    from zoufang.campaign.store.lookup import resolve_campaign

    with store.session() as s:
        return resolve_campaign(s, township=township, campaign=campaign).township_id


def _area_targets(store: Any, plan_id: int, number: int) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from zoufang import vocab
    from zoufang.campaign.areas import NoPlanError
    from zoufang.campaign.store import AreaTarget, Grid, Target, VisitArea

    with store.session() as s:
        area_id = s.scalar(select(VisitArea.id).where(VisitArea.plan_id == plan_id,
                                                      VisitArea.number == number))
        if area_id is None:
            raise NoPlanError(f"no area {number} in plan #{plan_id}")
        rows = s.execute(select(Target.ext_id, Target.kind, Target.name, Target.address,
                                Target.tags, Grid.ext_id)
                         .join(AreaTarget, AreaTarget.target_id == Target.id)
                         .outerjoin(Grid, Grid.id == Target.grid_id)
                         .where(AreaTarget.area_id == area_id)
                         .order_by(Grid.ext_id, Target.ext_id)).all()
    return [{"id": r[0], "kind": r[1], "kind_label": vocab.KINDS.get(r[1], (r[1],))[0],
             "name": r[2], "address": r[3], "tags": list(r[4] or []), "grid": r[5] or ""}
            for r in rows]


@plan_group.command("publish")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Output file: .xlsx or .csv (UTF-8 with BOM).")
@click.option("--masked", is_flag=True,
              help="For public posting: mask the cadres' phones and residents' names.")
@CAMPAIGN_OPTION
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def plan_publish_cmd(out: Path, masked: bool, campaign: str | None, township: str | None,
                     db_url: str | None, as_json: bool) -> None:
    """Write the arrangement table (安排表) of the current plan as .xlsx or CSV."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.arrangement import write_arrangement

        store = open_cli_store(db_url)
        try:
            arr = write_arrangement(store, out, township=township, campaign=campaign,
                                    masked=masked)
            cli_audit(store, "export", "plan publish", township_id=_township_id(
                store, township, campaign), personal=not masked, table="安排表",
                format=Path(out).suffix.lower().lstrip("."), masked=masked,
                plan_id=arr.plan.plan_id, rows=len(arr.rows))
        finally:
            store.dispose()
        text = (f"{out}: {arr.title}, {len(arr.rows)} rows"
                + (" (phones and residents' names masked)" if masked else ""))
        if arr.plan.shortfall:
            text += (f"\nSHORTFALL: {arr.plan.shortfall['cadre_hours_missing']:.1f} "
                     "cadre-hours missing (see the 说明 sheet / zoufang plan show)")
        return {"file": str(out), "rows": len(arr.rows), "plan_id": arr.plan.plan_id,
                "masked": masked}, text

    run(as_json, go)
