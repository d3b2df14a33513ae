"""Commands of the issue ledger (问题台账): ``zoufang issue add|move|list|show|link|import``.

Every command takes ``--db URL`` and ``--township NAME`` (default: the only one) and
prints JSON with ``--json``; errors exit with status 1 (see :mod:`zoufang.commands._common`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from zoufang.campaign.store.lookup import campaign_id_or_none, township_of
from zoufang.commands._common import (
    DB_OPTION,
    JSON_OPTION,
    TOWNSHIP_OPTION,
    open_cli_store,
    parse_date,
    parse_datetime,
    run,
)

__all__ = ["issue_group"]


@click.group("issue")
def issue_group() -> None:
    """Record issues of the ledger (问题台账), move them through the lifecycle, list them."""


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
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def issue_add(visit_id: int | None, target: str | None, category: str, responsibility: str,
              text: str, urgency: str, channel: str, scope: str, reporter_name: str | None,
              reporter_phone: str | None, actor: str, township: str | None,
              db_url: str | None, as_json: bool) -> None:
    """Record an issue (采集录入)."""
    from zoufang.campaign.issues import record_issue
    from zoufang.campaign.visits import find_target

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            town = township_of(s, township)
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
                             actor=actor, campaign_id=campaign_id_or_none(s, town, None))
            d = _issue_dict(i)
        return dict(issue=d), f"issue #{d['id']} recorded ({d['category']}), version 1"

    run(as_json, go)


def _issue_dict(i: Any, warning: str | None = None, mask: bool = False) -> dict[str, Any]:
    from zoufang.campaign.issues import STATUSES
    from zoufang.privacy import mask_name, mask_phone

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
@DB_OPTION
@JSON_OPTION
def issue_move(issue_id: int, action: str, actor: str, reason: str | None, unit: str | None,
               handler: str | None, deadline: str | None, result: str | None,
               explanation: str | None, rating: str | None, category: str | None,
               responsibility: str | None, urgency: str | None,
               expected_version: int | None, at: str | None, db_url: str | None,
               as_json: bool) -> None:
    """Move an issue one step of its lifecycle.

    ACTION is assess, hand_over, start, report, solve_on_spot, rate, close_unsolvable,
    supervise, unsupervise or note.
    """
    from zoufang.campaign.issues import move_issue

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            i = move_issue(s, issue_id, action, actor=actor, reason=reason,
                           at=parse_datetime(at, option="at"), expected_version=expected_version,
                           rating=rating, unit=unit, handler=handler, deadline=deadline,
                           result=result, explanation=explanation, category=category,
                           responsibility=responsibility, urgency=urgency)
            d = _issue_dict(i)
        return dict(issue=d), (f"issue #{issue_id}: {d['status']} ({d['status_label']}), "
                               f"version {d['version']}")

    run(as_json, go)  # IssueConflict is a ValueError: "changed by someone else", exit 1


@issue_group.command("list")
@click.option("--status", default=None)
@click.option("--warning", type=click.Choice(["red", "yellow", "any"]), default=None)
@click.option("--supervised", is_flag=True, help="Only issues under supervision (挂牌督办).")
@click.option("--category", default=None)
@click.option("--open", "open_only", is_flag=True, help="Only issues not closed.")
@click.option("--as-of", default=None, help="Day warnings are computed for (default today).")
@click.option("--mask", is_flag=True, help="Mask names and phones.")
@click.option("--limit", default=200, show_default=True)
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def issue_list(status: str | None, warning: str | None, supervised: bool,
               category: str | None, open_only: bool, as_of: str | None, mask: bool,
               limit: int, township: str | None, db_url: str | None, as_json: bool) -> None:
    """List issues with their red/yellow warnings."""
    from zoufang.campaign.issues import OPEN_STATUSES, get_config, warning_level
    from zoufang.campaign.store import Issue, local_now

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        today = parse_date(as_of, option="as-of") or local_now().date()
        with store.session() as s:
            town = township_of(s, township)
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

    run(as_json, go)


@issue_group.command("show")
@click.argument("issue_id", type=int)
@DB_OPTION
@JSON_OPTION
def issue_show(issue_id: int, db_url: str | None, as_json: bool) -> None:
    """Show an issue and its whole history (who, when, why)."""
    from zoufang.campaign.issues import allowed_actions
    from zoufang.campaign.store import Issue

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
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

    run(as_json, go)


@issue_group.command("link")
@click.argument("issue_ids", type=int, nargs=-1, required=True)
@click.option("--actor", required=True)
@click.option("--title", default=None)
@DB_OPTION
@JSON_OPTION
def issue_link(issue_ids: tuple[int, ...], actor: str, title: str | None,
               db_url: str | None, as_json: bool) -> None:
    """Link issues of one category raised by several residents in one place as one case."""
    from zoufang.campaign.issues import link_case

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            case = link_case(s, list(issue_ids), actor=actor, title=title)
            cid = case.id
        return dict(case_id=cid, issues=list(issue_ids)), (
            f"case #{cid}: issues {', '.join(f'#{i}' for i in issue_ids)}")

    run(as_json, go)


@issue_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--sheet", default=None)
@click.option("--actor", default="import", show_default=True)
@click.option("--campaign", default=None)
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def issue_import(file: Path, sheet: str | None, actor: str, campaign: str | None,
                 township: str | None, db_url: str | None, as_json: bool) -> None:
    """Import issues collected on paper (CSV/Excel); the file lands whole or not at all."""
    from zoufang.campaign.imports.records import import_issues

    def go() -> tuple[dict[str, Any], str]:
        store = open_cli_store(db_url)
        with store.session() as s:
            cid = campaign_id_or_none(s, township_of(s, township), campaign)
        r = import_issues(store, file, township=township, campaign_id=cid, actor=actor,
                          sheet=sheet)
        return r.to_dict(), (f"{r.source}: {r.rows} rows, {r.inserted} new issues, "
                             f"{r.unchanged} already there")

    run(as_json, go)
