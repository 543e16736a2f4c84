"""Police: case confirmations of reported episodes, raids on dens, and the dens truth.

A confirmation comes `confirmation_hours` (log-normal) after a report and names the true
first-level cards the victim paid into, the numbers that contacted the victim and, for app
contact, the site, app and social account. A raid (in the period's second half, at dawn) lists
what is in the den at that moment: its handsets, SIM boxes and computers, the gang's SIM cards,
the mule cards with their USB keys (used ones and the kits waiting for use), corporate kits with
their seals, the POS terminals the gang cashes out on; each found with `raid_share_of_items`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.model.enums import CONTACT_CHANNELS
from fraudlink.simulate.crime.common import CONFIRM_SIGMA, at_china_hour, china_day, lognormal_us
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.world import US_PER_HOUR, World

IntArray = npt.NDArray[np.int64]


def confirm_cases(world: World, st: Crime, rng: np.random.Generator) -> None:
    """case_confirmations for reports whose confirmation falls in the period."""
    ep = st.episodes
    sel = np.flatnonzero(ep.report_id != "")
    delay = lognormal_us(
        rng, world.cfg.police.confirmation_hours * US_PER_HOUR, CONFIRM_SIGMA, len(sel)
    )
    when = ep.report_us[sel] + delay
    number = world.entity("accounts")["number"]
    msisdn = world.entity("sims")["msisdn"]
    urls = world.entity("urls")["url"]
    apps = world.entity("apps")["app_id"]
    social = world.entity("platform_accounts")["social_id"]
    made = ep.pay_pid >= 0
    app = CONTACT_CHANNELS.index("app")
    rows: dict[str, list[object]] = {
        "case_id": [],
        "report_id": [],
        "confirmed_at": [],
        "kind": [],
        "value": [],
    }
    for e, t in zip(sel, when, strict=True):
        if t >= world.end_us:
            continue
        rid = str(ep.report_id[e])
        found: list[tuple[str, str]] = []
        for acc in np.unique(ep.pay_to[(ep.pay_episode == e) & made]):
            if acc >= 0:
                found.append(("account", str(number[acc])))
        found.append(("phone", str(msisdn[ep.number[e]])))
        if ep.channel[e] == app:
            found.append(("url", str(urls[ep.url[e]])))
            found.append(("social", str(social[ep.platform[e]])))
            if ep.app[e] >= 0:
                found.append(("app", str(apps[ep.app[e]])))
        for k, (kind, value) in enumerate(found):
            rows["case_id"].append("C" + rid[1:])
            rows["report_id"].append(rid)
            rows["confirmed_at"].append(int(t) + k * 1_000_000)
            rows["kind"].append(kind)
            rows["value"].append(value)
    world.entity("case_confirmations").add(
        case_id=np.array(rows["case_id"], dtype="U14"),
        report_id=np.array(rows["report_id"], dtype="U14"),
        confirmed_at=np.array(rows["confirmed_at"], dtype=np.int64),
        kind=np.array(rows["kind"], dtype="U8"),
        value=np.array(rows["value"], dtype=str) if rows["value"] else np.zeros(0, "U1"),
    )
    st.counts["case_confirmations"] = len(rows["case_id"])


def _den_items(world: World, st: Crime, den: int, t: int) -> list[tuple[str, str]]:
    """Everything in a den at time t, as (item kind, identifier)."""
    imei = world.entity("devices")["imei"]
    msisdn = world.entity("sims")["msisdn"]
    number = world.entity("accounts")["number"]
    term = world.entity("terminals")["terminal_id"]
    c = st.cards
    items: list[tuple[str, str]] = []
    gangs = np.flatnonzero(st.gangs.den == den)
    rings = np.flatnonzero(st.rings.den == den)
    held = np.zeros(len(c), bool)
    for gi in gangs:
        g = int(gi)
        items += [("computer", "")] * len(st.gangs.computers[g])
        items += [("phone", str(imei[d])) for d in np.r_[st.gangs.phones[g], st.gangs.boxes[g]]]
        sims = np.r_[st.gangs.box_sims[g], st.gangs.virtual_sims[g]]
        items += [("sim", str(msisdn[s])) for s in sims]
        items += [("pos", str(term[x])) for x in st.gangs.pos[g]]
        held |= (c.gang == g) & (c.handover_us <= t)
    for ri in rings:
        r = int(ri)
        devs = st.rings.devices[r]
        kinds = world.entity("devices")["kind"][devs]
        items += [
            ("computer", "") if k == 2 else ("phone", str(imei[d]))
            for d, k in zip(devs, kinds, strict=True)
        ]
        held |= (c.ring == r) & (c.sold_us <= t) & (t < c.handover_us)
    held &= c.account >= 0
    for i in np.flatnonzero(held):
        acc = str(number[c.account[i]])
        items.append(("corporate_kit" if c.corporate[i] else "bank_card", acc))
        items.append(("sim", str(msisdn[c.sim[i]])))
        items.append(("usb_key", acc))
        if c.corporate[i]:
            items += [("seal", ""), ("seal", "")]
    return items


def raid_dens(world: World, st: Crime, rng: np.random.Generator) -> None:
    """seized_evidence of `raids` dawn raids on distinct dens in the period's second half."""
    n_dens = len(st.dens.district)
    k = min(world.cfg.police.raids, n_dens)
    dens = np.sort(rng.choice(n_dens, k, replace=False)) if k else np.zeros(0, np.int64)
    mid = (world.start_us + world.end_us) // 2
    rows: dict[str, list[object]] = {
        "operation_id": [],
        "item_no": [],
        "seized_at": [],
        "district": [],
        "item_kind": [],
        "identifier": [],
    }
    raided = []
    for op, den in enumerate(dens, start=1):
        day = china_day(int(rng.integers(mid, world.end_us)))
        t = int(at_china_hour(day, rng.uniform(5.5, 7.5)))
        if not world.start_us <= t < world.end_us:
            t = int(rng.integers(mid, world.end_us))
        items = _den_items(world, st, int(den), t)
        found = rng.random(len(items)) < world.cfg.police.raid_share_of_items
        raided.append(int(den))
        for no, (kind, ident) in enumerate(
            (x for x, f in zip(items, found, strict=True) if f), start=1
        ):
            rows["operation_id"].append(f"OP{op:04d}")
            rows["item_no"].append(no)
            rows["seized_at"].append(t + no * 1_000_000)
            rows["district"].append(str(st.dens.district[den]))
            rows["item_kind"].append(kind)
            rows["identifier"].append(ident)
    world.entity("seized_evidence").add(
        operation_id=np.array(rows["operation_id"], dtype="U8"),
        item_no=np.array(rows["item_no"], dtype=np.int32),
        seized_at=np.array(rows["seized_at"], dtype=np.int64),
        district=np.array(rows["district"], dtype="U6"),
        item_kind=np.array(rows["item_kind"], dtype="U16"),
        identifier=np.array(rows["identifier"], dtype="U19"),
    )
    st.counts["raids"] = len(raided)
    st.counts["seized_items"] = len(rows["item_no"])
    kinds, counts = np.unique(np.array(rows["item_kind"], dtype="U16"), return_counts=True)
    for item, count in zip(kinds, counts, strict=True):
        st.counts[f"seized_{item}"] = int(count)


def dens_truth(world: World, st: Crime) -> None:
    """Every gang and ring den."""
    d = st.dens
    world.truth_table("dens").add(
        den_id=np.arange(len(d.district), dtype=np.int32),
        district=d.district,
        lat=d.lat.astype(np.float64),
        lon=d.lon.astype(np.float64),
        cell_id=world.entity("cells")["cell_id"][d.cell] if len(d.cell) else np.zeros(0, "U11"),
    )
