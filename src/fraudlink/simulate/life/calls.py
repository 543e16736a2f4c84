"""Calls and SMS: people calling their acquaintances, delivery riders and call-centre agents.

Riders and call-centre agents make many short calls to distinct numbers, as SIM boxes do, but
riders move from cell to cell around their district, while a call centre's agents sit together in
one cell during office hours.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.simulate.life.contacts import Circles
from fraudlink.simulate.life.context import I64, SIM, Groups, Life
from fraudlink.simulate.world import CHINA_OFFSET_US, US_PER_HOUR, US_PER_SECOND, World

# Ordinary people.
ACQUAINTANCE_SHARE = 0.85  # the rest go to other numbers (services, shops, strangers)
ALT_SIM_SHARE = 0.15  # calls from a second SIM, for those who hold one
AWAY_SHARE = 0.2  # calls made away from the home cell, elsewhere in the district
ANSWERED_SHARE = 0.85
CALL_SIGMA = 1.0
MAX_CALL_SECONDS = 3 * 3600
# Delivery riders: short calls to customers of their district, from wherever they are.
RIDER_MEDIAN_SECONDS = 30.0
RIDER_SIGMA = 0.6
RIDER_ANSWERED_SHARE = 0.85
RIDER_LOCAL_SHARE = 0.9
# Call centres: agents side by side in one cell, office hours, fewer calls at weekends.
AGENTS_PER_CENTRE = 20
CENTRE_MEDIAN_SECONDS = 45.0
CENTRE_SIGMA = 0.7
CENTRE_ANSWERED_SHARE = 0.6
OFFICE_HOURS = (9.0, 18.0)
WEEKEND_FACTOR = 0.3


def append_calls(
    world: World,
    time: npt.ArrayLike,
    caller: npt.ArrayLike,
    callee: npt.ArrayLike,
    kind: npt.ArrayLike,
    duration_s: npt.ArrayLike,
    cell: npt.ArrayLike,
) -> None:
    """Append one chunk of ordinary calls and SMS."""
    world.log("calls").append(time=time, caller=caller, callee=callee, kind=kind,
                              duration_s=duration_s, cell=cell)  # fmt: skip


def _durations(
    rng: np.random.Generator,
    n: int,
    sms: npt.NDArray[np.bool_],
    median: float,
    sigma: float,
    answered: float,
) -> I64:
    """Seconds of each call: 0 for SMS and unanswered calls, else log-normal around the median."""
    secs = np.clip(rng.lognormal(np.log(max(median, 1.0)), sigma, n), 1, MAX_CALL_SECONDS)
    up = ~sms & (rng.random(n) < answered)
    return np.where(up, secs, 0).astype(np.int64)


def _strangers(life: Life, rng: np.random.Generator, n: int) -> I64:
    return life.sim[life.callers[rng.integers(0, len(life.callers), n)]]


def _ordinary(life: Life, rng: np.random.Generator, day: int, circles: Circles) -> None:
    cfg = life.cfg
    callers = life.callers
    who = np.repeat(
        callers, life.counts(rng, cfg.calls_per_person_day * life.activity[callers], len(callers))
    )
    n = len(who)
    sim = life.sim[who]
    alt = life.alt_sim[who]
    sim = np.where((alt >= 0) & (rng.random(n) < ALT_SIM_SHARE), alt, sim)
    friend = circles.pick(rng, who)
    callee = np.where(friend >= 0, life.sim[np.maximum(friend, 0)], -1)
    callee = np.where(rng.random(n) < ACQUAINTANCE_SHARE, callee, -1)
    stranger = _strangers(life, rng, n)
    callee = np.where((callee < 0) | (callee == sim), stranger, callee)
    ok = callee != sim
    sms = rng.random(n) < cfg.sms_share
    duration = _durations(rng, n, sms, cfg.call_median_seconds, CALL_SIGMA, ANSWERED_SHARE)
    away = rng.random(n) < AWAY_SHARE
    cell = np.where(away, life.cells.pick(rng, life.district[who]), life.home_cell[who])
    t = life.times(rng, day, n)
    append_calls(life.world, t[ok], sim[ok], callee[ok], sms[ok], duration[ok], cell[ok])


def _riders(life: Life, rng: np.random.Generator, day: int, riders: I64, customers: Groups) -> None:
    cfg = life.cfg
    s = life.world.entity("sims")
    who = np.repeat(riders, life.counts(rng, cfg.rider_calls_per_day, len(riders)))
    n = len(who)
    district = life.district[s["owner"][who]]
    callee = np.where(
        rng.random(n) < RIDER_LOCAL_SHARE, customers.pick(rng, district), _strangers(life, rng, n)
    )
    ok = callee != who
    sms = rng.random(n) < cfg.sms_share / 2
    duration = _durations(rng, n, sms, RIDER_MEDIAN_SECONDS, RIDER_SIGMA, RIDER_ANSWERED_SHARE)
    cell = life.cells.pick(rng, district)
    t = life.times(rng, day, n)
    append_calls(life.world, t[ok], who[ok], callee[ok], sms[ok], duration[ok], cell[ok])


def _centres(life: Life, rng: np.random.Generator, agents: I64) -> I64:
    """The cell each agent works in: rooms of AGENTS_PER_CENTRE agents, filled district by district.

    A room sits in a cell of the district of its first agent; agents from the next district may
    commute to it when the room is shared.
    """
    s = life.world.entity("sims")
    district = life.district[s["owner"][agents]]
    order = np.lexsort((agents, district))
    room = np.arange(len(agents)) // AGENTS_PER_CENTRE
    room_district = district[order][::AGENTS_PER_CENTRE]
    room_cell = life.cells.pick(rng, room_district)
    cell = np.empty(len(agents), dtype=np.int64)
    cell[order] = room_cell[room]
    return cell


def _call_centre(
    life: Life, rng: np.random.Generator, day: int, agents: I64, agent_cell: I64
) -> None:
    cfg = life.cfg
    rate = cfg.call_centre_calls_per_day * (
        WEEKEND_FACTOR if life.local_date(day).weekday() >= 5 else 1.0
    )
    k = life.counts(rng, rate, len(agents))
    who = np.repeat(agents, k)
    cell = np.repeat(agent_cell, k)
    n = len(who)
    callee = _strangers(life, rng, n)
    ok = callee != who
    duration = _durations(
        rng, n, np.zeros(n, bool), CENTRE_MEDIAN_SECONDS, CENTRE_SIGMA, CENTRE_ANSWERED_SHARE
    )
    hour = rng.uniform(*OFFICE_HOURS, n)
    t = (
        life.day_us(day)
        - CHINA_OFFSET_US
        + (hour * US_PER_HOUR).astype(np.int64)
        + rng.integers(0, US_PER_SECOND, n)
    )
    append_calls(
        life.world,
        t[ok],
        who[ok],
        callee[ok],
        np.zeros(int(ok.sum()), np.int8),
        duration[ok],
        cell[ok],
    )


def run_calls(life: Life, circles: Circles) -> None:
    """All calls and SMS of ordinary life, one chunk per kind per day."""
    world = life.world
    rng = world.rng("life:calls")
    if not len(life.callers):
        return
    s = world.entity("sims")
    riders = np.flatnonzero(life.sim_ok & (s["role"] == SIM["delivery_rider"]))
    agents = np.flatnonzero(life.sim_ok & (s["role"] == SIM["call_centre"]))
    customers = Groups(life.sim[life.callers], life.district[life.callers], life.n_districts)
    agent_cell = _centres(life, world.rng("life:call-centres"), agents)
    for day in range(life.days):
        _ordinary(life, rng, day, circles)
        if len(riders):
            _riders(life, rng, day, riders, customers)
        if len(agents):
            _call_centre(life, rng, day, agents, agent_cell)
