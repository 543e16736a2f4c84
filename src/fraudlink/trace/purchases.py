"""Money a laundering chain spends on goods: a cash-out at an ordinary seller, not a hop.

Launderers cash out by buying goods from people who sell second-hand to strangers, and spend at
merchants; the seller's account then holds victims' money it was paid in good faith, and a stop
there freezes an innocent person (domain.md: "false freezes are a major public complaint").

From the ledger alone, an account a chain account pays is taken for a seller of goods when:

- the payment is a purchase (channel `payment` or `merchant`, or `pos`: a card paid at the
  account's own terminal), not a transfer, and the account is not one a reported victim paid (a
  first-level card is never a seller here);
- the account has an ordinary life: payers in the last `WINDOW` who are not accounts the victims'
  money reached (buyers, employers, friends), at least `MIN_PAYERS` of them;
- it holds money instead of passing it on: of the money it received in the window (up to
  `PASS_ON` before now, so each inflow had the time), less than `PASSED_ON_MAX` left again
  within `PASS_ON` of arriving, counted apart for its own money and for the chain's (a
  pass-through with buyers of its own fails the first, a mule card keeping a friend's small
  payment the second). Mule cards pass nearly all of it on within minutes to hours;
- the chain paid it at least `PASS_ON` before now, so the chain's own money is among what is
  judged: until then it is stopped like any other holder (a mule card given a little
  camouflage money of its own would otherwise pass for a seller, and be let off). Two kinds of
  account need no such wait, as what they have shown already says more than two hours would:
  a shop, `BUSY_INFLOWS` or more payers of its own in its last `BUSY_WINDOW`, holding its own
  money (no mule card has that many strangers paying it); and an account that held the chain's
  earlier money for `HELD_FOR` (less than `PASSED_ON_MAX` of it left within `HELD_FOR`), as
  no mule card does.

A busy account (`BUSY_INFLOWS` own payments in its last `BUSY_WINDOW`: a shop) is judged on
that day alone. The chain is every account the sub-ledger's victims' money reached; for the
money held a day, with the engine's book, every account the chains it traced before reached
too (reports close; their mule cards stay mule cards). Only the accounts in question are read
(from the engine's `LedgerBook`, or one query of the store), and the engine's verdicts are kept
with its book for `REJUDGE` (a verdict against a seller while the chain's money is fresh is not
kept: it may change once it settles).

A trace of one victim judges sellers on the sub-ledger of every report made by then
(`trace.engine`, `trace.index`), as the trace of all of them does: a payer of the seller on
another victim's chain is no payer of its own, and that chain's fresh payment counts too.

`as_purchases` marks the sub-ledger's payments into such accounts as cash-outs by goods (channel
`goods`, the seller's account as the terminal), so the replay records the money as spent where
it was spent (an exit, like an ATM withdrawal), the seller holds none of it, and no stop is
proposed there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store import Store
from fraudlink.store.arrays import TIME, epoch_us, string_codes
from fraudlink.trace.ledger_book import LedgerBook

IntArray = npt.NDArray[np.int64]

GOODS = "goods"  # the exit channel of money spent on goods at an ordinary seller
# A card paid at a merchant's POS terminal names the merchant's account: a purchase (a cash-out
# at the gang's own terminal names none, and is no candidate).
PURCHASE_CHANNELS = ("payment", "merchant", "pos")
WINDOW = timedelta(days=30)
# At the demo's 14 days a seller paid by a chain had had 1 to 9 other payers; mule cards paid by
# a chain had 0 to 5, but none of them by a purchase, and all of them passed money on.
MIN_PAYERS = 1
PASS_ON = timedelta(hours=2)  # third-level cards hold money about 90 minutes (median)
PASSED_ON_MAX = 0.5
# A busy account (a shop: dozens of payers a day) is judged on its last day alone: its month
# would be thousands of rows a tick for each, and a day already shows what it is. A mule card's
# own payers (camouflage) come a few a week, so it is never judged on a day.
BUSY_WINDOW = timedelta(days=1)
BUSY_INFLOWS = 20
# Mule cards move money on within minutes to hours (demo seeds 1 and 2: half of it within 43
# minutes, 99% within 4.5 h, the slowest 31.5 h); an account that kept most of the chain's money
# a whole day is holding it, and a fresh payment into it need not wait to be judged.
HELD_FOR = timedelta(hours=24)
# The engine traces every 30 minutes and meets the same shops again and again: a verdict on an
# account, kept with the engine's `LedgerBook`, stands for `REJUDGE` of event time. At city (170
# open reports, 48 ticks of a day) the verdicts took 1.9 s kept for 6 h, 0.9 s for 24 h, and
# about 200 ms a tick not kept (600 accounts, half of them shops).
REJUDGE = timedelta(hours=24)
_VERDICTS: WeakKeyDictionary[LedgerBook, dict[str, tuple[int, bool]]] = WeakKeyDictionary()
# Every account the chains traced with the engine's book have reached so far: the engine traces
# only open reports, and money a seller kept a day from a chain whose report has closed since is
# the chain's money all the same. Only that test reads them: on the others, a mule card paid by
# unknown chains as well as known ones is caught passing the unknown chains' money on as its own
# (a demo run with every mule-to-mule transfer paid by payment code let one more mule card off
# when every test read them).
_CHAINS: WeakKeyDictionary[LedgerBook, pa.Array] = WeakKeyDictionary()

_STORE_ROWS = """
select txn_id, time, from_account, to_account, amount_fen from transactions
where (to_account in (select unnest($accounts::varchar[]))
       or from_account in (select unnest($accounts::varchar[])))
  and time > $lo and time <= $hi
"""

# own inflows, own payers, and the shares passed on of its own money and of the chain's (None: none)
Stats = tuple[int, int, float | None, float | None]


def sellers_of_goods(
    store: Store, ledger: pa.Table, as_of: datetime, book: LedgerBook | None = None
) -> list[str]:
    """Accounts the sub-ledger's chain paid for goods: ordinary sellers, by the rule above.

    Only the accounts a chain account paid by a purchase are looked at, over their own rows:
    from the `LedgerBook` when given, else from one query of the store. Busy accounts are judged
    on their last `BUSY_WINDOW`, the others on their last `WINDOW`. Given the book (whose
    trace times only move forward), the chain whose money a fresh seller held a day is every
    account the chains traced with it have reached, and a verdict reached less than `REJUDGE`
    before `as_of` (never after it) is reused, except on an account the chain paid within
    `PASS_ON`."""
    accounts, fresh_pay, chain = _candidates(ledger, as_of)
    ever = chain
    if book is not None:
        traced = _CHAINS.get(book, pa.array([], pa.string()))
        ever = _CHAINS[book] = pc.unique(pa.concat_arrays([traced, chain.cast(pa.string())]))
    known = _VERDICTS.setdefault(book, {}) if book is not None else {}
    now = epoch_us(as_of)
    kept = [a for a in accounts if a in known and a not in fresh_pay]
    verdict = {a: known[a][1] for a in kept if 0 <= now - known[a][0] < _us(REJUDGE)}
    asked = [a for a in accounts if a not in verdict]
    if asked:
        day = _stats(_rows(store, asked, as_of - BUSY_WINDOW, as_of, book), asked, chain,
                     as_of - BUSY_WINDOW, as_of)  # fmt: skip
        judged = {a: (_shop(s) if a in fresh_pay else _seller(s))
                  for a, s in day.items() if s[0] >= BUSY_INFLOWS}  # fmt: skip
        rest = [a for a in asked if a not in judged]
        if rest:
            lo = as_of - WINDOW
            rows = _rows(store, rest, lo, as_of, book)
            month = _stats(rows, rest, chain, lo, as_of)
            waiting = [a for a in rest if a in fresh_pay]
            held = _stats(rows, waiting, ever, lo, as_of, HELD_FOR) if waiting else {}
            judged.update({a: (_held_before(month[a], held[a]) if a in held else _seller(month[a]))
                           for a in rest})  # fmt: skip
        for a, seller in judged.items():
            verdict[a] = seller
            if book is not None and (seller or a not in fresh_pay):
                known[a] = (now, seller)
    return sorted(a for a, seller in verdict.items() if seller)


def _seller(s: Stats) -> bool:
    """Payers of its own, and it holds what it is paid instead of passing it on: its own money
    (no such money that had the time to move, no verdict of holding) and the chain's alike. A
    pass-through with buyers, or a mule card holding a friend's small payment, fails one."""
    _, payers, own, chain = s
    return (payers >= MIN_PAYERS and own is not None and own < PASSED_ON_MAX
            and (chain is None or chain < PASSED_ON_MAX))  # fmt: skip


def _shop(day: Stats) -> bool:
    """Paid by the chain within `PASS_ON`, a seller all the same: a shop, `BUSY_INFLOWS` or more
    payers of its own in its last day, that holds its own money (and the chain's that settled)."""
    return day[1] >= BUSY_INFLOWS and _seller(day)


def _held_before(month: Stats, held: Stats) -> bool:
    """Paid by the chain within `PASS_ON`, a seller all the same: a seller by its month, whose
    chain money of `HELD_FOR` ago or more mostly stayed there `HELD_FOR` (`held` is the month
    judged over that span)."""
    return _seller(month) and held[3] is not None and held[3] < PASSED_ON_MAX


def _candidates(ledger: pa.Table, as_of: datetime) -> tuple[list[str], set[str], pa.Array]:
    """The accounts a chain account paid by a purchase, that no reported victim paid (sorted);
    those of them the chain paid by a purchase less than `PASS_ON` before `as_of`; and the chain:
    every account the sub-ledger pays into (all the victims' money reached).

    Whether an account the chain paid within `PASS_ON` passes that money on is not known yet,
    and a mule card with a little camouflage money of its own looks like a seller until it
    does: such an account is a seller only as a shop or by having held the chain's money
    before (`_shop`, `_held_before`)."""
    to = ledger.column("to_account")
    seed = pc.is_valid(ledger.column("report_id"))
    chain = pc.unique(pc.drop_null(to))
    paid = pc.unique(pc.drop_null(to.filter(seed)))
    bought = pc.and_(
        pc.and_(pc.invert(seed), pc.is_in(ledger.column("channel"), pa.array(PURCHASE_CHANNELS))),
        pc.and_(pc.is_in(ledger.column("from_account"), chain), pc.invert(pc.is_in(to, paid))),
    )
    bought = pc.fill_null(bought, False)
    recent = pc.greater(pc.cast(pc.cast(ledger.column("time"), TIME), pa.int64()),
                        epoch_us(as_of) - _us(PASS_ON))  # fmt: skip
    fresh = pc.unique(pc.drop_null(to.filter(pc.and_(bought, pc.fill_null(recent, False)))))
    found = pc.unique(pc.drop_null(to.filter(bought)))
    return sorted(found.to_pylist()), set(fresh.to_pylist()), chain


def _rows(
    store: Store, accounts: list[str], lo: datetime, hi: datetime, book: LedgerBook | None
) -> pa.Table:
    """The transactions into or out of the accounts in (lo, hi] (the book's may hold a few more
    besides: `_stats` keeps to the window)."""
    if book is None:
        params = {"accounts": accounts, "lo": lo, "hi": hi}
        return store.con.sql(_STORE_ROWS, params=params).to_arrow_table()
    ids = book.ids(accounts)
    lo_us = np.full(len(ids), epoch_us(lo), np.int64)
    hi_us = np.full(len(ids), epoch_us(hi), np.int64)
    return book.around(ids, lo_us, hi_us, ids, lo_us, hi_us)


def _stats(
    rows: pa.Table,
    accounts: list[str],
    chain: pa.Array,
    lo: datetime,
    hi: datetime,
    hold: timedelta = PASS_ON,
) -> dict[str, Stats]:
    """Per account, over (lo, hi]: inflows and distinct payers from outside the chain, and the
    shares of the money received (up to `hold` before `hi`, so each inflow had the time)
    that left again within `hold` of arriving, each inflow counting at most its own amount:
    of its own money (from outside the chain), and of the chain's.
    In whole columns: an account's outflows are summed over each inflow's window by one sort
    and two binary searches."""
    k = len(accounts)
    us = pc.cast(pc.cast(rows.column("time"), TIME), pa.int64()).to_numpy()
    inside = (us > epoch_us(lo)) & (us <= epoch_us(hi))
    rows, us = rows.filter(pa.array(inside)), us[inside]
    fen = rows.column("amount_fen").to_numpy().astype(np.int64)
    wanted = pa.array(accounts, pa.string())
    to = _index(rows.column("to_account"), wanted)
    frm = _index(rows.column("from_account"), wanted)
    own = (to >= 0) & ~_flags(pc.is_in(rows.column("from_account"), chain))
    payer = string_codes(rows.column("from_account").filter(pa.array(own)))[0] + 1
    pairs = np.unique(to[own] * (int(payer.max(initial=0)) + 1) + payer)
    n_payers = np.bincount(pairs // (int(payer.max(initial=0)) + 1), minlength=k)
    n_own = np.bincount(to[own], minlength=k)
    old = (to >= 0) & (us <= epoch_us(hi) - _us(hold))
    sent = np.zeros(len(to), np.int64)
    sent[old] = _passed_on(to[old], us[old], fen[old], frm, us, fen, hold)
    shares = []
    for part in (old & own, old & (to >= 0) & ~own):
        received = np.zeros(k, np.int64)
        np.add.at(received, to[part], fen[part])
        passed = np.zeros(k, np.int64)
        np.add.at(passed, to[part], sent[part])
        shares.append([float(p / r) if r else None for p, r in zip(passed, received, strict=True)])
    return {a: (int(n_own[i]), int(n_payers[i]), shares[0][i], shares[1][i])
            for i, a in enumerate(accounts)}  # fmt: skip


def _passed_on(
    acc: IntArray,
    t: IntArray,
    fen: IntArray,
    out_acc: IntArray,
    out_t: IntArray,
    out_fen: IntArray,
    hold: timedelta = PASS_ON,
) -> IntArray:
    """Per inflow (account, time, amount): the money its account paid out within `hold`
    after it, capped at the inflow's amount. `out_acc` is -1 on rows that are no payment out of
    an account asked."""
    mine = out_acc >= 0
    if not len(acc) or not mine.any():
        return np.zeros(len(acc), np.int64)
    oa, ot, of = out_acc[mine], out_t[mine], out_fen[mine]
    base = int(min(ot.min(), t.min()))
    span = int(max(ot.max(), t.max())) + _us(hold) - base + 1
    if span * (int(max(oa.max(), acc.max())) + 1) >= 2**62:
        raise OverflowError("the window spans too long a time for one key per account")
    key = oa * span + (ot - base)
    order = np.argsort(key, kind="stable")
    key, total = key[order], np.concatenate([[0], np.cumsum(of[order])])
    first = np.searchsorted(key, acc * span + (t - base), side="left")
    last = np.searchsorted(key, acc * span + (t + _us(hold) - base), side="right")
    return np.minimum(total[last] - total[first], fen)


def _index(column: pa.ChunkedArray, values: pa.Array) -> IntArray:
    """Each row's position in `values`, -1 for none."""
    return np.asarray(pc.fill_null(pc.index_in(column, value_set=values), -1).to_numpy(),
                      dtype=np.int64)  # fmt: skip


def _flags(mask: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _us(d: timedelta) -> int:
    return int(d / timedelta(microseconds=1))


def as_purchases(ledger: pa.Table, sellers: list[str]) -> pa.Table:
    """The sub-ledger with every payment into a seller of goods marked a cash-out by goods:
    channel `goods` and the seller's account as the terminal. The payee stays (the trail shows
    whom the chain paid); the replay takes a `goods` row as money leaving the ledger. The
    victims' own payments, the seeds, are left as they are."""
    if not sellers or ledger.num_rows == 0:
        return ledger
    to = ledger.column("to_account")
    spent = pc.and_(pc.is_in(to, pa.array(sellers, pa.string())),
                    pc.is_null(ledger.column("report_id")))  # fmt: skip
    spent = pc.fill_null(spent, False)
    if not pc.any(spent).as_py():
        return ledger
    for name, value in (("terminal", to), ("channel", pa.scalar(GOODS, pa.string()))):
        i = ledger.schema.get_field_index(name)
        field = ledger.schema.field(i)
        column = pc.if_else(spent, value, ledger.column(i)).cast(field.type)
        ledger = ledger.set_column(i, field, column)
    return ledger


def spent_on_goods(ledger: pa.Table) -> npt.NDArray[np.bool_]:
    """Per sub-ledger row, whether it is a cash-out by goods (see `as_purchases`)."""
    goods = pc.fill_null(pc.equal(ledger.column("channel"), GOODS), False)
    return np.asarray(goods.to_numpy(zero_copy_only=False), dtype=bool)
