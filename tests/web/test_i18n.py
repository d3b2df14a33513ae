"""The one catalogue of UI labels (:mod:`zoufang.web.i18n`)."""

from __future__ import annotations

import re
from pathlib import Path

import zoufang.web
from zoufang.web.i18n import LABELS, section, t

from .conftest import make_app

TEMPLATES = Path(zoufang.web.__file__).parent / "templates"


def test_section_strips_the_prefix_and_follows_the_language(tmp_path: Path) -> None:
    """``section("route.")`` gives the route page's labels keyed without the prefix.

    In Chinese by default and in English once the session switches.
    """
    zh = section("route.")
    assert zh["stop"] == "站" and zh["reason"] == "原因" and "route.stop" not in zh
    assert t("reason") == "说明"  # the issue form's "reason" is another label
    app = make_app(f"sqlite:///{tmp_path / 'i18n.sqlite'}")
    try:
        with app.test_request_context("/"):
            from flask import session

            session["lang"] = "en"
            en = section("route.")
    finally:
        app.extensions["zoufang_planning"].shutdown()
        app.extensions["zoufang_store"].dispose()
    assert en["stop"] == "Stop" and set(en) == set(zh)


def test_every_label_a_template_uses_is_in_the_catalogue() -> None:
    """Every ``t('key')`` and route-page ``rl.key`` of the templates is a catalogue key.

    So no page shows a bare key (keys made at run time, ``t('role_' + …)``, excepted).
    """
    route_keys = set(section("route."))
    for f in TEMPLATES.rglob("*.html"):
        text = f.read_text("utf-8")
        for key in re.findall(r"""\bt\(['"]([a-z_.]+)['"]\s*[,)]""", text):
            assert key in LABELS, (f.name, key)
        for key in re.findall(r"\brl\.([a-z_]+)", text):
            assert key in route_keys, (f.name, key)
