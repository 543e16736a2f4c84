"""`fraudlink ingest` and `fraudlink export`: feed files into the store, tables out of it."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click

from fraudlink.cli.common import open_store, progress_printer, render_table
from fraudlink.ingest import ProfileError, ingest_paths, load_profile
from fraudlink.model.tables import FEED_TABLES
from fraudlink.store import StoreError

DB_HELP = "Store file [default: DATA/fraudlink.duckdb]."
EXPORTABLE = frozenset({*FEED_TABLES, "quarantine", "ingest_log"})


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
@click.option(
    "--feed",
    type=click.Choice(sorted(FEED_TABLES)),
    metavar="NAME",
    help="Feed of every file, when their names do not say it.",
)
@click.option(
    "--profile",
    metavar="NAME|FILE",
    help="Mapping profile to read a member's own export (see docs/feeds.md).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON, keyed by feed.")
@click.option("--quiet", is_flag=True, help="Do not print a line per file.")
def ingest(
    paths: tuple[Path, ...],
    db: Path | None,
    feed: str | None,
    profile: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Check feed files (Parquet, CSV, JSON Lines; plain or gzip) and load them into the store."""
    try:
        prof = load_profile(profile) if profile else None
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from exc
    if prof and feed and prof.feed != feed:
        raise click.ClickException(f"profile {prof.name} reads {prof.feed}, not {feed}")
    with open_store(db, create=True) as store:  # the one command that makes a new store
        report = ingest_paths(store, list(paths), feed, prof, on_file=progress_printer(quiet))
    if as_json:
        out = {name: dataclasses.asdict(s) for name, s in sorted(report.feeds.items())}
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        rows = [
            (n, s.files, s.read, s.loaded, s.duplicate, s.quarantined)
            for n, s in sorted(report.feeds.items())
        ]
        if rows:
            click.echo(
                render_table(("feed", "files", "read", "loaded", "duplicate", "quarantined"), rows)
            )
    for err in report.errors:
        click.echo(f"error: {err}", err=True)
    if report.errors:
        sys.exit(1)


@click.command()
@click.argument("table")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Parquet file to write.",
)
def export(table: str, db: Path | None, out: Path) -> None:
    """Write one table of the store (a feed, the quarantine, the ingest log) to Parquet."""
    if table not in EXPORTABLE:  # not the users' password hashes, tokens, orders or audit log
        raise click.BadParameter(
            f"{table!r} cannot be exported: give a feed, quarantine or ingest_log",
            param_hint="TABLE",
        )
    with open_store(db) as store:
        try:
            n = store.export(table, out)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {n:,} rows of {table} to {out}")
