"""Victim reports as the desk records them: late, incomplete and sometimes wrong.

A victim who reports does so some time after the last payment (`delay_mix`). The payments are
as remembered: some forgotten, some amounts rounded, times off by up to
`inexact_time_minutes`, now and then a receiving account with one digit mistyped (which then
fails the Luhn check). Indicators are the numbers, sites, apps and social accounts the victim
can name.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.model.enums import CONTACT_CHANNELS
from fraudlink.simulate.crime.common import TYPE_NAMES, china_day
from fraudlink.simulate.crime.narratives import narrative
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.world import US_PER_MINUTE, World

IntArray = npt.NDArray[np.int64]


def report_ids(times: IntArray) -> npt.NDArray[np.str_]:
    """`R` + China-time date + 5-digit sequence of the day, for times in increasing order."""
    day = china_day(times)
    n = len(day)
    if not n:
        return np.zeros(0, "U14")
    new = np.r_[True, day[1:] != day[:-1]]
    start = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    seq = np.arange(n) - start + 1
    date = np.char.replace(day.astype("datetime64[D]").astype(str), "-", "")
    return np.char.add(np.char.add("R", date), np.char.zfill(seq.astype(str), 5))


def mistype(rng: np.random.Generator, number: str) -> str:
    """The number with one digit after the bank's prefix changed."""
    pos = int(rng.integers(6, len(number)))
    digit = (int(number[pos]) + int(rng.integers(1, 10))) % 10
    return number[:pos] + str(digit) + number[pos + 1 :]


def make_reports(world: World, st: Crime, rng: np.random.Generator) -> None:
    """Fill victim_reports, report_payments and report_indicators; set report ids."""
    ep = st.episodes
    sel = np.flatnonzero(ep.reports & (ep.report_us < world.end_us) & (ep.episode_id >= 0))
    sel = sel[np.argsort(ep.report_us[sel], kind="stable")]
    ids = report_ids(ep.report_us[sel])
    ep.report_id[sel] = ids
    claimed = _payments(world, st, rng, sel)
    _indicators(world, st, rng, sel)
    p = world.entity("persons")
    sims = world.entity("sims")
    victim = ep.victim[sel]
    made = ep.pay_pid >= 0
    count = np.bincount(ep.pay_episode[made], minlength=len(ep))
    texts = [
        narrative(
            rng,
            TYPE_NAMES[int(ep.fraud_type[e])],
            CONTACT_CHANNELS[int(ep.channel[e])],
            int(count[e]),
            int(claimed[i]),
        )
        for i, e in enumerate(sel)
    ]
    world.entity("victim_reports").add(
        report_id=ids,
        reported_at=ep.report_us[sel].astype(np.int64),
        victim_idno=p["idno"][victim],
        victim_msisdn=sims["msisdn"][p["sim"][victim]],
        district=p["district"][victim],
        fraud_type=np.array([TYPE_NAMES[int(t)] for t in ep.fraud_type[sel]], dtype="U32"),
        contact_channel=np.array([CONTACT_CHANNELS[int(c)] for c in ep.channel[sel]], dtype="U8"),
        narrative=np.array(texts, dtype=str) if texts else np.zeros(0, "U1"),
        claimed_loss_fen=claimed.astype(np.int64),
    )
    st.counts["reports"] = len(sel)


def _payments(world: World, st: Crime, rng: np.random.Generator, sel: IntArray) -> IntArray:
    """Remembered payments; returns each report's claimed loss."""
    r = world.cfg.reports
    ep = st.episodes
    pos = np.full(len(ep), -1, np.int64)
    pos[sel] = np.arange(len(sel))
    j = np.flatnonzero((pos[ep.pay_episode] >= 0) & (ep.pay_pid >= 0))
    e = ep.pay_episode[j]
    n = len(j)
    remembered = rng.random(n) >= r.forgotten_payment_share
    # Everyone remembers at least their first payment.
    any_kept = np.zeros(len(ep), bool)
    any_kept[e[remembered]] = True
    remembered |= (ep.pay_seq[j] == 1) & ~any_kept[e]
    j, e = j[remembered], e[remembered]
    n = len(j)
    amount = ep.pay_fen[j].copy()
    inexact = rng.random(n) < r.inexact_amount_share
    unit = np.where(amount >= 1_000_000, 100_000, 10_000)
    rounded = np.maximum(np.round(amount / unit) * unit, 10_000).astype(np.int64)
    amount[inexact] = rounded[inexact]
    err = (rng.uniform(-1, 1, n) * r.inexact_time_minutes * US_PER_MINUTE).astype(np.int64)
    paid_at = np.clip(ep.pay_us[j] + err, world.start_us, ep.report_us[e] - 1)
    number = world.entity("accounts")["number"]
    to = number[ep.pay_to[j]].astype("U19")
    wrong = rng.random(n) < r.wrong_account_share
    for k in np.flatnonzero(wrong):
        to[k] = mistype(rng, str(to[k]))
    seq = np.zeros(n, np.int64)
    if n:
        new = np.r_[True, e[1:] != e[:-1]]
        start = np.maximum.accumulate(np.where(new, np.arange(n), 0))
        seq = np.arange(n) - start + 1
    world.entity("report_payments").add(
        report_id=ep.report_id[e],
        seq=seq.astype(np.int16),
        paid_at=paid_at.astype(np.int64),
        from_account=number[ep.pay_from[j]].astype("U19"),
        to_account=to,
        amount_fen=amount.astype(np.int64),
    )
    claimed = np.zeros(len(sel), np.int64)
    np.add.at(claimed, pos[e], amount)
    return claimed


def _indicators(world: World, st: Crime, rng: np.random.Generator, sel: IntArray) -> None:
    r = world.cfg.reports
    ep = st.episodes
    sims = world.entity("sims")
    urls = world.entity("urls")
    apps = world.entity("apps")
    social = world.entity("platform_accounts")["social_id"]
    app = CONTACT_CHANNELS.index("app")
    rid, kind, value = [], [], []
    for e in sel:
        by_phone = ep.channel[e] != app or ep.follow_ups[e] > 0
        if by_phone and rng.random() < r.gives_number_share:
            rid.append(ep.report_id[e])
            kind.append("phone")
            value.append(sims["msisdn"][ep.number[e]])
        if ep.channel[e] == app and rng.random() < r.gives_url_share:
            rid.append(ep.report_id[e])
            kind.append("url")
            value.append(urls["url"][ep.url[e]])
            if ep.app[e] >= 0:
                rid.append(ep.report_id[e])
                kind.append("app")
                value.append(apps["app_id"][ep.app[e]])
            rid.append(ep.report_id[e])
            kind.append("social")
            value.append(social[ep.platform[e]])
    world.entity("report_indicators").add(
        report_id=np.array(rid, dtype="U14"),
        kind=np.array(kind, dtype="U8"),
        value=np.array(value, dtype=str) if value else np.zeros(0, "U1"),
    )
