"""All-or-nothing per file: a process killed in the middle of a large file leaves no trace of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fraudlink.model.identifiers._vector import make_luhn_numbers
from fraudlink.store import Store

ROWS = 1_500_000


def big_transactions(path: Path) -> None:
    """A large valid transactions file, enough to take a second or more to ingest."""
    rng = np.random.default_rng(0)
    cards = make_luhn_numbers(np.full(5000, "622202"), np.arange(5000), 19)
    start = np.datetime64("2026-03-01T00:00:00", "us").astype(np.int64)
    table = pa.table(
        {
            "txn_id": np.arange(1, ROWS + 1),
            "time": pa.array(
                start + np.sort(rng.integers(0, 10**12, ROWS)), pa.timestamp("us", tz="UTC")
            ),
            "from_account": pa.array(cards[rng.integers(0, 5000, ROWS)]),
            "to_account": pa.array(cards[rng.integers(0, 5000, ROWS)]),
            "amount_fen": rng.integers(100, 10**6, ROWS),
            "channel": pa.array(["transfer"] * ROWS),
        }
    )
    pq.write_table(table, path)


def store_bytes(db: Path) -> int:
    """Bytes of the store file and its write-ahead log."""
    return sum(p.stat().st_size for p in (db, Path(f"{db}.wal")) if p.exists())


def start_ingest(feed: Path, db: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "fraudlink", "ingest", str(feed), "--db", str(db), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_kill_during_ingest_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    feed = tmp_path / "transactions.parquet"
    big_transactions(feed)
    db = tmp_path / "store.duckdb"
    with Store(db) as store:  # the store exists, migrated, before the run that will be killed
        store.con.execute("insert into institutions values ('ICBC', 'x', 'bank', null, null)")
    before = store_bytes(db)
    proc = start_ingest(feed, db)
    # Kill the moment the store file starts to grow: the insert is then being written.
    deadline = time.monotonic() + 60
    while proc.poll() is None and store_bytes(db) <= before and time.monotonic() < deadline:
        time.sleep(0.002)
    assert proc.poll() is None, "the ingest finished before it could be killed mid-write"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Store(db) as store:
        assert store.count("transactions") == 0
        assert store.count("ingest_log") == store.count("quarantine") == 0
        assert store.count("institutions") == 1
    # The same file, run to the end, loads whole.
    assert start_ingest(feed, db).wait() == 0
    with Store(db) as store:
        assert store.count("transactions") == ROWS
        assert store.count("ingest_log") == 1
