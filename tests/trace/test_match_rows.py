"""The columnar match of reported payments (`trace.match_rows`) against `_MATCH` itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.store.arrays import TIME
from fraudlink.store.compute import compute_connection, registered
from fraudlink.trace.match_payments import _GIVEN, _MATCH, _TOLERANCE, MATCHED
from fraudlink.trace.match_rows import match_rows, payment_of, window_us

T0 = datetime(2026, 3, 1, tzinfo=UTC)
# Account numbers of one length over two digits, so many are one digit off another.
ACCOUNTS = st.sampled_from(["6200", "6201", "6210", "6211", "6300", "620"])
AMOUNTS = st.sampled_from([5_000, 9_999, 10_000, 15_000, 100_000, 150_000, 150_001])
# Minutes and microseconds from a few values, so that many candidates tie on time.
WHEN = st.tuples(st.sampled_from([-130, -120, -60, 0, 1, 59, 60, 119, 120, 121]),
                 st.sampled_from([0, 1, 250_000, 999_999]))  # fmt: skip


def _time(when: tuple[int, int]) -> datetime:
    return T0 + timedelta(minutes=when[0], microseconds=when[1])


PAYMENT = st.tuples(
    st.sampled_from(["r1", "r2", "r10"]),
    st.integers(0, 2),
    WHEN,
    st.one_of(st.none(), ACCOUNTS),
    ACCOUNTS,
    AMOUNTS,
)
payments_st = st.lists(PAYMENT, min_size=1, max_size=6, unique_by=lambda r: (r[0], r[1]))
rows_st = st.lists(
    st.tuples(WHEN, ACCOUNTS, st.one_of(st.none(), ACCOUNTS), AMOUNTS), min_size=5, max_size=40
)
own_st = st.lists(st.tuples(st.integers(0, 5), ACCOUNTS), max_size=8)


@settings(max_examples=400, deadline=None)
@given(payments_st, rows_st, own_st, st.sampled_from(["2 hours", "90 minutes", "1 day"]))
def test_the_columnar_match_is_the_sql(
    payments: list[tuple[Any, ...]],
    rows: list[tuple[Any, ...]],
    own: list[tuple[int, str]],
    window: str,
) -> None:
    p = pa.table({
        "report_id": pa.array([r[0] for r in payments], pa.string()),
        "seq": pa.array([r[1] for r in payments], pa.int16()),
        "paid_at": pa.array([_time(r[2]) for r in payments], TIME),
        "from_account": pa.array([r[3] for r in payments], pa.string()),
        "to_account": pa.array([r[4] for r in payments], pa.string()),
        "amount_fen": pa.array([r[5] for r in payments], pa.int64()),
    })  # fmt: skip
    mine = sorted({(payments[i][0], payments[i][1], a) for i, a in own if i < len(payments)}
                  | {(r[0], r[1], r[3]) for r in payments if r[3] is not None})  # fmt: skip
    m = pa.table({
        "report_id": pa.array([r[0] for r in mine], pa.string()),
        "seq": pa.array([r[1] for r in mine], pa.int16()),
        "account": pa.array([r[2] for r in mine], pa.string()),
    })  # fmt: skip
    x = pa.table({
        "txn_id": pa.array(range(len(rows)), pa.int64()),
        "time": pa.array([_time(r[0]) for r in rows], TIME),
        "from_account": pa.array([r[1] for r in rows], pa.string()),
        "to_account": pa.array([r[2] for r in rows], pa.string()),
        "amount_fen": pa.array([r[3] for r in rows], pa.int64()),
        "channel": pa.array(["transfer"] * len(rows), pa.string()),
        "terminal": pa.array([None] * len(rows), pa.string()),
    })  # fmt: skip
    con = compute_connection()
    with registered(con, p) as pn, registered(con, m) as mn, registered(con, x) as xn:
        sql = _GIVEN.format(p=pn, mine=mn) + _MATCH.format(tol=_TOLERANCE, ledger=xn)
        want = con.sql(sql, params=[window] * 4).to_arrow_table().cast(MATCHED)
    span = window_us(window)
    of = payment_of(p, m)
    assert span is not None and of is not None
    got = match_rows(p, m, x, of, span)
    assert got is not None and got.cast(MATCHED).equals(want)


def test_the_columnar_match_leaves_what_it_cannot_do_to_sql() -> None:
    p = pa.table({"report_id": ["r", "r"], "seq": pa.array([1, 1], pa.int16()),
                  "paid_at": pa.array([T0, T0], TIME), "from_account": ["a", "a"],
                  "to_account": ["b", "b"], "amount_fen": [1, 1]})  # fmt: skip
    m = pa.table({"report_id": ["r"], "seq": pa.array([1], pa.int16()), "account": ["a"]})
    assert payment_of(p, m) is None  # one payment twice
    assert payment_of(p.slice(0, 1), pa.concat_tables([m, m])) is None  # an own account twice
    x = pa.table({"txn_id": [7, 7], "time": pa.array([T0, T0], TIME), "from_account": ["a", "a"],
                  "to_account": ["b", "b"], "amount_fen": [1, 1], "channel": ["t", "t"],
                  "terminal": pa.array([None, None], pa.string())})  # fmt: skip
    of = payment_of(p.slice(0, 1), m)
    assert of is not None and match_rows(p.slice(0, 1), m, x, of, 1) is None  # a txn twice
    assert window_us("2 hours") == 7_200_000_000
    assert window_us("1 day 30 minutes 1.5 seconds") == 88_201_500_000
    assert window_us("1 month") is None


def test_a_payment_with_no_seq_or_report_is_left_to_sql() -> None:
    """SQL sorts a null key last and joins it to nothing: the columnar match does not try."""
    m = pa.table({"report_id": ["r"], "seq": pa.array([1], pa.int16()), "account": ["a"]})
    for report, seq in ((["r", "r"], [None, 1]), ([None, "r"], [1, 1])):
        p = pa.table({"report_id": pa.array(report, pa.string()),
                      "seq": pa.array(seq, pa.int16()), "paid_at": pa.array([T0, T0], TIME),
                      "from_account": ["a", "a"], "to_account": ["b", "b"],
                      "amount_fen": [1, 1]})  # fmt: skip
        assert payment_of(p, m) is None
