"""Card-cutting (断卡) in the engine: scores on the feeds known so far, and what follows from them.

Run on a cadence (daily by default), because a score needs a day of behaviour to move:
- SIM scores flag numbers for the warning desk; numbers over the block threshold, and numbers
  known bad, are blocked (封停) by their operator; those in between must be re-verified
  (二次实名核验) by their holder in person;
- mule scores flag accounts for the warning desk (paying into them is evidence);
- seized and case-confirmed cards are frozen (冻结) even when they hold no traced money, because
  a seized card still in circulation keeps receiving victims' money;
- weekly, card rings are found and each comes out as a target package for a strike.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow.compute as pc

from fraudlink.detect.accounts_ledger import PaymentColumns, account_ledger_of, cash_out_mask
from fraudlink.detect.accounts_model import score_accounts
from fraudlink.detect.ledger_figures import LedgerFigures
from fraudlink.detect.rings import find_rings, target_package
from fraudlink.detect.sims import score_sims
from fraudlink.detect.sims_book import SimScoreBook
from fraudlink.engine.addressees import issuers
from fraudlink.engine.known import Flags
from fraudlink.engine.policy import Policy
from fraudlink.model.actions import FREEZE, NUMBER_BLOCK, REVERIFY, TARGET_PACKAGE, Action
from fraudlink.store import Store
from fraudlink.trace.ledger_book import LedgerBook

BLOCK_BASIS = "number block (封停) of a SIM card used for fraud"
REVERIFY_BASIS = "re-verification (二次实名核验) of a suspected SIM card by its holder"
FREEZE_BASIS = "freeze (冻结) of a card seized in a raid or confirmed in a case"
PACKAGE_BASIS = "target package for a strike on a card ring (断卡行动)"
MIN_LABELS = 20  # mule labels needed before the account model is worth fitting


def block_numbers(
    store: Store, numbers: dict[str, str], now: datetime, blocked: set[str]
) -> list[Action]:
    """Blocks of the given numbers (number -> why) not blocked yet."""
    todo = sorted(n for n in numbers if n not in blocked)
    ops = issuers(store, "msisdn", todo)
    out = []
    for n in todo:
        if n not in ops:
            continue  # not a number any operator of the alliance registered
        blocked.add(n)
        out.append(Action(kind=NUMBER_BLOCK, decided_at=now, target=n, target_kind="msisdn",
                          addressee=ops[n], basis=BLOCK_BASIS, evidence=numbers[n]))  # fmt: skip
    return out


def sim_actions(
    store: Store, flags: Flags, policy: Policy, now: datetime, blocked: set[str],
    reverified: set[str], book: SimScoreBook | None = None,
) -> list[Action]:  # fmt: skip
    """Score every SIM; flag, block and demand re-verification as the scores say. `book` keeps
    the scores' call counts up to date between runs (the same scores, without a full scan)."""
    # Only the flagged: the scores and reasons of every other SIM would be thrown away here.
    floor = policy.sim_flag
    s = score_sims(store, now, floor) if book is None else book.score(now, floor)
    nums = s.column("msisdn").to_pylist()
    scores = s.column("score").to_pylist()
    reasons = s.column("reasons").to_pylist()
    flags.suspect_numbers(dict(zip(nums, scores, strict=True)), "sim_scores", replace=True)
    to_block = {n: f"SIM score {sc:.2f}: {r}" for n, sc, r in zip(nums, scores, reasons,
                strict=True) if sc >= policy.sim_block}  # fmt: skip
    out = block_numbers(store, to_block, now, blocked)
    todo = [(n, sc, r) for n, sc, r in zip(nums, scores, reasons, strict=True)
            if sc < policy.sim_block and n not in reverified and n not in blocked]  # fmt: skip
    ops = issuers(store, "msisdn", [n for n, _, _ in todo])
    for n, sc, r in todo:
        reverified.add(n)
        out.append(Action(kind=REVERIFY, decided_at=now, target=n, target_kind="msisdn",
                          addressee=ops.get(n, "unknown operator"), basis=REVERIFY_BASIS,
                          evidence=f"SIM score {sc:.2f}: {r}"))  # fmt: skip
    return out


def book_payments(book: LedgerBook) -> PaymentColumns:
    """The ledger book's payments as the columns the mule features are counted from."""
    payer, payee, time_us = book.columns()
    return PaymentColumns(
        accounts=book.accounts(), payer=payer, payee=payee, time_us=time_us,
        amount_fen=book.column("amount_fen").to_numpy().astype(np.int64, copy=False),
        cash_out=cash_out_mask(book.column("channel")),
    )  # fmt: skip


def flag_accounts(
    store: Store, flags: Flags, policy: Policy, now: datetime, book: LedgerBook | None = None,
    figures: LedgerFigures | None = None,
) -> None:  # fmt: skip
    """Score every account with the mule model fitted on the labels known now.

    `book`, the engine's ledger book of the store's transactions, gives the accounts' payment
    figures from memory instead of from a scan of the ledger (the same figures); `figures`, kept
    from one run to the next, folds in only the payments the book took since the last."""
    n_labels = store.con.execute(
        "select (select count(*) from case_confirmations where kind = 'account') "
        "+ (select count(*) from report_payments)"
    ).fetchall()[0][0]
    if n_labels < MIN_LABELS:
        return
    ledger = None
    if book is not None and book.rows:
        payments = book_payments(book)
        try:
            ledger = None if figures is None else figures.update(payments, now)
        except ValueError:
            # Figures that cannot follow this book (rows out of time order, a failed fold) are
            # counted afresh instead: the same table, at the old cost.
            ledger = None
        if ledger is None:
            ledger = account_ledger_of(payments, now)
    s = score_accounts(store, now, reasons=False, ledger=ledger)  # the engine uses only scores
    s = s.filter(pc.greater_equal(s.column("score"), policy.account_flag))
    scores = dict(zip(s.column("account").to_pylist(), s.column("score").to_pylist(), strict=True))
    flags.accounts.set_suspected(scores, "mule_scores")


def freeze_known_cards(
    store: Store, accounts: dict[str, str], now: datetime, stopped: set[str]
) -> list[Action]:
    """Freezes of seized or case-confirmed cards (account -> where it became known)."""
    todo = sorted(a for a in accounts if a not in stopped)
    inst = issuers(store, "account", todo)
    out = []
    for a in todo:
        if a not in inst:
            continue
        stopped.add(a)
        out.append(Action(kind=FREEZE, decided_at=now, target=a, target_kind="account",
                          addressee=inst[a], basis=FREEZE_BASIS,
                          evidence=f"known bad: {accounts[a]}"))  # fmt: skip
    return out


def target_packages(
    store: Store, now: datetime, top: int = 5, sims: SimScoreBook | None = None
) -> list[Action]:
    """The top-ranked rings and laundering groups known now, each as a target package (`sims`:
    the engine's SIM book, whose call counts are read instead of the store's calls)."""
    rings = find_rings(store, now, None if sims is None else sims.cells_called_from(now))
    out = []
    for ring_id in rings.rings.column("ring_id").to_pylist()[:top]:
        pkg = target_package(rings, ring_id)
        c = pkg["counts"]
        out.append(Action(
            kind=TARGET_PACKAGE, decided_at=now, target=f"ring {ring_id} ({pkg['kind']})",
            target_kind="ring", addressee="criminal investigation unit", basis=PACKAGE_BASIS,
            evidence=f"{c['persons']} persons, {c['accounts']} cards, {c['sims']} SIMs; "
            + "; ".join(pkg["evidence"]),
        ))  # fmt: skip
    return out
