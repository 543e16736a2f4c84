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
    """Poison (upper bound): every outflow of a tainted account is fully tainted for every
    victim present, capped at that victim's loss and at what the account is known to hold."""

    def __init__(self, loss: dict[int, int]) -> None:
        self.loss = loss
        self.present: dict[int, dict[int, int]] = {}  # account -> victim -> fewest hops
        self.balance: dict[int, int] = {}

    def deposit(self, account: int, victim: int, hop: int, amount: int) -> None:
        """Money in; a victim once present stays present."""
        self.balance[account] = self.balance.get(account, 0) + amount
        if victim != CLEAN:
            p = self.present.setdefault(account, {})
            p[victim] = min(p.get(victim, hop), hop)

    def withdraw(self, account: int, amount: int) -> list[Piece]:
        """Money out: the whole amount for every victim present (capped at their loss)."""
        self.balance[account] = max(self.balance.get(account, 0) - amount, 0)
        p = self.present.get(account)
        if not p:
            return []
        return [(v, hop, min(amount, self.loss[v])) for v, hop in p.items()]

    def holdings(self) -> dict[tuple[int, int], int]:
        """The known balance of every account a victim touched, capped at the victim's loss."""
        out = {}
        for acc, p in self.present.items():
            bal = self.balance.get(acc, 0)
            for v in p:
                if min(bal, self.loss[v]):
                    out[(acc, v)] = min(bal, self.loss[v])
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
