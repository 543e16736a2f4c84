"""`fraudlink migrate`: bring a store written by an older fraudlink up to this one's schema."""

from __future__ import annotations

from pathlib import Path

import click

from fraudlink.cli.common import open_store
from fraudlink.cli.ingest_cmd import DB_HELP


@click.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
def migrate(db: Path | None) -> None:
    """Apply the schema migrations a store lacks, each in one transaction, and say what they did.

    Every command that writes migrates the store it opens; the read-only ones (`rings`,
    `evaluate`) refuse an older store and name this command instead.
    """
    with open_store(db) as store:
        applied, version = store.migrated, store.version
        notes = (
            store.con.execute(
                "select version, feed, field, value, rows, reason from migration_notes "
                "where version in (select unnest($1::integer[])) order by all",
                [applied],
            ).fetchall()
            if applied and "migration_notes" in store.tables()
            else []
        )
    if not applied:
        click.echo(f"{store.path}: schema version {version}, already up to date")
        return
    click.echo(f"{store.path}: applied migration(s) {', '.join(map(str, applied))}; "
               f"schema version {version}")  # fmt: skip
    for v, feed, field, value, rows, reason in notes:
        kept = f"{feed}.{field} {value!r} as stored ({rows} row(s))"
        click.echo(f"  migration {v} kept {kept}: {reason}")
