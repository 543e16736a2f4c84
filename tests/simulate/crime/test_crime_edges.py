"""Extreme but valid configurations run and keep the money truth consistent."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from crime_helpers import TINY_SEED, columns, crime_world, state

from fraudlink.simulate.config import load_config, validate
from fraudlink.simulate.world import World

EXTREMES: dict[str, dict[str, dict[str, Any]]] = {
    "no gangs": {"fraud": {"gangs": 0}},
    "no rings": {"market": {"rings": 0}},
    "no sim boxes": {"market": {"sim_boxes_per_gang": 0}},
    "empty sim boxes, no virtual": {"market": {"sims_per_sim_box": 0, "virtual_number_share": 0.0}},
    "only virtual numbers": {"market": {"virtual_number_share": 1.0}},
    "no insiders": {"market": {"insider_outlets": 0, "insider_share": 1.0}},
    "many insiders": {"market": {"insider_outlets": 9, "insider_share": 1.0}},
    "no sellers": {"market": {"sellers_per_ring": 0}},
    "one card each": {
        "laundering": {
            "l1_cards_per_gang": 1,
            "l2_cards_per_gang": 1,
            "l3_cards_per_gang": 1,
            "fanout_max": 1,
        }
    },
    "no cards set": {
        "laundering": {
            "l1_cards_per_gang": 0,
            "l2_cards_per_gang": 0,
            "l3_cards_per_gang": 0,
            "fanout_max": 0,
        }
    },
    "short-lived cards": {"laundering": {"card_lifetime_days": 0.1}},
    "all goods": {
        "laundering": {"cash_out_mix": {"atm_cash_out": 0, "pos": 0, "crypto": 0, "goods": 1}}
    },
    "all atm, tiny limit": {
        "laundering": {
            "cash_out_mix": {"atm_cash_out": 1, "pos": 0, "crypto": 0, "goods": 0},
            "atm_limit_yuan": 100.0,
        }
    },
    "no layering": {"laundering": {"third_level_share": 0.0, "residue_share": 0.0}},
    "all residue": {"laundering": {"residue_share": 1.0}},
    "everyone reports everything": {
        "reports": {
            "report_share": 1.0,
            "forgotten_payment_share": 1.0,
            "wrong_account_share": 1.0,
            "inexact_amount_share": 1.0,
        }
    },
    "nobody reports": {"reports": {"report_share": 0.0}},
    "many raids": {"police": {"raids": 50, "raid_share_of_items": 1.0}},
    "no flags": {"members": {"mule_flag_share": 0.0, "innocent_flags_per_10k": 0.0}},
    "all flags": {"members": {"mule_flag_share": 1.0, "innocent_flags_per_10k": 10000.0}},
    "no dialling": {
        "fraud": {
            "dial_attempts_per_episode": 0.0,
            "follow_up_contacts": 0.0,
            "fraud_app_share": 0.0,
        }
    },
    "one type": {"fraud": {"type_mix": {"romance": 1.0}}},
    "no camouflage": {"market": {"camouflage_per_day": 0.0, "mules_share_device": 0.0}},
}


def configured(over: dict[str, dict[str, Any]]) -> Any:
    cfg = copy.deepcopy(load_config("tiny"))
    for section, fields in over.items():
        for k, v in fields.items():
            setattr(getattr(cfg, section), k, v)
    return validate(cfg)


@pytest.mark.parametrize("name", list(EXTREMES))
def test_extreme_config_runs_and_conserves_money(name: str, tiny_base: World) -> None:
    world = crime_world(configured(EXTREMES[name]), TINY_SEED, tiny_base)
    st = state(world)
    mp = columns(world.truth_table("money_path"))
    ep = columns(world.truth_table("episodes"))
    if not len(ep.get("episode_id", [])):
        assert not len(mp.get("hop", []))
        return
    hop1 = mp["hop"] == 1
    loss = np.bincount(
        mp["episode_id"][hop1], weights=mp["amount_fen"][hop1], minlength=len(ep["loss_fen"])
    )
    assert np.array_equal(loss.astype(np.int64), ep["loss_fen"])
    # Per episode: what reached mule accounts either moved on or is still held.
    number = {str(n): i for i, n in enumerate(world.entity("accounts")["number"])}
    held = np.zeros(len(ep["loss_fen"]), np.int64)
    for lots in st.residue.values():
        for e, _, a in lots:
            held[e] += a
    gone = np.zeros(len(ep["loss_fen"]), np.int64)
    mule = np.isin(world.entity("accounts")["role"], [5, 6, 7])
    for e, to, a in zip(mp["episode_id"], mp["to_account"], mp["amount_fen"], strict=True):
        if not to or not mule[number[str(to)]]:
            gone[e] += a
    assert np.array_equal(gone + held, ep["loss_fen"])
