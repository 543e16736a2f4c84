"""Counterfactual money accounting: where each episode's money ends once the actions apply.

The simulator's `money_path` says where the victims' money went in the world as it happened: the
victim payments (hop 1), then each mule's onward transfers and cash-outs, with every row holding
only the episode's own share of the transaction. The engine acts on that world in two ways:

- a warning that dissuades the victim means a hop-1 payment is never made (prevented);
- a stop-payment (止付) or freeze (冻结) on an account means, from its effective time, nothing
  leaves that account (it may still receive).

Replaying the path with those actions gives each hop an actual amount next to its planned one.
An account can pay on only the money it actually received: a mule downstream of a stopped
account, or of a prevented payment, receives less, so each of its outflows carries the same
fraction of the planned amount as the fraction of its planned inflows that actually arrived
(money a stopped upstream account kept cannot be paid on downstream). This is a first-order
model: the fraudsters do not re-route, top up, or re-time anything in reaction to the actions.

Each episode's loss then splits exactly, in whole fen, into what was prevented, what sits in
stopped accounts (`intercepted_fen` here: the outcomes then count only what sits on mule cards
as intercepted and returnable, see `arena.outcomes.split_held`), what was cashed out (ATM,
crypto, POS), and what remains in accounts never stopped (merchants, mules nobody caught).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.trace.allocation import pro_rata

__all__ = [
    "HELD",
    "PER_EPISODE",
    "RETURNS",
    "follow_hops",
    "follow_money",
    "return_to_victims",
    "summarise",
]

PER_EPISODE = pa.schema(
    [
        ("episode_id", pa.int32()),
        ("loss_fen", pa.int64()),
        ("prevented_fen", pa.int64()),
        ("intercepted_fen", pa.int64()),
        ("cashed_out_fen", pa.int64()),
        ("remaining_fen", pa.int64()),
    ]
)
HELD = pa.schema([("episode_id", pa.int32()), ("account", pa.string()), ("amount_fen", pa.int64())])
RETURNS = pa.schema(
    [
        ("account", pa.string()),
        ("episode_id", pa.int32()),
        ("returned_fen", pa.int64()),
        ("right_fen", pa.int64()),
    ]
)

_TS = pa.timestamp("us", tz="UTC")
_NEVER = np.iinfo(np.int64).max


def follow_money(
    path: pa.Table, prevented_txns: pa.Array | pa.ChunkedArray | Iterable[int], stops: pa.Table
) -> tuple[pa.Table, pa.Table]:
    """Replay `money_path` with prevented payments and account stops: (per_episode, held).

    Per episode, rows go in (time, hop, txn_id) order. A hop-1 payment whose txn_id is in
    `prevented_txns` moves nothing; the victim's paying account is a source, never a holder,
    and stops do not apply to it. A later hop from account A at time t moves nothing if A has a
    stop effective at or before t; otherwise it moves floor(planned × actual_in(A) /
    planned_in(A)), capped at what A still holds of the episode. An outflow from an account the
    episode has not paid into yet (planned_in 0: the simulator's path never does this) moves
    nothing, since there is no victim money there to move and inventing some would break
    conservation. `stops` holds (account, effective_at) rows; the earliest per account counts.
    """
    per_episode, held, _, _ = _replay(path, prevented_txns, stops)
    return per_episode, held


def follow_hops(
    path: pa.Table, prevented_txns: pa.Array | pa.ChunkedArray | Iterable[int], stops: pa.Table
) -> tuple[pa.Table, pa.Table]:
    """The rows of `path` in `follow_money`'s order, each with the amount that actually moved
    (`actual_fen`) next to the planned one: 0 for a prevented payment, for a transfer out of an
    account already stopped, and for one out of an account that received nothing; and HELD,
    from the same replay."""
    _, held, order, actual = _replay(path, prevented_txns, stops)
    return path.take(order).append_column("actual_fen", pa.array(actual, pa.int64())), held


def _replay(
    path: pa.Table, prevented_txns: pa.Array | pa.ChunkedArray | Iterable[int], stops: pa.Table
) -> tuple[pa.Table, pa.Table, pa.Array, list[int]]:
    """`follow_money`'s replay: (per_episode, held, the replay order of the path's rows, the
    actual amount per row in that order)."""
    n = path.num_rows
    columns = ["episode_id", "txn_id", "hop", "time", "from_account", "to_account", "amount_fen"]
    if n == 0:
        return PER_EPISODE.empty_table(), HELD.empty_table(), pa.array([], pa.uint64()), []
    order = pc.sort_indices(
        path,
        sort_keys=[
            ("episode_id", "ascending"),
            ("time", "ascending"),
            ("hop", "ascending"),
            ("txn_id", "ascending"),
        ],
    )
    p = path.select(columns).take(order)

    names, from_ids, to_ids = _factorise(p["from_account"], p["to_account"])
    stop_at = _earliest_stops(names, stops)
    stopped = (stop_at != _NEVER).tolist()

    hop = p["hop"].to_numpy()
    prevented_txn = pc.is_in(p["txn_id"], value_set=_txn_set(prevented_txns)).to_numpy(
        zero_copy_only=False
    )
    prevented = (prevented_txn & (hop == 1)).tolist()
    first_hop = (hop == 1).tolist()
    # A row is blocked when its paying account was stopped by then; hop 1 never is (see above).
    times = p["time"].cast(_TS).cast(pa.int64()).to_numpy()
    blocked = ((stop_at[from_ids] <= times) & (hop != 1)).tolist()

    episodes = p["episode_id"].to_numpy().tolist()
    planned = p["amount_fen"].to_numpy().tolist()
    src = from_ids.tolist()
    dst = to_ids.tolist()

    out_rows: list[tuple[int, int, int, int, int, int]] = []
    held_ep: list[int] = []
    held_acc: list[int] = []
    held_fen: list[int] = []
    moved: list[int] = []

    start = 0
    while start < n:
        ep = episodes[start]
        end = start
        while end < n and episodes[end] == ep:
            end += 1
        actual_in: defaultdict[int, int] = defaultdict(int)
        planned_in: defaultdict[int, int] = defaultdict(int)
        actual_out: defaultdict[int, int] = defaultdict(int)
        loss = prevented_fen = cashed = 0
        for i in range(start, end):
            amount = planned[i]
            if first_hop[i]:
                actual = 0 if prevented[i] else amount
                loss += amount
                prevented_fen += amount - actual
            elif blocked[i]:
                actual = 0
            else:
                a = src[i]
                pin = planned_in[a]
                actual = amount * actual_in[a] // pin if pin > 0 else 0
                actual = max(0, min(actual, actual_in[a] - actual_out[a]))
                actual_out[a] += actual
            moved.append(actual)
            b = dst[i]
            if b < 0:
                cashed += actual
            else:
                actual_in[b] += actual
                planned_in[b] += amount
        intercepted = remaining = 0
        for acc in sorted(actual_in):
            balance = actual_in[acc] - actual_out[acc]
            if balance <= 0:
                continue
            if stopped[acc]:
                intercepted += balance
                held_ep.append(ep)
                held_acc.append(acc)
                held_fen.append(balance)
            else:
                remaining += balance
        out_rows.append((ep, loss, prevented_fen, intercepted, cashed, remaining))
        start = end

    cols = list(zip(*out_rows, strict=True))
    per_episode = pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(cols, PER_EPISODE, strict=True)],
        schema=PER_EPISODE,
    )
    held = pa.Table.from_arrays(
        [
            pa.array(held_ep, type=pa.int32()),
            names.take(pa.array(held_acc, type=pa.int64())).cast(pa.string()),
            pa.array(held_fen, type=pa.int64()),
        ],
        schema=HELD,
    )
    held = held.sort_by([("episode_id", "ascending"), ("account", "ascending")])
    return per_episode, held, order, moved


def return_to_victims(held: pa.Table, claims: pa.Table) -> pa.Table:
    """Pay each account's held balance out pro rata over the centre's claims on it."""
    # Duplicate (account, episode) claims are one claim: the centre owes a victim once per account.
    agg = (
        claims.select(["account", "episode_id", "claim_fen"])
        .group_by(["account", "episode_id"])
        .aggregate([("claim_fen", "sum")])
        .sort_by([("account", "ascending"), ("episode_id", "ascending")])
    )
    true_fen: dict[tuple[str, int], int] = {}
    balance: defaultdict[str, int] = defaultdict(int)
    for acc, ep, fen in zip(
        held["account"].to_pylist(),
        held["episode_id"].to_pylist(),
        held["amount_fen"].to_pylist(),
        strict=True,
    ):
        true_fen[(acc, ep)] = true_fen.get((acc, ep), 0) + fen
        balance[acc] += fen

    accounts: list[str] = agg["account"].to_pylist()
    episodes: list[int] = agg["episode_id"].to_pylist()
    # A negative or missing claim asks for nothing; pro_rata is only defined for claims ≥ 0.
    wanted = [max(c or 0, 0) for c in agg["claim_fen_sum"].to_pylist()]
    returned: list[int] = []
    start = 0
    while start < len(accounts):
        end = start
        while end < len(accounts) and accounts[end] == accounts[start]:
            end += 1
        returned += pro_rata(balance.get(accounts[start], 0), wanted[start:end])
        start = end
    right = [
        min(r, true_fen.get((acc, ep), 0))
        for acc, ep, r in zip(accounts, episodes, returned, strict=True)
    ]
    return pa.Table.from_arrays(
        [
            pa.array(accounts, type=pa.string()),
            pa.array(episodes, type=pa.int32()),
            pa.array(returned, type=pa.int64()),
            pa.array(right, type=pa.int64()),
        ],
        schema=RETURNS,
    )


def summarise(per_episode: pa.Table, returns: pa.Table) -> dict[str, int]:
    """Totals in fen; fraud_loss_fen is the loss minus what was prevented or returned rightly."""

    def total(table: pa.Table, column: str) -> int:
        value = pc.sum(table[column]).as_py()
        return int(value or 0)

    loss = total(per_episode, "loss_fen")
    prevented = total(per_episode, "prevented_fen")
    right = total(returns, "right_fen")
    return {
        "prevented_fen": prevented,
        "intercepted_fen": total(per_episode, "intercepted_fen"),
        "returned_fen": total(returns, "returned_fen"),
        "returned_to_right_victim_fen": right,
        "cashed_out_fen": total(per_episode, "cashed_out_fen"),
        "remaining_fen": total(per_episode, "remaining_fen"),
        # Money handed to the wrong victim does not make the true victim whole.
        "fraud_loss_fen": loss - prevented - right,
    }


def _factorise(
    from_account: pa.ChunkedArray, to_account: pa.ChunkedArray
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Account names, and per row the integer id of the paying and receiving account (-1: none)."""
    both = pa.concat_arrays(
        [
            from_account.combine_chunks().cast(pa.string()),
            to_account.combine_chunks().cast(pa.string()),
        ]
    )
    encoded = both.dictionary_encode()
    ids = encoded.indices.fill_null(-1).cast(pa.int64()).to_numpy()
    n = len(from_account)
    return encoded.dictionary, ids[:n], ids[n:]


def _earliest_stops(names: pa.Array, stops: pa.Table) -> np.ndarray:
    """Per account id, the earliest stop's effective time in µs since the epoch (_NEVER: none)."""
    stop_at = np.full(len(names), _NEVER, dtype=np.int64)
    if stops.num_rows == 0:
        return stop_at
    ids = pc.index_in(stops["account"].cast(pa.string()), value_set=names)
    at = stops["effective_at"].cast(_TS).cast(pa.int64())
    # Stops on accounts outside this path, or without a time, change nothing here.
    keep = pc.and_(pc.is_valid(ids), pc.is_valid(at))
    kept_ids = pc.filter(ids, keep).to_numpy().astype(np.int64)
    kept_at = pc.filter(at, keep).to_numpy().astype(np.int64)
    np.minimum.at(stop_at, kept_ids, kept_at)
    return stop_at


def _txn_set(txns: pa.Array | pa.ChunkedArray | Iterable[int]) -> pa.Array:
    """The prevented txn ids as an int64 array for `is_in`."""
    if isinstance(txns, pa.ChunkedArray):
        return txns.combine_chunks().cast(pa.int64()).drop_null()
    if isinstance(txns, pa.Array):
        return txns.cast(pa.int64()).drop_null()
    return pa.array(sorted(set(txns)), type=pa.int64())
