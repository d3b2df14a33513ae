"""A deterministic simulated campaign, for the demo's measures, maps and exports.

It gives the demo something real to show.

:func:`simulate_campaign` walks a campaign's phases (DOMAIN.md "Phases of one campaign")
for every active cadre of a township:

- **Assignment.** Until visit areas exist, targets sorted by grid and id are cut into
  contiguous runs, one per cadre, sized in proportion to the cadre's hours.
- **Visits** in the visit phase (走访排查), two thirds of first attempts in its
  concentrated push (集中走访). Households are visited in the evening (18:00–21:00) on
  weekdays and during the day at weekends (驻村夜访); units in office hours; what does
  not fit before 21:30 (18:00) waits for the next day. Consecutive visits are 12–25
  minutes apart plus the ride between doors at 20 km/h. First attempts find nobody home
  22 % of the time (later attempts 15 %; at most three attempts, so about 1 % stay unvisited);
  1 % refuse; vacant and mobile households (空关户/流动户) are reached by phone or WeChat,
  other vacant ones found empty. In-home visits carry a GPS point within ~15 m of the
  target (9 in 10 times). One cadre, "the box-ticker", records every visit as done,
  from the office, ten an hour, with never an issue: the integrity checks must find him.
- **Issues** are raised in 12 % of completed visits, by category with weights of
  rural townships (居住环境 30 %, 社会帮扶 17 %, 其他 15 %, 基本医疗 12 %, 社会治安 10 %,
  文体生活 8 %, 基础教育 8 %), 15 % of them solved on the spot (即知即办).
- **Service contacts and hotline.** Visits to units count as service-contact visits
  (干部联系服务对象; 4 in 10 of their issues are of the sector, 行业领域); 1 % of
  households call the 89000 hotline once during the visit phase.
- **Lifecycle** through :func:`zoufang.campaign.issues.move_issue` (so every step obeys
  the transition table and is in the history): assessed in the classify phase, handed
  over with a deadline of 20/30/45 days by responsibility, started, then reported on
  time (65 %), late (15 %) or not yet (20 %); revisited and rated (85 % satisfied, else
  sent back with 15 more days); 3 % closed as unsolvable with an explanation; overdue
  issues supervised (挂牌督办) one time in three. Nothing happens after ``until``
  (default 20 May, inside the resolve phase), so there are open and overdue issues.

The same store content, campaign and seed give the same visits and issues, row for row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zoufang.campaign.issues import move_issue, record_issue
from zoufang.campaign.store import Cadre, Campaign, Issue, Store, Target, Visit

__all__ = ["SimulationResult", "simulate_campaign"]

_CATEGORY_WEIGHTS: Final = {
    "living_environment": 0.30, "social_assistance": 0.17, "other": 0.15,
    "medical_care": 0.12, "public_security": 0.10, "culture_sport": 0.08, "education": 0.08,
}
_TEXTS: Final[dict[str, tuple[str, ...]]] = {
    "living_environment": ("村内道路破损，雨天积水", "路灯不亮，夜间出行不便", "生活污水乱排",
                           "垃圾清运不及时", "厕所改造后无人维护"),
    "social_assistance": ("申请低保未获答复", "独居老人无人照料", "残疾补贴发放延迟",
                          "大病救助申请流程不清"),
    "other": ("宅基地手续咨询", "土地流转租金未到位", "邻里纠纷需调解"),
    "medical_care": ("村卫生室药品不全", "医保报销比例咨询", "家庭医生签约未上门"),
    "public_security": ("夜间有陌生车辆停放", "电动车被盗", "路口缺少监控"),
    "culture_sport": ("文化广场健身器材损坏", "希望组织广场舞培训"),
    "education": ("校车接送时间不合理", "学校周边交通拥堵"),
}
_RESP: Final = (("township", 0.6, 20), ("joint", 0.3, 30), ("city", 0.1, 45))
_UNITS: Final = {"township": ("镇综治办", "镇民政办", "镇村建办", "村委会"),
                 "joint": ("镇社会治理综合服务中心", "市住建局联络组"),
                 "city": ("市水务局", "市卫健局", "市教体局", "市公安局")}


@dataclass
class SimulationResult:
    """What a simulation wrote."""

    visits: int = 0
    issues: int = 0
    events: int = 0
    unvisited_targets: int = 0
    box_ticker: str | None = None
    until: dt.datetime | None = None
    by_status: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        d = dict(self.__dict__)
        d["until"] = self.until.isoformat(sep=" ") if self.until else None
        return d


def _phase(campaign: Campaign, kind: str) -> tuple[dt.date, dt.date]:
    for p in campaign.phases:
        if p.kind == kind:
            return p.start, p.end
    raise ValueError(f"campaign {campaign.name!r} has no {kind!r} phase")


def _slot(rng: np.random.Generator, day: dt.date, household: bool) -> dt.datetime:
    if household and day.weekday() < 5:
        minutes = 18 * 60 + int(rng.integers(0, 150))
    else:
        minutes = 9 * 60 + int(rng.integers(0, 420))
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)


def _assign(targets: list[Target], cadres: list[Cadre]) -> list[list[Target]]:
    hours = np.array([max(c.hours_per_day * c.days_available, 1.0) for c in cadres])
    cuts = np.round(np.cumsum(hours) / hours.sum() * len(targets)).astype(int)
    out, lo = [], 0
    for hi in cuts:
        out.append(targets[lo:hi])
        lo = hi
    return out


def _runs_by_area(s: Session, campaign_id: int, targets: list[Target],
                  cadres: list[Cadre]) -> list[list[Target]] | None:
    """Each cadre's targets from the campaign's current area plan, or None without one.

    Targets in no area are visited by nobody (they show as coverage gaps).
    """
    from zoufang.campaign.store import AreaPlan, AreaTarget, VisitArea

    owner = dict(s.execute(
        select(AreaTarget.target_id, VisitArea.cadre_id)
        .join(VisitArea, VisitArea.id == AreaTarget.area_id)
        .join(AreaPlan, AreaPlan.id == VisitArea.plan_id)
        .where(AreaTarget.campaign_id == campaign_id, AreaPlan.status == "current")).all())
    if not owner:
        return None
    by_cadre: dict[int, list[Target]] = {c.id: [] for c in cadres}
    for t in targets:
        cid = owner.get(t.id)
        if cid in by_cadre:
            by_cadre[cid].append(t)
    return [by_cadre[c.id] for c in cadres]


def simulate_campaign(store: Store, township_id: int, campaign_id: int, seed: int, *,
                      until: dt.datetime | None = None, issue_rate: float = 0.12
                      ) -> SimulationResult:
    """Simulate the campaign ``campaign_id`` of ``township_id`` into the store.

    Parameters
    ----------
    store
        The campaign store (targets, grids and cadres already imported).
    township_id, campaign_id
        Where to write; the campaign's phases give the dates.
    seed
        Seed of the one random generator; same store and seed, same result.
    until
        Local time after which nothing happens (default 20 May of the campaign's year,
        18:00), so that some issues are open and overdue as of then.
    issue_rate
        Share of completed visits that raise an issue.

    Raises
    ------
    ValueError
        When the campaign already has visits (simulate once), or has no visit phase.
    """
    rng = np.random.default_rng(seed)
    res = SimulationResult()
    with store.session() as s:
        campaign = s.get(Campaign, campaign_id)
        if campaign is None or campaign.township_id != township_id:
            raise ValueError(f"no campaign #{campaign_id} in township #{township_id}")
        if s.scalar(select(Visit.id).where(Visit.campaign_id == campaign_id).limit(1)):
            raise ValueError(f"campaign {campaign.name!r} already has visits; "
                             "simulate into a new campaign")
        v0, v1 = _phase(campaign, "visit")
        push = next(((p.start, p.end) for p in campaign.phases if p.kind == "push"), (v0, v1))
        c0, c1 = _phase(campaign, "classify")
        until = until or dt.datetime(v0.year, 5, 20, 18, 0)
        res.until = until
        targets = list(s.scalars(select(Target).where(Target.township_id == township_id)
                                 .order_by(Target.grid_id.is_(None), Target.grid_id,
                                           Target.ext_id)))
        cadres = list(s.scalars(select(Cadre).where(Cadre.township_id == township_id,
                                                    Cadre.active.is_(True))
                                .order_by(Cadre.ext_id)))
        if not cadres or not targets:
            return res
        runs = _runs_by_area(s, campaign_id, targets, cadres) or _assign(targets, cadres)
        ticker = int(rng.integers(0, len(cadres))) if len(cadres) >= 4 else None
        visits: list[Visit] = []
        days = [v0 + dt.timedelta(days=i) for i in range((v1 - v0).days + 1)]
        push_days = [d for d in days if push[0] <= d <= push[1]]
        for ci, (cadre, run) in enumerate(zip(cadres, runs, strict=True)):
            visits.extend(_cadre_visits(rng, cadre, run, days, push_days, campaign_id,
                                        township_id, box_ticker=ci == ticker))
            if ci == ticker:
                res.box_ticker = cadre.ext_id
        s.add_all(visits)
        s.flush()
        res.visits = len(visits)
        settled = {v.target_id for v in visits if v.outcome != "not_home"}
        res.unvisited_targets = len(targets) - len(settled)
        ticker_id = cadres[ticker].id if ticker is not None else None
        done = [(v.id, v.at, v.recorded_by, v.channel) for v in visits
                if v.outcome == "visited" and v.cadre_id != ticker_id]
        households = [(t.id, t.name, t.phone) for t in targets if t.kind == "household"]
        s.expunge_all()  # a small identity map keeps the many small flushes below fast
    raise_it = rng.random(len(done)) < issue_rate
    with store.session() as s:
        for v, r in zip(done, raise_it, strict=True):
            if r:
                res.events += _issue_life(s, rng, v, (c0, c1), until)
                res.issues += 1
                if res.issues % 200 == 0:
                    s.flush()
                    s.expunge_all()
        # hotline calls (89000 民生热线) over the visit phase: 1 % of households
        n_calls = len(households) // 100
        for k in rng.choice(len(households), size=n_calls, replace=False):
            tid, name, phone = households[int(k)]
            day = v0 + dt.timedelta(days=int(rng.integers(0, (v1 - v0).days + 1)))
            at = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(
                minutes=int(rng.integers(0, 600)))
            res.events += _issue_life(s, rng, (None, at, "89000热线", "hotline", tid, name,
                                               phone, campaign_id), (c0, c1), until)
            res.issues += 1
        res.by_status = dict(s.execute(select(Issue.status, func.count()).where(
            Issue.campaign_id == campaign_id).group_by(Issue.status)).all())
    return res


def _cadre_visits(rng: np.random.Generator, cadre: Cadre, run: list[Target],
                  days: list[dt.date], push_days: list[dt.date], campaign_id: int,
                  township_id: int, *, box_ticker: bool) -> list[Visit]:
    out: list[Visit] = []
    if not run:
        return out
    # first attempts: two thirds in the push, the rest spread over the phase
    first_day = [push_days[int(rng.integers(0, len(push_days)))]
                 if push_days and rng.random() < 2 / 3 else days[int(rng.integers(0, len(days)))]
                 for _ in run]
    agenda: dict[dt.date, list[tuple[Target, int]]] = {}
    for t, d in zip(run, first_day, strict=True):
        agenda.setdefault(d, []).append((t, 1))
    for day in days:
        todo = agenda.pop(day, [])
        if not todo:
            continue
        household = [t.kind == "household" for t, _ in todo]
        at = _slot(rng, day, all(household))
        if box_ticker:  # ten an hour, from the office, always "visited", never an issue
            for t, _ in todo:
                out.append(Visit(township_id=township_id, campaign_id=campaign_id,
                                 target_id=t.id, cadre_id=cadre.id, at=at, mode="in_home",
                                 outcome="visited", card=True, survey=True, leaflet=True,
                                 solved=False, lon=cadre.base_lon, lat=cadre.base_lat,
                                 source="simulated", recorded_by=cadre.name))
                at += dt.timedelta(minutes=6)
            continue
        day_end = dt.datetime.combine(day, dt.time(21, 30) if all(household)
                                      and day.weekday() < 5 else dt.time(18, 0))
        where: tuple[float, float] | None = None
        todo.sort(key=lambda x: (x[0].lon or 0.0, x[0].lat or 0.0))  # walk west to east
        for k, (t, attempt) in enumerate(todo):
            if t.lon is not None and t.lat is not None:
                if where is not None:  # travel at 20 km/h (e-bike) from the last door
                    metres = float(np.hypot((t.lon - where[0]) * 88_000.0,
                                            (t.lat - where[1]) * 111_000.0))
                    at += dt.timedelta(minutes=int(metres / 20_000 * 60))
                where = (t.lon, t.lat)
            if at > day_end:  # the rest waits for the next day
                nxt = day + dt.timedelta(days=1)
                if nxt <= days[-1]:
                    agenda.setdefault(nxt, []).extend(todo[k:])
                break
            tags = set(t.tags or [])
            remote = bool(tags & {"vacant", "mobile"})
            mode = ("wechat" if rng.random() < 0.4 else "phone") if remote else "in_home"
            p = rng.random()
            if remote:
                outcome = "visited" if p < 0.85 else "not_home"
            elif p < (0.22 if attempt == 1 else 0.15):
                outcome = "not_home"
            elif p < (0.23 if attempt == 1 else 0.16):
                outcome = "refused"
            elif p < (0.245 if attempt == 1 else 0.17) and t.kind == "household":
                outcome = "vacant"
            else:
                outcome = "visited"
            ones = rng.random(4) < np.array([0.95, 0.9, 0.95, 0.05])
            ones = ones if outcome == "visited" else np.zeros(4, bool)
            lon = lat = None
            if mode == "in_home" and t.lon is not None and rng.random() < 0.9:
                d_lon, d_lat = rng.normal(0, 15, 2) / np.array([88_000.0, 111_000.0])
                lon, lat = round(t.lon + d_lon, 6), round(t.lat + d_lat, 6)
            out.append(Visit(township_id=township_id, campaign_id=campaign_id, target_id=t.id,
                             cadre_id=cadre.id, at=at, mode=mode, outcome=outcome,
                             channel="visit" if t.kind == "household" else "service_contact",
                             card=bool(ones[0]), survey=bool(ones[1]), leaflet=bool(ones[2]),
                             solved=bool(ones[3]), lon=lon, lat=lat, source="simulated",
                             recorded_by=cadre.name))
            at += dt.timedelta(minutes=int(rng.integers(12, 26)))
            if outcome == "not_home" and attempt < 3:
                later = day + dt.timedelta(days=int(rng.integers(1, 6)))
                if later <= days[-1]:
                    agenda.setdefault(later, []).append((t, attempt + 1))
    return out


def _issue_life(s: Session, rng: np.random.Generator, v: tuple[Any, ...],
                classify: tuple[dt.date, dt.date], until: dt.datetime) -> int:
    """Record an issue and move it through the lifecycle up to ``until``.

    The issue is raised in visit ``v`` (id, time, cadre name, channel), or by a hotline
    call (None, time, operator, "hotline", target id, name, phone, campaign). Return the
    number of history steps written.
    """
    visit_id, visit_at, cadre_name, channel = v[:4]
    cats = list(_CATEGORY_WEIGHTS)
    cat = cats[int(rng.choice(len(cats), p=list(_CATEGORY_WEIGHTS.values())))]
    texts = _TEXTS[cat]
    r = rng.random()
    resp, _, days = next((x for x, c in zip(_RESP, np.cumsum([p for _, p, _ in _RESP]),
                                              strict=True) if r < c), _RESP[-1])
    urgency = "urgent" if rng.random() < 0.1 else "normal"
    cadre = cadre_name or "cadre"
    scope = "sector" if channel == "service_contact" and rng.random() < 0.4 else "public"
    text = texts[int(rng.integers(0, len(texts)))]
    if channel == "hotline":
        tid, name, phone, campaign_id = v[4:]
        issue = record_issue(s, target_id=tid, category=cat, responsibility=resp, text=text,
                             urgency=urgency, actor=cadre, at=visit_at, channel="hotline",
                             campaign_id=campaign_id,
                             reporter_name=name, reporter_phone=phone, source="simulated")
    else:
        issue = record_issue(s, visit_id=visit_id, category=cat, responsibility=resp,
                             text=text, urgency=urgency, actor=cadre, source="simulated",
                             channel=channel, scope=scope)
    iid, n = issue.id, 1

    def step(action: str, at: dt.datetime, **kw: Any) -> bool:
        nonlocal n
        if at > until:
            return False
        move_issue(s, iid, action, actor=kw.pop("actor", cadre), at=at, **kw)
        n += 1
        return True

    def hours(lo: float, hi: float) -> dt.timedelta:
        return dt.timedelta(minutes=int(rng.uniform(lo, hi) * 60))

    t = visit_at + dt.timedelta(minutes=10)
    if resp == "township" and channel != "hotline" and rng.random() < 0.25:  # 即知即办
        step("solve_on_spot", t, result="现场答复并当场解决")
        if rng.random() < 0.9:
            step("rate", t + dt.timedelta(minutes=5), rating="satisfied")
        return n
    c0, c1 = classify
    t = max(t, dt.datetime.combine(c0, dt.time(9))) + hours(0, 24 * (c1 - c0).days)
    if not step("assess", t, actor="镇组织人事办"):
        return n
    if rng.random() < 0.03:
        step("close_unsolvable", t + hours(24, 240), actor="镇组织人事办",
             explanation="政策不允许，已当面向群众解释说明并取得理解")
        return n
    t += hours(2, 72)
    deadline = (t + dt.timedelta(days=days)).date()
    units = _UNITS[resp]
    if not step("hand_over", t, actor="镇社会治理综合服务中心",
                unit=units[int(rng.integers(0, len(units)))], handler="承办人",
                deadline=deadline):
        return n
    t += hours(4, 72)
    if not step("start", t, actor="承办人"):
        return n
    for _round in range(2):
        p = rng.random()
        if p < 0.65:
            done = dt.datetime.combine(deadline, dt.time(17)) - hours(0, 24 * days * 0.8)
        elif p < 0.8:
            done = dt.datetime.combine(deadline, dt.time(17)) + hours(24, 24 * 20)
        else:
            done = until + dt.timedelta(days=365)  # not yet
        done = max(done, t + dt.timedelta(hours=1))
        if done > until and dt.datetime.combine(deadline, dt.time()) < until \
                and rng.random() < 1 / 3:
            step("supervise", max(t, dt.datetime.combine(deadline, dt.time(9))
                                  + dt.timedelta(days=1)),
                 actor="镇党委督导组", reason="逾期未办结，挂牌督办")
        if not step("report", done, actor="承办人", result="已按群众诉求办理完毕"):
            return n
        t = done + hours(24, 24 * 10)
        if rng.random() < 0.85:
            step("rate", t, rating="satisfied")
            return n
        deadline = (t + dt.timedelta(days=15)).date()
        if not step("rate", t, rating="not_satisfied", reason="群众认为问题未彻底解决",
                    deadline=deadline):
            return n
        days = 15
    return n
