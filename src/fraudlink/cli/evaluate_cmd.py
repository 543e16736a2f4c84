"""`fraudlink evaluate`: how well the detectors do against a simulated world's truth."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from fraudlink.cli.common import open_store, render_table
from fraudlink.cli.ingest_cmd import DB_HELP
from fraudlink.model.clock import CHINA
from fraudlink.model.tables import FEED_TABLES
from fraudlink.store import Store, StoreError

WORLD_HELP = "World directory written by `fraudlink simulate` (its truth/ and world.json)."


@click.group()
def evaluate() -> None:
    """Score detectors against the truth of the world a store was ingested from."""


def _time(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time; without a zone it is UTC."""
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 time: {value!r}", param_hint=option) from exc
    return t if t.tzinfo else t.replace(tzinfo=UTC)


@evaluate.command()
@click.option(
    "--world",
    "world_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help=WORLD_HELP,
)
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
@click.option("--as-of", "as_of", metavar="TIME", help="Score as at (ISO 8601; default: end).")
@click.option("--split", metavar="TIME", help="Train on labels known by (default: mid-period).")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
def detection(
    world_dir: Path, db: Path | None, as_of: str | None, split: str | None, as_json: bool
) -> None:
    """Mule accounts, SIM cards, rings and insiders: scores against truth, with baselines."""
    at, cut = _time(as_of, "--as-of"), _time(split, "--split")
    for name in ("world.json", "truth"):
        if not (world_dir / name).exists():
            raise click.ClickException(f"{world_dir / name}: no such file: is it a world?")
    feed_rows = _world_feed_rows(world_dir)
    with open_store(db, read_only=True) as store:
        _require_ingested_from(world_dir, feed_rows, store)
        # Imported here: LightGBM takes seconds to load, and no other command needs it.
        from fraudlink.detect.evaluation import evaluate_detection

        try:
            doc = evaluate_detection(world_dir, store, as_of=at, split=cut)
        except (StoreError, ValueError, FileNotFoundError) as exc:
            raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        _show(doc)


def _world_feed_rows(world_dir: Path) -> dict[str, int]:
    """Rows per feed the world wrote (from its world.json), feeds without rows left out."""
    path = world_dir / "world.json"
    try:
        rows = json.loads(path.read_text("utf-8"))["rows"]
        return {k: int(v) for k, v in rows.items() if k in FEED_TABLES and int(v) > 0}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise click.ClickException(f"{path}: not a world's manifest (row counts): {exc}") from exc


def _require_ingested_from(world_dir: Path, feed_rows: dict[str, int], store: Store) -> None:
    """Refuse a store not ingested from this world's feeds: for every feed the world wrote, the
    store's ingest log must hold a file that read exactly the world's row count. Counts differ
    between seeds and configurations, cost no reading of the feeds, and survive later additions
    to the store (a new report, another file)."""
    logged: dict[str, set[int]] = {}
    for feed, n in store.con.execute("select feed, rows_read from ingest_log").fetchall():
        logged.setdefault(feed, set()).add(int(n))
    differ = [f for f, n in sorted(feed_rows.items()) if n not in logged.get(f, set())]
    if not differ:
        return
    shown = "; ".join(
        f"{f}: {feed_rows[f]:,} rows in the world, "
        + (", ".join(f"{n:,}" for n in sorted(logged[f])) + " in the store's files"
           if f in logged else "none ingested")
        for f in differ[:3]
    )  # fmt: skip
    more = f" (and {len(differ) - 3} more feeds)" if len(differ) > 3 else ""
    raise click.ClickException(
        f"{store.path} was not ingested from the world {world_dir}: {shown}{more}; "
        f"ingest {world_dir / 'feeds'} into a new store to evaluate it"
    )


def _china(iso: str) -> str:
    """An ISO time of the result document, shown in China time."""
    return datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m-%d %H:%M (UTC+8)")


def _num(v: Any, digits: int = 4) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _met(doc: dict[str, Any], kind: str, variant: str) -> str:
    checks = [t for t in doc["targets"] if t["kind"] == kind and t["variant"] == variant]
    if not checks:
        return ""
    if any(t["met"] is None for t in checks):
        return "unmeasured"
    return "yes" if all(t["met"] for t in checks) else "NO"


def _show(doc: dict[str, Any]) -> None:
    w = doc["world"]
    click.echo(
        "card-cutting (断卡) detectors scored against the world's truth: mule accounts "
        "(涉诈账户), abused SIM cards, insiders and card rings"
    )
    click.echo(
        f"world {w['dir']} (preset {w['preset']}, seed {w['seed']}); scored as of "
        f"{_china(doc['as_of'])}, accounts trained on labels known by {_china(doc['split'])}"
    )
    head = ("kind", "variant", "PR-AUC", "P", "R", "F1", "innocent", "flagged", "pos", "target")
    rows = []
    for kind in ("accounts", "sims", "insiders"):
        for variant, m in doc[kind]["variants"].items():
            rows.append((
                kind, variant, _num(m["pr_auc"]), _num(m["precision"]), _num(m["recall"]),
                _num(m["f1"]), _num(m["innocent_flagged"], 6), m["flagged"], m["positives"],
                _met(doc, kind, variant),
            ))  # fmt: skip
    rings = doc["rings"]
    if rings.get("available"):
        rows.append((
            "rings", "persons", _num(rings.get("pr_auc")), _num(rings.get("person_precision")),
            "", "", _num(rings.get("innocent_persons_flagged_share"), 6),
            rings.get("persons_flagged", ""), "", _met(doc, "rings", ""),
        ))  # fmt: skip
    # render_table right-aligns every column after the first: pad the variant names to the left.
    width = max((len(str(r[1])) for r in rows), default=0)
    rows = [(r[0], str(r[1]).ljust(width), *r[2:]) for r in rows]
    click.echo(render_table(head, rows))
    if rings.get("available"):
        found = _num(rings.get("rings_found_share"))
        click.echo(f"share of rings found, each with at least half its members: {found}")
    else:
        click.echo(f"rings: not measured ({rings.get('reason')})")
    click.echo("\ntargets:")
    for t in doc["targets"]:
        label = f"{t['kind']} {t['variant']}".strip()
        met = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        value = "-" if t["value"] is None else f"{t['value']:.6g}"
        click.echo(f"  {label} {t['metric']} {t['op']} {t['target']}: {value} ({met})")
