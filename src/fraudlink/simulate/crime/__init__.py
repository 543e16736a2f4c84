"""The crime side of the synthetic city: card market, gangs, episodes, laundering, reports,
police and members' flags.

`run_crime(world)` runs after the city's entities exist and before ordinary life. It adds the
crime's people roles, kits (accounts and SIM cards), devices, addresses, sites and apps to the
entity tables, its calls, web events, logins and transactions to the event logs, the small
police and member feeds, and the truth tables gangs, rings, dens, episodes, pending_episodes,
fraud_payments, money_path and fraud_contacts.

Steps, each with its own random stream `crime:<step>`:

1. `gangs.make_gangs`: gangs, dens, members, work devices, terminals they cash out at.
2. `market.make_rings`: rings, dealers, dens, insiders, shared devices.
3. `cards.plan_cards`: every gang's chain of mule cards per tier.
4. `kits.make_kits`: sellers and the kits (account + SIM) that fill the chain.
5. `tools.make_numbers`: SIM boxes, virtual numbers, platform accounts, sites and apps.
6. `episodes.plan_episodes`: victims, types, first contacts, payments, report plans.
7. `contacts.emit_contacts`: calls, SMS, web events, dialling.
8. `laundering.run_laundering` (event loop in `ledger`, lots in `lots`): the FIFO fraud ledger.
9. `kits.kit_logins`, `reports.make_reports` (texts in `narratives`), `police`,
   `members.flag_accounts`.
"""

from __future__ import annotations

import numpy as np

from fraudlink.simulate.crime import (
    cards,
    contacts,
    episodes,
    gangs,
    kits,
    laundering,
    market,
    members,
    police,
    reports,
    tools,
)
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.world import World


def run_crime(world: World) -> dict[str, int]:
    """Simulate the city's fraud and its traces; return counts (also in `world.notes["crime"]`)."""
    st = Crime(taken=np.zeros(len(world.entity("persons")), bool))
    # Staff open accounts and cards; only those chosen as insiders join a crime.
    st.taken[world.entity("staff")["person"]] = True
    gangs.make_gangs(world, st, world.rng("crime:gangs"))
    market.make_rings(world, st, world.rng("crime:rings"))
    cards.plan_cards(world, st, world.rng("crime:cards"))
    kits.make_kits(world, st, world.rng("crime:market"))
    tools.make_numbers(world, st, world.rng("crime:numbers"))
    episodes.plan_episodes(world, st, world.rng("crime:episodes"))
    contacts.emit_contacts(world, st, world.rng("crime:contacts"))
    laundering.run_laundering(world, st, world.rng("crime:laundering"))
    kits.kit_logins(world, st, world.rng("crime:logins"))
    reports.make_reports(world, st, world.rng("crime:reports"))
    episodes.episodes_truth(world, st)
    police.confirm_cases(world, st, world.rng("crime:police"))
    police.raid_dens(world, st, world.rng("crime:raids"))
    members.flag_accounts(world, st, world.rng("crime:members"))
    gangs.gangs_truth(world, st)
    market.rings_truth(world, st)
    police.dens_truth(world, st)
    st.counts.update(
        gangs=len(st.gangs),
        rings=len(st.rings),
        dens=len(st.dens.district),
        kits=int((st.cards.account >= 0).sum()),
        planned_episodes=len(st.episodes),
        episodes=int((st.episodes.episode_id >= 0).sum()),
        insiders=int((world.entity("staff")["insider_ring"] >= 0).sum()),
        innocent_sellers=len(st.innocent_sellers),
    )
    world.notes["crime"] = dict(st.counts)
    world.notes["crime_state"] = st
    return dict(st.counts)


__all__ = ["run_crime"]
