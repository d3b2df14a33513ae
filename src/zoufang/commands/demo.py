"""Commands to try the service: ``zoufang demo`` and ``zoufang serve``.

- ``demo``: write the demo township's files, import them into a SQLite store, plan its
  visit areas and the push's routes, simulate a campaign, create one user per role and
  serve the web app (``--no-serve`` stops after the report);
- ``serve``: serve the web app with waitress (Flask's development server with ``--debug``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from zoufang._errors import ValidationError
from zoufang.commands._common import DB_OPTION, JSON_OPTION, emit, fail
from zoufang.commands.data import import_report_text

__all__ = ["COMMANDS", "DEMO_PASSWORD"]


@click.command("demo")
@click.option("--dir", "out_dir", type=click.Path(path_type=Path), default=Path("demo-data"),
              show_default=True, help="Where the demo files and SQLite store are written.")
@click.option("--seed", default=20220301, show_default=True)
@click.option("--townships", default=1, show_default=True, type=int,
              help="Build a county of N different townships (imported, not planned: "
                   "plan them with `zoufang plan areas --township all`).")
@click.option("--no-serve", is_flag=True, help="Build and report, but do not start the web app.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@DB_OPTION
@JSON_OPTION
def demo_cmd(out_dir: Path, seed: int, townships: int, no_serve: bool, host: str, port: int,
             db_url: str | None, as_json: bool) -> None:
    """Build the demo township (示范镇), import it, place every target, report, serve."""
    from zoufang.campaign.summary import format_summary
    from zoufang.demo.build import build_demo

    db_url = db_url or f"sqlite:///{(out_dir / 'zoufang.sqlite').as_posix()}"
    if townships != 1:
        _county(out_dir, townships, seed, db_url, as_json)
        if not no_serve:
            _serve(db_url, host, port, debug=False)
        return
    try:
        result = build_demo(out_dir, db_url=db_url, seed=seed)
    except ValidationError as exc:
        fail(as_json, exc)
        return
    users = _demo_users(db_url, result.summary.township)
    text = "\n".join([*(import_report_text(r) for r in result.reports), "",
                      format_summary(result.summary), "",
                      *([result.routes.summary(), ""] if result.routes else []),
                      f"store: {db_url}",
                      "demo users (password " + DEMO_PASSWORD + "): "
                      + ", ".join(f"{n} ({r})" for n, r in users)])
    emit(as_json, {"db": db_url,
                    "imports": [r.to_dict() for r in result.reports],
                    "summary": result.summary.to_dict(),
                    "routes": result.routes.to_dict() if result.routes else None,
                    "users": [{"name": n, "role": r} for n, r in users]}, text)
    if not no_serve:
        _serve(db_url, host, port, debug=False)


def _county(out_dir: Path, n: int, seed: int, db_url: str, as_json: bool) -> None:
    """Build the demo county of ``n`` townships (imports and campaigns) and report it."""
    from zoufang.demo.build import DEMO_CAMPAIGN
    from zoufang.demo.county import COUNTY, build_county

    try:
        towns = build_county(out_dir, n, db_url=db_url, seed=seed, campaign=DEMO_CAMPAIGN)
    except (ValidationError, ValueError) as exc:
        fail(as_json, exc)
        return
    lines = [f"{COUNTY}: {len(towns)} townships in {db_url}"]
    for t in towns:
        imports: Any = t["imports"]
        lines.append(f"  {t['township']}: " + ", ".join(
            f"{r['kind']} {r['inserted'] + r['updated'] + r['unchanged']}" for r in imports))
    lines.append(f"next: zoufang plan areas --township all --campaign {DEMO_CAMPAIGN} "
                 f"--db {db_url}")
    emit(as_json, {"db": db_url, "county": COUNTY, "townships": towns}, "\n".join(lines))


#: Password of the demo's users: a local demo only, printed on the terminal.
DEMO_PASSWORD = "zoufang-demo"


def _demo_users(db_url: str, township: str) -> list[tuple[str, str]]:
    """Create (once) one user per role for the demo township; return (name, role) pairs."""
    from zoufang.campaign.accounts import add_user
    from zoufang.campaign.store import Cadre, Township, User, open_store

    store = open_store(db_url)
    try:
        with store.session() as s:
            town = s.scalars(select(Township).where(Township.name == township)).one()
            cadre = s.scalar(select(Cadre.ext_id).where(Cadre.township_id == town.id)
                             .order_by(Cadre.ext_id))
            wanted: list[tuple[str, str, dict[str, Any]]] = [
                ("planner", "planner", {"township": township}),
                ("leader", "leader", {"township": township}),
                ("cadre", "cadre", {"township": township, "cadre": cadre}),
                ("admin", "admin", {}),
            ]
            for name, role, kw in wanted:
                if s.scalar(select(User.id).where(User.name == name)) is None:
                    add_user(s, name, role, DEMO_PASSWORD, **kw)
    finally:
        store.dispose()
    return [(n, r) for n, r, _ in wanted]


def _serve(db_url: str | None, host: str, port: int, *, debug: bool) -> None:
    from zoufang.web import create_app

    app = create_app({"DB_URL": db_url} if db_url else None)
    click.echo(f"serving on http://{host}:{port}/ (Ctrl-C to stop)")
    if debug:
        app.run(host=host, port=port, debug=True)
    else:
        from waitress import serve

        serve(app, host=host, port=port, threads=8)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--debug", is_flag=True, help="Flask's development server with reloader.")
@DB_OPTION
def serve_cmd(host: str, port: int, debug: bool, db_url: str | None) -> None:
    """Serve the web app with waitress (the Flask dev server only with --debug)."""
    _serve(db_url, host, port, debug=debug)


#: The demo commands, added to the main group by :mod:`zoufang.cli`.
COMMANDS = (demo_cmd, serve_cmd)
