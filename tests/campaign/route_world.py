"""A small routed township for the route-export tests: the ledger world with daily routes.

Built on ``ledger_world.py``'s township (4 grids, 8 targets, 3 cadres, the visits and
issues of its docstring) and the web users of ``tests/web/conftest.py``, plus:

- two households at one point in G4 (116.617, 37.417), so they share a stop:
  ``T7`` named ``<script>alert(1)</script>`` with address ``测试村<b>7</b>号`` (escaping),
  ``T8`` 吴十, who called the hotline on 2022-02-20 about ``<img src=x onerror=alert(1)>``
  (an issue raised before the route days, shown at T7's stop too);
- only cadre C1 刘一 active when the areas are planned, so C1's area holds every placed
  target (X1 has no point and no grid: in no area);
- the routing settings: cadres visit 17:30–19:30 on workdays and not at weekends, so
  the 7 households spread over several days and the enterprise E1 (available in working
  hours only) is left out (``no_window``);
- the areas (``plan_campaign``) and the routes of the visit phase (the push, 1–10 March
  2022) planned from 2022-03-01 00:00 with the real solver (about 3 s), straight lines.

C2 and C3 stay in the store (inactive): C3's user ``cadre3`` has no route.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from zoufang.campaign.areas import plan_campaign
from zoufang.campaign.issues import record_issue
from zoufang.campaign.routes import plan_routes, save_settings
from zoufang.campaign.store import Cadre, RoutePlan, Store, Target

from .ledger_world import World, build_world

AS_OF = dt.datetime(2022, 3, 1)
SCRIPT_NAME = "<script>alert(1)</script>"
IMG_TEXT = "<img src=x onerror=alert(1)>"


def add_routes(store: Store, w: World) -> None:
    """Add T7, T8 and T8's issue to the world, then plan the areas and the routes."""
    with store.session() as s:
        for ext, name, phone, addr in (("T7", SCRIPT_NAME, "13955556666", "测试村<b>7</b>号"),
                                       ("T8", "吴十", "13800008888", "测试村8号")):
            t = Target(township_id=w.township_id, ext_id=ext, name=name, kind="household",
                       address=addr, phone=phone, lon=116.617, lat=37.417,
                       grid_id=w.grids["G4"], placement="inside")
            s.add(t)
            s.flush()
            w.targets[ext] = t.id
        i = record_issue(s, target_id=w.targets["T8"], township_id=w.township_id,
                         category="其他", responsibility="township", text=IMG_TEXT,
                         actor="热线", at=dt.datetime(2022, 2, 20, 9), channel="hotline",
                         reporter_name="吴十", reporter_phone="13800008888")
        w.issues["I8"] = i.id
        s.execute(update(Cadre).where(Cadre.ext_id != "C1").values(active=False))
        s.commit()
    save_settings(store, {"cadre_windows": {"workday": ["17:30-19:30"], "weekend": []}})
    plan_campaign(store, time_limit_s=2)
    plan_routes(store, as_of=AS_OF, time_limit_s=1, workers=1)


def build_route_world(store: Store) -> World:
    """The ledger world with the additions of the module docstring, routed."""
    w = build_world(store)
    add_routes(store, w)
    return w


def plan_id(store: Store) -> int:
    """The id of the current route plan."""
    with store.session() as s:
        pid = s.scalar(select(RoutePlan.id).where(RoutePlan.status == "current"))
    assert pid is not None
    return pid
