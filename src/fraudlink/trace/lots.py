"""Lot books of the tainted sub-ledger: whose money each account holds, under three methods.

Accounts and victims are small integers; victim -1 is clean money. Every book answers
`deposit` (money in, tagged with a victim and a hop) and `withdraw` (money out: the pieces it
carries, by victim). Money going out beyond what an account is known to have received is clean:
its opening balance is unknown, and an account never goes negative in the books.
"""

from __future__ import annotations

from collections import deque

CLEAN = -1
Piece = tuple[int, int, int]  # (victim, hop, amount)


class FifoBooks:
    """First in, first out (the 2016 rules, Article 8, case 2): a queue of lots per account."""

    def __init__(self) -> None:
        self.lots: dict[int, deque[list[int]]] = {}
        self.balance: dict[int, int] = {}

    def deposit(self, account: int, victim: int, hop: int, amount: int) -> None:
        """Money in; merged into the newest lot when it is the same victim and hop."""
        q = self.lots.get(account)
        if q is None:
            q = self.lots[account] = deque()
        if q and q[-1][0] == victim and q[-1][1] == hop:
            q[-1][2] += amount
        else:
            q.append([victim, hop, amount])
        self.balance[account] = self.balance.get(account, 0) + amount

    def withdraw(self, account: int, amount: int) -> list[Piece]:
        """Money out, oldest lots first; what the account never received is clean."""
        q = self.lots.get(account)
        out: list[Piece] = []
        left = amount
        while q and left:
            lot = q[0]
            take = lot[2] if lot[2] <= left else left
            if lot[0] != CLEAN:
                out.append((lot[0], lot[1], take))
            lot[2] -= take
            left -= take
            if not lot[2]:
                q.popleft()
        if q is not None:
            self.balance[account] -= amount - left
        return out

    def holdings(self) -> dict[tuple[int, int], int]:
        """Victim money held per (account, victim)."""
        out: dict[tuple[int, int], int] = {}
        for acc, q in self.lots.items():
            for v, _, a in q:
                if v != CLEAN and a:
                    out[(acc, v)] = out.get((acc, v), 0) + a
        return out


class ProRataBooks:
    """Pro rata (haircut): an outflow carries each holder's share of the account's balance."""

    def __init__(self) -> None:
        self.held: dict[int, dict[int, list[int]]] = {}  # account -> victim -> [hop, amount]
        self.balance: dict[int, int] = {}

    def deposit(self, account: int, victim: int, hop: int, amount: int) -> None:
        """Money in; the hop kept per victim is the fewest."""
        self.balance[account] = self.balance.get(account, 0) + amount
        if victim == CLEAN:
            return
        h = self.held.setdefault(account, {})
        cur = h.get(victim)
        if cur is None:
            h[victim] = [hop, amount]
        else:
            cur[0] = min(cur[0], hop)
            cur[1] += amount

    def withdraw(self, account: int, amount: int) -> list[Piece]:
        """Money out in proportion; integer shares, the fen left over to the largest remainders
        (each holder gets at most one more fen, so no share exceeds its holding)."""
        bal = self.balance.get(account, 0)
        h = self.held.get(account)
        known = min(amount, bal)  # the rest is unknown opening money: clean
        self.balance[account] = bal - known
        if not h or not known:
            return []
        holders = [(v, hv[0], hv[1]) for v, hv in h.items()]
        clean = bal - sum(x[2] for x in holders)
        if clean:
            holders.append((CLEAN, 0, clean))
        shares = [x[2] * known // bal for x in holders]
        rest = known - sum(shares)
        if rest:
            order = sorted(
                range(len(holders)),
                key=lambda i: (-(holders[i][2] * known % bal), -holders[i][2]),
            )
            for i in order[:rest]:
                shares[i] += 1
        out = []
        for (v, hop, _), s in zip(holders, shares, strict=True):
            if s and v != CLEAN:
                hv = h[v]
                hv[1] -= s
                if not hv[1]:
                    del h[v]
                out.append((v, hop, s))
        return out

    def holdings(self) -> dict[tuple[int, int], int]:
        """Victim money held per (account, victim)."""
        return {(acc, v): hv[1] for acc, h in self.held.items() for v, hv in h.items() if hv[1]}


class PoisonBooks:
    """Poison (upper bound): every outflow of a tainted account is tainted for every victim
    present, up to what of the victim's money can have reached the account.

    Per (account, victim) the books keep a bound: the victim's money that came in, by the
    bounds of the payments that brought it, capped at the victim's loss. An outflow carries, for
    every victim present, the whole amount up to that bound. The bound does not go down when
    money leaves: the outflow may have been other money, even money the account held before the
    taint arrived, which the sub-ledger does not show. A position is the bound capped at the
    account's known balance (the books' convention for the unknown opening balance). So each
    piece, exit and position is at most the loss and at least what FIFO or pro rata say; the
    pieces of one outflow overlap, and one victim's bounds do not add up to the loss.
    """

    def __init__(self, loss: dict[int, int]) -> None:
        self.loss = loss
        self.bound: dict[int, dict[int, list[int]]] = {}  # account -> victim -> [hop, bound]
        self.balance: dict[int, int] = {}

    def deposit(self, account: int, victim: int, hop: int, amount: int) -> None:
        """Money in; when a victim's (a seed), it may all be the victim's."""
        self.balance[account] = self.balance.get(account, 0) + amount
        if victim != CLEAN:
            self.taint(account, victim, hop, amount)

    def taint(self, account: int, victim: int, hop: int, amount: int) -> None:
        """Up to `amount` of money already deposited may be the victim's: raise the bound, at
        most to the loss. The hop kept is the fewest."""
        h = self.bound.setdefault(account, {})
        cur = h.get(victim)
        loss = self.loss[victim]
        if cur is None:
            h[victim] = [hop, amount if amount < loss else loss]
        else:
            cur[0] = min(cur[0], hop)
            cur[1] = min(cur[1] + amount, loss)

    def withdraw(self, account: int, amount: int) -> list[Piece]:
        """Money out: for every victim present, all of it up to the victim's bound."""
        self.balance[account] = max(self.balance.get(account, 0) - amount, 0)
        h = self.bound.get(account)
        if not h or not amount:
            return []
        return [(v, hb[0], amount if amount < hb[1] else hb[1]) for v, hb in h.items() if hb[1]]

    def holdings(self) -> dict[tuple[int, int], int]:
        """Per (account, victim), the bound capped at the account's known balance."""
        out = {}
        for acc, h in self.bound.items():
            bal = self.balance.get(acc, 0)
            for v, hb in h.items():
                fen = hb[1] if hb[1] < bal else bal
                if fen:
                    out[(acc, v)] = fen
        return out


Books = FifoBooks | ProRataBooks | PoisonBooks


def make_books(method: str, loss: dict[int, int]) -> Books:
    """The books of one attribution method: 'fifo', 'pro_rata' or 'poison'."""
    if method == "fifo":
        return FifoBooks()
    if method == "pro_rata":
        return ProRataBooks()
    if method == "poison":
        return PoisonBooks(loss)
    raise ValueError(f"unknown attribution method {method!r} (fifo, pro_rata, poison)")
