"""`fraudlink demo`: the main job. For now: simulate the default city and show what is in it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from fraudlink.cli.common import (
    data_dir,
    progress_printer,
    render_table,
    simulator_config,
    world_options,
)
from fraudlink.simulate import simulate_to_dir, world_summary
from fraudlink.simulate.summary import summary_labels

MONEY_KEYS = ("fraud_loss_fen", "reported_loss_fen", "unreported_loss_fen")


@click.command()
@world_options
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to write the world [default: DATA/worlds/PRESET-seedN].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def demo(preset: str, seed: int, out: Path | None, as_json: bool, quiet: bool) -> None:
    """Simulate the default city and print a summary of what is in it."""
    cfg = simulator_config(preset)
    out = out or data_dir() / "worlds" / f"{preset}-seed{seed}"
    simulate_to_dir(cfg, seed, out, progress_printer(quiet))
    summary = world_summary(out)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    labels = summary_labels()
    rows = [(labels[k], v / 100 if k in MONEY_KEYS else v) for k, v in summary.items()]
    start = cfg.start
    click.echo(
        f"\nSynthetic city '{preset}' (seed {seed}): {cfg.world.persons:,} residents, "
        f"{cfg.world.days} days from {start:%Y-%m-%d} (China time)"
    )
    click.echo(render_table(("figure", "value"), rows))
    click.echo(f"\nFeeds in {out / 'feeds'}; ground truth, kept apart, in {out / 'truth'}.")
