"""`fraudlink match`: rapid comparison (快速比对) of a value, a file, a report or a raid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pyarrow as pa

from fraudlink.cli.common import open_store, render_table
from fraudlink.cli.ingest_cmd import DB_HELP
from fraudlink.match.index import IndicatorIndex
from fraudlink.match.lookup import QueryError, ReportMatch, match_report, match_values
from fraudlink.match.seized import seized_report
from fraudlink.model import identifiers
from fraudlink.model.clock import CHINA

KIND_CHOICES = sorted({*identifiers.KINDS, "account"})
HIT_COLUMNS = ("query", "node_id", "source", "ref", "report_id", "time", "confidence")
# The heading of every text answer: the term once, beside its English name.
RAPID_COMPARISON = "rapid comparison (快速比对)"


@click.command()
@click.argument("value", required=False)
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
@click.option(
    "--kind", type=click.Choice(KIND_CHOICES), metavar="KIND", help="Kind of the value(s)."
)
@click.option(
    "--file",
    "file_",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Text file of values, one a line.",
)
@click.option("--report", metavar="ID", help="Match every identifier of a victim report.")
@click.option("--operation", metavar="OP", help="Match the items seized in an operation.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (times in UTC).")
def match(
    value: str | None,
    db: Path | None,
    kind: str | None,
    file_: Path | None,
    report: str | None,
    operation: str | None,
    as_json: bool,
) -> None:
    """Look identifiers up among everything known: reports, cases, seizures, flags."""
    given = [x for x in (value, file_, report, operation) if x is not None]
    if len(given) != 1:
        raise click.UsageError("give exactly one of VALUE, --file, --report, --operation")
    lines = _read_values(file_) if file_ is not None else None  # a bad file fails first
    with open_store(db) as store:
        index = IndicatorIndex.from_store(store)
        try:
            if report is not None:
                _show_report(match_report(store, index, report), as_json)
            elif operation is not None:
                _show_operation(seized_report(store, index, operation), as_json)
            else:
                raws = [v for _, v in lines] if lines is not None else [value or ""]
                _show_hits(raws, match_values(index, raws, kind), as_json)
        except QueryError as exc:
            if file_ is None or lines is None:
                raise click.ClickException(str(exc)) from exc
            raise click.ClickException(_bad_lines(file_, lines, exc.bad)) from exc
        except LookupError as exc:
            raise click.ClickException(exc.args[0] if exc.args else str(exc)) from exc


def _read_values(path: Path) -> list[tuple[int, str]]:
    """(line number, value) of each value in a text file; blank lines and # comments skipped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark, as Windows editors write, is fine
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise click.ClickException(
            f"{path}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
            "save the file as UTF-8"
        ) from exc
    values = [
        (n, s)
        for n, line in enumerate(text.splitlines(), start=1)
        if (s := line.strip()) and not s.startswith("#")
    ]
    if not values:
        raise click.ClickException(f"{path}: no values (one identifier a line)")
    return values


def _bad_lines(path: Path, lines: list[tuple[int, str]], bad: list[str]) -> str:
    """The refusal of a file's values that are not identifiers, each with its line number."""
    wrong = set(bad)
    found = [f"line {n}: not an identifier: {v!r}" for n, v in lines if v in wrong]
    more = f"\n(and {len(found) - 5} more lines)" if len(found) > 5 else ""
    return f"{path}: " + f"\n{path}: ".join(found[:5]) + more


def _rows(hits: pa.Table, utc: bool) -> list[dict[str, Any]]:
    rows = hits.select([c for c in HIT_COLUMNS if c in hits.column_names]).to_pylist()
    for r in rows:
        t = r["time"]
        if t is not None:
            r["time"] = t.isoformat() if utc else t.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    head = [c if c != "time" else "time (UTC+8)" for c in rows[0]]
    return render_table(head, [["" if v is None else v for v in r.values()] for r in rows])


def _show_hits(raws: list[str], hits: pa.Table, as_json: bool) -> None:
    matched = set(hits["query_row"].to_pylist())
    misses = [r for i, r in enumerate(raws) if i not in matched]
    if as_json:
        out = {"hits": _rows(hits, utc=True), "no_match": misses}
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    values = f"{len(raws)} value" + ("s" if len(raws) != 1 else "")
    click.echo(
        f"{RAPID_COMPARISON} of {values}: {len(raws) - len(misses)} known, {len(misses)} no match"
    )
    if hits.num_rows:
        click.echo(_table(_rows(hits, utc=False)))
    for raw in misses:
        click.echo(f"no match: {raw}")


def _show_report(result: ReportMatch, as_json: bool) -> None:
    rows = _rows(result.hits.drop_columns(["query"]), utc=as_json)
    if as_json:
        out = {
            "report_id": result.report_id,
            "identifiers": [node for _, node in result.identifiers],
            "hits": rows,
            "other_reports": result.other_reports,
            "cluster": result.cluster,
            "members": result.members,
            "evidence": [list(e) for e in result.evidence],
        }
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{RAPID_COMPARISON} of report {result.report_id}: {len(result.identifiers)} identifiers"
    )
    click.echo(_table(_collapsed(rows)) if rows else "no match in other records")
    if result.cluster is not None:
        members = ", ".join(result.members)
        click.echo(f"case cluster (串并案) {result.cluster}: {len(result.members)} reports: "
                   f"{members}")  # fmt: skip
        if result.evidence:
            links = [(a, b, node, f"{w:.2f}") for a, b, node, w in result.evidence]
            click.echo("linked by:")
            click.echo(render_table(("report", "report", "shared identifier", "weight"), links))


def _collapsed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hit rows that read the same (a card the victim paid twice) shown once, with a count."""
    counts: dict[tuple[Any, ...], int] = {}
    first: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        key = tuple(r.values())
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, r)
    return [{**r, "records": counts[k]} for k, r in first.items()]


def _show_operation(rep: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(rep, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{RAPID_COMPARISON} of operation {rep['operation_id']}: "
        f"{sum(rep['items'].values()):,} items seized"
    )
    click.echo(render_table(("item", "count"), sorted(rep["items"].items())))
    kinds = [(k, v["identifiers"], v["known"]) for k, v in rep["kinds"].items()]
    click.echo(render_table(("kind", "identifiers", "known elsewhere"), kinds))
    click.echo(f"reports touched: {len(rep['reports']):,}  cases: {len(rep['cases']):,}")
    click.echo(f"loss in those reports: {rep['loss_fen'] / 100:,.2f} yuan")
    if rep["clusters"] is not None:
        loss = rep["cluster_loss_fen"] / 100
        click.echo(f"case clusters: {rep['clusters']:,}, loss over them: {loss:,.2f} yuan")
    if rep["reports"]:
        click.echo("reports: " + ", ".join(rep["reports"]))
