"""Counts and amounts of ordinary life follow the `ordinary` configuration, within tolerance."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable

import numpy as np
import pytest

from fraudlink.model.enums import ACCOUNT_ROLES, SIM_ROLES, TRANSACTION_CHANNELS
from fraudlink.simulate.config import OrdinaryConfig
from fraudlink.simulate.life.context import build_life
from fraudlink.simulate.life.payments import DAYS_PER_MONTH
from fraudlink.simulate.world import World

Tables = Callable[[World, str], dict[str, np.ndarray]]
CH = {c: i for i, c in enumerate(TRANSACTION_CHANNELS)}
ROLE = {r: i for i, r in enumerate(ACCOUNT_ROLES)}
SIM = {r: i for i, r in enumerate(SIM_ROLES)}


def near(got: float, want: float, rel: float) -> bool:
    return abs(got - want) <= rel * want


def to_role(world: World, tx: dict[str, np.ndarray], role: str) -> np.ndarray:
    to = tx["to_acc"]
    out = np.zeros(len(to), dtype=bool)
    out[to >= 0] = world.entity("accounts")["role"][to[to >= 0]] == ROLE[role]
    return out


def p2p_mask(world: World, tx: dict[str, np.ndarray]) -> np.ndarray:
    """Transfers between personal accounts of different people (not to second-hand sellers)."""
    a = world.entity("accounts")
    personal = to_role(world, tx, "ordinary") & (tx["channel"] == CH["transfer"])
    from_personal = a["role"][tx["from_acc"]] == ROLE["ordinary"]
    to = np.maximum(tx["to_acc"], 0)
    sellers = world.notes["second_hand_seller_accounts"]
    return (personal & from_personal & (a["owner"][tx["from_acc"]] != a["owner"][to])
            & ~np.isin(to, sellers))


def test_payment_counts(world: World, tables: Tables) -> None:
    cfg = world.cfg.ordinary
    days = world.cfg.world.days
    life = build_life(world)
    tx = tables(world, "transactions")
    act = life.activity[life.payers].sum()
    shop = to_role(world, tx, "merchant")
    assert near(shop.sum(), cfg.shopping_per_person_day * act * days, 0.06)
    bills = to_role(world, tx, "utility")
    assert near(bills.sum(), cfg.bills_per_person_month / DAYS_PER_MONTH * len(life.payers) * days,
                0.15)
    atm = tx["channel"] == CH["atm_cash_out"]
    cards = np.flatnonzero(life.card >= 0)
    assert near(atm.sum(), cfg.atm_per_person_month / DAYS_PER_MONTH
                * life.activity[cards].sum() * days, 0.25)
    a = world.entity("accounts")
    p2p = p2p_mask(world, tx)
    assert near(p2p.sum(), cfg.p2p_per_person_day * act * days, 0.2)
    biz_in = to_role(world, tx, "small_business")
    n_biz = np.sum(a["role"] == ROLE["small_business"])
    assert near(biz_in.sum(), cfg.business_inflows_per_day * n_biz * days, 0.25)


def test_amount_medians(world: World, tables: Tables) -> None:
    cfg = world.cfg.ordinary
    tx = tables(world, "transactions")
    yuan = tx["amount"] / 100
    assert near(np.median(yuan[to_role(world, tx, "merchant")]), cfg.shopping_median_yuan, 0.1)
    assert near(np.median(yuan[to_role(world, tx, "utility")]), cfg.bill_median_yuan, 0.15)
    atm = tx["channel"] == CH["atm_cash_out"]
    assert near(np.median(yuan[atm]), cfg.atm_median_yuan, 0.25)
    assert (tx["amount"][atm] % 10_000 == 0).all()
    salary = world.entity("accounts")["role"][tx["from_acc"]] == ROLE["employer"]
    assert near(np.median(yuan[salary]), cfg.salary_median_yuan, 0.1)
    # The spread follows amount_sigma: the log of shop amounts has about that deviation.
    assert near(np.std(np.log(yuan[to_role(world, tx, "merchant") & (yuan > 2)])),
                cfg.amount_sigma, 0.15)


def test_p2p_amounts_are_often_round(world: World, tables: Tables) -> None:
    tx = tables(world, "transactions")
    p2p = p2p_mask(world, tx)
    assert np.mean(tx["amount"][p2p] % 1000 == 0) > 0.5
    assert np.mean(tx["amount"][to_role(world, tx, "merchant")] % 1000 == 0) < 0.1


def test_call_counts_and_durations(world: World, tables: Tables) -> None:
    cfg = world.cfg.ordinary
    days = world.cfg.world.days
    life = build_life(world)
    calls = tables(world, "calls")
    sims = world.entity("sims")
    riders = np.sum(life.sim_ok & (sims["role"] == SIM["delivery_rider"]))
    agents = np.sum(life.sim_ok & (sims["role"] == SIM["call_centre"]))
    weekdays = sum(life.local_date(d).weekday() < 5 for d in range(days))
    want = (cfg.calls_per_person_day * life.activity[life.callers].sum() * days
            + cfg.rider_calls_per_day * riders * days
            + cfg.call_centre_calls_per_day * agents * (weekdays + 0.3 * (days - weekdays)))
    assert near(len(calls["time"]), want, 0.05)
    ordinary = sims["role"][calls["caller"]] == SIM["ordinary"]
    sms = calls["kind"] == 1
    assert abs(sms[ordinary].mean() - cfg.sms_share) < 0.03
    answered = ordinary & ~sms & (calls["duration_s"] > 0)
    assert near(np.median(calls["duration_s"][answered]), cfg.call_median_seconds, 0.15)


def test_login_and_web_counts(world: World, tables: Tables) -> None:
    cfg = world.cfg.ordinary
    days = world.cfg.world.days
    life = build_life(world)
    a = world.entity("accounts")
    bank = np.flatnonzero(life.account_active & (a["owner"] >= 0))
    logins = tables(world, "logins")
    n_bank = np.sum(logins["account_kind"] == 0)
    assert near(n_bank, cfg.logins_per_account_day * life.activity[a["owner"][bank]].sum() * days,
                0.06)
    assert np.sum(logins["account_kind"] == 1) > 0.2 * n_bank
    web = tables(world, "web_events")
    assert near(len(web["time"]), cfg.web_events_per_person_day
                * life.activity[life.callers].sum() * days, 0.08)


def test_night_share(make_world: Callable[..., World], world: World, tables: Tables) -> None:
    def night(w: World) -> float:
        tx = tables(w, "transactions")
        shop = to_role(w, tx, "merchant")
        hour = ((tx["time"][shop] // 3_600_000_000) + 8) % 24
        return float(np.mean(hour < 6))

    assert abs(night(world) - world.cfg.ordinary.night_share) < 0.015
    assert abs(night(make_world(night_share=0.3)) - 0.3) < 0.03


def test_second_hand_sales(make_world: Callable[..., World], tables: Tables) -> None:
    w = make_world(second_hand_sales_per_day=5.0)
    sellers = w.notes["second_hand_seller_accounts"]
    tx = tables(w, "transactions")
    got = np.isin(tx["to_acc"], sellers) & np.isin(tx["channel"], [CH["payment"], CH["transfer"]])
    # Sellers' main accounts also take transfers from acquaintances; sales dominate at this rate.
    want = 5.0 * len(sellers) * w.cfg.world.days
    assert want <= got.sum() <= 1.3 * want + 10
    assert len(np.unique(tx["from_acc"][got])) > 0.8 * got.sum()


# New values for the check that every ordinary parameter changes what is simulated.
CHANGED = {
    "salary_day": 2, "contacts_per_person": 8, "night_share": 0.3, "sms_share": 0.6,
    "second_hand_sales_per_day": 3.0, "business_hold_hours": 9.0,
}


def _digest(world: World) -> str:
    h = hashlib.sha256()
    for name in ("transactions", "calls", "logins", "web_events"):
        for chunk in world.log(name).chunks:
            for k in sorted(chunk):
                h.update(chunk[k].tobytes())
    return h.hexdigest()


SMALL = {"persons": 600, "days": 3, "salary_day": 1}


@pytest.fixture(scope="module")
def base_digest(make_world: Callable[..., World]) -> str:
    return _digest(make_world(seed=5, **SMALL))


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(OrdinaryConfig)])
def test_every_parameter_has_an_effect(make_world: Callable[..., World], base_digest: str,
                                       name: str) -> None:
    default = getattr(OrdinaryConfig(), name)
    new = CHANGED.get(name, default * 3 if default else 1)
    changed = _digest(make_world(seed=5, **{**SMALL, name: new}))
    assert changed != base_digest, f"ordinary.{name} has no effect"
