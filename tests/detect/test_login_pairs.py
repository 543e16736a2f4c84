"""The bank logins' pairs and the calls per cell kept as the feeds arrive, against the store's
feeds grouped at once."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.detect.accounts_features import account_features
from fraudlink.detect.identity_graph import build_identity_graph
from fraudlink.detect.login_pairs import DEVICE, IP, LoginPairs
from fraudlink.detect.rings import find_rings
from fraudlink.detect.sims_book import SimScoreBook
from fraudlink.store import Store

UTC = dt.UTC


def fed(store: Store, as_of: dt.datetime, days: int = 1) -> LoginPairs:
    """Pairs fed the store's logins up to `as_of`, a `days`-long chunk at a time, in time order."""
    pairs = LoginPairs()
    lo = store.arrow("select min(time) as t from logins").column("t")[0].as_py()
    while lo <= as_of:
        hi = min(lo + dt.timedelta(days=days), as_of)
        sql = "select * from logins where time >= ? and time <= ? and (time < ? or ? = ?)"
        pairs.take(store.arrow(sql + " order by time", [lo, hi, hi, hi, as_of]))
        if hi == as_of:
            break
        lo = hi
    return pairs


@pytest.mark.parametrize("n", [3, 12])
def test_mule_features_from_the_pairs_equal_those_from_the_logins(
    demo_store: Store, day: Callable[[int], dt.datetime], n: int
) -> None:
    as_of = day(n)
    pairs = fed(demo_store, as_of)
    want = account_features(demo_store, as_of)
    assert pairs.logins > 1_000
    assert account_features(demo_store, as_of, logins=pairs).equals(want)
    assert want.column("n_devices").to_numpy().max() > 1  # the paths that matter are reached


def sims_fed(store: Store, as_of: dt.datetime) -> SimScoreBook:
    """A SIM book handed the store's calls up to `as_of` in two tables, as a writer would."""
    book = SimScoreBook(store, fed=True)
    mid = as_of - dt.timedelta(days=4)
    for lo, hi in ((None, mid), (mid, as_of)):
        since = "" if lo is None else "and time > ?"
        args = [hi] if lo is None else [hi, lo]
        book.take(store.arrow(f"select * from calls where time <= ? {since} order by time", args))
    return book


def test_the_identity_graph_and_rings_from_the_books_equal_those_from_the_feeds(
    demo_store: Store, day: Callable[[int], dt.datetime]
) -> None:
    as_of = day(20)
    pairs = fed(demo_store, as_of, days=3)
    cells = sims_fed(demo_store, as_of).cells_called_from(as_of)
    want = build_identity_graph(demo_store, as_of)
    got = build_identity_graph(demo_store, as_of, pairs, cells)
    # The same graph, numbered and ordered the same, whatever order the queries found it in.
    assert got.nodes.equals(want.nodes) and got.edges.equals(want.edges)
    kinds = set(want.edges.column("kind").to_pylist())
    assert {"login_device", "login_ip", "called_from"} <= kinds
    a, b = find_rings(demo_store, as_of), find_rings(demo_store, as_of, pairs, cells)
    assert a.rings.equals(b.rings) and a.members.equals(b.members)


def test_pairs_cannot_be_cut_before_a_login_taken_in() -> None:
    pairs = LoginPairs()
    t = dt.datetime(2026, 3, 2, 10, tzinfo=UTC)
    pairs.take(pa.table({"time": pa.array([t], pa.timestamp("us", tz="UTC")),
                         "account": ["A"], "account_kind": ["bank"], "device_imei": ["D"],
                         "ip": ["1.1.1.1"]}))  # fmt: skip
    assert pairs.pairs(DEVICE, t).to_pylist() == [{"account": "A", "device_imei": "D", "n": 1}]
    with pytest.raises(ValueError, match="cannot give the pairs"):
        pairs.pairs(IP, t - dt.timedelta(seconds=1))


LOGIN = st.tuples(
    st.sampled_from(["A", "B", "C"]), st.sampled_from(["bank", "platform"]),
    st.sampled_from(["D1", "D2", None]), st.sampled_from(["ip1", "ip2", None]),
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(LOGIN, max_size=40), cuts=st.lists(st.integers(0, 40), max_size=5))
def test_pairs_count_each_bank_login_once_however_the_logins_are_cut(
    rows: list[tuple[str, str, str | None, str | None]], cuts: list[int]
) -> None:
    t = dt.datetime(2026, 3, 1, tzinfo=UTC)
    table = pa.table({
        "time": pa.array([t] * len(rows), pa.timestamp("us", tz="UTC")),
        "account": [r[0] for r in rows], "account_kind": [r[1] for r in rows],
        "device_imei": pa.array([r[2] for r in rows], pa.string()),
        "ip": pa.array([r[3] for r in rows], pa.string()),
    })  # fmt: skip
    pairs = LoginPairs()
    edges = sorted({0, len(rows), *(min(c, len(rows)) for c in cuts)})
    for lo, hi in itertools.pairwise(edges):
        pairs.take(table.slice(lo, hi - lo))
    for col, i in ((DEVICE, 2), (IP, 3)):
        want = Counter((r[0], r[i]) for r in rows if r[1] == "bank")
        got = pairs.pairs(col, t).to_pylist()
        assert {(g["account"], g[col]): g["n"] for g in got} == want
        assert len(got) == len(want)
        assert pairs.pairs(col, t).to_pylist() == got  # asking again changes nothing
