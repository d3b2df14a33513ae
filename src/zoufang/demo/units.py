"""Units (单位): institutions, schools, clinics, markets, shops and enterprises.

The seat's fixed institutions come first (:func:`seat_units`: their points keep the
communities' houses away); each village gets a clinic, a shop or two and perhaps a school,
a fair or small firms (:func:`village_units`); then the seat's streets fill with shops,
offices and clinics, and enterprises go to the industrial park, along S316 and into the
fields (:func:`seat_more_units`). :func:`tag_units` marks a quarter of the enterprises
列统企业. Every draw uses the township's generator, in the order of the calls.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from zoufang.demo._common import (
    K_CLINIC,
    K_ENTERPRISE,
    K_HEALTH_CENTRE,
    K_MARKET,
    K_ORGAN,
    K_PUBLIC,
    K_SCHOOL,
    K_SHOP,
    K_VILLAGE_CLINIC,
    TAG,
    Arr,
)
from zoufang.demo._geometry import at, frontage, snap_to
from zoufang.demo.layout import HALF_H, HALF_W, LANE_SPACING, PARK, Place
from zoufang.demo.roads import Road
from zoufang.demo.township import Target, Township

__all__ = ["seat_more_units", "seat_units", "tag_units", "village_units"]

_PREFIXES: Final = tuple(
    "宏达 鑫源 顺发 永兴 红星 惠民 金鑫 宏运 福源 兴隆 利民 万家 鸿福 乐购 美佳 新世纪 百姓 "
    "康宁 华泰 恒丰 瑞丰 金诚 德润 天成 昌盛 鲁北 富强 兴旺 振兴 东方 广源 博远 信达 旭日 "
    "汇丰 嘉禾 鼎盛 安泰 明珠 金穗 丰源 润泽 正阳 同兴 圣源 泰和 隆昌 晨光".split())
_PRODUCTS: Final = tuple(
    "机械 纺织 食品 面粉 家具 木业 塑料 橡胶 建材 彩钢 农机 饲料 纸箱 包装 五金 汽配 电器 "
    "玻璃 钢构 服装 轴承 棉业 铸造 商砼 管业 化纤 粮油 制衣 印刷 保温材料".split())
_VILLAGE_FIRMS: Final = ("养殖场", "面粉厂", "家具厂", "养鸡场", "蔬菜种植专业合作社",
                         "农机专业合作社", "木材加工厂", "预制件厂")


def _enterprise_name(town: Township, village: Place | None = None) -> str:
    """Draw an enterprise name not taken yet (a village firm if ``village`` is given)."""
    rng = town.rng
    for _ in range(100):
        pre = _PREFIXES[int(rng.integers(len(_PREFIXES)))]
        if village is not None:
            firm = _VILLAGE_FIRMS[int(rng.integers(len(_VILLAGE_FIRMS)))]
            name = f"{town.name}{village.name.removesuffix('村')}{pre}{firm}" \
                if rng.random() < 0.3 else f"{town.name}{pre}{firm}"
        else:
            prod = _PRODUCTS[int(rng.integers(len(_PRODUCTS)))]
            if rng.random() < 0.5:
                name = f"{town.name}{pre}{prod}厂"
            else:
                name = f"山东{pre}{prod}有限公司"
        if name not in town.unit_names:
            town.unit_names.add(name)
            return name
    raise RuntimeError("ran out of enterprise names")  # pragma: no cover


def village_units(town: Township, p_i: int, pos: Arr) -> None:
    """Draw the units of village ``p_i``: clinic, shops, school, fair, small firms.

    Parameters
    ----------
    town
        The township; its ``units`` grow.
    p_i
        Index of the village in ``town.places``.
    pos
        Offsets of the village's lanes along its road (metres), as returned by
        :func:`zoufang.demo.households.village_households`.
    """
    rng, p = town.rng, town.places[p_i]
    lanes = p.lanes
    mids = pos[:-1] + LANE_SPACING / 2
    inner = np.argsort(np.abs(mids), kind="stable")
    spots = at(p.centre, p.u, mids[inner].repeat(2), np.tile([25.0, -25.0], len(inner)))
    chosen, grids = town.take(spots, 3, p_i)
    labels = [(f"{p.name}卫生室", K_VILLAGE_CLINIC)]
    n_shops = 1 + int(rng.random() < 0.4)
    shop_names = ("便民超市", "小卖部", "日用百货", "农资店", "超市")
    for _ in range(n_shops):
        owner = town.people.person(p.surname, p.share)
        shop = shop_names[int(rng.integers(len(shop_names)))]
        labels.append((f"{p.name}{owner[0]}记{shop}" if rng.random() < 0.5
                       else f"{owner}{shop}", K_SHOP))
    for (label, kind), c, g in zip(labels, chosen, grids, strict=False):
        phone = town.people.mobile() if rng.random() < 0.85 else ""
        town.units.append(Target(spots[int(c)], label, kind, f"{town.name}{p.name}", phone,
                                 [], p_i, int(g)))
    # a school in the bigger villages, kindergartens in a few
    edge = 0.5 * LANE_SPACING * lanes + 60.0
    extra: list[tuple[str, str]] = []
    if p.size >= 550:
        extra.append((f"{p.name}小学", K_SCHOOL))
    elif p.size >= 350 and rng.random() < 0.35:
        extra.append((f"{p.name}幼儿园", K_SCHOOL))
    if p_i == town.market_village:
        extra.append((f"{p.name}集市", K_MARKET))
    n_ent = int(rng.integers(0, 3))
    for _ in range(n_ent):
        extra.append((_enterprise_name(town, village=p), K_ENTERPRISE))
    if not extra:
        return
    s_vals = np.array([edge, -edge, edge + 60, -edge - 60, edge + 120, -edge - 120])
    spots = at(p.centre, p.u, np.repeat(s_vals, 2), np.tile([70.0, -70.0], len(s_vals)))
    chosen, grids = town.take(spots, len(extra), p_i)
    for (label, kind), c, g in zip(extra, chosen, grids, strict=False):
        phone = town.people.landline() if rng.random() < 0.5 else town.people.mobile()
        direction = "村北" if float(np.dot(spots[int(c)] - p.centre, [0, 1])) > 0 else "村南"
        town.units.append(Target(spots[int(c)], label, kind,
                                 f"{town.name}{p.name}{direction}", phone, [], p_i,
                                 int(g), listed_weight=0.2))


def seat_units(town: Township) -> None:
    """Place the seat's fixed institutions, schools, health centre and markets."""
    rng = town.rng
    fixed = [
        ("示范镇人民政府", K_ORGAN, (-175.0, 45.0), "省道S316"),
        ("示范镇派出所", K_ORGAN, (-290.0, 45.0), "省道S316"),
        ("示范镇农贸市场", K_MARKET, (175.0, 70.0), "省道S316"),
        ("示范镇大集", K_MARKET, (-325.0, -125.0), "商贸街"),
        ("示范镇中心小学", K_SCHOOL, (175.0, 530.0), "幸福街"),
        ("示范镇中学", K_SCHOOL, (525.0, -470.0), "新华街"),
        ("示范镇中心幼儿园", K_SCHOOL, (-525.0, -880.0), "育才路"),
        ("示范镇卫生院", K_HEALTH_CENTRE, (-525.0, -300.0), "建设街"),
        ("示范镇敬老院", K_PUBLIC, (525.0, -990.0), "民安街"),
    ]
    for name, kind, (x, y), street in fixed:
        xy = town.seat_xy(x, y)[0]
        g = int(town.grids.locate(xy[None, :])[0])
        if g < 0:  # pragma: no cover - fixed spots lie inside blocks
            raise RuntimeError(f"{name} is not clearly inside one grid")
        town.fixed[name] = xy
        town.units.append(Target(xy, name, kind, f"{town.name}{street}"
                                 f"{int(rng.integers(1, 120))}号", town.people.landline(),
                                 [], -1, g))
    town.unit_names.update(n for n, *_ in fixed)


def seat_more_units(town: Township) -> None:
    """Draw the shops, clinics and offices along the seat's streets, then the enterprises.

    The enterprises of the industrial park, of the seat, along S316 and in the fields are
    drawn before the shops: with the units so far they fix the number of shops, so that
    there are 400 units in all.
    """
    rng = town.rng
    s316 = town.roads["S316"].line
    d_seat = s316.project(Point(town.seat))
    streets: list[tuple[LineString, float, float, str]] = [
        (s316, d_seat - 900, d_seat + 900, "人民路")]  # S316's name in the seat
    d_x = town.x031.project(Point(town.seat))
    streets.append((town.x031, d_x - 1050, d_x + 600, "中心街"))
    for r in town.seat_streets:
        if r.name in ("文化街", "建设街"):
            streets.append((r.line, 0.0, r.line.length, str(r.name)))
    all_roads = shapely.union_all([r.line for r in town.roads.values()]
                                  + [r.line for r in town.extra_roads])
    fixed = np.asarray(list(town.fixed.values()))
    pools: list[tuple[Arr, list[str]]] = []
    for line, d0, d1, name in streets:
        xy, side, along = frontage(line, d0, d1, 14.0, 16.0)
        clear = ~shapely.dwithin(all_roads, shapely.points(xy), 10.0)
        clear &= np.min(np.hypot(xy[:, None, 0] - fixed[None, :, 0],
                                 xy[:, None, 1] - fixed[None, :, 1]), axis=1) > 40.0
        nums = [f"{town.name}{name}{int((a - d0) / 14) * 2 + (1 if s > 0 else 2)}号"
                for a, s in zip(along, side, strict=True)]
        pools.append((xy[clear], [n for n, c in zip(nums, clear, strict=True) if c]))
    # institutions in the offices of the seat's main streets
    offices = [
        ("示范镇司法所", K_ORGAN), ("示范镇人民法庭", K_ORGAN),
        ("国家税务总局示范税务分局", K_ORGAN), ("示范镇市场监督管理所", K_ORGAN),
        ("示范镇自然资源所", K_ORGAN), ("示范镇财政所", K_ORGAN),
        ("示范镇综合行政执法中队", K_ORGAN),
        ("示范镇农业综合服务中心", K_PUBLIC), ("示范镇文化站", K_PUBLIC),
        ("示范镇便民服务中心", K_PUBLIC), ("示范镇水利站", K_PUBLIC),
        ("示范镇畜牧兽医站", K_PUBLIC), ("示范镇中心学校", K_PUBLIC),
        ("示范镇退役军人服务站", K_PUBLIC), ("示范镇社会治安综合治理中心", K_PUBLIC),
        ("示范镇林业站", K_PUBLIC), ("示范镇供销社", K_PUBLIC),
    ]
    clinics = [(f"{town.people.person()}诊所", K_CLINIC) for _ in range(4)]
    clinics += [("示范镇中医诊所", K_CLINIC), ("示范镇口腔诊所", K_CLINIC)]
    n_units_so_far = len(town.units)
    shop_kinds = (
        "超市 五金店 饭店 面馆 理发店 服装店 手机店 药店 农资店 烟酒店 粮油店 家电城 建材店 "
        "汽修店 快递驿站 水果店 早餐店 烧饼铺 电动车行 眼镜店 母婴店 照相馆 书店 蛋糕店 "
        "布艺店 床上用品店 鞋店 茶叶店 渔具店 酒店").split()
    # enterprises of the industrial park and along S316 first: they fix the total
    park = _park_enterprises(town)
    n_shops = max(0, 400 - n_units_so_far - len(park) - len(offices) - len(clinics))
    w = np.array([0.5, 0.25, 0.125, 0.125])
    per_street = np.floor(w * n_shops).astype(int)
    per_street[0] += n_shops - int(per_street.sum())
    placed: list[Arr] = []
    for (xy, addrs), n in zip(pools, per_street.tolist(), strict=True):
        chosen, grids = town.take(xy, n + 12)
        take = 0
        for c, g in zip(chosen.tolist(), grids.tolist(), strict=True):
            if take >= n:
                break
            if placed and np.min(np.hypot(*(np.asarray(placed) - xy[c]).T)) < 6.0:
                continue
            placed.append(xy[c])
            take += 1
            for _ in range(30):
                pre = _PREFIXES[int(rng.integers(len(_PREFIXES)))]
                kind_word = shop_kinds[int(rng.integers(len(shop_kinds)))]
                name = f"{pre}{kind_word}" if rng.random() < 0.6 else \
                    f"{town.people.surname()}记{kind_word}"
                if name not in town.unit_names:
                    break
            else:
                name = f"{name}分店"
            town.unit_names.add(name)
            draw = rng.random()
            phone = town.people.mobile() if draw < 0.8 else (
                town.people.landline() if draw < 0.9 else "")
            town.units.append(Target(xy[c], name, K_SHOP, addrs[c], phone, [], -1, g))
    # offices and clinics on the side streets (建设街, 文化街 pools), then the rest
    side_xy = np.vstack([pools[2][0], pools[3][0], pools[1][0]])
    side_addr = pools[2][1] + pools[3][1] + pools[1][1]
    chosen, grids = town.take(side_xy, len(side_xy))
    k = 0
    for (name, kind) in offices + clinics:
        while k < len(chosen):
            c, g = int(chosen[k]), int(grids[k])
            k += 1
            if np.min(np.hypot(*(np.asarray(placed) - side_xy[c]).T)) >= 12.0:
                break
        else:  # pragma: no cover
            raise RuntimeError("no room for the seat's offices")
        placed.append(side_xy[c])
        phone = town.people.landline() if kind != K_CLINIC else town.people.mobile()
        town.units.append(Target(side_xy[c], name, kind, side_addr[c], phone, [], -1, g))
        town.offices_at[name] = side_xy[c]
    town.units.extend(park)


def _park_enterprises(town: Township) -> list[Target]:
    """Draw the enterprises of the industrial park, of the seat, along S316 and in the fields."""
    rng = town.rng
    s316 = town.roads["S316"].line
    d_seat = s316.project(Point(town.seat))
    out: list[Target] = []

    def add(xy: Arr, g: int, address: str, weight: float) -> None:
        """Add an enterprise; ``weight`` is its chance of being 列统企业 (relative)."""
        name = _enterprise_name(town)
        phone = town.people.landline() if rng.random() < 0.55 else town.people.mobile()
        out.append(Target(xy, name, K_ENTERPRISE, address, phone, [], -1, g,
                          listed_weight=weight))

    # park: both sides of S316 and of 工业园路
    xy1, _s, _a = frontage(s316, d_seat + PARK[0], d_seat + PARK[1], 70.0, 60.0)
    park_line = town.park_road.line
    xy2, _s, _a = frontage(park_line, 0.0, park_line.length, 70.0, 45.0)
    xy = np.vstack([xy1, xy2])
    addr = [f"{town.name}工业园区{i + 1}号" for i in range(len(xy))]
    near_road = shapely.dwithin(shapely.union_all([s316, park_line]), shapely.points(xy),
                                30.0)
    clear = ~near_road
    chosen, grids = town.take(xy[clear], 80)
    keep = np.flatnonzero(clear)
    for c, g in zip(chosen.tolist(), grids.tolist(), strict=True):
        add(xy[keep[c]], g, addr[keep[c]], 0.32)
    # the seat: along 工业路
    gy = next(r for r in town.seat_streets if r.name == "工业路").line
    xy, side, along = frontage(gy, 30.0, gy.length - 30.0, 60.0, 40.0)
    chosen, grids = town.take(xy, 14)
    for c, g in zip(chosen.tolist(), grids.tolist(), strict=True):
        add(xy[c], g, f"{town.name}工业路{int(along[c] / 14) * 2 + (1 if side[c] > 0 else 2)}号",
            0.25)
    # along S316 outside the seat and the park, away from villages
    xy, side, along = frontage(s316, 100.0, s316.length - 100.0, 110.0, 45.0)
    centres = np.asarray([p.centre for p in town.places])
    far = np.min(np.hypot(xy[:, None, 0] - centres[None, :, 0],
                          xy[:, None, 1] - centres[None, :, 1]), axis=1) > 500.0
    off = np.abs(along - d_seat)
    far &= (off > 1000.0) & ~((along - d_seat > PARK[0] - 100) &
                              (along - d_seat < PARK[1] + 100))
    chosen, grids = town.take(xy[far], 12)
    keep = np.flatnonzero(far)
    for c, g in zip(chosen.tolist(), grids.tolist(), strict=True):
        km = int(along[keep[c]] // 1000)
        add(xy[keep[c]], g, f"{town.name}省道S316 K{km + 31}+{int(along[keep[c]] % 1000):03d}",
            0.2)
    # a few factories in the fields, reached by a track
    majors = shapely.union_all([r.line for r in town.roads.values()])
    inner = town.outline.buffer(-300.0)
    n_field = 6
    found = 0
    for _ in range(4000):
        if found >= n_field:
            break
        pt = np.array([rng.uniform(-HALF_W, HALF_W), rng.uniform(-HALF_H, HALF_H)])
        if not inner.contains(Point(pt)):
            continue
        dist_c = np.hypot(*(centres - pt).T)
        if float(np.min(dist_c)) < 800.0:
            continue
        if float(np.hypot(*(pt - town.seat))) < 1600.0:
            continue
        d_road = majors.distance(Point(pt))
        if not 200.0 < d_road < 650.0:
            continue
        if any(float(np.hypot(*(t.xy - pt))) < 900.0 for t in out[-found:] if found):
            continue
        g = int(town.grids.locate(pt[None, :], 10.0)[0])
        if g < 0:
            continue
        near_line = min(town.roads.values(), key=lambda r: r.line.distance(Point(pt)))
        end = snap_to(near_line.line, pt)
        town.extra_roads.append(Road(np.asarray([pt, end]), None, "track"))
        village = town.places[int(np.argmin(dist_c))]
        vec = pt - village.centre
        word = ("东" if vec[0] > 0 else "西") if abs(vec[0]) > abs(vec[1]) else \
            ("北" if vec[1] > 0 else "南")
        dist = int(round(float(np.hypot(*vec)) / 100.0) * 100)
        add(pt, g, f"{town.name}{village.name}{word}{dist}米", 0.3)
        found += 1
    return out


def tag_units(town: Township) -> None:
    """Mark a quarter of the enterprises 列统企业, companies and the park's more often."""
    ents = [t for t in town.units if t.kind == K_ENTERPRISE]
    w = np.array([t.listed_weight * (1.4 if t.name.endswith("公司") else 0.6)
                  for t in ents])
    k = int(round(0.25 * len(ents)))
    for i in sorted(town.rng.choice(len(ents), size=k, replace=False,
                                    p=w / w.sum()).tolist()):
        ents[i].tags = [TAG["listed_enterprise"]]
