"""Round trip: a simulated world ingests completely, once, whatever the file format."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from fraudlink.ingest import ingest_paths
from fraudlink.model.tables import FEED_TABLES
from fraudlink.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.duckdb")


@pytest.mark.parametrize("distinct_from", [None, 1], ids=["per-row", "distinct-values"])
def test_counts_equal_the_simulators(
    tiny_world: Path, store: Store, distinct_from: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Large columns are judged on their distinct values: force that path on the tiny world too.
    if distinct_from is not None:
        monkeypatch.setattr("fraudlink.ingest.convert.DICTIONARY_FROM", distinct_from)
    report = ingest_paths(store, [tiny_world / "feeds"])
    assert not report.errors
    assert set(report.feeds) == set(FEED_TABLES)
    for name, s in report.feeds.items():
        written = pq.read_metadata(tiny_world / "feeds" / f"{name}.parquet").num_rows
        assert s.read == written == s.loaded, name
        assert s.duplicate == s.quarantined == 0, name
        assert store.count(name) == written


def test_reingesting_adds_nothing(tiny_world: Path, store: Store) -> None:
    ingest_paths(store, [tiny_world / "feeds"])
    before = {n: store.count(n) for n in FEED_TABLES}
    again = ingest_paths(store, [tiny_world / "feeds"])
    for name, s in again.feeds.items():
        assert s.loaded == 0 and s.duplicate == s.read, name
    assert {n: store.count(n) for n in FEED_TABLES} == before


def test_overlapping_files_load_each_record_once(
    tiny_world: Path, store: Store, tmp_path: Path
) -> None:
    tx = pq.read_table(tiny_world / "feeds" / "transactions.parquet")
    n = tx.num_rows
    first, second = tmp_path / "transactions-a.csv", tmp_path / "transactions-b.csv.gz"
    pacsv.write_csv(tx.slice(0, 2 * n // 3), first)
    with gzip.open(second, "wb") as fh:
        pacsv.write_csv(tx.slice(n // 3), fh)
    report = ingest_paths(store, [first, second])
    s = report.feeds["transactions"]
    assert s.files == 2 and s.loaded == n
    assert s.duplicate == (2 * n // 3) + (n - n // 3) - n
    assert store.count("transactions") == n
    stored = store.arrow("select * exclude (ingest_id) from transactions order by txn_id")
    assert stored.cast(tx.schema).equals(tx)


def test_json_lines_are_read(tiny_world: Path, store: Store, tmp_path: Path) -> None:
    import json

    reports = pq.read_table(tiny_world / "feeds" / "victim_reports.parquet").to_pylist()
    path = tmp_path / "victim_reports.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for r in reports:
            r["reported_at"] = r["reported_at"].isoformat()
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    report = ingest_paths(store, [path])
    assert report.feeds["victim_reports"].loaded == len(reports) > 0
    got = store.arrow("select narrative from victim_reports order by report_id").column(0)
    want = [r["narrative"] for r in sorted(reports, key=lambda r: r["report_id"])]
    assert got.to_pylist() == want


def test_provenance_is_recorded(tiny_world: Path, store: Store) -> None:
    ingest_paths(store, [tiny_world / "feeds" / "persons.parquet"])
    log = store.arrow("select * from ingest_log").to_pylist()
    assert len(log) == 1 and log[0]["feed"] == "persons" and len(log[0]["sha256"]) == 64
    ids = store.arrow("select distinct ingest_id from persons").column(0).to_pylist()
    assert ids == [log[0]["ingest_id"]]
