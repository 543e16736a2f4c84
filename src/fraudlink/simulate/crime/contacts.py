"""Fraud contacts: the first contact and further calls of each episode, and the gangs' dialling.

A call or SMS comes from a SIM-box card or a virtual number of the gang, from the den's cell.
App contact is a visit to the gang's site and often an install of its app, while the gang logs
in to the platform account it grooms the victim on. For every victim reached, a gang dials many
others: short or unanswered calls and SMS from the same numbers (truth: episode -1).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.model.enums import CONTACT_CHANNELS
from fraudlink.simulate.crime.common import (
    ANSWERED_DIAL_SHARE,
    CALL,
    DIAL_MEDIAN_S,
    DIAL_SMS_SHARE,
    FOLLOW_UP_MEDIAN_S,
    FRAUD_CALL_MEDIAN_S,
    INSTALL,
    PERSON_ROLE,
    PLATFORM_LOGIN,
    SMS,
    VISIT,
    rows_in,
)
from fraudlink.simulate.crime.episodes import pick_number
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.world import US_PER_HOUR, US_PER_MINUTE, World

IntArray = npt.NDArray[np.int64]


def emit_contacts(world: World, st: Crime, rng: np.random.Generator) -> None:
    """Append calls, web events and platform logins; record them in fraud_contacts."""
    calls = _episode_calls(world, st, rng)
    dials = _dial_attempts(world, st, rng)
    call_cols = {k: np.r_[calls[k], dials[k]] for k in calls}
    keep = rows_in(call_cols["time"], world.start_us, world.end_us)
    call_cols = {k: v[keep] for k, v in call_cols.items()}
    gang, episode = call_cols.pop("gang"), call_cols.pop("episode")
    pid = world.log("calls").append(
        time=call_cols["time"].astype(np.int64),
        caller=call_cols["caller"].astype(np.int32),
        callee=call_cols["callee"].astype(np.int32),
        kind=call_cols["kind"].astype(np.int8),
        duration_s=call_cols["duration_s"].astype(np.int32),
        cell=call_cols["cell"].astype(np.int32),
    )
    web = _web(world, st, rng)
    wpid = world.log("web_events").append(
        time=web["time"],
        sim=web["sim"].astype(np.int32),
        kind=web["kind"].astype(np.int8),
        url=web["url"].astype(np.int32),
        app=web["app"].astype(np.int32),
    )
    world.truth_table("fraud_contacts").add(
        table=np.r_[np.full(len(pid), "calls"), np.full(len(wpid), "web_events")].astype("U10"),
        record_pid=np.r_[pid, wpid].astype(np.int64),
        gang_id=np.r_[gang, web["gang"]].astype(np.int32),
        episode_id=np.r_[episode, web["episode"]].astype(np.int32),
    )
    st.counts["fraud_calls"] = len(pid)
    st.counts["fraud_web_events"] = len(wpid)


def _episode_calls(world: World, st: Crime, rng: np.random.Generator) -> dict[str, IntArray]:
    ep = st.episodes
    p = world.entity("persons")
    n = len(ep)
    victim_sim = p["sim"][ep.victim] if n else np.zeros(0, np.int64)
    cell = st.dens.cell[st.gangs.den[ep.gang]] if n else np.zeros(0, np.int64)
    first_call = ep.channel != CONTACT_CHANNELS.index("app")
    is_sms = ep.channel == CONTACT_CHANNELS.index("sms")
    f_dur = np.where(is_sms, 0, rng.lognormal(np.log(FRAUD_CALL_MEDIAN_S), 0.6, n)).astype(np.int64)
    k = rng.poisson(world.cfg.fraud.follow_up_contacts, n)
    ep.follow_ups = k.astype(np.int64)
    fe = np.repeat(np.arange(n), k)
    span = np.maximum(ep.last_planned_us - ep.first_contact_us, US_PER_HOUR)
    ft = ep.first_contact_us[fe] + (rng.random(len(fe)) * span[fe]).astype(np.int64)
    fdur = rng.lognormal(np.log(FOLLOW_UP_MEDIAN_S), 0.7, len(fe)).astype(np.int64)
    e = np.r_[np.flatnonzero(first_call), fe]
    return {
        "time": np.r_[ep.first_contact_us[first_call], ft],
        "caller": ep.number[e],
        "callee": victim_sim[e],
        "kind": np.r_[np.where(is_sms[first_call], SMS, CALL), np.full(len(fe), CALL)],
        "duration_s": np.r_[f_dur[first_call], fdur],
        "cell": cell[e],
        "gang": ep.gang[e],
        "episode": ep.episode_id[e],
    }


def _dial_attempts(world: World, st: Crime, rng: np.random.Generator) -> dict[str, IntArray]:
    """Calls and SMS to random non-victims around each episode's first contact."""
    ep = st.episodes
    p = world.entity("persons")
    g = st.gangs
    n = len(ep)
    k = rng.poisson(world.cfg.fraud.dial_attempts_per_episode, n)
    de = np.repeat(np.arange(n), k)
    m = len(de)
    targets = np.flatnonzero(
        (p["sim"] >= 0)
        & (p["role"] == PERSON_ROLE["ordinary"])
        & ~st.taken
        & ~np.isin(np.arange(len(p)), ep.victim)
    )
    callee = (
        p["sim"][targets[rng.integers(0, len(targets), m)]]
        if len(targets)
        else np.zeros(m, np.int64)
    )
    # Half from the number that reached the victim, the rest from the gang's other numbers.
    same = rng.random(m) < 0.5
    virt = rng.random(m) < world.cfg.market.virtual_number_share
    caller = ep.number[de].copy()
    for j in np.flatnonzero(~same):
        gi = int(ep.gang[de[j]])
        caller[j] = pick_number(rng, g.box_sims[gi], g.virtual_sims[gi], bool(virt[j]))
    t = ep.first_contact_us[de] + rng.normal(0, 3 * US_PER_HOUR, m).astype(np.int64)
    sms = rng.random(m) < DIAL_SMS_SHARE
    answered = ~sms & (rng.random(m) < ANSWERED_DIAL_SHARE)
    dur = np.where(answered, np.maximum(rng.lognormal(np.log(DIAL_MEDIAN_S), 0.6, m), 1), 0)
    return {
        "time": t.astype(np.int64),
        "caller": caller,
        "callee": callee,
        "kind": np.where(sms, SMS, CALL),
        "duration_s": dur.astype(np.int64),
        "cell": st.dens.cell[g.den[ep.gang[de]]] if m else np.zeros(0, np.int64),
        "gang": ep.gang[de],
        "episode": np.full(m, -1, np.int64),
    }


def _web(world: World, st: Crime, rng: np.random.Generator) -> dict[str, IntArray]:
    """Visits to fraud sites and app installs of app-contact episodes, with platform logins."""
    ep = st.episodes
    p = world.entity("persons")
    g = st.gangs
    app_ep = np.flatnonzero(ep.platform >= 0)
    inst_ep = app_ep[ep.app[app_ep] >= 0]
    t_visit = ep.first_contact_us[app_ep]
    t_inst = ep.first_contact_us[inst_ep] + rng.integers(
        5 * US_PER_MINUTE, 60 * US_PER_MINUTE, len(inst_ep)
    )
    e = np.r_[app_ep, inst_ep]
    cols = {
        "time": np.r_[t_visit, t_inst].astype(np.int64),
        "sim": p["sim"][ep.victim[e]] if len(e) else np.zeros(0, np.int64),
        "kind": np.r_[np.full(len(app_ep), VISIT), np.full(len(inst_ep), INSTALL)],
        "url": np.r_[ep.url[app_ep], np.full(len(inst_ep), -1)],
        "app": np.r_[np.full(len(app_ep), -1), ep.app[inst_ep]],
        "gang": ep.gang[e],
        "episode": ep.episode_id[e],
    }
    keep = rows_in(cols["time"], world.start_us, world.end_us)
    # The fraudster logs in to the grooming account before the victim is sent the link.
    lt = t_visit - rng.integers(US_PER_MINUTE, 30 * US_PER_MINUTE, len(app_ep))
    lk = rows_in(lt, world.start_us, world.end_us)
    gi = ep.gang[app_ep][lk]
    dev = np.array([g.phones[i][rng.integers(0, len(g.phones[i]))] for i in gi], np.int64)
    world.log("logins").append(
        time=lt[lk].astype(np.int64),
        account_kind=np.full(len(gi), PLATFORM_LOGIN, np.int8),
        account=ep.platform[app_ep][lk].astype(np.int32),
        device=dev.astype(np.int32),
        ip=g.ip[gi].astype(np.int32),
    )
    return {k: v[keep] for k, v in cols.items()}
