"""How much a shared identifier says that two reports are one gang's work, with the reason why.

A weight is a base by kind (a bank account or a phone number points at one gang; an IP at a whole
carrier NAT) times a rarity factor from ordinary life (how many distinct payers pay an account,
whether an IP is shared by allocation and how many accounts log in from it) times an IDF-style
factor on how many reports name the identifier. The counts are whole-column DuckDB SQL over the
feeds; the arithmetic is small and kept in Python so each weight carries a readable reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from fraudlink.store import Store

# Base weight by kind: what a shared identifier of this kind says before rarity is counted.
BASE_WEIGHTS: dict[str, float] = {
    "account": 1.0,  # a receiving card is bought for fraud and used by one gang
    "phone": 1.0,
    "social": 1.0,
    "app": 1.0,
    "url": 1.0,
    "idno": 1.0,
    "domain": 0.6,  # a domain may host pages of several operations or a shortener
    "imei": 0.6,  # handsets are resold
    "ip": 0.3,  # addresses are reassigned, even broadband
}
UNKNOWN_KIND_WEIGHT = 0.3

# An account paid by more distinct payers than this is a till (merchant, employer, utility):
# above it the factor falls as (COMMON_PAYERS / payers)^2. First-level cards see ~5-20 payers.
COMMON_PAYERS = 50
# An IP that more distinct accounts log in from than this is shared (office, campus, hotel).
COMMON_IP_USERS = 5
# Allocation kinds whose addresses are shared by thousands: a match on them means nothing.
SHARED_IP_KINDS = ("mobile_nat", "datacenter")
# An identifier named by more reports than max(IDF_MIN_REPORTS, IDF_SHARE * reports) is noise
# (a bank hotline, a famous app): above it the factor falls as common / named.
IDF_MIN_REPORTS = 20
IDF_SHARE = 0.05


@dataclass(frozen=True)
class Weight:
    """A link weight with the reason an analyst reads."""

    weight: float
    reason: str


def _kind_stats_sql(nodes_view: str) -> str:
    """SQL: per node, its kind, value, reports naming it and ordinary-life counts."""
    return f"""
    with nodes as (
      select node_id, any_value(kind) as kind, any_value(value) as value,
             count(distinct report_id) as n_reports
      from {nodes_view} where node_id is not null group by node_id
    ), accounts as (select distinct value from nodes where kind = 'account'),
    ips as (select distinct value from nodes where kind = 'ip'),
    payers as (
      select t.to_account as value, count(distinct t.from_account) as payers
      from transactions t join accounts a on t.to_account = a.value group by 1
    ), ip_kind as (
      select i.ip as value, any_value(i.kind) as ip_kind
      from ip_addresses i join ips on i.ip = ips.value group by 1
    ), ip_users as (
      select l.ip as value, count(distinct l.account) as ip_users
      from logins l join ips on l.ip = ips.value group by 1
    )
    select node_id, kind, value, n_reports, payers, ip_kind, ip_users
    from nodes left join payers using (value) left join ip_kind using (value)
         left join ip_users using (value)
    """


def rarity(kind: str, payers: int | None, ip_kind: str | None, ip_users: int | None
           ) -> tuple[float, str]:  # fmt: skip
    """The ordinary-life rarity factor of one identifier, and why."""
    if kind == "account":
        n = payers or 0
        if n <= COMMON_PAYERS:
            return 1.0, f"{n} distinct payers"
        return (COMMON_PAYERS / n) ** 2, f"{n} distinct payers: a till, not a mule card"
    if kind == "ip":
        if ip_kind in SHARED_IP_KINDS:
            return 0.0, f"{ip_kind} address shared by many"
        n = ip_users or 0
        if n <= COMMON_IP_USERS:
            return 1.0, f"{ip_kind or 'unknown'} address, {n} accounts log in from it"
        return COMMON_IP_USERS / n, f"{n} accounts log in from it"
    if kind == "phone":
        # Call volume is no guide: a SIM box calls hundreds, like a courier. Reports decide.
        return 1.0, "rarity by reports naming it"
    return 1.0, ""


def idf(n_reports: int, total_reports: int) -> tuple[float, str]:
    """The factor for how many reports name an identifier, and why."""
    common = max(IDF_MIN_REPORTS, IDF_SHARE * total_reports)
    if n_reports <= common:
        return 1.0, f"named in {n_reports} reports"
    return common / n_reports, f"named in {n_reports} of {total_reports} reports: common"


def node_weights(store: Store, nodes: pa.Table, total_reports: int | None = None
                 ) -> dict[str, Weight]:  # fmt: skip
    """Weights of identifiers from rows (report_id, node_id, kind, value); report_id nullable."""
    con = store.con
    con.register("_link_nodes", nodes.select(["report_id", "node_id", "kind", "value"]))
    try:
        rows = con.execute(_kind_stats_sql("_link_nodes")).fetchall()
        if total_reports is None:
            total_reports = int(
                con.execute("select count(distinct report_id) from _link_nodes").fetchall()[0][0]
            )
    finally:
        con.unregister("_link_nodes")
    out: dict[str, Weight] = {}
    for node_id, kind, _value, n_reports, payers, ip_kind, ip_users in rows:
        base = BASE_WEIGHTS.get(kind, UNKNOWN_KIND_WEIGHT)
        r, r_why = rarity(kind, payers, ip_kind, ip_users)
        f, f_why = idf(int(n_reports), total_reports)
        why = "; ".join(x for x in (f"{kind} base {base:g}", r_why, f_why) if x)
        out[node_id] = Weight(round(base * r * f, 4), why)
    return out
