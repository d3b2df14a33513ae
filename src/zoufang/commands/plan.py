"""Commands of the visit-area plan: ``zoufang plan areas|lock|unlock|show|publish``.

The daily-route commands of the same group live in :mod:`zoufang.commands.routes`.

Registered on the main group by :func:`register`. Every command takes ``--db URL``,
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
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from zoufang._errors import ValidationError
from zoufang.commands._common import fail as _fail
from zoufang.commands._common import json_default as _json_default

__all__ = ["plan_group", "register"]

_DB = click.option("--db", "db_url", default=None, metavar="URL",
                   help="Store URL (default $ZOUFANG_DB or ./zoufang.sqlite).")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
_TOWN = click.option("--township", default=None, help="Township name (default: the only one).")
_CAMP = click.option("--campaign", default=None,
                     help="Campaign name or id (default: the township's newest).")


def _emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    if as_json:
        click.echo(json.dumps({"ok": True, **payload}, ensure_ascii=False, indent=2,
                              default=_json_default))
    else:
        click.echo(text)


def _run(as_json: bool, fn: Callable[[], tuple[dict[str, Any], str]]) -> None:
    try:
        payload, text = fn()
    except (ValidationError, ValueError, LookupError) as exc:
        _fail(as_json, exc)
        return
    _emit(as_json, payload, text)


def _store(db_url: str | None) -> Any:
    from zoufang.campaign.store import open_store

    return open_store(db_url)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    """Pad (or cut) ``s`` to ``width`` terminal columns, CJK characters counting two."""
    out = ""
    for ch in s:
        if _width(out + ch) > width:
            break
        out += ch
    return out + " " * (width - _width(out))


def _rpad(s: str, width: int) -> str:
    """Right-align ``s`` in ``width`` terminal columns."""
    return " " * max(0, width - _width(s)) + s


def _areas_text(res: Any) -> str:
    """Render the plan summary with aligned per-area lines (CJK takes two columns)."""
    lines = []
    if res.areas:
        lines.append(" ".join([_rpad("区", 3), _pad("走访人员", 18), _pad("级别", 6),
                               _rpad("对象", 5), _rpad("工作量h", 7), _rpad("可用h", 6),
                               _rpad("偏差", 7), _rpad("距驻地", 7)]) + "  网格")
        for a in res.areas:
            com = "-" if a["commute_m"] is None else f"{a['commute_m'] / 1000:.1f}km"
            grids = ",".join(g + ("*" if g in a["split_grids"] else "") for g in a["grids"])
            flags = (" [锁定]" if a["locked"] else "") \
                + (f" [超出{a['over_h']:.1f}h]" if a["over_h"] > 0.05 else "") \
                + ("" if a["contiguous"] else " [不连通]")
            bal = "-" if a["balance_pct"] is None else f"{a['balance_pct']:+.1f}%"
            lines.append(f"{a['number']:>3} {_pad(a['cadre_id'] + ' ' + a['cadre'], 18)} "
                         f"{_pad(a['rank_label'], 6)} {a['targets']:>5} {a['total_h']:>7.1f} "
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
              help="Phase whose length caps the cadres' days: visit (走访排查) or push "
                   "(集中走访, the 10-day push).")
@click.option("--create-campaign", is_flag=True,
              help="Create the campaign --campaign with the default phases if it is new.")
@click.option("--year", default=None, type=int,
              help="With --create-campaign: the year of the phases (default this year).")
@_CAMP
@_TOWN
@_DB
@_JSON
def plan_areas_cmd(time_limit: float, seed: int, phase: str, create_campaign: bool,
                   year: int | None, campaign: str | None, township: str | None,
                   db_url: str | None, as_json: bool) -> None:
    """Cut the territory into one visit area per cadre, pair them, check and store the plan.

    A re-plan starts from the current plan: locked pairs never change, the others change
    as little as possible (一访到底). When the cadres' hours cannot cover every target
    the plan is stored with a SHORTFALL (cadre-hours missing, grids at risk). Impossible
    input (no cadres, no hours, must-go visits no cadre of the required rank can make)
    stores nothing and exits 1.
    """
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.areas import plan_campaign

        store = _store(db_url)
        try:
            if create_campaign:
                _create_campaign(store, township, campaign, year)
            res = plan_campaign(store, township=township, campaign=campaign,
                                time_limit_s=time_limit, seed=seed, phase=phase)
        finally:
            store.dispose()
        return res.to_dict(), _areas_text(res)

    _run(as_json, go)


def _create_campaign(store: Any, township: str | None, campaign: str | None,
                     year: int | None) -> None:
    from zoufang.campaign.areas import resolve_campaign
    from zoufang.campaign.store import Campaign
    from zoufang.campaign.phases import create_campaign

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
@_CAMP
@_TOWN
@_DB
@_JSON
def plan_lock_cmd(cadre_id: str | None, area: int | None, campaign: str | None,
                  township: str | None, db_url: str | None, as_json: bool) -> None:
    """Lock the pair of a cadre (编号) or of an area: it never changes in a re-plan.

    With both CADRE_ID and --area N, and the cadre not paired with area N, the cadre and
    area N's cadre swap areas first (checked and stored as a new plan), then the pair is
    locked. Re-plan afterwards to rebalance the other areas.
    """
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.areas import current_plan, lock

        store = _store(db_url)
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

    _run(as_json, go)


@plan_group.command("unlock")
@click.argument("cadre_id", required=False)
@click.option("--area", type=int, default=None, help="Area number.")
@_CAMP
@_TOWN
@_DB
@_JSON
def plan_unlock_cmd(cadre_id: str | None, area: int | None, campaign: str | None,
                    township: str | None, db_url: str | None, as_json: bool) -> None:
    """Unlock the pair of a cadre (or of an area): a re-plan may change it again."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.areas import unlock

        store = _store(db_url)
        try:
            r = unlock(store, cadre=cadre_id, area=area, township=township,
                       campaign=campaign)
        finally:
            store.dispose()
        return {"unlocked": r, "plan_id": r["plan_id"]}, _lock_text("unlocked", r)

    _run(as_json, go)


@plan_group.command("show")
@click.option("--area", type=int, default=None, help="Also list this area's targets.")
@_CAMP
@_TOWN
@_DB
@_JSON
def plan_show_cmd(area: int | None, campaign: str | None, township: str | None,
                  db_url: str | None, as_json: bool) -> None:
    """Show the current plan: each area, the checker's figures, must-go, shortfall."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.areas import current_plan

        store = _store(db_url)
        try:
            res = current_plan(store, township=township, campaign=campaign)
            payload = res.to_dict()
            text = _areas_text(res)
            if area is not None:
                items = _area_targets(store, res.plan_id, area)
                payload["area_targets"] = items
                a = next(x for x in res.areas if x["number"] == area)
                text = "\n".join([
                    f"{a['name']} ↔ {a['cadre_id']} {a['cadre']} ({a['rank_label']}, "
                    f"{a['unit'] or ''}): {a['targets']} targets in "
                    f"{', '.join(a['grids'])}; villages {', '.join(a['villages'])}",
                    *(f"  {t['id']:<12} {_pad(t['kind_label'], 8)} {_pad(t['name'] or '', 16)}"
                      f" {t['grid']:<8} {t['address'] or ''}" for t in items)])
        finally:
            store.dispose()
        return payload, text

    _run(as_json, go)


def _area_targets(store: Any, plan_id: int, number: int) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from zoufang import vocab
    from zoufang.campaign.store import AreaTarget, VisitArea
    from zoufang.campaign.areas import NoPlanError
    from zoufang.campaign.store import Grid, Target

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
@_CAMP
@_TOWN
@_DB
@_JSON
def plan_publish_cmd(out: Path, masked: bool, campaign: str | None, township: str | None,
                     db_url: str | None, as_json: bool) -> None:
    """Write the arrangement table (安排表) of the current plan as .xlsx or CSV."""
    def go() -> tuple[dict[str, Any], str]:
        from zoufang.campaign.arrangement import write_arrangement

        store = _store(db_url)
        try:
            arr = write_arrangement(store, out, township=township, campaign=campaign,
                                    masked=masked)
        finally:
            store.dispose()
        text = (f"{out}: {arr.title}, {len(arr.rows)} rows"
                + (" (phones and residents' names masked)" if masked else ""))
        if arr.plan.shortfall:
            text += (f"\nSHORTFALL: {arr.plan.shortfall['cadre_hours_missing']:.1f} "
                     "cadre-hours missing (see the 说明 sheet / zoufang plan show)")
        return {"file": str(out), "rows": len(arr.rows), "plan_id": arr.plan.plan_id,
                "masked": masked}, text

    _run(as_json, go)


def register(main: click.Group) -> None:
    """Add the ``plan`` group (with the daily-route commands) to the main command."""
    from zoufang.commands import routes as routes_cli  # noqa: F401 - registers ``plan routes`` and ``route-settings``
    from zoufang.commands.route_export import route_show_cmd  # noqa: F401 - and ``plan route-export``

    main.add_command(plan_group)
