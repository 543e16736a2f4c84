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

FEATURES_SQL = """
with
acc as ({accounts}),
t as (select * from transactions where time <= $as_of),
bad as materialized ({labels}),
ins as (
  select to_account as account, time, amount_fen, from_account as cp from t
  where to_account is not null
),
outs as (
  select from_account as account, time, amount_fen, channel, to_account as cp from t
),
inf as (
  select account, count(*) as n_in, sum(amount_fen) as in_fen, count(distinct cp) as fan_in,
         min(time) filter (where amount_fen >= $large) as first_large_at,
         count(distinct cp) filter (where cp in (select account from bad)) as bad_in_cp
  from ins group by account
),
outf as (
  select account, count(*) as n_out, sum(amount_fen) as out_fen, count(distinct cp) as fan_out,
         sum(amount_fen) filter (where list_contains($cash, channel)) as cash_fen,
         count(distinct cp) filter (where cp in (select account from bad)) as bad_out_cp
  from outs group by account
),
both_ as (
  select account, time, amount_fen from ins
  union all select account, time, amount_fen from outs
),
mix as (
  select account,
         avg(case when hour(time + interval 8 hour) < 6 then 1.0 else 0.0 end) as night_share,
         avg(case when amount_fen % $round = 0 then 1.0 else 0.0 end) as round_share
  from both_ group by account
),
-- Each inflow against the first outflow at or after it: how long money sits before moving on.
hold as (
  select i.account, median(epoch(o.time) - epoch(i.time)) as hold_s
  from ins i asof join outs o on i.account = o.account and o.time >= i.time
  group by i.account
),
owners as (
  select owner_idno, count(*) as cards_per_owner, count(distinct inst_id) as banks_per_owner,
         count(*) filter (where account_class >= 2) as class23_per_owner,
         count(*) filter (where account in (select account from bad)) as owner_bad_accounts
  from acc group by owner_idno
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
  select staff_id, count(*) filter (where account in (select account from bad)) as staff_bad,
         count(*) as staff_openings
  from acc where staff_id is not null group by staff_id
),
-- Each (card, handset, address) once: the counts below are all of distinct things, and a den's
-- handset logs in thousands of times.
lg as materialized (
  select distinct l.account, l.device_imei, l.ip, a.owner_idno
  from logins l join acc a using (account)
  where l.account_kind = 'bank' and l.time <= $as_of
),
dev_owners as (
  select device_imei, count(distinct owner_idno) as n from lg group by device_imei
),
ip_owners as (select ip, count(distinct owner_idno) as n from lg group by ip),
logf as materialized (
  select lg.account, count(distinct lg.device_imei) as n_devices, count(distinct lg.ip) as n_ips,
         max(d.n) - 1 as device_other_owners, max(i.n) - 1 as ip_other_owners
  from lg join dev_owners d using (device_imei) join ip_owners i using (ip)
  group by lg.account
),
-- The strongest handset sharing among the owner's cards: a sold kit's cards move together.
owner_dev as (
  select a.owner_idno, max(logf.device_other_owners) as owner_device_other_owners
  from logf join acc a using (account) group by a.owner_idno
),
-- Known-bad accounts of other owners used from the same handset: a den runs many kits on one.
bad_dev as (
  select lg.account, count(distinct b.account) as bad_device_peers
  from lg join lg b using (device_imei)
  where b.owner_idno <> lg.owner_idno and b.account in (select account from bad)
  group by lg.account
)
select
  a.account,
  a.account_class::int as account_class,
  (a.holder_kind = 'corporate')::int as corporate,
  (a.outlet_id is null)::int as opened_online,
  coalesce(inf.n_in, 0) as n_in,
  coalesce(outf.n_out, 0) as n_out,
  coalesce(inf.in_fen, 0) / 100.0 as in_yuan,
  coalesce(outf.out_fen, 0) / 100.0 as out_yuan,
  outf.out_fen / nullif(inf.in_fen, 0) as pass_through,
  hold.hold_s / 3600.0 as hold_hours,
  coalesce(inf.fan_in, 0) as fan_in,
  coalesce(outf.fan_out, 0) as fan_out,
  mix.night_share,
  mix.round_share,
  coalesce(outf.cash_fen, 0) / nullif(outf.out_fen, 0) as cash_out_share,
  (epoch(inf.first_large_at) - epoch(a.opened_at)) / 86400.0 as days_to_large_inflow,
  (epoch($as_of) - epoch(a.opened_at)) / 86400.0 as account_age_days,
  o.cards_per_owner,
  o.banks_per_owner,
  o.class23_per_owner,
  coalesce(burst.owner_cards_30d, 0) as owner_cards_30d,
  coalesce(os.sims_per_owner, 0) as sims_per_owner,
  coalesce(sim_burst.owner_sims_30d, 0) as owner_sims_30d,
  datediff('day', p.birth_date, $as_of::date) / 365.25 as owner_age,
  nullif(list_position($occupations, p.occupation), 0) - 1 as occupation,
  coalesce(logf.n_devices, 0) as n_devices,
  coalesce(logf.n_ips, 0) as n_ips,
  logf.device_other_owners,
  logf.ip_other_owners,
  od.owner_device_other_owners,
  coalesce(inf.bad_in_cp, 0) as bad_in_cp,
  coalesce(outf.bad_out_cp, 0) as bad_out_cp,
  coalesce(bad_dev.bad_device_peers, 0) as bad_device_peers,
  o.owner_bad_accounts - (a.account in (select account from bad))::int as owner_bad_accounts,
  coalesce(sb.staff_bad - (a.account in (select account from bad))::int, 0) as staff_bad_openings
from acc a
left join inf using (account)
left join outf using (account)
left join mix using (account)
left join hold using (account)
left join owners o using (owner_idno)
left join persons p on p.idno = a.owner_idno
left join logf using (account)
left join bad_dev using (account)
left join burst using (account)
left join owner_sims os using (owner_idno)
left join sim_burst using (account)
left join owner_dev od using (owner_idno)
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


def account_features(store: Store, as_of: datetime, ledger_only: bool = False) -> pa.Table:
    """One row of features per account opened by `as_of` (or named in the ledger by then)."""
    accounts = LEDGER_ACCOUNTS_SQL if ledger_only else REGISTERED_ACCOUNTS_SQL
    sql = FEATURES_SQL.format(labels=LABELS_SQL, accounts=accounts)
    params = {
        "as_of": as_of,
        "large": LARGE_INFLOW_FEN,
        "round": ROUND_FEN,
        "window": KIT_WINDOW_S,
        "cash": list(CASH_OUT_CHANNELS),
        "occupations": list(OCCUPATIONS),
    }
    return store.con.sql(sql, params=params).to_arrow_table()
