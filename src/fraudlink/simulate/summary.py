"""What is in a simulated world: the counts the demo prints, read back from the written files."""

from __future__ import annotations

from pathlib import Path

import duckdb

# (label, SQL over the world's Parquet files). Each query returns one number.
SUMMARY_QUERIES: tuple[tuple[str, str, str], ...] = (
    ("persons", "people", "select count(*) from feeds('persons')"),
    ("bank_accounts", "bank and payment accounts", "select count(*) from feeds('bank_accounts')"),
    ("sim_cards", "SIM cards", "select count(*) from feeds('sim_cards')"),
    ("transactions", "transactions", "select count(*) from feeds('transactions')"),
    ("calls", "calls and SMS", "select count(*) from feeds('calls')"),
    ("logins", "logins", "select count(*) from feeds('logins')"),
    ("episodes", "fraud episodes", "select count(*) from truth('episodes')"),
    ("victims", "victims", "select count(distinct victim_idno) from truth('episodes')"),
    (
        "fraud_loss_fen",
        "fraud loss (yuan)",
        "select coalesce(sum(loss_fen), 0) from truth('episodes')",
    ),
    (
        "reported_loss_fen",
        "reported loss (yuan)",
        "select coalesce(sum(loss_fen), 0) from truth('episodes') where report_id is not null",
    ),
    (
        "unreported_loss_fen",
        "unreported loss (yuan)",
        "select coalesce(sum(loss_fen), 0) from truth('episodes') where report_id is null",
    ),
    ("reports", "victim reports", "select count(*) from feeds('victim_reports')"),
    ("gangs", "fraud gangs", "select count(*) from truth('gangs')"),
    ("rings", "card-trafficking rings", "select count(*) from truth('rings')"),
    (
        "mule_accounts",
        "mule accounts",
        "select count(*) from truth('account_roles') where role like 'mule_%'",
    ),
    ("insiders", "insiders (内鬼)", "select count(*) from truth('staff_roles') where is_insider"),
    ("seized_items", "seized items", "select count(*) from feeds('seized_evidence')"),
)


def world_summary(world_dir: Path) -> dict[str, int]:
    """Counts of what a simulated world holds, keyed by figure name."""
    world_dir = Path(world_dir)
    con = duckdb.connect()
    out: dict[str, int] = {}
    for key, _label, sql in SUMMARY_QUERIES:
        sql = sql.replace("feeds('", f"read_parquet('{world_dir}/feeds/").replace(
            "truth('", f"read_parquet('{world_dir}/truth/"
        )
        sql = sql.replace("')", ".parquet')")
        out[key] = int(con.execute(sql).fetchall()[0][0])
    con.close()
    return out


def summary_labels() -> dict[str, str]:
    """The printed label of each summary figure."""
    return {key: label for key, label, _ in SUMMARY_QUERIES}
