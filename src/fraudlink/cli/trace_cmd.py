"""`fraudlink trace`: where one victim's money went, hop by hop, and where it is now."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pyarrow as pa

from fraudlink.cli.common import open_store, render_table
from fraudlink.cli.ingest_cmd import DB_HELP
from fraudlink.model.clock import CHINA
from fraudlink.trace.engine import METHODS, TraceResult, trace_report
from fraudlink.trace.tables import victim_totals


@click.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
@click.option("--report", "report_id", required=True, metavar="ID", help="The victim's report.")
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="fifo",
    show_default=True,
    help="Attribution: fifo (2016 rules), pro_rata (haircut) or poison (upper bound).",
)
@click.option("--hops", default=6, show_default=True, type=click.IntRange(1, 20),
              help="Depth limit in hops.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON (times in UTC, money in fen).")
def trace(db: Path | None, report_id: str, method: str, hops: int, as_json: bool) -> None:
    """Trace a victim's money: the trail hop by hop, then where it is now."""
    with open_store(db) as store:
        known = (
            store.arrow("select count(*) as n from victim_reports where report_id = ?", [report_id])
            .column("n")[0]
            .as_py()
        )
        if not known:
            raise click.ClickException(f"no report {report_id}")
        result = trace_report(store, report_id, method=method, max_hops=hops)
    if as_json:
        click.echo(json.dumps(_as_json(result, report_id), indent=2, ensure_ascii=False))
    else:
        _show(result, report_id)


def _rows(t: pa.Table, utc: bool) -> list[dict[str, Any]]:
    rows = t.drop_columns([c for c in ("report_id", "method", "as_of") if c in t.column_names])
    out = rows.to_pylist()
    for r in out:
        for k in ("time", "last_in_at"):
            if k in r and r[k] is not None:
                r[k] = (
                    r[k].isoformat() if utc else r[k].astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
                )
    return out


def _totals(result: TraceResult, report_id: str) -> dict[str, int]:
    return victim_totals(result.trail(report_id), result.positions_of(report_id),
                         result.exits_of(report_id), result.method)  # fmt: skip


def _as_json(result: TraceResult, report_id: str) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "method": result.method,
        "as_of": result.as_of.isoformat(),
        "matched": result.matched.to_pylist(),
        "trail": _rows(result.trail(report_id), utc=True),
        "positions": _rows(result.positions_of(report_id), utc=True),
        "exits": _rows(result.exits_of(report_id), utc=True),
        "totals": _totals(result, report_id),
        "upper_bounds": result.method == "poison",
    }


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def _hop_levels(deepest: int) -> str:
    """What the hop numbers mean in the card tiers, said once under the trail."""
    levels = "hop 1 pays a first-level card (一级卡)"
    if deepest >= 2:
        levels += "; hop 2 passes money on to second-level cards (二级卡), and so on"
    return levels


def _show(result: TraceResult, report_id: str) -> None:
    as_of = result.as_of.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    click.echo(
        f"fund control (资金查控), report {report_id}: money traced by {result.method}, "
        f"as of {as_of} (UTC+8)"
    )
    trail = _rows(result.trail(report_id), utc=False)
    if not trail:
        click.echo("no reported payment was found in the ledger")
        return
    head = ("hop", "time (UTC+8)", "txn", "from", "to", "yuan")
    rows = [
        (r["hop"], r["time"], str(r["txn_id"]), r["from_account"], r["to_account"] or "(cash-out)",
         _yuan(r["amount_fen"]))
        for r in trail
    ]  # fmt: skip
    click.echo(render_table(head, rows))
    click.echo(_hop_levels(max(r["hop"] for r in trail)))
    held = _rows(result.positions_of(report_id), utc=False)
    click.echo("\nstill in accounts:")
    if held:
        where = [(r["account"], r["hops"], r["last_in_at"], _yuan(r["amount_fen"])) for r in held]
        click.echo(render_table(("account", "hops", "last in (UTC+8)", "yuan"), where))
    else:
        click.echo("none")
    gone = _rows(result.exits_of(report_id), utc=False)
    click.echo("\nleft the ledger:")
    if gone:
        exits = [
            (r["channel"], r["time"], r["from_account"], r["terminal"] or "",
             _yuan(r["amount_fen"]))
            for r in gone
        ]  # fmt: skip
        click.echo(render_table(("how", "time (UTC+8)", "from", "terminal", "yuan"), exits))
    else:
        click.echo("none")
    tot = _totals(result, report_id)
    if result.method == "poison":
        # Upper bounds overlap (the same fen may be held in several accounts, or held and cashed
        # out), so they are not a split of the amount paid and must not read as one.
        click.echo(
            f"\npaid {_yuan(tot['paid_fen'])} yuan; poison upper bounds, which overlap and need "
            f"not add up to it: held at most {_yuan(tot['held_fen'])} (in {len(held)} accounts), "
            f"cashed out at most {_yuan(tot['cashed_out_fen'])}, beyond the depth limit at most "
            f"{_yuan(tot['beyond_depth_fen'])}"
        )
        return
    click.echo(
        f"\npaid {_yuan(tot['paid_fen'])} yuan: held {_yuan(tot['held_fen'])}, "
        f"cashed out {_yuan(tot['cashed_out_fen'])}, "
        f"beyond the depth limit {_yuan(tot['beyond_depth_fen'])}"
    )
