"""The audit log's hash chain: appends chain, and any edit, deletion or insertion is found."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.store import Store
from fraudlink.web.audit import DENIED, GENESIS, AuditLog, verify_chain
from fraudlink.web.users import Principal

BANK = Principal("b1", "bank", "B01")
ANALYST = Principal("ana", "analyst", None)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "audit.duckdb") as s:
        yield s


def _fill(store: Store, n: int) -> AuditLog:
    log = AuditLog(store.con)
    for i in range(n):
        who = BANK if i % 2 else ANALYST
        outcome = DENIED if i % 3 == 0 else "ok"
        log.append(who, "read.order", f"O-{i}", outcome, {"i": i, "名": "张"})
    return log


def test_empty_log_holds(store: Store) -> None:
    check = verify_chain(store.con)
    assert check.ok and check.entries == 0


def test_entries_chain_from_genesis_and_a_reopened_log_goes_on(store: Store) -> None:
    _fill(store, 4)
    rows = store.con.execute("select seq, prev_hash, hash from audit_log order by seq").fetchall()
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    assert rows[0][1] == GENESIS
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, 4))
    AuditLog(store.con).append(ANALYST, "login", "ana")
    check = verify_chain(store.con)
    assert check.ok and check.entries == 5


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 8), data=st.data())
def test_any_change_is_found_at_the_entry_changed(
    tmp_path_factory: pytest.TempPathFactory, n: int, data: st.DataObject
) -> None:
    with Store(tmp_path_factory.mktemp("chain") / "a.duckdb") as store:
        _fill(store, n)
        # Deleting the newest entry is a truncation, which a chain cannot see (docs/web.md).
        seq = data.draw(st.integers(1, n))
        how = data.draw(st.sampled_from(["detail", "target", "outcome", "delete", "swap_user"]))
        if how == "delete":
            seq = min(seq, n - 1)
        con = store.con
        if how == "delete":
            con.execute("delete from audit_log where seq = ?", [seq])
        elif how == "swap_user":
            con.execute("update audit_log set username = 'someone' where seq = ?", [seq])
        else:
            con.execute(f"update audit_log set {how} = {how} || 'x' where seq = ?", [seq])
        check = verify_chain(con)
        assert not check.ok
        assert check.first_bad_seq == seq


def test_a_changed_hash_breaks_the_chain_at_its_entry(store: Store) -> None:
    _fill(store, 5)
    store.con.execute("update audit_log set hash = (case when hash[1] = 'f' then 'e' else 'f' end)"
                      " || substr(hash, 2) where seq = 3")  # fmt: skip
    check = verify_chain(store.con)
    assert check.first_bad_seq == 3
    assert "changed" in check.reason
