"""Bulk import of visits and issues collected on paper first (CSV in UTF-8/GBK, or Excel).

Like every import (:mod:`.importer`), a file lands whole or not at all: every row is
checked, every problem gathered, and any invalid row refuses the file with
:class:`~.importer.ImportRefused` naming file, row, field and reason. Re-importing a
file changes nothing: a visit with the same target, cadre and time, or an issue with the
same target, visit and text, is counted as unchanged.

Visits file headers (Chinese or English): 对象编号/target, 干部编号/cadre, 走访时间/at,
方式/mode (default 入户), 结果/outcome, 联系卡/card, 调查卷/survey, 宣传纸/leaflet,
解决一件事/solved (是/否, 1/0, √), 备注/notes, 经度/lon, 纬度/lat (the GPS point, in
``crs``), 渠道/channel.

Issues file headers: 对象编号/target, 干部编号/cadre and 走访日期/visit_date (the visit the
issue was raised in: that cadre's visit of that target on that day with outcome
visited), 问题类型/category, 责任类别/responsibility, 问题内容/text, 紧急程度/urgency,
来源/channel (hotline rows need no visit), 领域/scope, 反映人/reporter_name,
反映人电话/reporter_phone, 登记时间/raised_at, 登记人/actor.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select

from zoufang._errors import Problem
from zoufang.campaign.imports.columns import Column, match_columns
from zoufang.campaign.imports.importer import ImportRefused, ImportReport, _sha256
from zoufang.campaign.imports.tables import iter_names, read_import_table
from zoufang.campaign.issues import (
    CHANNELS,
    RESPONSIBILITIES,
    SCOPES,
    URGENCIES,
    get_config,
    parse_choice,
    record_issue,
)
from zoufang.campaign.store import (
    Cadre,
    ImportRun,
    Issue,
    Store,
    Target,
    Township,
    Visit,
    local_now,
)
from zoufang.campaign.store.lookup import LookupRefused, township_of
from zoufang.campaign.visits import campaign_start, check_visit, parse_local_time
from zoufang.gis.crs import to_wgs84

__all__ = ["ISSUE_COLUMNS", "VISIT_COLUMNS", "import_issues", "import_visits"]

VISIT_COLUMNS: Final = (
    Column("target", ("对象编号", "target", "编号", "户号"), required=True),
    Column("cadre", ("干部编号", "cadre", "走访人编号", "工号"), required=True),
    Column("at", ("走访时间", "at", "时间", "走访日期"), required=True),
    Column("mode", ("方式", "mode", "走访方式")),
    Column("outcome", ("结果", "outcome", "走访结果"), required=True),
    Column("card", ("联系卡", "card", "留联系卡")),
    Column("survey", ("调查卷", "survey", "填调查卷")),
    Column("leaflet", ("宣传纸", "leaflet", "发宣传纸")),
    Column("solved", ("解决一件事", "solved", "当场解决")),
    Column("notes", ("备注", "notes", "note")),
    Column("lon", ("经度", "lon", "lng")),
    Column("lat", ("纬度", "lat")),
    Column("channel", ("渠道", "channel")),
)
ISSUE_COLUMNS: Final = (
    Column("target", ("对象编号", "target", "编号", "户号")),
    Column("cadre", ("干部编号", "cadre", "走访人编号", "工号")),
    Column("visit_date", ("走访日期", "visit_date", "走访时间")),
    Column("category", ("问题类型", "category", "类型"), required=True),
    Column("responsibility", ("责任类别", "responsibility", "责任"), required=True),
    Column("text", ("问题内容", "text", "内容"), required=True),
    Column("urgency", ("紧急程度", "urgency")),
    Column("channel", ("来源", "channel", "渠道")),
    Column("scope", ("领域", "scope")),
    Column("reporter_name", ("反映人", "reporter_name", "反映人姓名")),
    Column("reporter_phone", ("反映人电话", "reporter_phone")),
    Column("raised_at", ("登记时间", "raised_at")),
    Column("actor", ("登记人", "actor")),
)
_TRUE: Final = {"是", "有", "√", "✓", "1", "y", "yes", "true", "t", "x"}
_FALSE: Final = {"否", "无", "×", "0", "n", "no", "false", "f", ""}


def _bool(text: str | None) -> bool | None:
    s = (text or "").strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    return None


def _when(text: str | None) -> dt.datetime | None:
    return parse_local_time(text)


def _township(session: Any, name: str | None, source: str) -> Township:
    try:
        return township_of(session, name, source=source)
    except LookupRefused as exc:
        raise ImportRefused(f"{source}: refused", exc.problems) from None


def _refuse(source: str, problems: list[Problem], rows: int) -> None:
    if problems:
        bad = len({p.row for p in problems})
        raise ImportRefused(f"{source}: {bad} of {rows} rows invalid; refused, nothing "
                            "imported", problems)


def _run(session: Any, town: Township, kind: str, path: Path, table: Any, crs: str,
         rep: ImportReport) -> int:
    run = ImportRun(township_id=town.id, kind=kind, source=str(path), sha256=_sha256(path),
                    encoding=table.encoding, crs=crs, rows=len(table.rows),
                    inserted=rep.inserted, updated=0, unchanged=rep.unchanged, rejected=0)
    session.add(run)
    session.flush()
    return run.id


def _open(path: Path, sheet: str | int | None, columns: Any, kind: str, crs: str
          ) -> tuple[Any, dict[str, str], list[str], ImportReport]:
    """Read the file and match its headers; refuse it whole when a column is missing."""
    table = read_import_table(path, names=list(iter_names(columns)), sheet=sheet)
    colmap, unused, problems = match_columns(
        table.columns, columns, table.source, subnames=getattr(table, "subnames", {}),
        header_row=getattr(table, "header_row", None))
    if problems:
        raise ImportRefused(f"{table.source}: refused, nothing imported", problems)
    rep = ImportReport(kind=kind, source=table.source, township="", encoding=table.encoding,
                       crs=crs, rows=len(table.rows))
    return table, colmap, unused, rep


def import_visits(store: Store, path: str | Path, *, township: str | None = None,
                  campaign_id: int | None = None, crs: str | None = None,
                  sheet: str | int | None = None) -> ImportReport:
    """Import a file of visits (see the module docstring); one transaction."""
    path = Path(path)
    table, colmap, unused, rep = _open(path, sheet, VISIT_COLUMNS, "visits", str(crs or "wgs84"))
    src = table.source
    problems: list[Problem] = []
    if unused:
        rep.notes.append("columns not used: " + ", ".join(unused))
    with store.session() as s:
        town = _township(s, township, src)
        rep.township = town.name
        targets = dict(s.execute(select(Target.ext_id, Target.id).where(
            Target.township_id == town.id)).all())
        cadres = dict(s.execute(select(Cadre.ext_id, Cadre.id).where(
            Cadre.township_id == town.id)).all())
        now = local_now()
        earliest = campaign_start(s, campaign_id)
        recs: list[dict[str, Any]] = []
        for raw, n in zip(table.rows, table.row_numbers, strict=True):
            def cell(key: str, raw: dict[str, Any] = raw) -> str | None:
                return raw.get(colmap[key]) if key in colmap else None

            row_problems: list[Problem] = []
            ones: dict[str, bool] = {}
            for k in ("card", "survey", "leaflet", "solved"):
                b = _bool(cell(k))
                if b is None:
                    row_problems.append(Problem(src, n, colmap[k], "expected 是/否 (yes/no, "
                                                "1/0, √)", value=cell(k)))
                ones[k] = bool(b)
            lon = lat = None
            if cell("lon") or cell("lat"):
                try:
                    x, y = to_wgs84([float(cell("lon") or "nan")],
                                    [float(cell("lat") or "nan")], crs)
                    lon, lat = float(x[0]), float(y[0])
                except ValueError:
                    row_problems.append(Problem(src, n, f"{colmap.get('lon')}/"
                                                f"{colmap.get('lat')}", "not a number",
                                                value=f"{cell('lon')},{cell('lat')}"))
                if lon is not None and (lon != lon or lat != lat):
                    row_problems.append(Problem(src, n, "经度/纬度", "half a GPS point: "
                                                "give both or neither"))
                    lon = lat = None
            at = _when(cell("at"))
            parsed, more = check_visit(
                source=src, row=n, mode=cell("mode") or "in_home", outcome=cell("outcome"),
                at=at if at is not None else cell("at"), lon=lon, lat=lat,
                four_ones=ones, channel=cell("channel") or "visit", now=now,
                earliest=earliest)
            for p in more:  # name the user's column, not the internal field
                key = {"gps": "lon"}.get(p.field or "", p.field or "")
                row_problems.append(Problem(src, n, colmap.get(key, p.field), p.message,
                                            value=p.value))
            tid = targets.get((cell("target") or "").strip())
            if tid is None:
                row_problems.append(Problem(src, n, colmap["target"], "no such target in "
                                            f"{town.name}", value=cell("target")))
            cid = cadres.get((cell("cadre") or "").strip())
            if cid is None:
                row_problems.append(Problem(src, n, colmap["cadre"], "no such cadre in "
                                            f"{town.name}", value=cell("cadre")))
            problems.extend(row_problems)
            if not row_problems:
                recs.append(dict(township_id=town.id, campaign_id=campaign_id,
                                 target_id=tid, cadre_id=cid, notes=cell("notes"),
                                 source="import", recorded_by=None, **parsed))
        _refuse(src, problems, len(table.rows))
        existing = set(s.execute(select(Visit.target_id, Visit.cadre_id, Visit.at).where(
            Visit.township_id == town.id)).all())
        new = []
        for r in recs:
            key = (r["target_id"], r["cadre_id"], r["at"])
            if key in existing:
                rep.unchanged += 1
            else:
                existing.add(key)
                new.append(r)
        rep.inserted = len(new)
        run_id = _run(s, town, "visits", path, table, rep.crs, rep)
        s.add_all([Visit(import_run_id=run_id, **r) for r in new])
        s.flush()
    return rep


def import_issues(store: Store, path: str | Path, *, township: str | None = None,
                  campaign_id: int | None = None, actor: str = "import",
                  sheet: str | int | None = None) -> ImportReport:
    """Import a file of issues (see the module docstring); one transaction.

    Each issue is recorded through :func:`~.ledger.record_issue`, so it starts its
    history as "recorded" with the visit's cadre as owner.
    """
    path = Path(path)
    table, colmap, unused, rep = _open(path, sheet, ISSUE_COLUMNS, "issues", "-")
    src = table.source
    problems: list[Problem] = []
    if unused:
        rep.notes.append("columns not used: " + ", ".join(unused))
    with store.session() as s:
        town = _township(s, township, src)
        rep.township = town.name
        cfg = get_config(s, town.id)
        targets = dict(s.execute(select(Target.ext_id, Target.id).where(
            Target.township_id == town.id)).all())
        cadres = dict(s.execute(select(Cadre.ext_id, Cadre.id).where(
            Cadre.township_id == town.id)).all())
        visits: dict[tuple[int, int, dt.date], int] = {}
        for vid, tid, cid, at in s.execute(select(Visit.id, Visit.target_id, Visit.cadre_id,
                                                  Visit.at).where(
                Visit.township_id == town.id, Visit.outcome == "visited").order_by(Visit.id)):
            visits.setdefault((tid, cid, at.date()), vid)
        todo: list[tuple[int, dict[str, Any]]] = []

        for raw, n in zip(table.rows, table.row_numbers, strict=True):
            def cell(key: str, raw: dict[str, Any] = raw) -> str | None:
                return raw.get(colmap[key]) if key in colmap else None

            row_problems: list[Problem] = []

            def bad(key: str, msg: str, value: Any = None, n: int = n,
                    rp: list[Problem] = row_problems) -> None:
                rp.append(Problem(src, n, colmap.get(key, key), msg, value=value))

            kw: dict[str, Any] = {}
            for key, tab, default in (("category", cfg.categories(), None),
                                      ("responsibility", RESPONSIBILITIES, None),
                                      ("urgency", URGENCIES, "normal"),
                                      ("channel", CHANNELS, "visit"),
                                      ("scope", SCOPES, "public")):
                try:
                    kw[key] = parse_choice(cell(key) or default, tab, key)
                except ValueError as exc:
                    bad(key, str(exc), cell(key))
            if not (cell("text") or "").strip():
                bad("text", "the issue's text is empty")
            tid = targets.get((cell("target") or "").strip()) if cell("target") else None
            if cell("target") and tid is None:
                bad("target", f"no such target in {town.name}", cell("target"))
            vid = None
            if kw.get("channel") != "hotline":
                cid = cadres.get((cell("cadre") or "").strip())
                day = _when(cell("visit_date"))
                if tid is None and not cell("target"):
                    bad("target", "a visit's issue needs the target (对象编号)")
                if cid is None:
                    bad("cadre", f"no such cadre in {town.name}", cell("cadre"))
                if day is None:
                    bad("visit_date", "expected the visit's date YYYY-MM-DD",
                        cell("visit_date"))
                if tid is not None and cid is not None and day is not None:
                    vid = visits.get((tid, cid, day.date()))
                    if vid is None:
                        bad("visit_date", f"no visit with outcome 'visited' of "
                            f"{cell('target')} by {cell('cadre')} on {day.date()}; import "
                            "the visits first")
            elif tid is None and not cell("reporter_name"):
                bad("reporter_name", "a hotline issue needs the reporter (反映人) or target")
            raised = _when(cell("raised_at")) if cell("raised_at") else None
            if cell("raised_at") and raised is None:
                bad("raised_at", "expected YYYY-MM-DD HH:MM", cell("raised_at"))
            problems.extend(row_problems)
            if not row_problems:
                todo.append((n, dict(visit_id=vid, target_id=tid if vid is None else None,
                                     township_id=town.id if vid is None else None,
                                     text=(cell("text") or "").strip(),
                                     reporter_name=cell("reporter_name"),
                                     reporter_phone=cell("reporter_phone"),
                                     at=raised, actor=cell("actor") or actor,
                                     campaign_id=campaign_id, source="import", **kw)))
        _refuse(src, problems, len(table.rows))
        existing = set(s.execute(select(Issue.target_id, Issue.visit_id, Issue.text).where(
            Issue.township_id == town.id)).all())
        new = []
        for n, kw in todo:
            key = (kw["target_id"] if kw["visit_id"] is None else
                   s.get(Visit, kw["visit_id"]).target_id, kw["visit_id"], kw["text"])
            if key in existing:
                rep.unchanged += 1
            else:
                existing.add(key)
                new.append((n, kw))
        rep.inserted = len(new)
        run_id = _run(s, town, "issues", path, table, "-", rep)
        for _n, kw in new:
            record_issue(s, import_run_id=run_id, **kw)
    return rep
