"""`fraudlink detect`: mule scores for a bank that has only its own ledger."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from fraudlink.cli.common import progress_printer
from fraudlink.detect.ledger_only import LabelFileError, read_labels, score_ledger
from fraudlink.ingest import ProfileError, ingest_paths, load_profile
from fraudlink.store import Store


@click.command()
@click.option(
    "--transactions",
    "ledger",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The bank's ledger: Parquet, CSV or JSON Lines, plain or gzip.",
)
@click.option(
    "--profile",
    metavar="NAME|FILE",
    help="Mapping profile for the ledger's columns (e.g. transactions, cn_bank_ledger).",
)
@click.option(
    "--labels",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="CSV with an `account` column: accounts already known to be mules.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV to write: account, score, reasons (best first).",
)
@click.option("--quiet", is_flag=True, help="Do not print progress.")
def detect(ledger: Path, profile: str | None, labels: Path | None, out: Path, quiet: bool) -> None:
    """Score every account in a bank's own ledger as a likely mule (断卡, card-cutting).

    Rows the ledger checks refuse are written beside OUT as OUT.quarantine.csv.
    """
    show = progress_printer(quiet)
    try:
        prof = load_profile(profile) if profile else None
        known = read_labels(labels) if labels else None
    except (ProfileError, LabelFileError) as exc:
        raise click.ClickException(str(exc)) from exc
    with (
        tempfile.TemporaryDirectory(prefix="fraudlink-detect-") as tmp,
        Store(Path(tmp) / "ledger.duckdb") as store,
    ):
        report = ingest_paths(store, [ledger], "transactions", prof, on_file=show)
        if report.errors:
            raise click.ClickException(str(report.errors[0]))
        summary = report.feeds.get("transactions")
        if summary is None or summary.loaded == 0:
            raise click.ClickException(f"{ledger}: no transaction could be read")
        if summary.quarantined:
            _write_quarantine(store, out)
        scores = score_ledger(store, known)
    _write_scores(scores, out)
    if show:
        show(
            f"wrote {out}: card-cutting (断卡) scores of {scores.num_rows:,} accounts as "
            "likely mule accounts (涉诈账户)"
        )


def _write_scores(scores: pa.Table, out: Path) -> None:
    """The scores as CSV, best first, written whole or not at all."""
    order = pc.sort_indices(scores, [("score", "descending"), ("account", "ascending")])
    table = scores.take(order)
    reasons = pc.binary_join(table.column("reasons"), ";")
    table = table.set_column(2, "reasons", pc.fill_null(reasons, ""))
    tmp = out.with_name(f".{out.name}.part")
    try:
        pacsv.write_csv(table, tmp)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise click.ClickException(f"{out}: cannot write: {exc}") from exc


def _write_quarantine(store: Store, out: Path) -> None:
    """The refused rows (file, row, field, value, reason), beside the scores; nothing is lost."""
    rows = store.con.sql(
        "select file, row_number, field, value, reason from quarantine order by row_number, field"
    ).to_arrow_table()
    path = out.with_name(out.name + ".quarantine.csv")
    pacsv.write_csv(rows, path)
    click.echo(f"{rows.num_rows:,} refused rows written to {path}", err=True)
    sys.stderr.flush()
