"""Flows (integer rows) → the hand-off tables POSITIONS, EXITS, TRAIL and DEPOSITS."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store.compute import compute_connection, registered
from fraudlink.trace.purchases import GOODS
from fraudlink.trace.replay import DEPTH_LIMIT, Flows
from fraudlink.trace.schemas import DEPOSITS, EXITS, POSITIONS, TRAIL, TS

# Each transaction that brought a victim's money into an account, as the ledger has it: what a
# receiving institution can match an order against (its id, time and whole amount).
RECEIVED = pa.schema([
    ("report_id", pa.string()),      # the victim
    ("account", pa.string()),        # the receiving account
    ("txn_id", pa.int64()),
    ("time", TS),
    ("amount_fen", pa.int64()),      # the transaction's whole amount, as the ledger has it
    ("share_fen", pa.int64()),       # the victim's share of it
])  # fmt: skip


def _take(ledger: pa.Table, rows: np.ndarray, column: str) -> pa.ChunkedArray:
    return ledger.column(column).take(pa.array(rows, pa.int64()))


def trail_table(ledger: pa.Table, flows: Flows, victims: list[str], method: str) -> pa.Table:
    """One row per (victim, transaction): the victim's share, at the fewest hops it got there."""
    if not flows.trail:
        return TRAIL.empty_table()
    raw = np.array(flows.trail, np.int64)
    grouped = (
        pa.table({"row": raw[:, 0], "v": raw[:, 1], "hop": raw[:, 2], "fen": raw[:, 3]})
        .group_by(["row", "v"])
        .aggregate([("hop", "min"), ("fen", "sum")])
        .sort_by([("v", "ascending"), ("row", "ascending")])
    )
    rows = grouped.column("row").to_numpy()
    return pa.table(
        {
            "report_id": pa.array(victims, pa.string()).take(grouped.column("v")),
            "hop": grouped.column("hop_min").cast(pa.int16()),
            "txn_id": _take(ledger, rows, "txn_id"),
            "time": _take(ledger, rows, "time"),
            "from_account": _take(ledger, rows, "from_account"),
            "to_account": _take(ledger, rows, "to_account"),
            "amount_fen": grouped.column("fen_sum"),
            "method": pa.repeat(method, len(rows)),
        },
        schema=TRAIL,
    )


def received_table(trail: pa.Table, ledger: pa.Table) -> pa.Table:
    """Per (victim, transaction) into an account, the transaction as the ledger has it (RECEIVED),
    from a trail and the sub-ledger it was replayed from (a payment for goods left the ledger:
    the seller received none of the victims' money)."""
    came_in = trail.filter(pc.is_valid(trail.column("to_account")))
    if came_in.num_rows == 0:
        return RECEIVED.empty_table()
    amounts = ledger.select(["txn_id", "amount_fen", "channel"])
    amounts = amounts.rename_columns(["txn_id", "txn_fen", "channel"])
    got = came_in.join(amounts, "txn_id")
    got = got.filter(pc.invert(pc.fill_null(pc.equal(got.column("channel"), GOODS), False)))
    got = got.sort_by([("to_account", "ascending"), ("time", "ascending"),
                       ("txn_id", "ascending"), ("report_id", "ascending")])  # fmt: skip
    return pa.table(
        {
            "report_id": got.column("report_id"),
            "account": got.column("to_account"),
            "txn_id": got.column("txn_id"),
            "time": got.column("time"),
            "amount_fen": got.column("txn_fen"),
            "share_fen": got.column("amount_fen"),
        },
        schema=RECEIVED,
    )


def exits_table(ledger: pa.Table, flows: Flows, victims: list[str], method: str) -> pa.Table:
    """One row per (victim, transaction, kind) of money leaving the ledger or the depth limit."""
    if not flows.exits:
        return EXITS.empty_table()
    raw = np.array(flows.exits, np.int64)
    g = (
        pa.table({"row": raw[:, 0], "v": raw[:, 1], "kind": raw[:, 2], "fen": raw[:, 3]})
        .group_by(["row", "v", "kind"])
        .aggregate([("fen", "sum")])
        .sort_by([("v", "ascending"), ("row", "ascending")])
    )
    rows = g.column("row").to_numpy()
    depth = pc.equal(g.column("kind"), DEPTH_LIMIT)
    return pa.table(
        {
            "report_id": pa.array(victims, pa.string()).take(g.column("v")),
            "txn_id": _take(ledger, rows, "txn_id"),
            "time": _take(ledger, rows, "time"),
            "from_account": _take(ledger, rows, "from_account"),
            "channel": pc.if_else(depth, "depth_limit", _take(ledger, rows, "channel")),
            "terminal": pc.if_else(depth, None, _take(ledger, rows, "terminal")),
            "amount_fen": g.column("fen_sum"),
            "method": pa.repeat(method, len(rows)),
        },
        schema=EXITS,
    )


def positions_table(
    ledger: pa.Table,
    flows: Flows,
    victims: list[str],
    accounts: pa.Array,
    method: str,
    as_of: datetime,
) -> pa.Table:
    """One row per (victim, account) still holding some of the victim's money."""
    if not flows.held:
        return POSITIONS.empty_table()
    keys = np.array(list(flows.held), np.int64)
    vals = np.array(list(flows.held.values()), np.int64)
    order = np.lexsort((keys[:, 0], keys[:, 1]))
    keys, vals = keys[order], vals[order]
    return pa.table(
        {
            "report_id": pa.array(victims, pa.string()).take(pa.array(keys[:, 1])),
            "account": accounts.take(pa.array(keys[:, 0])),
            "amount_fen": pa.array(vals[:, 0]),
            "method": pa.repeat(method, len(keys)),
            "hops": pa.array(vals[:, 1].astype(np.int16)),
            "last_in_at": _take(ledger, vals[:, 2], "time"),
            "as_of": pa.repeat(pa.scalar(as_of, POSITIONS.field("as_of").type), len(keys)),
        },
        schema=POSITIONS,
    )


# Each deposit's original paying account (原路返还), in whole columns. `_pos` keeps the trail's
# own order among deposits of one transaction, as a stable sort would.
_DEPOSITS_SQL = """
with d as (
  select *, row_number() over (order by to_account, time, txn_id, _pos) as i
  from {trail} where to_account is not null {only}
),
h as (select report_id, time, from_account from {trail} where hop = 1),
-- The victim's hop-1 paying accounts used by the deposit's time, and all of them.
so_far as (
  select d.i, count(distinct h.from_account) as n, min(h.from_account) as a
  from d join h on h.report_id = d.report_id
   and (d.time is null or h.time is null or h.time <= d.time)
  group by d.i
),
every as (
  select report_id, count(distinct from_account) as n, min(from_account) as a
  from h group by report_id
)
select d.to_account as account, d.txn_id, d.time, d.amount_fen, d.report_id,
  case
    when d.hop = 1 then d.from_account
    when every.report_id is null then p.account
    when coalesce(so_far.n, 0) > 0 then case when so_far.n = 1 then so_far.a end
    else case when every.n = 1 then every.a end
  end as paying_account
from d left join so_far using (i) left join every using (report_id)
left join {paying} p using (report_id)
order by d.i
"""


def deposits_table(trail: pa.Table, paying: dict[str, str], account: str | None) -> pa.Table:
    """Victim-attributed deposits (of one account, or of every account) from a trail.

    Each row's `paying_account` is the original paying account of that deposit (原路返还), not
    of the report: a hop-1 deposit (the victim paid the account directly) names its own
    `from_account`. A deposit further down names the account of the victim's hop-1 payments made
    by then if they all come from one account, and None (unknown: the case officer decides) if
    the victim had paid from several. `paying` (report -> first paying account) is used only for
    a victim with no hop-1 row in the trail.
    """
    con = compute_connection()
    rows = trail.append_column("_pos", pa.array(np.arange(trail.num_rows, dtype=np.int64)))
    firsts = pa.table({"report_id": pa.array(list(paying), pa.string()),
                       "account": pa.array(list(paying.values()), pa.string())})  # fmt: skip
    with registered(con, rows, "trail") as t, registered(con, firsts, "paying") as p:
        only = "and to_account = $account" if account is not None else ""
        params = {"account": account} if account is not None else {}
        got = con.sql(_DEPOSITS_SQL.format(trail=t, paying=p, only=only), params=params)
        return got.to_arrow_table().cast(DEPOSITS)


def victim_totals(
    trail: pa.Table, positions: pa.Table, exits: pa.Table, method: str
) -> dict[str, int]:
    """One victim's summary from the victim's TRAIL, POSITIONS and EXITS rows: paid (the hop-1
    payments), held, cashed out, and past the depth limit, in fen.

    Under fifo and pro_rata money is conserved: held + cashed out + beyond = paid. Under poison
    each position and each exit is an upper bound of its own, and they overlap (the same fen may
    be in several accounts, or held and cashed out): each total is the sum of its bounds capped
    at what the victim paid, an upper bound that does not add up with the others to the amount
    paid.
    """
    depth = pc.equal(exits.column("channel"), "depth_limit")
    paid = _fen(trail.filter(pc.equal(trail.column("hop"), 1)))
    out = {
        "paid_fen": paid,
        "held_fen": _fen(positions),
        "cashed_out_fen": _fen(exits.filter(pc.invert(depth))),
        "beyond_depth_fen": _fen(exits.filter(depth)),
    }
    if method == "poison":
        out = {k: min(fen, paid) for k, fen in out.items()}
    return out


def _fen(t: pa.Table) -> int:
    return int(pc.sum(t.column("amount_fen")).as_py() or 0)
