"""The fraud ledger: FIFO money truth that adds up, layering, mixing and cash-out."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from crime_helpers import columns, log_table, state

from fraudlink.model.enums import ACCOUNT_ROLES, TRANSACTION_CHANNELS
from fraudlink.simulate.world import World

WORLDS = ("tiny", "wide")
MULE = {ACCOUNT_ROLES.index(r) for r in ("mule_l1", "mule_l2", "mule_l3")}


@pytest.fixture(params=WORLDS)
def world(request: pytest.FixtureRequest) -> World:
    w = request.getfixturevalue(request.param)
    assert isinstance(w, World)
    return w


def money_path(world: World) -> dict[str, np.ndarray]:
    return columns(world.truth_table("money_path"))


def number_index(world: World) -> dict[str, int]:
    return {str(n): i for i, n in enumerate(world.entity("accounts")["number"])}


def test_each_mule_account_passes_on_or_holds_what_it_received(world: World) -> None:
    mp = money_path(world)
    st = state(world)
    idx = number_index(world)
    role = world.entity("accounts")["role"]
    inflow: dict[tuple[int, int], int] = defaultdict(int)
    outflow: dict[tuple[int, int], int] = defaultdict(int)
    for e, frm, to, a, hop in zip(
        mp["episode_id"],
        mp["from_account"],
        mp["to_account"],
        mp["amount_fen"],
        mp["hop"],
        strict=True,
    ):
        if hop > 1:
            src = idx[str(frm)]
            assert role[src] in MULE, "money moved on from an account that is not a mule"
            outflow[(src, int(e))] += int(a)
        if to:
            inflow[(idx[str(to)], int(e))] += int(a)
    held: dict[tuple[int, int], int] = defaultdict(int)
    for acc, lots in st.residue.items():
        for e, _, a in lots:
            held[(acc, e)] += a
    mule_keys = {k for k in inflow if role[k[0]] in MULE}
    assert mule_keys, "no mule account received money"
    for key in mule_keys | set(outflow) | set(held):
        assert inflow[key] == outflow[key] + held[key], key


def test_hop_one_money_is_each_episodes_loss(world: World) -> None:
    mp = money_path(world)
    ep = columns(world.truth_table("episodes"))
    hop1 = np.bincount(
        mp["episode_id"][mp["hop"] == 1],
        weights=mp["amount_fen"][mp["hop"] == 1],
        minlength=len(ep["episode_id"]),
    )
    assert np.array_equal(ep["episode_id"], np.arange(len(ep["episode_id"])))
    assert np.array_equal(hop1.astype(np.int64), ep["loss_fen"])
    assert (ep["loss_fen"] > 0).all() and (ep["payments"] >= 1).all()
    fp = columns(world.truth_table("fraud_payments"))
    assert np.array_equal(
        np.bincount(fp["episode_id"], minlength=len(ep["payments"])), ep["payments"]
    )


def test_every_path_transaction_is_in_the_log_and_big_enough(world: World) -> None:
    mp = money_path(world)
    tx = log_table(world, "transactions")
    pid = mp["txn_pid"]
    assert pid.min() >= 0 and pid.max() < len(tx["time"])
    share: dict[int, int] = defaultdict(int)
    for p, a in zip(pid, mp["amount_fen"], strict=True):
        share[int(p)] += int(a)
    for p, total in share.items():
        assert tx["amount"][p] >= total
    number = world.entity("accounts")["number"]
    assert np.array_equal(number[tx["from_acc"][pid]], mp["from_account"])
    to = np.where(tx["to_acc"][pid] >= 0, number[np.maximum(tx["to_acc"][pid], 0)], "")
    assert np.array_equal(to, mp["to_account"])
    assert np.array_equal(tx["time"][pid], mp["time"])
    assert np.array_equal(np.array(TRANSACTION_CHANNELS)[tx["channel"][pid]], mp["channel"])
    assert ((tx["time"] >= world.start_us) & (tx["time"] < world.end_us)).all()
    assert (tx["amount"] > 0).all()


def test_no_mule_account_is_ever_overdrawn(world: World) -> None:
    tx = log_table(world, "transactions")
    role = world.entity("accounts")["role"]
    mule = np.isin(role, list(MULE))
    pid = np.arange(len(tx["time"]))
    acc = np.r_[tx["from_acc"], tx["to_acc"]]
    signed = np.r_[-tx["amount"], tx["amount"]]
    time = np.r_[tx["time"], tx["time"]]
    order_key = np.r_[pid, pid]
    keep = (acc >= 0) & mule[np.maximum(acc, 0)]
    acc, signed, time, order_key = acc[keep], signed[keep], time[keep], order_key[keep]
    order = np.lexsort((order_key, time, acc))
    acc, signed = acc[order], signed[order]
    running = np.cumsum(signed)
    start = np.r_[0, np.flatnonzero(acc[1:] != acc[:-1]) + 1]
    before = np.repeat(np.r_[0, running[start[1:] - 1]], np.diff(np.r_[start, len(acc)]))
    assert (running - before >= 0).all()


def test_money_is_layered_past_the_second_level(world: World) -> None:
    mp = money_path(world)
    assert mp["hop"].max() >= 3
    deepest = np.zeros(mp["episode_id"].max() + 1, np.int64)
    np.maximum.at(deepest, mp["episode_id"], mp["hop"])
    assert (deepest >= 3).mean() > 0.5


def test_victims_money_mixes_on_shared_cards(world: World) -> None:
    mp = money_path(world)
    role = world.entity("accounts")["role"]
    idx = number_index(world)
    tiers = {ACCOUNT_ROLES.index("mule_l1"), ACCOUNT_ROLES.index("mule_l2")}
    episodes = defaultdict(set)
    for e, frm in zip(mp["episode_id"], mp["from_account"], strict=True):
        a = idx[str(frm)]
        if role[a] in tiers:
            episodes[a].add(int(e))
    assert max(len(v) for v in episodes.values()) >= 2
    # And single transactions carry several victims' money.
    per_txn = defaultdict(set)
    for e, p in zip(mp["episode_id"], mp["txn_pid"], strict=True):
        per_txn[int(p)].add(int(e))
    assert max(len(v) for v in per_txn.values()) >= 2


def test_cash_out_leaves_the_ledger_or_pays_innocent_sellers(world: World) -> None:
    cfg = world.cfg.laundering
    tx = log_table(world, "transactions")
    mp = money_path(world)
    pid = np.unique(mp["txn_pid"])
    ch = tx["channel"][pid]
    term = world.entity("terminals")["kind"]
    for name, kind in (("atm_cash_out", "atm"), ("pos", "pos"), ("crypto", "otc")):
        m = ch == TRANSACTION_CHANNELS.index(name)
        assert (tx["to_acc"][pid[m]] == -1).all(), name
        assert (term[tx["terminal"][pid[m]]] == kind).all(), name
    atm = pid[ch == TRANSACTION_CHANNELS.index("atm_cash_out")]
    assert (tx["amount"][atm] <= cfg.atm_limit_yuan * 100).all()
    assert (tx["amount"][atm] % 10_000 == 0).all(), "ATMs pay out whole hundreds of yuan"
    goods = pid[ch == TRANSACTION_CHANNELS.index("payment")]
    goods = goods[tx["from_acc"][goods] >= 0]
    role = world.entity("accounts")["role"]
    paid = tx["to_acc"][goods]
    paid = paid[np.isin(role[tx["from_acc"][goods]], list(MULE))]
    sellers = np.asarray(world.notes["second_hand_seller_accounts"])
    assert np.isin(paid, sellers).all()
    assert (role[paid] == ACCOUNT_ROLES.index("innocent_seller")).all()
    used = set(mp["channel"][mp["hop"] > 1])
    assert {"transfer", "atm_cash_out", "crypto"} <= used


def test_victims_pay_into_their_gangs_current_first_level_cards(world: World) -> None:
    st = state(world)
    ep = st.episodes
    acc = world.entity("accounts")
    made = ep.pay_us < world.end_us
    to = ep.pay_to[made]
    assert (acc["role"][to] == ACCOUNT_ROLES.index("mule_l1")).all()
    assert np.array_equal(acc["gang"][to], ep.gang[ep.pay_episode[made]])
    card = {int(a): i for i, a in enumerate(st.cards.account) if a >= 0}
    for a, t in zip(to, ep.pay_us[made], strict=True):
        c = card[int(a)]
        assert st.cards.active_us[c] <= t < st.cards.until_us[c]


def test_mule_cards_carry_camouflage(world: World) -> None:
    tx = log_table(world, "transactions")
    role = world.entity("accounts")["role"]
    merchant = TRANSACTION_CHANNELS.index("merchant")
    m = tx["channel"] == merchant
    from_mule = np.isin(role[tx["from_acc"][m]], list(MULE))
    assert from_mule.sum() > 0
    assert (role[tx["to_acc"][m][from_mule]] == ACCOUNT_ROLES.index("merchant")).all()
    days = world.cfg.world.days
    st = state(world)
    in_use = np.minimum(st.cards.until_us, world.end_us) - np.maximum(
        st.cards.active_us, world.start_us
    )
    card_days = np.clip(in_use, 0, None).sum() / 86_400e6
    assert card_days > 0 and days > 0
    # Camouflage transfers in from people are ordinary accounts.
    t_in = (
        (tx["to_acc"] >= 0)
        & np.isin(role[np.maximum(tx["to_acc"], 0)], list(MULE))
        & (role[tx["from_acc"]] == ACCOUNT_ROLES.index("ordinary"))
    )
    expected = world.cfg.market.camouflage_per_day * card_days
    got = t_in.sum() - (st.episodes.pay_us < world.end_us).sum() + m.sum()
    assert 0.5 * expected < got < 1.5 * expected + 10
