"""Account holders: the remembering lookup answers as the store does while registrations grow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.store import Store
from fraudlink.trace import holders
from fraudlink.trace.holders import HolderBook, account_holders


@pytest.fixture(params=["hash", "colliding"])
def hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The book's own hash, and one with three values only: every lookup then meets rows of
    other accounts and people under its hash, which must be told apart by the value itself."""
    if request.param == "colliding":
        monkeypatch.setattr(holders, "HASH_SQL", "(hash({}) % 3)")


@pytest.fixture(params=["large", "small"])
def folding(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The book's own thresholds, and tiny ones: every registration read then folds the recent
    rows and the hash tails into the large parts, as at city scale."""
    if request.param == "small":
        monkeypatch.setattr(holders, "_MIN_FOLD", 1)
        monkeypatch.setattr(holders, "_FOLD_SHARE", 1)


@pytest.mark.usefixtures("hashing", "folding")
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


@pytest.mark.usefixtures("hashing", "folding")
def test_accounts_in_a_name_follow_new_registrations(store: Store, tmp_path: Path) -> None:
    accounts = store.arrow("select * from bank_accounts order by opened_at, account")
    n = accounts.num_rows
    many = store.arrow(
        "select owner_idno from bank_accounts group by 1 having count(*) >= 3 order by 1 limit 4"
    ).column("owner_idno")
    asked = [*many.to_pylist(), "110101199001010000"]  # and a person with no account

    def truth(s: Store) -> dict[str, set[str]]:
        rows = s.con.execute(
            "select owner_idno, account from bank_accounts "
            "where owner_idno in (select unnest(?::varchar[]))",
            [asked],
        ).fetchall()
        return {i: {a for o, a in rows if o == i} for i in asked}

    with Store(tmp_path / "grow.duckdb") as grow:
        book = HolderBook()
        sizes = []
        for lo, hi in ((0, n // 3), (n // 3, n // 3 + 1), (n // 3 + 1, n)):
            grow.con.register("src", accounts.slice(lo, hi - lo))
            grow.con.execute("insert into bank_accounts select * from src")
            # Asked in two overlapping halves: a person searched at one count, another at the next.
            half = book.accounts_of(grow, asked[::2])
            got = book.accounts_of(grow, asked)
            assert got == truth(grow)
            assert half == {i: got[i] for i in asked[::2]}
            sizes.append(sum(map(len, got.values())))
    assert sizes[-1] > sizes[0]
    assert got == truth(store)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 20), max_size=12), max_size=10), st.integers(1, 8))
def test_the_hash_index_keeps_every_key_sorted(batches: list[list[int]], fold: int) -> None:
    index, n, seen = holders._HashIndex(), 0, []
    with pytest.MonkeyPatch.context() as m:
        m.setattr(holders, "_MIN_FOLD", fold)
        for batch in batches:
            keys = np.array(batch, np.uint64)
            index.add(keys, np.arange(n, n + len(keys), dtype=np.int64))
            seen += [(k, n + i) for i, k in enumerate(batch)]
            n += len(batch)
            for keys_part, _ in index.parts:
                assert (np.diff(keys_part.astype(np.int64)) >= 0).all()
            held = [(int(k), int(r)) for ks, rs in index.parts for k, r in zip(ks, rs, strict=True)]
            assert sorted(held) == sorted(seen)
