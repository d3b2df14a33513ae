"""Township, campaign and phase resolution (:mod:`zoufang.campaign.store.lookup`)."""

from __future__ import annotations

import pytest

from zoufang._errors import ValidationError
from zoufang.campaign.phases import create_campaign
from zoufang.campaign.store import Store, Township
from zoufang.campaign.store.lookup import (
    LookupRefused,
    campaign_id_or_none,
    campaign_of,
    newest_campaign_id,
    phase_of,
    resolve_campaign,
    township_of,
)


def _towns(store: Store, *names: str) -> dict[str, int]:
    with store.session() as s:
        rows = [Township(name=n) for n in names]
        s.add_all(rows)
        s.flush()
        return {t.name: t.id for t in rows}


def test_township_named_only_or_refused(store: Store) -> None:
    """The only township is the default; an empty store or two townships need a name."""
    with store.session() as s:
        with pytest.raises(LookupRefused, match="the store is empty"):
            township_of(s)
    _towns(store, "甲镇")
    with store.session() as s:
        assert township_of(s).name == "甲镇"
    _towns(store, "乙镇")
    with store.session() as s:
        with pytest.raises(LookupRefused, match=r"several townships \(甲镇, 乙镇\)") as err:
            township_of(s)
        assert err.value.problems[0].field == "township"
        assert township_of(s, "乙镇").name == "乙镇"
        with pytest.raises(ValueError, match="no township '丙镇'; the store has 甲镇, 乙镇"):
            township_of(s, "丙镇")


def test_campaign_by_name_id_or_newest(store: Store) -> None:
    """A campaign is found by name or id, else the newest; unknown names list the others."""
    tid = _towns(store, "甲镇")["甲镇"]
    with store.session() as s:
        town = s.get(Township, tid)
        assert town is not None
        with pytest.raises(LookupRefused, match="has no campaign yet"):
            campaign_of(s, town)
        assert campaign_id_or_none(s, town) is None  # visits may precede any campaign
        assert newest_campaign_id(s, tid) is None
        first = create_campaign(s, tid, "2022年大走访", year=2022)
        second = create_campaign(s, tid, "2023年大走访", year=2023)
        assert campaign_of(s, town).id == second.id == newest_campaign_id(s, tid)
        assert campaign_of(s, town, "2022年大走访").id == first.id
        assert campaign_of(s, town, str(first.id)).id == first.id
        assert campaign_id_or_none(s, town, "2022年大走访") == first.id
        with pytest.raises(LookupRefused, match="2022年大走访, 2023年大走访"):
            campaign_id_or_none(s, town, "2024年大走访")
        assert resolve_campaign(s, campaign="2022年大走访").id == first.id


def test_phase_of_kind_or_refused(store: Store) -> None:
    """A phase is found by kind; a missing kind names the campaign's phases."""
    tid = _towns(store, "甲镇")["甲镇"]
    with store.session() as s:
        camp = create_campaign(s, tid, "2022年大走访", year=2022)
        push = phase_of(camp, "push")
        assert (push.name, push.start.isoformat(), push.end.isoformat()) == (
            "集中走访", "2022-03-01", "2022-03-10")
        with pytest.raises(ValidationError, match="has no 'harvest' phase") as err:
            phase_of(camp, "harvest")
        assert "visit (走访排查)" in err.value.problems[0].message
