"""Commands of the ledger's reports and checks (台账): ``zoufang ledger ...``.

``ledger measures|weekly|export|check|flags|spot-draw|spot-record|hotspots|simulate|config``;
``report measures|weekly|export`` are the same commands. Every command takes ``--db URL``
and ``--township NAME`` and prints JSON with ``--json``; errors exit with status 1.

``ledger export`` writes one line to the audit log (user ``cli``; ``personal`` unless
``--mask``), and so does ``ledger spot-draw`` without ``--mask`` (it prints the drawn
residents' names and phones): the command, the township and the rows, never the data.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from zoufang.campaign.store.lookup import campaign_id_or_none, township_of
from zoufang.commands._audit import cli_audit
from zoufang.commands._common import (
    CAMPAIGN_OPTION,
    DB_OPTION,
    JSON_OPTION,
    PHASE_OPTION,
    TOWNSHIP_OPTION,
    open_cli_store,
    parse_date,
    parse_datetime,
    run,
)

__all__ = ["ledger_group"]


@click.group("ledger")
def ledger_group() -> None:
    """Measures, exports, integrity checks, spot checks, hotspots, simulation."""


_RANGE = [click.option("--start", default=None, help="First day YYYY-MM-DD (inclusive)."),
          click.option("--end", default=None, help="Last day YYYY-MM-DD (inclusive)."),
          click.option("--as-of", "as_of", default=None,
                       help="Look at the ledger as of this local time (default now).")]


def _range(f: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(_RANGE):
        f = opt(f)
    return f


@ledger_group.command("measures")
@_range
@click.option("--level", "levels", multiple=True,
              type=click.Choice(["township", "village", "grid", "area", "cadre"]),
              help="Levels to show (default all; area once visit areas are planned).")
@click.option("--mask", is_flag=True, help="Mask cadres' names (for leaders).")
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def ledger_measures(start: str | None, end: str | None, as_of: str | None,
                    levels: tuple[str, ...], mask: bool, township: str | None,
                    db_url: str | None, as_json: bool) -> None:
    """Report 走访率, 入户率, 问题回应率, 问题解决率, 满意度, 逾期 per level.

    Levels: township, village, grid, cadre (definitions: zoufang.campaign.measures).
    """
    from zoufang.campaign.measures import LEVELS, compute_measures, measures_to_chinese

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            town = township_of(s, township)
            from zoufang.campaign.areas import area_groupings

            areas = area_groupings(s, campaign_id_or_none(s, town, None))
            wanted = levels or (*LEVELS, "area")
            m = compute_measures(
                s, town.id, start=parse_date(start, option="start"),
                end=parse_date(end, option="end"), as_of=parse_datetime(as_of, option="as-of"),
                levels=[lv for lv in wanted if lv != "area"], mask=mask,
                groupings=areas[0] if areas and "area" in wanted else None,
                cadre_targets=areas[1] if areas else None)
        payload = {lvl: json.loads(df.to_json(orient="records", force_ascii=False))
                   for lvl, df in m.items()}
        text = "\n\n".join(measures_to_chinese(df).drop(columns=["层级"])
                           .to_string(index=False, na_rep="")
                           for df in m.values())
        return dict(measures=payload), text

    run(as_json, go)


@ledger_group.command("weekly")
@click.option("--start", required=True)
@click.option("--end", required=True)
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def ledger_weekly(start: str, end: str, township: str | None, db_url: str | None,
                  as_json: bool) -> None:
    """Report the weekly summary of measures (每周汇总)."""
    from zoufang.campaign.measures import weekly_summary

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            w = weekly_summary(s, township_of(s, township).id, start=dt.date.fromisoformat(start),
                               end=dt.date.fromisoformat(end))
        return dict(weeks=json.loads(w.to_json(orient="records", force_ascii=False))), \
            w.to_string(index=False)

    run(as_json, go)


@ledger_group.command("progress")
@PHASE_OPTION
@click.option("--as-of", "as_of", default=None,
              help='The moment looked at, "YYYY-MM-DD[ HH:MM]" local time (default now).')
@CAMPAIGN_OPTION
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def ledger_progress(phase: str, as_of: str | None, campaign: str | None,
                    township: str | None, db_url: str | None, as_json: bool) -> None:
    """Report progress against the plan (挂图作战): per cadre, village and the township.

    Visited so far against the plan's day-by-day curve (the current route plan's days, or
    a straight line over the phase), the pace of the last days, the projected day of
    100 % and an early warning for those falling behind.
    """
    from zoufang.campaign.progress import progress

    def go() -> tuple[dict[str, Any], str]:
        when = parse_datetime(as_of, option="as_of")
        store = open_cli_store(db_url)
        with store.session() as s:
            town = township_of(s, township)
            p = progress(s, town.id, campaign_id=campaign_id_or_none(s, town, campaign),
                         phase=phase, as_of=when)
        return p.to_dict(), p.summary()

    run(as_json, go)


@ledger_group.command("export")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="A .xlsx file, or a folder for CSV files.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
              help="Default: xlsx if --out ends in .xlsx, else csv.")
@_range
@click.option("--mask", is_flag=True, help="Mask residents' names and phones (for leaders).")
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def ledger_export(out: Path, fmt: str | None, start: str | None, end: str | None,
                  as_of: str | None, mask: bool, township: str | None, db_url: str | None,
                  as_json: bool) -> None:
    """Export the standard tables (.xlsx or CSV, Chinese headers).

    They are the five 附件 tables, the issue list, the no-issue list, the weekly summary
    and the measures.
    """
    from zoufang.campaign.exports import export_tables, write_csv, write_xlsx

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            town_id = township_of(s, township).id
            tables = export_tables(s, town_id,
                                   start=parse_date(start, option="start"),
                                   end=parse_date(end, option="end"),
                                   as_of=parse_datetime(as_of, option="as-of"), mask=mask)
        kind = fmt or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
        files = [write_xlsx(tables, out)] if kind == "xlsx" else write_csv(tables, out)
        rows = {k: len(v) for k, v in tables.items()}
        cli_audit(store, "export", "ledger export", township_id=town_id, personal=not mask,
                  table="走访台账", format=kind, masked=mask, rows=rows,
                  start=start, end=end)
        return dict(files=[str(f) for f in files], rows=rows), (
            f"wrote {', '.join(str(f) for f in files)}\n"
            + "\n".join(f"  {k}: {n} rows" for k, n in rows.items()))

    run(as_json, go)


@ledger_group.command("check")
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def ledger_check(township: str | None, db_url: str | None, as_json: bool) -> None:
    """Run the visit integrity checks (不走过场) and list the flags."""
    from zoufang.campaign.integrity import list_flags, run_checks

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            town = township_of(s, township)
            run_checks(s, town.id)
            flags = list_flags(s, town.id)
        return dict(count=len(flags), flags=flags), _flags_text(flags)

    run(as_json, go)


def _flags_text(flags: list[dict[str, Any]]) -> str:
    return "\n".join(f"[{f['label']}] {f['cadre'] or ''} {f['target'] or ''} "
                     f"{f['at']:%Y-%m-%d %H:%M}: {f['message']}" if f["at"] is not None else
                     f"[{f['label']}] {f['message']}" for f in flags) or "no flags"


@ledger_group.command("flags")
@click.option("--code", default=None)
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def ledger_flags(code: str | None, township: str | None, db_url: str | None,
                 as_json: bool) -> None:
    """List the integrity flags found by the last check, with the reason."""
    from zoufang.campaign.integrity import list_flags

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            flags = list_flags(s, township_of(s, township).id, code=code)
        return dict(count=len(flags), flags=flags), _flags_text(flags)

    run(as_json, go)


@ledger_group.command("spot-draw")
@click.option("--seed", type=int, required=True)
@click.option("--per-stratum", type=int, default=1, show_default=True)
@click.option("--share", type=float, default=0.0, show_default=True)
@click.option("--sample", default=None, help="Name of the draw (default seed<N>[-range]).")
@click.option("--start", default=None)
@click.option("--end", default=None)
@click.option("--mask", is_flag=True)
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def ledger_spot_draw(seed: int, per_stratum: int, share: float, sample: str | None,
                     start: str | None, end: str | None, mask: bool, township: str | None,
                     db_url: str | None, as_json: bool) -> None:
    """Draw visits for phone verification (电话随机访问抽查), by grid and cadre, seeded."""
    from zoufang.campaign.integrity import draw_spot_checks
    from zoufang.campaign.store import Target, Visit
    from zoufang.privacy import mask_name, mask_phone

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            town = township_of(s, township)
            rows = draw_spot_checks(s, town.id, seed=seed, per_stratum=per_stratum,
                                    share=share, sample=sample,
                                    start=parse_date(start, option="start"),
                                    end=parse_date(end, option="end"))
            items = []
            for r in rows:
                v = s.get(Visit, r.visit_id)
                t = s.get(Target, v.target_id) if v else None
                items.append(dict(id=r.id, sample=r.sample, stratum=r.stratum,
                                  visit_id=r.visit_id, at=v.at if v else None,
                                  target=t.ext_id if t else None,
                                  name=(mask_name(t.name) if mask else t.name) if t else None,
                                  phone=(mask_phone(t.phone) if mask else t.phone)
                                  if t else None, result=r.result))
            town_id = town.id
        if items and not mask:
            cli_audit(store, "read", "ledger spot-draw", township_id=town_id, personal=True,
                      sample=items[0]["sample"], rows=len(items))
        return dict(count=len(items), checks=items), "\n".join(
            f"#{i['id']} {i['stratum']} visit {i['visit_id']} {i['target']} {i['name']} "
            f"{i['phone']}" for i in items) or "nothing to draw"

    run(as_json, go)


@ledger_group.command("spot-record")
@click.argument("check_id", type=int)
@click.argument("result")
@click.option("--by", "checked_by", required=True)
@click.option("--note", default=None)
@DB_OPTION
@JSON_OPTION
def ledger_spot_record(check_id: int, result: str, checked_by: str, note: str | None,
                       db_url: str | None, as_json: bool) -> None:
    """Record a spot-check call: confirmed 属实, not_confirmed 不属实, unreachable 无法联系."""
    from zoufang.campaign.integrity import record_spot_check

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            c = record_spot_check(s, check_id, result, checked_by=checked_by, note=note)
            d = dict(id=c.id, visit_id=c.visit_id, result=c.result, checked_by=c.checked_by,
                     checked_at=c.checked_at)
        return dict(check=d), f"spot check #{check_id}: {d['result']}"

    run(as_json, go)


@ledger_group.command("hotspots")
@click.option("--by", type=click.Choice(["distance", "grid"]), default="distance",
              show_default=True)
@click.option("--distance", type=float, default=None, help="Metres (default 200).")
@click.option("--min-targets", type=int, default=None, help="Default 3.")
@click.option("--open", "open_only", is_flag=True)
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def ledger_hotspots(by: str, distance: float | None, min_targets: int | None,
                    open_only: bool, township: str | None, db_url: str | None,
                    as_json: bool) -> None:
    """Hotspots (回头看): one category raised by several neighbours."""
    from zoufang.campaign.hotspots import find_hotspots

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            hs = find_hotspots(s, township_of(s, township).id, by=by, distance_m=distance,
                               min_targets=min_targets, open_only=open_only)
        return dict(count=len(hs), hotspots=[h.to_dict() for h in hs]), "\n".join(
            f"{h.label} {len(h.target_ids)} targets, {len(h.issue_ids)} issues "
            f"({h.open_issues} open), grids {', '.join(h.grids)}" for h in hs) or "no hotspots"

    run(as_json, go)


@ledger_group.command("simulate")
@click.option("--seed", type=int, default=20220301, show_default=True)
@click.option("--campaign", default=None, help="Campaign name (default: the newest).")
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def ledger_simulate(seed: int, campaign: str | None, township: str | None,
                    db_url: str | None, as_json: bool) -> None:
    """Write a deterministic simulated campaign (visits, issues, history) for a demo."""
    from zoufang.demo.simulate import simulate_campaign

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            town = township_of(s, township)
            cid = campaign_id_or_none(s, town, campaign)
            if cid is None:
                raise ValueError("the township has no campaign")
            tid = town.id
        r = simulate_campaign(store, tid, cid, seed)
        return r.to_dict(), (f"{r.visits} visits, {r.issues} issues, {r.events} history "
                             f"steps; {r.unvisited_targets} targets unvisited; status "
                             + ", ".join(f"{k} {v}" for k, v in sorted(r.by_status.items())))

    run(as_json, go)


@ledger_group.command("config")
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE",
              help="e.g. yellow_days=5, gps_far_m=500, urban_categories=false.")
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def ledger_config(pairs: tuple[str, ...], township: str | None, db_url: str | None,
                  as_json: bool) -> None:
    """Show or change the township's ledger settings (thresholds, categories)."""
    from dataclasses import asdict

    from zoufang.campaign.issues import get_config, set_config

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        changes: dict[str, Any] = {}
        for p in pairs:
            k, _, v = p.partition("=")
            changes[k.strip()] = json.loads(v) if v.strip() not in ("", ) and v.strip()[0] in \
                "0123456789-[{tfn\"" else v
        with store.session() as s:
            town = township_of(s, township)
            cfg = set_config(s, town.id, **changes) if changes else get_config(s, town.id)
        d = asdict(cfg)
        return dict(settings=d), "\n".join(f"{k} = {v}" for k, v in d.items())

    run(as_json, go)
