"""Logins to bank and payment apps and to platform accounts, from the owner's own phone.

The address is the household's broadband line at home, or one of the carriers' NAT addresses when
out: those are shared by very many honest phones, so an IP alone does not tie people together.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.simulate.life.context import I64, Life
from fraudlink.simulate.world import World

BANK, PLATFORM = 0, 1
# Share of logins made at home (broadband) rather than on the mobile network (carrier NAT).
HOME_SHARE = 0.5


def append_logins(
    world: World,
    time: npt.ArrayLike,
    kind: int,
    account: npt.ArrayLike,
    device: npt.ArrayLike,
    ip: npt.ArrayLike,
) -> None:
    """Append one chunk of logins of one account kind."""
    world.log("logins").append(time=time, account_kind=kind, account=account, device=device, ip=ip)


def _ips(life: Life, rng: np.random.Generator, owner: I64, nat: I64) -> I64:
    home = np.asarray(life.world.entity("persons")["home_ip"], dtype=np.int64)[owner]
    if not len(nat):
        return home
    out = nat[rng.integers(0, len(nat), len(owner))]
    return np.where(rng.random(len(owner)) < HOME_SHARE, home, out)


def run_logins(life: Life) -> None:
    """Bank/payment and platform logins of accounts in use, one chunk of each per day."""
    world = life.world
    rng = world.rng("life:logins")
    p = world.entity("persons")
    a = world.entity("accounts")
    pa = world.entity("platform_accounts")
    s = world.entity("sims")
    nat = np.asarray(world.notes.get("nat_ips", np.zeros(0)), dtype=np.int64)
    device = np.asarray(p["device"], dtype=np.int64)
    rate = life.cfg.logins_per_account_day

    bank = np.flatnonzero(life.account_active & (a["owner"] >= 0))
    bank_owner = np.asarray(a["owner"], dtype=np.int64)[bank]
    bank_rate = rate * life.activity[bank_owner]

    if len(pa):
        sim = np.asarray(pa["sim"], dtype=np.int64)
        ok = sim >= 0
        ok[ok] = life.sim_ok[sim[ok]]
        plat = np.flatnonzero(ok)
        plat_owner = np.asarray(s["owner"], dtype=np.int64)[sim[plat]]
        plat_device = np.asarray(pa["device"], dtype=np.int64)[plat]
        plat_device = np.where(plat_device >= 0, plat_device, device[plat_owner])
    else:
        plat = plat_owner = plat_device = np.zeros(0, np.int64)
    plat_rate = rate * life.activity[plat_owner]

    for day in range(life.days):
        k = life.counts(rng, bank_rate, len(bank))
        acc, owner = np.repeat(bank, k), np.repeat(bank_owner, k)
        append_logins(
            world,
            life.times(rng, day, len(acc)),
            BANK,
            acc,
            device[owner],
            _ips(life, rng, owner, nat),
        )
        k = life.counts(rng, plat_rate, len(plat))
        acc, owner = np.repeat(plat, k), np.repeat(plat_owner, k)
        append_logins(
            world,
            life.times(rng, day, len(acc)),
            PLATFORM,
            acc,
            np.repeat(plat_device, k),
            _ips(life, rng, owner, nat),
        )
