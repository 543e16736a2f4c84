"""The audit log: every read of personal data and every action, append-only and hash-chained.

Entry n stores sha256(hash of entry n-1 | canonical JSON of entry n). Changing, inserting or
deleting any entry breaks every hash after it, which `verify_chain` finds and names. Appends are
serialised by one lock per process, and the server is the only process that writes the store.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from fraudlink.web.users import Principal

GENESIS = "0" * 64
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

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._lock = threading.Lock()
        last = con.execute("select seq, hash from audit_log order by seq desc limit 1").fetchall()
        self._seq: int = int(last[0][0]) if last else 0
        self._hash: str = str(last[0][1]) if last else GENESIS

    def append(self, who: Principal, action: str, target: str, outcome: str = OK,
               detail: dict[str, Any] | None = None) -> int:  # fmt: skip
        """Record one read or action; return its sequence number."""
        text = json.dumps(detail or {}, sort_keys=True, ensure_ascii=False, default=str)
        with self._lock:
            seq, at = self._seq + 1, datetime.now(UTC)
            digest = entry_hash(self._hash, _canonical(seq, at, who, action, target, outcome, text))
            self._con.execute(
                "insert into audit_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [seq, at, who.username, who.role, who.inst_id, action, target, outcome, text,
                 self._hash, digest],
            )  # fmt: skip
            self._seq, self._hash = seq, digest
        return seq


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
