"""Commands of the ledger: ``zoufang visit ...``, ``zoufang issue ...``, ``zoufang ledger ...``.

Registered on the main group by :func:`register`. Every command takes ``--db URL`` and
``--township NAME`` (default: the only one) and prints JSON with ``--json``; errors exit
with status 1 as ``{"ok": false, "error": ..., "errors": [...], "status": 1}``.

- ``visit add|import|due|lookback``
- ``issue add|move|list|show|link|import``
- ``ledger measures|weekly|export|check|flags|spot-draw|spot-record|hotspots|simulate|config``
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from zoufang._errors import ValidationError
from zoufang.commands._common import fail as _fail
from zoufang.commands._common import json_default as _json_default
from zoufang.commands._common import township_of as _township

__all__ = ["register"]

_DB = click.option("--db", "db_url", default=None, metavar="URL",
                   help="Store URL (default $ZOUFANG_DB or ./zoufang.sqlite).")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
_TOWN = click.option("--township", default=None, help="Township name (default: the only one).")


def _emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    if as_json:
        click.echo(json.dumps({"ok": True, **payload}, ensure_ascii=False, indent=2,
                              default=_json_default))
    else:
        click.echo(text)


def _campaign(session: Any, township_id: int, name: str | None) -> int | None:
    from zoufang.campaign.store import Campaign

    camps = session.scalars(select(Campaign).where(Campaign.township_id == township_id)
                            .order_by(Campaign.id)).all()
    if name is not None:
        for c in camps:
            if c.name == name or str(c.id) == name:
                return int(c.id)
        raise ValueError(f"no campaign {name!r}; the township has "
                         f"{', '.join(c.name for c in camps) or 'none'}")
    return int(camps[-1].id) if camps else None


_OPEN: list[Any] = []


def _run(as_json: bool, fn: Callable[[], tuple[dict[str, Any], str]]) -> None:
    try:
        payload, text = fn()
    except (ValidationError, ValueError) as exc:
        _fail(as_json, exc)
        return
    finally:  # close every pooled connection the command opened
        while _OPEN:
            _OPEN.pop().dispose()
    _emit(as_json, payload, text)


def _date(s: str | None) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def _datetime(s: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(s) if s else None


def _store(db_url: str | None) -> Any:
    from zoufang.campaign.store import open_store

    store = open_store(db_url)
    _OPEN.append(store)
    return store


# ------------------------------------------------------------------------------ visit

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
@_TOWN
@_DB
@_JSON
def visit_add(target: str, cadre: str, at: str | None, mode: str, outcome: str, card: bool,
              survey: bool, leaflet: bool, solved: bool, notes: str | None,
              lon: float | None, lat: float | None, channel: str, campaign: str | None,
              township: str | None, db_url: str | None, as_json: bool) -> None:
    """Record one visit; a not-at-home visit leaves the target due again."""
    from zoufang.campaign.hotspots import lookback
    from zoufang.campaign.store import local_now
    from zoufang.campaign.visits import record_visit

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            town = _township(s, township)
            v = record_visit(s, township_id=town.id, target=target, cadre=cadre,
                             at=at or local_now(), mode=mode, outcome=outcome,
                             four_ones=dict(card=card, survey=survey, leaflet=leaflet,
                                            solved=solved),
                             notes=notes, lon=lon, lat=lat, channel=channel,
                             campaign_id=_campaign(s, town.id, campaign))
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

    _run(as_json, go)


@visit_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--crs", default=None, help="CRS of the GPS columns (default WGS-84).")
@click.option("--sheet", default=None)
@click.option("--campaign", default=None)
@_TOWN
@_DB
@_JSON
def visit_import(file: Path, crs: str | None, sheet: str | None, campaign: str | None,
                 township: str | None, db_url: str | None, as_json: bool) -> None:
    """Import visits collected on paper (CSV/Excel); the file lands whole or not at all."""
    from zoufang.campaign.imports.records import import_visits

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            cid = _campaign(s, _township(s, township).id, campaign)
        r = import_visits(store, file, township=township, campaign_id=cid, crs=crs,
                          sheet=sheet)
        return r.to_dict(), (f"{r.source}: {r.rows} rows, {r.inserted} new visits, "
                             f"{r.unchanged} already there")

    _run(as_json, go)


@visit_group.command("due")
@click.option("--limit", default=50, show_default=True)
@_TOWN
@_DB
@_JSON
def visit_due(limit: int, township: str | None, db_url: str | None, as_json: bool) -> None:
    """List targets not yet visited (only not-at-home visits, or none)."""
    from zoufang.campaign.visits import due_targets

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            due = due_targets(s, _township(s, township).id)
            items = [dict(target=t.ext_id, kind=t.kind, address=t.address) for t in due]
        text = f"{len(items)} targets due" + "".join(
            f"\n  {i['target']} {i['kind']} {i['address'] or ''}" for i in items[:limit])
        return dict(count=len(items), targets=items[:limit]), text

    _run(as_json, go)


@visit_group.command("lookback")
@click.argument("target")
@_TOWN
@_DB
@_JSON
def visit_lookback(target: str, township: str | None, db_url: str | None,
                   as_json: bool) -> None:
    """回头看: what this target and its neighbours raised before."""
    from zoufang.campaign.hotspots import lookback
    from zoufang.campaign.visits import find_target

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            town = _township(s, township)
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

    _run(as_json, go)


# ------------------------------------------------------------------------------ issue

@click.group("issue")
def issue_group() -> None:
    """The issue ledger (问题台账): record, move through the lifecycle, list."""


@issue_group.command("add")
@click.option("--visit", "visit_id", type=int, default=None,
              help="The visit it was raised in (its target and cadre are taken).")
@click.option("--target", default=None, help="Target id, for issues without a visit.")
@click.option("--category", required=True, help="居住环境, 社会治安, 基本医疗, 文体生活, "
              "基础教育, 社会帮扶, 其他 (urban: 城建, 环保, 物业, 干部作风) or the codes.")
@click.option("--responsibility", required=True,
              help="township 镇村解决, joint 镇和市直部门联动解决, city 市直部门单独解决.")
@click.option("--text", required=True)
@click.option("--urgency", default="normal", show_default=True, help="normal 一般, urgent 紧急.")
@click.option("--channel", default="visit", show_default=True,
              help="visit, service_contact, hotline.")
@click.option("--scope", default="public", show_default=True, help="public 公共, sector 行业.")
@click.option("--reporter-name", default=None)
@click.option("--reporter-phone", default=None)
@click.option("--actor", required=True, help="Who records it.")
@_TOWN
@_DB
@_JSON
def issue_add(visit_id: int | None, target: str | None, category: str, responsibility: str,
              text: str, urgency: str, channel: str, scope: str, reporter_name: str | None,
              reporter_phone: str | None, actor: str, township: str | None,
              db_url: str | None, as_json: bool) -> None:
    """Record an issue (采集录入)."""
    from zoufang.campaign.issues import record_issue
    from zoufang.campaign.visits import find_target

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            town = _township(s, township)
            tid = None
            if target is not None:
                t = find_target(s, town.id, target)
                if t is None:
                    raise ValueError(f"no target {target!r}")
                tid = t.id
            i = record_issue(s, visit_id=visit_id, target_id=tid, township_id=town.id,
                             category=category, responsibility=responsibility, text=text,
                             urgency=urgency, channel=channel, scope=scope,
                             reporter_name=reporter_name, reporter_phone=reporter_phone,
                             actor=actor, campaign_id=_campaign(s, town.id, None))
            d = _issue_dict(i)
        return dict(issue=d), f"issue #{d['id']} recorded ({d['category']}), version 1"

    _run(as_json, go)


def _issue_dict(i: Any, warning: str | None = None, mask: bool = False) -> dict[str, Any]:
    from zoufang.privacy import mask_name, mask_phone
    from zoufang.campaign.issues import STATUSES

    return dict(id=i.id, status=i.status, status_label=STATUSES.get(i.status, i.status),
                category=i.category, responsibility=i.responsibility, urgency=i.urgency,
                channel=i.channel, text=i.text, target_id=i.target_id, visit_id=i.visit_id,
                owner_cadre_id=i.owner_cadre_id, unit=i.unit,
                handler=mask_name(i.handler) if mask else i.handler, deadline=i.deadline,
                supervised=i.supervised, rating=i.rating, raised_at=i.raised_at,
                closed_at=i.closed_at, close_kind=i.close_kind, case_id=i.case_id,
                reporter_name=mask_name(i.reporter_name) if mask else i.reporter_name,
                reporter_phone=mask_phone(i.reporter_phone) if mask else i.reporter_phone,
                version=i.version, warning=warning)


@issue_group.command("move")
@click.argument("issue_id", type=int)
@click.argument("action")
@click.option("--actor", required=True, help="Who does it.")
@click.option("--reason", default=None, help="Why (kept in the history).")
@click.option("--unit", default=None, help="hand_over: responsible unit (责任单位).")
@click.option("--handler", default=None, help="hand_over: responsible person (责任人).")
@click.option("--deadline", default=None, help="hand_over / rate not_satisfied: YYYY-MM-DD.")
@click.option("--result", default=None, help="report / solve_on_spot: what was done.")
@click.option("--explanation", default=None,
              help="close_unsolvable: the explanation given to the resident.")
@click.option("--rating", default=None, help="rate: satisfied 满意 / not_satisfied 不满意.")
@click.option("--category", default=None, help="assess: corrected category.")
@click.option("--responsibility", default=None, help="assess: responsibility.")
@click.option("--urgency", default=None, help="assess: urgency.")
@click.option("--version", "expected_version", type=int, default=None,
              help="The version you read; refused if the issue changed since.")
@click.option("--at", "at", default=None, help="Local time (default now).")
@_DB
@_JSON
def issue_move(issue_id: int, action: str, actor: str, reason: str | None, unit: str | None,
               handler: str | None, deadline: str | None, result: str | None,
               explanation: str | None, rating: str | None, category: str | None,
               responsibility: str | None, urgency: str | None,
               expected_version: int | None, at: str | None, db_url: str | None,
               as_json: bool) -> None:
    """Move an issue: assess, hand_over, start, report, solve_on_spot, rate, close_unsolvable,
    supervise, unsupervise, note.
    """
    from zoufang.campaign.issues import IssueConflict, move_issue

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            i = move_issue(s, issue_id, action, actor=actor, reason=reason,
                           at=_datetime(at), expected_version=expected_version,
                           rating=rating, unit=unit, handler=handler, deadline=deadline,
                           result=result, explanation=explanation, category=category,
                           responsibility=responsibility, urgency=urgency)
            d = _issue_dict(i)
        return dict(issue=d), (f"issue #{issue_id}: {d['status']} ({d['status_label']}), "
                               f"version {d['version']}")

    try:
        _run(as_json, go)
    except IssueConflict as exc:  # pragma: no cover - _run catches ValueError already
        _fail(as_json, exc)


@issue_group.command("list")
@click.option("--status", default=None)
@click.option("--warning", type=click.Choice(["red", "yellow", "any"]), default=None)
@click.option("--supervised", is_flag=True, help="Only issues under supervision (挂牌督办).")
@click.option("--category", default=None)
@click.option("--open", "open_only", is_flag=True, help="Only issues not closed.")
@click.option("--as-of", default=None, help="Day warnings are computed for (default today).")
@click.option("--mask", is_flag=True, help="Mask names and phones.")
@click.option("--limit", default=200, show_default=True)
@_TOWN
@_DB
@_JSON
def issue_list(status: str | None, warning: str | None, supervised: bool,
               category: str | None, open_only: bool, as_of: str | None, mask: bool,
               limit: int, township: str | None, db_url: str | None, as_json: bool) -> None:
    """List issues with their red/yellow warnings."""
    from zoufang.campaign.issues import OPEN_STATUSES, get_config, warning_level
    from zoufang.campaign.store import Issue, local_now

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        today = _date(as_of) or local_now().date()
        with store.session() as s:
            town = _township(s, township)
            cfg = get_config(s, town.id)
            q = select(Issue).where(Issue.township_id == town.id)
            if status:
                q = q.where(Issue.status == status)
            if open_only:
                q = q.where(Issue.status.in_(OPEN_STATUSES))
            if supervised:
                q = q.where(Issue.supervised.is_(True))
            if category:
                q = q.where(Issue.category == category)
            items = []
            for i in s.scalars(q.order_by(Issue.deadline, Issue.id)):
                w = warning_level(i.status, i.deadline, today, yellow_days=cfg.yellow_days)
                if warning and (w is None or (warning != "any" and w != warning)):
                    continue
                items.append(_issue_dict(i, w, mask))
        text = "\n".join(
            f"#{i['id']:>5} {i['status']:<12} {i['category']:<20} "
            f"{str(i['deadline'] or ''):<10} {(i['warning'] or ''):<6} "
            f"{'督办 ' if i['supervised'] else ''}{i['text']}" for i in items[:limit]
        ) or "no issues"
        return dict(count=len(items), issues=items[:limit]), text

    _run(as_json, go)


@issue_group.command("show")
@click.argument("issue_id", type=int)
@_DB
@_JSON
def issue_show(issue_id: int, db_url: str | None, as_json: bool) -> None:
    """Show an issue and its whole history (who, when, why)."""
    from zoufang.campaign.issues import allowed_actions
    from zoufang.campaign.store import Issue

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            i = s.get(Issue, issue_id)
            if i is None:
                raise ValueError(f"no issue #{issue_id}")
            d = _issue_dict(i)
            hist = [dict(seq=e.seq, action=e.action, from_status=e.from_status,
                         to_status=e.to_status, actor=e.actor, at=e.at, reason=e.reason,
                         data=e.data) for e in i.events]
            d["allowed_actions"] = allowed_actions(i.status)
        text = "\n".join([f"issue #{issue_id} {d['status']} v{d['version']}: {d['text']}",
                          *(f"  {h['seq']:>2}. {h['at']:%Y-%m-%d %H:%M} {h['actor']}: "
                            f"{h['action']} {h['from_status'] or ''}→{h['to_status']}"
                            f"{' — ' + h['reason'] if h['reason'] else ''}" for h in hist),
                          "  next: " + ", ".join(d["allowed_actions"])])
        return dict(issue=d, history=hist), text

    _run(as_json, go)


@issue_group.command("link")
@click.argument("issue_ids", type=int, nargs=-1, required=True)
@click.option("--actor", required=True)
@click.option("--title", default=None)
@_DB
@_JSON
def issue_link(issue_ids: tuple[int, ...], actor: str, title: str | None,
               db_url: str | None, as_json: bool) -> None:
    """Link issues of one category raised by several residents in one place as one case."""
    from zoufang.campaign.issues import link_case

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            case = link_case(s, list(issue_ids), actor=actor, title=title)
            cid = case.id
        return dict(case_id=cid, issues=list(issue_ids)), (
            f"case #{cid}: issues {', '.join(f'#{i}' for i in issue_ids)}")

    _run(as_json, go)


@issue_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--sheet", default=None)
@click.option("--actor", default="import", show_default=True)
@click.option("--campaign", default=None)
@_TOWN
@_DB
@_JSON
def issue_import(file: Path, sheet: str | None, actor: str, campaign: str | None,
                 township: str | None, db_url: str | None, as_json: bool) -> None:
    """Import issues collected on paper (CSV/Excel); the file lands whole or not at all."""
    from zoufang.campaign.imports.records import import_issues

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            cid = _campaign(s, _township(s, township).id, campaign)
        r = import_issues(store, file, township=township, campaign_id=cid, actor=actor,
                          sheet=sheet)
        return r.to_dict(), (f"{r.source}: {r.rows} rows, {r.inserted} new issues, "
                             f"{r.unchanged} already there")

    _run(as_json, go)


# ------------------------------------------------------------------------------ ledger

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
@_TOWN
@_DB
@_JSON
def ledger_measures(start: str | None, end: str | None, as_of: str | None,
                    levels: tuple[str, ...], mask: bool, township: str | None,
                    db_url: str | None, as_json: bool) -> None:
    """走访率, 入户率, 问题回应率, 问题解决率, 满意度, 逾期 per township, village, grid, cadre
    (definitions: zoufang.campaign.measures).
    """
    from zoufang.campaign.measures import LEVELS, compute_measures, measures_to_chinese

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            town = _township(s, township)
            from zoufang.campaign.areas import area_groupings

            areas = area_groupings(s, _campaign(s, town.id, None))
            wanted = levels or (*LEVELS, "area")
            m = compute_measures(
                s, town.id, start=_date(start), end=_date(end), as_of=_datetime(as_of),
                levels=[lv for lv in wanted if lv != "area"], mask=mask,
                groupings=areas[0] if areas and "area" in wanted else None,
                cadre_targets=areas[1] if areas else None)
        payload = {lvl: json.loads(df.to_json(orient="records", force_ascii=False))
                   for lvl, df in m.items()}
        text = "\n\n".join(measures_to_chinese(df).drop(columns=["层级"])
                           .to_string(index=False, na_rep="")
                           for df in m.values())
        return dict(measures=payload), text

    _run(as_json, go)


@ledger_group.command("weekly")
@click.option("--start", required=True)
@click.option("--end", required=True)
@_TOWN
@_DB
@_JSON
def ledger_weekly(start: str, end: str, township: str | None, db_url: str | None,
                  as_json: bool) -> None:
    """The weekly summary of measures (每周汇总)."""
    from zoufang.campaign.measures import weekly_summary

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            w = weekly_summary(s, _township(s, township).id, start=dt.date.fromisoformat(start),
                               end=dt.date.fromisoformat(end))
        return dict(weeks=json.loads(w.to_json(orient="records", force_ascii=False))), \
            w.to_string(index=False)

    _run(as_json, go)


@ledger_group.command("export")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="A .xlsx file, or a folder for CSV files.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
              help="Default: xlsx if --out ends in .xlsx, else csv.")
@_range
@click.option("--mask", is_flag=True, help="Mask residents' names and phones (for leaders).")
@_TOWN
@_DB
@_JSON
def ledger_export(out: Path, fmt: str | None, start: str | None, end: str | None,
                  as_of: str | None, mask: bool, township: str | None, db_url: str | None,
                  as_json: bool) -> None:
    """Export the five 附件 tables, the issue list, the no-issue list, the weekly summary
    and the measures (.xlsx or CSV, Chinese headers).
    """
    from zoufang.campaign.exports import export_tables, write_csv, write_xlsx

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            tables = export_tables(s, _township(s, township).id, start=_date(start),
                                   end=_date(end), as_of=_datetime(as_of), mask=mask)
        kind = fmt or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
        files = [write_xlsx(tables, out)] if kind == "xlsx" else write_csv(tables, out)
        rows = {k: len(v) for k, v in tables.items()}
        return dict(files=[str(f) for f in files], rows=rows), (
            f"wrote {', '.join(str(f) for f in files)}\n"
            + "\n".join(f"  {k}: {n} rows" for k, n in rows.items()))

    _run(as_json, go)


@ledger_group.command("check")
@_TOWN
@_DB
@_JSON
def ledger_check(township: str | None, db_url: str | None, as_json: bool) -> None:
    """Run the visit integrity checks (不走过场) and list the flags."""
    from zoufang.campaign.integrity import list_flags, run_checks

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            town = _township(s, township)
            run_checks(s, town.id)
            flags = list_flags(s, town.id)
        return dict(count=len(flags), flags=flags), _flags_text(flags)

    _run(as_json, go)


def _flags_text(flags: list[dict[str, Any]]) -> str:
    return "\n".join(f"[{f['label']}] {f['cadre'] or ''} {f['target'] or ''} "
                     f"{f['at']:%Y-%m-%d %H:%M}: {f['message']}" if f["at"] is not None else
                     f"[{f['label']}] {f['message']}" for f in flags) or "no flags"


@ledger_group.command("flags")
@click.option("--code", default=None)
@_TOWN
@_DB
@_JSON
def ledger_flags(code: str | None, township: str | None, db_url: str | None,
                 as_json: bool) -> None:
    """List the integrity flags found by the last check, with the reason."""
    from zoufang.campaign.integrity import list_flags

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            flags = list_flags(s, _township(s, township).id, code=code)
        return dict(count=len(flags), flags=flags), _flags_text(flags)

    _run(as_json, go)


@ledger_group.command("spot-draw")
@click.option("--seed", type=int, required=True)
@click.option("--per-stratum", type=int, default=1, show_default=True)
@click.option("--share", type=float, default=0.0, show_default=True)
@click.option("--sample", default=None, help="Name of the draw (default seed<N>[-range]).")
@click.option("--start", default=None)
@click.option("--end", default=None)
@click.option("--mask", is_flag=True)
@_TOWN
@_DB
@_JSON
def ledger_spot_draw(seed: int, per_stratum: int, share: float, sample: str | None,
                     start: str | None, end: str | None, mask: bool, township: str | None,
                     db_url: str | None, as_json: bool) -> None:
    """Draw visits for phone verification (电话随机访问抽查), by grid and cadre, seeded."""
    from zoufang.privacy import mask_name, mask_phone
    from zoufang.campaign.integrity import draw_spot_checks
    from zoufang.campaign.store import Visit
    from zoufang.campaign.store import Target

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            town = _township(s, township)
            rows = draw_spot_checks(s, town.id, seed=seed, per_stratum=per_stratum,
                                    share=share, sample=sample, start=_date(start),
                                    end=_date(end))
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
        return dict(count=len(items), checks=items), "\n".join(
            f"#{i['id']} {i['stratum']} visit {i['visit_id']} {i['target']} {i['name']} "
            f"{i['phone']}" for i in items) or "nothing to draw"

    _run(as_json, go)


@ledger_group.command("spot-record")
@click.argument("check_id", type=int)
@click.argument("result")
@click.option("--by", "checked_by", required=True)
@click.option("--note", default=None)
@_DB
@_JSON
def ledger_spot_record(check_id: int, result: str, checked_by: str, note: str | None,
                       db_url: str | None, as_json: bool) -> None:
    """Record a spot-check call: confirmed 属实, not_confirmed 不属实, unreachable 无法联系."""
    from zoufang.campaign.integrity import record_spot_check

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            c = record_spot_check(s, check_id, result, checked_by=checked_by, note=note)
            d = dict(id=c.id, visit_id=c.visit_id, result=c.result, checked_by=c.checked_by,
                     checked_at=c.checked_at)
        return dict(check=d), f"spot check #{check_id}: {d['result']}"

    _run(as_json, go)


@ledger_group.command("hotspots")
@click.option("--by", type=click.Choice(["distance", "grid"]), default="distance",
              show_default=True)
@click.option("--distance", type=float, default=None, help="Metres (default 200).")
@click.option("--min-targets", type=int, default=None, help="Default 3.")
@click.option("--open", "open_only", is_flag=True)
@_TOWN
@_DB
@_JSON
def ledger_hotspots(by: str, distance: float | None, min_targets: int | None,
                    open_only: bool, township: str | None, db_url: str | None,
                    as_json: bool) -> None:
    """Hotspots (回头看): one category raised by several neighbours."""
    from zoufang.campaign.hotspots import find_hotspots

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            hs = find_hotspots(s, _township(s, township).id, by=by, distance_m=distance,
                               min_targets=min_targets, open_only=open_only)
        return dict(count=len(hs), hotspots=[h.to_dict() for h in hs]), "\n".join(
            f"{h.label} {len(h.target_ids)} targets, {len(h.issue_ids)} issues "
            f"({h.open_issues} open), grids {', '.join(h.grids)}" for h in hs) or "no hotspots"

    _run(as_json, go)


@ledger_group.command("simulate")
@click.option("--seed", type=int, default=20220301, show_default=True)
@click.option("--campaign", default=None, help="Campaign name (default: the newest).")
@_TOWN
@_DB
@_JSON
def ledger_simulate(seed: int, campaign: str | None, township: str | None,
                    db_url: str | None, as_json: bool) -> None:
    """Write a deterministic simulated campaign (visits, issues, history) for a demo."""
    from zoufang.demo.simulate import simulate_campaign

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        with store.session() as s:
            town = _township(s, township)
            cid = _campaign(s, town.id, campaign)
            if cid is None:
                raise ValueError("the township has no campaign")
            tid = town.id
        r = simulate_campaign(store, tid, cid, seed)
        return r.to_dict(), (f"{r.visits} visits, {r.issues} issues, {r.events} history "
                             f"steps; {r.unvisited_targets} targets unvisited; status "
                             + ", ".join(f"{k} {v}" for k, v in sorted(r.by_status.items())))

    _run(as_json, go)


@ledger_group.command("config")
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE",
              help="e.g. yellow_days=5, gps_far_m=500, urban_categories=false.")
@_TOWN
@_DB
@_JSON
def ledger_config(pairs: tuple[str, ...], township: str | None, db_url: str | None,
                  as_json: bool) -> None:
    """Show or change the township's ledger settings (thresholds, categories)."""
    from dataclasses import asdict

    from zoufang.campaign.issues import get_config, set_config

    def go() -> tuple[dict[str, Any], str]:
        store = _store(db_url)
        changes: dict[str, Any] = {}
        for p in pairs:
            k, _, v = p.partition("=")
            changes[k.strip()] = json.loads(v) if v.strip() not in ("", ) and v.strip()[0] in \
                "0123456789-[{tfn\"" else v
        with store.session() as s:
            town = _township(s, township)
            cfg = set_config(s, town.id, **changes) if changes else get_config(s, town.id)
        d = asdict(cfg)
        return dict(settings=d), "\n".join(f"{k} = {v}" for k, v in d.items())

    _run(as_json, go)


def register(main: click.Group) -> None:
    """Add the ``visit``, ``issue`` and ``ledger`` groups to the main command."""
    for g in (visit_group, issue_group, ledger_group):
        main.add_command(g)
