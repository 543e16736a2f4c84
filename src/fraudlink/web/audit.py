"""The audit log: every read of personal data and every action, append-only and hash-chained.

Entry n stores sha256(hash of entry n-1 | canonical JSON of entry n). Changing, inserting or
deleting any entry breaks every hash after it, which `verify_chain` finds and names. Appends are
chained under one lock per process, and the server is the only process that writes the store.
Entries are stored in group commits: an append returns once its entry is stored, but entries
queued by concurrent requests go in together, one insert for many.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
import duckdb
import pyarrow as pa

from fraudlink.web.users import Principal

GENESIS = "0" * 64
_COLUMNS = ("seq", "at", "username", "role", "inst_id", "action", "target", "outcome", "detail",
            "prev_hash", "hash")  # fmt: skip
_ARROW = pa.schema([("seq", pa.int64()), ("at", pa.timestamp("us", tz="UTC")),
                    *((c, pa.string()) for c in _COLUMNS[2:])])  # fmt: skip
OK, DENIED, REFUSED = "ok", "denied", "refused"
ANONYMOUS = Principal("-", "-", None)


def _canonical(seq: int, at: datetime, who: Principal, action: str, target: str,
               outcome: str, detail: str) -> str:  # fmt: skip
    entry = {"seq": seq, "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
             "username": who.username, "role": who.role, "inst_id": who.inst_id,
             "action": action, "target": target, "outcome": outcome, "detail": detail}  # fmt: skip
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(prev_hash: str, canonical: str) -> str:
    """The chained hash of one entry."""
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()


class AuditLog:
    """Appends entries to `audit_log` in one store, chained to the last one."""

    # One insert statement carries at most this many entries; up to SMALL_BATCH as a VALUES list.
    MAX_BATCH = 256
    SMALL_BATCH = 8

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._lock = threading.Lock()  # the sequence, the chain and the entries waiting
        self._write = threading.Lock()  # one insert at a time
        last = con.execute("select seq, hash from audit_log order by seq desc limit 1").fetchall()
        self._seq: int = int(last[0][0]) if last else 0
        self._hash: str = str(last[0][1]) if last else GENESIS
        self._pending: list[list[Any]] = []
        self._written = self._seq
        self._flushing: asyncio.Task[None] | None = None  # the event loop's flush under way

    def append(self, who: Principal, action: str, target: str, outcome: str = OK,
               detail: dict[str, Any] | None = None) -> int:  # fmt: skip
        """Record one read or action; return its sequence number once the entry is stored."""
        seq = self._stage(who, action, target, outcome, detail)
        self._store_to(seq)
        return seq

    async def append_async(self, who: Principal, action: str, target: str, outcome: str = OK,
                           detail: dict[str, Any] | None = None) -> int:  # fmt: skip
        """`append` for async handlers: the entry is chained at once, stored off the event loop.

        One flush runs at a time in a worker thread and stores every entry queued when it starts;
        the requests whose entries it carries wait for it, not for a thread each.
        """
        seq = self._stage(who, action, target, outcome, detail)
        loop = asyncio.get_running_loop()
        while self._written < seq:
            flush = self._flushing
            if flush is None or flush.get_loop() is not loop:
                flush = self._flushing = loop.create_task(self._flush())
            await asyncio.shield(flush)
        return seq

    async def _flush(self) -> None:
        try:
            await anyio.to_thread.run_sync(self._store_to, self._seq)
        finally:
            self._flushing = None

    def _stage(self, who: Principal, action: str, target: str, outcome: str,
               detail: dict[str, Any] | None) -> int:  # fmt: skip
        """Chain one entry and queue it for storing; its sequence number."""
        text = json.dumps(detail or {}, sort_keys=True, ensure_ascii=False, default=str)
        with self._lock:
            seq, at = self._seq + 1, datetime.now(UTC)
            digest = entry_hash(self._hash, _canonical(seq, at, who, action, target, outcome, text))
            self._pending.append([seq, at, who.username, who.role, who.inst_id, action, target,
                                  outcome, text, self._hash, digest])  # fmt: skip
            self._seq, self._hash = seq, digest
        return seq

    def _store_to(self, seq: int) -> None:
        """Return once entry `seq` is stored.

        Group commit: whoever holds the write lock stores every entry queued, so under load one
        insert (about a millisecond, mostly the commit) carries many requests' entries.
        """
        with self._write:
            while self._written < seq:
                with self._lock:
                    batch = self._pending[: self.MAX_BATCH]
                    del self._pending[: self.MAX_BATCH]
                try:
                    self._insert(batch)
                except BaseException:
                    with self._lock:  # keep them for the next append: the chain has no gap
                        self._pending[:0] = batch
                    raise
                self._written = batch[-1][0]

    def _insert(self, rows: list[list[Any]]) -> None:
        if len(rows) <= self.SMALL_BATCH:
            values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(rows))
            self._con.execute(f"insert into audit_log values {values}",
                              [v for r in rows for v in r])  # fmt: skip
            return
        # A long VALUES list costs per value; an Arrow batch costs about one statement.
        batch = pa.table({c: [r[i] for r in rows] for i, c in enumerate(_COLUMNS)},
                         schema=_ARROW)  # fmt: skip
        self._con.register("_audit_batch", batch)
        try:
            self._con.execute("insert into audit_log select * from _audit_batch")
        finally:
            self._con.unregister("_audit_batch")


@dataclass(frozen=True)
class ChainCheck:
    """The verdict on the chain: entries checked and the first broken one, if any."""

    entries: int
    first_bad_seq: int | None
    reason: str

    @property
    def ok(self) -> bool:
        """True when every entry's hash holds."""
        return self.first_bad_seq is None


def verify_chain(con: duckdb.DuckDBPyConnection) -> ChainCheck:
    """Recompute the hash chain from the first entry; name the first entry that breaks it."""
    rows = con.execute(
        "select seq, \"at\", username, role, inst_id, action, target, outcome, detail, prev_hash, "
        "hash from audit_log order by seq"
    ).fetchall()
    prev, expected_seq = GENESIS, 1
    for seq, at, user, role, inst, action, target, outcome, detail, prev_hash, digest in rows:
        if seq != expected_seq:
            return ChainCheck(len(rows), expected_seq, f"entry {expected_seq} is missing")
        if prev_hash != prev:
            return ChainCheck(len(rows), seq, f"entry {seq} does not follow entry {seq - 1}")
        canonical = _canonical(seq, at, Principal(user, role, inst), action, target, outcome,
                               detail)  # fmt: skip
        if entry_hash(prev, canonical) != digest:
            return ChainCheck(len(rows), seq, f"entry {seq} was changed after it was written")
        prev, expected_seq = digest, seq + 1
    return ChainCheck(len(rows), None, "every entry holds")
