"""The honest look-alikes of fraud patterns are there: fan-in, pass-through, many short calls."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fraudlink.model.enums import ACCOUNT_ROLES, SIM_ROLES, TRANSACTION_CHANNELS
from fraudlink.simulate.life.contacts import build_circles
from fraudlink.simulate.life.context import build_life
from fraudlink.simulate.world import CHINA_OFFSET_US, US_PER_DAY, US_PER_HOUR, World

Tables = Callable[[World, str], dict[str, np.ndarray]]
CH = {c: i for i, c in enumerate(TRANSACTION_CHANNELS)}
ROLE = {r: i for i, r in enumerate(ACCOUNT_ROLES)}
SIM = {r: i for i, r in enumerate(SIM_ROLES)}


def distinct_senders(tx: dict[str, np.ndarray], accounts: np.ndarray) -> float:
    """Mean number of distinct payers of the given accounts (among those that received)."""
    m = np.isin(tx["to_acc"], accounts)
    pairs = np.unique(np.stack([tx["to_acc"][m], tx["from_acc"][m]]), axis=1)
    return len(pairs[0]) / max(len(np.unique(pairs[0])), 1)


def test_merchants_have_high_fan_in(world: World, tables: Tables) -> None:
    tx = tables(world, "transactions")
    a = world.entity("accounts")
    merchants = np.flatnonzero(a["role"] == ROLE["merchant"])
    ordinary = np.flatnonzero(a["role"] == ROLE["ordinary"])
    assert distinct_senders(tx, merchants) > 10 * distinct_senders(tx, ordinary)
    # Popularity is uneven: the busiest merchant has several times the median's customers.
    counts = np.bincount(tx["to_acc"][np.isin(tx["to_acc"], merchants)])
    counts = counts[counts > 0]
    assert counts.max() > 3 * np.median(counts)


def test_small_businesses_pass_money_on_within_hours(world: World, tables: Tables) -> None:
    tx = tables(world, "transactions")
    a = world.entity("accounts")
    hold = world.cfg.ordinary.business_hold_hours
    for biz in np.flatnonzero(a["role"] == ROLE["small_business"]):
        into = tx["to_acc"] == biz
        out = tx["from_acc"] == biz
        assert into.sum() > 20 and out.sum() > 5
        ratio = tx["amount"][out].sum() / tx["amount"][into].sum()
        assert 0.8 < ratio <= 1.0
        # Money-weighted mean time out minus time in: the mean hold (median x e^(sigma^2/2)).
        lag = (np.average(tx["time"][out], weights=tx["amount"][out])
               - np.average(tx["time"][into], weights=tx["amount"][into])) / US_PER_HOUR
        assert 0.5 * hold < lag < 2.5 * hold
        # Each payment out follows receipts of the hours before it.
        t_in = np.sort(tx["time"][into])
        prev = np.searchsorted(t_in, tx["time"][out]) - 1
        assert (prev >= 0).all()
        assert np.median(tx["time"][out] - t_in[prev]) < 2 * hold * US_PER_HOUR


def test_salaries_are_paid_on_pay_day(world: World, tables: Tables) -> None:
    tx = tables(world, "transactions")
    a = world.entity("accounts")
    p = world.entity("persons")
    paid = a["role"][tx["from_acc"]] == ROLE["employer"]
    assert paid.sum() > 500
    local_day = (tx["time"][paid] + CHINA_OFFSET_US - world.start_us) // US_PER_DAY
    assert (local_day == 2).all()  # the 3rd of the month, China time
    to = tx["to_acc"][paid]
    assert len(np.unique(to)) == len(to)
    assert np.isin(to, p["main_account"]).all()


def test_transfers_stay_mostly_in_the_district(world: World, tables: Tables) -> None:
    tx = tables(world, "transactions")
    a = world.entity("accounts")
    p = world.entity("persons")
    to = np.maximum(tx["to_acc"], 0)
    p2p = ((tx["channel"] == CH["transfer"]) & (a["role"][tx["from_acc"]] == ROLE["ordinary"])
           & (a["role"][to] == ROLE["ordinary"]) & (a["owner"][tx["from_acc"]] != a["owner"][to])
           & ~np.isin(to, world.notes["second_hand_seller_accounts"]))
    same = p["district"][a["owner"][tx["from_acc"][p2p]]] == p["district"][a["owner"][to[p2p]]]
    assert same.mean() > 0.75


def test_people_move_money_between_their_own_accounts(world: World, tables: Tables) -> None:
    tx = tables(world, "transactions")
    a = world.entity("accounts")
    to = np.maximum(tx["to_acc"], 0)
    own = (tx["to_acc"] >= 0) & (a["owner"][tx["from_acc"]] == a["owner"][to]) \
        & ~a["corporate"][tx["from_acc"]]
    assert own.sum() > 100
    assert (tx["from_acc"][own] != tx["to_acc"][own]).all()


def test_calls_go_mostly_to_acquaintances_from_home(world: World, tables: Tables) -> None:
    calls = tables(world, "calls")
    s = world.entity("sims")
    p = world.entity("persons")
    ordinary = s["role"][calls["caller"]] == SIM["ordinary"]
    owner = s["owner"][calls["caller"][ordinary]]
    at_home = calls["cell"][ordinary] == p["home_cell"][owner]
    assert 0.7 < at_home.mean() < 0.9
    # Most calls go to someone in the caller's circle, which holds about contacts_per_person.
    circles = build_circles(build_life(world))
    assert abs(circles.deg.mean() - world.cfg.ordinary.contacts_per_person) < 1
    callee = s["owner"][calls["callee"][ordinary]]
    start, deg = circles.start[owner], circles.deg[owner]
    known = np.zeros(len(owner), dtype=bool)
    for k in range(int(deg.max())):
        has = k < deg
        known[has] |= circles.nbr[start[has] + k] == callee[has]
    assert 0.75 < known.mean() < 0.9


def short_calls(world: World, calls: dict[str, np.ndarray], role: str) -> dict[int, np.ndarray]:
    s = world.entity("sims")
    m = s["role"][calls["caller"]] == SIM[role]
    return {int(c): np.flatnonzero(m & (calls["caller"] == c))
            for c in np.unique(calls["caller"][m])}


def test_riders_call_many_numbers_briefly_from_many_cells(world: World, tables: Tables) -> None:
    calls = tables(world, "calls")
    riders = short_calls(world, calls, "delivery_rider")
    assert len(riders) > 10
    distinct = []
    for rows in riders.values():
        assert len(rows) > 50
        # Customers of the rider's district: a small pool in the tiny world, so some repeat.
        distinct.append(len(np.unique(calls["callee"][rows])) / len(rows))
        assert distinct[-1] > 0.5
        assert len(np.unique(calls["cell"][rows])) >= 2
        d = calls["duration_s"][rows]
        assert np.median(d[d > 0]) < 60
    assert np.mean(distinct) > 0.7


def test_call_centre_agents_sit_together(world: World, tables: Tables) -> None:
    calls = tables(world, "calls")
    agents = short_calls(world, calls, "call_centre")
    assert len(agents) > 5
    main_cell = {}
    for agent, rows in agents.items():
        assert len(rows) > 150
        assert len(np.unique(calls["callee"][rows])) > 0.9 * len(rows)
        cells, n = np.unique(calls["cell"][rows], return_counts=True)
        assert n.max() > 0.9 * len(rows)
        main_cell[agent] = cells[n.argmax()]
        d = calls["duration_s"][rows]
        assert np.median(d[d > 0]) < 90
    _, per_cell = np.unique(list(main_cell.values()), return_counts=True)
    assert per_cell.max() >= 5


def test_logins_come_from_owner_phone_home_or_nat(world: World, tables: Tables) -> None:
    logins = tables(world, "logins")
    a = world.entity("accounts")
    p = world.entity("persons")
    bank = logins["account_kind"] == 0
    owner = a["owner"][logins["account"][bank]]
    assert (logins["device"][bank] == p["device"][owner]).all()
    home = logins["ip"][bank] == p["home_ip"][owner]
    nat = np.isin(logins["ip"][bank], world.notes["nat_ips"])
    assert (home | nat).all()
    assert 0.3 < home.mean() < 0.7


def test_students_and_the_elderly_are_less_active(world: World, tables: Tables) -> None:
    from fraudlink.model.enums import OCCUPATIONS

    tx = tables(world, "transactions")
    life = build_life(world)
    p = world.entity("persons")
    shop = world.entity("accounts")["role"][np.maximum(tx["to_acc"], 0)] == ROLE["merchant"]
    payer = world.entity("accounts")["owner"][tx["from_acc"][shop]]
    per_person = np.bincount(payer, minlength=len(p)) / world.cfg.world.days
    occ = p["occupation"][life.payers]
    rate = {o: per_person[life.payers][occ == OCCUPATIONS.index(o)].mean()
            for o in ("employee", "student", "retired")}
    assert rate["retired"] < 0.75 * rate["employee"]
    assert rate["student"] < 0.9 * rate["employee"]
