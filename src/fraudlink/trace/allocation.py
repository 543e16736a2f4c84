"""The integer arithmetic of Article 8 returns: whose money a frozen balance is, and how much each.

Everything is in whole fen. Nothing here creates or loses money: every function returns amounts
whose sum is at most the balance, and the caller keeps frozen whatever is not allocated.

First in, first out (先进先出) under timestamp tracing: money leaves an account in the order it
came in, so the outflows before the freeze took the earliest deposits first, and the balance still
there is made of the latest deposits. The balance is therefore allocated from the newest deposit
backwards, each up to its amount, until the balance is used up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    """One victim's share of one deposit into the frozen account."""

    victim: str | None  # None: a victim not yet identified, whose share stays frozen
    txn_id: int
    time: dt.datetime | None  # None: tracing could not time it, so it cannot be ordered
    amount_fen: int


def _newest_first_key(p: Piece) -> tuple[bool, dt.datetime, int]:
    """Sort key, newest first when reversed; untimed pieces count as oldest, ties by txn id."""
    # The txn id only settles ties deterministically (ledgers number transactions in order);
    # rule selection decides whether a tie may be settled at all.
    return (p.time is not None, p.time or dt.datetime.min.replace(tzinfo=dt.UTC), p.txn_id)


def newest_first(pieces: Sequence[Piece]) -> list[int]:
    """Indexes of `pieces`, newest deposit first."""
    return sorted(range(len(pieces)), key=lambda i: _newest_first_key(pieces[i]), reverse=True)


def owners_determined(balance_fen: int, pieces: Sequence[Piece]) -> bool:
    """Whether timestamps alone say whose money the balance is (Article 8, case 2 vs case 3).

    Walking back from the newest deposit, the balance covers whole timestamp groups and then
    part of one group. Only that partly covered group needs an order inside it: if it holds
    more than one victim's money (unidentified money counts as another's), timestamps cannot
    tell whose money is left. An untimed piece could sit anywhere in the order, so with one the
    owners are known only if the balance covers every piece or all are one victim's.
    """
    if any(p.time is None for p in pieces):
        return balance_fen >= sum(p.amount_fen for p in pieces) or _one_owner(pieces)
    left = balance_fen
    groups: dict[dt.datetime | None, list[Piece]] = {}
    for i in newest_first(pieces):
        groups.setdefault(pieces[i].time, []).append(pieces[i])
    for group in groups.values():  # dicts keep insertion order: newest group first
        if left <= 0:
            return True
        total = sum(p.amount_fen for p in group)
        if total > left:
            return _one_owner(group)
        left -= total
    return True


def _one_owner(group: Sequence[Piece]) -> bool:
    """Whether all pieces are one victim's money (unidentified pieces: nobody's to return)."""
    return len({p.victim for p in group}) <= 1


def fifo(
    balance_fen: int, pieces: Sequence[Piece], losses: Mapping[str, int] | None = None
) -> list[int]:
    """Per piece, the fen returned: balance allocated newest deposit first, capped by losses.

    Money the balance covers but a victim's loss cap (or an unidentified victim) stops is not
    moved to older deposits: by first in, first out the older money already left, so that part
    stays frozen.
    """
    out = [0] * len(pieces)
    left = max(balance_fen, 0)
    room = dict(losses or {})
    for i in newest_first(pieces):
        if left <= 0:
            break
        p = pieces[i]
        covered = min(p.amount_fen, left)
        left -= covered
        if p.victim is None:
            continue
        paid = min(covered, room[p.victim]) if p.victim in room else covered
        if p.victim in room:
            room[p.victim] -= paid
        out[i] = paid
    return out


def pro_rata(balance_fen: int, claims: Sequence[int]) -> list[int]:
    """Per claim, floor(balance × claim / total), or the whole claim if the balance covers all.

    The remainder fen of the floor division are not handed out: they stay frozen, as does the
    share of any claim the caller holds back (victims found later).
    """
    total = sum(claims)
    balance = max(balance_fen, 0)
    if total <= balance:
        return list(claims)
    return [balance * c // total for c in claims]


def cap_claims(
    keys: Sequence[tuple[str | None, str | None]],
    amounts: Sequence[int],
    losses: Mapping[str, int] | None,
) -> list[int]:
    """Per (victim, paying account) claim, its amount cut so each victim's claims fit the loss."""
    room = dict(losses or {})
    out: list[int] = []
    for (victim, _), amount in zip(keys, amounts, strict=True):
        if victim is None or victim not in room:
            out.append(amount)
            continue
        take = min(amount, room[victim])
        room[victim] -= take
        out.append(take)
    return out
