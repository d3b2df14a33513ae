"""Small helpers every layer uses: natural sort keys and the process-pool start method."""

from __future__ import annotations

import multiprocessing as mp
import re
from multiprocessing.context import BaseContext

__all__ = ["mp_context", "natural_key"]

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> list[int | str]:
    """Sort key that orders ``G2`` before ``G10`` and ``2-3`` before ``2-10``."""
    return [int(p) if p.isdigit() else p for p in _DIGITS.split(text)]


def mp_context() -> BaseContext:
    """Return the start method for worker pools: ``fork`` where there is one, else ``spawn``."""
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
