"""`fraudlink simulate`: write a synthetic city's feeds and truth."""

from __future__ import annotations

from pathlib import Path

import click

from fraudlink.cli.common import progress_printer, simulator_config, world_options
from fraudlink.simulate import simulate_to_dir


@click.command()
@world_options
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML file whose keys override the preset (see docs/simulator.md).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory to write feeds/, truth/ and world.json into.",
)
def simulate(preset: str, config_path: Path | None, seed: int, out: Path, quiet: bool) -> None:
    """Simulate a city and write its feeds (what members see) and truth (kept apart)."""
    cfg = simulator_config(preset, config_path)
    counts = simulate_to_dir(cfg, seed, out, progress_printer(quiet))
    total = sum(counts.values())
    click.echo(f"wrote {len(counts)} tables, {total:,} rows, to {out}")
