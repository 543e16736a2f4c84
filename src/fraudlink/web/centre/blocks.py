"""Number blocks (停机): the centre asks the operator that issued a fraud number to cut it off.

A block is an order like a stop-payment: it names its target (the number), its addressee (the
issuing operator, from the SIM registrations), its legal basis and its evidence (the analyst's
reason and the reports that name the number), and the operator answers it through the member
API. It holds no money: its amount is 0, and the operator executes it with 0.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from fraudlink.engine.addressees import issuers
from fraudlink.model.clock import CHINA
from fraudlink.model.identifiers import Mobile
from fraudlink.store import Store
from fraudlink.trace.order_rules import BLOCK, BLOCK_BASIS, Order


class NotIssuedHere(LookupError):
    """A number that no operator of the alliance registered: there is nobody to address."""


def clean_number(raw: str) -> str | None:
    """The mobile number in its stored form, or None when `raw` is not one."""
    # Only a mobile has an issuing operator to cut it off; a service code, a 400/800 number or a
    # landline is refused here, not looked up (and 95588 is the bank's line, spoofed).
    return Mobile.clean(raw)


def block_order(store: Store, msisdn: str, reason: str, now: dt.datetime,
                created_by: str) -> Order:  # fmt: skip
    """A number-block order for the operator that issued `msisdn` (already cleaned)."""
    operator = issuers(store, "msisdn", [msisdn]).get(msisdn)
    if operator is None:
        raise NotIssuedHere(f"{msisdn}: no operator of the alliance registered this number")
    name, holder = store.con.execute(
        "select coalesce(any_value(i.name), ?), coalesce(any_value(p.name), '') "
        "from sim_cards s left join institutions i on i.inst_id = s.inst_id "
        "left join persons p on p.idno = s.owner_idno where s.msisdn = ?",
        [operator, msisdn],
    ).fetchall()[0]
    reports = [r[0] for r in store.con.execute(
        "select distinct report_id from report_indicators where kind = 'phone' and value = ? "
        "order by 1", [msisdn]).fetchall()]  # fmt: skip
    digest = hashlib.sha1(f"{BLOCK}|{msisdn}|{now.isoformat()}".encode()).hexdigest()[:6]
    return Order(
        order_id=f"NB-{now.astimezone(CHINA):%Y%m%d%H%M}-{digest.upper()}",
        kind=BLOCK, account=msisdn, inst_id=operator, addressee=name, account_name=holder,
        amount_fen=0, report_ids=tuple(reports), legal_basis=BLOCK_BASIS,
        evidence={"reason": reason, "reports": reports},
        checks={"msisdn": msisdn, "holder_name": holder},
        requested_at=now, priority=float(len(reports)), created_by=created_by,
    )  # fmt: skip
