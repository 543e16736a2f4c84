"""Episodes, their contacts, and the victims' reports as the desk receives them."""

from __future__ import annotations

import math
import re

import numpy as np
from crime_helpers import columns, log_table, state

from fraudlink.model.enums import CONTACT_CHANNELS, PERSON_ROLES, SIM_ROLES
from fraudlink.model.identifiers import get as identifier
from fraudlink.simulate.crime.common import CHINA_OFFSET_US, china_day
from fraudlink.simulate.world import US_PER_DAY, US_PER_HOUR, World


def tolerance(p: float, n: int) -> float:
    return 4 * math.sqrt(max(p * (1 - p), 1e-9) / max(n, 1)) + 0.02


def shares_match(got: dict[str, int], mix: dict[str, float]) -> None:
    n = sum(got.values())
    assert n > 0
    for name, p in mix.items():
        share = got.get(name, 0) / n
        assert abs(share - p) <= tolerance(p, n), f"{name}: {share:.3f} vs {p}"


def test_episode_count_type_and_channel_mix(wide: World) -> None:
    cfg = wide.cfg
    ep = columns(wide.truth_table("episodes"))
    n = len(ep["episode_id"])
    mean = cfg.fraud.episodes_per_100k_day * cfg.world.persons / 1e5 * cfg.world.days
    assert abs(n - mean) < 5 * math.sqrt(mean)
    names, counts = np.unique(ep["fraud_type"], return_counts=True)
    shares_match(dict(zip(names.tolist(), counts.tolist(), strict=True)), cfg.fraud.type_mix)
    names, counts = np.unique(ep["contact_channel"], return_counts=True)
    shares_match(dict(zip(names.tolist(), counts.tolist(), strict=True)), cfg.fraud.contact_mix)
    first = ep["first_payment_at"]
    assert ((first >= wide.start_us) & (first < wide.end_us)).all()
    assert (ep["first_contact_at"] <= ep["first_payment_at"]).all()
    assert (ep["first_payment_at"] <= ep["last_payment_at"]).all()


def test_episodes_go_to_gangs_running_their_type(wide: World) -> None:
    ep = columns(wide.truth_table("episodes"))
    gangs = columns(wide.truth_table("gangs"))
    run = set(gangs["fraud_type"].tolist())
    main = gangs["fraud_type"][ep["gang_id"]]
    handled = np.isin(ep["fraud_type"], list(run))
    assert (main[handled] == ep["fraud_type"][handled]).all()


def test_victims_are_ordinary_people_with_a_phone_and_an_account(wide: World) -> None:
    st = state(wide)
    p = wide.entity("persons")
    ep = st.episodes
    victims = ep.victim[ep.episode_id >= 0]
    assert len(np.unique(victims)) == len(victims)
    assert (p["role"][victims] == PERSON_ROLES.index("victim")).all()
    assert (p["sim"][victims] >= 0).all() and (p["main_account"][victims] >= 0).all()
    assert (p["gang"][victims] == -1).all() and (p["ring"][victims] == -1).all()
    staff = set(wide.entity("staff")["person"].tolist())
    assert not staff & set(victims.tolist())
    age = p["age"][ep.victim]
    got = {}
    for band in wide.cfg.fraud.victim_age_mix:
        lo, hi = (int(x) for x in band.split("-"))
        got[band] = int(((age >= lo) & (age <= hi)).sum())
    shares_match(got, wide.cfg.fraud.victim_age_mix)


def test_first_contacts_come_in_china_daytime_from_gang_numbers(wide: World) -> None:
    st = state(wide)
    ep = st.episodes
    local_hour = ((ep.first_contact_us + CHINA_OFFSET_US) % US_PER_DAY) / US_PER_HOUR
    assert ((local_hour >= 7.5) & (local_hour < 23.6)).all()
    sims = wide.entity("sims")
    roles = sims["role"][ep.number]
    assert np.isin(roles, [SIM_ROLES.index("sim_box"), SIM_ROLES.index("fraud_caller")]).all()
    assert (sims["gang"][ep.number] == ep.gang).all()


def test_contacts_reach_victims_and_dialling_reaches_many_others(wide: World) -> None:
    st = state(wide)
    ep = st.episodes
    fc = columns(wide.truth_table("fraud_contacts"))
    calls = log_table(wide, "calls")
    web = log_table(wide, "web_events")
    is_call = fc["table"] == "calls"
    pid = fc["record_pid"][is_call]
    assert len(np.unique(pid)) == len(pid) == len(calls["time"])
    p = wide.entity("persons")
    reached = fc["episode_id"][is_call] >= 0
    by_episode = {int(e): i for i, e in enumerate(ep.episode_id) if e >= 0}
    for rec, e in zip(pid[reached], fc["episode_id"][is_call][reached], strict=True):
        i = by_episode[int(e)]
        assert calls["callee"][rec] == p["sim"][ep.victim[i]]
        assert calls["caller"][rec] == ep.number[i]
    # Calls with no episode: to people still being groomed when the period ends, and dialling.
    other = pid[~reached]
    groomed = np.isin(calls["callee"][other], p["sim"][ep.victim])
    assert np.isin(calls["callee"][other][groomed], p["sim"][ep.victim[ep.episode_id < 0]]).all()
    dials = other[~groomed]
    in_period = (ep.first_contact_us >= wide.start_us).sum()
    expected = wide.cfg.fraud.dial_attempts_per_episode * in_period
    assert 0.6 * expected < len(dials) < 1.4 * expected
    answered = (calls["kind"][dials] == 0) & (calls["duration_s"][dials] > 0)
    assert np.median(calls["duration_s"][dials][answered]) < 60
    assert (calls["duration_s"][dials] == 0).mean() > 0.5
    # A share of contacts from virtual numbers.
    virtual = np.concatenate(st.gangs.virtual_sims)
    share = np.isin(calls["caller"], virtual).mean()
    assert abs(share - wide.cfg.market.virtual_number_share) < 0.1
    # App contact: a visit to a fraud site, often an install of a fraud app.
    is_web = fc["table"] == "web_events"
    wp = fc["record_pid"][is_web]
    assert len(wp) == len(web["time"]) > 0
    urls, apps = wide.entity("urls"), wide.entity("apps")
    visit = web["kind"][wp] == 0
    assert urls["fraud"][web["url"][wp][visit]].all()
    assert apps["fraud"][web["app"][wp][~visit]].all()
    app_eps = (ep.channel == CONTACT_CHANNELS.index("app")).sum()
    installs = (ep.app >= 0).sum()
    assert abs(installs / app_eps - wide.cfg.fraud.fraud_app_share) < 0.15


def test_report_delays_follow_the_mix(wide: World) -> None:
    st = state(wide)
    ep = st.episodes
    r = wide.cfg.reports
    names = list(r.delay_mix)
    judged = ep.episode_id >= 0
    kinds = ep.delay_kind[judged]
    got = {n: int((kinds == i).sum()) for i, n in enumerate(names)}
    shares_match(got, r.delay_mix)
    assert abs(ep.reports[judged].mean() - r.report_share) <= tolerance(
        r.report_share, judged.sum()
    )
    rep = columns(wide.entity("victim_reports"))
    episodes = columns(wide.truth_table("episodes"))
    last = dict(zip(episodes["report_id"], episodes["last_payment_at"], strict=True))
    delay = rep["reported_at"] - np.array([last[x] for x in rep["report_id"]])
    kind_of = {str(ep.report_id[i]): names[int(ep.delay_kind[i])] for i in np.flatnonzero(judged)}
    bounds = {
        "same_day": (0, US_PER_DAY),
        "days_1_3": (US_PER_DAY, 4 * US_PER_DAY),
        "days_4_14": (4 * US_PER_DAY, 15 * US_PER_DAY),
    }
    for rid, d in zip(rep["report_id"], delay, strict=True):
        lo, hi = bounds[kind_of[str(rid)]]
        assert lo <= d < hi


def test_reports_are_numbered_by_china_date(wide: World) -> None:
    rep = columns(wide.entity("victim_reports"))
    assert len(rep["report_id"]) > 50
    assert len(np.unique(rep["report_id"])) == len(rep["report_id"])
    for rid, t in zip(rep["report_id"], rep["reported_at"], strict=True):
        assert re.fullmatch(r"R\d{8}\d{5}", rid)
        day = np.datetime64(int(china_day(t)), "D").astype(str).replace("-", "")
        assert rid[1:9] == day
    assert ((rep["reported_at"] >= wide.start_us) & (rep["reported_at"] < wide.end_us)).all()
    assert all(len(x) > 20 for x in rep["narrative"])


def test_remembered_payments_are_mostly_right(wide: World) -> None:
    st = state(wide)
    ep = st.episodes
    r = wide.cfg.reports
    rp = columns(wide.entity("report_payments"))
    rep = columns(wide.entity("victim_reports"))
    number = wide.entity("accounts")["number"]
    true_to = {}
    for i in np.flatnonzero(ep.report_id != ""):
        made = (ep.pay_episode == i) & (ep.pay_us < wide.end_us)
        true_to[str(ep.report_id[i])] = set(number[ep.pay_to[made]].tolist())
    card = identifier("card")
    valid = np.array([card.clean(x) is not None for x in rp["to_account"]])
    known = np.array(
        [x in true_to[rid] for rid, x in zip(rp["report_id"], rp["to_account"], strict=True)]
    )
    assert (valid == known).all(), "a mistyped card number fails the Luhn check"
    wrong = 1 - known.mean()
    assert wrong <= r.wrong_account_share + 0.05
    claimed = {rid: 0 for rid in rep["report_id"]}
    for rid, a in zip(rp["report_id"], rp["amount_fen"], strict=True):
        claimed[str(rid)] += int(a)
    assert [claimed[x] for x in rep["report_id"]] == rep["claimed_loss_fen"].tolist()
    assert ((rp["paid_at"] >= wide.start_us) & (rp["paid_at"] < wide.end_us)).all()
    seqs: dict[str, list[int]] = {}
    for rid, s in zip(rp["report_id"], rp["seq"], strict=True):
        seqs.setdefault(str(rid), []).append(int(s))
    assert all(v == list(range(1, len(v) + 1)) for v in seqs.values())
    made = (ep.pay_us < wide.end_us) & np.isin(ep.pay_episode, np.flatnonzero(ep.report_id != ""))
    forgotten = 1 - len(rp["seq"]) / made.sum()
    assert forgotten < r.forgotten_payment_share + 0.05


def test_reports_and_confirmations_point_at_the_gangs_cards(wide: World) -> None:
    st = state(wide)
    ep = st.episodes
    acc = wide.entity("accounts")
    cc = columns(wide.entity("case_confirmations"))
    assert len(cc["case_id"]) > 0
    index = {str(n): i for i, n in enumerate(acc["number"])}
    gang_of = {str(ep.report_id[i]): int(ep.gang[i]) for i in np.flatnonzero(ep.report_id != "")}
    for case, rid, kind, value in zip(
        cc["case_id"], cc["report_id"], cc["kind"], cc["value"], strict=True
    ):
        assert case == "C" + rid[1:]
        if kind == "account":
            a = index[str(value)]
            assert acc["role"][a] == 5 and acc["gang"][a] == gang_of[str(rid)]
    reported = np.flatnonzero(ep.report_id != "")
    for i in reported:
        made = (ep.pay_episode == i) & (ep.pay_us < wide.end_us)
        assert (acc["gang"][ep.pay_to[made]] == ep.gang[i]).all()
    ind = columns(wide.entity("report_indicators"))
    phones = ind["value"][ind["kind"] == "phone"]
    sims = wide.entity("sims")
    gang_numbers = set(sims["msisdn"][sims["gang"] >= 0].tolist())
    assert set(phones.tolist()) <= gang_numbers
    share = len(np.unique(ind["report_id"][ind["kind"] == "phone"])) / len(reported)
    assert share > wide.cfg.reports.gives_number_share - 0.2
