"""Migration 6: a store loaded before ingest normalised identifiers by each row's kind is upgraded.

`report_indicators`, `case_confirmations` and `member_flags` (`value`) and `seized_evidence`
(`identifier`) of such a store hold what the member sent. Opening it rewrites them as ingest now
stores them, keeps (and lists) what does not read as its kind, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudlink.ingest.convert import convert_identifier_by_kind
from fraudlink.match.index import IndicatorIndex
from fraudlink.match.lookup import match_values
from fraudlink.model.enums import INDICATOR_KINDS
from fraudlink.model.tables import FEED_TABLES
from fraudlink.store import LATEST, Store, migrations
from fraudlink.store.migrations import current_version, migrate

BEFORE = 5  # the last schema version whose ingest kept these identifiers as sent
AT = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
PHONE = "15094858694"
CARD = "6216611874133418900"
FULLWIDTH_CARD = "".join(chr(ord(c) + 0xFEE0) for c in CARD)
IMEI = "862978069365967"
# The kind column and the identifier column of each feed the migration rewrites.
FEEDS = {
    "report_indicators": ("kind", "value"),
    "case_confirmations": ("kind", "value"),
    "member_flags": ("kind", "value"),
    "seized_evidence": ("item_kind", "identifier"),
}


def old_store(con: duckdb.DuckDBPyConnection) -> None:
    """A version-5 store holding identifiers as members sent them, as ingest then stored them."""
    migrate(con, target=BEFORE)
    assert current_version(con) == BEFORE
    con.executemany(
        "insert into victim_reports (report_id, reported_at, victim_idno, district, fraud_type, "
        "contact_channel, narrative, claimed_loss_fen) values (?, ?, '11010519491231002X', "
        "'450107', 'fake_investment', 'phone', 'x', 100000)",
        [("R1", AT), ("R2", AT)],
    )
    con.executemany(
        "insert into report_indicators (report_id, kind, value) values (?, ?, ?)",
        [("R1", "phone", "+86 150-9485-8694"), ("R1", "account", FULLWIDTH_CARD),
         ("R1", "url", "EVIL.cn/Pay"), ("R2", "phone", "hello"),
         # two spellings of one number in one report: one key once normalised
         ("R2", "social", "WX_Gang01"), ("R2", "social", " wx_gang01")],
    )  # fmt: skip
    con.execute(
        "insert into case_confirmations (case_id, report_id, confirmed_at, kind, value) "
        "values ('C1', 'R1', ?, 'phone', '+86 150 9485 8694'), ('C1', 'R1', ?, 'imei', ?)",
        [AT, AT, IMEI[:8] + " " + IMEI[8:]],
    )
    con.executemany(
        "insert into member_flags (flag_id, flagged_at, inst_id, kind, value, confidence, reason) "
        "values (?, ?, 'CMCC', ?, ?, 0.8, 'test')",
        [(1, AT, "phone", "150 9485 8694"), (2, AT, "phone", PHONE), (3, AT, "ip", "１.2.3.4")],
    )
    con.executemany(
        "insert into seized_evidence (operation_id, item_no, seized_at, district, item_kind, "
        "identifier) values ('OP1', ?, ?, '450107', ?, ?)",
        [(1, AT, "sim", "+86 150 9485 8694"), (2, AT, "bank_card", CARD[:6] + "-" + CARD[6:]),
         (3, AT, "phone", "12345"), (4, AT, "pos", " T-0001 a "), (5, AT, "computer", None)],
    )  # fmt: skip


@pytest.fixture
def old_path(tmp_path: Path) -> Path:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    old_store(con)
    con.close()
    return path


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the four feeds, the notes and the version log, in a fixed order."""
    out = {t: sorted(con.execute(f"select * from {t}").fetchall(), key=repr) for t in FEEDS}
    out["schema_version"] = con.execute(
        "select version, name, applied_at from schema_version order by version"
    ).fetchall()
    if current_version(con) >= 6:
        out["migration_notes"] = sorted(con.execute("select * from migration_notes").fetchall())
    return out


def stored(con: duckdb.DuckDBPyConnection, feed: str) -> list[tuple[Any, ...]]:
    kind, value = FEEDS[feed]
    key = "item_no" if feed == "seized_evidence" else "rowid"
    return con.execute(f'select "{kind}", "{value}" from {feed} order by {key}').fetchall()


def test_opening_an_old_store_normalises_its_identifiers_by_kind(old_path: Path) -> None:
    with Store(old_path) as store:
        assert store.version == LATEST >= 6
        con = store.con
        assert stored(con, "report_indicators") == [
            ("phone", PHONE), ("account", CARD), ("url", "http://evil.cn/Pay"),
            ("phone", "hello"), ("social", "wx_gang01"), ("social", "wx_gang01"),
        ]  # fmt: skip
        assert stored(con, "case_confirmations") == [("phone", PHONE), ("imei", IMEI)]
        assert stored(con, "member_flags") == [("phone", PHONE), ("phone", PHONE),
                                               ("ip", "1.2.3.4")]  # fmt: skip
        assert stored(con, "seized_evidence") == [
            ("sim", PHONE), ("bank_card", CARD), ("phone", "12345"),
            ("pos", " T-0001 a "),  # a terminal id has no identifier rule: as sent
            ("computer", None),
        ]  # fmt: skip
        notes = con.execute(
            "select feed, field, kind, value, rows, reason from migration_notes order by all"
        ).fetchall()
    assert notes == [
        ("report_indicators", "value", "phone", "hello", 1, "not a valid phone: kept as stored"),
        ("report_indicators", "value", "social", "wx_gang01", 2,
         "report_id R2: the key (report_id, kind, value) repeats once normalised; all rows kept"),
        ("seized_evidence", "identifier", "phone", "12345", 1, "not a valid imei: kept as stored"),
    ]  # fmt: skip


def test_rapid_comparison_finds_the_old_stores_fraud_numbers(old_path: Path) -> None:
    with Store(old_path) as store:
        index = IndicatorIndex.from_store(store)
        hits = match_values(index, [PHONE, CARD], None).to_pylist()
    by_query: dict[str, set[str]] = {}
    for h in hits:
        by_query.setdefault(h["query"], set()).add(h["source"])
    assert by_query == {
        PHONE: {"report", "case", "seized", "member:CMCC"},
        CARD: {"report", "seized"},
    }


def test_a_second_open_changes_nothing(old_path: Path) -> None:
    Store(old_path).close()
    con = duckdb.connect(str(old_path))
    first = snapshot(con)
    con.close()
    with Store(old_path) as store:
        assert snapshot(store.con) == first
        # The step itself is idempotent too: run again over normalised values, nothing moves.
        with store.transaction() as con:
            migrations.normalise_identifiers_by_kind(con)
        assert snapshot(store.con) == first


def test_a_failure_midway_leaves_the_store_as_it_was(
    old_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = duckdb.connect(str(old_path))
    before = snapshot(con)
    con.close()
    real = migrations._normalise_feed
    done: list[str] = []

    def fail_on_the_third(con: duckdb.DuckDBPyConnection, feed: str, *rest: Any) -> None:
        if len(done) == 2:
            raise RuntimeError(f"disk full while normalising {feed}")
        real(con, feed, *rest)
        done.append(feed)

    monkeypatch.setattr(migrations, "_normalise_feed", fail_on_the_third)
    with pytest.raises(RuntimeError, match="disk full while normalising member_flags"):
        Store(old_path)
    assert done == ["report_indicators", "case_confirmations"]  # two feeds were rewritten
    con = duckdb.connect(str(old_path))
    assert current_version(con) == BEFORE
    assert snapshot(con) == before
    assert not con.execute(
        "select count(*) from information_schema.tables where table_name = 'migration_notes'"
    ).fetchone()[0]  # type: ignore[index]
    con.close()
    monkeypatch.setattr(migrations, "_normalise_feed", real)
    with Store(old_path) as store:
        assert store.version == LATEST
        assert stored(store.con, "member_flags")[0] == ("phone", PHONE)


def test_a_simulated_worlds_store_is_left_as_it_is(
    tiny_world: Path, ingested_file: Callable[[Path, str], Path]
) -> None:
    """Values ingest already normalised map to themselves: nothing changes, nothing is noted."""
    source = ingested_file(tiny_world, "tiny-migrate")
    con = duckdb.connect()
    migrate(con, target=BEFORE)
    con.execute(f"attach '{source}' as src (read_only)")
    for feed in FEEDS:
        con.execute(f"insert into {feed} select * from src.{feed}")
    before = {t: rows for t, rows in snapshot(con).items() if t in FEEDS}
    assert all(before.values()), "the tiny world has rows in each of the four feeds"
    assert migrate(con) == list(range(BEFORE + 1, LATEST + 1))
    assert {t: rows for t, rows in snapshot(con).items() if t in FEEDS} == before
    assert con.execute("select count(*) from migration_notes").fetchone() == (0,)


# --- property: the migration stores what ingest would, and keeps what ingest would refuse ---

DECORATIONS = st.sampled_from(["", " ", "-", "+86 ", "\u3000", "x", "."])
BASES = {"phone": PHONE, "account": CARD, "idno": "11010519491231002X", "imei": IMEI,
         "ip": "1.2.3.4", "url": "https://Evil.cn/Pay", "app": "com.evil.app",
         "social": "wx_abcdef"}  # fmt: skip
assert set(BASES) == set(INDICATOR_KINDS)


@st.composite
def spellings(draw: st.DrawFn) -> tuple[str, str]:
    """(kind, value): a valid identifier spelt oddly, broken, or any text."""
    kind = draw(st.sampled_from(INDICATOR_KINDS))
    if draw(st.integers(0, 4)) == 0:
        return kind, draw(st.text(min_size=1, max_size=12))
    out = ""
    for c in BASES[kind]:
        if draw(st.integers(0, 5)) == 0:
            out += draw(DECORATIONS)
        out += chr(ord(c) + 0xFEE0) if draw(st.integers(0, 6)) == 0 and "!" <= c <= "~" else c
    return kind, draw(DECORATIONS) + out


@pytest.fixture(scope="module")
def store_con() -> Iterator[duckdb.DuckDBPyConnection]:
    """One in-memory store for every example: each runs the step in a transaction rolled back."""
    con = duckdb.connect()
    migrate(con)
    yield con
    con.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(spellings(), min_size=1, max_size=10))
def test_the_migration_normalises_as_ingest_does(
    store_con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str]]
) -> None:
    store_con.execute("begin transaction")
    try:
        check_against_ingest(store_con, rows)
    finally:
        store_con.execute("rollback")


def check_against_ingest(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str]]) -> None:
    """Store `rows` as member flags the old way and run the step: each ends as ingest would store
    it, or is kept as stored and noted."""
    con.executemany(
        "insert into member_flags (flag_id, flagged_at, inst_id, kind, value, confidence, reason) "
        "values (?, ?, 'CMCC', ?, ?, 0.5, 'test')",
        [(i, AT, k, v) for i, (k, v) in enumerate(rows)],
    )
    migrations.normalise_identifiers_by_kind(con)
    got = [v for (v,) in con.execute("select value from member_flags order by flag_id").fetchall()]
    kinds = pa.array([k for k, _ in rows], pa.string())
    sent = pa.array([v for _, v in rows], pa.string())
    col = FEED_TABLES["member_flags"].column("value")
    cleaned, failures = convert_identifier_by_kind(sent, kinds, col)
    refused = [any(bool(bad[i]) for bad, _ in failures) for i in range(len(rows))]
    for i, (kind, value) in enumerate(rows):
        # Ingest would refuse it: the migration keeps it as stored (and notes it).
        assert got[i] == (value if refused[i] else cleaned[i].as_py()), (kind, value)
    noted = con.execute("select kind, value, rows from migration_notes order by all").fetchall()
    want: dict[tuple[str, str], int] = {}
    for (kind, value), bad in zip(rows, refused, strict=True):
        if bad:
            want[kind, value] = want.get((kind, value), 0) + 1
    assert noted == sorted((k, v, n) for (k, v), n in want.items())


def test_migration_6_reads_a_seized_sim_as_it_did_when_it_shipped(tmp_path: Path) -> None:
    # Ingest now reads a seized SIM's number as a mobile; migration 6 is frozen and still reads
    # it as any phone, so a store migrated today comes out as one migrated when it shipped.
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, target=BEFORE)
    con.execute(
        "insert into seized_evidence (operation_id, item_no, seized_at, district, item_kind, "
        "identifier) values ('OP1', 1, ?, '450107', 'sim', '0755-8376 5566')",
        [AT],
    )
    con.close()
    with Store(path) as store:
        assert stored(store.con, "seized_evidence") == [("sim", "075583765566")]
        assert store.con.execute("select count(*) from migration_notes").fetchone() == (0,)
