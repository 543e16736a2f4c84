"""What all of ordinary life needs: who may act, with which accounts, SIMs, cells and terminals.

Built once from the entity tables after the crime side has run, so that only accounts and SIMs of
ordinary life are used (mule accounts and fraud SIMs carry their own activity).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fraudlink.model.enums import ACCOUNT_ROLES, SIM_ROLES, TRANSACTION_CHANNELS
from fraudlink.simulate.config import OrdinaryConfig
from fraudlink.simulate.world import US_PER_DAY, World, daily_times

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

ACC = {r: i for i, r in enumerate(ACCOUNT_ROLES)}
SIM = {r: i for i, r in enumerate(SIM_ROLES)}
CHANNEL = {c: i for i, c in enumerate(TRANSACTION_CHANNELS)}
LIFE_ACCOUNT_ROLES = (
    "ordinary",
    "merchant",
    "small_business",
    "employer",
    "utility",
    "innocent_seller",
)
LIFE_SIM_ROLES = ("ordinary", "call_centre", "delivery_rider")
# Share of a person's extra accounts (Class I at further banks) that are in use; the rest sleep.
ACTIVE_EXTRA_ACCOUNT_SHARE = 0.5


class Groups:
    """Items grouped by an integer key, for drawing a (weighted) member of each row's group."""

    def __init__(
        self,
        items: npt.ArrayLike,
        group: npt.ArrayLike,
        n_groups: int,
        weight: npt.ArrayLike | None = None,
    ) -> None:
        items = np.asarray(items, dtype=np.int64)
        group = np.asarray(group, dtype=np.int64)
        order = np.argsort(group, kind="stable")
        self.items = items[order]
        g = group[order]
        keys = np.arange(n_groups)
        self.start = np.searchsorted(g, keys).astype(np.int64)
        self.count = np.searchsorted(g, keys, side="right").astype(np.int64) - self.start
        w = np.ones(len(items)) if weight is None else np.asarray(weight, dtype=np.float64)[order]
        self.cum = np.cumsum(w)
        self.weighted = weight is not None

    def __len__(self) -> int:
        return len(self.items)

    def pick(self, rng: np.random.Generator, group: npt.ArrayLike) -> I64:
        """A member of each row's group (by weight if weighted); any member if it is empty."""
        g = np.asarray(group, dtype=np.int64)
        u = rng.random(len(g))
        cnt = self.count[g]
        start = self.start[g]
        if self.weighted:
            before = np.where(start > 0, self.cum[np.maximum(start - 1, 0)], 0.0)
            total = np.where(
                cnt > 0, self.cum[np.minimum(start + cnt, len(self.cum)) - 1] - before, self.cum[-1]
            )
            target = np.where(cnt > 0, before, 0.0) + u * total
            pos = np.searchsorted(self.cum, target, side="right")
            lo = np.where(cnt > 0, start, 0)
            hi = np.where(cnt > 0, start + cnt, len(self.items)) - 1
            pos = np.clip(pos, lo, hi)
        else:
            pos = np.where(
                cnt > 0, start + (u * cnt).astype(np.int64), (u * len(self.items)).astype(np.int64)
            )
        return self.items[pos]

    def pick_any(self, rng: np.random.Generator, n: int) -> I64:
        """n members of the whole set (by weight if weighted)."""
        if self.weighted:
            pos = np.searchsorted(self.cum, rng.random(n) * self.cum[-1], side="right")
            return self.items[np.minimum(pos, len(self.items) - 1)]
        return self.items[rng.integers(0, len(self.items), n)]


@dataclass
class Life:
    """Per-person, per-account and per-place facts of ordinary life, as integer columns."""

    world: World
    cfg: OrdinaryConfig
    n_persons: int
    n_districts: int
    district: I64  # district code per person
    home_cell: I64
    activity: F64
    account_ok: Bool  # accounts ordinary life may use
    account_active: Bool  # ...and that are in use (not sleeping)
    main: I64  # usable main (Class I) account per person, -1 none
    wallet: I64  # usable payment-firm account, -1 none
    class2: I64  # usable Class II account, -1 none
    pay_account: I64  # account a person pays from by default, -1 none
    card: I64  # bank card (main or Class II) for ATM and POS, -1 none
    sim_ok: Bool  # SIMs ordinary life may use
    sim: I64  # usable primary SIM per person, -1 none
    alt_sim: I64  # a second usable SIM, -1 none
    payers: I64  # persons who hold an account to pay from
    callers: I64  # persons who hold a usable SIM
    cells: Groups  # cells by district
    atms: Groups  # ATM terminals by district
    pos: Groups  # POS terminals by district

    @property
    def start_us(self) -> int:
        return self.world.start_us

    @property
    def end_us(self) -> int:
        return self.world.end_us

    @property
    def days(self) -> int:
        return self.world.cfg.world.days

    def day_us(self, day: int) -> int:
        """UTC start of day `day`; its China-time date is the same calendar date."""
        return self.start_us + day * US_PER_DAY

    def local_date(self, day: int) -> dt.date:
        return self.world.datetime(self.day_us(day)).date()

    def times(self, rng: np.random.Generator, day: int, n: int) -> I64:
        """n times on that China-time day with the daily rhythm and `night_share` of night.

        The period runs from 08:00 China time on its first date to 08:00 after its last. The small
        hours of the first date fall before it, so they wrap round to those after the last date:
        every hour of the period gets its share of activity.
        """
        t = daily_times(rng, np.full(n, self.day_us(day), dtype=np.int64), self.cfg.night_share)
        return np.where(t < self.start_us, t + (self.end_us - self.start_us), t)

    def counts(self, rng: np.random.Generator, rate: float | F64, n: int) -> I64:
        """Poisson counts of events per actor for one day."""
        return rng.poisson(np.broadcast_to(np.asarray(rate, dtype=np.float64), (n,)))


def _codes(values: npt.ArrayLike, vocabulary: npt.NDArray[Any]) -> I64:
    v = np.asarray(values)
    return np.clip(np.searchsorted(vocabulary, v), 0, len(vocabulary) - 1).astype(np.int64)


def build_life(world: World) -> Life:
    """Gather the columns ordinary life works from."""
    rng = world.rng("life:context")
    p = world.entity("persons")
    a = world.entity("accounts")
    s = world.entity("sims")
    n = len(p)

    # Districts as codes shared by persons, cells and terminals.
    cells = world.entity("cells")
    terms = world.entity("terminals")
    vocab = np.unique(
        np.concatenate(
            [np.asarray(p["district"]).astype(str), np.asarray(cells["district"]).astype(str)]
        )
    )
    district = _codes(p["district"], vocab)

    ok_roles = np.array([ACC[r] for r in LIFE_ACCOUNT_ROLES])
    account_ok = np.isin(a["role"], ok_roles) & (a["gang"] == -1)

    def usable(acc: npt.ArrayLike) -> I64:
        acc = np.asarray(acc, dtype=np.int64)
        good = acc >= 0
        good[good] = account_ok[acc[good]]
        return np.where(good, acc, -1)

    main = usable(p["main_account"])
    wallet = usable(p["wallet"])
    personal = account_ok & ~np.asarray(a["corporate"], dtype=bool) & (a["owner"] >= 0)
    class2 = np.full(n, -1, dtype=np.int64)
    c2 = np.flatnonzero(personal & (a["klass"] == 2))
    class2[a["owner"][c2[::-1]]] = c2[::-1]  # the first Class II account of each owner
    pay_account = np.where(main >= 0, main, np.where(wallet >= 0, wallet, class2))
    card = np.where(main >= 0, main, class2)

    # Main accounts, wallets and Class II accounts are in use; some extra Class I accounts sleep.
    account_active = account_ok & (
        np.asarray(a["corporate"], dtype=bool) | (rng.random(len(a)) < ACTIVE_EXTRA_ACCOUNT_SHARE)
    )
    for col in (main, wallet, class2):
        account_active[col[col >= 0]] = True

    sim_roles = np.array([SIM[r] for r in LIFE_SIM_ROLES])
    sim_ok = np.isin(s["role"], sim_roles) & (s["gang"] == -1) & (s["owner"] >= 0)
    primary = np.asarray(p["sim"], dtype=np.int64)
    good = primary >= 0
    good[good] = sim_ok[primary[good]]
    sim = np.where(good, primary, -1)
    # Persons whose primary SIM is not usable fall back to another usable SIM of theirs, and
    # holders of two usable SIMs sometimes use the second one.
    others = np.flatnonzero(sim_ok)
    owners = np.asarray(s["owner"], dtype=np.int64)[others]
    others = others[others != sim[owners]]
    owners = np.asarray(s["owner"], dtype=np.int64)[others]
    alt_sim = np.full(n, -1, dtype=np.int64)
    alt_sim[owners] = others
    no_primary = (sim < 0) & (alt_sim >= 0)
    sim[no_primary] = alt_sim[no_primary]
    alt_sim[no_primary] = -1

    cell_district = _codes(cells["district"], vocab)
    kind = np.asarray(terms["kind"]).astype(str)
    term_district = _codes(terms["district"], vocab) if len(terms) else np.zeros(0, np.int64)
    atm = np.flatnonzero(kind == "atm")
    pos = np.flatnonzero(kind == "pos")
    return Life(
        world=world,
        cfg=world.cfg.ordinary,
        n_persons=n,
        n_districts=len(vocab),
        district=district,
        home_cell=np.asarray(p["home_cell"], dtype=np.int64),
        activity=np.asarray(p["activity"], dtype=np.float64),
        account_ok=account_ok,
        account_active=account_active,
        main=main,
        wallet=wallet,
        class2=class2,
        pay_account=pay_account,
        card=card,
        sim_ok=sim_ok,
        sim=sim,
        alt_sim=alt_sim,
        payers=np.flatnonzero(pay_account >= 0),
        callers=np.flatnonzero(sim >= 0),
        cells=Groups(np.arange(len(cells)), cell_district, len(vocab)),
        atms=Groups(atm, term_district[atm], len(vocab)),
        pos=Groups(pos, term_district[pos], len(vocab)),
    )


def append_transactions(
    world: World,
    time: npt.ArrayLike,
    from_acc: npt.ArrayLike,
    to_acc: npt.ArrayLike,
    amount: npt.ArrayLike,
    channel: npt.ArrayLike | int,
    terminal: npt.ArrayLike | int = -1,
) -> None:
    """Append one chunk of ordinary payments to the transactions log."""
    world.log("transactions").append(time=time, from_acc=from_acc, to_acc=to_acc, amount=amount,
                                     channel=channel, terminal=terminal)  # fmt: skip


def round_amounts(rng: np.random.Generator, fen: I64, share: float) -> I64:
    """Round a share of amounts as people do: to 10 yuan below 200 yuan, to 100 yuan above."""
    step = np.where(fen < 20_000, 1_000, 10_000)
    rounded = np.maximum(np.round(fen / step) * step, step).astype(np.int64)
    return np.where(rng.random(len(fen)) < share, rounded, fen)
