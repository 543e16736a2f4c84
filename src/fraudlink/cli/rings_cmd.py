"""`fraudlink rings`: card-trafficking rings and laundering groups, ranked, with strike packages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from fraudlink.cli.common import open_store, render_table
from fraudlink.cli.ingest_cmd import DB_HELP
from fraudlink.detect.rings import Rings, find_rings, target_package
from fraudlink.model.clock import CHINA
from fraudlink.store import StoreError

AS_OF_HELP = "Use the feeds as they stood at this ISO 8601 time (UTC if no zone) [default: now]."
COLUMNS = ("rank", "ring_id", "kind", "score", "persons", "accounts", "sims", "devices",
           "known_bad", "insiders")  # fmt: skip
# What each kind of group is, in the trade's words, said once under the table.
KIND_MEANING = {
    "card_ring": "a card dealer's (卡商) ring: the sellers whose cards and SIMs it trades, "
    "and the clerks who opened them",
    "laundering_group": "the cards, devices and numbers one gang's launderers (水房) move "
    "money through",
}


@click.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
@click.option("--as-of", "as_of_text", metavar="TIME", help=AS_OF_HELP)
@click.option("--top", default=20, show_default=True, type=click.IntRange(1),
              help="How many ranked groups to print and package.")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="Write one ring-<id>.json target package per printed group here.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the ranked groups as JSON.")
def rings(
    db: Path | None, as_of_text: str | None, top: int, out: Path | None, as_json: bool
) -> None:
    """Find card rings and laundering groups, rank them, and package each for a strike."""
    as_of = _as_of(as_of_text)
    try:
        with open_store(db, read_only=True) as store:
            found = find_rings(store, as_of)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    shown = found.rings.slice(0, top)
    if out is not None:
        _write_packages(found, shown["ring_id"].to_pylist(), out)
    if as_json:
        click.echo(json.dumps({"as_of": as_of.isoformat(), "rings": shown.to_pylist()}, indent=2))
        return
    stamp = as_of.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    click.echo(
        f"card-cutting (断卡): {found.rings.num_rows} groups as of {stamp} (UTC+8); "
        "strike in rank order"
    )
    rows = [[r[c] for c in COLUMNS] for r in shown.select(list(COLUMNS)).to_pylist()]
    click.echo(render_table(COLUMNS, rows))
    for kind in sorted(set(shown["kind"].to_pylist())):
        click.echo(f"{kind}: {KIND_MEANING.get(kind, kind)}")
    if out is not None:
        click.echo(f"\n{shown.num_rows} target packages written to {out}")


def _as_of(text: str | None) -> dt.datetime:
    """The cut-off time, UTC-aware."""
    if not text:
        return dt.datetime.now(dt.UTC)
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 time: {text}", param_hint="--as-of") from exc
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def _write_packages(found: Rings, ids: list[int], out: Path) -> None:
    """One JSON target package per group."""
    out.mkdir(parents=True, exist_ok=True)
    for ring_id in ids:
        package = target_package(found, ring_id)
        text = json.dumps(package, indent=2, ensure_ascii=False)
        (out / f"ring-{ring_id}.json").write_text(text + "\n", "utf-8")
