"""Accuracy of tracing against the simulator's truth (tests only: reads truth files).

The simulator's `money_path` stops where money leaves the mule accounts (a cash-out, or a
payment to a merchant or an innocent seller). Tracing cannot know which accounts are mules, so it
follows money further; the comparison applies the truth's stop rule to our trail: money entering
a non-mule account is located at that account, and what we traced beyond it is dropped.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from fraudlink.trace.engine import TraceResult

SQL = """
with mules as (
  select account from '{truth}/account_roles.parquet' where role like 'mule%'
),
ep as (select episode_id, report_id from '{truth}/episodes.parquet' where report_id is not null),
mp as (select * replace (coalesce(to_account, '') as to_account)
       from '{truth}/money_path.parquet' join ep using (episode_id)),
truth_loc as (  -- net money left per account, plus each cash-out
  select report_id, loc, sum(fen) as fen from (
    select report_id, to_account as loc, amount_fen as fen from mp where to_account <> ''
    union all select report_id, from_account, -amount_fen from mp where hop > 1
    union all select report_id, 'cash:' || txn_id, amount_fen from mp where to_account = ''
  ) group by all having sum(fen) > 0
),
ours_loc as (
  select report_id, loc, sum(fen) as fen from (
    select report_id, account as loc, amount_fen as fen from pos
    where account in (select account from mules)
    union all select report_id, case when channel = 'depth_limit' then 'depth:' else 'cash:' end
                     || txn_id, amount_fen from ex
    where from_account in (select account from mules)
    union all select report_id, to_account, amount_fen from tr
    where hop > 1 and to_account is not null and from_account in (select account from mules)
      and to_account not in (select account from mules)
  ) group by all
),
per_report as (
  select t.report_id, sum(t.fen) as total, sum(least(t.fen, coalesce(o.fen, 0))) as hit
  from truth_loc t left join ours_loc o using (report_id, loc) group by 1
)
select sum(hit) / sum(total) as located, count(*) as reports,
       avg(hit / total) as mean_per_report
from per_report {only}
"""


def located_share(result: TraceResult, world: Path, only_matched: bool = False) -> dict[str, float]:
    """Share of reported victims' money (truth) located at the right place by our trace."""
    con = duckdb.connect()
    con.register("pos", result.positions)
    con.register("ex", result.exits)
    con.register("tr", result.trail_rows)
    con.register("m", pa.table({"report_id": result.matched.column("report_id")}))
    only = "where report_id in (select report_id from m)" if only_matched else ""
    row = con.execute(SQL.format(truth=world / "truth", only=only)).fetchone()
    assert row is not None
    return {"located": float(row[0]), "reports": float(row[1]), "mean": float(row[2])}


def truth_payments(world: Path) -> pa.Table:
    """Every payment of every reported episode, as (report_id, seq, txn_id, matched_by)."""
    return duckdb.sql(
        f"""select e.report_id, f.seq::smallint as seq, f.txn_id, 'truth' as matched_by
            from '{world}/truth/fraud_payments.parquet' f
            join '{world}/truth/episodes.parquet' e using (episode_id)
            where e.report_id is not null"""
    ).to_arrow_table()
