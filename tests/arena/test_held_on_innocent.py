"""Victims' money an order holds on an ordinary holder's account is not intercepted: it is the
holder's (a seller paid for goods), returned to no victim, and counted as harm."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.arena import DEFAULTS
from fraudlink.arena.intervention import ActedWorld
from fraudlink.arena.outcomes import money_trail, split_held, strategy_outcome
from fraudlink.arena.truth import Truth
from fraudlink.model.actions import STOP_PAYMENT, Action, ActionLog

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def micros(minutes: float) -> int:
    return int(at(minutes).timestamp() * 1_000_000)


def truth(world: Path) -> Truth:
    """V1 pays mule M1 5,000 fen at 60; M1 buys goods from seller S1 for 3,000 at 90."""
    (world / "truth").mkdir(parents=True, exist_ok=True)
    roles = {"V1": "victim", "S": "ordinary", "F1": "fraudster"}
    pq.write_table(pa.table({"idno": list(roles), "role": list(roles.values())}),
                   world / "truth" / "person_roles.parquet")  # fmt: skip
    ts = pa.timestamp("us", tz="UTC")
    path = pa.table({
        "episode_id": pa.array([1, 1], pa.int32()), "txn_id": pa.array([10, 11], pa.int64()),
        "hop": pa.array([1, 2], pa.int16()), "time": pa.array([at(60), at(90)], ts),
        "from_account": ["V1acct", "M1"], "to_account": ["M1", "S1"],
        "amount_fen": pa.array([5_000, 3_000], pa.int64()), "channel": ["transfer", "pos"],
    })  # fmt: skip
    episodes = pa.table({"episode_id": pa.array([1], pa.int32()), "contact_channel": ["call"],
                         "fraud_type": ["fake_customer_service"], "loss_fen": [5_000]})  # fmt: skip
    return Truth(
        episodes=episodes, money_path=path, victim=["V1"], fraud_msisdn=["13800000001"],
        report_id=["R1"], first_contact=np.array([micros(0)]),
        first_payment=np.array([micros(60)]), last_payment=np.array([micros(90)]),
        pay_txn=np.array([10]), pay_episode=np.array([0]), pay_time=np.array([micros(60)]),
        mule_accounts={"M1"}, abused_sims={"13800000001"}, gang_numbers={},
        n_persons=3, n_accounts=10, world=world,
    )  # fmt: skip


def stop(account: str, minutes: float) -> Action:
    return Action(kind=STOP_PAYMENT, decided_at=at(minutes), target=account,
                  target_kind="account", addressee="B1", basis="test", evidence="test",
                  amount_fen=5_000, report_ids=("R1",), claims=(("R1", 5_000),))  # fmt: skip


def acted(tmp_path: Path, accounts: list[str]) -> tuple[ActedWorld, ActionLog]:
    world = ActedWorld(truth(tmp_path), copy.deepcopy(DEFAULTS), seed=1)
    actions = [stop(a, 120) for a in accounts]
    world.on_actions(actions, at(120))
    log = ActionLog()
    log.extend(actions)
    return world, log


def outcome(tmp_path: Path, accounts: list[str]) -> dict:
    got, _ = strategy_outcome(*acted(tmp_path, accounts), at(0), at(24 * 60))
    return got


def test_the_report_trail_shows_the_sellers_takings_apart(tmp_path: Path) -> None:
    world, _ = acted(tmp_path, ["M1", "S1"])
    trail = money_trail(world, "full")
    assert trail["held"] == [{"account": "M1", "amount_fen": 2_000}]
    assert trail["held_on_innocent"] == [{"account": "S1", "amount_fen": 3_000}]
    assert trail["intercepted_fen"] == 2_000


def test_money_held_on_an_innocent_seller_is_harm_not_interception(tmp_path: Path) -> None:
    got = outcome(tmp_path, ["M1", "S1"])
    assert got["intercepted_fen"] == 2_000  # what the mule kept of the victim's 5,000
    assert got["held_on_innocent_fen"] == 3_000  # the seller's takings, frozen
    assert got["prevented_or_intercepted_share"] == 2_000 / 5_000
    assert got["loss_fen"] == 3_000
    # Only the mule's balance goes back; the seller's is released to the seller.
    assert got["returned_fen"] == got["returned_to_right_victim_fen"] == 2_000
    assert got["innocent_accounts_stopped"] == 1


def test_stopping_only_the_mule_counts_the_same_interception(tmp_path: Path) -> None:
    got = outcome(tmp_path, ["M1"])
    assert (got["intercepted_fen"], got["held_on_innocent_fen"]) == (2_000, 0)
    assert got["innocent_accounts_stopped"] == 0


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["M1", "M2", "S1", "S2"]),
                               st.integers(0, 10**9)), max_size=12))  # fmt: skip
def test_held_money_splits_exactly_by_holder(rows: list[tuple[str, int]]) -> None:
    held = pa.table({"episode_id": pa.array([1] * len(rows), pa.int32()),
                     "account": pa.array([a for a, _ in rows], pa.string()),
                     "amount_fen": pa.array([f for _, f in rows], pa.int64())})  # fmt: skip
    mules, innocent = split_held(held, {"M1", "M2"})
    assert mules.num_rows + innocent.num_rows == held.num_rows
    assert sum(mules["amount_fen"].to_pylist()) + sum(innocent["amount_fen"].to_pylist()) == sum(
        f for _, f in rows
    )
    assert set(mules["account"].to_pylist()) <= {"M1", "M2"}
    assert not set(innocent["account"].to_pylist()) & {"M1", "M2"}
