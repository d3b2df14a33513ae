"""A tiny hand-built township for the ledger tests, with every expected value known by hand.

Territory (the 2 × 2 test grids of ``tests/builders.py``)::

    G3 | G4      乙村: G3, G4          T4 T5 in G3, E1 in G4
    G1 | G2      甲村: G1, G2          T1 T2 in G1, T3 T6 in G2;  X1 has no grid, no point

Cadres C1 刘一, C2 陈二, C3 杨三 (C3 makes no visit). Campaign 2022年大走访.

Visits (March 2022 unless said)::

    T1  C1 03-01 19:00 in_home not_home      T1  C1 03-02 19:00 in_home visited  (I1, I2)
    T2  C1 03-01 19:20 in_home not_home                       -> T2 stays due
    T3  C1 03-02 19:30 phone   visited (I3)  T6  C1 03-06 20:00 in_home visited (no issue)
    T4  C2 03-03 10:00 in_home refused       T5  C2 03-03 10:30 in_home vacant
    E1  C2 03-05 10:00 in_home visited, service contact (I4)
    T1  C2 04-10 10:00 in_home visited (I6, April: outside March)

Issues::

    I1 T1 居住环境  assess 03-03 09:00, hand_over 03-03 10:00 (deadline 03-20), start 03-04,
                   report 03-15, rate satisfied 03-16                     -> closed, resolved
    I2 T1 基本医疗  assess 03-03 09:00, hand_over 03-03 11:00 (deadline 03-25), start 03-04
                                                                         -> in progress
    I3 T3 其他      solve_on_spot 03-02 19:45, rate not_satisfied 03-05 (deadline 03-31)
                                                                         -> in progress
    I4 E1 其他      service contact, sector; close_unsolvable 03-10     -> closed, unsolvable
    I5 T4 社会治安  hotline 03-04 08:30, reporter 赵六, no owner          -> recorded
    I6 T1 文体生活  April                                                -> recorded
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import shapely
from sqlalchemy import select

from zoufang.campaign.issues import move_issue, record_issue
from zoufang.campaign.phases import create_campaign
from zoufang.campaign.store import Cadre, Grid, Store, Target, Township, Village
from zoufang.campaign.visits import record_visit

from ..builders import GRID_BOXES

D = dt.datetime
TARGETS = {  # ext_id: (name, kind, grid, lon, lat, phone)
    "T1": ("张三", "household", "G1", 116.603, 37.403, "13812341234"),
    "T2": ("李四", "household", "G1", 116.604, 37.403, None),
    "T3": ("王五", "household", "G2", 116.615, 37.405, "13900001111"),
    "T6": ("孙八", "household", "G2", 116.616, 37.406, "13600003333"),
    "T4": ("赵六", "household", "G3", 116.605, 37.415, "13700002222"),
    "T5": ("钱七", "household", "G3", 116.606, 37.415, None),
    "E1": ("宏达机械厂", "enterprise", "G4", 116.615, 37.415, "0534-1234567"),
    "X1": ("周九", "household", None, None, None, None),
}
CADRES = {"C1": "刘一", "C2": "陈二", "C3": "杨三"}


@dataclass
class World:
    """Ids of the hand-built township's rows."""

    store: Store
    township_id: int
    campaign_id: int
    targets: dict[str, int]
    cadres: dict[str, int]
    grids: dict[str, int]
    villages: dict[str, int]
    visits: dict[str, int]
    issues: dict[str, int]


def build_territory(store: Store) -> World:
    """Township, villages, grids, targets and cadres only (no visits)."""
    with store.session() as s:
        town = Township(name="测试镇")
        s.add(town)
        s.flush()
        villages = {n: Village(township_id=town.id, name=n) for n in ("甲村", "乙村")}
        s.add_all(villages.values())
        s.flush()
        grids = {}
        for g, box in GRID_BOXES.items():
            v = villages["甲村" if g in ("G1", "G2") else "乙村"]
            grids[g] = Grid(township_id=town.id, village_id=v.id, ext_id=g, name=g,
                            geom=shapely.MultiPolygon([shapely.box(*box)]), area_m2=1.0)
        s.add_all(grids.values())
        s.flush()
        targets = {}
        for ext, (name, kind, g, lon, lat, phone) in TARGETS.items():
            targets[ext] = Target(township_id=town.id, ext_id=ext, name=name, kind=kind,
                                  address=f"测试村{ext}号", phone=phone, lon=lon, lat=lat,
                                  grid_id=grids[g].id if g else None,
                                  placement="inside" if g else "unplaced")
        s.add_all(targets.values())
        cadres = {ext: Cadre(township_id=town.id, ext_id=ext, name=n, rank="clerk",
                             hours_per_day=4.0, days_available=20, base_lon=116.61,
                             base_lat=37.41) for ext, n in CADRES.items()}
        s.add_all(cadres.values())
        s.flush()
        camp = create_campaign(s, town.id, "2022年大走访", year=2022)
        return World(store, town.id, camp.id, {k: t.id for k, t in targets.items()},
                     {k: c.id for k, c in cadres.items()}, {k: g.id for k, g in grids.items()},
                     {k: v.id for k, v in villages.items()}, {}, {})


def build_world(store: Store) -> World:
    """The whole hand-built township of the module docstring."""
    w = build_territory(store)
    with store.session() as s:
        def visit(key: str, t: str, c: str, at: D, mode: str, outcome: str,
                  channel: str = "visit") -> None:
            v = record_visit(s, township_id=w.township_id, target=t, cadre=c, at=at,
                             mode=mode, outcome=outcome, channel=channel,
                             campaign_id=w.campaign_id,
                             four_ones={"card": True} if outcome == "visited" else None)
            w.visits[key] = v.id

        visit("T1a", "T1", "C1", D(2022, 3, 1, 19), "in_home", "not_home")
        visit("T2a", "T2", "C1", D(2022, 3, 1, 19, 20), "in_home", "not_home")
        visit("T1b", "T1", "C1", D(2022, 3, 2, 19), "in_home", "visited")
        visit("T3", "T3", "C1", D(2022, 3, 2, 19, 30), "phone", "visited")
        visit("T4", "T4", "C2", D(2022, 3, 3, 10), "in_home", "refused")
        visit("T5", "T5", "C2", D(2022, 3, 3, 10, 30), "in_home", "vacant")
        visit("E1", "E1", "C2", D(2022, 3, 5, 10), "in_home", "visited", "service_contact")
        visit("T6", "T6", "C1", D(2022, 3, 6, 20), "in_home", "visited")
        visit("T1c", "T1", "C2", D(2022, 4, 10, 10), "in_home", "visited")

        def issue(key: str, **kw: object) -> int:
            i = record_issue(s, actor="刘一", **kw)  # type: ignore[arg-type]
            w.issues[key] = i.id
            return i.id

        def move(key: str, action: str, at: D, **kw: object) -> None:
            move_issue(s, w.issues[key], action, actor="镇组织人事办", at=at, **kw)

        issue("I1", visit_id=w.visits["T1b"], category="居住环境", responsibility="镇村解决",
              text="路灯不亮")
        issue("I2", visit_id=w.visits["T1b"], category="基本医疗", responsibility="联动",
              text="卫生室缺药")
        issue("I3", visit_id=w.visits["T3"], category="其他", responsibility="township",
              text="邻里纠纷")
        issue("I4", visit_id=w.visits["E1"], category="other", responsibility="city",
              text="厂区道路审批", channel="service_contact", scope="行业领域")
        issue("I5", target_id=w.targets["T4"], category="社会治安", responsibility="township",
              text="夜间噪音", channel="hotline", reporter_name="赵六",
              reporter_phone="13700002222", at=D(2022, 3, 4, 8, 30))
        issue("I6", visit_id=w.visits["T1c"], category="文体生活", responsibility="township",
              text="广场器材坏了")
        move("I1", "assess", D(2022, 3, 3, 9))
        move("I1", "hand_over", D(2022, 3, 3, 10), unit="镇村建办", handler="王科长",
             deadline=dt.date(2022, 3, 20))
        move("I1", "start", D(2022, 3, 4, 9))
        move("I1", "report", D(2022, 3, 15, 9), result="已修复")
        move("I1", "rate", D(2022, 3, 16, 9), rating="satisfied")
        move("I2", "assess", D(2022, 3, 3, 9))
        move("I2", "hand_over", D(2022, 3, 3, 11), unit="市卫健局", handler="李医生",
             deadline=dt.date(2022, 3, 25))
        move("I2", "start", D(2022, 3, 4, 9))
        move("I3", "solve_on_spot", D(2022, 3, 2, 19, 45), result="当场调解")
        move("I3", "rate", D(2022, 3, 5, 9), rating="not_satisfied", reason="又吵起来了",
             deadline=dt.date(2022, 3, 31))
        move("I4", "assess", D(2022, 3, 6, 9))
        move("I4", "close_unsolvable", D(2022, 3, 10, 9),
             explanation="规划不允许，已当面解释")
    return w


def ids(store: Store, model: type, **where: object) -> list[int]:
    """Ids of ``model`` rows matching ``where``, ascending."""
    with store.session() as s:
        q = select(model.id)  # type: ignore[attr-defined]
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return list(s.scalars(q.order_by(model.id)))  # type: ignore[attr-defined]
