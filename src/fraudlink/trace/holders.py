"""Who holds an account and which institution issued it (the addressee of an order on it), and
which accounts a person holds."""

from __future__ import annotations

from fraudlink.store import Store

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


class HolderBook:
    """Holders (and the accounts in a person's name) looked up once and remembered, for a store
    whose registrations are only added to.

    A registration never changes, so an answer holds for good; an account not registered yet is
    looked for again only among the registrations added since (DuckDB skips older row groups by
    row id). The engine asks about the same accounts at every fund-control tick, and a lookup in
    `bank_accounts` costs about 60 ms at city scale whatever the number of accounts asked.
    """

    def __init__(self) -> None:
        self._known: dict[str, Holder] = {}
        self._missing: dict[str, int] = {}  # account -> registrations already searched
        self._owned: dict[str, set[str]] = {}  # ID number -> accounts in that name
        self._owned_upto: dict[str, int] = {}  # ID number -> registrations already searched

    def holders(self, store: Store, accounts: list[str]) -> dict[str, Holder]:
        """account → holder, as `account_holders` would answer now."""
        new = [a for a in accounts if a not in self._known and a not in self._missing]
        again = [a for a in accounts if a in self._missing]
        n = store.count("bank_accounts")
        if new:
            self._learn(account_holders(store, new), new, n)
        if again:
            since = min(self._missing[a] for a in again)
            if since < n:
                self._learn(account_holders(store, again, since), again, n)
        return {a: self._known[a] for a in accounts if a in self._known}

    def accounts_of(self, store: Store, idnos: list[str]) -> dict[str, set[str]]:
        """ID number → the accounts registered in that person's name, as `bank_accounts` says
        now; each person is searched in full once, then only among registrations added since."""
        n = store.count("bank_accounts")
        new = [i for i in idnos if i not in self._owned]
        stale = [i for i in idnos if i in self._owned and self._owned_upto[i] < n]
        if new:
            self._search_owners(store, new, 0, n)
        if stale:
            self._search_owners(store, stale, min(self._owned_upto[i] for i in stale), n)
        return {i: self._owned[i] for i in idnos}

    def _search_owners(self, store: Store, idnos: list[str], since: int, until: int) -> None:
        rows = store.con.execute(_OWNED_SQL, [idnos, since, until]).fetchall()
        for i in idnos:
            self._owned.setdefault(i, set())
            self._owned_upto[i] = until
        for idno, account in rows:
            self._owned[idno].add(account)

    def _learn(self, found: dict[str, Holder], asked: list[str], searched: int) -> None:
        self._known.update(found)
        for a in asked:
            if a in found:
                self._missing.pop(a, None)
            else:
                self._missing[a] = searched
