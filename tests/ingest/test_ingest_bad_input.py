"""Bad input: every kind gives a clear message naming file, row and field, and loses nothing."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from fraudlink.ingest import ingest_paths
from fraudlink.store import Store

HEADER = "txn_id,time,from_account,to_account,amount_fen,channel,terminal\n"
CARD_A, CARD_B = "6222020000000000018", "6222020000000000026"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.duckdb")


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def row(
    txn: int,
    amount: str = "1000",
    time: str = "2026-03-01T08:00:00Z",
    from_acc: str = CARD_A,
    to_acc: str = CARD_B,
) -> str:
    return f"{txn},{time},{from_acc},{to_acc},{amount},transfer,\n"


def quarantine(store: Store) -> list[dict[str, object]]:
    return store.arrow(
        "select file, row_number, field, value, reason from quarantine order by row_number, field"
    ).to_pylist()


def check_summary(store: Store, path: Path, read: int, loaded: int, dup: int, bad: int) -> None:
    report = ingest_paths(store, [path])
    assert not report.errors
    s = report.feeds["transactions"]
    assert (s.read, s.loaded, s.duplicate, s.quarantined) == (read, loaded, dup, bad)
    assert s.read == s.loaded + s.duplicate + s.quarantined


def test_wrong_type_is_quarantined_with_row_and_field(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "transactions.csv", HEADER + row(1) + row(2, amount="12.5x") + row(3))
    check_summary(store, path, 3, 2, 0, 1)
    [q] = quarantine(store)
    assert q == {
        "file": str(path),
        "row_number": 2,
        "field": "amount_fen",
        "value": "12.5x",
        "reason": "not a whole number that fits int64",
    }


def test_bad_check_digit_is_quarantined(store: Store, tmp_path: Path) -> None:
    bad_card = CARD_B[:-1] + "7"
    path = write(tmp_path, "transactions.csv", HEADER + row(1, to_acc=bad_card) + row(2))
    check_summary(store, path, 2, 1, 0, 1)
    [q] = quarantine(store)
    assert (q["row_number"], q["field"], q["value"]) == (1, "to_account", bad_card)
    assert q["reason"] == "not a valid card"


def test_missing_required_field_is_quarantined(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "transactions.csv", HEADER + row(1, from_acc="") + row(2))
    check_summary(store, path, 2, 1, 0, 1)
    [q] = quarantine(store)
    assert (q["row_number"], q["field"], q["reason"]) == (
        1,
        "from_account",
        "missing required field",
    )


def test_negative_amount_is_quarantined(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "transactions.csv", HEADER + row(1, amount="-500") + row(2, amount="0"))
    check_summary(store, path, 2, 0, 0, 2)
    assert {q["reason"] for q in quarantine(store)} == {"amount must be positive"}


def test_timestamp_in_the_future_is_quarantined(store: Store, tmp_path: Path) -> None:
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = write(tmp_path, "transactions.csv", HEADER + row(1, time=future) + row(2))
    check_summary(store, path, 2, 1, 0, 1)
    [q] = quarantine(store)
    assert (q["field"], q["reason"]) == ("time", "timestamp in the future")


def test_duplicate_rows_in_a_file_are_counted_not_loaded(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "transactions.csv", HEADER + row(1) + row(1) + row(2) + row(1))
    check_summary(store, path, 4, 2, 2, 0)
    assert store.count("transactions") == 2


def test_unknown_feed_is_refused_and_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "ledger.csv", HEADER + row(1))
    report = ingest_paths(store, [path])
    assert not report.feeds
    [err] = report.errors
    assert err.file == str(path) and "unknown feed" in err.cause
    assert store.count("ingest_log") == 0


def test_missing_required_column_is_refused(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path, "transactions.csv", f"txn_id,time,from_account\n1,2026-03-01T08:00:00Z,{CARD_A}\n"
    )
    [err] = ingest_paths(store, [path]).errors
    assert "missing required column 'amount_fen'" in err.cause
    assert store.count("transactions") == store.count("quarantine") == 0


def test_truncated_parquet_is_refused_and_changes_nothing(
    store: Store, tiny_world: Path, tmp_path: Path
) -> None:
    data = (tiny_world / "feeds" / "transactions.parquet").read_bytes()
    path = tmp_path / "transactions.parquet"
    path.write_bytes(data[: len(data) // 2])
    [err] = ingest_paths(store, [path]).errors
    assert err.file == str(path) and "cannot be read as parquet" in err.cause
    assert store.count("transactions") == store.count("ingest_log") == 0


def test_truncated_gzip_is_refused_and_changes_nothing(store: Store, tmp_path: Path) -> None:
    body = HEADER + "".join(row(i) for i in range(1, 5000))
    data = gzip.compress(body.encode())
    path = tmp_path / "transactions.csv.gz"
    path.write_bytes(data[: len(data) - 40])
    [err] = ingest_paths(store, [path]).errors
    assert err.file == str(path)
    assert store.count("transactions") == store.count("ingest_log") == 0


def test_wrong_encoding_is_refused_with_a_hint(store: Store, tmp_path: Path) -> None:
    text = (
        "report_id,reported_at,victim_idno,victim_msisdn,district,fraud_type,"
        "contact_channel,narrative,claimed_loss_fen\n"
        "R1,2026-03-01T08:00:00Z,11010519491231002X,,450103,romance,app,受害人被骗,100\n"
    )
    path = write(tmp_path, "victim_reports.csv", text, encoding="gbk")
    [err] = ingest_paths(store, [path]).errors
    assert "not valid utf-8 text" in err.cause and "gbk" in err.cause
    assert store.count("victim_reports") == 0


def test_wrong_type_in_parquet_is_quarantined(store: Store, tmp_path: Path) -> None:
    table = pa.table(
        {
            "txn_id": ["1", "x"],
            "time": ["2026-03-01T08:00:00Z"] * 2,
            "from_account": [CARD_A] * 2,
            "to_account": [CARD_B] * 2,
            "amount_fen": [100, 200],
            "channel": ["transfer", "wire"],
        }
    )
    path = tmp_path / "transactions.parquet"
    pq.write_table(table, path)
    check_summary(store, path, 2, 1, 0, 1)
    fields = {(q["field"], q["reason"]) for q in quarantine(store)}
    assert ("txn_id", "not a whole number that fits int64") in fields
    assert any(f == "channel" for f, _ in fields)


def test_a_bad_file_does_not_stop_the_good_ones(store: Store, tmp_path: Path) -> None:
    good = write(tmp_path, "transactions.csv", HEADER + row(1))
    bad = write(tmp_path, "nonsense.csv", "a,b\n1,2\n")
    report = ingest_paths(store, [good, bad])
    assert report.feeds["transactions"].loaded == 1 and len(report.errors) == 1


def test_csv_round_trip_of_a_real_feed_keeps_every_value(
    store: Store, tiny_world: Path, tmp_path: Path
) -> None:
    calls = pq.read_table(tiny_world / "feeds" / "calls.parquet")
    path = tmp_path / "calls.csv"
    pacsv.write_csv(calls, path)
    assert ingest_paths(store, [path]).feeds["calls"].loaded == calls.num_rows
    got = store.arrow("select * exclude (ingest_id) from calls order by call_id")
    assert got.cast(calls.schema).equals(calls)


# A CSV row with more or fewer fields than the header cannot be split with any confidence: the
# file is refused whole, naming the rows as the quarantine numbers them.


def refused(store: Store, path: Path) -> str:
    [err] = ingest_paths(store, [path]).errors
    assert err.file == str(path)
    assert store.count("transactions") == store.count("quarantine") == 0
    assert store.count("ingest_log") == 0
    return err.cause


def test_row_with_too_many_fields_refuses_the_file_naming_the_row(
    store: Store, tmp_path: Path
) -> None:
    extra = row(2).rstrip("\n") + ",EXTRA\n"
    path = write(tmp_path, "transactions.csv", HEADER + row(1) + extra + row(3))
    cause = refused(store, path)
    assert cause.startswith("1 row does not have the header's 7 fields: row 2 has 8 (1 extra)")
    assert "EXTRA" in cause


def test_row_with_too_few_fields_refuses_the_file_naming_the_row(
    store: Store, tmp_path: Path
) -> None:
    short = f"3,2026-03-01T08:00:00Z,{CARD_A}\n"
    path = write(tmp_path, "transactions.csv", HEADER + row(1) + row(2) + short + row(4))
    cause = refused(store, path)
    assert "row 3 has 3 (to_account, amount_fen, channel, terminal missing)" in cause
    assert CARD_A in cause


def test_misfit_rows_are_numbered_as_the_quarantine_numbers_rows(
    store: Store, tmp_path: Path
) -> None:
    # A blank line is not a row; a quoted value may hold a line break.
    head = (
        HEADER + row(1) + "\n" + f'2,2026-03-01T08:00:00Z,{CARD_A},{CARD_B},100,transfer,"T\n1"\n'
    )
    # The same row, once with a bad amount (quarantined) and once with a field too many.
    quarantined = write(tmp_path, "transactions-q.csv", head + row(3, amount="x") + row(4))
    check_summary(store, quarantined, 4, 3, 0, 1)
    [q] = quarantine(store)
    misfit = row(3).rstrip("\n") + ",x\n"
    cause = refused(
        Store(tmp_path / "other.duckdb"), write(tmp_path, "transactions.csv", head + misfit)
    )
    assert f"row {q['row_number']} has 8" in cause


def test_many_misfit_rows_are_counted_and_the_first_named(store: Store, tmp_path: Path) -> None:
    body = "".join(row(i) if i % 2 else f"{i},2026-03-01T08:00:00Z\n" for i in range(1, 41))
    path = tmp_path / "transactions.csv.gz"
    path.write_bytes(gzip.compress((HEADER + body).encode()))
    cause = refused(store, path)
    assert cause.startswith("20 rows do not have the header's 7 fields: row 2 has 2 ")
    assert "row 10 has 2" in cause and "row 12" not in cause and cause.endswith("; and 15 more")
