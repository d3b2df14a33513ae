"""What every view reads from the app and the request.

The app's store, basemap and planning jobs (set up by :func:`zoufang.web.app.create_app`
in ``app.extensions``), the logged-in viewer, date arguments, and the URL templates
map popups fetch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import current_app, request, url_for

from zoufang.web.i18n import LABELS, t
from zoufang.web.security import Viewer, current_viewer

__all__ = ["SEED_MAX", "BadArgument", "basemap", "date_arg", "parse_day", "phase_arg",
           "plan_job_options", "planning", "plausible_days", "popup_url", "store", "viewer"]


class BadArgument(ValueError):
    """A request argument that cannot be read: a 400 whose message is in the catalogue.

    ``str()`` of it is the English message (for logs and the CLI); :attr:`summary`, which
    the app's error handler shows, is the label ``bad_arg.<what>`` in the page's language.
    """

    def __init__(self, what: str, **fmt: str) -> None:
        self.what, self.fmt = what, fmt
        super().__init__(LABELS[f"bad_arg.{what}"][1].format(**fmt))

    @property
    def summary(self) -> str:
        """The message in the session's language, naming the argument and what to do."""
        return t(f"bad_arg.{self.what}", **self.fmt)


def store() -> Any:
    """Return the app's campaign store (:class:`~zoufang.campaign.store.Store`)."""
    return current_app.extensions["zoufang_store"]


def basemap() -> Any:
    """Return the app's basemap (:class:`~zoufang.web.basemaps.Basemap`)."""
    return current_app.extensions["zoufang_basemap"]


def planning() -> Any:
    """Return the app's planning jobs (:class:`~zoufang.web.jobs.Planning`)."""
    return current_app.extensions["zoufang_planning"]


def viewer() -> Viewer:
    """Return the logged-in viewer (the view is guarded by a role: there is one)."""
    v = current_viewer()
    assert v is not None
    return v


def parse_day(value: str | None, name: str = "day") -> dt.date | None:
    """Return the date ``value`` (``YYYY-MM-DD``), None when empty.

    Raises
    ------
    BadArgument
        Naming the argument ``name`` and what was expected.
    """
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadArgument("day", name=name, value=value[:40]) from None
    first, last = plausible_days()
    if not first <= day <= last:
        raise BadArgument("day_range", name=name, value=value[:40], first=first.isoformat(),
                          last=last.isoformat())
    return day


#: Years after today a date argument may lie (a campaign planned ahead).
FUTURE_YEARS = 5


def plausible_days() -> tuple[dt.date, dt.date]:
    """Return the first and last day a date argument may name.

    From :data:`~zoufang.campaign.validate.EARLIEST` (no campaign is older) to
    :data:`FUTURE_YEARS` after today: a date outside is a typing error, and a range of
    centuries would make a measure of every week run for hours.
    """
    from zoufang.campaign.validate import EARLIEST

    today = dt.date.today()
    return EARLIEST.date(), today.replace(year=today.year + FUTURE_YEARS, day=min(today.day, 28))


def phase_arg(allowed: Iterable[str], default: str | None = None,
              name: str = "phase") -> str | None:
    """Return the query argument ``name`` as a phase kind of ``allowed`` (``default`` if empty).

    Raises
    ------
    BadArgument
        An unknown phase, listing the ones allowed with their Chinese names.
    """
    from zoufang.campaign.phases import DEFAULT_PHASES

    names = {k: n for k, n, *_ in DEFAULT_PHASES}
    allowed = tuple(allowed)
    value = request.args.get(name) or default
    if value is not None and value not in allowed:
        expected = "、".join(f"{k}（{names.get(k, k)}）" for k in allowed)
        raise BadArgument("phase", name=name, value=value[:40], expected=expected)
    return value


def date_arg(name: str) -> dt.date | None:
    """Return the query argument ``name`` as a date (see :func:`parse_day`)."""
    return parse_day(request.args.get(name), name)


#: The largest seed a planning job takes (a 32-bit signed integer on every store).
SEED_MAX = 2**31 - 1


def plan_job_options(limit: Any, seed: Any) -> tuple[float, int]:
    """Return a planning job's search time (seconds) and seed from a form or JSON body.

    Empty means the app's ``PLAN_TIME_LIMIT_S`` and seed 0.

    Raises
    ------
    BadArgument
        A time that is not a number from 1 to ``PLAN_TIME_LIMIT_MAX_S`` seconds, or a seed
        that is not a whole number from 0 to :data:`SEED_MAX`.
    """
    most = float(current_app.config["PLAN_TIME_LIMIT_MAX_S"])
    try:
        if isinstance(seed, bool) or isinstance(limit, bool):
            raise ValueError
        empty = (None, "")
        secs = float(current_app.config["PLAN_TIME_LIMIT_S"] if limit in empty else limit)
        whole = 0 if seed in empty else int(float(seed))
        if seed not in empty and float(seed) != whole:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        secs, whole = -1.0, -1
    if not (1 <= secs <= most and 0 <= whole <= SEED_MAX):
        raise BadArgument("plan_options", most=f"{most:g}", seed_max=str(SEED_MAX),
                          value=f"{str(limit)[:20]} / {str(seed)[:20]}")
    return secs, whole


def popup_url(endpoint: str, **kw: Any) -> str:
    """Return the URL of ``endpoint`` with its last segment as ``{id}``, for map popups.

    ``popup_url("api.target", target_id=0)`` gives ``/api/v1/targets/{id}``.
    """
    return url_for(endpoint, **kw).rsplit("/", 1)[0] + "/{id}"
