"""Ordinary life keeps off the crime side's accounts, SIMs, URLs and apps; the same seed gives the
same events."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fraudlink.model.enums import ACCOUNT_ROLES, SIM_ROLES
from fraudlink.simulate.platforms import add_apps, add_urls
from fraudlink.simulate.world import World

Tables = Callable[[World, str], dict[str, np.ndarray]]
ROLE = {r: i for i, r in enumerate(ACCOUNT_ROLES)}
SIM = {r: i for i, r in enumerate(SIM_ROLES)}
ALLOWED_ACCOUNTS = [ROLE[r] for r in ("ordinary", "merchant", "small_business", "employer",
                                      "utility", "innocent_seller")]
ALLOWED_SIMS = [SIM[r] for r in ("ordinary", "call_centre", "delivery_rider")]


def crime_stand_in(world: World) -> None:
    """Mark what a crime side would: sold main accounts and wallets, a gang's merchant account,
    fraud SIMs (some of them primary SIMs), a seller's account, fraud URLs and apps."""
    rng = np.random.default_rng(0)
    a = world.entity("accounts")
    p = world.entity("persons")
    s = world.entity("sims")
    mains = p["main_account"][p["main_account"] >= 0]
    wallets = p["wallet"][p["wallet"] >= 0]
    sold = np.concatenate([rng.choice(mains, 150, replace=False),
                           rng.choice(wallets, 100, replace=False)])
    a["role"][sold] = ROLE["mule_l1"]
    a["gang"][sold] = 0
    merchant = np.flatnonzero(a["role"] == ROLE["merchant"])[:2]
    a["gang"][merchant] = 1
    a["role"][world.notes["second_hand_seller_accounts"][:3]] = ROLE["innocent_seller"]
    fraud_sims = rng.choice(len(s), 200, replace=False)
    s["role"][fraud_sims] = SIM["fraud_caller"]
    s["gang"][fraud_sims] = 0
    add_urls(world, np.array(["evil.example"] * 3), np.array(["/a", "/b", "/c"]),
             np.zeros(3, np.int64), fraud=True)
    add_apps(world, np.array(["com.evil.app"]), np.array(["evil"]), np.zeros(1, np.int64),
             fraud=True)


def test_only_ordinary_accounts_sims_urls_and_apps(make_world: Callable[..., World],
                                                   tables: Tables) -> None:
    w = make_world(seed=9, before=crime_stand_in)
    a = w.entity("accounts")
    s = w.entity("sims")
    tx = tables(w, "transactions")
    for col in ("from_acc", "to_acc"):
        acc = tx[col][tx[col] >= 0]
        assert np.isin(a["role"][acc], ALLOWED_ACCOUNTS).all()
        assert (a["gang"][acc] == -1).all()
    assert np.isin(tx["to_acc"], w.notes["second_hand_seller_accounts"][:3]).any()
    calls = tables(w, "calls")
    for col in ("caller", "callee"):
        assert np.isin(s["role"][calls[col]], ALLOWED_SIMS).all()
        assert (s["gang"][calls[col]] == -1).all()
    logins = tables(w, "logins")
    bank = logins["account_kind"] == 0
    assert np.isin(a["role"][logins["account"][bank]], ALLOWED_ACCOUNTS).all()
    assert (a["gang"][logins["account"][bank]] == -1).all()
    plat_sim = w.entity("platform_accounts")["sim"][logins["account"][~bank]]
    assert np.isin(s["role"][plat_sim], ALLOWED_SIMS).all()
    web = tables(w, "web_events")
    assert np.isin(s["role"][web["sim"]], ALLOWED_SIMS).all()
    visit = web["kind"] == 0
    assert not w.entity("urls")["fraud"][web["url"][visit]].any()
    assert not w.entity("apps")["fraud"][web["app"][~visit]].any()
    # People whose primary SIM was taken still call from their other SIM, if they have one.
    assert len(calls["time"]) > 0


def test_same_seed_same_events(make_world: Callable[..., World], world: World,
                               tables: Tables) -> None:
    again = make_world(seed=3)
    other = make_world(seed=4)
    for name in ("transactions", "calls", "logins", "web_events"):
        a, b, c = tables(world, name), tables(again, name), tables(other, name)
        assert a.keys() == b.keys()
        for k in a:
            assert np.array_equal(a[k], b[k]), f"{name}.{k} differs between runs"
        assert not all(len(a[k]) == len(c[k]) and np.array_equal(a[k], c[k]) for k in a)
