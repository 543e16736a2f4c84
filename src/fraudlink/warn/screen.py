"""Screen one batch for people in contact with fraud: calls and SMS from flagged numbers, visits
to fraud sites and installs of fraud apps, payments into flagged accounts.

Each function turns a whole batch into evidence rows (EVIDENCE): who (their number, or the paying
account), when, what kind of evidence, against which flagged identifier, and how strong.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.warn.flags import FlagSet

CONTACT = "contact"
SITE = "site"
PAYMENT = "payment"

EVIDENCE = pa.schema(
    [
        ("evidence", pa.string()),  # contact, site or payment
        ("at", pa.timestamp("us", tz="UTC")),
        ("msisdn", pa.string()),  # the person's number (contacts, sites)
        ("account", pa.string()),  # the person's paying account (payments)
        ("flagged", pa.string()),  # the fraud number, site, app or account
        ("detail", pa.string()),  # call, sms, visit, install, or the payment channel
        ("score", pa.float64()),
        ("known", pa.bool_()),
        ("duration_s", pa.int64()),
        ("amount_fen", pa.int64()),
    ]
)


def _evidence(kind: str, rows: pa.Table, **cols: object) -> pa.Table:
    n = rows.num_rows
    out: dict[str, object] = {"evidence": pa.array([kind] * n, pa.string())}
    for name in EVIDENCE.names[1:]:
        out[name] = cols.get(name, pa.nulls(n, EVIDENCE.field(name).type))
    return pa.table(out).cast(EVIDENCE)


def flagged_contacts(calls: pa.Table, phones: FlagSet) -> pa.Table:
    """Calls and SMS from flagged numbers, as evidence on the person called."""
    hit, score, known = phones.probe(calls.column("caller"))
    if not hit.any():
        return EVIDENCE.empty_table()
    mask = pa.array(hit)
    rows = calls.filter(mask)
    return _evidence(
        CONTACT,
        rows,
        at=rows.column("time"),
        msisdn=rows.column("callee"),
        flagged=rows.column("caller"),
        detail=rows.column("kind"),
        score=score[hit],
        known=known[hit],
        duration_s=pc.cast(rows.column("duration_s"), pa.int64()),
    )


def fraud_site_events(web: pa.Table, urls: FlagSet, apps: FlagSet) -> pa.Table:
    """Visits to flagged URLs and installs of flagged apps, as evidence on the user."""
    u_hit, u_score, u_known = urls.probe(pc.fill_null(web.column("url"), ""))
    a_hit, a_score, a_known = apps.probe(pc.fill_null(web.column("app_id"), ""))
    hit = u_hit | a_hit
    if not hit.any():
        return EVIDENCE.empty_table()
    rows = web.filter(pa.array(hit))
    use_app = a_hit[hit]
    flagged = pc.if_else(pa.array(use_app), rows.column("app_id"), rows.column("url"))
    return _evidence(
        SITE,
        rows,
        at=rows.column("time"),
        msisdn=rows.column("msisdn"),
        flagged=flagged,
        detail=rows.column("kind"),
        score=np.maximum(u_score, a_score)[hit],
        known=(u_known | a_known)[hit],
    )


def payments_to_flagged(txns: pa.Table, accounts: FlagSet) -> pa.Table:
    """Payments into flagged accounts from accounts not flagged themselves: the payer may be a
    victim paying now. Transfers between flagged accounts are laundering, not victims."""
    to = pc.fill_null(txns.column("to_account"), "")
    hit, score, known = accounts.probe(to)
    if hit.any():
        payer_flagged, _, _ = accounts.probe(txns.column("from_account"))
        hit &= ~payer_flagged
    if not hit.any():
        return EVIDENCE.empty_table()
    rows = txns.filter(pa.array(hit))
    return _evidence(
        PAYMENT,
        rows,
        at=rows.column("time"),
        account=rows.column("from_account"),
        flagged=rows.column("to_account"),
        detail=rows.column("channel"),
        score=score[hit],
        known=known[hit],
        amount_fen=rows.column("amount_fen"),
    )
