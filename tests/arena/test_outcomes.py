"""Outcome figures from an action log: hand-made logs with exact answers."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa

from fraudlink.arena import DEFAULTS, outcomes
from fraudlink.arena.intervention import ActedWorld
from fraudlink.arena.outcomes import REROUTED, first_order_minutes, money_trail
from fraudlink.arena.truth import Truth
from fraudlink.model.actions import (
    FREEZE,
    NUMBER_BLOCK,
    STOP_PAYMENT,
    Action,
    ActionLog,
    StandingClaim,
)
from fraudlink.report.charts import money_trail_chart

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


def _trail_world() -> ActedWorld:
    """Victim V1 (episode 5, report R1) pays M1 twice; M1 pays M2 (cashed out) and, after its
    stop took effect, M3; the second payment comes after the gang has seen the stop."""

    def us(minutes: float) -> int:
        return int(_at(minutes).timestamp() * 1e6)

    rows = [  # txn, hop, minutes, from, to, fen
        (10, 1, 60, "V1acct", "M1", 100_000),
        (20, 2, 70, "M1", "M2", 30_000),
        (21, 2, 75, "M1", "M2", 30_000),
        (30, 3, 80, "M2", None, 60_000),
        (22, 2, 200, "M1", "M3", 40_000),  # after the stop: never happens
        (11, 1, 300, "V1acct", "M1", 5_000),  # re-routed: M1 stopped since 120
    ]
    path = pa.table({
        "episode_id": pa.array([5] * len(rows), pa.int32()),
        "txn_id": pa.array([r[0] for r in rows], pa.int64()),
        "hop": pa.array([r[1] for r in rows], pa.int32()),
        "time": pa.array([_at(r[2]) for r in rows], pa.timestamp("us", tz="UTC")),
        "from_account": [r[3] for r in rows], "to_account": [r[4] for r in rows],
        "amount_fen": pa.array([r[5] for r in rows], pa.int64()),
        "channel": ["transfer"] * 3 + ["atm_cash_out"] + ["transfer"] * 2,
    })  # fmt: skip
    episodes = pa.table({"episode_id": pa.array([5], pa.int32()), "contact_channel": ["call"],
                         "fraud_type": ["fake_customer_service"],
                         "loss_fen": [105_000]})  # fmt: skip
    truth = Truth(
        episodes=episodes, money_path=path, victim=["V1"], fraud_msisdn=["13800000001"],
        report_id=["R1"], first_contact=np.array([us(0)]), first_payment=np.array([us(60)]),
        last_payment=np.array([us(300)]), pay_txn=np.array([10, 11]),
        pay_episode=np.array([0, 0]), pay_time=np.array([us(60), us(300)]),
        mule_accounts={"M1", "M2", "M3"}, abused_sims=set(), gang_numbers={},
        n_persons=10, n_accounts=10, world=Path("."),
    )  # fmt: skip
    world = ActedWorld(truth, copy.deepcopy(DEFAULTS), seed=1)
    world.on_actions([_order(STOP_PAYMENT, 100, "M1", "R1")], _at(100))  # in effect at 120
    return world


def test_the_money_trail_is_the_acted_world_and_shows_what_the_stops_hold() -> None:
    world = _trail_world()
    trail = money_trail(world, "full")
    stops = {a: t.isoformat() for a, t in world.stops.items()}
    assert stops == {"M1": _at(120).isoformat()}
    for h in trail["hops"]:
        assert h["from"] not in stops or h["time"] < stops[h["from"]], h
    assert [(h["from"], h["to"], h["amount_fen"]) for h in trail["hops"]] == [
        ("V1acct", "M1", 100_000), ("M1", "M2", 30_000), ("M1", "M2", 30_000),
        ("M2", None, 60_000), ("V1acct", REROUTED, 5_000)]  # fmt: skip
    per_episode, _ = outcomes._follow(world)
    assert trail["held"] == [{"account": "M1", "amount_fen": 40_000}]
    assert trail["intercepted_fen"] == per_episode.column("intercepted_fen")[0].as_py() == 40_000

    svg = money_trail_chart(trail)
    assert "2 transfers, ¥600.00" in svg and "×" not in svg
    assert "holds ¥400.00" in svg and "re-routed card" in svg
    title = "Money trail of the victim of episode 5: fake customer service"
    assert title in svg and title + " [episode 5" not in svg
