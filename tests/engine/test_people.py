"""Who holds a number or an account: the columnar look-ups against the dictionaries they replaced,
on random registrations (numbers passed on, reserved numbers that are someone's SIM card, holders
with accounts only) and random evidence rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from call_count import calls_made
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.engine.people import People, among
from fraudlink.store.arrays import NO_ID
from fraudlink.warn import CONTACT, EVIDENCE
from fraudlink.warn.screen import PAYMENT

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
NUMBERS = [
    "13900000001",
    "13900000002",
    "13900000003",
    "13900000004",
    "013900000005",
    "+8613900000006",
]
ACCOUNTS = ["6222020200000000006", "6217000000000001", "62170000000000017", "acct-9"]
IDNOS = ["11010519491231002X", "110105194912310011", "110105194912310046", "P1"]


class DictPeople:
    """The definition: the dictionaries the engine kept before, one probe a row."""

    def __init__(self) -> None:
        self.by_number: dict[str, str] = {}
        self.by_account: dict[str, str] = {}
        self.phone_of: dict[str, str] = {}
        self.more_numbers: dict[str, list[str]] = {}
        self.reserved_of: dict[str, str] = {}

    def receive(self, events: dict[str, pa.Table]) -> None:
        if (t := events.get("sim_cards")) is not None:
            numbers = t.column("msisdn").to_pylist()
            holders = t.column("owner_idno").to_pylist()
            self.by_number.update(zip(numbers, holders, strict=True))
            for n, h in zip(numbers, holders, strict=True):
                first = self.phone_of.get(h)
                if first is None:
                    self.phone_of[h] = n
                    self.reserved_of.pop(h, None)
                elif n != first and n not in self.more_numbers.get(h, ()):
                    if n < first:
                        self.phone_of[h], n = n, first
                    self.more_numbers.setdefault(h, []).append(n)
        if (t := events.get("bank_accounts")) is not None:
            accounts = t.column("account").to_pylist()
            holders = t.column("owner_idno").to_pylist()
            self.by_account.update(zip(accounts, holders, strict=True))
            for h, p in zip(holders, t.column("phone").to_pylist(), strict=True):
                if p and h not in self.phone_of and self.by_number.get(p, h) == h:
                    self.reserved_of[h] = p

    def phone(self, idno: str) -> str | None:
        return self.phone_of.get(idno) or self.reserved_of.get(idno)

    def pairs(self, idnos: list[str]) -> set[tuple[str, str]]:
        out = set()
        for i in idnos:
            for n in (self.phone(i), *self.more_numbers.get(i, ())):
                if n and self.by_number.get(n, i) == i:
                    out.add((n, i))
        return out

    def holders(self, evidence: pa.Table) -> list[str | None]:
        numbers = evidence.column("msisdn").to_pylist()
        accounts = evidence.column("account").to_pylist()
        return [
            self.by_number.get(n) if n is not None else self.by_account.get(a or "")
            for n, a in zip(numbers, accounts, strict=True)
        ]

    def attach(self, evidence: pa.Table) -> list[dict[str, Any]]:
        idno = self.holders(evidence)
        phone = [
            n if n is not None else self.phone(i or "")
            for n, i in zip(evidence.column("msisdn").to_pylist(), idno, strict=True)
        ]
        out = evidence.append_column("idno", pa.array(idno, pa.string()))
        out = out.append_column("phone", pa.array(phone, pa.string())).sort_by("at")
        return out.filter(pc.is_valid(out.column("idno"))).to_pylist()


def sim_cards(rows: list[tuple[str, str]]) -> pa.Table:
    return pa.table(
        {
            "msisdn": pa.array([n for n, _ in rows], pa.string()),
            "owner_idno": pa.array([h for _, h in rows], pa.string()),
        }
    )


def bank_accounts(rows: list[tuple[str, str, str | None]]) -> pa.Table:
    return pa.table(
        {
            "account": pa.array([a for a, _, _ in rows], pa.string()),
            "owner_idno": pa.array([h for _, h, _ in rows], pa.string()),
            "phone": pa.array([p for _, _, p in rows], pa.string()),
        }
    )


def evidence(rows: list[tuple[str | None, str | None]]) -> pa.Table:
    """Evidence rows: (the person's number, or None and their paying account)."""
    return pa.Table.from_pylist(
        [
            {
                **dict.fromkeys(EVIDENCE.names),
                "evidence": CONTACT if n is not None else PAYMENT,
                "at": T0 + timedelta(seconds=(7 * i) % 5),
                "msisdn": n,
                "account": a,
            }
            for i, (n, a) in enumerate(rows)
        ],
        schema=EVIDENCE,
    )


number, account, idno = st.sampled_from(NUMBERS), st.sampled_from(ACCOUNTS), st.sampled_from(IDNOS)
batch = st.fixed_dictionaries(
    {
        "sim_cards": st.lists(st.tuples(number, idno), max_size=4),
        "bank_accounts": st.lists(
            st.tuples(account, idno, st.one_of(st.none(), st.just(""), number)), max_size=4
        ),
    }
)
rows = st.lists(
    st.one_of(
        st.tuples(number, st.none()),
        st.tuples(st.none(), account),
        st.tuples(st.none(), st.none()),
        st.tuples(st.just("13900000009"), account),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(batch, rows), min_size=1, max_size=6))
def test_the_columns_find_whom_the_dictionaries_found(
    steps: list[tuple[dict[str, list[Any]], list[tuple[str | None, str | None]]]],
) -> None:
    people, want = People(), DictPeople()
    for regs, asked in steps:
        events = {
            "sim_cards": sim_cards(regs["sim_cards"]),
            "bank_accounts": bank_accounts(regs["bank_accounts"]),
        }
        people.receive(events)
        want.receive(events)
        ev = evidence(asked)
        who = people.holders(ev)
        assert who.dtype == np.int64 and len(who) == ev.num_rows
        assert people.idnos(who).to_pylist() == want.holders(ev)
        assert people.attach(ev).to_pylist() == want.attach(ev)
        assert people.attach(ev, who).to_pylist() == want.attach(ev)
        for i in IDNOS:
            assert people.phone(i) == want.phone(i)
        known = np.unique(who[who != NO_ID])
        numbers, owner = people.numbers(known)
        still = people.still_theirs(numbers, owner)
        numbers, owner = numbers.filter(pa.array(still)), owner[still]
        got = set(zip(numbers.to_pylist(), people.idnos(owner).to_pylist(), strict=True))
        assert got == want.pairs(people.idnos(known).to_pylist())


def test_a_number_passed_on_is_its_new_holders_and_a_reserved_one_reaches_only_its_own() -> None:
    people = People()
    alice, bob, carol = IDNOS[:3]
    people.receive({"sim_cards": sim_cards([(NUMBERS[0], alice), (NUMBERS[1], alice)])})
    # Carol's bank holds Alice's number as hers: it is not Carol's to be reached by. Bob's holds
    # a number nobody has registered: it is his.
    people.receive(
        {
            "bank_accounts": bank_accounts(
                [(ACCOUNTS[0], carol, NUMBERS[1]), (ACCOUNTS[1], bob, NUMBERS[3])]
            )
        }
    )
    people.receive({"sim_cards": sim_cards([(NUMBERS[1], bob)])})
    ev = evidence(
        [
            (NUMBERS[0], None),
            (NUMBERS[1], None),
            (None, ACCOUNTS[0]),
            (None, ACCOUNTS[1]),
            (NUMBERS[3], None),
        ]
    )
    assert people.idnos(people.holders(ev)).to_pylist() == [alice, bob, carol, bob, None]
    # Oldest first; Bob is reached by his SIM card now, not by the number his bank holds.
    got = people.attach(ev).select(["idno", "phone"]).to_pylist()
    assert [(r["idno"], r["phone"]) for r in got] == [
        (alice, NUMBERS[0]),
        (bob, NUMBERS[1]),
        (bob, NUMBERS[1]),
        (carol, None),
    ]
    numbers, owner = people.numbers(people.holders(evidence([(NUMBERS[0], None)])))
    assert numbers.to_pylist() == [NUMBERS[0], NUMBERS[1]]  # on record for her...
    assert people.still_theirs(numbers, owner).tolist() == [True, False]  # ...but one is Bob's


def test_resolving_a_batch_costs_no_step_a_row() -> None:
    people = People()
    holders = [f"1101051949123{i:05d}" for i in range(3000)]
    numbers = [str(13900000000 + i) for i in range(3000)]
    accounts = [str(6217000000000000 + i) for i in range(3000)]
    people.receive(
        {
            "sim_cards": sim_cards(list(zip(numbers, holders, strict=True))),
            "bank_accounts": bank_accounts(
                [(a, h, None) for a, h in zip(accounts, holders, strict=True)]
            ),
        }
    )
    few = evidence([(numbers[0], None), (None, accounts[1]), ("13800000000", None)])
    many = evidence(
        [(n, None) for n in numbers[::3]]
        + [(None, a) for a in accounts[1::3]]
        + [("13800000000", None)] * 200
    )
    for step in (people.holders, people.attach):
        small = calls_made(lambda: step(few))  # noqa: B023
        big = calls_made(lambda: step(many))  # noqa: B023
        assert big - small < 20, (step.__name__, small, big)


def test_among_is_membership_in_a_sorted_set() -> None:
    ids = np.array([5, NO_ID, 2, 9, 2], np.int64)
    assert among(ids, np.array([2, 9], np.int64)).tolist() == [False, False, True, True, True]
    assert among(ids, np.empty(0, np.int64)).tolist() == [False] * 5
