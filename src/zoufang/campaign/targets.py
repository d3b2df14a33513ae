"""Finding stored targets without SQL: one search for ``zoufang targets`` and the API.

:func:`find_targets` filters a township's targets by text (id, name, address, and the
phone where the caller may search by it), grid (placed or declared) and tag (a code, its
Chinese name, a synonym such as 低保户, or a free tag as written), in 编号 order, with a
page (``offset``, ``limit``) and the total. :func:`target_dict` is a target as shown:
kind and tags by their Chinese labels, free tags as written, the phone masked unless
asked otherwise.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from zoufang import vocab
from zoufang.campaign.store import Grid, Target

__all__ = ["find_targets", "tag_key", "target_dict"]


def target_dict(t: Any, grid: str | None, *, unmask: bool = False) -> dict[str, Any]:
    """Return a stored target as shown: tags by their Chinese label, free tags as written."""
    from zoufang.privacy import mask_phone

    return {
        "id": t.ext_id, "name": t.name, "kind": t.kind,
        "kind_label": vocab.KINDS.get(t.kind, (t.kind,))[0], "address": t.address,
        "phone": t.phone if unmask else mask_phone(t.phone), "lon": t.lon, "lat": t.lat,
        "source_crs": t.source_crs, "tags": list(t.tags or []),
        "tag_labels": [vocab.TARGET_TAGS.get(x, (x,))[0] for x in (t.tags or [])],
        "free_tags": [x for x in (t.tags or []) if x not in vocab.TARGET_TAGS],
        "grid": grid, "declared_grid": t.declared_grid, "placement": t.placement,
        "snap_m": t.snap_m, "extra": dict(t.extra or {}),
    }


def tag_key(text: str) -> str:
    """Return the stored form of a tag as written: its code, or the free tag itself."""
    codes, unknown = vocab.parse_tags(text, allowed=vocab.TARGET_TAGS)
    return codes[0] if codes else (unknown[0] if unknown else text.strip())


def find_targets(session: Session, township_id: int, *, query: str | None = None,
                 grid: str | None = None, tag: str | None = None, limit: int = 50,
                 offset: int = 0, by_phone: bool = True
                 ) -> tuple[int, list[dict[str, Any]]]:
    """Return the number of matching targets and the page ``offset:offset+limit``.

    ``by_phone`` lets the text match the phone too (the CLI, a planner); without it a
    phone cannot be looked up through the search. Phones come back masked.
    """
    stmt = (select(Target, Grid.ext_id).outerjoin(Grid, Grid.id == Target.grid_id)
            .where(Target.township_id == township_id).order_by(Target.ext_id))
    if query and query.strip():
        like = f"%{query.strip()}%"
        fields: list[ColumnElement[bool]] = [Target.ext_id.ilike(like),
                                             Target.name.ilike(like),
                                             Target.address.ilike(like)]
        if by_phone:
            fields.append(Target.phone.ilike(like))
        stmt = stmt.where(or_(*fields))
    if grid:
        stmt = stmt.where(or_(Grid.ext_id == grid, Target.declared_grid == grid))
    want = tag_key(tag) if tag else None
    items: list[dict[str, Any]] = []
    total = 0
    for t, g in session.execute(stmt):  # tags are a JSON list: filtered here, on any store
        if want is not None and want not in (t.tags or []):
            continue
        if offset <= total < offset + limit:
            items.append(target_dict(t, g))
        total += 1
    return total, items
