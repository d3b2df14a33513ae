"""Commands of field work: ``zoufang visit add|import|due|lookback``.

Every command takes ``--db URL`` and ``--township NAME`` (default: the only one) and
prints JSON with ``--json``; errors exit with status 1 (see :mod:`zoufang.commands._common`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from zoufang.campaign.store.lookup import campaign_id_or_none, township_of
from zoufang.commands._common import (
    DB_OPTION,
    JSON_OPTION,
    TOWNSHIP_OPTION,
    open_cli_store,
    run,
)

__all__ = ["visit_group"]


@click.group("visit")
def visit_group() -> None:
    """Record visits (走访记录) and see what is due."""


@visit_group.command("add")
@click.option("--target", required=True, help="Target id (编号).")
@click.option("--cadre", required=True, help="Cadre id (编号/工号).")
@click.option("--at", "at", default=None, help="Local time YYYY-MM-DD HH:MM (default now).")
@click.option("--mode", default="in_home", show_default=True,
              help="in_home 入户, phone 电话, wechat 微信.")
@click.option("--outcome", required=True,
              help="visited 已走访, not_home 不在家, refused 拒访, vacant 空关/搬迁.")
@click.option("--card", is_flag=True, help="Contact card left (留联系卡).")
@click.option("--survey", is_flag=True, help="Survey filled (填调查卷).")
@click.option("--leaflet", is_flag=True, help="Leaflet given (发宣传纸).")
@click.option("--solved", is_flag=True, help="One problem solved on the spot (解决一件事).")
@click.option("--notes", default=None)
@click.option("--lon", type=float, default=None, help="GPS longitude, WGS-84.")
@click.option("--lat", type=float, default=None, help="GPS latitude, WGS-84.")
@click.option("--channel", default="visit", show_default=True,
              help="visit 入户走访 or service_contact 干部联系服务对象.")
@click.option("--campaign", default=None, help="Campaign name (default: the newest).")
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def visit_add(target: str, cadre: str, at: str | None, mode: str, outcome: str, card: bool,
              survey: bool, leaflet: bool, solved: bool, notes: str | None,
              lon: float | None, lat: float | None, channel: str, campaign: str | None,
              township: str | None, db_url: str | None, as_json: bool) -> None:
    """Record one visit; a not-at-home visit leaves the target due again."""
    from zoufang.campaign.hotspots import lookback
    from zoufang.campaign.store import local_now
    from zoufang.campaign.visits import record_visit

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            town = township_of(s, township)
            v = record_visit(s, township_id=town.id, target=target, cadre=cadre,
                             at=at or local_now(), mode=mode, outcome=outcome,
                             four_ones=dict(card=card, survey=survey, leaflet=leaflet,
                                            solved=solved),
                             notes=notes, lon=lon, lat=lat, channel=channel,
                             campaign_id=campaign_id_or_none(s, town, campaign))
            back = lookback(s, town.id, v.target_id)
            payload = dict(visit=dict(id=v.id, target=target, cadre=cadre, at=v.at,
                                      mode=v.mode, outcome=v.outcome), lookback=back)
            text = (f"visit #{v.id} recorded: {target} by {cadre} at {v.at:%Y-%m-%d %H:%M}, "
                    f"{v.mode}, {v.outcome}"
                    + (" (the target stays due)" if v.outcome == "not_home" else ""))
            if back["issues"] or back["hotspots"]:
                text += (f"\n  回头看: {len(back['issues'])} earlier issue(s) of this target, "
                         f"{len(back['hotspots'])} hotspot(s) around it")
        return payload, text

    run(as_json, go)


@visit_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--crs", default=None, help="CRS of the GPS columns (default WGS-84).")
@click.option("--sheet", default=None)
@click.option("--campaign", default=None)
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def visit_import(file: Path, crs: str | None, sheet: str | None, campaign: str | None,
                 township: str | None, db_url: str | None, as_json: bool) -> None:
    """Import visits collected on paper (CSV/Excel); the file lands whole or not at all."""
    from zoufang.campaign.imports.records import import_visits

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            cid = campaign_id_or_none(s, township_of(s, township), campaign)
        r = import_visits(store, file, township=township, campaign_id=cid, crs=crs,
                          sheet=sheet)
        return r.to_dict(), (f"{r.source}: {r.rows} rows, {r.inserted} new visits, "
                             f"{r.unchanged} already there")

    run(as_json, go)


@visit_group.command("due")
@click.option("--limit", default=50, show_default=True)
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def visit_due(limit: int, township: str | None, db_url: str | None, as_json: bool) -> None:
    """List targets not yet visited (only not-at-home visits, or none)."""
    from zoufang.campaign.visits import due_targets

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            due = due_targets(s, township_of(s, township).id)
            items = [dict(target=t.ext_id, kind=t.kind, address=t.address) for t in due]
        text = f"{len(items)} targets due" + "".join(
            f"\n  {i['target']} {i['kind']} {i['address'] or ''}" for i in items[:limit])
        return dict(count=len(items), targets=items[:limit]), text

    run(as_json, go)


@visit_group.command("lookback")
@click.argument("target")
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def visit_lookback(target: str, township: str | None, db_url: str | None,
                   as_json: bool) -> None:
    """回头看: what this target and its neighbours raised before."""
    from zoufang.campaign.hotspots import lookback
    from zoufang.campaign.visits import find_target

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            town = township_of(s, township)
            t = find_target(s, town.id, target)
            if t is None:
                raise ValueError(f"no target {target!r}")
            back = lookback(s, town.id, t.id)
        lines = [f"{target}: {len(back['issues'])} issue(s)"]
        lines += [f"  #{i['id']} {i['label']} {i['status_label']}: {i['text']}"
                  for i in back["issues"]]
        lines += [f"  hotspot {h['label']}: {len(h['target_ids'])} targets, "
                  f"{h['open_issues']} open" for h in back["hotspots"]]
        return back, "\n".join(lines)

    run(as_json, go)
