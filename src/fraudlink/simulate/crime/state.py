"""What the crime steps hand each other: dens, rings, gangs, mule cards and episodes as arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[Any]


def _i(n: int = 0, fill: int = -1) -> Arr:
    return np.full(n, fill, dtype=np.int64)


@dataclass
class Dens:
    """Premises of gangs (ids 0..gangs-1) and rings (after them)."""

    district: Arr = field(default_factory=lambda: np.zeros(0, "U6"))
    lat: Arr = field(default_factory=lambda: np.zeros(0))
    lon: Arr = field(default_factory=lambda: np.zeros(0))
    cell: Arr = field(default_factory=_i)


@dataclass
class Rings:
    """Card-trafficking rings: a dealer, a den, insiders, shared devices and IP."""

    dealer: Arr = field(default_factory=_i)
    den: Arr = field(default_factory=_i)
    devices: list[Arr] = field(default_factory=list)  # shared phones then computers
    ip: Arr = field(default_factory=_i)  # datacenter (VPN) address the dealer logs in from
    insiders: list[Arr] = field(default_factory=list)  # staff rows
    sellers: list[Arr] = field(default_factory=list)  # person rows of its card sellers

    def __len__(self) -> int:
        return len(self.dealer)


@dataclass
class Gangs:
    """Fraud gangs and their tools."""

    fraud_type: Arr = field(default_factory=_i)  # index into TYPE_NAMES
    ring: Arr = field(default_factory=_i)
    den: Arr = field(default_factory=_i)
    members: Arr = field(default_factory=_i)
    phones: list[Arr] = field(default_factory=list)  # work handsets (device rows)
    computers: list[Arr] = field(default_factory=list)
    ip: Arr = field(default_factory=_i)  # overseas proxy
    den_ip: Arr = field(default_factory=_i)  # den broadband
    boxes: list[Arr] = field(default_factory=list)  # SIM-box device rows
    box_sims: list[Arr] = field(default_factory=list)
    virtual_sims: list[Arr] = field(default_factory=list)
    platform: list[Arr] = field(default_factory=list)  # platform account rows
    urls: list[Arr] = field(default_factory=list)
    apps: list[Arr] = field(default_factory=list)
    atms: list[Arr] = field(default_factory=list)  # terminal rows the runners use
    pos: list[Arr] = field(default_factory=list)
    otc: list[Arr] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.fraud_type)


@dataclass
class Cards:
    """Mule cards (one per kit), each with the period a gang uses it at one tier."""

    gang: Arr = field(default_factory=_i)
    ring: Arr = field(default_factory=_i)
    tier: Arr = field(default_factory=_i)
    active_us: Arr = field(default_factory=_i)  # first planned use
    until_us: Arr = field(default_factory=_i)  # dropped after
    corporate: Arr = field(default_factory=lambda: np.zeros(0, bool))
    # The dealer logs in from the ring's devices (else the gang's launderers from theirs).
    shared: Arr = field(default_factory=lambda: np.zeros(0, bool))
    account: Arr = field(default_factory=_i)
    sim: Arr = field(default_factory=_i)
    seller: Arr = field(default_factory=_i)
    opened_us: Arr = field(default_factory=_i)
    sold_us: Arr = field(default_factory=_i)
    handover_us: Arr = field(default_factory=_i)  # from the ring's den to the gang's
    insider: Arr = field(default_factory=lambda: np.zeros(0, bool))

    def __len__(self) -> int:
        return len(self.gang)


@dataclass
class Episodes:
    """Planned episodes (including those whose payments fall after the period)."""

    gang: Arr = field(default_factory=_i)
    fraud_type: Arr = field(default_factory=_i)
    channel: Arr = field(default_factory=_i)  # index into CONTACT_CHANNELS
    victim: Arr = field(default_factory=_i)
    number: Arr = field(default_factory=_i)  # sim row of the fraud number
    platform: Arr = field(default_factory=_i)  # gang platform account (app contact) or -1
    url: Arr = field(default_factory=_i)
    app: Arr = field(default_factory=_i)  # fraud app installed, or -1
    first_contact_us: Arr = field(default_factory=_i)
    last_planned_us: Arr = field(default_factory=_i)  # last planned payment
    follow_ups: Arr = field(default_factory=_i)  # further calls planned
    episode_id: Arr = field(default_factory=_i)  # published id, -1 if no payment in the period
    reports: Arr = field(default_factory=lambda: np.zeros(0, bool))
    delay_kind: Arr = field(default_factory=_i)  # index into reports.delay_mix
    report_us: Arr = field(default_factory=_i)
    report_id: Arr = field(default_factory=lambda: np.zeros(0, "U14"))
    # Payments, flat, grouped by episode in time order.
    pay_episode: Arr = field(default_factory=_i)
    pay_seq: Arr = field(default_factory=_i)
    pay_us: Arr = field(default_factory=_i)
    pay_fen: Arr = field(default_factory=_i)
    pay_from: Arr = field(default_factory=_i)  # victim's account row
    pay_wallet: Arr = field(default_factory=lambda: np.zeros(0, bool))
    pay_to: Arr = field(default_factory=_i)  # first-level card row, filled by laundering
    pay_pid: Arr = field(default_factory=_i)  # provisional transaction id

    def __len__(self) -> int:
        return len(self.gang)


@dataclass
class Crime:
    """Everything the crime steps build, passed from one step to the next."""

    dens: Dens = field(default_factory=Dens)
    rings: Rings = field(default_factory=Rings)
    gangs: Gangs = field(default_factory=Gangs)
    cards: Cards = field(default_factory=Cards)
    episodes: Episodes = field(default_factory=Episodes)
    taken: Arr = field(default_factory=lambda: np.zeros(0, bool))  # persons given a crime role
    sim_cap: Arr = field(default_factory=_i)  # phone cards each person may still register
    first_fraud_use: dict[int, int] = field(default_factory=dict)  # account row -> time
    innocent_sellers: Arr = field(default_factory=_i)
    residue: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
