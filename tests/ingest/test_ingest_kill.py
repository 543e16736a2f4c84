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


def test_kill_during_ingest_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    feed = tmp_path / "transactions.parquet"
    big_transactions(feed)
    db = tmp_path / "store.duckdb"
    with Store(db) as store:  # the store exists, migrated, before the run that will be killed
        store.con.execute("insert into institutions values ('ICBC', 'x', 'bank', null, null)")
    killed_mid_run = 0
    for delay in (0.5, 1.0, 1.5, 2.5):
        proc = subprocess.Popen(
            [sys.executable, "-m", "fraudlink", "ingest", str(feed), "--db", str(db), "--quiet"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed_mid_run += 1
        proc.wait()
        with Store(db) as store:
            n = store.count("transactions")
            assert n in (0, ROWS), f"a kill after {delay} s left {n} rows"
            assert store.count("institutions") == 1
            log = store.count("ingest_log")
            assert log == (1 if n else 0)
        if n:
            break
    assert killed_mid_run >= 1, "no run was still going when killed; make the file larger"
