"""Time as the centre uses it: UTC in storage, China time (UTC+8) on display."""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "UTC+8")


def china_time(at: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant as investigators read it, in China time; empty when there is none."""
    return at.astimezone(CHINA).strftime(fmt) if at is not None else ""
