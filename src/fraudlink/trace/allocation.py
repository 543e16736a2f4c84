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
    # Of a part of a deposit the victim paid from several accounts: how much of it tracing says
    # is still in the account at the freeze (None: not known).
    held_fen: int | None = None


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
    stays frozen. Pieces of one victim in one transaction are parts of one deposit (money the
    victim paid from several accounts): the deposit is covered as a whole and what it returns is
    shared by its parts (see `share_deposit`).
    """
    out = [0] * len(pieces)
    left = max(balance_fen, 0)
    room = dict(losses or {})
    deposits: dict[tuple[int, str | None], list[int]] = {}
    for i in newest_first(pieces):
        deposits.setdefault((pieces[i].txn_id, pieces[i].victim), []).append(i)
    for (_, victim), parts in deposits.items():  # insertion order: newest deposit first
        if left <= 0:
            break
        covered = min(sum(pieces[i].amount_fen for i in parts), left)
        left -= covered
        if victim is None:
            continue
        paid = min(covered, room[victim]) if victim in room else covered
        if victim in room:
            room[victim] -= paid
        for i, fen in zip(parts, share_deposit(paid, [pieces[i] for i in parts]), strict=True):
            out[i] = fen
    return out


def share_deposit(fen: int, parts: Sequence[Piece]) -> list[int]:
    """`fen` of one deposit shared by its parts (one per paying account), in whole fen.

    All of a deposit goes back as its parts. Less of it goes first to what tracing says is
    still in the account (`held_fen`: by first in, first out that money is the newest), in
    proportion to it, and any more in proportion to what of each part had left; where tracing
    says nothing, in proportion to the parts, since one transfer's money has no order of its own.
    """
    amounts = [p.amount_fen for p in parts]
    if fen >= sum(amounts) or any(p.held_fen is None for p in parts):
        return apportion(min(fen, sum(amounts)), amounts)
    held = [min(max(p.held_fen or 0, 0), p.amount_fen) for p in parts]
    if fen <= sum(held):
        return apportion(fen, held)
    gone = [a - h for a, h in zip(amounts, held, strict=True)]
    return [h + g for h, g in zip(held, apportion(fen - sum(held), gone), strict=True)]


def apportion(total_fen: int, weights: Sequence[int]) -> list[int]:
    """`total_fen` shared in proportion to `weights`, in whole fen that sum exactly to it.

    Each part is its exact share rounded down; the few fen left (fewer than the parts) go one
    each to the largest rounded-off fractions, the earlier part first on a tie, so every part is
    within one fen of its exact share and a zero weight gets nothing. Python integers keep
    fen x fen products exact however large the deposit.
    """
    if total_fen < 0 or any(w < 0 for w in weights):
        raise ValueError(f"apportion needs a total and weights >= 0, got {total_fen}, {weights}")
    whole = sum(weights)
    if whole == 0:
        if total_fen:
            raise ValueError(f"cannot apportion {total_fen} fen over weights that are all 0")
        return [0] * len(weights)
    parts = [total_fen * w // whole for w in weights]
    short = total_fen - sum(parts)
    by_fraction = sorted(range(len(weights)), key=lambda i: (-(total_fen * weights[i] % whole), i))
    for i in by_fraction[:short]:
        parts[i] += 1
    return parts


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
