"""Counterfactual money accounting: hand-made paths with exact figures, properties, a real world."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.arena.money import follow_money, return_to_victims, summarise

T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
TS = pa.timestamp("us", tz="UTC")
PATH = pa.schema(
    [
        ("episode_id", pa.int32()),
        ("txn_id", pa.int64()),
        ("hop", pa.int16()),
        ("time", TS),
        ("from_account", pa.string()),
        ("to_account", pa.string()),
        ("amount_fen", pa.int64()),
        ("channel", pa.string()),
    ]
)

Row = tuple[int, int, int, float, str, str | None, int]  # episode, txn, hop, minute, from, to, fen


def path(rows: Sequence[Row]) -> pa.Table:
    """A money_path table from (episode, txn, hop, minute after T0, from, to, amount_fen)."""
    return pa.Table.from_pylist(
        [
            {
                "episode_id": ep,
                "txn_id": txn,
                "hop": hop,
                "time": T0 + dt.timedelta(minutes=minute),
                "from_account": src,
                "to_account": dst,
                "amount_fen": fen,
                "channel": "transfer" if dst is not None else "atm_cash_out",
            }
            for ep, txn, hop, minute, src, dst, fen in rows
        ],
        schema=PATH,
    )


def stops(rows: Sequence[tuple[str, float]] = ()) -> pa.Table:
    """A stops table from (account, minute after T0)."""
    return pa.table(
        {
            "account": pa.array([a for a, _ in rows], pa.string()),
            "effective_at": pa.array([T0 + dt.timedelta(minutes=m) for _, m in rows], TS),
        }
    )


def claims(rows: Sequence[tuple[str, int, int]]) -> pa.Table:
    """A claims table from (account, episode_id, claim_fen)."""
    return pa.table(
        {
            "account": pa.array([r[0] for r in rows], pa.string()),
            "episode_id": pa.array([r[1] for r in rows], pa.int32()),
            "claim_fen": pa.array([r[2] for r in rows], pa.int64()),
        }
    )


def figures(per_episode: pa.Table) -> dict[int, tuple[int, int, int, int, int]]:
    """Per episode: (loss, prevented, intercepted, cashed out, remaining)."""
    return {
        r["episode_id"]: (
            r["loss_fen"],
            r["prevented_fen"],
            r["intercepted_fen"],
            r["cashed_out_fen"],
            r["remaining_fen"],
        )
        for r in per_episode.to_pylist()
    }


def held_rows(held: pa.Table) -> list[tuple[int, str, int]]:
    return [(r["episode_id"], r["account"], r["amount_fen"]) for r in held.to_pylist()]


def assert_conserved(per_episode: pa.Table) -> None:
    for ep, (loss, prevented, intercepted, cashed, remaining) in figures(per_episode).items():
        assert min(loss, prevented, intercepted, cashed, remaining) >= 0, ep
        assert loss == prevented + intercepted + cashed + remaining, ep


# A victim pays mule A; A splits to B and C; B cashes out; C buys at merchant M and cashes out.
SIMPLE = path(
    [
        (1, 1, 1, 0, "V", "A", 10_000),
        (1, 2, 2, 10, "A", "B", 6_000),
        (1, 3, 2, 20, "A", "C", 4_000),
        (1, 4, 3, 30, "B", None, 6_000),
        (1, 5, 3, 40, "C", "M", 1_000),
        (1, 6, 3, 50, "C", None, 3_000),
    ]
)


def test_no_actions_everything_cashed_out_or_remaining() -> None:
    per_episode, held = follow_money(SIMPLE, set(), stops())
    assert figures(per_episode) == {1: (10_000, 0, 0, 9_000, 1_000)}
    assert held.num_rows == 0


def test_stop_on_level_one_mule_before_outflow_keeps_everything() -> None:
    per_episode, held = follow_money(SIMPLE, set(), stops([("A", 5)]))
    assert figures(per_episode) == {1: (10_000, 0, 10_000, 0, 0)}
    assert held_rows(held) == [(1, "A", 10_000)]


def test_stop_effective_at_the_outflow_time_blocks_it() -> None:
    per_episode, _ = follow_money(SIMPLE, set(), stops([("A", 10)]))
    assert figures(per_episode) == {1: (10_000, 0, 10_000, 0, 0)}


def test_stop_after_the_money_left_intercepts_nothing() -> None:
    per_episode, held = follow_money(SIMPLE, set(), stops([("A", 25), ("B", 35)]))
    assert figures(per_episode) == {1: (10_000, 0, 0, 9_000, 1_000)}
    assert held.num_rows == 0


def test_stop_after_partial_outflow_keeps_exactly_the_rest() -> None:
    per_episode, held = follow_money(SIMPLE, set(), stops([("A", 15)]))
    assert figures(per_episode) == {1: (10_000, 0, 4_000, 6_000, 0)}
    assert held_rows(held) == [(1, "A", 4_000)]


def test_earliest_of_several_stops_counts() -> None:
    per_episode, _ = follow_money(SIMPLE, set(), stops([("A", 100), ("A", 15), ("A", 60)]))
    assert figures(per_episode) == {1: (10_000, 0, 4_000, 6_000, 0)}


def test_money_arriving_after_the_stop_is_intercepted() -> None:
    per_episode, held = follow_money(SIMPLE, set(), stops([("C", -60)]))
    assert figures(per_episode) == {1: (10_000, 0, 4_000, 6_000, 0)}
    assert held_rows(held) == [(1, "C", 4_000)]


def test_stop_on_the_victims_own_account_changes_nothing() -> None:
    per_episode, _ = follow_money(SIMPLE, set(), stops([("V", -60)]))
    assert figures(per_episode) == {1: (10_000, 0, 0, 9_000, 1_000)}


def test_prevented_payment_carries_proportionally_less_downstream() -> None:
    two_payments = path(
        [
            (1, 1, 1, 0, "V", "A", 6_000),
            (1, 2, 1, 5, "V", "A", 4_000),
            (1, 3, 2, 10, "A", "B", 3_333),
            (1, 4, 2, 20, "A", "C", 6_667),
            (1, 5, 3, 30, "B", None, 3_333),
            (1, 6, 3, 40, "C", None, 6_667),
        ]
    )
    per_episode, held = follow_money(two_payments, pa.array([1], pa.int64()), stops())
    # A received 4,000 of 10,000 planned: B gets floor(3,333 × 0.4) = 1,333, C floor(2,666.8);
    # the fen the floors leave stays in A, which nobody stopped.
    assert figures(per_episode) == {1: (10_000, 6_000, 0, 3_999, 1)}
    assert held.num_rows == 0


def test_prevented_ids_of_later_hops_are_ignored() -> None:
    per_episode, _ = follow_money(SIMPLE, {2, 4}, stops())
    assert figures(per_episode) == {1: (10_000, 0, 0, 9_000, 1_000)}


def test_every_payment_prevented_moves_nothing() -> None:
    per_episode, held = follow_money(SIMPLE, {1}, stops([("A", 5)]))
    assert figures(per_episode) == {1: (10_000, 10_000, 0, 0, 0)}
    assert held.num_rows == 0


def test_stop_upstream_starves_downstream() -> None:
    # B receives from A (stopped mid-way) and from D (free): B pays on only what arrived.
    rows = path(
        [
            (1, 1, 1, 0, "V", "A", 8_000),
            (1, 2, 1, 1, "W", "D", 2_000),
            (1, 3, 2, 10, "A", "B", 4_000),
            (1, 4, 2, 20, "A", "B", 4_000),
            (1, 5, 2, 21, "D", "B", 2_000),
            (1, 6, 3, 30, "B", None, 10_000),
        ]
    )
    per_episode, held = follow_money(rows, set(), stops([("A", 15)]))
    # B: 6,000 of 10,000 planned arrived, so its cash-out carries 6,000.
    assert figures(per_episode) == {1: (10_000, 0, 4_000, 6_000, 0)}
    assert held_rows(held) == [(1, "A", 4_000)]


def test_episodes_sharing_an_account_are_held_apart() -> None:
    rows = path(
        [
            (1, 1, 1, 0, "V1", "A", 5_000),
            (2, 2, 1, 1, "V2", "A", 3_000),
            (1, 3, 2, 10, "A", None, 5_000),
            (2, 4, 2, 11, "A", None, 3_000),
        ]
    )
    per_episode, held = follow_money(rows, set(), stops([("A", 10.5)]))
    assert figures(per_episode) == {1: (5_000, 0, 0, 5_000, 0), 2: (3_000, 0, 3_000, 0, 0)}
    assert held_rows(held) == [(2, "A", 3_000)]


def test_outflow_without_a_recorded_inflow_moves_nothing() -> None:
    rows = path([(1, 1, 1, 5, "V", "A", 1_000), (1, 2, 2, 0, "X", None, 700)])
    per_episode, _ = follow_money(rows, set(), stops())
    assert figures(per_episode) == {1: (1_000, 0, 0, 0, 1_000)}


def test_empty_path() -> None:
    per_episode, held = follow_money(path([]), set(), stops([("A", 0)]))
    assert per_episode.num_rows == 0 and held.num_rows == 0


def test_return_to_victims_whole_claims_when_covered() -> None:
    held = pa.table(
        {
            "episode_id": pa.array([1, 2], pa.int32()),
            "account": ["A", "A"],
            "amount_fen": pa.array([6_000, 4_000], pa.int64()),
        }
    )
    # The centre's trace over-states victim 1 and names a victim (3) with no money in A.
    out = return_to_victims(held, claims([("A", 1, 9_000), ("A", 3, 1_000), ("B", 1, 500)]))
    assert out.to_pylist() == [
        {"account": "A", "episode_id": 1, "returned_fen": 9_000, "right_fen": 6_000},
        {"account": "A", "episode_id": 3, "returned_fen": 1_000, "right_fen": 0},
        {"account": "B", "episode_id": 1, "returned_fen": 0, "right_fen": 0},
    ]


def test_return_to_victims_pro_rata_when_short() -> None:
    held = pa.table(
        {
            "episode_id": pa.array([1, 2], pa.int32()),
            "account": ["A", "A"],
            "amount_fen": pa.array([6_000, 4_001], pa.int64()),
        }
    )
    out = return_to_victims(held, claims([("A", 1, 10_000), ("A", 2, 5_000), ("A", 2, 5_000)]))
    # Balance 10,001 over claims 10,000 + 10,000: floor halves; the odd fen stays frozen.
    assert out.to_pylist() == [
        {"account": "A", "episode_id": 1, "returned_fen": 5_000, "right_fen": 5_000},
        {"account": "A", "episode_id": 2, "returned_fen": 5_000, "right_fen": 4_001},
    ]


def test_summarise() -> None:
    per_episode, held = follow_money(SIMPLE, set(), stops([("A", 15)]))
    returns = return_to_victims(held, claims([("A", 1, 3_000), ("A", 9, 1_000)]))
    assert summarise(per_episode, returns) == {
        "prevented_fen": 0,
        "intercepted_fen": 4_000,
        "returned_fen": 4_000,
        "returned_to_right_victim_fen": 3_000,
        "cashed_out_fen": 6_000,
        "remaining_fen": 0,
        "fraud_loss_fen": 7_000,
    }


# ---- properties -------------------------------------------------------------------------------

POOL = [f"M{i}" for i in range(6)]


@st.composite
def worlds(draw: st.DrawFn) -> tuple[pa.Table, set[int], pa.Table]:
    """A random conservative path (1-3 episodes sharing mule accounts), prevented ids, stops."""
    rows: list[Row] = []
    txn = 0
    for ep in range(1, draw(st.integers(1, 3)) + 1):
        # Lots of planned money not yet paid on: (account, fen, minute, hop).
        lots: list[tuple[str, int, int, int]] = []
        for v in range(draw(st.integers(1, 2))):
            txn += 1
            dst = draw(st.sampled_from(POOL))
            fen = draw(st.integers(0, 100_000))
            minute = draw(st.integers(0, 10))
            rows.append((ep, txn, 1, minute, f"V{ep}.{v}", dst, fen))
            lots.append((dst, fen, minute, 1))
        for _ in range(draw(st.integers(0, 12))):
            live = [i for i, lot in enumerate(lots) if lot[1] > 0]
            if not live:
                break
            i = draw(st.sampled_from(live))
            src, fen, minute, hop = lots[i]
            part = draw(st.integers(1, fen))
            lots[i] = (src, fen - part, minute, hop)
            dst_or_cash = draw(st.sampled_from([*POOL, None]))
            at = minute + draw(st.integers(0, 5))
            txn += 1
            rows.append((ep, txn, hop + 1, at, src, dst_or_cash, part))
            if dst_or_cash is not None:
                lots.append((dst_or_cash, part, at, hop + 1))
    prevented = draw(st.sets(st.integers(1, txn)))
    stop_rows = draw(
        st.lists(st.tuples(st.sampled_from([*POOL, "V1.0", "elsewhere"]), st.integers(-5, 40)))
    )
    return path(rows), prevented, stops(stop_rows)


@st.composite
def messy_paths(draw: st.DrawFn) -> pa.Table:
    """Arbitrary rows: outflows before inflows, overdrafts, cycles, any hop order."""
    n = draw(st.integers(0, 25))
    return path(
        [
            (
                draw(st.integers(1, 3)),
                t + 1,
                draw(st.integers(1, 4)),
                draw(st.integers(0, 20)),
                draw(st.sampled_from(POOL[:4])),
                draw(st.sampled_from([*POOL[:4], None])),
                draw(st.integers(0, 50_000)),
            )
            for t in range(n)
        ]
    )


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_conservation_on_random_paths(world: tuple[pa.Table, set[int], pa.Table]) -> None:
    rows, prevented, stop_table = world
    per_episode, held = follow_money(rows, prevented, stop_table)
    assert_conserved(per_episode)
    loss: defaultdict[int, int] = defaultdict(int)
    for r in rows.filter(pc.equal(rows["hop"], 1)).to_pylist():
        loss[r["episode_id"]] += r["amount_fen"]
    assert {ep: f[0] for ep, f in figures(per_episode).items()} == dict(loss)
    # Held money is exactly the intercepted money, and only stopped accounts hold it.
    per_ep_held: defaultdict[int, int] = defaultdict(int)
    stopped = set(stop_table["account"].to_pylist())
    for ep, acc, fen in held_rows(held):
        assert fen > 0 and acc in stopped
        per_ep_held[ep] += fen
    assert {ep: f[2] for ep, f in figures(per_episode).items() if f[2]} == dict(per_ep_held)


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_no_actions_replays_the_path_as_planned(
    world: tuple[pa.Table, set[int], pa.Table],
) -> None:
    rows, _, _ = world
    per_episode, held = follow_money(rows, set(), stops())
    assert held.num_rows == 0
    cashed: defaultdict[int, int] = defaultdict(int)
    for r in rows.to_pylist():
        if r["to_account"] is None:
            cashed[r["episode_id"]] += r["amount_fen"]
    for ep, (_, prevented, intercepted, cashed_out, _) in figures(per_episode).items():
        assert prevented == intercepted == 0
        assert cashed_out == cashed[ep]


@settings(max_examples=200, deadline=None)
@given(
    messy_paths(),
    st.sets(st.integers(1, 25)),
    st.lists(st.tuples(st.sampled_from(POOL[:4]), st.integers(-5, 25))),
)
def test_conservation_even_on_inconsistent_paths(
    rows: pa.Table, prevented: set[int], stop_rows: list[tuple[str, int]]
) -> None:
    per_episode, _ = follow_money(rows, prevented, stops(stop_rows))
    assert_conserved(per_episode)


@settings(max_examples=200, deadline=None)
@given(
    worlds(),
    st.lists(
        st.tuples(st.sampled_from([*POOL, "X"]), st.integers(1, 4), st.integers(-10, 200_000)),
        max_size=12,
    ),
)
def test_return_to_victims_bounded(
    world: tuple[pa.Table, set[int], pa.Table], claim_rows: list[tuple[str, int, int]]
) -> None:
    rows, prevented, stop_table = world
    _, held = follow_money(rows, prevented, stop_table)
    out = return_to_victims(held, claims(claim_rows))
    balance: defaultdict[str, int] = defaultdict(int)
    for _, acc, fen in held_rows(held):
        balance[acc] += fen
    paid: defaultdict[str, int] = defaultdict(int)
    for r in out.to_pylist():
        assert 0 <= r["right_fen"] <= r["returned_fen"]
        paid[r["account"]] += r["returned_fen"]
    for acc, fen in paid.items():
        assert fen <= balance[acc]
    # Claims equal to the held amounts: all of it goes back, each to the right victim.
    exact = return_to_victims(held, held.rename_columns(["episode_id", "account", "claim_fen"]))
    got = {(r["account"], r["episode_id"]): (r["returned_fen"], r["right_fen"])
           for r in exact.to_pylist()}  # fmt: skip
    assert got == {(acc, ep): (fen, fen) for ep, acc, fen in held_rows(held)}


# ---- a real simulated world -------------------------------------------------------------------


def test_real_world_conservation(tiny_world: Path) -> None:
    rows = pq.read_table(tiny_world / "truth" / "money_path.parquet")
    assert rows.num_rows > 0
    per_episode, held = follow_money(rows, set(), stops())
    assert_conserved(per_episode)
    assert held.num_rows == 0
    total = summarise(per_episode, return_to_victims(held, claims([])))
    assert total["prevented_fen"] == 0 and total["intercepted_fen"] == 0
    assert total["fraud_loss_fen"] == total["cashed_out_fen"] + total["remaining_fen"]
    episodes = pq.read_table(tiny_world / "truth" / "episodes.parquet")
    loss = dict(zip(episodes["episode_id"].to_pylist(), episodes["loss_fen"].to_pylist(),
                    strict=True))  # fmt: skip
    assert all(loss[ep] == f[0] for ep, f in figures(per_episode).items())

    # Stop every level-1 mule when its first victim payment lands and prevent a third of the
    # payments: the money still all adds up, and some is prevented and some caught.
    first = rows.filter(pc.equal(rows["hop"], 1))
    acted, held = follow_money(
        rows,
        first["txn_id"][::3],
        pa.table({"account": first["to_account"], "effective_at": first["time"]}),
    )
    assert_conserved(acted)
    total = summarise(acted, return_to_victims(held, claims([])))
    assert total["prevented_fen"] > 0 and total["intercepted_fen"] > 0
    assert total["intercepted_fen"] == pc.sum(held["amount_fen"]).as_py()
