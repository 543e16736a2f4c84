"""Replay a time-ordered sub-ledger through lot books: every victim's share of every transaction.

The one per-row loop of tracing, over integer ids only (accounts, victims, row numbers), and only
over the tainted sub-ledger. Seed rows (the victims' matched payments) put a victim's lot on the
receiving account at hop 1; every other row takes its pieces from the paying account's books
and, unless it leaves the ledger or goes past the depth limit, hands them on one hop further.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fraudlink.trace.lots import CLEAN, PoisonBooks, make_books

CASH_OUT, DEPTH_LIMIT = 0, 1


@dataclass
class Flows:
    """What a replay found, as parallel lists of integers (rows index the sub-ledger)."""

    trail: list[tuple[int, int, int, int]] = field(default_factory=list)  # row, victim, hop, fen
    exits: list[tuple[int, int, int, int]] = field(default_factory=list)  # row, victim, kind, fen
    # (account, victim) -> [fen held, fewest hops, row of the last arrival]
    held: dict[tuple[int, int], list[int]] = field(default_factory=dict)


def replay(
    frm: list[int],
    to: list[int],
    amount: list[int],
    seed: list[int],
    method: str = "fifo",
    max_hops: int = 6,
) -> Flows:
    """Run the sub-ledger (sorted by time) through the books of `method`; to = -1 is a cash-out,
    seed[i] >= 0 marks row i as victim seed[i]'s own payment."""
    loss: dict[int, int] = {}
    for i, v in enumerate(seed):
        if v >= 0:
            loss[v] = loss.get(v, 0) + amount[i]
    books = make_books(method, loss)
    # Poison's pieces of one outflow overlap (each may be all of it): the whole amount arrives
    # as money, and each piece only raises that victim's bound on it.
    poison = books if isinstance(books, PoisonBooks) else None
    out = Flows()
    trail, exits = out.trail, out.exits
    seen: dict[tuple[int, int], list[int]] = {}  # (account, victim) -> [fewest hops, last row]
    for i in range(len(frm)):
        t, a, v = to[i], amount[i], seed[i]
        if v >= 0:  # the victim's own payment: all of it is the victim's, at hop 1
            books.deposit(t, v, 1, a)
            trail.append((i, v, 1, a))
            _arrive(seen, t, v, 1, i)
            continue
        pieces = books.withdraw(frm[i], a)
        if not pieces:
            if t >= 0:
                books.deposit(t, CLEAN, 0, a)
            continue
        if poison is not None and t >= 0:
            poison.deposit(t, CLEAN, 0, a)
        dirty = 0
        for pv, hop, pa in pieces:
            nh = hop + 1
            if nh > max_hops:
                exits.append((i, pv, DEPTH_LIMIT, pa))
                continue
            trail.append((i, pv, nh, pa))
            if t < 0:
                exits.append((i, pv, CASH_OUT, pa))
                continue
            if poison is None:
                dirty += pa
                books.deposit(t, pv, nh, pa)
            else:
                poison.taint(t, pv, nh, pa)
            _arrive(seen, t, pv, nh, i)
        if t >= 0 and poison is None:
            clean = a - dirty
            if clean > 0:
                books.deposit(t, CLEAN, 0, clean)
    for key, fen in books.holdings().items():
        hop, row = seen[key]
        out.held[key] = [fen, hop, row]
    return out


def _arrive(seen: dict[tuple[int, int], list[int]], acc: int, v: int, hop: int, row: int) -> None:
    s = seen.get((acc, v))
    if s is None:
        seen[(acc, v)] = [hop, row]
    else:
        s[0] = min(s[0], hop)
        s[1] = row
