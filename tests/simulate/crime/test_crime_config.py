"""Determinism, and every crime-side config key changing what is simulated."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from typing import Any

import numpy as np
import pytest
from crime_helpers import TINY_SEED, crime_world

from fraudlink.simulate.config import SimConfig, load_config, validate
from fraudlink.simulate.world import World

SECTIONS = ("market", "fraud", "laundering", "reports", "police", "members")
CRIME_ENTITIES = (
    "victim_reports",
    "report_payments",
    "report_indicators",
    "seized_evidence",
    "case_confirmations",
    "member_flags",
)


def fingerprint(world: World) -> str:
    """A hash of everything the crime side wrote."""
    h = hashlib.sha256()

    def eat(cols: dict[str, Any]) -> None:
        for k in sorted(cols):
            h.update(k.encode())
            h.update(np.ascontiguousarray(cols[k]).tobytes())

    for name in sorted(world.truth):
        eat(world.truth[name].cols)
    for name in CRIME_ENTITIES:
        eat(world.entity(name).cols)
    for name in sorted(world.events):
        for chunk in world.events[name].chunks:
            eat(chunk)
    for name in ("persons", "accounts", "sims", "staff", "devices", "urls"):
        eat(world.entity(name).cols)
    return h.hexdigest()


def perturbed(value: Any, name: str) -> Any:
    """A clearly different valid value for a config field."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 2
    if isinstance(value, float):
        if name.endswith("_share"):
            return 0.0 if value >= 0.5 else min(1.0, value + 0.5)
        return value / 4
    if isinstance(value, dict):
        keys = list(value)
        return dict(zip(keys, list(value.values())[::-1], strict=True))
    raise TypeError(name)


def variants(cfg: SimConfig) -> list[tuple[str, SimConfig]]:
    out = []
    for section in SECTIONS:
        sub = getattr(cfg, section)
        for f in dataclasses.fields(sub):
            if f.name == "types":
                continue
            new = copy.deepcopy(cfg)
            setattr(getattr(new, section), f.name, perturbed(getattr(sub, f.name), f.name))
            out.append((f"{section}.{f.name}", validate(new)))
    for f in dataclasses.fields(cfg.fraud.types["order_brushing"]):
        new = copy.deepcopy(cfg)
        t = new.fraud.types["order_brushing"]
        setattr(t, f.name, perturbed(getattr(t, f.name), f.name))
        out.append((f"fraud.types.order_brushing.{f.name}", validate(new)))
    return out


def test_same_seed_gives_identical_crime(tiny: World, tiny_base: World) -> None:
    again = crime_world(load_config("tiny"), TINY_SEED, tiny_base)
    assert fingerprint(again) == fingerprint(tiny)
    other = crime_world(load_config("tiny"), TINY_SEED + 1)
    assert fingerprint(other) != fingerprint(tiny)


@pytest.mark.parametrize("name", [n for n, _ in variants(load_config("tiny"))])
def test_every_crime_config_key_has_an_effect(name: str, tiny: World, tiny_base: World) -> None:
    cfg = dict(variants(load_config("tiny")))[name]
    world = crime_world(cfg, TINY_SEED, tiny_base)
    assert fingerprint(world) != fingerprint(tiny), f"changing {name} changed nothing"
