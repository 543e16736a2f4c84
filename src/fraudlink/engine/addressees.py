"""Who must act on an order: the institution that issued an account or a number."""

from __future__ import annotations

from fraudlink.store import Store

_ISSUED = {"account": ("bank_accounts", "account"), "msisdn": ("sim_cards", "msisdn")}


def issuers(store: Store, kind: str, values: list[str]) -> dict[str, str]:
    """value -> inst_id of the bank (kind `account`) or operator (kind `msisdn`) that issued it;
    values nobody in the alliance issued are left out."""
    table, column = _ISSUED[kind]
    if not values:
        return {}  # most blocks of a batch's known numbers find them blocked already: no scan
    rows = store.con.execute(
        f"select {column}, any_value(inst_id) from {table} "
        f"where {column} in (select unnest(?::varchar[])) group by {column}",
        [values],
    ).fetchall()
    return {r[0]: r[1] for r in rows}
