"""Per-account features for mule (card-cutting) detection, in whole-column DuckDB SQL.

Everything is computed from the feeds as they stood at `as_of`: transactions, openings and logins
up to it, and labels (reports, case confirmations, seizures, member flags) known by it. Missing
values stay NULL (an account with no outflow has no hold time) because LightGBM handles them.
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from fraudlink.model.enums import OCCUPATIONS
from fraudlink.store import Store
from fraudlink.store.compute import registered

CASH_OUT_CHANNELS = ("atm_cash_out", "pos", "crypto")
LARGE_INFLOW_FEN = 500_000  # 5,000 yuan: a typical victim payment, rare for a fresh account
ROUND_FEN = 10_000  # whole hundreds of yuan
KIT_WINDOW_S = 30 * 86_400  # openings this close together belong to one kit

# Accounts known as bad by the time, from every label source at the time the centre learnt of it,
# with the strongest evidence: a police source (weight 1) beats a member flag's confidence.
LABEL_WEIGHTS_SQL = """
select account, max(w) as weight from (
  select p.to_account as account, 1.0 as w from report_payments p
  join victim_reports r using (report_id) where r.reported_at <= $as_of
  union all
  select value, 1.0 from case_confirmations where kind = 'account' and confirmed_at <= $as_of
  union all
  select identifier, 1.0 from seized_evidence
  where item_kind in ('bank_card', 'corporate_kit') and seized_at <= $as_of
  union all
  select value, confidence from member_flags where kind = 'account' and flagged_at <= $as_of
) where account is not null group by account
"""
LABELS_SQL = f"select account from ({LABEL_WEIGHTS_SQL})"

# The accounts to score: those the banks registered by then, or, for a bank with only its own
# ledger, every account its ledger names (no opening, owner or clerk is known for those).
REGISTERED_ACCOUNTS_SQL = """
select account, owner_idno, opened_at, inst_id, account_class, holder_kind, outlet_id, staff_id
from bank_accounts where opened_at <= $as_of
"""
LEDGER_ACCOUNTS_SQL = """
select account, null::varchar as owner_idno, null::timestamptz as opened_at,
       null::varchar as inst_id, null::int as account_class, null::varchar as holder_kind,
       null::varchar as outlet_id, null::varchar as staff_id
from (
  select from_account as account from transactions where time <= $as_of
  union select to_account from transactions where time <= $as_of and to_account is not null
)
"""

# What each account's own payments show, one row per account the ledger names. Counts and sums are
# NULL where an account has no row of that kind, as the grouped CTEs leave them; the features
# read them through coalesce and nullif. Shaped by what costs time at city scale (tens of
# millions of payments): one distinct pass over payment pairs instead of one per count.
LEDGER_SQL = """
with
t as not materialized (
  select from_account, to_account, time, amount_fen, channel from transactions
  where time <= $as_of
),
-- Each (payer, payee) once: fan-in and fan-out count the same pairs from either end, so one
-- distinct pass serves both directions.
pairs as materialized (
  select distinct from_account, to_account from t where to_account is not null
),
fan_in as (select to_account as account, count(*) as fan_in from pairs group by to_account),
fan_out as (
  select from_account as account, count(*) as fan_out from pairs group by from_account
),
-- Night and round payments as counts per direction: avg() over k ones among n 1.0/0.0 values
-- (DECIMAL(2,1)) divides 10k by 10n in double, the same double as k / n, so summing both
-- directions' counts and dividing gives the same share bit for bit, with no union of both ends.
inf as materialized (
  select to_account as account, count(*) as n_in, sum(amount_fen) as in_fen,
         min(time) filter (where amount_fen >= $large) as first_large_at,
         min(time) as first_in,
         count(*) filter (where hour(time + interval 8 hour) < 6) as night_in,
         count(*) filter (where amount_fen % $round = 0) as round_in
  from t where to_account is not null group by to_account
),
outf as materialized (
  select from_account as account, count(*) as n_out, sum(amount_fen) as out_fen,
         sum(amount_fen) filter (where list_contains($cash, channel)) as cash_fen,
         max(time) as last_out,
         count(*) filter (where hour(time + interval 8 hour) < 6) as night_out,
         count(*) filter (where amount_fen % $round = 0) as round_out
  from t group by from_account
),
-- Each inflow against the first outflow at or after it: how long money sits before moving on.
-- An inflow after the account's last outflow, or an outflow before its first inflow, has no
-- partner, so both are dropped before the as-of join, which then sorts under half the rows.
hold as (
  select i.account, median(epoch(o.time) - epoch(i.time)) as hold_s
  from (
    select t.to_account as account, t.time from t join outf on t.to_account = outf.account
    where t.time <= outf.last_out
  ) i
  asof join (
    select t.from_account as account, t.time from t join inf on t.from_account = inf.account
    where t.time >= inf.first_in
  ) o on i.account = o.account and o.time >= i.time
  group by i.account
)
select account, inf.n_in, inf.in_fen, inf.first_large_at, inf.night_in, inf.round_in,
       outf.n_out, outf.out_fen, outf.cash_fen, outf.night_out, outf.round_out,
       fan_in.fan_in, fan_out.fan_out, hold.hold_s
from inf full join outf using (account)
left join fan_in using (account)
left join fan_out using (account)
left join hold using (account)
"""
# The ledger's columns as `LEDGER_SQL` types them, for a table computed elsewhere to be read as.
LEDGER_COLUMNS = {
    "account": "varchar", "n_in": "bigint", "in_fen": "hugeint",
    "first_large_at": "timestamptz", "night_in": "bigint", "round_in": "bigint",
    "n_out": "bigint", "out_fen": "hugeint", "cash_fen": "hugeint", "night_out": "bigint",
    "round_out": "bigint", "fan_in": "bigint", "fan_out": "bigint", "hold_s": "double",
}  # fmt: skip

# Shaped by what costs time at city scale (tens of millions of payments and logins): the ledger's
# own figures first and on their own (one query over everything spilled at city under a 5 GB
# cap: 53 s at 03-29 against 17 s plus 21 s apart), the few thousand known-bad accounts picking
# rows out before anything is counted, and what is known per owner gathered into one row.
FEATURES_SQL = """
with
acc as ({accounts}),
-- Not materialised: each reader scans the columnar table for its own columns, cheaper than
-- writing 14 M rows out (spilling them when memory is short) to read them back.
t as not materialized (
  select from_account, to_account from transactions where time <= $as_of
),
led as (select * from {ledger}),
bad as materialized ({labels}),
-- Whether each account is known bad, looked up once for the owner, clerk and own-label counts.
accb as materialized (select *, account in (select account from bad) as is_bad from acc),
-- Known-bad counterparties: the bad accounts pick their payments out first, so the distinct
-- count runs over thousands of rows instead of a second distinct over every pair.
bad_in as (
  select to_account as account, count(distinct from_account) as bad_in_cp from t
  where from_account in (select account from bad) and to_account is not null
  group by to_account
),
bad_out as (
  select from_account as account, count(distinct to_account) as bad_out_cp from t
  where to_account in (select account from bad) group by from_account
),
-- A card seller opens a kit (cards at several banks and a SIM) within days, then sells it whole.
burst as (
  select a.account, count(*) as owner_cards_30d
  from acc a join acc b on a.owner_idno = b.owner_idno
   and abs(epoch(a.opened_at) - epoch(b.opened_at)) <= $window
  group by a.account
),
sims as (
  select owner_idno, registered_at, msisdn from sim_cards where registered_at <= $as_of
),
owner_sims as (select owner_idno, count(*) as sims_per_owner from sims group by owner_idno),
sim_burst as (
  select a.account, count(*) as owner_sims_30d
  from acc a join sims s on a.owner_idno = s.owner_idno
   and abs(epoch(a.opened_at) - epoch(s.registered_at)) <= $window
  group by a.account
),
-- Openings by the same clerk that are already known bad: an insider opens kits in batches.
staff_bad as (
  select staff_id, count(*) filter (where is_bad) as staff_bad, count(*) as staff_openings
  from accb where staff_id is not null group by staff_id
),
-- Each (card, handset) and each (card, address) once, deduplicated before the owner is joined
-- on: a den's handset logs in thousands of times, and no count below needs the two together.
ld as materialized (
  select l.account, l.device_imei, a.owner_idno
  from (
    select distinct account, device_imei from logins
    where account_kind = 'bank' and time <= $as_of
  ) l join acc a using (account)
),
li as materialized (
  select l.account, l.ip, a.owner_idno
  from (
    select distinct account, ip from logins where account_kind = 'bank' and time <= $as_of
  ) l join acc a using (account)
),
dev_owners as (
  select device_imei, count(distinct owner_idno) as n from ld group by device_imei
),
ip_owners as (select ip, count(distinct owner_idno) as n from li group by ip),
logd as materialized (
  select ld.account, ld.owner_idno, count(*) as n_devices, max(d.n) - 1 as device_other_owners
  from ld join dev_owners d using (device_imei) group by ld.account, ld.owner_idno
),
logi as (
  select li.account, count(*) as n_ips, max(i.n) - 1 as ip_other_owners
  from li join ip_owners i using (ip) group by li.account
),
-- The strongest handset sharing among the owner's cards: a sold kit's cards move together.
owner_dev as (
  select owner_idno, max(device_other_owners) as owner_device_other_owners
  from logd group by owner_idno
),
-- Everything known per owner in one row, so the accounts join one owner table, not four.
owners as (
  select o.*, os.sims_per_owner, od.owner_device_other_owners, p.birth_date, p.occupation
  from (
    select owner_idno, count(*) as cards_per_owner, count(distinct inst_id) as banks_per_owner,
           count(*) filter (where account_class >= 2) as class23_per_owner,
           count(*) filter (where is_bad) as owner_bad_accounts
    from accb group by owner_idno
  ) o
  left join owner_sims os using (owner_idno)
  left join owner_dev od using (owner_idno)
  left join persons p on p.idno = o.owner_idno
),
-- Known-bad accounts of other owners used from the same handset: a den runs many kits on one.
-- The bad accounts' handsets are found first, so the self-join is of thousands of rows.
bad_dev as (
  select d.account, count(distinct b.account) as bad_device_peers
  from ld d join (select * from ld where account in (select account from bad)) b
    using (device_imei)
  where b.owner_idno <> d.owner_idno
  group by d.account
)
select
  a.account,
  a.account_class::int as account_class,
  (a.holder_kind = 'corporate')::int as corporate,
  (a.outlet_id is null)::int as opened_online,
  coalesce(l.n_in, 0) as n_in,
  coalesce(l.n_out, 0) as n_out,
  coalesce(l.in_fen, 0) / 100.0 as in_yuan,
  coalesce(l.out_fen, 0) / 100.0 as out_yuan,
  l.out_fen / nullif(l.in_fen, 0) as pass_through,
  l.hold_s / 3600.0 as hold_hours,
  coalesce(l.fan_in, 0) as fan_in,
  coalesce(l.fan_out, 0) as fan_out,
  (coalesce(l.night_in, 0) + coalesce(l.night_out, 0))
    / nullif(coalesce(l.n_in, 0) + coalesce(l.n_out, 0), 0) as night_share,
  (coalesce(l.round_in, 0) + coalesce(l.round_out, 0))
    / nullif(coalesce(l.n_in, 0) + coalesce(l.n_out, 0), 0) as round_share,
  coalesce(l.cash_fen, 0) / nullif(l.out_fen, 0) as cash_out_share,
  (epoch(l.first_large_at) - epoch(a.opened_at)) / 86400.0 as days_to_large_inflow,
  (epoch($as_of) - epoch(a.opened_at)) / 86400.0 as account_age_days,
  o.cards_per_owner,
  o.banks_per_owner,
  o.class23_per_owner,
  coalesce(burst.owner_cards_30d, 0) as owner_cards_30d,
  coalesce(o.sims_per_owner, 0) as sims_per_owner,
  coalesce(sim_burst.owner_sims_30d, 0) as owner_sims_30d,
  datediff('day', o.birth_date, $as_of::date) / 365.25 as owner_age,
  nullif(list_position($occupations, o.occupation), 0) - 1 as occupation,
  coalesce(logd.n_devices, 0) as n_devices,
  coalesce(logi.n_ips, 0) as n_ips,
  logd.device_other_owners,
  logi.ip_other_owners,
  o.owner_device_other_owners,
  coalesce(bad_in.bad_in_cp, 0) as bad_in_cp,
  coalesce(bad_out.bad_out_cp, 0) as bad_out_cp,
  coalesce(bad_dev.bad_device_peers, 0) as bad_device_peers,
  o.owner_bad_accounts - a.is_bad::int as owner_bad_accounts,
  coalesce(sb.staff_bad - a.is_bad::int, 0) as staff_bad_openings
from accb a
left join led l using (account)
left join bad_in using (account)
left join bad_out using (account)
left join owners o using (owner_idno)
left join logd using (account)
left join logi using (account)
left join bad_dev using (account)
left join burst using (account)
left join sim_burst using (account)
left join staff_bad sb using (staff_id)
order by a.account
"""

GRAPH_FEATURES = (
    "bad_in_cp",
    "bad_out_cp",
    "bad_device_peers",
    "owner_bad_accounts",
    "staff_bad_openings",
)
CATEGORICAL_FEATURES = ("occupation",)
# What a bank's own ledger shows, with no registrations, logins or other feeds.
LEDGER_FEATURES = (
    "n_in",
    "n_out",
    "in_yuan",
    "out_yuan",
    "pass_through",
    "hold_hours",
    "fan_in",
    "fan_out",
    "night_share",
    "round_share",
    "cash_out_share",
)
# How and by whom the card was opened: what a dormant kit shares with a used one.
KIT_FEATURES = (
    "account_class",
    "corporate",
    "opened_online",
    "account_age_days",
    "cards_per_owner",
    "banks_per_owner",
    "class23_per_owner",
    "owner_cards_30d",
    "sims_per_owner",
    "owner_sims_30d",
    "owner_age",
    "occupation",
    "owner_bad_accounts",
    "staff_bad_openings",
)


def account_ledger(store: Store, as_of: datetime) -> pa.Table:
    """Each account's own payment figures up to `as_of` (`LEDGER_SQL`), from the store."""
    params = {"as_of": as_of, "large": LARGE_INFLOW_FEN, "round": ROUND_FEN,
              "cash": list(CASH_OUT_CHANNELS)}  # fmt: skip
    return store.con.sql(LEDGER_SQL, params=params).to_arrow_table()


def account_features(
    store: Store, as_of: datetime, ledger_only: bool = False, ledger: pa.Table | None = None
) -> pa.Table:
    """One row of features per account opened by `as_of` (or named in the ledger by then).

    `ledger` may pass in `account_ledger(store, as_of)` computed elsewhere (the engine keeps the
    payments in memory); it must hold the same rows, and is read with `LEDGER_SQL`'s types."""
    ledger = account_ledger(store, as_of) if ledger is None else ledger
    accounts = LEDGER_ACCOUNTS_SQL if ledger_only else REGISTERED_ACCOUNTS_SQL
    params = {
        "as_of": as_of,
        "window": KIT_WINDOW_S,
        "occupations": list(OCCUPATIONS),
    }
    with registered(store.con, ledger, "account_ledger") as name:
        typed = ", ".join(f"{c}::{t} as {c}" for c, t in LEDGER_COLUMNS.items())
        sql = FEATURES_SQL.format(
            labels=LABELS_SQL, accounts=accounts, ledger=f"(select {typed} from {name})"
        )
        return store.con.sql(sql, params=params).to_arrow_table()
