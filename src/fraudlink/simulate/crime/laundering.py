"""The fraud ledger: victims' payments, layering through card tiers, cash-out and camouflage.

Event-driven in time order (a heap). Every mule account keeps FIFO lots (`lots.LotQueue`), so
each outgoing transaction knows exactly whose money it carries; that gives the truth
`money_path` (one row per episode and transaction, hop 1 for the victim's payment, then +1 per
hop) and it stops where the money leaves the mule accounts: an ATM, a POS terminal, an OTC
crypto desk, or an innocent second-hand seller paid for goods.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.model.enums import TRANSACTION_CHANNELS
from fraudlink.simulate.crime.common import (
    ACCOUNT_ROLE,
    BANK_LOGIN,
    CAMOUFLAGE_IN_YUAN,
    CAMOUFLAGE_OUT_YUAN,
    CAMOUFLAGE_SIGMA,
    PERSON_ROLE,
)
from fraudlink.simulate.crime.ledger import Ledger, _Out
from fraudlink.simulate.crime.lots import CLEAN
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.world import US_PER_DAY, World, lognormal_fen

IntArray = npt.NDArray[np.int64]


def camouflage_plan(world: World, st: Crime, rng: np.random.Generator) -> dict[str, IntArray]:
    """Small ordinary-looking transfers in (from people of the seller's district) and payments
    out (to merchants) on each mule card while it is in use."""
    c = st.cards
    p = world.entity("persons")
    acc = world.entity("accounts")
    lo = np.maximum(c.active_us, world.start_us)
    hi = np.minimum(c.until_us, world.end_us)
    ok = (c.account >= 0) & (hi > lo)
    idx = np.flatnonzero(ok)
    days = (hi[idx] - lo[idx]) / US_PER_DAY
    k = rng.poisson(world.cfg.market.camouflage_per_day * days)
    card = np.repeat(idx, k)
    n = len(card)
    t = lo[card] + (rng.random(n) * (hi[card] - lo[card])).astype(np.int64)
    inbound = rng.random(n) < 0.5
    merchants = np.flatnonzero(acc["role"] == ACCOUNT_ROLE["merchant"])
    other = np.full(n, -1, np.int64)
    out_m = np.flatnonzero(~inbound)
    if len(merchants):
        other[out_m] = merchants[rng.integers(0, len(merchants), len(out_m))]
    else:
        inbound[:] = True
    friends = (p["main_account"] >= 0) & (p["role"] == PERSON_ROLE["ordinary"]) & ~st.taken
    district = p["district"][c.seller[card]]
    for d in np.unique(district):
        m = np.flatnonzero(inbound & (district == d))
        cand = np.flatnonzero(friends & (p["district"] == d))
        if not len(cand):
            cand = np.flatnonzero(friends)
        other[m] = p["main_account"][cand[rng.integers(0, len(cand), len(m))]]
    amount = np.where(
        inbound,
        lognormal_fen(rng, CAMOUFLAGE_IN_YUAN, CAMOUFLAGE_SIGMA, n),
        lognormal_fen(rng, CAMOUFLAGE_OUT_YUAN, CAMOUFLAGE_SIGMA, n),
    )
    return {
        "time": t,
        "account": c.account[card],
        "other": other,
        "amount": amount,
        "inbound": inbound,
    }


def run_laundering(world: World, st: Crime, rng: np.random.Generator) -> None:
    """Simulate the fraud ledger and write transactions, logins and the money truth."""
    ledger = Ledger(world, st, rng)
    ledger.run(camouflage_plan(world, st, rng))
    o = ledger.out
    pids = world.log("transactions").append(
        time=np.array(o.time, np.int64),
        from_acc=np.array(o.frm, np.int32),
        to_acc=np.array(o.to, np.int32),
        amount=np.array(o.amount, np.int64),
        channel=np.array(o.channel, np.int8),
        terminal=np.array(o.terminal, np.int32),
    )
    ep = st.episodes
    made = ep.pay_pid >= 0
    ep.pay_pid[made] = pids[ep.pay_pid[made]]
    world.log("logins").append(
        time=np.array(o.login_time, np.int64),
        account_kind=np.full(len(o.login_time), BANK_LOGIN, np.int8),
        account=np.array(o.login_account, np.int32),
        device=np.array(o.login_device, np.int32),
        ip=np.array(o.login_ip, np.int32),
    )
    _truth(world, st, o, pids, made)
    st.innocent_sellers = np.unique(np.array(ledger.innocent, np.int64))
    world.entity("accounts")["role"][st.innocent_sellers] = ACCOUNT_ROLE["innocent_seller"]
    st.residue = {
        a: [(e, h, x) for e, h, x in q.lots if e != CLEAN]
        for a, q in ledger.queues.items()
        if q.dirty()
    }
    st.counts["fraud_transactions"] = len(o.time)
    st.counts["money_path_rows"] = len(o.path_txn)
    st.counts["victim_payments"] = int(made.sum())


def _truth(world: World, st: Crime, o: _Out, pids: IntArray, made: npt.NDArray[np.bool_]) -> None:
    ep = st.episodes
    number = world.entity("accounts")["number"]
    world.truth_table("fraud_payments").add(
        txn_pid=ep.pay_pid[made].astype(np.int64),
        episode_id=ep.episode_id[ep.pay_episode[made]].astype(np.int32),
        seq=ep.pay_seq[made].astype(np.int16),
    )
    txn = np.array(o.path_txn, np.int64)
    frm = np.array(o.frm, np.int64)[txn] if len(txn) else np.zeros(0, np.int64)
    to = np.array(o.to, np.int64)[txn] if len(txn) else np.zeros(0, np.int64)
    chan = np.array(o.channel, np.int64)[txn] if len(txn) else np.zeros(0, np.int64)
    world.truth_table("money_path").add(
        episode_id=np.array(o.path_episode, np.int32),
        txn_pid=pids[txn] if len(txn) else np.zeros(0, np.int64),
        hop=np.array(o.path_hop, np.int16),
        time=np.array(o.time, np.int64)[txn] if len(txn) else np.zeros(0, np.int64),
        from_account=number[frm] if len(txn) else np.zeros(0, "U19"),
        to_account=np.where(to >= 0, number[np.maximum(to, 0)], "")
        if len(txn)
        else np.zeros(0, "U19"),
        amount_fen=np.array(o.path_amount, np.int64),
        channel=np.array(TRANSACTION_CHANNELS)[chan] if len(txn) else np.zeros(0, "U12"),
    )
