"""The card market: kits in sellers' names, insiders in bursts, SIM boxes, the rules of issue."""

from __future__ import annotations

import numpy as np
from crime_helpers import log_table, state

from fraudlink.model.enums import ACCOUNT_ROLES, DEVICE_KINDS, PERSON_ROLES, SIM_ROLES
from fraudlink.simulate.crime.common import china_day
from fraudlink.simulate.world import US_PER_DAY, World

MULE_ROLES = [ACCOUNT_ROLES.index(r) for r in ("mule_l1", "mule_l2", "mule_l3")]


def test_every_kit_is_a_card_and_a_sim_in_the_sellers_name(tiny: World) -> None:
    st = state(tiny)
    c = st.cards
    acc, sims, p = tiny.entity("accounts"), tiny.entity("sims"), tiny.entity("persons")
    k = np.flatnonzero(c.account >= 0)
    assert len(k) == len(c), "every planned card was opened"
    a, s = c.account[k], c.sim[k]
    assert np.array_equal(acc["phone"][a], s), "the kit's SIM is the account's reserved phone"
    assert np.array_equal(acc["owner"][a], sims["owner"][s])
    assert (p["role"][acc["owner"][a]] == PERSON_ROLES.index("card_seller")).all()
    assert np.isin(acc["role"][a], MULE_ROLES).all()
    assert (sims["role"][s] == SIM_ROLES.index("mule_kit")).all()
    assert np.array_equal(acc["gang"][a], c.gang[k]) and np.array_equal(acc["ring"][a], c.ring[k])
    assert (p["ring"][acc["owner"][a]] == c.ring[k]).all()
    # Opened, then sold, then handed to the gang, then first used; all within the window.
    opened, sold = acc["opened_us"][a], acc["sold_us"][a]
    assert (sims["registered_us"][s] <= opened).all()
    assert (opened < sold).all() and (sold <= c.handover_us[k]).all()
    assert (sold < tiny.end_us).all() and (opened < tiny.end_us).all()
    used = c.active_us[k] < tiny.end_us
    assert (c.handover_us[k][used] <= c.active_us[k][used]).all()
    window = tiny.cfg.market.kit_open_days_before * US_PER_DAY
    assert (opened[used] >= c.active_us[k][used] - window).all()
    assert (opened[used] < c.active_us[k][used]).all()
    # Branch openings by bank staff, no device or IP.
    assert (acc["outlet"][a] >= 0).all() and (acc["staff"][a] >= 0).all()
    assert (acc["device"][a] == -1).all()


def test_issue_rules_hold_for_sellers(wide: World) -> None:
    acc, sims, p = wide.entity("accounts"), wide.entity("sims"), wide.entity("persons")
    sellers = np.flatnonzero(p["role"] == PERSON_ROLES.index("card_seller"))
    assert len(sellers) >= wide.cfg.market.sellers_per_ring * wide.cfg.market.rings
    # At most five phone cards per identity (一证五号).
    held = np.bincount(sims["owner"], minlength=len(p))
    assert held[sellers].max() <= 5
    # At most one personal Class I account per person per bank.
    m = np.isin(acc["owner"], sellers) & (acc["klass"] == 1) & ~acc["corporate"]
    pairs = acc["owner"][m].astype(np.int64) * 100 + acc["inst"][m]
    assert len(np.unique(pairs)) == len(pairs)
    # Kits per seller follow the mix's range.
    kits = np.bincount(acc["owner"][np.isin(acc["role"], MULE_ROLES)], minlength=len(p))
    top = max(int(k) for k in wide.cfg.market.kits_per_seller_mix)
    assert kits[sellers].max() <= top


def test_insiders_open_many_kits_in_bursts(wide: World) -> None:
    staff, acc, sims, p = (wide.entity(n) for n in ("staff", "accounts", "sims", "persons"))
    insiders = np.flatnonzero(staff["insider_ring"] >= 0)
    assert len(insiders) == wide.cfg.market.insider_outlets
    assert (p["role"][staff["person"][insiders]] == PERSON_ROLES.index("insider")).all()
    for s in insiders:
        ring = staff["insider_ring"][s]
        opened_acc = np.flatnonzero(acc["staff"] == s)
        opened_sim = np.flatnonzero(sims["staff"] == s)
        crime_acc = opened_acc[acc["ring"][opened_acc] >= 0]
        crime_sim = opened_sim[sims["ring"][opened_sim] >= 0]
        n = len(crime_acc) + len(crime_sim)
        assert n >= 10, f"insider {s} opened only {n} cards"
        # Mostly their own ring's (another ring's seller may walk up to their desk too).
        mine = (acc["ring"][crime_acc] == ring).sum() + (sims["ring"][crime_sim] == ring).sum()
        assert mine >= 0.9 * n
        when = np.r_[acc["opened_us"][crime_acc], sims["registered_us"][crime_sim]]
        days, per_day = np.unique(china_day(when), return_counts=True)
        assert per_day.max() >= 3, "insiders open kits in bulk on a few days"
        assert len(days) < n / 2
    share = wide.cfg.market.insider_share
    st = state(wide)
    by_bank_insider = [
        r
        for r in range(len(st.rings))
        if any(
            wide.entity("outlets")["kind"][staff["outlet"][s]] == "bank_branch"
            for s in st.rings.insiders[r]
        )
    ]
    kits = np.isin(st.cards.ring, by_bank_insider)
    got = st.cards.insider[kits].mean()
    assert abs(got - share) < 0.1


def test_sim_boxes_hold_bulk_cards_in_one_den_cell(tiny: World) -> None:
    st = state(tiny)
    sims, dev = tiny.entity("sims"), tiny.entity("devices")
    m = tiny.cfg.market
    calls = log_table(tiny, "calls")
    for g in range(len(st.gangs)):
        boxes = st.gangs.boxes[g]
        assert len(boxes) == m.sim_boxes_per_gang
        assert (dev["kind"][boxes] == DEVICE_KINDS.index("sim_box")).all()
        cards = st.gangs.box_sims[g]
        assert len(cards) == m.sim_boxes_per_gang * m.sims_per_sim_box
        assert np.isin(sims["device"][cards], boxes).all()
        assert (sims["role"][cards] == SIM_ROLES.index("sim_box")).all()
        assert (sims["gang"][cards] == g).all()
        cell = calls["cell"][np.isin(calls["caller"], cards)]
        assert len(np.unique(cell)) <= 1
        virtual = st.gangs.virtual_sims[g]
        prefixes = {str(x)[:3] for x in sims["msisdn"][virtual]}
        assert prefixes <= {"162", "165", "167", "170", "171"}


def test_dealers_log_in_to_shared_kits_from_ring_devices(wide: World) -> None:
    st = state(wide)
    logins = log_table(wide, "logins")
    bank = logins["account_kind"] == 0
    c = st.cards
    for r in range(len(st.rings)):
        shared = c.account[(c.ring == r) & c.shared]
        own = np.isin(logins["device"], st.rings.devices[r]) & bank
        hit = np.isin(logins["account"][own], shared)
        assert own.sum() > 0 and hit.all()
        assert len(np.unique(logins["account"][own])) > 5
    share = c.shared.mean()
    assert abs(share - wide.cfg.market.mules_share_device) < 0.1
    # Sellers activate mobile banking from their own phones.
    p = wide.entity("persons")
    acc = wide.entity("accounts")
    kit_login = bank & np.isin(logins["account"], c.account)
    seller_dev = p["device"][acc["owner"][logins["account"][kit_login]]]
    assert (logins["device"][kit_login] == seller_dev).any()
