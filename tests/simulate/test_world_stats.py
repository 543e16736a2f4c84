"""Statistical checks: the simulated world has what its configuration asks, within tolerance."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from fraudlink.simulate import SimConfig

DAY_US = 86_400_000_000


@pytest.fixture(scope="module")
def db(stats_world: Path) -> duckdb.DuckDBPyConnection:
    """DuckDB views over the stats world's feeds and truth."""
    con = duckdb.connect()
    for folder in ("feeds", "truth"):
        for f in sorted((stats_world / folder).glob("*.parquet")):
            con.execute(f"create view {f.stem} as select * from read_parquet('{f}')")
    return con


def tolerance(p: float, n: int) -> float:
    """Four standard errors of a share p over n draws, plus a little for modelling slack."""
    return 4 * math.sqrt(max(p * (1 - p), 1e-9) / max(n, 1)) + 0.02


def test_fraud_type_mix(db: duckdb.DuckDBPyConnection, stats_cfg: SimConfig) -> None:
    cfg = stats_cfg
    rows = db.execute("select fraud_type, count(*) from episodes group by 1").fetchall()
    n = sum(c for _, c in rows)
    assert n > 500
    seen = dict(rows)
    for name, p in cfg.fraud.type_mix.items():
        share = seen.get(name, 0) / n
        assert abs(share - p) <= tolerance(p, n), f"{name}: {share:.3f} vs {p}"


def test_contact_channel_mix(db: duckdb.DuckDBPyConnection, stats_cfg: SimConfig) -> None:
    cfg = stats_cfg
    rows = dict(db.execute("select contact_channel, count(*) from episodes group by 1").fetchall())
    n = sum(rows.values())
    for name, p in cfg.fraud.contact_mix.items():
        assert abs(rows.get(name, 0) / n - p) <= tolerance(p, n), name


def test_reporting_share_and_delays(db: duckdb.DuckDBPyConnection, stats_cfg: SimConfig) -> None:
    cfg = stats_cfg
    # Only episodes whose 14-day reporting window lies inside the period can be judged.
    rows = db.execute(
        """
        select e.episode_id, r.reported_at is not null as reported,
               epoch_us(r.reported_at) - epoch_us(e.last_payment_at) as delay_us
        from episodes e left join victim_reports r using (report_id)
        where e.last_payment_at + interval 15 day < (select max(time) from transactions)
        """
    ).fetchall()
    n = len(rows)
    assert n > 100
    reported = [d for _, rep, d in rows if rep]
    share = len(reported) / n
    assert abs(share - cfg.reports.report_share) <= tolerance(cfg.reports.report_share, n)
    bands = {
        "same_day": sum(d < DAY_US for d in reported),
        "days_1_3": sum(DAY_US <= d < 4 * DAY_US for d in reported),
        "days_4_14": sum(d >= 4 * DAY_US for d in reported),
    }
    for band, p in cfg.reports.delay_mix.items():
        got = bands[band] / len(reported)
        assert abs(got - p) <= tolerance(p, len(reported)), f"{band}: {got:.3f} vs {p}"
    assert all(d >= 0 for d in reported), "a report came before the last payment"


def test_layering_depth_and_third_level_share(
    db: duckdb.DuckDBPyConnection, stats_cfg: SimConfig
) -> None:
    cfg = stats_cfg
    depth = dict(
        db.execute(
            "select max_hop, count(*) from (select episode_id, max(hop) as max_hop "
            "from money_path group by 1) group by 1"
        ).fetchall()
    )
    n = sum(depth.values())
    deep = sum(c for h, c in depth.items() if h >= 3) / n
    assert deep > 0.8, f"only {deep:.2f} of episodes are layered past the second level"
    assert max(depth) >= 4
    # Sweeps out of second-level cards: how many go on to a third-level card.
    row = db.execute(
        """
        select count(*) filter (where t.role = 'mule_l3'), count(*)
        from (select distinct txn_id, from_account, to_account from money_path) m
        join account_roles f on f.account = m.from_account and f.role = 'mule_l2'
        left join account_roles t on t.account = m.to_account
        """
    ).fetchone()
    assert row is not None
    to_l3, sweeps = row
    p = cfg.laundering.third_level_share
    assert abs(to_l3 / sweeps - p) <= tolerance(p, sweeps) + 0.05


def test_victims_money_mixes_in_shared_cards(db: duckdb.DuckDBPyConnection) -> None:
    shared = db.execute(
        "select count(*) from (select to_account from money_path where hop = 1 "
        "group by 1 having count(distinct episode_id) >= 2)"
    ).fetchone()
    assert shared is not None and shared[0] > 0


def test_legitimate_accounts_with_mule_like_traits(
    db: duckdb.DuckDBPyConnection, stats_cfg: SimConfig
) -> None:
    cfg = stats_cfg
    persons = cfg.world.persons
    # Pass-through: many inflows, nearly all of it paid on. Small businesses do this legitimately.
    legit_pass_through = db.execute(
        """
        with flows as (
          select account, sum(inflow) as inflow, sum(outflow) as outflow, sum(n_in) as n_in from (
            select to_account as account, amount_fen as inflow, 0 as outflow, 1 as n_in
            from transactions where to_account is not null
            union all
            select from_account, 0, amount_fen, 0 from transactions)
          group by 1)
        select count(*) from flows f join account_roles r using (account)
        where r.role not like 'mule_%' and f.n_in >= 20 and f.outflow >= 0.8 * f.inflow
        """
    ).fetchone()
    assert legit_pass_through is not None
    expected = cfg.accounts.small_businesses_per_10k * persons / 10_000
    assert 0.8 * expected <= legit_pass_through[0] <= 3 * expected + 5
    # Several cards held legitimately: adults with Class I accounts at three banks or more.
    multi = db.execute(
        """
        select avg((n >= 3)::int) from (
          select owner_idno, count(*) as n from bank_accounts b join account_roles r using (account)
          where b.account_class = 1 and b.holder_kind = 'personal' and r.role = 'ordinary'
          group by 1)
        """
    ).fetchone()
    assert multi is not None
    mix = cfg.accounts.banks_per_person_mix
    p = sum(v for k, v in mix.items() if int(k) >= 3)
    assert abs(multi[0] - p) <= 0.03


def test_kits_come_through_insiders_at_the_configured_share(
    db: duckdb.DuckDBPyConnection, stats_cfg: SimConfig
) -> None:
    # A kit is opened through an insider when its bank account or its SIM card was.
    row = db.execute(
        """
        select avg((coalesce(sa.is_insider, false) or coalesce(ss.is_insider, false))::int)
        from account_roles r join bank_accounts b using (account)
        left join staff_roles sa on sa.staff_id = b.staff_id
        left join sim_cards c on c.msisdn = b.phone
        left join staff_roles ss on ss.staff_id = c.staff_id
        where r.role like 'mule_%' and b.holder_kind = 'personal'
        """
    ).fetchone()
    assert row is not None
    assert abs(row[0] - stats_cfg.market.insider_share) <= 0.1
