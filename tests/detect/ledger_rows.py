"""Payments drawn for the mule ledger's tests: a few hours across the night's end, amounts either
side of each line the ledger figures count."""

from __future__ import annotations

import datetime as dt

from fraudlink.detect.accounts_features import LARGE_INFLOW_FEN, ROUND_FEN

T0 = dt.datetime(2026, 3, 1, 20, tzinfo=dt.UTC)  # 04:00 China time: the night ends two hours in
# Amounts either side of the large-inflow and whole-hundreds lines.
AMOUNTS = [1, 99, ROUND_FEN, 3 * ROUND_FEN, LARGE_INFLOW_FEN - 1, LARGE_INFLOW_FEN,
           LARGE_INFLOW_FEN + ROUND_FEN]  # fmt: skip
# (payer, payee or None for a cash out, minute, µs, fen, channel)
Row = tuple[str, str | None, int, int, int, str]


def at(minute: int, us: int = 0) -> dt.datetime:
    """A time in the test's four hours."""
    return T0 + dt.timedelta(minutes=minute, microseconds=us)
