"""How many calls a piece of code makes: tests that work is done by whole columns, not per row."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any


def calls_made(f: Callable[[], Any]) -> int:
    """How many Python and built-in functions `f` calls: row by row work makes it grow with the
    rows, whole-column work does not."""
    count = 0

    def tally(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        count += event in ("call", "c_call")

    sys.setprofile(tally)
    try:
        f()
    finally:
        sys.setprofile(None)
    return count
