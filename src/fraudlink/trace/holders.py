"""Who holds an account and which institution issued it (the addressee of an order on it), and
which accounts a person holds."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store import Store
from fraudlink.store.arrays import run_positions
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
        self._rows = _Registrations()
        self._account = _HashIndex()
        self._owner = _HashIndex()

    def holders(self, store: Store, accounts: list[str]) -> dict[str, Holder]:
        """account → holder, as `account_holders` would answer now."""
        self._sync(store)
        rows, asked = self._account.find(_hashes(accounts), accounts, self._rows, "account")
        got = zip(*(self._rows.take(rows, c).to_pylist()
                    for c in ("inst_id", "inst_name", "owner_name")), strict=True)  # fmt: skip
        return {accounts[k]: h for k, h in zip(asked.tolist(), got, strict=True)}

    def accounts_of(self, store: Store, idnos: list[str]) -> dict[str, set[str]]:
        """ID number → the accounts registered in that person's name, as `bank_accounts` says
        now."""
        self._sync(store)
        rows, asked = self._owner.find(_hashes(idnos), idnos, self._rows, "owner_idno")
        out: dict[str, set[str]] = {i: set() for i in idnos}
        names = self._rows.take(rows, "account").to_pylist()
        for k, account in zip(asked.tolist(), names, strict=True):
            out[idnos[k]].add(account)
        return out

    def _sync(self, store: Store) -> None:
        n = store.count("bank_accounts")
        first = self._rows.n
        if n <= first:
            return
        sql = _SYNC_SQL.format(account_hash=HASH_SQL.format("b.account"),
                               owner_hash=HASH_SQL.format("b.owner_idno"))  # fmt: skip
        new = store.arrow(sql, [first, n])
        self._rows.append(new.drop_columns(["account_hash", "owner_hash"]))
        rows = np.arange(first, first + new.num_rows, dtype=np.int64)
        self._account.add(new.column("account_hash").to_numpy(), rows)
        self._owner.add(new.column("owner_hash").to_numpy(), rows)


# Recent rows are folded into the large part once they pass 1/16 of it: copying every string
# column of the city's 2.9 M registrations took about 130 ms, and registrations come hundreds
# of times a month.
_FOLD_SHARE = 16
_MIN_FOLD = 65_536


class _Registrations:
    """Registrations in row order: one large combined table, and the few read since."""

    def __init__(self) -> None:
        self.main: pa.Table | None = None
        self.recent: list[pa.Table] = []
        self.recent_table: pa.Table | None = None  # `recent` combined, made once per append
        self.n_main = 0
        self.n = 0

    def append(self, rows: pa.Table) -> None:
        """Keep registrations read after the ones already held."""
        self.recent.append(rows)
        self.n += rows.num_rows
        if self.n - self.n_main > max(_MIN_FOLD, self.n_main // _FOLD_SHARE):
            parts = [self.main] if self.main is not None else []
            self.main = pa.concat_tables([*parts, *self.recent]).combine_chunks()
            self.recent, self.n_main = [], self.n
        self.recent_table = pa.concat_tables(self.recent).combine_chunks() if self.recent else None

    def take(self, rows: npt.NDArray[np.int64], column: str) -> pa.Array:
        """The column's values at the given row numbers, in their order."""
        old = rows < self.n_main
        parts = []
        if self.main is not None:
            parts.append(self.main.column(column).chunk(0).take(pa.array(rows[old], pa.int64())))
        if self.recent_table is not None:
            col = self.recent_table.column(column).chunk(0)
            parts.append(col.take(pa.array(rows[~old] - self.n_main, pa.int64())))
        if not parts:
            return pa.array([], pa.string())
        # Back in the order asked: the old rows' values came first, then the recent ones'.
        where = np.empty(len(rows), np.int64)
        where[np.flatnonzero(old)] = np.arange(int(old.sum()))
        where[np.flatnonzero(~old)] = int(old.sum()) + np.arange(int((~old).sum()))
        return pa.concat_arrays(parts).take(pa.array(where, pa.int64()))


class _HashIndex:
    """Row numbers sorted by a 64-bit hash of a key: a large sorted part and a short sorted
    tail, merged once the tail passes 1/32 of it."""

    def __init__(self) -> None:
        empty_keys, empty_rows = np.empty(0, np.uint64), np.empty(0, np.int64)
        self.parts = [(empty_keys, empty_rows), (empty_keys, empty_rows)]

    def add(self, keys: npt.NDArray[np.uint64], rows: npt.NDArray[np.int64]) -> None:
        """Index more rows."""
        (main_k, main_r), (tail_k, tail_r) = self.parts
        keys = np.concatenate([tail_k, keys.astype(np.uint64)])
        rows = np.concatenate([tail_r, rows])
        if len(keys) > max(_MIN_FOLD, len(main_k) // 32):
            keys, rows = np.concatenate([main_k, keys]), np.concatenate([main_r, rows])
            main_k, main_r = keys[:0], rows[:0]
        order = np.argsort(keys, kind="stable")
        self.parts = [(main_k, main_r), (keys[order], rows[order])]
        if not len(main_k):  # everything was merged: the sorted whole is the large part
            self.parts.reverse()

    def find(
        self, hashes: npt.NDArray[np.uint64], asked: list[str], rows_of: _Registrations, column: str
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Every row whose `column` is an asked value: the rows, and the position of the value
        asked, in that order and then by row."""
        found, which = [], []
        for keys, rows in self.parts:
            lo = np.searchsorted(keys, hashes, side="left")
            n = np.searchsorted(keys, hashes, side="right") - lo
            found.append(rows[run_positions(lo, n)])
            which.append(np.repeat(np.arange(len(hashes), dtype=np.int64), n))
        rows, at = np.concatenate(found), np.concatenate(which)
        if not len(rows):
            return rows, at
        # A hash is not the key: keep the rows whose value is the one asked.
        want = pa.array(asked, pa.string()).take(pa.array(at, pa.int64()))
        same = pc.equal(rows_of.take(rows, column), want).to_numpy(zero_copy_only=False)
        rows, at = rows[np.asarray(same, dtype=bool)], at[np.asarray(same, dtype=bool)]
        order = np.lexsort((rows, at))
        return rows[order], at[order]


def _hashes(values: list[str]) -> npt.NDArray[np.uint64]:
    """DuckDB's `hash` of each value, as the registrations were indexed by."""
    if not values:
        return np.empty(0, np.uint64)
    (got,) = compute_connection().execute(
        f"select list_transform(?::varchar[], lambda v: {HASH_SQL.format('v')})", [values]
    ).fetchall()
    return np.array(got[0], np.uint64)
