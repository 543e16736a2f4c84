"""FIFO money lots of one account: who the money on it belongs to, oldest first.

Each lot is (episode, hop, amount): the episode whose victim the money came from (-1 for clean
money such as camouflage transfers) and the hop of the transaction that brought it in. Paying
out consumes lots oldest-first, so every outgoing transaction can say exactly whose money it
carries (the rule of 2016, Article 8, case 2: first in, first out).
"""

from __future__ import annotations

from collections import deque

CLEAN = -1


class LotQueue:
    """Money on one account as a queue of (episode, hop, amount) lots."""

    __slots__ = ("balance", "lots")

    def __init__(self) -> None:
        self.lots: deque[list[int]] = deque()
        self.balance = 0

    def deposit(self, episode: int, hop: int, amount: int) -> None:
        """Money in; merged into the newest lot when it is the same episode and hop."""
        if amount <= 0:
            raise ValueError(f"deposit of {amount} fen")
        if self.lots and self.lots[-1][0] == episode and self.lots[-1][1] == hop:
            self.lots[-1][2] += amount
        else:
            self.lots.append([episode, hop, amount])
        self.balance += amount

    def withdraw(self, amount: int) -> list[tuple[int, int, int]]:
        """Money out, oldest lots first; returns the (episode, hop, amount) pieces it took."""
        if amount <= 0 or amount > self.balance:
            raise ValueError(f"withdrawal of {amount} fen from a balance of {self.balance}")
        out: list[tuple[int, int, int]] = []
        left = amount
        while left:
            lot = self.lots[0]
            take = min(lot[2], left)
            out.append((lot[0], lot[1], take))
            lot[2] -= take
            left -= take
            if lot[2] == 0:
                self.lots.popleft()
        self.balance -= amount
        return out

    def holdings(self) -> dict[int, int]:
        """Money held per episode (CLEAN for clean money)."""
        out: dict[int, int] = {}
        for e, _, a in self.lots:
            out[e] = out.get(e, 0) + a
        return out

    def dirty(self) -> int:
        """Money held that belongs to some episode."""
        return sum(a for e, _, a in self.lots if e != CLEAN)
