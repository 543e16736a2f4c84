"""Score SIM cards for abuse (猫池/GOIP boxes, fraud callers) from call records and known labels.

The score is a logistic of bounded signals with fixed weights (`WEIGHTS`), so every flag can be
explained by the signals that pushed it over `THRESHOLD`. Behavioural ratios are trusted only in
proportion to call volume, so a quiet ordinary card with two short calls is not a SIM box.
Delivery riders and call centres also make many short calls; what separates them is that they
receive calls, riders move between cells, and call centres use old cards, one per device.
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from fraudlink.store import Store

THRESHOLD = 0.5
"""Operating threshold on `score`: flag when the weighted signals outweigh `BIAS`."""

BIAS = -6.0
"""Logit of a card with no signal at all: about 0.25% abused."""

WEIGHTS: dict[str, float] = {
    "volume": 2.5,  # many outgoing calls/SMS per active day
    "fanout": 1.0,  # many distinct callees
    "short": 2.0,  # mostly short or unanswered calls
    "no_incoming": 2.5,  # (almost) nobody ever calls the card
    "stationary": 0.5,  # one or two cells only
    "shared_device": 1.5,  # several SIMs registered on one device
    "new_card": 1.5,  # card first used soon after registration
    "victim_contacts": 0.5,  # called people who later reported fraud (weak: riders do too)
    "known_bad": 4.0,  # reported, confirmed, seized or flagged
}
"""Logit weight of each signal; every signal is scaled to 0..1 first."""

# SQL expressions turning the raw features into 0..1 signals. `conf` is how far the ratios can be
# trusted: a card needs about 50 outgoing records before its short-call share means much.
_SIGNALS: dict[str, str] = {
    "volume": "least(greatest((out_per_day - 5) / 20.0, 0), 1)",
    "fanout": "least(greatest((distinct_callees - 20) / 180.0, 0), 1)",
    "short": "conf * least(greatest((short_share - 0.5) / 0.4, 0), 1)",
    "no_incoming": "conf * (1 - least(n_in / 5.0, 1))",
    "stationary": "conf * (n_cells between 1 and 2)::int",
    "shared_device": "least(greatest((device_sims - 1) / 4.0, 0), 1)",
    "new_card": "coalesce(greatest(1 - card_age_days / 90.0, 0), 0)",
    "victim_contacts": "least(victim_contacts / greatest(distinct_callees, 1) / 0.01, 1)",
    "known_bad": "known_bad::int",
}


def known_bad_phones_sql() -> str:
    """SQL for (msisdn) known bad by cutoff `cut.t`: reported, confirmed, seized or flagged."""
    return """
        select i.value as msisdn from report_indicators i
          join victim_reports r using (report_id), cut
          where i.kind = 'phone' and r.reported_at <= cut.t
        union select value from case_confirmations, cut
          where kind = 'phone' and confirmed_at <= cut.t
        union select identifier from seized_evidence, cut
          where item_kind = 'sim' and identifier is not null and seized_at <= cut.t
        union select value from member_flags, cut
          where kind = 'phone' and flagged_at <= cut.t"""


SHORT_SQL = "case when kind = 'sms' or duration_s < 30 then 1 else 0 end"
"""SQL over a call: 1 when it is short or unanswered (or an SMS), else 0; averaged per caller."""

CALL_DAY_SQL = "time::date"
"""SQL over a call: the day it was made on (call days are counted per caller)."""

CALLS_SOURCES: dict[str, str] = {
    "c": "select calls.* from calls, cut where time <= cut.t",
    "outgoing": f"""
      select caller as msisdn, count(*) as n_out,
             count(*) / count(distinct {CALL_DAY_SQL}) as out_per_day,
             count(distinct callee) as distinct_callees,
             avg({SHORT_SQL}) as short_share,
             count(distinct cell_id) as n_cells, min(time) as first_call
      from c group by caller""",
    "incoming": "select callee as msisdn, count(*) as n_in from c group by callee",
}
"""The call-derived CTEs of `features_sql`, computed from the whole `calls` table."""


def features_sql(sources: dict[str, str], only: str | None = None) -> str:
    """SQL for every SIM's features at `?` (the cutoff) from the call-derived CTEs `sources`.

    `sources` gives `c` (calls, at least those to reported victims: caller, callee, time),
    `outgoing` (per caller: msisdn, n_out, out_per_day, distinct_callees, short_share, n_cells,
    first_call) and `incoming` (per callee: msisdn, n_in); they may refer to `cut`. `only`, a
    relation of msisdns, keeps the features of those cards only (counted among every card).
    """
    where, handsets = "", ""
    if only is not None:
        where = f"where s.msisdn in (select msisdn from {only})"
        # Only those cards' handsets are counted: the rest of the cards' would be thrown away.
        handsets = (f"and device_imei in (select device_imei from sims where msisdn in "
                    f"(select msisdn from {only}))")  # fmt: skip
    ctes = ",\n".join(f"{name} as ({sources[name]})" for name in ("c", "outgoing", "incoming"))
    return f"""
    with cut as (select coalesce(?::timestamptz, 'infinity'::timestamptz) as t),
    {ctes},
    sims as (select s.* from sim_cards s, cut where s.registered_at <= cut.t),
    dev as (select device_imei, count(*) as k from sims
            where device_imei is not null {handsets} group by device_imei),
    reports as (select r.victim_msisdn, min(r.reported_at) as reported_at
                from victim_reports r, cut
                where r.reported_at <= cut.t and r.victim_msisdn is not null group by 1),
    victims as (select c.caller as msisdn, count(distinct c.callee) as victim_contacts
                from c join reports r on r.victim_msisdn = c.callee
                where c.time < r.reported_at group by c.caller),
    bad as ({known_bad_phones_sql()})
    select s.msisdn,
           coalesce(o.n_out, 0) as n_out,
           coalesce(o.out_per_day, 0)::double as out_per_day,
           coalesce(o.distinct_callees, 0) as distinct_callees,
           coalesce(o.short_share, 0)::double as short_share,
           coalesce(i.n_in, 0) as n_in,
           coalesce(i.n_in, 0) / greatest(coalesce(o.n_out, 0), 1)::double as in_out_ratio,
           coalesce(o.n_cells, 0) as n_cells,
           coalesce(d.k, 1) as device_sims,
           date_diff('second', s.registered_at, o.first_call) / 86400.0 as card_age_days,
           coalesce(v.victim_contacts, 0) as victim_contacts,
           s.msisdn in (select msisdn from bad) as known_bad,
           least(coalesce(o.n_out, 0) / 50.0, 1) as conf
    from sims s
    left join outgoing o using (msisdn)
    left join incoming i using (msisdn)
    left join dev d using (device_imei)
    left join victims v using (msisdn)
    {where}"""


def scores_sql(features: str, at_least: bool = False) -> str:
    """SQL for the scores, reasons and features of `score_sims` from a features query; with
    `at_least`, only the SIMs scoring at least a second parameter (reasons built for those only)."""
    signals = ",\n".join(f"{expr} as sig_{name}" for name, expr in _SIGNALS.items())
    logit = " + ".join(f"{w} * sig_{name}" for name, w in WEIGHTS.items())
    # Reasons: the signals contributing at least 1 logit unit, largest first.
    parts = ", ".join(
        f"case when {w} * sig_{name} >= 1 then struct_pack(c := {w} * sig_{name}, n := '{name}') "
        "end"
        for name, w in WEIGHTS.items()
    )
    floor = "where score >= ?" if at_least else ""
    return f"""
    with f as ({features}),
    s as (select *, {signals} from f),
    z as (select *, 1 / (1 + exp(-({BIAS} + {logit}))) as score from s),
    y as (select * from z {floor})
    select msisdn, score,
           array_to_string(list_transform(list_reverse_sort(
               list_filter([{parts}], lambda x: x is not null)), lambda x: x.n), ', ') as reasons,
           n_out, out_per_day, distinct_callees, short_share, n_in, in_out_ratio, n_cells,
           device_sims, card_age_days, victim_contacts, known_bad
    from y order by score desc, msisdn"""


def score_sims(
    store: Store, as_of: datetime | None = None, at_least: float | None = None
) -> pa.Table:
    """Features, abuse score (0..1) and top reasons for every SIM registered by `as_of` (only
    those scoring `at_least`, when given)."""
    sql = scores_sql(features_sql(CALLS_SOURCES), at_least is not None)
    return store.arrow(sql, [as_of] if at_least is None else [as_of, at_least])


def flagged(scores: pa.Table, threshold: float = THRESHOLD) -> set[str]:
    """The msisdns whose score reaches `threshold`."""
    return {
        m
        for m, s in zip(scores["msisdn"].to_pylist(), scores["score"].to_pylist(), strict=True)
        if s >= threshold
    }
