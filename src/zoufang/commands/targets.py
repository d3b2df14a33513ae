"""Commands to check what was stored and to extend the vocabulary: ``zoufang targets|vocab``.

- ``targets list [--q TEXT] [--grid G] [--tag T] [--json]``: the targets of a township,
  filtered by text (id, name, address, phone), grid (placed or declared) and tag (a
  code, its Chinese name, a synonym, or a free tag as written); phones masked;
- ``targets show ID``: one target with every stored value (phone masked unless
  ``--unmask``);
- ``vocab ranks [--add 名称=级别]``: the rank names the importer reads (ladder, 2019 ranks
  and positions, the deployment's own) and adding one to the deployment's vocabulary
  file (:func:`zoufang.vocab.vocab_file`);
- ``vocab tags``: the tags and their synonyms.
"""

from __future__ import annotations

import click
from sqlalchemy import select

from zoufang import vocab
from zoufang.commands._audit import cli_audit
from zoufang.commands._common import (
    DB_OPTION,
    JSON_OPTION,
    TOWNSHIP_OPTION,
    Outcome,
    open_cli_store,
    pad,
    run,
)

__all__ = ["COMMANDS"]


@click.group("targets")
def targets_group() -> None:
    """Check the stored targets without SQL."""


@targets_group.command("list")
@click.option("--q", "query", default=None, help="Text in the id, name, address or phone.")
@click.option("--grid", default=None, help="Grid id (编号), placed or declared.")
@click.option("--tag", default=None,
              help="Tag: code, Chinese name, synonym (低保户) or a free tag as written.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def targets_list(query: str | None, grid: str | None, tag: str | None, limit: int,
                 township: str | None, db_url: str | None, as_json: bool) -> None:
    """List the targets of a township (phones masked)."""

    def work() -> Outcome:
        from zoufang.campaign.store.lookup import township_of
        from zoufang.campaign.targets import find_targets

        store = open_cli_store(db_url)
        with store.session() as s:
            town = township_of(s, township)
            total, items = find_targets(s, town.id, query=query, grid=grid, tag=tag,
                                        limit=limit)
            town_name = town.name
        lines = [f"{town_name}: {total} targets" + (f" (first {limit})" if total > limit
                                                    else "")]
        for d in items:
            lines.append("  " + "  ".join([
                pad(d["id"], 12), pad(d["name"] or "", 14), pad(d["kind_label"], 8),
                pad(d["grid"] or d["declared_grid"] or "-", 8), pad(d["phone"] or "", 13),
                "、".join(d["tag_labels"])]))
        return {"township": town_name, "total": total, "targets": items}, "\n".join(lines)

    run(as_json, work)


@targets_group.command("show")
@click.argument("target_id")
@click.option("--unmask", is_flag=True, help="Show the phone in full.")
@TOWNSHIP_OPTION
@DB_OPTION
@JSON_OPTION
def targets_show(target_id: str, unmask: bool, township: str | None, db_url: str | None,
                 as_json: bool) -> None:
    """Show one target (编号 ID) with every stored value."""

    def work() -> Outcome:
        from zoufang.campaign.store import Grid, Target
        from zoufang.campaign.store.lookup import township_of
        from zoufang.campaign.targets import target_dict

        store = open_cli_store(db_url)
        with store.session() as s:
            town = township_of(s, township)
            row = s.execute(select(Target, Grid.ext_id)
                            .outerjoin(Grid, Grid.id == Target.grid_id)
                            .where(Target.township_id == town.id,
                                   Target.ext_id == target_id.strip())).first()
            if row is None:
                raise LookupError(f"no target {target_id!r} in {town.name}; list them with "
                                  "zoufang targets list --q TEXT")
            d = target_dict(row[0], row[1], unmask=unmask)
            tid = town.id
        if unmask:  # a resident's phone in clear: audited as every unmasked read
            cli_audit(store, "read", "targets show --unmask", township_id=tid,
                      personal=True, table="target", rows=1)
        text = "\n".join(f"{k}: {v}" for k, v in d.items() if k not in ("tags",))
        return {"target": d}, text

    run(as_json, work)


@click.group("vocab")
def vocab_group() -> None:
    """Show or extend the vocabulary the importer reads: ranks and tags."""


@vocab_group.command("ranks")
@click.option("--add", "adds", multiple=True, metavar="名称=级别",
              help="Add a rank name read as a rank of the ladder, e.g. 处长=正处级 "
                   "(kept in $ZOUFANG_VOCAB, default ./zoufang-vocab.json).")
@JSON_OPTION
def vocab_ranks(adds: tuple[str, ...], as_json: bool) -> None:
    """List the rank names read onto the rank ladder, or add the deployment's own."""

    def work() -> Outcome:
        added = []
        for item in adds:
            name, sep, level = item.partition("=")
            if not sep:
                raise ValueError(f"--add {item!r}: expected 名称=级别, e.g. 处长=正处级")
            n, code = vocab.add_rank(name, level)
            added.append({"name": n, "rank": code, "label": vocab.RANKS[code][1][0]})
        table = [{"name": n, "rank": c, "label": vocab.RANKS[c][1][0], "from": f}
                 for n, c, f in vocab.rank_table()]
        lines = [f"added {a['name']} = {a['label']} ({a['rank']}) to {vocab.vocab_file()}"
                 for a in added]
        if not added:
            for code, (rung, _names) in vocab.RANKS.items():
                known = [str(r["name"]) for r in table if r["rank"] == code]
                lines.append(f"{vocab.RANKS[code][1][0]} ({code}, level {rung}): "
                             + "、".join(known))
        return {"added": added, "ranks": table, "file": str(vocab.vocab_file())}, \
            "\n".join(lines)

    run(as_json, work)


@vocab_group.command("tags")
@JSON_OPTION
def vocab_tags(as_json: bool) -> None:
    """List the tags of targets and their synonyms (others are kept as free tags)."""

    def work() -> Outcome:
        tags = {code: list(names) for code, names in vocab.TARGET_TAGS.items()}
        text = "\n".join(f"{names[0]} ({code}): {'、'.join(names[1:]) or '-'}"
                         for code, names in tags.items())
        return {"tags": tags}, text + "\n(any other tag is kept as a free tag)"

    run(as_json, work)


#: Added to the main group by :mod:`zoufang.cli`.
COMMANDS = (targets_group, vocab_group)
