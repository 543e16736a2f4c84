"""`fraudlink evaluate`: how well the detectors do against a simulated world's truth."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from fraudlink.cli.common import render_table
from fraudlink.cli.ingest_cmd import DB_HELP
from fraudlink.store import Store, StoreError, default_db_path

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
    # Imported here: LightGBM takes seconds to load, and no other command needs it.
    from fraudlink.detect.evaluation import evaluate_detection

    at, cut = _time(as_of, "--as-of"), _time(split, "--split")
    for name in ("world.json", "truth"):
        if not (world_dir / name).exists():
            raise click.ClickException(f"{world_dir / name}: no such file: is it a world?")
    try:
        with Store(db or default_db_path(), read_only=True) as store:
            doc = evaluate_detection(world_dir, store, as_of=at, split=cut)
    except (StoreError, ValueError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        _show(doc)


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
        f"world {w['dir']} (preset {w['preset']}, seed {w['seed']}); scored as of {doc['as_of']}, "
        f"accounts trained on labels known by {doc['split']}"
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
