"""Constants and vocabulary labels shared by the modules of the demo generator.

The township's name and centre, the local metric CRS every module draws in, the minutes
per visit that size the cadre roster, and the Chinese labels of kinds, tags and ranks,
taken from :mod:`zoufang.vocab` so that every file uses the words the importer recognises.
"""

from __future__ import annotations

from typing import Any, Final

from numpy.typing import NDArray

from zoufang.vocab import KINDS, RANKS, TARGET_TAGS, VILLAGE_TAGS

__all__ = [
    "CENTRE",
    "HOUSEHOLD_MINUTES",
    "LOCAL_CRS",
    "PUSH_DAYS",
    "RANK",
    "RESETTLEMENT",
    "TAG",
    "TOWNSHIP",
    "UNIT_MINUTES",
    "WEAK_VILLAGE",
    "Arr",
    "K_CLINIC",
    "K_ENTERPRISE",
    "K_FARMER",
    "K_HEALTH_CENTRE",
    "K_MARKET",
    "K_ORGAN",
    "K_PUBLIC",
    "K_RESIDENT",
    "K_SCHOOL",
    "K_SHOP",
    "K_VILLAGE_CLINIC",
]

#: A numpy array of any shape and dtype (coordinates are float64 metres).
Arr = NDArray[Any]

#: Name of the fictional township.
TOWNSHIP: Final = "示范镇"
#: Centre of the township, WGS-84 degrees (lon, lat).
CENTRE: Final = (116.6, 37.4)
#: The local transverse Mercator projection (metres) centred on the township.
LOCAL_CRS: Final = (
    f"+proj=tmerc +lat_0={CENTRE[1]} +lon_0={CENTRE[0]} +k=1 +x_0=0 +y_0=0 "
    "+datum=WGS84 +units=m +no_defs"
)

#: Minutes per visit used to size the cadre roster (DOMAIN.md: households are visited in
#: the evening, about 20 minutes each; enterprises and other units about 40 minutes).
HOUSEHOLD_MINUTES: Final = 20
UNIT_MINUTES: Final = 40
#: Days of the push (集中走访) the roster is sized for.
PUSH_DAYS: Final = 10

#: Chinese labels (the first name in :mod:`zoufang.vocab`) of the target tags by code, of
#: the two village tags used, and of the ranks by code.
TAG = {code: names[0] for code, names in TARGET_TAGS.items()}
WEAK_VILLAGE: Final = VILLAGE_TAGS["weak_village"][0]
RESETTLEMENT: Final = VILLAGE_TAGS["resettlement_community"][0]
RANK = {code: names[0] for code, (_level, names) in RANKS.items()}


def _kind(code: str, label: str) -> str:
    """Return ``label`` after checking the vocabulary knows it as kind ``code``."""
    if label not in KINDS[code]:  # pragma: no cover - guards against vocabulary drift
        raise ValueError(f"{label!r} is not a name of kind {code!r}")
    return label


#: Chinese labels of the kinds of target the demo writes in 类型.
K_RESIDENT = _kind("household", "居民家庭")
K_FARMER = _kind("household", "农户")
K_ENTERPRISE = _kind("enterprise", "企业")
K_SHOP = _kind("shop", "商铺")
K_SCHOOL = _kind("school", "学校")
K_HEALTH_CENTRE = _kind("hospital", "卫生院")
K_VILLAGE_CLINIC = _kind("hospital", "卫生室")
K_CLINIC = _kind("hospital", "诊所")
K_MARKET = _kind("market", "农贸市场")
K_ORGAN = _kind("institution", "机关")
K_PUBLIC = _kind("institution", "事业单位")
