"""The indicator index: lookups, bulk lookups, membership and incremental adds on hand-made rows."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.match.index import Hit, IndicatorIndex

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def rows(*specs: tuple[str, str, str], start: int = 0) -> pa.Table:
    """Indicator rows from (node_id, source, ref); the rest filled in."""
    n = len(specs)
    return pa.table(
        {
            "node_id": [s[0] for s in specs],
            "kind": [s[0].split(":")[0] for s in specs],
            "value": [s[0].split(":")[-1] for s in specs],
            "source": [s[1] for s in specs],
            "ref": [s[2] for s in specs],
            "report_id": [s[2] if s[2].startswith("R") else None for s in specs],
            "time": [T0 + dt.timedelta(hours=start + i) for i in range(n)],
            "confidence": [0.5] * n,
        }
    )


BASE = rows(
    ("tel:+8613800000002", "report", "R2"),
    ("card:6222000000000001", "case", "C1"),
    ("tel:+8613800000001", "report", "R1"),
    ("tel:+8613800000002", "case", "C2"),
    ("imei:490154203237518", "seized", "OP1"),
)


def test_lookup_gives_every_hit_oldest_first() -> None:
    idx = IndicatorIndex(BASE)
    hits = idx.lookup("tel:+8613800000002")
    assert [(h.source, h.ref) for h in hits] == [("report", "R2"), ("case", "C2")]
    assert isinstance(hits[0], Hit) and hits[0].report_id == "R2" and hits[1].report_id is None
    assert hits[0].time == T0
    assert idx.lookup("tel:+8613999999999") == []


def test_len_kinds_and_known() -> None:
    idx = IndicatorIndex(BASE)
    assert len(idx) == 4 and idx.num_hits == 5
    assert idx.kinds() == {"card": 1, "imei": 1, "tel": 2}
    got = idx.known(["tel:+8613800000001", "x:1", "imei:490154203237518"])
    assert got.tolist() == [True, False, True]


def test_lookup_many_marks_the_query_row() -> None:
    idx = IndicatorIndex(BASE)
    out = idx.lookup_many(pa.array(["x:none", "tel:+8613800000002", "card:6222000000000001"]))
    assert out.column_names[0] == "query_row"
    assert list(zip(out["query_row"].to_pylist(), out["ref"].to_pylist(), strict=True)) == [
        (1, "R2"),
        (1, "C2"),
        (2, "C1"),
    ]


def test_add_is_seen_at_once_by_every_lookup() -> None:
    idx = IndicatorIndex(BASE)
    new = (("tel:+8613800000001", "engine:simbox", "simbox"), ("ip:1.2.3.4", "case", "C9"))
    idx.add(rows(*new, start=10))
    assert [h.ref for h in idx.lookup("tel:+8613800000001")] == ["R1", "simbox"]
    assert idx.known(["ip:1.2.3.4"]).tolist() == [True]
    assert len(idx) == 5 and idx.num_hits == 7
    out = idx.lookup_many(["ip:1.2.3.4", "tel:+8613800000001"])
    assert out["query_row"].to_pylist() == [0, 1, 1]
    assert out["ref"].to_pylist() == ["C9", "R1", "simbox"]
    idx.compact()
    assert [h.ref for h in idx.lookup("tel:+8613800000001")] == ["R1", "simbox"]


def test_empty_index() -> None:
    idx = IndicatorIndex()
    assert len(idx) == 0 and idx.lookup("tel:+8613800000001") == []
    assert idx.lookup_many(["a"]).num_rows == 0


NODES = [f"tel:+86138000000{i:02d}" for i in range(12)]


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(st.sampled_from(NODES), max_size=30),
    added=st.lists(st.sampled_from(NODES), max_size=8),
    queries=st.lists(st.sampled_from([*NODES, "x:none"]), max_size=20),
)
def test_lookup_many_agrees_with_lookup(
    base: list[str], added: list[str], queries: list[str]
) -> None:
    idx = IndicatorIndex(rows(*[(n, "report", f"R{i}") for i, n in enumerate(base)]))
    if added:
        idx.add(rows(*[(n, "case", f"C{i}") for i, n in enumerate(added)]))
    out = idx.lookup_many(queries)
    expect = [(q, h.ref) for q, node in enumerate(queries) for h in idx.lookup(node)]
    assert list(zip(out["query_row"].to_pylist(), out["ref"].to_pylist(), strict=True)) == expect
    assert idx.known(queries).tolist() == [bool(idx.lookup(q)) for q in queries]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "tel:+8613800000001",
                "tel:+8613800000002",
                "card:6222000000000001",
                "imei:490154203237518",
                "x:unknown",
                "tel:+8613800000009",
            ]
        ),
        min_size=1,
        max_size=40,
    ),
    st.booleans(),
)
def test_bulk_join_gives_the_same_rows_as_the_dict(queries: list[str], with_pending: bool) -> None:
    import fraudlink.match.index as index_module

    idx = IndicatorIndex(BASE)
    if with_pending:
        idx.add(
            rows(
                ("tel:+8613800000009", "engine:sim", "sim"),
                ("tel:+8613800000001", "case", "C9"),
                start=50,
            )
        )
    by_dict = idx.lookup_many(list(queries))
    saved = index_module.BULK_JOIN_FROM
    index_module.BULK_JOIN_FROM = 1
    try:
        by_join = idx.lookup_many(pa.array(queries))
    finally:
        index_module.BULK_JOIN_FROM = saved
    assert by_join.equals(by_dict.cast(by_join.schema))
