"""Who holds an account and which institution issued it (the addressee of an order on it), and
which accounts a person holds."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store import Store
from fraudlink.store.compute import compute_connection

Holder = tuple[str, str, str]  # (institution id, institution name, account holder's name)

_SQL = """
select b.account, any_value(b.inst_id), any_value(coalesce(i.name, b.inst_id)),
       any_value(b.owner_name)
from bank_accounts b left join institutions i on i.inst_id = b.inst_id
where b.account in (select unnest(?::varchar[])) and b.rowid >= ? group by b.account
"""

_OWNED_SQL = """
select owner_idno, account from bank_accounts
where owner_idno in (select unnest(?::varchar[])) and rowid >= ? and rowid < ?
"""


def account_holders(store: Store, accounts: list[str], from_row: int = 0) -> dict[str, Holder]:
    """account → (institution id, institution name, holder's name), for registered accounts
    (among the registrations from row `from_row` on)."""
    rows = store.con.execute(_SQL, [accounts, from_row]).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


# What accounts and ID numbers are found by: DuckDB's 64-bit hash (the same in every connection).
HASH_SQL = "hash({})"
# Every registration from a row on, with the hashes it is found by.
_SYNC_SQL = """
select {account_hash} as account_hash, {owner_hash} as owner_hash, b.account,
       b.inst_id, coalesce(i.name, b.inst_id) as inst_name, b.owner_name, b.owner_idno
from bank_accounts b left join institutions i on i.inst_id = b.inst_id
where b.rowid >= ? and b.rowid < ? order by b.rowid
"""


class HolderBook:
    """Holders, and the accounts in a person's name, from the registrations kept in memory, for
    a store whose registrations are only added to.

    Each question first reads the registrations added since the last one (by row id, so DuckDB
    skips the older row groups), then answers from memory: an account or ID number is found by
    its hash in a sorted array and checked against the registration itself. A scan of
    `bank_accounts` costs about 45 ms at city scale whatever the number of accounts asked, and
    the engine asked new accounts and new victims at nearly every fund-control tick.
    """

    def __init__(self) -> None:
        self._rows: list[pa.Table] = []  # registrations read so far, in row order
        self._table: pa.Table | None = None  # the same, combined, once asked for
        self._n = 0
        self._account = _HashIndex()
        self._owner = _HashIndex()

    def holders(self, store: Store, accounts: list[str]) -> dict[str, Holder]:
        """account → holder, as `account_holders` would answer now."""
        self._sync(store)
        rows, asked = self._account.find(_hashes(accounts), accounts, self._column("account"))
        t = self._registrations().take(pa.array(rows, pa.int64()))
        got = zip(*(t.column(c).to_pylist() for c in ("inst_id", "inst_name", "owner_name")),
                  strict=True)  # fmt: skip
        return {accounts[k]: h for k, h in zip(asked.tolist(), got, strict=True)}

    def accounts_of(self, store: Store, idnos: list[str]) -> dict[str, set[str]]:
        """ID number → the accounts registered in that person's name, as `bank_accounts` says
        now."""
        self._sync(store)
        rows, asked = self._owner.find(_hashes(idnos), idnos, self._column("owner_idno"))
        out: dict[str, set[str]] = {i: set() for i in idnos}
        names = self._registrations().column("account").take(pa.array(rows, pa.int64()))
        for k, account in zip(asked.tolist(), names.to_pylist(), strict=True):
            out[idnos[k]].add(account)
        return out

    def _sync(self, store: Store) -> None:
        n = store.count("bank_accounts")
        if n <= self._n:
            return
        sql = _SYNC_SQL.format(account_hash=HASH_SQL.format("b.account"),
                               owner_hash=HASH_SQL.format("b.owner_idno"))  # fmt: skip
        new = store.arrow(sql, [self._n, n])
        first = self._n
        self._rows.append(new.drop_columns(["account_hash", "owner_hash"]))
        self._table = None
        rows = np.arange(first, first + new.num_rows, dtype=np.int64)
        self._account.add(new.column("account_hash").to_numpy(), rows)
        self._owner.add(new.column("owner_hash").to_numpy(), rows)
        self._n = n

    def _registrations(self) -> pa.Table:
        if self._table is None:
            if not self._rows:
                return pa.table({c: pa.array([], pa.string()) for c in _COLUMNS})
            self._table = pa.concat_tables(self._rows).combine_chunks()
            self._rows = [self._table]
        return self._table

    def _column(self, name: str) -> pa.Array:
        col = self._registrations().column(name)
        return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


_COLUMNS = ("account", "inst_id", "inst_name", "owner_name", "owner_idno")


class _HashIndex:
    """Row numbers sorted by a 64-bit hash of a key."""

    def __init__(self) -> None:
        self.keys = np.empty(0, np.uint64)
        self.rows = np.empty(0, np.int64)

    def add(self, keys: npt.NDArray[np.uint64], rows: npt.NDArray[np.int64]) -> None:
        """Index more rows (one copy of the arrays: registrations come a few hundred times)."""
        order = np.argsort(keys, kind="stable")
        keys, rows = keys[order].astype(np.uint64), rows[order]
        at = np.searchsorted(self.keys, keys, side="right")
        self.keys, self.rows = np.insert(self.keys, at, keys), np.insert(self.rows, at, rows)

    def find(
        self, hashes: npt.NDArray[np.uint64], asked: list[str], values: pa.Array
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Every row whose key (in `values`) is an asked value: the rows, and the position of
        the value asked, in that order and then by row."""
        lo = np.searchsorted(self.keys, hashes, side="left")
        n = np.searchsorted(self.keys, hashes, side="right") - lo
        which = np.repeat(np.arange(len(hashes), dtype=np.int64), n)
        pos = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
        rows = self.rows[np.repeat(lo, n) + pos]
        if not len(rows):
            return rows, which
        # A hash is not the key: keep the rows whose value is the one asked.
        have = values.take(pa.array(rows, pa.int64()))
        want = pa.array(asked, pa.string()).take(pa.array(which, pa.int64()))
        same = np.asarray(pc.equal(have, want).to_numpy(zero_copy_only=False), dtype=bool)
        rows, which = rows[same], which[same]
        order = np.lexsort((rows, which))
        return rows[order], which[order]


def _hashes(values: list[str]) -> npt.NDArray[np.uint64]:
    """DuckDB's `hash` of each value, as the registrations were indexed by."""
    if not values:
        return np.empty(0, np.uint64)
    (got,) = compute_connection().execute(
        f"select list_transform(?::varchar[], lambda v: {HASH_SQL.format('v')})", [values]
    ).fetchall()
    return np.array(got[0], np.uint64)
