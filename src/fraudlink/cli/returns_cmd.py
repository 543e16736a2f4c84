"""`fraudlink returns`: return plans (原路返还) for frozen accounts, by Article 8."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from fraudlink.cli.common import open_store
from fraudlink.cli.ingest_cmd import DB_HELP
from fraudlink.trace.return_runs import plan_for_account, plans_for_freezes


@click.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
@click.option(
    "--account",
    metavar="ACCOUNT",
    help="Plan for this account instead of every executed freeze order.",
)
@click.option(
    "--frozen-fen",
    type=click.IntRange(min=0),
    metavar="N",
    help="The frozen balance in fen (with --account).",
)
@click.option(
    "--at",
    "frozen_at",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"]),
    help="When the freeze took effect, with its zone (with --account) [default: now].",
)
@click.option(
    "--rule",
    type=click.Choice(["fifo", "pro_rata"]),
    help="Force a rule instead of choosing by Article 8.",
)
@click.option(
    "--date",
    "plan_date",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The plan date: the public notice (pro rata) and the bank's 3 working days count from "
    "it [default: today, China time].",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (money in fen, dates ISO).")
def returns(
    db: Path | None,
    account: str | None,
    frozen_fen: int | None,
    frozen_at: dt.datetime | None,
    rule: str | None,
    plan_date: dt.datetime | None,
    as_json: bool,
) -> None:
    """Plan the return of frozen money to victims' original paying accounts."""
    if (account is None) != (frozen_fen is None):
        raise click.UsageError("--account and --frozen-fen go together")
    day = plan_date.date() if plan_date else None
    with open_store(db) as store:
        if account is not None and frozen_fen is not None:
            at = frozen_at or dt.datetime.now(dt.UTC)
            if at.tzinfo is None:
                raise click.UsageError("--at needs a zone, e.g. 2026-03-10T12:00:00+0800")
            plans = [plan_for_account(store, account, frozen_fen, at, rule, plan_date=day)]
        else:
            plans = plans_for_freezes(store, rule, plan_date=day)
    if as_json:
        click.echo(json.dumps([p.to_json() for p in plans], indent=2, ensure_ascii=False))
    elif not plans:
        click.echo("no executed freeze orders: nothing to return")
    else:
        click.echo("\n\n".join(p.to_text() for p in plans))
