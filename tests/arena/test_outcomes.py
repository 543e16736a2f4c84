"""Outcome figures from an action log: hand-made logs with exact answers."""

from __future__ import annotations

import datetime as dt

import numpy as np

from fraudlink.arena.outcomes import first_order_minutes
from fraudlink.model.actions import (
    FREEZE,
    NUMBER_BLOCK,
    STOP_PAYMENT,
    Action,
    ActionLog,
    StandingClaim,
)

T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)


def _at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _order(kind: str, minutes: float, target: str, *reports: str) -> Action:
    return Action(kind=kind, decided_at=_at(minutes), target=target, target_kind="account",
                  addressee="bank", basis="test", evidence="test", report_ids=reports)  # fmt: skip


def test_the_first_order_holding_a_victims_money_counts_a_claim_on_a_standing_order() -> None:
    log = ActionLog()
    log.extend([
        _order(FREEZE, 60, "A", "r1"),
        _order(STOP_PAYMENT, 120, "B", "r1", "r2"),
        _order(NUMBER_BLOCK, 5, "13800000000", "r4"),  # not an order on money
    ])  # fmt: skip
    log.standing_claims = [
        StandingClaim("A", "r2", 500, _at(30)),  # r2's money found on A, frozen for r1
        StandingClaim("A", "r2", 500, _at(90)),  # the same claim found again by a re-trace
        StandingClaim("A", "r3", 0, _at(10)),  # nothing of r3's is held there
    ]
    reports = ["r1", "r2", "r3", "r4", None]
    paid = np.full(len(reports), int(T0.timestamp() * 1e6), np.int64)
    paid[0] -= 15 * 60_000_000  # r1's victim paid a quarter of an hour before T0
    assert first_order_minutes(log, reports, paid) == [75.0, 30.0]


def test_without_standing_claims_only_new_orders_count() -> None:
    log = ActionLog()
    log.extend([_order(STOP_PAYMENT, 45, "B", "r2")])
    paid = np.full(2, int(T0.timestamp() * 1e6), np.int64)
    assert first_order_minutes(log, ["r1", "r2"], paid) == [45.0]
