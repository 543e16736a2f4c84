"""The figures a seller of goods is judged on (`trace.purchases._stats`), in whole columns,
against their definition worked out row by row on random ledgers."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.trace.purchases import PASS_ON, _stats

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

ACCOUNTS = ("S1", "S2", "M1", "P1", "P2", "P3")
row = st.tuples(
    st.integers(0, 3 * 24 * 60),  # minutes after T0
    st.sampled_from(ACCOUNTS),
    st.sampled_from(ACCOUNTS),
    st.integers(1, 50_000),
)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(row, max_size=40), chain=st.sets(st.sampled_from(ACCOUNTS)))
def test_the_sellers_figures_are_those_of_their_definition(
    rows: list[tuple[int, str, str, int]], chain: set[str]
) -> None:
    """`_stats` in whole columns equals its definition worked out row by row."""
    asked = ["M1", "S1", "S2"]
    lo, hi = T0 + H, T0 + 3 * D
    table = pa.table({
        "txn_id": pa.array(range(len(rows)), pa.int64()),
        "time": pa.array([T0 + m * M for m, *_ in rows], pa.timestamp("us", tz="UTC")),
        "from_account": pa.array([r[1] for r in rows], pa.string()),
        "to_account": pa.array([r[2] for r in rows], pa.string()),
        "amount_fen": pa.array([r[3] for r in rows], pa.int64()),
    })  # fmt: skip
    got = _stats(table, asked, pa.array(sorted(chain), pa.string()), lo, hi)
    inside = [(T0 + m * M, f, t, fen) for m, f, t, fen in rows if lo < T0 + m * M <= hi]
    for a in asked:
        ins = [(at, f, fen) for at, f, t, fen in inside if t == a]
        own = [f for _, f, _ in ins if f not in chain]
        outs = [(at, fen) for at, f, _, fen in inside if f == a]
        shares = []
        for mine in (True, False):  # its own money, then the chain's
            old = [(at, fen) for at, f, fen in ins
                   if at <= hi - PASS_ON and (f not in chain) == mine]  # fmt: skip
            passed = sum(min(fen, sum(o for ot, o in outs if at <= ot <= at + PASS_ON))
                         for at, fen in old)  # fmt: skip
            received = sum(fen for _, fen in old)
            shares.append(passed / received if received else None)
        assert got[a] == (len(own), len(set(own)), *shares), a
