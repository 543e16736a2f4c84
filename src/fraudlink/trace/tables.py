"""Flows (integer rows) → the hand-off tables POSITIONS, EXITS, TRAIL and DEPOSITS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.trace.replay import DEPTH_LIMIT, Flows
from fraudlink.trace.schemas import DEPOSITS, EXITS, POSITIONS, TRAIL


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


def deposits_table(trail: pa.Table, paying: dict[str, str], account: str | None) -> pa.Table:
    """Victim-attributed deposits (of one account, or of every account) from a trail.

    Each row's `paying_account` is the original paying account of that deposit (原路返还), not
    of the report: a hop-1 deposit (the victim paid the account directly) names its own
    `from_account`. A deposit further down names the account of the victim's hop-1 payments made
    by then if they all come from one account, and None (unknown: the case officer decides) if
    the victim had paid from several. `paying` (report -> first paying account) is used only for
    a victim with no hop-1 row in the trail.
    """
    hop1 = trail.filter(pc.equal(trail.column("hop"), 1))
    firsts: dict[str, list[tuple[Any, str | None]]] = {}
    for r in hop1.select(["report_id", "time", "from_account"]).to_pylist():
        firsts.setdefault(r["report_id"], []).append((r["time"], r["from_account"]))
    t = trail.filter(pc.is_valid(trail.column("to_account")))
    if account is not None:
        t = t.filter(pc.equal(t.column("to_account"), account))
    t = t.sort_by([("to_account", "ascending"), ("time", "ascending"), ("txn_id", "ascending")])
    rows = t.select(["report_id", "hop", "time", "from_account"]).to_pylist()
    return pa.table(
        {
            "account": t.column("to_account"),
            "txn_id": t.column("txn_id"),
            "time": t.column("time"),
            "amount_fen": t.column("amount_fen"),
            "report_id": t.column("report_id"),
            "paying_account": pa.array(
                [_deposit_paying(r, firsts, paying) for r in rows], pa.string()
            ),
        },
        schema=DEPOSITS,
    )


def _deposit_paying(
    row: dict[str, Any],
    firsts: dict[str, list[tuple[Any, str | None]]],
    paying: dict[str, str],
) -> str | None:
    """The original paying account of one trail row's deposit (see `deposits_table`)."""
    if row["hop"] == 1:
        return row["from_account"]
    own = firsts.get(row["report_id"])
    if not own:
        return paying.get(row["report_id"])
    before = {a for t, a in own if row["time"] is None or t is None or t <= row["time"]}
    candidates = before or {a for _, a in own}
    return next(iter(candidates)) if len(candidates) == 1 else None


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
