"""Find insiders (内鬼): staff and outlets that opened far more known-bad cards than chance allows.

Test: for each staff member (or outlet), the number of bad openings among all their SIM and
account openings is compared with the city-wide share of bad openings by a one-sided binomial
test (H1: their rate is higher). The p-values are corrected for testing every staff member at
once with Benjamini–Hochberg; a row is flagged when q < `Q_MAX` and it has at least `MIN_BAD`
bad openings (so one unlucky card at a tiny outlet is never enough).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pyarrow as pa
from scipy.stats import binomtest, false_discovery_control

from fraudlink.store import Store

Q_MAX = 0.01
"""Flag when the Benjamini–Hochberg q-value is below this."""

MIN_BAD = 3
"""...and at least this many of the openings are known bad."""

EVIDENCE_CARDS = 5
"""How many bad cards to list as evidence per row."""


def default_labels(store: Store, as_of: datetime | None = None) -> set[str]:
    """Numbers and accounts known bad by `as_of` from reports, cases, seizures and member flags."""
    got = store.arrow(
        """with cut as (select coalesce(?::timestamptz, 'infinity'::timestamptz) as t)
        select i.value as id from report_indicators i join victim_reports r using (report_id), cut
          where i.kind = 'phone' and r.reported_at <= cut.t
        union select p.to_account from report_payments p join victim_reports r using (report_id),
          cut where r.reported_at <= cut.t
        union select value from case_confirmations, cut
          where kind in ('phone', 'account') and confirmed_at <= cut.t
        union select identifier from seized_evidence, cut
          where item_kind in ('sim', 'bank_card') and identifier is not null and seized_at <= cut.t
        union select value from member_flags, cut
          where kind in ('phone', 'account') and flagged_at <= cut.t""",
        [as_of],
    )
    return {v for v in got["id"].to_pylist() if v}


def _openings(
    store: Store, labels: Iterable[str], key: str, as_of: datetime | None = None
) -> pa.Table:
    """Per `key` (staff_id or outlet_id): openings by `as_of`, bad ones and a few bad cards."""
    outlet = "any_value(outlet_id)" if key == "staff_id" else "outlet_id"
    return store.arrow(
        f"""with bad as (select distinct unnest(?::varchar[]) as id),
        cut as (select coalesce(?::timestamptz, 'infinity'::timestamptz) as t),
        op as (select msisdn as id, staff_id, outlet_id from sim_cards, cut
               where registered_at <= cut.t
               union all select account, staff_id, outlet_id from bank_accounts, cut
               where opened_at <= cut.t)
        select {key} as key, {outlet} as outlet_id, count(*) as opened,
               count(bad.id) as bad,
               coalesce(list(bad.id order by bad.id) filter (where bad.id is not null), [])
                   [1:{EVIDENCE_CARDS}] as evidence
        from op left join bad using (id)
        where {key} is not null group by {key} order by {key}""",
        [sorted(labels), as_of],
    )


def _test(counts: pa.Table, key: str) -> pa.Table:
    opened = counts["opened"].to_pylist()
    bad = counts["bad"].to_pylist()
    total = sum(opened)
    base = sum(bad) / total if total else 0.0
    if base <= 0 or base >= 1:
        p = [1.0] * len(opened)
    else:
        p = [
            binomtest(b, n, base, alternative="greater").pvalue
            for b, n in zip(bad, opened, strict=True)
        ]
    q = [float(x) for x in false_discovery_control(p)] if p else []
    return pa.table(
        {
            key: counts["key"],
            **({"outlet_id": counts["outlet_id"]} if key == "staff_id" else {}),
            "opened": counts["opened"],
            "bad": counts["bad"],
            "expected": pa.array([n * base for n in opened], pa.float64()),
            "p": pa.array(p, pa.float64()),
            "q": pa.array(q, pa.float64()),
            "flagged": pa.array(
                [qq < Q_MAX and b >= MIN_BAD for qq, b in zip(q, bad, strict=True)], pa.bool_()
            ),
            "evidence": counts["evidence"],
        }
    )


def insider_staff(
    store: Store, labels: Iterable[str] | None = None, as_of: datetime | None = None
) -> pa.Table:
    """Per staff member: opened, bad, expected, p, q, flagged and evidence (BH across staff)."""
    labels = default_labels(store, as_of) if labels is None else labels
    return _test(_openings(store, labels, "staff_id", as_of), "staff_id")


def insider_outlets(
    store: Store, labels: Iterable[str] | None = None, as_of: datetime | None = None
) -> pa.Table:
    """Per outlet: opened, bad, expected, p, q, flagged and evidence (BH across outlets)."""
    labels = default_labels(store, as_of) if labels is None else labels
    return _test(_openings(store, labels, "outlet_id", as_of), "outlet_id")
