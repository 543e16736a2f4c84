"""People a gang is grooming whose first payment falls after the period: warned, they are neither
victims in it nor innocent residents."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.arena import DEFAULTS
from fraudlink.arena.intervention import ActedWorld
from fraudlink.arena.outcomes import WARNING_OUTCOMES, strategy_outcome
from fraudlink.arena.truth import Truth, us
from fraudlink.model.actions import WARNING, Action, ActionLog

T0 = datetime(2026, 3, 1, tzinfo=UTC)
ROLES = {"V1": "victim", "P1": "ordinary", "P2": "ordinary", "O1": "ordinary",
         "F1": "fraudster"}  # fmt: skip


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def micros(minutes: float) -> int:
    return int(at(minutes).timestamp() * 1_000_000)


def truth(world: Path, pending: dict[str, int]) -> Truth:
    """V1 pays mule M1 once at 60 (episode 1); `pending` are targets still being groomed."""
    (world / "truth").mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"idno": list(ROLES), "role": list(ROLES.values())}),
                   world / "truth" / "person_roles.parquet")  # fmt: skip
    path = pa.table({
        "episode_id": pa.array([1], pa.int32()), "txn_id": pa.array([10], pa.int64()),
        "hop": pa.array([1], pa.int16()),
        "time": pa.array([at(60)], pa.timestamp("us", tz="UTC")),
        "from_account": ["V1acct"], "to_account": ["M1"],
        "amount_fen": pa.array([5_000], pa.int64()), "channel": ["transfer"],
    })  # fmt: skip
    episodes = pa.table({"episode_id": pa.array([1], pa.int32()), "contact_channel": ["call"],
                         "fraud_type": ["fake_customer_service"], "loss_fen": [5_000]})  # fmt: skip
    return Truth(
        episodes=episodes, money_path=path, victim=["V1"], fraud_msisdn=["13800000001"],
        report_id=[None], first_contact=np.array([micros(0)]),
        first_payment=np.array([micros(60)]), last_payment=np.array([micros(60)]),
        pay_txn=np.array([10]), pay_episode=np.array([0]), pay_time=np.array([micros(60)]),
        mule_accounts={"M1"}, abused_sims={"13800000001"}, gang_numbers={},
        n_persons=len(ROLES), n_accounts=10, world=world, pending=pending,
    )  # fmt: skip


def config() -> dict:
    cfg = copy.deepcopy(DEFAULTS)
    cfg["warning"]["reach"]["call_96110"] = 1.0
    cfg["warning"]["dissuade"]["call_96110"] = 0.0
    return cfg


def warning(target: str, minutes: float) -> Action:
    return Action(kind=WARNING, decided_at=at(minutes), target=target, target_kind="idno",
                  msisdn="13900000009", addressee="96110 desk", basis="test", evidence="test",
                  grade="medium", channel="call_96110")  # fmt: skip


def test_warned_targets_not_yet_paid_are_counted_apart_from_the_innocent(tmp_path: Path) -> None:
    # P1 is groomed from minute 100 and warned after; P2 is warned before the gang reaches them.
    tr = truth(tmp_path, {"P1": micros(100), "P2": micros(5_000)})
    assert tr.ordinary() == 1  # O1: P1 and P2 are a gang's targets
    world = ActedWorld(tr, config(), seed=1)
    actions = [warning("V1", 200), warning("P1", 200), warning("P2", 0), warning("O1", 0),
               warning("F1", 0)]  # fmt: skip
    world.on_actions(actions, at(0))
    log = ActionLog()
    log.extend(actions)
    got, _ = strategy_outcome(world, log, at(0), at(14 * 24 * 60))
    assert got["innocent_persons_warned"] == 1
    assert got["targets_not_yet_paid_warned"] == 2
    assert got["persons_warned"] == 5
    assert list(got["warning_outcomes"]) == list(WARNING_OUTCOMES)
    assert {k: v for k, v in got["warning_outcomes"].items() if v} == {
        "already_paid": 1, "not_a_victim": 3, "pending_target": 1}  # fmt: skip
    # The desk's own record is unchanged: nothing was paid yet, so it closed as not a victim.
    assert [w.case.outcome for w in world.warnings][1] == "not_a_victim"


def test_a_world_without_pending_targets_counts_as_before(tmp_path: Path) -> None:
    tr = truth(tmp_path, {})
    assert tr.ordinary() == 3
    world = ActedWorld(tr, config(), seed=1)
    actions = [warning("P1", 200), warning("O1", 0)]
    world.on_actions(actions, at(0))
    log = ActionLog()
    log.extend(actions)
    got, _ = strategy_outcome(world, log, at(0), at(60 * 24))
    assert got["innocent_persons_warned"] == 2
    assert got["targets_not_yet_paid_warned"] == 0
    assert got["warning_outcomes"]["not_a_victim"] == 2


@settings(max_examples=60, deadline=None)
@given(contact=st.integers(0, 2_000), decided=st.integers(0, 2_000))
def test_a_target_is_pending_from_the_gangs_first_contact(contact: int, decided: int) -> None:
    tr = Truth(
        episodes=pa.table({"episode_id": pa.array([], pa.int32())}),
        money_path=pa.table({"episode_id": pa.array([], pa.int32())}), victim=[],
        fraud_msisdn=[], report_id=[], first_contact=np.zeros(0, np.int64),
        first_payment=np.zeros(0, np.int64), last_payment=np.zeros(0, np.int64),
        pay_txn=np.zeros(0, np.int64), pay_episode=np.zeros(0, np.int64),
        pay_time=np.zeros(0, np.int64), mule_accounts=set(), abused_sims=set(),
        gang_numbers={}, n_persons=1, n_accounts=0, world=Path("."),
        pending={"P1": micros(contact)},
    )  # fmt: skip
    world = ActedWorld(tr, config(), seed=1)
    world.on_actions([warning("P1", decided)], at(decided))
    rec = world.warnings[0]
    attempt = decided + DEFAULTS["warning"]["delay_minutes"]["call_96110"]
    assert rec.outcome == ("pending_target" if attempt >= contact else "not_a_victim")
    assert rec.case.outcome == "not_a_victim"


def test_the_truth_of_a_simulated_world_names_its_pending_targets(tiny_world: Path) -> None:
    tr = Truth.load(tiny_world)
    table = pq.read_table(tiny_world / "truth" / "pending_episodes.parquet")
    assert table.num_rows > 0
    first: dict[str, int] = {}
    for who, t in zip(table.column("target_idno").to_pylist(),
                      us(table.column("first_contact_at")).tolist(), strict=True):  # fmt: skip
        first[who] = min(t, first.get(who, t))
    assert tr.pending == first
    assert not set(tr.pending) & set(tr.victim)
    roles = pq.read_table(tiny_world / "truth" / "person_roles.parquet")
    ordinary = roles.filter(pc.equal(roles.column("role"), "ordinary")).column("idno").to_pylist()
    assert tr.ordinary() == len(set(ordinary) - set(tr.pending)) < len(ordinary)
