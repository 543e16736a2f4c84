"""Where known identifiers come from: every source of the indicator index, with provenance.

One SQL pipeline over the store gives one row per (identifier, source record): the node id
(`tel:…`, `card:…`), its kind and value, the source (report, case, seized, member, engine), the
record it came from, the report it belongs to when there is one, when, and how sure.
"""

from __future__ import annotations

import pyarrow as pa

from fraudlink.model import identifiers
from fraudlink.model.tables.events import seized_evidence
from fraudlink.store import Store

# How much a source's word is worth when it gives none itself.
REPORT_CONFIDENCE = 0.6  # a victim's recollection of a number or site
REPORT_ACCOUNT_CONFIDENCE = 0.7  # the account a victim paid into, from their bank slip
SEIZED_CONFIDENCE = 0.9  # found in a den
CASE_CONFIDENCE = 1.0  # confirmed by investigators

# Seized items that carry an identifier, and the indicator kind it makes: the data model's
# declaration, by which ingest also cleans `seized_evidence.identifier`, so both read a number
# the same way. A SIM's number is cleaned as a mobile and indexed as the phone it is.
SEIZED_KINDS: dict[str, str] = {
    item: identifiers.node_kind(kind)
    for item, kind in seized_evidence.column("identifier").identifier_of.items()
}

# A normalised URL's host, group 1: after the scheme, without a user part or a port. A reported
# URL marks this domain, and case linking counts a domain's visitors by it.
HOST_SQL_RE = "^[a-z]+://(?:[^@/]*@)?([^/:?#]+)"

INDICATOR_COLUMNS = ("node_id", "kind", "value", "source", "ref", "report_id", "time",
                     "confidence")  # fmt: skip


def node_prefix_sql(kind_column: str = "kind") -> str:
    """SQL for the node-id prefix of an indicator kind (`account` shares `card:`)."""
    # node_id("") rather than .prefix: a phone's node id carries +86 (`tel:+8613812345678`).
    cases = " ".join(
        f"when '{k}' then '{identifiers.get(k).node_id('')}'"
        for k in (*identifiers.KINDS, "account")
    )
    return f"(case {kind_column} {cases} end)"


def node_id_sql(kind_column: str = "kind", value_column: str = "value") -> str:
    """SQL for the node id of an indicator kind and its clean value."""
    # A phone's node id is not always a fixed prefix and the value: a landline drops its trunk 0
    # (`tel:+8675583765566`) and a service code has no +86 (`tel:95588`).
    phone = identifiers.Phone.node_id_sql(value_column)
    return (
        f"(case when {kind_column} = 'phone' then {phone}"
        f" else {node_prefix_sql(kind_column)} || {value_column} end)"
    )


def indicator_sql() -> str:
    """The union of every source as one relation with INDICATOR_COLUMNS."""
    seized_kind = " ".join(f"when '{i}' then '{k}'" for i, k in SEIZED_KINDS.items())
    return f"""
    with raw as (
      select i.kind, i.value, 'report' as source, i.report_id as ref, i.report_id,
             r.reported_at as time, {REPORT_CONFIDENCE} as confidence
      from report_indicators i join victim_reports r using (report_id)
      union all
      select 'account', p.to_account, 'report', p.report_id, p.report_id, r.reported_at,
             {REPORT_ACCOUNT_CONFIDENCE}
      from report_payments p join victim_reports r using (report_id)
      union all
      select kind, value, 'case', case_id, report_id, confirmed_at, {CASE_CONFIDENCE}
      from case_confirmations
      union all
      select case item_kind {seized_kind} end, identifier, 'seized', operation_id, null,
             seized_at, {SEIZED_CONFIDENCE}
      from seized_evidence where identifier is not null and item_kind in
        ({", ".join(f"'{i}'" for i in SEIZED_KINDS)})
      union all
      select kind, value, 'member:' || inst_id, cast(flag_id as varchar), null, flagged_at,
             confidence
      from member_flags
      union all
      select kind, value, 'engine:' || detector, detector, null, detected_at, score
      from suspicions
    ), kinds as (
      select case kind when 'card' then 'account' else kind end as kind, value, source, ref,
             report_id, time, confidence
      from raw where value is not null
    ), with_domains as (
      select * from kinds
      union all
      -- A reported URL also marks its site: a new page on the same domain is a lead too.
      select 'domain', regexp_extract(value, '{HOST_SQL_RE}', 1), source,
             ref, report_id, time, confidence * 0.8
      from kinds where kind = 'url'
    )
    select {node_id_sql()} as node_id, kind, value, source, ref, report_id, time,
           confidence
    from with_domains where value <> ''
    """


def indicator_rows(store: Store) -> pa.Table:
    """Every known identifier with its provenance, from the store."""
    return store.arrow(indicator_sql() + " order by node_id, time, source, ref")
