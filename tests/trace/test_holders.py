"""Account holders: the remembering lookup answers as the store does while registrations grow."""

from __future__ import annotations

from pathlib import Path

from fraudlink.store import Store
from fraudlink.trace.holders import HolderBook, account_holders


def test_remembered_holders_follow_new_registrations(store: Store, tmp_path: Path) -> None:
    accounts = store.arrow("select * from bank_accounts order by opened_at, account")
    n = accounts.num_rows
    asked = accounts.column("account").take([0, 1, n // 2, n // 2 + 1, n - 1]).to_pylist()
    asked += ["6200000000000000000"]  # never registered
    with Store(tmp_path / "grow.duckdb") as grow:
        grow.con.register("src", store.arrow("select * from institutions"))
        grow.con.execute("insert into institutions select * from src")
        book = HolderBook()
        seen = []
        for lo, hi in ((0, 1), (1, n // 2 + 1), (n // 2 + 1, n)):
            grow.con.register("src", accounts.slice(lo, hi - lo))
            grow.con.execute("insert into bank_accounts select * from src")
            got = book.holders(grow, asked)
            assert got == account_holders(grow, asked)
            assert book.holders(grow, asked) == got  # asked again with nothing new
            seen.append(len(got))
    assert seen == [1, 3, 5]
    assert got == account_holders(store, asked)
