"""How much a shared identifier says that two reports are one gang's work, with the reason why.

A weight is a base by kind (a bank account or a phone number points at one gang; an IP at a whole
carrier NAT) times a rarity factor from ordinary life (how many distinct payers pay an account,
how many people visit a site or install an app, whether an IP is shared by allocation and how many
accounts log in from an IP or a handset) times an IDF-style factor on how many reports name the
identifier. The counts are whole-column DuckDB SQL over the feeds, one query per kind over the
identifiers asked for; the arithmetic is small and kept in Python so each weight carries a
readable reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from fraudlink.match.sources import HOST_SQL_RE
from fraudlink.model.identifiers import Phone
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
# A service code (95588) links no two reports on its own: 1.0 × 0.2 is under the threshold.
SERVICE_LINE_FACTOR = 0.2
# Allocation kinds whose addresses are shared by thousands: a match on them means nothing.
SHARED_IP_KINDS = ("mobile_nat", "datacenter")
# A site (URL host) more distinct people visit than this is part of ordinary life (a bank, a
# portal, a shared host such as mp.weixin.qq.com); above it the factor falls as common / visitors.
# A fraud site is visited by its victims, as a first-level card is paid by them (demo: 2-8
# visitors; the least visited ordinary site, 2,380).
COMMON_VISITORS = 50
# An app more distinct people are seen installing than this is an app of ordinary life. Installs
# are rarer than visits: demo's fraud apps have 1-5 installers, its ordinary ones 47-3,090.
COMMON_APP_USERS = 20
# A handset more distinct accounts log in from than this is shared (a cloned or emulator IMEI,
# a repair shop's test phone). One person's phone carries a few bank and platform accounts
# (demo: at most 14); a den's handsets test a few dozen mule cards (demo: 38-65) and still link.
COMMON_DEVICE_ACCOUNTS = 50
# Kinds judged by how many people use them, falling as common / count above the common count:
# kind -> (common count, what is counted, what a common one is).
ORDINARY_USE: dict[str, tuple[int, str, str]] = {
    "domain": (COMMON_VISITORS, "distinct visitors", "a site of ordinary life"),
    "app": (COMMON_APP_USERS, "distinct installers", "an app of ordinary life"),
    "imei": (COMMON_DEVICE_ACCOUNTS, "accounts log in from it", "a shared handset"),
}
# An identifier named by more reports than max(IDF_MIN_REPORTS, IDF_SHARE * reports) is noise
# (a bank hotline, a famous app): above it the factor falls as common / named.
IDF_MIN_REPORTS = 20
IDF_SHARE = 0.05


@dataclass(frozen=True)
class Weight:
    """A link weight with the reason an analyst reads."""

    weight: float
    reason: str


def _asked(kind: str) -> str:
    return f"(select distinct value from nodes where kind = '{kind}')"


# One query per kind: (kind, value, users) for the identifiers of that kind asked for.
_USERS_SQL: dict[str, str] = {
    # distinct payers of an account
    "account": f"""
      select 'account' as kind, t.to_account as value, count(distinct t.from_account) as users
      from transactions t join {_asked("account")} a on t.to_account = a.value group by 2""",
    # distinct accounts logging in from an address or a handset
    "ip": f"""
      select 'ip', l.ip, count(distinct l.account)
      from logins l join {_asked("ip")} a on l.ip = a.value group by 2""",
    "imei": f"""
      select 'imei', l.device_imei, count(distinct l.account)
      from logins l join {_asked("imei")} a on l.device_imei = a.value group by 2""",
    # distinct people installing an app
    "app": f"""
      select 'app', w.app_id, count(distinct w.msisdn)
      from web_events w join {_asked("app")} a on w.app_id = a.value group by 2""",
    # distinct people visiting a site: pages whose host is the domain (as a reported URL marks
    # its domain), or whose registered domain in the `urls` feed is; the host is read once per
    # distinct page, not per visit
    "domain": f"""
      select 'domain', s.value, count(distinct w.msisdn)
      from web_events w join (
        select p.url, a.value
        from (select distinct url from web_events where url is not null) p
        join {_asked("domain")} a on regexp_extract(p.url, '{HOST_SQL_RE}', 1) = a.value
        union
        select u.url, a.value from urls u join {_asked("domain")} a on u.domain = a.value
      ) s on w.url = s.url
      group by 2""",
}


def _kind_stats_sql(nodes_view: str) -> str:
    """SQL: per node, its kind, value, reports naming it and ordinary-life counts."""
    users = "\n      union all ".join(_USERS_SQL.values())
    return f"""
    with nodes as (
      select node_id, any_value(kind) as kind, any_value(value) as value,
             count(distinct report_id) as n_reports
      from {nodes_view} where node_id is not null group by node_id
    ), users as (
      {users}
    ), ip_kind as (
      select i.ip as value, 'ip' as kind, any_value(i.kind) as ip_kind
      from ip_addresses i join {_asked("ip")} a on i.ip = a.value group by 1
    )
    select node_id, kind, value, n_reports, users, ip_kind
    from nodes left join users using (kind, value) left join ip_kind using (kind, value)
    """


def rarity(
    kind: str, users: int | None, ip_kind: str | None = None, value: str | None = None
) -> tuple[float, str]:
    """The ordinary-life rarity factor of one identifier, and why.

    `users` is the kind's ordinary-life count: distinct payers of an account, distinct accounts
    logging in from an IP or a handset, distinct visitors of a site, distinct installers of an app.
    `value` is needed only for a phone, whose shape tells a public service line.
    """
    n = users or 0
    if kind == "account":
        if n <= COMMON_PAYERS:
            return 1.0, f"{n} distinct payers"
        return (COMMON_PAYERS / n) ** 2, f"{n} distinct payers: a till, not a mule card"
    if kind == "ip":
        if ip_kind in SHARED_IP_KINDS:
            return 0.0, f"{ip_kind} address shared by many"
        if n <= COMMON_IP_USERS:
            return 1.0, f"{ip_kind or 'unknown'} address, {n} accounts log in from it"
        return COMMON_IP_USERS / n, f"{n} accounts log in from it"
    if kind == "phone":
        if value is not None and Phone.is_service(value):
            # Gangs spoof the displayed number of a bank's or an operator's line (95588, 10086);
            # two reports naming it share a disguise, not a gang.
            return SERVICE_LINE_FACTOR, "a public service line, spoofed by many"
        # Call volume is no guide: a SIM box calls hundreds, like a courier. Reports decide.
        return 1.0, "rarity by reports naming it"
    if kind in ORDINARY_USE:
        common, counted, ordinary = ORDINARY_USE[kind]
        if n <= common:
            return 1.0, f"{n} {counted}"
        return common / n, f"{n} {counted}: {ordinary}"
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
    for node_id, kind, value, n_reports, users, ip_kind in rows:
        base = BASE_WEIGHTS.get(kind, UNKNOWN_KIND_WEIGHT)
        r, r_why = rarity(kind, users, ip_kind, value)
        f, f_why = idf(int(n_reports), total_reports)
        why = "; ".join(x for x in (f"{kind} base {base:g}", r_why, f_why) if x)
        out[node_id] = Weight(round(base * r * f, 4), why)
    return out
