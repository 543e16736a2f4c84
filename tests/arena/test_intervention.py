"""The world's answer to the actions: stops, warnings, blocks and re-verification, in time."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from fraudlink.arena import DEFAULTS
from fraudlink.arena.intervention import ActedWorld
from fraudlink.arena.truth import Truth
from fraudlink.engine import Batch
from fraudlink.model.actions import FREEZE, NUMBER_BLOCK, REVERIFY, STOP_PAYMENT, WARNING, Action

T0 = datetime(2026, 3, 1, tzinfo=UTC)
US = 1_000_000


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def us(minutes: float) -> int:
    return int(at(minutes).timestamp() * US)


def truth() -> Truth:
    """Two episodes of gang 1: victim V1 pays at 60 and 120 minutes (report R1), V2 at 600."""
    episodes = pa.table({"episode_id": pa.array([1, 2], pa.int32()),
                         "contact_channel": ["call", "sms"], "fraud_type": ["x", "x"],
                         "loss_fen": [300, 50]})  # fmt: skip
    return Truth(
        episodes=episodes,
        money_path=pa.table({"episode_id": pa.array([], pa.int32())}),
        victim=["V1", "V2"],
        fraud_msisdn=["13800000001", "13800000001"],
        report_id=["R1", None],
        first_contact=np.array([us(0), us(500)]),
        first_payment=np.array([us(60), us(600)]),
        last_payment=np.array([us(120), us(600)]),
        pay_txn=np.array([10, 11, 12]),
        pay_episode=np.array([0, 0, 1]),
        pay_time=np.array([us(60), us(120), us(600)]),
        mule_accounts={"M1"},
        abused_sims={"13800000001", "13800000002"},
        gang_numbers={1: ["13800000001", "13800000002"]},
        n_persons=10,
        n_accounts=10,
        world=Path("."),
    )


def config(**warning: dict[str, float]) -> dict:
    cfg = copy.deepcopy(DEFAULTS)
    cfg["warning"].update(warning)
    return cfg


def txns(rows: list[tuple[int, float, str, str]]) -> pa.Table:
    return pa.table({"txn_id": [r[0] for r in rows],
                     "time": pa.array([at(r[1]) for r in rows], pa.timestamp("us", tz="UTC")),
                     "from_account": [r[2] for r in rows], "to_account": [r[3] for r in rows],
                     "amount_fen": [1] * len(rows)})  # fmt: skip


def batch(**events: pa.Table) -> Batch:
    return Batch(T0, at(1000), dict(events))


def order(kind: str, target: str, minutes: float, inst: str = "ICBC") -> Action:
    return Action(kind=kind, decided_at=at(minutes), target=target, target_kind="account",
                  addressee=inst, basis="test", evidence="test")  # fmt: skip


def test_a_stopped_account_pays_nothing_out_once_the_stop_takes_effect() -> None:
    w = ActedWorld(truth(), config(), seed=1)
    w.on_actions([order(STOP_PAYMENT, "M1", 0)], at(0))  # takes effect after 20 minutes
    t = txns([(1, 10, "M1", "X"), (2, 30, "M1", "X"), (3, 30, "X", "M1")])
    got = w.filter(batch(transactions=t)).events["transactions"]
    assert got.column("txn_id").to_pylist() == [1, 3]
    assert w.stops["M1"] == at(20)


def test_the_institution_delay_overrides_the_kind_delay() -> None:
    cfg = config()
    cfg["orders"]["institution_minutes"] = {"FAST": 1.0}
    w = ActedWorld(truth(), cfg, seed=1)
    w.on_actions([order(FREEZE, "M1", 0, "FAST"), order(FREEZE, "M2", 0)], at(0))
    assert w.stops == {"M1": at(1), "M2": at(60)}


def warning(target: str, minutes: float, msisdn: str | None = "13900000009") -> Action:
    return Action(kind=WARNING, decided_at=at(minutes), target=target, target_kind="idno",
                  msisdn=msisdn, addressee="96110 desk", basis="test", evidence="test",
                  grade="medium", channel="call_96110")  # fmt: skip


def test_a_dissuaded_victim_stops_paying_and_their_later_payments_vanish() -> None:
    sure = {"reach": {"call_96110": 1.0}, "dissuade": {"call_96110": 1.0}}
    w = ActedWorld(truth(), config(**sure), seed=1)
    w.on_actions([warning("V1", 80)], at(80))  # reached at 90: after payment 1, before 2
    rec = w.warnings[0]
    assert rec.case.outcome == "dissuaded" and rec.reached_at == at(90)
    t = txns([(10, 60, "V1acct", "M1"), (11, 120, "V1acct", "M1"), (99, 120, "A", "B")])
    assert w.filter(batch(transactions=t)).events["transactions"].column(
        "txn_id").to_pylist() == [10, 99]  # fmt: skip


def test_a_victim_dissuaded_before_paying_never_reports() -> None:
    sure = {"reach": {"call_96110": 1.0}, "dissuade": {"call_96110": 1.0}}
    w = ActedWorld(truth(), config(**sure), seed=1)
    w.on_actions([warning("V1", 10)], at(10))
    reports = pa.table({"report_id": ["R1", "R9"]})
    indicators = pa.table({"report_id": ["R1", "R9"], "kind": ["phone"] * 2, "value": ["1", "2"]})
    got = w.filter(batch(victim_reports=reports, report_indicators=indicators)).events
    assert got["victim_reports"].column("report_id").to_pylist() == ["R9"]
    assert got["report_indicators"].column("report_id").to_pylist() == ["R9"]


def test_warning_outcomes_follow_the_truth() -> None:
    sure = {"reach": {"call_96110": 1.0}, "dissuade": {"call_96110": 0.0}}
    w = ActedWorld(truth(), config(**sure), seed=1)
    w.on_actions([warning("NOBODY", 0), warning("V1", 200), warning("V2", 510)], at(0))
    assert [r.case.outcome for r in w.warnings] == ["not_a_victim", "already_paid",
                                                     "not_dissuaded"]  # fmt: skip
    never = ActedWorld(truth(), config(reach={"call_96110": 0.0}), seed=1)
    never.on_actions([warning("V1", 80)], at(80))
    assert never.warnings[0].case.outcome == "unreachable"
    assert never.warnings[0].reached_at is None
    no_phone = ActedWorld(truth(), config(**sure), seed=1)  # a call needs a number to ring
    no_phone.on_actions([warning("V1", 80, msisdn=None)], at(80))
    assert no_phone.warnings[0].case.outcome == "unreachable"


def test_a_warning_reaching_a_victim_already_dissuaded_is_not_already_paid() -> None:
    sure = {"reach": {"call_96110": 1.0}, "dissuade": {"call_96110": 1.0}}
    w = ActedWorld(truth(), config(**sure), seed=1)
    # V1 is reached at 40 and dissuaded before paying; the later warnings find them dissuaded,
    # during what would have been the episode (90) and after it (210). V2 paid unwarned.
    w.on_actions([warning("V1", 30), warning("V1", 80), warning("V1", 200),
                  warning("V2", 700)], at(30))  # fmt: skip
    outcomes = [r.case.outcome for r in w.warnings]
    assert outcomes == ["dissuaded", "already_dissuaded", "already_dissuaded", "already_paid"]
    assert w.dissuaded_at[0] == us(40)  # the first warning's time stands


def calls(rows: list[tuple[int, float, str]]) -> pa.Table:
    return pa.table({"call_id": [r[0] for r in rows],
                     "time": pa.array([at(r[1]) for r in rows], pa.timestamp("us", tz="UTC")),
                     "caller": [r[2] for r in rows],
                     "callee": ["13900000000"] * len(rows)})  # fmt: skip


def block(number: str, minutes: float, kind: str = NUMBER_BLOCK) -> Action:
    return Action(kind=kind, decided_at=at(minutes), target=number, target_kind="msisdn",
                  addressee="CMCC", basis="test", evidence="test")  # fmt: skip


def test_a_blocked_line_moves_to_a_spare_and_then_falls_silent() -> None:
    w = ActedWorld(truth(), config(), seed=1)
    w.on_actions([block("13800000001", 0)], at(0))  # effective at 30 minutes
    c = calls([(1, 10, "13800000001"), (2, 40, "13800000001"), (3, 40, "13700000000")])
    got = w.filter(batch(calls=c)).events["calls"]
    assert got.column("caller").to_pylist() == ["13800000001", "13800000002", "13700000000"]
    w.on_actions([block("13800000002", 50)], at(50))  # the gang has no line left
    c = calls([(4, 100, "13800000001"), (5, 100, "13800000002")])
    assert w.filter(batch(calls=c)).events["calls"].num_rows == 0


def test_re_verification_blocks_abused_cards_and_spares_most_honest_holders() -> None:
    cfg = config()
    cfg["numbers"]["innocent_reverify"] = 1.0
    w = ActedWorld(truth(), cfg, seed=1)
    w.on_actions([block("13800000002", 0, REVERIFY), block("13000000000", 0, REVERIFY)], at(0))
    assert w.blocks == {"13800000002": at(24 * 60)}
    cfg["numbers"]["innocent_reverify"] = 0.0
    w = ActedWorld(truth(), cfg, seed=1)
    w.on_actions([block("13000000000", 0, REVERIFY)], at(0))
    assert "13000000000" in w.blocks
