"""The FIFO lot queue: money is conserved and paid out oldest first."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.simulate.crime.lots import CLEAN, LotQueue

# A deposit (episode, hop, amount) or a withdrawal of a fraction of the balance.
ops = st.lists(
    st.one_of(
        st.tuples(st.just("in"), st.integers(-1, 4), st.integers(0, 3), st.integers(1, 10**7)),
        st.tuples(st.just("out"), st.floats(0.01, 1.0)),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_random_deposits_and_withdrawals_conserve_money(seq: list[tuple]) -> None:
    q = LotQueue()
    deposited: dict[int, int] = {}
    withdrawn: dict[int, int] = {}
    order: list[int] = []  # episodes in deposit order, for the FIFO check
    for op in seq:
        if op[0] == "in":
            _, e, hop, amount = op
            q.deposit(e, hop, amount)
            deposited[e] = deposited.get(e, 0) + amount
            order.append(e)
        elif q.balance > 0:
            amount = max(1, int(q.balance * op[1]))
            pieces = q.withdraw(amount)
            assert sum(a for _, _, a in pieces) == amount
            assert all(a > 0 for _, _, a in pieces)
            for e, _, a in pieces:
                withdrawn[e] = withdrawn.get(e, 0) + a
    held = q.holdings()
    for e in deposited:
        assert deposited[e] == withdrawn.get(e, 0) + held.get(e, 0)
    assert q.balance == sum(held.values()) >= 0
    assert q.dirty() == sum(v for e, v in held.items() if e != CLEAN)


def test_oldest_money_leaves_first() -> None:
    q = LotQueue()
    q.deposit(1, 1, 500)
    q.deposit(CLEAN, 0, 100)
    q.deposit(2, 1, 300)
    assert q.withdraw(550) == [(1, 1, 500), (CLEAN, 0, 50)]
    assert q.withdraw(350) == [(CLEAN, 0, 50), (2, 1, 300)]
    assert q.balance == 0


def test_same_episode_and_hop_merge_into_one_lot() -> None:
    q = LotQueue()
    q.deposit(7, 2, 10)
    q.deposit(7, 2, 15)
    q.deposit(7, 3, 5)
    assert [tuple(x) for x in q.lots] == [(7, 2, 25), (7, 3, 5)]


def test_overdraft_and_empty_amounts_are_refused() -> None:
    q = LotQueue()
    q.deposit(1, 1, 100)
    with pytest.raises(ValueError):
        q.withdraw(101)
    with pytest.raises(ValueError):
        q.withdraw(0)
    with pytest.raises(ValueError):
        q.deposit(1, 1, 0)
