"""Raids, dens, the gangs and rings truth, and members' own flags."""

from __future__ import annotations

import dataclasses

import numpy as np
from crime_helpers import columns, crime_world, state

from fraudlink.model.enums import ACCOUNT_ROLES, PERSON_ROLES, SEIZED_ITEM_KINDS
from fraudlink.simulate.world import World

MULE = [ACCOUNT_ROLES.index(r) for r in ("mule_l1", "mule_l2", "mule_l3")]


def test_every_gang_and_ring_has_a_den(wide: World) -> None:
    st = state(wide)
    dens = columns(wide.truth_table("dens"))
    gangs = columns(wide.truth_table("gangs"))
    rings = columns(wide.truth_table("rings"))
    assert len(dens["den_id"]) == len(gangs["gang_id"]) + len(rings["ring_id"])
    assert set(gangs["den_id"].tolist()) | set(rings["den_id"].tolist()) == set(
        dens["den_id"].tolist()
    )
    cells = wide.entity("cells")
    cell_district = dict(zip(cells["cell_id"], cells["district"], strict=True))
    assert all(
        cell_district[c] == d for c, d in zip(dens["cell_id"], dens["district"], strict=True)
    )
    p = wide.entity("persons")
    for g, n in zip(gangs["gang_id"], gangs["members"], strict=True):
        crew = p["role"][p["gang"] == g]
        assert len(crew) == n
        for role in ("backer", "fraudster", "launderer", "cash_out_runner"):
            assert (crew == PERSON_ROLES.index(role)).sum() >= 1, role
    acc = wide.entity("accounts")
    for r, dealer, sellers, kits in zip(
        rings["ring_id"], rings["dealer_idno"], rings["sellers"], rings["accounts"], strict=True
    ):
        i = int(np.flatnonzero(p["idno"] == dealer)[0])
        assert p["role"][i] == PERSON_ROLES.index("card_dealer") and p["ring"][i] == r
        assert sellers == (p["role"][p["ring"] == r] == PERSON_ROLES.index("card_seller")).sum()
        assert kits == (np.isin(acc["role"], MULE) & (acc["ring"] == r)).sum()
    assert len(st.rings) == wide.cfg.market.rings


def test_raids_list_what_is_in_the_den(wide: World) -> None:
    se = columns(wide.entity("seized_evidence"))
    assert len(np.unique(se["operation_id"])) == wide.cfg.police.raids
    assert set(se["item_kind"].tolist()) <= set(SEIZED_ITEM_KINDS)
    assert (se["seized_at"] >= (wide.start_us + wide.end_us) // 2).all()
    assert (se["seized_at"] < wide.end_us).all()
    known = {
        "phone": set(wide.entity("devices")["imei"].tolist()),
        "sim": set(wide.entity("sims")["msisdn"].tolist()),
        "bank_card": set(wide.entity("accounts")["number"].tolist()),
        "corporate_kit": set(wide.entity("accounts")["number"].tolist()),
        "usb_key": set(wide.entity("accounts")["number"].tolist()),
        "pos": set(wide.entity("terminals")["terminal_id"].tolist()),
    }
    for kind, ident in zip(se["item_kind"], se["identifier"], strict=True):
        if kind in ("computer", "seal"):
            assert ident == ""
        else:
            assert ident in known[kind], (kind, ident)
    for op in np.unique(se["operation_id"]):
        items = se["item_no"][se["operation_id"] == op]
        assert items.tolist() == list(range(1, len(items) + 1))
    cards = se["identifier"][se["item_kind"] == "bank_card"]
    acc = wide.entity("accounts")
    index = {str(n): i for i, n in enumerate(acc["number"])}
    assert np.isin(acc["role"][[index[c] for c in cards]], MULE).all()


def test_a_raid_finds_about_its_share_of_the_den(tiny_base: World) -> None:
    cfg = tiny_base.cfg
    counts = []
    for share in (1.0, 0.5):
        police = dataclasses.replace(cfg.police, raids=5, raid_share_of_items=share)
        world = crime_world(dataclasses.replace(cfg, police=police), 0, tiny_base)
        counts.append(len(world.entity("seized_evidence")))
    assert counts[0] > 0
    assert 0.3 * counts[0] < counts[1] < 0.7 * counts[0]


def test_members_flag_mules_late_and_innocents_with_less_confidence(wide: World) -> None:
    st = state(wide)
    mf = columns(wide.entity("member_flags"))
    assert mf["flag_id"].tolist() == list(range(1, len(mf["flag_id"]) + 1))
    assert (np.diff(mf["flagged_at"]) >= 0).all()
    acc = wide.entity("accounts")
    index = {str(n): i for i, n in enumerate(acc["number"])}
    is_acc = mf["kind"] == "account"
    rows = np.array([index[v] for v in mf["value"][is_acc]])
    mule = np.isin(acc["role"][rows], MULE)
    conf = mf["confidence"][is_acc]
    assert mule.sum() > 0 and (~mule).sum() > 0
    assert conf[mule].min() >= 0.5 and conf[~mule].mean() < conf[mule].mean()
    for a, t in zip(rows[mule], mf["flagged_at"][is_acc][mule], strict=True):
        assert t > st.first_fraud_use[int(a)]
    used = len(st.first_fraud_use)
    share = mule.sum() / used
    assert share < wide.cfg.members.mule_flag_share + 0.1
    inst = wide.entity("institutions")["inst_id"]
    assert (mf["inst_id"][is_acc] == inst[acc["inst"][rows]]).all()
    sims = wide.entity("sims")
    phones = mf["value"][mf["kind"] == "phone"]
    box = set(sims["msisdn"][np.concatenate(st.gangs.box_sims)].tolist())
    assert len(phones) > 0 and set(phones.tolist()) <= box
