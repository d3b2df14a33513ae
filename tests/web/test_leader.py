"""The leader's pages (领导): drill-down, KPI strip, breadcrumb, dates, rankings, lists.

On the hand-built ledger township (``tests/campaign/ledger_world.py``): X1 is a target in
no grid, so the groupings of the measures hold an empty key next to the ids — the case
that once turned every village link into ``key=5.0``.
"""

from __future__ import annotations

import re

from zoufang.campaign.measures import compute_measures

from .conftest import Web

LINK = re.compile(r'href="(/leader/\?[^"]*level=(village|grid)[^"]*)"')


def _links(html: str, level: str) -> list[str]:
    return [m.group(1).replace("&amp;", "&") for m in LINK.finditer(html)
            if m.group(2) == level]


def test_measure_keys_are_ids_or_strings_never_floats(web: Web) -> None:
    """Every level's keys are ints, strings or None, with a target in no grid (X1)."""
    with web.world.store.session() as s:
        m = compute_measures(s, web.world.township_id,
                             groupings={"area": _area_of(web)})
    for lvl, df in m.items():
        for k in df["key"]:
            assert k is None or (isinstance(k, (int, str)) and not isinstance(k, bool)), \
                (lvl, k, type(k))
    assert None in list(m["village"]["key"])  # X1's empty group is there


def _area_of(web: Web) -> object:
    import pandas as pd

    t = web.world.targets
    return pd.Series({t["T1"]: "A1", t["T2"]: "A1", t["T3"]: "A2"})


def test_drill_down_links_open_after_a_target_outside_every_grid(web: Web) -> None:
    """Each village link of the township page is an id and opens; so do its grid links."""
    c, _ = web.client("leader")
    html = c.get("/leader/").get_data(as_text=True)
    villages = _links(html, "village")
    assert len(villages) == 2, villages
    for url in villages:
        assert re.search(r"key=\d+(&|$)", url), url
        r = c.get(url)
        assert r.status_code == 200, url
        grids = _links(r.get_data(as_text=True), "grid")
        assert grids, url
        for g in grids:
            assert c.get(g).status_code == 200, g


def _kpi(html: str, name: str) -> str:
    m = re.search(rf'id="kpi-{name}">([^<]*)<', html)
    assert m, name
    return m.group(1)


def test_kpi_strip_follows_the_drill_down(web: Web) -> None:
    """Inside a village or a grid the KPI strip shows that village's or grid's figures.

    No date range: the township made 9 visits; 甲村 (G1, G2) 6 (T1 three times, T2, T3,
    T6); grid G3 of 乙村 2 (T4 refused, T5 vacant: both settled, 100 %).
    """
    c, _ = web.client("leader")
    w = web.world
    town = c.get("/leader/").get_data(as_text=True)
    village = c.get(f"/leader/?level=village&key={w.villages['甲村']}").get_data(as_text=True)
    grid = c.get("/leader/?level=grid&key=G3").get_data(as_text=True)
    assert _kpi(town, "visits") == "9"
    assert _kpi(village, "visits") == "6"
    assert _kpi(grid, "visits") == "2"
    assert _kpi(grid, "visit-rate") == "100.0%"


def test_breadcrumb_names_the_village(web: Web) -> None:
    """In a grid the breadcrumb reads 测试镇 › 乙村 › G3, the village by its name."""
    c, _ = web.client("leader")
    html = c.get("/leader/?level=grid&key=G3").get_data(as_text=True)
    crumbs = re.search(r'<div class="crumbs"[^>]*>(.*?)</div>', html, re.S)
    assert crumbs
    text = re.sub(r"<[^>]+>", "", crumbs.group(1))
    assert "乙村" in text and "G3" in text and "测试镇" in text
    assert "村/社区" not in text


def test_end_before_start_says_so_in_chinese(web: Web) -> None:
    """An end date before the start date is named as such, not shown as "no records"."""
    c, _ = web.client("leader")
    r = c.get("/leader/?start=2022-03-20&end=2022-03-01")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "结束日期（2022-03-01）早于开始日期（2022-03-20）" in html
    assert 'id="measures-pending"' not in html
    r = c.get("/leader/?start=2022-13-01")
    assert "日期格式" in r.get_data(as_text=True)


def test_as_of_date_computes_measures_as_of_then(web: Web) -> None:
    """With ``as_of`` the measures are those of that day: I1 was answered on 03-15."""
    c, _ = web.client("leader")
    before = c.get("/leader/?start=2022-03-01&end=2022-03-31&as_of=2022-03-10"
                   ).get_data(as_text=True)
    after = c.get("/leader/?start=2022-03-01&end=2022-03-31&as_of=2022-03-31"
                  ).get_data(as_text=True)
    assert 'name="as_of"' in before and 'value="2022-03-10"' in before
    # March's 5 issues: answered by 03-10 I3 (on the spot) and I4 (unsolvable, 03-10);
    # I1's result came on 03-15.
    assert _kpi(before, "response-rate") == "40.0%"
    assert _kpi(after, "response-rate") == "60.0%"
    assert "数据截至 2022-03-10" in before


COUNT = re.compile(r'<a class="count" href="([^"]+)"[^>]*>(\d+)</a>')


def test_every_count_opens_the_list_of_what_it_counts(web: Web) -> None:
    """Each linked count of the measure pages opens a list holding that many rows.

    Township, village, grid, per-cadre and ranking pages, for March and as of 03-10.
    """
    c, _ = web.client("leader")
    w = web.world
    dates = "start=2022-03-01&end=2022-03-31&as_of=2022-03-10"
    seen = 0
    for page in ("/leader/", f"/leader/?level=village&key={w.villages['甲村']}",
                 "/leader/?level=cadre", f"/leader/?{dates}",
                 f"/leader/?level=village&key={w.villages['乙村']}&{dates}",
                 f"/leader/ranking?by=village&{dates}", "/leader/ranking?by=cadre"):
        html = c.get(page).get_data(as_text=True)
        for url, n in COUNT.findall(html):
            r = c.get(url.replace("&amp;", "&"))
            assert r.status_code == 200, url
            total = re.search(r'id="list-total">[^<]*共 (\d+) 条', r.get_data(as_text=True))
            assert total and total.group(1) == n, (page, url, n)
            seen += 1
    assert seen > 20


def test_overdue_list_is_the_overdue_issues(web: Web) -> None:
    """逾期 as of 03-31 (March): I2's deadline 03-25 passed while in progress → [I2]."""
    c, _ = web.client("leader")
    html = c.get("/leader/list/issues?measure=overdue&start=2022-03-01&end=2022-03-31"
                 "&as_of=2022-03-31").get_data(as_text=True)
    ids = re.findall(r'href="/issues/(\d+)"', html)
    assert ids == [str(web.world.issues["I2"])]
    r = c.get("/leader/list/issues?measure=nonsense")
    assert r.status_code == 404


def test_ranking_sorts_by_each_measure_both_ways(web: Web) -> None:
    """进度排名: villages by visit rate, highest first and lowest first; ranks shown.

    No range: 甲村 has 4 targets, 3 visited (T2 only not at home) → 75 %; 乙村 3 of 3 →
    100 %.
    """
    c, _ = web.client("leader")
    down = c.get("/leader/ranking?by=village&sort=visit_rate").get_data(as_text=True)
    up = c.get("/leader/ranking?by=village&sort=visit_rate&dir=asc").get_data(as_text=True)

    def order(html: str) -> list[str]:
        table = html[html.index('id="ranking-table"'):]
        return re.findall(r">(甲村|乙村)</a>", table)

    assert order(down) == ["乙村", "甲村"] and order(up) == ["甲村", "乙村"]
    for m in ("in_home_rate", "response_rate", "resolution_rate", "satisfaction",
              "overdue", "targets", "visited", "visits", "issues"):
        r = c.get(f"/leader/ranking?by=cadre&sort={m}")
        assert r.status_code == 200, m
    cadres = c.get("/leader/ranking?by=cadre&sort=visits").get_data(as_text=True)
    assert "刘一" not in cadres and "刘*" in cadres  # a leader sees masked cadre names


def test_issue_legend_lists_every_category_the_form_offers(web: Web) -> None:
    """The open-issue map's legend has a row per category of the ledger settings + rings."""
    from zoufang.campaign import issues as ledger_mod
    from zoufang.web import queries as q

    with web.world.store.session() as s:
        cfg = ledger_mod.get_config(s, web.world.township_id)
        colors, legend = q.issue_category_legend(s, web.world.township_id)
        names = {ledger_mod.category_label(k, cfg) for k in cfg.categories()}
    labels = [row[1] for row in legend]
    assert names <= set(labels) and "红色预警" in labels and "黄色预警" in labels
    assert set(colors) == set(cfg.categories())


def test_integrity_flags_by_cadre_draw_and_record_a_spot_check(web: Web) -> None:
    """The integrity page: run the checks, draw a sample, record a call's result once."""
    c, tok = web.client("leader")
    r = c.post("/leader/integrity/run", data={"csrf_token": tok})
    assert r.status_code == 302
    r = c.post("/leader/integrity/draw", data={"csrf_token": tok, "seed": "7",
                                               "per_stratum": "1"})
    assert r.status_code == 302
    html = c.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="checks-table"' in html
    ids = re.findall(r'action="/leader/integrity/checks/(\d+)"', html)
    assert ids
    assert "13812341234" not in html  # a leader sees masked phones
    r = c.post(f"/leader/integrity/checks/{ids[0]}",
               data={"csrf_token": tok, "result": "not_confirmed", "note": "说没来过"})
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "抽查结果已登记" in page and "不属实" in page
    assert "电话抽查：群众反映走访未按记录进行" in page  # the flag it added, in Chinese
    r = c.post(f"/leader/integrity/checks/{ids[0]}",
               data={"csrf_token": tok, "result": "confirmed"})
    assert "结果不能修改" in c.get(r.headers["Location"]).get_data(as_text=True)
    r = c.post("/leader/integrity/draw", data={"csrf_token": tok, "seed": "x"})
    assert "抽样参数不对" in c.get(r.headers["Location"]).get_data(as_text=True)
