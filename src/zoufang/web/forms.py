"""What the pages and the JSON API do to the store as the viewer (imports, visits, issues).

Imports of uploaded files, visits recorded in the field, issue actions and exports.
Views parse the request, call one action here (reads are in :mod:`zoufang.web.queries`)
and serialise its answer. Each action checks what the viewer may do
(:mod:`zoufang.web.scope`) and hands the work to the campaign layer, which applies the
same rules and gives the same errors as the CLI: bad input raises
:class:`~zoufang._errors.ValidationError` listing every problem, a refused action
:class:`~zoufang.web.errors.Forbidden`. Exports return the file's bytes; the caller
writes the audit line.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from zoufang._errors import Problem, ValidationError
from zoufang.campaign import issues as ledger_mod
from zoufang.campaign.store import Cadre, Target, Township, local_now
from zoufang.campaign.store.lookup import newest_campaign_id
from zoufang.campaign.validate import parse_flag, parse_version
from zoufang.campaign.visits import FOUR_ONES, record_visit
from zoufang.gis.readers import LimitExceeded, ReadLimits
from zoufang.messages import note_text
from zoufang.web.errors import Forbidden, NotFound, cap_problems
from zoufang.web.i18n import current_lang, t
from zoufang.web.queries import get_issue, issue_detail, require_township
from zoufang.web.scope import ROLE_ACTIONS, area_target_ids, sees_personal, visit_grant
from zoufang.web.security import Viewer, audit

__all__ = [
    "IMPORT_SUFFIXES", "UploadLimits", "apply_issue_action", "export_arrangement",
    "export_ledger", "import_upload", "record_field_visit",
]

#: File types an upload may have (a Shapefile is several files: use the CLI).
IMPORT_SUFFIXES: Final = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".geojson", ".json",
                          ".gpkg")
#: Issue fields an action may set from the request.
_ISSUE_FIELDS: Final = ("unit", "handler", "deadline", "result", "explanation", "category",
                        "responsibility", "urgency")


# ----------------------------------------------------------------------------- imports

@dataclass(frozen=True)
class UploadLimits:
    """What a web upload may be; ``None`` leaves a bound open (the CLI has none).

    The app's configuration sets them (``MAX_CONTENT_LENGTH`` and the ``UPLOAD_*`` keys
    of :mod:`zoufang.web.app`); the defaults here are those of the app.

    Attributes
    ----------
    max_bytes
        Bytes of the file (the app refuses bigger requests before reading them).
    max_rows, max_columns, max_field_chars, max_expanded_bytes, max_zip_ratio
        As in :class:`zoufang.gis.readers.ReadLimits`.
    max_zip_members
        Files in a zip-based upload (a workbook has about 10 to 30).
    time_budget_s
        Seconds to read and check the file before anything is written.
    max_problems
        Problems of the report listed in the answer; the rest are counted.
    """

    max_bytes: int | None = 32 * 1024 * 1024
    max_rows: int | None = 50_000
    max_columns: int | None = 200
    max_field_chars: int | None = 10_000
    max_expanded_bytes: int | None = 100 * 1024 * 1024
    max_zip_ratio: float | None = 100.0
    max_zip_members: int | None = 1_000
    time_budget_s: float | None = 60.0
    max_problems: int | None = 50

    @classmethod
    def from_config(cls, config: Any) -> UploadLimits:
        """Return the limits set in an app's ``config`` (defaults for keys not set)."""
        d = cls()
        get = config.get
        return cls(max_bytes=get("MAX_CONTENT_LENGTH", d.max_bytes),
                   max_rows=get("UPLOAD_MAX_ROWS", d.max_rows),
                   max_columns=get("UPLOAD_MAX_COLUMNS", d.max_columns),
                   max_field_chars=get("UPLOAD_MAX_FIELD_CHARS", d.max_field_chars),
                   max_expanded_bytes=get("UPLOAD_MAX_EXPANDED_BYTES", d.max_expanded_bytes),
                   max_zip_ratio=get("UPLOAD_MAX_ZIP_RATIO", d.max_zip_ratio),
                   time_budget_s=get("UPLOAD_TIME_BUDGET_S", d.time_budget_s),
                   max_problems=get("ERROR_MAX_PROBLEMS", d.max_problems))

    def reading(self) -> ReadLimits:
        """Return the reader's limits, the time budget starting now."""
        return ReadLimits.within(self.time_budget_s, max_rows=self.max_rows,
                                 max_columns=self.max_columns,
                                 max_field_chars=self.max_field_chars,
                                 max_expanded_bytes=self.max_expanded_bytes,
                                 max_zip_ratio=self.max_zip_ratio,
                                 max_zip_members=self.max_zip_members)


def _app_upload_limits() -> UploadLimits:
    from flask import current_app, has_app_context

    return UploadLimits.from_config(current_app.config) if has_app_context() \
        else UploadLimits()


def _save_upload(data: bytes | IO[bytes], path: Path, name: str,
                 max_bytes: int | None) -> None:
    """Write the upload to ``path``, refusing it past ``max_bytes`` (a stream: as it comes)."""
    with path.open("wb") as f:
        if isinstance(data, bytes | bytearray | memoryview):
            f.write(data)
        else:
            while chunk := data.read(1 << 20):
                f.write(chunk)
                if max_bytes is not None and f.tell() > max_bytes:
                    break
        size = f.tell()
    if max_bytes is not None and size > max_bytes:
        raise ValidationError(f"{name}: {t('upload_too_large', mb=f'{max_bytes / 2**20:g}')}",
                              [Problem(name, None, None, f"the file has {size} bytes; at "
                                       f"most {max_bytes} accepted", code="too_large",
                                       value=str(size))])


def _limit_refused(exc: LimitExceeded, what: str, name: str) -> ValidationError:
    """Say in the user's language which limit the upload passed and what to do instead."""
    row = next((p.row for p in exc.problems if p.row is not None), "?")
    value = next((p.value for p in exc.problems if p.value), None)
    n = exc.allowed
    messages: dict[str, tuple[str, dict[str, object]]] = {
        "rows": ("upload_too_many_rows", {"n": f"{n:g}"}),
        "columns": ("upload_too_many_columns", {"n": f"{n:g}"}),
        "field": ("upload_field_too_long", {"n": f"{n:g}", "row": row}),
        "expanded": ("upload_expanded", {"mb": f"{n / 2**20:g}"}),
        "ratio": ("upload_zip_ratio", {"ratio": value or f"{n:g}"}),
        "members": ("upload_zip_members", {"n": f"{n:g}"}),
        "time": ("upload_too_slow", {"s": f"{n:g}"}),
    }
    key, fmt = messages[exc.limit]
    summary = t(key, kind=what, file=name, **fmt)
    return ValidationError(f"{name}: {summary}", exc.problems)


def safe_upload_name(filename: str) -> str:
    """Return an upload's file name without folders or characters a file system refuses.

    At most 80 characters (its suffix kept): a file system holds 255 bytes of a name.
    """
    name = os.path.basename(filename.replace("\\", "/")).strip() or "upload.csv"
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*') or "upload"
    if len(name) > 80:
        suffix = Path(name).suffix
        name = name[:80 - len(suffix) - 1] + "…" + suffix
    return name


def import_upload(store: Any, viewer: Viewer, township_name: str, what: str,
                  filename: str, data: bytes | IO[bytes], *, crs: str | None = None,
                  skip_invalid: bool = False,
                  limits: UploadLimits | None = None,
                  options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Import an uploaded file with the CLI's importer (same checks, same errors).

    ``options`` are more of the importer's options (``columns``, ``header_row``,
    ``dry_run``: see :func:`zoufang.campaign.imports.importer.import_targets`), as the
    import wizard (:mod:`zoufang.web.import_wizard`) sets them.

    ``data`` is the file's bytes or a binary stream of them. The upload is held to
    ``limits`` (default: the app's configuration, see :class:`UploadLimits`): its size,
    a zip-based file's expanded size and compression ratio (from the zip directory,
    before anything is expanded), its rows, columns and cell lengths (counted while it is
    read: reading stops at the first one beyond) and a time budget to read and check it
    before anything is written. A file beyond a limit is refused whole, nothing stored,
    saying what to do — a file with too many rows goes through the CLI (``zoufang
    import KIND FILE``), which has none of these limits.

    Returns the import report as a dict, its ``problems`` (warnings) cut to the first
    ``limits.max_problems`` with ``problems_total`` counting them all; the rejected rows
    (with ``skip_invalid``) come back in ``rejected_rows`` rather than as a file on the
    server.

    Raises
    ------
    ValidationError
        The file was refused (every problem listed; the caller shows the first ones), it
        is over a limit, or its type is not accepted.
    """
    from zoufang.campaign.imports.importer import KINDS_OF_IMPORT, import_file

    if what not in KINDS_OF_IMPORT:
        raise ValidationError("unknown import", [Problem(
            "upload", None, "kind", f'kind was "{what}" but is expected to be in '
            f"{list(KINDS_OF_IMPORT)}")])
    name = safe_upload_name(filename)
    if Path(name).suffix.lower() not in IMPORT_SUFFIXES:
        raise ValidationError(f"{name}: file type not accepted", [Problem(
            name, None, None, "文件类型不支持：应为 " + "、".join(IMPORT_SUFFIXES)
            + " 之一（Shapefile 请先转为 GeoPackage）", code="format")])
    lim = limits or _app_upload_limits()
    with tempfile.TemporaryDirectory(prefix="zoufang-upload-") as tmp:
        path = Path(tmp) / name
        _save_upload(data, path, name, lim.max_bytes)
        options: dict[str, Any] = {"crs": crs or None, "township": township_name,
                                   "skip_invalid": skip_invalid,
                                   "rejects_path": Path(tmp) / "rejected.csv",
                                   "limits": lim.reading(), "hints": "web",
                                   **(options or {})}
        try:
            report = import_file(store, what, path, **options)
        except LimitExceeded as exc:
            raise _limit_refused(exc, what, name) from None
        out = report.to_dict()
        out["notes"] = [note_text(n, current_lang()) for n in report.notes]
        out["problems"], more = cap_problems(report.problems, lim.max_problems)
        out["problems_total"] = len(out["problems"]) + more
        rejects = Path(tmp) / "rejected.csv"
        out["rejected_rows"] = (rejects.read_text(encoding="utf-8-sig")
                                if report.rejected and rejects.exists() else None)
        out["rejects_file"] = None
    return out


# ----------------------------------------------------------------------------- field

def record_field_visit(session: Session, viewer: Viewer, form: dict[str, Any]
                       ) -> dict[str, Any]:
    """Record a visit by the viewer (a cadre) and, if given, the issue raised in it.

    ``form``: ``target`` (编号), ``mode``, ``outcome``, ``at`` (local time, default now),
    ``card``/``survey``/``leaflet``/``solved`` (booleans), ``notes``, ``lon``/``lat``
    (the phone's GPS point, WGS-84 degrees), and optionally ``category``,
    ``responsibility``, ``urgency``, ``text`` for an issue. One transaction: both land
    or neither.

    The cadre records only what :func:`zoufang.web.scope.visit_grant` grants: a target
    of its own area, one of its service contacts (recorded with channel
    ``service_contact``) or a revisit of a target of an issue it owns. Any other
    number — of another cadre's household, of no target at all — is refused with the
    same message, so the refusal tells nothing about the target; before the cadre's area
    is planned the message says so. The answer names the target by number only (no
    personal data).

    Raises
    ------
    Forbidden
        The viewer is not a field cadre linked to a cadre record of its township, or
        may not record a visit to this target (nothing recorded).
    ValidationError
        The form is incomplete or wrong (nothing recorded).
    """
    if viewer.role != "cadre" or viewer.cadre_id is None:
        raise Forbidden("only a field cadre linked to a cadre record can record visits")
    tid = require_township(viewer)
    cadre = session.get(Cadre, viewer.cadre_id)
    if cadre is None or cadre.township_id != tid:
        raise Forbidden("your cadre record is not in your township")

    def _f(name: str) -> float | None:
        v = form.get(name)
        try:
            return float(v) if v not in (None, "") else None
        except (TypeError, ValueError):
            return math.nan

    lon, lat = _f("lon"), _f("lat")
    problems: list[Problem] = []
    if (lon is not None and math.isnan(lon)) or (lat is not None and math.isnan(lat)):
        problems.append(Problem("visit", None, "gps", "the GPS point is not a number"))
        lon = lat = None
    ref = str(form.get("target") or "").strip()
    if not ref:
        problems.append(Problem("visit", None, "target", "the target's number is missing"))
    text = str(form.get("text") or "").strip()
    if problems:
        raise ValidationError("visit refused, nothing recorded", problems)
    at = form.get("at")
    if at is None or at == "":  # only a missing time means now; 0, [], {} are refused
        at = local_now()
    if isinstance(at, str):
        at = at.replace("T", " ")
    tgt = session.scalar(select(Target).where(Target.township_id == tid,
                                              Target.ext_id == ref))
    grant = visit_grant(session, viewer, tgt)
    if grant is None or tgt is None:  # before the other fields: no error may tell more
        planned = area_target_ids(session, viewer) is not None
        raise Forbidden(t("visit_not_in_area" if planned else "visit_no_area"))
    channel = "service_contact" if grant == "service_contact" else "visit"
    v = record_visit(session, township_id=tid, target=tgt.ext_id, cadre=cadre.ext_id,
                     at=at, mode=str(form.get("mode") or ""),
                     outcome=str(form.get("outcome") or ""),
                     four_ones={k: parse_flag(k, form.get(k), source="visit")
                                for k in FOUR_ONES},
                     notes=form.get("notes") or None, lon=lon, lat=lat, channel=channel,
                     campaign_id=newest_campaign_id(session, tid), recorded_by=viewer.name)
    issue_id = None
    if text or form.get("category"):  # an error here rolls the visit back too
        issue = ledger_mod.record_issue(
            session, visit_id=v.id, category=str(form.get("category") or ""),
            responsibility=str(form.get("responsibility") or "township"),
            urgency=str(form.get("urgency") or "normal"), text=text, actor=viewer.name,
            channel=channel)
        issue_id = issue.id
    return {"visit_id": v.id, "target": tgt.ext_id, "outcome": v.outcome,
            "at": v.at.isoformat(sep=" ", timespec="minutes"), "issue_id": issue_id}


# ----------------------------------------------------------------------------- issues

def apply_issue_action(session: Session, viewer: Viewer, issue_id: int, action: str,
                       values: dict[str, Any]) -> dict[str, Any]:
    """Apply a lifecycle action (the ledger's rules) as the viewer; returns the issue.

    ``values`` holds the action's fields (``unit``, ``handler``, ``deadline``,
    ``result``, ``explanation``, ``category``, ``responsibility``, ``urgency``), a
    ``reason``, a ``rating`` and the ``version`` the viewer read.

    Raises
    ------
    NotFound, Forbidden
        The viewer may not open the issue, or its role may not take ``action``
        (:data:`zoufang.web.scope.ROLE_ACTIONS`).
    TransitionRefused, IssueConflict
        From :func:`zoufang.campaign.issues.move_issue`.
    """
    i = get_issue(session, viewer, issue_id)
    if action not in ROLE_ACTIONS.get(viewer.role, frozenset()):
        raise Forbidden(f"a {viewer.role} may not '{action}' an issue")
    fields = {k: v for k, v in values.items()
              if k in _ISSUE_FIELDS and v not in (None, "")}
    version = values.get("version")
    ledger_mod.move_issue(
        session, i.id, action, actor=viewer.name, reason=values.get("reason") or None,
        rating=values.get("rating") or None,
        expected_version=parse_version(version, source="issue"), **fields)
    return issue_detail(session, viewer, issue_id)


# ----------------------------------------------------------------------------- exports

def export_ledger(session: Session, viewer: Viewer, *, start: dt.date | None = None,
                  end: dt.date | None = None) -> tuple[bytes, str, bool, dict[str, int]]:
    """Write the ledger's standard tables as one .xlsx (the caller audits).

    Personal data is masked unless the viewer sees it. Returns (bytes, file name,
    personal?, rows per table).
    """
    from zoufang.campaign.exports import export_tables, write_xlsx

    tid = require_township(viewer)
    personal = sees_personal(session, viewer)
    tables = export_tables(session, tid, start=start, end=end, mask=not personal)
    with tempfile.TemporaryDirectory(prefix="zoufang-export-") as tmp:
        path = write_xlsx(tables, Path(tmp) / "ledger.xlsx")
        data = path.read_bytes()
    town = session.get(Township, tid)
    name = f"{town.name if town else tid}-走访台账-{local_now():%Y%m%d}.xlsx"
    return data, name, personal, {k: len(v) for k, v in tables.items()}


def arrangement_download(store: Any, planning: Any, viewer: Viewer, fmt: str, *,
                         masked: bool) -> tuple[bytes, str]:
    """:func:`export_arrangement`, audited: an export of personal data unless ``masked``."""
    data, name = export_arrangement(store, planning, viewer, fmt, masked=masked)
    audit("export", personal=not masked, township_id=viewer.township_id,
          detail={"table": "安排表", "format": fmt, "masked": masked})
    return data, name


def export_arrangement(store: Any, planning: Any, viewer: Viewer, fmt: str, *,
                       masked: bool = False) -> tuple[bytes, str]:
    """Write the arrangement table (安排表) of the current plan as .csv or .xlsx.

    The cadres' phones are not masked: a planner's copy (the caller audits). ``masked``
    writes the copy for public posting (公示): phones and the names of households masked
    (:func:`zoufang.campaign.arrangement.arrangement`). Returns (bytes, file name).
    ``planning`` is the app's :class:`~zoufang.web.jobs.Planning`.

    Raises
    ------
    ValueError
        ``fmt`` is neither ``csv`` nor ``xlsx``.
    NotFound
        The township has no plan yet.
    """
    from zoufang.campaign.arrangement import write_arrangement

    if fmt not in ("csv", "xlsx"):
        raise ValueError(f'format was "{fmt}" but is expected to be in ["csv", "xlsx"]')
    if planning.latest(viewer.township_id if viewer.township_id is not None else -1) \
            is None:
        raise NotFound("no plan yet: plan the visit areas first")
    with store.session() as s:
        town = s.get(Township, viewer.township_id)
        tname = town.name if town else None
    with tempfile.TemporaryDirectory(prefix="zoufang-arr-") as tmp:
        path = Path(tmp) / f"arrangement.{fmt}"
        arr = write_arrangement(store, path, township=tname, masked=masked)
        data = path.read_bytes()
    base = arr.title if hasattr(arr, "title") else "安排表"
    return data, f"{base}{'（公示版）' if masked else ''}.{fmt}"
